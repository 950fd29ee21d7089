#pragma once

// SupervisorManager: the Kafka supervisors of one furld, by id (the
// dataSource), and the file that keeps their specs across restarts.
//
// The specs live in `<dataDir>/supervisors.json`, rewritten whole and
// atomically (temporary file, fsync, rename) on every change:
//
//   {"version": 1, "supervisors": [
//     {"id": "wikipedia", "suspended": false, "offsetsEpoch": 1, "spec": {...}}]}
//
// `spec` is the submitted Druid spec as it was sent. `offsetsEpoch` is raised
// by a reset; see kOffsetsEpochProperty in supervisor.h.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/supervisor.h"
#include "storage/database_impl.h"

namespace furl::ingest {

/// The operator's view of one supervisor.
struct SupervisorReport {
  /// RUNNING, SUSPENDED, or UNHEALTHY_SUPERVISOR when it could not start, a
  /// partition stopped at an out-of-range offset, or errors keep recurring
  /// (SupervisorStatus::failing).
  std::string state;
  /// Why it could not start; empty otherwise.
  std::string startError;
  uint64_t offsetsEpoch = 0;
  /// The spec as it was submitted.
  std::string specJson;
  SupervisorStatus status;

  /// The error to show the operator: why it could not start, else why a
  /// partition stopped, else the last consumer or commit error; empty when none.
  std::string error() const;
};

struct SubmitResult {
  std::string id;
  /// Spec fields that Furl ignores or honours only in part.
  std::vector<std::string> notes;
};

/// Thread-safe. Operations on supervisors run one at a time; they are rare
/// and stopping a supervisor can take as long as one commit plus leaving
/// the consumer group.
class SupervisorManager {
 public:
  /// `database` must outlive the manager.
  explicit SupervisorManager(storage::DatabaseImpl& database, SupervisorOptions options = {});
  /// Stops every supervisor.
  ~SupervisorManager();

  /// Reads the stored specs and starts those not suspended. A spec that
  /// fails to start stays stored and reports UNHEALTHY_SUPERVISOR. Errors:
  /// the file cannot be read or is damaged (DataLoss).
  absl::Status startStored();

  /// Validates, stores and starts a spec, replacing a running supervisor of
  /// the same dataSource (which keeps its offsets). InvalidArgument for an
  /// invalid spec, with the JSON path of the bad field; FailedPrecondition
  /// when an existing table does not fit it.
  absl::StatusOr<SubmitResult> submit(std::string_view specJson);

  std::vector<std::string> ids() const;
  /// NotFound for an unknown id.
  absl::StatusOr<SupervisorReport> report(const std::string& id) const;
  /// The malformed messages kept for supervisor `id`: none while it has not
  /// run since furld started. NotFound for an unknown id.
  absl::StatusOr<std::vector<IngestError>> ingestErrors(const std::string& id) const;

  /// Stops reading and commits what was read; the spec stays stored.
  absl::Status suspend(const std::string& id);
  absl::Status resume(const std::string& id);
  /// Forgets the stored offsets: the supervisor starts again from the
  /// earliest or latest offset per useEarliestOffset, which also resumes
  /// partitions stopped at an out-of-range offset. Rows already ingested
  /// stay in the table.
  absl::Status reset(const std::string& id);
  /// Stops the supervisor and removes its spec; the table stays.
  absl::Status terminate(const std::string& id);

  /// Stops every supervisor without changing the stored specs.
  void stopAll();

 private:
  struct Entry {
    std::string specJson;
    uint64_t offsetsEpoch = 1;
    bool suspended = false;
    std::string startError;
    std::unique_ptr<Supervisor> supervisor;
  };

  /// Starts `entry`'s supervisor; records a failure in entry.startError.
  absl::Status startEntry(const std::string& id, Entry& entry);
  absl::Status persistLocked() const;
  uint64_t storedEpoch(const std::string& table) const;

  storage::DatabaseImpl& database_;
  const SupervisorOptions options_;
  const std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // guarded by mutex_
};

}  // namespace furl::ingest
