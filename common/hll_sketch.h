#pragma once

// HyperLogLog sketch for approximate distinct counts (unique users, unique
// pages) in rollup metric columns, segments, the wire and exports.
//
// Binary format, version 1. All integers are little-endian.
//
//   offset  size  field
//   0       4     magic "FHLL" (0x46 0x48 0x4C 0x4C)
//   4       1     format version, 1
//   5       1     lgK, 4..21; the sketch has K = 2^lgK registers
//   6       1     mode: 0 = sparse, 1 = dense
//   7       1     reserved, 0
//   8       4     entry count n: sparse, the number of hashes (at most
//                 sparseCapacity(lgK)); dense, K
//   12      ...   sparse: n uint64 hashes in strictly ascending order
//                 dense:  K one-byte registers, each 0..(64 - lgK + 1)
//   end-8   8     XXH3_64bits of every byte before it
//
// A sketch's state depends only on lgK and the set of distinct hashes that
// went into it. While that set has at most sparseCapacity(lgK) members, the
// sketch keeps the hashes themselves (sparse mode, exact counts). Past that
// it keeps the registers (dense mode). Merging is therefore associative and
// commutative bit for bit, and two sketches built from the same values in
// any order serialize to the same bytes.
//
// Register i (the top lgK bits of the hash) holds the maximum over its hashes
// of the rank: the number of leading zeros of the remaining 64 - lgK bits,
// plus one. The estimate uses Otmar Ertl's improved estimator ("New
// cardinality estimation algorithms for HyperLogLog sketches", 2017), one
// formula for small and large counts that needs neither HLL++ bias tables
// nor a switch to linear counting.
//
// Value hashing: XXH3_64bits with a fixed seed over a canonical encoding,
// so that a value hashes the same whatever column type carried it.
//   - Integers (Int8..Int64, UInt8..UInt64, Bool as 0/1, Date as days,
//     DateTime/DateTime64 as milliseconds) hash by numeric value: 42 as
//     Int8, Int64 and UInt32 hash alike.
//   - Float32/Float64 values that are whole numbers in the int64 range hash
//     as that integer (3.0 hashes like 3, -0.0 like 0); other doubles hash
//     their IEEE-754 bits, with every NaN mapped to one quiet NaN.
//   - Strings hash their bytes, under a seed different from the numeric one,
//     so the string "42" and the number 42 are distinct values.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/value.h"

namespace furl {

/// A HyperLogLog sketch with 2^lgK one-byte registers and an exact sparse
/// mode for small sets. Not thread-safe: one thread updates a sketch; copies
/// are independent.
class HllSketch {
 public:
  static constexpr int kMinLgK = 4;
  static constexpr int kMaxLgK = 21;
  static constexpr int kDefaultLgK = 12;
  static constexpr uint8_t kFormatVersion = 1;
  static constexpr size_t kHeaderBytes = 12;
  static constexpr size_t kChecksumBytes = 8;

  /// An empty sketch with lgK = kDefaultLgK.
  HllSketch();
  HllSketch(const HllSketch& other);
  HllSketch& operator=(const HllSketch& other);
  HllSketch(HllSketch&& other) noexcept = default;
  HllSketch& operator=(HllSketch&& other) noexcept = default;

  /// An empty sketch; InvalidArgument when lgK is outside [kMinLgK, kMaxLgK].
  static absl::StatusOr<HllSketch> create(int lgK);

  /// The largest number of distinct hashes kept exactly (sparse mode):
  /// max(16, 2^lgK / 8). From lgK 7 on, a serialized sparse sketch is never
  /// larger than a dense one.
  static size_t sparseCapacity(int lgK);

  /// Canonical value hashes (see the file comment); update() adds the hash
  /// of a value. Callers that add one value to many sketches hash once and
  /// call updateHash().
  static uint64_t hashInt64(int64_t value);
  static uint64_t hashUInt64(uint64_t value);
  static uint64_t hashDouble(double value);
  static uint64_t hashString(std::string_view value);

  void updateHash(uint64_t hash);
  void updateInt64(int64_t value) { updateHash(hashInt64(value)); }
  void updateUInt64(uint64_t value) { updateHash(hashUInt64(value)); }
  void updateDouble(double value) { updateHash(hashDouble(value)); }
  void updateString(std::string_view value) { updateHash(hashString(value)); }
  /// Adds a Value by its storage alternative; NULL values are skipped, as
  /// Druid's sketch aggregators skip them.
  void update(const Value& value);

