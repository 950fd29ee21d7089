// Date and time functions, all in UTC.
//
// Inputs may be Date, DateTime, DateTime64, or a String, which is parsed as
// a DateTime64 first. Result types follow ClickHouse: toYear UInt16,
// toMonth/toDayOfMonth/toDayOfWeek/toHour/toMinute/toSecond UInt8,
// toYYYYMM/toYYYYMMDD UInt32. The sub-day truncations (toStartOfMinute ...
// toStartOfDay) keep a DateTime or DateTime64 input's type and turn a Date
// into a DateTime; toMonday, toStartOfWeek, toStartOfMonth, toStartOfQuarter
// and toStartOfYear return Date.
//
// date_trunc(unit, t) keeps the input's type, like PostgreSQL: a DateTime
// stays a DateTime for every unit (ClickHouse returns Date for day and
// larger units), and a Date stays a Date for day and larger units.
// TIME_FLOOR(t, period) is Druid's: ISO-8601 periods, floored from the Unix
// epoch (weeks from Monday 1969-12-29); it keeps timestamp types as well.

#include <algorithm>
#include <cstring>

#include "common/time_util.h"
#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"
#include "query/functions/joda_time.h"

namespace furl::query {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

inline int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }
inline int64_t floorTo(int64_t ms, int64_t step) { return floorDiv(ms, step) * step; }

/// ISO weekday 1 (Monday) .. 7 (Sunday), inlined for the loops.
inline int32_t weekdayOf(int32_t days) { return static_cast<int32_t>(floorMod(int64_t{days} + 3, 7)) + 1; }

/// Remembers the civil date of the last day seen: rows of a batch mostly
/// fall on a few days, so most rows skip the calendar arithmetic.
struct CivilCache {
  int32_t days = INT32_MIN;
  CivilDate civil{1970, 1, 1};

  const CivilDate& get(int32_t d) {
    if (d != days) {
      days = d;
      civil = civilFromDays(d);
    }
    return civil;
  }
};

int32_t startOfMonth(int32_t days, CivilCache& cache) {
  const CivilDate& c = cache.get(days);
  return days - static_cast<int32_t>(c.day) + 1;
}

int32_t dayOfYear(int32_t days, CivilCache& cache) {
  const CivilDate& c = cache.get(days);
  return days - daysFromCivil(c.year, 1, 1) + 1;
}

bool isDateLike(TypeId id) { return isTemporal(id) || id == TypeId::kString; }

void requireTemporal(std::string_view name, const FunctionArgs& args, size_t index) {
  if (!isDateLike(args[index].type.id)) throwArgumentType(name, args, index, "Date, DateTime, DateTime64 or String");
}

/// Brings the time argument to Date or a timestamp type: Strings are parsed.
ColumnPtr timeArgument(const ColumnPtr& column, size_t numRows, const SelectionVector* sel, std::string_view name) {
  if (column->type().id != TypeId::kString) return column;
  return castColumn(column, DataType(TypeId::kDateTime64, column->type().nullable), numRows, sel, name);
}

/// Calls fn(ms, cache) for each live row of a Date or timestamp column.
template <typename Out, typename Fn>
void timeLoop(const Column& in, Out* out, size_t numRows, const SelectionVector* sel, Fn&& fn) {
  CivilCache cache;
  if (in.type().id == TypeId::kDate) {
    unaryLoop<int32_t>(in, out, numRows, sel, [&](int32_t d) { return fn(int64_t{d} * kMsPerDay, cache); });
  } else {
    unaryLoop<int64_t>(in, out, numRows, sel, [&](int64_t ms) { return fn(ms, cache); });
  }
}

/// The rule that derives a function's result type from its time argument.
enum class ResultRule : uint8_t {
  kFixed,        // the registered type
  kTimestamp,    // DateTime64 stays, anything else becomes DateTime
};

/// A function of one time argument: fn(ms, CivilCache&) -> Out.
template <typename Out, typename Fn>
class TimeMap final : public ScalarFunction {
 public:
  TimeMap(std::string name, DataType type, Fn fn) : ScalarFunction(std::move(name), type), fn_(std::move(fn)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[0], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    timeLoop(*in, out->data<Out>(), numRows, sel, fn_);
    return out;
  }

 private:
  Fn fn_;
};

/// DateTime64 stays DateTime64; Date, DateTime and String give DateTime.
DataType timestampResult(const FunctionArgument& arg) {
  TypeId id = arg.type.id == TypeId::kDateTime64 ? TypeId::kDateTime64 : TypeId::kDateTime;
  return DataType(id, arg.type.nullable);
}

/// Registers name(t[, 'UTC']) -> Out computed by fn(ms, CivilCache&).
template <typename Out, typename Fn>
void addTimeMap(FunctionRegistry& registry, std::string name, TypeId type, ResultRule rule, Fn fn,
                bool rejectDate = false) {
  registry.add(name, [=](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 2);
    if (hasNullLiteral({args[0]})) return makeNullResult(name);
    requireTemporal(name, args, 0);
    if (rejectDate && args[0].type.id == TypeId::kDate) {
      throwArgumentType(name, args, 0, "DateTime or DateTime64 (a Date has no time of day)");
    }
    if (args.size() == 2) {
      // The time zone argument of ClickHouse: only UTC is supported.
      const std::string& zone = requireConstantString(name, args, 1, "the time zone");
      if (!parseTypeName(fmt::format("DateTime('{}')", zone))) {
        throw QueryError(ErrorCode::kBadArguments,
                         fmt::format("time zone '{}' in {} is not supported; only UTC is", zone, name));
      }
    }
    DataType result = rule == ResultRule::kFixed ? DataType(type, args[0].type.nullable) : timestampResult(args[0]);
    return std::make_unique<TimeMap<Out, Fn>>(name, result, fn);
  });
}

/// Registers a truncation to a timestamp: Out is int64_t milliseconds.
template <typename Fn>
void addTimestampFloor(FunctionRegistry& registry, std::string name, Fn fn) {
  addTimeMap<int64_t>(registry, std::move(name), TypeId::kDateTime, ResultRule::kTimestamp, fn);
}

/// Registers a truncation to a Date: Out is int32_t days.
template <typename Fn>
void addDateFloor(FunctionRegistry& registry, std::string name, Fn fn) {
  addTimeMap<int32_t>(registry, std::move(name), TypeId::kDate, ResultRule::kFixed, fn);
}

// --- date_trunc and TIME_FLOOR -------------------------------------------------------------------

enum class TimeUnit : uint8_t { kMillisecond, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

std::optional<TimeUnit> parseUnit(std::string_view text) {
  std::string unit = toLowerAscii(text);
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();  // plural forms
  if (unit == "millisecond") return TimeUnit::kMillisecond;
  if (unit == "second") return TimeUnit::kSecond;
  if (unit == "minute") return TimeUnit::kMinute;
  if (unit == "hour") return TimeUnit::kHour;
  if (unit == "day") return TimeUnit::kDay;
  if (unit == "week") return TimeUnit::kWeek;
  if (unit == "month") return TimeUnit::kMonth;
  if (unit == "quarter") return TimeUnit::kQuarter;
  if (unit == "year") return TimeUnit::kYear;
  return std::nullopt;
}

/// A floor to `count` units measured from `originMs` (fixed-length units)
/// or from 1970-01 (months and years; from year 0 when `fromYearZero`, as
/// ClickHouse's toStartOfInterval counts them).
struct TimeFloor {
  TimeUnit unit = TimeUnit::kDay;
  int64_t count = 1;
  int64_t originMs = 0;
  bool fromYearZero = false;

