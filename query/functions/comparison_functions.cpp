// Comparison functions (equals, less, ...) and IN lists.
//
// Both sides are brought to one comparison domain at bind time:
//   integers            compared exactly across signedness (Int64 vs UInt64)
//   integer and float   compared as Float64 (exact up to 2^53)
//   String              byte-wise
//   Date, DateTime(64)  Date vs DateTime compares midnight of the date
//   temporal and String the String is parsed as the temporal type, and a
//                       constant is parsed once, at bind
//   number and String   a String constant is parsed as the number's type
// A constant that fits the other side's type exactly is converted to it, so
// the common `column op constant` runs one loop over the column's own type.

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

enum class CompareOp : uint8_t { kEquals, kNotEquals, kLess, kLessOrEquals, kGreater, kGreaterOrEquals };

std::string_view compareName(CompareOp op) {
  switch (op) {
    case CompareOp::kEquals:
      return "equals";
    case CompareOp::kNotEquals:
      return "notEquals";
    case CompareOp::kLess:
      return "less";
    case CompareOp::kLessOrEquals:
      return "lessOrEquals";
    case CompareOp::kGreater:
      return "greater";
    case CompareOp::kGreaterOrEquals:
      return "greaterOrEquals";
  }
  return "?";
}

/// Returns the operator that gives the same result with the operands swapped.
CompareOp mirror(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return CompareOp::kGreater;
    case CompareOp::kLessOrEquals:
      return CompareOp::kGreaterOrEquals;
    case CompareOp::kGreater:
      return CompareOp::kLess;
    case CompareOp::kGreaterOrEquals:
      return CompareOp::kLessOrEquals;
    default:
      return op;
  }
}

template <CompareOp Op, typename L, typename R>
inline bool compareValues(L x, R y) {
  if constexpr (std::is_integral_v<L> && std::is_integral_v<R>) {
    if constexpr (Op == CompareOp::kEquals) return std::cmp_equal(x, y);
    if constexpr (Op == CompareOp::kNotEquals) return std::cmp_not_equal(x, y);
    if constexpr (Op == CompareOp::kLess) return std::cmp_less(x, y);
    if constexpr (Op == CompareOp::kLessOrEquals) return std::cmp_less_equal(x, y);
    if constexpr (Op == CompareOp::kGreater) return std::cmp_greater(x, y);
    if constexpr (Op == CompareOp::kGreaterOrEquals) return std::cmp_greater_equal(x, y);
  } else {
    if constexpr (Op == CompareOp::kEquals) return x == y;
    if constexpr (Op == CompareOp::kNotEquals) return x != y;
    if constexpr (Op == CompareOp::kLess) return x < y;
    if constexpr (Op == CompareOp::kLessOrEquals) return x <= y;
    if constexpr (Op == CompareOp::kGreater) return x > y;
    if constexpr (Op == CompareOp::kGreaterOrEquals) return x >= y;
  }
  return false;
}

template <typename Fn>
void dispatchCompareOp(CompareOp op, Fn&& fn) {
  switch (op) {
    case CompareOp::kEquals:
      return fn.template operator()<CompareOp::kEquals>();
    case CompareOp::kNotEquals:
      return fn.template operator()<CompareOp::kNotEquals>();
    case CompareOp::kLess:
      return fn.template operator()<CompareOp::kLess>();
    case CompareOp::kLessOrEquals:
      return fn.template operator()<CompareOp::kLessOrEquals>();
    case CompareOp::kGreater:
      return fn.template operator()<CompareOp::kGreater>();
    case CompareOp::kGreaterOrEquals:
      return fn.template operator()<CompareOp::kGreaterOrEquals>();
  }
}

/// The preparation of one side before the loop: a conversion to `type`
/// (when it differs), or a constant already converted at bind time.
struct SidePlan {
  DataType type;
  std::optional<Value> constant;
};

ColumnPtr prepareSide(const ColumnPtr& column, const SidePlan& plan, size_t numRows, const SelectionVector* sel,
                      std::string_view function) {
  if (plan.constant && column->isConstant()) {
    return Column::makeConstant(plan.type.withNullable(plan.constant->isNull()), *plan.constant, numRows);
  }
  return castColumn(column, plan.type, numRows, sel, function);
}

