#include <gtest/gtest.h>

#include "common/time_util.h"
#include "query/functions/tests/function_test_util.h"

namespace furl::query::testing {
namespace {

ColumnPtr times(const std::vector<std::string>& texts, TypeId type = TypeId::kDateTime) {
  std::vector<Value> values;
  for (const std::string& t : texts) values.push_back(Value::timestampMs(*parseTimestampMs(t), type));
  return flatColumn(DataType(type), values);
}

ColumnPtr dates(const std::vector<std::string>& texts) {
  std::vector<Value> values;
  for (const std::string& t : texts) values.push_back(Value::date(*parseDate(t)));
  return flatColumn(DataType(TypeId::kDate), values);
}

// Boundary instants: a leap day, the second before the epoch, a date before
// 1900, and the last second of a year.
const std::vector<std::string> kBoundaries = {"2016-02-29 13:45:59", "1969-12-31 23:59:59", "1899-03-01 00:00:00",
                                              "2015-12-31 23:59:59"};

TEST(DateFunctionsTest, Parts) {
  ColumnPtr t = times(kBoundaries);
  EXPECT_EQ(eval("toYear", {t}), (Rows{"2016", "1969", "1899", "2015"}));
  EXPECT_EQ(eval("toMonth", {t}), (Rows{"2", "12", "3", "12"}));
  EXPECT_EQ(eval("toDayOfMonth", {t}), (Rows{"29", "31", "1", "31"}));
  EXPECT_EQ(eval("toDayOfWeek", {t}), (Rows{"1", "3", "3", "4"}));
  EXPECT_EQ(eval("toHour", {t}), (Rows{"13", "23", "0", "23"}));
  EXPECT_EQ(eval("toMinute", {t}), (Rows{"45", "59", "0", "59"}));
  EXPECT_EQ(eval("toSecond", {t}), (Rows{"59", "59", "0", "59"}));
  EXPECT_EQ(eval("toYYYYMM", {t}), (Rows{"201602", "196912", "189903", "201512"}));
  EXPECT_EQ(eval("toYYYYMMDD", {t}), (Rows{"20160229", "19691231", "18990301", "20151231"}));
  EXPECT_EQ(eval("toDayOfYear", {t}), (Rows{"60", "365", "60", "365"}));
  EXPECT_EQ(eval("toUnixTimestamp", {t}).at(1), "-1");
  EXPECT_EQ(FunctionCall("toYear", {t}).type(), DataType(TypeId::kUInt16));
}

TEST(DateFunctionsTest, PartsOfDates) {
  ColumnPtr d = dates({"2016-02-29", "1969-12-31"});
  EXPECT_EQ(eval("toYear", {d}), (Rows{"2016", "1969"}));
  EXPECT_EQ(eval("toDayOfWeek", {d}), (Rows{"1", "3"}));
  EXPECT_EQ(errorOf([&] { FunctionCall("toHour", {d}); }), ErrorCode::kIllegalTypeOfArgument);
}

TEST(DateFunctionsTest, StartOf) {
  ColumnPtr t = times(kBoundaries);
  EXPECT_EQ(eval("toStartOfMinute", {t}),
            (Rows{"2016-02-29 13:45:00", "1969-12-31 23:59:00", "1899-03-01 00:00:00", "2015-12-31 23:59:00"}));
  EXPECT_EQ(eval("toStartOfFiveMinutes", {t}).at(0), "2016-02-29 13:45:00");
  EXPECT_EQ(eval("toStartOfFifteenMinutes", {t}).at(1), "1969-12-31 23:45:00");
  EXPECT_EQ(eval("toStartOfHour", {t}).at(1), "1969-12-31 23:00:00");
  EXPECT_EQ(eval("toStartOfDay", {t}).at(1), "1969-12-31 00:00:00");
  EXPECT_EQ(eval("toStartOfMonth", {t}), (Rows{"2016-02-01", "1969-12-01", "1899-03-01", "2015-12-01"}));
  EXPECT_EQ(eval("toStartOfQuarter", {t}), (Rows{"2016-01-01", "1969-10-01", "1899-01-01", "2015-10-01"}));
  EXPECT_EQ(eval("toStartOfYear", {t}), (Rows{"2016-01-01", "1969-01-01", "1899-01-01", "2015-01-01"}));
  // 2016-02-29 was a Monday, 1969-12-31 a Wednesday.
  EXPECT_EQ(eval("toMonday", {t}), (Rows{"2016-02-29", "1969-12-29", "1899-02-27", "2015-12-28"}));
  EXPECT_EQ(eval("toStartOfWeek", {t}), (Rows{"2016-02-28", "1969-12-28", "1899-02-26", "2015-12-27"}));
  EXPECT_EQ(eval("toStartOfWeek", {t, constInt(1, 4)}).at(0), "2016-02-29");
  EXPECT_EQ(FunctionCall("toStartOfMonth", {t}).type(), DataType(TypeId::kDate));
  EXPECT_EQ(FunctionCall("toStartOfDay", {dates({"2016-02-29"})}).type(), DataType(TypeId::kDateTime));
  EXPECT_EQ(FunctionCall("toStartOfHour", {times({"2016-02-29 13:45:59"}, TypeId::kDateTime64)}).type(),
            DataType(TypeId::kDateTime64));
}

TEST(DateFunctionsTest, DateTrunc) {
  ColumnPtr t = times({"2016-02-29 13:45:59"});
  auto trunc = [&](const std::string& unit) { return eval("date_trunc", {constString(unit, 1), t}).at(0); };
  EXPECT_EQ(trunc("second"), "2016-02-29 13:45:59");
  EXPECT_EQ(trunc("minute"), "2016-02-29 13:45:00");
  EXPECT_EQ(trunc("hour"), "2016-02-29 13:00:00");
  EXPECT_EQ(trunc("day"), "2016-02-29 00:00:00");
  EXPECT_EQ(trunc("week"), "2016-02-29 00:00:00");
  EXPECT_EQ(trunc("MONTH"), "2016-02-01 00:00:00");
  EXPECT_EQ(trunc("quarter"), "2016-01-01 00:00:00");
  EXPECT_EQ(trunc("year"), "2016-01-01 00:00:00");
  EXPECT_EQ(eval("dateTrunc", {constString("month", 1), dates({"1969-12-31"})}), Rows{"1969-12-01"});
  EXPECT_EQ(errorOf([&] { FunctionCall("date_trunc", {constString("fortnight", 1), t}); }), ErrorCode::kBadArguments);
}

TEST(DateFunctionsTest, TimeFloor) {
  ColumnPtr t = times({"2015-09-12 13:47:30", "1969-12-31 23:59:59"});
  auto floor = [&](const std::string& period) { return eval("TIME_FLOOR", {t, constString(period, 2)}); };
  EXPECT_EQ(floor("PT1M"), (Rows{"2015-09-12 13:47:00", "1969-12-31 23:59:00"}));
  EXPECT_EQ(floor("PT15M"), (Rows{"2015-09-12 13:45:00", "1969-12-31 23:45:00"}));
  EXPECT_EQ(floor("PT1H"), (Rows{"2015-09-12 13:00:00", "1969-12-31 23:00:00"}));
  EXPECT_EQ(floor("PT6H"), (Rows{"2015-09-12 12:00:00", "1969-12-31 18:00:00"}));
  EXPECT_EQ(floor("P1D"), (Rows{"2015-09-12 00:00:00", "1969-12-31 00:00:00"}));
  EXPECT_EQ(floor("P1W"), (Rows{"2015-09-07 00:00:00", "1969-12-29 00:00:00"}));
  EXPECT_EQ(floor("P1M"), (Rows{"2015-09-01 00:00:00", "1969-12-01 00:00:00"}));
  EXPECT_EQ(floor("P3M"), (Rows{"2015-07-01 00:00:00", "1969-10-01 00:00:00"}));
  EXPECT_EQ(floor("P1Y"), (Rows{"2015-01-01 00:00:00", "1969-01-01 00:00:00"}));
  EXPECT_EQ(errorOf([&] { FunctionCall("TIME_FLOOR", {t, constString("1H", 2)}); }), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf([&] { FunctionCall("time_floor", {t, constString("P1M1D", 2)}); }), ErrorCode::kBadArguments);
}

TEST(DateFunctionsTest, FormatDateTime) {
  ColumnPtr t = times({"2016-02-29 13:05:09", "1969-12-31 00:00:00"});
  auto format = [&](const std::string& f) { return eval("formatDateTime", {t, constString(f, 2)}); };
  EXPECT_EQ(format("%Y-%m-%d %H:%i:%S"), (Rows{"2016-02-29 13:05:09", "1969-12-31 00:00:00"}));
  EXPECT_EQ(format("%F %T"), (Rows{"2016-02-29 13:05:09", "1969-12-31 00:00:00"}));
  EXPECT_EQ(format("%D|%e|%y|%j"), (Rows{"02/29/16|29|16|060", "12/31/69|31|69|365"}));
  EXPECT_EQ(format("%p %I %w %u"), (Rows{"PM 01 1 1", "AM 12 3 3"}));
  EXPECT_EQ(format("%M %b %W %a"), (Rows{"February Feb Monday Mon", "December Dec Wednesday Wed"}));
  EXPECT_EQ(format("100%% %Q"), (Rows{"100% 1", "100% 4"}));
  EXPECT_EQ(format("%V %G"), (Rows{"09 2016", "01 1970"}));
  EXPECT_EQ(eval("formatDateTime", {dates({"2016-02-29"}), constString("%d.%m.%Y %H", 1)}), Rows{"29.02.2016 00"});
  EXPECT_EQ(errorOf([&] { FunctionCall("formatDateTime", {t, constString("%Q %K", 2)}); }), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf([&] { FunctionCall("formatDateTime", {t, strings({"%Y", "%Y"})}); }), ErrorCode::kIllegalColumn);
}

TEST(DateFunctionsTest, NowAndToday) {
  FunctionCall now("now", {});
  EXPECT_EQ(now.type(), DataType(TypeId::kDateTime));
  ColumnPtr value = now.execute();
  EXPECT_TRUE(value->isConstant());
  int64_t ms = value->getValue(0).asInt64();
  EXPECT_EQ(ms % 1000, 0);
  EXPECT_LT(std::llabs(ms - nowMs()), 5000);
  EXPECT_EQ(FunctionCall("today", {}).type(), DataType(TypeId::kDate));
}

TEST(DateFunctionsTest, AddFixedUnits) {
  ColumnPtr t = times({"2016-02-28 23:59:30", "1970-01-01 00:00:00"});
  EXPECT_EQ(eval("addSeconds", {t, constInt(45, 2)}), (Rows{"2016-02-29 00:00:15", "1970-01-01 00:00:45"}));
  EXPECT_EQ(eval("subtractMinutes", {t, constInt(1, 2)}), (Rows{"2016-02-28 23:58:30", "1969-12-31 23:59:00"}));
  EXPECT_EQ(eval("addHours", {t, ints({i64(25), i64(-1)})}), (Rows{"2016-03-01 00:59:30", "1969-12-31 23:00:00"}));
  EXPECT_EQ(eval("addDays", {t, constInt(2, 2)}), (Rows{"2016-03-01 23:59:30", "1970-01-03 00:00:00"}));
  EXPECT_EQ(eval("subtractWeeks", {t, constInt(1, 2)}), (Rows{"2016-02-21 23:59:30", "1969-12-25 00:00:00"}));
  EXPECT_EQ(FunctionCall("addDays", {t, constInt(1, 2)}).type(), DataType(TypeId::kDateTime));
  EXPECT_EQ(eval("addMinutes", {t, ints({Value::null(), i64(1)})}), (Rows{"NULL", "1970-01-01 00:01:00"}));
}

TEST(DateFunctionsTest, AddResultTypes) {
  ColumnPtr d = dates({"2016-02-29"});
  EXPECT_EQ(FunctionCall("addDays", {d, constInt(1, 1)}).type(), DataType(TypeId::kDate));
  EXPECT_EQ(eval("addDays", {d, constInt(1, 1)}), Rows{"2016-03-01"});
  EXPECT_EQ(eval("subtractDays", {d, constInt(60, 1)}), Rows{"2015-12-31"});
  EXPECT_EQ(FunctionCall("addHours", {d, constInt(1, 1)}).type(), DataType(TypeId::kDateTime));
  EXPECT_EQ(eval("addHours", {d, constInt(30, 1)}), Rows{"2016-03-01 06:00:00"});
  EXPECT_EQ(FunctionCall("addMilliseconds", {d, constInt(1, 1)}).type(), DataType(TypeId::kDateTime64));

  ColumnPtr t64 = times({"2016-02-29 10:00:00.250"}, TypeId::kDateTime64);
  EXPECT_EQ(FunctionCall("addSeconds", {t64, constInt(1, 1)}).type(), DataType(TypeId::kDateTime64));
  EXPECT_EQ(eval("addMilliseconds", {t64, constInt(800, 1)}), Rows{"2016-02-29 10:00:01.050"});
  EXPECT_EQ(eval("addYears", {t64, constInt(1, 1)}), Rows{"2017-02-28 10:00:00.250"});
  EXPECT_EQ(eval("addDays", {strings({"2015-09-12 10:00:00"}), constInt(1, 1)}), Rows{"2015-09-13 10:00:00.000"});
  EXPECT_EQ(errorOf([&] { FunctionCall("addDays", {d, constString("1", 1)}); }), ErrorCode::kIllegalTypeOfArgument);
  EXPECT_EQ(errorOf([&] { FunctionCall("addDays", {ints({i64(1)}), constInt(1, 1)}); }),
            ErrorCode::kIllegalTypeOfArgument);
}

TEST(DateFunctionsTest, AddMonthsClampsTheDay) {
  ColumnPtr d = dates({"2016-01-31", "2015-03-31", "2016-02-29", "2016-12-15"});
  EXPECT_EQ(eval("addMonths", {d, constInt(1, 4)}), (Rows{"2016-02-29", "2015-04-30", "2016-03-29", "2017-01-15"}));
  EXPECT_EQ(eval("subtractMonths", {d, constInt(13, 4)}),
            (Rows{"2014-12-31", "2014-02-28", "2015-01-29", "2015-11-15"}));
  EXPECT_EQ(eval("addQuarters", {d, constInt(1, 4)}), (Rows{"2016-04-30", "2015-06-30", "2016-05-29", "2017-03-15"}));
  EXPECT_EQ(eval("addYears", {d, constInt(1, 4)}), (Rows{"2017-01-31", "2016-03-31", "2017-02-28", "2017-12-15"}));
  EXPECT_EQ(eval("subtractYears", {d, constInt(4, 4)}),
            (Rows{"2012-01-31", "2011-03-31", "2012-02-29", "2012-12-15"}));
  ColumnPtr t = times({"2016-01-31 23:59:59", "1969-12-31 12:00:00"});
  EXPECT_EQ(eval("addMonths", {t, constInt(1, 2)}), (Rows{"2016-02-29 23:59:59", "1970-01-31 12:00:00"}));
}

TEST(DateFunctionsTest, AddOverflowIsAnError) {
  ColumnPtr t = times({"2016-01-31 00:00:00"});
  std::string message;
  EXPECT_EQ(errorOf([&] { FunctionCall("addYears", {t, constInt(std::numeric_limits<int64_t>::max(), 1)}).execute(); },
                    &message),
            ErrorCode::kDecimalOverflow);
  EXPECT_NE(message.find("addYears"), std::string::npos) << message;
  EXPECT_EQ(errorOf([&] { FunctionCall("subtractSeconds", {t, constInt(std::numeric_limits<int64_t>::min(), 1)}).execute(); }),
            ErrorCode::kDecimalOverflow);
  EXPECT_EQ(errorOf([&] { FunctionCall("addDays", {dates({"2016-01-31"}), constInt(int64_t{1} << 40, 1)}).execute(); }),
            ErrorCode::kDecimalOverflow);
  // A NULL row's placeholder count is not checked.
  EXPECT_EQ(eval("addYears", {t, ints({Value::null()})}), Rows{"NULL"});
}

TEST(DateFunctionsTest, DateDiffCountsBoundaries) {
  auto diff = [](const std::string& unit, const std::string& a, const std::string& b) {
    return eval("dateDiff", {constString(unit, 1), times({a}), times({b})}).at(0);
  };
  EXPECT_EQ(diff("year", "2021-12-31 23:59:59", "2022-01-01 00:00:00"), "1");
  EXPECT_EQ(diff("month", "2021-12-31 00:00:00", "2022-01-01 00:00:00"), "1");
  EXPECT_EQ(diff("quarter", "2021-03-31 00:00:00", "2021-04-01 00:00:00"), "1");
  EXPECT_EQ(diff("day", "2021-12-29 23:00:00", "2022-01-01 01:00:00"), "3");
  EXPECT_EQ(diff("hour", "2021-01-01 10:59:59", "2021-01-01 11:00:00"), "1");
  EXPECT_EQ(diff("minute", "2021-01-01 11:00:00", "2021-01-01 10:58:01"), "-2");
  EXPECT_EQ(diff("second", "2021-01-01 00:00:00", "2021-01-02 00:00:00"), "86400");
  EXPECT_EQ(diff("YEARS", "2016-02-29 00:00:00", "2012-02-29 00:00:00"), "-4");
  // 2021-01-03 is a Sunday and 2021-01-04 a Monday: weeks start on Monday.
  EXPECT_EQ(diff("week", "2021-01-03 00:00:00", "2021-01-04 00:00:00"), "1");
  EXPECT_EQ(diff("wk", "2021-01-04 00:00:00", "2021-01-10 23:59:59"), "0");
  EXPECT_EQ(diff("week", "1969-12-28 00:00:00", "1969-12-29 00:00:00"), "1");
  EXPECT_EQ(diff("ms", "2021-01-01 00:00:00", "2021-01-01 00:00:01"), "1000");
  EXPECT_EQ(diff("us", "2021-01-01 00:00:00", "2021-01-01 00:00:01"), "1000000");

  // Mixed Date and timestamp arguments, a column of each, and the alias.
  ColumnPtr d = dates({"2016-02-29", "2015-01-01"});
  ColumnPtr t = times({"2016-03-01 00:00:00", "2014-12-31 23:59:59"});
  EXPECT_EQ(eval("date_diff", {constString("day", 2), d, t}), (Rows{"1", "-1"}));
  EXPECT_EQ(eval("DATE_DIFF", {constString("d", 2), d, t}), (Rows{"1", "-1"}));
  EXPECT_EQ(FunctionCall("dateDiff", {constString("day", 2), d, t}).type(), DataType(TypeId::kInt64));
  EXPECT_EQ(eval("dateDiff", {constString("month", 1), strings({"2015-01-31"}), strings({"2015-02-01"})}), Rows{"1"});

  EXPECT_EQ(errorOf([&] { FunctionCall("dateDiff", {constString("fortnight", 2), d, t}); }), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf([&] { FunctionCall("dateDiff", {strings({"day", "day"}), d, t}); }), ErrorCode::kIllegalColumn);
  EXPECT_EQ(errorOf([&] { FunctionCall("dateDiff", {constString("day", 2), d}); }),
            ErrorCode::kNumberOfArgumentsDoesntMatch);
  EXPECT_EQ(errorOf([&] { FunctionCall("dateDiff", {constString("day", 2), d, t, constString("Europe/Paris", 2)}); }),
            ErrorCode::kBadArguments);
}

TEST(DateFunctionsTest, StringInputIsParsed) {
  EXPECT_EQ(eval("toYear", {strings({"2015-09-12 10:00:00"})}), Rows{"2015"});
  EXPECT_EQ(eval("toStartOfHour", {strings({"2015-09-12 10:20:00"})}), Rows{"2015-09-12 10:00:00"});
}

}  // namespace
}  // namespace furl::query::testing
