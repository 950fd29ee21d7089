// HLL sketch aggregates over raw values and over HLLSketch columns: the
// accuracy sweep from 1 to 10 million distinct values, exact small counts,
// and merges that give the same bytes whatever order segments and threads
// merge in.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/hll_sketch.h"
#include "gtest/gtest.h"
#include "query/aggregate.h"

namespace furl::query {
namespace {

constexpr size_t kBatchRows = 65536;

AggregateSpec sketchSpec(AggregateKind kind, TypeId argType) {
  AggregateSpec spec;
  spec.kind = kind;
  spec.arg = BoundExpr::column(0, DataType(argType));
  spec.resultType = aggregateResultType(kind, DataType(argType), "test");
  return spec;
}

// One aggregate state with a single group.
std::unique_ptr<AggregateState> singleGroupState(AggregateKind kind, TypeId argType) {
  std::unique_ptr<AggregateState> state = makeAggregateState(sketchSpec(kind, argType));
  state->resize(1);
  return state;
}

// Feeds the integers [begin, end) to group 0 of `state` in batches.
void addRange(AggregateState& state, int64_t begin, int64_t end) {
  std::vector<uint32_t> rows(kBatchRows);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<uint32_t> gids(kBatchRows, 0);
  for (int64_t start = begin; start < end; start += kBatchRows) {
    size_t n = static_cast<size_t>(std::min<int64_t>(kBatchRows, end - start));
    ColumnPtr column = Column::makeFlat(DataType(TypeId::kInt64), n);
    int64_t* values = column->data<int64_t>();
    for (size_t i = 0; i < n; ++i) values[i] = start + static_cast<int64_t>(i);
    state.update(column.get(), rows.data(), gids.data(), n);
  }
}

// Merges the given sketches, one row each, into one APPROX_COUNT_DISTINCT
// state over an HLLSketch column, in the given order.
std::unique_ptr<AggregateState> mergeSketchRows(AggregateKind kind, const std::vector<std::string>& sketches,
                                                const std::vector<size_t>& order) {
  std::unique_ptr<AggregateState> state = singleGroupState(kind, TypeId::kHllSketch);
  for (size_t index : order) {
    ColumnPtr column = Column::makeFlat(DataType(TypeId::kHllSketch), 1);
    column->setValue(0, Value::hllSketch(sketches[index]));
    uint32_t row = 0;
    uint32_t gid = 0;
    state->update(column.get(), &row, &gid, 1);
  }
  return state;
}

std::string sketchBytes(AggregateState& state) {
  ColumnPtr result = state.finalize(1);
  return std::string(result->stringAt(0));
}

uint64_t estimateOf(AggregateState& state) { return state.finalize(1)->data<uint64_t>()[0]; }

// The accuracy sweep through the SQL aggregates. Each value set is split
// into 16 segments that build their own sketch (DS_HLL), and
// APPROX_COUNT_DISTINCT merges the 16 stored sketches in a shuffled order.
// Counts up to the sparse capacity (512 at lgK 12) must be exact. Above it,
// a single estimate falls outside 2 standard errors about 5% of the time by
// design. So the test takes 8 disjoint value sets per cardinality and
// requires their root-mean-square error within 2 standard errors, which an
// unbiased estimator fails with a probability of about 1e-4. Every single
// estimate must be within 4 standard errors.
TEST(SketchAggregateTest, AccuracyOverMergedSketchColumns) {
  const std::vector<int64_t> checkpoints = {1,    2,     10,     100,     512,     513,      1000,
                                            5000, 10000, 100000, 1000000, 3000000, 10000000};
  constexpr int kSets = 8;
  constexpr size_t kSegments = 16;
  const double standardError = 1.04 / std::sqrt(double{1 << HllSketch::kDefaultLgK});
  std::mt19937_64 random(7);

  std::vector<double> squaredErrors(checkpoints.size(), 0);
  for (int set = 0; set < kSets; ++set) {
    std::vector<std::unique_ptr<AggregateState>> segments;
    for (size_t s = 0; s < kSegments; ++s) segments.push_back(singleGroupState(AggregateKind::kHllSketch, TypeId::kInt64));
    int64_t base = static_cast<int64_t>(set + 1) << 40;
    int64_t added = 0;
    for (size_t c = 0; c < checkpoints.size(); ++c) {
      int64_t target = checkpoints[c];
      // Values go to the segments in runs of 1000, as time-ordered events
      // fill consecutive segments.
      while (added < target) {
        int64_t end = std::min(target, (added / 1000 + 1) * 1000);
        addRange(*segments[static_cast<size_t>(added / 1000) % kSegments], base + added, base + end);
        added = end;
      }

      std::vector<std::string> stored;
      for (auto& segment : segments) stored.push_back(sketchBytes(*segment));
      std::vector<size_t> order(kSegments);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), random);
      uint64_t estimate = estimateOf(*mergeSketchRows(AggregateKind::kApproxDistinct, stored, order));

      if (static_cast<size_t>(target) <= HllSketch::sparseCapacity(HllSketch::kDefaultLgK)) {
        EXPECT_EQ(estimate, static_cast<uint64_t>(target)) << "set=" << set << " n=" << target << ": must be exact";
        continue;
      }
      double relativeError = (static_cast<double>(estimate) - static_cast<double>(target)) / static_cast<double>(target);
      EXPECT_LE(std::abs(relativeError), 4 * standardError)
          << "set=" << set << " n=" << target << " estimate=" << estimate;
      squaredErrors[c] += relativeError * relativeError;
    }
  }

