#include "ingest/druid_expression.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <utility>

#include "common/close_matches.h"
#include "common/error.h"
#include "common/period.h"
#include "common/time_util.h"
#include "common/utf8.h"
#include "ingest/granularity.h"
#include "ingest/row_filter.h"
#include "ingest/text_util.h"
#include "query/functions/joda_time.h"
#include "query/functions/utf8.h"
#include "re2/re2.h"

namespace furl::ingest {

// --- Values --------------------------------------------------------------------

// Named rather than anonymous because DruidExpression::Node, which has
// external linkage, contains these types.
namespace druid_expression_detail {

/// A value during evaluation: Druid's LONG, DOUBLE, STRING or NULL.
struct ExprValue {
  enum class Type : uint8_t { kNull, kLong, kDouble, kString };
  Type type = Type::kNull;
  int64_t longValue = 0;
  double doubleValue = 0;
  std::string stringValue;

  static ExprValue null() { return {}; }
  static ExprValue ofLong(int64_t v) {
    ExprValue out;
    out.type = Type::kLong;
    out.longValue = v;
    return out;
  }
  static ExprValue ofBool(bool b) { return ofLong(b ? 1 : 0); }
  static ExprValue ofDouble(double v) {
    ExprValue out;
    out.type = Type::kDouble;
    out.doubleValue = v;
    return out;
  }
  static ExprValue ofString(std::string s) {
    ExprValue out;
    out.type = Type::kString;
    out.stringValue = std::move(s);
    return out;
  }

  bool isNull() const { return type == Type::kNull; }
  bool isString() const { return type == Type::kString; }
  bool isNumber() const { return type == Type::kLong || type == Type::kDouble; }
};

enum class Op : uint8_t { kNeg, kNot, kPow, kMul, kDiv, kMod, kAdd, kSub, kLt, kLe, kGt, kGe, kEq, kNe, kAnd, kOr };

enum class Fn : uint8_t {
  kIf, kNvl, kCoalesce, kCaseSearched, kCaseSimple, kIsNull, kNotNull,
  kConcat, kUpper, kLower, kStrlen, kSubstring, kLeft, kRight, kReplace, kStrpos, kTrim, kLtrim, kRtrim,
  kLpad, kRpad, kReverse, kContainsString, kIcontainsString, kLike, kRegexpExtract, kRegexpLike, kParseLong,
  kCast, kAbs, kFloor, kCeil, kRound, kGreatest, kLeast,
  kTimestampFloor, kTimestampCeil, kTimestampExtract, kTimestampParse, kTimestampFormat, kTimestamp,
  kUnixTimestamp,
};

struct FunctionInfo {
  std::string_view name;
  Fn fn;
  size_t minArgs;
  size_t maxArgs;  // kVariadic: any number from minArgs
};

constexpr size_t kVariadic = SIZE_MAX;

constexpr FunctionInfo kFunctions[] = {
    {"if", Fn::kIf, 3, 3},
    {"nvl", Fn::kNvl, 2, 2},
    {"coalesce", Fn::kCoalesce, 1, kVariadic},
    {"case_searched", Fn::kCaseSearched, 2, kVariadic},
    {"case_simple", Fn::kCaseSimple, 3, kVariadic},
    {"isnull", Fn::kIsNull, 1, 1},
    {"notnull", Fn::kNotNull, 1, 1},
    {"concat", Fn::kConcat, 1, kVariadic},
    {"upper", Fn::kUpper, 1, 1},
    {"lower", Fn::kLower, 1, 1},
    {"strlen", Fn::kStrlen, 1, 1},
    {"substring", Fn::kSubstring, 3, 3},
    {"left", Fn::kLeft, 2, 2},
    {"right", Fn::kRight, 2, 2},
    {"replace", Fn::kReplace, 3, 3},
    {"strpos", Fn::kStrpos, 2, 3},
    {"trim", Fn::kTrim, 1, 2},
    {"ltrim", Fn::kLtrim, 1, 2},
    {"rtrim", Fn::kRtrim, 1, 2},
    {"lpad", Fn::kLpad, 3, 3},
    {"rpad", Fn::kRpad, 3, 3},
    {"reverse", Fn::kReverse, 1, 1},
    {"contains_string", Fn::kContainsString, 2, 2},
    {"icontains_string", Fn::kIcontainsString, 2, 2},
    {"like", Fn::kLike, 2, 3},
    {"regexp_extract", Fn::kRegexpExtract, 2, 3},
    {"regexp_like", Fn::kRegexpLike, 2, 2},
    {"parse_long", Fn::kParseLong, 1, 2},
    {"cast", Fn::kCast, 2, 2},
    {"abs", Fn::kAbs, 1, 1},
    {"floor", Fn::kFloor, 1, 1},
    {"ceil", Fn::kCeil, 1, 1},
    {"round", Fn::kRound, 1, 2},
    {"greatest", Fn::kGreatest, 0, kVariadic},
    {"least", Fn::kLeast, 0, kVariadic},
    {"timestamp_floor", Fn::kTimestampFloor, 2, 4},
    {"timestamp_ceil", Fn::kTimestampCeil, 2, 4},
    {"timestamp_extract", Fn::kTimestampExtract, 2, 3},
    {"timestamp_parse", Fn::kTimestampParse, 1, 3},
    {"timestamp_format", Fn::kTimestampFormat, 1, 3},
    {"timestamp", Fn::kTimestamp, 1, 2},
    {"unix_timestamp", Fn::kUnixTimestamp, 1, 2},
};

/// The parts timestamp_extract() returns, as Druid names them.
enum class TimePart : uint8_t {
  kEpoch, kSecond, kMinute, kHour, kDay, kDow, kIsoDow, kDoy, kWeek, kMonth, kQuarter, kYear, kIsoYear,
  kDecade, kCentury, kMillennium
};

constexpr std::pair<std::string_view, TimePart> kTimeParts[] = {
    {"EPOCH", TimePart::kEpoch},     {"SECOND", TimePart::kSecond},   {"MINUTE", TimePart::kMinute},
    {"HOUR", TimePart::kHour},       {"DAY", TimePart::kDay},         {"DOW", TimePart::kDow},
    {"ISODOW", TimePart::kIsoDow},   {"DOY", TimePart::kDoy},         {"WEEK", TimePart::kWeek},
    {"MONTH", TimePart::kMonth},     {"QUARTER", TimePart::kQuarter}, {"YEAR", TimePart::kYear},
    {"ISOYEAR", TimePart::kIsoYear}, {"DECADE", TimePart::kDecade},   {"CENTURY", TimePart::kCentury},
    {"MILLENNIUM", TimePart::kMillennium},
};

enum class CastType : uint8_t { kLong, kDouble, kString };

/// Timestamp_format() without a pattern prints ISO 8601 as Joda's
/// ISODateTimeFormat.dateTime() does in UTC.
constexpr std::string_view kIsoPattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

/// The maximum number of combinations of multi-value field values that one
/// evaluation applies the expression to. An event with more gives NULL.
constexpr size_t kMaxCombinations = 1000;

/// Expressions nested deeper than this are rejected, so that parsing and
/// evaluation stay within the thread's stack.
constexpr int kMaxDepth = 200;

}  // namespace druid_expression_detail

using druid_expression_detail::CastType;
using druid_expression_detail::ExprValue;
using druid_expression_detail::Fn;
using druid_expression_detail::FunctionInfo;
using druid_expression_detail::Op;
using druid_expression_detail::TimePart;
using druid_expression_detail::kFunctions;
using druid_expression_detail::kIsoPattern;
using druid_expression_detail::kMaxCombinations;
using druid_expression_detail::kMaxDepth;
using druid_expression_detail::kTimeParts;
using druid_expression_detail::kVariadic;

struct DruidExpression::Node {
  enum class Kind : uint8_t { kLiteral, kField, kTime, kUnary, kBinary, kFunction };
  Kind kind = Kind::kLiteral;
  size_t position = 0;  // 0-based byte offset of the node's first token
  Op op = Op::kAdd;
  Fn fn = Fn::kIf;
  ExprValue literal;
  size_t slot = 0;  // kField: index into Compiled::inputs
  std::vector<Node> children;