  int64_t apply(int64_t ms, CivilCache& cache) const {
    switch (unit) {
      case TimeUnit::kMillisecond:
        return floorTo(ms - originMs, count) + originMs;
      case TimeUnit::kSecond:
        return floorTo(ms - originMs, count * kMsPerSecond) + originMs;
      case TimeUnit::kMinute:
        return floorTo(ms - originMs, count * kMsPerMinute) + originMs;
      case TimeUnit::kHour:
        return floorTo(ms - originMs, count * kMsPerHour) + originMs;
      case TimeUnit::kDay:
        return floorTo(ms - originMs, count * kMsPerDay) + originMs;
      case TimeUnit::kWeek: {
        // Weeks start on Monday; 1969-12-29 was a Monday.
        int64_t origin = originMs == 0 ? -3 * kMsPerDay : originMs;
        return floorTo(ms - origin, count * 7 * kMsPerDay) + origin;
      }
      case TimeUnit::kMonth:
      case TimeUnit::kQuarter:
      case TimeUnit::kYear: {
        const CivilDate& c = cache.get(daysFromMs(ms));
        const int64_t firstYear = fromYearZero ? 0 : 1970;
        int64_t months = (int64_t{c.year} - firstYear) * 12 + (c.month - 1);
        int64_t step = 12 * count;
        if (unit == TimeUnit::kMonth) step = count;
        if (unit == TimeUnit::kQuarter) step = 3 * count;
        months = floorDiv(months, step) * step;
        int64_t year = firstYear + floorDiv(months, 12);
        uint32_t month = static_cast<uint32_t>(floorMod(months, 12)) + 1;
        return int64_t{daysFromCivil(static_cast<int32_t>(year), month, 1)} * kMsPerDay;
      }
    }
    return ms;
  }
};

class TimeFloorFunction final : public ScalarFunction {
 public:
  TimeFloorFunction(std::string name, DataType type, TimeFloor floor, size_t timeIndex)
      : ScalarFunction(std::move(name), type), floor_(floor), timeIndex_(timeIndex) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[timeIndex_], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    const TimeFloor& floor = floor_;
    // A switch per batch so each unit gets its own loop.
    auto run = [&](auto unitTag) {
      constexpr TimeUnit kUnit = decltype(unitTag)::value;
      TimeFloor f = floor;
      f.unit = kUnit;
      if (resultType().id == TypeId::kDate) {
        timeLoop(*in, out->data<int32_t>(), numRows, sel,
                 [f](int64_t ms, CivilCache& cache) { return daysFromMs(f.apply(ms, cache)); });
      } else {
        timeLoop(*in, out->data<int64_t>(), numRows, sel,
                 [f](int64_t ms, CivilCache& cache) { return f.apply(ms, cache); });
      }
    };
    switch (floor.unit) {
      case TimeUnit::kMillisecond:
        run(std::integral_constant<TimeUnit, TimeUnit::kMillisecond>{});
        break;
      case TimeUnit::kSecond:
        run(std::integral_constant<TimeUnit, TimeUnit::kSecond>{});
        break;
      case TimeUnit::kMinute:
        run(std::integral_constant<TimeUnit, TimeUnit::kMinute>{});
        break;
      case TimeUnit::kHour:
        run(std::integral_constant<TimeUnit, TimeUnit::kHour>{});
        break;
      case TimeUnit::kDay:
        run(std::integral_constant<TimeUnit, TimeUnit::kDay>{});
        break;
      case TimeUnit::kWeek:
        run(std::integral_constant<TimeUnit, TimeUnit::kWeek>{});
        break;
      case TimeUnit::kMonth:
        run(std::integral_constant<TimeUnit, TimeUnit::kMonth>{});
        break;
      case TimeUnit::kQuarter:
        run(std::integral_constant<TimeUnit, TimeUnit::kQuarter>{});
        break;
      case TimeUnit::kYear:
        run(std::integral_constant<TimeUnit, TimeUnit::kYear>{});
        break;
    }
    return out;
  }

 private:
  TimeFloor floor_;
  size_t timeIndex_;
};

/// Checks an optional time zone argument: only UTC (or NULL) is supported.
void requireUtcZone(std::string_view name, const FunctionArgs& args, size_t index) {
  if (args.size() <= index || args[index].type.id == TypeId::kNull) return;
  const std::string& zone = requireConstantString(name, args, index, "the time zone");
  if (!parseTypeName(fmt::format("DateTime('{}')", zone))) {
    throw QueryError(ErrorCode::kBadArguments, fmt::format("time zone '{}' in {} is not supported; only UTC is", zone, name));
  }
}

/// Parses the constant unit name of argument `index`; throws listing the valid units.
TimeUnit requireUnit(std::string_view name, const FunctionArgs& args, size_t index) {
  const std::string& text = requireConstantString(name, args, index, "the unit");
  std::optional<TimeUnit> unit = parseUnit(text);
  if (!unit) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("unknown unit '{}' in {}; use second, minute, hour, day, week, month, quarter or year",
                                 text, name));
  }
  return *unit;
}

std::unique_ptr<BoundScalarFunction> bindDateTrunc(const FunctionArgs& args) {
  const char* name = "date_trunc";
  checkArgumentCount(name, args, 2, 3);
  std::optional<TimeUnit> unit = requireUnit(name, args, 0);
  if (args[1].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 1);
  TypeId in = args[1].type.id;
  TypeId result = in == TypeId::kString ? TypeId::kDateTime : in;
  if (in == TypeId::kDate && *unit < TimeUnit::kDay) result = TypeId::kDateTime;
  if (in == TypeId::kDateTime && *unit == TimeUnit::kMillisecond) result = TypeId::kDateTime64;
  return std::make_unique<TimeFloorFunction>(name, DataType(result, args[1].type.nullable), TimeFloor{*unit, 1, 0}, 1);
}

/// Parses an ISO-8601 period such as PT15M, P1D, P1W, P3M, P1Y or PT1H30M.
/// Fixed-length parts add up; months and years cannot mix with them.
std::optional<TimeFloor> parsePeriod(std::string_view text) {
  if (text.size() < 3 || (text[0] != 'P' && text[0] != 'p')) return std::nullopt;
  bool inTime = false;
  int64_t fixedMs = 0;
  int64_t months = 0;
  size_t i = 1;
  bool any = false;
  while (i < text.size()) {
    char c = text[i];
    if (c == 'T' || c == 't') {
      inTime = true;
      ++i;
      continue;
    }
    int64_t number = 0;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > 1000000000) return std::nullopt;
      ++i;
    }
    if (i == start || i == text.size() || number == 0) return std::nullopt;
    char designator = static_cast<char>(text[i] & ~0x20);  // upper case
    ++i;
    any = true;
    if (!inTime) {
      switch (designator) {
        case 'Y':
          months += number * 12;
          break;
        case 'M':
          months += number;
          break;
        case 'W':
          fixedMs += number * 7 * kMsPerDay;
          break;
        case 'D':
          fixedMs += number * kMsPerDay;
          break;
        default:
          return std::nullopt;
      }
    } else {
      switch (designator) {
        case 'H':
          fixedMs += number * kMsPerHour;
          break;
        case 'M':
          fixedMs += number * kMsPerMinute;
          break;
        case 'S':
          fixedMs += number * kMsPerSecond;
          break;
        default:
          return std::nullopt;
      }
    }
  }
  if (!any || (months != 0 && fixedMs != 0)) return std::nullopt;
  if (months != 0) {
    if (months % 12 == 0) return TimeFloor{TimeUnit::kYear, months / 12, 0};
    return TimeFloor{TimeUnit::kMonth, months, 0};
  }
  if (fixedMs % (7 * kMsPerDay) == 0) return TimeFloor{TimeUnit::kWeek, fixedMs / (7 * kMsPerDay), 0};
  return TimeFloor{TimeUnit::kMillisecond, fixedMs, 0};
}

/// Parses the constant ISO-8601 period of argument `index` into a floor; throws naming the value.
TimeFloor requirePeriod(std::string_view name, const FunctionArgs& args, size_t index) {
  const std::string& text = requireConstantString(name, args, index, "the ISO-8601 period");
  std::optional<TimeFloor> floor = parsePeriod(text);
  if (!floor) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("invalid period '{}' in {}; expected an ISO-8601 period such as PT1M, PT15M, PT1H, "
                                 "P1D, P1W, P1M or P1Y",
                                 text, name));
  }
  return *floor;
}

std::unique_ptr<BoundScalarFunction> bindTimeFloor(const FunctionArgs& args) {
  const char* name = "TIME_FLOOR";
  checkArgumentCount(name, args, 2, 4);
  std::optional<TimeFloor> floor = requirePeriod(name, args, 1);
  if (args.size() >= 3 && args[2].type.id != TypeId::kNull) {
    const Value& origin = requireConstant(name, args, 2, "the origin");
    Value ms = castValue(origin, args[2].type, DataType(TypeId::kDateTime64), name);
    if (floor->unit == TimeUnit::kMonth || floor->unit == TimeUnit::kYear) {
      throw QueryError(ErrorCode::kNotImplemented,
                       "TIME_FLOOR with an origin supports only periods of fixed length (weeks and shorter)");
    }
    floor->originMs = ms.asInt64();
  }

  if (args.size() == 4 && args[3].type.id != TypeId::kNull) {
    const std::string& zone = requireConstantString(name, args, 3, "the time zone");
    if (!parseTypeName(fmt::format("DateTime('{}')", zone))) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("time zone '{}' in TIME_FLOOR is not supported; only UTC is", zone));
    }
  }

  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 0);
  TypeId result = args[0].type.id == TypeId::kDateTime64 ? TypeId::kDateTime64 : TypeId::kDateTime;
  if (floor->unit == TimeUnit::kMillisecond && floor->count % kMsPerSecond != 0) result = TypeId::kDateTime64;
  return std::make_unique<TimeFloorFunction>(name, DataType(result, args[0].type.nullable), *floor, 0);
}

