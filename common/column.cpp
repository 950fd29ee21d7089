#include "common/column.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

namespace furl {
namespace {

constexpr size_t kHeapChunkBytes = 64 * 1024;

size_t wordsFor(size_t bytes) { return (bytes + 7) / 8; }

// Number of 8-byte words that hold `numRows` values of `type` (or codes).
size_t dataWords(DataType type, Column::Encoding encoding, size_t numRows) {
  if (encoding == Column::Encoding::kDictionary) return wordsFor(numRows * sizeof(uint32_t));
  size_t rows = encoding == Column::Encoding::kConstant ? 1 : numRows;
  return wordsFor(rows * physicalWidth(type.id));
}

}  // namespace

// --- StringHeap --------------------------------------------------------------

char* StringHeap::allocate(size_t n) {
  if (n > remaining_) {
    size_t chunk = std::max(n, kHeapChunkBytes);
    chunks_.push_back(std::make_unique<char[]>(chunk));
    cursor_ = chunks_.back().get();
    remaining_ = chunk;
  }
  char* out = cursor_;
  cursor_ += n;
  remaining_ -= n;
  totalBytes_ += n;
  return out;
}

std::string_view StringHeap::add(std::string_view s) {
  if (s.empty()) return std::string_view();
  char* p = allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return std::string_view(p, s.size());
}

// --- Column ------------------------------------------------------------------

Column::Column(DataType type, Encoding encoding, size_t numRows)
    : type_(type), encoding_(encoding), numRows_(numRows) {
  data_.assign(dataWords(type, encoding, numRows), 0);
}

ColumnPtr Column::makeFlat(DataType type, size_t numRows) {
  return std::make_shared<Column>(type, Encoding::kFlat, numRows);
}

ColumnPtr Column::makeConstant(DataType type, const Value& value, size_t numRows) {
  auto column = std::make_shared<Column>(type, Encoding::kConstant, numRows);
  if (value.isNull() || type.id == TypeId::kNull) {
    column->validity_.assign(1, 0);
  } else {
    column->setValue(0, value);
  }
  return column;
}

const std::vector<uint64_t>& StringDictionary::hashes() const {
  std::call_once(hashesOnce_, [this] {
    hashes_.resize(values.size());
    for (size_t k = 0; k < values.size(); ++k) hashes_[k] = hashString(values[k]);
  });
  return hashes_;
}

ColumnPtr Column::makeDictionary(DataType type, std::shared_ptr<const StringDictionary> dictionary,
                                 size_t numRows) {
  auto column = std::make_shared<Column>(type, Encoding::kDictionary, numRows);
  column->dictionary_ = std::move(dictionary);
  return column;
}

void Column::setNull(size_t row, bool isNullValue) {
  size_t i = isConstant() ? 0 : row;
  if (!isNullValue && validity_.empty()) return;
  std::vector<uint64_t>& words = mutableValidity();
  if (isNullValue) {
    words[i >> 6] &= ~(uint64_t{1} << (i & 63));
  } else {
    words[i >> 6] |= uint64_t{1} << (i & 63);
  }
}

std::vector<uint64_t>& Column::mutableValidity() {
  if (validity_.empty()) {
    size_t rows = isConstant() ? 1 : numRows_;
    validity_.assign((rows + 63) / 64, ~uint64_t{0});
  }
  return validity_;
}

void Column::compactValidity() {
  if (validity_.empty()) return;
  size_t rows = isConstant() ? 1 : numRows_;
  for (size_t i = 0; i < rows; ++i) {
    if (((validity_[i >> 6] >> (i & 63)) & 1) == 0) return;
  }
  validity_.clear();
}

StringHeap& Column::heap() {
  if (!heap_) heap_ = std::make_unique<StringHeap>();
  return *heap_;
}

std::string_view Column::stringAt(size_t row) const {
  switch (encoding_) {
    case Encoding::kFlat:
      return data<std::string_view>()[row];
    case Encoding::kConstant:
      return data<std::string_view>()[0];
    case Encoding::kDictionary:
      return dictionary_->values[codes()[row]];
  }
  return {};
}

Value Column::getValue(size_t row) const {
  if (type_.id == TypeId::kNull || isNull(row)) return Value::null(type_.id);
  if (isByteString(type_.id)) return Value(type_.id, std::string(stringAt(row)));
  size_t i = isConstant() ? 0 : row;
  return dispatchPhysical(type_.id, [&]<typename T>() -> Value {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return Value();
    } else if constexpr (std::is_floating_point_v<T>) {
      return Value::float64(static_cast<double>(data<T>()[i]), type_.id);
    } else if constexpr (std::is_unsigned_v<T>) {
      if (type_.id == TypeId::kBool) return Value::boolean(data<T>()[i] != 0);
      return Value::uint64(data<T>()[i], type_.id);
    } else {
      return Value::int64(data<T>()[i], type_.id);
    }
  });
}

void Column::setValue(size_t row, const Value& value) {
  size_t i = isConstant() ? 0 : row;
  if (value.isNull()) {
    setNull(i);
    return;
  }
  if (!validity_.empty()) setNull(i, false);
  if (isByteString(type_.id)) {
    data<std::string_view>()[i] = heap().add(value.asString());
    return;
  }
  dispatchPhysical(type_.id, [&]<typename T>() {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return;
    } else {
      const auto& s = value.storage();
      T v{};
      if (auto* a = std::get_if<int64_t>(&s)) v = static_cast<T>(*a);
      else if (auto* b = std::get_if<uint64_t>(&s)) v = static_cast<T>(*b);
      else if (auto* c = std::get_if<double>(&s)) v = static_cast<T>(*c);
      data<T>()[i] = v;
    }
  });
}