  for (size_t c = 0; c < checkpoints.size(); ++c) {
    if (static_cast<size_t>(checkpoints[c]) <= HllSketch::sparseCapacity(HllSketch::kDefaultLgK)) continue;
    double rmsError = std::sqrt(squaredErrors[c] / kSets);
    std::printf("n=%lld: rms relative error %.4f over %d sets (standard error %.4f)\n",
                static_cast<long long>(checkpoints[c]), rmsError, kSets, standardError);
    EXPECT_LE(rmsError, 2 * standardError) << "n=" << checkpoints[c];
  }
}

// Merging per-segment sketches gives the bytes of one sketch built over
// every value, for every merge order: chains in several orders, and the
// thread-local states that AggregateState::merge() combines.
TEST(SketchAggregateTest, MergeOrderGivesSameBytes) {
  for (int64_t total : {300, 5000, 200000}) {
    constexpr size_t kSegments = 12;
    std::vector<std::string> stored;
    for (size_t s = 0; s < kSegments; ++s) {
      std::unique_ptr<AggregateState> segment = singleGroupState(AggregateKind::kHllSketch, TypeId::kInt64);
      // Overlapping ranges: every value is in two or three segments.
      int64_t begin = static_cast<int64_t>(s) * total / static_cast<int64_t>(kSegments + 2);
      addRange(*segment, begin, std::min(total, begin + total / 4));
      stored.push_back(sketchBytes(*segment));
    }
    std::unique_ptr<AggregateState> whole = singleGroupState(AggregateKind::kHllSketch, TypeId::kInt64);
    for (size_t s = 0; s < kSegments; ++s) {
      int64_t begin = static_cast<int64_t>(s) * total / static_cast<int64_t>(kSegments + 2);
      addRange(*whole, begin, std::min(total, begin + total / 4));
    }
    const std::string expected = sketchBytes(*whole);

    std::vector<size_t> order(kSegments);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 random(static_cast<uint64_t>(total));
    for (int trial = 0; trial < 6; ++trial) {
      if (trial == 1) std::reverse(order.begin(), order.end());
      if (trial > 1) std::shuffle(order.begin(), order.end(), random);
      EXPECT_EQ(sketchBytes(*mergeSketchRows(AggregateKind::kHllSketch, stored, order)), expected)
          << "total=" << total << " trial=" << trial;
    }

    // Three "threads" each merge a share of the segments, then their states
    // merge into one, in two different orders.
    for (int rotation = 0; rotation < 3; ++rotation) {
      std::vector<std::unique_ptr<AggregateState>> threads;
      for (int t = 0; t < 3; ++t) {
        std::vector<size_t> share;
        for (size_t s = static_cast<size_t>(t); s < kSegments; s += 3) share.push_back(s);
        threads.push_back(mergeSketchRows(AggregateKind::kHllSketch, stored, share));
      }
      uint32_t gidMap = 0;
      std::unique_ptr<AggregateState>& target = threads[static_cast<size_t>(rotation)];
      for (int t = 0; t < 3; ++t) {
        if (t != rotation) target->merge(*threads[static_cast<size_t>(t)], &gidMap, 1);
      }
      EXPECT_EQ(sketchBytes(*target), expected) << "total=" << total << " rotation=" << rotation;
    }
  }
}

