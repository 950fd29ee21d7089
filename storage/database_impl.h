#pragma once

// The Database of storage/database.h on a local data directory:
//
//   dataDir/catalog                 tables and published segments (Catalog)
//   dataDir/segments/<id>.seg       one file per local segment (SegmentWriter)
//   dataDir/cold/                   the default object store for cold segments
//   dataDir/cold-cache/             fetched ranges of cold segments (BlockCache)
//
// Write path: insert() writes its segment files under temporary names,
// renames them, and then publishes all of them in one catalog commit, so an
// insert is atomic and durable when it returns. Files that no commit
// references (a crash between the two steps, or merged-away segments whose
// removal never ran) are orphans; open() removes them.
//
// Tiering (docs/tiered-storage.md): a mover thread applies each table's
// rules, pins hot segments in memory, moves segments to and from the object
// store and drops them after their retention.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/block_cache.h"
#include "storage/catalog.h"
#include "storage/codec.h"
#include "storage/database.h"
#include "storage/segment_reader.h"

namespace furl::storage {

/// The points of a move where the fault-injection hook runs.
enum class TieringStep : uint8_t {
  kUploaded,        // warm to cold: object written, not verified
  kVerified,        // object verified, catalog not changed
  kCommitted,       // catalog records cold, local file not deleted
  kDownloaded,      // cold to warm: local file written, not verified
  kLocalVerified,   // local file verified, catalog not changed
  kLocalCommitted,  // catalog records local, object not deleted
  kDropCommitted,   // retention: segments removed from the catalog
};
std::string_view tieringStepName(TieringStep step);

/// Limits that DatabaseOptions does not expose; tests shrink them.
struct StorageTuning {
  /// An insert splits a time chunk into segments of at most this many rows,
  /// and a merge produces at most this many.
  uint64_t maxSegmentRows = uint64_t{4} << 20;
  /// Segments below this many rows count as small and may be merged.
  uint64_t smallSegmentRows = uint64_t{1} << 20;
  /// The background merge starts on a time chunk once it contains this many
  /// small segments.
  size_t mergeMinSegments = 8;
  Codec codec = Codec::kLz4;
  Codec dictionaryCodec = Codec::kZstd;
  /// Runs at each step of a move; an error fails the move at that step as
  /// a failed upload or commit would. Tests use it to inject faults and to
  /// end the process in the middle of a move.
  std::function<absl::Status(TieringStep step, const std::string& segmentId)> tieringFault;
  /// The current time in ms for the tiering rules; null means the system clock.
  std::function<int64_t()> nowMs;
  /// How often the mover sweeps the object store for orphan objects.
  int64_t objectSweepIntervalMs = 3'600'000;
};

/// The outcome of one mover pass.
struct TieringPassResult {
  size_t movedToCold = 0;
  size_t movedToLocal = 0;
  size_t pinnedHot = 0;
  size_t unpinnedHot = 0;
  size_t dropped = 0;
  size_t objectsDeleted = 0;
  size_t failures = 0;
};

/// In-memory segments of one table that snapshots include, published by an
/// ingestion source. Immutable once published.
struct HotView {
  std::vector<SegmentInfo> infos;
  std::vector<std::shared_ptr<const Segment>> segments;  // parallel to infos
  /// Ids of published segments whose rows a hot segment already holds;
  /// snapshots leave them out. Only ids of claimed chunks belong here.
  std::vector<std::string> replacedSegments;
};

/// The ingestion source behind a table's hot view. snapshot() calls
/// refresh() first, so a query reads the rows the source contains at that
/// moment without the source publishing after every change.
class HotViewSource {
 public:
  virtual ~HotViewSource() = default;
  /// Installs a current view with setHotView() when rows changed since the
  /// last one. Called with no DatabaseImpl lock held. It may call
  /// setHotView() but must not call snapshot().
  virtual void refresh() = 0;
};

/// A segment file written by prepareSegments() but not yet published.
struct PreparedSegment {
  SegmentInfo info;
  std::shared_ptr<const SegmentReader> reader;
};

class DatabaseImpl final : public Database {
 public:
  static absl::StatusOr<std::unique_ptr<DatabaseImpl>> open(const std::string& dataDir,
                                                            const DatabaseOptions& options,
                                                            const StorageTuning& tuning);
  /// Stops the merge and mover threads, waiting for running work to finish.
  ~DatabaseImpl() override;

  absl::Status createTable(const TableDef& def, bool orReplace, bool ifNotExists) override;
  absl::Status dropTable(const std::string& name, bool ifExists) override;
  std::vector<std::string> listTables() const override;
  absl::StatusOr<std::shared_ptr<const TableSnapshot>> snapshot(const std::string& name) const override;
  absl::StatusOr<uint64_t> insert(const std::string& table, const std::vector<Batch>& batches) override;
  const std::string& dataDir() const override { return dataDir_; }

