#pragma once

// Column vectors: the unit of data that flows between storage, operators,
// functions and result formats.
//
// A Column has one of three encodings:
//   kFlat        numRows values of the physical type (see types.h)
//   kConstant    one value that stands for all numRows rows
//   kDictionary  numRows uint32_t codes into a shared, immutable
//                StringDictionary (strings only)
// and an optional validity bitmap: bit i of word i/64 is 1 when row i is
// valid (not NULL). An empty bitmap means every row is valid, which is the
// fast path every kernel should check first. For kConstant the bitmap, if
// present, has one bit.
//
// Flat string and sketch columns (isByteString()) contain std::string_view
// values. The bytes live in the
// column's own StringHeap or in buffers the column keeps alive with
// keepAlive(): another column's heap, a dictionary, a decompressed block.
//
// Columns are built by one thread and then shared read-only (ColumnPtr is a
// shared_ptr); never mutate a column that another batch may reference.

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "common/types.h"
#include "common/value.h"

namespace furl {

/// Append-only arena for string bytes. Views it returns stay valid for the
/// heap's lifetime.
class StringHeap {
 public:
  StringHeap() = default;
  StringHeap(const StringHeap&) = delete;
  StringHeap& operator=(const StringHeap&) = delete;

  /// Copies `s` into the heap and returns a view of the copy.
  std::string_view add(std::string_view s);
  /// Reserves `n` bytes and returns a writable pointer to them.
  char* allocate(size_t n);
  size_t sizeBytes() const { return totalBytes_; }

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  char* cursor_ = nullptr;
  size_t remaining_ = 0;
  size_t totalBytes_ = 0;
};

/// Hashes a string for interning and for dictionary hashes. The value is
/// stable within one process only (absl seeds it per process), so it is never stored.
inline uint64_t hashString(std::string_view s) {
  return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
}

/// Distinct strings of a dictionary-encoded column; codes index `values`.
/// Immutable once built; shared by every batch decoded from it.
struct StringDictionary {
  std::vector<std::string_view> values;
  StringHeap heap;  // owns the bytes of `values`, unless they live in `keepAlive`
  std::shared_ptr<const void> keepAlive;
  /// True when `values` ascend in byte order, so that code order is value
  /// order (segment dictionaries).
  bool sorted = false;

  /// hashString() of each entry, computed by the first call and then shared
  /// by every query that reads the dictionary. Thread-safe.
  const std::vector<uint64_t>& hashes() const;

  /// Adds a value (copied into `heap`) and returns its code.
  uint32_t add(std::string_view s) {
    values.push_back(heap.add(s));
    return static_cast<uint32_t>(values.size() - 1);
  }

 private:
  mutable std::once_flag hashesOnce_;
  mutable std::vector<uint64_t> hashes_;
};

/// Row indices, ascending, into a batch. Produced by filters, consumed by
/// every later operator instead of copying the surviving rows.
using SelectionVector = std::vector<uint32_t>;

class Column;
using ColumnPtr = std::shared_ptr<Column>;

class Column {
 public:
  enum class Encoding : uint8_t { kFlat, kConstant, kDictionary };

  /// A flat column of `numRows` rows, all valid, values zero-initialised
  /// (empty strings).
  static ColumnPtr makeFlat(DataType type, size_t numRows);
  /// A constant column; `value` must fit `type` (NULL is allowed when the
  /// type is nullable or kNull).
  static ColumnPtr makeConstant(DataType type, const Value& value, size_t numRows);
  /// A dictionary-encoded string column with zeroed codes.
  static ColumnPtr makeDictionary(DataType type, std::shared_ptr<const StringDictionary> dictionary,
                                  size_t numRows);

  Column(DataType type, Encoding encoding, size_t numRows);

  DataType type() const { return type_; }
  Encoding encoding() const { return encoding_; }
  size_t size() const { return numRows_; }
  bool isConstant() const { return encoding_ == Encoding::kConstant; }
  bool isDictionary() const { return encoding_ == Encoding::kDictionary; }

