#include "ingest/granularity.h"

#include <gtest/gtest.h>

#include "common/time_util.h"

namespace furl::ingest {
namespace {

int64_t ms(const char* text) {
  std::optional<int64_t> value = parseTimestampMs(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value.value_or(0);
}

TEST(GranularityTest, BucketsByName) {
  const int64_t t = ms("2015-09-12T13:47:21.456Z");  // a Saturday
  struct Case {
    const char* name;
    const char* start;
    const char* next;
  };
  const Case cases[] = {
      {"SECOND", "2015-09-12T13:47:21Z", "2015-09-12T13:47:22Z"},
      {"minute", "2015-09-12T13:47:00Z", "2015-09-12T13:48:00Z"},
      {"FIVE_MINUTE", "2015-09-12T13:45:00Z", "2015-09-12T13:50:00Z"},
      {"FIFTEEN_MINUTE", "2015-09-12T13:45:00Z", "2015-09-12T14:00:00Z"},
      {"THIRTY_MINUTE", "2015-09-12T13:30:00Z", "2015-09-12T14:00:00Z"},
      {"HOUR", "2015-09-12T13:00:00Z", "2015-09-12T14:00:00Z"},
      {"SIX_HOUR", "2015-09-12T12:00:00Z", "2015-09-12T18:00:00Z"},
      {"EIGHT_HOUR", "2015-09-12T08:00:00Z", "2015-09-12T16:00:00Z"},
      {"DAY", "2015-09-12T00:00:00Z", "2015-09-13T00:00:00Z"},
      {"WEEK", "2015-09-07T00:00:00Z", "2015-09-14T00:00:00Z"},
      {"MONTH", "2015-09-01T00:00:00Z", "2015-10-01T00:00:00Z"},
      {"QUARTER", "2015-07-01T00:00:00Z", "2015-10-01T00:00:00Z"},
      {"YEAR", "2015-01-01T00:00:00Z", "2016-01-01T00:00:00Z"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Granularity> g = Granularity::fromName(c.name);
    ASSERT_TRUE(g.ok()) << c.name << ": " << g.status();
    int64_t start = g->bucketStartMs(t);
    EXPECT_EQ(formatTimestamp(start, true), formatTimestamp(ms(c.start), true)) << c.name;
    EXPECT_EQ(formatTimestamp(g->nextBucketStartMs(start), true), formatTimestamp(ms(c.next), true)) << c.name;
  }
}

TEST(GranularityTest, NoneAndAll) {
  const int64_t t = ms("2015-09-12T13:47:21.456Z");
  EXPECT_EQ(Granularity::none().bucketStartMs(t), t);
  EXPECT_EQ(Granularity::all().bucketStartMs(t), INT64_MIN);
  EXPECT_EQ(Granularity::fromName("none")->toString(), "NONE");
  EXPECT_EQ(Granularity::fromName("All")->toString(), "ALL");
}

TEST(GranularityTest, NegativeTimestampsFloor) {
  Granularity hour = *Granularity::fromName("HOUR");
  EXPECT_EQ(hour.bucketStartMs(-1), -3'600'000);
  Granularity month = *Granularity::fromName("MONTH");
  EXPECT_EQ(formatTimestamp(month.bucketStartMs(ms("1969-12-31T23:00:00Z")), false), "1969-12-01 00:00:00");
}

TEST(GranularityTest, PeriodWithOrigin) {
  absl::StatusOr<Granularity> g = Granularity::fromPeriod(Period{.hours = 2}, ms("2015-01-01T01:00:00Z"));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(formatTimestamp(g->bucketStartMs(ms("2015-09-12T13:47:00Z")), false), "2015-09-12 13:00:00");
}

TEST(GranularityTest, RejectsUnknownNameAndMixedPeriods) {
  absl::StatusOr<Granularity> g = Granularity::fromName("DAYS");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("unknown granularity 'DAYS'; expected one of NONE"), absl::string_view::npos)
      << g.status();
  EXPECT_FALSE(Granularity::fromPeriod(Period{.months = 1, .days = 1}).ok());
  EXPECT_FALSE(Granularity::fromPeriod(Period{}).ok());
  EXPECT_FALSE(Granularity::fromPeriod(Period{.months = 1}, 0).ok());
}

TEST(GranularityTest, NominalLengthsOrder) {
  const char* ordered[] = {"NONE", "SECOND", "MINUTE", "FIFTEEN_MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER",
                           "YEAR", "ALL"};
  for (size_t i = 1; i < std::size(ordered); ++i) {
    EXPECT_LT(Granularity::fromName(ordered[i - 1])->nominalMillis(), Granularity::fromName(ordered[i])->nominalMillis())
        << ordered[i - 1] << " < " << ordered[i];
  }
}

}  // namespace
}  // namespace furl::ingest