// Without an explicit lgK, merged sketches keep the smallest stored lgK;
// with one, the result is capped at it.
TEST(SketchAggregateTest, MergeKeepsStoredLgK) {
  HllSketch small = *HllSketch::create(11);
  HllSketch large = *HllSketch::create(14);
  for (int64_t i = 0; i < 50000; ++i) {
    small.updateInt64(i);
    large.updateInt64(i + 25000);
  }
  std::vector<std::string> stored = {small.serialize(), large.serialize()};

  std::unique_ptr<AggregateState> onlyLarge = mergeSketchRows(AggregateKind::kHllSketch, stored, {1});
  EXPECT_EQ(sketchBytes(*onlyLarge), large.serialize()) << "one lgK-14 sketch must come back unchanged";

  HllSketch expected = large;
  expected.merge(small);
  ASSERT_EQ(expected.lgK(), 11);
  EXPECT_EQ(sketchBytes(*mergeSketchRows(AggregateKind::kHllSketch, stored, {0, 1})), expected.serialize());
  EXPECT_EQ(sketchBytes(*mergeSketchRows(AggregateKind::kHllSketch, stored, {1, 0})), expected.serialize());

  AggregateSpec capped = sketchSpec(AggregateKind::kHllSketch, TypeId::kHllSketch);
  capped.lgK = 12;
  capped.explicitLgK = true;
  std::unique_ptr<AggregateState> state = makeAggregateState(capped);
  state->resize(1);
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kHllSketch), 1);
  column->setValue(0, Value::hllSketch(large.serialize()));
  uint32_t zero = 0;
  state->update(column.get(), &zero, &zero, 1);
  EXPECT_EQ(sketchBytes(*state), large.downsized(12).serialize());
}

TEST(SketchAggregateTest, EmptyGroupGivesEmptySketch) {
  std::unique_ptr<AggregateState> state = singleGroupState(AggregateKind::kHllSketch, TypeId::kInt64);
  absl::StatusOr<HllSketch> sketch = HllSketch::deserialize(sketchBytes(*state));
  ASSERT_TRUE(sketch.ok()) << sketch.status();
  EXPECT_TRUE(sketch->isEmpty());
  EXPECT_EQ(sketch->lgK(), HllSketch::kDefaultLgK);
  EXPECT_EQ(estimateOf(*singleGroupState(AggregateKind::kApproxDistinct, TypeId::kHllSketch)), 0u);
}

TEST(SketchAggregateTest, RejectsDamagedStoredSketch) {
  HllSketch sketch;
  sketch.updateInt64(1);
  std::string bytes = sketch.serialize();
  bytes[bytes.size() / 2] ^= 0x40;
  std::unique_ptr<AggregateState> state = singleGroupState(AggregateKind::kApproxDistinct, TypeId::kHllSketch);
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kHllSketch), 1);
  column->setValue(0, Value::hllSketch(bytes));
  uint32_t zero = 0;
  try {
    state->update(column.get(), &zero, &zero, 1);
    FAIL() << "a damaged sketch must fail the query";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kCorruptedData);
    EXPECT_NE(std::string(error.what()).find("checksum"), std::string::npos) << error.what();
  }
}

TEST(SketchAggregateTest, SketchesHaveNoOrderOrEquality) {
  for (AggregateKind kind : {AggregateKind::kMin, AggregateKind::kMax, AggregateKind::kCountDistinct}) {
    EXPECT_THROW(aggregateResultType(kind, DataType(TypeId::kHllSketch), "f"), QueryError);
  }
  EXPECT_EQ(aggregateResultType(AggregateKind::kAny, DataType(TypeId::kHllSketch), "any").id, TypeId::kHllSketch);
  EXPECT_EQ(aggregateResultType(AggregateKind::kHllSketch, DataType(TypeId::kString), "DS_HLL").id,
            TypeId::kHllSketch);
}

}  // namespace
}  // namespace furl::query