class Comparison final : public ScalarFunction {
 public:
  Comparison(CompareOp op, DataType resultType, SidePlan left, SidePlan right)
      : ScalarFunction(std::string(compareName(op)), resultType), op_(op), left_(std::move(left)),
        right_(std::move(right)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr a = prepareSide(args[0], left_, numRows, sel, name());
    ColumnPtr b = prepareSide(args[1], right_, numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *a, numRows);
    mergeValidity(*out, *b, numRows);
    uint8_t* o = out->data<uint8_t>();

    TypeId left = a->type().id;
    TypeId right = b->type().id;
    if (left == TypeId::kString) {
      compareStrings(*a, *b, o, numRows, sel);
      return out;
    }
    if (left == right || (isTimestamp(left) && isTimestamp(right))) {
      dispatchPhysical(left, [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T>) {
          dispatchCompareOp(op_, [&]<CompareOp Op>() {
            binaryLoop<T, T>(*a, *b, o, numRows, sel, [](T x, T y) -> uint8_t { return compareValues<Op>(x, y); });
          });
        }
      });
      return out;
    }
    // Mixed signedness: Int64 against UInt64.
    if (left == TypeId::kInt64 && right == TypeId::kUInt64) {
      dispatchCompareOp(op_, [&]<CompareOp Op>() {
        binaryLoop<int64_t, uint64_t>(*a, *b, o, numRows, sel,
                                      [](int64_t x, uint64_t y) -> uint8_t { return compareValues<Op>(x, y); });
      });
      return out;
    }
    if (left == TypeId::kUInt64 && right == TypeId::kInt64) {
      dispatchCompareOp(op_, [&]<CompareOp Op>() {
        binaryLoop<uint64_t, int64_t>(*a, *b, o, numRows, sel,
                                      [](uint64_t x, int64_t y) -> uint8_t { return compareValues<Op>(x, y); });
      });
      return out;
    }
    throw QueryError(ErrorCode::kLogicalError,
                     fmt::format("{} prepared mismatched types {} and {}", name(), typeName(left), typeName(right)));
  }

 private:
  void compareStrings(const Column& a, const Column& b, uint8_t* o, size_t numRows, const SelectionVector* sel) const {
    if (b.isConstant()) {
      std::string_view c = b.data<std::string_view>()[0];
      dispatchCompareOp(op_, [&]<CompareOp Op>() {
        mapStrings<uint8_t>(a, o, numRows, sel, [c](std::string_view s) -> uint8_t { return compareValues<Op>(s, c); });
      });
      return;
    }
    if (a.isConstant()) {
      std::string_view c = a.data<std::string_view>()[0];
      dispatchCompareOp(mirror(op_), [&]<CompareOp Op>() {
        mapStrings<uint8_t>(b, o, numRows, sel, [c](std::string_view s) -> uint8_t { return compareValues<Op>(s, c); });
      });
      return;
    }
    // Codes of one dictionary name distinct strings, so equality is code equality.
    if (a.isDictionary() && b.isDictionary() && a.dictionaryPtr() == b.dictionaryPtr() &&
        (op_ == CompareOp::kEquals || op_ == CompareOp::kNotEquals)) {
      const uint32_t* x = a.codes();
      const uint32_t* y = b.codes();
      bool equals = op_ == CompareOp::kEquals;
      forEachRow(numRows, sel, [&](size_t i) { o[i] = (x[i] == y[i]) == equals; });
      return;
    }
    StringReader x(a);
    StringReader y(b);
    dispatchCompareOp(op_, [&]<CompareOp Op>() {
      forEachRow(numRows, sel, [&](size_t i) { o[i] = compareValues<Op>(x(i), y(i)); });
    });
  }

  CompareOp op_;
  SidePlan left_;
  SidePlan right_;
};

/// True when `value` of type `from` converts to `to` and back unchanged.
bool fitsExactly(const Value& value, DataType from, TypeId to) {
  if (value.isNull()) return true;
  try {
    Value there = castValue(value, from, DataType(to), "comparison");
    Value back = castValue(there, DataType(to), from, "comparison");
    return back.compare(value) == 0;
  } catch (const QueryError&) {
    return false;
  }
}

/// The 64-bit type integers of `id` are compared in.
TypeId wideInteger(TypeId id) { return isUnsignedInteger(id) || id == TypeId::kBool ? TypeId::kUInt64 : TypeId::kInt64; }

/// Parses a String constant compared with a `target` column, at bind time.
Value convertConstant(std::string_view function, const FunctionArgument& arg, DataType target) {
  try {
    return castValue(*arg.constant, arg.type, target, function);
  } catch (const QueryError& error) {
    std::string hint = isTemporal(target.id) ? temporalTextHint() : "";
    throw QueryError(error.code(), fmt::format("cannot compare {} with '{}' in {}: the string is not a valid {}{}",
                                               typeName(target.id), arg.constant->asString(), function,
                                               typeName(target.id), hint));
  }
}

