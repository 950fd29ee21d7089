#include "ingest/hot_table.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "common/logging.h"
#include "common/thread_name.h"
#include "ingest/supervisor.h"
#include "ingest/text_util.h"

namespace furl::ingest {
namespace {

/// Malformed messages kept in memory between two persists.
constexpr size_t kMaxUncommittedErrors = 10'000;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// CPU time of the calling thread in microseconds. Unlike the steady clock
/// it does not count time the thread waited for a core, so a publish that
/// was preempted on a busy machine does not hold back the next one.
int64_t threadCpuUs() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

std::vector<storage::SegmentColumn> schemaOf(const storage::TableDef& def) {
  std::vector<storage::SegmentColumn> schema;
  for (const storage::ColumnDef& column : def.columns) schema.push_back({column.name, column.type});
  return schema;
}

int64_t maxBytesFor(const TuningConfig& tuning) {
  if (tuning.maxBytesInMemory < 0) return 0;
  if (tuning.maxBytesInMemory == 0) return defaultMaxBytesInMemory();
  return tuning.maxBytesInMemory;
}

void appendBatches(const storage::MemorySegment& segment, std::vector<Batch>& out) {
  for (Batch& batch : segment.batches()) out.push_back(std::move(batch));
}

}  // namespace

/// The table's entry in the database: forwards refresh() to the table
/// until the table's destructor detaches it. A snapshot may hold it past
/// that point.
class HotTable::ViewSource final : public storage::HotViewSource {
 public:
  explicit ViewSource(HotTable* table) : table_(table) {}

  void refresh() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (table_ != nullptr) table_->refreshView();
  }

  void detach() {
    std::lock_guard<std::mutex> lock(mutex_);
    table_ = nullptr;
  }

 private:
  std::mutex mutex_;
  HotTable* table_;
};

int64_t defaultMaxBytesInMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0) return int64_t{256} << 20;
  return static_cast<int64_t>(pages) * pageSize / 6;
}

HotTable::HotTable(const IngestionSpec& spec, storage::DatabaseImpl& database, storage::TableDef def,
                   std::map<std::string, std::string> fixedProperties, HotTableOptions options)
    : spec_(spec),
      database_(database),
      def_(std::move(def)),
      fixedProperties_(std::move(fixedProperties)),
      options_(options),
      schema_(schemaOf(def_)),
      maxRows_(std::max<int64_t>(1, spec.tuningConfig.maxRowsInMemory)),
      maxBytes_(maxBytesFor(spec.tuningConfig)),
      persistPeriodMs_(std::max<int64_t>(1, spec.tuningConfig.intermediatePersistPeriodMs)),
      viewSource_(std::make_shared<ViewSource>(this)) {
  absl::Status registered = database_.setHotViewSource(def_.name, viewSource_);
  if (!registered.ok()) {
    logger("ingest.hot")
        ->warn("cannot register the hot view source; rows become visible only at publish() table={} error={}",
               def_.name, registered.ToString());
  }
}

HotTable::~HotTable() {
  stop();
  viewSource_->detach();
  database_.removeHotViewSource(def_.name, viewSource_.get());
  database_.clearHot(def_.name);
}

void HotTable::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    setThreadName("furl-persist");
    persistLoop();
  });
}

