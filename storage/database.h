#pragma once

// Database: the tables of one data directory, their segments and the
// catalog that makes both survive restarts.
//
// Thread-safety: every method may be called from any thread. Readers get
// immutable snapshots; writers commit through the catalog one at a time.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"
#include "storage/object_store.h"
#include "storage/segment.h"

namespace furl::storage {

/// How a table's time column splits rows into segments (time chunks).
enum class Granularity : uint8_t { kAll, kMinute, kHour, kDay, kWeek, kMonth, kYear };

/// Start of the chunk containing `ms`, in ms (kAll: INT64_MIN).
int64_t chunkStartMs(Granularity granularity, int64_t ms);
/// Start of the next chunk after the one starting at `startMs` (kAll: INT64_MAX).
int64_t chunkEndMs(Granularity granularity, int64_t startMs);
std::string_view granularityName(Granularity granularity);
std::optional<Granularity> parseGranularity(std::string_view name);  // "DAY", "hour", ...

struct ColumnDef {
  std::string name;
  DataType type;
  bool lowCardinality = false;  // a hint; every string column is dictionary-encoded
};

struct TableDef {
  std::string name;
  std::vector<ColumnDef> columns;
  /// Index into `columns` of the time column that splits segments into time
  /// chunks (Date, DateTime or DateTime64), or -1 for none.
  int timeColumn = -1;
  Granularity segmentGranularity = Granularity::kDay;
  /// Columns the rows of each segment are sorted by (ORDER BY key).
  std::vector<std::string> sortKey;
  std::string engine = "MergeTree";
  std::map<std::string, std::string> settings;
  /// The statement that created the table, for SHOW CREATE TABLE.
  std::string createSql;

  std::optional<size_t> findColumn(const std::string& name) const;
};

/// The location of a segment's bytes, as the catalog records it.
enum class SegmentLocation : uint8_t { kLocal = 0, kObjectStore = 1 };

/// A tier an operator fixed for a segment with ALTER TABLE ... MOVE
/// SEGMENTS; the mover's rules do not move pinned segments.
enum class PinnedTier : uint8_t { kNone = 0, kWarm = 1, kCold = 2 };

/// Metadata of one published segment.
struct SegmentInfo {
  std::string id;
  std::string table;
  /// The time chunk [chunkStartMs, chunkEndMs) the segment belongs to
  /// (INT64_MIN / INT64_MAX for tables without a time column).
  int64_t chunkStartMs = 0;
  int64_t chunkEndMs = 0;
  /// Smallest and largest value of the time column, in ms (0 when none).
  int64_t minTimeMs = 0;
  int64_t maxTimeMs = 0;
  uint64_t numRows = 0;
  uint64_t sizeBytes = 0;
  SegmentLocation location = SegmentLocation::kLocal;
  /// The object's key when location is kObjectStore, else empty.
  std::string objectKey;
  /// XXH3-64 of the whole segment file; 0 until the segment first moves.
  uint64_t fileChecksum = 0;
  PinnedTier pinnedTier = PinnedTier::kNone;
};

/// A consistent view of one table for one query: the definition and the
/// segments published when the snapshot was taken. Holding it keeps the
/// segments readable even if they are merged or the table is dropped.
struct TableSnapshot {
  TableDef def;
  std::vector<SegmentInfo> infos;
  std::vector<std::shared_ptr<const Segment>> segments;  // parallel to infos
};

struct DatabaseOptions {
  /// Rows per block in new segments.
  uint32_t blockRows = 16384;
  /// Merge small segments of one time chunk in the background.
  bool backgroundMerge = true;

  /// Where cold segments go (an S3 bucket). When null, a directory store
  /// at `coldDir` is used.
  std::shared_ptr<ObjectStore> objectStore;
  /// The local object store's directory; empty means `<dataDir>/cold`.
  std::string coldDir;
  /// The block cache of cold reads; empty means `<dataDir>/cold-cache`.
  std::string coldCacheDir;
  /// Bound of the block cache in bytes; 0 disables it.
  uint64_t coldCacheBytes = uint64_t{1} << 30;
  /// How often the background mover applies the tiering rules; 0 disables
  /// the background mover (moves then happen only on request).
  int64_t tieringIntervalMs = 60'000;
};

/// The target of ALTER TABLE ... MOVE SEGMENTS TO TIER.
enum class MoveTarget : uint8_t {
  kWarm,  // local disk, pinned there
  kCold,  // the object store, pinned there
  kAuto,  // unpinned: the rules decide on the mover's next pass
};

class Database {
 public:
  /// Opens (creating if needed) the data directory and replays its catalog.
  static absl::StatusOr<std::unique_ptr<Database>> open(const std::string& dataDir,
                                                        const DatabaseOptions& options = {});
  virtual ~Database() = default;

  /// Errors: AlreadyExists unless orReplace or ifNotExists; InvalidArgument
  /// for a bad definition.
  virtual absl::Status createTable(const TableDef& def, bool orReplace, bool ifNotExists) = 0;
  /// Errors: NotFound unless ifExists.
  virtual absl::Status dropTable(const std::string& name, bool ifExists) = 0;
  virtual std::vector<std::string> listTables() const = 0;
  /// NotFound when the table does not exist.
  virtual absl::StatusOr<std::shared_ptr<const TableSnapshot>> snapshot(const std::string& name) const = 0;

  /// Appends rows durably: when this returns OK the rows are in published
  /// segments recorded in the catalog and survive a crash. `batches` hold
  /// dense columns in the table's column order with the table's types.
  /// Returns the number of rows written.
  virtual absl::StatusOr<uint64_t> insert(const std::string& table, const std::vector<Batch>& batches) = 0;

  virtual const std::string& dataDir() const = 0;

  /// The file that holds the segment `segmentId` on local disk.
  virtual std::string segmentPath(const std::string& segmentId) const = 0;

  /// Sets (a value) or resets (nullopt) table settings in one commit. The
  /// tiering settings (storage/tiering_rules.h) are validated and take
  /// effect on the mover's next pass, which this call requests. Errors:
  /// NotFound for the table, InvalidArgument naming a bad setting.
  virtual absl::Status alterTableSettings(const std::string& table,
                                          const std::map<std::string, std::optional<std::string>>& changes) {
    (void)table;
    (void)changes;
    return absl::UnimplementedError("this database does not support ALTER TABLE settings");
  }

  /// Moves the segments `segmentIds` of `table` to `target` before
  /// returning (kAuto only unpins them). Returns the number of segments
  /// whose location or pin changed. Errors: NotFound for the table or a
  /// segment; the store's error when a move fails (segments moved before
  /// it stay moved).
  virtual absl::StatusOr<size_t> moveSegments(const std::string& table, const std::vector<std::string>& segmentIds,
                                              MoveTarget target) {
    (void)table;
    (void)segmentIds;
    (void)target;
    return absl::UnimplementedError("this database does not support tiered storage");
  }
};

}  // namespace furl::storage