/// toStartOfInterval(t, INTERVAL n unit [, 'UTC']), as the binder passes it:
/// toStartOfInterval(t, n, 'unit' [, 'UTC']). Like ClickHouse, intervals
/// count from the Unix epoch for seconds to days, from Monday 1970-01-05 for
/// weeks and from year 0 for months, quarters and years; seconds to days
/// give a DateTime (DateTime64 stays; a day from a Date is a DateTime too,
/// as in ClickHouse), weeks and longer a Date.
std::unique_ptr<BoundScalarFunction> bindStartOfInterval(const FunctionArgs& args) {
  const char* name = "toStartOfInterval";
  if (args.size() < 3 || args.size() > 4 || !isInteger(args[1].type.id) || !isByteString(args[2].type.id)) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     "toStartOfInterval takes a time and an interval, as in toStartOfInterval(t, INTERVAL 5 MINUTE) "
                     "or toStartOfInterval(t, INTERVAL 1 DAY, 'UTC')");
  }
  int64_t count = requireConstantInteger(name, args, 1, "the interval length");
  if (count <= 0) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("the interval of toStartOfInterval must be positive, got {}", count));
  }
  const std::string& unitText = requireConstantString(name, args, 2, "the unit");
  std::optional<TimeUnit> unit = parseUnit(unitText);
  if (!unit) {
    throw QueryError(ErrorCode::kBadArguments, fmt::format("unknown interval unit '{}' in toStartOfInterval", unitText));
  }
  requireUtcZone(name, args, 3);
  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 0);
  TimeFloor floor{*unit, count, 0, true};
  if (*unit == TimeUnit::kWeek) floor.originMs = 4 * kMsPerDay;  // Monday 1970-01-05
  TypeId in = args[0].type.id;
  if (in == TypeId::kDate && *unit < TimeUnit::kDay) {
    throwArgumentType(name, args, 0, "DateTime or DateTime64 for an interval shorter than a day (a Date has no time of day)");
  }
  TypeId result = in == TypeId::kDateTime64 ? TypeId::kDateTime64 : TypeId::kDateTime;
  if (*unit >= TimeUnit::kWeek) result = TypeId::kDate;
  if (*unit == TimeUnit::kMillisecond) result = TypeId::kDateTime64;
  return std::make_unique<TimeFloorFunction>(name, DataType(result, args[0].type.nullable), floor, 0);
}

// --- formatDateTime ----------------------------------------------------------------------------------

constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};
constexpr std::string_view kWeekdayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};

/// One piece of a compiled format: a literal or a specifier letter.
struct FormatPiece {
  char specifier = 0;  // 0 for a literal
  std::string literal;
};

std::vector<FormatPiece> compileFormat(std::string_view format) {
  static constexpr std::string_view kSupported = "abcCdDefFgGhHiIjklmMnpQrRsStTuVwWyYz%";
  std::vector<FormatPiece> pieces;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      if (pieces.empty() || pieces.back().specifier != 0) pieces.emplace_back();
      pieces.back().literal.push_back(format[i]);
      continue;
    }
    if (i + 1 == format.size()) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("format '{}' of formatDateTime ends with a lone '%'; write %% for a percent sign",
                                   format));
    }
    char c = format[++i];
    if (kSupported.find(c) == std::string_view::npos) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("unsupported specifier %{} in format '{}' of formatDateTime", c, format));
    }
    if (c == '%' || c == 'n' || c == 't') {
      if (pieces.empty() || pieces.back().specifier != 0) pieces.emplace_back();
      char literal = '%';
      if (c == 'n') literal = '\n';
      if (c == 't') literal = '\t';
      pieces.back().literal.push_back(literal);
      continue;
    }
    pieces.push_back(FormatPiece{c, {}});
  }
  return pieces;
}

void appendPadded(std::string& out, int64_t value, int width, char pad = '0') {
  char digits[24];
  bool negative = value < 0;
  uint64_t v = negative ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (negative) out.push_back('-');
  for (int k = n; k < width; ++k) out.push_back(pad);
  while (n > 0) out.push_back(digits[--n]);
}

/// Appends one specifier for the instant `ms` (UTC).
void appendSpecifier(std::string& out, char specifier, int64_t ms, CivilCache& cache) {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - int64_t{days} * kMsPerDay;
  const CivilDate& c = cache.get(days);
  int64_t hour = msOfDay / kMsPerHour;
  int64_t minute = msOfDay / kMsPerMinute % 60;
  int64_t second = msOfDay / kMsPerSecond % 60;
  int64_t hour12 = hour % 12 == 0 ? 12 : hour % 12;
  int32_t weekday = weekdayOf(days);
  switch (specifier) {
    case 'a':
      out.append(kWeekdayNames[weekday - 1].substr(0, 3));
      break;
    case 'b':
      out.append(kMonthNames[c.month - 1].substr(0, 3));
      break;
    case 'c':
    case 'm':
      appendPadded(out, c.month, 2);
      break;
    case 'C':
      appendPadded(out, floorDiv(c.year, 100), 2);
      break;
    case 'd':
      appendPadded(out, c.day, 2);
      break;
    case 'D':
      appendPadded(out, c.month, 2);
      out.push_back('/');
      appendPadded(out, c.day, 2);
      out.push_back('/');
      appendPadded(out, floorMod(c.year, 100), 2);
      break;
    case 'e':
      appendPadded(out, c.day, 2, ' ');
      break;
    case 'f':
      appendPadded(out, floorMod(ms, 1000) * 1000, 6);
      break;
    case 'F':
      appendPadded(out, c.year, 4);
      out.push_back('-');
      appendPadded(out, c.month, 2);
      out.push_back('-');
      appendPadded(out, c.day, 2);
      break;
    case 'g':
    case 'G':
    case 'V': {
      // ISO 8601 week: the week (and its year) that contains its Thursday.
      int32_t thursday = days - (weekday - 1) + 3;
      int32_t isoYear = civilFromDays(thursday).year;
      if (specifier == 'V') {
        appendPadded(out, (thursday - daysFromCivil(isoYear, 1, 1)) / 7 + 1, 2);
      } else {
        appendPadded(out, specifier == 'G' ? isoYear : floorMod(isoYear, 100), specifier == 'G' ? 4 : 2);
      }
      break;
    }
    case 'h':
    case 'I':
      appendPadded(out, hour12, 2);
      break;
    case 'H':
      appendPadded(out, hour, 2);
      break;
    case 'i':
      appendPadded(out, minute, 2);
      break;
    case 'j':
      appendPadded(out, dayOfYear(days, cache), 3);
      break;
    case 'k':
      appendPadded(out, hour, 2, ' ');
      break;
    case 'l':
      appendPadded(out, hour12, 2, ' ');
      break;
    case 'M':
      out.append(kMonthNames[c.month - 1]);
      break;
    case 'p':
      out.append(hour < 12 ? "AM" : "PM");
      break;
    case 'Q':
      appendPadded(out, (c.month - 1) / 3 + 1, 1);
      break;
    case 'r':
      appendPadded(out, hour12, 2);
      out.push_back(':');
      appendPadded(out, minute, 2);
      out.append(hour < 12 ? " AM" : " PM");
      break;
    case 'R':
      appendPadded(out, hour, 2);
      out.push_back(':');
      appendPadded(out, minute, 2);
      break;
    case 's':
    case 'S':
      appendPadded(out, second, 2);
      break;
    case 'T':
      appendPadded(out, hour, 2);
      out.push_back(':');
      appendPadded(out, minute, 2);
      out.push_back(':');
      appendPadded(out, second, 2);
      break;
    case 'u':
      appendPadded(out, weekday, 1);
      break;
    case 'w':
      appendPadded(out, weekday % 7, 1);
      break;
    case 'W':
      out.append(kWeekdayNames[weekday - 1]);
      break;
    case 'y':
      appendPadded(out, floorMod(c.year, 100), 2);
      break;
    case 'Y':
      appendPadded(out, c.year, 4);
      break;
    case 'z':
      out.append("+0000");
      break;
    default:
      break;
  }
}