void HotTable::stop() {
  {
    std::lock_guard<std::mutex> lock(wakeMutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t HotTable::generation() const { return generation_.load(); }

absl::Status HotTable::add(uint64_t generation, int32_t partition, int64_t nextOffset, const Event& event,
                           int64_t timeMs, std::vector<FieldProblem>& problems, ProblemRecorder recordProblems) {
  auto addRow = [&](RowBuffer& buffer) {
    buffer.add(event, timeMs, problems);
    return true;
  };
  return addImpl(generation, partition, nextOffset, timeMs, addRow, problems, &recordProblems).status();
}

absl::Status HotTable::add(uint64_t generation, int32_t partition, int64_t nextOffset, const Event& event,
                           int64_t timeMs, std::vector<FieldProblem>& problems) {
  auto addRow = [&](RowBuffer& buffer) {
    buffer.add(event, timeMs, problems);
    return true;
  };
  return addImpl(generation, partition, nextOffset, timeMs, addRow, problems, nullptr).status();
}

absl::StatusOr<bool> HotTable::tryAdd(uint64_t generation, int32_t partition, int64_t nextOffset,
                                      const std::vector<ScalarField>& fields, int64_t timeMs) {
  static const std::vector<FieldProblem> kNoProblems;
  auto addRow = [&](RowBuffer& buffer) { return buffer.tryAdd(fields, timeMs); };
  return addImpl(generation, partition, nextOffset, timeMs, addRow, kNoProblems, nullptr);
}

absl::StatusOr<bool> HotTable::addImpl(uint64_t generation, int32_t partition, int64_t nextOffset, int64_t timeMs,
                                       absl::FunctionRef<bool(RowBuffer&)> addRow,
                                       const std::vector<FieldProblem>& problems,
                                       const ProblemRecorder* recordProblems) {
  bool requestPersist = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_) {
      return absl::FailedPreconditionError("the hot rows were discarded; seek back to the committed offsets");
    }
    auto chunk = chunkLocked(storage::chunkStartMs(def_.segmentGranularity, timeMs));
    if (!chunk.ok()) {
      discardLocked(toStd(chunk.status().message()));
      return chunk.status();
    }
    RowBuffer& buffer = *(*chunk)->buffer;
    size_t rowsBefore = buffer.numRows();
    if (!addRow(buffer)) return false;
    rowsSincePersist_ += buffer.numRows() - rowsBefore;
    (*chunk)->changedSincePersist = true;
    advanceLocked(partition, nextOffset);
    if (problems.empty()) {
      recordLocked(MessageOutcome::kProcessed, nullptr);
    } else if (recordProblems != nullptr) {
      IngestError error = (*recordProblems)(problems);
      recordLocked(MessageOutcome::kProcessedWithError, &error);
    } else {
      recordLocked(MessageOutcome::kProcessedWithError, nullptr);
    }
    dirty_ = true;
    if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
    requestPersist = static_cast<int64_t>(rowsSincePersist_) >= maxRows_;
  }
  if (requestPersist) {
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      persistRequested_ = true;
    }
    wake_.notify_all();
  }
  return true;
}

void HotTable::advance(uint64_t generation, int32_t partition, int64_t nextOffset) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return;
  advanceLocked(partition, nextOffset);
}

void HotTable::advanceLocked(int32_t partition, int64_t nextOffset) {
  // Messages come in runs from one partition.
  if (lastOffset_ == nullptr || lastOffsetPartition_ != partition) {
    lastOffset_ = &offsets_[partition];
    lastOffsetPartition_ = partition;
  }
  *lastOffset_ = nextOffset;
  // Once set, offsetsChanged_ and firstChangeMs_ stay set until the next
  // persist, so the comparison with the committed offset can be skipped.
  if (offsetsChanged_ && firstChangeMs_ != 0) return;
  auto committed = committedOffsets_.find(partition);
  if (committed == committedOffsets_.end() || committed->second != nextOffset) {
    offsetsChanged_ = true;
    if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
  }
}

void HotTable::advance(uint64_t generation, int32_t partition, int64_t nextOffset, MessageOutcome outcome,
                       IngestError* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return;
  advanceLocked(partition, nextOffset);
  recordLocked(outcome, error);
}

bool HotTable::resetOffset(uint64_t generation, int32_t partition, int64_t newOffset,
                           std::optional<uint64_t> skipped) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) return false;
  advanceLocked(partition, newOffset);
  ledger_.recordReset(skipped);
  offsetsChanged_ = true;
  if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
  return true;
}

void HotTable::recordLocked(MessageOutcome outcome, IngestError* error) {
  ledger_.record(outcome, error);
  // The counters changed, so the next persist has something to commit.
  offsetsChanged_ = true;
  if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
  // NOTE: between two persists at most kMaxUncommittedErrors records are
  // kept; older ones are still counted but not written to the error log.
  if (ledger_.errors.size() > kMaxUncommittedErrors) ledger_.errors.erase(ledger_.errors.begin());
}

void HotTable::attachLedger(std::shared_ptr<IngestErrorLog> errorLog, IngestCounters committed) {
  std::lock_guard<std::mutex> lock(mutex_);
  errorLog_ = std::move(errorLog);
  committedCounters_ = std::move(committed);
}

IngestCounters HotTable::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  IngestCounters counters = committedCounters_;
  counters.add(ledger_.counters);
  return counters;
}

std::vector<IngestError> HotTable::uncommittedErrors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ledger_.errors;
}

void HotTable::assign(int32_t partition, int64_t startOffset, bool fromCatalog) {
  std::lock_guard<std::mutex> lock(mutex_);
  offsets_[partition] = startOffset;
  if (fromCatalog) {
    committedOffsets_[partition] = startOffset;
  } else {
    offsetsChanged_ = true;
    if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
  }
}

