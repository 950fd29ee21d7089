#include <gtest/gtest.h>

#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

TEST(ArithmeticFunctionsTest, PlusPromotesIntegers) {
  FunctionCall call("plus", {flatColumn(DataType(TypeId::kUInt8), {Value::uint64(200, TypeId::kUInt8)}),
                             flatColumn(DataType(TypeId::kUInt8), {Value::uint64(100, TypeId::kUInt8)})});
  EXPECT_EQ(call.type(), DataType(TypeId::kUInt64));
  EXPECT_EQ(call.rows(), Rows{"300"});

  FunctionCall mixed("plus", {flatColumn(DataType(TypeId::kInt32), {Value::int64(-5, TypeId::kInt32)}),
                              flatColumn(DataType(TypeId::kUInt16), {Value::uint64(3, TypeId::kUInt16)})});
  EXPECT_EQ(mixed.type(), DataType(TypeId::kInt64));
  EXPECT_EQ(mixed.rows(), Rows{"-2"});
}

TEST(ArithmeticFunctionsTest, MinusOfUnsignedIsSigned) {
  FunctionCall call("minus", {flatColumn(DataType(TypeId::kUInt32), {Value::uint64(1, TypeId::kUInt32)}),
                              flatColumn(DataType(TypeId::kUInt32), {Value::uint64(2, TypeId::kUInt32)})});
  EXPECT_EQ(call.type(), DataType(TypeId::kInt64));
  EXPECT_EQ(call.rows(), Rows{"-1"});
}

TEST(ArithmeticFunctionsTest, NullPropagates) {
  EXPECT_EQ(eval("plus", {ints({i64(1), Value::null(), i64(3)}), constInt(10, 3)}), (Rows{"11", "NULL", "13"}));
  EXPECT_EQ(eval("multiply", {ints({i64(2), i64(3)}), constNull(2)}), (Rows{"NULL", "NULL"}));
}

TEST(ArithmeticFunctionsTest, OverflowThrows) {
  std::string message;
  ErrorCode code = errorOf([] { eval("plus", {ints({i64(INT64_MAX)}), constInt(1, 1)}); }, &message);
  EXPECT_EQ(code, ErrorCode::kDecimalOverflow);
  EXPECT_NE(message.find("plus"), std::string::npos) << message;
  EXPECT_EQ(errorOf([] { eval("multiply", {ints({i64(INT64_MAX / 2 + 1)}), constInt(2, 1)}); }),
            ErrorCode::kDecimalOverflow);
  EXPECT_EQ(errorOf([] { eval("minus", {ints({i64(INT64_MIN)}), constInt(1, 1)}); }), ErrorCode::kDecimalOverflow);
  EXPECT_EQ(errorOf([] { eval("negate", {ints({i64(INT64_MIN)})}); }), ErrorCode::kDecimalOverflow);
}

TEST(ArithmeticFunctionsTest, OverflowAtNullRowIsIgnored) {
  ColumnPtr a = ints({i64(1), i64(INT64_MAX)});
  a->setNull(1);
  EXPECT_EQ(eval("plus", {a, constInt(1, 2)}), (Rows{"2", "NULL"}));
}

TEST(ArithmeticFunctionsTest, DivisionByZero) {
  std::string message;
  EXPECT_EQ(errorOf([] { eval("intDiv", {ints({i64(7)}), ints({i64(0)})}); }, &message), ErrorCode::kIllegalDivision);
  EXPECT_NE(message.find("intDiv"), std::string::npos) << message;
  EXPECT_EQ(errorOf([] { eval("modulo", {ints({i64(7)}), constInt(0, 1)}); }), ErrorCode::kIllegalDivision);
  EXPECT_EQ(errorOf([] { eval("intDiv", {ints({i64(INT64_MIN)}), constInt(-1, 1)}); }), ErrorCode::kDecimalOverflow);
  // divide is floating point: no error.
  EXPECT_EQ(eval("divide", {ints({i64(1)}), constInt(0, 1)}), Rows{"inf"});
}

TEST(ArithmeticFunctionsTest, DivisionByZeroOutsideSelectionIsIgnored) {
  SelectionVector sel{0, 2};
  EXPECT_EQ(eval("intDiv", {ints({i64(9), i64(1), i64(-9)}), ints({i64(2), i64(0), i64(2)})}, &sel),
            (Rows{"4", "-4"}));
  EXPECT_EQ(eval("modulo", {ints({i64(9), i64(1), i64(-9)}), ints({i64(4), i64(0), i64(4)})}, &sel),
            (Rows{"1", "-1"}));
}

TEST(ArithmeticFunctionsTest, DivideReturnsFloat64) {
  FunctionCall call("divide", {ints({i64(7)}), constInt(2, 1)});
  EXPECT_EQ(call.type(), DataType(TypeId::kFloat64, true));
  EXPECT_EQ(call.rows(), Rows{"3.5"});
}

TEST(ArithmeticFunctionsTest, FloatOperands) {
  ColumnPtr f = flatColumn(DataType(TypeId::kFloat32), {Value::float64(1.5, TypeId::kFloat32)});
  FunctionCall call("plus", {f, constInt(1, 1)});
  EXPECT_EQ(call.type(), DataType(TypeId::kFloat64));
  EXPECT_EQ(call.rows(), Rows{"2.5"});
  EXPECT_EQ(eval("intDiv", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(7.5)}), constInt(2, 1)}),
            Rows{"3"});
}

