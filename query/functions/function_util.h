#pragma once

// Building blocks shared by the scalar function families: argument checks
// that throw QueryError naming the function, a base class that folds calls
// whose arguments are all constant, validity merging, and typed loops over
// flat, constant and dictionary-encoded columns.
//
// Every loop here runs over the live rows only (forEachRow with the
// selection vector) and is chosen once per batch. The per-row bodies are
// inlined lambdas, never virtual calls.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/error.h"
#include "common/types.h"
#include "common/value.h"
#include "query/function.h"

namespace furl::query {

using FunctionArgs = std::vector<FunctionArgument>;

/// Marks a row index that is not set, for "first failing row" results.
inline constexpr size_t kNoRow = std::numeric_limits<size_t>::max();

// --- argument checks (bind time) ---------------------------------------------

/// Throws kNumberOfArgumentsDoesntMatch unless min <= args.size() <= max.
void checkArgumentCount(std::string_view function, const FunctionArgs& args, size_t min, size_t max);
/// Throws kIllegalTypeOfArgument for argument `index` (0-based; printed
/// 1-based) with the expected kind of type in the message.
[[noreturn]] void throwArgumentType(std::string_view function, const FunctionArgs& args, size_t index,
                                    std::string_view expected);
/// The constant value of argument `index`; throws kIllegalColumn when the
/// argument is not a constant (a regex, a format string, a unit name).
const Value& requireConstant(std::string_view function, const FunctionArgs& args, size_t index,
                             std::string_view what);
/// The constant string of argument `index`; throws unless it is a String constant.
const std::string& requireConstantString(std::string_view function, const FunctionArgs& args,
                                         size_t index, std::string_view what);
/// The constant integer of argument `index`, any integer type.
int64_t requireConstantInteger(std::string_view function, const FunctionArgs& args, size_t index,
                               std::string_view what);

/// ASCII case-insensitive equality (absl's takes absl::string_view, which
/// is not std::string_view in Debian's build).
bool equalsIgnoreCase(std::string_view a, std::string_view b);
std::string toLowerAscii(std::string_view s);

bool hasNullLiteral(const FunctionArgs& args);
bool anyNullable(const FunctionArgs& args);
/// Integers, floats and bool (which counts as UInt8 in arithmetic).
bool isNumberLike(TypeId id);

/// The smallest type that contains values of both `a` and `b` (ClickHouse's
/// least supertype, simplified): integers widen and a signed/unsigned mix
/// becomes a signed type twice as wide (Int64 at most, so UInt64 with a
/// signed type gives Int64 and may lose values above 2^63); any float gives
/// Float64 unless both are Float32; Date with DateTime gives DateTime;
/// DateTime with DateTime64 gives DateTime64; kNull yields the other type.
/// Returns nullopt when the types have no common type (String and Int64).
std::optional<TypeId> commonSupertype(TypeId a, TypeId b);

// --- the base class ------------------------------------------------------------

/// A bound function that computes batches with compute(). When every
/// argument column is constant, execute() calls compute() on one row and
/// returns a constant column, so constant subexpressions cost one row.
class ScalarFunction : public BoundScalarFunction {
 public:
  ScalarFunction(std::string name, DataType resultType, bool deterministic = true)
      : name_(std::move(name)), resultType_(resultType), deterministic_(deterministic) {}

  DataType resultType() const override { return resultType_; }
  ColumnPtr execute(const std::vector<ColumnPtr>& args, size_t numRows,
                    const SelectionVector* sel) const final;

 protected:
  /// Computes the live rows. Must read only `numRows` rows of each argument
  /// (fewer than args[i]->size() on the constant path).
  virtual ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows,
                            const SelectionVector* sel) const = 0;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  DataType resultType_;
  bool deterministic_;
};

/// A function whose value is one NULL: ordinary functions called with a
/// bare NULL literal. Its type is Nullable(Nothing), as in ClickHouse.
std::unique_ptr<BoundScalarFunction> makeNullResult(std::string name);

/// A constant result known at bind time (now(), today()).
std::unique_ptr<BoundScalarFunction> makeConstantResult(std::string name, DataType type, Value value);

/// Wraps a 1-row flat column into a constant column of numRows rows.
ColumnPtr toConstant(const Column& oneRow, size_t numRows);

// --- validity --------------------------------------------------------------------

/// ANDs the validity of `input` into `out` (flat, numRows rows). A constant
/// NULL input makes every row NULL.
void mergeValidity(Column& out, const Column& input, size_t numRows);
/// Copies the validity of `input` (any encoding) into a fresh flat `out`.
inline void copyValidity(Column& out, const Column& input, size_t numRows) {
  mergeValidity(out, input, numRows);
}
/// Marks every row of `out` NULL.
void setAllNull(Column& out, size_t numRows);

// --- string access -------------------------------------------------------------------

/// Reads the strings of a column of any encoding. Cheap to copy; valid while
/// the column lives.
struct StringReader {
  const std::string_view* values = nullptr;  // flat values, dictionary values or the constant
  const uint32_t* codes = nullptr;           // set for dictionary columns
  bool constant = false;

  StringReader() = default;
  explicit StringReader(const Column& column);
  std::string_view operator()(size_t row) const {
    if (codes != nullptr) return values[codes[row]];
    return constant ? values[0] : values[row];
  }
};

/// True when computing a string function once per dictionary entry is
/// cheaper than once per live row.
inline bool preferPerEntry(const Column& column, size_t numRows, const SelectionVector* sel) {
  size_t live = sel ? sel->size() : numRows;
  return column.isDictionary() && !column.dictionary().values.empty() &&
         column.dictionary().values.size() <= live;
}