void HotTable::release(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mutex_);
  lastOffset_ = nullptr;
  for (int32_t partition : partitions) {
    offsets_.erase(partition);
    committedOffsets_.erase(partition);
  }
}

std::map<int32_t, int64_t> HotTable::committedOffsets() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return committedOffsets_;
}

absl::StatusOr<HotTable::Chunk*> HotTable::chunkLocked(int64_t chunkStart) {
  // Events mostly come in time order, so most find the chunk of the last one.
  if (lastChunk_ != nullptr && lastChunk_->startMs == chunkStart) return lastChunk_;
  auto it = chunks_.find(chunkStart);
  if (it != chunks_.end()) {
    lastChunk_ = &it->second;
    return lastChunk_;
  }

  Chunk chunk;
  chunk.startMs = chunkStart;
  chunk.buffer = std::make_unique<RowBuffer>(spec_, options_.blockRows);
  if (spec_.granularitySpec.rollup) {
    // The chunk's rows so far, so that new events roll up into them.
    int64_t start = nowMs();
    auto claimed = database_.claimChunk(def_.name, chunkStart);
    if (!claimed.ok()) return claimed.status();
    auto release = [&]() { database_.setHotView(def_.name, buildViewLocked(), {chunkStart}).IgnoreError(); };
    for (const auto& segment : claimed->segments) {
      if (segment->columns().size() != schema_.size()) {
        release();
        return absl::FailedPreconditionError(strCat("segment ", segment->id(), " of table '", def_.name,
                                                    "' does not have the table's columns; cannot roll up into it"));
      }
      for (size_t b = 0; b < segment->numBlocks(); ++b) {
        Batch batch;
        batch.numRows = segment->blockRows(b);
        for (size_t c = 0; c < schema_.size(); ++c) {
          auto column = segment->readBlock(c, b);
          if (!column.ok()) {
            release();
            return column.status();
          }
          batch.columns.push_back(std::move(*column));
        }
        chunk.buffer->absorb(batch);
      }
    }
    for (const storage::SegmentInfo& info : claimed->infos) chunk.baseSegments.push_back(info.id);
    chunk.persistedChange = chunk.buffer->changeCount();
    if (!claimed->infos.empty()) {
      logger("ingest.hot")
          ->info("hot chunk loaded table={} chunk_start_ms={} segments={} rows={} ms={}", def_.name, chunkStart,
                 claimed->infos.size(), chunk.buffer->numRows(), nowMs() - start);
    }
  }
  auto [inserted, ok] = chunks_.emplace(chunkStart, std::move(chunk));
  return &inserted->second;
}

void HotTable::publish() {
  std::lock_guard<std::mutex> lock(mutex_);
  publishLocked();
}

void HotTable::refreshView() {
  if (!dirty_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!dirty_ || nowUs() < nextRefreshUs_) return;
  publishLocked();
}

void HotTable::publishLocked(const std::vector<int64_t>& releasedChunks) {
  if (!dirty_ && releasedChunks.empty()) return;
  int64_t startCpuUs = threadCpuUs();
  for (auto& [start, chunk] : chunks_) {
    if (chunk.buffer->numRows() == 0) {
      chunk.segment.reset();
      continue;
    }
    if (chunk.segment != nullptr && chunk.publishedChange == chunk.buffer->changeCount()) continue;
    chunk.publishedChange = chunk.buffer->changeCount();
    chunk.segment = std::make_shared<storage::MemorySegment>(
        strCat("hot_", def_.name, "_", start, "_", nextSegmentNumber_++), schema_, chunk.buffer->publishBlocks());
  }
  dirty_ = false;
  absl::Status status = database_.setHotView(def_.name, buildViewLocked(), releasedChunks);
  if (!status.ok()) {
    logger("ingest.hot")->warn("cannot publish hot rows table={} error={}", def_.name, status.ToString());
  }
  nextRefreshUs_ = nowUs() + (threadCpuUs() - startCpuUs) * options_.publishCostFactor;
}

std::shared_ptr<const storage::HotView> HotTable::buildViewLocked() {
  auto view = std::make_shared<storage::HotView>();
  for (const auto& [start, chunk] : chunks_) {
    for (const auto& sealed : chunk.sealed) {
      view->infos.push_back(sealed->info(def_, start));
      view->segments.push_back(sealed);
    }
    if (chunk.segment != nullptr) {
      view->infos.push_back(chunk.segment->info(def_, start));
      view->segments.push_back(chunk.segment);
    }
    view->replacedSegments.insert(view->replacedSegments.end(), chunk.baseSegments.begin(), chunk.baseSegments.end());
  }
  std::sort(view->replacedSegments.begin(), view->replacedSegments.end());
  return view;
}

