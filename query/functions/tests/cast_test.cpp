#include <gtest/gtest.h>

#include "query/functions/cast.h"
#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

TEST(CastTest, ParsesTypeNames) {
  struct Case {
    std::string text;
    DataType expected;
  };
  const std::vector<Case> cases = {
      {"Int64", DataType(TypeId::kInt64)},
      {"int8", DataType(TypeId::kInt8)},
      {"BIGINT", DataType(TypeId::kInt64)},
      {"integer", DataType(TypeId::kInt32)},
      {"UInt16", DataType(TypeId::kUInt16)},
      {"Float32", DataType(TypeId::kFloat32)},
      {"DOUBLE PRECISION", DataType(TypeId::kFloat64)},
      {"String", DataType(TypeId::kString)},
      {"VARCHAR(20)", DataType(TypeId::kString)},
      {"Nullable(String)", DataType(TypeId::kString, true)},
      {"HLLSketch", DataType(TypeId::kHllSketch)},
      {"Nullable(hllsketch)", DataType(TypeId::kHllSketch, true)},
      {"LowCardinality(Nullable(String))", DataType(TypeId::kString, true)},
      {"Date", DataType(TypeId::kDate)},
      {"DateTime", DataType(TypeId::kDateTime)},
      {"DateTime('UTC')", DataType(TypeId::kDateTime)},
      {"DateTime64(3)", DataType(TypeId::kDateTime64)},
      {"DateTime64(3, 'UTC')", DataType(TypeId::kDateTime64)},
      {"TIMESTAMP", DataType(TypeId::kDateTime64)},
      {"Bool", DataType(TypeId::kBool)},
      {"boolean", DataType(TypeId::kBool)},
  };
  for (const Case& c : cases) {
    std::optional<DataType> parsed = parseTypeName(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
  for (const char* bad : {"", "Decimal(10, 2)", "Array(Int8)", "DateTime('Europe/Paris')", "DateTime64(12)",
                          "Nullable(Nullable(Int8))", "Int65"}) {
    EXPECT_FALSE(parseTypeName(bad).has_value()) << bad;
  }
}

TEST(CastTest, CastFunction) {
  EXPECT_EQ(eval("cast", {strings({"42", "-7"}), constString("Int32", 2)}), (Rows{"42", "-7"}));
  EXPECT_EQ(eval("CAST", {ints({i64(1442016000)}), constString("DateTime", 1)}), Rows{"2015-09-12 00:00:00"});
  EXPECT_EQ(eval("cast", {strings({"2015-09-12 01:02:03.456"}), constString("TIMESTAMP", 1)}),
            Rows{"2015-09-12 01:02:03.456"});
  FunctionCall nullable("cast", {ints({i64(1)}), constString("Nullable(Float64)", 1)});
  EXPECT_EQ(nullable.type(), DataType(TypeId::kFloat64, true));
  std::string message;
  EXPECT_EQ(errorOf([] { FunctionCall("cast", {ints({i64(1)}), constString("Decimal(3, 1)", 1)}); }, &message),
            ErrorCode::kUnknownType);
  EXPECT_NE(message.find("Decimal(3, 1)"), std::string::npos) << message;
  EXPECT_EQ(errorOf([] { eval("cast", {strings({"12x"}), constString("Int64", 1)}); }, &message),
            ErrorCode::kCannotParseText);
  EXPECT_NE(message.find("12x"), std::string::npos) << message;
}

TEST(CastTest, IntegerConversions) {
  EXPECT_EQ(eval("toInt8", {ints({i64(300), i64(-129)})}), (Rows{"44", "127"}));  // wraps, as ClickHouse
  EXPECT_EQ(eval("toUInt8", {ints({i64(-1)})}), Rows{"255"});
  EXPECT_EQ(eval("toInt64", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(-2.9)})}), Rows{"-2"});
  EXPECT_EQ(errorOf([] { eval("toInt32", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(1e20)})}); }),
            ErrorCode::kValueIsOutOfRange);
  EXPECT_EQ(errorOf([] { eval("toUInt8", {strings({"256"})}); }), ErrorCode::kCannotParseText);
  EXPECT_EQ(eval("toInt64OrNull", {strings({"5", "x", "+6"})}), (Rows{"5", "NULL", "6"}));
  EXPECT_EQ(eval("toInt64OrZero", {strings({"5", "x"})}), (Rows{"5", "0"}));
  EXPECT_EQ(eval("toFloat64", {strings({"1.5", "-inf", "1e3"})}), (Rows{"1.5", "-inf", "1000"}));
  EXPECT_EQ(eval("toBool", {strings({"true", "0"})}), (Rows{"true", "false"}));
}

