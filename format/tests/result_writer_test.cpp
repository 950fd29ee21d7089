#include "format/result_writer.h"

#include <cmath>
#include <limits>

#include "absl/strings/escaping.h"
#include "common/error.h"
#include "common/hll_sketch.h"
#include "format/druid_writer.h"
#include "format/value_text.h"
#include "gtest/gtest.h"

namespace furl::format {
namespace {

constexpr int64_t kTimeMs = 1442018818771;  // 2015-09-12 00:46:58.771 UTC
constexpr int32_t kDays = 16690;            // 2015-09-12

ColumnPtr makeColumn(DataType type, const std::vector<Value>& values) {
  ColumnPtr column = Column::makeFlat(type, values.size());
  for (size_t i = 0; i < values.size(); ++i) column->setValue(i, values[i]);
  return column;
}

/// Two rows covering every type; the second row contains NULLs in the
/// nullable columns and edge values elsewhere.
struct AllTypes {
  std::vector<std::string> names = {"b", "i8", "i32", "i64", "u64", "f32", "f64", "d", "dt", "dt64", "s", "ns"};
  std::vector<DataType> types = {
      DataType(TypeId::kBool),     DataType(TypeId::kInt8),       DataType(TypeId::kInt32, true),
      DataType(TypeId::kInt64),    DataType(TypeId::kUInt64),     DataType(TypeId::kFloat32),
      DataType(TypeId::kFloat64),  DataType(TypeId::kDate),       DataType(TypeId::kDateTime),
      DataType(TypeId::kDateTime64), DataType(TypeId::kString),   DataType(TypeId::kString, true)};
  std::vector<Batch> batches;

  AllTypes() {
    Batch batch;
    batch.numRows = 2;
    batch.columns = {
        makeColumn(types[0], {Value::boolean(true), Value::boolean(false)}),
        makeColumn(types[1], {Value::int64(-128, TypeId::kInt8), Value::int64(7, TypeId::kInt8)}),
        makeColumn(types[2], {Value::int64(-32, TypeId::kInt32), Value::null(TypeId::kInt32)}),
        makeColumn(types[3], {Value::int64(std::numeric_limits<int64_t>::min()), Value::int64(64)}),
        makeColumn(types[4], {Value::uint64(std::numeric_limits<uint64_t>::max()), Value::uint64(3)}),
        makeColumn(types[5], {Value::float64(0.1f, TypeId::kFloat32),
                              Value::float64(-std::numeric_limits<double>::infinity(), TypeId::kFloat32)}),
        makeColumn(types[6], {Value::float64(1e21), Value::float64(std::nan(""))}),
        makeColumn(types[7], {Value::date(kDays), Value::date(0)}),
        makeColumn(types[8], {Value::timestampMs(1442018818000, TypeId::kDateTime),
                              Value::timestampMs(0, TypeId::kDateTime)}),
        makeColumn(types[9], {Value::timestampMs(kTimeMs), Value::timestampMs(-1)}),
        makeColumn(types[10], {Value::string("tab\there\nq'\"\\/"), Value::string("")}),
        makeColumn(types[11], {Value::string("x,y"), Value::null(TypeId::kString)}),
    };
    batches.push_back(std::move(batch));
  }

