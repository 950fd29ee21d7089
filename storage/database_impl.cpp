#include "storage/database_impl.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"
#include "common/thread_name.h"
#include "storage/file_io.h"
#include "storage/segment_writer.h"
#include "storage/tiering_rules.h"

namespace furl::storage {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr char kSegmentExtension[] = ".seg";
constexpr size_t kSegmentExtensionBytes = sizeof(kSegmentExtension) - 1;

int64_t elapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

std::vector<SegmentColumn> schemaOf(const TableDef& def) {
  std::vector<SegmentColumn> schema;
  schema.reserve(def.columns.size());
  for (const ColumnDef& column : def.columns) schema.push_back({column.name, column.type});
  return schema;
}

absl::Status validateTableDef(const TableDef& def) {
  if (def.name.empty()) return absl::InvalidArgumentError("table name is empty");
  if (def.columns.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("table '", def.name, "' has no columns; declare at least one"));
  }
  std::set<std::string> names;
  for (const ColumnDef& column : def.columns) {
    if (column.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("table '", def.name, "' has a column with an empty name"));
    }
    if (!names.insert(column.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("column '", column.name, "' appears twice in table '", def.name, "'"));
    }
    if (column.type.id == TypeId::kNull) {
      return absl::InvalidArgumentError(
          absl::StrCat("column '", column.name, "' of table '", def.name, "' has no type"));
    }
  }
  if (def.timeColumn < -1 || def.timeColumn >= static_cast<int>(def.columns.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("time column index ", def.timeColumn, " of table '", def.name, "' is out of range"));
  }
  if (def.timeColumn >= 0 && !isTemporal(def.columns[def.timeColumn].type.id)) {
    const ColumnDef& column = def.columns[def.timeColumn];
    return absl::InvalidArgumentError(absl::StrCat("time column '", column.name, "' of table '", def.name,
                                                   "' has type ", column.type.toString(),
                                                   "; use Date, DateTime or DateTime64"));
  }
  for (const std::string& key : def.sortKey) {
    if (!def.findColumn(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sort key column '", key, "' is not a column of table '", def.name, "'"));
    }
  }
  return absl::OkStatus();
}

/// Returns the time column value of `row` in ms, converting Date days.
int64_t timeMsAt(const Column& column, size_t row) {
  size_t i = column.isConstant() ? 0 : row;
  if (column.type().id == TypeId::kDate) return int64_t{column.data<int32_t>()[i]} * kMsPerDay;
  return column.data<int64_t>()[i];
}

int64_t statToMs(const Value& value, TypeId type) {
  if (value.isNull()) return 0;
  return type == TypeId::kDate ? value.asInt64() * kMsPerDay : value.asInt64();
}

Batch gatherBatch(const Batch& batch, const SelectionVector& rows) {
  Batch result;
  result.numRows = rows.size();
  for (const ColumnPtr& column : batch.columns) result.columns.push_back(Column::gather(column, rows.data(), rows.size()));
  return result;
}

Batch sliceBatch(const Batch& batch, size_t offset, size_t length) {
  if (offset == 0 && length == batch.numRows) return batch;
  Batch result;
  result.numRows = length;
  for (const ColumnPtr& column : batch.columns) result.columns.push_back(Column::slice(column, offset, length));
  return result;
}

/// 16 random hex digits.
std::string newDatabaseId() {
  std::random_device random;
  uint64_t value = (uint64_t{random()} << 32) ^ random();
  return absl::StrFormat("%016x", value);
}

}  // namespace

struct DatabaseImpl::MergeTask {
  uint64_t incarnation = 0;
  TableDef def;
  std::vector<SegmentInfo> infos;
  std::vector<std::shared_ptr<const Segment>> segments;
};

// --- opening ---------------------------------------------------------------

DatabaseImpl::DatabaseImpl(std::string dataDir, const DatabaseOptions& options, const StorageTuning& tuning,
                           std::unique_ptr<Catalog> catalog)
    : dataDir_(std::move(dataDir)),
      segmentDir_(dataDir_ + "/segments"),
      options_(options),
      tuning_(tuning),
      catalog_(std::move(catalog)) {}

