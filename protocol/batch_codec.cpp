#include "protocol/batch_codec.h"

#include <bit>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/hll_sketch.h"
#include "lz4.h"

namespace furl::protocol {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian and the codec copies values as they lie in memory");

constexpr TypeId kLastTypeId = TypeId::kHllSketch;

size_t validityBytes(size_t numRows) { return (numRows + 7) / 8; }

// Appends the validity bits of rows [begin, end) and returns false when every
// row of the range is valid (the caller then drops the bytes again).
bool appendValidity(const Column& column, size_t begin, size_t end, std::string& out) {
  if (!column.mayHaveNulls() && column.type().id != TypeId::kNull) return false;
  size_t numRows = end - begin;
  size_t start = out.size();
  out.resize(start + validityBytes(numRows), '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(out.data() + start);
  bool anyNull = false;
  for (size_t i = 0; i < numRows; ++i) {
    bool isNull = column.type().id == TypeId::kNull || column.isNull(begin + i);
    if (isNull) {
      anyNull = true;
    } else {
      bytes[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
    }
  }
  if (!anyNull) out.resize(start);
  return anyNull;
}

void appendStrings(const Column& column, size_t begin, size_t end, std::string& out) {
  size_t numRows = end - begin;
  size_t offsetsAt = out.size();
  out.resize(offsetsAt + numRows * sizeof(uint32_t));
  uint32_t position = 0;
  for (size_t i = 0; i < numRows; ++i) {
    std::string_view value = column.isNull(begin + i) ? std::string_view() : column.stringAt(begin + i);
    out.append(value);
    position += static_cast<uint32_t>(value.size());
    std::memcpy(out.data() + offsetsAt + i * sizeof(uint32_t), &position, sizeof(uint32_t));
  }
}

void appendFixed(const Column& column, size_t begin, size_t end, std::string& out) {
  size_t width = physicalWidth(column.type().id);
  size_t numRows = end - begin;
  const char* values = column.data<char>();
  if (column.isConstant()) {
    for (size_t i = 0; i < numRows; ++i) out.append(values, width);
    return;
  }
  out.append(values + begin * width, numRows * width);
}

// Body of one column before compression; sets hasNulls.
std::string encodeBody(const Column& column, size_t begin, size_t end, bool& hasNulls) {
  std::string body;
  hasNulls = appendValidity(column, begin, end, body);
  TypeId id = column.type().id;
  if (isByteString(id)) {
    appendStrings(column, begin, end, body);
  } else if (id != TypeId::kNull) {
    appendFixed(column, begin, end, body);
  }
  return body;
}

wire::ColumnData compressBody(std::string body, bool hasNulls, const EncodeOptions& options) {
  wire::ColumnData data;
  data.hasNulls = hasNulls;
  data.uncompressedSize = static_cast<int32_t>(body.size());
  data.compression = wire::Compression::NONE;
  if (options.compression == wire::Compression::LZ4 && body.size() >= options.minCompressBytes) {
    std::string compressed(LZ4_compressBound(static_cast<int>(body.size())), '\0');
    int size = LZ4_compress_default(body.data(), compressed.data(), static_cast<int>(body.size()),
                                    static_cast<int>(compressed.size()));
    if (size > 0 && static_cast<size_t>(size) < body.size()) {
      compressed.resize(size);
      data.compression = wire::Compression::LZ4;
      data.body = std::move(compressed);
      return data;
    }
  }
  data.body = std::move(body);
  return data;
}

absl::Status invalid(size_t column, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid column ", column, " in native batch: ", what));
}

// Decompresses when needed; the returned view points into `data` or `scratch`.
absl::StatusOr<std::string_view> plainBody(const wire::ColumnData& data, size_t column, std::string& scratch) {
  if (data.uncompressedSize < 0 || static_cast<size_t>(data.uncompressedSize) > kMaxBodyBytes) {
    return invalid(column, absl::StrCat("uncompressed size ", data.uncompressedSize, " is outside [0, ",
                                        kMaxBodyBytes, "]"));
  }
  if (data.compression == wire::Compression::NONE) {
    if (data.body.size() != static_cast<size_t>(data.uncompressedSize)) {
      return invalid(column, absl::StrCat("body has ", data.body.size(), " bytes but uncompressedSize is ",
                                          data.uncompressedSize));
    }
    return std::string_view(data.body);
  }
  if (data.compression != wire::Compression::LZ4) {
    return invalid(column, absl::StrCat("unknown compression ", static_cast<int>(data.compression)));
  }
  if (data.body.size() > kMaxBodyBytes) return invalid(column, "compressed body is too large");
  scratch.resize(data.uncompressedSize);
  int size = LZ4_decompress_safe(data.body.data(), scratch.data(), static_cast<int>(data.body.size()),
                                 data.uncompressedSize);
  if (size != data.uncompressedSize) {
    return invalid(column, absl::StrCat("LZ4 block did not decompress to ", data.uncompressedSize, " bytes"));
  }
  return std::string_view(scratch);
}

// Copies validity bytes into the column's 64-bit words.
void setValidity(Column& column, const uint8_t* bytes, size_t numRows) {
  std::vector<uint64_t>& words = column.mutableValidity();
  std::memcpy(words.data(), bytes, validityBytes(numRows));
  // Bits past the last row stay 1, so compactValidity sees only real rows.
  for (size_t i = numRows; i < validityBytes(numRows) * 8; ++i) words[i >> 6] |= uint64_t{1} << (i & 63);
  column.compactValidity();
}

absl::StatusOr<ColumnPtr> decodeColumn(const wire::ColumnData& data, DataType type, size_t numRows,
                                       size_t index) {
  std::string scratch;
  auto plain = plainBody(data, index, scratch);
  if (!plain.ok()) return plain.status();
  std::string_view body = *plain;

  const uint8_t* validity = nullptr;
  if (data.hasNulls) {
    if (body.size() < validityBytes(numRows)) return invalid(index, "body is shorter than its validity bitmap");
    validity = reinterpret_cast<const uint8_t*>(body.data());
    body.remove_prefix(validityBytes(numRows));
    if (!type.nullable && type.id != TypeId::kNull) return invalid(index, "NULL values in a non-Nullable column");
  }

  if (type.id == TypeId::kNull) {
    if (!body.empty()) return invalid(index, "a Nothing column has value bytes");
    return Column::makeConstant(type, Value(), numRows);
  }

  ColumnPtr column = Column::makeFlat(type, numRows);
  if (isByteString(type.id)) {
    size_t offsetsBytes = numRows * sizeof(uint32_t);
    if (body.size() < offsetsBytes) return invalid(index, "body is shorter than its string offsets");
    std::string_view bytes = body.substr(offsetsBytes);
    char* heapBytes = bytes.empty() ? nullptr : column->heap().allocate(bytes.size());
    if (!bytes.empty()) std::memcpy(heapBytes, bytes.data(), bytes.size());
    auto* values = column->data<std::string_view>();
    uint32_t previous = 0;
    for (size_t i = 0; i < numRows; ++i) {
      uint32_t endOffset;
      std::memcpy(&endOffset, body.data() + i * sizeof(uint32_t), sizeof(uint32_t));
      if (endOffset < previous || endOffset > bytes.size()) {
        return invalid(index, absl::StrCat("string offset ", endOffset, " of row ", i, " is out of order or past ",
                                           bytes.size(), " bytes"));
      }
      values[i] = std::string_view(heapBytes + previous, endOffset - previous);
      previous = endOffset;
    }
    if (previous != bytes.size()) return invalid(index, "string bytes follow the last offset");
    if (type.id == TypeId::kHllSketch) {
      for (size_t i = 0; i < numRows; ++i) {
        bool isNull = validity != nullptr && ((validity[i >> 3] >> (i & 7)) & 1) == 0;
        if (isNull) continue;
        absl::Status status = HllSketch::deserialize(values[i]).status();
        if (!status.ok()) return invalid(index, absl::StrCat("row ", i, ": ", status.message()));
      }
    }
  } else {
    size_t expected = numRows * physicalWidth(type.id);
    if (body.size() != expected) {
      return invalid(index, absl::StrCat("expected ", expected, " value bytes for ", numRows, " rows of ",
                                         type.toString(), ", found ", body.size()));
    }
    if (expected > 0) std::memcpy(column->data<char>(), body.data(), expected);
  }
  if (validity != nullptr) setValidity(*column, validity, numRows);
  return column;
}

}  // namespace

DataType wireType(DataType type, int32_t protocolVersion) {
  if (type.id == TypeId::kHllSketch && protocolVersion < kHllSketchProtocolVersion) {
    return DataType(TypeId::kString, type.nullable);
  }
  return type;
}

wire::ColumnInfo makeColumnInfo(const std::string& name, DataType type, int32_t protocolVersion) {
  type = wireType(type, protocolVersion);
  wire::ColumnInfo info;
  info.name = name;
  info.type = static_cast<wire::ColumnType::type>(type.id);
  info.nullable = type.nullable;
  info.typeName = type.toString();
  return info;
}

absl::StatusOr<DataType> dataTypeOf(const wire::ColumnInfo& info) {
  int number = static_cast<int>(info.type);
  if (number < 0 || number > static_cast<int>(kLastTypeId)) {
    return absl::InvalidArgumentError(
        absl::StrCat("column '", info.name, "' has unknown native type number ", number));
  }
  return DataType(static_cast<TypeId>(number), info.nullable);
}

size_t encodedSizeBytes(const Batch& batch, size_t begin, size_t end) {
  size_t numRows = end - begin;
  size_t total = 0;
  for (const auto& column : batch.columns) {
    total += validityBytes(numRows);
    TypeId id = column->type().id;
    if (isByteString(id)) {
      total += numRows * sizeof(uint32_t);
      for (size_t row = begin; row < end; ++row) total += column->stringAt(row).size();
    } else if (id != TypeId::kNull) {
      total += numRows * physicalWidth(id);
    }
  }
  return total;
}

std::vector<std::pair<size_t, size_t>> splitRows(const Batch& batch, size_t maxBytes) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t numRows = batch.numRows;
  if (numRows == 0) return ranges;

  // Fixed bytes per row (values plus a validity bit rounded up to a byte,
  // which overestimates slightly), and the string columns to add per row.
  size_t fixedPerRow = 0;
  std::vector<const Column*> stringColumns;
  for (const auto& column : batch.columns) {
    fixedPerRow += 1;
    TypeId id = column->type().id;
    if (isByteString(id)) {
      fixedPerRow += sizeof(uint32_t);
      stringColumns.push_back(column.get());
    } else if (id != TypeId::kNull) {
      fixedPerRow += physicalWidth(id);
    }
  }

  if (stringColumns.empty()) {
    size_t rowsPerRange = std::max<size_t>(1, maxBytes / std::max<size_t>(1, fixedPerRow));
    for (size_t begin = 0; begin < numRows; begin += rowsPerRange) {
      ranges.emplace_back(begin, std::min(numRows, begin + rowsPerRange));
    }
    return ranges;
  }

  size_t begin = 0;
  size_t bytes = 0;
  for (size_t row = 0; row < numRows; ++row) {
    size_t rowBytes = fixedPerRow;
    for (const Column* column : stringColumns) rowBytes += column->stringAt(row).size();
    if (row > begin && bytes + rowBytes > maxBytes) {
      ranges.emplace_back(begin, row);
      begin = row;
      bytes = 0;
    }
    bytes += rowBytes;
  }
  ranges.emplace_back(begin, numRows);
  return ranges;
}

wire::ColumnBatch encodeBatch(const Batch& batch, size_t begin, size_t end, const EncodeOptions& options) {
  wire::ColumnBatch out;
  out.numRows = static_cast<int32_t>(end - begin);
  out.columns.reserve(batch.columns.size());
  for (const auto& column : batch.columns) {
    bool hasNulls = false;
    std::string body = encodeBody(*column, begin, end, hasNulls);
    out.columns.push_back(compressBody(std::move(body), hasNulls, options));
  }
  return out;
}

absl::StatusOr<Batch> decodeBatch(const wire::ColumnBatch& batch, const std::vector<DataType>& types) {
  if (batch.numRows < 0) {
    return absl::InvalidArgumentError(absl::StrCat("native batch has a negative row count ", batch.numRows));
  }
  if (batch.columns.size() != types.size()) {
    return absl::InvalidArgumentError(absl::StrCat("native batch has ", batch.columns.size(),
                                                   " columns but the schema has ", types.size()));
  }
  Batch out;
  out.numRows = static_cast<size_t>(batch.numRows);
  for (size_t c = 0; c < types.size(); ++c) {
    auto column = decodeColumn(batch.columns[c], types[c], out.numRows, c);
    if (!column.ok()) return column.status();
    out.columns.push_back(std::move(column).value());
  }
  return out;
}

}  // namespace furl::protocol