  /// insert() that also sets table properties in the same catalog commit,
  /// so the rows and, for example, the source offsets they came from become
  /// durable together.
  absl::StatusOr<uint64_t> insert(const std::string& table, const std::vector<Batch>& batches,
                                  const std::map<std::string, std::string>& properties);

  /// Replaces the hot view of `table` (nullptr: none) and releases the
  /// claims on `releasedChunks`, atomically for snapshots. NotFound when the
  /// table does not exist.
  absl::Status setHotView(const std::string& table, std::shared_ptr<const HotView> view,
                          const std::vector<int64_t>& releasedChunks = {});

  /// Sets the source that snapshot() of `table` refreshes the hot view from
  /// (nullptr: none). Unlike the view, clearHot() keeps it. NotFound
  /// when the table does not exist.
  absl::Status setHotViewSource(const std::string& table, std::shared_ptr<HotViewSource> source);
  /// Removes the source of `table` if it is `source`. No error when the
  /// table or the source is gone.
  void removeHotViewSource(const std::string& table, const HotViewSource* source);

  /// Claims the time chunk starting at `chunkStartMs` of `table` for an
  /// ingestion source and returns its published segments. Background merges
  /// leave a claimed chunk alone, so the returned ids stay published until
  /// the claimant replaces them or releases the chunk.
  absl::StatusOr<TableSnapshot> claimChunk(const std::string& table, int64_t chunkStartMs);

  /// Drops the hot view and every claim of `table`. No error when the table
  /// does not exist.
  void clearHot(const std::string& table);

  /// Validates `batches` against the table and writes their rows as segment
  /// files, split by time chunk, without publishing them. Call
  /// publishPrepared() or discardPrepared() with the result.
  absl::StatusOr<std::vector<PreparedSegment>> prepareSegments(const std::string& table,
                                                               const std::vector<Batch>& batches);

  /// Publishes `prepared`, removes the published segments `removed` and sets
  /// `properties` in one catalog commit, and installs `view` as the table's
  /// hot view in the same step for snapshots. With nothing to change in the
  /// catalog only the view is installed. On error the files of `prepared`
  /// are removed and the catalog, the snapshot and the view stay as they were.
  absl::Status publishPrepared(const std::string& table, const std::vector<PreparedSegment>& prepared,
                               const std::vector<std::string>& removed,
                               const std::map<std::string, std::string>& properties,
                               std::shared_ptr<const HotView> view);

  /// Removes the files of segments prepared but not published.
  static void discardPrepared(const std::vector<PreparedSegment>& prepared);

  /// The properties recorded for `table`. NotFound when the table does not exist.
  absl::StatusOr<std::map<std::string, std::string>> tableProperties(const std::string& table) const;

  /// Merges, synchronously, every time chunk that contains two or more small
  /// segments, and repeats until none is left. Returns the number of merges.
  absl::StatusOr<size_t> mergeNow();

  std::string segmentPath(const std::string& segmentId) const override;

  absl::Status alterTableSettings(const std::string& table,
                                  const std::map<std::string, std::optional<std::string>>& changes) override;
  absl::StatusOr<size_t> moveSegments(const std::string& table, const std::vector<std::string>& segmentIds,
                                      MoveTarget target) override;

  /// Runs one pass of the mover synchronously: deletes released objects,
  /// sweeps orphan objects when due, and applies every table's rules.
  /// Failed moves are counted and logged, not returned.
  TieringPassResult runTieringPass();

  /// Deletes every object under this database's key prefix that the catalog
  /// does not reference and no reader holds. Returns the number deleted.
  absl::StatusOr<size_t> sweepObjectStore();

  /// The object key of a segment: `<databaseId>/<table>/<id>.seg`.
  std::string objectKey(const std::string& table, const std::string& segmentId) const;

  ObjectStore& objectStore() { return *objectStore_; }
  BlockCache* blockCache() { return cache_.get(); }
  /// A copy of the catalog's entry for a segment; NotFound when absent.
  absl::StatusOr<SegmentInfo> segmentInfo(const std::string& segmentId) const;

 private:
  struct TableEntry {
    /// Distinguishes a table from an earlier one of the same name, so that
    /// an insert or merge prepared against a dropped table is not published.
    uint64_t incarnation = 0;
    /// The published segments only.
    std::shared_ptr<const TableSnapshot> snapshot;
    std::shared_ptr<const HotView> hot;
    std::shared_ptr<HotViewSource> hotSource;
    /// Time chunks claimed by an ingestion source (claimChunk()).
    std::set<int64_t> claimedChunks;
    /// snapshot with `hot` applied, built on first use after a change.
    mutable std::shared_ptr<const TableSnapshot> combined;
  };
  struct MergeTask;
  using WrittenSegment = PreparedSegment;

  DatabaseImpl(std::string dataDir, const DatabaseOptions& options, const StorageTuning& tuning,
               std::unique_ptr<Catalog> catalog);

