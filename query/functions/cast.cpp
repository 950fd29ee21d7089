#include "query/functions/cast.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "common/error.h"
#include "common/hll_sketch.h"
#include "common/time_util.h"
#include "fmt/format.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

constexpr int64_t kMsPerDay = 86400000;

// --- type names ------------------------------------------------------------------

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Splits `Name(args)` into name and the text between the brackets.
bool splitParameters(std::string_view text, std::string_view& name, std::string_view& params) {
  size_t open = text.find('(');
  if (open == std::string_view::npos) {
    name = text;
    params = {};
    return true;
  }
  if (text.back() != ')') return false;
  name = trimSpaces(text.substr(0, open));
  params = trimSpaces(text.substr(open + 1, text.size() - open - 2));
  return true;
}

/// True when the parameter list names UTC or no time zone at all.
bool isUtcZone(std::string_view zone) {
  zone = trimSpaces(zone);
  if (zone.empty()) return true;
  if (zone.size() >= 2 && zone.front() == '\'' && zone.back() == '\'') zone = zone.substr(1, zone.size() - 2);
  return equalsIgnoreCase(zone, "UTC") || equalsIgnoreCase(zone, "Etc/UTC") ||
         equalsIgnoreCase(zone, "GMT") || equalsIgnoreCase(zone, "Z");
}

std::optional<TypeId> simpleTypeName(std::string_view raw) {
  std::string name = toLowerAscii(raw);
  // Collapse inner runs of spaces so that `DOUBLE  PRECISION` matches.
  std::string collapsed;
  for (char c : name) {
    if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
    collapsed.push_back(c);
  }
  struct Entry {
    std::string_view name;
    TypeId id;
  };
  static constexpr Entry kNames[] = {
      {"bool", TypeId::kBool},          {"boolean", TypeId::kBool},
      {"int8", TypeId::kInt8},          {"tinyint", TypeId::kInt8},
      {"int16", TypeId::kInt16},        {"smallint", TypeId::kInt16},
      {"int32", TypeId::kInt32},        {"int", TypeId::kInt32},
      {"integer", TypeId::kInt32},      {"int64", TypeId::kInt64},
      {"bigint", TypeId::kInt64},       {"uint8", TypeId::kUInt8},
      {"tinyint unsigned", TypeId::kUInt8},
      {"uint16", TypeId::kUInt16},      {"smallint unsigned", TypeId::kUInt16},
      {"uint32", TypeId::kUInt32},      {"int unsigned", TypeId::kUInt32},
      {"integer unsigned", TypeId::kUInt32},
      {"uint64", TypeId::kUInt64},      {"bigint unsigned", TypeId::kUInt64},
      {"float32", TypeId::kFloat32},    {"float", TypeId::kFloat32},
      {"real", TypeId::kFloat32},       {"float64", TypeId::kFloat64},
      {"double", TypeId::kFloat64},     {"double precision", TypeId::kFloat64},
      {"string", TypeId::kString},      {"varchar", TypeId::kString},
      {"char", TypeId::kString},        {"text", TypeId::kString},
      {"character varying", TypeId::kString},
      {"character", TypeId::kString},   {"date", TypeId::kDate},
      {"date32", TypeId::kDate},        {"datetime", TypeId::kDateTime},
      {"datetime64", TypeId::kDateTime64},
      {"timestamp", TypeId::kDateTime64},
      {"hllsketch", TypeId::kHllSketch},
  };
  for (const Entry& entry : kNames) {
    if (collapsed == entry.name) return entry.id;
  }
  return std::nullopt;
}

}  // namespace

