#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

#include "common/hll_sketch.h"

#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::readRows;
using testing::Row;
using testing::rowToString;
using testing::sameValue;
using testing::TempDir;

constexpr TypeId kAllTypes[] = {
    TypeId::kBool,    TypeId::kInt8,    TypeId::kInt16,   TypeId::kInt32,     TypeId::kInt64,
    TypeId::kUInt8,   TypeId::kUInt16,  TypeId::kUInt32,  TypeId::kUInt64,    TypeId::kFloat32,
    TypeId::kFloat64, TypeId::kDate,    TypeId::kDateTime, TypeId::kDateTime64, TypeId::kString,
};

/// Returns a random non-NULL value of `type`, sometimes an extreme of its range.
Value randomValue(TypeId type, std::mt19937_64& rng) {
  uint64_t bits = rng();
  bool extreme = bits % 17 == 0;
  switch (type) {
    case TypeId::kBool:
      return Value::boolean(bits & 1);
    case TypeId::kInt8:
      return Value::int64(extreme ? std::numeric_limits<int8_t>::min() : static_cast<int8_t>(bits), type);
    case TypeId::kInt16:
      return Value::int64(static_cast<int16_t>(bits), type);
    case TypeId::kInt32:
      return Value::int64(extreme ? std::numeric_limits<int32_t>::max() : static_cast<int32_t>(bits), type);
    case TypeId::kInt64:
      return Value::int64(extreme ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(bits), type);
    case TypeId::kUInt8:
      return Value::uint64(static_cast<uint8_t>(bits), type);
    case TypeId::kUInt16:
      return Value::uint64(static_cast<uint16_t>(bits), type);
    case TypeId::kUInt32:
      return Value::uint64(static_cast<uint32_t>(bits), type);
    case TypeId::kUInt64:
      return Value::uint64(extreme ? std::numeric_limits<uint64_t>::max() : bits, type);
    case TypeId::kFloat32:
      return Value::float64(static_cast<float>(static_cast<int32_t>(bits % 2000000) - 1000000) / 8.0f, type);
    case TypeId::kFloat64:
      return Value::float64(extreme ? -std::numeric_limits<double>::infinity()
                                    : static_cast<double>(static_cast<int64_t>(bits)) / 1e6,
                            type);
    case TypeId::kDate:
      return Value::date(static_cast<int32_t>(bits % 40000) - 10000);
    case TypeId::kDateTime:
      return Value::timestampMs((static_cast<int64_t>(bits % 4'000'000'000) - 1'000'000'000) * 1000, type);
    case TypeId::kDateTime64:
      return Value::timestampMs(static_cast<int64_t>(bits % 4'000'000'000'000) - 1'000'000'000'000, type);
    case TypeId::kString: {
      // Few distinct values, some empty, some long, some with bytes >= 0x80.
      std::string s = "v" + std::to_string(bits % 300);
      if (bits % 13 == 0) s.clear();
      if (bits % 29 == 0) s = std::string(200, 'x') + s;
      if (bits % 31 == 0) s = "\xc3\xa9t\xc3\xa9" + s;
      return Value::string(s);
    }
    case TypeId::kHllSketch:  // covered by SegmentSketchTest
    case TypeId::kNull:
      break;
  }
  return Value();
}

std::vector<Value> randomValues(DataType type, size_t n, std::mt19937_64& rng) {
  std::vector<Value> values;
  for (size_t i = 0; i < n; ++i) {
    bool makeNull = type.nullable && rng() % 5 == 0;
    values.push_back(makeNull ? Value::null(type.id) : randomValue(type.id, rng));
  }
  return values;
}

/// Writes one segment from `columns` (name, type, values) and opens it.
std::shared_ptr<SegmentReader> writeAndOpen(const TempDir& dir, const std::vector<SegmentColumn>& schema,
                                            const std::vector<std::vector<Value>>& values,
                                            const SegmentWriterOptions& options, const std::string& name = "seg") {
  SegmentWriter writer(schema, options);
  Batch batch;
  batch.numRows = values.empty() ? 0 : values[0].size();
  for (size_t c = 0; c < schema.size(); ++c) batch.columns.push_back(testing::makeColumn(schema[c].type, values[c]));
  absl::Status appended = writer.append(batch);
  EXPECT_TRUE(appended.ok()) << appended;
  auto result = writer.finish(dir.file(name + ".seg"));
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return nullptr;
  auto reader = SegmentReader::open(dir.file(name + ".seg"));
  EXPECT_TRUE(reader.ok()) << reader.status();
  return reader.ok() ? *reader : nullptr;
}

void expectColumnEquals(const SegmentReader& reader, size_t column, const std::vector<Value>& expected) {
  size_t row = 0;
  for (size_t b = 0; b < reader.numBlocks(); ++b) {
    auto block = reader.readBlock(column, b);
    ASSERT_TRUE(block.ok()) << block.status();
    ASSERT_EQ((*block)->size(), reader.blockRows(b));
    for (size_t r = 0; r < (*block)->size(); ++r, ++row) {
      ASSERT_LT(row, expected.size());
      Value actual = (*block)->getValue(r);
      ASSERT_TRUE(sameValue(actual, expected[row]))
          << "column " << column << " row " << row << ": got " << actual.toString() << ", expected "
          << expected[row].toString();
    }
  }
  EXPECT_EQ(row, expected.size());
}

class SegmentRoundTripTest : public ::testing::TestWithParam<std::tuple<TypeId, bool>> {};

TEST_P(SegmentRoundTripTest, RoundTripsValuesAndNulls) {
  auto [typeId, nullable] = GetParam();
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TempDir dir;
  DataType type(typeId, nullable);
  std::vector<Value> values = randomValues(type, 1000, rng);
  SegmentWriterOptions options;
  options.blockRows = 128;
  auto reader = writeAndOpen(dir, {{"c", type}}, {values}, options);
  ASSERT_NE(reader, nullptr);

  EXPECT_EQ(reader->numRows(), 1000u);
  EXPECT_EQ(reader->numBlocks(), 8u);
  ASSERT_EQ(reader->columns().size(), 1u);
  EXPECT_EQ(reader->columns()[0].type, type);
  expectColumnEquals(*reader, 0, values);

  // Block statistics match the rows of each block.
  for (size_t b = 0; b < reader->numBlocks(); ++b) {
    const BlockStats& stats = reader->blockStats(0, b);
    uint32_t nulls = 0;
    std::optional<Value> minValue;
    std::optional<Value> maxValue;
    for (size_t r = b * 128; r < std::min<size_t>(values.size(), (b + 1) * 128); ++r) {
      if (values[r].isNull()) {
        ++nulls;
        continue;
      }
      if (!minValue || values[r].compare(*minValue) < 0) minValue = values[r];
      if (!maxValue || values[r].compare(*maxValue) > 0) maxValue = values[r];
    }
    EXPECT_EQ(stats.numRows, reader->blockRows(b)) << "block " << b;
    EXPECT_EQ(stats.nullCount, nulls) << "block " << b;
    ASSERT_EQ(stats.min.isNull(), !minValue.has_value()) << "block " << b;
    if (minValue) {
      EXPECT_TRUE(sameValue(stats.min, *minValue)) << "block " << b << " min " << stats.min.toString();
      EXPECT_TRUE(sameValue(stats.max, *maxValue)) << "block " << b << " max " << stats.max.toString();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SegmentRoundTripTest,
                         ::testing::Combine(::testing::ValuesIn(kAllTypes), ::testing::Bool()),
                         [](const auto& info) {
                           std::string name;
                           for (char c : typeName(std::get<0>(info.param))) {
                             if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                           }
                           return name + (std::get<1>(info.param) ? "Nullable" : "");
                         });

TEST(SegmentWriterTest, SplitsRowsIntoAlignedBlocks) {
  TempDir dir;
  std::vector<Value> ints;
  std::vector<Value> strings;
  for (int i = 0; i < 1000; ++i) {
    ints.push_back(Value::int64(i));
    strings.push_back(Value::string("s" + std::to_string(i % 7)));
  }
  SegmentWriterOptions options;
  options.blockRows = 300;
  auto reader = writeAndOpen(dir, {{"i", DataType(TypeId::kInt64)}, {"s", DataType(TypeId::kString)}},
                             {ints, strings}, options);
  ASSERT_NE(reader, nullptr);
  ASSERT_EQ(reader->numBlocks(), 4u);
  EXPECT_EQ(reader->blockRows(0), 300u);
  EXPECT_EQ(reader->blockRows(3), 100u);
  EXPECT_EQ(reader->blockStats(0, 3).min.asInt64(), 900);
  EXPECT_EQ(reader->blockStats(0, 3).max.asInt64(), 999);
  EXPECT_EQ(reader->blockStats(1, 0).min.asString(), "s0");
  EXPECT_EQ(reader->blockStats(1, 0).max.asString(), "s6");
  expectColumnEquals(*reader, 0, ints);
  expectColumnEquals(*reader, 1, strings);
}

TEST(SegmentReaderTest, SharesOneSortedDictionaryAcrossBlocks) {
  TempDir dir;
  std::vector<Value> strings;
  for (int i = 0; i < 500; ++i) strings.push_back(Value::string(std::string(1, static_cast<char>('z' - i % 26))));
  SegmentWriterOptions options;
  options.blockRows = 100;
  auto reader = writeAndOpen(dir, {{"s", DataType(TypeId::kString)}}, {strings}, options);
  ASSERT_NE(reader, nullptr);

  auto first = reader->readBlock(0, 0);
  auto last = reader->readBlock(0, 4);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE((*first)->isDictionary());
  ASSERT_TRUE((*last)->isDictionary());
  EXPECT_EQ((*first)->dictionaryPtr().get(), (*last)->dictionaryPtr().get());

  const StringDictionary& dictionary = (*first)->dictionary();
  ASSERT_EQ(dictionary.values.size(), 26u);
  for (size_t k = 1; k < dictionary.values.size(); ++k) {
    EXPECT_LT(dictionary.values[k - 1], dictionary.values[k]) << "entry " << k;
  }
  // Code order is value order.
  const uint32_t* codes = (*first)->codes();
  for (size_t r = 1; r < (*first)->size(); ++r) {
    EXPECT_EQ(codes[r - 1] < codes[r], (*first)->stringAt(r - 1) < (*first)->stringAt(r)) << "row " << r;
  }
}

TEST(SegmentReaderTest, LoadsDictionaryOnceUnderConcurrentReads) {
  TempDir dir;
  std::vector<Value> strings;
  for (int i = 0; i < 4000; ++i) strings.push_back(Value::string("k" + std::to_string(i % 1000)));
  SegmentWriterOptions options;
  options.blockRows = 100;
  auto reader = writeAndOpen(dir, {{"s", DataType(TypeId::kString)}}, {strings}, options);
  ASSERT_NE(reader, nullptr);

  std::vector<std::thread> threads;
  std::vector<const StringDictionary*> seen(8, nullptr);
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (size_t b = t; b < reader->numBlocks(); b += seen.size()) {
        auto block = reader->readBlock(0, b);
        if (block.ok()) seen[t] = (*block)->dictionaryPtr().get();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < seen.size(); ++t) {
    EXPECT_NE(seen[t], nullptr) << "thread " << t;
    EXPECT_EQ(seen[t], seen[0]) << "thread " << t;
  }
  expectColumnEquals(*reader, 0, strings);
}

TEST(SegmentWriterTest, SplitsLargeDictionaryIntoBlocks) {
  TempDir dir;
  std::vector<Value> strings;
  for (int i = 0; i < 70000; ++i) strings.push_back(Value::string("key-" + std::to_string(i * 7919 % 70000)));
  SegmentWriterOptions options;
  options.dictionaryBlockBytes = 4096;
  auto reader = writeAndOpen(dir, {{"s", DataType(TypeId::kString)}}, {strings}, options);
  ASSERT_NE(reader, nullptr);
  auto dictionary = reader->dictionary(0);
  ASSERT_TRUE(dictionary.ok()) << dictionary.status();
  EXPECT_EQ((*dictionary)->values.size(), 70000u);
  expectColumnEquals(*reader, 0, strings);
}

class SegmentCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(SegmentCodecTest, RoundTripsWithCodec) {
  TempDir dir;
  std::vector<Value> ints;
  std::vector<Value> strings;
  for (int i = 0; i < 20000; ++i) {
    ints.push_back(Value::int64(i / 10));
    strings.push_back(Value::string("page-" + std::to_string(i % 50)));
  }
  SegmentWriterOptions options;
  options.codec = GetParam();
  options.dictionaryCodec = GetParam();
  auto reader = writeAndOpen(dir, {{"i", DataType(TypeId::kInt64)}, {"s", DataType(TypeId::kString)}},
                             {ints, strings}, options);
  ASSERT_NE(reader, nullptr);
  for (size_t b = 0; b < reader->numBlocks(); ++b) {
    EXPECT_EQ(reader->blockCodec(0, b), GetParam()) << "block " << b;
    if (GetParam() != Codec::kNone) {
      EXPECT_LT(reader->compressedBytes(0, b), reader->blockRows(b) * sizeof(int64_t)) << "block " << b;
    }
  }
  expectColumnEquals(*reader, 0, ints);
  expectColumnEquals(*reader, 1, strings);
}

INSTANTIATE_TEST_SUITE_P(Codecs, SegmentCodecTest, ::testing::Values(Codec::kNone, Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::string(codecName(info.param)); });

TEST(SegmentWriterTest, PerColumnCodecOverride) {
  TempDir dir;
  std::vector<Value> a;
  for (int i = 0; i < 5000; ++i) a.push_back(Value::int64(i % 3));
  SegmentWriterOptions options;
  options.codec = Codec::kLz4;
  options.columnCodecs["b"] = Codec::kZstd;
  auto reader = writeAndOpen(dir, {{"a", DataType(TypeId::kInt64)}, {"b", DataType(TypeId::kInt64)}}, {a, a},
                             options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->blockCodec(0, 0), Codec::kLz4);
  EXPECT_EQ(reader->blockCodec(1, 0), Codec::kZstd);
}

TEST(SegmentWriterTest, SortsRowsBySortKey) {
  TempDir dir;
  std::mt19937_64 rng(7);
  std::vector<DataType> types = {DataType(TypeId::kString, true), DataType(TypeId::kInt64),
                                 DataType(TypeId::kFloat64)};
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) {
    uint64_t bits = rng();
    Value city = bits % 11 == 0 ? Value::null(TypeId::kString) : Value::string("c" + std::to_string(bits % 5));
    rows.push_back({city, Value::int64(static_cast<int64_t>(rng() % 100) - 50), Value::float64(i)});
  }
  SegmentWriterOptions options;
  options.blockRows = 256;
  options.sortKey = {"city", "n"};
  SegmentWriter writer({{"city", types[0]}, {"n", types[1]}, {"x", types[2]}}, options);
  // Two batches: the sort is over all appended rows.
  std::vector<Row> firstHalf(rows.begin(), rows.begin() + 1000);
  std::vector<Row> secondHalf(rows.begin() + 1000, rows.end());
  ASSERT_TRUE(writer.append(testing::makeBatch(types, firstHalf)).ok());
  ASSERT_TRUE(writer.append(testing::makeBatch(types, secondHalf)).ok());
  auto result = writer.finish(dir.file("sorted.seg"));
  ASSERT_TRUE(result.ok()) << result.status();
  auto reader = SegmentReader::open(dir.file("sorted.seg"));
  ASSERT_TRUE(reader.ok()) << reader.status();

  std::vector<Row> stored = readRows(**reader);
  ASSERT_EQ(stored.size(), rows.size());
  for (size_t i = 1; i < stored.size(); ++i) {
    int byCity = stored[i - 1][0].compare(stored[i][0]);
    bool ordered = byCity < 0 || (byCity == 0 && stored[i - 1][1].compare(stored[i][1]) <= 0);
    ASSERT_TRUE(ordered) << "row " << i << ": " << rowToString(stored[i - 1]) << " before " << rowToString(stored[i]);
    // Ties keep input order: x grows within equal keys.
    if (byCity == 0 && stored[i - 1][1].compare(stored[i][1]) == 0) {
      ASSERT_LT(stored[i - 1][2].asDouble(), stored[i][2].asDouble()) << "row " << i;
    }
  }
  EXPECT_EQ(testing::sortedRows(stored), testing::sortedRows(rows));
}

TEST(SegmentWriterTest, AcceptsConstantAndDictionaryColumns) {
  TempDir dir;
  auto dictionary = std::make_shared<StringDictionary>();
  dictionary->add("zeta");
  dictionary->add("alpha");
  ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString, true), dictionary, 4);
  codes->codes()[0] = 0;
  codes->codes()[1] = 1;
  codes->codes()[2] = 0;
  codes->setNull(3);
  Batch batch;
  batch.numRows = 4;
  batch.columns = {codes, Column::makeConstant(DataType(TypeId::kInt32), Value::int64(42, TypeId::kInt32), 4),
                   Column::makeConstant(DataType(TypeId::kString, true), Value::null(TypeId::kString), 4)};

  SegmentWriter writer({{"d", DataType(TypeId::kString, true)},
                        {"k", DataType(TypeId::kInt32)},
                        {"n", DataType(TypeId::kString, true)}});
  ASSERT_TRUE(writer.append(batch).ok());
  ASSERT_TRUE(writer.finish(dir.file("mixed.seg")).ok());
  auto reader = SegmentReader::open(dir.file("mixed.seg"));
  ASSERT_TRUE(reader.ok()) << reader.status();
  expectColumnEquals(**reader, 0,
                     {Value::string("zeta"), Value::string("alpha"), Value::string("zeta"), Value::null(TypeId::kString)});
  expectColumnEquals(**reader, 1, std::vector<Value>(4, Value::int64(42, TypeId::kInt32)));
  expectColumnEquals(**reader, 2, std::vector<Value>(4, Value::null(TypeId::kString)));
  EXPECT_TRUE((*reader)->blockStats(2, 0).min.isNull());
  EXPECT_EQ((*reader)->blockStats(2, 0).nullCount, 4u);
}

