#pragma once

// SegmentSource: where SegmentReader gets a segment file's bytes. One
// implementation per tier:
//
//   file    a local segment file read with pread (warm)
//   memory  the whole local file loaded in memory (hot)
//   object  an object-store object read with range requests through the
//           block cache, several ranges in parallel (cold)
//
// A source owns the segment's stored copy once removeOnRelease() is called:
// its destructor then deletes the local file, or queues the object key in
// its ColdObjectRegistry (the mover deletes objects, so no network call
// runs in a destructor on a query thread). Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/block_cache.h"
#include "storage/file_io.h"
#include "storage/object_store.h"

namespace furl::storage {

/// Counts of what reads of cold segments fetched, added to a query's statistics.
struct ReadStats {
  uint64_t coldFetchBytes = 0;
  uint64_t coldFetchRequests = 0;
  uint64_t coldCacheHits = 0;

  void add(const ReadStats& other) {
    coldFetchBytes += other.coldFetchBytes;
    coldFetchRequests += other.coldFetchRequests;
    coldCacheHits += other.coldCacheHits;
  }
};

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

class SegmentSource {
 public:
  virtual ~SegmentSource() = default;

  /// The file path, or the object key and store, for messages.
  virtual std::string describe() const = 0;
  /// "hot" (memory), "warm" (local file) or "cold" (object store).
  virtual std::string_view tier() const = 0;
  /// The local file path, or the store's description and the object key.
  virtual std::string location() const = 0;
  virtual uint64_t sizeBytes() const = 0;

  /// Reads every range; out[i] receives ranges[i]. Returns DataLoss for a
  /// range past the end and the I/O or store error otherwise. Adds what it
  /// fetched to `stats` when not null.
  virtual absl::Status readRanges(const std::vector<ByteRange>& ranges, std::vector<std::string>& out,
                                  ReadStats* stats) const = 0;

  /// Makes the destructor delete the stored copy.
  void removeOnRelease() const { removeOnRelease_.store(true); }

 protected:
  bool removalRequested() const { return removeOnRelease_.load(); }

 private:
  mutable std::atomic<bool> removeOnRelease_{false};
};

/// A local segment file read with pread.
absl::StatusOr<std::shared_ptr<SegmentSource>> openFileSource(const std::string& path);

/// A local segment file read once into memory; reads never touch the disk.
absl::StatusOr<std::shared_ptr<SegmentSource>> openMemorySource(const std::string& path);

/// The objects that sources of one database are reading, and the keys
/// whose last reader asked for removal. The mover deletes those keys and
/// its sweep skips live ones, so no object is deleted under a running
/// query. Thread-safe.
class ColdObjectRegistry {
 public:
  void acquire(const std::string& key);
  /// Drops one reader of `key`; with `remove`, queues the key for deletion.
  void release(const std::string& key, bool remove);
  bool isLive(const std::string& key) const;
  /// The queued keys, emptying the queue.
  std::vector<std::string> takePendingDeletes();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> live_;
  std::vector<std::string> pendingDeletes_;
};

/// An object of `sizeBytes` bytes at `key`. Ranges found in `cache` (may be
/// null) are not fetched; fetched ranges are added to it. Up to
/// kMaxParallelFetches ranges are fetched at once. The source registers
/// itself with `registry`.
std::shared_ptr<SegmentSource> makeObjectSource(std::shared_ptr<ObjectStore> store, std::shared_ptr<BlockCache> cache,
                                                std::string key, uint64_t sizeBytes,
                                                std::shared_ptr<ColdObjectRegistry> registry);

inline constexpr size_t kMaxParallelFetches = 8;

}  // namespace furl::storage
