#pragma once

// ISO-8601 periods as Druid specs write them: PT10M, PT1H, P1D, P1W, P1M,
// P1Y, P1DT12H, PT0.5S.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace furl {

/// An ISO-8601 period: a count of each unit, all non-negative.
struct Period {
  int64_t years = 0;
  int64_t months = 0;
  int64_t weeks = 0;
  int64_t days = 0;
  int64_t hours = 0;
  int64_t minutes = 0;
  int64_t seconds = 0;
  int64_t millis = 0;

  /// True when the period has years or months, whose length in
  /// milliseconds depends on the calendar.
  bool hasCalendarUnits() const { return years != 0 || months != 0; }
  bool isZero() const;

  /// The length in milliseconds, counting a day as 24 hours because UTC has
  /// no daylight saving time. nullopt when the period has years or months,
  /// or when the length overflows int64.
  std::optional<int64_t> fixedMillis() const;

  /// `ms` minus this period: years and months on the UTC calendar (the day
  /// of the month clamped to the target month's length), then the fixed
  /// units. nullopt on overflow.
  std::optional<int64_t> subtractFrom(int64_t ms) const;

  /// The ISO-8601 text, units in order and zero units left out (`PT15M`,
  /// `P1DT12H`, `PT0.5S`; `PT0S` for the zero period).
  std::string toString() const;

  bool operator==(const Period&) const = default;
};

/// Parses an ISO-8601 period `PnYnMnWnDTnHnMnS`: units in that order, each
/// at most once, at least one unit, seconds with up to 3 decimals. Lower-case
/// letters are accepted. InvalidArgument names the text when it is invalid.
absl::StatusOr<Period> parsePeriod(std::string_view text);

}  // namespace furl
