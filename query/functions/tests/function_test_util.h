#pragma once

// Helpers for the function tests: build columns of each encoding, bind a
// function through the registry the way the binder does (constant columns
// pass their value), run it, and read the rows back as text.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/column.h"
#include "common/value.h"
#include "query/function.h"

namespace furl::query::testing {

/// Builds a flat column; Value::null() entries become NULL rows.
inline ColumnPtr flatColumn(DataType type, const std::vector<Value>& values) {
  ColumnPtr column = Column::makeFlat(type, values.size());
  for (size_t i = 0; i < values.size(); ++i) column->setValue(i, values[i]);
  return column;
}

inline ColumnPtr constantColumn(DataType type, const Value& value, size_t numRows) {
  return Column::makeConstant(type, value, numRows);
}

/// Builds a dictionary-encoded String column; a code of -1 makes a NULL row.
inline ColumnPtr dictionaryColumn(const std::vector<std::string>& entries, const std::vector<int>& codes) {
  auto dictionary = std::make_shared<StringDictionary>();
  for (const std::string& entry : entries) dictionary->add(entry);
  bool nullable = false;
  for (int code : codes) nullable |= code < 0;
  ColumnPtr column = Column::makeDictionary(DataType(TypeId::kString, nullable), dictionary, codes.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    column->codes()[i] = codes[i] < 0 ? 0 : static_cast<uint32_t>(codes[i]);
    if (codes[i] < 0) column->setNull(i);
  }
  return column;
}

inline ColumnPtr ints(const std::vector<Value>& values) { return flatColumn(DataType(TypeId::kInt64, true), values); }
inline ColumnPtr strings(const std::vector<std::string>& values) {
  std::vector<Value> v;
  for (const std::string& s : values) v.push_back(Value::string(s));
  return flatColumn(DataType(TypeId::kString), v);
}
inline Value i64(int64_t v) { return Value::int64(v); }
inline Value str(std::string s) { return Value::string(std::move(s)); }

/// A function bound to the types (and constants) of `args`.
class FunctionCall {
 public:
  FunctionCall(const std::string& name, std::vector<ColumnPtr> args) : args_(std::move(args)) {
    const ScalarFunctionFactory* factory = FunctionRegistry::instance().find(name);
    if (factory == nullptr) throw std::runtime_error("function not registered: " + name);
    std::vector<FunctionArgument> bindArgs;
    for (const ColumnPtr& arg : args_) {
      FunctionArgument a{arg->type(), nullptr};
      if (arg->isConstant()) {
        constants_.push_back(arg->getValue(0));
        a.constant = &constants_.back();
      }
      bindArgs.push_back(a);
    }
    bound_ = (*factory)(bindArgs);
  }

  DataType type() const { return bound_->resultType(); }

  ColumnPtr execute(const SelectionVector* sel = nullptr) const {
    size_t numRows = args_.empty() ? 1 : args_[0]->size();
    return bound_->execute(args_, numRows, sel);
  }

  /// Runs the function and returns the live rows as text (`NULL` for NULL).
  std::vector<std::string> rows(const SelectionVector* sel = nullptr) const {
    ColumnPtr result = execute(sel);
    std::vector<std::string> text;
    size_t numRows = args_.empty() ? 1 : args_[0]->size();
    forEachRow(numRows, sel, [&](size_t i) { text.push_back(result->getValue(i).toString()); });
    return text;
  }

 private:
  std::vector<ColumnPtr> args_;
  std::deque<Value> constants_;
  std::unique_ptr<BoundScalarFunction> bound_;
};

/// Evaluates name(args) and returns the rows as text.
inline std::vector<std::string> eval(const std::string& name, std::vector<ColumnPtr> args,
                                     const SelectionVector* sel = nullptr) {
  return FunctionCall(name, std::move(args)).rows(sel);
}

/// Evaluates name over constant arguments and returns the single value as text.
inline std::string evalConst(const std::string& name, const std::vector<std::pair<DataType, Value>>& args) {
  std::vector<ColumnPtr> columns;
  for (const auto& [type, value] : args) columns.push_back(constantColumn(type, value, 1));
  if (columns.empty()) return FunctionCall(name, {}).rows().at(0);
  return FunctionCall(name, std::move(columns)).rows().at(0);
}

using Rows = std::vector<std::string>;

inline ColumnPtr constString(std::string s, size_t numRows) {
  return constantColumn(DataType(TypeId::kString), Value::string(std::move(s)), numRows);
}
inline ColumnPtr constInt(int64_t v, size_t numRows) { return constantColumn(DataType(TypeId::kInt64), Value::int64(v), numRows); }
inline ColumnPtr constNull(size_t numRows) { return constantColumn(DataType(TypeId::kNull, true), Value::null(), numRows); }

/// The error code thrown by `fn`, or kOk when it does not throw.
template <typename Fn>
ErrorCode errorOf(Fn&& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const QueryError& error) {
    if (message != nullptr) *message = error.what();
    return error.code();
  }
  return ErrorCode::kOk;
}

}  // namespace furl::query::testing
