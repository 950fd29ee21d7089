// Aggregate states: the single-group path (updateSingleGroup) against the
// general path (update with every group id 0), over dense rows and a
// selection, with and without NULLs, and the Int64/UInt64 range checks of
// sum on both paths.

#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "gtest/gtest.h"
#include "query/aggregate.h"

namespace furl::query {
namespace {

AggregateSpec specOf(AggregateKind kind, TypeId argType) {
  AggregateSpec spec;
  spec.kind = kind;
  if (kind != AggregateKind::kCountStar) spec.arg = BoundExpr::column(0, DataType(argType, true));
  spec.resultType = aggregateResultType(kind, DataType(argType, true), "test");
  return spec;
}

std::unique_ptr<AggregateState> stateOf(AggregateKind kind, TypeId argType) {
  std::unique_ptr<AggregateState> state = makeAggregateState(specOf(kind, argType));
  state->resize(1);
  return state;
}

// A column of `n` random values of type T spanning T's whole range, with
// about every seventh row NULL when `nulls` is set.
template <typename T>
ColumnPtr randomColumn(TypeId type, size_t n, bool nulls, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ColumnPtr column = Column::makeFlat(DataType(type, nulls), n);
  T* values = column->data<T>();
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      values[i] = static_cast<T>(std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
    } else {
      uint64_t bits = rng();
      std::memcpy(&values[i], &bits, sizeof(T));
    }
    if (nulls && rng() % 7 == 0) column->setNull(i);
  }
  return column;
}

// Group 0 of a finalized column as its NULL flag and raw value bytes, so
// floating-point results compare bit for bit.
std::string resultBytes(const ColumnPtr& column) {
  if (column->isNull(0)) return "NULL";
  size_t width = physicalWidth(column->type().id);
  return std::string(column->data<char>(), width);
}

// Feeds `column` to one state through update() (group ids all 0) and to
// another through updateSingleGroup(), in blocks of `blockRows`, over the
// rows `rows` (all rows when empty), and returns both results.
std::pair<std::string, std::string> bothPaths(AggregateKind kind, TypeId type, const ColumnPtr& column,
                                              const std::vector<uint32_t>& selection) {
  auto general = stateOf(kind, type);
  auto single = stateOf(kind, type);
  std::vector<uint32_t> rows = selection;
  if (rows.empty()) {
    rows.resize(column->size());
    std::iota(rows.begin(), rows.end(), 0);
  }
  std::vector<uint32_t> gids(rows.size(), 0);
  const Column* arg = kind == AggregateKind::kCountStar ? nullptr : column.get();
  general->update(arg, rows.data(), gids.data(), rows.size());
  single->updateSingleGroup(arg, selection.empty() ? nullptr : selection.data(), rows.size());
  // A second block, so the single path also adds to a group that has values.
  general->update(arg, rows.data(), gids.data(), rows.size() / 2);
  single->updateSingleGroup(arg, rows.data(), rows.size() / 2);
  return {resultBytes(general->finalize(1)), resultBytes(single->finalize(1))};
}

template <typename T>
void checkAllKinds(TypeId type) {
  const AggregateKind kinds[] = {AggregateKind::kCountStar, AggregateKind::kCount, AggregateKind::kMin,
                                 AggregateKind::kMax,       AggregateKind::kAny,   AggregateKind::kAnyLast,
                                 AggregateKind::kCountDistinct};
  for (bool nulls : {false, true}) {
    // Small values keep Int64 sums in range, so sum and avg compare too.
    ColumnPtr column = randomColumn<T>(type, 5000, nulls, 42);
    std::vector<uint32_t> selection;
    for (uint32_t i = 0; i < 5000; i += 3) selection.push_back(i);
    for (const auto& rows : {std::vector<uint32_t>{}, selection}) {
      std::string where = DataType(type).toString() + (nulls ? " with NULLs" : "") +
                          (rows.empty() ? ", dense rows" : ", selected rows");
      for (AggregateKind kind : kinds) {
        auto [general, single] = bothPaths(kind, type, column, rows);
        EXPECT_EQ(general, single) << where << ", kind " << static_cast<int>(kind);
      }
    }
  }
}

TEST(AggregateSingleGroup, MatchesUpdateForEveryType) {
  checkAllKinds<int8_t>(TypeId::kInt8);
  checkAllKinds<int16_t>(TypeId::kInt16);
  checkAllKinds<int32_t>(TypeId::kInt32);
  checkAllKinds<int64_t>(TypeId::kInt64);
  checkAllKinds<uint8_t>(TypeId::kUInt8);
  checkAllKinds<uint16_t>(TypeId::kUInt16);
  checkAllKinds<uint32_t>(TypeId::kUInt32);
  checkAllKinds<uint64_t>(TypeId::kUInt64);
  checkAllKinds<float>(TypeId::kFloat32);
  checkAllKinds<double>(TypeId::kFloat64);
}

// Sums and averages of values small enough that the Int64 result fits,
// where every bit of the 64-bit values still takes part.
template <typename T>
void checkSums(TypeId type, int shift) {
  for (bool nulls : {false, true}) {
    ColumnPtr column = randomColumn<T>(type, 5000, nulls, 7);
    if constexpr (!std::is_floating_point_v<T>) {
      if (shift > 0) {
        T* values = column->data<T>();
        for (size_t i = 0; i < 5000; ++i) values[i] = static_cast<T>(values[i] >> shift);
      }
    }
    std::vector<uint32_t> selection;
    for (uint32_t i = 1; i < 5000; i += 2) selection.push_back(i);
    for (const auto& rows : {std::vector<uint32_t>{}, selection}) {
      std::string where = DataType(type).toString() + (nulls ? " with NULLs" : "");
      for (AggregateKind kind : {AggregateKind::kSum, AggregateKind::kAvg}) {
        auto [general, single] = bothPaths(kind, type, column, rows);
        EXPECT_EQ(general, single) << where << ", kind " << static_cast<int>(kind);
      }
    }
  }
}

TEST(AggregateSingleGroup, SumAndAvgMatchUpdate) {
  checkSums<int8_t>(TypeId::kInt8, 0);
  checkSums<int16_t>(TypeId::kInt16, 0);
  checkSums<int32_t>(TypeId::kInt32, 0);
  checkSums<uint32_t>(TypeId::kUInt32, 0);
  checkSums<int64_t>(TypeId::kInt64, 14);
  checkSums<uint64_t>(TypeId::kUInt64, 14);
  checkSums<double>(TypeId::kFloat64, 0);
  checkSums<float>(TypeId::kFloat32, 0);
}

// Runs sum over `values` through the single-group path and returns the
// finalize() error message, or "" when it returned a value.
template <typename T>
std::string singleGroupSumError(TypeId type, const std::vector<T>& values, int64_t* result) {
  ColumnPtr column = Column::makeFlat(DataType(type), values.size());
  std::copy(values.begin(), values.end(), column->data<T>());
  auto state = stateOf(AggregateKind::kSum, type);
  state->updateSingleGroup(column.get(), nullptr, values.size());
  try {
    ColumnPtr out = state->finalize(1);
    if (result) *result = out->data<int64_t>()[0];
    return "";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDecimalOverflow);
    return e.what();
  }
}

