#include <gtest/gtest.h>

#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

ColumnPtr timestamps(TypeId type, const std::vector<int64_t>& ms) {
  std::vector<Value> values;
  for (int64_t v : ms) values.push_back(Value::timestampMs(v, type));
  return flatColumn(DataType(type), values);
}

TEST(ComparisonFunctionsTest, IntegersOfMixedSignedness) {
  ColumnPtr big = flatColumn(DataType(TypeId::kUInt64), {Value::uint64(UINT64_MAX), Value::uint64(5)});
  ColumnPtr negative = ints({i64(-1), i64(5)});
  EXPECT_EQ(eval("greater", {big, negative}), (Rows{"true", "false"}));
  EXPECT_EQ(eval("equals", {big, negative}), (Rows{"false", "true"}));
  EXPECT_EQ(eval("less", {negative, big}), (Rows{"true", "false"}));
}

TEST(ComparisonFunctionsTest, IntegerAgainstFloatConstant) {
  ColumnPtr values = flatColumn(DataType(TypeId::kInt32), {Value::int64(3, TypeId::kInt32), Value::int64(4, TypeId::kInt32)});
  ColumnPtr threeAndHalf = constantColumn(DataType(TypeId::kFloat64), Value::float64(3.5), 2);
  EXPECT_EQ(eval("less", {values, threeAndHalf}), (Rows{"true", "false"}));
  EXPECT_EQ(eval("equals", {values, constantColumn(DataType(TypeId::kFloat64), Value::float64(4.0), 2)}),
            (Rows{"false", "true"}));
  // 300 does not fit UInt8: compare in a wider type rather than wrap.
  ColumnPtr small = flatColumn(DataType(TypeId::kUInt8), {Value::uint64(44, TypeId::kUInt8)});
  EXPECT_EQ(eval("equals", {small, constInt(300, 1)}), Rows{"false"});
  EXPECT_EQ(eval("less", {small, constInt(300, 1)}), Rows{"true"});
}

TEST(ComparisonFunctionsTest, NullGivesNull) {
  EXPECT_EQ(eval("equals", {ints({i64(1), Value::null()}), constInt(1, 2)}), (Rows{"true", "NULL"}));
  FunctionCall call("equals", {ints({i64(1)}), constNull(1)});
  EXPECT_EQ(call.rows(), Rows{"NULL"});
}

TEST(ComparisonFunctionsTest, StringsByteWise) {
  ColumnPtr a = strings({"abc", "abd", "", "B"});
  EXPECT_EQ(eval("less", {a, constString("abd", 4)}), (Rows{"true", "false", "true", "true"}));
  EXPECT_EQ(eval("greaterOrEquals", {constString("abd", 4), a}), (Rows{"true", "true", "true", "true"}));
  EXPECT_EQ(eval("notEquals", {a, strings({"abc", "x", "", "b"})}), (Rows{"false", "true", "false", "true"}));
}

TEST(ComparisonFunctionsTest, DictionaryAgainstConstant) {
  ColumnPtr dict = dictionaryColumn({"en", "fr", "de"}, {0, 1, 2, 1, -1, 0});
  EXPECT_EQ(eval("equals", {dict, constString("fr", 6)}), (Rows{"false", "true", "false", "true", "NULL", "false"}));
  SelectionVector sel{1, 4, 5};
  EXPECT_EQ(eval("notEquals", {dict, constString("en", 6)}, &sel), (Rows{"true", "NULL", "false"}));
  ColumnPtr same = dictionaryColumn({"x", "y"}, {0, 1});
  EXPECT_EQ(eval("equals", {same, same}), (Rows{"true", "true"}));
}

