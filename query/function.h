#pragma once

// Scalar functions: the contract between the binder and the function library.
//
// Binding happens once per query: the binder looks a name up in the
// FunctionRegistry and calls its factory with the argument types (and the
// values of constant arguments, so a regex or format string is compiled
// once). The factory returns a BoundScalarFunction or throws QueryError
// (kNumberOfArgumentsDoesntMatch, kIllegalTypeOfArgument, ...).
//
// execute() runs once per batch, concurrently from several threads on the
// same bound object, so it must not mutate the object.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/error.h"
#include "common/types.h"
#include "common/value.h"

namespace furl::query {

struct FunctionArgument {
  DataType type;
  /// The argument's value when it is a constant known at bind time, else null.
  const Value* constant = nullptr;
};

class BoundScalarFunction {
 public:
  virtual ~BoundScalarFunction() = default;

  virtual DataType resultType() const = 0;

  /// Computes the function for the live rows of a batch: `args` hold one
  /// column per argument, each of `numRows` rows (any encoding: flat,
  /// constant, dictionary); `sel`, when set, names the live rows. Returns a
  /// column of `numRows` rows whose live rows hold the results (other rows
  /// are unspecified), or a constant column when every argument is constant.
  /// Throws QueryError for row-level errors that must end the query
  /// (integer division by zero, overflow, unparsable cast).
  virtual ColumnPtr execute(const std::vector<ColumnPtr>& args, size_t numRows,
                            const SelectionVector* sel) const = 0;

  /// Whether one value costs far more to compute than comparing two strings
  /// (a regular expression match). evaluate() then reuses the results that
  /// an earlier segment's dictionary has for equal strings.
  virtual bool costlyPerValue() const { return false; }
};

using ScalarFunctionFactory =
    std::function<std::unique_ptr<BoundScalarFunction>(const std::vector<FunctionArgument>& args)>;

/// The scalar functions known to the SQL layer. Names are matched without
/// regard to case (`lower`, `LOWER`, `Lower`).
class FunctionRegistry {
 public:
  /// The process-wide registry with every built-in function registered.
  static const FunctionRegistry& instance();

  void add(std::string name, ScalarFunctionFactory factory);
  /// Registers `alias` as another name of the already registered `name`.
  void addAlias(std::string alias, std::string_view name);

  /// The factory for `name`, or nullptr.
  const ScalarFunctionFactory* find(std::string_view name) const;
  /// Every registered name, for "did you mean" suggestions.
  std::vector<std::string> names() const;

 private:
  std::vector<std::pair<std::string, ScalarFunctionFactory>> entries_;  // name as registered
};

/// Registers the built-in functions; called by FunctionRegistry::instance().
void registerBuiltinFunctions(FunctionRegistry& registry);

}  // namespace furl::query
