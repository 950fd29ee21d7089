#pragma once

// Supervisor: reads one Kafka topic into one table, per a Druid Kafka
// supervisor spec.
//
// ioConfig.taskCount consumers of the consumer group `furl-<dataSource>`,
// each on a thread of its own, decode messages, apply the spec's transforms
// and filter, and add the events to one HotTable. The table makes them
// visible to queries at once. It persists them in one catalog commit with
// the next offset to read of every assigned partition
// (`kafka.offset.<topic>.<partition>`; docs/hot-segments.md). On partition
// assignment a consumer seeks to those stored offsets, which makes
// ingestion exactly-once across crashes:
// Kafka's own committed offsets are written after the catalog commit, for
// lag monitoring only, and are never read back.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "ingest/hot_table.h"
#include "ingest/ingestion_spec.h"
#include "storage/database_impl.h"

// librdkafka's C message type (rdkafka.h), which the consume loop reads.
struct rd_kafka_message_s;
using rd_kafka_message_t = rd_kafka_message_s;

namespace RdKafka {
class KafkaConsumer;
class TopicPartition;
}  // namespace RdKafka

namespace furl::ingest {

/// The table property that stores the next offset to read of a partition.
std::string kafkaOffsetProperty(std::string_view topic, int32_t partition);

/// The table property that stores the offsets epoch: the stored offsets are
/// used only while it equals the supervisor's epoch, which a reset raises.
inline constexpr std::string_view kOffsetsEpochProperty = "kafka.offsets.epoch";

/// A message that could not be ingested whole.
struct ParseErrorRecord {
  int64_t wallTimeMs = 0;  // when it was read
  int32_t partition = 0;
  int64_t offset = 0;
  /// `empty`, `invalid_json`, `invalid_row` (csv, tsv), `invalid_timestamp`
  /// for dropped messages; `invalid_field` for an ingested row with a field
  /// that did not convert.
  std::string reason;
  std::string error;
  /// The start of the message, at most SupervisorOptions::rawPrefixBytes.
  std::string rawPrefix;
};

/// Druid's row counters, plus a breakdown of `unparseable` by reason.
struct SupervisorStats {
  uint64_t processed = 0;           // rows ingested without problems
  uint64_t processedWithError = 0;  // rows ingested with a field set to NULL
  uint64_t thrownAway = 0;          // messages dropped by transformSpec.filter
  uint64_t unparseable = 0;         // messages dropped as malformed
  std::map<std::string, uint64_t> unparseableByReason;
  uint64_t rowsCommitted = 0;       // rows written to the table, after rollup
  uint64_t commits = 0;
  /// Automatic resets of out-of-range offsets, the offsets they skipped, and
  /// those whose skipped offsets are unknown (see IngestCounters).
  uint64_t offsetResets = 0;
  uint64_t offsetsSkipped = 0;
  uint64_t offsetResetsSkipUnknown = 0;
};

/// An automatic reset of a partition whose offset was out of range.
struct OffsetReset {
  int64_t fromOffset = -1;  // the offset that was out of range
  int64_t toOffset = -1;    // the earliest or latest offset, per useEarliestOffset
  /// toOffset - fromOffset; empty when fromOffset was beyond the end of the
  /// partition, so the log was truncated or recreated and the loss is unknown.
  std::optional<uint64_t> skipped;
  int64_t wallTimeMs = 0;
};

struct PartitionStatus {
  int32_t partition = 0;
  /// The next offset recorded in the table's catalog (-1 before the first commit).
  int64_t committedOffset = -1;
  /// The next offset to read.
  int64_t currentOffset = -1;
  /// The partition's end offset last seen by the consumer (-1 when unknown).
  int64_t highWatermark = -1;
  /// The offset the broker reported out of range while reading the
  /// partition is stopped; -1 while it is read.
  int64_t outOfRangeOffset = -1;
  /// The reason reading stopped and the fix; empty while it is read.
  std::string outOfRangeError;
  /// The last automatic reset since the supervisor started.
  std::optional<OffsetReset> lastReset;
};

struct SupervisorStatus {
  std::string id;
  std::string topic;
  std::vector<PartitionStatus> partitions;
  SupervisorStats stats;
  std::vector<ParseErrorRecord> recentErrors;  // oldest first
  /// The last consumer or commit failure; empty when there was none.
  std::string lastError;
  /// True while some partition stopped at an out-of-range offset.
  bool offsetsOutOfRange = false;
  /// True when the last three errors all happened within 30 seconds and no
  /// message was counted since the last one: the broker is unreachable, the
  /// table is gone, and so on.
  bool failing = false;
};

struct SupervisorOptions {
  /// The interval at which a consumer copies its partition offsets to the
  /// status while messages keep arriving. When no
  /// message is waiting, it copies them at once. Rows do not wait for this,
  /// because a query publishes them (HotTable::refreshView()).
  int64_t statusIntervalMs = 5;
  /// Parse errors kept for the status (the newest ones).
  size_t maxRecentErrors = 100;
  size_t rawPrefixBytes = 256;
  /// The wait before reading again after the hot rows were discarded.
  int64_t retryDelayMs = 1000;
  HotTableOptions hot;
};

/// Returns the librdkafka properties of consumer `index` of a supervisor.
/// They start from the spec's consumerProperties. The settings exactly-once
/// needs override them: group.id, no automatic commits or offset resets and
/// a client.id per consumer. Furl's defaults for fetch.wait.max.ms,
/// queued.max.messages.kbytes and queued.min.messages fill what the spec
/// leaves out.
std::map<std::string, std::string> consumerSettings(const IngestionSpec& spec, size_t index);

/// Not copyable. start() and stop() are called from one thread at a time;
/// status() may be called from any thread.
class Supervisor {
 public:
  /// `database` must outlive the supervisor. `offsetsEpoch` selects which
  /// stored offsets are valid (see kOffsetsEpochProperty).
  Supervisor(IngestionSpec spec, storage::DatabaseImpl& database, uint64_t offsetsEpoch,
             SupervisorOptions options = {});
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Creates the table when it does not exist, creates the consumer,
  /// subscribes and starts the thread. FailedPrecondition when an existing
  /// table does not match the spec; InvalidArgument for a consumer property
  /// librdkafka rejects.
  absl::Status start();

