#include <gtest/gtest.h>

#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

ColumnPtr bools(const std::vector<int>& values) {
  std::vector<Value> v;
  for (int b : values) v.push_back(b < 0 ? Value::null() : Value::boolean(b != 0));
  return flatColumn(DataType(TypeId::kBool, true), v);
}

TEST(ConditionalFunctionsTest, AndOrThreeValued) {
  // Every pair of {true, false, NULL}.
  ColumnPtr a = bools({1, 1, 1, 0, 0, 0, -1, -1, -1});
  ColumnPtr b = bools({1, 0, -1, 1, 0, -1, 1, 0, -1});
  EXPECT_EQ(eval("and", {a, b}), (Rows{"true", "false", "NULL", "false", "false", "false", "NULL", "false", "NULL"}));
  EXPECT_EQ(eval("or", {a, b}), (Rows{"true", "true", "true", "true", "false", "NULL", "true", "NULL", "NULL"}));
  EXPECT_EQ(eval("xor", {a, b}), (Rows{"false", "true", "NULL", "true", "false", "NULL", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(eval("and", {bools({0, 1}), constNull(2)}), (Rows{"false", "NULL"}));
  EXPECT_EQ(eval("or", {bools({0, 1}), constNull(2)}), (Rows{"NULL", "true"}));
}

TEST(ConditionalFunctionsTest, AndOfManyAndNumbers) {
  EXPECT_EQ(eval("and", {bools({1, 1}), ints({i64(2), i64(0)}), bools({1, 1})}), (Rows{"true", "false"}));
  EXPECT_EQ(eval("not", {bools({1, 0, -1})}), (Rows{"false", "true", "NULL"}));
  EXPECT_EQ(errorOf([] { FunctionCall("and", {strings({"a"}), bools({1})}); }), ErrorCode::kIllegalTypeOfArgument);
}

TEST(ConditionalFunctionsTest, IsNull) {
  ColumnPtr v = ints({i64(1), Value::null()});
  EXPECT_EQ(eval("isNull", {v}), (Rows{"false", "true"}));
  EXPECT_EQ(eval("isNotNull", {v}), (Rows{"true", "false"}));
  FunctionCall call("isNull", {v});
  EXPECT_EQ(call.type(), DataType(TypeId::kBool));
  EXPECT_EQ(eval("isNull", {constNull(2)}), (Rows{"true", "true"}));
  EXPECT_EQ(eval("isNotNull", {strings({"x"})}), Rows{"true"});
}

TEST(ConditionalFunctionsTest, IfWithNullCondition) {
  ColumnPtr cond = bools({1, 0, -1});
  FunctionCall call("if", {cond, ints({i64(1), i64(2), i64(3)}), constInt(0, 3)});
  EXPECT_EQ(call.rows(), (Rows{"1", "0", "0"}));
  EXPECT_EQ(eval("if", {cond, strings({"a", "b", "c"}), constNull(3)}), (Rows{"a", "NULL", "NULL"}));
  FunctionCall promoted("if", {cond, constantColumn(DataType(TypeId::kUInt8), Value::uint64(1, TypeId::kUInt8), 3),
                               constantColumn(DataType(TypeId::kFloat64), Value::float64(0.5), 3)});
  EXPECT_EQ(promoted.type(), DataType(TypeId::kFloat64));
  EXPECT_EQ(promoted.rows(), (Rows{"1", "0.5", "0.5"}));
  EXPECT_EQ(errorOf([&] { FunctionCall("if", {cond, strings({"a", "b", "c"}), constInt(1, 3)}); }),
            ErrorCode::kTypeMismatch);
}

TEST(ConditionalFunctionsTest, MultiIfIsCase) {
  ColumnPtr x = ints({i64(1), i64(5), i64(10), Value::null()});
  ColumnPtr lessThan3 = FunctionCall("less", {x, constInt(3, 4)}).execute();
  ColumnPtr lessThan7 = FunctionCall("less", {x, constInt(7, 4)}).execute();
  EXPECT_EQ(eval("multiIf", {lessThan3, constString("small", 4), lessThan7, constString("medium", 4),
                             constString("large", 4)}),
            (Rows{"small", "medium", "large", "large"}));
  SelectionVector sel{1, 3};
  EXPECT_EQ(eval("multiIf", {lessThan3, constString("small", 4), lessThan7, constString("medium", 4),
                             constString("large", 4)},
                 &sel),
            (Rows{"medium", "large"}));
  EXPECT_EQ(errorOf([&] { FunctionCall("multiIf", {lessThan3, constString("a", 4)}); }),
            ErrorCode::kNumberOfArgumentsDoesntMatch);
}

// A dictionary branch with constant branches gives a dictionary column whose
// entries stay distinct: a constant already in the dictionary takes its code.
TEST(ConditionalFunctionsTest, MultiIfKeepsDictionary) {
  for (bool sorted : {true, false}) {
    std::vector<std::string> entries = sorted ? std::vector<std::string>{"", "a.example", "b.example", "ü.example"}
                                              : std::vector<std::string>{"ü.example", "b.example", "", "a.example"};
    ColumnPtr dict = dictionaryColumn(entries, {0, 1, 2, 3, 1, 0});
    auto& dictionary = const_cast<StringDictionary&>(dict->dictionary());
    dictionary.sorted = sorted;
    ColumnPtr first = bools({1, 0, 1, 0, 1, 0});
    ColumnPtr second = bools({0, 1, 0, 0, 1, 1});
    std::vector<std::string> expected;
    std::vector<int> codes = {0, 1, 2, 3, 1, 0};
    for (size_t i = 0; i < codes.size(); ++i) {
      bool c1 = i % 2 == 0;
      bool c2 = i == 1 || i == 4 || i == 5;
      if (c1) {
        expected.push_back(entries[codes[i]]);
      } else if (c2) {
        expected.push_back("");
      } else {
        expected.push_back("other");
      }
    }
    FunctionCall call("multiIf", {first, dict, second, constString("", 6), constString("other", 6)});
    ColumnPtr out = call.execute();
    ASSERT_TRUE(out->isDictionary()) << "sorted = " << sorted;
    EXPECT_EQ(call.rows(), expected) << "sorted = " << sorted;
    const std::vector<std::string_view>& values = out->dictionary().values;
    EXPECT_EQ(values.size(), entries.size() + 1) << "'' is an entry already, 'other' is not";
    for (size_t a = 0; a < values.size(); ++a) {
      for (size_t b = a + 1; b < values.size(); ++b) EXPECT_NE(values[a], values[b]) << a << " " << b;
    }

    SelectionVector sel{1, 2, 5};
    EXPECT_EQ(eval("multiIf", {first, dict, second, constString("", 6), constString("other", 6)}, &sel),
              (Rows{expected[1], expected[2], expected[5]}));
  }
  // A NULL constant branch keeps the flat path.
  ColumnPtr dict = dictionaryColumn({"x", "y"}, {0, 1});
  EXPECT_EQ(eval("if", {bools({1, 0}), dict, constNull(2)}), (Rows{"x", "NULL"}));
}

TEST(ConditionalFunctionsTest, CoalesceAndIfNull) {
  ColumnPtr a = ints({Value::null(), i64(2), Value::null()});
  ColumnPtr b = ints({i64(10), i64(20), Value::null()});
  FunctionCall call("coalesce", {a, b, constInt(0, 3)});
  EXPECT_EQ(call.type(), DataType(TypeId::kInt64));
  EXPECT_EQ(call.rows(), (Rows{"10", "2", "0"}));
  EXPECT_EQ(eval("coalesce", {a, b}), (Rows{"10", "2", "NULL"}));
  EXPECT_EQ(eval("ifNull", {a, constInt(7, 3)}), (Rows{"7", "2", "7"}));
  EXPECT_EQ(eval("coalesce", {constNull(3), dictionaryColumn({"x"}, {0, -1, 0})}), (Rows{"x", "NULL", "x"}));
}

TEST(ConditionalFunctionsTest, NullIf) {
  FunctionCall call("nullIf", {ints({i64(1), i64(2), Value::null()}), constInt(2, 3)});
  EXPECT_EQ(call.type(), DataType(TypeId::kInt64, true));
  EXPECT_EQ(call.rows(), (Rows{"1", "NULL", "NULL"}));
  EXPECT_EQ(eval("nullIf", {strings({"", "a"}), constString("", 2)}), (Rows{"NULL", "a"}));
}

TEST(ConditionalFunctionsTest, AssumeNotNull) {
  FunctionCall call("assumeNotNull", {ints({i64(1), Value::null()})});
  EXPECT_EQ(call.type(), DataType(TypeId::kInt64));
  EXPECT_FALSE(call.execute()->mayHaveNulls());
}

}  // namespace
}  // namespace furl::query::testing
