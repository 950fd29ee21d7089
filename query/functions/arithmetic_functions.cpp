// Arithmetic and math functions.
//
// Result types (a simplification of ClickHouse's rules):
//   plus, multiply, intDiv, modulo  integer op integer -> UInt64 when both
//                                   are unsigned (Bool counts as UInt8),
//                                   else Int64
//   minus                           integer - integer -> Int64 (ClickHouse
//                                   also makes unsigned differences signed)
//   any float operand               Float64 (intDiv: Int64)
//   divide                          always Float64; x / 0 is inf or nan
//   Date +- integer                 Date (days); DateTime(64) +- integer adds
//                                   seconds and keeps the type
//   Date - Date                     Int64 days; DateTime - DateTime Int64
//                                   seconds; with a DateTime64, milliseconds
// Integer plus, minus, multiply, negate and abs throw kDecimalOverflow
// instead of wrapping (ClickHouse wraps); intDiv and modulo by zero throw
// kIllegalDivision.

#include <cmath>
#include <random>
#include <type_traits>

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

enum class ArithmeticOp : uint8_t { kPlus, kMinus, kMultiply, kDivide, kIntDiv, kModulo };

std::string_view opName(ArithmeticOp op) {
  switch (op) {
    case ArithmeticOp::kPlus:
      return "plus";
    case ArithmeticOp::kMinus:
      return "minus";
    case ArithmeticOp::kMultiply:
      return "multiply";
    case ArithmeticOp::kDivide:
      return "divide";
    case ArithmeticOp::kIntDiv:
      return "intDiv";
    case ArithmeticOp::kModulo:
      return "modulo";
  }
  return "?";
}

bool isUnsignedLike(TypeId id) { return isUnsignedInteger(id) || id == TypeId::kBool; }

TypeId numericResultType(ArithmeticOp op, TypeId a, TypeId b) {
  if (op == ArithmeticOp::kDivide) return TypeId::kFloat64;
  if (isFloat(a) || isFloat(b)) return op == ArithmeticOp::kIntDiv ? TypeId::kInt64 : TypeId::kFloat64;
  if (op != ArithmeticOp::kMinus && isUnsignedLike(a) && isUnsignedLike(b)) return TypeId::kUInt64;
  return TypeId::kInt64;
}

/// The error, if any, at one row of an integer operation.
enum class RowError : uint8_t { kNone, kOverflow, kDivisionByZero };

/// The physical result type of Op on physical operand types L and R; it
/// matches numericResultType() for the logical types.
template <ArithmeticOp Op, typename L, typename R>
using ResultOf = std::conditional_t<
    Op == ArithmeticOp::kDivide, double,
    std::conditional_t<std::is_floating_point_v<L> || std::is_floating_point_v<R>,
                       std::conditional_t<Op == ArithmeticOp::kIntDiv, int64_t, double>,
                       std::conditional_t<Op != ArithmeticOp::kMinus && std::is_unsigned_v<L> && std::is_unsigned_v<R>,
                                          uint64_t, int64_t>>>;

