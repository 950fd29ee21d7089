#pragma once

// A single scalar: the slow path for constants, INSERT ... VALUES, block
// statistics and tests. Batches never hold Values; they hold Columns.

#include <cstdint>
#include <string>
#include <variant>

#include "common/types.h"

namespace furl {

/// A typed scalar or NULL. Integers of every width are stored as int64_t
/// (signed types, bool, Date days, timestamp milliseconds) or uint64_t
/// (unsigned types); floats as double; strings and serialized HLL sketches
/// as std::string.
class Value {
 public:
  using Storage = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;

  Value() = default;  // NULL of type kNull
  Value(TypeId type, Storage storage) : type_(type), storage_(std::move(storage)) {}

  static Value null(TypeId type = TypeId::kNull) { return Value(type, std::monostate{}); }
  static Value boolean(bool b) { return Value(TypeId::kBool, int64_t{b ? 1 : 0}); }
  static Value int64(int64_t v, TypeId type = TypeId::kInt64) { return Value(type, v); }
  static Value uint64(uint64_t v, TypeId type = TypeId::kUInt64) { return Value(type, v); }
  static Value float64(double v, TypeId type = TypeId::kFloat64) { return Value(type, v); }
  static Value string(std::string s) { return Value(TypeId::kString, std::move(s)); }
  /// A sketch in the serialized form of docs/hll-sketch.md.
  static Value hllSketch(std::string bytes) { return Value(TypeId::kHllSketch, std::move(bytes)); }
  static Value date(int32_t days) { return Value(TypeId::kDate, int64_t{days}); }
  static Value timestampMs(int64_t ms, TypeId type = TypeId::kDateTime64) { return Value(type, ms); }

  TypeId type() const { return type_; }
  bool isNull() const { return std::holds_alternative<std::monostate>(storage_); }
  const Storage& storage() const { return storage_; }

  /// Accessors; each requires the matching storage alternative.
  int64_t asInt64() const { return std::get<int64_t>(storage_); }
  uint64_t asUInt64() const { return std::get<uint64_t>(storage_); }
  double asDouble() const { return std::get<double>(storage_); }
  const std::string& asString() const { return std::get<std::string>(storage_); }

  /// Any numeric alternative converted to double (NaN for NULL and strings).
  double toDouble() const;

  /// Human-readable text in ClickHouse's TSV spelling (`\N` for NULL is not
  /// used here: NULL prints as `NULL`). Dates as `YYYY-MM-DD`, DateTime as
  /// `YYYY-MM-DD hh:mm:ss`, DateTime64 with `.mmm`, a sketch as the base64
  /// text of its bytes.
  std::string toString() const;

  /// Total order used by tests and statistics: NULL first, then by value.
  /// Values of different storage alternatives compare numerically.
  int compare(const Value& other) const;
  bool operator==(const Value& other) const { return compare(other) == 0; }

 private:
  TypeId type_ = TypeId::kNull;
  Storage storage_;
};

}  // namespace furl
