#pragma once

// The entry point the servers use to run SQL.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/types.h"
#include "query/system_tables.h"

namespace furl::storage {
class Database;
}

namespace furl::query {

/// Counters reported with every result (ClickHouse's X-ClickHouse-Summary).
struct QueryStats {
  uint64_t readRows = 0;
  uint64_t readBytes = 0;
  uint64_t writtenRows = 0;
  uint64_t writtenBytes = 0;
  uint64_t resultRows = 0;
  uint64_t elapsedNs = 0;
  uint64_t segmentsScanned = 0;
  uint64_t segmentsPruned = 0;
  uint64_t blocksPruned = 0;
  /// Reads of cold segments: bytes downloaded from the object store, range
  /// requests sent, and ranges served from the local block cache.
  uint64_t coldFetchBytes = 0;
  uint64_t coldFetchRequests = 0;
  uint64_t coldCacheHits = 0;
};

/// Counters a running query updates after every morsel, for progress
/// reports from another thread.
struct QueryProgress {
  std::atomic<uint64_t> readRows{0};
  std::atomic<uint64_t> readBytes{0};
  /// Rows the query will read, known once segments are pruned; 0 until then.
  std::atomic<uint64_t> totalRowsToRead{0};
  std::atomic<uint64_t> coldFetchBytes{0};
  std::atomic<uint64_t> coldFetchRequests{0};
  std::atomic<uint64_t> coldCacheHits{0};
};

struct QueryOptions {
  std::string queryId;
  /// Data that follows the statement for `INSERT ... FORMAT X` (the HTTP
  /// body after the query, or the whole body when the query is in the URL).
  std::string_view insertData;
  /// Session settings (`max_threads`, ...). The engine rejects names it
  /// does not know (see query/query_settings.h).
  std::map<std::string, std::string> settings;
  /// Set to true from another thread to cancel; checked between batches.
  const std::atomic<bool>* cancelled = nullptr;
  /// The query fails with TIMEOUT_EXCEEDED when it is still running at this
  /// time; checked between batches. The engine sets it from the
  /// max_execution_time setting; the default is no deadline.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  /// When set, updated while the query runs.
  QueryProgress* progress = nullptr;
  /// Rejects statements that change data or tables, with `readOnlyReason`
  /// in the message (HTTP GET requests, the readonly setting).
  bool readOnly = false;
  std::string readOnlyReason;
  /// The current database: `default`, or a system schema such as `system`,
  /// in which unqualified table names are then looked up. The engine rejects
  /// other names with UNKNOWN_DATABASE.
  std::string database = "default";
};

struct QueryResult {
  /// Empty for statements without a result set (CREATE, INSERT, DROP).
  std::vector<std::string> columnNames;
  std::vector<DataType> columnTypes;
  /// Dense batches (no selection vector), in result order.
  std::vector<Batch> batches;
  /// The `FORMAT` clause of the statement, if any (`JSONEachRow`); the
  /// server uses it unless the request chose a format another way.
  std::string format;
  QueryStats stats;
  /// Warnings for the client (unknown settings that were ignored, ...).
  std::vector<std::string> warnings;

  size_t numRows() const;
};

/// Parses, binds and runs statements against a Database. Thread-safe: any
/// number of queries may run at once. Errors are thrown as QueryError.
class QueryEngine {
 public:
  explicit QueryEngine(storage::Database& database);
  ~QueryEngine();

  QueryResult execute(std::string_view sql, const QueryOptions& options);

  storage::Database& database() { return database_; }

  /// The system tables; the constructor registers those that describe the
  /// database, and the server adds others (supervisors) before serving.
  SystemTables& systemTables() { return *systemTables_; }

 private:
  storage::Database& database_;
  std::unique_ptr<SystemTables> systemTables_;
};

}  // namespace furl::query
