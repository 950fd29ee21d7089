#pragma once

// The server side of the native protocol (protocol/furl.thrift,
// docs/native-protocol.md): Thrift's TThreadedServer with framed transport
// and the compact protocol, running statements on a QueryEngine.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"

namespace furl::query {
class ProcessList;
class QueryEngine;
}

namespace furl::protocol {

/// Serves native clients on a TCP port. Each connection gets a thread; each
/// running statement gets a worker thread whose encoded result batches wait
/// in a queue bounded by `Options::queueBytes`.
///
/// Thread-safety: start() and stop() must be called from one thread; the
/// engine must outlive the server.
class NativeServer {
 public:
  struct Options {
    /// Address to listen on. Keep the loopback default unless the port is
    /// protected by other means: the protocol has no TLS.
    std::string host = "127.0.0.1";
    /// TCP port; 0 picks a free one (see port()).
    int port = 9100;
    /// The one account the server accepts.
    std::string user = "default";
    std::string password;
    /// A connection that sends nothing for this long is closed, in ms.
    int64_t idleTimeoutMs = 300'000;
    /// Connections beyond this wait in the listen backlog until one closes.
    int64_t maxConnections = 1024;
    /// Encoded result bytes a running query may queue before its worker waits
    /// for the client to fetch them.
    size_t queueBytes = size_t{32} << 20;
    /// When set, every statement is listed here while it runs (for
    /// system.processes) and KILL QUERY statements cancel others in it.
    /// Must outlive the server.
    query::ProcessList* processes = nullptr;
  };

  NativeServer(query::QueryEngine& engine, Options options);
  /// Stops the server if it is running.
  ~NativeServer();

  NativeServer(const NativeServer&) = delete;
  NativeServer& operator=(const NativeServer&) = delete;

  /// Binds the port and starts serving on a background thread. Returns
  /// Unavailable when the port cannot be bound, FailedPrecondition when the
  /// server already runs.
  absl::Status start();

  /// Closes the port and every connection, cancels running statements and
  /// waits for their workers. Safe to call more than once.
  void stop();

  /// The bound port (the chosen one when Options::port was 0); 0 before start().
  int port() const;

  /// The server's state, defined in native_server.cpp; public only so that
  /// the file's connection handlers can name it.
  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace furl::protocol
