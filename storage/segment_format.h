#pragma once

// Constants and footer pieces shared by SegmentWriter and SegmentReader.
// The byte layout is documented at the top of storage/segment_writer.h.

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "common/types.h"
#include "common/value.h"
#include "storage/byte_io.h"
#include "storage/codec.h"

namespace furl::storage::segment_format {

inline constexpr std::string_view kMagic{"FURLSEG\0", 8};
inline constexpr size_t kHeaderBytes = 16;
inline constexpr size_t kTailBytes = 32;

inline constexpr uint8_t kEncodingPlain = 0;
inline constexpr uint8_t kEncodingDictionary = 1;
inline constexpr uint8_t kEncodingBytes = 2;

/// Returns the encoding SegmentWriter writes for a column of type `id`.
inline uint8_t encodingFor(TypeId id) {
  if (id == TypeId::kString) return kEncodingDictionary;
  if (id == TypeId::kHllSketch) return kEncodingBytes;
  return kEncodingPlain;
}

/// u64 offset, u32 storedSize, u32 rawSize, u8 codec, u64 checksum.
inline constexpr size_t kBlockRefBytes = 25;

struct BlockRef {
  uint64_t offset = 0;
  uint32_t storedSize = 0;
  uint32_t rawSize = 0;
  Codec codec = Codec::kNone;
  uint64_t checksum = 0;
};

inline void putBlockRef(ByteWriter& out, const BlockRef& ref) {
  out.putU64(ref.offset);
  out.putU32(ref.storedSize);
  out.putU32(ref.rawSize);
  out.putU8(static_cast<uint8_t>(ref.codec));
  out.putU64(ref.checksum);
}

inline bool getBlockRef(ByteReader& in, BlockRef& ref) {
  uint8_t codec = 0;
  if (!in.getU64(ref.offset) || !in.getU32(ref.storedSize) || !in.getU32(ref.rawSize) || !in.getU8(codec) ||
      !in.getU64(ref.checksum)) {
    return false;
  }
  if (codec > static_cast<uint8_t>(Codec::kZstd)) return false;
  ref.codec = static_cast<Codec>(codec);
  return true;
}

/// Bytes per stored dictionary code for a dictionary of `size` entries.
inline uint8_t codeWidthFor(uint64_t size) {
  if (size <= (uint64_t{1} << 8)) return 1;
  if (size <= (uint64_t{1} << 16)) return 2;
  return 4;
}

inline size_t validityWords(size_t rows) { return (rows + 63) / 64; }

/// The Value a min or max statistic of physical value `v` has: the storage
/// alternative getStatValue() reads back for the same type.
template <typename T>
Value statValue(TypeId type, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return Value::float64(static_cast<double>(v), type);
  } else {
    if (isUnsignedInteger(type)) return Value::uint64(static_cast<uint64_t>(v), type);
    return Value::int64(static_cast<int64_t>(v), type);
  }
}

/// Writes a min or max statistic (a non-NULL Value of type `type`).
inline void putStatValue(ByteWriter& out, TypeId type, const Value& value) {
  if (type == TypeId::kString) {
    out.putString(value.asString());
  } else if (isUnsignedInteger(type)) {
    out.putU64(value.asUInt64());
  } else if (isFloat(type)) {
    out.put<double>(value.asDouble());
  } else {
    out.putI64(value.asInt64());
  }
}

inline bool getStatValue(ByteReader& in, TypeId type, Value& value) {
  if (type == TypeId::kString) {
    std::string s;
    if (!in.getString(s)) return false;
    value = Value::string(std::move(s));
  } else if (isUnsignedInteger(type)) {
    uint64_t v = 0;
    if (!in.getU64(v)) return false;
    value = Value::uint64(v, type);
  } else if (isFloat(type)) {
    double v = 0;
    if (!in.get<double>(v)) return false;
    value = Value::float64(v, type);
  } else {
    int64_t v = 0;
    if (!in.getI64(v)) return false;
    value = Value::int64(v, type);
  }
  return true;
}

}  // namespace furl::storage::segment_format