std::optional<DataType> parseTypeName(std::string_view text) {
  text = trimSpaces(text);
  if (text.empty()) return std::nullopt;
  std::string_view name;
  std::string_view params;
  if (!splitParameters(text, name, params)) return std::nullopt;

  if (equalsIgnoreCase(name, "Nullable")) {
    std::optional<DataType> inner = parseTypeName(params);
    if (!inner || inner->nullable) return std::nullopt;
    return inner->withNullable(true);
  }
  if (equalsIgnoreCase(name, "LowCardinality")) return parseTypeName(params);

  std::optional<TypeId> id = simpleTypeName(name);
  if (!id) return std::nullopt;
  if (params.empty()) return DataType(*id);

  // Parameters: a length for strings, a zone for DateTime, a precision and
  // an optional zone for DateTime64 and TIMESTAMP.
  switch (*id) {
    case TypeId::kString:
      return std::all_of(params.begin(), params.end(), [](char c) { return absl::ascii_isdigit(c); })
                 ? std::optional<DataType>(DataType(TypeId::kString))
                 : std::nullopt;
    case TypeId::kDateTime:
      return isUtcZone(params) ? std::optional<DataType>(DataType(TypeId::kDateTime)) : std::nullopt;
    case TypeId::kDateTime64: {
      std::string_view precision = params;
      std::string_view zone;
      size_t comma = params.find(',');
      if (comma != std::string_view::npos) {
        precision = trimSpaces(params.substr(0, comma));
        zone = params.substr(comma + 1);
      }
      int value = -1;
      auto [ptr, ec] = std::from_chars(precision.data(), precision.data() + precision.size(), value);
      if (ec != std::errc() || ptr != precision.data() + precision.size() || value < 0 || value > 9) {
        return std::nullopt;
      }
      // NOTE: every DateTime64 stores milliseconds, so precisions other
      // than 3 are accepted but print and compute as DateTime64(3).
      return isUtcZone(zone) ? std::optional<DataType>(DataType(TypeId::kDateTime64)) : std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// --- timestamp parsing ------------------------------------------------------------------

namespace {

bool readDigits(std::string_view& s, size_t count, int& out) {
  if (s.size() < count) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
    value = value * 10 + (s[i] - '0');
  }
  out = value;
  s.remove_prefix(count);
  return true;
}

/// Reads 1 or 2 digits.
bool readShortNumber(std::string_view& s, int& out) {
  if (s.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  size_t count = (s.size() >= 2 && absl::ascii_isdigit(static_cast<unsigned char>(s[1]))) ? 2 : 1;
  return readDigits(s, count, out);
}

bool validCivil(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int maxDay = kDays[month - 1] + ((month == 2 && leap) ? 1 : 0);
  return day <= maxDay;
}

int monthFromName(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (equalsIgnoreCase(s.substr(0, 3), kMonths[i])) return i + 1;
  }
  return 0;
}

/// Parses `hh:mm[:ss]` and an optional ` GMT`/`Z`/`UTC` suffix.
bool readTimeOfDay(std::string_view& s, int64_t& ms) {
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!readShortNumber(s, hour) || s.empty() || s[0] != ':') return false;
  s.remove_prefix(1);
  if (!readDigits(s, 2, minute)) return false;
  if (!s.empty() && s[0] == ':') {
    s.remove_prefix(1);
    if (!readDigits(s, 2, second)) return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  ms = (int64_t{hour} * 3600 + minute * 60 + second) * 1000;
  s = trimSpaces(s);
  if (equalsIgnoreCase(s, "GMT") || equalsIgnoreCase(s, "UTC") || s == "Z") s = {};
  return true;
}

std::optional<int64_t> parseRfc1123(std::string_view s) {
  // Optional weekday: `Sat, `.
  size_t comma = s.find(',');
  if (comma != std::string_view::npos && comma <= 9) s = trimSpaces(s.substr(comma + 1));
  int day = 0;
  if (!readShortNumber(s, day)) return std::nullopt;
  s = trimSpaces(s);
  int month = monthFromName(s);
  if (month == 0) return std::nullopt;
  size_t space = s.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  s = trimSpaces(s.substr(space));
  int year = 0;
  if (!readDigits(s, 4, year) || !validCivil(year, month, day)) return std::nullopt;
  int64_t ms = 0;
  s = trimSpaces(s);
  if (!s.empty() && !readTimeOfDay(s, ms)) return std::nullopt;
  if (!s.empty()) return std::nullopt;
  return int64_t{daysFromCivil(year, month, day)} * kMsPerDay + ms;
}

}  // namespace

std::optional<int64_t> parseTimestampBestEffort(std::string_view text) {
  std::string_view s = trimSpaces(text);
  if (s.empty()) return std::nullopt;
  if (std::optional<int64_t> ms = parseTimestampMs(s)) return ms;

  bool allDigits = std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
  if (allDigits) {
    if (s.size() == 8 || s.size() == 14) {
      // YYYYMMDD[hhmmss]
      int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
      readDigits(s, 4, year);
      readDigits(s, 2, month);
      readDigits(s, 2, day);
      if (!s.empty()) {
        readDigits(s, 2, hour);
        readDigits(s, 2, minute);
        readDigits(s, 2, second);
      }
      if (!validCivil(year, month, day) || hour > 23 || minute > 59 || second > 59) return std::nullopt;
      return int64_t{daysFromCivil(year, month, day)} * kMsPerDay +
             (int64_t{hour} * 3600 + minute * 60 + second) * 1000;
    }
    if (s.size() >= 9 && s.size() <= 10) {
      int64_t seconds = 0;
      std::from_chars(s.data(), s.data() + s.size(), seconds);
      return seconds * 1000;
    }
    return std::nullopt;
  }

  // YYYY/MM/DD or DD/MM/YYYY (also with '.' or '-'), then an optional time.
  std::string_view rest = s;
  if (absl::ascii_isdigit(static_cast<unsigned char>(rest[0]))) {
    int a = 0, b = 0, c = 0, year = 0, month = 0, day = 0;
    bool yearFirst = rest.size() >= 5 && absl::ascii_isdigit(static_cast<unsigned char>(rest[3])) &&
                     absl::ascii_isdigit(static_cast<unsigned char>(rest[2]));
    if (yearFirst) {
      if (!readDigits(rest, 4, a)) return std::nullopt;
    } else if (!readShortNumber(rest, a)) {
      return std::nullopt;
    }
    if (rest.empty() || (rest[0] != '/' && rest[0] != '.' && rest[0] != '-')) {
      return parseRfc1123(s);
    }
    char separator = rest[0];
    rest.remove_prefix(1);
    if (!readShortNumber(rest, b) || rest.empty() || rest[0] != separator) return std::nullopt;
    rest.remove_prefix(1);
    if (yearFirst) {
      if (!readShortNumber(rest, c)) return std::nullopt;
      year = a, month = b, day = c;
    } else {
      if (!readDigits(rest, 4, c)) return std::nullopt;
      day = a, month = b, year = c;
    }
    if (!validCivil(year, month, day)) return std::nullopt;
    int64_t ms = 0;
    if (!rest.empty() && (rest[0] == ' ' || rest[0] == 'T')) {
      rest.remove_prefix(1);
      if (!readTimeOfDay(rest, ms)) return std::nullopt;
    }
    if (!trimSpaces(rest).empty()) return std::nullopt;
    return int64_t{daysFromCivil(year, month, day)} * kMsPerDay + ms;
  }
  return parseRfc1123(s);
}

// --- conversion kernels -----------------------------------------------------------------

std::string temporalTextHint() {
  return fmt::format("; expected {}; for a time relative to now write an expression such as now() - INTERVAL 1 DAY "
                     "or today() - 1",
                     kTimestampSpellings);
}

namespace {

template <typename T>
bool parseNumber(std::string_view s, T& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  if constexpr (std::is_floating_point_v<T>) {
    double value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ptr != s.data() + s.size()) return false;
    if (ec == std::errc::result_out_of_range) {
      value = (s[0] == '-') ? -HUGE_VAL : HUGE_VAL;
    } else if (ec != std::errc()) {
      return false;
    }
    out = static_cast<T>(value);
    return true;
  } else {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
  }
}

bool parseBool(std::string_view s, uint8_t& out) {
  if (s == "1" || equalsIgnoreCase(s, "true")) {
    out = 1;
    return true;
  }
  if (s == "0" || equalsIgnoreCase(s, "false")) {
    out = 0;
    return true;
  }
  return false;
}

bool parseDateDays(std::string_view s, int32_t& out) {
  if (std::optional<int32_t> days = parseDate(s)) {
    out = *days;
    return true;
  }
  if (std::optional<int64_t> ms = parseTimestampMs(s)) {
    out = daysFromMs(*ms);
    return true;
  }
  return false;
}

/// Float -> integer range check: true when v truncates into T.
template <typename T, typename F>
bool fitsInteger(F v) {
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
  // 2^digits is exactly representable; max() itself may round up.
  constexpr double hiExclusive = static_cast<double>(uint64_t{1} << (std::numeric_limits<T>::digits - 1)) * 2.0;
  double d = static_cast<double>(v);
  return d > lo - 1.0 && d < hiExclusive;
}

/// Plain number -> number conversion of the physical values.
template <typename F, typename T>
void convertNumbers(const Column& in, T* out, uint8_t* failed, size_t numRows, const SelectionVector* sel,
                    bool toBool) {
  const F* values = in.data<F>();
  if (toBool) {
    forEachRow(numRows, sel, [&](size_t i) { out[i] = values[i] != 0 ? 1 : 0; });
  } else if constexpr (std::is_floating_point_v<F> && std::is_integral_v<T>) {
    forEachRow(numRows, sel, [&](size_t i) {
      F v = values[i];
      if (fitsInteger<T>(v)) {
        out[i] = static_cast<T>(v);
      } else {
        out[i] = 0;
        failed[i] = 1;
      }
    });
  } else {
    forEachRow(numRows, sel, [&](size_t i) { out[i] = static_cast<T>(values[i]); });
  }
}

struct ConversionContext {
  const ColumnPtr& input;
  DataType target;
  size_t numRows;
  const SelectionVector* sel;
  std::string_view function;
  CastErrorMode mode;
};

/// Appends the text of each value to the output heap; returns the column.
void formatStrings(const Column& in, Column& out, size_t numRows, const SelectionVector* sel) {
  TypeId from = in.type().id;
  std::string_view* dst = out.data<std::string_view>();
  StringHeap& heap = out.heap();
  std::string buffer;
  char digits[64];
  auto emit = [&](const char* data, size_t size) -> std::string_view { return heap.add(std::string_view(data, size)); };

  switch (from) {
    case TypeId::kBool: {
      const uint8_t* values = in.data<uint8_t>();
      forEachRow(numRows, sel, [&](size_t i) { dst[i] = values[i] ? "true" : "false"; });
      return;
    }
    case TypeId::kHllSketch: {
      // The base64 text the output formats print for a sketch.
      forEachRow(numRows, sel, [&](size_t i) {
        if (in.isNull(i)) return;
        std::string_view bytes = in.stringAt(i);
        buffer = absl::Base64Escape(absl::string_view(bytes.data(), bytes.size()));
        dst[i] = emit(buffer.data(), buffer.size());
      });
      return;
    }
    case TypeId::kDate: {
      const int32_t* values = in.data<int32_t>();
      forEachRow(numRows, sel, [&](size_t i) {
        buffer.clear();
        appendDate(buffer, values[i]);
        dst[i] = emit(buffer.data(), buffer.size());
      });
      return;
    }
    case TypeId::kDateTime:
    case TypeId::kDateTime64: {
      const int64_t* values = in.data<int64_t>();
      bool millis = from == TypeId::kDateTime64;
      forEachRow(numRows, sel, [&](size_t i) {
        buffer.clear();
        appendTimestamp(buffer, values[i], millis);
        dst[i] = emit(buffer.data(), buffer.size());
      });
      return;
    }
    default:
      break;
  }
  dispatchPhysical(from, [&]<typename F>() {
    if constexpr (std::is_arithmetic_v<F>) {
      const F* values = in.data<F>();
      forEachRow(numRows, sel, [&](size_t i) {
        auto [ptr, ec] = std::to_chars(digits, digits + sizeof(digits), values[i]);
        dst[i] = emit(digits, static_cast<size_t>(ptr - digits));
      });
    }
  });
}

[[noreturn]] void throwConversionError(const ConversionContext& ctx, size_t row) {
  TypeId from = ctx.input->type().id;
  std::string text = from == TypeId::kString ? fmt::format("'{}'", ctx.input->stringAt(ctx.input->isConstant() ? 0 : row))
                                             : ctx.input->getValue(ctx.input->isConstant() ? 0 : row).toString();
  ErrorCode code = ErrorCode::kValueIsOutOfRange;
  std::string reason = "the value is out of range";
  if (from == TypeId::kString) {
    code = isTemporal(ctx.target.id) ? ErrorCode::kCannotParseDateTime : ErrorCode::kCannotParseText;
    reason = "the text is not a valid value of that type";
    if (isTemporal(ctx.target.id)) reason += temporalTextHint();
  }
  if (ctx.target.id == TypeId::kHllSketch) {
    reason = "expected the base64 text of a sketch, as Furl prints sketch columns";
    if (text.size() > 80) text = text.substr(0, 76) + "...'";
  }
  throw QueryError(code, fmt::format("cannot convert {} from {} to {} in {}: {}", text,
                                     typeName(from), typeName(ctx.target.id), ctx.function, reason));
}

/// Converts the non-string, non-identical cases into `out`.
void convertScalars(const ConversionContext& ctx, Column& out, uint8_t* failed) {
  const Column& in = *ctx.input;
  TypeId from = in.type().id;
  TypeId to = ctx.target.id;
  size_t n = ctx.numRows;
  const SelectionVector* sel = ctx.sel;
  bool toBool = to == TypeId::kBool;

  // Temporal sources and targets that need a change of unit.
  if (from == TypeId::kDate && isTimestamp(to)) {
    const int32_t* v = in.data<int32_t>();
    int64_t* o = out.data<int64_t>();
    forEachRow(n, sel, [&](size_t i) { o[i] = int64_t{v[i]} * kMsPerDay; });
    return;
  }
  if (isTimestamp(from) && to == TypeId::kDate) {
    const int64_t* v = in.data<int64_t>();
    int32_t* o = out.data<int32_t>();
    forEachRow(n, sel, [&](size_t i) { o[i] = daysFromMs(v[i]); });
    return;
  }
  if (isTimestamp(from) && isTimestamp(to)) {
    const int64_t* v = in.data<int64_t>();
    int64_t* o = out.data<int64_t>();
    if (to == TypeId::kDateTime) {
      forEachRow(n, sel, [&](size_t i) { o[i] = floorDiv(v[i], 1000) * 1000; });
    } else {
      forEachRow(n, sel, [&](size_t i) { o[i] = v[i]; });
    }
    return;
  }
  if (isTimestamp(from)) {
    // To a number: whole seconds, or fractional seconds for floats.
    const int64_t* v = in.data<int64_t>();
    dispatchPhysical(to, [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) {
        T* o = out.data<T>();
        if (toBool) {
          forEachRow(n, sel, [&](size_t i) { o[i] = v[i] != 0; });
        } else if constexpr (std::is_floating_point_v<T>) {
          forEachRow(n, sel, [&](size_t i) { o[i] = static_cast<T>(static_cast<double>(v[i]) / 1000.0); });
        } else {
          forEachRow(n, sel, [&](size_t i) { o[i] = static_cast<T>(floorDiv(v[i], 1000)); });
        }
      }
    });
    return;
  }
  if (isTimestamp(to)) {
    // From a number of seconds.
    int64_t* o = out.data<int64_t>();
    bool wholeSeconds = to == TypeId::kDateTime;
    dispatchPhysical(from, [&]<typename F>() {
      if constexpr (std::is_arithmetic_v<F>) {
        const F* v = in.data<F>();
        if constexpr (std::is_floating_point_v<F>) {
          forEachRow(n, sel, [&](size_t i) {
            double ms = wholeSeconds ? std::trunc(static_cast<double>(v[i])) * 1000.0
                                     : std::nearbyint(static_cast<double>(v[i]) * 1000.0);
            if (ms > -9.2e18 && ms < 9.2e18) {
              o[i] = static_cast<int64_t>(ms);
            } else {
              o[i] = 0;
              failed[i] = 1;
            }
          });
        } else {
          forEachRow(n, sel, [&](size_t i) {
            int64_t ms = 0;
            if (__builtin_mul_overflow(v[i], 1000, &ms)) {
              ms = 0;
              failed[i] = 1;
            }
            o[i] = ms;
          });
        }
      }
    });
    return;
  }

  // Number or Date to number or Date: the physical values convert directly.
  dispatchPhysical(from, [&]<typename F>() {
    if constexpr (std::is_arithmetic_v<F>) {
      dispatchPhysical(to, [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T>) {
          convertNumbers<F, T>(in, out.data<T>(), failed, n, sel, toBool);
        }
      });
    }
  });
}

