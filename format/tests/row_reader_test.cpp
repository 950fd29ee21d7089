#include "format/row_reader.h"

#include "absl/strings/escaping.h"
#include "common/error.h"
#include "common/hll_sketch.h"
#include "gtest/gtest.h"

namespace furl::format {
namespace {

std::vector<ColumnSpec> wikiColumns() {
  return {
      {"time", DataType(TypeId::kDateTime)},     {"ts64", DataType(TypeId::kDateTime64, true)},
      {"day", DataType(TypeId::kDate, true)},    {"page", DataType(TypeId::kString)},
      {"added", DataType(TypeId::kInt64)},       {"small", DataType(TypeId::kUInt8, true)},
      {"ratio", DataType(TypeId::kFloat64, true)}, {"robot", DataType(TypeId::kBool)},
      {"comment", DataType(TypeId::kString, true)},
  };
}

/// Text of every row, TSV-like, with NULL as "NULL", for compact asserts.
std::string dump(const std::vector<Batch>& batches) {
  std::string out;
  for (const Batch& batch : batches) {
    for (size_t row = 0; row < batch.numRows; ++row) {
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        if (c > 0) out += '|';
        out += batch.columns[c]->getValue(row).toString();
      }
      out += '\n';
    }
  }
  return out;
}

std::string errorOf(const absl::StatusOr<std::vector<Batch>>& result) {
  return result.ok() ? std::string("<ok>") : std::string(result.status().message());
}

ErrorCode codeOf(const absl::StatusOr<std::vector<Batch>>& result) {
  return result.ok() ? ErrorCode::kOk : errorFromStatus(result.status()).code();
}

TEST(JsonEachRowReaderTest, ReadsTypesDefaultsAndNulls) {
  std::string input =
      "{\"time\":\"2015-09-12 00:46:58.771\",\"ts64\":\"2015-09-12T00:46:58.771Z\",\"day\":\"2015-09-12\","
      "\"page\":\"Main\\nPage\",\"added\":-5,\"small\":255,\"ratio\":0.5,\"robot\":true,\"comment\":null}\n"
      "{\"time\":1442018818,\"ts64\":1442018818.5,\"day\":16690,\"page\":123,\"added\":\"42\",\"robot\":false}\n"
      "  {\"time\":\"2015-09-12\", \"added\":1e3, \"page\":{\"a\":[1,2]}, \"robot\":1}";
  auto result = readRows("JSONEachRow", input, wikiColumns(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].numRows, 3u);
  EXPECT_EQ(dump(*result),
            "2015-09-12 00:46:58|2015-09-12 00:46:58.771|2015-09-12|Main\nPage|-5|255|0.5|true|NULL\n"
            "2015-09-12 00:46:58|2015-09-12 00:46:58.500|2015-09-12|123|42|NULL|NULL|false|NULL\n"
            "2015-09-12 00:00:00|NULL|NULL|{\"a\":[1,2]}|1000|NULL|NULL|true|NULL\n");
}

TEST(JsonEachRowReaderTest, AcceptsArrayOfObjects) {
  auto result = readRows("JSONEachRow", "[{\"added\":1}, {\"added\":2}]", {{"added", DataType(TypeId::kInt64)}}, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(dump(*result), "1\n2\n");
}

TEST(JsonEachRowReaderTest, RejectsBadValueWithLocation) {
  std::string input = "{\"added\":1}\n{\"added\":2}\n{\"added\":\"abc\"}\n";
  auto result = readRows("JSONEachRow", input, wikiColumns(), {});
  EXPECT_EQ(errorOf(result), "cannot parse 'abc' as Int64 for column 'added' at row 3 (line 3) of JSONEachRow input");
  EXPECT_EQ(codeOf(result), ErrorCode::kCannotParseText);
}

TEST(JsonEachRowReaderTest, RejectsOutOfRangeInteger) {
  auto result = readRows("JSONEachRow", "{\"small\":256}", wikiColumns(), {});
  EXPECT_NE(errorOf(result).find("value '256' is out of range for Nullable(UInt8) column 'small' at row 1"),
            std::string::npos)
      << errorOf(result);
  auto negative = readRows("JSONEachRow", "{\"small\":-1}", wikiColumns(), {});
  EXPECT_FALSE(negative.ok());
  auto fraction = readRows("JSONEachRow", "{\"added\":1.5}", wikiColumns(), {});
  EXPECT_NE(errorOf(fraction).find("cannot parse '1.5' as Int64"), std::string::npos) << errorOf(fraction);
}

TEST(JsonEachRowReaderTest, RejectsUnknownFieldUnlessSkipped) {
  std::string input = "{\"added\":1,\"bogus\":2}";
  auto result = readRows("JSONEachRow", input, wikiColumns(), {});
  EXPECT_NE(errorOf(result).find("unknown field 'bogus'"), std::string::npos) << errorOf(result);
  EXPECT_NE(errorOf(result).find("input_format_skip_unknown_fields=1"), std::string::npos) << errorOf(result);
  EXPECT_EQ(errorOf(result).find("did you mean"), std::string::npos) << errorOf(result);

  // A misspelled column is suggested.
  auto misspelled = readRows("JSONEachRow", "{\"addd\":1}", wikiColumns(), {});
  EXPECT_NE(errorOf(misspelled).find("unknown field 'addd' (did you mean 'added'?)"), std::string::npos)
      << errorOf(misspelled);

  ReadOptions skip;
  skip.skipUnknownFields = true;
  auto skipped = readRows("JSONEachRow", input, wikiColumns(), skip);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ((*skipped)[0].numRows, 1u);
}

TEST(JsonEachRowReaderTest, RejectsNullForNonNullable) {
  auto result = readRows("JSONEachRow", "{\"added\":1}\n{\"added\":null}", wikiColumns(), {});
  EXPECT_EQ(errorOf(result),
            "NULL for non-nullable column 'added' of type Int64 at row 2 (line 2) of JSONEachRow input; "
            "send a value or declare the column Nullable");
}

TEST(JsonEachRowReaderTest, RejectsTruncatedAndMalformedJson) {
  auto truncated = readRows("JSONEachRow", "{\"added\":1}\n{\"added\":2, \"page\":\"ab", wikiColumns(), {});
  EXPECT_NE(errorOf(truncated).find("unexpected end of input inside a JSON object"), std::string::npos)
      << errorOf(truncated);
  EXPECT_NE(errorOf(truncated).find("row 2 (line 2)"), std::string::npos) << errorOf(truncated);

  auto malformed = readRows("JSONEachRow", "{\"added\" 1}", wikiColumns(), {});
  EXPECT_NE(errorOf(malformed).find("invalid JSON object"), std::string::npos) << errorOf(malformed);

  auto notObject = readRows("JSONEachRow", "{\"added\":1} 42", wikiColumns(), {});
  EXPECT_NE(errorOf(notObject).find("expected '{'"), std::string::npos) << errorOf(notObject);

  auto unclosedArray = readRows("JSONEachRow", "[{\"added\":1}", wikiColumns(), {});
  EXPECT_NE(errorOf(unclosedArray).find("missing ']'"), std::string::npos) << errorOf(unclosedArray);

  auto duplicate = readRows("JSONEachRow", "{\"added\":1,\"added\":2}", wikiColumns(), {});
  EXPECT_NE(errorOf(duplicate).find("duplicate field 'added'"), std::string::npos) << errorOf(duplicate);
}

TEST(JsonEachRowReaderTest, RejectsWrongTypes) {
  auto boolInDate = readRows("JSONEachRow", "{\"day\":true}", wikiColumns(), {});
  EXPECT_EQ(codeOf(boolInDate), ErrorCode::kCannotParseDateTime);
  auto arrayInInt = readRows("JSONEachRow", "{\"added\":[1]}", wikiColumns(), {});
  EXPECT_NE(errorOf(arrayInInt).find("cannot parse '[1]' as Int64"), std::string::npos) << errorOf(arrayInInt);
  auto badDate = readRows("JSONEachRow", "{\"time\":\"2015-13-45\"}", wikiColumns(), {});
  EXPECT_NE(errorOf(badDate).find("cannot parse '2015-13-45' as DateTime for column 'time'"), std::string::npos)
      << errorOf(badDate);
  EXPECT_NE(errorOf(badDate).find("ISO 8601 such as 2015-09-12T00:46:58.771Z, or Unix seconds"), std::string::npos)
      << errorOf(badDate);
}

TEST(JsonEachRowReaderTest, SplitsIntoBatches) {
  std::string input;
  for (int i = 0; i < 10; ++i) input += "{\"n\":" + std::to_string(i) + "}\n";
  ReadOptions options;
  options.maxBatchRows = 4;
  auto result = readRows("JSONEachRow", input, {{"n", DataType(TypeId::kInt32)}}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].numRows, 4u);
  EXPECT_EQ((*result)[2].numRows, 2u);
  EXPECT_EQ(dump(*result), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
}

TEST(JsonEachRowReaderTest, EmptyInputHasNoBatches) {
  auto result = readRows("JSONEachRow", "  \n", wikiColumns(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->empty());
}

TEST(TabSeparatedReaderTest, DecodesEscapesAndNulls) {
  std::vector<ColumnSpec> columns = {{"s", DataType(TypeId::kString, true)},
                                     {"n", DataType(TypeId::kInt32, true)},
                                     {"f", DataType(TypeId::kFloat32)}};
  std::string input = "a\\tb\\nc\\\\d\\'\\x41\t1\t-inf\n\\N\t\\N\t1.5\r\n\t-7\tnan\n";
  auto result = readRows("TSV", input, columns, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(dump(*result), "a\tb\nc\\d'A|1|-inf\nNULL|NULL|1.5\n|-7|nan\n");
}

TEST(TabSeparatedReaderTest, RejectsBadEscapesAndFieldCounts) {
  std::vector<ColumnSpec> columns = {{"s", DataType(TypeId::kString)}, {"n", DataType(TypeId::kInt32)}};
  auto badEscape = readRows("TabSeparated", "ok\t1\nbad\\q\t2\n", columns, {});
  EXPECT_NE(errorOf(badEscape).find("invalid escape sequence '\\q'"), std::string::npos) << errorOf(badEscape);
  EXPECT_NE(errorOf(badEscape).find("at row 2 (line 2) of TabSeparated input"), std::string::npos)
      << errorOf(badEscape);

  auto loneBackslash = readRows("TabSeparated", "x\\\t1\n", columns, {});
  EXPECT_NE(errorOf(loneBackslash).find("lone backslash"), std::string::npos) << errorOf(loneBackslash);

  auto tooFew = readRows("TabSeparated", "only\n", columns, {});
  EXPECT_NE(errorOf(tooFew).find("expected 2 fields but found 1"), std::string::npos) << errorOf(tooFew);

  auto badNumber = readRows("TabSeparated", "x\t12a\n", columns, {});
  EXPECT_EQ(errorOf(badNumber), "cannot parse '12a' as Int32 for column 'n' at row 1 (line 1) of TabSeparated input");

  auto nullInNotNull = readRows("TabSeparated", "x\t\\N\n", columns, {});
  EXPECT_NE(errorOf(nullInNotNull).find("NULL for non-nullable column 'n'"), std::string::npos)
      << errorOf(nullInNotNull);
}

TEST(TabSeparatedReaderTest, WithNamesMapsColumnsByHeader) {
  std::vector<ColumnSpec> columns = {{"a", DataType(TypeId::kInt32)},
                                     {"b", DataType(TypeId::kString, true)},
                                     {"c", DataType(TypeId::kUInt16)}};
  auto result = readRows("TSVWithNames", "c\ta\n3\t1\n4\t2\n", columns, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(dump(*result), "1|NULL|3\n2|NULL|4\n");

  auto unknown = readRows("TabSeparatedWithNames", "a\tzzz\n1\t2\n", columns, {});
  EXPECT_NE(errorOf(unknown).find("unknown column 'zzz' in the header"), std::string::npos) << errorOf(unknown);

  ReadOptions skip;
  skip.skipUnknownFields = true;
  auto skipped = readRows("TabSeparatedWithNames", "a\tzzz\n1\t2\n", columns, skip);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(dump(*skipped), "1|NULL|0\n");
}

TEST(CsvReaderTest, QuotingNullsAndDefaults) {
  std::vector<ColumnSpec> columns = {{"s", DataType(TypeId::kString, true)},
                                     {"n", DataType(TypeId::kInt64)},
                                     {"d", DataType(TypeId::kDateTime64, true)}};
  std::string input =
      "\"a,\"\"b\"\"\nc\",1,\"2015-09-12 00:46:58.771\"\r\n"
      "\\N,,NULL\n"
      ",\"-3\",\n"
      "\"\",4,1442018818\n";
  auto result = readRows("CSV", input, columns, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(dump(*result),
            "a,\"b\"\nc|1|2015-09-12 00:46:58.771\n"
            "NULL|0|NULL\n"
            "NULL|-3|NULL\n"
            "|4|2015-09-12 00:46:58.000\n");
}

TEST(CsvReaderTest, RejectsBrokenQuotes) {
  std::vector<ColumnSpec> columns = {{"s", DataType(TypeId::kString)}, {"n", DataType(TypeId::kInt64)}};
  auto unterminated = readRows("CSV", "\"abc,1\n", columns, {});
  EXPECT_NE(errorOf(unterminated).find("unterminated quoted field"), std::string::npos) << errorOf(unterminated);

  auto afterQuote = readRows("CSV", "\"abc\"x,1\n", columns, {});
  EXPECT_NE(errorOf(afterQuote).find("after a quoted field"), std::string::npos) << errorOf(afterQuote);

  auto strayQuote = readRows("CSV", "ab\"c,1\n", columns, {});
  EXPECT_NE(errorOf(strayQuote).find("unexpected '\"' inside the unquoted field"), std::string::npos)
      << errorOf(strayQuote);

  auto lineAfterMultiline = readRows("CSV", "\"a\nb\",1\nc,x\n", columns, {});
  EXPECT_NE(errorOf(lineAfterMultiline).find("at row 2 (line 3) of CSV input"), std::string::npos)
      << errorOf(lineAfterMultiline);
}

TEST(CsvReaderTest, WithNamesHeader) {
  std::vector<ColumnSpec> columns = {{"flag", DataType(TypeId::kBool)}, {"day", DataType(TypeId::kDate)}};
  auto result = readRows("CSVWithNames", "\"day\",\"flag\"\n2015-09-12,true\n\"1970-01-02\",0\n", columns, {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(dump(*result), "true|2015-09-12\nfalse|1970-01-02\n");

  auto badBool = readRows("CSVWithNames", "flag,day\nmaybe,2015-09-12\n", columns, {});
  EXPECT_NE(errorOf(badBool).find("cannot parse 'maybe' as Bool for column 'flag' at row 1 (line 2)"),
            std::string::npos)
      << errorOf(badBool);
}

TEST(RowReaderTest, RejectsOutputOnlyAndUnknownFormats) {
  std::vector<ColumnSpec> columns = {{"n", DataType(TypeId::kInt64)}};
  auto outputOnly = readRows("JSONCompact", "", columns, {});
  EXPECT_EQ(codeOf(outputOnly), ErrorCode::kUnknownFormat);
  auto unknown = readRows("jsoneachrow", "", columns, {});
  EXPECT_EQ(codeOf(unknown), ErrorCode::kUnknownFormat);
}

TEST(RowReaderTest, ReadsBase64Sketches) {
  HllSketch sketch;
  for (int64_t i = 0; i < 600; ++i) sketch.updateInt64(i);
  std::string bytes = sketch.serialize();
  std::string text = absl::Base64Escape(bytes);
  std::vector<ColumnSpec> columns = {{"id", DataType(TypeId::kInt64)}, {"users", DataType(TypeId::kHllSketch, true)}};

  for (std::string format : {"TabSeparated", "CSV"}) {
    std::string separator = format == "CSV" ? "," : "\t";
    auto result = readRows(format, "1" + separator + text + "\n2" + separator + "\\N\n", columns, {});
    ASSERT_TRUE(result.ok()) << format << ": " << result.status();
    ASSERT_EQ((*result)[0].numRows, 2u) << format;
    EXPECT_EQ((*result)[0].columns[1]->stringAt(0), bytes) << format;
    EXPECT_TRUE((*result)[0].columns[1]->isNull(1)) << format;
  }
  auto json = readRows("JSONEachRow", "{\"id\":1,\"users\":\"" + text + "\"}", columns, {});
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)[0].columns[1]->stringAt(0), bytes);
}

TEST(RowReaderTest, RejectsInvalidSketchText) {
  std::vector<ColumnSpec> columns = {{"users", DataType(TypeId::kHllSketch)}};
  HllSketch sketch;
  sketch.updateInt64(1);
  std::string damaged = sketch.serialize();
  damaged[13] ^= 1;
  for (std::string input : {std::string("not base64!"), absl::Base64Escape("FHLL but not a sketch"),
                            absl::Base64Escape(damaged)}) {
    auto result = readRows("TabSeparated", input + "\n", columns, {});
    ASSERT_FALSE(result.ok()) << input;
    EXPECT_EQ(codeOf(result), ErrorCode::kCannotParseText) << input;
    EXPECT_NE(errorOf(result).find("base64 text of a sketch"), std::string::npos) << errorOf(result);
  }
  auto number = readRows("JSONEachRow", "{\"users\":5}", columns, {});
  EXPECT_FALSE(number.ok());
}

}  // namespace
}  // namespace furl::format
