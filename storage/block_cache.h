#pragma once

// BlockCache: byte ranges of cold segment objects kept on local disk,
// bounded in bytes and evicted least recently used first. The layout and
// the entry file format (version 1) are in docs/tiered-storage.md:
//
//   <dir>/<keyHash>_<offset>_<length>.blk
//     char[8] magic "FURLCBK\0", u32 version (1), u32 reserved (0),
//     u64 offset, u64 length, u64 XXH3-64 of the data,
//     string object key (u32 length + bytes), data
//
// The cache survives restarts: open() indexes the existing files in order of
// modification time, and every hit updates the file's modification time.
// Thread-safe. Errors while writing or reading an entry make it a miss and
// are logged; callers never fail because of the cache.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace furl::storage {

class BlockCache {
 public:
  /// Opens (creating if needed) the cache directory `dir`. A capacity of 0
  /// disables the cache: lookups miss and inserts do nothing.
  static absl::StatusOr<std::unique_ptr<BlockCache>> open(const std::string& dir, uint64_t capacityBytes);

  /// The bytes of `length` at `offset` of `key`, or nullopt on a miss. An
  /// entry that fails its checks is removed and reported as a miss.
  std::optional<std::string> lookup(const std::string& key, uint64_t offset, uint64_t length);

  /// Stores a range, evicting the least recently used entries to make room.
  /// Ranges larger than the capacity are not stored.
  void insert(const std::string& key, uint64_t offset, const std::string& data);

  /// Removes every entry of `key` (the object was deleted).
  void eraseObject(const std::string& key);

  uint64_t sizeBytes() const;
  size_t numEntries() const;
  uint64_t capacityBytes() const { return capacityBytes_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Entry {
    std::string name;
    uint64_t sizeBytes = 0;
    /// False while insert() writes the file; lookups treat it as a miss.
    bool ready = true;
  };
  using LruList = std::list<Entry>;

  BlockCache(std::string dir, uint64_t capacityBytes) : dir_(std::move(dir)), capacityBytes_(capacityBytes) {}

  /// Removes entries from the cold end until `incoming` more bytes fit.
  /// Requires mutex_.
  void evictFor(uint64_t incoming);
  void removeEntryLocked(LruList::iterator it);

  const std::string dir_;
  const uint64_t capacityBytes_;

  mutable std::mutex mutex_;
  LruList lru_;  // front: most recently used
  std::map<std::string, LruList::iterator> index_;
  uint64_t sizeBytes_ = 0;
};

/// The 16-hex-digit XXH3-64 of `key`, the prefix of its cache file names.
std::string objectKeyHash(const std::string& key);

}  // namespace furl::storage