std::unique_ptr<BoundScalarFunction> bindComparison(CompareOp op, const FunctionArgs& args) {
  std::string name(compareName(op));
  checkArgumentCount(name, args, 2, 2);
  if (hasNullLiteral(args)) return makeNullResult(name);
  DataType result(TypeId::kBool, anyNullable(args));
  DataType a = args[0].type;
  DataType b = args[1].type;
  SidePlan left{a, std::nullopt};
  SidePlan right{b, std::nullopt};
  auto sameAs = [](SidePlan& plan, TypeId id) { plan.type = DataType(id, plan.type.nullable); };

  auto illegal = [&]() -> std::unique_ptr<BoundScalarFunction> {
    throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                     fmt::format("illegal types {} and {} of arguments of function {}: they cannot be compared",
                                 a.toString(), b.toString(), name));
  };

  if (a.id == TypeId::kHllSketch || b.id == TypeId::kHllSketch) {
    throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                     fmt::format("illegal types {} and {} of arguments of function {}: sketches have no order or "
                                 "equality; compare their estimates with HLL_SKETCH_ESTIMATE(x)",
                                 a.toString(), b.toString(), name));
  }
  if (a.id == b.id) return std::make_unique<Comparison>(op, result, left, right);

  // A String constant against a temporal or numeric column: parse it once.
  for (int side = 0; side < 2; ++side) {
    const FunctionArgument& str = args[side];
    const FunctionArgument& other = args[1 - side];
    if (str.type.id != TypeId::kString || other.type.id == TypeId::kString) continue;
    SidePlan& strPlan = side == 0 ? left : right;
    SidePlan& otherPlan = side == 0 ? right : left;
    if (str.constant == nullptr) {
      if (!isTemporal(other.type.id)) return illegal();
      sameAs(strPlan, other.type.id);  // parsed per row
      return std::make_unique<Comparison>(op, result, left, right);
    }
    TypeId target = other.type.id;
    if (target == TypeId::kDate) {
      // A time of day other than midnight compares in milliseconds.
      Value ms = convertConstant(name, str, DataType(TypeId::kDateTime64));
      if (!ms.isNull() && ms.asInt64() % 86400000 != 0) {
        target = TypeId::kDateTime64;
        sameAs(otherPlan, target);
      }
    }
    // The text must parse as the other side's type; the error names the function.
    strPlan.constant = convertConstant(name, str, DataType(target));
    sameAs(strPlan, target);
    return std::make_unique<Comparison>(op, result, left, right);
  }

  if (isNumberLike(a.id) && isNumberLike(b.id)) {
    // column op constant: use the column's type when the constant fits it.
    for (int side = 0; side < 2; ++side) {
      const FunctionArgument& constant = args[side];
      const FunctionArgument& column = args[1 - side];
      if (constant.constant == nullptr) continue;
      if (fitsExactly(*constant.constant, constant.type, column.type.id)) {
        SidePlan& plan = side == 0 ? left : right;
        sameAs(plan, column.type.id);
        plan.constant = castValue(*constant.constant, constant.type, DataType(column.type.id), name);
        return std::make_unique<Comparison>(op, result, left, right);
      }
    }
    if (isFloat(a.id) || isFloat(b.id)) {
      sameAs(left, TypeId::kFloat64);
      sameAs(right, TypeId::kFloat64);
    } else {
      sameAs(left, wideInteger(a.id));
      sameAs(right, wideInteger(b.id));
    }
    return std::make_unique<Comparison>(op, result, left, right);
  }

  if (isTemporal(a.id) && isTemporal(b.id)) {
    if (isTimestamp(a.id) && isTimestamp(b.id)) return std::make_unique<Comparison>(op, result, left, right);
    sameAs(left, TypeId::kDateTime64);
    sameAs(right, TypeId::kDateTime64);
    return std::make_unique<Comparison>(op, result, left, right);
  }

  // Temporal against a number: the number is days or seconds.
  if ((isTemporal(a.id) && isNumberLike(b.id)) || (isNumberLike(a.id) && isTemporal(b.id))) {
    TypeId target = isTemporal(a.id) ? a.id : b.id;
    sameAs(left, target);
    sameAs(right, target);
    return std::make_unique<Comparison>(op, result, left, right);
  }
  return illegal();
}

// --- IN ----------------------------------------------------------------------------------------

/// The constant list of `x IN (...)` as a hash set in the value's domain.
struct InSet {
  absl::flat_hash_set<int64_t> signedValues;
  absl::flat_hash_set<uint64_t> unsignedValues;
  absl::flat_hash_set<double> floatValues;
  absl::flat_hash_set<std::string> stringValues;
  bool hasNull = false;
};

class InFunction final : public ScalarFunction {
 public:
  InFunction(std::string name, DataType resultType, bool negated, InSet set)
      : ScalarFunction(std::move(name), resultType), negated_(negated), set_(std::move(set)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& in = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, in, numRows);
    uint8_t* o = out->data<uint8_t>();
    uint8_t hit = negated_ ? 0 : 1;