class FormatDateTime final : public ScalarFunction {
 public:
  FormatDateTime(DataType type, std::vector<FormatPiece> pieces)
      : ScalarFunction("formatDateTime", type), pieces_(std::move(pieces)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[0], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    StringHeap& heap = out->heap();
    std::string buffer;
    timeLoop(*in, out->data<std::string_view>(), numRows, sel, [&](int64_t ms, CivilCache& cache) {
      buffer.clear();
      for (const FormatPiece& piece : pieces_) {
        if (piece.specifier == 0) {
          buffer.append(piece.literal);
        } else {
          appendSpecifier(buffer, piece.specifier, ms, cache);
        }
      }
      return heap.add(buffer);
    });
    return out;
  }

 private:
  std::vector<FormatPiece> pieces_;
};

std::unique_ptr<BoundScalarFunction> bindFormatDateTime(const FunctionArgs& args) {
  const char* name = "formatDateTime";
  checkArgumentCount(name, args, 2, 3);
  std::vector<FormatPiece> pieces = compileFormat(requireConstantString(name, args, 1, "the format"));
  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 0);
  return std::make_unique<FormatDateTime>(DataType(TypeId::kString, args[0].type.nullable), std::move(pieces));
}

// --- add*, subtract* -----------------------------------------------------------------------------------

/// Keeps Date results inside the int32 day range and years inside what
/// daysFromCivil computes exactly.
constexpr int64_t kMaxYear = 5'000'000;

/// The last day of `month` in `year`.
uint32_t daysInMonth(int64_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

/// Shifts `ms` by `months`, keeping the time of day and clamping the day of
/// month to the target month's last day (Jan 31 + 1 month = Feb 28 or 29).
/// Returns false when the year leaves +-kMaxYear.
bool shiftMonths(int64_t ms, int64_t months, CivilCache& cache, int64_t& result) {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - int64_t{days} * kMsPerDay;
  const CivilDate& c = cache.get(days);
  int64_t monthIndex = 0;
  if (__builtin_add_overflow(int64_t{c.year} * 12 + (c.month - 1), months, &monthIndex)) return false;
  int64_t year = floorDiv(monthIndex, 12);
  if (year < -kMaxYear || year > kMaxYear) return false;
  uint32_t month = static_cast<uint32_t>(floorMod(monthIndex, 12)) + 1;
  uint32_t day = std::min(c.day, daysInMonth(year, month));
  result = int64_t{daysFromCivil(static_cast<int32_t>(year), month, day)} * kMsPerDay + msOfDay;
  return true;
}

/// add<Unit>(t, n) and subtract<Unit>(t, n). A unit is either a fixed number
/// of milliseconds (stepMs) or a number of calendar months (stepMonths).
class AddInterval final : public ScalarFunction {
 public:
  /// `countIndex` is the argument with the count: 1 for add<Unit>(t, n),
  /// 2 for TIME_SHIFT(t, period, n).
  AddInterval(std::string name, DataType type, int64_t stepMs, int64_t stepMonths, bool subtract,
              size_t countIndex = 1)
      : ScalarFunction(std::move(name), type),
        stepMs_(stepMs),
        stepMonths_(stepMonths),
        subtract_(subtract),
        countIndex_(countIndex) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[0], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    mergeValidity(*out, *args[countIndex_], numRows);
    Int64Reader counts(args[countIndex_], numRows, sel);
    std::vector<uint8_t> failed(numRows, 0);
    bool anyFailed = false;

    // One loop per input physical type and result type; the unit kind is
    // fixed for the function, so its branch is predictable.
    CivilCache cache;
    auto shift = [&](int64_t ms, int64_t count, int64_t& result) {
      if (stepMonths_ != 0) {
        int64_t months = 0;
        if (__builtin_mul_overflow(count, stepMonths_, &months)) return false;
        if (subtract_ && __builtin_sub_overflow(int64_t{0}, months, &months)) return false;
        return shiftMonths(ms, months, cache, result);
      }
      int64_t delta = 0;
      if (__builtin_mul_overflow(count, stepMs_, &delta)) return false;
      return subtract_ ? !__builtin_sub_overflow(ms, delta, &result) : !__builtin_add_overflow(ms, delta, &result);
    };
    auto run = [&](auto inputTag, auto* o) {
      using In = decltype(inputTag);
      using Out = std::remove_pointer_t<decltype(o)>;
      const In* values = in->data<In>();
      bool constant = in->isConstant();
      forEachRow(numRows, sel, [&](size_t i) {
        In value = values[constant ? 0 : i];
        int64_t ms = std::is_same_v<In, int32_t> ? int64_t{value} * kMsPerDay : int64_t{value};
        int64_t result = 0;
        bool ok = shift(ms, counts(i), result);
        if constexpr (std::is_same_v<Out, int32_t>) {
          int64_t days = floorDiv(result, kMsPerDay);
          ok = ok && days >= INT32_MIN && days <= INT32_MAX;
          o[i] = static_cast<int32_t>(days);
        } else {
          o[i] = result;
        }
        if (!ok) {
          failed[i] = 1;
          anyFailed = true;
        }
      });
    };
    bool dateIn = in->type().id == TypeId::kDate;
    if (resultType().id == TypeId::kDate) {
      run(int32_t{}, out->data<int32_t>());
    } else if (dateIn) {
      run(int32_t{}, out->data<int64_t>());
    } else {
      run(int64_t{}, out->data<int64_t>());
    }

    if (anyFailed) {
      size_t row = findFirstValid(*out, numRows, sel, [&](size_t i) { return failed[i] != 0; });
      if (row != kNoRow) {
        throw QueryError(ErrorCode::kDecimalOverflow,
                         fmt::format("date arithmetic overflow in {}({}, {})", name(),
                                     in->getValue(in->isConstant() ? 0 : row).toString(), counts(row)));
      }
    }
    return out;
  }

 private:
  int64_t stepMs_;
  int64_t stepMonths_;
  bool subtract_;
  size_t countIndex_;
};

/// Registers add<Unit> and subtract<Unit>. Result types follow ClickHouse:
/// a Date stays a Date for days and longer units and becomes a DateTime for
/// seconds to hours; milliseconds give a DateTime64; a DateTime64 stays a
/// DateTime64; a String is parsed and gives a DateTime64.
void addIntervalFunctions(FunctionRegistry& registry, std::string_view unitName, TimeUnit unit) {
  int64_t stepMs = 0;
  int64_t stepMonths = 0;
  switch (unit) {
    case TimeUnit::kMillisecond: stepMs = 1; break;
    case TimeUnit::kSecond: stepMs = kMsPerSecond; break;
    case TimeUnit::kMinute: stepMs = kMsPerMinute; break;
    case TimeUnit::kHour: stepMs = kMsPerHour; break;
    case TimeUnit::kDay: stepMs = kMsPerDay; break;
    case TimeUnit::kWeek: stepMs = 7 * kMsPerDay; break;
    case TimeUnit::kMonth: stepMonths = 1; break;
    case TimeUnit::kQuarter: stepMonths = 3; break;
    case TimeUnit::kYear: stepMonths = 12; break;
  }
  for (bool subtract : {false, true}) {
    std::string name = fmt::format("{}{}", subtract ? "subtract" : "add", unitName);
    registry.add(name, [=](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
      checkArgumentCount(name, args, 2, 2);
      if (hasNullLiteral(args)) return makeNullResult(name);
      requireTemporal(name, args, 0);
      TypeId countType = args[1].type.id;
      if (!isInteger(countType) && countType != TypeId::kBool) throwArgumentType(name, args, 1, "an integer");

      TypeId in = args[0].type.id;
      TypeId result = in;
      if (in == TypeId::kString || unit == TimeUnit::kMillisecond) {
        result = TypeId::kDateTime64;
      } else if (in == TypeId::kDate && unit < TimeUnit::kDay) {
        result = TypeId::kDateTime;
      }
      return std::make_unique<AddInterval>(name, DataType(result, anyNullable(args)), stepMs, stepMonths, subtract);
    });
  }
}

// --- dateDiff -------------------------------------------------------------------------------------------

enum class DiffUnit : uint8_t {
  kNanosecond, kMicrosecond, kMillisecond, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear
};

