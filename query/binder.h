#pragma once

// The binder: resolves a parsed SELECT against the catalog and turns it into
// a SelectPlan with typed expressions.

#include <memory>
#include <string>
#include <vector>

#include "query/select_plan.h"
#include "query/system_tables.h"
#include "sql/ast.h"
#include "storage/database.h"

namespace furl::query {

/// Binds `query`. Throws QueryError for unknown tables, columns and
/// functions (with suggestions), type errors and misplaced aggregates.
/// Adds notes for the client to `warnings`. Tables of a system schema
/// (`system.tables`, or `tables` when `currentDatabase` is `system`) come
/// from `systemTables`, whose rows are produced here.
std::unique_ptr<SelectPlan> bindSelect(const sql::SelectQuery& query, const storage::Database& database,
                                       const SystemTables& systemTables, std::vector<std::string>& warnings,
                                       const std::string& currentDatabase = "default");

/// Binds an expression that uses no columns (INSERT ... VALUES rows) and
/// returns its value.
Value evaluateLiteralExpr(const sql::Expr& expr);

/// The registered function for `name` called with `args`; folds calls whose
/// arguments are all constant. Throws QueryError for an unknown function
/// (suggesting close names) or arguments it does not accept.
BoundExprPtr bindFunctionCall(const std::string& name, std::vector<BoundExprPtr> args, SourcePosition position);

/// The closest of `candidates` to `name` by edit distance, or empty when
/// none is close enough to suggest.
std::string closestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace furl::query