TEST(SegmentWriterTest, RejectsNullInNonNullableColumn) {
  TempDir dir;
  SegmentWriter writer({{"i", DataType(TypeId::kInt64)}});
  Batch batch = testing::makeBatch({DataType(TypeId::kInt64, true)}, {{Value::int64(1)}, {Value::null()}});
  absl::Status status = writer.append(batch);
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_NE(status.message().find("'i'"), std::string::npos) << status;
}

TEST(SegmentWriterTest, RejectsTypeMismatch) {
  SegmentWriter writer({{"i", DataType(TypeId::kInt64)}});
  Batch batch = testing::makeBatch({DataType(TypeId::kInt32)}, {{Value::int64(1, TypeId::kInt32)}});
  EXPECT_TRUE(absl::IsInvalidArgument(writer.append(batch)));
}

TEST(SegmentWriterTest, RejectsUnknownSortKey) {
  TempDir dir;
  SegmentWriterOptions options;
  options.sortKey = {"missing"};
  SegmentWriter writer({{"i", DataType(TypeId::kInt64)}}, options);
  ASSERT_TRUE(writer.append(testing::makeBatch({DataType(TypeId::kInt64)}, {{Value::int64(1)}})).ok());
  auto result = writer.finish(dir.file("bad.seg"));
  EXPECT_TRUE(absl::IsInvalidArgument(result.status())) << result.status();
  EXPECT_TRUE(testing::listFiles(dir.path()).empty());
}