/// One row of an operation on values already in their physical types.
/// Returns the error instead of throwing so the batch loop stays simple.
template <ArithmeticOp Op, typename Out, typename L, typename R>
inline RowError applyOp(L x, R y, Out& r) {
  if constexpr (std::is_floating_point_v<Out>) {
    double a = static_cast<double>(x);
    double b = static_cast<double>(y);
    if constexpr (Op == ArithmeticOp::kPlus) {
      r = a + b;
    } else if constexpr (Op == ArithmeticOp::kMinus) {
      r = a - b;
    } else if constexpr (Op == ArithmeticOp::kMultiply) {
      r = a * b;
    } else if constexpr (Op == ArithmeticOp::kDivide) {
      r = a / b;
    } else {
      r = std::fmod(a, b);
    }
    return RowError::kNone;
  } else if constexpr (std::is_floating_point_v<L> || std::is_floating_point_v<R>) {
    // intDiv with a float operand: truncated quotient as Int64.
    double b = static_cast<double>(y);
    if (b == 0) {
      r = 0;
      return RowError::kDivisionByZero;
    }
    double q = std::trunc(static_cast<double>(x) / b);
    if (!(q >= -9223372036854775808.0 && q < 9223372036854775808.0)) {
      r = 0;
      return RowError::kOverflow;
    }
    r = static_cast<Out>(q);
    return RowError::kNone;
  } else if constexpr (Op == ArithmeticOp::kPlus) {
    return __builtin_add_overflow(x, y, &r) ? RowError::kOverflow : RowError::kNone;
  } else if constexpr (Op == ArithmeticOp::kMinus) {
    return __builtin_sub_overflow(x, y, &r) ? RowError::kOverflow : RowError::kNone;
  } else if constexpr (Op == ArithmeticOp::kMultiply) {
    return __builtin_mul_overflow(x, y, &r) ? RowError::kOverflow : RowError::kNone;
  } else {
    // intDiv and modulo. Mixed signedness computes in Int64, where a UInt64
    // above 2^63 - 1 does not fit.
    Out a;
    Out b;
    bool overflow = __builtin_add_overflow(x, 0, &a) | __builtin_add_overflow(y, 0, &b);
    if (y == 0) {
      r = 0;
      return RowError::kDivisionByZero;
    }
    if (overflow) {
      r = 0;
      return RowError::kOverflow;
    }
    if constexpr (std::is_signed_v<Out>) {
      if (b == -1) {
        if constexpr (Op == ArithmeticOp::kModulo) {
          r = 0;
          return RowError::kNone;
        } else {
          return __builtin_sub_overflow(Out{0}, a, &r) ? RowError::kOverflow : RowError::kNone;
        }
      }
    }
    r = Op == ArithmeticOp::kIntDiv ? a / b : a % b;
    return RowError::kNone;
  }
}

[[noreturn]] void throwRowError(std::string_view function, RowError error, const Column& a, const Column& b,
                                size_t row) {
  std::string left = a.getValue(a.isConstant() ? 0 : row).toString();
  std::string right = b.getValue(b.isConstant() ? 0 : row).toString();
  if (error == RowError::kDivisionByZero) {
    throw QueryError(ErrorCode::kIllegalDivision,
                     fmt::format("division by zero in {}({}, {})", function, left, right));
  }
  throw QueryError(ErrorCode::kDecimalOverflow,
                   fmt::format("integer overflow in {}({}, {}); cast an argument to Float64 to allow "
                               "larger results",
                               function, left, right));
}

class BinaryArithmetic final : public ScalarFunction {
 public:
  BinaryArithmetic(ArithmeticOp op, DataType resultType)
      : ScalarFunction(std::string(opName(op)), resultType), op_(op) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& a = *args[0];
    const Column& b = *args[1];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, a, numRows);
    mergeValidity(*out, b, numRows);

    dispatchPhysical(a.type().id, [&]<typename L>() {
      dispatchPhysical(b.type().id, [&]<typename R>() {
        if constexpr (std::is_arithmetic_v<L> && std::is_arithmetic_v<R>) {
          switch (op_) {
            case ArithmeticOp::kPlus:
              return run<ArithmeticOp::kPlus, L, R>(a, b, *out, numRows, sel);
            case ArithmeticOp::kMinus:
              return run<ArithmeticOp::kMinus, L, R>(a, b, *out, numRows, sel);
            case ArithmeticOp::kMultiply:
              return run<ArithmeticOp::kMultiply, L, R>(a, b, *out, numRows, sel);
            case ArithmeticOp::kDivide:
              return run<ArithmeticOp::kDivide, L, R>(a, b, *out, numRows, sel);
            case ArithmeticOp::kIntDiv:
              return run<ArithmeticOp::kIntDiv, L, R>(a, b, *out, numRows, sel);
            case ArithmeticOp::kModulo:
              return run<ArithmeticOp::kModulo, L, R>(a, b, *out, numRows, sel);
          }
        }
      });
    });
    return out;
  }

 private:
  template <ArithmeticOp Op, typename L, typename R>
  void run(const Column& a, const Column& b, Column& out, size_t numRows, const SelectionVector* sel) const {
    using Out = ResultOf<Op, L, R>;
    Out* o = out.data<Out>();
    uint8_t failed = 0;
    binaryLoop<L, R>(a, b, o, numRows, sel, [&](L x, R y) {
      Out r;
      failed |= static_cast<uint8_t>(applyOp<Op, Out>(x, y, r));
      return r;
    });
    if (failed == 0) return;

    // Placeholder values at NULL rows may fail; only valid rows count.
    const L* av = a.data<L>();
    const R* bv = b.data<R>();
    RowError error = RowError::kNone;
    size_t row = findFirstValid(out, numRows, sel, [&](size_t i) {
      Out r;
      error = applyOp<Op, Out>(av[a.isConstant() ? 0 : i], bv[b.isConstant() ? 0 : i], r);
      return error != RowError::kNone;
    });
    if (row != kNoRow) throwRowError(name(), error, a, b, row);
  }

  ArithmeticOp op_;
};

