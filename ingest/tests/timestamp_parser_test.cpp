#include "ingest/timestamp_parser.h"

#include <gtest/gtest.h>

#include "common/time_util.h"

namespace furl::ingest {
namespace {

constexpr int64_t kExpectedMs = 1442065618771;  // 2015-09-12T13:46:58.771Z

TimestampParser parserFor(const char* format) {
  absl::StatusOr<TimestampParser> parser = TimestampParser::create(format);
  EXPECT_TRUE(parser.ok()) << format << ": " << parser.status();
  return parser.ok() ? *parser : TimestampParser();
}

TEST(TimestampParserTest, NamedFormats) {
  struct Case {
    const char* format;
    Value value;
    int64_t expected;
  };
  const Case cases[] = {
      {"auto", Value::string("2015-09-12T13:46:58.771Z"), kExpectedMs},
      {"auto", Value::string("2015-09-12 13:46:58.771"), kExpectedMs},
      {"auto", Value::int64(kExpectedMs), kExpectedMs},
      {"auto", Value::string("1442065618771"), kExpectedMs},
      {"iso", Value::string("2015-09-12T13:46:58.771Z"), kExpectedMs},
      {"iso", Value::string("2015-09-12T15:46:58.771+02:00"), kExpectedMs},
      {"ISO", Value::string("2015-09-12"), 1442016000000},
      {"millis", Value::int64(kExpectedMs), kExpectedMs},
      {"millis", Value::string("1442065618771"), kExpectedMs},
      {"posix", Value::int64(1442065618), 1442065618000},
      {"posix", Value::string("1442065618"), 1442065618000},
      {"micro", Value::int64(1442065618771123), kExpectedMs},
      {"nano", Value::int64(1442065618771123456), kExpectedMs},
      {"nano", Value::string("1442065618771123456"), kExpectedMs},
      {"ruby", Value::float64(1442065618.771), kExpectedMs},
      {"micro", Value::int64(-1), -1},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> ms = parserFor(c.format).parse(c.value);
    ASSERT_TRUE(ms.ok()) << c.format << " " << c.value.toString() << ": " << ms.status();
    EXPECT_EQ(*ms, c.expected) << c.format << " " << c.value.toString();
  }
}

TEST(TimestampParserTest, JodaPatterns) {
  struct Case {
    const char* pattern;
    const char* text;
    int64_t expected;
  };
  const Case cases[] = {
      {"yyyy-MM-dd HH:mm:ss", "2015-09-12 13:46:58", 1442065618000},
      {"yyyy-MM-dd HH:mm:ss.SSS", "2015-09-12 13:46:58.771", kExpectedMs},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2015-09-12T13:46:58.771Z", kExpectedMs},
      {"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "2015-09-12T15:46:58.771+02:00", kExpectedMs},
      {"yyyyMMddHHmmss", "20150912134658", 1442065618000},
      {"dd/MMM/yyyy:HH:mm:ss Z", "12/Sep/2015:13:46:58 +0000", 1442065618000},
      {"EEE, d MMMM yyyy h:mm a", "Sat, 12 September 2015 1:46 PM", 1442065560000},
      {"yyyy-M-d", "2015-9-12", 1442016000000},
      {"M/d/yyyy", "12/31/1969", -86400000},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> ms = parserFor(c.pattern).parseText(c.text);
    ASSERT_TRUE(ms.ok()) << c.pattern << " '" << c.text << "': " << ms.status();
    EXPECT_EQ(*ms, c.expected) << c.pattern << " '" << c.text << "' gave " << formatTimestamp(*ms, true);
  }
}

TEST(TimestampParserTest, RejectsBadValues) {
  struct Case {
    const char* format;
    Value value;
  };
  const Case cases[] = {
      {"iso", Value::string("12/09/2015")},
      {"iso", Value::int64(kExpectedMs)},
      {"auto", Value::string("yesterday")},
      {"millis", Value::string("12.5.3")},
      {"posix", Value::boolean(true)},
      {"yyyy-MM-dd", Value::string("2015-02-30")},
      {"yyyy-MM-dd", Value::string("2015-13-01")},
      {"yyyy-MM-dd HH:mm", Value::string("2015-09-12 24:00")},
      {"yyyy-MM-dd", Value::string("2015-09-12 extra")},
      {"auto", Value::null()},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> ms = parserFor(c.format).parse(c.value);
    EXPECT_FALSE(ms.ok()) << c.format << " " << c.value.toString() << " gave " << (ms.ok() ? *ms : 0);
  }
}

TEST(TimestampParserTest, RejectsUnsupportedPatterns) {
  for (const char* pattern : {"yy-MM-dd", "yyyy-MM-dd QQ", "HH:mm", "yyyy-MM-dd 'T", "yyyy-MM-dd hh:mm"}) {
    EXPECT_FALSE(TimestampParser::create(pattern).ok()) << pattern;
  }
  absl::StatusOr<TimestampParser> parser = TimestampParser::create("yyyy-MM-dd QQ");
  ASSERT_FALSE(parser.ok());
  EXPECT_NE(parser.status().message().find("unsupported letter 'Q'"), absl::string_view::npos) << parser.status();
}

}  // namespace
}  // namespace furl::ingest