  /// Stops reading, persists what was read, closes the consumers (leaving
  /// the group) and joins the threads. Safe to call when not running.
  void stop();

  bool running() const { return !workers_.empty(); }
  const IngestionSpec& spec() const { return spec_; }
  SupervisorStatus status() const;

  /// The malformed messages kept for the table: the committed ones, then
  /// those read since the last persist. Errors: the error log cannot be read.
  absl::StatusOr<std::vector<IngestError>> ingestErrors() const;

 private:
  class RebalanceHandler;
  class EventHandler;
  struct Worker;
  struct Partition {
    int64_t startOffset = -1;  // where this assignment began reading
    int64_t currentOffset = -1;
    int64_t highWatermark = -1;
    /// See PartitionStatus.
    int64_t outOfRangeOffset = -1;
    std::string outOfRangeError;
    std::optional<OffsetReset> lastReset;
    /// When an automatic reset that could not read the watermarks is tried again (steady ms).
    int64_t resetRetryMs = 0;
    /// The worker's move count when the read position last moved.
    uint64_t movedAt = 0;
  };

  absl::Status startWorker(size_t index);
  void run(Worker& worker);
  void processMessage(Worker& worker, int32_t partition, int64_t offset, std::string_view payload);
  /// Handles a message that carries a librdkafka error or event instead of a value.
  void handleMessageError(Worker& worker, const rd_kafka_message_t& message);
  /// Returns true when `message` belongs to a read position that moved after
  /// the move count was `readAt`, or to a partition no longer assigned.
  static bool readBeforeMove(const Worker& worker, const rd_kafka_message_t& message, uint64_t readAt);
  /// Records that the read position of `partition` moved, or of every
  /// partition for nullopt.
  static void markMoved(Worker& worker, std::optional<int32_t> partition);
  /// Records the offset of the first message read from a partition that
  /// was assigned at a logical offset (earliest or latest) as its start.
  void resolveStart(Worker& worker, const rd_kafka_message_t& message);
  /// Counts the partitions that still wait for their first message.
  static void countUnresolved(Worker& worker);
  /// Handles a JSON message through the worker's JsonRowParser and
  /// HotTable::tryAdd(). Returns false, with nothing recorded, when the
  /// message needs the general path of processMessage().
  bool processJsonFast(Worker& worker, int32_t partition, int64_t offset, std::string_view payload);
  /// The event time of a row decoded by a JsonRowParser, as eventTimeMs()
  /// computes it; nullopt where eventTimeMs() fails.
  std::optional<int64_t> fastEventTimeMs(const std::vector<ScalarField>& fields) const;
  /// The record of a malformed message; also keeps it for the status.
  IngestError recordError(Worker& worker, int32_t partition, int64_t offset, std::string_view reason,
                          std::string error, std::string_view payload);
  /// Copies the worker's partition offsets to the status.
  void updateStatus(Worker& worker);
  /// Seeks every partition of the worker back to its committed offset after
  /// the hot rows were discarded.
  void rewind(Worker& worker);
  void onAssign(Worker& worker, std::vector<RdKafka::TopicPartition*>& partitions);
  void onRevoke(Worker& worker, std::vector<RdKafka::TopicPartition*>& partitions);
  /// Handles the broker's OFFSET_OUT_OF_RANGE for `partition` at `offset`:
  /// resets it per tuningConfig.resetOffsetAutomatically and
  /// ioConfig.useEarliestOffset, or leaves it stopped with an error.
  void onOffsetOutOfRange(Worker& worker, int32_t partition, int64_t offset, const std::string& detail);
  /// Moves an out-of-range partition to the earliest or latest offset and
  /// commits the new offset with the reset counters. False when the
  /// watermarks cannot be read or the consumer cannot be restarted; the
  /// partition stays stopped and is tried again later.
  bool resetOutOfRange(Worker& worker, int32_t partition, Partition& entry);
  /// Tries the failed automatic resets again.
  void retryOffsetResets(Worker& worker);
  /// Makes the consumer fetch `partition` from `offset` again. librdkafka
  /// stops fetching a partition after an out-of-range error and rejects
  /// seek() on it, so the partition is assigned again.
  bool restartPartition(Worker& worker, int32_t partition, int64_t offset);
  void commitKafkaOffsets(Worker& worker);
  void refreshWatermarks(Worker& worker);
  void publishPartitions(Worker& worker);
  void setLastError(std::string error);