absl::StatusOr<std::unique_ptr<DatabaseImpl>> DatabaseImpl::open(const std::string& dataDir,
                                                                 const DatabaseOptions& options,
                                                                 const StorageTuning& tuning) {
  auto start = std::chrono::steady_clock::now();
  if (options.blockRows == 0 || options.blockRows > kMaxBlockRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("blockRows ", options.blockRows, " is out of range 1..", kMaxBlockRows));
  }
  if (tuning.maxSegmentRows == 0) return absl::InvalidArgumentError("maxSegmentRows must be positive");

  FURL_RETURN_IF_ERROR(createDirectories(dataDir + "/segments"));
  FURL_ASSIGN_OR_RETURN(auto catalog, Catalog::open(dataDir));
  std::unique_ptr<DatabaseImpl> database(new DatabaseImpl(dataDir, options, tuning, std::move(catalog)));
  FURL_RETURN_IF_ERROR(database->openTiering());
  FURL_RETURN_IF_ERROR(database->loadSegments());

  // The database id prefixes object keys; catalogs of version 1 have none.
  if (database->catalog_->state().databaseId.empty()) {
    CatalogChange change;
    change.databaseId = newDatabaseId();
    FURL_RETURN_IF_ERROR(database->catalog_->commit(change));
  }

  if (options.backgroundMerge) {
    database->mergeThread_ = std::thread([db = database.get()] {
      setThreadName("furl-merge");
      db->mergeLoop();
    });
    database->requestMerge();
  }
  if (options.tieringIntervalMs > 0) {
    database->tieringThread_ = std::thread([db = database.get()] {
      setThreadName("furl-tiering");
      db->tieringLoop();
    });
  }
  logger("storage.database")
      ->info("database opened dir={} tables={} segments={} ms={}", dataDir, database->tables_.size(),
             database->catalog_->state().segments.size(), elapsedMs(start));
  return database;
}

DatabaseImpl::~DatabaseImpl() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  tieringWake_.notify_all();
  if (mergeThread_.joinable()) mergeThread_.join();
  if (tieringThread_.joinable()) tieringThread_.join();
}

absl::Status DatabaseImpl::loadSegments() {
  const CatalogState& state = catalog_->state();

  // Orphans: files of inserts and merges that never committed, of segments
  // removed before their file was, and temporary files.
  FURL_ASSIGN_OR_RETURN(std::vector<std::string> names, listDirectory(segmentDir_));

  // Every segment is published after the first commit, which creates the
  // catalog file. Segment files without one mean the catalog was lost, and
  // removing them as orphans would destroy the data.
  if (state.generation == 0) {
    size_t segmentFiles = 0;
    for (const std::string& name : names) segmentFiles += absl::EndsWith(name, kSegmentExtension) ? 1 : 0;
    if (segmentFiles > 0) {
      return absl::DataLossError(absl::StrCat(segmentDir_, " contains ", segmentFiles, " segment files but ",
                                              catalog_->path(), " does not exist; restore the catalog file or ",
                                              "move the segment files away"));
    }
  }

  // A local file of a cold segment is left from a move whose last step
  // never ran.
  size_t orphans = 0;
  for (const std::string& name : names) {
    bool published = false;
    if (absl::EndsWith(name, kSegmentExtension)) {
      auto it = state.segments.find(name.substr(0, name.size() - kSegmentExtensionBytes));
      published = it != state.segments.end() && it->second.location == SegmentLocation::kLocal;
    }
    if (published) continue;
    FURL_RETURN_IF_ERROR(removeFile(absl::StrCat(segmentDir_, "/", name)));
    ++orphans;
  }
  if (orphans > 0) {
    FURL_RETURN_IF_ERROR(syncDirectory(segmentDir_));
    logger("storage.database")->info("orphan segment files removed dir={} count={}", segmentDir_, orphans);
  }

  // Open every published local segment; a missing or damaged one fails the
  // open. Cold segments are fetched on first use, so an unreachable object
  // store does not stop the database from opening.
  int64_t now = nowMs();
  for (const auto& [name, def] : state.tables) {
    auto snapshot = std::make_shared<TableSnapshot>();
    snapshot->def = def;
    auto rules = parseTieringRules(def.settings, now);
    for (const SegmentInfo& info : state.segmentsOf(name)) {
      bool hot = rules.ok() && desiredTier(*rules, info, now) == Tier::kHot;
      auto segment = openSegment(info, hot);
      if (!segment.ok()) {
        return absl::DataLossError(absl::StrCat("segment ", info.id, " of table '", name,
                                                "' is listed in the catalog but cannot be opened: ",
                                                segment.status().message()));
      }
      if ((*segment)->numRows() != info.numRows) {
        return absl::DataLossError(absl::StrCat("segment ", info.id, " of table '", name, "' has ",
                                                (*segment)->numRows(), " rows but the catalog lists ", info.numRows));
      }
      snapshot->infos.push_back(info);
      snapshot->segments.push_back(std::move(*segment));
    }
    TableEntry entry;
    entry.incarnation = nextIncarnation_++;
    entry.snapshot = replaceSegments(*snapshot, {}, {});
    tables_[name] = std::move(entry);
  }
  nextSegmentNumber_.store(state.nextSegmentNumber);
  return absl::OkStatus();
}

