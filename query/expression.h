#pragma once

// Bound expressions: the typed, resolved form of SQL expressions that the
// executor evaluates one batch at a time.

#include <memory>
#include <string>
#include <vector>

#include "common/column.h"
#include "common/types.h"
#include "common/value.h"
#include "query/function.h"

namespace furl::query {

struct BoundExpr;
using BoundExprPtr = std::shared_ptr<const BoundExpr>;

struct BoundExpr {
  enum class Kind : uint8_t { kColumn, kConstant, kFunction };

  Kind kind = Kind::kConstant;
  DataType type;
  /// kColumn: index of the column in the batch the expression runs on.
  size_t columnIndex = 0;
  /// kConstant: the value (NULL allowed).
  Value constant;
  /// kFunction: the bound function and its arguments.
  std::string functionName;
  std::shared_ptr<const BoundScalarFunction> function;
  std::vector<BoundExprPtr> args;
  /// kFunction: unique per bound call in this process, so caches can key on
  /// it without the risk of a freed expression's address being reused.
  uint64_t callId = 0;

  static BoundExprPtr column(size_t index, DataType type);
  static BoundExprPtr literal(Value value, DataType type);
  static BoundExprPtr call(std::string name, std::shared_ptr<const BoundScalarFunction> function,
                           std::vector<BoundExprPtr> args);

  bool isConstant() const { return kind == Kind::kConstant; }
};

/// Evaluates `expr` over the live rows of `batch`. The result has
/// batch.numRows rows; rows outside batch.sel are unspecified. Throws
/// QueryError from functions.
ColumnPtr evaluate(const BoundExpr& expr, const Batch& batch);

/// Drops the per-thread results that evaluate() keeps per (function call,
/// dictionary), releasing the dictionaries they hold. Called by each worker
/// thread when its part of a query ends.
void clearEvaluationCache();

/// Narrows the live rows of `batch` to those where `predicate` is true (not
/// false, not NULL). Returns the new selection (possibly empty).
std::shared_ptr<const SelectionVector> filterRows(const BoundExpr& predicate, const Batch& batch);

/// Evaluates an expression whose arguments are all constants, returning its
/// value (used for constant folding at bind time).
Value evaluateConstant(const BoundExpr& expr);

}  // namespace furl::query
