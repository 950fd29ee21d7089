#include "protocol/batch_codec.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/hll_sketch.h"

namespace furl::protocol {
namespace {

using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::transport::TMemoryBuffer;

const std::vector<TypeId> kEveryType = {
    TypeId::kBool,    TypeId::kInt8,   TypeId::kInt16,   TypeId::kInt32,      TypeId::kInt64,
    TypeId::kUInt8,   TypeId::kUInt16, TypeId::kUInt32,  TypeId::kUInt64,     TypeId::kFloat32,
    TypeId::kFloat64, TypeId::kDate,   TypeId::kDateTime, TypeId::kDateTime64, TypeId::kString,
    TypeId::kHllSketch,
};

// A value of `type` that differs per row and includes the type's extremes.
Value sampleValue(TypeId type, size_t row) {
  int64_t i = static_cast<int64_t>(row);
  switch (type) {
    case TypeId::kBool:
      return Value::boolean(row % 3 == 0);
    case TypeId::kInt8:
      return Value::int64(row == 1 ? -128 : static_cast<int8_t>(i), type);
    case TypeId::kInt16:
      return Value::int64(row == 1 ? -32768 : i * 7, type);
    case TypeId::kInt32:
      return Value::int64(row == 1 ? std::numeric_limits<int32_t>::min() : i * 1000, type);
    case TypeId::kInt64:
      return Value::int64(row == 1 ? std::numeric_limits<int64_t>::min() : i * 1'000'000'007, type);
    case TypeId::kUInt8:
      return Value::uint64(row == 1 ? 255 : row % 200, type);
    case TypeId::kUInt16:
      return Value::uint64(row == 1 ? 65535 : row, type);
    case TypeId::kUInt32:
      return Value::uint64(row == 1 ? 4294967295u : row * 3, type);
    case TypeId::kUInt64:
      return Value::uint64(row == 1 ? std::numeric_limits<uint64_t>::max() : row * 11, type);
    case TypeId::kFloat32:
      return Value::float64(row == 1 ? -0.5 : static_cast<float>(row) * 0.25f, type);
    case TypeId::kFloat64:
      return Value::float64(row == 1 ? 1e300 : static_cast<double>(row) / 3, type);
    case TypeId::kDate:
      return Value::date(row == 1 ? -719162 : 16000 + static_cast<int32_t>(row));
    case TypeId::kDateTime:
      return Value::timestampMs((1442016000 + i) * 1000, type);
    case TypeId::kDateTime64:
      return Value::timestampMs(1442016000123 + i, type);
    case TypeId::kString:
      return Value::string(row == 1 ? std::string() : "value " + std::to_string(row) + std::string(row % 5, 'x'));
    case TypeId::kHllSketch: {
      HllSketch sketch;
      for (size_t v = 0; v < row % 20; ++v) sketch.updateInt64(i * 100 + static_cast<int64_t>(v));
      return Value::hllSketch(sketch.serialize());
    }
    case TypeId::kNull:
      break;
  }
  return Value();
}

// A flat column of `numRows` sample values; every third row NULL when nullable.
ColumnPtr sampleColumn(DataType type, size_t numRows) {
  ColumnPtr column = Column::makeFlat(type, numRows);
  for (size_t row = 0; row < numRows; ++row) {
    if (type.nullable && row % 3 == 2) {
      column->setNull(row);
    } else {
      column->setValue(row, sampleValue(type.id, row));
    }
  }
  return column;
}

// Serializes through the compact protocol and back, as the network would.
wire::ColumnBatch throughThrift(const wire::ColumnBatch& batch) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  TCompactProtocol writer(buffer);
  batch.write(&writer);
  wire::ColumnBatch copy;
  TCompactProtocol reader(buffer);
  copy.read(&reader);
  return copy;
}

void expectSameRows(const Column& expected, size_t expectedBegin, const Column& actual, size_t numRows,
                    const std::string& context) {
  for (size_t row = 0; row < numRows; ++row) {
    Value want = expected.getValue(expectedBegin + row);
    Value got = actual.getValue(row);
    ASSERT_EQ(want.isNull(), got.isNull()) << context << " row " << row;
    ASSERT_TRUE(want == got) << context << " row " << row << ": expected " << want.toString() << ", got "
                             << got.toString();
  }
}

struct CodecCase {
  bool nullable;
  wire::Compression::type compression;
};

class BatchCodecRoundTripTest : public ::testing::TestWithParam<CodecCase> {};

TEST_P(BatchCodecRoundTripTest, RoundTripsEveryType) {
  const CodecCase& param = GetParam();
  constexpr size_t kNumRows = 5000;  // large enough that every body passes the LZ4 threshold
  Batch batch;
  batch.numRows = kNumRows;
  std::vector<DataType> types;
  for (TypeId id : kEveryType) {
    types.emplace_back(id, param.nullable);
    batch.columns.push_back(sampleColumn(types.back(), kNumRows));
  }

  EncodeOptions options;
  options.compression = param.compression;
  wire::ColumnBatch encoded = throughThrift(encodeBatch(batch, 0, kNumRows, options));
  ASSERT_EQ(encoded.columns.size(), types.size());
  for (size_t c = 0; c < types.size(); ++c) {
    ASSERT_EQ(encoded.columns[c].hasNulls, param.nullable) << types[c].toString();
    if (param.compression == wire::Compression::NONE) {
      ASSERT_EQ(encoded.columns[c].compression, wire::Compression::NONE) << types[c].toString();
    }
  }
  if (param.compression == wire::Compression::LZ4) {
    // Int64 values with a regular stride compress well.
    ASSERT_EQ(encoded.columns[4].compression, wire::Compression::LZ4);
  }

  auto decoded = decodeBatch(encoded, types);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->numRows, kNumRows);
  for (size_t c = 0; c < types.size(); ++c) {
    ASSERT_EQ(decoded->columns[c]->type(), types[c]);
    expectSameRows(*batch.columns[c], 0, *decoded->columns[c], kNumRows, types[c].toString());
  }
}

INSTANTIATE_TEST_SUITE_P(NullsAndCompression, BatchCodecRoundTripTest,
                         ::testing::Values(CodecCase{false, wire::Compression::NONE},
                                           CodecCase{true, wire::Compression::NONE},
                                           CodecCase{false, wire::Compression::LZ4},
                                           CodecCase{true, wire::Compression::LZ4}),
                         [](const auto& info) {
                           return std::string(info.param.nullable ? "Nullable" : "NotNull") +
                                  (info.param.compression == wire::Compression::LZ4 ? "Lz4" : "Plain");
                         });

TEST(BatchCodecTest, EncodesRowRangeWithUnalignedNulls) {
  DataType type(TypeId::kInt32, true);
  Batch batch;
  batch.numRows = 100;
  batch.columns.push_back(sampleColumn(type, 100));
  wire::ColumnBatch encoded = encodeBatch(batch, 13, 58, {});
  ASSERT_EQ(encoded.numRows, 45);
  auto decoded = decodeBatch(encoded, {type});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  expectSameRows(*batch.columns[0], 13, *decoded->columns[0], 45, "Nullable(Int32) rows 13..58");
}

TEST(BatchCodecTest, OmitsBitmapWhenRangeHasNoNulls) {
  DataType type(TypeId::kInt64, true);
  Batch batch;
  batch.numRows = 10;
  batch.columns.push_back(sampleColumn(type, 10));  // rows 2, 5 and 8 are NULL
  wire::ColumnBatch encoded = encodeBatch(batch, 3, 5, {});
  ASSERT_FALSE(encoded.columns[0].hasNulls);
  ASSERT_EQ(encoded.columns[0].body.size(), 2 * sizeof(int64_t));
}

TEST(BatchCodecTest, FlattensConstantAndDictionaryColumns) {
  auto dictionary = std::make_shared<StringDictionary>();
  dictionary->add("red");
  dictionary->add("green");
  ColumnPtr byCode = Column::makeDictionary(DataType(TypeId::kString), dictionary, 4);
  uint32_t codes[] = {1, 0, 0, 1};
  std::memcpy(byCode->codes(), codes, sizeof(codes));
  ColumnPtr constant = Column::makeConstant(DataType(TypeId::kFloat64), Value::float64(2.5), 4);
  ColumnPtr constantNull = Column::makeConstant(DataType(TypeId::kString, true), Value(), 4);
  ColumnPtr nothing = Column::makeConstant(DataType(TypeId::kNull), Value(), 4);

  Batch batch;
  batch.numRows = 4;
  batch.columns = {byCode, constant, constantNull, nothing};
  std::vector<DataType> types = {byCode->type(), constant->type(), constantNull->type(), nothing->type()};
  auto decoded = decodeBatch(throughThrift(encodeBatch(batch, 0, 4, {})), types);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  for (size_t c = 0; c < types.size(); ++c) {
    expectSameRows(*batch.columns[c], 0, *decoded->columns[c], 4, "column " + std::to_string(c));
  }
}

TEST(BatchCodecTest, SplitsBySize) {
  DataType type(TypeId::kString);
  Batch batch;
  batch.numRows = 1000;
  ColumnPtr column = Column::makeFlat(type, 1000);
  for (size_t row = 0; row < 1000; ++row) column->setValue(row, Value::string(std::string(row == 500 ? 5000 : 100, 'a')));
  batch.columns.push_back(column);

  auto ranges = splitRows(batch, 2000);
  ASSERT_FALSE(ranges.empty());
  size_t next = 0;
  for (const auto& [begin, end] : ranges) {
    ASSERT_EQ(begin, next);
    ASSERT_LT(begin, end);
    size_t bytes = encodedSizeBytes(batch, begin, end);
    if (end - begin > 1) {
      ASSERT_LE(bytes, 2000u) << "rows " << begin << ".." << end;
    }
    next = end;
  }
  ASSERT_EQ(next, 1000u);
}

TEST(BatchCodecTest, SplitsFixedWidthEvenly) {
  Batch batch;
  batch.numRows = 10'000;
  batch.columns.push_back(Column::makeFlat(DataType(TypeId::kInt64), 10'000));
  auto ranges = splitRows(batch, 8 * 1024);
  ASSERT_EQ(ranges.size(), 11u);
  for (const auto& [begin, end] : ranges) ASSERT_LE(encodedSizeBytes(batch, begin, end), 8u * 1024);
}

TEST(BatchCodecTest, RejectsWrongColumnCount) {
  Batch batch;
  batch.numRows = 1;
  batch.columns.push_back(Column::makeFlat(DataType(TypeId::kInt64), 1));
  auto decoded = decodeBatch(encodeBatch(batch, 0, 1, {}), {DataType(TypeId::kInt64), DataType(TypeId::kInt64)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, RejectsShortBody) {
  Batch batch;
  batch.numRows = 3;
  batch.columns.push_back(Column::makeFlat(DataType(TypeId::kInt32), 3));
  wire::ColumnBatch encoded = encodeBatch(batch, 0, 3, {});
  encoded.columns[0].body.pop_back();
  encoded.columns[0].uncompressedSize -= 1;
  auto decoded = decodeBatch(encoded, {DataType(TypeId::kInt32)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_NE(decoded.status().message().find("expected 12 value bytes"), std::string::npos) << decoded.status();
}

TEST(BatchCodecTest, RejectsBadStringOffsets) {
  Batch batch;
  batch.numRows = 2;
  batch.columns.push_back(sampleColumn(DataType(TypeId::kString), 2));
  wire::ColumnBatch encoded = encodeBatch(batch, 0, 2, {});
  uint32_t huge = 1'000'000;
  std::memcpy(encoded.columns[0].body.data(), &huge, sizeof(huge));
  auto decoded = decodeBatch(encoded, {DataType(TypeId::kString)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, RejectsCorruptLz4) {
  Batch batch;
  batch.numRows = 10'000;
  batch.columns.push_back(Column::makeFlat(DataType(TypeId::kInt64), 10'000));
  EncodeOptions options;
  options.compression = wire::Compression::LZ4;
  wire::ColumnBatch encoded = encodeBatch(batch, 0, 10'000, options);
  ASSERT_EQ(encoded.columns[0].compression, wire::Compression::LZ4);
  encoded.columns[0].body.resize(encoded.columns[0].body.size() / 2);
  auto decoded = decodeBatch(encoded, {DataType(TypeId::kInt64)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, RejectsHugeUncompressedSize) {
  wire::ColumnBatch encoded;
  encoded.numRows = 1;
  wire::ColumnData data;
  data.compression = wire::Compression::LZ4;
  data.uncompressedSize = std::numeric_limits<int32_t>::max();
  data.body = "x";
  encoded.columns.push_back(data);
  auto decoded = decodeBatch(encoded, {DataType(TypeId::kString)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, RejectsNullsInNotNullColumn) {
  Batch batch;
  batch.numRows = 3;
  batch.columns.push_back(sampleColumn(DataType(TypeId::kInt32, true), 3));
  auto decoded = decodeBatch(encodeBatch(batch, 0, 3, {}), {DataType(TypeId::kInt32, false)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BatchCodecTest, MapsTypesBothWays) {
  for (TypeId id : kEveryType) {
    DataType type(id, true);
    wire::ColumnInfo info = makeColumnInfo("c", type, kHllSketchProtocolVersion);
    ASSERT_EQ(info.typeName, type.toString());
    auto back = dataTypeOf(info);
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(*back, type) << type.toString();
  }
  EXPECT_EQ(static_cast<int>(wire::ColumnType::HLL_SKETCH), static_cast<int>(TypeId::kHllSketch));
  wire::ColumnInfo unknown;
  unknown.type = static_cast<wire::ColumnType::type>(99);
  ASSERT_FALSE(dataTypeOf(unknown).ok());
}

TEST(BatchCodecTest, SketchIsStringForVersion1) {
  DataType sketch(TypeId::kHllSketch, true);
  wire::ColumnInfo old = makeColumnInfo("users", sketch, 1);
  EXPECT_EQ(old.type, wire::ColumnType::STRING);
  EXPECT_EQ(old.typeName, "Nullable(String)");
  wire::ColumnInfo current = makeColumnInfo("users", sketch, kHllSketchProtocolVersion);
  EXPECT_EQ(current.type, wire::ColumnType::HLL_SKETCH);
  EXPECT_EQ(current.typeName, "Nullable(HLLSketch)");
}

TEST(BatchCodecTest, RejectsInvalidSketchBytes) {
  Batch batch;
  batch.numRows = 3;
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kString), 3);
  column->setValue(0, sampleValue(TypeId::kHllSketch, 5));
  column->setValue(1, Value::string("FHLL but not a sketch"));
  column->setValue(2, sampleValue(TypeId::kHllSketch, 6));
  batch.columns.push_back(column);
  wire::ColumnBatch encoded = encodeBatch(batch, 0, 3, {});

  // A version-1 client sends sketches as String; the bytes are checked the same.
  auto decoded = decodeBatch(encoded, {DataType(TypeId::kHllSketch)});
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("row 1"), std::string_view::npos) << decoded.status();
  ASSERT_TRUE(decodeBatch(encoded, {DataType(TypeId::kString)}).ok());
}

}  // namespace
}  // namespace furl::protocol
