// The tiering half of DatabaseImpl: opening cold segments, the mover that
// applies each table's rules, manual moves, and the object-store sweep.
// docs/tiered-storage.md describes the steps and the state a crash leaves
// after each of them.

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/cold_segment.h"
#include "storage/database_impl.h"
#include "storage/file_io.h"
#include "storage/tiering_rules.h"

namespace furl::storage {

namespace {

constexpr uint64_t kChecksumChunkBytes = 8 << 20;

int64_t elapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

/// XXH3-64 of a whole local file, read in chunks.
absl::StatusOr<uint64_t> fileChecksum(const std::string& path) {
  FURL_ASSIGN_OR_RETURN(auto file, RandomAccessFile::open(path));
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::string buffer;
  absl::Status status;
  for (uint64_t offset = 0; offset < file->sizeBytes(); offset += kChecksumChunkBytes) {
    size_t length = std::min<uint64_t>(kChecksumChunkBytes, file->sizeBytes() - offset);
    buffer.resize(length);
    status = file->readAt(offset, length, buffer.data());
    if (!status.ok()) break;
    XXH3_64bits_update(state, buffer.data(), length);
  }
  uint64_t result = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  if (!status.ok()) return status;
  return result;
}

/// XXH3-64 of an object's bytes, read back with range requests.
absl::StatusOr<uint64_t> objectChecksum(ObjectStore& store, const std::string& key, uint64_t sizeBytes) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  absl::Status status;
  for (uint64_t offset = 0; offset < sizeBytes; offset += kChecksumChunkBytes) {
    auto bytes = store.read(key, offset, std::min<uint64_t>(kChecksumChunkBytes, sizeBytes - offset));
    if (!bytes.ok()) {
      status = bytes.status();
      break;
    }
    XXH3_64bits_update(state, bytes->data(), bytes->size());
  }
  uint64_t result = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  if (!status.ok()) return status;
  return result;
}

std::string_view targetName(MoveTarget target) {
  switch (target) {
    case MoveTarget::kWarm:
      return "warm";
    case MoveTarget::kCold:
      return "cold";
    case MoveTarget::kAuto:
      return "auto";
  }
  return "unknown";
}

}  // namespace

std::string_view tieringStepName(TieringStep step) {
  switch (step) {
    case TieringStep::kUploaded:
      return "uploaded";
    case TieringStep::kVerified:
      return "verified";
    case TieringStep::kCommitted:
      return "committed";
    case TieringStep::kDownloaded:
      return "downloaded";
    case TieringStep::kLocalVerified:
      return "local_verified";
    case TieringStep::kLocalCommitted:
      return "local_committed";
    case TieringStep::kDropCommitted:
      return "drop_committed";
  }
  return "unknown";
}

// --- opening -----------------------------------------------------------------

absl::Status DatabaseImpl::openTiering() {
  objectStore_ = options_.objectStore;
  if (objectStore_ == nullptr) {
    std::string dir = options_.coldDir.empty() ? dataDir_ + "/cold" : options_.coldDir;
    FURL_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, openLocalObjectStore(dir));
    objectStore_ = std::move(store);
  }
  std::string cacheDir = options_.coldCacheDir.empty() ? dataDir_ + "/cold-cache" : options_.coldCacheDir;
  FURL_ASSIGN_OR_RETURN(std::unique_ptr<BlockCache> cache, BlockCache::open(cacheDir, options_.coldCacheBytes));
  cache_ = std::move(cache);
  coldObjects_ = std::make_shared<ColdObjectRegistry>();
  return absl::OkStatus();
}

