// Conversion functions: cast, toString, to<Type>, their OrNull and OrZero
// forms, parseDateTimeBestEffort, fromUnixTimestamp and toTypeName. The
// conversion rules are those of castColumn (cast.h).
//
// NOTE: unlike ClickHouse, casting a Nullable value to a non-Nullable type
// keeps it Nullable instead of failing on NULL, and CAST(NULL AS T) gives a
// NULL of Nullable(T), as in standard SQL.

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

class CastFunction final : public ScalarFunction {
 public:
  CastFunction(std::string name, DataType type, CastErrorMode mode)
      : ScalarFunction(std::move(name), type), mode_(mode) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    return castColumn(args[0], resultType(), numRows, sel, name(), mode_);
  }

 private:
  CastErrorMode mode_;
};

std::unique_ptr<BoundScalarFunction> bindCast(std::string name, const FunctionArgument& arg, DataType target,
                                              CastErrorMode mode) {
  bool nullable = arg.type.nullable || target.nullable || mode == CastErrorMode::kNull || arg.type.id == TypeId::kNull;
  DataType result = target.withNullable(nullable);
  if (arg.type.id == TypeId::kNull) return makeConstantResult(name, result, Value::null(target.id));
  return std::make_unique<CastFunction>(std::move(name), result, mode);
}

/// Checks an optional time zone argument: only UTC is supported.
void checkTimeZone(std::string_view name, const FunctionArgs& args, size_t index) {
  if (index >= args.size() || args[index].type.id == TypeId::kNull) return;
  const std::string& zone = requireConstantString(name, args, index, "the time zone");
  if (!parseTypeName(fmt::format("DateTime('{}')", zone))) {
    throw QueryError(ErrorCode::kBadArguments,
                     fmt::format("time zone '{}' in {} is not supported; only UTC is", zone, name));
  }
}

/// Registers to<Type>, to<Type>OrNull and to<Type>OrZero.
void addConversion(FunctionRegistry& registry, std::string name, TypeId target, size_t maxArgs = 1) {
  struct Variant {
    std::string suffix;
    CastErrorMode mode;
  };
  for (const Variant& variant : {Variant{"", CastErrorMode::kThrow}, Variant{"OrNull", CastErrorMode::kNull},
                                 Variant{"OrZero", CastErrorMode::kZero}}) {
    std::string full = name + variant.suffix;
    CastErrorMode mode = variant.mode;
    registry.add(full, [full, target, mode, maxArgs](const FunctionArgs& args) {
      checkArgumentCount(full, args, 1, maxArgs);
      if (target == TypeId::kDateTime) checkTimeZone(full, args, 1);
      return bindCast(full, args[0], DataType(target), mode);
    });
  }
}

/// parseDateTimeBestEffort(s) and parseDateTime64BestEffort(s): see
/// parseTimestampBestEffort for the accepted forms.
class ParseBestEffort final : public ScalarFunction {
 public:
  ParseBestEffort(std::string name, DataType type, CastErrorMode mode)
      : ScalarFunction(std::move(name), type), mode_(mode) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& in = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, in, numRows);
    int64_t* o = out->data<int64_t>();
    bool wholeSeconds = resultType().id == TypeId::kDateTime;
    std::vector<uint8_t> failed(numRows, 0);
    size_t firstBad = mapStringsChecked<int64_t>(
        in, o, numRows, sel,
        [wholeSeconds](std::string_view s, int64_t& ms) {
          std::optional<int64_t> parsed = parseTimestampBestEffort(s);
          if (!parsed) {
            ms = 0;
            return false;
          }
          ms = wholeSeconds ? floorDiv(*parsed, 1000) * 1000 : *parsed;
          return true;
        },
        failed.data());
    if (firstBad == kNoRow) return out;
    if (mode_ == CastErrorMode::kThrow) {
      throw QueryError(ErrorCode::kCannotParseDateTime,
                       fmt::format("cannot parse '{}' as a date and time in {}", in.stringAt(in.isConstant() ? 0 : firstBad),
                                   name()));
    }
    if (mode_ == CastErrorMode::kNull) {
      forEachRow(numRows, sel, [&](size_t i) {
        if (failed[i]) out->setNull(i);
      });
    }
    return out;
  }

 private:
  CastErrorMode mode_;
};

void addParseBestEffort(FunctionRegistry& registry, std::string name, TypeId target) {
  for (auto [suffix, mode] : {std::pair<const char*, CastErrorMode>{"", CastErrorMode::kThrow},
                              {"OrNull", CastErrorMode::kNull},
                              {"OrZero", CastErrorMode::kZero}}) {
    std::string full = name + suffix;
    registry.add(full, [full, target, mode](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
      checkArgumentCount(full, args, 1, target == TypeId::kDateTime64 ? 3 : 2);
      if (target == TypeId::kDateTime64 && args.size() >= 2) {
        requireConstantInteger(full, args, 1, "the precision");
        checkTimeZone(full, args, 2);
      } else {
        checkTimeZone(full, args, 1);
      }
      if (args[0].type.id == TypeId::kNull) return makeNullResult(full);
      if (args[0].type.id != TypeId::kString) throwArgumentType(full, args, 0, "String");
      DataType result(target, args[0].type.nullable || mode == CastErrorMode::kNull);
      return std::make_unique<ParseBestEffort>(full, result, mode);
    });
  }
}

}  // namespace