  // Literal arguments, compiled once.
  std::shared_ptr<const RE2> regex;
  int64_t groupIndex = 0;
  std::string pattern;
  std::optional<char> escape;
  std::optional<Granularity> granularity;
  std::shared_ptr<const query::JodaPattern> joda;
  TimePart part = TimePart::kEpoch;
  CastType castType = CastType::kString;
};

struct DruidExpression::Compiled {
  std::string text;
  Node root;
  std::vector<std::string> inputs;
};

namespace {

using Node = DruidExpression::Node;

// --- Conversions ---------------------------------------------------------------

std::optional<int64_t> parseLongText(std::string_view text, int base = 10) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::optional<double> parseDoubleText(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

/// Returns the number in a string, as Druid reads numeric strings: a LONG
/// when it is an integer, else a DOUBLE, and NULL when it is not a number.
ExprValue numberOf(const ExprValue& value) {
  if (!value.isString()) return value;
  if (std::optional<int64_t> l = parseLongText(value.stringValue)) return ExprValue::ofLong(*l);
  if (std::optional<double> d = parseDoubleText(value.stringValue)) return ExprValue::ofDouble(*d);
  return ExprValue::null();
}

/// Java's (long) cast: truncation toward zero, saturating, NaN to 0.
int64_t doubleToLong(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(d);
}

std::optional<int64_t> asLong(const ExprValue& value) {
  ExprValue number = numberOf(value);
  if (number.type == ExprValue::Type::kLong) return number.longValue;
  if (number.type == ExprValue::Type::kDouble) return doubleToLong(number.doubleValue);
  return std::nullopt;
}

std::optional<double> asDouble(const ExprValue& value) {
  ExprValue number = numberOf(value);
  if (number.type == ExprValue::Type::kLong) return static_cast<double>(number.longValue);
  if (number.type == ExprValue::Type::kDouble) return number.doubleValue;
  return std::nullopt;
}

/// Returns the text of a non-NULL value: integers in decimal, doubles as
/// Furl's filters print them (filterText()).
std::string asText(const ExprValue& value) {
  switch (value.type) {
    case ExprValue::Type::kLong:
      return strCat(value.longValue);
    case ExprValue::Type::kDouble:
      return filterText(Value::float64(value.doubleValue));
    case ExprValue::Type::kString:
      return value.stringValue;
    case ExprValue::Type::kNull:
      break;
  }
  return "";
}

/// Druid's truth of a value: a number is true when positive, a string when
/// it is 'true' in any case, NULL never.
bool isTruthy(const ExprValue& value) {
  switch (value.type) {
    case ExprValue::Type::kLong:
      return value.longValue > 0;
    case ExprValue::Type::kDouble:
      return value.doubleValue > 0;
    case ExprValue::Type::kString:
      return equalsIgnoreCase(value.stringValue, "true");
    case ExprValue::Type::kNull:
      break;
  }
  return false;
}

ExprValue fromEventValue(const Value* value) {
  if (value == nullptr || value->isNull()) return ExprValue::null();
  const Value::Storage& storage = value->storage();
  if (const auto* s = std::get_if<std::string>(&storage)) return ExprValue::ofString(*s);
  if (const auto* i = std::get_if<int64_t>(&storage)) return ExprValue::ofLong(*i);
  if (const auto* u = std::get_if<uint64_t>(&storage)) {
    if (*u <= static_cast<uint64_t>(INT64_MAX)) return ExprValue::ofLong(static_cast<int64_t>(*u));
    return ExprValue::ofDouble(static_cast<double>(*u));
  }
  return ExprValue::ofDouble(std::get<double>(storage));
}

Value toEventValue(ExprValue value) {
  switch (value.type) {
    case ExprValue::Type::kLong:
      return Value::int64(value.longValue);
    case ExprValue::Type::kDouble:
      return Value::float64(value.doubleValue);
    case ExprValue::Type::kString:
      return Value::string(std::move(value.stringValue));
    case ExprValue::Type::kNull:
      break;
  }
  return Value::null();
}

// Wrapping long arithmetic, as Java's.
int64_t wrapAdd(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
int64_t wrapSub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
int64_t wrapMul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }

// --- Strings by code point -------------------------------------------------------

// NOTE: Druid counts string positions and lengths in UTF-16 code units;
// Furl counts code points, which differs only for characters outside the
// Basic Multilingual Plane (such as emoji).

/// Splits `text` into its code points' byte ranges.
std::vector<std::string_view> codePoints(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = query::skipCodePointsForward(text, pos, 1);
    out.push_back(text.substr(pos, next - pos));
    pos = next;
  }
  return out;
}

std::string joinCodePoints(std::span<const std::string_view> points) {
  std::string out;
  for (std::string_view point : points) out.append(point);
  return out;
}

/// Returns the first `count` code points of `text` (all of them when fewer).
std::string_view prefixCodePoints(std::string_view text, int64_t count) {
  return text.substr(0, query::skipCodePointsForward(text, 0, static_cast<size_t>(count)));
}

/// Druid's lpad/rpad: `length` code points of `text` padded with `pad`
/// repeated, or `text` cut to `length`.
std::string pad(std::string_view text, int64_t length, std::string_view padding, bool left) {
  if (length <= 0) return "";
  size_t have = query::countCodePoints(text);
  if (static_cast<size_t>(length) <= have) return std::string(prefixCodePoints(text, length));
  if (padding.empty()) return std::string(text);
  std::vector<std::string_view> padPoints = codePoints(padding);
  std::string fill;
  for (size_t i = 0; i < static_cast<size_t>(length) - have; ++i) fill.append(padPoints[i % padPoints.size()]);
  return left ? fill + std::string(text) : std::string(text) + fill;
}

/// Java's String.replace: every occurrence, and with an empty target the
/// replacement before each code point and at the end.
std::string replaceAll(std::string_view text, std::string_view target, std::string_view replacement) {
  std::string out;
  if (target.empty()) {
    for (std::string_view point : codePoints(text)) {
      out.append(replacement);
      out.append(point);
    }
    out.append(replacement);
    return out;
  }
  size_t pos = 0;
  for (size_t found = text.find(target); found != std::string_view::npos; found = text.find(target, pos)) {
    out.append(text.substr(pos, found - pos));
    out.append(replacement);
    pos = found + target.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string trimCodePoints(std::string_view text, std::string_view chars, bool leading, bool trailing) {
  std::vector<std::string_view> points = codePoints(text);
  std::vector<std::string_view> trimSet = codePoints(chars);
  auto inSet = [&](std::string_view point) { return std::find(trimSet.begin(), trimSet.end(), point) != trimSet.end(); };
  size_t begin = 0;
  size_t end = points.size();
  while (leading && begin < end && inSet(points[begin])) ++begin;
  while (trailing && end > begin && inSet(points[end - 1])) --end;
  return joinCodePoints(std::span<const std::string_view>(points).subspan(begin, end - begin));
}

/// Rounds `value` to `scale` decimal places, half away from zero, on its
/// shortest decimal form, as Java's BigDecimal.valueOf(value).setScale()
/// does: round(2.675, 2) is 2.68 although the double is just below 2.675.
double roundDecimal(double value, int64_t scale) {
  if (std::isnan(value)) return 0;
  if (std::isinf(value)) return value > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
  if (scale > 400) return value;

  // Digits and decimal exponent of the shortest round-trip form.
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), std::fabs(value), std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  size_t ePos = text.find('e');
  std::string digits;
  for (char c : text.substr(0, ePos)) {
    if (c != '.') digits.push_back(c);
  }
  int64_t exponent = 0;
  std::from_chars(text.data() + ePos + 1 + (text[ePos + 1] == '+' ? 1 : 0), text.data() + text.size(), exponent);

  // digits[0] is the 10^exponent place; keep places down to 10^-scale.
  int64_t keep = exponent + scale + 1;
  if (keep >= static_cast<int64_t>(digits.size())) return value;
  bool roundUp = keep >= 0 && digits[static_cast<size_t>(keep)] >= '5';
  if (keep < 0) return std::copysign(0.0, value);
  std::string roundedDigits = digits.substr(0, static_cast<size_t>(keep));
  if (roundUp) {
    int64_t i = keep - 1;
    while (i >= 0 && roundedDigits[static_cast<size_t>(i)] == '9') roundedDigits[static_cast<size_t>(i--)] = '0';
    if (i >= 0) {
      ++roundedDigits[static_cast<size_t>(i)];
    } else {
      roundedDigits.insert(roundedDigits.begin(), '1');
      ++exponent;
    }
  }
  if (roundedDigits.empty()) return std::copysign(0.0, value);
  std::string rebuilt = strCat(roundedDigits.substr(0, 1), ".", roundedDigits.substr(1), "e", exponent);
  double rounded = std::strtod(rebuilt.c_str(), nullptr);
  return value < 0 ? -rounded : rounded;
}

int64_t pow10Long(int64_t exponent) {
  int64_t out = 1;
  for (int64_t i = 0; i < exponent; ++i) out = wrapMul(out, 10);
  return out;
}

// --- Time ------------------------------------------------------------------------

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

int64_t extractTimePart(TimePart part, int64_t ms) {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - int64_t{days} * 86400000;
  CivilDate date = civilFromDays(days);
  auto isoYearAndWeek = [&]() {
    int32_t thursday = days - static_cast<int32_t>(isoWeekday(days)) + 4;
    int32_t year = civilFromDays(thursday).year;
    return std::pair<int64_t, int64_t>(year, (thursday - daysFromCivil(year, 1, 1)) / 7 + 1);
  };
  switch (part) {
    case TimePart::kEpoch:
      return floorDiv(ms, 1000);
    case TimePart::kSecond:
      return msOfDay / 1000 % 60;
    case TimePart::kMinute:
      return msOfDay / 60000 % 60;
    case TimePart::kHour:
      return msOfDay / 3600000;
    case TimePart::kDay:
      return date.day;
    case TimePart::kDow:
    case TimePart::kIsoDow:
      return isoWeekday(days);
    case TimePart::kDoy:
      return days - daysFromCivil(date.year, 1, 1) + 1;
    case TimePart::kWeek:
      return isoYearAndWeek().second;
    case TimePart::kMonth:
      return date.month;
    case TimePart::kQuarter:
      return (date.month - 1) / 3 + 1;
    case TimePart::kYear:
      return date.year;
    case TimePart::kIsoYear:
      return isoYearAndWeek().first;
    case TimePart::kDecade:
      return floorDiv(date.year, 10);
    case TimePart::kCentury:
      return date.year > 0 ? (date.year + 99) / 100 : -((-date.year + 99) / 100);
    case TimePart::kMillennium:
      return date.year > 0 ? (date.year + 999) / 1000 : -((-date.year + 999) / 1000);
  }
  return 0;
}

// --- Lexer -----------------------------------------------------------------------

struct Token {
  enum class Kind : uint8_t { kEnd, kLong, kDouble, kString, kIdentifier, kQuotedIdentifier, kSymbol };
  Kind kind = Kind::kEnd;
  std::string text;  // the decoded string or name, the number's digits, or the symbol
  size_t position = 0;
};

std::string describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::kEnd:
      return "the end of the expression";
    case Token::Kind::kString:
      return strCat("the string '", token.text, "'");
    case Token::Kind::kQuotedIdentifier:
      return strCat("the name \"", token.text, "\"");
    default:
      return strCat("'", token.text, "'");
  }
}

absl::Status syntaxError(size_t position, std::string_view message) {
  return absl::InvalidArgumentError(strCat("at character ", position + 1, ": ", message));
}

bool isIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool isIdentifierPart(char c) { return isIdentifierStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Reads the quoted text that starts at text[pos] (the quote), decoding the
// escapes of Druid's grammar: \' \" \\ \/ \b \f \n \r \t and \uXXXX.
absl::StatusOr<std::string> readQuoted(std::string_view text, size_t& pos) {
  char quote = text[pos];
  size_t start = pos++;
  std::string out;
  std::optional<uint32_t> highSurrogate;
  auto readHex = [&](size_t at) -> std::optional<uint32_t> {
    if (at + 4 > text.size()) return std::nullopt;
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + 4, value, 16);
    if (ec != std::errc() || end != text.data() + at + 4) return std::nullopt;
    return value;
  };
  while (pos < text.size()) {
    char c = text[pos];
    if (c == quote) {
      if (highSurrogate) return syntaxError(pos, "expected a low surrogate \\uDC00-\\uDFFF after a high surrogate");
      ++pos;
      return out;
    }
    if (c != '\\') {
      if (highSurrogate) return syntaxError(pos, "expected a low surrogate \\uDC00-\\uDFFF after a high surrogate");
      out.push_back(c);
      ++pos;
      continue;
    }
    if (pos + 1 >= text.size()) break;
    char escaped = text[pos + 1];
    if (escaped == 'u') {
      std::optional<uint32_t> unit = readHex(pos + 2);
      if (!unit) return syntaxError(pos, "expected four hexadecimal digits after \\u");
      if (highSurrogate) {
        if (*unit < 0xDC00 || *unit > 0xDFFF) return syntaxError(pos, "expected a low surrogate \\uDC00-\\uDFFF");
        appendUtf8(out, 0x10000 + ((*highSurrogate - 0xD800) << 10) + (*unit - 0xDC00));
        highSurrogate.reset();
      } else if (*unit >= 0xD800 && *unit <= 0xDBFF) {
        highSurrogate = *unit;
      } else if (*unit >= 0xDC00 && *unit <= 0xDFFF) {
        return syntaxError(pos, "a low surrogate \\uDC00-\\uDFFF must follow a high surrogate");
      } else {
        appendUtf8(out, *unit);
      }
      pos += 6;
      continue;
    }
    if (highSurrogate) return syntaxError(pos, "expected a low surrogate \\uDC00-\\uDFFF after a high surrogate");
    switch (escaped) {
      case '\'': case '"': case '\\': case '/': out.push_back(escaped); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      default:
        return syntaxError(pos, strCat("invalid escape '\\", std::string_view(&escaped, 1),
                                       "'; expected one of \\' \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"));
    }
    pos += 2;
  }
  return syntaxError(start, strCat("unterminated ", quote == '\'' ? "string literal" : "quoted name",
                                   "; expected a closing ", std::string_view(&quote, 1)));
}

absl::StatusOr<std::vector<Token>> tokenize(std::string_view text) {
  static constexpr std::string_view kTwoCharSymbols[] = {"<=", ">=", "==", "!=", "&&", "||", "->"};
  std::vector<Token> tokens;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    Token token;
    token.position = pos;
    if (pos >= text.size()) {
      tokens.push_back(std::move(token));
      return tokens;
    }
    char c = text[pos];
    if (c == '\'' || c == '"') {
      absl::StatusOr<std::string> quoted = readQuoted(text, pos);
      if (!quoted.ok()) return quoted.status();
      token.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedIdentifier;
      token.text = *std::move(quoted);
    } else if (isDigit(c) || (c == '.' && pos + 1 < text.size() && isDigit(text[pos + 1]))) {
      // [0-9]+ is a long; a '.' or an exponent makes a double.
      size_t start = pos;
      bool isDouble = false;
      while (pos < text.size() && isDigit(text[pos])) ++pos;
      if (pos < text.size() && text[pos] == '.') {
        isDouble = true;
        ++pos;
        while (pos < text.size() && isDigit(text[pos])) ++pos;
      }
      if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        size_t exponent = pos + 1;
        if (exponent < text.size() && (text[exponent] == '-' || text[exponent] == '+')) ++exponent;
        if (exponent < text.size() && isDigit(text[exponent])) {
          isDouble = true;
          pos = exponent;
          while (pos < text.size() && isDigit(text[pos])) ++pos;
        }
      }
      token.kind = isDouble ? Token::Kind::kDouble : Token::Kind::kLong;
      token.text = std::string(text.substr(start, pos - start));
    } else if (isIdentifierStart(c)) {
      size_t start = pos;
      while (pos < text.size() && isIdentifierPart(text[pos])) ++pos;
      token.kind = Token::Kind::kIdentifier;
      token.text = std::string(text.substr(start, pos - start));
    } else {
      token.kind = Token::Kind::kSymbol;
      std::string_view two = text.substr(pos, 2);
      bool matched = false;
      for (std::string_view symbol : kTwoCharSymbols) {
        if (two == symbol) {
          token.text = std::string(symbol);
          pos += 2;
          matched = true;
          break;
        }
      }
      if (!matched) {
        if (std::string_view("()+-*/%^!<>,[]").find(c) == std::string_view::npos) {
          return syntaxError(pos, strCat("unexpected character '", std::string_view(&c, 1), "'"));
        }
        token.text = std::string(1, c);
        ++pos;
      }
    }
    tokens.push_back(std::move(token));
  }
}