  /// Values of a flat column (numRows of them) or the single value of a
  /// constant column. T must be the physical type of type().id.
  template <typename T>
  T* data() { return reinterpret_cast<T*>(data_.data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(data_.data()); }

  /// Codes of a dictionary column.
  uint32_t* codes() { return reinterpret_cast<uint32_t*>(data_.data()); }
  const uint32_t* codes() const { return reinterpret_cast<const uint32_t*>(data_.data()); }
  const StringDictionary& dictionary() const { return *dictionary_; }
  const std::shared_ptr<const StringDictionary>& dictionaryPtr() const { return dictionary_; }

  // --- validity -----------------------------------------------------------

  /// False when no row is NULL (the bitmap is absent).
  bool mayHaveNulls() const { return !validity_.empty(); }
  bool isNull(size_t row) const {
    if (validity_.empty()) return false;
    size_t i = isConstant() ? 0 : row;
    return ((validity_[i >> 6] >> (i & 63)) & 1) == 0;
  }
  /// Marks a row NULL or valid; allocates the bitmap on first use.
  void setNull(size_t row, bool isNull = true);
  /// The bitmap words (empty when all rows are valid).
  const std::vector<uint64_t>& validity() const { return validity_; }
  /// Allocates the bitmap (all valid) if absent and returns it.
  std::vector<uint64_t>& mutableValidity();
  /// Drops the bitmap when it marks no row NULL.
  void compactValidity();

  // --- strings ------------------------------------------------------------

  /// Storage for the bytes of a flat string column's values.
  StringHeap& heap();
  /// Keeps `owner` alive as long as this column, for string views that point
  /// into another object's memory.
  void keepAlive(std::shared_ptr<const void> owner) { owners_.push_back(std::move(owner)); }
  const std::vector<std::shared_ptr<const void>>& owners() const { return owners_; }
  /// The string at `row` for any encoding (undefined for NULL rows).
  std::string_view stringAt(size_t row) const;

  // --- generic access and reshaping ----------------------------------------

  /// The value at `row` (slow; for formats, tests and statistics).
  Value getValue(size_t row) const;
  /// Sets `row` of a flat column from a Value that fits the type; NULL marks
  /// the row NULL. Strings are copied into heap().
  void setValue(size_t row, const Value& value);

  /// Resizes a flat column (new rows valid and zeroed). Used by builders.
  void resize(size_t numRows);

  /// A flat copy of this column. Flat columns are returned as is (shared).
  /// Dictionary strings become views into the dictionary, kept alive.
  static ColumnPtr flatten(const ColumnPtr& column);
  /// A flat column holding rows `sel[0..n)` of `column`, in that order.
  static ColumnPtr gather(const ColumnPtr& column, const uint32_t* sel, size_t n);
  /// A flat column holding rows [offset, offset + length).
  static ColumnPtr slice(const ColumnPtr& column, size_t offset, size_t length);
  /// Appends all rows of `src` (any encoding, same type id) to this flat column.
  void append(const Column& src);

  /// Approximate memory in bytes (values, bitmap, owned heap).
  size_t memoryBytes() const;

 private:
  DataType type_;
  Encoding encoding_;
  size_t numRows_;
  std::vector<uint64_t> data_;  // 8-byte aligned storage for values or codes
  std::vector<uint64_t> validity_;
  std::unique_ptr<StringHeap> heap_;
  std::shared_ptr<const StringDictionary> dictionary_;
  std::vector<std::shared_ptr<const void>> owners_;
};

/// A set of equally long columns plus an optional selection vector. When
/// `sel` is set, only rows sel[0..sel->size()) are live; operators must not
/// read the others.
struct Batch {
  std::vector<ColumnPtr> columns;
  size_t numRows = 0;
  std::shared_ptr<const SelectionVector> sel;

  /// Number of live rows.
  size_t liveRows() const { return sel ? sel->size() : numRows; }
  /// A dense copy (no selection vector) of the live rows.
  Batch compact() const;
};

/// Calls fn(row) for every live row: the dense loop when sel is null.
template <typename Fn>
inline void forEachRow(size_t numRows, const SelectionVector* sel, Fn&& fn) {
  if (sel == nullptr) {
    for (size_t i = 0; i < numRows; ++i) fn(i);
  } else {
    for (uint32_t i : *sel) fn(i);
  }
}

}  // namespace furl