std::string DatabaseImpl::segmentPath(const std::string& segmentId) const {
  return absl::StrCat(segmentDir_, "/", segmentId, kSegmentExtension);
}

std::string DatabaseImpl::newSegmentId() { return absl::StrFormat("seg_%012d", nextSegmentNumber_.fetch_add(1)); }

std::shared_ptr<const TableSnapshot> DatabaseImpl::replaceSegments(const TableSnapshot& snapshot,
                                                                   const std::vector<std::string>& removed,
                                                                   const std::vector<WrittenSegment>& added) {
  struct Entry {
    SegmentInfo info;
    std::shared_ptr<const Segment> segment;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < snapshot.infos.size(); ++i) {
    if (std::find(removed.begin(), removed.end(), snapshot.infos[i].id) != removed.end()) continue;
    entries.push_back({snapshot.infos[i], snapshot.segments[i]});
  }
  for (const WrittenSegment& segment : added) entries.push_back({segment.info, segment.reader});
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.info.chunkStartMs != b.info.chunkStartMs) return a.info.chunkStartMs < b.info.chunkStartMs;
    return a.info.id < b.info.id;
  });

  auto result = std::make_shared<TableSnapshot>();
  result->def = snapshot.def;
  for (Entry& entry : entries) {
    result->infos.push_back(std::move(entry.info));
    result->segments.push_back(std::move(entry.segment));
  }
  return result;
}

// --- tables ----------------------------------------------------------------

absl::Status DatabaseImpl::createTable(const TableDef& def, bool orReplace, bool ifNotExists) {
  FURL_RETURN_IF_ERROR(validateTableDef(def));
  std::lock_guard<std::mutex> commitLock(commitMutex_);
  bool exists = catalog_->state().tables.contains(def.name);
  if (exists && ifNotExists) return absl::OkStatus();
  if (exists && !orReplace) {
    return absl::AlreadyExistsError(absl::StrCat("table '", def.name, "' already exists"));
  }
  if (exists) {
    // Replacing would drop the hot rows' registration while the ingestion
    // source still keeps them, so they would come back with its next rows.
    std::lock_guard<std::mutex> stateLock(stateMutex_);
    auto it = tables_.find(def.name);
    if (it != tables_.end() && (it->second.hotSource != nullptr || it->second.hot != nullptr)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "table '", def.name, "' is fed by a Kafka supervisor, so it cannot be truncated or replaced; terminate "
          "the supervisor first (POST /druid/indexer/v1/supervisor/", def.name, "/terminate)"));
    }
  }

  CatalogChange change;
  if (exists) change.dropTables.push_back(def.name);
  change.createTables.push_back(def);
  FURL_RETURN_IF_ERROR(catalog_->commit(change));

  std::shared_ptr<const TableSnapshot> replaced;
  {
    std::lock_guard<std::mutex> stateLock(stateMutex_);
    TableEntry& entry = tables_[def.name];
    replaced = std::move(entry.snapshot);
    auto snapshot = std::make_shared<TableSnapshot>();
    snapshot->def = def;
    entry = TableEntry();
    entry.incarnation = nextIncarnation_++;
    entry.snapshot = std::move(snapshot);
  }
  if (replaced != nullptr) {
    for (const auto& segment : replaced->segments) {
      segment->removeOnRelease();
    }
  }
  logger("storage.catalog")
      ->info("table {} table={} columns={} segments_dropped={}", exists ? "replaced" : "created", def.name,
             def.columns.size(), replaced ? replaced->segments.size() : 0);
  return absl::OkStatus();
}

absl::Status DatabaseImpl::dropTable(const std::string& name, bool ifExists) {
  std::lock_guard<std::mutex> commitLock(commitMutex_);
  if (!catalog_->state().tables.contains(name)) {
    if (ifExists) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("table '", name, "' not found"));
  }
  CatalogChange change;
  change.dropTables.push_back(name);
  FURL_RETURN_IF_ERROR(catalog_->commit(change));

  std::shared_ptr<const TableSnapshot> dropped;
  {
    std::lock_guard<std::mutex> stateLock(stateMutex_);
    auto it = tables_.find(name);
    dropped = std::move(it->second.snapshot);
    tables_.erase(it);
  }
  // Files go when the last snapshot holding them is released.
  for (const auto& segment : dropped->segments) {
    segment->removeOnRelease();
  }
  logger("storage.catalog")->info("table dropped table={} segments={}", name, dropped->segments.size());
  return absl::OkStatus();
}

