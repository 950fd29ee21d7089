#pragma once
// Storage for the large vectors of a rollup buffer: chunks that never move
// and blocks that start on a cache line.
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace furl::ingest {

/// A sequence stored in chunks of 2^kChunkBits elements. Unlike std::vector,
/// growth neither copies the elements nor faults in twice their memory. For
/// the HLL sketches of a large rollup buffer, one doubling copied tens of
/// megabytes.
template <typename T, int kChunkBits = 12>
class ChunkedVector {
 public:
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;

  ChunkedVector() = default;
  ChunkedVector(const ChunkedVector&) = delete;
  ChunkedVector& operator=(const ChunkedVector&) = delete;
  ChunkedVector(ChunkedVector&& other) noexcept : chunks_(std::move(other.chunks_)), size_(other.size_) {
    other.chunks_.clear();
    other.size_ = 0;
  }
  ChunkedVector& operator=(ChunkedVector&& other) noexcept {
    if (this != &other) {
      clear();
      chunks_ = std::move(other.chunks_);
      size_ = other.size_;
      other.chunks_.clear();
      other.size_ = 0;
    }
    return *this;
  }
  ~ChunkedVector() { clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T& operator[](size_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }

  void push_back(const T& value) {
    size_t chunk = size_ >> kChunkBits;
    if (chunk == chunks_.size()) {
      // push_back() into reserved capacity does not reallocate, so it cannot
      // throw and the new chunk cannot leak. The capacity grows geometrically.
      if (chunks_.size() == chunks_.capacity()) chunks_.reserve(2 * chunks_.size() + 1);
      chunks_.push_back(static_cast<T*>(::operator new(sizeof(T) * kChunkSize, kAlignment)));
    }
    new (chunks_[chunk] + (size_ & (kChunkSize - 1))) T(value);
    ++size_;
  }

  /// Destroys the elements and frees the chunks.
  void clear() {
    for (size_t i = 0; i < size_; ++i) (*this)[i].~T();
    for (T* chunk : chunks_) ::operator delete(chunk, kAlignment);
    chunks_.clear();
    size_ = 0;
  }

 private:
  /// Chunks start on a cache line, so elements of 64 bytes take one line each.
  static constexpr std::align_val_t kAlignment{alignof(T) > 64 ? alignof(T) : 64};

  /// Storage for kChunkSize elements each. The first size_ elements exist.
  std::vector<T*> chunks_;
  size_t size_ = 0;
};

/// An allocator whose blocks start on a 64-byte cache line, so that records
/// of 64 bytes, such as 8-word rollup keys, never straddle two lines.
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{alignof(T) > 64 ? alignof(T) : 64};

  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}

  T* allocate(size_t count) { return static_cast<T*>(::operator new(count * sizeof(T), kAlignment)); }
  void deallocate(T* block, size_t) noexcept { ::operator delete(block, kAlignment); }

  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace furl::ingest
