#pragma once

// Aggregate functions over groups. Each query keeps one AggregateState per
// aggregate per thread, with a slot per group id. A state is updated a batch
// at a time (one virtual call per batch, typed loops inside), and the
// threads' states are merged at the end.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/types.h"
#include "query/expression.h"

namespace furl::query {

enum class AggregateKind : uint8_t {
  kCountStar,
  kCount,
  kSum,
  kMin,
  kMax,
  kAvg,
  kCountDistinct,  // count(DISTINCT x) and uniqExact(x): exact
  kAny,
  kApproxDistinct,  // uniq, uniqHLL12, APPROX_COUNT_DISTINCT...: the estimate of a HyperLogLog sketch
  kAnyLast,         // anyLast: the last value a thread saw; which one is not defined
  kQuantile,        // quantile(level)(x), median: exact, interpolated (quantile_state.cpp)
  kQuantileExact,   // quantileExact(level)(x), medianExact: the value at floor(level * n)
  kHllSketch,       // DS_HLL: the HyperLogLog sketch itself
  kArgMin,          // argMin(x, key): x of the row with the smallest key
  kArgMax,          // argMax(x, key): x of the row with the largest key
};

struct AggregateSpec {
  AggregateKind kind = AggregateKind::kCountStar;
  /// The argument over the scanned batch; null for count(*).
  BoundExprPtr arg;
  /// kArgMin and kArgMax: the value compared (the second argument); the
  /// result is `arg` of the row with the smallest or largest `key`.
  BoundExprPtr key;
  DataType resultType;
  /// kApproxDistinct and kHllSketch: log2 of the sketch's register count.
  /// Over an HLLSketch argument the stored sketches are merged, and the
  /// result keeps the smallest lgK among them, capped at lgK only when
  /// explicitLgK is set.
  int lgK = 12;
  bool explicitLgK = false;
  /// kQuantile and kQuantileExact: the level, from 0 to 1.
  double level = 0.5;
};

/// True for the aggregates that take Druid's optional sketch parameters:
/// APPROX_COUNT_DISTINCT_DS_HLL(x [, lgK [, tgtHllType]]) and DS_HLL.
bool takesHllParameters(std::string_view name);

/// Maps an SQL aggregate name (any case) and DISTINCT flag to a kind;
/// nullopt when the name is not an aggregate. A name with ClickHouse's -If
/// combinator (`sumIf`) maps to the kind of its base aggregate.
std::optional<AggregateKind> findAggregate(std::string_view name, bool distinct);

/// Lists every name findAggregate() accepts (without the -If combinator), in the
/// spelling ClickHouse, Druid or standard SQL documents.
const std::vector<std::string_view>& aggregateFunctionNames();

/// The result type of an aggregate over an argument of type `argType`.
/// Throws QueryError (kIllegalTypeOfArgument) naming `name` when the type
/// does not fit (sum of a String, ...).
DataType aggregateResultType(AggregateKind kind, DataType argType, std::string_view name);

class AggregateState {
 public:
  virtual ~AggregateState() = default;

  /// Makes room for group ids below `numGroups`; new groups start empty.
  virtual void resize(size_t numGroups) = 0;
  /// Adds row rows[k] of `arg` to group gids[k] for k < n. `arg` is null for
  /// count(*). Throws QueryError on overflow.
  virtual void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) = 0;
  /// Adds rows of `arg` to group 0, which must exist: rows[k] for k < n, or
  /// rows 0 to n-1 when `rows` is null. Gives the same result as update()
  /// with every group id 0. count, sum, avg, min, max, any and anyLast
  /// override it with loops that keep the accumulator in a local and need
  /// no group id array. The default builds the arrays and calls update().
  virtual void updateSingleGroup(const Column* arg, const uint32_t* rows, size_t n);
  /// For the aggregates with a compared second argument (argMin, argMax):
  /// update() with that argument's column beside `arg`. Others throw
  /// kLogicalError.
  virtual void updateWithKey(const Column* arg, const Column* key, const uint32_t* rows, const uint32_t* gids,
                             size_t n);
  /// updateWithKey() into group 0, with rows as in updateSingleGroup().
  void updateSingleGroupWithKey(const Column* arg, const Column* key, const uint32_t* rows, size_t n);
  /// update() for group ids that come in runs of equal ids, as they do when
  /// the rows are sorted by the group key. Run r covers k from runStarts[r]
  /// up to runStarts[r + 1] (n for the last run), and gids[k] is the same for
  /// all of them. count, sum and avg override it with one group state
  /// access per run; the default calls update().
  virtual void updateRuns(const Column* arg, const uint32_t* rows, const uint32_t* gids, const uint32_t* runStarts,
                          size_t runs, size_t n) {
    update(arg, rows, gids, n);
  }
  /// Adds the groups of `other` (a state of the same aggregate) into this
  /// one: other's group g goes to this state's group gidMap[g].
  virtual void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) = 0;
  /// The results of groups [0, numGroups). Throws QueryError when a result
  /// does not fit its type (an Int64 sum past 2^63-1).
  virtual ColumnPtr finalize(size_t numGroups) = 0;
  /// For sum: the results of sum(x + shift) when this state summed x, that
  /// is sum(x) + shift * count(x), range-checked like finalize(). Other
  /// aggregates throw kLogicalError.
  virtual ColumnPtr finalizeShifted(size_t numGroups, int64_t shift);
  /// The results of groups groups[0..n) in that order, out of numGroups:
  /// finalize(numGroups), or finalizeShifted(numGroups, *shift) when
  /// `shift` is set, gathered at `groups`, with the same errors. count,
  /// sum and avg compute only those groups; the default computes all.
  virtual ColumnPtr finalizeGroups(size_t numGroups, const uint32_t* groups, size_t n,
                                   std::optional<int64_t> shift);
};

/// When `spec` is sum(x + c), sum(c + x) or sum(x - c) with x an integer of
/// at most 32 bits and c an integer constant, returns x and the shift, so
/// the sum can be computed as sum(x) + shift * count(x) (no row of x + c
/// can overflow Int64). Returns nullopt otherwise.
std::optional<std::pair<BoundExprPtr, int64_t>> splitShiftedSum(const AggregateSpec& spec);

/// The base aggregate of a name with the -If combinator (`sum` for
/// `sumIf`, matched case-sensitively as in ClickHouse); nullopt otherwise.
std::optional<std::string_view> stripIfCombinator(std::string_view name);

std::unique_ptr<AggregateState> makeAggregateState(const AggregateSpec& spec);

/// The state of kQuantile and kQuantileExact (quantile_state.cpp).
std::unique_ptr<AggregateState> makeQuantileState(const AggregateSpec& spec);

}  // namespace furl::query