/// ClickHouse's unit names for dateDiff, matched in lower case.
std::optional<DiffUnit> parseDiffUnit(std::string_view text) {
  struct Name {
    std::string_view name;
    DiffUnit unit;
  };
  static constexpr Name kNames[] = {
      {"nanosecond", DiffUnit::kNanosecond}, {"nanoseconds", DiffUnit::kNanosecond}, {"ns", DiffUnit::kNanosecond},
      {"microsecond", DiffUnit::kMicrosecond}, {"microseconds", DiffUnit::kMicrosecond},
      {"us", DiffUnit::kMicrosecond}, {"u", DiffUnit::kMicrosecond},
      {"millisecond", DiffUnit::kMillisecond}, {"milliseconds", DiffUnit::kMillisecond},
      {"ms", DiffUnit::kMillisecond},
      {"second", DiffUnit::kSecond}, {"seconds", DiffUnit::kSecond}, {"ss", DiffUnit::kSecond},
      {"s", DiffUnit::kSecond},
      {"minute", DiffUnit::kMinute}, {"minutes", DiffUnit::kMinute}, {"mi", DiffUnit::kMinute},
      {"n", DiffUnit::kMinute},
      {"hour", DiffUnit::kHour}, {"hours", DiffUnit::kHour}, {"hh", DiffUnit::kHour}, {"h", DiffUnit::kHour},
      {"day", DiffUnit::kDay}, {"days", DiffUnit::kDay}, {"dd", DiffUnit::kDay}, {"d", DiffUnit::kDay},
      {"week", DiffUnit::kWeek}, {"weeks", DiffUnit::kWeek}, {"wk", DiffUnit::kWeek}, {"ww", DiffUnit::kWeek},
      {"month", DiffUnit::kMonth}, {"months", DiffUnit::kMonth}, {"mm", DiffUnit::kMonth}, {"m", DiffUnit::kMonth},
      {"quarter", DiffUnit::kQuarter}, {"quarters", DiffUnit::kQuarter}, {"qq", DiffUnit::kQuarter},
      {"q", DiffUnit::kQuarter},
      {"year", DiffUnit::kYear}, {"years", DiffUnit::kYear}, {"yyyy", DiffUnit::kYear}, {"yy", DiffUnit::kYear},
  };
  std::string lower = toLowerAscii(text);
  for (const Name& entry : kNames) {
    if (entry.name == lower) return entry.unit;
  }
  return std::nullopt;
}

/// The number of `Unit` boundaries between the epoch and `ms`: subtracting
/// two of these counts the boundaries crossed, as ClickHouse's dateDiff does
/// (dateDiff('year', '2021-12-31', '2022-01-01') is 1). Weeks start on Monday.
template <DiffUnit Unit>
int64_t unitsSinceEpoch(int64_t ms, CivilCache& cache) {
  if constexpr (Unit == DiffUnit::kSecond) return floorDiv(ms, kMsPerSecond);
  if constexpr (Unit == DiffUnit::kMinute) return floorDiv(ms, kMsPerMinute);
  if constexpr (Unit == DiffUnit::kHour) return floorDiv(ms, kMsPerHour);
  if constexpr (Unit == DiffUnit::kDay) return daysFromMs(ms);
  if constexpr (Unit == DiffUnit::kWeek) return floorDiv(int64_t{daysFromMs(ms)} + 3, 7);  // 1969-12-29 was a Monday
  if constexpr (Unit >= DiffUnit::kMonth) {
    const CivilDate& c = cache.get(daysFromMs(ms));
    if constexpr (Unit == DiffUnit::kMonth) return int64_t{c.year} * 12 + (c.month - 1);
    if constexpr (Unit == DiffUnit::kQuarter) return int64_t{c.year} * 4 + (c.month - 1) / 3;
    if constexpr (Unit == DiffUnit::kYear) return c.year;
  }
  return ms;
}

/// Reads a Date or timestamp column of any encoding as milliseconds.
struct MsReader {
  const int32_t* days = nullptr;
  const int64_t* ms = nullptr;
  bool constant = false;

  explicit MsReader(const Column& column) : constant(column.isConstant()) {
    if (column.type().id == TypeId::kDate) {
      days = column.data<int32_t>();
    } else {
      ms = column.data<int64_t>();
    }
  }
  int64_t operator()(size_t row) const {
    size_t i = constant ? 0 : row;
    return days != nullptr ? int64_t{days[i]} * kMsPerDay : ms[i];
  }
};

class DateDiff final : public ScalarFunction {
 public:
  DateDiff(std::string name, DataType type, DiffUnit unit) : ScalarFunction(std::move(name), type), unit_(unit) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr start = timeArgument(args[1], numRows, sel, name());
    ColumnPtr end = timeArgument(args[2], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *start, numRows);
    mergeValidity(*out, *end, numRows);
    int64_t* o = out->data<int64_t>();
    MsReader a(*start);
    MsReader b(*end);

    // Below a millisecond the values are scaled, which can overflow.
    if (unit_ <= DiffUnit::kMillisecond) {
      int64_t scale = unit_ == DiffUnit::kNanosecond ? 1'000'000 : unit_ == DiffUnit::kMicrosecond ? 1000 : 1;
      bool anyFailed = false;
      forEachRow(numRows, sel, [&](size_t i) {
        bool overflow = __builtin_sub_overflow(b(i), a(i), &o[i]);
        overflow |= __builtin_mul_overflow(o[i], scale, &o[i]);
        anyFailed |= overflow;
      });
      if (anyFailed) raiseFirstOverflow(*out, numRows, sel, a, b, scale);
      return out;
    }

    auto run = [&](auto unitTag) {
      constexpr DiffUnit kUnit = decltype(unitTag)::value;
      CivilCache cacheA;
      CivilCache cacheB;
      forEachRow(numRows, sel, [&](size_t i) {
        o[i] = unitsSinceEpoch<kUnit>(b(i), cacheB) - unitsSinceEpoch<kUnit>(a(i), cacheA);
      });
    };
    switch (unit_) {
      case DiffUnit::kSecond: run(std::integral_constant<DiffUnit, DiffUnit::kSecond>{}); break;
      case DiffUnit::kMinute: run(std::integral_constant<DiffUnit, DiffUnit::kMinute>{}); break;
      case DiffUnit::kHour: run(std::integral_constant<DiffUnit, DiffUnit::kHour>{}); break;
      case DiffUnit::kDay: run(std::integral_constant<DiffUnit, DiffUnit::kDay>{}); break;
      case DiffUnit::kWeek: run(std::integral_constant<DiffUnit, DiffUnit::kWeek>{}); break;
      case DiffUnit::kMonth: run(std::integral_constant<DiffUnit, DiffUnit::kMonth>{}); break;
      case DiffUnit::kQuarter: run(std::integral_constant<DiffUnit, DiffUnit::kQuarter>{}); break;
      case DiffUnit::kYear: run(std::integral_constant<DiffUnit, DiffUnit::kYear>{}); break;
      default: break;
    }
    return out;
  }

 private:
  void raiseFirstOverflow(const Column& out, size_t numRows, const SelectionVector* sel, const MsReader& a,
                          const MsReader& b, int64_t scale) const {
    size_t row = findFirstValid(out, numRows, sel, [&](size_t i) {
      int64_t r = 0;
      return __builtin_sub_overflow(b(i), a(i), &r) || __builtin_mul_overflow(r, scale, &r);
    });
    if (row == kNoRow) return;
    throw QueryError(ErrorCode::kDecimalOverflow,
                     fmt::format("{} overflows Int64 between {} and {} ms since the epoch; use a coarser unit",
                                 name(), a(row), b(row)));
  }

  DiffUnit unit_;
};

std::unique_ptr<BoundScalarFunction> bindDateDiff(const FunctionArgs& args) {
  const char* name = "dateDiff";
  checkArgumentCount(name, args, 3, 4);
  const std::string& unitText = requireConstantString(name, args, 0, "the unit");
  std::optional<DiffUnit> unit = parseDiffUnit(unitText);
  if (!unit) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("unknown unit '{}' in dateDiff; use nanosecond, microsecond, millisecond, second, "
                                 "minute, hour, day, week, month, quarter or year",
                                 unitText));
  }
  if (args.size() == 4) {
    const std::string& zone = requireConstantString(name, args, 3, "the time zone");
    if (!parseTypeName(fmt::format("DateTime('{}')", zone))) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("time zone '{}' in dateDiff is not supported; only UTC is", zone));
    }
  }
  if (args[1].type.id == TypeId::kNull || args[2].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 1);
  requireTemporal(name, args, 2);
  bool nullable = args[1].type.nullable || args[2].type.nullable;
  return std::make_unique<DateDiff>(name, DataType(TypeId::kInt64, nullable), *unit);
}