int64_t DatabaseImpl::nowMs() const {
  if (tuning_.nowMs) return tuning_.nowMs();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DatabaseImpl::objectKey(const std::string& table, const std::string& segmentId) const {
  std::string databaseId;
  {
    std::lock_guard<std::mutex> lock(commitMutex_);
    databaseId = catalog_->state().databaseId;
  }
  return absl::StrCat(databaseId, "/", table, "/", segmentId, ".seg");
}

absl::StatusOr<SegmentInfo> DatabaseImpl::segmentInfo(const std::string& segmentId) const {
  std::lock_guard<std::mutex> lock(commitMutex_);
  auto it = catalog_->state().segments.find(segmentId);
  if (it == catalog_->state().segments.end()) {
    return absl::NotFoundError(absl::StrCat("segment ", segmentId, " not found in the catalog"));
  }
  return it->second;
}

absl::StatusOr<std::shared_ptr<const Segment>> DatabaseImpl::openSegment(const SegmentInfo& info, bool hot) const {
  if (info.location == SegmentLocation::kObjectStore) {
    auto source = makeObjectSource(objectStore_, cache_, info.objectKey, info.sizeBytes, coldObjects_);
    return std::shared_ptr<const Segment>(std::make_shared<ColdSegment>(info.id, info.table, source, info.numRows));
  }
  std::string path = segmentPath(info.id);
  FURL_ASSIGN_OR_RETURN(auto source, hot ? openMemorySource(path) : openFileSource(path));
  FURL_ASSIGN_OR_RETURN(auto reader, SegmentReader::open(std::move(source), info.id, nullptr));
  return std::shared_ptr<const Segment>(std::move(reader));
}

std::shared_ptr<const Segment> DatabaseImpl::swapSegment(const std::string& table, uint64_t incarnation,
                                                         const SegmentInfo& info,
                                                         std::shared_ptr<const Segment> segment) {
  std::lock_guard<std::mutex> lock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.incarnation != incarnation) return nullptr;
  const TableSnapshot& current = *it->second.snapshot;
  for (size_t i = 0; i < current.infos.size(); ++i) {
    if (current.infos[i].id != info.id) continue;
    auto next = std::make_shared<TableSnapshot>(current);
    std::shared_ptr<const Segment> replaced = next->segments[i];
    next->infos[i] = info;
    next->segments[i] = std::move(segment);
    it->second.snapshot = std::move(next);
    it->second.combined.reset();
    return replaced;
  }
  return nullptr;
}

absl::Status DatabaseImpl::fault(TieringStep step, const std::string& segmentId) const {
  if (!tuning_.tieringFault) return absl::OkStatus();
  return tuning_.tieringFault(step, segmentId);
}

// --- moves -------------------------------------------------------------------

absl::Status DatabaseImpl::moveToCold(const std::string& table, uint64_t incarnation, const SegmentInfo& info,
                                      PinnedTier pin) {
  auto start = std::chrono::steady_clock::now();
  std::string path = segmentPath(info.id);
  std::string key = objectKey(table, info.id);
  auto removeObject = [&] {
    absl::Status removed = objectStore_->remove(key);
    if (!removed.ok()) {
      // The sweep deletes it later.
      logger("storage.tiering")->warn("object not removed segment={} key={} error={}", info.id, key, removed.ToString());
    }
  };

  // Upload, then verify size and checksum against the local file.
  FURL_ASSIGN_OR_RETURN(uint64_t checksum, fileChecksum(path));
  auto uploaded = objectStore_->putFile(key, path);
  if (!uploaded.ok()) return uploaded.status();
  absl::Status status = fault(TieringStep::kUploaded, info.id);
  if (status.ok()) {
    auto head = objectStore_->head(key);
    if (!head.ok()) {
      status = head.status();
    } else if (head->size != info.sizeBytes) {
      status = absl::DataLossError(absl::StrCat("object ", key, " has ", head->size, " bytes after the upload, the ",
                                                "segment file ", path, " has ", info.sizeBytes));
    }
  }
  if (status.ok()) {
    auto stored = objectChecksum(*objectStore_, key, info.sizeBytes);
    if (!stored.ok()) {
      status = stored.status();
    } else if (*stored != checksum) {
      status = absl::DataLossError(absl::StrCat("object ", key, " does not match the segment file ", path,
                                                " after the upload (checksum mismatch)"));
    }
  }
  if (status.ok()) status = fault(TieringStep::kVerified, info.id);
  if (!status.ok()) {
    removeObject();
    return status;
  }

  // Commit the new location, unless the segment changed meanwhile.
  SegmentInfo moved = info;
  moved.location = SegmentLocation::kObjectStore;
  moved.objectKey = key;
  moved.fileChecksum = checksum;
  moved.pinnedTier = pin;
  auto segment = openSegment(moved, false);
  if (!segment.ok()) return segment.status();
  std::shared_ptr<const Segment> replaced;
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    auto current = catalog_->state().segments.find(info.id);
    if (current == catalog_->state().segments.end() || current->second.location != SegmentLocation::kLocal) {
      removeObject();
      return absl::AbortedError(absl::StrCat("segment ", info.id, " of table '", table,
                                             "' was merged, dropped or moved during the upload"));
    }
    CatalogChange change;
    change.updateSegments.push_back(moved);
    status = catalog_->commit(change);
    if (!status.ok()) {
      auto after = catalog_->state().segments.find(info.id);
      if (after == catalog_->state().segments.end() || after->second.location == SegmentLocation::kLocal) {
        removeObject();
      }
      return status;
    }
    replaced = swapSegment(table, incarnation, moved, *segment);
  }

  // The local file goes when the last query holding it finishes.
  if (replaced != nullptr) replaced->removeOnRelease();
  logger("storage.tiering")
      ->info("segment moved to cold table={} segment={} key={} bytes={} ms={}", table, info.id, key, info.sizeBytes,
             elapsedMs(start));
  return fault(TieringStep::kCommitted, info.id);
}