void HotTable::discard(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  discardLocked(reason);
}

void HotTable::discardLocked(std::string_view reason) {
  logger("ingest.hot")
      ->warn("hot rows discarded, reading again from the committed offsets table={} chunks={} generation={} "
             "reason={}",
             def_.name, chunks_.size(), generation_ + 1, reason);
  chunks_.clear();
  lastChunk_ = nullptr;
  database_.clearHot(def_.name);
  ++generation_;
  ledger_ = IngestLedger();
  for (auto& [partition, offset] : offsets_) {
    auto committed = committedOffsets_.find(partition);
    if (committed != committedOffsets_.end()) offset = committed->second;
  }
  dirty_ = false;
  rowsSincePersist_ = 0;
}

absl::Status HotTable::persist(std::string_view reason) {
  std::lock_guard<std::mutex> persistLock(persistMutex_);
  int64_t start = nowMs();

  // Capture what to write. Rollup chunks write their whole state; chunks
  // without rollup seal their buffer and write the sealed pieces.
  struct Captured {
    int64_t chunk = 0;
    uint64_t change = 0;
    size_t sealed = 0;
  };
  std::vector<Captured> captured;
  std::vector<Batch> batches;
  std::vector<std::string> removed;
  std::map<int32_t, int64_t> offsets;
  IngestLedger ledger;
  IngestCounters counters;
  uint64_t generation = 0;
  uint64_t rows = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    publishLocked();
    bool rollup = spec_.granularitySpec.rollup;
    for (auto& [chunkStart, chunk] : chunks_) {
      if (rollup) {
        if (chunk.buffer->changeCount() == chunk.persistedChange || chunk.segment == nullptr) continue;
        appendBatches(*chunk.segment, batches);
        rows += chunk.segment->numRows();
        removed.insert(removed.end(), chunk.baseSegments.begin(), chunk.baseSegments.end());
        captured.push_back({chunkStart, chunk.buffer->changeCount(), 0});
        continue;
      }
      if (chunk.segment != nullptr) {
        chunk.sealed.push_back(chunk.segment);
        chunk.segment.reset();
        chunk.publishedChange = 0;
        chunk.buffer = std::make_unique<RowBuffer>(spec_, options_.blockRows);
      }
      if (chunk.sealed.empty()) continue;
      for (const auto& sealed : chunk.sealed) {
        appendBatches(*sealed, batches);
        rows += sealed->numRows();
      }
      captured.push_back({chunkStart, 0, chunk.sealed.size()});
    }
    if (captured.empty() && !offsetsChanged_) {
      firstChangeMs_ = 0;
      return absl::OkStatus();
    }
    offsets = offsets_;
    ledger = std::move(ledger_);
    ledger_ = IngestLedger();
    counters = committedCounters_;
    counters.add(ledger.counters);
    // Stored with the commit below, so they survive restarts like the others.
    counters.rowsCommitted += rows;
    ++counters.commits;
    generation = generation_;
    rowsSincePersist_ = 0;
    firstChangeMs_ = 0;
    offsetsChanged_ = false;
  }

  // Write the files and the error records while consumers go on adding rows.
  std::map<std::string, std::string> properties = fixedProperties_;
  addCounterProperties(counters, properties);
  if (errorLog_ != nullptr) {
    absl::Status staged = errorLog_->stage(ledger.errors, properties);
    if (!staged.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation == generation_) ledger_.prepend(std::move(ledger));
      offsetsChanged_ = true;
      if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
      return staged;
    }
  }
  std::vector<storage::PreparedSegment> prepared;
  if (!batches.empty()) {
    auto written = database_.prepareSegments(def_.name, batches);
    if (!written.ok()) {
      if (errorLog_ != nullptr) errorLog_->finish(false);
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation == generation_) ledger_.prepend(std::move(ledger));
      offsetsChanged_ = true;
      if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
      return written.status();
    }
    prepared = std::move(*written);
  }
  batches.clear();

  // Swap segments, offsets and the view in one commit.
  std::lock_guard<std::mutex> lock(mutex_);
  auto fail = [&](absl::Status status) {
    if (errorLog_ != nullptr) errorLog_->finish(false);
    // After a discard the messages are read again, with their ledger.
    if (generation == generation_) ledger_.prepend(std::move(ledger));
    offsetsChanged_ = true;
    if (firstChangeMs_ == 0) firstChangeMs_ = nowMs();
    return status;
  };
  if (generation != generation_) {
    storage::DatabaseImpl::discardPrepared(prepared);
    return fail(absl::AbortedError("the hot rows were discarded during the persist"));
  }
  std::map<int64_t, std::vector<std::string>> newIds;
  for (const storage::PreparedSegment& segment : prepared) newIds[segment.info.chunkStartMs].push_back(segment.info.id);

  struct Saved {
    std::vector<std::string> baseSegments;
    uint64_t persistedChange;
    std::vector<std::shared_ptr<const storage::MemorySegment>> sealed;
  };
  std::map<int64_t, Saved> saved;
  for (const Captured& item : captured) {
    Chunk& chunk = chunks_.at(item.chunk);
    saved[item.chunk] = {chunk.baseSegments, chunk.persistedChange, chunk.sealed};
    if (spec_.granularitySpec.rollup) {
      chunk.baseSegments = newIds[item.chunk];
      chunk.persistedChange = item.change;
    } else {
      chunk.sealed.erase(chunk.sealed.begin(), chunk.sealed.begin() + item.sealed);
    }
  }
  for (const auto& [partition, offset] : offsets) {
    properties[kafkaOffsetProperty(spec_.ioConfig.topic, partition)] = std::to_string(offset);
  }
  publishLocked();
  absl::Status status = database_.publishPrepared(def_.name, prepared, removed, properties, buildViewLocked());
  if (!status.ok()) {
    for (auto& [chunkStart, old] : saved) {
      Chunk& chunk = chunks_.at(chunkStart);
      chunk.baseSegments = std::move(old.baseSegments);
      chunk.persistedChange = old.persistedChange;
      chunk.sealed = std::move(old.sealed);
    }
    return fail(status);
  }
  for (const auto& [partition, offset] : offsets) {
    if (offsets_.contains(partition)) committedOffsets_[partition] = offset;
  }
  if (errorLog_ != nullptr) errorLog_->finish(true);
  committedCounters_ = std::move(counters);
  logger("ingest.hot")
      ->info("hot rows persisted table={} reason={} chunks={} segments={} rows={} partitions={} ms={}", def_.name,
             reason, captured.size(), prepared.size(), rows, offsets.size(), nowMs() - start);

  // Chunks that saw no change since the previous persist leave memory.
  std::vector<int64_t> released;
  for (auto it = chunks_.begin(); it != chunks_.end();) {
    Chunk& chunk = it->second;
    bool clean = chunk.buffer->changeCount() == chunk.persistedChange && chunk.sealed.empty() &&
                 (spec_.granularitySpec.rollup || chunk.buffer->numRows() == 0);
    bool evict = clean && (!chunk.changedSincePersist || evictAllClean_);
    chunk.changedSincePersist = false;
    if (!evict) {
      ++it;
      continue;
    }
    released.push_back(it->first);
    lastChunk_ = nullptr;
    it = chunks_.erase(it);
  }
  evictAllClean_ = false;
  if (!released.empty()) {
    dirty_ = true;
    publishLocked(released);
  }
  return absl::OkStatus();
}