TEST(AggregateSingleGroup, Int64SumOverflowRaises) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  std::string error = singleGroupSumError<int64_t>(TypeId::kInt64, {kMax, 1}, nullptr);
  EXPECT_NE(error.find("sum 9223372036854775808 does not fit Int64"), std::string::npos) << error;
  error = singleGroupSumError<int64_t>(TypeId::kInt64, {kMin, -1}, nullptr);
  EXPECT_NE(error.find("sum -9223372036854775809 does not fit Int64"), std::string::npos) << error;
}

TEST(AggregateSingleGroup, Int64SumPassingLimitInBetweenFits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t result = 0;
  EXPECT_EQ(singleGroupSumError<int64_t>(TypeId::kInt64, {kMax, kMax, kMin, kMin, 5}, &result), "");
  EXPECT_EQ(result, 3);  // 2 * (2^63 - 1) - 2 * 2^63 + 5
  EXPECT_EQ(singleGroupSumError<int64_t>(TypeId::kInt64, {kMin, -1, kMax, 1, 3}, &result), "");
  EXPECT_EQ(result, 2);
}

TEST(AggregateSingleGroup, UInt64SumOverflowRaises) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  std::string error = singleGroupSumError<uint64_t>(TypeId::kUInt64, {kMax, 1}, nullptr);
  EXPECT_NE(error.find("sum 18446744073709551616 does not fit UInt64"), std::string::npos) << error;
  int64_t result = 0;
  EXPECT_EQ(singleGroupSumError<uint64_t>(TypeId::kUInt64, {kMax - 1, 1}, &result), "");
  EXPECT_EQ(static_cast<uint64_t>(result), kMax);
}