absl::Status DatabaseImpl::moveToLocal(const std::string& table, uint64_t incarnation, const SegmentInfo& info,
                                       PinnedTier pin, bool hot) {
  auto start = std::chrono::steady_clock::now();
  std::string path = segmentPath(info.id);

  // Download, then verify the file against the catalog.
  FURL_RETURN_IF_ERROR(objectStore_->getFile(info.objectKey, path));
  absl::Status status = fault(TieringStep::kDownloaded, info.id);
  if (status.ok() && info.fileChecksum != 0) {
    auto checksum = fileChecksum(path);
    if (!checksum.ok()) {
      status = checksum.status();
    } else if (*checksum != info.fileChecksum) {
      status = absl::DataLossError(absl::StrCat("segment file ", path, " downloaded from ", info.objectKey,
                                                " does not match the catalog's checksum"));
    }
  }
  SegmentInfo moved = info;
  moved.location = SegmentLocation::kLocal;
  moved.objectKey.clear();
  moved.pinnedTier = pin;
  absl::StatusOr<std::shared_ptr<const Segment>> segment =
      status.ok() ? openSegment(moved, hot) : absl::StatusOr<std::shared_ptr<const Segment>>(status);
  if (segment.ok() && (*segment)->numRows() != info.numRows) {
    segment = absl::DataLossError(absl::StrCat("segment file ", path, " has ", (*segment)->numRows(),
                                               " rows but the catalog lists ", info.numRows));
  }
  if (segment.ok()) status = fault(TieringStep::kLocalVerified, info.id);
  if (!segment.ok() || !status.ok()) {
    removeFile(path).IgnoreError();
    return segment.ok() ? status : segment.status();
  }

  std::shared_ptr<const Segment> replaced;
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    auto current = catalog_->state().segments.find(info.id);
    if (current == catalog_->state().segments.end() || current->second.objectKey != info.objectKey) {
      removeFile(path).IgnoreError();
      return absl::AbortedError(absl::StrCat("segment ", info.id, " of table '", table,
                                             "' was dropped or moved during the download"));
    }
    CatalogChange change;
    change.updateSegments.push_back(moved);
    status = catalog_->commit(change);
    if (!status.ok()) {
      auto after = catalog_->state().segments.find(info.id);
      if (after == catalog_->state().segments.end() || after->second.location != SegmentLocation::kLocal) {
        removeFile(path).IgnoreError();
      }
      return status;
    }
    replaced = swapSegment(table, incarnation, moved, *segment);
  }

  // The mover deletes the object on a later pass, once no running query reads it.
  if (replaced != nullptr) replaced->removeOnRelease();
  logger("storage.tiering")
      ->info("segment moved to local disk table={} segment={} key={} bytes={} hot={} ms={}", table, info.id,
             info.objectKey, info.sizeBytes, hot, elapsedMs(start));
  return fault(TieringStep::kLocalCommitted, info.id);
}

absl::Status DatabaseImpl::setPin(const std::string& table, uint64_t incarnation, const SegmentInfo& info,
                                  PinnedTier pin) {
  SegmentInfo pinned = info;
  pinned.pinnedTier = pin;
  std::lock_guard<std::mutex> commitLock(commitMutex_);
  auto current = catalog_->state().segments.find(info.id);
  if (current == catalog_->state().segments.end()) {
    return absl::AbortedError(absl::StrCat("segment ", info.id, " of table '", table, "' was merged or dropped"));
  }
  pinned = current->second;
  pinned.pinnedTier = pin;
  CatalogChange change;
  change.updateSegments.push_back(pinned);
  FURL_RETURN_IF_ERROR(catalog_->commit(change));

  // Same segment object, new catalog entry.
  std::lock_guard<std::mutex> stateLock(stateMutex_);
  auto it = tables_.find(table);
  if (it == tables_.end() || it->second.incarnation != incarnation) return absl::OkStatus();
  auto next = std::make_shared<TableSnapshot>(*it->second.snapshot);
  for (SegmentInfo& entry : next->infos) {
    if (entry.id == info.id) entry = pinned;
  }
  it->second.snapshot = std::move(next);
  it->second.combined.reset();
  return absl::OkStatus();
}

