#include "ingest/timestamp_parser.h"

#include <gtest/gtest.h>

#include "common/time_util.h"
#include "ingest/text_util.h"

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

TEST(TimestampParserTest, FixedLayoutsMatchTheTokenLoop) {
  // Patterns with every field at a fixed width take a shortcut for text of
  // that width. The one-letter patterns, which take the token loop, must
  // read the same text alike, valid or not.
  struct Pair {
    const char* fixed;
    const char* loop;
  };
  const Pair pairs[] = {
      {"yyyy-MM-dd HH:mm:ss", "yyyy-M-d H:m:s"},
      {"yyyy-MM-dd'T'HH:mm", "yyyy-M-d'T'H:m"},
      {"dd.MM.yyyy", "d.M.yyyy"},
  };
  const char* dates[] = {"2013-07-01", "2000-02-29", "1900-02-29", "2100-02-29", "2013-02-29", "2012-02-29",
                         "2013-04-31", "2013-04-30", "2013-12-31", "2013-13-01", "2013-00-10", "2013-01-00",
                         "0000-02-29", "9999-12-31", "1969-12-31", "2013-0a-01", "2013-07-1x", "x013-07-01"};
  const char* times[] = {"00:00:00", "23:59:59", "24:00:00", "23:60:00", "23:59:60", "1a:00:00", "12:34:56"};
  for (const Pair& pair : pairs) {
    TimestampParser fixed = parserFor(pair.fixed);
    TimestampParser loop = parserFor(pair.loop);
    std::string_view pattern = pair.fixed;
    for (const char* date : dates) {
      for (const char* time : times) {
        std::string_view d = date;
        std::string_view t = time;
        std::string text;
        if (pattern.starts_with("dd")) {
          text = strCat(d.substr(8, 2), ".", d.substr(5, 2), ".", d.substr(0, 4));
        } else if (pattern.find('T') != std::string_view::npos) {
          text = strCat(d, "T", t.substr(0, 5));
        } else {
          text = strCat(d, " ", t);
        }
        for (std::string variant : {text, strCat(text, " "), text.substr(1), strCat(text.substr(0, 4), "/",
                                                                                   text.substr(5))}) {
          SCOPED_TRACE(strCat(pair.fixed, " '", variant, "'"));
          absl::StatusOr<int64_t> expected = loop.parseText(variant);
          absl::StatusOr<int64_t> ms = fixed.parseText(variant);
          ASSERT_EQ(ms.ok(), expected.ok()) << ms.status() << " / " << expected.status();
          if (ms.ok()) {
            EXPECT_EQ(*ms, *expected);
          } else {
            EXPECT_NE(ms.status().message().find(variant.substr(0, 10)), std::string_view::npos);
          }
        }
      }
    }
  }
  EXPECT_EQ(*parserFor("yyyy-MM-dd HH:mm:ss").parseText("2013-07-01 00:00:02"), 1372636802000);
  EXPECT_EQ(*parserFor("yyyy-MM-dd HH:mm:ss").parseText("2000-02-29 23:59:59"), 951868799000);
  EXPECT_FALSE(parserFor("yyyy-MM-dd HH:mm:ss").parseText("2100-02-29 00:00:00").ok());
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