std::vector<std::string> DatabaseImpl::listTables() const {
  std::lock_guard<std::mutex> lock(stateMutex_);
  std::vector<std::string> names;
  for (const auto& [name, entry] : tables_) names.push_back(name);
  return names;
}

absl::StatusOr<std::shared_ptr<const TableSnapshot>> DatabaseImpl::snapshot(const std::string& name) const {
  // The source publishes under its own lock and then calls setHotView(),
  // so it runs before stateMutex_ is taken for the snapshot.
  std::shared_ptr<HotViewSource> source;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    auto it = tables_.find(name);
    if (it != tables_.end()) source = it->second.hotSource;
  }
  if (source != nullptr) source->refresh();

  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(name);
  if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", name, "' not found"));
  const TableEntry& entry = it->second;
  if (entry.hot == nullptr) return entry.snapshot;
  if (entry.combined != nullptr) return entry.combined;

  // Published segments minus the replaced ones, then the hot segments. The
  // view is rebuilt only after a change, so snapshots between two hot
  // publishes share one object.
  const HotView& hot = *entry.hot;
  auto combined = std::make_shared<TableSnapshot>();
  combined->def = entry.snapshot->def;
  combined->infos.reserve(entry.snapshot->infos.size() + hot.infos.size());
  combined->segments.reserve(entry.snapshot->infos.size() + hot.infos.size());
  for (size_t i = 0; i < entry.snapshot->infos.size(); ++i) {
    const std::string& id = entry.snapshot->infos[i].id;
    if (std::binary_search(hot.replacedSegments.begin(), hot.replacedSegments.end(), id)) continue;
    combined->infos.push_back(entry.snapshot->infos[i]);
    combined->segments.push_back(entry.snapshot->segments[i]);
  }
  for (size_t i = 0; i < hot.infos.size(); ++i) {
    combined->infos.push_back(hot.infos[i]);
    combined->segments.push_back(hot.segments[i]);
  }
  entry.combined = combined;
  return entry.combined;
}

// --- hot views ---------------------------------------------------------------

absl::Status DatabaseImpl::setHotView(const std::string& table, std::shared_ptr<const HotView> view,
                                      const std::vector<int64_t>& releasedChunks) {
  std::shared_ptr<const HotView> old;  // released outside the lock
  std::shared_ptr<const TableSnapshot> oldCombined;
  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
  TableEntry& entry = it->second;
  old = std::move(entry.hot);
  oldCombined = std::move(entry.combined);
  entry.hot = std::move(view);
  for (int64_t chunk : releasedChunks) entry.claimedChunks.erase(chunk);
  return absl::OkStatus();
}

absl::Status DatabaseImpl::setHotViewSource(const std::string& table, std::shared_ptr<HotViewSource> source) {
  std::shared_ptr<HotViewSource> old;  // released outside the lock
  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
  old = std::move(it->second.hotSource);
  it->second.hotSource = std::move(source);
  return absl::OkStatus();
}

void DatabaseImpl::removeHotViewSource(const std::string& table, const HotViewSource* source) {
  std::shared_ptr<HotViewSource> old;  // released outside the lock
  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.hotSource.get() != source) return;
  old = std::move(it->second.hotSource);
}

absl::StatusOr<TableSnapshot> DatabaseImpl::claimChunk(const std::string& table, int64_t chunkStartMs) {
  // Under commitMutex_, so no merge commits between reading the segments and
  // the claim that stops merges from touching them.
  std::lock_guard<std::mutex> commitLock(commitMutex_);
  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
  TableEntry& entry = it->second;
  entry.claimedChunks.insert(chunkStartMs);
  TableSnapshot result;
  result.def = entry.snapshot->def;
  for (size_t i = 0; i < entry.snapshot->infos.size(); ++i) {
    if (entry.snapshot->infos[i].chunkStartMs != chunkStartMs) continue;
    result.infos.push_back(entry.snapshot->infos[i]);
    result.segments.push_back(entry.snapshot->segments[i]);
  }
  return result;
}

void DatabaseImpl::clearHot(const std::string& table) {
  std::shared_ptr<const HotView> old;
  std::shared_ptr<const TableSnapshot> oldCombined;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    auto it = tables_.find(table);
    if (it == tables_.end()) return;
    old = std::move(it->second.hot);
    oldCombined = std::move(it->second.combined);
    it->second.claimedChunks.clear();
  }
  requestMerge();
}

