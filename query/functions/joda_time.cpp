#include "query/functions/joda_time.h"

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "common/time_util.h"
#include "fmt/format.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
constexpr std::string_view kDayNames[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

constexpr std::string_view kSupportedLetters = "yYuxMwdDeEaHkhKmsSZzG";

bool isNumericLetter(char letter, int width) {
  switch (letter) {
    case 'M':
      return width <= 2;
    case 'E':
    case 'a':
    case 'Z':
    case 'z':
    case 'G':
      return false;
    default:
      return true;
  }
}

void appendPadded(std::string& out, int64_t value, int width) {
  if (value < 0) {
    out.push_back('-');
    value = -value;
  }
  std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) out.append(static_cast<size_t>(width) - digits.size(), '0');
  out.append(digits);
}

// The ISO-8601 week-based year and week of `days` (days since the epoch).
std::pair<int32_t, int32_t> isoWeekOf(int32_t days) {
  int32_t thursday = days - static_cast<int32_t>(isoWeekday(days)) + 4;
  int32_t year = civilFromDays(thursday).year;
  int32_t week = (thursday - daysFromCivil(year, 1, 1)) / 7 + 1;
  return {year, week};
}

// The Monday of ISO week 1 of `year`.
int32_t firstIsoMonday(int32_t year) {
  int32_t january4 = daysFromCivil(year, 1, 4);
  return january4 - static_cast<int32_t>(isoWeekday(january4)) + 1;
}

uint32_t daysInMonth(int32_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Matches one of `names` (or its first three letters) at the start of
// `text`, ignoring case; returns its index and advances `text`.
std::optional<size_t> matchName(std::string_view& text, const std::string_view* names, size_t count) {
  auto startsWith = [&](std::string_view word) {
    if (text.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i]))) {
        return false;
      }
    }
    return true;
  };
  for (size_t i = 0; i < count; ++i) {
    if (startsWith(names[i])) {
      text.remove_prefix(names[i].size());
      return i;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (startsWith(names[i].substr(0, 3))) {
      text.remove_prefix(3);
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace

JodaPattern JodaPattern::compile(std::string_view pattern) {
  JodaPattern compiled;
  auto addLiteral = [&](std::string_view text) {
    if (compiled.fields_.empty() || compiled.fields_.back().letter != 0) compiled.fields_.push_back(Field{});
    compiled.fields_.back().literal.append(text);
  };
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        addLiteral("'");
        i += 2;
        continue;
      }
      size_t end = i + 1;
      std::string text;
      while (true) {
        if (end >= pattern.size()) {
          throw QueryError(ErrorCode::kBadArguments,
                           fmt::format("unclosed quote in the time pattern '{}'; write a quote inside text as ''",
                                       pattern));
        }
        if (pattern[end] == '\'') {
          if (end + 1 < pattern.size() && pattern[end + 1] == '\'') {
            text.push_back('\'');
            end += 2;
            continue;
          }
          break;
        }
        text.push_back(pattern[end++]);
      }
      addLiteral(text);
      i = end + 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) == 0) {
      addLiteral(std::string_view(&pattern[i], 1));
      ++i;
      continue;
    }
    if (kSupportedLetters.find(c) == std::string_view::npos) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("the letter '{}' in the time pattern '{}' is not supported; use y, M, d, H, m, s, "
                                   "S, a, E, Z and the others Joda-Time documents, and quote literal text ('T')",
                                   c, pattern));
    }
    size_t end = i;
    while (end < pattern.size() && pattern[end] == c) ++end;
    Field field;
    field.letter = c;
    field.width = static_cast<int>(end - i);
    compiled.fields_.push_back(field);
    i = end;
  }
  return compiled;
}