  ResultTable table() const { return ResultTable{names, types, batches}; }
};

std::string write(FormatId format, const ResultTable& table, WriteOptions options = {}) {
  std::string out;
  writeResult(format, table, options, out);
  return out;
}

TEST(ResultWriterTest, TabSeparatedAllTypes) {
  AllTypes data;
  EXPECT_EQ(write(FormatId::kTabSeparated, data.table()),
            "true\t-128\t-32\t-9223372036854775808\t18446744073709551615\t0.1\t1e21\t2015-09-12\t"
            "2015-09-12 00:46:58\t2015-09-12 00:46:58.771\ttab\\there\\nq\\'\"\\\\/\tx,y\n"
            "false\t7\t\\N\t64\t3\t-inf\tnan\t1970-01-01\t1970-01-01 00:00:00\t1969-12-31 23:59:59.999\t\t\\N\n");
}

TEST(ResultWriterTest, TabSeparatedWithNamesAndTypes) {
  AllTypes data;
  std::string out = write(FormatId::kTabSeparatedWithNamesAndTypes, data.table());
  std::string header =
      "b\ti8\ti32\ti64\tu64\tf32\tf64\td\tdt\tdt64\ts\tns\n"
      "Bool\tInt8\tNullable(Int32)\tInt64\tUInt64\tFloat32\tFloat64\tDate\tDateTime\tDateTime64(3)\tString\t"
      "Nullable(String)\n";
  EXPECT_EQ(out.substr(0, header.size()), header);
  EXPECT_EQ(out.substr(header.size()), write(FormatId::kTabSeparated, data.table()));
  std::string withNames = write(FormatId::kTabSeparatedWithNames, data.table());
  EXPECT_EQ(withNames.substr(0, withNames.find('\n') + 1), header.substr(0, header.find('\n') + 1));
}

TEST(ResultWriterTest, CsvAllTypes) {
  AllTypes data;
  EXPECT_EQ(write(FormatId::kCsvWithNames, data.table()),
            "\"b\",\"i8\",\"i32\",\"i64\",\"u64\",\"f32\",\"f64\",\"d\",\"dt\",\"dt64\",\"s\",\"ns\"\n"
            "true,-128,-32,-9223372036854775808,18446744073709551615,0.1,1e21,\"2015-09-12\","
            "\"2015-09-12 00:46:58\",\"2015-09-12 00:46:58.771\",\"tab\there\nq'\"\"\\/\",\"x,y\"\n"
            "false,7,\\N,64,3,-inf,nan,\"1970-01-01\",\"1970-01-01 00:00:00\",\"1969-12-31 23:59:59.999\",\"\",\\N\n");
}

TEST(ResultWriterTest, JsonEachRowAllTypes) {
  AllTypes data;
  EXPECT_EQ(write(FormatId::kJsonEachRow, data.table()),
            "{\"b\":true,\"i8\":-128,\"i32\":-32,\"i64\":\"-9223372036854775808\",\"u64\":\"18446744073709551615\","
            "\"f32\":0.1,\"f64\":1e21,\"d\":\"2015-09-12\",\"dt\":\"2015-09-12 00:46:58\","
            "\"dt64\":\"2015-09-12 00:46:58.771\",\"s\":\"tab\\there\\nq'\\\"\\\\\\/\",\"ns\":\"x,y\"}\n"
            "{\"b\":false,\"i8\":7,\"i32\":null,\"i64\":\"64\",\"u64\":\"3\",\"f32\":null,\"f64\":null,"
            "\"d\":\"1970-01-01\",\"dt\":\"1970-01-01 00:00:00\",\"dt64\":\"1969-12-31 23:59:59.999\",\"s\":\"\","
            "\"ns\":null}\n");
}

TEST(ResultWriterTest, JsonEachRowUnquoted64BitIntegers) {
  AllTypes data;
  WriteOptions options;
  options.quote64BitIntegers = false;
  std::string out = write(FormatId::kJsonEachRow, data.table(), options);
  EXPECT_NE(out.find("\"i64\":-9223372036854775808,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"u64\":3,"), std::string::npos) << out;
}

TEST(ResultWriterTest, JsonCompactEachRowAllTypes) {
  AllTypes data;
  EXPECT_EQ(write(FormatId::kJsonCompactEachRow, data.table()),
            "[true, -128, -32, \"-9223372036854775808\", \"18446744073709551615\", 0.1, 1e21, \"2015-09-12\", "
            "\"2015-09-12 00:46:58\", \"2015-09-12 00:46:58.771\", \"tab\\there\\nq'\\\"\\\\\\/\", \"x,y\"]\n"
            "[false, 7, null, \"64\", \"3\", null, null, \"1970-01-01\", \"1970-01-01 00:00:00\", "
            "\"1969-12-31 23:59:59.999\", \"\", null]\n");
}

TEST(ResultWriterTest, JsonDocumentLayout) {
  std::vector<std::string> names = {"x", "s"};
  std::vector<DataType> types = {DataType(TypeId::kUInt64), DataType(TypeId::kString, true)};
  std::vector<Batch> batches(1);
  batches[0].numRows = 2;
  batches[0].columns = {makeColumn(types[0], {Value::uint64(1), Value::uint64(2)}),
                        makeColumn(types[1], {Value::string("a"), Value::null(TypeId::kString)})};
  WriteOptions options;
  options.elapsedSeconds = 0.5;
  options.rowsRead = 10;
  options.bytesRead = 80;
  EXPECT_EQ(write(FormatId::kJson, ResultTable{names, types, batches}, options),
            "{\n"
            "\t\"meta\":\n"
            "\t[\n"
            "\t\t{\n"
            "\t\t\t\"name\": \"x\",\n"
            "\t\t\t\"type\": \"UInt64\"\n"
            "\t\t},\n"
            "\t\t{\n"
            "\t\t\t\"name\": \"s\",\n"
            "\t\t\t\"type\": \"Nullable(String)\"\n"
            "\t\t}\n"
            "\t],\n"
            "\n"
            "\t\"data\":\n"
            "\t[\n"
            "\t\t{\n"
            "\t\t\t\"x\": \"1\",\n"
            "\t\t\t\"s\": \"a\"\n"
            "\t\t},\n"
            "\t\t{\n"
            "\t\t\t\"x\": \"2\",\n"
            "\t\t\t\"s\": null\n"
            "\t\t}\n"
            "\t],\n"
            "\n"
            "\t\"rows\": 2,\n"
            "\n"
            "\t\"statistics\":\n"
            "\t{\n"
            "\t\t\"elapsed\": 0.5,\n"
            "\t\t\"rows_read\": 10,\n"
            "\t\t\"bytes_read\": 80\n"
            "\t}\n"
            "}\n");
  std::string compact = write(FormatId::kJsonCompact, ResultTable{names, types, batches}, options);
  EXPECT_NE(compact.find("\t\"data\":\n\t[\n\t\t[\"1\", \"a\"],\n\t\t[\"2\", null]\n\t],"), std::string::npos)
      << compact;
}

TEST(ResultWriterTest, JsonWithoutRows) {
  std::vector<std::string> names = {"x"};
  std::vector<DataType> types = {DataType(TypeId::kInt32)};
  std::vector<Batch> batches;
  std::string out = write(FormatId::kJson, ResultTable{names, types, batches});
  EXPECT_NE(out.find("\t\"data\":\n\t[\n\n\t],\n\n\t\"rows\": 0,"), std::string::npos) << out;
}

TEST(ResultWriterTest, ConstantAndDictionaryColumns) {
  auto dictionary = std::make_shared<StringDictionary>();
  dictionary->add("red");
  dictionary->add("blue");
  ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString, true), dictionary, 3);
  codes->codes()[0] = 1;
  codes->codes()[1] = 0;
  codes->codes()[2] = 1;
  codes->setNull(2);
  ColumnPtr constant = Column::makeConstant(DataType(TypeId::kInt32), Value::int64(5, TypeId::kInt32), 3);
  ColumnPtr constantNull =
      Column::makeConstant(DataType(TypeId::kFloat64, true), Value::null(TypeId::kFloat64), 3);