absl::StatusOr<std::map<std::string, std::string>> DatabaseImpl::tableProperties(const std::string& table) const {
  std::lock_guard<std::mutex> lock(commitMutex_);
  const CatalogState& state = catalog_->state();
  if (!state.tables.contains(table)) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
  auto it = state.properties.find(table);
  if (it == state.properties.end()) return std::map<std::string, std::string>{};
  return it->second;
}

// --- insert ----------------------------------------------------------------

absl::StatusOr<uint64_t> DatabaseImpl::insert(const std::string& table, const std::vector<Batch>& batches) {
  return insert(table, batches, {});
}

absl::StatusOr<uint64_t> DatabaseImpl::insert(const std::string& table, const std::vector<Batch>& batches,
                                              const std::map<std::string, std::string>& properties) {
  uint64_t incarnation = 0;
  FURL_ASSIGN_OR_RETURN(std::vector<WrittenSegment> written, writeBatches(table, batches, incarnation));
  uint64_t totalRows = 0;
  for (const WrittenSegment& segment : written) totalRows += segment.info.numRows;
  if (totalRows == 0) return 0;
  FURL_RETURN_IF_ERROR(commitSegments(table, incarnation, written, {}, properties, nullptr));
  return totalRows;
}

absl::StatusOr<std::vector<PreparedSegment>> DatabaseImpl::prepareSegments(const std::string& table,
                                                                           const std::vector<Batch>& batches) {
  uint64_t incarnation = 0;
  return writeBatches(table, batches, incarnation);
}

void DatabaseImpl::discardPrepared(const std::vector<PreparedSegment>& prepared) {
  for (const PreparedSegment& segment : prepared) segment.reader->removeOnRelease();
}

absl::StatusOr<std::vector<DatabaseImpl::WrittenSegment>> DatabaseImpl::writeBatches(const std::string& table,
                                                                                     const std::vector<Batch>& batches,
                                                                                     uint64_t& incarnation) {
  std::shared_ptr<const TableSnapshot> current;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    auto it = tables_.find(table);
    if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
    current = it->second.snapshot;
    incarnation = it->second.incarnation;
  }
  const TableDef& def = current->def;

  // Check the batches against the table before writing anything.
  std::vector<Batch> dense;
  dense.reserve(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) {
    const Batch& batch = batches[b];
    if (batch.columns.size() != def.columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat("table '", table, "' has ", def.columns.size(),
                                                     " columns, batch ", b, " has ", batch.columns.size()));
    }
    for (size_t c = 0; c < def.columns.size(); ++c) {
      const ColumnPtr& column = batch.columns[c];
      if (column == nullptr || column->type().id != def.columns[c].type.id || column->size() != batch.numRows) {
        return absl::InvalidArgumentError(absl::StrCat(
            "column '", def.columns[c].name, "' of table '", table, "' expects ", batch.numRows, " values of type ",
            def.columns[c].type.toString(), ", batch ", b, " has ",
            column ? absl::StrCat(column->size(), " of type ", column->type().toString()) : "none"));
      }
    }
    dense.push_back(batch.sel ? batch.compact() : batch);
  }

  // Group rows by time chunk; a batch inside one chunk is kept whole.
  std::map<int64_t, std::vector<Batch>> chunks;
  uint64_t totalRows = 0;
  for (const Batch& batch : dense) {
    if (batch.numRows == 0) continue;
    totalRows += batch.numRows;
    if (def.timeColumn < 0) {
      chunks[std::numeric_limits<int64_t>::min()].push_back(batch);
      continue;
    }
    const Column& timeColumn = *batch.columns[def.timeColumn];
    std::map<int64_t, SelectionVector> rowsByChunk;
    for (size_t i = 0; i < batch.numRows; ++i) {
      if (timeColumn.isNull(i)) {
        return absl::InvalidArgumentError(absl::StrCat("time column '", def.columns[def.timeColumn].name,
                                                       "' of table '", table, "' is NULL in row ", i,
                                                       "; every row needs a time"));
      }
      rowsByChunk[chunkStartMs(def.segmentGranularity, timeMsAt(timeColumn, i))].push_back(static_cast<uint32_t>(i));
    }
    if (rowsByChunk.size() == 1) {
      chunks[rowsByChunk.begin()->first].push_back(batch);
      continue;
    }
    for (const auto& [chunkStart, rows] : rowsByChunk) chunks[chunkStart].push_back(gatherBatch(batch, rows));
  }
  if (totalRows == 0) return std::vector<WrittenSegment>{};

  // Write one segment per chunk, or several for a chunk above maxSegmentRows.
  std::vector<WrittenSegment> written;
  auto discardWritten = [&]() {
    for (const WrittenSegment& segment : written) segment.reader->removeOnRelease();
    written.clear();
  };
  for (const auto& [chunkStart, pieces] : chunks) {
    std::vector<Batch> group;
    uint64_t groupRows = 0;
    auto flush = [&]() -> absl::Status {
      if (group.empty()) return absl::OkStatus();
      auto segment = writeSegment(def, group, chunkStart);
      if (!segment.ok()) return segment.status();
      written.push_back(std::move(*segment));
      group.clear();
      groupRows = 0;
      return absl::OkStatus();
    };
    for (const Batch& piece : pieces) {
      size_t offset = 0;
      while (offset < piece.numRows) {
        size_t take = std::min<uint64_t>(piece.numRows - offset, tuning_.maxSegmentRows - groupRows);
        group.push_back(sliceBatch(piece, offset, take));
        groupRows += take;
        offset += take;
        if (groupRows == tuning_.maxSegmentRows) {
          absl::Status status = flush();
          if (!status.ok()) {
            discardWritten();
            return status;
          }
        }
      }
    }
    absl::Status status = flush();
    if (!status.ok()) {
      discardWritten();
      return status;
    }
  }

  return written;
}

