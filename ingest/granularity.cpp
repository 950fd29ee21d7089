#include "ingest/granularity.h"

#include <array>
#include <limits>
#include <utility>

#include "ingest/text_util.h"
#include "common/time_util.h"

namespace furl::ingest {
namespace {

struct NamedGranularity {
  std::string_view name;
  Period period;
};

// NONE and ALL are handled apart from these.
const std::array<NamedGranularity, 14>& namedPeriods() {
  static const std::array<NamedGranularity, 14> kNamed = {{
      {"SECOND", Period{.seconds = 1}},
      {"MINUTE", Period{.minutes = 1}},
      {"FIVE_MINUTE", Period{.minutes = 5}},
      {"TEN_MINUTE", Period{.minutes = 10}},
      {"FIFTEEN_MINUTE", Period{.minutes = 15}},
      {"THIRTY_MINUTE", Period{.minutes = 30}},
      {"HOUR", Period{.hours = 1}},
      {"SIX_HOUR", Period{.hours = 6}},
      {"EIGHT_HOUR", Period{.hours = 8}},
      {"DAY", Period{.days = 1}},
      {"WEEK", Period{.weeks = 1}},
      {"MONTH", Period{.months = 1}},
      {"QUARTER", Period{.months = 3}},
      {"YEAR", Period{.years = 1}},
  }};
  return kNamed;
}

constexpr int64_t kMondayOriginMs = 4 * 86'400'000LL;  // 1970-01-05T00:00Z

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Granularity Granularity::none() { return Granularity(); }

Granularity Granularity::all() {
  Granularity g;
  g.kind_ = Kind::kAll;
  return g;
}

absl::StatusOr<Granularity> Granularity::fromPeriod(const Period& period, std::optional<int64_t> originMs) {
  if (period.isZero()) return absl::InvalidArgumentError("a granularity period must not be zero");
  Granularity g;
  g.kind_ = Kind::kPeriod;
  g.period_ = period;

  if (period.hasCalendarUnits()) {
    Period calendarPart{.years = period.years, .months = period.months};
    if (!(period == calendarPart)) {
      return absl::InvalidArgumentError(strCat("granularity period ", period.toString(),
                                                     " mixes years or months with smaller units; use one kind"));
    }
    if (originMs.has_value()) {
      return absl::InvalidArgumentError(strCat("an origin is not supported for the calendar period ",
                                                     period.toString(), "; use a period of days or smaller"));
    }
    g.calendarMonths_ = period.years * 12 + period.months;
    return g;
  }

  std::optional<int64_t> length = period.fixedMillis();
  if (!length.has_value()) return absl::InvalidArgumentError(strCat("granularity period ", period.toString(), " is too long"));
  g.fixedMillis_ = *length;
  bool weeksOnly = period == Period{.weeks = period.weeks};
  g.originMs_ = originMs.value_or(weeksOnly ? kMondayOriginMs : 0);
  return g;
}

absl::StatusOr<Granularity> Granularity::fromName(std::string_view name) {
  std::string upper = toUpperAscii(name);
  if (upper == "NONE") return none();
  if (upper == "ALL") return all();
  for (const NamedGranularity& named : namedPeriods()) {
    if (named.name == upper) return fromPeriod(named.period);
  }
  return absl::InvalidArgumentError(
      strCat("unknown granularity '", name, "'; expected one of ", namesForMessage()));
}

std::string_view Granularity::namesForMessage() {
  return "NONE, SECOND, MINUTE, FIVE_MINUTE, TEN_MINUTE, FIFTEEN_MINUTE, THIRTY_MINUTE, HOUR, "
         "SIX_HOUR, EIGHT_HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, ALL";
}

std::string Granularity::toString() const {
  if (kind_ == Kind::kNone) return "NONE";
  if (kind_ == Kind::kAll) return "ALL";
  bool weeksOnly = period_ == Period{.weeks = period_.weeks};
  bool defaultOrigin = weeksOnly ? originMs_ == kMondayOriginMs : originMs_ == 0;
  if (defaultOrigin) {
    // Compare lengths, so that PT60S and a 60000 ms duration are MINUTE.
    for (const NamedGranularity& named : namedPeriods()) {
      bool namedWeeksOnly = named.period == Period{.weeks = named.period.weeks};
      if (named.period.hasCalendarUnits()) {
        if (named.period.years * 12 + named.period.months == calendarMonths_) return std::string(named.name);
      } else if (named.period.fixedMillis() == fixedMillis_ && namedWeeksOnly == weeksOnly) {
        return std::string(named.name);
      }
    }
  }
  std::string text = period_.toString();
  if (!defaultOrigin) strAppend(&text, " origin ", formatTimestamp(originMs_, true));
  return text;
}

int64_t Granularity::bucketStartMs(int64_t timestampMs) const {
  switch (kind_) {
    case Kind::kNone:
      return timestampMs;
    case Kind::kAll:
      return std::numeric_limits<int64_t>::min();
    case Kind::kPeriod:
      break;
  }
  if (fixedMillis_ != 0) return floorDiv(timestampMs - originMs_, fixedMillis_) * fixedMillis_ + originMs_;

  // Calendar buckets: count months from January of year 0.
  CivilDate date = civilFromDays(daysFromMs(timestampMs));
  int64_t monthIndex = static_cast<int64_t>(date.year) * 12 + (date.month - 1);
  int64_t bucketMonth = floorDiv(monthIndex, calendarMonths_) * calendarMonths_;
  int32_t year = static_cast<int32_t>(floorDiv(bucketMonth, 12));
  uint32_t month = static_cast<uint32_t>(bucketMonth - static_cast<int64_t>(year) * 12 + 1);
  return static_cast<int64_t>(daysFromCivil(year, month, 1)) * 86'400'000LL;
}

int64_t Granularity::nextBucketStartMs(int64_t bucketStartMs) const {
  switch (kind_) {
    case Kind::kNone:
      return bucketStartMs + 1;
    case Kind::kAll:
      return std::numeric_limits<int64_t>::max();
    case Kind::kPeriod:
      break;
  }
  if (fixedMillis_ != 0) return bucketStartMs + fixedMillis_;

  CivilDate date = civilFromDays(daysFromMs(bucketStartMs));
  int64_t monthIndex = static_cast<int64_t>(date.year) * 12 + (date.month - 1) + calendarMonths_;
  int32_t year = static_cast<int32_t>(floorDiv(monthIndex, 12));
  uint32_t month = static_cast<uint32_t>(monthIndex - static_cast<int64_t>(year) * 12 + 1);
  return static_cast<int64_t>(daysFromCivil(year, month, 1)) * 86'400'000LL;
}

int64_t Granularity::nominalMillis() const {
  switch (kind_) {
    case Kind::kNone:
      return 0;
    case Kind::kAll:
      return std::numeric_limits<int64_t>::max();
    case Kind::kPeriod:
      break;
  }
  if (fixedMillis_ != 0) return fixedMillis_;
  return period_.years * 366 * 86'400'000LL + period_.months * 31 * 86'400'000LL;
}

bool Granularity::operator==(const Granularity& other) const {
  return kind_ == other.kind_ && fixedMillis_ == other.fixedMillis_ && calendarMonths_ == other.calendarMonths_ &&
         originMs_ == other.originMs_;
}

}  // namespace furl::ingest