absl::Status DatabaseImpl::setHot(const std::string& table, uint64_t incarnation, const SegmentInfo& info, bool hot) {
  FURL_ASSIGN_OR_RETURN(auto segment, openSegment(info, hot));
  std::lock_guard<std::mutex> commitLock(commitMutex_);
  auto current = catalog_->state().segments.find(info.id);
  if (current == catalog_->state().segments.end() || current->second.location != SegmentLocation::kLocal) {
    return absl::AbortedError(absl::StrCat("segment ", info.id, " of table '", table, "' was merged or moved"));
  }
  swapSegment(table, incarnation, current->second, std::move(segment));
  logger("storage.tiering")
      ->info("segment {} memory table={} segment={} bytes={}", hot ? "loaded in" : "released from", table, info.id,
             info.sizeBytes);
  return absl::OkStatus();
}

absl::Status DatabaseImpl::dropSegments(const std::string& table, uint64_t incarnation,
                                        const std::vector<std::string>& ids) {
  std::shared_ptr<const TableSnapshot> before;
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    CatalogChange change;
    for (const std::string& id : ids) {
      if (catalog_->state().segments.contains(id)) change.removeSegments.push_back(id);
    }
    if (change.removeSegments.empty()) return absl::OkStatus();
    FURL_RETURN_IF_ERROR(catalog_->commit(change));
    std::lock_guard<std::mutex> stateLock(stateMutex_);
    auto it = tables_.find(table);
    if (it != tables_.end() && it->second.incarnation == incarnation) {
      before = it->second.snapshot;
      it->second.snapshot = replaceSegments(*before, change.removeSegments, {});
      it->second.combined.reset();
    }
  }
  if (before != nullptr) {
    for (size_t i = 0; i < before->infos.size(); ++i) {
      if (std::find(ids.begin(), ids.end(), before->infos[i].id) != ids.end()) before->segments[i]->removeOnRelease();
    }
  }
  logger("storage.tiering")->info("segments dropped by retention table={} segments={}", table, ids.size());
  return fault(TieringStep::kDropCommitted, ids.front());
}

// --- object deletes and the sweep ---------------------------------------------