absl::Status DatabaseImpl::publishPrepared(const std::string& table, const std::vector<PreparedSegment>& prepared,
                                           const std::vector<std::string>& removed,
                                           const std::map<std::string, std::string>& properties,
                                           std::shared_ptr<const HotView> view) {
  return commitSegments(table, std::nullopt, prepared, removed, properties, &view);
}

absl::Status DatabaseImpl::commitSegments(const std::string& table, std::optional<uint64_t> incarnation,
                                          const std::vector<WrittenSegment>& written,
                                          const std::vector<std::string>& removed,
                                          const std::map<std::string, std::string>& properties,
                                          const std::shared_ptr<const HotView>* view) {
  // Publish every segment in one commit: the insert is atomic.
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    {
      std::lock_guard<std::mutex> stateLock(stateMutex_);
      auto it = tables_.find(table);
      if (it == tables_.end() || (incarnation && it->second.incarnation != *incarnation)) {
        discardPrepared(written);
        return absl::NotFoundError(absl::StrCat("table '", table, "' was dropped during the insert"));
      }
    }
    CatalogChange change;
    change.removeSegments = removed;
    for (const WrittenSegment& segment : written) change.addSegments.push_back(segment.info);
    for (const auto& [key, value] : properties) change.properties.push_back({table, key, value});
    if (!change.empty()) {
      change.nextSegmentNumber = nextSegmentNumber_.load();
      absl::Status status = catalog_->commit(change);
      if (!status.ok()) {
        for (const WrittenSegment& segment : written) {
          if (!catalog_->state().segments.contains(segment.info.id)) segment.reader->removeOnRelease();
        }
        return status;
      }
    }
    std::shared_ptr<const TableSnapshot> before;
    {
      std::lock_guard<std::mutex> stateLock(stateMutex_);
      TableEntry& entry = tables_[table];
      before = entry.snapshot;
      entry.snapshot = replaceSegments(*entry.snapshot, removed, written);
      if (view != nullptr) entry.hot = *view;
      entry.combined.reset();
    }
    // Files of removed segments go when the last snapshot holding them is released.
    for (size_t i = 0; i < before->infos.size(); ++i) {
      if (std::find(removed.begin(), removed.end(), before->infos[i].id) != removed.end()) {
        before->segments[i]->removeOnRelease();
      }
    }
  }
  if (!written.empty()) requestMerge();
  return absl::OkStatus();
}

