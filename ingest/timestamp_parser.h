#pragma once

// Event timestamps per a Druid timestampSpec format: auto, iso, millis,
// posix, micro, nano, ruby, or a Joda-Time pattern such as
// `yyyy-MM-dd HH:mm:ss`. Results are milliseconds since the Unix epoch, UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/value.h"

namespace furl::ingest {

enum class TimestampFormat {
  kAuto,     // numbers and all-digit strings as millis, other strings as ISO-8601
  kIso,      // ISO-8601 text
  kMillis,   // milliseconds since the epoch
  kPosix,    // seconds since the epoch
  kMicro,    // microseconds since the epoch
  kNano,     // nanoseconds since the epoch
  kRuby,     // seconds since the epoch with a fraction (Ruby's Time#to_f)
  kPattern,  // a Joda-Time pattern
};

/// A compiled timestamp format. Copyable; parse() is const and thread-safe.
class TimestampParser {
 public:
  /// Parses "auto" (the default when the spec has no format).
  TimestampParser() = default;

  /// Compiles a Druid format name (case-insensitive) or a Joda-Time pattern.
  /// Patterns support y (yyyy: 4-digit year), M (month, MMM/MMMM English
  /// names), d, H, h with a (AM/PM), m, s, S (fraction), E (day names,
  /// checked for shape only), Z (`Z`, `+hhmm` or `+hh:mm`), 'quoted' text and
  /// punctuation. InvalidArgument names the unsupported letter otherwise.
  static absl::StatusOr<TimestampParser> create(std::string_view format);

  TimestampFormat format() const { return format_; }
  /// The format as written in the spec.
  const std::string& formatText() const { return formatText_; }

  /// Converts a field value to milliseconds. Numbers are accepted by the
  /// numeric formats and by auto; strings by every format. Fractions of a
  /// millisecond are truncated toward negative infinity. InvalidArgument
  /// names the value and the format when it does not parse; NULL is an error
  /// too (the caller applies missingValue first).
  absl::StatusOr<int64_t> parse(const Value& value) const;
  absl::StatusOr<int64_t> parseText(std::string_view text) const;

 private:
  struct Token {
    enum class Kind { kLiteral, kYear, kMonth, kMonthName, kDay, kHour24, kHour12, kAmPm, kMinute, kSecond,
                      kFraction, kDayName, kZone };
    Kind kind;
    int width = 0;        // letters in the pattern: MM is 2, SSS is 3
    std::string literal;  // kLiteral only
  };

  absl::StatusOr<int64_t> parseNumber(double value, bool isIntegral, int64_t integral) const;
  absl::StatusOr<int64_t> parsePattern(std::string_view text) const;
  /// Parses text of fixedSize_ bytes with every field at its fixed offset;
  /// nullopt when it does not fit, so that parsePattern() decides.
  std::optional<int64_t> parseFixedLayout(std::string_view text) const;
  void compileFixedLayout();
  absl::Status invalid(std::string_view text) const;

  TimestampFormat format_ = TimestampFormat::kAuto;
  std::string formatText_ = "auto";
  std::vector<Token> tokens_;

  /// The offsets of the fields in text of the pattern's canonical form, for
  /// patterns of numeric fields and literals only, such as
  /// `yyyy-MM-dd HH:mm:ss`. In that form years have 4 digits and the other
  /// fields 2 (MM, not M). fixedSize_ is its length, or 0 for other
  /// patterns. parseFixedLayout() reads such text without the token loop.
  /// A field the pattern does not have has offset -1.
  size_t fixedSize_ = 0;
  int yearOffset_ = -1;
  int monthOffset_ = -1;
  int dayOffset_ = -1;
  int hourOffset_ = -1;
  int minuteOffset_ = -1;
  int secondOffset_ = -1;
  /// Every literal byte of the pattern with its offset.
  std::vector<std::pair<int, char>> fixedLiterals_;
};

}  // namespace furl::ingest
