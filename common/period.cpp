#include "common/period.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "common/time_util.h"
#include "fmt/format.h"

namespace furl {
namespace {

constexpr int64_t kMaxUnitCount = 1'000'000'000'000;

template <typename... Pieces>
void strAppend(std::string* out, const Pieces&... pieces) {
  (fmt::format_to(std::back_inserter(*out), "{}", pieces), ...);
}

template <typename... Pieces>
std::string strCat(const Pieces&... pieces) {
  std::string out;
  strAppend(&out, pieces...);
  return out;
}

absl::Status invalidPeriod(std::string_view text, std::string_view reason) {
  return absl::InvalidArgumentError(strCat("invalid ISO-8601 period '", text, "': ", reason,
                                                 "; expected a form like PT10M, PT1H, P1D, P1W, P1M or P1Y"));
}

bool multiplyAdd(int64_t& total, int64_t count, int64_t unitMillis) {
  int64_t product;
  if (__builtin_mul_overflow(count, unitMillis, &product)) return false;
  return !__builtin_add_overflow(total, product, &total);
}

}  // namespace

bool Period::isZero() const { return *this == Period{}; }

std::optional<int64_t> Period::fixedMillis() const {
  if (hasCalendarUnits()) return std::nullopt;
  int64_t total = 0;
  bool ok = multiplyAdd(total, weeks, 7 * 86'400'000LL) && multiplyAdd(total, days, 86'400'000LL) &&
            multiplyAdd(total, hours, 3'600'000LL) && multiplyAdd(total, minutes, 60'000LL) &&
            multiplyAdd(total, seconds, 1000) && multiplyAdd(total, millis, 1);
  if (!ok) return std::nullopt;
  return total;
}

std::optional<int64_t> Period::subtractFrom(int64_t ms) const {
  int64_t result = ms;
  if (hasCalendarUnits()) {
    // Whole months back on the calendar, keeping the time of day; the day
    // of the month is clamped (March 31 minus P1M is February 28 or 29).
    int64_t dayMs = ms - int64_t{daysFromMs(ms)} * 86'400'000;
    CivilDate date = civilFromDays(daysFromMs(ms));
    int64_t monthIndex = int64_t{date.year} * 12 + (date.month - 1) - years * 12 - months;
    if (monthIndex < int64_t{-100'000} * 12) return std::nullopt;
    int32_t year = static_cast<int32_t>(monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12);
    uint32_t month = static_cast<uint32_t>(monthIndex - int64_t{year} * 12) + 1;
    uint32_t nextYearMonth = month == 12 ? 1 : month + 1;
    int32_t nextYear = month == 12 ? year + 1 : year;
    uint32_t lastDay = static_cast<uint32_t>(daysFromCivil(nextYear, nextYearMonth, 1) - daysFromCivil(year, month, 1));
    uint32_t day = std::min(date.day, lastDay);
    result = int64_t{daysFromCivil(year, month, day)} * 86'400'000 + dayMs;
  }
  Period fixedPart = *this;
  fixedPart.years = 0;
  fixedPart.months = 0;
  std::optional<int64_t> fixed = fixedPart.fixedMillis();
  if (!fixed || __builtin_sub_overflow(result, *fixed, &result)) return std::nullopt;
  return result;
}

std::string Period::toString() const {
  std::string out = "P";
  if (years != 0) strAppend(&out, years, "Y");
  if (months != 0) strAppend(&out, months, "M");
  if (weeks != 0) strAppend(&out, weeks, "W");
  if (days != 0) strAppend(&out, days, "D");
  if (hours == 0 && minutes == 0 && seconds == 0 && millis == 0) {
    return out == "P" ? "PT0S" : out;
  }
  out += "T";
  if (hours != 0) strAppend(&out, hours, "H");
  if (minutes != 0) strAppend(&out, minutes, "M");
  if (seconds != 0 || millis != 0) {
    // Milliseconds beyond a second (from a duration in milliseconds) are
    // printed as seconds.
    int64_t wholeSeconds = seconds + millis / 1000;
    int64_t fractionMillis = millis % 1000;
    strAppend(&out, wholeSeconds);
    if (fractionMillis != 0) {
      std::string fraction = strCat(1000 + fractionMillis).substr(1);
      while (fraction.back() == '0') fraction.pop_back();
      strAppend(&out, ".", fraction);
    }
    out += "S";
  }
  return out;
}

absl::StatusOr<Period> parsePeriod(std::string_view text) {
  if (text.empty() || std::toupper(static_cast<unsigned char>(text[0])) != 'P') {
    return invalidPeriod(text, "it does not start with 'P'");
  }

  // Each unit has a rank; units must appear in increasing rank order.
  // Ranks 0-3 are Y, M, W, D before 'T'; ranks 4-6 are H, M, S after it.
  Period period;
  int lastRank = -1;
  bool inTime = false;
  bool sawUnit = false;
  bool sawTimeUnit = false;
  size_t pos = 1;
  while (pos < text.size()) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text[pos])));
    if (c == 'T') {
      if (inTime) return invalidPeriod(text, "'T' appears twice");
      inTime = true;
      ++pos;
      continue;
    }

    // A count, then an optional fraction (seconds only), then the unit.
    size_t start = pos;
    int64_t count = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      count = count * 10 + (text[pos] - '0');
      if (count > kMaxUnitCount) return invalidPeriod(text, "a count is too large");
      ++pos;
    }
    if (pos == start) return invalidPeriod(text, strCat("expected a number at offset ", pos));
    int64_t fractionMillis = 0;
    bool hasFraction = false;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      hasFraction = true;
      ++pos;
      size_t digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 3) fractionMillis = fractionMillis * 10 + (text[pos] - '0');
        else if (text[pos] != '0') return invalidPeriod(text, "seconds have more than 3 decimals");
        ++digits;
        ++pos;
      }
      if (digits == 0) return invalidPeriod(text, "a decimal point has no digits after it");
      for (size_t i = digits; i < 3; ++i) fractionMillis *= 10;
    }
    if (pos >= text.size()) return invalidPeriod(text, "the last number has no unit");
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text[pos])));
    ++pos;

    int rank;
    int64_t* field;
    if (!inTime) {
      switch (unit) {
        case 'Y': rank = 0; field = &period.years; break;
        case 'M': rank = 1; field = &period.months; break;
        case 'W': rank = 2; field = &period.weeks; break;
        case 'D': rank = 3; field = &period.days; break;
        default:
          return invalidPeriod(text, strCat("unknown date unit '", std::string(1, unit),
                                                  "'; hours, minutes and seconds follow 'T'"));
      }
    } else {
      switch (unit) {
        case 'H': rank = 4; field = &period.hours; break;
        case 'M': rank = 5; field = &period.minutes; break;
        case 'S': rank = 6; field = &period.seconds; break;
        default: return invalidPeriod(text, strCat("unknown time unit '", std::string(1, unit), "'"));
      }
      sawTimeUnit = true;
    }
    if (rank <= lastRank) return invalidPeriod(text, "units are repeated or out of order");
    if (hasFraction && unit != 'S') return invalidPeriod(text, "only seconds may have a fraction");
    lastRank = rank;
    *field = count;
    if (unit == 'S' && inTime) period.millis = fractionMillis;
    sawUnit = true;
  }
  if (!sawUnit) return invalidPeriod(text, "it has no units");
  if (inTime && !sawTimeUnit) return invalidPeriod(text, "'T' is not followed by hours, minutes or seconds");
  return period;
}

}  // namespace furl