// --- Parser ----------------------------------------------------------------------

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::vector<std::string>& inputs) : tokens_(std::move(tokens)), inputs_(inputs) {}

  absl::StatusOr<Node> parseAll() {
    absl::StatusOr<Node> root = parseLogical();
    if (!root.ok()) return root;
    if (peek().kind != Token::Kind::kEnd) {
      return syntaxError(peek().position, strCat("expected an operator or the end of the expression, found ",
                                                 describe(peek())));
    }
    return root;
  }

 private:
  const Token& peek() const { return tokens_[index_]; }
  bool atSymbol(std::string_view symbol) const {
    return peek().kind == Token::Kind::kSymbol && peek().text == symbol;
  }
  Token next() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }

  static Node binary(Op op, size_t position, Node left, Node right) {
    Node node;
    node.kind = Node::Kind::kBinary;
    node.op = op;
    node.position = position;
    node.children.push_back(std::move(left));
    node.children.push_back(std::move(right));
    return node;
  }

  // Binary levels, loosest first: && and || (one level, as in Druid's
  // grammar), comparisons, + -, * / %, then ^ (right-associative).
  absl::StatusOr<Node> parseLogical() {
    return parseLeftAssociative({{"&&", Op::kAnd}, {"||", Op::kOr}}, &Parser::parseComparison);
  }
  absl::StatusOr<Node> parseComparison() {
    return parseLeftAssociative({{"<", Op::kLt}, {"<=", Op::kLe}, {">", Op::kGt}, {">=", Op::kGe},
                                 {"==", Op::kEq}, {"!=", Op::kNe}},
                                &Parser::parseAdditive);
  }
  absl::StatusOr<Node> parseAdditive() {
    return parseLeftAssociative({{"+", Op::kAdd}, {"-", Op::kSub}}, &Parser::parseMultiplicative);
  }
  absl::StatusOr<Node> parseMultiplicative() {
    return parseLeftAssociative({{"*", Op::kMul}, {"/", Op::kDiv}, {"%", Op::kMod}}, &Parser::parsePower);
  }

  absl::StatusOr<Node> parseLeftAssociative(std::initializer_list<std::pair<std::string_view, Op>> ops,
                                            absl::StatusOr<Node> (Parser::*operand)()) {
    absl::StatusOr<Node> left = (this->*operand)();
    if (!left.ok()) return left;
    while (true) {
      std::optional<Op> op;
      for (const auto& [symbol, candidate] : ops) {
        if (atSymbol(symbol)) op = candidate;
      }
      if (!op) return left;
      size_t position = next().position;
      absl::StatusOr<Node> right = (this->*operand)();
      if (!right.ok()) return right;
      left = binary(*op, position, *std::move(left), *std::move(right));
    }
  }

  absl::StatusOr<Node> parsePower() {
    absl::StatusOr<Node> base = parseUnary();
    if (!base.ok() || !atSymbol("^")) return base;
    size_t position = next().position;
    if (++depth_ > kMaxDepth) return syntaxError(position, strCat("the expression nests deeper than ", kMaxDepth, " levels"));
    absl::StatusOr<Node> exponent = parsePower();
    --depth_;
    if (!exponent.ok()) return exponent;
    return binary(Op::kPow, position, *std::move(base), *std::move(exponent));
  }

  absl::StatusOr<Node> parseUnary() {
    if (!atSymbol("-") && !atSymbol("!")) return parsePrimary();
    Token op = next();
    if (++depth_ > kMaxDepth) return syntaxError(op.position, strCat("the expression nests deeper than ", kMaxDepth, " levels"));
    // -9223372036854775808 is a long although its digits alone overflow.
    bool minLong = op.text == "-" && peek().kind == Token::Kind::kLong && peek().text == "9223372036854775808";
    absl::StatusOr<Node> operand = minLong ? literalNode(ExprValue::ofLong(INT64_MIN), next().position) : parseUnary();
    --depth_;
    if (!operand.ok() || minLong) return operand;
    Node node;
    node.kind = Node::Kind::kUnary;
    node.op = op.text == "-" ? Op::kNeg : Op::kNot;
    node.position = op.position;
    node.children.push_back(*std::move(operand));
    return node;
  }

  static absl::StatusOr<Node> literalNode(ExprValue value, size_t position) {
    Node node;
    node.kind = Node::Kind::kLiteral;
    node.literal = std::move(value);
    node.position = position;
    return node;
  }

  Node fieldNode(const std::string& name, size_t position) {
    Node node;
    node.position = position;
    if (name == "__time") {
      node.kind = Node::Kind::kTime;
      return node;
    }
    node.kind = Node::Kind::kField;
    auto it = std::find(inputs_.begin(), inputs_.end(), name);
    node.slot = static_cast<size_t>(it - inputs_.begin());
    if (it == inputs_.end()) inputs_.push_back(name);
    return node;
  }

  absl::StatusOr<Node> parsePrimary() {
    Token token = next();
    switch (token.kind) {
      case Token::Kind::kLong: {
        std::optional<int64_t> value = parseLongText(token.text);
        if (!value) return syntaxError(token.position, strCat("integer ", token.text, " is out of the LONG range"));
        return literalNode(ExprValue::ofLong(*value), token.position);
      }
      case Token::Kind::kDouble:
        return literalNode(ExprValue::ofDouble(std::strtod(token.text.c_str(), nullptr)), token.position);
      case Token::Kind::kString:
        return literalNode(ExprValue::ofString(token.text), token.position);
      case Token::Kind::kQuotedIdentifier:
        return fieldNode(token.text, token.position);
      case Token::Kind::kIdentifier:
        if (token.text == "null") return literalNode(ExprValue::null(), token.position);
        if (atSymbol("(")) return parseCall(token);
        return fieldNode(token.text, token.position);
      case Token::Kind::kSymbol:
        if (token.text == "(") return parseParenthesized(token);
        if (token.text == "[") return syntaxError(token.position, "array literals are not supported");
        break;
      case Token::Kind::kEnd:
        break;
    }
    return syntaxError(token.position, strCat("expected a value, a name or a function call, found ", describe(token)));
  }

  absl::StatusOr<Node> parseParenthesized(const Token& open) {
    // (x, y) -> ... and (x) -> ... are lambdas, which only apply functions take.
    size_t scan = index_;
    while (tokens_[scan].kind == Token::Kind::kIdentifier || (tokens_[scan].kind == Token::Kind::kSymbol && tokens_[scan].text == ",")) ++scan;
    if (tokens_[scan].kind == Token::Kind::kSymbol && tokens_[scan].text == ")" &&
        tokens_[scan + 1 < tokens_.size() ? scan + 1 : scan].text == "->") {
      return syntaxError(open.position, "lambda expressions are not supported");
    }
    if (++depth_ > kMaxDepth) return syntaxError(open.position, strCat("the expression nests deeper than ", kMaxDepth, " levels"));
    absl::StatusOr<Node> inner = parseLogical();
    --depth_;
    if (!inner.ok()) return inner;
    if (!atSymbol(")")) {
      return syntaxError(peek().position, strCat("expected ')' to close the '(' at character ", open.position + 1,
                                                 ", found ", describe(peek())));
    }
    next();
    return inner;
  }

  absl::StatusOr<Node> parseCall(const Token& name) {
    std::string lower = toLowerAscii(name.text);
    const FunctionInfo* info = nullptr;
    for (const FunctionInfo& candidate : kFunctions) {
      if (candidate.name == lower) info = &candidate;
    }
    if (info == nullptr) {
      std::vector<std::string_view> names;
      for (const FunctionInfo& candidate : kFunctions) names.push_back(candidate.name);
      std::vector<std::string> close = findCloseMatches(name.text, names);
      std::string hint = close.empty() ? "; docs/ingestion-spec.md lists the supported functions"
                                       : strCat("; did you mean ", joinAlternatives(close), "?");
      return syntaxError(name.position, strCat("unknown function '", name.text, "'", hint));
    }

    Node node;
    node.kind = Node::Kind::kFunction;
    node.fn = info->fn;
    node.position = name.position;
    next();  // (
    if (++depth_ > kMaxDepth) return syntaxError(name.position, strCat("the expression nests deeper than ", kMaxDepth, " levels"));
    if (atSymbol(")")) {
      next();
    } else {
      while (true) {
        absl::StatusOr<Node> argument = parseLogical();
        if (!argument.ok()) return argument;
        node.children.push_back(*std::move(argument));
        if (atSymbol(",")) {
          next();
          continue;
        }
        if (atSymbol(")")) {
          next();
          break;
        }
        return syntaxError(peek().position, strCat("expected ',' or ')' after argument ", node.children.size(), " of ",
                                                   info->name, "(), found ", describe(peek())));
      }
    }
    --depth_;

    size_t count = node.children.size();
    if (count < info->minArgs || count > info->maxArgs) {
      std::string expected = info->minArgs == info->maxArgs ? strCat(info->minArgs)
                             : info->maxArgs == kVariadic   ? strCat("at least ", info->minArgs)
                                                            : strCat(info->minArgs, " to ", info->maxArgs);
      bool singular = info->minArgs == 1 && (info->maxArgs == 1 || info->maxArgs == kVariadic);
      return syntaxError(name.position, strCat(info->name, "() takes ", expected, singular ? " argument" : " arguments",
                                               ", found ", count));
    }
    absl::Status compiled = compileArguments(node, info->name);
    if (!compiled.ok()) return compiled;
    return node;
  }

  // --- Literal arguments ---

  static absl::Status argumentError(const Node& call, std::string_view function, size_t index, std::string_view message) {
    return syntaxError(call.children[index].position, strCat("argument ", index + 1, " of ", function, "() ", message));
  }

  /// The text of a string literal argument; nullopt for a NULL literal.
  static absl::StatusOr<std::optional<std::string>> literalString(const Node& call, std::string_view function,
                                                                  size_t index, std::string_view what) {
    const Node& argument = call.children[index];
    if (argument.kind == Node::Kind::kLiteral && argument.literal.isNull()) return std::optional<std::string>();
    if (argument.kind != Node::Kind::kLiteral || !argument.literal.isString()) {
      return argumentError(call, function, index, strCat("must be a string literal: ", what));
    }
    return std::optional<std::string>(argument.literal.stringValue);
  }

  static absl::Status requireUtc(const Node& call, std::string_view function, size_t index) {
    if (call.children.size() <= index) return absl::OkStatus();
    absl::StatusOr<std::optional<std::string>> zone = literalString(call, function, index, "a time zone");
    if (!zone.ok()) return zone.status();
    if (!zone->has_value()) return absl::OkStatus();
    for (std::string_view utc : {"UTC", "Etc/UTC", "Z", "+00:00", "GMT"}) {
      if (**zone == utc) return absl::OkStatus();
    }
    return argumentError(call, function, index,
                         strCat("is the time zone '", **zone, "', which is not supported; Furl evaluates time in UTC"));
  }

  static absl::Status compileRegex(Node& call, std::string_view function) {
    absl::StatusOr<std::optional<std::string>> pattern = literalString(call, function, 1, "a regular expression");
    if (!pattern.ok()) return pattern.status();
    if (!pattern->has_value()) return argumentError(call, function, 1, "is NULL; expected a regular expression");
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(**pattern, options);
    if (!regex->ok()) {
      return argumentError(call, function, 1, strCat("is an invalid regular expression '", **pattern, "': ",
                                                     regex->error(), " (RE2 syntax: no lookaround or backreferences)"));
    }
    call.regex = std::move(regex);
    return absl::OkStatus();
  }

  static absl::Status compileJoda(Node& call, std::string_view function, size_t index, bool required) {
    std::optional<std::string> pattern;
    if (call.children.size() > index) {
      absl::StatusOr<std::optional<std::string>> text = literalString(call, function, index, "a Joda-Time pattern");
      if (!text.ok()) return text.status();
      pattern = *std::move(text);
    }
    if (!pattern) {
      if (required) call.joda = std::make_shared<const query::JodaPattern>(query::JodaPattern::compile(kIsoPattern));
      return absl::OkStatus();
    }
    try {
      call.joda = std::make_shared<const query::JodaPattern>(query::JodaPattern::compile(*pattern));
    } catch (const QueryError& error) {
      return argumentError(call, function, index, strCat("is an invalid Joda-Time pattern: ", error.what()));
    }
    return absl::OkStatus();
  }

  static absl::Status compileGranularity(Node& call, std::string_view function) {
    absl::StatusOr<std::optional<std::string>> text = literalString(call, function, 1, "an ISO-8601 period such as PT1H");
    if (!text.ok()) return text.status();
    if (!text->has_value()) return argumentError(call, function, 1, "is NULL; expected an ISO-8601 period such as PT1H");
    absl::StatusOr<Period> period = parsePeriod(**text);
    if (!period.ok()) return argumentError(call, function, 1, toStd(period.status().message()));

    std::optional<int64_t> originMs;
    if (call.children.size() > 2) {
      const Node& origin = call.children[2];
      if (origin.kind != Node::Kind::kLiteral || origin.literal.isString() || origin.literal.type == ExprValue::Type::kDouble) {
        return argumentError(call, function, 2, "must be a LONG literal (milliseconds since the epoch) or null");
      }
      if (!origin.literal.isNull()) originMs = origin.literal.longValue;
    }
    absl::StatusOr<Granularity> granularity = Granularity::fromPeriod(*period, originMs);
    if (!granularity.ok()) return argumentError(call, function, 1, toStd(granularity.status().message()));
    call.granularity = *granularity;
    return requireUtc(call, function, 3);
  }

  static absl::Status compileArguments(Node& call, std::string_view function) {
    switch (call.fn) {
      case Fn::kContainsString:
      case Fn::kIcontainsString: {
        absl::StatusOr<std::optional<std::string>> search = literalString(call, function, 1, "the text to find");
        if (!search.ok()) return search.status();
        if (!search->has_value()) return argumentError(call, function, 1, "is NULL; expected the text to find");
        if (call.fn == Fn::kIcontainsString) {
          query::toLowerUtf8(**search, call.pattern);
        } else {
          call.pattern = **search;
        }
        return absl::OkStatus();
      }
      case Fn::kLike: {
        absl::StatusOr<std::optional<std::string>> pattern = literalString(call, function, 1, "a LIKE pattern");
        if (!pattern.ok()) return pattern.status();
        if (!pattern->has_value()) return argumentError(call, function, 1, "is NULL; expected a LIKE pattern");
        call.pattern = **pattern;
        if (call.children.size() > 2) {
          absl::StatusOr<std::optional<std::string>> escape = literalString(call, function, 2, "one escape character");
          if (!escape.ok()) return escape.status();
          if (escape->has_value()) {
            if ((*escape)->size() != 1) return argumentError(call, function, 2, "must be one character");
            call.escape = (**escape)[0];
          }
        }
        return absl::OkStatus();
      }
      case Fn::kRegexpLike:
        return compileRegex(call, function);
      case Fn::kRegexpExtract: {
        absl::Status regex = compileRegex(call, function);
        if (!regex.ok()) return regex;
        if (call.children.size() > 2) {
          const Node& index = call.children[2];
          if (index.kind != Node::Kind::kLiteral || index.literal.type != ExprValue::Type::kLong) {
            return argumentError(call, function, 2, "must be a LONG literal: the capture group, 0 for the whole match");
          }
          if (index.literal.longValue < 0 || index.literal.longValue > call.regex->NumberOfCapturingGroups()) {
            int groups = call.regex->NumberOfCapturingGroups();
            return argumentError(call, function, 2, strCat("is ", index.literal.longValue, " but the pattern has ", groups,
                                                           groups == 1 ? " capture group" : " capture groups"));
          }
          call.groupIndex = index.literal.longValue;
        }
        return absl::OkStatus();
      }
      case Fn::kCast: {
        absl::StatusOr<std::optional<std::string>> type = literalString(call, function, 1, "'LONG', 'DOUBLE' or 'STRING'");
        if (!type.ok()) return type.status();
        std::string upper = toUpperAscii(type->value_or(""));
        if (upper == "LONG") {
          call.castType = CastType::kLong;
        } else if (upper == "DOUBLE") {
          call.castType = CastType::kDouble;
        } else if (upper == "STRING") {
          call.castType = CastType::kString;
        } else {
          return argumentError(call, function, 1, strCat("is the type '", type->value_or("null"),
                                                         "', which is not supported; expected 'LONG', 'DOUBLE' or 'STRING'"));
        }
        return absl::OkStatus();
      }
      case Fn::kTimestampFloor:
      case Fn::kTimestampCeil:
        return compileGranularity(call, function);
      case Fn::kTimestampExtract: {
        absl::StatusOr<std::optional<std::string>> unit = literalString(call, function, 1, "a unit such as 'HOUR'");
        if (!unit.ok()) return unit.status();
        std::string upper = toUpperAscii(unit->value_or(""));
        bool found = false;
        std::string names;
        for (const auto& [name, part] : kTimeParts) {
          strAppend(&names, names.empty() ? "" : ", ", name);
          if (upper == name) {
            call.part = part;
            found = true;
          }
        }
        if (!found) {
          return argumentError(call, function, 1, strCat("is the unit '", unit->value_or("null"),
                                                         "', which is not supported; expected one of ", names));
        }
        return requireUtc(call, function, 2);
      }
      case Fn::kTimestampParse:
      case Fn::kTimestamp:
      case Fn::kUnixTimestamp: {
        absl::Status pattern = compileJoda(call, function, 1, false);
        if (!pattern.ok()) return pattern;
        return requireUtc(call, function, 2);
      }
      case Fn::kTimestampFormat: {
        absl::Status pattern = compileJoda(call, function, 1, true);
        if (!pattern.ok()) return pattern;
        return requireUtc(call, function, 2);
      }
      default:
        return absl::OkStatus();
    }
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  int depth_ = 0;
  std::vector<std::string>& inputs_;
};