void registerNow(FunctionRegistry& registry) {
  registry.add("now", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("now", args, 0, 1);
    return makeConstantResult("now", DataType(TypeId::kDateTime), Value::timestampMs(floorTo(nowMs(), 1000), TypeId::kDateTime));
  });
  registry.addAlias("current_timestamp", "now");
  registry.add("now64", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("now64", args, 0, 2);
    return makeConstantResult("now64", DataType(TypeId::kDateTime64), Value::timestampMs(nowMs(), TypeId::kDateTime64));
  });
  registry.add("today", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("today", args, 0, 0);
    return makeConstantResult("today", DataType(TypeId::kDate), Value::date(daysFromMs(nowMs())));
  });
  registry.addAlias("current_date", "today");
  registry.add("yesterday", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("yesterday", args, 0, 0);
    return makeConstantResult("yesterday", DataType(TypeId::kDate), Value::date(daysFromMs(nowMs()) - 1));
  });
}

// --- Druid SQL time functions ------------------------------------------------------------------------

/// MILLIS_TO_TIMESTAMP(ms): a DateTime64(3) from milliseconds since the epoch.
class MillisToTimestamp final : public ScalarFunction {
 public:
  explicit MillisToTimestamp(DataType type) : ScalarFunction("MILLIS_TO_TIMESTAMP", type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *args[0], numRows);
    Int64Reader millis(args[0], numRows, sel);
    int64_t* dst = out->data<int64_t>();
    forEachRow(numRows, sel, [&](size_t i) { dst[i] = millis(i); });
    return out;
  }
};

/// TIME_CEIL(t, period): the floor, or the floor plus one period when t is
/// past it.
class TimeCeilFunction final : public ScalarFunction {
 public:
  TimeCeilFunction(std::string name, DataType type, TimeFloor floor)
      : ScalarFunction(std::move(name), type), floor_(floor) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[0], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    const TimeFloor floor = floor_;
    bool overflow = false;
    timeLoop(*in, out->data<int64_t>(), numRows, sel, [&](int64_t ms, CivilCache& cache) {
      int64_t down = floor.apply(ms, cache);
      if (down == ms) return ms;
      int64_t up = 0;
      bool ok = true;
      switch (floor.unit) {
        case TimeUnit::kMonth:
          ok = shiftMonths(down, floor.count, cache, up);
          break;
        case TimeUnit::kQuarter:
          ok = shiftMonths(down, 3 * floor.count, cache, up);
          break;
        case TimeUnit::kYear:
          ok = shiftMonths(down, 12 * floor.count, cache, up);
          break;
        default:
          ok = !__builtin_add_overflow(down, stepMs(floor), &up);
          break;
      }
      if (!ok) overflow = true;
      return up;
    });
    if (overflow) throw QueryError(ErrorCode::kDecimalOverflow, fmt::format("date arithmetic overflow in {}", name()));
    return out;
  }

 private:
  // The length of one period of a fixed-length floor, in milliseconds.
  static int64_t stepMs(const TimeFloor& floor) {
    switch (floor.unit) {
      case TimeUnit::kMillisecond:
        return floor.count;
      case TimeUnit::kSecond:
        return floor.count * kMsPerSecond;
      case TimeUnit::kMinute:
        return floor.count * kMsPerMinute;
      case TimeUnit::kHour:
        return floor.count * kMsPerHour;
      case TimeUnit::kDay:
        return floor.count * kMsPerDay;
      case TimeUnit::kWeek:
        return floor.count * 7 * kMsPerDay;
      default:
        return 0;
    }
  }

  TimeFloor floor_;
};

/// The parts TIME_EXTRACT(t, unit) returns, as Druid names them.
enum class DruidPart : uint8_t {
  kEpoch, kMillisecond, kSecond, kMinute, kHour, kDay, kDow, kIsoDow, kDoy, kWeek, kMonth, kQuarter, kYear,
  kIsoYear, kDecade, kCentury, kMillennium
};

std::optional<DruidPart> parseDruidPart(std::string_view text) {
  std::string unit = toLowerAscii(text);
  static const std::pair<std::string_view, DruidPart> kParts[] = {
      {"epoch", DruidPart::kEpoch},   {"millisecond", DruidPart::kMillisecond}, {"second", DruidPart::kSecond},
      {"minute", DruidPart::kMinute}, {"hour", DruidPart::kHour},               {"day", DruidPart::kDay},
      {"dow", DruidPart::kDow},       {"isodow", DruidPart::kIsoDow},           {"doy", DruidPart::kDoy},
      {"week", DruidPart::kWeek},     {"month", DruidPart::kMonth},             {"quarter", DruidPart::kQuarter},
      {"year", DruidPart::kYear},     {"isoyear", DruidPart::kIsoYear},         {"decade", DruidPart::kDecade},
      {"century", DruidPart::kCentury}, {"millennium", DruidPart::kMillennium}};
  for (const auto& [name, part] : kParts) {
    if (unit == name) return part;
  }
  return std::nullopt;
}

/// Returns the ISO week-based year and week of `days`.
std::pair<int32_t, int32_t> isoYearAndWeek(int32_t days) {
  int32_t thursday = days - weekdayOf(days) + 4;
  int32_t year = civilFromDays(thursday).year;
  return {year, (thursday - daysFromCivil(year, 1, 1)) / 7 + 1};
}

int64_t extractDruidPart(DruidPart part, int64_t ms, CivilCache& cache) {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - int64_t{days} * kMsPerDay;
  switch (part) {
    case DruidPart::kEpoch:
      return floorDiv(ms, kMsPerSecond);
    case DruidPart::kMillisecond:
      return msOfDay % kMsPerMinute;  // Calcite's rule: the seconds of the minute in milliseconds
    case DruidPart::kSecond:
      return msOfDay / kMsPerSecond % 60;
    case DruidPart::kMinute:
      return msOfDay / kMsPerMinute % 60;
    case DruidPart::kHour:
      return msOfDay / kMsPerHour;
    case DruidPart::kDay:
      return cache.get(days).day;
    case DruidPart::kDow:
    case DruidPart::kIsoDow:
      return weekdayOf(days);
    case DruidPart::kDoy:
      return dayOfYear(days, cache);
    case DruidPart::kWeek:
      return isoYearAndWeek(days).second;
    case DruidPart::kMonth:
      return cache.get(days).month;
    case DruidPart::kQuarter:
      return (cache.get(days).month - 1) / 3 + 1;
    case DruidPart::kYear:
      return cache.get(days).year;
    case DruidPart::kIsoYear:
      return isoYearAndWeek(days).first;
    case DruidPart::kDecade:
      return floorDiv(cache.get(days).year, 10);
    case DruidPart::kCentury: {
      int64_t year = cache.get(days).year;
      return year > 0 ? (year + 99) / 100 : -((-year + 99) / 100);
    }
    case DruidPart::kMillennium: {
      int64_t year = cache.get(days).year;
      return year > 0 ? (year + 999) / 1000 : -((-year + 999) / 1000);
    }
  }
  return 0;
}

std::unique_ptr<BoundScalarFunction> bindTimeExtract(const FunctionArgs& args) {
  const char* name = "TIME_EXTRACT";
  checkArgumentCount(name, args, 2, 3);
  const std::string& unitText = requireConstantString(name, args, 1, "the unit");
  std::optional<DruidPart> part = parseDruidPart(unitText);
  if (!part) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("unknown unit '{}' in TIME_EXTRACT; use EPOCH, SECOND, MINUTE, HOUR, DAY, DOW, "
                                 "ISODOW, DOY, WEEK, MONTH, QUARTER, YEAR or ISOYEAR",
                                 unitText));
  }
  requireUtcZone(name, args, 2);
  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 0);
  auto fn = [part = *part](int64_t ms, CivilCache& cache) -> int64_t { return extractDruidPart(part, ms, cache); };
  return std::make_unique<TimeMap<int64_t, decltype(fn)>>(name, DataType(TypeId::kInt64, args[0].type.nullable), fn);
}

/// TIME_FORMAT(t [, pattern [, zone]]): a Joda-Time pattern, by default ISO
/// 8601 with milliseconds and Z.
class TimeFormatFunction final : public ScalarFunction {
 public:
  TimeFormatFunction(DataType type, JodaPattern pattern)
      : ScalarFunction("TIME_FORMAT", type), pattern_(std::move(pattern)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr in = timeArgument(args[0], numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *in, numRows);
    StringHeap& heap = out->heap();
    std::string buffer;
    timeLoop(*in, out->data<std::string_view>(), numRows, sel, [&](int64_t ms, CivilCache&) {
      buffer.clear();
      pattern_.format(ms, buffer);
      return heap.add(buffer);
    });
    return out;
  }