/// Date and DateTime arithmetic, on raw days or milliseconds widened to Int64.
class TemporalArithmetic final : public ScalarFunction {
 public:
  enum class Mode : uint8_t {
    kShiftDays,       // Date +- n days
    kShiftSeconds,    // DateTime(64) +- n seconds
    kDiffDays,        // Date - Date
    kDiffSeconds,     // DateTime - DateTime
    kDiffMillis,      // with a DateTime64
  };

  TemporalArithmetic(std::string name, DataType resultType, Mode mode, bool negate)
      : ScalarFunction(std::move(name), resultType), mode_(mode), negate_(negate) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr a = raw(args[0], numRows, sel);
    ColumnPtr b = raw(args[1], numRows, sel);
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *a, numRows);
    mergeValidity(*out, *b, numRows);

    std::vector<int64_t> result(numRows);
    uint8_t failed = 0;
    Mode mode = mode_;
    bool negate = negate_;
    binaryLoop<int64_t, int64_t>(*a, *b, result.data(), numRows, sel, [&](int64_t x, int64_t y) {
      int64_t r = 0;
      bool overflow = false;
      switch (mode) {
        case Mode::kShiftDays:
          overflow = negate ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r);
          overflow |= r < INT32_MIN || r > INT32_MAX;
          break;
        case Mode::kShiftSeconds: {
          int64_t ms = 0;
          overflow = __builtin_mul_overflow(y, int64_t{1000}, &ms);
          overflow |= negate ? __builtin_sub_overflow(x, ms, &r) : __builtin_add_overflow(x, ms, &r);
          break;
        }
        case Mode::kDiffDays:
        case Mode::kDiffMillis:
          overflow = __builtin_sub_overflow(x, y, &r);
          break;
        case Mode::kDiffSeconds:
          overflow = __builtin_sub_overflow(x, y, &r);
          r = floorDiv(r, 1000);
          break;
      }
      failed |= overflow ? 1 : 0;
      return r;
    });
    if (failed != 0) {
      size_t row = findFirstValid(*out, numRows, sel, [&](size_t i) {
        int64_t r = result[i];
        return resultType().id == TypeId::kDate && (r < INT32_MIN || r > INT32_MAX);
      });
      // Any flagged valid row: report the first valid one.
      if (row == kNoRow) row = findFirstValid(*out, numRows, sel, [](size_t) { return true; });
      if (row != kNoRow) {
        throw QueryError(ErrorCode::kDecimalOverflow,
                         fmt::format("date arithmetic overflow in {}({}, {})", name(),
                                     args[0]->getValue(args[0]->isConstant() ? 0 : row).toString(),
                                     args[1]->getValue(args[1]->isConstant() ? 0 : row).toString()));
      }
    }

    if (resultType().id == TypeId::kDate) {
      int32_t* o = out->data<int32_t>();
      forEachRow(numRows, sel, [&](size_t i) { o[i] = static_cast<int32_t>(result[i]); });
    } else {
      int64_t* o = out->data<int64_t>();
      forEachRow(numRows, sel, [&](size_t i) { o[i] = result[i]; });
    }
    return out;
  }

 private:
  /// Timestamps as their milliseconds; Date and integers widened to Int64.
  static ColumnPtr raw(const ColumnPtr& column, size_t numRows, const SelectionVector* sel) {
    if (isTimestamp(column->type().id) || column->type().id == TypeId::kInt64) return column;
    return castColumn(column, DataType(TypeId::kInt64), numRows, sel, "date arithmetic");
  }

  Mode mode_;
  bool negate_;
};