  absl::Status loadSegments();
  absl::Status openTiering();
  int64_t nowMs() const;
  /// The Segment for a catalog entry: a cold segment (no request yet), or
  /// a local file read from disk or, with `hot`, from memory.
  absl::StatusOr<std::shared_ptr<const Segment>> openSegment(const SegmentInfo& info, bool hot) const;
  /// Puts `segment` (with `info`) in place of the segment of the same id.
  /// Returns the replaced segment, or null when the table or segment is gone.
  std::shared_ptr<const Segment> swapSegment(const std::string& table, uint64_t incarnation,
                                             const SegmentInfo& info, std::shared_ptr<const Segment> segment);
  absl::Status fault(TieringStep step, const std::string& segmentId) const;
  /// Moves one segment; requires moveMutex_.
  absl::Status moveToCold(const std::string& table, uint64_t incarnation, const SegmentInfo& info, PinnedTier pin);
  absl::Status moveToLocal(const std::string& table, uint64_t incarnation, const SegmentInfo& info, PinnedTier pin,
                           bool hot);
  /// Changes only the pin of a segment; requires moveMutex_.
  absl::Status setPin(const std::string& table, uint64_t incarnation, const SegmentInfo& info, PinnedTier pin);
  /// Loads or unloads a local segment's bytes in memory; requires moveMutex_.
  absl::Status setHot(const std::string& table, uint64_t incarnation, const SegmentInfo& info, bool hot);
  absl::Status dropSegments(const std::string& table, uint64_t incarnation, const std::vector<std::string>& ids);
  size_t deleteReleasedObjects();
  void tieringLoop();
  void requestTiering();
  std::string newSegmentId();
  /// Checks `batches` against the table and writes them as segment files
  /// split by time chunk; sets `incarnation` to the table's.
  absl::StatusOr<std::vector<WrittenSegment>> writeBatches(const std::string& table,
                                                           const std::vector<Batch>& batches, uint64_t& incarnation);
  /// Writes the rows of `batches` (all in one time chunk) as one segment file.
  absl::StatusOr<WrittenSegment> writeSegment(const TableDef& def, const std::vector<Batch>& batches,
                                              int64_t chunkStartMs);
  /// Copies `snapshot` without the segments in `removed`, plus `added`.
  static std::shared_ptr<const TableSnapshot> replaceSegments(const TableSnapshot& snapshot,
                                                              const std::vector<std::string>& removed,
                                                              const std::vector<WrittenSegment>& added);
  /// Commits `written` (or only the properties), removing `removed`; sets
  /// the hot view to `*view` when `view` is set. Removes the files of
  /// `written` on error.
  absl::Status commitSegments(const std::string& table, std::optional<uint64_t> incarnation,
                              const std::vector<WrittenSegment>& written, const std::vector<std::string>& removed,
                              const std::map<std::string, std::string>& properties,
                              const std::shared_ptr<const HotView>* view);
  std::vector<MergeTask> findMerges(size_t minSegments) const;
  absl::Status runMerge(const MergeTask& task);
  /// Runs merges of chunks with at least `minSegments` small segments until
  /// none is left or one fails. Requires mergeMutex_.
  absl::StatusOr<size_t> mergeUntilDone(size_t minSegments);
  void mergeLoop();
  bool stopRequested();
  void requestMerge();

  const std::string dataDir_;
  const std::string segmentDir_;
  const DatabaseOptions options_;
  const StorageTuning tuning_;
  std::atomic<uint64_t> nextSegmentNumber_{1};

  /// Serializes catalog commits; taken before stateMutex_.
  mutable std::mutex commitMutex_;
  std::unique_ptr<Catalog> catalog_;

  /// Guards tables_; held only to read or swap snapshot pointers.
  mutable std::mutex stateMutex_;
  std::map<std::string, TableEntry> tables_;
  uint64_t nextIncarnation_ = 1;

  /// Serializes merges (the background thread and mergeNow()).
  std::mutex mergeMutex_;
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  bool mergeRequested_ = false;  // guarded by wakeMutex_
  bool stopping_ = false;        // guarded by wakeMutex_
  std::thread mergeThread_;

  std::shared_ptr<ObjectStore> objectStore_;
  std::shared_ptr<BlockCache> cache_;
  std::shared_ptr<ColdObjectRegistry> coldObjects_;
  /// Serializes moves, object deletes and sweeps, so that no object is
  /// deleted while another thread uploads or commits the same key. Taken
  /// before commitMutex_; never held by inserts or queries.
  std::mutex moveMutex_;
  int64_t lastSweepMs_ = 0;  // guarded by moveMutex_; 0: never swept
  /// Starts true so that the first pass (and its orphan sweep) runs at open.
  bool tieringRequested_ = true;  // guarded by wakeMutex_
  std::condition_variable tieringWake_;
  std::thread tieringThread_;
};

}  // namespace furl::storage