TEST(AggregateSingleGroup, Int32SumOfManyRowsIsExact) {
  // 100,000 rows of INT32_MAX: the sum needs more than 32 bits.
  std::vector<int32_t> values(100000, std::numeric_limits<int32_t>::max());
  int64_t result = 0;
  EXPECT_EQ(singleGroupSumError<int32_t>(TypeId::kInt32, values, &result), "");
  EXPECT_EQ(result, int64_t{100000} * std::numeric_limits<int32_t>::max());
}

TEST(AggregateSingleGroup, AllNullGivesNull) {
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kInt32, true), 100);
  for (size_t i = 0; i < 100; ++i) column->setNull(i);
  for (AggregateKind kind : {AggregateKind::kSum, AggregateKind::kAvg, AggregateKind::kMin, AggregateKind::kMax,
                             AggregateKind::kAny}) {
    auto state = stateOf(kind, TypeId::kInt32);
    state->updateSingleGroup(column.get(), nullptr, 100);
    EXPECT_TRUE(state->finalize(1)->isNull(0)) << "kind " << static_cast<int>(kind);
  }
  auto count = stateOf(AggregateKind::kCount, TypeId::kInt32);
  count->updateSingleGroup(column.get(), nullptr, 100);
  EXPECT_EQ(count->finalize(1)->data<uint64_t>()[0], 0u);
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