std::unique_ptr<BoundScalarFunction> bindTemporalArithmetic(ArithmeticOp op, const FunctionArgs& args) {
  std::string_view name = opName(op);
  TypeId a = args[0].type.id;
  TypeId b = args[1].type.id;
  bool nullable = anyNullable(args);
  using Mode = TemporalArithmetic::Mode;
  auto integerLike = [](TypeId id) { return isInteger(id) || id == TypeId::kBool; };

  if (op == ArithmeticOp::kPlus || op == ArithmeticOp::kMinus) {
    bool negate = op == ArithmeticOp::kMinus;
    if (isTemporal(a) && integerLike(b)) {
      Mode mode = a == TypeId::kDate ? Mode::kShiftDays : Mode::kShiftSeconds;
      return std::make_unique<TemporalArithmetic>(std::string(name), DataType(a, nullable), mode, negate);
    }
    if (!negate && integerLike(a) && isTemporal(b)) {
      // n + t: swap by binding t + n; argument order matters only for messages.
      Mode mode = b == TypeId::kDate ? Mode::kShiftDays : Mode::kShiftSeconds;
      struct Swapped final : public ScalarFunction {
        Swapped(std::string n, DataType t, Mode m) : ScalarFunction(std::move(n), t), inner(name(), t, m, false) {}
        ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
          return inner.execute({args[1], args[0]}, numRows, sel);
        }
        TemporalArithmetic inner;
      };
      return std::make_unique<Swapped>(std::string(name), DataType(b, nullable), mode);
    }
    if (negate && isTemporal(a) && isTemporal(b)) {
      if (a == TypeId::kDate && b == TypeId::kDate) {
        return std::make_unique<TemporalArithmetic>(std::string(name), DataType(TypeId::kInt64, nullable),
                                                    Mode::kDiffDays, true);
      }
      if (a == TypeId::kDate || b == TypeId::kDate) return nullptr;
      Mode mode = (a == TypeId::kDateTime64 || b == TypeId::kDateTime64) ? Mode::kDiffMillis : Mode::kDiffSeconds;
      return std::make_unique<TemporalArithmetic>(std::string(name), DataType(TypeId::kInt64, nullable), mode, true);
    }
  }
  return nullptr;
}

ScalarFunctionFactory binaryArithmeticFactory(ArithmeticOp op) {
  return [op](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    std::string_view name = opName(op);
    checkArgumentCount(name, args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult(std::string(name));
    TypeId a = args[0].type.id;
    TypeId b = args[1].type.id;
    if (isTemporal(a) || isTemporal(b)) {
      if (auto bound = bindTemporalArithmetic(op, args)) return bound;
      throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                       fmt::format("illegal types {} and {} of arguments of function {}", args[0].type.toString(),
                                   args[1].type.toString(), name));
    }
    for (size_t i = 0; i < 2; ++i) {
      if (!isNumberLike(args[i].type.id)) throwArgumentType(name, args, i, "a number");
    }
    DataType result(numericResultType(op, a, b), anyNullable(args));
    return std::make_unique<BinaryArithmetic>(op, result);
  };
}

// --- unary math ---------------------------------------------------------------------

/// Calls fn.template operator()<T>() for the Int64, UInt64 or Float64 result.
template <typename Fn>
void dispatchResult(TypeId id, Fn&& fn) {
  switch (id) {
    case TypeId::kInt64:
      return fn.template operator()<int64_t>();
    case TypeId::kUInt64:
      return fn.template operator()<uint64_t>();
    default:
      return fn.template operator()<double>();
  }
}

enum class UnaryOp : uint8_t { kNegate, kAbs, kSqrt, kExp, kLog, kLog2, kLog10, kSin, kCos };

