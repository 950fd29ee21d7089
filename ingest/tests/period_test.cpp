#include "ingest/period.h"

#include <gtest/gtest.h>

namespace furl::ingest {
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

}  // namespace
}  // namespace furl::ingest
