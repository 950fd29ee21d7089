#include "common/period.h"

#include <gtest/gtest.h>

namespace furl {
namespace {

TEST(PeriodTest, ParsesCommonPeriods) {
  struct Case {
    const char* text;
    std::optional<int64_t> millis;
  };
  const Case cases[] = {
      {"PT1M", 60'000},         {"PT15M", 900'000},          {"PT1H", 3'600'000},
      {"P1D", 86'400'000},      {"P1W", 604'800'000},        {"PT10M", 600'000},
      {"PT0.5S", 500},          {"P1DT12H", 129'600'000},    {"pt30s", 30'000},
      {"P1M", std::nullopt},    {"P1Y", std::nullopt},       {"P1Y2M", std::nullopt},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Period> period = parsePeriod(c.text);
    ASSERT_TRUE(period.ok()) << c.text << ": " << period.status();
    EXPECT_EQ(period->fixedMillis(), c.millis) << c.text;
  }
}

TEST(PeriodTest, FormatsCanonicalText) {
  EXPECT_EQ(parsePeriod("PT15M")->toString(), "PT15M");
  EXPECT_EQ(parsePeriod("p1dt12h")->toString(), "P1DT12H");
  EXPECT_EQ(parsePeriod("PT1.250S")->toString(), "PT1.25S");
  EXPECT_EQ(parsePeriod("P1Y2M")->toString(), "P1Y2M");
  EXPECT_EQ(Period{}.toString(), "PT0S");
}

TEST(PeriodTest, RejectsInvalidText) {
  for (const char* text : {"", "P", "PT", "1H", "PT1", "PTH", "P1H", "PT1D", "P1D1Y", "PT1M1M", "PT1.5M",
                           "PT1.5555S", "P1DT", "PT-1M", "P1 D", "PT99999999999999M"}) {
    absl::StatusOr<Period> period = parsePeriod(text);
    EXPECT_FALSE(period.ok()) << "'" << text << "' parsed as " << (period.ok() ? period->toString() : "");
    if (!period.ok()) {
      EXPECT_NE(period.status().message().find("invalid ISO-8601 period"), absl::string_view::npos) << text;
    }
  }
}

TEST(PeriodTest, SubtractsCalendarAndFixedUnits) {
  // 2024-03-31 12:00:00 UTC.
  const int64_t ms = 1'711'886'400'000;
  struct Case {
    const char* text;
    int64_t expected;
  };
  const Case cases[] = {
      {"P1D", ms - 86'400'000},
      {"PT1H", ms - 3'600'000},
      {"P1M", 1'709'208'000'000},   // 2024-02-29 12:00, clamped to the month's last day
      {"P1Y", 1'680'264'000'000},   // 2023-03-31 12:00
      {"P13M", 1'677'585'600'000},  // 2023-02-28 12:00
      {"P1MT1H", 1'709'204'400'000},
  };
  for (const Case& c : cases) {
    std::optional<int64_t> result = parsePeriod(c.text)->subtractFrom(ms);
    ASSERT_TRUE(result.has_value()) << c.text;
    EXPECT_EQ(*result, c.expected) << c.text;
  }
}

}  // namespace
}  // namespace furl