// --- Evaluation ------------------------------------------------------------------

struct EvalContext {
  const std::vector<const Value*>& fields;
  int64_t timeMs;
  /// Set by a runtime error; the whole result is then NULL.
  bool failed = false;
};

ExprValue evaluateNode(const Node& node, EvalContext& context);

ExprValue fail(EvalContext& context) {
  context.failed = true;
  return ExprValue::null();
}

/// Compares two non-NULL values as Druid's comparison operators do: two
/// strings by their text, otherwise as numbers (LONG when both are LONG).
/// nullopt when a string is not a number.
std::optional<int> compareValues(const ExprValue& left, const ExprValue& right) {
  if (left.isString() && right.isString()) {
    int c = left.stringValue.compare(right.stringValue);
    return (c > 0) - (c < 0);
  }
  if (left.type == ExprValue::Type::kLong && right.type == ExprValue::Type::kLong) {
    return (left.longValue > right.longValue) - (left.longValue < right.longValue);
  }
  std::optional<double> l = asDouble(left);
  std::optional<double> r = asDouble(right);
  if (!l || !r) return std::nullopt;
  return (*l > *r) - (*l < *r);
}

ExprValue evaluateArithmetic(Op op, const ExprValue& left, const ExprValue& right, EvalContext& context) {
  if (left.isString() && right.isString()) {
    if (op == Op::kAdd) return ExprValue::ofString(left.stringValue + right.stringValue);
    return fail(context);  // Druid has no other operator on two strings
  }
  if (left.type == ExprValue::Type::kLong && right.type == ExprValue::Type::kLong) {
    int64_t a = left.longValue;
    int64_t b = right.longValue;
    switch (op) {
      case Op::kAdd: return ExprValue::ofLong(wrapAdd(a, b));
      case Op::kSub: return ExprValue::ofLong(wrapSub(a, b));
      case Op::kMul: return ExprValue::ofLong(wrapMul(a, b));
      case Op::kDiv:
        if (b == 0) return fail(context);
        return ExprValue::ofLong(b == -1 ? wrapSub(0, a) : a / b);
      case Op::kMod:
        if (b == 0) return fail(context);
        return ExprValue::ofLong(b == -1 ? 0 : a % b);
      case Op::kPow: {
        // Guava's LongMath.pow: wraps on overflow, rejects a negative exponent.
        if (b < 0 || b > INT32_MAX) return fail(context);
        int64_t result = 1;
        int64_t base = a;
        for (int64_t e = b; e > 0; e >>= 1) {
          if (e & 1) result = wrapMul(result, base);
          base = wrapMul(base, base);
        }
        return ExprValue::ofLong(result);
      }
      default: break;
    }
    return fail(context);
  }
  // Mixed types, or a string with a number: doubles.
  std::optional<double> a = asDouble(left);
  std::optional<double> b = asDouble(right);
  if (!a || !b) return ExprValue::null();
  switch (op) {
    case Op::kAdd: return ExprValue::ofDouble(*a + *b);
    case Op::kSub: return ExprValue::ofDouble(*a - *b);
    case Op::kMul: return ExprValue::ofDouble(*a * *b);
    case Op::kDiv: return ExprValue::ofDouble(*a / *b);
    case Op::kMod: return ExprValue::ofDouble(std::fmod(*a, *b));
    case Op::kPow: return ExprValue::ofDouble(std::pow(*a, *b));
    default: break;
  }
  return fail(context);
}

