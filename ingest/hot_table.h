#pragma once

// HotTable: the in-memory (hot) rows of one ingested table, shared by the
// consumers of its supervisor, and their persistence (docs/hot-segments.md).
//
// Rows land in one RowBuffer per time chunk. publish() turns the changed
// blocks into immutable MemoryBlocks and installs a new HotView in the
// database, so a query sees every row added before the publish, next to the
// published segments. The table registers itself as the view's source, so
// that a snapshot publishes the rows added since the last publish first
// (docs/hot-segments.md, "What a query sees"). With rollup, a chunk's buffer first absorbs the
// chunk's published segments (claimed in the database so merges leave them
// alone), the view hides those segments, and a persist writes the whole
// chunk as new segments that replace them: hot and persisted rows of a
// chunk never share a key. Without rollup the buffer holds only new rows
// and a persist adds segments.
//
// A persist writes the segments without holding the table lock, then
// publishes them, the next offset of every owned partition and the new view
// in one catalog commit. So rows and offsets are durable together, and
// after a crash the consumers read again from the committed offsets.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "ingest/ingest_ledger.h"
#include "ingest/ingestion_spec.h"
#include "ingest/row_buffer.h"
#include "storage/database_impl.h"

namespace furl::ingest {

struct HotTableOptions {
  /// Rows per published block: the unit that a change copies.
  uint32_t blockRows = 4096;
  /// How often the persist thread checks its triggers.
  int64_t checkIntervalMs = 100;
  /// The wait before a failed persist is tried again.
  int64_t retryDelayMs = 1000;
  /// refreshView() publishes only when the last publish ended at least this
  /// many times its CPU time ago (0: always).
  int64_t publishCostFactor = 4;
};

/// The byte limit used when tuningConfig.maxBytesInMemory is 0: one sixth
/// of the physical memory, as Druid takes one sixth of its heap.
int64_t defaultMaxBytesInMemory();

class HotTable {
 public:
  /// `database` must outlive the table, and `def` is the table's definition.
  /// Every persist sets `fixedProperties` (the offsets epoch) along with
  /// the offset property of each partition (kafkaOffsetProperty()).
  HotTable(const IngestionSpec& spec, storage::DatabaseImpl& database, storage::TableDef def,
           std::map<std::string, std::string> fixedProperties, HotTableOptions options = {});
  /// Stops the persist thread and drops the hot view; persist() first to keep the rows.
  ~HotTable();
  HotTable(const HotTable&) = delete;
  HotTable& operator=(const HotTable&) = delete;

  /// Starts the thread that persists when a tuningConfig limit is reached.
  void start();
  /// Stops that thread (a running persist finishes first).
  void stop();

  /// Raised by discard(): a consumer that read its offsets under an older
  /// generation must seek back to the committed offsets.
  uint64_t generation() const;

  /// Builds the error record of a message whose row was added with field
  /// problems. Called under the table's lock, so it must not call back into
  /// the table.
  using ProblemRecorder = absl::FunctionRef<IngestError(const std::vector<FieldProblem>& problems)>;

  /// Adds an event read under `generation` from `partition` and records
  /// `nextOffset` as that partition's next offset and the message's outcome
  /// (processed, or processedWithError when `problems` is not empty) in the
  /// same step, so a persist never contains the row without its offset
  /// and counters. `recordProblems` builds the error record kept for a message
  /// with problems. FailedPrecondition when the generation is old: the event
  /// is not added and the caller must rewind.
  /// When reading the chunk's segments for rollup fails, the hot rows are
  /// discarded (the generation rises) and the error is returned.
  absl::Status add(uint64_t generation, int32_t partition, int64_t nextOffset, const Event& event, int64_t timeMs,
                   std::vector<FieldProblem>& problems, ProblemRecorder recordProblems);
  /// add() that counts a message with problems without keeping a record.
  absl::Status add(uint64_t generation, int32_t partition, int64_t nextOffset, const Event& event, int64_t timeMs,
                   std::vector<FieldProblem>& problems);
  /// add() of an event decoded by a JsonRowParser, through
  /// RowBuffer::tryAdd(). Returns false, with nothing added or counted, when
  /// the event needs add().
  absl::StatusOr<bool> tryAdd(uint64_t generation, int32_t partition, int64_t nextOffset,
                              const std::vector<ScalarField>& fields, int64_t timeMs);

  /// Records that every message of `partition` before `nextOffset` has been
  /// applied; the next persist commits that offset. Ignored for an old generation.
  void advance(uint64_t generation, int32_t partition, int64_t nextOffset);

  /// advance() that also records what became of the message, so that its
  /// counters and error (`error` may be null, and is moved from) are
  /// committed with its offset.
  void advance(uint64_t generation, int32_t partition, int64_t nextOffset, MessageOutcome outcome,
               IngestError* error);

  /// Moves `partition` to `newOffset` after its offset was out of range and
  /// counts the reset (`skipped` offsets, empty when unknown) in the same
  /// step, so the next persist commits the new offset and the counters
  /// together. False, with nothing changed, for an old generation.
  bool resetOffset(uint64_t generation, int32_t partition, int64_t newOffset, std::optional<uint64_t> skipped);

  /// Sets the error log that persists commit errors to and the counters
  /// committed so far. Call before start().
  void attachLedger(std::shared_ptr<IngestErrorLog> errorLog, IngestCounters committed);

  /// The committed counters plus those of the messages read since.
  IngestCounters counters() const;
  /// The errors of the messages read since the last persist, oldest first.
  std::vector<IngestError> uncommittedErrors() const;

