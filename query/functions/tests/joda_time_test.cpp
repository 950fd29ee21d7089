#include "query/functions/joda_time.h"

#include <random>
#include <string>

#include "common/error.h"
#include "common/time_util.h"
#include "gtest/gtest.h"

namespace furl::query {
namespace {

std::string formatted(std::string_view pattern, int64_t ms) {
  std::string out;
  JodaPattern::compile(pattern).format(ms, out);
  return out;
}

int64_t msOf(std::string_view text) { return *parseTimestampMs(text); }

TEST(JodaPattern, FormatsEveryLetter) {
  int64_t ms = msOf("2024-03-05 22:07:09.045");  // a Tuesday, ISO week 10
  EXPECT_EQ(formatted("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", ms), "2024-03-05T22:07:09.045Z");
  EXPECT_EQ(formatted("yy M d H m s S", ms), "24 3 5 22 7 9 0");
  EXPECT_EQ(formatted("MMM MMMM EEE EEEE", ms), "Mar March Tue Tuesday");
  EXPECT_EQ(formatted("h K k a", ms), "10 10 22 PM");
  EXPECT_EQ(formatted("D e w xxxx G", ms), "65 2 10 2024 AD");
  EXPECT_EQ(formatted("Z ZZ ZZZ z", ms), "+0000 +00:00 UTC UTC");
  EXPECT_EQ(formatted("SSSSSS", ms), "045000");
  EXPECT_EQ(formatted("'o''clock' ''", ms), "o'clock '");
  // Hour 0 is 24 for k and 12 for h.
  int64_t midnight = msOf("2024-01-01 00:30:00");
  EXPECT_EQ(formatted("k h K a", midnight), "24 12 0 AM");
  // 2021-01-03 is a Sunday in ISO week 53 of 2020.
  EXPECT_EQ(formatted("xxxx-'W'ww-e", msOf("2021-01-03 12:00:00")), "2020-W53-7");
  EXPECT_EQ(formatted("yyyy-MM-dd HH:mm", msOf("1969-12-31 23:59:00")), "1969-12-31 23:59");
}

TEST(JodaPattern, ParsesWhatItFormats) {
  const char* patterns[] = {"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "yyyyMMddHHmmss", "dd/MM/yyyy hh:mm:ss.SSS a",
                            "EEE, d MMM yyyy HH:mm:ss Z", "EEEE MMMM d yyyy k:mm:ss.SSS", "yyyy D HH:mm:ss.SSS",
                            "xxxx ww e HH:mm:ss.SSS"};
  std::mt19937_64 rng(11);
  for (const char* pattern : patterns) {
    JodaPattern compiled = JodaPattern::compile(pattern);
    bool hasMillis = std::string_view(pattern).find('S') != std::string_view::npos;
    for (int i = 0; i < 2000; ++i) {
      // 1900-01-01 .. 2099-12-31
      int64_t ms = -2208988800000 + static_cast<int64_t>(rng() % 6311347200000ULL);
      if (!hasMillis) ms -= ((ms % 1000) + 1000) % 1000;
      std::string text;
      compiled.format(ms, text);
      std::optional<int64_t> parsed = compiled.parse(text);
      ASSERT_TRUE(parsed.has_value()) << pattern << ": " << text;
      EXPECT_EQ(*parsed, ms) << pattern << ": " << text;
    }
  }
}

TEST(JodaPattern, ParseAppliesOffsetsAndRejectsInvalidDates) {
  JodaPattern withOffset = JodaPattern::compile("yyyy-MM-dd HH:mm ZZ");
  EXPECT_EQ(withOffset.parse("2024-03-05 12:00 +02:00"), msOf("2024-03-05 10:00:00"));
  EXPECT_EQ(withOffset.parse("2024-03-05 12:00 -0130"), msOf("2024-03-05 13:30:00"));
  EXPECT_EQ(withOffset.parse("2024-03-05 12:00 Z"), msOf("2024-03-05 12:00:00"));
  JodaPattern date = JodaPattern::compile("yyyy-MM-dd");
  EXPECT_EQ(date.parse("2024-02-29"), msOf("2024-02-29 00:00:00"));
  EXPECT_FALSE(date.parse("2023-02-29").has_value());
  EXPECT_FALSE(date.parse("2024-13-01").has_value());
  EXPECT_FALSE(date.parse("2024-03-05x").has_value());
  EXPECT_FALSE(date.parse("2024/03/05").has_value());
  EXPECT_FALSE(date.parse("").has_value());
  EXPECT_FALSE(JodaPattern::compile("HH:mm").parse("24:00").has_value());
  EXPECT_FALSE(JodaPattern::compile("hh a").parse("13 PM").has_value());
  EXPECT_EQ(JodaPattern::compile("MMM d yyyy").parse("mar 5 2024"), msOf("2024-03-05 00:00:00"));
}

TEST(JodaPattern, TwoDigitYearsPivotNearNow) {
  // Joda reads yy within 50 years of (this year - 30); 2024 and 1990 are in
  // that window for any year this code runs in before 2069.
  JodaPattern pattern = JodaPattern::compile("yy-MM-dd");
  EXPECT_EQ(pattern.parse("24-03-05"), msOf("2024-03-05 00:00:00"));
  EXPECT_EQ(pattern.parse("90-03-05"), msOf("1990-03-05 00:00:00"));
}

TEST(JodaPattern, RejectsUnknownLettersAndOpenQuotes) {
  EXPECT_THROW(JodaPattern::compile("yyyy-qq"), QueryError);
  EXPECT_THROW(JodaPattern::compile("yyyy 'T"), QueryError);
  try {
    JodaPattern::compile("yyyy-MM-dd T HH");
    FAIL() << "expected an error for the unquoted T";
  } catch (const QueryError& error) {
    EXPECT_NE(std::string(error.what()).find("'T'"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace furl::query
