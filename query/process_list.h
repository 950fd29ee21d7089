#pragma once

// The queries running in this server, for system.processes and KILL QUERY.
// Every server that runs statements (HTTP, native protocol) registers each
// statement here while it runs. The entry carries the cancel flag and the
// live progress counters that the statement's QueryOptions point to, so
// cancelling an entry cancels the statement at its next check (between
// morsels of a scan).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_engine.h"

namespace furl::query {

/// The client and text of a statement, as system.processes shows them.
struct ProcessInfo {
  std::string queryId;
  std::string user;
  std::string query;
  /// ClickHouse's interface numbers: 1 for TCP (here the native protocol),
  /// 2 for HTTP.
  uint8_t interface = 2;
  /// 0 unknown, 1 GET, 2 POST, as ClickHouse's http_method column.
  uint8_t httpMethod = 0;
  std::string address;
  uint16_t port = 0;
  std::string httpUserAgent;
  std::string clientName;
  std::string currentDatabase = "default";
};

/// One running statement, shared by the thread that runs it and by readers
/// of the process list. Only the cancel flag and the progress counters
/// change after registration.
class QueryProcess {
 public:
  QueryProcess(ProcessInfo info, std::function<void()> onCancel);

  const ProcessInfo& info() const { return info_; }
  std::chrono::steady_clock::time_point startTime() const { return start_; }
  double elapsedSeconds() const;

  /// Sets the cancel flag and runs the callback given at registration (once).
  void cancel();
  bool isCancelled() const { return cancelled_.load(); }

  /// Point QueryOptions::cancelled and QueryOptions::progress here.
  const std::atomic<bool>* cancelFlag() const { return &cancelled_; }
  QueryProgress& progress() { return progress_; }
  const QueryProgress& progress() const { return progress_; }

 private:
  const ProcessInfo info_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<bool> cancelled_{false};
  std::once_flag cancelOnce_;
  std::function<void()> onCancel_;
  QueryProgress progress_;
};

/// The registry of running statements. Thread-safe. Query ids need not be
/// unique: ClickHouse rejects a second query with a running id, but this
/// list keeps both and KILL QUERY cancels both.
class ProcessList {
 public:
  /// Removes its process from the list when destroyed.
  class Registration {
   public:
    Registration() = default;
    Registration(ProcessList* list, std::shared_ptr<QueryProcess> process);
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration();

    QueryProcess* operator->() const { return process_.get(); }
    QueryProcess& operator*() const { return *process_; }
    const std::shared_ptr<QueryProcess>& process() const { return process_; }

   private:
    void reset();

    ProcessList* list_ = nullptr;
    std::shared_ptr<QueryProcess> process_;
  };

  /// Registers a statement. `onCancel` runs (on the cancelling thread) when
  /// the entry is cancelled, for runners that must wake a waiting thread.
  /// After cancelAll(), new entries start cancelled.
  Registration add(ProcessInfo info, std::function<void()> onCancel = {});

  /// The running statements, oldest first.
  std::vector<std::shared_ptr<QueryProcess>> list() const;

  /// Cancels every statement with this id; returns the cancelled entries.
  std::vector<std::shared_ptr<QueryProcess>> cancel(std::string_view queryId);

  /// Cancels every statement, now and registered later (server shutdown).
  void cancelAll();

  /// Waits until none of `processes` is in the list any more, or until
  /// `stopWaiting` returns true (checked every 50 ms). Returns true when all
  /// of them finished.
  bool waitUntilFinished(const std::vector<std::shared_ptr<QueryProcess>>& processes,
                         const std::function<bool()>& stopWaiting);

  size_t size() const;

 private:
  void remove(const QueryProcess* process);

  mutable std::mutex mutex_;
  std::condition_variable removed_;
  uint64_t nextSerial_ = 0;
  std::map<uint64_t, std::shared_ptr<QueryProcess>> processes_;  // by registration order
  bool cancelNew_ = false;
};

/// `KILL QUERY [ON CLUSTER name] WHERE expr [SYNC | ASYNC | TEST] [FORMAT name]`.
struct KillQueryStatement {
  enum class Mode { kAsync, kSync, kTest };
  /// The condition on system.processes columns, as written.
  std::string where;
  Mode mode = Mode::kAsync;
  std::string format;
};

/// Parses a KILL QUERY statement. Returns nullopt when `sql` does not start
/// with KILL QUERY; throws QueryError (SYNTAX_ERROR) when it does but the
/// rest is malformed (no WHERE, or an empty condition).
std::optional<KillQueryStatement> parseKillQuery(std::string_view sql);

/// Runs KILL QUERY as ClickHouse does. It selects query_id, user and query
/// from system.processes with the statement's condition (through `engine`,
/// so the condition may be any expression), leaves out the KILL statement
/// itself (options.queryId), cancels the others and returns one row per
/// query with kill_status first. ASYNC returns `waiting` at once, or `finished` for a
/// query that ended before it was cancelled; SYNC waits until each query has
/// ended and returns `finished`; TEST cancels nothing and returns
/// `unknown_status`. A SYNC wait ends early when the KILL statement itself
/// is cancelled or passes its deadline, and then throws that error.
QueryResult executeKillQuery(QueryEngine& engine, ProcessList& processes, const KillQueryStatement& statement,
                             const QueryOptions& options);

/// ClickHouse's query_kind of a statement: its first keyword (`Select`,
/// `Insert`, `Create`, ...), with WITH counted as Select.
std::string queryKind(std::string_view sql);

/// Registers system.processes over `processes`, which must outlive `tables`.
void registerProcessesTable(SystemTables& tables, const ProcessList& processes);

}  // namespace furl::query
