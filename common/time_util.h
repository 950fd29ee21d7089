#pragma once

// Calendar arithmetic on UTC timestamps (proleptic Gregorian calendar).
// Days count from 1970-01-01; timestamps are milliseconds since the epoch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace furl {

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

/// Days since 1970-01-01 of a civil date (valid for any int32 year range used here).
int32_t daysFromCivil(int32_t year, uint32_t month, uint32_t day);
CivilDate civilFromDays(int32_t days);

/// Floor division of milliseconds into days, correct for negative values.
inline int32_t daysFromMs(int64_t ms) {
  int64_t d = ms / 86400000;
  if (ms % 86400000 < 0) --d;
  return static_cast<int32_t>(d);
}

/// ISO weekday, 1 = Monday .. 7 = Sunday.
uint32_t isoWeekday(int32_t days);

/// `YYYY-MM-DD`.
std::string formatDate(int32_t days);
/// `YYYY-MM-DD hh:mm:ss`, plus `.mmm` when withMillis.
std::string formatTimestamp(int64_t ms, bool withMillis);
/// Appends the same text to `out` without allocating a temporary.
void appendTimestamp(std::string& out, int64_t ms, bool withMillis);
void appendDate(std::string& out, int32_t days);

/// Parses `YYYY-MM-DD`; nullopt when invalid.
std::optional<int32_t> parseDate(std::string_view text);
/// Parses a timestamp: `YYYY-MM-DD`, `YYYY-MM-DD hh:mm[:ss[.fff…]]`, the
/// ISO-8601 form with `T` and an optional `Z` or `±hh:mm` offset. Fractions
/// beyond milliseconds are truncated. Returns nullopt when invalid.
std::optional<int64_t> parseTimestampMs(std::string_view text);
/// The spellings parseTimestampMs() accepts, for error messages.
inline constexpr std::string_view kTimestampSpellings =
    "YYYY-MM-DD, YYYY-MM-DD hh:mm:ss[.fff], ISO 8601 such as 2015-09-12T00:46:58.771Z";

/// ClickHouse reads an integer written for a DateTime64 value (in VALUES,
/// TSV, CSV, JSON or a string cast) as ticks of the column precision when it
/// is at least this value, and as Unix seconds below it. 9908870400 seconds
/// is 2284-01-01, past the DateTime64 range, and 9908870400 ms is
/// 1970-04-25, so every real timestamp is read the way it was meant.
inline constexpr int64_t kDateTime64MinTicks = 9908870400;

/// Milliseconds since the epoch for an integer read as a DateTime64(3)
/// value, by the rule of kDateTime64MinTicks: ticks are milliseconds.
/// nullopt when seconds this far before the epoch overflow milliseconds.
inline std::optional<int64_t> dateTime64MsFromInteger(int64_t value) {
  if (value >= kDateTime64MinTicks) return value;
  if (value < INT64_MIN / 1000) return std::nullopt;
  return value * 1000;
}

/// Current wall-clock time in milliseconds since the epoch.
int64_t nowMs();

}  // namespace furl