/// Sets out[row] = fn(string) for every live row of a string column. For a
/// dictionary column fn runs once per dictionary entry (when that is cheaper)
/// and the results are mapped through the codes.
template <typename Out, typename Fn>
void mapStrings(const Column& in, Out* out, size_t numRows, const SelectionVector* sel, Fn&& fn) {
  if (in.isDictionary()) {
    const std::vector<std::string_view>& dict = in.dictionary().values;
    const uint32_t* codes = in.codes();
    if (dict.empty()) return;  // every row is NULL
    if (preferPerEntry(in, numRows, sel)) {
      std::vector<Out> perEntry(dict.size());
      for (size_t k = 0; k < dict.size(); ++k) perEntry[k] = fn(dict[k]);
      forEachRow(numRows, sel, [&](size_t i) { out[i] = perEntry[codes[i]]; });
    } else {
      forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(dict[codes[i]]); });
    }
    return;
  }
  const std::string_view* values = in.data<std::string_view>();
  if (in.isConstant()) {
    Out v = fn(values[0]);
    forEachRow(numRows, sel, [&](size_t i) { out[i] = v; });
    return;
  }
  forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(values[i]); });
}

/// Like mapStrings for functions that can fail: fn(string, Out&) returns
/// false on failure. Returns the first live, non-NULL row that failed, or
/// kNoRow; failures at NULL rows are ignored. When `failed` is set, it
/// receives 1 at every live row that failed.
template <typename Out, typename Fn>
size_t mapStringsChecked(const Column& in, Out* out, size_t numRows, const SelectionVector* sel,
                         Fn&& fn, uint8_t* failed = nullptr) {
  size_t firstBad = kNoRow;
  auto noteBad = [&](size_t i) {
    if (failed != nullptr) failed[i] = 1;
    if (firstBad == kNoRow && !in.isNull(i)) firstBad = i;
  };
  if (in.isDictionary()) {
    const std::vector<std::string_view>& dict = in.dictionary().values;
    const uint32_t* codes = in.codes();
    if (dict.empty()) return kNoRow;
    if (preferPerEntry(in, numRows, sel)) {
      std::vector<Out> perEntry(dict.size());
      std::vector<uint8_t> ok(dict.size());
      for (size_t k = 0; k < dict.size(); ++k) ok[k] = fn(dict[k], perEntry[k]) ? 1 : 0;
      forEachRow(numRows, sel, [&](size_t i) {
        uint32_t code = codes[i];
        out[i] = perEntry[code];
        if (!ok[code]) noteBad(i);
      });
    } else {
      forEachRow(numRows, sel, [&](size_t i) {
        if (!fn(dict[codes[i]], out[i])) noteBad(i);
      });
    }
    return firstBad;
  }
  const std::string_view* values = in.data<std::string_view>();
  if (in.isConstant()) {
    Out v{};
    bool ok = fn(values[0], v);
    forEachRow(numRows, sel, [&](size_t i) {
      out[i] = v;
      if (!ok) noteBad(i);
    });
    return firstBad;
  }
  forEachRow(numRows, sel, [&](size_t i) {
    if (!fn(values[i], out[i])) noteBad(i);
  });
  return firstBad;
}

/// Makes string views in `out` that point into `in` stay valid: keeps the
/// column, its owners and its dictionary alive.
void keepStringsAlive(Column& out, const ColumnPtr& in);

// --- numeric access ------------------------------------------------------------------

/// Reads an integer argument of any integer type and encoding (not strings)
/// as int64_t; used for offsets, lengths and precisions.
class Int64Reader {
 public:
  /// `column` must be of an integer or bool type. The reader keeps a
  /// widened copy when the column is not already Int64.
  Int64Reader(const ColumnPtr& column, size_t numRows, const SelectionVector* sel);
  int64_t operator()(size_t row) const { return constant_ ? values_[0] : values_[row]; }

 private:
  ColumnPtr holder_;
  const int64_t* values_ = nullptr;
  bool constant_ = false;
};

/// Calls fn(out[i], a[i], b[i]) over live rows for numeric columns (flat
/// or constant); the branch on the encoding is taken once per batch.
template <typename L, typename R, typename Out, typename Fn>
void binaryLoop(const Column& a, const Column& b, Out* out, size_t numRows, const SelectionVector* sel,
                Fn&& fn) {
  const L* av = a.data<L>();
  const R* bv = b.data<R>();
  if (a.isConstant()) {
    L x = av[0];
    forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(x, bv[i]); });
  } else if (b.isConstant()) {
    R y = bv[0];
    forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(av[i], y); });
  } else {
    forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(av[i], bv[i]); });
  }
}

/// Calls fn(a[i]) over live rows for a numeric column (flat or constant).
template <typename In, typename Out, typename Fn>
void unaryLoop(const Column& a, Out* out, size_t numRows, const SelectionVector* sel, Fn&& fn) {
  const In* av = a.data<In>();
  if (a.isConstant()) {
    Out v = fn(av[0]);
    forEachRow(numRows, sel, [&](size_t i) { out[i] = v; });
  } else {
    forEachRow(numRows, sel, [&](size_t i) { out[i] = fn(av[i]); });
  }
}

/// The first live, non-NULL row of `out` (after validity merging) at which
/// pred(row) holds, or kNoRow. Used after a loop flagged a possible error,
/// to ignore errors computed from the placeholder values of NULL rows.
template <typename Pred>
size_t findFirstValid(const Column& out, size_t numRows, const SelectionVector* sel, Pred&& pred) {
  size_t found = kNoRow;
  forEachRow(numRows, sel, [&](size_t i) {
    if (found == kNoRow && !out.isNull(i) && pred(i)) found = i;
  });
  return found;
}

/// Floor division for negative timestamps.
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace furl::query