    TypeId id = in.type().id;
    if (id == TypeId::kString) {
      const auto& values = set_.stringValues;
      mapStrings<uint8_t>(in, o, numRows, sel, [&](std::string_view s) -> uint8_t {
        return values.contains(absl::string_view(s.data(), s.size())) ? hit : 1 - hit;
      });
    } else {
      dispatchPhysical(id, [&]<typename T>() {
        if constexpr (std::is_floating_point_v<T>) {
          unaryLoop<T>(in, o, numRows, sel, [&](T v) -> uint8_t {
            return set_.floatValues.contains(static_cast<double>(v)) ? hit : 1 - hit;
          });
        } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
          unaryLoop<T>(in, o, numRows, sel, [&](T v) -> uint8_t {
            return set_.unsignedValues.contains(static_cast<uint64_t>(v)) ? hit : 1 - hit;
          });
        } else if constexpr (std::is_integral_v<T>) {
          unaryLoop<T>(in, o, numRows, sel, [&](T v) -> uint8_t {
            return set_.signedValues.contains(static_cast<int64_t>(v)) ? hit : 1 - hit;
          });
        }
      });
    }

    // SQL: a value not in a list that contains NULL compares as unknown.
    if (set_.hasNull) {
      forEachRow(numRows, sel, [&](size_t i) {
        if (o[i] != hit) out->setNull(i);
      });
    }
    return out;
  }

 private:
  bool negated_;
  InSet set_;
};

std::unique_ptr<BoundScalarFunction> bindIn(std::string name, bool negated, const FunctionArgs& args) {
  checkArgumentCount(name, args, 2, std::numeric_limits<size_t>::max());
  DataType type = args[0].type;
  if (type.id == TypeId::kNull) return makeNullResult(name);
  if (type.id == TypeId::kHllSketch) throwArgumentType(name, args, 0, "a value with equality, not an HLLSketch");
  InSet set;
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& element = requireConstant(name, args, i, "an element of the IN list");
    if (element.isNull() || args[i].type.id == TypeId::kNull) {
      set.hasNull = true;
      continue;
    }
    DataType elementType = args[i].type;
    if (type.id == TypeId::kString) {
      if (elementType.id != TypeId::kString) throwArgumentType(name, args, i, "a String like the tested value");
      set.stringValues.insert(element.asString());
      continue;
    }
    if (elementType.id == TypeId::kString && !isTemporal(type.id) && !isNumberLike(type.id)) {
      throwArgumentType(name, args, i, fmt::format("a value comparable with {}", type.toString()));
    }
    if (!isNumberLike(elementType.id) && !isTemporal(elementType.id) && elementType.id != TypeId::kString) {
      throwArgumentType(name, args, i, fmt::format("a value comparable with {}", type.toString()));
    }
    // Elements that do not fit the tested type exactly can never match.
    Value converted;
    if (elementType.id == TypeId::kString) {
      converted = convertConstant(name, args[i], DataType(type.id));
    } else if (fitsExactly(element, elementType, type.id)) {
      converted = castValue(element, elementType, DataType(type.id), name);
    } else {
      continue;
    }
    if (isFloat(type.id)) {
      set.floatValues.insert(converted.toDouble());
    } else if (std::holds_alternative<uint64_t>(converted.storage())) {
      set.unsignedValues.insert(converted.asUInt64());
    } else if (isUnsignedInteger(type.id) || type.id == TypeId::kBool) {
      set.unsignedValues.insert(static_cast<uint64_t>(converted.asInt64()));
    } else {
      set.signedValues.insert(converted.asInt64());
    }
  }
  DataType result(TypeId::kBool, type.nullable || set.hasNull);
  return std::make_unique<InFunction>(name, result, negated, std::move(set));
}

ScalarFunctionFactory comparisonFactory(CompareOp op) {
  return [op](const FunctionArgs& args) { return bindComparison(op, args); };
}

}  // namespace

void registerComparisonFunctions(FunctionRegistry& registry) {
  registry.add("equals", comparisonFactory(CompareOp::kEquals));
  registry.add("notEquals", comparisonFactory(CompareOp::kNotEquals));
  registry.add("less", comparisonFactory(CompareOp::kLess));
  registry.add("lessOrEquals", comparisonFactory(CompareOp::kLessOrEquals));
  registry.add("greater", comparisonFactory(CompareOp::kGreater));
  registry.add("greaterOrEquals", comparisonFactory(CompareOp::kGreaterOrEquals));
  registry.add("in", [](const FunctionArgs& args) { return bindIn("in", false, args); });
  registry.add("notIn", [](const FunctionArgs& args) { return bindIn("notIn", true, args); });
}

}  // namespace furl::query