 private:
  JodaPattern pattern_;
};

constexpr std::string_view kIsoPattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

std::unique_ptr<BoundScalarFunction> bindTimeFormat(const FunctionArgs& args) {
  const char* name = "TIME_FORMAT";
  checkArgumentCount(name, args, 1, 3);
  std::string_view pattern = kIsoPattern;
  if (args.size() >= 2 && args[1].type.id != TypeId::kNull) {
    pattern = requireConstantString(name, args, 1, "the Joda-Time pattern");
  }
  JodaPattern compiled = JodaPattern::compile(pattern);
  requireUtcZone(name, args, 2);
  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  requireTemporal(name, args, 0);
  return std::make_unique<TimeFormatFunction>(DataType(TypeId::kString, args[0].type.nullable), std::move(compiled));
}

/// TIME_PARSE(s [, pattern [, zone]]): a DateTime64(3), NULL when `s` does
/// not parse (as in Druid). Without a pattern it reads ISO 8601.
class TimeParseFunction final : public ScalarFunction {
 public:
  TimeParseFunction(DataType type, std::optional<JodaPattern> pattern)
      : ScalarFunction("TIME_PARSE", type), pattern_(std::move(pattern)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *args[0], numRows);
    StringReader strings(*args[0]);
    int64_t* dst = out->data<int64_t>();
    forEachRow(numRows, sel, [&](size_t i) {
      if (out->isNull(i)) return;
      std::optional<int64_t> ms = pattern_ ? pattern_->parse(strings(i)) : parseTimestampMs(strings(i));
      if (ms) {
        dst[i] = *ms;
      } else {
        out->setNull(i);
      }
    });
    return out;
  }

 private:
  std::optional<JodaPattern> pattern_;
};

std::unique_ptr<BoundScalarFunction> bindTimeParse(const FunctionArgs& args) {
  const char* name = "TIME_PARSE";
  checkArgumentCount(name, args, 1, 3);
  std::optional<JodaPattern> pattern;
  if (args.size() >= 2 && args[1].type.id != TypeId::kNull) {
    pattern = JodaPattern::compile(requireConstantString(name, args, 1, "the Joda-Time pattern"));
  }
  requireUtcZone(name, args, 2);
  if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
  if (args[0].type.id != TypeId::kString) throwArgumentType(name, args, 0, "String");
  return std::make_unique<TimeParseFunction>(DataType(TypeId::kDateTime64, true), std::move(pattern));
}

/// TIMESTAMPDIFF('unit', t1, t2): whole units from t1 to t2, truncated
/// toward zero (Calcite's rule, which Druid follows): from 10:30 to 11:00 is
/// 0 hours, where ClickHouse's dateDiff counts 1 hour boundary.
class TimestampDiffFunction final : public ScalarFunction {
 public:
  TimestampDiffFunction(DataType type, TimeUnit unit) : ScalarFunction("TIMESTAMPDIFF", type), unit_(unit) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr from = Column::flatten(timeArgument(args[1], numRows, sel, name()));
    ColumnPtr to = Column::flatten(timeArgument(args[2], numRows, sel, name()));
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *from, numRows);
    mergeValidity(*out, *to, numRows);
    auto msAt = [](const Column& column, size_t i) {
      return column.type().id == TypeId::kDate ? int64_t{column.data<int32_t>()[i]} * kMsPerDay
                                               : column.data<int64_t>()[i];
    };
    int64_t* dst = out->data<int64_t>();
    forEachRow(numRows, sel, [&](size_t i) { dst[i] = difference(msAt(*from, i), msAt(*to, i)); });
    return out;
  }

 private:
  int64_t difference(int64_t a, int64_t b) const {
    switch (unit_) {
      case TimeUnit::kMillisecond:
        return b - a;
      case TimeUnit::kSecond:
        return (b - a) / kMsPerSecond;
      case TimeUnit::kMinute:
        return (b - a) / kMsPerMinute;
      case TimeUnit::kHour:
        return (b - a) / kMsPerHour;
      case TimeUnit::kDay:
        return (b - a) / kMsPerDay;
      case TimeUnit::kWeek:
        return (b - a) / (7 * kMsPerDay);
      default:
        break;
    }
    // Months: the calendar difference, less one when the end's day and
    // time of month have not reached the start's.
    int32_t daysA = daysFromMs(a);
    int32_t daysB = daysFromMs(b);
    CivilDate ca = civilFromDays(daysA);
    CivilDate cb = civilFromDays(daysB);
    int64_t months = (int64_t{cb.year} - ca.year) * 12 + (int64_t{cb.month} - ca.month);
    int64_t restA = int64_t{ca.day} * kMsPerDay + (a - int64_t{daysA} * kMsPerDay);
    int64_t restB = int64_t{cb.day} * kMsPerDay + (b - int64_t{daysB} * kMsPerDay);
    if (months > 0 && restB < restA) --months;
    if (months < 0 && restB > restA) ++months;
    if (unit_ == TimeUnit::kQuarter) return months / 3;
    if (unit_ == TimeUnit::kYear) return months / 12;
    return months;
  }

  TimeUnit unit_;
};

std::unique_ptr<BoundScalarFunction> bindTimestampDiff(const FunctionArgs& args) {
  const char* name = "TIMESTAMPDIFF";
  checkArgumentCount(name, args, 3, 3);
  std::optional<TimeUnit> unit = requireUnit(name, args, 0);
  if (hasNullLiteral({args[1], args[2]})) return makeNullResult(name);
  requireTemporal(name, args, 1);
  requireTemporal(name, args, 2);
  return std::make_unique<TimestampDiffFunction>(DataType(TypeId::kInt64, anyNullable(args)), *unit);
}

void registerDruidTimeFunctions(FunctionRegistry& registry) {
  registry.add("MILLIS_TO_TIMESTAMP", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const char* name = "MILLIS_TO_TIMESTAMP";
    checkArgumentCount(name, args, 1, 1);
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    if (!isInteger(args[0].type.id)) throwArgumentType(name, args, 0, "an integer (milliseconds since 1970)");
    return std::make_unique<MillisToTimestamp>(DataType(TypeId::kDateTime64, args[0].type.nullable));
  });
  addTimeMap<int64_t>(registry, "TIMESTAMP_TO_MILLIS", TypeId::kInt64, ResultRule::kFixed,
                      [](int64_t ms, CivilCache&) { return ms; });
  registry.add("TIME_SHIFT", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const char* name = "TIME_SHIFT";
    checkArgumentCount(name, args, 3, 4);
    TimeFloor period = requirePeriod(name, args, 1);
    requireUtcZone(name, args, 3);
    if (hasNullLiteral({args[0], args[2]})) return makeNullResult(name);
    requireTemporal(name, args, 0);
    if (!isInteger(args[2].type.id)) throwArgumentType(name, args, 2, "an integer (the number of periods)");
    int64_t stepMonths = 0;
    int64_t stepMs = 0;
    if (period.unit == TimeUnit::kYear) {
      stepMonths = 12 * period.count;
    } else if (period.unit == TimeUnit::kMonth) {
      stepMonths = period.count;
    } else if (period.unit == TimeUnit::kWeek) {
      stepMs = period.count * 7 * kMsPerDay;
    } else {
      stepMs = period.count;  // parsePeriod returns other fixed periods in milliseconds
    }
    DataType result = timestampResult(args[0]).withNullable(anyNullable(args));
    return std::make_unique<AddInterval>(name, result, stepMs, stepMonths, false, 2);
  });
  registry.add("TIME_CEIL", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const char* name = "TIME_CEIL";
    checkArgumentCount(name, args, 2, 4);
    TimeFloor floor = requirePeriod(name, args, 1);
    if (args.size() >= 3 && args[2].type.id != TypeId::kNull) {
      throw QueryError(ErrorCode::kNotImplemented, "TIME_CEIL with an origin is not supported; use TIME_FLOOR");
    }
    requireUtcZone(name, args, 3);
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    requireTemporal(name, args, 0);
    TypeId result = args[0].type.id == TypeId::kDateTime64 ? TypeId::kDateTime64 : TypeId::kDateTime;
    if (floor.unit == TimeUnit::kMillisecond && floor.count % kMsPerSecond != 0) result = TypeId::kDateTime64;
    return std::make_unique<TimeCeilFunction>(name, DataType(result, args[0].type.nullable), floor);
  });
  registry.add("TIME_EXTRACT", bindTimeExtract);
  registry.add("TIME_FORMAT", bindTimeFormat);
  registry.add("TIME_PARSE", bindTimeParse);
  // The parser's name for TIMESTAMPDIFF(unit, t1, t2) with a bare unit; the
  // name timestampDiff is ClickHouse's dateDiff, which counts boundaries.
  registry.add("__timestampDiffWholeUnits", bindTimestampDiff);
}

}  // namespace