ExprValue evaluateBinary(const Node& node, EvalContext& context) {
  // && and || skip the right side when the left decides, and treat NULL as
  // unknown: null || true is 1, null && false is 0, otherwise NULL.
  if (node.op == Op::kAnd || node.op == Op::kOr) {
    bool isAnd = node.op == Op::kAnd;
    ExprValue left = evaluateNode(node.children[0], context);
    if (!left.isNull() && isTruthy(left) != isAnd) return ExprValue::ofBool(!isAnd);
    ExprValue right = evaluateNode(node.children[1], context);
    if (!right.isNull() && isTruthy(right) != isAnd) return ExprValue::ofBool(!isAnd);
    if (left.isNull() || right.isNull()) return ExprValue::null();
    return ExprValue::ofBool(isAnd);
  }

  ExprValue left = evaluateNode(node.children[0], context);
  ExprValue right = evaluateNode(node.children[1], context);
  if (left.isNull() || right.isNull()) return ExprValue::null();
  switch (node.op) {
    case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: case Op::kEq: case Op::kNe: {
      std::optional<int> c = compareValues(left, right);
      if (!c) return ExprValue::null();
      switch (node.op) {
        case Op::kLt: return ExprValue::ofBool(*c < 0);
        case Op::kLe: return ExprValue::ofBool(*c <= 0);
        case Op::kGt: return ExprValue::ofBool(*c > 0);
        case Op::kGe: return ExprValue::ofBool(*c >= 0);
        case Op::kEq: return ExprValue::ofBool(*c == 0);
        default: return ExprValue::ofBool(*c != 0);
      }
    }
    default:
      return evaluateArithmetic(node.op, left, right, context);
  }
}