TEST(SegmentWriterTest, NanOnlyBlockClaimsWholeRange) {
  TempDir dir;
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Value> values = {Value::float64(nan), Value::float64(nan), Value::float64(1.5), Value::float64(nan)};
  SegmentWriterOptions options;
  options.blockRows = 2;
  auto reader = writeAndOpen(dir, {{"f", DataType(TypeId::kFloat64)}}, {values}, options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->blockStats(0, 0).min.asDouble(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(reader->blockStats(0, 0).max.asDouble(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(reader->blockStats(0, 1).min.asDouble(), 1.5);
  EXPECT_EQ(reader->blockStats(0, 1).max.asDouble(), 1.5);
  expectColumnEquals(*reader, 0, values);
}

TEST(SegmentWriterTest, WritesEmptySegment) {
  TempDir dir;
  auto reader = writeAndOpen(dir, {{"s", DataType(TypeId::kString)}}, {{}}, {});
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->numRows(), 0u);
  EXPECT_EQ(reader->numBlocks(), 0u);
}

TEST(SegmentReaderTest, RejectsOutOfRangeBlock) {
  TempDir dir;
  auto reader = writeAndOpen(dir, {{"i", DataType(TypeId::kInt64)}}, {{Value::int64(1)}}, {});
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(absl::IsInvalidArgument(reader->readBlock(0, 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(reader->readBlock(1, 0).status()));
}

TEST(SegmentReaderTest, RemovesFileOnRelease) {
  TempDir dir;
  auto reader = writeAndOpen(dir, {{"i", DataType(TypeId::kInt64)}}, {{Value::int64(1)}}, {});
  ASSERT_NE(reader, nullptr);
  reader->removeOnRelease();
  EXPECT_EQ(testing::listFiles(dir.path()).size(), 1u);
  reader.reset();
  EXPECT_TRUE(testing::listFiles(dir.path()).empty());
}

// --- HLLSketch columns and format versions ---------------------------------------

/// Sketches of many sizes: empty, sparse, dense, at several lgK.
std::vector<Value> sampleSketches(size_t n, bool withNulls) {
  std::vector<Value> values;
  for (size_t i = 0; i < n; ++i) {
    if (withNulls && i % 7 == 3) {
      values.push_back(Value::null(TypeId::kHllSketch));
      continue;
    }
    HllSketch sketch = *HllSketch::create(4 + static_cast<int>(i % 11));
    for (size_t v = 0; v < (i * 37) % 700; ++v) sketch.updateInt64(static_cast<int64_t>(i * 1000 + v));
    values.push_back(Value::hllSketch(sketch.serialize()));
  }
  return values;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Overwrites the format version in the header and in the tail; neither is
/// covered by a checksum.
void setFormatVersion(const std::string& path, uint32_t version) {
  std::string bytes = readFile(path);
  for (size_t offset : {size_t{8}, bytes.size() - 16}) {
    for (size_t i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>(version >> (8 * i));
  }
  writeFile(path, bytes);
}

class SegmentSketchTest : public ::testing::TestWithParam<Codec> {};

TEST_P(SegmentSketchTest, RoundTripsSketchesAndNulls) {
  TempDir dir;
  std::vector<Value> sketches = sampleSketches(700, true);
  std::vector<Value> ids;
  for (size_t i = 0; i < sketches.size(); ++i) ids.push_back(Value::int64(static_cast<int64_t>(i)));
  SegmentWriterOptions options;
  options.blockRows = 64;
  options.codec = GetParam();
  auto reader = writeAndOpen(dir, {{"id", DataType(TypeId::kInt64)}, {"s", DataType(TypeId::kHllSketch, true)}},
                             {ids, sketches}, options);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->columns()[1].type, DataType(TypeId::kHllSketch, true));
  expectColumnEquals(*reader, 1, sketches);

  for (size_t b = 0; b < reader->numBlocks(); ++b) {
    const BlockStats& stats = reader->blockStats(1, b);
    EXPECT_TRUE(stats.min.isNull()) << "block " << b << ": sketches have no min/max";
    auto block = reader->readBlock(1, b);
    ASSERT_TRUE(block.ok()) << block.status();
    EXPECT_FALSE((*block)->isDictionary()) << "block " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, SegmentSketchTest, ::testing::Values(Codec::kNone, Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::to_string(static_cast<int>(info.param)); });

TEST(SegmentSketchTest, RejectsSketchSortKey) {
  TempDir dir;
  SegmentWriterOptions options;
  options.sortKey = {"s"};
  SegmentWriter writer({{"s", DataType(TypeId::kHllSketch)}}, options);
  std::vector<Value> sketches = sampleSketches(3, false);
  Batch batch;
  batch.numRows = sketches.size();
  batch.columns.push_back(testing::makeColumn(DataType(TypeId::kHllSketch), sketches));
  ASSERT_TRUE(writer.append(batch).ok());
  auto result = writer.finish(dir.file("seg.seg"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no order"), std::string_view::npos) << result.status();
}

TEST(SegmentReaderTest, ReadsFormatVersion1) {
  TempDir dir;
  std::vector<Value> ids = {Value::int64(3), Value::int64(1), Value::int64(2)};
  std::vector<Value> names = {Value::string("c"), Value::string("a"), Value::null(TypeId::kString)};
  SegmentWriterOptions options;
  auto written = writeAndOpen(dir, {{"id", DataType(TypeId::kInt64)}, {"name", DataType(TypeId::kString, true)}},
                              {ids, names}, options);
  ASSERT_NE(written, nullptr);
  written.reset();

  // Version 1 differs from version 2 only by lacking HLLSketch columns, so
  // this file with its versions set to 1 is what an older Furl wrote.
  setFormatVersion(dir.file("seg.seg"), 1);
  auto reader = SegmentReader::open(dir.file("seg.seg"));
  ASSERT_TRUE(reader.ok()) << reader.status();
  expectColumnEquals(**reader, 0, ids);
  expectColumnEquals(**reader, 1, names);
}

TEST(SegmentReaderTest, RejectsSketchColumnInVersion1File) {
  TempDir dir;
  SegmentWriterOptions options;
  std::vector<Value> sketches = sampleSketches(5, false);
  ASSERT_NE(writeAndOpen(dir, {{"s", DataType(TypeId::kHllSketch)}}, {sketches}, options), nullptr);
  setFormatVersion(dir.file("seg.seg"), 1);
  auto reader = SegmentReader::open(dir.file("seg.seg"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(reader.status().message().find("type id 16"), std::string_view::npos) << reader.status();
}

TEST(SegmentReaderTest, RejectsNewerFormatVersion) {
  TempDir dir;
  SegmentWriterOptions options;
  ASSERT_NE(writeAndOpen(dir, {{"id", DataType(TypeId::kInt64)}}, {{Value::int64(1)}}, options), nullptr);
  setFormatVersion(dir.file("seg.seg"), kSegmentFormatVersion + 1);
  auto reader = SegmentReader::open(dir.file("seg.seg"));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kDataLoss);
  std::string message(reader.status().message());
  EXPECT_NE(message.find("format version " + std::to_string(kSegmentFormatVersion + 1) + " is not supported"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("newer Furl"), std::string::npos) << message;
}


}  // namespace
}  // namespace furl::storage