/// Decodes the base64 text of sketches into `out`, marking rows whose
/// bytes are not a valid sketch in `failed`.
void parseSketches(const Column& in, Column& out, size_t n, const SelectionVector* sel, uint8_t* failed) {
  std::string_view* dst = out.data<std::string_view>();
  std::string bytes;
  forEachRow(n, sel, [&](size_t i) {
    if (in.isNull(i)) return;
    std::string_view text = in.stringAt(i);
    if (!absl::Base64Unescape(absl::string_view(text.data(), text.size()), &bytes) ||
        !HllSketch::deserialize(bytes).ok()) {
      failed[i] = 1;
      return;
    }
    dst[i] = out.heap().add(bytes);
  });
}

/// Parses strings into `out`; returns through `failed`.
void parseStrings(const ConversionContext& ctx, Column& out, uint8_t* failed) {
  const Column& in = *ctx.input;
  TypeId to = ctx.target.id;
  size_t n = ctx.numRows;
  const SelectionVector* sel = ctx.sel;
  switch (to) {
    case TypeId::kHllSketch:
      parseSketches(in, out, n, sel, failed);
      return;
    case TypeId::kBool:
      mapStringsChecked<uint8_t>(in, out.data<uint8_t>(), n, sel, parseBool, failed);
      return;
    case TypeId::kDate:
      mapStringsChecked<int32_t>(in, out.data<int32_t>(), n, sel, parseDateDays, failed);
      return;
    case TypeId::kDateTime:
    case TypeId::kDateTime64: {
      bool wholeSeconds = to == TypeId::kDateTime;
      mapStringsChecked<int64_t>(
          in, out.data<int64_t>(), n, sel,
          [wholeSeconds](std::string_view s, int64_t& o) {
            // Integer text for DateTime64 is ticks or seconds, as ClickHouse
            // reads it (see dateTime64MsFromInteger).
            int64_t integer = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), integer);
            if (!wholeSeconds && !s.empty() && ec == std::errc() && end == s.data() + s.size()) {
              std::optional<int64_t> ms = dateTime64MsFromInteger(integer);
              if (!ms) return false;
              o = *ms;
              return true;
            }
            std::optional<int64_t> ms = parseTimestampMs(s);
            if (!ms) return false;
            o = wholeSeconds ? floorDiv(*ms, 1000) * 1000 : *ms;
            return true;
          },
          failed);
      return;
    }
    default:
      break;
  }
  dispatchPhysical(to, [&]<typename T>() {
    if constexpr (std::is_arithmetic_v<T>) {
      mapStringsChecked<T>(in, out.data<T>(), n, sel, [](std::string_view s, T& o) { return parseNumber<T>(s, o); },
                           failed);
    }
  });
}