size_t DatabaseImpl::deleteReleasedObjects() {
  size_t deleted = 0;
  for (const std::string& key : coldObjects_->takePendingDeletes()) {
    bool referenced = false;
    {
      std::lock_guard<std::mutex> lock(commitMutex_);
      for (const auto& [id, info] : catalog_->state().segments) referenced |= info.objectKey == key;
    }
    // A newer reader of the same key (the segment moved back to cold)
    // keeps the object; the sweep catches any that stay unreferenced.
    if (referenced || coldObjects_->isLive(key)) continue;
    absl::Status status = objectStore_->remove(key);
    cache_->eraseObject(key);
    if (!status.ok()) {
      logger("storage.tiering")->warn("object not deleted key={} error={}; the sweep retries", key, status.ToString());
      continue;
    }
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<size_t> DatabaseImpl::sweepObjectStore() {
  std::lock_guard<std::mutex> moveLock(moveMutex_);
  std::string prefix;
  std::set<std::string> referenced;
  {
    std::lock_guard<std::mutex> lock(commitMutex_);
    prefix = catalog_->state().databaseId + "/";
    for (const auto& [id, info] : catalog_->state().segments) {
      if (!info.objectKey.empty()) referenced.insert(info.objectKey);
    }
  }
  FURL_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, objectStore_->list(prefix));
  size_t deleted = 0;
  for (const ObjectInfo& object : objects) {
    if (referenced.contains(object.key) || coldObjects_->isLive(object.key)) continue;
    FURL_RETURN_IF_ERROR(objectStore_->remove(object.key));
    cache_->eraseObject(object.key);
    ++deleted;
  }
  lastSweepMs_ = nowMs();
  if (deleted > 0) {
    logger("storage.tiering")->info("orphan objects deleted store={} count={}", objectStore_->describe(), deleted);
  }
  return deleted;
}

// --- the mover -----------------------------------------------------------------

TieringPassResult DatabaseImpl::runTieringPass() {
  TieringPassResult result;
  int64_t now = nowMs();
  {
    std::lock_guard<std::mutex> moveLock(moveMutex_);
    result.objectsDeleted += deleteReleasedObjects();
  }
  if (lastSweepMs_ == 0 || now - lastSweepMs_ >= tuning_.objectSweepIntervalMs) {
    auto swept = sweepObjectStore();
    if (swept.ok()) {
      result.objectsDeleted += *swept;
    } else {
      ++result.failures;
      logger("storage.tiering")->warn("object sweep failed error={}; retrying on a later pass", swept.status().ToString());
    }
  }

  std::vector<std::pair<uint64_t, std::shared_ptr<const TableSnapshot>>> tables;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    for (const auto& [name, entry] : tables_) tables.emplace_back(entry.incarnation, entry.snapshot);
  }
  for (const auto& [incarnation, snapshot] : tables) {
    const std::string& table = snapshot->def.name;
    auto rules = parseTieringRules(snapshot->def.settings, now);
    if (!rules.ok()) {
      ++result.failures;
      logger("storage.tiering")->warn("tiering rules ignored table={} error={}", table, rules.status().ToString());
      continue;
    }
    std::vector<std::string> drops;
    for (const SegmentInfo& listed : snapshot->infos) {
      if (stopRequested()) return result;
      std::lock_guard<std::mutex> moveLock(moveMutex_);

      // Re-read the entry: a manual move may have changed it since the
      // snapshot was taken.
      std::optional<SegmentInfo> current;
      bool hot = false;
      {
        std::lock_guard<std::mutex> lock(stateMutex_);
        auto it = tables_.find(table);
        if (it == tables_.end() || it->second.incarnation != incarnation) break;
        // An ingestion source rewrites claimed chunks itself (hot segments
        // with rollup), so the mover leaves them alone as merges do.
        if (it->second.claimedChunks.contains(listed.chunkStartMs)) continue;
        const TableSnapshot& latest = *it->second.snapshot;
        for (size_t i = 0; i < latest.infos.size(); ++i) {
          if (latest.infos[i].id != listed.id) continue;
          current = latest.infos[i];
          hot = latest.segments[i]->tier() == "hot";
        }
      }
      if (!current) continue;
      const SegmentInfo& info = *current;
      Tier desired = desiredTier(*rules, info, now);
      bool local = info.location == SegmentLocation::kLocal;
      absl::Status status;
      if (desired == Tier::kDrop) {
        drops.push_back(info.id);
        continue;
      } else if (desired == Tier::kCold && local) {
        status = moveToCold(table, incarnation, info, info.pinnedTier);
        if (status.ok()) ++result.movedToCold;
      } else if (desired != Tier::kCold && !local) {
        status = moveToLocal(table, incarnation, info, info.pinnedTier, desired == Tier::kHot);
        if (status.ok()) ++result.movedToLocal;
      } else if (local && (desired == Tier::kHot) != hot) {
        status = setHot(table, incarnation, info, desired == Tier::kHot);
        if (status.ok()) ++(desired == Tier::kHot ? result.pinnedHot : result.unpinnedHot);
      }
      if (!status.ok() && !absl::IsAborted(status)) {
        ++result.failures;
        logger("storage.tiering")
            ->warn("segment move failed table={} segment={} target={} error={}; retrying on a later pass", table,
                   info.id, tierName(desired), status.ToString());
      }
    }
    if (!drops.empty()) {
      std::lock_guard<std::mutex> moveLock(moveMutex_);
      absl::Status status = dropSegments(table, incarnation, drops);
      if (status.ok()) {
        result.dropped += drops.size();
      } else {
        ++result.failures;
        logger("storage.tiering")->warn("retention drop failed table={} error={}", table, status.ToString());
      }
    }
  }
  return result;
}

void DatabaseImpl::requestTiering() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    tieringRequested_ = true;
  }
  tieringWake_.notify_one();
}