bool HotTable::persistDue(std::string& reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (static_cast<int64_t>(rowsSincePersist_) >= maxRows_) {
    reason = "maxRowsInMemory";
    return true;
  }
  if (firstChangeMs_ != 0 && nowMs() - firstChangeMs_ >= persistPeriodMs_) {
    reason = "intermediatePersistPeriod";
    return true;
  }
  if (maxBytes_ > 0) {
    uint64_t bytes = 0;
    for (const auto& [start, chunk] : chunks_) bytes += chunk.buffer->memoryBytes();
    if (static_cast<int64_t>(bytes) >= maxBytes_) {
      reason = "maxBytesInMemory";
      evictAllClean_ = true;
      return true;
    }
  }
  return false;
}

void HotTable::persistLoop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(wakeMutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(options_.checkIntervalMs),
                     [&] { return stopping_ || persistRequested_; });
      if (stopping_) return;
      persistRequested_ = false;
    }
    std::string reason;
    if (!persistDue(reason)) continue;
    absl::Status status = persist(reason);
    if (status.ok()) continue;
    logger("ingest.hot")
        ->warn("persist failed, keeping the rows in memory table={} error={} retry_ms={}", def_.name,
               status.ToString(), options_.retryDelayMs);
    std::unique_lock<std::mutex> lock(wakeMutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.retryDelayMs), [&] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace furl::ingest