  /// Adds every value of `other` (register-wise maximum). When the lgK
  /// values differ, the result has the smaller lgK: this sketch is downsized
  /// first if `other` is smaller.
  void merge(const HllSketch& other);

  /// This sketch's state at a smaller lgK, equal to the sketch built at
  /// `lgK` from the same values. Requires kMinLgK <= lgK <= this->lgK().
  HllSketch downsized(int lgK) const;

  /// The estimated number of distinct values; exact in sparse mode.
  double estimate() const;

  /// The relative standard error of estimate() in dense mode, 1.04 / sqrt(K).
  double relativeStandardError() const;

  /// Estimated bytes held outside the object: 16 per hash (slot and control
  /// bytes) once a sparse sketch has more hashes than it keeps in place, one
  /// per register in dense mode. Inline, because rollup calls it before
  /// and after each update.
  size_t heapBytes() const {
    if (!isSparse()) return registers();
    return sparse_.size() <= SparseHashes::kInline ? 0 : sparse_.size() * 16;
  }

  int lgK() const { return lgK_; }
  bool isSparse() const { return dense_ == nullptr; }
  bool isEmpty() const { return isSparse() && sparse_.empty(); }

  /// The format-version-1 bytes described at the top of this file.
  std::string serialize() const;
  /// Appends the same bytes to `out`.
  void serializeTo(std::string& out) const;

  /// Parses bytes written by serialize(). DataLoss when they are truncated,
  /// have another magic, version, mode or size, fail the checksum, or hold
  /// out-of-range registers or unsorted hashes. Never reads past `bytes`.
  static absl::StatusOr<HllSketch> deserialize(std::string_view bytes);

  /// Equal state: the same lgK, mode and hashes or registers.
  bool operator==(const HllSketch& other) const;

 private:
  explicit HllSketch(int lgK);

  void insertSparse(uint64_t hash);
  void convertToDense();
  void updateDense(uint64_t hash);

  /// The distinct hashes of sparse mode. Rolled-up rows mostly see a few
  /// values each, so the first kInline hashes stay in place and only larger
  /// sets allocate a hash set: one allocation fewer per new row of the
  /// ingest benchmark, and several regrowths fewer.
  class SparseHashes {
   public:
    static constexpr uint32_t kInline = 4;
    SparseHashes() = default;
    SparseHashes(const SparseHashes& other);
    SparseHashes& operator=(const SparseHashes& other);
    /// Moves leave `other` empty.
    SparseHashes(SparseHashes&& other) noexcept;
    SparseHashes& operator=(SparseHashes&& other) noexcept;

    /// Returns true when `hash` was not in the set.
    bool insert(uint64_t hash);
    bool contains(uint64_t hash) const;
    size_t size() const { return size_; }
    bool empty() const { return size() == 0; }
    /// Calls f(hash) for every hash, in no particular order.
    template <typename F>
    void forEach(F&& f) const {
      if (set_ != nullptr) {
        for (uint64_t hash : *set_) f(hash);
      } else {
        for (uint32_t i = 0; i < size_; ++i) f(inline_[i]);
      }
    }
    void reserve(size_t count);
    /// Empties the set and frees its memory.
    void release();
    bool operator==(const SparseHashes& other) const;

   private:
    /// The number of hashes, kept here so that size() reads no other line.
    uint32_t size_ = 0;
    /// The hashes while set_ is null: inline_[0, size_).
    uint64_t inline_[kInline] = {};
    /// A pointer, not a member set, so that a sketch fits one cache line.
    std::unique_ptr<absl::flat_hash_set<uint64_t>> set_;
  };

  size_t registers() const { return size_t{1} << lgK_; }

  int lgK_;
  SparseHashes sparse_;                // distinct hashes; empty in dense mode
  std::unique_ptr<uint8_t[]> dense_;  // the 2^lgK registers; null in sparse mode
};

// Rollup keeps one sketch per row; 64 bytes make one cache line per update.
static_assert(sizeof(void*) != 8 || sizeof(HllSketch) == 64, "an HllSketch should take one 64-byte cache line");

}  // namespace furl