void JodaPattern::format(int64_t ms, std::string& out) const {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - int64_t{days} * kMsPerDay;
  CivilDate civil = civilFromDays(days);
  int64_t hour = msOfDay / 3'600'000;
  int64_t minute = msOfDay / 60'000 % 60;
  int64_t second = msOfDay / 1000 % 60;
  int64_t millis = msOfDay % 1000;
  for (const Field& field : fields_) {
    const int width = field.width;
    switch (field.letter) {
      case 0:
        out.append(field.literal);
        break;
      case 'y':
      case 'Y':
      case 'u':
        if (width == 2) {
          appendPadded(out, ((civil.year % 100) + 100) % 100, 2);
        } else {
          appendPadded(out, civil.year, width);
        }
        break;
      case 'x': {
        int32_t year = isoWeekOf(days).first;
        appendPadded(out, width == 2 ? ((year % 100) + 100) % 100 : year, width);
        break;
      }
      case 'w':
        appendPadded(out, isoWeekOf(days).second, width);
        break;
      case 'M':
        if (width >= 4) {
          out.append(kMonthNames[civil.month - 1]);
        } else if (width == 3) {
          out.append(kMonthNames[civil.month - 1].substr(0, 3));
        } else {
          appendPadded(out, civil.month, width);
        }
        break;
      case 'd':
        appendPadded(out, civil.day, width);
        break;
      case 'D':
        appendPadded(out, days - daysFromCivil(civil.year, 1, 1) + 1, width);
        break;
      case 'e':
        appendPadded(out, isoWeekday(days), width);
        break;
      case 'E': {
        std::string_view name = kDayNames[isoWeekday(days) - 1];
        out.append(width >= 4 ? name : name.substr(0, 3));
        break;
      }
      case 'a':
        out.append(hour < 12 ? "AM" : "PM");
        break;
      case 'H':
        appendPadded(out, hour, width);
        break;
      case 'k':
        appendPadded(out, hour == 0 ? 24 : hour, width);
        break;
      case 'h':
        appendPadded(out, hour % 12 == 0 ? 12 : hour % 12, width);
        break;
      case 'K':
        appendPadded(out, hour % 12, width);
        break;
      case 'm':
        appendPadded(out, minute, width);
        break;
      case 's':
        appendPadded(out, second, width);
        break;
      case 'S': {
        // The fraction's first `width` digits: milliseconds, then zeros.
        std::string digits = fmt::format("{:03d}", millis);
        if (width <= 3) {
          out.append(digits.substr(0, static_cast<size_t>(width)));
        } else {
          out.append(digits);
          out.append(static_cast<size_t>(width) - 3, '0');
        }
        break;
      }
      case 'Z':
        if (width == 1) {
          out.append("+0000");
        } else if (width == 2) {
          out.append("+00:00");
        } else {
          out.append("UTC");
        }
        break;
      case 'z':
        out.append("UTC");
        break;
      case 'G':
        out.append(civil.year > 0 ? "AD" : "BC");
        break;
      default:
        break;
    }
  }
}

