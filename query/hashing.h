#pragma once

// Hashing helpers shared by grouping and distinct counting: a 64-bit mixer,
// a string interner and a set of (group id, 64-bit value) pairs.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/hash/hash.h"
#include "common/column.h"

namespace furl::query {

/// The MurmurHash3 64-bit finalizer: every input bit affects every output bit.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/// Strings mapped to dense ids (0, 1, ...), plus an optional id standing for
/// NULL. The bytes are copied into a heap that columns can keep alive.
///
/// An open-addressing table of 64-bit slots: the upper 32 bits of the
/// string's hash, then id + 1 (0 marks a free slot). The full hash of each
/// id is kept, so growing never rehashes a string and another interner can
/// take a string together with its hash (`intern(s, hash)`, as merges do). A
/// probe compares the stored hash bits before it reads any string bytes.
class StringInterner {
 public:
  StringInterner() : heap_(std::make_shared<StringHeap>()), slots_(kInitialCapacity, 0) {}

  static uint64_t hashOf(std::string_view s) { return hashString(s); }

  uint32_t intern(std::string_view s) { return intern(s, hashOf(s)); }

  /// Interns `s` whose hash is `hash` (the value hashOf(s) returns).
  uint32_t intern(std::string_view s, uint64_t hash) {
    const uint64_t tag = hash & kTagMask;
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    for (;;) {
      uint64_t slot = slots_[i];
      if (slot == 0) break;
      if ((slot & kTagMask) == tag) {
        auto id = static_cast<uint32_t>(slot) - 1;
        if (values_[id] == s) return id;
      }
      i = (i + 1) & mask;
    }
    std::string_view stored = heap_->add(s);
    auto id = static_cast<uint32_t>(values_.size());
    values_.push_back(stored);
    hashes_.push_back(hash);
    slots_[i] = tag | (uint64_t{id} + 1);
    if (++used_ * 2 > slots_.size()) grow();
    return id;
  }
  /// Prefetches the first slot that intern(s, hash) probes.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }

  uint32_t internNull() {
    if (nullId_ == UINT32_MAX) {
      nullId_ = static_cast<uint32_t>(values_.size());
      values_.emplace_back();
      hashes_.push_back(0);
    }
    return nullId_;
  }
  std::string_view at(uint32_t id) const { return values_[id]; }
  /// The hash of the string with id `id`, as hashOf() computed it.
  uint64_t hashAt(uint32_t id) const { return hashes_[id]; }
  bool isNull(uint32_t id) const { return id == nullId_; }
  size_t size() const { return values_.size(); }
  const std::shared_ptr<StringHeap>& heap() const { return heap_; }

 private:
  static constexpr size_t kInitialCapacity = 256;
  static constexpr uint64_t kTagMask = 0xffffffff00000000ULL;

  void grow() {
    std::vector<uint64_t> slots(slots_.size() * 2, 0);
    size_t mask = slots.size() - 1;
    for (uint64_t slot : slots_) {
      if (slot == 0) continue;
      size_t i = hashes_[static_cast<uint32_t>(slot) - 1] & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = slot;
    }
    slots_.swap(slots);
  }

  std::shared_ptr<StringHeap> heap_;
  std::vector<uint64_t> slots_;
  size_t used_ = 0;  // occupied slots
  std::vector<std::string_view> values_;
  std::vector<uint64_t> hashes_;  // per id; 0 for the NULL id
  uint32_t nullId_ = UINT32_MAX;
};

/// Interned ids of the codes of one dictionary, filled as codes are met, so
/// each distinct string of a segment is hashed once per thread.
class DictionaryInterner {
 public:
  /// Interns the strings of the codes at rows[0..n) of the column that have
  /// no id yet, skipping NULL rows. The new strings are hashed first and
  /// their slots prefetched a few strings ahead, so idOf() then only looks
  /// the ids up.
  void internRows(const Column& column, const uint32_t* rows, size_t n, StringInterner& strings) {
    useDictionary(column);
    constexpr uint32_t kPending = UINT32_MAX - 1;
    constexpr size_t kPrefetchDistance = 8;
    const uint32_t* codes = column.codes();
    const bool nulls = column.mayHaveNulls();
    newCodes_.clear();
    for (size_t k = 0; k < n; ++k) {
      if (nulls && column.isNull(rows[k])) continue;
      uint32_t code = codes[rows[k]];
      if (ids_[code] == UINT32_MAX) {
        ids_[code] = kPending;
        newCodes_.push_back(code);
      }
    }
    const size_t m = newCodes_.size();
    const std::vector<uint64_t>& entryHashes = dictionary_->hashes();
    for (size_t j = 0; j < m; ++j) {
      if (j + kPrefetchDistance < m) strings.prefetch(entryHashes[newCodes_[j + kPrefetchDistance]]);
      ids_[newCodes_[j]] = strings.intern(dictionary_->values[newCodes_[j]], entryHashes[newCodes_[j]]);
    }
  }

  /// The id of `code` of the column's dictionary.
  uint32_t idOf(const Column& column, uint32_t code, StringInterner& strings) {
    useDictionary(column);
    uint32_t id = ids_[code];
    if (id == UINT32_MAX) {
      id = strings.intern(dictionary_->values[code], dictionary_->hashes()[code]);
      ids_[code] = id;
    }
    return id;
  }

 private:
  void useDictionary(const Column& column) {
    if (dictionary_ != column.dictionaryPtr()) {
      dictionary_ = column.dictionaryPtr();
      ids_.assign(dictionary_->values.size(), UINT32_MAX);
    }
  }

  std::shared_ptr<const StringDictionary> dictionary_;
  std::vector<uint32_t> ids_;
  std::vector<uint32_t> newCodes_;
};

/// A set of (group id, 64-bit value) pairs in one open-addressing table, for
/// exact distinct counts per group without a hash set per group.
class GroupValueSet {
 public:
  GroupValueSet() : slots_(kInitialCapacity) {}

  static uint64_t hash(uint32_t gid, uint64_t value) { return mix64(value ^ (uint64_t{gid} * 0x9e3779b97f4a7c15ULL)); }

  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }

  /// Adds the pair; returns true when it was not in the set.
  bool insert(uint32_t gid, uint64_t value, uint64_t hash) {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    for (;;) {
      Slot& slot = slots_[i];
      if (slot.gidPlusOne == 0) {
        slot.value = value;
        slot.gidPlusOne = gid + 1;
        if (++size_ * 2 > slots_.size()) grow();
        return true;
      }
      if (slot.value == value && slot.gidPlusOne == gid + 1) return false;
      i = (i + 1) & mask;
    }
  }

  /// Calls fn(gid, value) for every pair.
  template <typename Fn>
  void forEach(Fn&& fn) const {
    for (const Slot& slot : slots_) {
      if (slot.gidPlusOne != 0) fn(slot.gidPlusOne - 1, slot.value);
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr size_t kInitialCapacity = 64;
  struct Slot {
    uint64_t value = 0;
    uint32_t gidPlusOne = 0;  // 0 marks a free slot
  };

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.gidPlusOne == 0) continue;
      size_t i = hash(slot.gidPlusOne - 1, slot.value) & mask;
      while (slots_[i].gidPlusOne != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace furl::query