  std::vector<std::string> names = {"color", "five", "nothing"};
  std::vector<DataType> types = {codes->type(), constant->type(), constantNull->type()};
  std::vector<Batch> batches(1);
  batches[0].numRows = 3;
  batches[0].columns = {codes, constant, constantNull};
  EXPECT_EQ(write(FormatId::kTabSeparated, ResultTable{names, types, batches}),
            "blue\t5\t\\N\nred\t5\t\\N\n\\N\t5\t\\N\n");
}

TEST(ResultWriterTest, SelectionVectorPicksLiveRows) {
  std::vector<std::string> names = {"n"};
  std::vector<DataType> types = {DataType(TypeId::kInt64)};
  std::vector<Batch> batches(1);
  batches[0].numRows = 4;
  batches[0].columns = {makeColumn(types[0], {Value::int64(10), Value::int64(11), Value::int64(12), Value::int64(13)})};
  batches[0].sel = std::make_shared<SelectionVector>(SelectionVector{1, 3});
  EXPECT_EQ(write(FormatId::kCsv, ResultTable{names, types, batches}), "11\n13\n");
}

TEST(ResultWriterTest, NullFormatWritesNothing) {
  AllTypes data;
  EXPECT_EQ(write(FormatId::kNull, data.table()), "");
}

