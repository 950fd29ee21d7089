#pragma once

// An HTTP/1.1 server on Boost.Beast. A few I/O threads run one asio
// io_context and each connection reads requests in turn (keep-alive). The
// handler runs on a separate WorkerPool (HttpServerOptions::workerThreads),
// so a long query never blocks the I/O threads: health checks and other
// requests that `runsOnIoThread` selects are served on the I/O thread at
// once, and those that `runsOnControlThread` selects run on a small pool of
// their own. While a handler runs on the pool, the I/O side keeps reading the
// connection, and when the client closes it the request's ClientConnection
// runs its close callback (the query is cancelled).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"

namespace furl::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

class WorkerPool;

/// The client connection of one request, for its handler. Thread-safe.
class ClientConnection {
 public:
  ClientConnection(std::string address, uint16_t port) : address_(std::move(address)), port_(port) {}

  const std::string& address() const { return address_; }
  uint16_t port() const { return port_; }

  /// Sets the callback that runs once when the client closes the connection
  /// before the response is written. It runs at once when the client has
  /// closed it already, and replaces an earlier callback.
  void onClose(std::function<void()> callback);

  /// Marks the connection closed and runs the callback; called by the server.
  void markClosed();
  bool closed() const;

 private:
  const std::string address_;
  const uint16_t port_;
  mutable std::mutex mutex_;
  bool closed_ = false;
  std::function<void()> onClose_;
};

/// Builds the response to one request. Called concurrently from pool
/// threads; it must not throw.
using HttpHandler = std::function<HttpResponse(HttpRequest& request, ClientConnection& connection)>;

struct HttpServerOptions {
  std::string listenHost = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
  /// Threads that read and write sockets.
  uint32_t numThreads = 2;
  /// Threads that run handlers; 0 runs every handler on the I/O thread
  /// that read the request.
  uint32_t workerThreads = 0;
  /// Requests that may wait for a free worker thread; beyond that the server
  /// sends `overloadedResponse`.
  uint32_t maxQueuedRequests = 64;
  /// Requests for which this returns true run on the I/O thread, even with
  /// worker threads: cheap ones such as health checks.
  std::function<bool(const HttpRequest&)> runsOnIoThread;
  /// Requests for which this returns true run on a separate pool of
  /// `controlThreads` threads (with worker threads only), so that short
  /// control statements such as KILL QUERY run while every worker is busy.
  std::function<bool(const HttpRequest&)> runsOnControlThread;
  uint32_t controlThreads = 1;
  /// The response when every worker thread is busy and the queue is full;
  /// by default a plain 503.
  std::function<HttpResponse(const HttpRequest&)> overloadedResponse;
  uint64_t maxBodyBytes = uint64_t{1} << 30;
  /// Idle time after which a keep-alive connection is closed.
  uint32_t keepAliveTimeoutSeconds = 10;
  /// Time allowed to receive one request once its first byte arrived.
  uint32_t requestTimeoutSeconds = 600;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();

  /// Binds, listens and starts the pool threads. Errors: the bind or listen
  /// failure, with the address.
  absl::Status start();

  /// The bound port (useful when options.port was 0). Valid after start().
  uint16_t port() const { return boundPort_; }

  /// Stops accepting, lets requests being served finish for up to
  /// `drainTimeoutMs`, then stops the pool and closes every connection.
  /// `onDrainTimeout` runs when requests are still running at the deadline
  /// (furld cancels their queries there), after which stop waits a few
  /// seconds more. Safe to call more than once.
  void stop(uint32_t drainTimeoutMs, const std::function<void()>& onDrainTimeout = {});

  /// Requests being handled right now, queued ones included.
  uint32_t activeRequests() const { return activeRequests_.load(); }

 private:
  class Session;

  void accept();
  /// Runs the I/O context on one of the server's threads until it stops.
  void runThread();

  HttpServerOptions options_;
  HttpHandler handler_;
  boost::asio::io_context ioContext_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WorkerPool> controlWorkers_;
  uint16_t boundPort_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> activeRequests_{0};
  bool stopped_ = false;
};

}  // namespace furl::server