absl::StatusOr<DatabaseImpl::WrittenSegment> DatabaseImpl::writeSegment(const TableDef& def,
                                                                        const std::vector<Batch>& batches,
                                                                        int64_t chunkStart) {
  auto start = std::chrono::steady_clock::now();
  std::string id = newSegmentId();
  std::string path = segmentPath(id);

  SegmentWriterOptions writerOptions;
  writerOptions.blockRows = options_.blockRows;
  writerOptions.codec = tuning_.codec;
  writerOptions.dictionaryCodec = tuning_.dictionaryCodec;
  writerOptions.sortKey = def.sortKey;
  SegmentWriter writer(schemaOf(def), writerOptions);
  for (const Batch& batch : batches) {
    absl::Status status = writer.append(batch);
    if (!status.ok()) return absl::Status(status.code(), absl::StrCat("table '", def.name, "': ", status.message()));
  }
  FURL_ASSIGN_OR_RETURN(SegmentWriteResult result, writer.finish(path));
  auto reader = SegmentReader::open(path, id);
  if (!reader.ok()) {
    removeFile(path).IgnoreError();
    return reader.status();
  }

  WrittenSegment segment;
  segment.reader = std::move(*reader);
  SegmentInfo& info = segment.info;
  info.id = id;
  info.table = def.name;
  if (def.timeColumn >= 0) {
    TypeId timeType = def.columns[def.timeColumn].type.id;
    info.chunkStartMs = chunkStart;
    info.chunkEndMs = chunkEndMs(def.segmentGranularity, chunkStart);
    info.minTimeMs = statToMs(result.columnStats[def.timeColumn].min, timeType);
    info.maxTimeMs = statToMs(result.columnStats[def.timeColumn].max, timeType);
  } else {
    info.chunkStartMs = std::numeric_limits<int64_t>::min();
    info.chunkEndMs = std::numeric_limits<int64_t>::max();
  }
  info.numRows = result.numRows;
  info.sizeBytes = result.sizeBytes;
  logger("storage.segment")
      ->info("segment written table={} segment={} rows={} bytes={} blocks={} ms={}", def.name, id, result.numRows,
             result.sizeBytes, result.numBlocks, elapsedMs(start));
  return segment;
}

// --- merge -----------------------------------------------------------------

absl::StatusOr<size_t> DatabaseImpl::mergeNow() {
  std::lock_guard<std::mutex> lock(mergeMutex_);
  return mergeUntilDone(2);
}

void DatabaseImpl::requestMerge() {
  if (!options_.backgroundMerge) return;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    mergeRequested_ = true;
  }
  wake_.notify_one();
}

bool DatabaseImpl::stopRequested() {
  std::lock_guard<std::mutex> lock(wakeMutex_);
  return stopping_;
}

void DatabaseImpl::mergeLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(wakeMutex_);
      wake_.wait(lock, [&] { return stopping_ || mergeRequested_; });
      if (stopping_) return;
      mergeRequested_ = false;
    }
    std::lock_guard<std::mutex> lock(mergeMutex_);
    auto merged = mergeUntilDone(std::max<size_t>(2, tuning_.mergeMinSegments));
    if (!merged.ok()) {
      // The segments stay as they are; the next insert retries.
      logger("storage.merge")->warn("background merge failed dir={} error={}", dataDir_, merged.status().ToString());
    }
  }
}

std::vector<DatabaseImpl::MergeTask> DatabaseImpl::findMerges(size_t minSegments) const {
  struct Candidate {
    uint64_t incarnation;
    std::shared_ptr<const TableSnapshot> snapshot;
    std::set<int64_t> claimed;
  };
  std::vector<Candidate> tables;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    for (const auto& [name, entry] : tables_) tables.push_back({entry.incarnation, entry.snapshot, entry.claimedChunks});
  }

  std::vector<MergeTask> tasks;
  for (const auto& [incarnation, snapshot, claimed] : tables) {
    std::map<int64_t, std::vector<size_t>> smallByChunk;
    for (size_t i = 0; i < snapshot->infos.size(); ++i) {
      // An ingestion source rewrites claimed chunks itself.
      if (claimed.contains(snapshot->infos[i].chunkStartMs)) continue;
      if (snapshot->infos[i].numRows < tuning_.smallSegmentRows &&
          snapshot->infos[i].location == SegmentLocation::kLocal) {
        smallByChunk[snapshot->infos[i].chunkStartMs].push_back(i);
      }
    }
    for (auto& [chunkStart, candidates] : smallByChunk) {
      if (candidates.size() < minSegments) continue;

      // Smallest first, as many as fit in one output segment.
      std::stable_sort(candidates.begin(), candidates.end(),
                       [&](size_t a, size_t b) { return snapshot->infos[a].numRows < snapshot->infos[b].numRows; });
      MergeTask task;
      task.incarnation = incarnation;
      task.def = snapshot->def;
      uint64_t rows = 0;
      for (size_t i : candidates) {
        if (rows + snapshot->infos[i].numRows > tuning_.maxSegmentRows) break;
        rows += snapshot->infos[i].numRows;
        task.infos.push_back(snapshot->infos[i]);
        task.segments.push_back(snapshot->segments[i]);
      }
      if (task.infos.size() >= 2) tasks.push_back(std::move(task));
    }
  }
  return tasks;
}