  /// Forgets partitions given up by their consumer; call after persist().
  void release(const std::vector<int32_t>& partitions);

  /// Makes the rows added so far visible to queries.
  void publish();

  /// Publishes for a snapshot of the table when rows changed since the last
  /// publish, unless that publish ended less than
  /// HotTableOptions::publishCostFactor times its CPU time ago. Then the
  /// current view, at most that old, stays, which keeps publishing to about
  /// a fifth of the time however often queries arrive.
  void refreshView();

  /// Writes every changed chunk and the offsets in one catalog commit and
  /// waits for it. On error nothing is committed and the rows stay in
  /// memory for the next attempt. `reason` is logged.
  absl::Status persist(std::string_view reason);

  /// Drops every hot row and raises the generation, so every consumer seeks
  /// back to the committed offsets and reads the rows again.
  void discard(std::string_view reason);

  /// Records a partition a consumer starts reading at `startOffset`;
  /// `fromCatalog` when that offset is the committed one.
  void assign(int32_t partition, int64_t startOffset, bool fromCatalog);

  /// The offsets of the last successful persist, or found at assignment.
  std::map<int32_t, int64_t> committedOffsets() const;

 private:
  struct Chunk {
    int64_t startMs = 0;
    std::unique_ptr<RowBuffer> buffer;
    /// Rollup: published segments whose rows the buffer contains. Queries
    /// skip them and the next persist replaces them.
    std::vector<std::string> baseSegments;
    /// buffer->changeCount() at the last persist (or after absorbing).
    uint64_t persistedChange = 0;
    /// Without rollup: full buffers being persisted, still shown to queries.
    std::vector<std::shared_ptr<const storage::MemorySegment>> sealed;
    /// The chunk's segment in the current view.
    std::shared_ptr<const storage::MemorySegment> segment;
    /// buffer->changeCount() when `segment` was built.
    uint64_t publishedChange = 0;
    bool changedSincePersist = false;
  };

  /// Finds or creates the chunk of `chunkStart`; with rollup, absorbs its
  /// published segments. Requires mutex_.
  absl::StatusOr<Chunk*> chunkLocked(int64_t chunkStart);
  /// Rebuilds changed blocks and installs the view. Requires mutex_.
  void publishLocked(const std::vector<int64_t>& releasedChunks = {});
  class ViewSource;
  void advanceLocked(int32_t partition, int64_t nextOffset);
  /// Counts one message in ledger_ and keeps `error` (may be null, moved from).
  void recordLocked(MessageOutcome outcome, IngestError* error);
  /// Adds a row with `addRow`, which returns false when it added nothing.
  absl::StatusOr<bool> addImpl(uint64_t generation, int32_t partition, int64_t nextOffset, int64_t timeMs,
                               absl::FunctionRef<bool(RowBuffer&)> addRow, const std::vector<FieldProblem>& problems,
                               const ProblemRecorder* recordProblems);
  std::shared_ptr<const storage::HotView> buildViewLocked();
  void discardLocked(std::string_view reason);
  void persistLoop();
  /// True when a tuningConfig limit is reached; sets `reason` to its name.
  bool persistDue(std::string& reason);

  const IngestionSpec spec_;
  storage::DatabaseImpl& database_;
  const storage::TableDef def_;
  const std::map<std::string, std::string> fixedProperties_;
  const HotTableOptions options_;
  const std::vector<storage::SegmentColumn> schema_;
  const int64_t maxRows_;
  const int64_t maxBytes_;  // <= 0: no limit
  const int64_t persistPeriodMs_;

  /// Serializes persists; taken before mutex_.
  std::mutex persistMutex_;

  mutable std::mutex mutex_;
  std::map<int64_t, Chunk> chunks_;
  /// Written under mutex_, read without it by generation().
  std::atomic<uint64_t> generation_ = 1;
  uint64_t nextSegmentNumber_ = 1;
  std::map<int32_t, int64_t> offsets_;
  /// The entry of offsets_ written last and the chunk found last, or null;
  /// reset wherever entries are erased.
  int32_t lastOffsetPartition_ = -1;
  int64_t* lastOffset_ = nullptr;
  Chunk* lastChunk_ = nullptr;
  /// Counters and errors of the messages behind offsets_, not yet committed.
  IngestLedger ledger_;
  IngestCounters committedCounters_;
  std::shared_ptr<IngestErrorLog> errorLog_;  // set before start(); may be null
  std::map<int32_t, int64_t> committedOffsets_;
  /// Rows added since the last publish. Written under mutex_, but
  /// refreshView() reads it first without the lock.
  std::atomic<bool> dirty_ = false;
  /// Steady microseconds before which refreshView() does not publish.
  int64_t nextRefreshUs_ = 0;
  /// Registered with the database. It refers to this table until destruction.
  std::shared_ptr<ViewSource> viewSource_;
  bool offsetsChanged_ = false; // offsets advanced since the last persist
  uint64_t rowsSincePersist_ = 0;
  int64_t firstChangeMs_ = 0;   // steady ms of the first change since the last persist; 0 when none
  /// The next persist evicts every clean chunk, not only the idle ones.
  bool evictAllClean_ = false;

  std::mutex wakeMutex_;
  std::condition_variable wake_;
  bool stopping_ = false;       // guarded by wakeMutex_
  bool persistRequested_ = false;  // guarded by wakeMutex_
  std::thread thread_;
};

}  // namespace furl::ingest
