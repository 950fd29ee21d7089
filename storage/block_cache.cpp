#include "storage/block_cache.h"

#include <sys/stat.h>
#include <utime.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/byte_io.h"
#include "storage/codec.h"
#include "storage/file_io.h"

namespace furl::storage {

namespace {

constexpr std::string_view kMagic{"FURLCBK\0", 8};
constexpr uint32_t kCacheFormatVersion = 1;
constexpr char kExtension[] = ".blk";

std::string entryName(const std::string& key, uint64_t offset, uint64_t length) {
  return absl::StrCat(objectKeyHash(key), "_", offset, "_", length, kExtension);
}

std::string encodeEntry(const std::string& key, uint64_t offset, const std::string& data) {
  ByteWriter out;
  out.putBytes(kMagic.data(), kMagic.size());
  out.putU32(kCacheFormatVersion);
  out.putU32(0);
  out.putU64(offset);
  out.putU64(data.size());
  out.putU64(checksum64(data));
  out.putString(key);
  out.putBytes(data.data(), data.size());
  return out.take();
}

/// The data of an entry file, or nullopt when it is not the expected range.
std::optional<std::string> decodeEntry(std::string_view bytes, const std::string& key, uint64_t offset,
                                       uint64_t length) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  ByteReader in(bytes.substr(kMagic.size()));
  uint32_t version = 0;
  uint32_t reserved = 0;
  uint64_t storedOffset = 0;
  uint64_t storedLength = 0;
  uint64_t checksum = 0;
  std::string_view storedKey;
  if (!in.getU32(version) || !in.getU32(reserved) || !in.getU64(storedOffset) || !in.getU64(storedLength) ||
      !in.getU64(checksum) || !in.getString(storedKey)) {
    return std::nullopt;
  }
  if (version != kCacheFormatVersion || reserved != 0 || storedOffset != offset || storedLength != length ||
      storedKey != key || in.remaining() != length) {
    return std::nullopt;
  }
  std::string_view data = bytes.substr(bytes.size() - length);
  if (checksum64(data) != checksum) return std::nullopt;
  return std::string(data);
}

}  // namespace

std::string objectKeyHash(const std::string& key) { return absl::StrFormat("%016x", checksum64(key)); }

absl::StatusOr<std::unique_ptr<BlockCache>> BlockCache::open(const std::string& dir, uint64_t capacityBytes) {
  std::unique_ptr<BlockCache> cache(new BlockCache(dir, capacityBytes));
  if (capacityBytes == 0) return cache;
  FURL_RETURN_IF_ERROR(createDirectories(dir));
  FURL_ASSIGN_OR_RETURN(std::vector<std::string> names, listDirectory(dir));

  // Oldest modification time first, so the newest end up at the front.
  struct Found {
    std::string name;
    uint64_t sizeBytes;
    int64_t mtimeNs;
  };
  std::vector<Found> found;
  for (const std::string& name : names) {
    std::string path = absl::StrCat(dir, "/", name);
    struct stat info {};
    if (!absl::EndsWith(name, kExtension) || ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
      FURL_RETURN_IF_ERROR(removeFile(path));  // .tmp leftovers and foreign files
      continue;
    }
    found.push_back({name, static_cast<uint64_t>(info.st_size),
                     int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.mtimeNs != b.mtimeNs ? a.mtimeNs < b.mtimeNs : a.name < b.name;
  });
  std::lock_guard<std::mutex> lock(cache->mutex_);
  for (const Found& entry : found) {
    cache->lru_.push_front({entry.name, entry.sizeBytes});
    cache->index_[entry.name] = cache->lru_.begin();
    cache->sizeBytes_ += entry.sizeBytes;
  }
  cache->evictFor(0);
  logger("storage.cache")
      ->info("block cache opened dir={} entries={} bytes={} capacity_bytes={}", dir, cache->index_.size(),
             cache->sizeBytes_, capacityBytes);
  return cache;
}

std::optional<std::string> BlockCache::lookup(const std::string& key, uint64_t offset, uint64_t length) {
  if (capacityBytes_ == 0) return std::nullopt;
  std::string name = entryName(key, offset, length);
  std::string path = absl::StrCat(dir_, "/", name);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(name);
    if (it == index_.end() || !it->second->ready) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
  }

  auto bytes = readWholeFile(path);
  std::optional<std::string> data;
  if (bytes.ok()) data = decodeEntry(*bytes, key, offset, length);
  if (!data) {
    logger("storage.cache")->warn("damaged block cache entry removed path={}", path);
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = index_.find(name); it != index_.end()) removeEntryLocked(it->second);
    return std::nullopt;
  }
  // The modification time orders entries after a restart.
  ::utime(path.c_str(), nullptr);
  return data;
}

void BlockCache::insert(const std::string& key, uint64_t offset, const std::string& data) {
  if (capacityBytes_ == 0) return;
  std::string name = entryName(key, offset, data.size());
  std::string bytes = encodeEntry(key, offset, data);
  if (bytes.size() > capacityBytes_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (index_.contains(name)) return;
    evictFor(bytes.size());
    // Reserve the space before writing, so concurrent inserts stay bounded.
    lru_.push_front({name, bytes.size(), /*ready=*/false});
    index_[name] = lru_.begin();
    sizeBytes_ += bytes.size();
  }

  // A crash while writing leaves a .tmp file, which open() removes.
  std::string path = absl::StrCat(dir_, "/", name);
  std::string tempPath = path + ".tmp";
  absl::Status status;
  {
    auto file = WritableFile::create(tempPath);
    status = file.ok() ? (*file)->append(bytes) : file.status();
    if (status.ok()) status = (*file)->close();
  }
  if (status.ok() && ::rename(tempPath.c_str(), path.c_str()) != 0) status = ioError("rename", tempPath, errno);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(name);
  if (!status.ok()) {
    removeFile(tempPath).IgnoreError();
    logger("storage.cache")->warn("block cache write failed path={} error={}", path, status.ToString());
    if (it != index_.end()) removeEntryLocked(it->second);
    return;
  }
  if (it != index_.end()) {
    it->second->ready = true;
  } else {
    removeFile(path).IgnoreError();  // evicted while it was being written
  }
}

void BlockCache::eraseObject(const std::string& key) {
  if (capacityBytes_ == 0) return;
  std::string prefix = objectKeyHash(key) + "_";
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = index_.lower_bound(prefix); it != index_.end() && absl::StartsWith(it->first, prefix);) {
    auto next = std::next(it);
    removeEntryLocked(it->second);
    it = next;
  }
}

uint64_t BlockCache::sizeBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sizeBytes_;
}

size_t BlockCache::numEntries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return index_.size();
}

void BlockCache::evictFor(uint64_t incoming) {
  while (!lru_.empty() && sizeBytes_ + incoming > capacityBytes_) removeEntryLocked(std::prev(lru_.end()));
}

void BlockCache::removeEntryLocked(LruList::iterator it) {
  // A lookup that already read the file is unaffected; one that has not
  // yet read it misses.
  removeFile(absl::StrCat(dir_, "/", it->name)).IgnoreError();
  sizeBytes_ -= it->sizeBytes;
  index_.erase(it->name);
  lru_.erase(it);
}

}  // namespace furl::storage