ExprValue evaluateUnary(const Node& node, EvalContext& context) {
  ExprValue operand = evaluateNode(node.children[0], context);
  if (operand.isNull()) return operand;
  if (node.op == Op::kNot) return ExprValue::ofBool(!isTruthy(operand));
  switch (operand.type) {
    case ExprValue::Type::kLong: return ExprValue::ofLong(wrapSub(0, operand.longValue));
    case ExprValue::Type::kDouble: return ExprValue::ofDouble(-operand.doubleValue);
    default: return fail(context);  // Druid rejects unary minus on a string
  }
}

/// greatest() and least(): NULLs are skipped; strings when any argument is
/// a string, LONG when all are LONG, else DOUBLE.
ExprValue evaluateExtreme(const Node& node, EvalContext& context, bool greatest) {
  std::vector<ExprValue> values;
  bool anyString = false;
  bool allLong = true;
  for (const Node& child : node.children) {
    ExprValue value = evaluateNode(child, context);
    if (value.isNull()) continue;
    anyString = anyString || value.isString();
    allLong = allLong && value.type == ExprValue::Type::kLong;
    values.push_back(std::move(value));
  }
  if (values.empty()) return ExprValue::null();
  std::optional<ExprValue> best;
  for (ExprValue& value : values) {
    ExprValue candidate = anyString ? ExprValue::ofString(asText(value))
                          : allLong  ? value
                                     : ExprValue::ofDouble(*asDouble(value));
    if (!best || (greatest ? *compareValues(candidate, *best) > 0 : *compareValues(candidate, *best) < 0)) {
      best = std::move(candidate);
    }
  }
  return *best;
}