void registerConversionFunctions(FunctionRegistry& registry) {
  registry.add("cast", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("cast", args, 2, 2);
    const std::string& typeText = requireConstantString("cast", args, 1, "the type name");
    std::optional<DataType> target = parseTypeName(typeText);
    if (!target) {
      throw QueryError(ErrorCode::kUnknownType,
                       fmt::format("unknown or unsupported type '{}' in cast; supported types are Bool, Int8..Int64, "
                                   "UInt8..UInt64, Float32, Float64, String, Date, DateTime, DateTime64(3), HLLSketch, their "
                                   "Nullable(...) forms and the standard SQL names",
                                   typeText));
    }
    return bindCast("cast", args[0], *target, CastErrorMode::kThrow);
  });
  registry.addAlias("_CAST", "cast");
  registry.add("accurateCastOrNull", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("accurateCastOrNull", args, 2, 2);
    const std::string& typeText = requireConstantString("accurateCastOrNull", args, 1, "the type name");
    std::optional<DataType> target = parseTypeName(typeText);
    if (!target) {
      throw QueryError(ErrorCode::kUnknownType, fmt::format("unknown or unsupported type '{}' in accurateCastOrNull",
                                                            typeText));
    }
    return bindCast("accurateCastOrNull", args[0], *target, CastErrorMode::kNull);
  });

  registry.add("toString", [](const FunctionArgs& args) {
    checkArgumentCount("toString", args, 1, 2);
    checkTimeZone("toString", args, 1);
    return bindCast("toString", args[0], DataType(TypeId::kString), CastErrorMode::kThrow);
  });

  addConversion(registry, "toInt8", TypeId::kInt8);
  addConversion(registry, "toInt16", TypeId::kInt16);
  addConversion(registry, "toInt32", TypeId::kInt32);
  addConversion(registry, "toInt64", TypeId::kInt64);
  addConversion(registry, "toUInt8", TypeId::kUInt8);
  addConversion(registry, "toUInt16", TypeId::kUInt16);
  addConversion(registry, "toUInt32", TypeId::kUInt32);
  addConversion(registry, "toUInt64", TypeId::kUInt64);
  addConversion(registry, "toFloat32", TypeId::kFloat32);
  addConversion(registry, "toFloat64", TypeId::kFloat64);
  addConversion(registry, "toBool", TypeId::kBool);
  addConversion(registry, "toDate", TypeId::kDate);
  addConversion(registry, "toDateTime", TypeId::kDateTime, 2);

  // toDateTime64(x, precision[, timezone]): every DateTime64 stores
  // milliseconds; the precision is checked but not otherwise used.
  registry.add("toDateTime64", [](const FunctionArgs& args) {
    checkArgumentCount("toDateTime64", args, 1, 3);
    if (args.size() >= 2) {
      int64_t precision = requireConstantInteger("toDateTime64", args, 1, "the precision");
      if (precision < 0 || precision > 9) {
        throw QueryError(ErrorCode::kArgumentOutOfBound,
                         fmt::format("precision {} of toDateTime64 is out of range 0..9", precision));
      }
    }
    checkTimeZone("toDateTime64", args, 2);
    return bindCast("toDateTime64", args[0], DataType(TypeId::kDateTime64), CastErrorMode::kThrow);
  });

  addParseBestEffort(registry, "parseDateTimeBestEffort", TypeId::kDateTime);
  addParseBestEffort(registry, "parseDateTime64BestEffort", TypeId::kDateTime64);

  registry.add("fromUnixTimestamp", [](const FunctionArgs& args) {
    checkArgumentCount("fromUnixTimestamp", args, 1, 2);
    if (args[0].type.id != TypeId::kNull && !isNumberLike(args[0].type.id)) {
      throwArgumentType("fromUnixTimestamp", args, 0, "a number of seconds");
    }
    checkTimeZone("fromUnixTimestamp", args, 1);
    return bindCast("fromUnixTimestamp", args[0], DataType(TypeId::kDateTime), CastErrorMode::kThrow);
  });

  registry.add("toTypeName", [](const FunctionArgs& args) {
    checkArgumentCount("toTypeName", args, 1, 1);
    std::string text = args[0].type.id == TypeId::kNull ? "Nullable(Nothing)" : args[0].type.toString();
    return makeConstantResult("toTypeName", DataType(TypeId::kString), Value::string(text));
  });
}

}  // namespace furl::query