void Column::resize(size_t numRows) {
  assert(encoding_ != Encoding::kConstant);
  size_t old = numRows_;
  numRows_ = numRows;
  data_.resize(dataWords(type_, encoding_, numRows), 0);
  if (!validity_.empty()) {
    validity_.resize((numRows + 63) / 64, ~uint64_t{0});
    // Rows past the old end must read as valid.
    for (size_t r = old; r < numRows && (r & 63) != 0; ++r) validity_[r >> 6] |= uint64_t{1} << (r & 63);
  }
}

ColumnPtr Column::flatten(const ColumnPtr& column) {
  if (column->encoding_ == Encoding::kFlat) return column;
  const size_t n = column->numRows_;
  auto out = makeFlat(column->type_, n);
  if (column->type_.id == TypeId::kNull) {
    out->mutableValidity().assign((n + 63) / 64, 0);
    return out;
  }
  if (column->encoding_ == Encoding::kDictionary) {
    auto* dst = out->data<std::string_view>();
    const auto& values = column->dictionary_->values;
    const uint32_t* codes = column->codes();
    for (size_t r = 0; r < n; ++r) dst[r] = values[codes[r]];
    out->keepAlive(column->dictionary_);
    if (!column->validity_.empty()) out->validity_ = column->validity_;
    return out;
  }
  // Constant: broadcast the single value and its validity.
  if (column->isNull(0)) {
    out->mutableValidity().assign((n + 63) / 64, 0);
    return out;
  }
  size_t width = physicalWidth(column->type_.id);
  auto* src = reinterpret_cast<const char*>(column->data_.data());
  auto* dst = reinterpret_cast<char*>(out->data_.data());
  for (size_t r = 0; r < n; ++r) std::memcpy(dst + r * width, src, width);
  if (isByteString(column->type_.id)) out->keepAlive(column);
  return out;
}

ColumnPtr Column::gather(const ColumnPtr& column, const uint32_t* sel, size_t n) {
  const Column& src = *column;
  if (src.encoding_ == Encoding::kConstant) {
    auto out = std::make_shared<Column>(src.type_, Encoding::kConstant, n);
    out->data_ = src.data_;
    out->validity_ = src.validity_;
    out->owners_ = src.owners_;
    if (isByteString(src.type_.id)) out->keepAlive(column);
    return out;
  }
  ColumnPtr out;
  if (src.encoding_ == Encoding::kDictionary) {
    out = makeDictionary(src.type_, src.dictionary_, n);
    uint32_t* dst = out->codes();
    const uint32_t* codes = src.codes();
    for (size_t i = 0; i < n; ++i) dst[i] = codes[sel[i]];
  } else {
    out = makeFlat(src.type_, n);
    if (src.type_.id != TypeId::kNull) {
      dispatchPhysical(src.type_.id, [&]<typename T>() {
        const T* in = src.data<T>();
        T* dst = out->data<T>();
        for (size_t i = 0; i < n; ++i) dst[i] = in[sel[i]];
      });
    }
    if (isByteString(src.type_.id)) out->keepAlive(column);
  }
  if (!src.validity_.empty()) {
    auto& words = out->mutableValidity();
    for (size_t i = 0; i < n; ++i) {
      if (src.isNull(sel[i])) words[i >> 6] &= ~(uint64_t{1} << (i & 63));
    }
    out->compactValidity();
  }
  return out;
}

ColumnPtr Column::slice(const ColumnPtr& column, size_t offset, size_t length) {
  std::vector<uint32_t> sel(length);
  for (size_t i = 0; i < length; ++i) sel[i] = static_cast<uint32_t>(offset + i);
  return gather(column, sel.data(), length);
}

void Column::append(const Column& src) {
  assert(encoding_ == Encoding::kFlat);
  const size_t base = numRows_;
  const size_t n = src.numRows_;
  resize(base + n);
  if (type_.id == TypeId::kNull) {
    auto& words = mutableValidity();
    for (size_t i = 0; i < n; ++i) words[(base + i) >> 6] &= ~(uint64_t{1} << ((base + i) & 63));
    return;
  }
  if (isByteString(type_.id)) {
    auto* dst = data<std::string_view>() + base;
    for (size_t i = 0; i < n; ++i) {
      if (!src.isNull(i)) dst[i] = heap().add(src.stringAt(i));
    }
  } else {
    dispatchPhysical(type_.id, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string_view>) {
        T* dst = data<T>() + base;
        const T* in = src.data<T>();
        if (src.isConstant()) {
          std::fill(dst, dst + n, in[0]);
        } else {
          std::memcpy(dst, in, n * sizeof(T));
        }
      }
    });
  }
  if (src.mayHaveNulls()) {
    auto& words = mutableValidity();
    for (size_t i = 0; i < n; ++i) {
      if (src.isNull(i)) words[(base + i) >> 6] &= ~(uint64_t{1} << ((base + i) & 63));
    }
  }
}

size_t Column::memoryBytes() const {
  size_t bytes = data_.size() * 8 + validity_.size() * 8;
  if (heap_) bytes += heap_->sizeBytes();
  return bytes;
}

// --- Batch -------------------------------------------------------------------

Batch Batch::compact() const {
  if (!sel) return *this;
  Batch out;
  out.numRows = sel->size();
  out.columns.reserve(columns.size());
  for (const auto& column : columns) out.columns.push_back(Column::gather(column, sel->data(), sel->size()));
  return out;
}

}  // namespace furl