ExprValue evaluateFunction(const Node& node, EvalContext& context) {
  auto arg = [&](size_t i) { return evaluateNode(node.children[i], context); };
  const size_t count = node.children.size();

  // Functions that do not evaluate every argument, or handle NULL.
  switch (node.fn) {
    case Fn::kIf:
      return isTruthy(arg(0)) ? arg(1) : arg(2);
    case Fn::kNvl: {
      ExprValue value = arg(0);
      return value.isNull() ? arg(1) : value;
    }
    case Fn::kCoalesce:
      for (size_t i = 0; i < count; ++i) {
        ExprValue value = arg(i);
        if (!value.isNull()) return value;
      }
      return ExprValue::null();
    case Fn::kCaseSearched:
      for (size_t i = 0; i + 1 < count; i += 2) {
        if (isTruthy(arg(i))) return arg(i + 1);
      }
      return count % 2 == 1 ? arg(count - 1) : ExprValue::null();
    case Fn::kCaseSimple: {
      ExprValue subject = arg(0);
      for (size_t i = 1; i + 1 < count; i += 2) {
        ExprValue candidate = arg(i);
        if (subject.isNull() || candidate.isNull()) continue;
        std::optional<int> c = compareValues(subject, candidate);
        if (c && *c == 0) return arg(i + 1);
      }
      return count % 2 == 0 ? arg(count - 1) : ExprValue::null();
    }
    case Fn::kIsNull:
      return ExprValue::ofBool(arg(0).isNull());
    case Fn::kNotNull:
      return ExprValue::ofBool(!arg(0).isNull());
    case Fn::kConcat: {
      std::string out;
      for (size_t i = 0; i < count; ++i) {
        ExprValue value = arg(i);
        if (value.isNull()) return ExprValue::null();
        out += asText(value);
      }
      return ExprValue::ofString(std::move(out));
    }
    case Fn::kGreatest:
      return evaluateExtreme(node, context, true);
    case Fn::kLeast:
      return evaluateExtreme(node, context, false);
    case Fn::kContainsString:
    case Fn::kIcontainsString:
    case Fn::kLike:
    case Fn::kRegexpLike: {
      // A NULL input matches nothing, as in Druid.
      ExprValue value = arg(0);
      if (value.isNull()) return ExprValue::ofBool(false);
      std::string text = asText(value);
      switch (node.fn) {
        case Fn::kContainsString:
          return ExprValue::ofBool(text.find(node.pattern) != std::string::npos);
        case Fn::kIcontainsString: {
          std::string lower;
          query::toLowerUtf8(text, lower);
          return ExprValue::ofBool(lower.find(node.pattern) != std::string::npos);
        }
        case Fn::kLike:
          return ExprValue::ofBool(likeMatches(text, node.pattern, node.escape));
        default:
          return ExprValue::ofBool(RE2::PartialMatch(text, *node.regex));
      }
    }
    default:
      break;
  }

  // The rest give NULL when any argument is NULL.
  std::vector<ExprValue> args;
  args.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    args.push_back(arg(i));
    if (args.back().isNull()) return ExprValue::null();
  }
  auto longArg = [&](size_t i) { return asLong(args[i]); };

  switch (node.fn) {
    case Fn::kUpper:
    case Fn::kLower: {
      std::string out;
      if (node.fn == Fn::kUpper) {
        query::toUpperUtf8(asText(args[0]), out);
      } else {
        query::toLowerUtf8(asText(args[0]), out);
      }
      return ExprValue::ofString(std::move(out));
    }
    case Fn::kStrlen:
      return ExprValue::ofLong(static_cast<int64_t>(query::countCodePoints(asText(args[0]))));
    case Fn::kSubstring: {
      // Druid's substring: 0-based index, a negative length reads to the end,
      // and an index past the end gives NULL.
      std::string text = asText(args[0]);
      std::optional<int64_t> index = longArg(1);
      std::optional<int64_t> length = longArg(2);
      if (!index || !length) return ExprValue::null();
      if (*index < 0) return fail(context);
      size_t size = query::countCodePoints(text);
      if (static_cast<uint64_t>(*index) >= size) return ExprValue::null();
      size_t begin = query::skipCodePointsForward(text, 0, static_cast<size_t>(*index));
      size_t end = *length < 0 ? text.size() : query::skipCodePointsForward(text, begin, static_cast<size_t>(*length));
      return ExprValue::ofString(text.substr(begin, end - begin));
    }
    case Fn::kLeft:
    case Fn::kRight: {
      std::string text = asText(args[0]);
      std::optional<int64_t> length = longArg(1);
      if (!length) return ExprValue::null();
      if (*length < 0) return fail(context);
      if (node.fn == Fn::kLeft) return ExprValue::ofString(std::string(prefixCodePoints(text, *length)));
      size_t begin = query::skipCodePointsBackward(text, text.size(), static_cast<size_t>(*length));
      return ExprValue::ofString(text.substr(begin));
    }
    case Fn::kReplace:
      return ExprValue::ofString(replaceAll(asText(args[0]), asText(args[1]), asText(args[2])));
    case Fn::kStrpos: {
      // Java's indexOf: a negative start counts from 0, the result is a
      // 0-based code point position or -1.
      std::string haystack = asText(args[0]);
      std::string needle = asText(args[1]);
      int64_t from = 0;
      if (count > 2) {
        std::optional<int64_t> start = longArg(2);
        if (!start) return ExprValue::null();
        from = std::max<int64_t>(*start, 0);
      }
      size_t size = query::countCodePoints(haystack);
      if (static_cast<uint64_t>(from) > size) return ExprValue::ofLong(needle.empty() ? static_cast<int64_t>(size) : -1);
      size_t fromByte = query::skipCodePointsForward(haystack, 0, static_cast<size_t>(from));
      size_t found = haystack.find(needle, fromByte);
      if (found == std::string::npos) return ExprValue::ofLong(-1);
      return ExprValue::ofLong(static_cast<int64_t>(query::countCodePoints(std::string_view(haystack).substr(0, found))));
    }
    case Fn::kTrim:
    case Fn::kLtrim:
    case Fn::kRtrim: {
      std::string chars = count > 1 ? asText(args[1]) : " ";
      return ExprValue::ofString(trimCodePoints(asText(args[0]), chars, node.fn != Fn::kRtrim, node.fn != Fn::kLtrim));
    }
    case Fn::kLpad:
    case Fn::kRpad: {
      std::optional<int64_t> length = longArg(1);
      if (!length) return ExprValue::null();
      return ExprValue::ofString(pad(asText(args[0]), *length, asText(args[2]), node.fn == Fn::kLpad));
    }
    case Fn::kReverse: {
      std::vector<std::string_view> points;
      std::string text = asText(args[0]);
      points = codePoints(text);
      std::reverse(points.begin(), points.end());
      return ExprValue::ofString(joinCodePoints(points));
    }
    case Fn::kRegexpExtract: {
      std::string text = asText(args[0]);
      std::vector<re2::StringPiece> groups(static_cast<size_t>(node.groupIndex) + 1);
      if (!node.regex->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
        return ExprValue::null();
      }
      const re2::StringPiece& group = groups[static_cast<size_t>(node.groupIndex)];
      if (group.data() == nullptr) return ExprValue::null();
      return ExprValue::ofString(std::string(group.data(), group.size()));
    }
    case Fn::kParseLong: {
      int64_t radix = 10;
      if (count > 1) {
        std::optional<int64_t> radixArg = longArg(1);
        if (!radixArg || *radixArg < 2 || *radixArg > 36) return fail(context);
        radix = *radixArg;
      }
      std::string text = asText(args[0]);
      std::string_view digits = text;
      bool negative = !digits.empty() && digits.front() == '-';
      if (negative || (!digits.empty() && digits.front() == '+')) digits.remove_prefix(1);
      if (radix == 16 && (digits.starts_with("0x") || digits.starts_with("0X"))) digits.remove_prefix(2);
      std::optional<int64_t> parsed = parseLongText(negative ? strCat("-", digits) : std::string(digits), static_cast<int>(radix));
      return parsed ? ExprValue::ofLong(*parsed) : ExprValue::null();
    }
    case Fn::kCast:
      switch (node.castType) {
        case CastType::kLong: {
          std::optional<int64_t> value = asLong(args[0]);
          return value ? ExprValue::ofLong(*value) : ExprValue::null();
        }
        case CastType::kDouble: {
          std::optional<double> value = asDouble(args[0]);
          return value ? ExprValue::ofDouble(*value) : ExprValue::null();
        }
        case CastType::kString:
          return ExprValue::ofString(asText(args[0]));
      }
      return ExprValue::null();
    case Fn::kAbs:
    case Fn::kFloor:
    case Fn::kCeil:
    case Fn::kRound: {
      ExprValue number = numberOf(args[0]);
      if (number.isNull()) return number;
      if (node.fn == Fn::kRound) {
        int64_t scale = 0;
        if (count > 1) {
          std::optional<int64_t> scaleArg = longArg(1);
          if (!scaleArg) return ExprValue::null();
          scale = *scaleArg;
        }
        if (number.type == ExprValue::Type::kDouble) return ExprValue::ofDouble(roundDecimal(number.doubleValue, scale));
        if (scale >= 0 || scale < -18) return scale < -18 ? ExprValue::ofLong(0) : number;
        // A negative scale rounds a LONG to tens, hundreds, ... half away from zero.
        int64_t unit = pow10Long(-scale);
        int64_t remainder = number.longValue % unit;
        int64_t truncated = number.longValue - remainder;
        if (remainder >= (unit + 1) / 2) return ExprValue::ofLong(wrapAdd(truncated, unit));
        if (remainder <= -(unit + 1) / 2) return ExprValue::ofLong(wrapSub(truncated, unit));
        return ExprValue::ofLong(truncated);
      }
      if (node.fn == Fn::kAbs) {
        if (number.type == ExprValue::Type::kLong) {
          return ExprValue::ofLong(number.longValue < 0 ? wrapSub(0, number.longValue) : number.longValue);
        }
        return ExprValue::ofDouble(std::fabs(number.doubleValue));
      }
      // floor and ceil return DOUBLE for every input, as Java's Math.floor.
      double value = number.type == ExprValue::Type::kLong ? static_cast<double>(number.longValue) : number.doubleValue;
      return ExprValue::ofDouble(node.fn == Fn::kFloor ? std::floor(value) : std::ceil(value));
    }
    case Fn::kTimestampFloor:
    case Fn::kTimestampCeil: {
      std::optional<int64_t> ms = longArg(0);
      if (!ms) return ExprValue::null();
      int64_t start = node.granularity->bucketStartMs(*ms);
      if (node.fn == Fn::kTimestampFloor || start == *ms) return ExprValue::ofLong(start);
      return ExprValue::ofLong(node.granularity->nextBucketStartMs(start));
    }
    case Fn::kTimestampExtract: {
      std::optional<int64_t> ms = longArg(0);
      if (!ms) return ExprValue::null();
      return ExprValue::ofLong(extractTimePart(node.part, *ms));
    }
    case Fn::kTimestampParse:
    case Fn::kTimestamp:
    case Fn::kUnixTimestamp: {
      std::string text = asText(args[0]);
      std::optional<int64_t> ms = node.joda != nullptr ? node.joda->parse(text) : parseTimestampMs(text);
      if (!ms) return ExprValue::null();
      return ExprValue::ofLong(node.fn == Fn::kUnixTimestamp ? *ms / 1000 : *ms);
    }
    case Fn::kTimestampFormat: {
      std::optional<int64_t> ms = longArg(0);
      if (!ms) return ExprValue::null();
      std::string out;
      node.joda->format(*ms, out);
      return ExprValue::ofString(std::move(out));
    }
    default:
      break;
  }
  return fail(context);
}

