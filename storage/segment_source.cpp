#include "storage/segment_source.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"

namespace furl::storage {

namespace {

absl::Status rangeError(const std::string& what, uint64_t size, const ByteRange& range) {
  return absl::DataLossError(absl::StrCat(what, ": ", range.length, " bytes at offset ", range.offset,
                                          " run past the end (", size, " bytes)"));
}

/// Deletes a local segment file; a failure leaves an orphan that the next
/// open of the database removes.
void removeLocalFile(const std::string& path) {
  absl::Status status = removeFile(path);
  if (status.ok()) {
    logger("storage.segment")->info("segment file removed path={}", path);
  } else {
    logger("storage.segment")->warn("segment file not removed path={} error={}", path, status.ToString());
  }
}

class FileSource final : public SegmentSource {
 public:
  explicit FileSource(std::unique_ptr<RandomAccessFile> file) : file_(std::move(file)) {}

  ~FileSource() override {
    if (!removalRequested()) return;
    std::string path = file_->path();
    file_.reset();
    removeLocalFile(path);
  }

  std::string describe() const override { return absl::StrCat("segment file ", file_->path()); }
  std::string_view tier() const override { return "warm"; }
  std::string location() const override { return file_->path(); }
  uint64_t sizeBytes() const override { return file_->sizeBytes(); }

  absl::Status readRanges(const std::vector<ByteRange>& ranges, std::vector<std::string>& out,
                          ReadStats*) const override {
    out.resize(ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
      out[i].resize(ranges[i].length);
      FURL_RETURN_IF_ERROR(file_->readAt(ranges[i].offset, ranges[i].length, out[i].data()));
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<RandomAccessFile> file_;
};

class MemorySource final : public SegmentSource {
 public:
  MemorySource(std::string path, std::string bytes) : path_(std::move(path)), bytes_(std::move(bytes)) {}

  ~MemorySource() override {
    if (removalRequested()) removeLocalFile(path_);
  }

  std::string describe() const override { return absl::StrCat("segment file ", path_, " (in memory)"); }
  std::string_view tier() const override { return "hot"; }
  std::string location() const override { return path_; }
  uint64_t sizeBytes() const override { return bytes_.size(); }

  absl::Status readRanges(const std::vector<ByteRange>& ranges, std::vector<std::string>& out,
                          ReadStats*) const override {
    out.resize(ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
      const ByteRange& range = ranges[i];
      if (range.offset > bytes_.size() || range.length > bytes_.size() - range.offset) {
        return rangeError(describe(), bytes_.size(), range);
      }
      out[i].assign(bytes_, range.offset, range.length);
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::string bytes_;
};

class ObjectSource final : public SegmentSource {
 public:
  ObjectSource(std::shared_ptr<ObjectStore> store, std::shared_ptr<BlockCache> cache, std::string key,
               uint64_t sizeBytes, std::shared_ptr<ColdObjectRegistry> registry)
      : store_(std::move(store)),
        cache_(std::move(cache)),
        key_(std::move(key)),
        sizeBytes_(sizeBytes),
        registry_(std::move(registry)) {
    registry_->acquire(key_);
  }

  ~ObjectSource() override { registry_->release(key_, removalRequested()); }

  std::string describe() const override { return absl::StrCat("object ", key_, " in ", store_->describe()); }
  std::string_view tier() const override { return "cold"; }
  std::string location() const override { return absl::StrCat(store_->describe(), " key ", key_); }
  uint64_t sizeBytes() const override { return sizeBytes_; }

  absl::Status readRanges(const std::vector<ByteRange>& ranges, std::vector<std::string>& out,
                          ReadStats* stats) const override {
    out.assign(ranges.size(), std::string());

    // Serve what the cache holds.
    std::vector<size_t> misses;
    uint64_t hits = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
      const ByteRange& range = ranges[i];
      if (range.offset > sizeBytes_ || range.length > sizeBytes_ - range.offset) {
        return rangeError(describe(), sizeBytes_, range);
      }
      std::optional<std::string> cached;
      if (cache_ != nullptr) cached = cache_->lookup(key_, range.offset, range.length);
      if (cached) {
        out[i] = std::move(*cached);
        ++hits;
      } else {
        misses.push_back(i);
      }
    }

    // Fetch the rest, several requests at once.
    std::vector<absl::Status> results(ranges.size());
    auto fetch = [&](size_t i) {
      auto bytes = store_->read(key_, ranges[i].offset, ranges[i].length);
      if (!bytes.ok()) {
        results[i] = bytes.status();
        return;
      }
      out[i] = std::move(*bytes);
      if (cache_ != nullptr) cache_->insert(key_, ranges[i].offset, out[i]);
    };
    size_t numThreads = std::min(misses.size(), kMaxParallelFetches);
    if (numThreads <= 1) {
      for (size_t i : misses) fetch(i);
    } else {
      std::atomic<size_t> next{0};
      std::vector<std::thread> threads;
      threads.reserve(numThreads);
      for (size_t t = 0; t < numThreads; ++t) {
        threads.emplace_back([&] {
          for (size_t m = next.fetch_add(1); m < misses.size(); m = next.fetch_add(1)) fetch(misses[m]);
        });
      }
      for (std::thread& thread : threads) thread.join();
    }

    uint64_t fetchedBytes = 0;
    for (size_t i : misses) {
      if (!results[i].ok()) return results[i];
      fetchedBytes += ranges[i].length;
    }
    if (stats != nullptr) {
      stats->coldCacheHits += hits;
      stats->coldFetchRequests += misses.size();
      stats->coldFetchBytes += fetchedBytes;
    }
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<ObjectStore> store_;
  std::shared_ptr<BlockCache> cache_;
  std::string key_;
  uint64_t sizeBytes_;
  std::shared_ptr<ColdObjectRegistry> registry_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<SegmentSource>> openFileSource(const std::string& path) {
  FURL_ASSIGN_OR_RETURN(auto file, RandomAccessFile::open(path));
  return std::shared_ptr<SegmentSource>(std::make_shared<FileSource>(std::move(file)));
}

absl::StatusOr<std::shared_ptr<SegmentSource>> openMemorySource(const std::string& path) {
  FURL_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
  return std::shared_ptr<SegmentSource>(std::make_shared<MemorySource>(path, std::move(bytes)));
}

std::shared_ptr<SegmentSource> makeObjectSource(std::shared_ptr<ObjectStore> store, std::shared_ptr<BlockCache> cache,
                                                std::string key, uint64_t sizeBytes,
                                                std::shared_ptr<ColdObjectRegistry> registry) {
  return std::make_shared<ObjectSource>(std::move(store), std::move(cache), std::move(key), sizeBytes,
                                        std::move(registry));
}

void ColdObjectRegistry::acquire(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++live_[key];
}

void ColdObjectRegistry::release(const std::string& key, bool remove) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(key);
  if (it != live_.end() && --it->second == 0) live_.erase(it);
  if (remove) pendingDeletes_.push_back(key);
}

bool ColdObjectRegistry::isLive(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_.contains(key);
}

std::vector<std::string> ColdObjectRegistry::takePendingDeletes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(pendingDeletes_, {});
}

}  // namespace furl::storage
