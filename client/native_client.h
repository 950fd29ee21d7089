#pragma once

// A C++ client for Furl's native protocol (protocol/furl.thrift). The
// `furl` shell is built on it.
//
//   auto client = NativeClient::connect({.host = "127.0.0.1", .port = 9100});
//   QueryCallbacks callbacks;
//   callbacks.onBatch = [](const Batch& batch) { ...; return absl::OkStatus(); };
//   auto summary = (*client)->execute("SELECT 1", callbacks);

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"

namespace furl::client {

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 9100;
  std::string user = "default";
  std::string password;
  std::string database = "default";
  std::string clientName = "furl-cpp";
  /// Ask for LZ4-compressed result batches.
  bool compression = true;
  /// Upper bound of result batches, in bytes; 0 takes the server's (8 MiB).
  int32_t maxBatchBytes = 0;
  int connectTimeoutMs = 10'000;
  /// Maximum wait for any reply; fetches return within pollIntervalMs, so
  /// only slow inserts and DDL come near it.
  int receiveTimeoutMs = 600'000;
  /// How long one fetch waits for a batch before it returns with progress
  /// only; also the delay before a cancel request is sent.
  int pollIntervalMs = 50;
  /// Session settings sent with the handshake.
  std::map<std::string, std::string> settings;
};

struct Progress {
  uint64_t readRows = 0;
  uint64_t readBytes = 0;
  uint64_t elapsedNs = 0;
  uint64_t totalRowsEstimate = 0;
  uint64_t resultRows = 0;
  uint64_t resultBytes = 0;
};

struct Summary {
  uint64_t readRows = 0;
  uint64_t readBytes = 0;
  uint64_t writtenRows = 0;
  uint64_t writtenBytes = 0;
  uint64_t resultRows = 0;
  uint64_t resultBytes = 0;
  uint64_t elapsedNs = 0;
  std::vector<std::string> warnings;
};

/// Result columns of a statement; empty for statements without a result set.
struct Schema {
  std::vector<std::string> names;
  std::vector<DataType> types;
  /// The statement's FORMAT clause, empty when absent.
  std::string format;
};

/// Callbacks of execute(), all called on the calling thread. Any may be empty.
struct QueryCallbacks {
  /// Called once, before the first batch.
  std::function<void(const Schema&)> onSchema;
  /// Called per batch, in result order. A non-OK status cancels the query
  /// and becomes execute()'s result.
  std::function<absl::Status(const Batch&)> onBatch;
  /// Called after every reply from the server (about every pollIntervalMs).
  std::function<void(const Progress&)> onProgress;
  /// Polled after every reply; returning true cancels the query, which then
  /// ends with error 394 (QUERY_WAS_CANCELLED).
  std::function<bool()> shouldCancel;
};

struct ExecuteOptions {
  /// Empty: the server picks one.
  std::string queryId;
  std::map<std::string, std::string> settings;
  /// Data of `INSERT ... FORMAT X` sent with the statement (keep it below a
  /// few MiB: it travels in one frame; use beginInsert for more).
  std::string insertData;
};

/// Target of a columnar INSERT, from beginInsert().
struct InsertTarget {
  std::string queryId;
  std::vector<std::string> names;
  std::vector<DataType> types;
  /// The FORMAT name of the statement, for callers that parse input.
  std::string format;
};

/// One connection with one session. Not thread-safe: use a connection from
/// one thread at a time, and a second connection to cancel from another
/// thread (cancel()).
///
/// Errors: server errors come back as statuses made by statusFromError()
/// (common/error.h), so errorFromStatus() recovers the ErrorCode; the text
/// includes the position in the SQL when the server sent one. A broken
/// connection is Unavailable; the client must then reconnect.
class NativeClient {
 public:
  /// Connects and performs the handshake.
  static absl::StatusOr<std::unique_ptr<NativeClient>> connect(const ClientOptions& options);
  ~NativeClient();

  NativeClient(const NativeClient&) = delete;
  NativeClient& operator=(const NativeClient&) = delete;

  const std::string& serverVersion() const;
  const std::string& sessionId() const;
  int32_t protocolVersion() const;

  /// Runs one statement and streams its result through `callbacks`.
  absl::StatusOr<Summary> execute(std::string_view sql, const QueryCallbacks& callbacks,
                                  const ExecuteOptions& options = {});

  /// Cancels a query of the same user, typically one running on another
  /// connection. Returns false when no such query runs.
  absl::StatusOr<bool> cancel(const std::string& queryId);

  /// Merges settings into the session.
  absl::Status setSettings(const std::map<std::string, std::string>& settings);

  /// Starts `INSERT INTO t [(columns)] FORMAT Name` (no data after the name).
  absl::StatusOr<InsertTarget> beginInsert(std::string_view sql, const std::string& queryId = "");
  /// Sends rows of the open insert; columns must match InsertTarget in
  /// order and type. Large batches are cut into bounded frames.
  absl::Status sendInsertBatch(const InsertTarget& target, const Batch& batch);
  /// Writes the remaining rows and ends the insert.
  absl::StatusOr<Summary> endInsert(const InsertTarget& target);

  absl::Status ping();

 private:
  struct Connection;
  explicit NativeClient(std::unique_ptr<Connection> connection);

  std::unique_ptr<Connection> connection_;
};

}  // namespace furl::client