ExprValue evaluateNode(const Node& node, EvalContext& context) {
  if (context.failed) return ExprValue::null();
  switch (node.kind) {
    case Node::Kind::kLiteral:
      return node.literal;
    case Node::Kind::kField:
      return fromEventValue(context.fields[node.slot]);
    case Node::Kind::kTime:
      return ExprValue::ofLong(context.timeMs);
    case Node::Kind::kUnary:
      return evaluateUnary(node, context);
    case Node::Kind::kBinary:
      return evaluateBinary(node, context);
    case Node::Kind::kFunction:
      return evaluateFunction(node, context);
  }
  return ExprValue::null();
}

}  // namespace

absl::StatusOr<DruidExpression> DruidExpression::parse(std::string_view text) {
  absl::StatusOr<std::vector<Token>> tokens = tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return absl::InvalidArgumentError("empty; expected a Druid expression such as upper(page)");

  auto compiled = std::make_shared<Compiled>();
  compiled->text = std::string(text);
  Parser parser(*std::move(tokens), compiled->inputs);
  absl::StatusOr<Node> root = parser.parseAll();
  if (!root.ok()) return root.status();
  compiled->root = *std::move(root);
  return DruidExpression(std::move(compiled));
}

FieldValues DruidExpression::evaluate(const Event& event, int64_t timeMs) const {
  const Compiled& compiled = *compiled_;
  size_t numInputs = compiled.inputs.size();
  std::vector<const FieldValues*> values(numInputs, nullptr);
  std::vector<const Value*> bound(numInputs, nullptr);
  std::vector<size_t> multiValued;
  size_t combinations = 1;
  for (size_t i = 0; i < numInputs; ++i) {
    values[i] = event.find(compiled.inputs[i]);
    if (values[i] == nullptr || values[i]->empty()) continue;
    if (values[i]->size() == 1) {
      bound[i] = &(*values[i])[0];
      continue;
    }
    multiValued.push_back(i);
    combinations *= values[i]->size();
    // NOTE: Druid has no such limit; Furl caps the product so that one
    // event cannot make millions of values.
    if (combinations > kMaxCombinations) return FieldValues{Value::null()};
  }

  // Each combination of the multi-value fields' values, the first field
  // changing slowest.
  FieldValues out;
  std::vector<size_t> position(multiValued.size(), 0);
  for (size_t n = 0; n < combinations; ++n) {
    for (size_t k = 0; k < multiValued.size(); ++k) bound[multiValued[k]] = &(*values[multiValued[k]])[position[k]];
    EvalContext context{bound, timeMs};
    ExprValue result = evaluateNode(compiled.root, context);
    out.push_back(context.failed ? Value::null() : toEventValue(std::move(result)));
    for (size_t k = multiValued.size(); k-- > 0;) {
      if (++position[k] < values[multiValued[k]]->size()) break;
      position[k] = 0;
    }
  }
  return out;
}

const std::vector<std::string>& DruidExpression::inputFields() const { return compiled_->inputs; }

const std::string& DruidExpression::text() const { return compiled_->text; }

}  // namespace furl::ingest