class UnaryMath final : public ScalarFunction {
 public:
  UnaryMath(std::string name, DataType resultType, UnaryOp op) : ScalarFunction(std::move(name), resultType), op_(op) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& a = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, a, numRows);
    UnaryOp op = op_;
    dispatchPhysical(a.type().id, [&]<typename In>() {
      dispatchResult(resultType().id, [&]<typename Out>() {
        if constexpr (std::is_arithmetic_v<In>) {
          Out* o = out->data<Out>();
          if constexpr (std::is_floating_point_v<Out>) {
            unaryLoop<In>(a, o, numRows, sel, [op](In v) -> Out {
              double x = static_cast<double>(v);
              switch (op) {
                case UnaryOp::kNegate:
                  return -x;
                case UnaryOp::kAbs:
                  return std::fabs(x);
                case UnaryOp::kSqrt:
                  return std::sqrt(x);
                case UnaryOp::kExp:
                  return std::exp(x);
                case UnaryOp::kLog:
                  return std::log(x);
                case UnaryOp::kLog2:
                  return std::log2(x);
                case UnaryOp::kLog10:
                  return std::log10(x);
                case UnaryOp::kSin:
                  return std::sin(x);
                case UnaryOp::kCos:
                  return std::cos(x);
              }
              return x;
            });
          } else if constexpr (!std::is_floating_point_v<In>) {
            // Integer negate and abs, checked.
            uint8_t failed = 0;
            unaryLoop<In>(a, o, numRows, sel, [&](In v) -> Out {
              Out r = 0;
              if (op == UnaryOp::kNegate) {
                failed |= __builtin_sub_overflow(Out{0}, v, &r) ? 1 : 0;
              } else if (v < 0) {
                failed |= __builtin_sub_overflow(Out{0}, v, &r) ? 1 : 0;
              } else {
                failed |= __builtin_add_overflow(v, Out{0}, &r) ? 1 : 0;
              }
              return r;
            });
            if (failed != 0) {
              const In* av = a.data<In>();
              size_t row = findFirstValid(*out, numRows, sel, [&](size_t i) {
                In v = av[a.isConstant() ? 0 : i];
                Out r;
                return op == UnaryOp::kNegate || v < 0 ? __builtin_sub_overflow(Out{0}, v, &r)
                                                       : __builtin_add_overflow(v, Out{0}, &r);
              });
              if (row != kNoRow) {
                throw QueryError(ErrorCode::kDecimalOverflow,
                                 fmt::format("integer overflow in {}({})", name(),
                                             a.getValue(a.isConstant() ? 0 : row).toString()));
              }
            }
          }
        }
      });
    });
    return out;
  }

 private:
  UnaryOp op_;
};

ScalarFunctionFactory unaryMathFactory(std::string name, UnaryOp op) {
  return [name, op](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 1);
    if (hasNullLiteral(args)) return makeNullResult(name);
    TypeId a = args[0].type.id;
    if (!isNumberLike(a)) throwArgumentType(name, args, 0, "a number");
    TypeId result = TypeId::kFloat64;
    if (!isFloat(a)) {
      if (op == UnaryOp::kNegate) result = TypeId::kInt64;
      if (op == UnaryOp::kAbs) result = isUnsignedLike(a) ? TypeId::kUInt64 : TypeId::kInt64;
    }
    return std::make_unique<UnaryMath>(name, DataType(result, args[0].type.nullable), op);
  };
}

// --- pow ---------------------------------------------------------------------------------

class Power final : public ScalarFunction {
 public:
  explicit Power(DataType resultType) : ScalarFunction("pow", resultType) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr a = castColumn(args[0], DataType(TypeId::kFloat64), numRows, sel, name());
    ColumnPtr b = castColumn(args[1], DataType(TypeId::kFloat64), numRows, sel, name());
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *a, numRows);
    mergeValidity(*out, *b, numRows);
    binaryLoop<double, double>(*a, *b, out->data<double>(), numRows, sel,
                               [](double x, double y) { return std::pow(x, y); });
    return out;
  }
};

// --- round, floor, ceil ----------------------------------------------------------------

enum class RoundMode : uint8_t { kRound, kFloor, kCeil, kTrunc };

