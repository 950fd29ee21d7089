#include <gtest/gtest.h>

#include <limits>

#include "common/time_util.h"
#include "storage/database.h"

namespace furl::storage {
namespace {

int64_t ms(int32_t year, uint32_t month, uint32_t day, int64_t hour = 0, int64_t minute = 0, int64_t second = 0,
           int64_t millis = 0) {
  return int64_t{daysFromCivil(year, month, day)} * 86'400'000 + hour * 3'600'000 + minute * 60'000 +
         second * 1000 + millis;
}

TEST(GranularityTest, ChunkStartOfEachGranularity) {
  // 2024-03-15 is a Friday.
  int64_t t = ms(2024, 3, 15, 13, 45, 30, 123);
  EXPECT_EQ(chunkStartMs(Granularity::kAll, t), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(chunkStartMs(Granularity::kMinute, t), ms(2024, 3, 15, 13, 45));
  EXPECT_EQ(chunkStartMs(Granularity::kHour, t), ms(2024, 3, 15, 13));
  EXPECT_EQ(chunkStartMs(Granularity::kDay, t), ms(2024, 3, 15));
  EXPECT_EQ(chunkStartMs(Granularity::kWeek, t), ms(2024, 3, 11));
  EXPECT_EQ(chunkStartMs(Granularity::kMonth, t), ms(2024, 3, 1));
  EXPECT_EQ(chunkStartMs(Granularity::kYear, t), ms(2024, 1, 1));
}

TEST(GranularityTest, WeekStartsOnMonday) {
  EXPECT_EQ(chunkStartMs(Granularity::kWeek, ms(2024, 3, 11)), ms(2024, 3, 11));  // Monday
  EXPECT_EQ(chunkStartMs(Granularity::kWeek, ms(2024, 3, 17, 23, 59)), ms(2024, 3, 11));  // Sunday
  EXPECT_EQ(chunkStartMs(Granularity::kWeek, ms(1970, 1, 1)), ms(1969, 12, 29));  // a Thursday
}

TEST(GranularityTest, NegativeTimesRoundDown) {
  EXPECT_EQ(chunkStartMs(Granularity::kDay, -1), -86'400'000);
  EXPECT_EQ(chunkStartMs(Granularity::kHour, -1), -3'600'000);
  EXPECT_EQ(chunkStartMs(Granularity::kMinute, -60'000), -60'000);
  EXPECT_EQ(chunkStartMs(Granularity::kMonth, ms(1969, 12, 31, 23)), ms(1969, 12, 1));
  EXPECT_EQ(chunkStartMs(Granularity::kYear, -1), ms(1969, 1, 1));
}

TEST(GranularityTest, ChunkEndIsNextChunkStart) {
  EXPECT_EQ(chunkEndMs(Granularity::kAll, std::numeric_limits<int64_t>::min()), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(chunkEndMs(Granularity::kMinute, ms(2024, 3, 15, 13, 45)), ms(2024, 3, 15, 13, 46));
  EXPECT_EQ(chunkEndMs(Granularity::kHour, ms(2024, 3, 15, 23)), ms(2024, 3, 16));
  EXPECT_EQ(chunkEndMs(Granularity::kDay, ms(2024, 2, 28)), ms(2024, 2, 29));
  EXPECT_EQ(chunkEndMs(Granularity::kWeek, ms(2024, 12, 30)), ms(2025, 1, 6));
  EXPECT_EQ(chunkEndMs(Granularity::kMonth, ms(2024, 2, 1)), ms(2024, 3, 1));
  EXPECT_EQ(chunkEndMs(Granularity::kMonth, ms(2024, 12, 1)), ms(2025, 1, 1));
  EXPECT_EQ(chunkEndMs(Granularity::kYear, ms(2024, 1, 1)), ms(2025, 1, 1));
}

TEST(GranularityTest, EveryTimeFallsInsideItsChunk) {
  for (Granularity granularity : {Granularity::kMinute, Granularity::kHour, Granularity::kDay, Granularity::kWeek,
                                  Granularity::kMonth, Granularity::kYear}) {
    for (int64_t t = ms(1960, 1, 1); t < ms(2040, 1, 1); t += 7'777'777'777) {
      int64_t start = chunkStartMs(granularity, t);
      int64_t end = chunkEndMs(granularity, start);
      ASSERT_LE(start, t) << granularityName(granularity) << " t=" << t;
      ASSERT_LT(t, end) << granularityName(granularity) << " t=" << t;
      ASSERT_EQ(chunkStartMs(granularity, end), end) << granularityName(granularity) << " t=" << t;
    }
  }
}

TEST(GranularityTest, ParsesNamesInAnyCase) {
  EXPECT_EQ(parseGranularity("DAY"), Granularity::kDay);
  EXPECT_EQ(parseGranularity("hour"), Granularity::kHour);
  EXPECT_EQ(parseGranularity("Week"), Granularity::kWeek);
  EXPECT_EQ(parseGranularity("all"), Granularity::kAll);
  EXPECT_EQ(parseGranularity("FIFTEEN_MINUTE"), std::nullopt);
  EXPECT_EQ(parseGranularity(""), std::nullopt);
  for (Granularity granularity : {Granularity::kAll, Granularity::kMinute, Granularity::kHour, Granularity::kDay,
                                  Granularity::kWeek, Granularity::kMonth, Granularity::kYear}) {
    EXPECT_EQ(parseGranularity(granularityName(granularity)), granularity) << granularityName(granularity);
  }
}

}  // namespace
}  // namespace furl::storage