TEST(ArithmeticFunctionsTest, ConstantArgumentsFoldToConstant) {
  FunctionCall call("plus", {constInt(2, 1000), constInt(3, 1000)});
  ColumnPtr result = call.execute();
  EXPECT_TRUE(result->isConstant());
  EXPECT_EQ(result->size(), 1000u);
  EXPECT_EQ(result->getValue(999).toString(), "5");
}

TEST(ArithmeticFunctionsTest, DateArithmetic) {
  ColumnPtr date = flatColumn(DataType(TypeId::kDate), {Value::date(16688)});  // 2015-09-10
  EXPECT_EQ(eval("plus", {date, constInt(2, 1)}), Rows{"2015-09-12"});
  EXPECT_EQ(eval("minus", {date, constInt(16689, 1)}), Rows{"1969-12-31"});
  ColumnPtr time = flatColumn(DataType(TypeId::kDateTime), {Value::timestampMs(1442016000000, TypeId::kDateTime)});
  EXPECT_EQ(eval("plus", {time, constInt(3600, 1)}), Rows{"2015-09-12 01:00:00"});
  EXPECT_EQ(eval("plus", {constInt(60, 1), time}), Rows{"2015-09-12 00:01:00"});
  ColumnPtr later = flatColumn(DataType(TypeId::kDateTime), {Value::timestampMs(1442016090000, TypeId::kDateTime)});
  EXPECT_EQ(eval("minus", {later, time}), Rows{"90"});
  EXPECT_EQ(errorOf([&] { FunctionCall("multiply", {date, constInt(2, 1)}); }), ErrorCode::kIllegalTypeOfArgument);
}

TEST(ArithmeticFunctionsTest, WrongArgumentsAtBind) {
  std::string message;
  EXPECT_EQ(errorOf([] { FunctionCall("plus", {constInt(1, 1)}); }, &message), ErrorCode::kNumberOfArgumentsDoesntMatch);
  EXPECT_NE(message.find("plus"), std::string::npos) << message;
  EXPECT_EQ(errorOf([] { FunctionCall("plus", {constInt(1, 1), strings({"a"})}); }, &message),
            ErrorCode::kIllegalTypeOfArgument);
  EXPECT_NE(message.find("plus"), std::string::npos) << message;
}

TEST(ArithmeticFunctionsTest, AbsAndNegate) {
  EXPECT_EQ(eval("abs", {ints({i64(-3), i64(4), Value::null()})}), (Rows{"3", "4", "NULL"}));
  EXPECT_EQ(eval("negate", {ints({i64(-3), i64(4)})}), (Rows{"3", "-4"}));
  EXPECT_EQ(eval("abs", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(-2.5)})}), Rows{"2.5"});
}

TEST(ArithmeticFunctionsTest, RoundFloorCeil) {
  ColumnPtr f = flatColumn(DataType(TypeId::kFloat64),
                           {Value::float64(2.5), Value::float64(3.5), Value::float64(-2.567), Value::float64(1.234)});
  EXPECT_EQ(eval("round", {f}), (Rows{"2", "4", "-3", "1"}));  // banker's rounding for floats
  EXPECT_EQ(eval("round", {f, constInt(2, 4)}), (Rows{"2.5", "3.5", "-2.57", "1.23"}));
  EXPECT_EQ(eval("floor", {f}), (Rows{"2", "3", "-3", "1"}));
  EXPECT_EQ(eval("ceil", {f}), (Rows{"3", "4", "-2", "2"}));
  EXPECT_EQ(eval("round", {ints({i64(15), i64(-15), i64(14)}), constInt(-1, 3)}), (Rows{"20", "-20", "10"}));
  EXPECT_EQ(eval("floor", {ints({i64(-15)}), constInt(-1, 1)}), Rows{"-20"});
}

TEST(ArithmeticFunctionsTest, MathFunctions) {
  EXPECT_EQ(eval("sqrt", {ints({i64(16)})}), Rows{"4"});
  EXPECT_EQ(eval("pow", {ints({i64(2)}), constInt(10, 1)}), Rows{"1024"});
  EXPECT_EQ(eval("log", {flatColumn(DataType(TypeId::kFloat64), {Value::float64(1.0)})}), Rows{"0"});
  EXPECT_EQ(eval("exp", {ints({i64(0)})}), Rows{"1"});
}

TEST(ArithmeticFunctionsTest, GreatestLeast) {
  EXPECT_EQ(eval("greatest", {ints({i64(1), i64(5)}), ints({i64(3), i64(2)}), constInt(4, 2)}), (Rows{"4", "5"}));
  EXPECT_EQ(eval("least", {strings({"b", "a"}), strings({"a", "c"})}), (Rows{"a", "a"}));
  EXPECT_EQ(eval("least", {ints({i64(1), Value::null()}), constInt(0, 2)}), (Rows{"0", "NULL"}));
}

TEST(ArithmeticFunctionsTest, RandIsNotFolded) {
  FunctionCall call("rand", {});
  ColumnPtr result = call.execute();
  EXPECT_FALSE(result->isConstant());
  EXPECT_EQ(call.type(), DataType(TypeId::kUInt32));
}

}  // namespace
}  // namespace furl::query::testing