TEST(ResultWriterTest, PrettyCompactAlignsColumns) {
  std::vector<std::string> names = {"n", "name"};
  std::vector<DataType> types = {DataType(TypeId::kInt64), DataType(TypeId::kString, true)};
  std::vector<Batch> batches(1);
  batches[0].numRows = 2;
  batches[0].columns = {makeColumn(types[0], {Value::int64(1), Value::int64(1000)}),
                        makeColumn(types[1], {Value::string("ab"), Value::null(TypeId::kString)})};
  EXPECT_EQ(write(FormatId::kPrettyCompact, ResultTable{names, types, batches}),
            "┌────n─┬─name─┐\n"
            "│    1 │ ab   │\n"
            "│ 1000 │ ᴺᵁᴸᴸ │\n"
            "└──────┴──────┘\n");
}

TEST(ValueTextTest, DoubleShortestLayout) {
  struct Case {
    double value;
    std::string_view text;
  };
  const Case cases[] = {
      {0.1, "0.1"},          {1.0, "1"},          {-2.5, "-2.5"},        {1e20, "100000000000000000000"},
      {1e21, "1e21"},        {1.5e22, "1.5e22"},  {0.000001, "0.000001"}, {1e-7, "1e-7"},
      {1.25e-10, "1.25e-10"}, {123456.789, "123456.789"}, {0.0, "0"},  {-0.0, "-0"},
      {std::numeric_limits<double>::infinity(), "inf"}, {std::nan(""), "nan"},
      {5e-324, "5e-324"},   {1.7976931348623157e308, "1.7976931348623157e308"},
  };
  for (const Case& c : cases) {
    std::string out;
    appendDouble(out, c.value);
    EXPECT_EQ(out, c.text) << "value " << c.value;
  }
}

TEST(ValueTextTest, FloatUsesFloatPrecision) {
  std::string out;
  appendFloat(out, 0.1f);
  EXPECT_EQ(out, "0.1");
  out.clear();
  appendFloat(out, 3.4028235e38f);
  EXPECT_EQ(out, "3.4028235e38");
}

TEST(ValueTextTest, JsonStringEscapesControlCharacters) {
  std::string out;
  appendJsonString(out, std::string_view("a\x01\x1f\"\\/\b\f\n\r\t\xc3\xa9", 13));
  EXPECT_EQ(out, "\"a\\u0001\\u001f\\\"\\\\\\/\\b\\f\\n\\r\\t\xc3\xa9\"");
}

TEST(ValueTextTest, TsvEscapesNulAndQuote) {
  std::string out;
  appendTsvEscaped(out, std::string_view("a\0b'c\\\r", 7));
  EXPECT_EQ(out, "a\\0b\\'c\\\\\\r");
}

