#pragma once

// Druid granularities: the time buckets that segments cover
// (segmentGranularity) and that rollup truncates __time to
// (queryGranularity). All buckets are in UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/period.h"

namespace furl::ingest {

/// A granularity: NONE (no truncation), ALL (one bucket for all time), or a
/// period. Periods of weeks, days, hours, minutes, seconds and milliseconds
/// form buckets of fixed length counted from an origin (default the epoch;
/// Monday 1970-01-05 for week-only periods, as Druid's WEEK starts on
/// Monday). Periods of whole months or years form calendar buckets aligned
/// to January of year 0 (so P3M buckets are calendar quarters).
class Granularity {
 public:
  enum class Kind { kNone, kAll, kPeriod };

  /// NONE.
  Granularity() = default;

  static Granularity none();
  static Granularity all();
  /// InvalidArgument when the period is zero, mixes months or years with
  /// smaller units, or overflows; or when an origin is given for a calendar
  /// period.
  static absl::StatusOr<Granularity> fromPeriod(const Period& period, std::optional<int64_t> originMs = std::nullopt);

  /// Parses a Druid granularity name (NONE, ALL, SECOND, MINUTE,
  /// FIVE_MINUTE, TEN_MINUTE, FIFTEEN_MINUTE, THIRTY_MINUTE, HOUR,
  /// SIX_HOUR, EIGHT_HOUR, DAY, WEEK, MONTH, QUARTER, YEAR),
  /// case-insensitive. InvalidArgument lists the names when `name` is none
  /// of them.
  static absl::StatusOr<Granularity> fromName(std::string_view name);

  /// The accepted names, comma-separated, for error messages.
  static std::string_view namesForMessage();

  Kind kind() const { return kind_; }
  const Period& period() const { return period_; }
  /// The Druid name when it has one (`HOUR`), else the period (`PT2H`).
  std::string toString() const;

  /// The start of the bucket that contains `timestampMs`: timestampMs itself
  /// for NONE, INT64_MIN for ALL.
  int64_t bucketStartMs(int64_t timestampMs) const;
  /// The start of the bucket after the one starting at `bucketStartMs`:
  /// bucketStartMs + 1 for NONE, INT64_MAX for ALL.
  int64_t nextBucketStartMs(int64_t bucketStartMs) const;

  /// A bucket length for comparing granularities: 0 for NONE, INT64_MAX for
  /// ALL, months counted as 31 days and years as 366 days, so that a
  /// granularity finer than another has a smaller nominal length.
  int64_t nominalMillis() const;

  /// Equal buckets: the same kind, bucket length and origin (PT60S equals
  /// MINUTE).
  bool operator==(const Granularity& other) const;

 private:
  Kind kind_ = Kind::kNone;
  Period period_;
  int64_t fixedMillis_ = 0;     // bucket length for fixed periods; 0 for calendar ones
  int64_t originMs_ = 0;        // fixed periods only
  int64_t calendarMonths_ = 0;  // bucket length in months for calendar periods
};

}  // namespace furl::ingest
