#pragma once

// DruidExpression: a Druid native expression (the language of
// transformSpec.transforms[].expression) compiled into a tree and evaluated
// once per event. docs/ingestion-spec.md lists the supported syntax and
// functions.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/event.h"

namespace furl::ingest {

/// A compiled expression. Copyable (the tree is shared); evaluate() is const
/// and thread-safe.
///
/// Values are LONG (int64), DOUBLE, STRING or NULL, as in Druid. Input
/// fields convert as follows: integers and booleans (as 1 and 0) to LONG,
/// other numbers to DOUBLE, strings to STRING. Evaluation follows Druid's
/// SQL-compatible mode: an operator with a NULL operand gives NULL, and
/// `&&`, `||` use three-valued logic.
class DruidExpression {
 public:
  /// Compiles `text`. InvalidArgument on a syntax error, an unknown
  /// function, a wrong argument count or an invalid literal argument (a
  /// regular expression, a period, a unit, a pattern). The message gives
  /// the 1-based character position and what was expected:
  ///   at character 7: expected ')' after the arguments of upper(), found ','
  static absl::StatusOr<DruidExpression> parse(std::string_view text);

  /// Evaluates the expression on `event`, where `timeMs` is the value of
  /// `__time`. Returns one value, or one value per input combination when
  /// a field the expression reads has several values: the expression is
  /// then applied to each value, and to each combination when several such
  /// fields are read (Druid's cartesian map). An empty multi-value field
  /// reads as NULL. A runtime error (such as a long division by zero) makes
  /// the whole result NULL.
  FieldValues evaluate(const Event& event, int64_t timeMs) const;

  /// The event fields the expression reads, without `__time`.
  const std::vector<std::string>& inputFields() const;
  const std::string& text() const;

  struct Node;
  struct Compiled;

 private:
  explicit DruidExpression(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace furl::ingest