TEST(CastTest, NullRowsDoNotFail) {
  ColumnPtr s = flatColumn(DataType(TypeId::kString, true), {Value::string("1"), Value::null()});
  EXPECT_EQ(eval("toInt32", {s}), (Rows{"1", "NULL"}));
  ColumnPtr dict = dictionaryColumn({"7", "bad"}, {0, -1, 0});
  EXPECT_EQ(eval("toInt32", {dict}), (Rows{"7", "NULL", "7"}));
  EXPECT_EQ(errorOf([] { eval("toInt32", {dictionaryColumn({"7", "bad"}, {0, 1})}); }), ErrorCode::kCannotParseText);
}

TEST(CastTest, ToStringFormats) {
  EXPECT_EQ(eval("toString", {ints({i64(-12)})}), Rows{"-12"});
  EXPECT_EQ(eval("toString", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(0.1)})}), Rows{"0.1"});
  EXPECT_EQ(eval("toString", {flatColumn(DataType(TypeId::kFloat32), {Value::float64(0.1f, TypeId::kFloat32)})}),
            Rows{"0.1"});
  EXPECT_EQ(eval("toString", {flatColumn(DataType(TypeId::kBool), {Value::boolean(true)})}), Rows{"true"});
  EXPECT_EQ(eval("toString", {flatColumn(DataType(TypeId::kDate), {Value::date(-1)})}), Rows{"1969-12-31"});
  EXPECT_EQ(eval("toString", {flatColumn(DataType(TypeId::kDateTime64), {Value::timestampMs(1)})}),
            Rows{"1970-01-01 00:00:00.001"});
}

TEST(CastTest, TemporalConversions) {
  EXPECT_EQ(eval("toDate", {strings({"2016-02-29", "2016-02-29 23:59:59"})}), (Rows{"2016-02-29", "2016-02-29"}));
  EXPECT_EQ(errorOf([] { eval("toDate", {strings({"2015-02-29"})}); }), ErrorCode::kCannotParseDateTime);
  EXPECT_EQ(eval("toDateTime", {strings({"1969-12-31 23:59:59.900"})}), Rows{"1969-12-31 23:59:59"});
  EXPECT_EQ(eval("toDateTime", {flatColumn(DataType(TypeId::kDate), {Value::date(1)})}), Rows{"1970-01-02 00:00:00"});
  EXPECT_EQ(eval("toDate", {flatColumn(DataType(TypeId::kDateTime), {Value::timestampMs(-1, TypeId::kDateTime)})}),
            Rows{"1969-12-31"});
  EXPECT_EQ(eval("toDateTime64", {strings({"2015-09-12 00:00:00.123"}), constInt(3, 1)}),
            Rows{"2015-09-12 00:00:00.123"});
  EXPECT_EQ(eval("toUnixTimestamp", {strings({"1970-01-01 00:01:00"})}), Rows{"60"});
  EXPECT_EQ(eval("fromUnixTimestamp", {ints({i64(-60)})}), Rows{"1969-12-31 23:59:00"});
  EXPECT_EQ(eval("toInt64", {flatColumn(DataType(TypeId::kDateTime64), {Value::timestampMs(-1500)})}), Rows{"-2"});
  EXPECT_EQ(errorOf([] { FunctionCall("toDateTime", {strings({"x"}), constString("Europe/Paris", 1)}); }),
            ErrorCode::kBadArguments);
}

TEST(CastTest, ParseDateTimeBestEffort) {
  ColumnPtr s = strings({"2015-09-12T01:02:03Z", "2015/09/12 01:02", "12/09/2015", "20150912", "1442016000",
                         "Sat, 12 Sep 2015 07:00:00 GMT", "12 Sep 2015"});
  EXPECT_EQ(eval("parseDateTimeBestEffort", {s}),
            (Rows{"2015-09-12 01:02:03", "2015-09-12 01:02:00", "2015-09-12 00:00:00", "2015-09-12 00:00:00",
                  "2015-09-12 00:00:00", "2015-09-12 07:00:00", "2015-09-12 00:00:00"}));
  EXPECT_EQ(errorOf([] { eval("parseDateTimeBestEffort", {strings({"soon"})}); }), ErrorCode::kCannotParseDateTime);
  EXPECT_EQ(eval("parseDateTimeBestEffortOrNull", {strings({"soon"})}), Rows{"NULL"});
}

TEST(CastTest, NullLiteral) {
  FunctionCall call("cast", {constNull(2), constString("Int32", 2)});
  EXPECT_EQ(call.type(), DataType(TypeId::kInt32, true));
  EXPECT_EQ(call.rows(), (Rows{"NULL", "NULL"}));
  EXPECT_EQ(FunctionCall("toTypeName", {ints({i64(1)})}).rows(), Rows{"Nullable(Int64)"});
}

}  // namespace
}  // namespace furl::query::testing