void DatabaseImpl::tieringLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(wakeMutex_);
      tieringWake_.wait_for(lock, std::chrono::milliseconds(options_.tieringIntervalMs),
                            [&] { return stopping_ || tieringRequested_; });
      if (stopping_) return;
      tieringRequested_ = false;
    }
    TieringPassResult pass = runTieringPass();
    if (pass.movedToCold + pass.movedToLocal + pass.dropped + pass.pinnedHot + pass.unpinnedHot > 0) {
      logger("storage.tiering")
          ->info("mover pass done to_cold={} to_local={} hot={} unhot={} dropped={} objects_deleted={} failures={}",
                 pass.movedToCold, pass.movedToLocal, pass.pinnedHot, pass.unpinnedHot, pass.dropped,
                 pass.objectsDeleted, pass.failures);
    }
  }
}

// --- requests ---------------------------------------------------------------------

absl::Status DatabaseImpl::alterTableSettings(const std::string& table,
                                              const std::map<std::string, std::optional<std::string>>& changes) {
  {
    std::lock_guard<std::mutex> commitLock(commitMutex_);
    auto it = catalog_->state().tables.find(table);
    if (it == catalog_->state().tables.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
    TableDef def = it->second;
    for (const auto& [key, value] : changes) {
      if (value.has_value()) {
        def.settings[key] = *value;
      } else {
        def.settings.erase(key);
      }
    }
    FURL_RETURN_IF_ERROR(parseTieringRules(def.settings, nowMs()).status());
    CatalogChange change;
    change.alterTables.push_back(def);
    FURL_RETURN_IF_ERROR(catalog_->commit(change));

    std::lock_guard<std::mutex> stateLock(stateMutex_);
    TableEntry& entry = tables_[table];
    auto next = std::make_shared<TableSnapshot>(*entry.snapshot);
    next->def = def;
    entry.snapshot = std::move(next);
    entry.combined.reset();
  }
  logger("storage.catalog")->info("table settings changed table={} settings={}", table, changes.size());
  requestTiering();
  return absl::OkStatus();
}

absl::StatusOr<size_t> DatabaseImpl::moveSegments(const std::string& table, const std::vector<std::string>& segmentIds,
                                                  MoveTarget target) {
  std::lock_guard<std::mutex> moveLock(moveMutex_);
  uint64_t incarnation = 0;
  std::shared_ptr<const TableSnapshot> snapshot;
  {
    std::lock_guard<std::mutex> lock(stateMutex_);
    auto it = tables_.find(table);
    if (it == tables_.end()) return absl::NotFoundError(absl::StrCat("table '", table, "' not found"));
    incarnation = it->second.incarnation;
    snapshot = it->second.snapshot;
  }
  int64_t now = nowMs();
  auto rules = parseTieringRules(snapshot->def.settings, now);

  size_t changed = 0;
  for (const std::string& id : segmentIds) {
    auto found = std::find_if(snapshot->infos.begin(), snapshot->infos.end(),
                              [&](const SegmentInfo& info) { return info.id == id; });
    if (found == snapshot->infos.end()) {
      return absl::NotFoundError(absl::StrCat("segment ", id, " of table '", table, "' not found"));
    }
    const SegmentInfo& info = *found;
    bool local = info.location == SegmentLocation::kLocal;
    absl::Status status;
    if (target == MoveTarget::kAuto) {
      if (info.pinnedTier == PinnedTier::kNone) continue;
      status = setPin(table, incarnation, info, PinnedTier::kNone);
    } else if (target == MoveTarget::kCold) {
      if (!local && info.pinnedTier == PinnedTier::kCold) continue;
      status = local ? moveToCold(table, incarnation, info, PinnedTier::kCold)
                     : setPin(table, incarnation, info, PinnedTier::kCold);
    } else {
      if (local && info.pinnedTier == PinnedTier::kWarm) continue;
      SegmentInfo pinned = info;
      pinned.pinnedTier = PinnedTier::kWarm;
      bool hot = rules.ok() && desiredTier(*rules, pinned, now) == Tier::kHot;
      status = local ? setPin(table, incarnation, info, PinnedTier::kWarm)
                     : moveToLocal(table, incarnation, info, PinnedTier::kWarm, hot);
    }
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("moving segment ", id, " of table '", table, "' to tier '",
                                                      std::string(targetName(target)), "' failed after ", changed,
                                                      " segments moved: ", status.message()));
    }
    ++changed;
  }
  if (target == MoveTarget::kAuto && changed > 0) requestTiering();
  logger("storage.tiering")
      ->info("segments moved on request table={} target={} requested={} changed={}", table, targetName(target),
             segmentIds.size(), changed);
  return changed;
}

}  // namespace furl::storage
