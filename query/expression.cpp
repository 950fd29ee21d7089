#include "query/expression.h"

#include "common/error.h"

namespace furl::query {

BoundExprPtr BoundExpr::column(size_t index, DataType type) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kColumn;
  expr->columnIndex = index;
  expr->type = type;
  return expr;
}

BoundExprPtr BoundExpr::literal(Value value, DataType type) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kConstant;
  expr->constant = std::move(value);
  expr->type = type;
  return expr;
}

BoundExprPtr BoundExpr::call(std::string name, std::shared_ptr<const BoundScalarFunction> function,
                             std::vector<BoundExprPtr> args) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kFunction;
  expr->type = function->resultType();
  expr->functionName = std::move(name);
  expr->function = std::move(function);
  expr->args = std::move(args);
  return expr;
}

ColumnPtr evaluate(const BoundExpr& expr, const Batch& batch) {
  switch (expr.kind) {
    case BoundExpr::Kind::kColumn:
      return batch.columns[expr.columnIndex];
    case BoundExpr::Kind::kConstant:
      return Column::makeConstant(expr.type, expr.constant, batch.numRows);
    case BoundExpr::Kind::kFunction: {
      std::vector<ColumnPtr> args;
      args.reserve(expr.args.size());
      for (const auto& arg : expr.args) args.push_back(evaluate(*arg, batch));
      return expr.function->execute(args, batch.numRows, batch.sel.get());
    }
  }
  throw QueryError(ErrorCode::kLogicalError, "unknown expression kind");
}

std::shared_ptr<const SelectionVector> filterRows(const BoundExpr& predicate, const Batch& batch) {
  auto out = std::make_shared<SelectionVector>();
  if (predicate.type.id == TypeId::kNull) return out;  // NULL is never true
  ColumnPtr result = evaluate(predicate, batch);
  if (result->isConstant()) {
    bool keep = !result->isNull(0) && result->data<uint8_t>()[0] != 0;
    if (!keep) return out;
    if (batch.sel) return batch.sel;
    out->resize(batch.numRows);
    for (size_t i = 0; i < batch.numRows; ++i) (*out)[i] = static_cast<uint32_t>(i);
    return out;
  }
  if (result->type().id != TypeId::kBool && !isInteger(result->type().id)) {
    throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                     "a filter condition must be a boolean expression, got " + result->type().toString());
  }
  if (result->isDictionary()) result = Column::flatten(result);
  out->reserve(batch.liveRows());
  bool nulls = result->mayHaveNulls();
  // Non-bool integers count as true when non-zero, as ClickHouse does.
  dispatchPhysical(result->type().id, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string_view>) {
      const T* values = result->data<T>();
      if (!batch.sel && !nulls) {
        for (size_t i = 0; i < batch.numRows; ++i) {
          if (values[i] != 0) out->push_back(static_cast<uint32_t>(i));
        }
      } else {
        forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) {
          if (values[i] != 0 && !result->isNull(i)) out->push_back(static_cast<uint32_t>(i));
        });
      }
    }
  });
  return out;
}

Value evaluateConstant(const BoundExpr& expr) {
  Batch one;
  one.numRows = 1;
  ColumnPtr result = evaluate(expr, one);
  return result->getValue(0);
}

}  // namespace furl::query
