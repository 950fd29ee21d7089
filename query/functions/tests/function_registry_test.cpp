#include <gtest/gtest.h>

#include <algorithm>

#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

TEST(FunctionRegistryTest, FindsNamesWithoutRegardToCase) {
  const FunctionRegistry& registry = FunctionRegistry::instance();
  for (const char* name : {"plus", "PLUS", "Plus", "toStartOfMonth", "TOSTARTOFMONTH", "substr", "SUBSTRING",
                           "date_trunc", "dateTrunc", "time_floor", "ilike", "notILike", "multiIf", "coalesce"}) {
    EXPECT_NE(registry.find(name), nullptr) << name;
  }
  EXPECT_EQ(registry.find("plusPlus"), nullptr);
  EXPECT_EQ(registry.find(""), nullptr);
}

TEST(FunctionRegistryTest, RegistersEveryBinderName) {
  const FunctionRegistry& registry = FunctionRegistry::instance();
  for (const char* name :
       {"plus", "minus", "multiply", "divide", "intDiv", "modulo", "negate", "abs", "equals", "notEquals", "less",
        "lessOrEquals", "greater", "greaterOrEquals", "and", "or", "not", "xor", "isNull", "isNotNull", "like",
        "notLike", "ilike", "notILike", "in", "notIn", "if", "multiIf", "coalesce", "ifNull", "nullIf",
        "assumeNotNull", "lower", "upper", "length", "lengthUTF8", "substring", "substr", "concat", "position",
        "locate", "startsWith", "endsWith", "trim", "trimBoth", "ltrim", "trimLeft", "rtrim", "trimRight",
        "replaceAll", "replace", "replaceOne", "replaceRegexpAll", "replaceRegexpOne", "match", "extract", "empty",
        "notEmpty", "toString", "toInt8", "toInt16", "toInt32", "toInt64", "toUInt8", "toUInt16", "toUInt32",
        "toUInt64", "toFloat32", "toFloat64", "toDate", "toDateTime", "toDateTime64", "parseDateTimeBestEffort",
        "toYear", "toMonth", "toDayOfMonth", "toDayOfWeek", "toHour", "toMinute", "toSecond", "toYYYYMM",
        "toYYYYMMDD", "toStartOfMinute", "toStartOfFiveMinutes", "toStartOfFiveMinute", "toStartOfFifteenMinutes",
        "toStartOfHour", "toStartOfDay", "toStartOfWeek", "toMonday", "toStartOfMonth", "toStartOfQuarter",
        "toStartOfYear", "date_trunc", "dateTrunc", "TIME_FLOOR", "formatDateTime", "now", "today",
        "toUnixTimestamp", "fromUnixTimestamp", "cast", "greatest", "least", "round", "floor", "ceil", "sqrt", "exp",
        "log", "pow", "rand", "div", "mod"}) {
    EXPECT_NE(registry.find(name), nullptr) << name;
  }
  std::vector<std::string> names = registry.names();
  EXPECT_NE(std::find(names.begin(), names.end(), "toStartOfMonth"), names.end());
}

TEST(FunctionRegistryTest, RejectsDuplicatesAndUnknownAliases) {
  FunctionRegistry registry;
  registry.add("f", [](const std::vector<FunctionArgument>&) -> std::unique_ptr<BoundScalarFunction> {
    return nullptr;
  });
  EXPECT_EQ(errorOf([&] { registry.add("F", nullptr); }), ErrorCode::kLogicalError);
  EXPECT_EQ(errorOf([&] { registry.addAlias("g", "missing"); }), ErrorCode::kLogicalError);
  registry.addAlias("g", "f");
  EXPECT_NE(registry.find("G"), nullptr);
}

}  // namespace
}  // namespace furl::query::testing
