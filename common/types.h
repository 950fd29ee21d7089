#pragma once

// Logical column types and their physical representation in memory.
//
//   TypeId        physical C++ type   meaning
//   kNull         (none)              type of a bare NULL literal
//   kBool         uint8_t             0 or 1
//   kInt8..kInt64 int8_t..int64_t
//   kUInt8..64    uint8_t..uint64_t
//   kFloat32/64   float / double
//   kDate         int32_t             days since 1970-01-01
//   kDateTime     int64_t             milliseconds since the Unix epoch, UTC;
//                                     values are whole seconds (ClickHouse DateTime)
//   kDateTime64   int64_t             milliseconds since the Unix epoch, UTC
//                                     (ClickHouse DateTime64(3), SQL TIMESTAMP)
//   kString       std::string_view    bytes owned by the column's StringHeap
//                                     or by a shared StringDictionary
//   kHllSketch    std::string_view    a serialized HllSketch (docs/hll-sketch.md),
//                                     owned like a string's bytes; never
//                                     dictionary-encoded
//
// kDateTime and kDateTime64 share one physical form so that time functions
// and comparisons need one code path; they differ only in how they print.
// kString and kHllSketch share one physical form too (isByteString()): code
// that only moves bytes treats them alike, while functions and formats tell
// them apart by the type id.
//
// TypeId values are stored in segment footers, the catalog and the native
// protocol, so new ids are only ever appended.

#include <cstdint>
#include <string>
#include <string_view>

namespace furl {

enum class TypeId : uint8_t {
  kNull = 0,
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat32,
  kFloat64,
  kDate,
  kDateTime,
  kDateTime64,
  kString,
  kHllSketch,
};

/// A column's logical type: the type id plus whether NULL is allowed.
struct DataType {
  TypeId id = TypeId::kNull;
  bool nullable = false;

  constexpr DataType() = default;
  constexpr DataType(TypeId typeId, bool isNullable = false) : id(typeId), nullable(isNullable) {}

  bool operator==(const DataType&) const = default;

  DataType withNullable(bool isNullable) const { return DataType(id, isNullable); }

  /// The ClickHouse spelling: `Int64`, `Nullable(String)`, `DateTime64(3)`.
  std::string toString() const;
};

/// Size in bytes of one value of the physical type (16 for strings and
/// sketches, the size of std::string_view; 0 for kNull).
size_t physicalWidth(TypeId id);

bool isInteger(TypeId id);
bool isSignedInteger(TypeId id);
bool isUnsignedInteger(TypeId id);
bool isFloat(TypeId id);
/// Integers, floats and bool.
bool isNumeric(TypeId id);
/// kDate, kDateTime, kDateTime64.
bool isTemporal(TypeId id);
/// kString and kHllSketch: values are byte strings, std::string_view in
/// columns and std::string in Values.
inline bool isByteString(TypeId id) { return id == TypeId::kString || id == TypeId::kHllSketch; }
/// True for types whose physical form is int64_t milliseconds.
inline bool isTimestamp(TypeId id) { return id == TypeId::kDateTime || id == TypeId::kDateTime64; }

/// The type name alone (`Int64`, `String`, `HLLSketch`), without Nullable.
std::string_view typeName(TypeId id);

/// Calls `fn.template operator()<T>()` with T the physical C++ type of `id`
/// (uint8_t for kBool, std::string_view for kString and kHllSketch). kNull is
/// not accepted.
/// Use it to dispatch once per batch to a typed loop.
template <typename Fn>
decltype(auto) dispatchPhysical(TypeId id, Fn&& fn);

}  // namespace furl

#include "common/types_inl.h"