TEST(ComparisonFunctionsTest, TemporalAgainstStringConstant) {
  ColumnPtr time = timestamps(TypeId::kDateTime, {1442015999000, 1442016000000, 1442016001000});
  EXPECT_EQ(eval("greaterOrEquals", {time, constString("2015-09-12 00:00:00", 3)}), (Rows{"false", "true", "true"}));
  EXPECT_EQ(eval("less", {constString("2015-09-12", 3), time}), (Rows{"false", "false", "true"}));
  ColumnPtr date = flatColumn(DataType(TypeId::kDate), {Value::date(16690), Value::date(16689)});
  EXPECT_EQ(eval("equals", {date, constString("2015-09-12", 2)}), (Rows{"true", "false"}));
  // A time of day on a Date compares against midnight of the date.
  EXPECT_EQ(eval("less", {date, constString("2015-09-12 10:00:00", 2)}), (Rows{"true", "true"}));
  std::string message;
  EXPECT_EQ(errorOf([&] { FunctionCall("less", {time, constString("yesterday", 3)}); }, &message),
            ErrorCode::kCannotParseDateTime);
  EXPECT_NE(message.find("less"), std::string::npos) << message;
}

TEST(ComparisonFunctionsTest, DateAgainstDateTime) {
  ColumnPtr date = flatColumn(DataType(TypeId::kDate), {Value::date(16690), Value::date(16690)});
  ColumnPtr time = timestamps(TypeId::kDateTime, {1442016000000, 1442016001000});
  EXPECT_EQ(eval("equals", {date, time}), (Rows{"true", "false"}));
  ColumnPtr time64 = timestamps(TypeId::kDateTime64, {1442016000001, 1442016001000});
  EXPECT_EQ(eval("less", {time, time64}), (Rows{"true", "false"}));
}

TEST(ComparisonFunctionsTest, IllegalTypes) {
  std::string message;
  EXPECT_EQ(errorOf([] { FunctionCall("equals", {strings({"a"}), ints({i64(1)})}); }, &message),
            ErrorCode::kIllegalTypeOfArgument);
  EXPECT_NE(message.find("equals"), std::string::npos) << message;
  EXPECT_EQ(errorOf([] { FunctionCall("equals", {ints({i64(1)})}); }), ErrorCode::kNumberOfArgumentsDoesntMatch);
}

TEST(ComparisonFunctionsTest, InWithNullSemantics) {
  ColumnPtr values = ints({i64(1), i64(2), Value::null()});
  EXPECT_EQ(eval("in", {values, constInt(1, 3), constInt(3, 3)}), (Rows{"true", "false", "NULL"}));
  EXPECT_EQ(eval("notIn", {values, constInt(1, 3), constInt(3, 3)}), (Rows{"false", "true", "NULL"}));
  // A NULL in the list makes a miss unknown.
  EXPECT_EQ(eval("in", {values, constInt(1, 3), constNull(3)}), (Rows{"true", "NULL", "NULL"}));
  EXPECT_EQ(eval("notIn", {values, constInt(1, 3), constNull(3)}), (Rows{"false", "NULL", "NULL"}));
}

TEST(ComparisonFunctionsTest, InOnStringsAndDictionaries) {
  ColumnPtr dict = dictionaryColumn({"en", "fr", "de"}, {0, 1, 2, -1});
  EXPECT_EQ(eval("in", {dict, constString("fr", 4), constString("de", 4)}), (Rows{"false", "true", "true", "NULL"}));
  EXPECT_EQ(eval("in", {strings({"a", "b"}), constString("b", 2)}), (Rows{"false", "true"}));
  EXPECT_EQ(errorOf([] { FunctionCall("in", {strings({"a"}), ints({i64(1)})}); }), ErrorCode::kIllegalColumn);
}

TEST(ComparisonFunctionsTest, InOnDatesAndUnsigned) {
  ColumnPtr date = flatColumn(DataType(TypeId::kDate), {Value::date(16690), Value::date(16689)});
  EXPECT_EQ(eval("in", {date, constString("2015-09-12", 2)}), (Rows{"true", "false"}));
  ColumnPtr small = flatColumn(DataType(TypeId::kUInt8), {Value::uint64(44, TypeId::kUInt8), Value::uint64(3, TypeId::kUInt8)});
  EXPECT_EQ(eval("in", {small, constInt(300, 2), constInt(3, 2), constInt(-1, 2)}), (Rows{"false", "true"}));
  ColumnPtr floats = flatColumn(DataType(TypeId::kFloat64), {Value::float64(0.5), Value::float64(2)});
  EXPECT_EQ(eval("in", {floats, constInt(2, 2)}), (Rows{"false", "true"}));
}

}  // namespace
}  // namespace furl::query::testing