// argMax/argMin against a plain loop: random Int32 keys with many ties and
// NULLs in both arguments, rows spread over 7 groups, fed as two halves into
// two states that are then merged (as two threads would). Within a state
// the first of equal keys wins; the first half merges into the second
// half's state, so its row wins only with a strictly better key, and the
// reference decides the same way.
TEST(ArgPickAggregate, MatchesReferenceAcrossMerge) {
  constexpr size_t kRows = 4000;
  constexpr uint32_t kGroups = 7;
  std::mt19937_64 rng(7);
  ColumnPtr keys = Column::makeFlat(DataType(TypeId::kInt32, true), kRows);
  ColumnPtr values = Column::makeFlat(DataType(TypeId::kString, true), kRows);
  std::vector<uint32_t> gids(kRows);
  for (size_t i = 0; i < kRows; ++i) {
    keys->data<int32_t>()[i] = static_cast<int32_t>(rng() % 50) - 25;
    values->data<std::string_view>()[i] = values->heap().add("v" + std::to_string(i));
    if (rng() % 9 == 0) keys->setNull(i);
    if (rng() % 11 == 0) values->setNull(i);
    gids[i] = static_cast<uint32_t>(rng() % kGroups);
  }
  for (AggregateKind kind : {AggregateKind::kArgMax, AggregateKind::kArgMin}) {
    const bool max = kind == AggregateKind::kArgMax;
    AggregateSpec spec;
    spec.kind = kind;
    spec.arg = BoundExpr::column(0, values->type());
    spec.key = BoundExpr::column(1, keys->type());
    spec.resultType = aggregateResultType(kind, values->type(), "test");
    auto first = makeAggregateState(spec);
    auto second = makeAggregateState(spec);
    first->resize(kGroups);
    second->resize(kGroups);
    std::vector<uint32_t> rows(kRows);
    std::iota(rows.begin(), rows.end(), 0);
    const size_t half = kRows / 2;
    first->updateWithKey(values.get(), keys.get(), rows.data(), gids.data(), half);
    second->updateWithKey(values.get(), keys.get(), rows.data() + half, gids.data() + half, kRows - half);
    std::vector<uint32_t> identity(kGroups);
    std::iota(identity.begin(), identity.end(), 0);
    second->merge(*first, identity.data(), kGroups);
    ColumnPtr result = second->finalize(kGroups);

    // The reference: the best row of each half, then the first half's row
    // replaces the second's only when its key is strictly better.
    auto bestOf = [&](size_t from, size_t to, uint32_t g) -> std::optional<size_t> {
      std::optional<size_t> best;
      for (size_t i = from; i < to; ++i) {
        if (gids[i] != g || keys->isNull(i) || values->isNull(i)) continue;
        int32_t k = keys->data<int32_t>()[i];
        if (!best || (max ? k > keys->data<int32_t>()[*best] : k < keys->data<int32_t>()[*best])) best = i;
      }
      return best;
    };
    for (uint32_t g = 0; g < kGroups; ++g) {
      std::optional<size_t> a = bestOf(0, half, g);
      std::optional<size_t> b = bestOf(half, kRows, g);
      std::optional<size_t> expected = b;
      if (a && (!b || (max ? keys->data<int32_t>()[*a] > keys->data<int32_t>()[*b]
                           : keys->data<int32_t>()[*a] < keys->data<int32_t>()[*b]))) {
        expected = a;
      }
      ASSERT_TRUE(expected.has_value());
      ASSERT_FALSE(result->isNull(g)) << "group " << g;
      EXPECT_EQ(result->stringAt(g), "v" + std::to_string(*expected)) << (max ? "argMax" : "argMin") << " group " << g;
    }
  }
}

TEST(ArgPickAggregate, SingleGroupSkipsNullsAndEmptyIsNull) {
  AggregateSpec spec;
  spec.kind = AggregateKind::kArgMax;
  spec.arg = BoundExpr::column(0, DataType(TypeId::kInt64, true));
  spec.key = BoundExpr::column(1, DataType(TypeId::kFloat64, true));
  spec.resultType = aggregateResultType(spec.kind, spec.arg->type, "argMax");
  auto state = makeAggregateState(spec);
  state->resize(1);
  EXPECT_TRUE(state->finalize(1)->isNull(0));
  ColumnPtr values = Column::makeFlat(DataType(TypeId::kInt64, true), 4);
  ColumnPtr keys = Column::makeFlat(DataType(TypeId::kFloat64, true), 4);
  const int64_t v[] = {10, 20, 30, 40};
  const double k[] = {1.5, 9.0, 7.0, 8.0};
  for (size_t i = 0; i < 4; ++i) {
    values->data<int64_t>()[i] = v[i];
    keys->data<double>()[i] = k[i];
  }
  keys->setNull(1);    // the largest key, but NULL: skipped
  values->setNull(2);  // a NULL value: its row is skipped too
  state->updateSingleGroupWithKey(values.get(), keys.get(), nullptr, 4);
  ColumnPtr result = state->finalize(1);
  ASSERT_FALSE(result->isNull(0));
  EXPECT_EQ(result->data<int64_t>()[0], 40);
}

TEST(AggregateNames, EveryListedNameResolves) {
  for (std::string_view name : aggregateFunctionNames()) {
    EXPECT_TRUE(findAggregate(name, false).has_value()) << name;
    EXPECT_TRUE(findAggregate(std::string(name) + "If", false).has_value()) << name << "If";
  }
}

}  // namespace
}  // namespace furl::query
