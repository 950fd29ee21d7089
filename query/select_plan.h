#pragma once

// The physical plan of one SELECT block. Every SELECT runs the same
// pipeline, with stages left out when the query does not need them:
//
//   source (table segments | subquery result | system table rows | numbers(N)
//           | one empty row)
//     -> filters            conjuncts, each narrowing the selection vector
//     -> aggregation        hash aggregation on group keys, per thread, merged
//     -> having             over [group keys..., aggregates...]
//     -> projections        result columns, then hidden sort columns
//     -> distinct, sort, offset/limit
//
// The first three stages run in parallel over morsels (one block of one
// segment, or one batch of a subquery result); the rest run once.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/column.h"
#include "query/aggregate.h"
#include "query/expression.h"
#include "query/query_engine.h"
#include "storage/database.h"

namespace furl::query {

/// A comparison of a scanned column with a constant, used to skip segments
/// and blocks whose min/max statistics show that no row can match. The
/// value has the column's type.
struct PruneRule {
  enum class Op : uint8_t { kEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };
  size_t scanColumn = 0;
  Op op = Op::kEqual;
  Value value;
};

struct SortKey {
  size_t column = 0;  // index into the projections
  bool descending = false;
  bool nullsFirst = false;
};

struct SelectPlan {
  // --- source: a table, a subquery, or neither (SELECT without FROM) ---
  std::shared_ptr<const storage::TableSnapshot> table;
  std::unique_ptr<SelectPlan> subquery;
  /// ClickHouse's numbers(N) / numbers(offset, N) table function: one UInt64
  /// column `number` holding [begin, end).
  std::optional<std::pair<uint64_t, uint64_t>> numbers;
  /// The rows of a system table, produced at bind time.
  std::shared_ptr<const std::vector<Batch>> systemRows;
  /// Column of the source (table column or subquery result column) that
  /// becomes column i of the scanned batch.
  std::vector<size_t> scanColumns;
  std::vector<DataType> scanTypes;

  std::vector<BoundExprPtr> filters;
  std::vector<PruneRule> pruneRules;

  bool aggregate = false;
  std::vector<BoundExprPtr> groupKeys;       // over the scanned batch
  std::vector<AggregateSpec> aggregates;     // arguments over the scanned batch
  std::vector<BoundExprPtr> having;          // over [group keys..., aggregates...]

  /// Over the aggregated batch when `aggregate`, else over the scanned
  /// batch. The first `numVisible` are the result; the rest are hidden
  /// columns that only ORDER BY uses.
  std::vector<BoundExprPtr> projections;
  size_t numVisible = 0;
  std::vector<std::string> names;  // of the visible projections

  bool distinct = false;
  std::vector<SortKey> sort;
  std::optional<uint64_t> limit;
  uint64_t offset = 0;

  /// The other SELECT blocks of `... UNION ALL ...`, whose rows follow this
  /// plan's. Their visible columns have the types of this plan's.
  std::vector<std::unique_ptr<SelectPlan>> unionAll;
};

/// Runs a plan and returns dense result batches holding the visible
/// columns. Throws QueryError. Adds what it read to `stats`.
std::vector<Batch> executeSelect(const SelectPlan& plan, const QueryOptions& options, QueryStats& stats);

}  // namespace furl::query
