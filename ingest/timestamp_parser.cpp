#include "ingest/timestamp_parser.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <variant>

#include "ingest/text_util.h"
#include "common/time_util.h"

namespace furl::ingest {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"january", "february", "march",     "april",
                                                           "may",     "june",     "july",      "august",
                                                           "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> kDayNames = {"monday", "tuesday", "wednesday", "thursday",
                                                       "friday", "saturday", "sunday"};

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool isAllDigits(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads between minDigits and maxDigits digits at `pos`.
bool readNumber(std::string_view text, size_t& pos, int minDigits, int maxDigits, int64_t& out) {
  int64_t value = 0;
  int digits = 0;
  while (pos < text.size() && digits < maxDigits && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    value = value * 10 + (text[pos] - '0');
    ++digits;
    ++pos;
  }
  out = value;
  return digits >= minDigits;
}

// Matches an English month or day name, full or three-letter, at `pos`.
template <size_t N>
bool readName(std::string_view text, size_t& pos, const std::array<std::string_view, N>& names, int& index) {
  std::string_view rest = text.substr(pos);
  for (size_t i = 0; i < N; ++i) {
    std::string_view full = names[i];
    for (std::string_view candidate : {full, full.substr(0, 3)}) {
      if (rest.size() >= candidate.size() && equalsIgnoreCase(rest.substr(0, candidate.size()), candidate)) {
        pos += candidate.size();
        index = static_cast<int>(i);
        return true;
      }
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<TimestampParser> TimestampParser::create(std::string_view format) {
  TimestampParser parser;
  parser.formatText_ = std::string(format);
  std::string lower = toLowerAscii(format);
  if (lower == "auto") {
    parser.format_ = TimestampFormat::kAuto;
  } else if (lower == "iso") {
    parser.format_ = TimestampFormat::kIso;
  } else if (lower == "millis") {
    parser.format_ = TimestampFormat::kMillis;
  } else if (lower == "posix") {
    parser.format_ = TimestampFormat::kPosix;
  } else if (lower == "micro") {
    parser.format_ = TimestampFormat::kMicro;
  } else if (lower == "nano") {
    parser.format_ = TimestampFormat::kNano;
  } else if (lower == "ruby") {
    parser.format_ = TimestampFormat::kRuby;
  } else {
    parser.format_ = TimestampFormat::kPattern;
  }
  if (parser.format_ != TimestampFormat::kPattern) return parser;

  // Compile the Joda-Time pattern: runs of one letter are fields, 'text' is
  // literal ('' is a quote), anything else is a literal character.
  if (format.empty()) return absl::InvalidArgumentError("the timestamp format is empty; expected auto, iso, millis, posix, micro, nano, ruby or a Joda-Time pattern");
  bool hasYear = false, hasMonth = false, hasDay = false, hasHour12 = false, hasAmPm = false;
  for (size_t i = 0; i < format.size();) {
    char c = format[i];
    if (c == '\'') {
      size_t end = i + 1;
      std::string literal;
      while (true) {
        if (end >= format.size()) {
          return absl::InvalidArgumentError(strCat("unterminated quote in timestamp pattern '", format, "'"));
        }
        if (format[end] == '\'') {
          if (end + 1 < format.size() && format[end + 1] == '\'') {
            literal.push_back('\'');
            end += 2;
            continue;
          }
          break;
        }
        literal.push_back(format[end++]);
      }
      if (literal.empty()) literal.assign(1, '\'');
      parser.tokens_.push_back(Token{Token::Kind::kLiteral, 0, literal});
      i = end + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      parser.tokens_.push_back(Token{Token::Kind::kLiteral, 0, std::string(1, c)});
      ++i;
      continue;
    }

    size_t runEnd = i;
    while (runEnd < format.size() && format[runEnd] == c) ++runEnd;
    int width = static_cast<int>(runEnd - i);
    Token::Kind kind;
    switch (c) {
      case 'y':
      case 'Y':
      case 'u':
        if (width < 4) {
          return absl::InvalidArgumentError(strCat("timestamp pattern '", format,
                                                         "': two-digit years are not supported; use yyyy"));
        }
        kind = Token::Kind::kYear;
        hasYear = true;
        break;
      case 'M':
        kind = width >= 3 ? Token::Kind::kMonthName : Token::Kind::kMonth;
        hasMonth = true;
        break;
      case 'd': kind = Token::Kind::kDay; hasDay = true; break;
      case 'H': kind = Token::Kind::kHour24; break;
      case 'h': kind = Token::Kind::kHour12; hasHour12 = true; break;
      case 'a': kind = Token::Kind::kAmPm; hasAmPm = true; break;
      case 'm': kind = Token::Kind::kMinute; break;
      case 's': kind = Token::Kind::kSecond; break;
      case 'S': kind = Token::Kind::kFraction; break;
      case 'E': kind = Token::Kind::kDayName; break;
      case 'Z': kind = Token::Kind::kZone; break;
      default:
        return absl::InvalidArgumentError(strCat(
            "unsupported letter '", std::string(1, c), "' in timestamp pattern '", format,
            "'; supported: yyyy, MM, MMM, dd, HH, hh, a, mm, ss, SSS, EEE, Z and 'quoted text'"));
    }
    parser.tokens_.push_back(Token{kind, width, ""});
    i = runEnd;
  }
  if (!hasYear || !hasMonth || !hasDay) {
    return absl::InvalidArgumentError(strCat("timestamp pattern '", format,
                                                   "' needs a year (yyyy), a month (MM) and a day (dd)"));
  }
  if (hasHour12 != hasAmPm) {
    return absl::InvalidArgumentError(
        strCat("timestamp pattern '", format, "': hh (12-hour clock) and a (AM/PM) go together"));
  }
  parser.compileFixedLayout();
  return parser;
}

void TimestampParser::compileFixedLayout() {
  int offset = 0;
  for (const Token& token : tokens_) {
    int* field = nullptr;
    switch (token.kind) {
      case Token::Kind::kLiteral:
        for (char c : token.literal) fixedLiterals_.emplace_back(offset++, c);
        continue;
      case Token::Kind::kYear:
        // yyyy and longer runs read exactly 4 digits.
        yearOffset_ = offset;
        offset += 4;
        continue;
      case Token::Kind::kMonth: field = &monthOffset_; break;
      case Token::Kind::kDay: field = &dayOffset_; break;
      case Token::Kind::kHour24: field = &hourOffset_; break;
      case Token::Kind::kMinute: field = &minuteOffset_; break;
      case Token::Kind::kSecond: field = &secondOffset_; break;
      default:
        field = nullptr;
        break;
    }
    // A field of another kind or width, or one that occurs twice, leaves
    // the pattern to the token loop.
    if (field == nullptr || token.width != 2 || *field >= 0) {
      fixedLiterals_.clear();
      return;
    }
    *field = offset;
    offset += 2;
  }
  fixedSize_ = static_cast<size_t>(offset);
}

std::optional<int64_t> TimestampParser::parseFixedLayout(std::string_view text) const {
  for (const auto& [offset, c] : fixedLiterals_) {
    if (text[static_cast<size_t>(offset)] != c) return std::nullopt;
  }
  bool digits = true;
  auto read = [&](int offset, int width, int64_t absent) -> int64_t {
    if (offset < 0) return absent;
    int64_t value = 0;
    for (int i = 0; i < width; ++i) {
      auto digit = static_cast<unsigned>(text[static_cast<size_t>(offset + i)] - '0');
      digits = digits && digit < 10;
      value = value * 10 + digit;
    }
    return value;
  };
  int64_t year = read(yearOffset_, 4, 0);
  int64_t month = read(monthOffset_, 2, 1);
  int64_t day = read(dayOffset_, 2, 1);
  int64_t hour = read(hourOffset_, 2, 0);
  int64_t minute = read(minuteOffset_, 2, 0);
  int64_t second = read(secondOffset_, 2, 0);
  if (!digits || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  constexpr std::array<int64_t, 12> kDaysInMonth = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDaysInMonth[static_cast<size_t>(month - 1)] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  int32_t days = daysFromCivil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day));
  return ((static_cast<int64_t>(days) * 24 + hour) * 60 + minute) * 60000 + second * 1000;
}

absl::Status TimestampParser::invalid(std::string_view text) const {
  return absl::InvalidArgumentError(
      strCat("invalid timestamp '", text.substr(0, 64), "' for format '", formatText_, "'"));
}

absl::StatusOr<int64_t> TimestampParser::parse(const Value& value) const {
  const Value::Storage& storage = value.storage();
  if (const auto* s = std::get_if<std::string>(&storage)) return parseText(*s);
  if (value.isNull()) return absl::InvalidArgumentError("the timestamp is null");
  if (const auto* i = std::get_if<int64_t>(&storage)) {
    if (value.type() == TypeId::kBool) return invalid(value.toString());
    return parseNumber(static_cast<double>(*i), true, *i);
  }
  if (const auto* u = std::get_if<uint64_t>(&storage)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return invalid(value.toString());
    return parseNumber(static_cast<double>(*u), true, static_cast<int64_t>(*u));
  }
  double d = std::get<double>(storage);
  if (!std::isfinite(d)) return invalid(value.toString());
  bool integral = d == std::trunc(d) && std::abs(d) < 9.0e18;
  return parseNumber(d, integral, integral ? static_cast<int64_t>(d) : 0);
}

absl::StatusOr<int64_t> TimestampParser::parseNumber(double value, bool isIntegral, int64_t integral) const {
  auto scaled = [&](double millisPerUnit) -> absl::StatusOr<int64_t> {
    double ms = std::floor(value * millisPerUnit);
    if (!(std::abs(ms) < 9.0e18)) return invalid(strCat(value));
    return static_cast<int64_t>(ms);
  };
  switch (format_) {
    case TimestampFormat::kAuto:
    case TimestampFormat::kMillis:
      if (isIntegral) return integral;
      return scaled(1.0);
    case TimestampFormat::kPosix:
      if (isIntegral && std::abs(integral) < 9'000'000'000'000'000LL / 1000) return integral * 1000;
      return scaled(1000.0);
    case TimestampFormat::kRuby:
      return scaled(1000.0);
    case TimestampFormat::kMicro:
      if (isIntegral) return floorDiv(integral, 1000);
      return scaled(0.001);
    case TimestampFormat::kNano:
      if (isIntegral) return floorDiv(integral, 1'000'000);
      return scaled(0.000001);
    case TimestampFormat::kIso:
    case TimestampFormat::kPattern:
      break;
  }
  return absl::InvalidArgumentError(
      strCat("timestamp ", value, " is a number, but format '", formatText_, "' expects text"));
}

absl::StatusOr<int64_t> TimestampParser::parseText(std::string_view text) const {
  switch (format_) {
    case TimestampFormat::kAuto:
      if (isAllDigits(text)) break;
      [[fallthrough]];
    case TimestampFormat::kIso: {
      std::optional<int64_t> ms = parseTimestampMs(text);
      if (!ms.has_value()) return invalid(text);
      return *ms;
    }
    case TimestampFormat::kPattern:
      return parsePattern(text);
    default:
      break;
  }

  // Numeric formats given as text.
  if (isAllDigits(text)) {
    int64_t integral = 0;
    std::string_view digits = text[0] == '+' ? text.substr(1) : text;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), integral);
    if (ec != std::errc() || end != digits.data() + digits.size()) return invalid(text);
    return parseNumber(static_cast<double>(integral), true, integral);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return invalid(text);
  return parseNumber(value, false, 0);
}

absl::StatusOr<int64_t> TimestampParser::parsePattern(std::string_view text) const {
  if (fixedSize_ != 0 && text.size() == fixedSize_) {
    std::optional<int64_t> ms = parseFixedLayout(text);
    if (ms.has_value()) return *ms;
  }
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0, offsetMinutes = 0;
  int amPm = -1;
  size_t pos = 0;
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const Token& token = tokens_[t];
    // A field followed directly by another numeric field reads exactly its
    // width (yyyyMMdd); otherwise it reads up to the usual maximum.
    bool fixedWidth = t + 1 < tokens_.size() && tokens_[t + 1].kind != Token::Kind::kLiteral &&
                      tokens_[t + 1].kind != Token::Kind::kAmPm && tokens_[t + 1].kind != Token::Kind::kZone;
    auto readField = [&](int maxDigits, int64_t& out) {
      int minDigits = fixedWidth ? token.width : 1;
      int max = fixedWidth ? token.width : std::max(maxDigits, token.width);
      return readNumber(text, pos, minDigits, max, out);
    };
    bool ok = true;
    switch (token.kind) {
      case Token::Kind::kLiteral:
        // Most literals are one separator byte, which needs no memcmp call.
        ok = token.literal.size() == 1 ? pos < text.size() && text[pos] == token.literal[0]
                                       : text.substr(pos, token.literal.size()) == token.literal;
        pos += token.literal.size();
        break;
      case Token::Kind::kYear: ok = readNumber(text, pos, 4, 4, year); break;
      case Token::Kind::kMonth: ok = readField(2, month); break;
      case Token::Kind::kMonthName: {
        int index = 0;
        ok = readName(text, pos, kMonthNames, index);
        month = index + 1;
        break;
      }
      case Token::Kind::kDay: ok = readField(2, day); break;
      case Token::Kind::kHour24:
      case Token::Kind::kHour12: ok = readField(2, hour); break;
      case Token::Kind::kMinute: ok = readField(2, minute); break;
      case Token::Kind::kSecond: ok = readField(2, second); break;
      case Token::Kind::kFraction: {
        size_t start = pos;
        int64_t digits = 0;
        ok = readNumber(text, pos, 1, 9, digits);
        size_t count = pos - start;
        while (count > 3) {
          digits /= 10;
          --count;
        }
        while (count < 3) {
          digits *= 10;
          ++count;
        }
        millis = digits;
        break;
      }
      case Token::Kind::kAmPm:
        if (text.size() >= pos + 2 && equalsIgnoreCase(text.substr(pos, 2), "AM")) {
          amPm = 0;
        } else if (text.size() >= pos + 2 && equalsIgnoreCase(text.substr(pos, 2), "PM")) {
          amPm = 1;
        } else {
          ok = false;
        }
        pos += 2;
        break;
      case Token::Kind::kDayName: {
        int index = 0;
        ok = readName(text, pos, kDayNames, index);
        break;
      }
      case Token::Kind::kZone:
        if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
          ++pos;
        } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
          int sign = text[pos] == '-' ? -1 : 1;
          ++pos;
          int64_t hours = 0, minutes = 0;
          ok = readNumber(text, pos, 2, 2, hours);
          if (ok && pos < text.size() && text[pos] == ':') ++pos;
          ok = ok && readNumber(text, pos, 2, 2, minutes) && hours <= 23 && minutes <= 59;
          offsetMinutes = sign * (hours * 60 + minutes);
        } else {
          ok = false;
        }
        break;
    }
    if (!ok || pos > text.size()) return invalid(text);
  }
  if (pos != text.size()) return invalid(text);

  // Range checks, then the civil date to milliseconds.
  if (amPm >= 0) {
    if (hour < 1 || hour > 12) return invalid(text);
    hour = hour % 12 + (amPm == 1 ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return invalid(text);
  int32_t days = daysFromCivil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day));
  CivilDate roundTrip = civilFromDays(days);
  if (roundTrip.month != month || roundTrip.day != day) return invalid(text);  // e.g. February 30
  return ((static_cast<int64_t>(days) * 24 + hour) * 60 + minute) * 60000 + second * 1000 + millis -
         offsetMinutes * 60000;
}

}  // namespace furl::ingest