/// Rounds floats at 10^-digits (banker's rounding for kRound, as ClickHouse
/// does for floats) and integers at 10^-digits when digits < 0 (half away
/// from zero). Float results are Float64; integers keep their type.
class RoundFunction final : public ScalarFunction {
 public:
  RoundFunction(std::string name, DataType resultType, RoundMode mode, int64_t digits)
      : ScalarFunction(std::move(name), resultType), mode_(mode), digits_(digits) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& a = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, a, numRows);
    RoundMode mode = mode_;
    dispatchPhysical(a.type().id, [&]<typename In>() {
      if constexpr (std::is_floating_point_v<In>) {
        double scale = std::pow(10.0, static_cast<double>(std::llabs(digits_)));
        bool negative = digits_ < 0;
        unaryLoop<In>(a, out->data<double>(), numRows, sel, [=](In v) {
          double x = static_cast<double>(v);
          double scaled = negative ? x / scale : x * scale;
          double r = mode == RoundMode::kRound   ? std::nearbyint(scaled)
                     : mode == RoundMode::kFloor ? std::floor(scaled)
                     : mode == RoundMode::kCeil  ? std::ceil(scaled)
                                                 : std::trunc(scaled);
          return negative ? r * scale : r / scale;
        });
      } else if constexpr (std::is_integral_v<In>) {
        In* o = out->data<In>();
        if (digits_ >= 0) {
          unaryLoop<In>(a, o, numRows, sel, [](In v) { return v; });
          return;
        }
        __int128 step = 1;
        for (int64_t i = 0; i < -digits_ && step < (static_cast<__int128>(1) << 64); ++i) step *= 10;
        unaryLoop<In>(a, o, numRows, sel, [=](In v) {
          __int128 x = v;
          __int128 down = x / step * step;
          if (down > x) down -= step;  // floor for negatives
          __int128 r = down;
          switch (mode) {
            case RoundMode::kFloor:
              break;
            case RoundMode::kCeil:
              r = down == x ? x : down + step;
              break;
            case RoundMode::kTrunc:
              r = x / step * step;
              break;
            case RoundMode::kRound: {
              __int128 rest = x - down;
              bool up = x >= 0 ? rest * 2 >= step : rest * 2 > step;
              r = up ? down + step : down;
              break;
            }
          }
          return static_cast<In>(r);
        });
      }
    });
    return out;
  }

 private:
  RoundMode mode_;
  int64_t digits_;
};

ScalarFunctionFactory roundFactory(std::string name, RoundMode mode) {
  return [name, mode](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 2);
    if (hasNullLiteral(args)) return makeNullResult(name);
    TypeId a = args[0].type.id;
    if (!isNumberLike(a)) throwArgumentType(name, args, 0, "a number");
    int64_t digits = args.size() == 2 ? requireConstantInteger(name, args, 1, "the number of decimal places") : 0;
    if (digits < -30 || digits > 30) {
      throw QueryError(ErrorCode::kArgumentOutOfBound,
                       fmt::format("number of decimal places {} in {} is out of range -30..30", digits, name));
    }
    TypeId result = isFloat(a) ? TypeId::kFloat64 : (a == TypeId::kBool ? TypeId::kUInt8 : a);
    return std::make_unique<RoundFunction>(name, DataType(result, args[0].type.nullable), mode, digits);
  };
}

// --- greatest, least ---------------------------------------------------------------------

class Extremum final : public ScalarFunction {
 public:
  Extremum(std::string name, DataType resultType, bool greatest)
      : ScalarFunction(std::move(name), resultType), greatest_(greatest) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    std::vector<ColumnPtr> converted;
    for (const ColumnPtr& arg : args) {
      converted.push_back(castColumn(arg, resultType(), numRows, sel, name()));
      mergeValidity(*out, *converted.back(), numRows);
    }
    bool greatest = greatest_;
    dispatchPhysical(resultType().id, [&]<typename T>() {
      T* o = out->data<T>();
      if constexpr (std::is_same_v<T, std::string_view>) {
        StringReader first(*converted[0]);
        forEachRow(numRows, sel, [&](size_t i) { o[i] = first(i); });
        for (size_t k = 1; k < converted.size(); ++k) {
          StringReader next(*converted[k]);
          forEachRow(numRows, sel, [&](size_t i) {
            std::string_view v = next(i);
            if (greatest ? v > o[i] : v < o[i]) o[i] = v;
          });
        }
        for (const ColumnPtr& c : converted) keepStringsAlive(*out, c);
      } else {
        unaryLoop<T>(*converted[0], o, numRows, sel, [](T v) { return v; });
        for (size_t k = 1; k < converted.size(); ++k) {
          const Column& next = *converted[k];
          if (greatest) {
            binaryLoop<T, T>(*out, next, o, numRows, sel, [](T x, T y) { return y > x ? y : x; });
          } else {
            binaryLoop<T, T>(*out, next, o, numRows, sel, [](T x, T y) { return y < x ? y : x; });
          }
        }
      }
    });
    return out;
  }

 private:
  bool greatest_;
};