  const IngestionSpec spec_;
  storage::DatabaseImpl& database_;
  const uint64_t offsetsEpoch_;
  const SupervisorOptions options_;
  /// The JSON fast path: the slot of the timestamp field, and the name and
  /// slot of each field the filter reads. Unused without spec_.inputFields.
  int timestampSlot_ = -1;
  std::vector<std::pair<std::string, int>> filterFields_;

  std::shared_ptr<EventHandler> eventHandler_;
  /// Set by start() and reset by stop() under statusMutex_; the workers use
  /// it without the lock while they run.
  std::shared_ptr<HotTable> table_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopRequested_{false};
  /// Set when librdkafka reports every broker down, cleared by the next message.
  std::atomic<bool> brokersDown_{false};

  mutable std::mutex statusMutex_;
  /// Partitions by worker index, then partition.
  std::map<size_t, std::map<int32_t, Partition>> partitions_;  // guarded by statusMutex_
  /// The counters when the supervisor last stopped.
  IngestCounters lastCounters_;              // guarded by statusMutex_
  /// Opened by the first start() and kept until destruction.
  std::shared_ptr<IngestErrorLog> errorLog_;  // guarded by statusMutex_
  std::deque<ParseErrorRecord> recentErrors_;  // guarded by statusMutex_
  std::string lastError_;                    // guarded by statusMutex_
  int64_t lastErrorLogMs_ = 0;               // guarded by statusMutex_
  /// When the latest errors happened, newest last (at most three), and the
  /// messages counted when the newest one happened.
  std::deque<int64_t> errorTimesMs_;         // guarded by statusMutex_
  uint64_t messagesAtLastError_ = 0;         // guarded by statusMutex_
  uint64_t suppressedErrorLogs_ = 0;         // guarded by statusMutex_
};

}  // namespace furl::ingest