bool canFail(TypeId from, TypeId to) {
  if (from == TypeId::kString) return to != TypeId::kString;
  if (isTimestamp(to)) return !isTemporal(from);
  return isFloat(from) && to != TypeId::kBool && !isFloat(to);
}

/// Converts rows [0, numRows) of a flat, dictionary or 1-row constant input.
ColumnPtr castRows(const ConversionContext& ctx) {
  const Column& in = *ctx.input;
  TypeId from = in.type().id;
  TypeId to = ctx.target.id;
  size_t n = ctx.numRows;
  bool nullable = in.type().nullable || ctx.target.nullable || ctx.mode == CastErrorMode::kNull;
  ColumnPtr out = Column::makeFlat(DataType(to, nullable), n);
  copyValidity(*out, in, n);

  if (to == TypeId::kString) {
    formatStrings(in, *out, n, ctx.sel);
    return out;
  }

  std::vector<uint8_t> failed;
  if (canFail(from, to)) failed.assign(n, 0);
  if (from == TypeId::kString) {
    parseStrings(ctx, *out, failed.data());
  } else {
    convertScalars(ctx, *out, failed.data());
  }
  if (failed.empty()) return out;

  size_t firstBad = findFirstValid(*out, n, ctx.sel, [&](size_t i) { return failed[i] != 0; });
  if (firstBad == kNoRow) return out;
  switch (ctx.mode) {
    case CastErrorMode::kThrow:
      throwConversionError(ctx, firstBad);
    case CastErrorMode::kNull:
      forEachRow(n, ctx.sel, [&](size_t i) {
        if (failed[i]) out->setNull(i);
      });
      break;
    case CastErrorMode::kZero:
      dispatchPhysical(to, [&]<typename T>() {
        T* o = out->data<T>();
        forEachRow(n, ctx.sel, [&](size_t i) {
          if (failed[i]) o[i] = T{};
        });
      });
      break;
  }
  return out;
}

}  // namespace