ScalarFunctionFactory extremumFactory(std::string name, bool greatest) {
  return [name, greatest](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, std::numeric_limits<size_t>::max());
    if (hasNullLiteral(args)) return makeNullResult(name);
    TypeId common = args[0].type.id;
    for (size_t i = 1; i < args.size(); ++i) {
      std::optional<TypeId> next = commonSupertype(common, args[i].type.id);
      if (!next) throwArgumentType(name, args, i, fmt::format("a type comparable with {}", typeName(common)));
      common = *next;
    }
    return std::make_unique<Extremum>(name, DataType(common, anyNullable(args)), greatest);
  };
}

// --- rand ------------------------------------------------------------------------------------

class RandomFunction final : public ScalarFunction {
 public:
  explicit RandomFunction(DataType type) : ScalarFunction("rand", type, /*deterministic=*/false) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>&, size_t numRows, const SelectionVector* sel) const override {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    if (resultType().id == TypeId::kUInt32) {
      uint32_t* o = out->data<uint32_t>();
      forEachRow(numRows, sel, [&](size_t i) { o[i] = static_cast<uint32_t>(generator()); });
    } else {
      uint64_t* o = out->data<uint64_t>();
      forEachRow(numRows, sel, [&](size_t i) { o[i] = generator(); });
    }
    return out;
  }
};

}  // namespace

void registerArithmeticFunctions(FunctionRegistry& registry) {
  registry.add("plus", binaryArithmeticFactory(ArithmeticOp::kPlus));
  registry.add("minus", binaryArithmeticFactory(ArithmeticOp::kMinus));
  registry.add("multiply", binaryArithmeticFactory(ArithmeticOp::kMultiply));
  registry.add("divide", binaryArithmeticFactory(ArithmeticOp::kDivide));
  registry.add("intDiv", binaryArithmeticFactory(ArithmeticOp::kIntDiv));
  registry.add("modulo", binaryArithmeticFactory(ArithmeticOp::kModulo));
  registry.addAlias("div", "intDiv");
  registry.addAlias("mod", "modulo");

  registry.add("negate", unaryMathFactory("negate", UnaryOp::kNegate));
  registry.add("abs", unaryMathFactory("abs", UnaryOp::kAbs));
  registry.add("sqrt", unaryMathFactory("sqrt", UnaryOp::kSqrt));
  registry.add("exp", unaryMathFactory("exp", UnaryOp::kExp));
  registry.add("log", unaryMathFactory("log", UnaryOp::kLog));
  registry.addAlias("ln", "log");
  registry.add("log2", unaryMathFactory("log2", UnaryOp::kLog2));
  registry.add("log10", unaryMathFactory("log10", UnaryOp::kLog10));
  registry.add("sin", unaryMathFactory("sin", UnaryOp::kSin));
  registry.add("cos", unaryMathFactory("cos", UnaryOp::kCos));

  registry.add("pow", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("pow", args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult("pow");
    for (size_t i = 0; i < 2; ++i) {
      if (!isNumberLike(args[i].type.id)) throwArgumentType("pow", args, i, "a number");
    }
    return std::make_unique<Power>(DataType(TypeId::kFloat64, anyNullable(args)));
  });
  registry.addAlias("power", "pow");

  registry.add("round", roundFactory("round", RoundMode::kRound));
  registry.add("floor", roundFactory("floor", RoundMode::kFloor));
  registry.add("ceil", roundFactory("ceil", RoundMode::kCeil));
  registry.addAlias("ceiling", "ceil");
  registry.add("trunc", roundFactory("trunc", RoundMode::kTrunc));
  registry.addAlias("truncate", "trunc");

  registry.add("greatest", extremumFactory("greatest", true));
  registry.add("least", extremumFactory("least", false));

  registry.add("rand", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    // Arguments are ignored; ClickHouse accepts them to tell calls apart.
    return std::make_unique<RandomFunction>(DataType(TypeId::kUInt32));
  });
  registry.add("rand64", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    return std::make_unique<RandomFunction>(DataType(TypeId::kUInt64));
  });
}

}  // namespace furl::query
