#pragma once

// Joda-Time patterns (the DateTimeFormat syntax of Druid's TIME_FORMAT and
// TIME_PARSE, such as "yyyy-MM-dd'T'HH:mm:ss.SSSZZ"), formatted and parsed
// in UTC.
//
// Letters: y/Y/u year (yy: two digits), x week-based year, M month (M, MM
// numbers, MMM short name, MMMM full name), w week of the week-based year,
// d day of month, D day of year, e ISO day of week (1 = Monday), E day name
// (EEE short, EEEE full), a AM/PM, H hour 0-23, k hour 1-24, h hour 1-12,
// K hour 0-11, m minute, s second, S fraction of a second (one letter per
// digit), Z offset (Z: +0000, ZZ: +00:00, ZZZ: UTC), z zone name (UTC), G
// era (AD). Text in single quotes is literal ('' is a quote); other
// characters that are not letters are literal. Other letters are rejected
// when the pattern is compiled.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace furl::query {

class JodaPattern {
 public:
  /// Compiles `pattern`; throws QueryError (kBadArguments) naming a letter
  /// that Furl does not support, or an unclosed quote.
  static JodaPattern compile(std::string_view pattern);

  /// Appends `ms` (milliseconds since the epoch, UTC) formatted.
  void format(int64_t ms, std::string& out) const;

  /// Parses `text` (all of it) to milliseconds since the epoch; nullopt when
  /// it does not match the pattern or names an invalid date. Missing fields
  /// default to 1970-01-01 00:00:00.000. A parsed offset (Z) is applied.
  std::optional<int64_t> parse(std::string_view text) const;

 private:
  struct Field {
    char letter = 0;  // 0 for a literal
    int width = 0;    // how many times the letter repeats
    std::string literal;
  };

  std::vector<Field> fields_;
};

}  // namespace furl::query