TEST(DruidWriterTest, ObjectAndArrayFormats) {
  std::vector<std::string> names = {"__time", "page", "added"};
  std::vector<DataType> types = {DataType(TypeId::kDateTime64), DataType(TypeId::kString, true),
                                 DataType(TypeId::kInt64)};
  std::vector<Batch> batches(1);
  batches[0].numRows = 2;
  batches[0].columns = {makeColumn(types[0], {Value::timestampMs(kTimeMs), Value::timestampMs(0)}),
                        makeColumn(types[1], {Value::string("Main, Page"), Value::null(TypeId::kString)}),
                        makeColumn(types[2], {Value::int64(9007199254740993), Value::int64(-1)})};
  ResultTable table{names, types, batches};

  auto write = [&](DruidResultFormat format, bool header) {
    std::string out;
    writeDruidResult(format, header, table, out);
    return out;
  };
  EXPECT_EQ(write(DruidResultFormat::kObject, false),
            "[{\"__time\":\"2015-09-12T00:46:58.771Z\",\"page\":\"Main, Page\",\"added\":9007199254740993},"
            "{\"__time\":\"1970-01-01T00:00:00.000Z\",\"page\":null,\"added\":-1}]");
  EXPECT_EQ(write(DruidResultFormat::kArray, true),
            "[[\"__time\",\"page\",\"added\"],[\"2015-09-12T00:46:58.771Z\",\"Main, Page\",9007199254740993],"
            "[\"1970-01-01T00:00:00.000Z\",null,-1]]");
  EXPECT_EQ(write(DruidResultFormat::kObjectLines, false),
            "{\"__time\":\"2015-09-12T00:46:58.771Z\",\"page\":\"Main, Page\",\"added\":9007199254740993}\n"
            "{\"__time\":\"1970-01-01T00:00:00.000Z\",\"page\":null,\"added\":-1}\n\n");
  EXPECT_EQ(write(DruidResultFormat::kArrayLines, true),
            "[\"__time\",\"page\",\"added\"]\n[\"2015-09-12T00:46:58.771Z\",\"Main, Page\",9007199254740993]\n"
            "[\"1970-01-01T00:00:00.000Z\",null,-1]\n\n");
  EXPECT_EQ(write(DruidResultFormat::kCsv, true),
            "__time,page,added\n2015-09-12T00:46:58.771Z,\"Main, Page\",9007199254740993\n"
            "1970-01-01T00:00:00.000Z,,-1\n\n");
  EXPECT_EQ(write(DruidResultFormat::kObject, true).substr(0, 42),
            "[{\"__time\":null,\"page\":null,\"added\":null},");
}

TEST(FormatIdTest, NamesAreCaseSensitive) {
  EXPECT_EQ(findFormat("JSONEachRow"), FormatId::kJsonEachRow);
  EXPECT_EQ(findFormat("TSV"), FormatId::kTabSeparated);
  EXPECT_EQ(findFormat("TSVWithNames"), FormatId::kTabSeparatedWithNames);
  EXPECT_FALSE(findFormat("jsoneachrow").has_value());
  auto unknown = requireFormat("Parquet");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(errorFromStatus(unknown.status()).code(), ErrorCode::kUnknownFormat);
  EXPECT_NE(unknown.status().message().find("JSONEachRow"), std::string_view::npos) << unknown.status();
}

TEST(ResultWriterTest, SketchesPrintAsBase64) {
  HllSketch sketch;
  for (int64_t i = 0; i < 3; ++i) sketch.updateInt64(i);
  std::string bytes = sketch.serialize();
  std::string text = absl::Base64Escape(bytes);
  std::vector<std::string> names = {"users"};
  std::vector<DataType> types = {DataType(TypeId::kHllSketch, true)};
  std::vector<Batch> batches(1);
  batches[0].numRows = 2;
  batches[0].columns = {makeColumn(types[0], {Value::hllSketch(bytes), Value::null(TypeId::kHllSketch)})};
  ResultTable table{names, types, batches};

  EXPECT_EQ(write(FormatId::kTabSeparated, table), text + "\n\\N\n");
  EXPECT_EQ(write(FormatId::kCsv, table), text + "\n\\N\n");
  EXPECT_EQ(write(FormatId::kJsonEachRow, table), "{\"users\":\"" + text + "\"}\n{\"users\":null}\n");
  EXPECT_EQ(write(FormatId::kTabSeparatedWithNamesAndTypes, table),
            "users\nNullable(HLLSketch)\n" + text + "\n\\N\n");

  std::string druid;
  writeDruidResult(DruidResultFormat::kArray, false, table, druid);
  EXPECT_EQ(druid, "[[\"" + text + "\"],[null]]");
  druid.clear();
  writeDruidResult(DruidResultFormat::kCsv, false, table, druid);
  EXPECT_EQ(druid, text + "\n\n\n");
}

}  // namespace
}  // namespace furl::format
