#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace furl::sql {
namespace {

struct TypeCase {
  std::string_view text;
  DataType expected;
  std::string_view canonical;
};

TEST(TypeNameTest, ClickHouseNames) {
  const std::vector<TypeCase> cases = {
      {"String", DataType(TypeId::kString), "String"},
      {"FixedString(16)", DataType(TypeId::kString), "String"},
      {"Int8", DataType(TypeId::kInt8), "Int8"},
      {"Int16", DataType(TypeId::kInt16), "Int16"},
      {"Int32", DataType(TypeId::kInt32), "Int32"},
      {"Int64", DataType(TypeId::kInt64), "Int64"},
      {"UInt8", DataType(TypeId::kUInt8), "UInt8"},
      {"UInt16", DataType(TypeId::kUInt16), "UInt16"},
      {"UInt32", DataType(TypeId::kUInt32), "UInt32"},
      {"UInt64", DataType(TypeId::kUInt64), "UInt64"},
      {"Float32", DataType(TypeId::kFloat32), "Float32"},
      {"Float64", DataType(TypeId::kFloat64), "Float64"},
      {"Bool", DataType(TypeId::kBool), "Bool"},
      {"Boolean", DataType(TypeId::kBool), "Bool"},
      {"Date", DataType(TypeId::kDate), "Date"},
      {"Date32", DataType(TypeId::kDate), "Date32"},
      {"DateTime", DataType(TypeId::kDateTime), "DateTime"},
      {"DateTime('UTC')", DataType(TypeId::kDateTime), "DateTime('UTC')"},
      {"DateTime64(3)", DataType(TypeId::kDateTime64), "DateTime64(3)"},
      {"DateTime64(3, 'Europe/Berlin')", DataType(TypeId::kDateTime64), "DateTime64(3, 'Europe/Berlin')"},
      {"Nullable(String)", DataType(TypeId::kString, true), "Nullable(String)"},
      {"HLLSketch", DataType(TypeId::kHllSketch), "HLLSketch"},
      {"Nullable(HLLSketch)", DataType(TypeId::kHllSketch, true), "Nullable(HLLSketch)"},
      {"Nullable(UInt32)", DataType(TypeId::kUInt32, true), "Nullable(UInt32)"},
      {"LowCardinality(String)", DataType(TypeId::kString), "LowCardinality(String)"},
      {"LowCardinality(Nullable(String))", DataType(TypeId::kString, true), "LowCardinality(Nullable(String))"},
      {"Decimal(18, 4)", DataType(TypeId::kFloat64), "Float64"},
      {"Decimal32(2)", DataType(TypeId::kFloat64), "Float64"},
  };
  for (const TypeCase& c : cases) {
    TypeName type;
    ASSERT_NO_THROW(type = parseTypeNameDetails(c.text)) << c.text;
    EXPECT_EQ(type.type, c.expected) << c.text;
    EXPECT_EQ(type.text, c.canonical) << c.text;
    EXPECT_EQ(parseTypeName(c.text), c.expected) << c.text;
  }
}

TEST(TypeNameTest, StandardSqlNames) {
  const std::vector<TypeCase> cases = {
      {"BIGINT", DataType(TypeId::kInt64), "Int64"},
      {"INT", DataType(TypeId::kInt32), "Int32"},
      {"INTEGER", DataType(TypeId::kInt32), "Int32"},
      {"SMALLINT", DataType(TypeId::kInt16), "Int16"},
      {"TINYINT", DataType(TypeId::kInt8), "Int8"},
      {"TEXT", DataType(TypeId::kString), "String"},
      {"VARCHAR", DataType(TypeId::kString), "String"},
      {"VARCHAR(255)", DataType(TypeId::kString), "String"},
      {"CHAR", DataType(TypeId::kString), "String"},
      {"CHAR(1)", DataType(TypeId::kString), "String"},
      {"CHARACTER VARYING(10)", DataType(TypeId::kString), "String"},
      {"TIMESTAMP", DataType(TypeId::kDateTime64), "DateTime64(3)"},
      {"DATE", DataType(TypeId::kDate), "Date"},
      {"BOOLEAN", DataType(TypeId::kBool), "Bool"},
      {"DOUBLE", DataType(TypeId::kFloat64), "Float64"},
      {"DOUBLE PRECISION", DataType(TypeId::kFloat64), "Float64"},
      {"double   precision", DataType(TypeId::kFloat64), "Float64"},
      {"REAL", DataType(TypeId::kFloat32), "Float32"},
      {"FLOAT", DataType(TypeId::kFloat32), "Float32"},
      {"FLOAT(53)", DataType(TypeId::kFloat64), "Float64"},
      {"NUMERIC(10, 2)", DataType(TypeId::kFloat64), "Float64"},
      {"INT UNSIGNED", DataType(TypeId::kUInt32), "UInt32"},
      {"BIGINT UNSIGNED", DataType(TypeId::kUInt64), "UInt64"},
      {"int(11) unsigned", DataType(TypeId::kUInt32), "UInt32"},
  };
  for (const TypeCase& c : cases) {
    TypeName type;
    ASSERT_NO_THROW(type = parseTypeNameDetails(c.text)) << c.text;
    EXPECT_EQ(type.type, c.expected) << c.text;
    EXPECT_EQ(type.text, c.canonical) << c.text;
  }
}

TEST(TypeNameTest, NamesIgnoreCase) {
  EXPECT_EQ(parseTypeName("string"), DataType(TypeId::kString));
  EXPECT_EQ(parseTypeName("bigint"), DataType(TypeId::kInt64));
  EXPECT_EQ(parseTypeName("nullable(int64)"), DataType(TypeId::kInt64, true));
  EXPECT_EQ(parseTypeName("DATETIME64(6)"), DataType(TypeId::kDateTime64));
}

TEST(TypeNameTest, DetailsKeptBesideDataType) {
  TypeName lowCardinality = parseTypeNameDetails("LowCardinality(Nullable(String))");
  EXPECT_TRUE(lowCardinality.lowCardinality);

  TypeName withZone = parseTypeNameDetails("DateTime64(6, 'UTC')");
  EXPECT_EQ(withZone.precision, 6u);
  EXPECT_EQ(withZone.timeZone, "UTC");
  EXPECT_FALSE(withZone.note.empty()) << "precision beyond milliseconds must come with a note";

  EXPECT_TRUE(parseTypeNameDetails("Int64").note.empty());
  EXPECT_FALSE(parseTypeNameDetails("Decimal(10, 2)").note.empty());
  EXPECT_FALSE(parseTypeNameDetails("FixedString(2)").note.empty());
}

TEST(TypeNameTest, ColumnErrorForLossyTypes) {
  // Types whose column would not keep the values inserted.
  for (std::string_view text : {"DateTime('Europe/Berlin')", "DateTime64(3, 'Asia/Tokyo')", "DateTime64(6)",
                                "DateTime64(9, 'UTC')", "Decimal(18, 2)", "Decimal32(2)", "NUMERIC",
                                "Nullable(Decimal(10, 2))", "LowCardinality(Nullable(DateTime('Europe/Paris')))"}) {
    EXPECT_FALSE(parseTypeNameDetails(text).columnError.empty()) << text;
  }
  // Types that keep them, including the spellings of UTC.
  for (std::string_view text : {"DateTime", "DateTime('UTC')", "DateTime('Etc/UTC')", "DateTime64(3, 'GMT')",
                                "DateTime64(0)", "FixedString(4)", "Float64", "Nullable(DateTime('utc'))"}) {
    std::string error = parseTypeNameDetails(text).columnError;
    EXPECT_TRUE(error.empty()) << text << ": " << error;
  }
  EXPECT_NE(parseTypeNameDetails("Decimal(18, 2)").columnError.find("10^2"), std::string::npos);
}

QueryError typeErrorOf(std::string_view text) {
  try {
    parseTypeName(text);
  } catch (const QueryError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for type: " << text;
  return QueryError(ErrorCode::kOk, "");
}

TEST(TypeNameTest, UnknownTypeListsCloseMatches) {
  QueryError error = typeErrorOf("Strng");
  EXPECT_EQ(error.code(), ErrorCode::kUnknownType);
  EXPECT_STREQ(error.what(), "unknown type 'Strng'; did you mean 'String'?");

  std::string several = typeErrorOf("Int46").what();
  EXPECT_NE(several.find("'Int16'"), std::string::npos) << several;
  EXPECT_NE(several.find("'Int64'"), std::string::npos) << several;

  std::string none = typeErrorOf("Geometry").what();
  EXPECT_NE(none.find("unknown type 'Geometry'"), std::string::npos) << none;
  EXPECT_NE(none.find("such as String"), std::string::npos) << none;
}

TEST(TypeNameTest, UnsupportedAndInvalidTypes) {
  EXPECT_EQ(typeErrorOf("Array(String)").code(), ErrorCode::kUnknownType);
  EXPECT_NE(std::string(typeErrorOf("UUID").what()).find("not supported"), std::string::npos);
  EXPECT_EQ(typeErrorOf("Nullable(Nullable(String))").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("Nullable(LowCardinality(String))").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("Nullable").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("FixedString").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("DateTime64(10)").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("DateTime(3)").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("Int64(3)").code(), ErrorCode::kUnknownType);
  EXPECT_EQ(typeErrorOf("String extra").code(), ErrorCode::kSyntaxError);
  EXPECT_EQ(typeErrorOf("").code(), ErrorCode::kSyntaxError);
}

}  // namespace
}  // namespace furl::sql