absl::StatusOr<size_t> DatabaseImpl::mergeUntilDone(size_t minSegments) {
  size_t merges = 0;
  while (!stopRequested()) {
    std::vector<MergeTask> tasks = findMerges(minSegments);
    bool progress = false;
    for (const MergeTask& task : tasks) {
      absl::Status status = runMerge(task);
      if (status.ok()) {
        ++merges;
        progress = true;
      } else if (!absl::IsNotFound(status) && !absl::IsAborted(status)) {
        return status;
      }
      // NotFound: the table was dropped or replaced meanwhile. Aborted: an
      // input moved to another tier. Either way nothing is left to do.
    }
    if (!progress) break;
  }
  return merges;
}

absl::Status DatabaseImpl::runMerge(const MergeTask& task) {
  auto start = std::chrono::steady_clock::now();
  const TableDef& def = task.def;
  std::vector<SegmentColumn> schema = schemaOf(def);

  // Read every block of the inputs; string columns stay dictionary-encoded.
  std::vector<Batch> batches;
  for (const auto& segment : task.segments) {
    const auto& columns = segment->columns();
    bool sameSchema = columns.size() == schema.size();
    for (size_t c = 0; sameSchema && c < schema.size(); ++c) {
      sameSchema = columns[c].name == schema[c].name && columns[c].type == schema[c].type;
    }
    if (!sameSchema) {
      return absl::InternalError(absl::StrCat("segment ", segment->id(), " of table '", def.name,
                                              "' does not have the table's columns; merge skipped"));
    }
    for (size_t b = 0; b < segment->numBlocks(); ++b) {
      Batch batch;
      batch.numRows = segment->blockRows(b);
      for (size_t c = 0; c < schema.size(); ++c) {
        FURL_ASSIGN_OR_RETURN(ColumnPtr column, segment->readBlock(c, b));
        batch.columns.push_back(std::move(column));
      }
      batches.push_back(std::move(batch));
    }
  }

  FURL_ASSIGN_OR_RETURN(WrittenSegment merged, writeSegment(def, batches, task.infos.front().chunkStartMs));
  batches.clear();

  // Swap inputs for the output in one commit.
  std::vector<std::string> removed;
  for (const SegmentInfo& info : task.infos) removed.push_back(info.id);
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    {
      std::lock_guard<std::mutex> stateLock(stateMutex_);
      auto it = tables_.find(def.name);
      if (it == tables_.end() || it->second.incarnation != task.incarnation) {
        merged.reader->removeOnRelease();
        return absl::NotFoundError(absl::StrCat("table '", def.name, "' was dropped during a merge"));
      }
      if (it->second.claimedChunks.contains(task.infos.front().chunkStartMs)) {
        merged.reader->removeOnRelease();
        return absl::NotFoundError(absl::StrCat("time chunk ", task.infos.front().chunkStartMs, " of table '",
                                                def.name, "' was claimed by ingestion during a merge"));
      }
    }
    // The mover may have moved an input to the object store meanwhile.
    for (const SegmentInfo& info : task.infos) {
      auto current = catalog_->state().segments.find(info.id);
      if (current == catalog_->state().segments.end() || current->second.location != SegmentLocation::kLocal) {
        merged.reader->removeOnRelease();
        return absl::AbortedError(absl::StrCat("segment ", info.id, " of table '", def.name,
                                               "' moved or was removed during a merge"));
      }
    }
    CatalogChange change;
    change.removeSegments = removed;
    change.addSegments.push_back(merged.info);
    change.nextSegmentNumber = nextSegmentNumber_.load();
    absl::Status status = catalog_->commit(change);
    if (!status.ok()) {
      if (!catalog_->state().segments.contains(merged.info.id)) merged.reader->removeOnRelease();
      return status;
    }
    std::lock_guard<std::mutex> stateLock(stateMutex_);
    TableEntry& entry = tables_[def.name];
    entry.snapshot = replaceSegments(*entry.snapshot, removed, {merged});
    entry.combined.reset();
  }
  for (const auto& segment : task.segments) {
    segment->removeOnRelease();
  }
  logger("storage.merge")
      ->info("segments merged table={} chunk_start_ms={} inputs={} segment={} rows={} bytes={} ms={}", def.name,
             task.infos.front().chunkStartMs, task.infos.size(), merged.info.id, merged.info.numRows,
             merged.info.sizeBytes, elapsedMs(start));
  return absl::OkStatus();
}

}  // namespace furl::storage