void registerDateFunctions(FunctionRegistry& registry) {
  using R = ResultRule;
  addTimeMap<uint16_t>(registry, "toYear", TypeId::kUInt16, R::kFixed, [](int64_t ms, CivilCache& cache) {
    return static_cast<uint16_t>(cache.get(daysFromMs(ms)).year);
  });
  addTimeMap<uint8_t>(registry, "toQuarter", TypeId::kUInt8, R::kFixed, [](int64_t ms, CivilCache& cache) {
    return static_cast<uint8_t>((cache.get(daysFromMs(ms)).month - 1) / 3 + 1);
  });
  addTimeMap<uint8_t>(registry, "toMonth", TypeId::kUInt8, R::kFixed, [](int64_t ms, CivilCache& cache) {
    return static_cast<uint8_t>(cache.get(daysFromMs(ms)).month);
  });
  addTimeMap<uint8_t>(registry, "toDayOfMonth", TypeId::kUInt8, R::kFixed, [](int64_t ms, CivilCache& cache) {
    return static_cast<uint8_t>(cache.get(daysFromMs(ms)).day);
  });
  addTimeMap<uint16_t>(registry, "toDayOfYear", TypeId::kUInt16, R::kFixed, [](int64_t ms, CivilCache& cache) {
    return static_cast<uint16_t>(dayOfYear(daysFromMs(ms), cache));
  });
  addTimeMap<uint8_t>(registry, "toDayOfWeek", TypeId::kUInt8, R::kFixed, [](int64_t ms, CivilCache&) {
    return static_cast<uint8_t>(weekdayOf(daysFromMs(ms)));
  });
  addTimeMap<uint8_t>(
      registry, "toHour", TypeId::kUInt8, R::kFixed,
      [](int64_t ms, CivilCache&) { return static_cast<uint8_t>(floorMod(ms, kMsPerDay) / kMsPerHour); }, true);
  addTimeMap<uint8_t>(
      registry, "toMinute", TypeId::kUInt8, R::kFixed,
      [](int64_t ms, CivilCache&) { return static_cast<uint8_t>(floorMod(ms, kMsPerHour) / kMsPerMinute); }, true);
  addTimeMap<uint8_t>(
      registry, "toSecond", TypeId::kUInt8, R::kFixed,
      [](int64_t ms, CivilCache&) { return static_cast<uint8_t>(floorMod(ms, kMsPerMinute) / kMsPerSecond); }, true);
  addTimeMap<uint32_t>(registry, "toYYYYMM", TypeId::kUInt32, R::kFixed, [](int64_t ms, CivilCache& cache) {
    const CivilDate& c = cache.get(daysFromMs(ms));
    return static_cast<uint32_t>(c.year * 100 + static_cast<int32_t>(c.month));
  });
  addTimeMap<uint32_t>(registry, "toYYYYMMDD", TypeId::kUInt32, R::kFixed, [](int64_t ms, CivilCache& cache) {
    const CivilDate& c = cache.get(daysFromMs(ms));
    return static_cast<uint32_t>(c.year * 10000 + static_cast<int32_t>(c.month * 100 + c.day));
  });
  addTimeMap<int64_t>(registry, "toUnixTimestamp", TypeId::kInt64, R::kFixed,
                      [](int64_t ms, CivilCache&) { return floorDiv(ms, kMsPerSecond); });
  registry.addAlias("YEAR", "toYear");
  registry.addAlias("QUARTER", "toQuarter");
  registry.addAlias("MONTH", "toMonth");
  registry.addAlias("DAY", "toDayOfMonth");
  registry.addAlias("DAYOFMONTH", "toDayOfMonth");
  registry.addAlias("DAYOFYEAR", "toDayOfYear");
  registry.addAlias("DAYOFWEEK", "toDayOfWeek");
  registry.addAlias("HOUR", "toHour");
  registry.addAlias("MINUTE", "toMinute");
  registry.addAlias("SECOND", "toSecond");

  addTimestampFloor(registry, "toStartOfSecond", [](int64_t ms, CivilCache&) { return floorTo(ms, kMsPerSecond); });
  addTimestampFloor(registry, "toStartOfMinute", [](int64_t ms, CivilCache&) { return floorTo(ms, kMsPerMinute); });
  addTimestampFloor(registry, "toStartOfFiveMinutes",
                    [](int64_t ms, CivilCache&) { return floorTo(ms, 5 * kMsPerMinute); });
  registry.addAlias("toStartOfFiveMinute", "toStartOfFiveMinutes");
  addTimestampFloor(registry, "toStartOfTenMinutes",
                    [](int64_t ms, CivilCache&) { return floorTo(ms, 10 * kMsPerMinute); });
  addTimestampFloor(registry, "toStartOfFifteenMinutes",
                    [](int64_t ms, CivilCache&) { return floorTo(ms, 15 * kMsPerMinute); });
  addTimestampFloor(registry, "toStartOfHour", [](int64_t ms, CivilCache&) { return floorTo(ms, kMsPerHour); });
  addTimestampFloor(registry, "toStartOfDay", [](int64_t ms, CivilCache&) { return floorTo(ms, kMsPerDay); });

  auto monday = [](int64_t ms, CivilCache&) {
    int32_t days = daysFromMs(ms);
    return days - (weekdayOf(days) - 1);
  };
  auto sunday = [](int64_t ms, CivilCache&) {
    int32_t days = daysFromMs(ms);
    return days - weekdayOf(days) % 7;
  };
  addDateFloor(registry, "toMonday", monday);
  // toStartOfWeek(t[, mode]): ClickHouse's even modes start weeks on Sunday, odd modes on Monday.
  registry.add("toStartOfWeek", [=](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const char* name = "toStartOfWeek";
    checkArgumentCount(name, args, 1, 2);
    int64_t mode = args.size() == 2 ? requireConstantInteger(name, args, 1, "the week mode") : 0;
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    requireTemporal(name, args, 0);
    DataType result(TypeId::kDate, args[0].type.nullable);
    if (mode % 2 != 0) return std::make_unique<TimeMap<int32_t, decltype(monday)>>(name, result, monday);
    return std::make_unique<TimeMap<int32_t, decltype(sunday)>>(name, result, sunday);
  });
  addDateFloor(registry, "toStartOfMonth", [](int64_t ms, CivilCache& cache) {
    return startOfMonth(daysFromMs(ms), cache);
  });
  addDateFloor(registry, "toStartOfQuarter", [](int64_t ms, CivilCache& cache) {
    const CivilDate& c = cache.get(daysFromMs(ms));
    return daysFromCivil(c.year, (c.month - 1) / 3 * 3 + 1, 1);
  });
  addDateFloor(registry, "toStartOfYear", [](int64_t ms, CivilCache& cache) {
    return daysFromCivil(cache.get(daysFromMs(ms)).year, 1, 1);
  });

  registry.add("date_trunc", bindDateTrunc);
  registry.addAlias("dateTrunc", "date_trunc");
  registry.add("TIME_FLOOR", bindTimeFloor);
  registry.add("toStartOfInterval", bindStartOfInterval);
  registerDruidTimeFunctions(registry);
  addIntervalFunctions(registry, "Milliseconds", TimeUnit::kMillisecond);
  addIntervalFunctions(registry, "Seconds", TimeUnit::kSecond);
  addIntervalFunctions(registry, "Minutes", TimeUnit::kMinute);
  addIntervalFunctions(registry, "Hours", TimeUnit::kHour);
  addIntervalFunctions(registry, "Days", TimeUnit::kDay);
  addIntervalFunctions(registry, "Weeks", TimeUnit::kWeek);
  addIntervalFunctions(registry, "Months", TimeUnit::kMonth);
  addIntervalFunctions(registry, "Quarters", TimeUnit::kQuarter);
  addIntervalFunctions(registry, "Years", TimeUnit::kYear);
  registry.add("dateDiff", bindDateDiff);
  registry.addAlias("date_diff", "dateDiff");
  registry.addAlias("timestampDiff", "dateDiff");
  registry.addAlias("timestamp_diff", "dateDiff");

  registry.add("formatDateTime", bindFormatDateTime);
  registry.addAlias("DATE_FORMAT", "formatDateTime");
  registerNow(registry);
}

}  // namespace furl::query