ColumnPtr castColumn(const ColumnPtr& column, DataType target, size_t numRows, const SelectionVector* sel,
                     std::string_view function, CastErrorMode mode) {
  TypeId from = column->type().id;
  if (from == target.id) return column;
  if (from == TypeId::kNull) {
    return Column::makeConstant(DataType(target.id, true), Value::null(target.id), numRows);
  }
  if (target.id == TypeId::kNull) {
    throw QueryError(ErrorCode::kCannotConvertType,
                     fmt::format("cannot convert {} to Nothing in {}", column->type().toString(), function));
  }
  bool sketchToText = from == TypeId::kHllSketch && target.id == TypeId::kString;
  bool textToSketch = from == TypeId::kString && target.id == TypeId::kHllSketch;
  if ((from == TypeId::kHllSketch || target.id == TypeId::kHllSketch) && !sketchToText && !textToSketch) {
    throw QueryError(ErrorCode::kCannotConvertType,
                     fmt::format("cannot convert {} to {} in {}: an HLLSketch converts only to and from the base64 "
                                 "text of a String; use HLL_SKETCH_ESTIMATE(x) for its count",
                                 column->type().toString(), target.toString(), function));
  }
  if (column->isConstant()) {
    ConversionContext ctx{column, target, 1, nullptr, function, mode};
    ColumnPtr one = castRows(ctx);
    return toConstant(*one, numRows);
  }
  ConversionContext ctx{column, target, numRows, sel, function, mode};
  return castRows(ctx);
}

Value castValue(const Value& value, DataType from, DataType target, std::string_view function,
                CastErrorMode mode) {
  if (value.isNull()) return Value::null(target.id);
  ColumnPtr one = Column::makeConstant(from, value, 1);
  return castColumn(one, target, 1, nullptr, function, mode)->getValue(0);
}

}  // namespace furl::query