std::optional<int64_t> JodaPattern::parse(std::string_view text) const {
  int64_t year = 1970;
  int64_t month = 1;
  int64_t day = 1;
  std::optional<int64_t> dayOfYear;
  std::optional<int64_t> weekYear;
  std::optional<int64_t> week;
  int64_t isoDay = 1;
  int64_t hour = 0;
  bool twelveHour = false;
  bool pm = false;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t millis = 0;
  int64_t offsetMinutes = 0;

  for (size_t f = 0; f < fields_.size(); ++f) {
    const Field& field = fields_[f];
    if (field.letter == 0) {
      if (text.substr(0, field.literal.size()) != field.literal) return std::nullopt;
      text.remove_prefix(field.literal.size());
      continue;
    }
    if (isNumericLetter(field.letter, field.width)) {
      // A number followed directly by another number takes exactly its
      // width in digits (yyyyMMdd); otherwise it takes every digit there.
      bool adjacent = f + 1 < fields_.size() && fields_[f + 1].letter != 0 &&
                      isNumericLetter(fields_[f + 1].letter, fields_[f + 1].width);
      bool negative = false;
      if ((field.letter == 'y' || field.letter == 'Y' || field.letter == 'u' || field.letter == 'x') &&
          !text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
      }
      size_t maxDigits = adjacent ? static_cast<size_t>(field.width) : 9;
      size_t digits = 0;
      int64_t value = 0;
      while (digits < maxDigits && digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
        value = value * 10 + (text[digits] - '0');
        ++digits;
      }
      if (digits == 0 || (adjacent && digits != static_cast<size_t>(field.width))) return std::nullopt;
      if (field.letter == 'S') {
        // A fraction: its first three digits are the milliseconds.
        std::string fraction(text.substr(0, digits));
        fraction.resize(3, '0');
        value = std::stoll(fraction.substr(0, 3));
      }
      text.remove_prefix(digits);
      if (negative) value = -value;
      switch (field.letter) {
        case 'y':
        case 'Y':
        case 'u':
        case 'x': {
          if (field.width == 2 && digits == 2 && !negative) {
            // Joda reads two-digit years within 50 years of a pivot 30
            // years before the current year.
            int64_t pivot = civilFromDays(daysFromMs(nowMs())).year - 30;
            int64_t low = pivot - 49;
            int64_t candidate = low / 100 * 100 + value;
            if (candidate < low) candidate += 100;
            value = candidate;
          }
          if (field.letter == 'x') {
            weekYear = value;
          } else {
            year = value;
          }
          break;
        }
        case 'w':
          week = value;
          break;
        case 'M':
          month = value;
          break;
        case 'd':
          day = value;
          break;
        case 'D':
          dayOfYear = value;
          break;
        case 'e':
          isoDay = value;
          break;
        case 'H':
          hour = value;
          break;
        case 'k':
          hour = value == 24 ? 0 : value;
          break;
        case 'h':
          twelveHour = true;
          hour = value == 12 ? 0 : value;
          if (value < 1 || value > 12) return std::nullopt;
          break;
        case 'K':
          twelveHour = true;
          hour = value;
          if (value > 11) return std::nullopt;
          break;
        case 'm':
          minute = value;
          break;
        case 's':
          second = value;
          break;
        case 'S':
          millis = value;
          break;
        default:
          return std::nullopt;
      }
      continue;
    }
    switch (field.letter) {
      case 'M': {
        std::optional<size_t> index = matchName(text, kMonthNames, 12);
        if (!index) return std::nullopt;
        month = static_cast<int64_t>(*index) + 1;
        break;
      }
      case 'E': {
        std::optional<size_t> index = matchName(text, kDayNames, 7);
        if (!index) return std::nullopt;
        isoDay = static_cast<int64_t>(*index) + 1;
        break;
      }
      case 'a': {
        constexpr std::string_view kHalves[] = {"AM", "PM"};
        std::optional<size_t> index = matchName(text, kHalves, 2);
        if (!index) return std::nullopt;
        pm = *index == 1;
        break;
      }
      case 'G': {
        constexpr std::string_view kEras[] = {"AD", "BC"};
        std::optional<size_t> index = matchName(text, kEras, 2);
        if (!index || *index == 1) return std::nullopt;
        break;
      }
      case 'Z':
      case 'z': {
        if (!text.empty() && (text.front() == 'Z' || text.front() == 'z')) {
          text.remove_prefix(1);
          break;
        }
        if (text.substr(0, 3) == "UTC" || text.substr(0, 3) == "GMT") {
          text.remove_prefix(3);
          break;
        }
        if (text.empty() || (text.front() != '+' && text.front() != '-')) return std::nullopt;
        int sign = text.front() == '-' ? -1 : 1;
        text.remove_prefix(1);
        auto twoDigits = [&]() -> std::optional<int64_t> {
          if (text.size() < 2 || !std::isdigit(static_cast<unsigned char>(text[0])) ||
              !std::isdigit(static_cast<unsigned char>(text[1]))) {
            return std::nullopt;
          }
          int64_t v = (text[0] - '0') * 10 + (text[1] - '0');
          text.remove_prefix(2);
          return v;
        };
        std::optional<int64_t> hours = twoDigits();
        if (!hours) return std::nullopt;
        if (!text.empty() && text.front() == ':') text.remove_prefix(1);
        std::optional<int64_t> minutes = twoDigits();
        if (!minutes || *hours > 23 || *minutes > 59) return std::nullopt;
        offsetMinutes = sign * (*hours * 60 + *minutes);
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (!text.empty()) return std::nullopt;

  if (twelveHour && pm) hour += 12;
  if (hour > 23 || minute > 59 || second > 59 || millis > 999) return std::nullopt;
  if (year < -1'000'000 || year > 1'000'000) return std::nullopt;
  int64_t days = 0;
  if (week) {
    int64_t isoYear = weekYear.value_or(year);
    if (*week < 1 || *week > 53 || isoDay < 1 || isoDay > 7) return std::nullopt;
    days = firstIsoMonday(static_cast<int32_t>(isoYear)) + (*week - 1) * 7 + (isoDay - 1);
  } else if (dayOfYear) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (*dayOfYear < 1 || *dayOfYear > (leap ? 366 : 365)) return std::nullopt;
    days = daysFromCivil(static_cast<int32_t>(year), 1, 1) + *dayOfYear - 1;
  } else {
    if (month < 1 || month > 12 || day < 1 ||
        day > daysInMonth(static_cast<int32_t>(year), static_cast<uint32_t>(month))) {
      return std::nullopt;
    }
    days = daysFromCivil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day));
  }
  return days * kMsPerDay + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

}  // namespace furl::query
