#include "query/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "common/error.h"
#include "common/hll_sketch.h"
#include "query/hashing.h"

namespace furl::query {
namespace {

using Int128 = __int128;
using UInt128 = unsigned __int128;

std::string int128ToString(Int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  UInt128 u = negative ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v);
  std::string digits;
  while (u != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// Returns a flat (or dictionary, for strings) view of `arg` so typed loops
// can index rows directly.
ColumnPtr flatArg(const Column* arg) {
  auto shared = std::shared_ptr<Column>(const_cast<Column*>(arg), [](Column*) {});
  if (arg->encoding() == Column::Encoding::kFlat) return shared;
  return Column::flatten(shared);
}

// Marks groups that saw at least one non-NULL value.
class SeenFlags {
 public:
  void resize(size_t n) { seen_.resize(n, 0); }
  void mark(uint32_t g) { seen_[g] = 1; }
  bool seen(uint32_t g) const { return seen_[g] != 0; }

 private:
  std::vector<uint8_t> seen_;
};

// Row k of a single-group update: rows[k], or k when the rows are dense.
inline uint32_t rowAt(const uint32_t* rows, size_t k) { return rows ? rows[k] : static_cast<uint32_t>(k); }

// Number of rows among rows[0..n) (or 0..n-1 when `rows` is null) where
// `column` is not NULL.
size_t countValid(const Column& column, const uint32_t* rows, size_t n) {
  if (!column.mayHaveNulls()) return n;
  size_t valid = 0;
  for (size_t k = 0; k < n; ++k) valid += column.isNull(rowAt(rows, k)) ? 0 : 1;
  return valid;
}

// --- count -------------------------------------------------------------------

class CountState final : public AggregateState {
 public:
  explicit CountState(bool countStar) : countStar_(countStar) {}

  void resize(size_t numGroups) override { counts_.resize(numGroups, 0); }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    if (countStar_ || !arg->mayHaveNulls()) {
      for (size_t k = 0; k < n; ++k) ++counts_[gids[k]];
      return;
    }
    for (size_t k = 0; k < n; ++k) {
      if (!arg->isNull(rows[k])) ++counts_[gids[k]];
    }
  }

  void updateSingleGroup(const Column* arg, const uint32_t* rows, size_t n) override {
    counts_[0] += countStar_ ? n : countValid(*arg, rows, n);
  }

  void updateRuns(const Column* arg, const uint32_t* rows, const uint32_t* gids, const uint32_t* runStarts,
                  size_t runs, size_t n) override {
    if (!countStar_ && arg->mayHaveNulls()) {
      update(arg, rows, gids, n);
      return;
    }
    for (size_t r = 0; r < runs; ++r) {
      const size_t end = r + 1 < runs ? runStarts[r + 1] : n;
      counts_[gids[runStarts[r]]] += end - runStarts[r];
    }
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<CountState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) counts_[gidMap[g]] += o.counts_[g];
  }

  ColumnPtr finalize(size_t numGroups) override {
    auto out = Column::makeFlat(DataType(TypeId::kUInt64), numGroups);
    std::copy(counts_.begin(), counts_.begin() + numGroups, out->data<uint64_t>());
    return out;
  }

  ColumnPtr finalizeGroups(size_t numGroups, const uint32_t* groups, size_t n, std::optional<int64_t> shift) override {
    if (shift) return AggregateState::finalizeGroups(numGroups, groups, n, shift);
    auto out = Column::makeFlat(DataType(TypeId::kUInt64), n);
    auto* values = out->data<uint64_t>();
    for (size_t r = 0; r < n; ++r) values[r] = counts_[groups[r]];
    return out;
  }

 private:
  bool countStar_;
  std::vector<uint64_t> counts_;
};

// --- sum and avg -------------------------------------------------------------

// Accumulator per physical input: Int128 for signed integers, UInt128 for
// unsigned ones and bool, double for floats. Wide integer accumulators make
// intermediate overflow impossible; only the final value is range-checked.
template <typename T>
using SumAccumulator =
    std::conditional_t<std::is_floating_point_v<T>, double, std::conditional_t<std::is_signed_v<T>, Int128, UInt128>>;

// Adds `value(k)` for k in [begin, end) into 64-bit sums. Eight
// independent lanes let GCC vectorise the dense loop at -O2 with plain SSE2,
// which a single accumulator does not.
template <typename Wide, typename ValueAt>
Wide addInLanes(size_t begin, size_t end, ValueAt&& value) {
  constexpr size_t kLanes = 8;
  Wide lanes[kLanes] = {};
  size_t k = begin;
  for (; k + kLanes <= end; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) lanes[j] += value(k + j);
  }
  Wide sum = 0;
  for (size_t j = 0; j < kLanes; ++j) sum += lanes[j];
  for (; k < end; ++k) sum += value(k);
  return sum;
}

// Adds the high 32 bits (an arithmetic shift for a signed T) and the low
// 32 bits of the 64-bit integers `value(k)` for k in [begin, end) into
// separate 64-bit sums, in one pass with four lanes each.
template <typename Wide, typename ValueAt>
void addHalvesInLanes(size_t begin, size_t end, ValueAt&& value, Wide& highSum, uint64_t& lowSum) {
  constexpr size_t kLanes = 4;
  Wide high[kLanes] = {};
  uint64_t low[kLanes] = {};
  size_t k = begin;
  for (; k + kLanes <= end; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      auto v = value(k + j);
      high[j] += static_cast<Wide>(v >> 32);
      low[j] += static_cast<uint64_t>(v) & 0xffffffffu;
    }
  }
  highSum = 0;
  lowSum = 0;
  for (size_t j = 0; j < kLanes; ++j) {
    highSum += high[j];
    lowSum += low[j];
  }
  for (; k < end; ++k) {
    auto v = value(k);
    highSum += static_cast<Wide>(v >> 32);
    lowSum += static_cast<uint64_t>(v) & 0xffffffffu;
  }
}

// Sum of values[rows[k]] (values[k] when `rows` is null) for k < n, for an
// integer T, added in 64-bit locals that cannot overflow. A value of at
// most 32 bits is added whole, and a 64-bit value as its high and low
// 32-bit halves. Each sum covers at most 2^31 rows, so no partial sum
// passes 2^63.
template <typename T>
SumAccumulator<T> sumIntegers(const T* values, const uint32_t* rows, size_t n) {
  constexpr size_t kChunkRows = size_t{1} << 31;
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  SumAccumulator<T> total = 0;
  for (size_t start = 0; start < n; start += kChunkRows) {
    size_t end = std::min(n, start + kChunkRows);
    if constexpr (sizeof(T) <= 4) {
      if (rows) {
        total += addInLanes<Wide>(start, end, [&](size_t k) { return static_cast<Wide>(values[rows[k]]); });
      } else {
        total += addInLanes<Wide>(start, end, [&](size_t k) { return static_cast<Wide>(values[k]); });
      }
    } else {
      Wide highSum;
      uint64_t lowSum;
      if (rows) {
        addHalvesInLanes(start, end, [&](size_t k) { return values[rows[k]]; }, highSum, lowSum);
      } else {
        addHalvesInLanes(start, end, [&](size_t k) { return values[k]; }, highSum, lowSum);
      }
      total += static_cast<SumAccumulator<T>>(highSum) * (SumAccumulator<T>{1} << 32) +
               static_cast<SumAccumulator<T>>(lowSum);
    }
  }
  return total;
}

template <typename T>
class SumState final : public AggregateState {
 public:
  SumState(DataType resultType, bool average) : resultType_(resultType), average_(average) {}

  void resize(size_t numGroups) override {
    sums_.resize(numGroups, 0);
    counts_.resize(numGroups, 0);
  }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    const T* values = flat->template data<T>();
    if (!flat->mayHaveNulls()) {
      for (size_t k = 0; k < n; ++k) {
        sums_[gids[k]] += values[rows[k]];
        ++counts_[gids[k]];
      }
      return;
    }
    for (size_t k = 0; k < n; ++k) {
      if (flat->isNull(rows[k])) continue;
      sums_[gids[k]] += values[rows[k]];
      ++counts_[gids[k]];
    }
  }

  void updateRuns(const Column* arg, const uint32_t* rows, const uint32_t* gids, const uint32_t* runStarts,
                  size_t runs, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    if (flat->mayHaveNulls()) {
      update(flat.get(), rows, gids, n);
      return;
    }
    const T* values = flat->template data<T>();
    for (size_t r = 0; r < runs; ++r) {
      const size_t start = runStarts[r];
      const size_t end = r + 1 < runs ? runStarts[r + 1] : n;
      const uint32_t g = gids[start];
      // The group's sum stays in a local for the run, and values are added
      // in row order as update() adds them, so float rounding is the same.
      auto sum = sums_[g];
      for (size_t k = start; k < end; ++k) sum += values[rows[k]];
      sums_[g] = sum;
      counts_[g] += end - start;
    }
  }

  void updateSingleGroup(const Column* arg, const uint32_t* rows, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    const T* values = flat->template data<T>();
    bool nulls = flat->mayHaveNulls();
    if constexpr (std::is_floating_point_v<T>) {
      // Added one by one in row order, as update() does, so the rounding
      // and therefore the result stay the same.
      double sum = sums_[0];
      uint64_t count = 0;
      for (size_t k = 0; k < n; ++k) {
        uint32_t row = rowAt(rows, k);
        if (nulls && flat->isNull(row)) continue;
        sum += values[row];
        ++count;
      }
      sums_[0] = sum;
      counts_[0] += count;
    } else {
      if (!nulls) {
        sums_[0] += sumIntegers(values, rows, n);
        counts_[0] += n;
        return;
      }
      SumAccumulator<T> sum = 0;
      uint64_t count = 0;
      for (size_t k = 0; k < n; ++k) {
        uint32_t row = rowAt(rows, k);
        if (flat->isNull(row)) continue;
        sum += values[row];
        ++count;
      }
      sums_[0] += sum;
      counts_[0] += count;
    }
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<SumState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      sums_[gidMap[g]] += o.sums_[g];
      counts_[gidMap[g]] += o.counts_[g];
    }
  }

  ColumnPtr finalize(size_t numGroups) override { return finalizeWithShift(numGroups, 0); }

  ColumnPtr finalizeGroups(size_t numGroups, const uint32_t* groups, size_t n, std::optional<int64_t> shift) override {
    if (shift && (average_ || std::is_floating_point_v<T>)) {
      return AggregateState::finalizeGroups(numGroups, groups, n, shift);
    }
    if constexpr (!std::is_floating_point_v<T>) {
      // The groups left out would still make finalize() throw.
      if (!average_) finalizeWithShift(numGroups, shift.value_or(0), nullptr, true);
    }
    return finalizeWithShift(n, shift.value_or(0), groups);
  }

  ColumnPtr finalizeShifted(size_t numGroups, int64_t shift) override {
    if constexpr (std::is_floating_point_v<T>) {
      return AggregateState::finalizeShifted(numGroups, shift);
    } else {
      if (average_) return AggregateState::finalizeShifted(numGroups, shift);
      return finalizeWithShift(numGroups, shift);
    }
  }

 private:
  // The results of groups groups[0..n), or of groups 0 to n-1 when `groups`
  // is null. With `checkOnly` nothing is stored and null is returned, but a
  // sum out of range still throws.
  ColumnPtr finalizeWithShift(size_t n, int64_t shift, const uint32_t* groups = nullptr, bool checkOnly = false) {
    auto out = checkOnly ? nullptr : Column::makeFlat(resultType_, n);
    for (size_t r = 0; r < n; ++r) {
      const size_t g = groups ? groups[r] : r;
      if (counts_[g] == 0) {
        if (out) out->setNull(r);
        continue;
      }
      if (average_) {
        if (out) out->data<double>()[r] = static_cast<double>(sums_[g]) / static_cast<double>(counts_[g]);
        continue;
      }
      if constexpr (std::is_floating_point_v<T>) {
        if (out) out->data<double>()[r] = sums_[g];
      } else if constexpr (std::is_signed_v<T>) {
        Int128 s = sums_[g] + static_cast<Int128>(shift) * static_cast<Int128>(counts_[g]);
        if (s > INT64_MAX || s < INT64_MIN) {
          throw QueryError(ErrorCode::kDecimalOverflow,
                           "sum " + int128ToString(s) +
                               " does not fit Int64; sum the values as Float64 instead: sum(toFloat64(x))");
        }
        if (out) out->data<int64_t>()[r] = static_cast<int64_t>(s);
      } else {
        Int128 shifted = static_cast<Int128>(sums_[g]) + static_cast<Int128>(shift) * static_cast<Int128>(counts_[g]);
        if (shifted < 0 && resultType_.id == TypeId::kInt64) {
          if (shifted < INT64_MIN) {
            throw QueryError(ErrorCode::kDecimalOverflow,
                             "sum " + int128ToString(shifted) +
                                 " does not fit Int64; sum the values as Float64 instead: sum(toFloat64(x))");
          }
          if (out) out->data<int64_t>()[r] = static_cast<int64_t>(shifted);
          continue;
        }
        if (resultType_.id == TypeId::kInt64) {
          if (shifted > INT64_MAX) {
            throw QueryError(ErrorCode::kDecimalOverflow,
                             "sum " + int128ToString(shifted) +
                                 " does not fit Int64; sum the values as Float64 instead: sum(toFloat64(x))");
          }
          if (out) out->data<int64_t>()[r] = static_cast<int64_t>(shifted);
          continue;
        }
        UInt128 s = static_cast<UInt128>(shifted);
        if (shifted < 0 || s > UINT64_MAX) {
          throw QueryError(ErrorCode::kDecimalOverflow,
                           "sum " + int128ToString(static_cast<Int128>(s)) +
                               " does not fit UInt64; sum the values as Float64 instead: sum(toFloat64(x))");
        }
        if (out) out->data<uint64_t>()[r] = static_cast<uint64_t>(s);
      }
    }
    return out;
  }

 private:
  DataType resultType_;
  bool average_;
  std::vector<SumAccumulator<T>> sums_;
  std::vector<uint64_t> counts_;
};

// --- min, max, any ------------------------------------------------------------

// The minimum (kMin) or maximum of `start` and value(k) for k < n, in
// eight independent lanes so GCC can vectorise the loop.
template <typename T, bool kMin, typename ValueAt>
T extremeInLanes(T start, size_t n, ValueAt&& value) {
  constexpr size_t kLanes = 8;
  T lanes[kLanes];
  for (size_t j = 0; j < kLanes; ++j) lanes[j] = start;
  auto better = [](T a, T b) {
    if constexpr (kMin) {
      return a < b ? a : b;
    } else {
      return a > b ? a : b;
    }
  };
  size_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) lanes[j] = better(value(k + j), lanes[j]);
  }
  T best = start;
  for (size_t j = 0; j < kLanes; ++j) best = better(lanes[j], best);
  for (; k < n; ++k) best = better(value(k), best);
  return best;
}

enum class Pick : uint8_t { kMin, kMax, kAny, kLast };

template <typename T>
class PickState final : public AggregateState {
 public:
  PickState(DataType resultType, Pick pick) : resultType_(resultType), pick_(pick) {}

  void resize(size_t numGroups) override {
    values_.resize(numGroups, T{});
    seen_.resize(numGroups);
  }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    const T* values = flat->template data<T>();
    bool nulls = flat->mayHaveNulls();
    for (size_t k = 0; k < n; ++k) {
      uint32_t row = rows[k];
      if (nulls && flat->isNull(row)) continue;
      offer(gids[k], values[row]);
    }
  }

  void updateSingleGroup(const Column* arg, const uint32_t* rows, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    const T* values = flat->template data<T>();
    bool nulls = flat->mayHaveNulls();
    if (nulls || pick_ == Pick::kAny || pick_ == Pick::kLast) {
      for (size_t k = 0; k < n; ++k) {
        uint32_t row = rowAt(rows, k);
        if (nulls && flat->isNull(row)) continue;
        offer(0, values[row]);
        if (pick_ == Pick::kAny) return;  // later values cannot replace the first
      }
      return;
    }
    if (n == 0) return;
    // The same comparisons in the same order as offer() makes, so a NaN is
    // kept or dropped exactly as there.
    T best = seen_.seen(0) ? values_[0] : values[rowAt(rows, 0)];
    if constexpr (std::is_integral_v<T>) {
      // Integers have no NaN, so the order of comparisons does not matter.
      if (pick_ == Pick::kMin) {
        best = rows ? extremeInLanes<T, true>(best, n, [&](size_t k) { return values[rows[k]]; })
                    : extremeInLanes<T, true>(best, n, [&](size_t k) { return values[k]; });
      } else {
        best = rows ? extremeInLanes<T, false>(best, n, [&](size_t k) { return values[rows[k]]; })
                    : extremeInLanes<T, false>(best, n, [&](size_t k) { return values[k]; });
      }
    } else if (pick_ == Pick::kMin) {
      for (size_t k = 0; k < n; ++k) best = values[rowAt(rows, k)] < best ? values[rowAt(rows, k)] : best;
    } else {
      for (size_t k = 0; k < n; ++k) best = values[rowAt(rows, k)] > best ? values[rowAt(rows, k)] : best;
    }
    values_[0] = best;
    seen_.mark(0);
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<PickState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      if (o.seen_.seen(static_cast<uint32_t>(g))) offer(gidMap[g], o.values_[g]);
    }
  }

  ColumnPtr finalize(size_t numGroups) override {
    auto out = Column::makeFlat(resultType_, numGroups);
    T* dst = out->template data<T>();
    for (size_t g = 0; g < numGroups; ++g) {
      if (seen_.seen(static_cast<uint32_t>(g))) {
        dst[g] = values_[g];
      } else {
        out->setNull(g);
      }
    }
    return out;
  }

 private:
  void offer(uint32_t g, T v) {
    if (!seen_.seen(g)) {
      values_[g] = v;
      seen_.mark(g);
      return;
    }
    bool replace = pick_ == Pick::kLast || (pick_ == Pick::kMin ? v < values_[g] : (pick_ == Pick::kMax && v > values_[g]));
    if (replace) values_[g] = v;
  }

  DataType resultType_;
  Pick pick_;
  std::vector<T> values_;
  SeenFlags seen_;
};

class StringPickState final : public AggregateState {
 public:
  StringPickState(DataType resultType, Pick pick) : resultType_(resultType), pick_(pick) {}

  void resize(size_t numGroups) override {
    values_.resize(numGroups);
    seen_.resize(numGroups);
  }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    if (arg->isDictionary() && arg->dictionary().sorted && (pick_ == Pick::kMin || pick_ == Pick::kMax)) {
      updateByCodes(*arg, rows, gids, n);
      return;
    }
    for (size_t k = 0; k < n; ++k) {
      if (arg->isNull(rows[k])) continue;
      offer(gids[k], arg->stringAt(rows[k]));
    }
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<StringPickState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      if (o.seen_.seen(static_cast<uint32_t>(g))) offer(gidMap[g], o.values_[g]);
    }
  }

  ColumnPtr finalize(size_t numGroups) override {
    auto out = Column::makeFlat(resultType_, numGroups);
    auto* dst = out->data<std::string_view>();
    for (size_t g = 0; g < numGroups; ++g) {
      if (seen_.seen(static_cast<uint32_t>(g))) {
        dst[g] = out->heap().add(values_[g]);
      } else {
        out->setNull(g);
      }
    }
    return out;
  }

 private:
  void offer(uint32_t g, std::string_view v) {
    if (!seen_.seen(g)) {
      values_[g].assign(v);
      seen_.mark(g);
      return;
    }
    bool replace = pick_ == Pick::kLast || (pick_ == Pick::kMin ? v < values_[g] : (pick_ == Pick::kMax && v > values_[g]));
    if (replace) values_[g].assign(v);
  }

  // In a sorted dictionary code order is value order, so the batch's best
  // code of each group is found by comparing integers and only its string
  // is compared with the group's value.
  void updateByCodes(const Column& arg, const uint32_t* rows, const uint32_t* gids, size_t n) {
    constexpr uint32_t kNoCode = UINT32_MAX;
    if (bestCodes_.size() < values_.size()) bestCodes_.resize(values_.size(), kNoCode);
    const uint32_t* codes = arg.codes();
    const bool nulls = arg.mayHaveNulls();
    const bool min = pick_ == Pick::kMin;
    touched_.clear();
    for (size_t k = 0; k < n; ++k) {
      if (nulls && arg.isNull(rows[k])) continue;
      uint32_t code = codes[rows[k]];
      uint32_t& best = bestCodes_[gids[k]];
      if (best == kNoCode) {
        best = code;
        touched_.push_back(gids[k]);
      } else if (min ? code < best : code > best) {
        best = code;
      }
    }
    const std::vector<std::string_view>& entries = arg.dictionary().values;
    for (uint32_t g : touched_) {
      offer(g, entries[bestCodes_[g]]);
      bestCodes_[g] = kNoCode;
    }
  }

  DataType resultType_;
  Pick pick_;
  std::vector<std::string> values_;
  SeenFlags seen_;
  // Reused by updateByCodes(): the best code per group, kNoCode outside a batch.
  std::vector<uint32_t> bestCodes_;
  std::vector<uint32_t> touched_;
};

// --- argMin / argMax ------------------------------------------------------------

// argMin(x, key) and argMax(x, key): per group the smallest (largest) key
// seen and the x of its row. A row is skipped when x or key is NULL, as in
// ClickHouse. Keys are compared in their physical type K (std::string for
// strings); the value is kept as a Value and read from its column only when
// a row replaces the group's best, which after the first rows is rare. Of
// equal keys the first row seen wins; across threads which one is first is
// not defined (ClickHouse says the same).
template <typename K>
class ArgPickState final : public AggregateState {
  using Stored = std::conditional_t<std::is_same_v<K, std::string_view>, std::string, K>;

 public:
  ArgPickState(DataType resultType, bool max) : resultType_(resultType), max_(max) {}

  void resize(size_t numGroups) override {
    keys_.resize(numGroups);
    values_.resize(numGroups);
    seen_.resize(numGroups);
  }

  void update(const Column*, const uint32_t*, const uint32_t*, size_t) override {
    throw QueryError(ErrorCode::kLogicalError, "argMin/argMax needs its key column");
  }

  void updateSingleGroup(const Column*, const uint32_t*, size_t) override {
    throw QueryError(ErrorCode::kLogicalError, "argMin/argMax needs its key column");
  }

  void updateWithKey(const Column* arg, const Column* key, const uint32_t* rows, const uint32_t* gids,
                     size_t n) override {
    ColumnPtr flatKey;
    const K* keys = nullptr;
    if constexpr (!std::is_same_v<K, std::string_view>) {
      flatKey = flatArg(key);
      keys = flatKey->template data<K>();
    }
    const bool keyNulls = key->mayHaveNulls();
    const bool argNulls = arg->mayHaveNulls();
    for (size_t k = 0; k < n; ++k) {
      uint32_t row = rows[k];
      if ((keyNulls && key->isNull(row)) || (argNulls && arg->isNull(row))) continue;
      uint32_t g = gids[k];
      if constexpr (std::is_same_v<K, std::string_view>) {
        std::string_view candidate = key->stringAt(row);
        if (seen_.seen(g) && !better(candidate, keys_[g])) continue;
        keys_[g].assign(candidate);
      } else {
        K candidate = keys[row];
        if (seen_.seen(g) && !better(candidate, keys_[g])) continue;
        keys_[g] = candidate;
      }
      values_[g] = arg->getValue(row);
      seen_.mark(g);
    }
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<ArgPickState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      if (!o.seen_.seen(static_cast<uint32_t>(g))) continue;
      uint32_t to = gidMap[g];
      if (seen_.seen(to) && !better(o.keys_[g], keys_[to])) continue;
      keys_[to] = std::move(o.keys_[g]);
      values_[to] = std::move(o.values_[g]);
      seen_.mark(to);
    }
  }

  ColumnPtr finalize(size_t numGroups) override {
    auto out = Column::makeFlat(resultType_, numGroups);
    for (size_t g = 0; g < numGroups; ++g) {
      if (seen_.seen(static_cast<uint32_t>(g))) {
        out->setValue(g, values_[g]);
      } else {
        out->setNull(g);
      }
    }
    return out;
  }

 private:
  // True when `candidate` replaces `best`: strictly smaller (larger), so the
  // first of equal keys stays. Every comparison with a NaN is false, so a
  // NaN key replaces nothing, and stays once it is a group's first key.
  template <typename A, typename B>
  bool better(const A& candidate, const B& best) const {
    return max_ ? best < candidate : candidate < best;
  }

  DataType resultType_;
  bool max_;
  std::vector<Stored> keys_;
  std::vector<Value> values_;
  SeenFlags seen_;
};

// --- count(DISTINCT x) ---------------------------------------------------------

// Exact distinct counting: one set of (group, value) pairs for all groups,
// and a count per group of the pairs added. Fixed-width values are keyed by
// their bit pattern widened to 64 bits, strings by an interned id.
class DistinctCounter {
 public:
  void resize(size_t numGroups) { counts_.resize(numGroups, 0); }

  // Adds values[k] to group gids[k] for k < n.
  void add(const uint32_t* gids, const uint64_t* values, size_t n) {
    hashes_.resize(n);
    for (size_t k = 0; k < n; ++k) hashes_[k] = GroupValueSet::hash(gids[k], values[k]);
    for (size_t k = 0; k < n; ++k) {
      if (k + kPrefetchDistance < n) set_.prefetch(hashes_[k + kPrefetchDistance]);
      if (set_.insert(gids[k], values[k], hashes_[k])) ++counts_[gids[k]];
    }
  }

  // Adds every pair of `other`, its group g mapped to gidMap[g] and its
  // value v to mapValue(v).
  template <typename MapValue>
  void merge(const DistinctCounter& other, const uint32_t* gidMap, MapValue&& mapValue) {
    other.set_.forEach([&](uint32_t g, uint64_t v) {
      uint32_t gid = gidMap[g];
      uint64_t value = mapValue(v);
      if (set_.insert(gid, value, GroupValueSet::hash(gid, value))) ++counts_[gid];
    });
  }

  ColumnPtr finalize(size_t numGroups) const {
    auto out = Column::makeFlat(DataType(TypeId::kUInt64), numGroups);
    std::copy(counts_.begin(), counts_.begin() + static_cast<std::ptrdiff_t>(numGroups), out->data<uint64_t>());
    return out;
  }

 private:
  static constexpr size_t kPrefetchDistance = 8;
  GroupValueSet set_;
  std::vector<uint64_t> counts_;
  std::vector<uint64_t> hashes_;
};

class DistinctFixedState final : public AggregateState {
 public:
  explicit DistinctFixedState(TypeId type) : type_(type) {}

  void resize(size_t numGroups) override { counter_.resize(numGroups); }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    ColumnPtr flat = flatArg(arg);
    bool nulls = flat->mayHaveNulls();
    values_.resize(n);
    gids_.resize(n);
    size_t kept = 0;
    dispatchPhysical(type_, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string_view>) {
        const T* values = flat->template data<T>();
        for (size_t k = 0; k < n; ++k) {
          if (nulls && flat->isNull(rows[k])) continue;
          values_[kept] = toKey(values[rows[k]]);
          gids_[kept] = gids[k];
          ++kept;
        }
      }
    });
    counter_.add(gids_.data(), values_.data(), kept);
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t) override {
    auto& o = static_cast<DistinctFixedState&>(other);
    counter_.merge(o.counter_, gidMap, [](uint64_t v) { return v; });
  }

  ColumnPtr finalize(size_t numGroups) override { return counter_.finalize(numGroups); }

 private:
  template <typename T>
  static uint64_t toKey(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      double d = v == 0 ? 0.0 : static_cast<double>(v);  // -0.0 and 0.0 are one value
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof(bits));
      return bits;
    } else {
      return static_cast<uint64_t>(v);
    }
  }

  TypeId type_;
  DistinctCounter counter_;
  std::vector<uint64_t> values_;
  std::vector<uint32_t> gids_;
};

class DistinctStringState final : public AggregateState {
 public:
  void resize(size_t numGroups) override { counter_.resize(numGroups); }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    values_.resize(n);
    gids_.resize(n);
    size_t kept = 0;
    bool nulls = arg->mayHaveNulls();
    if (arg->isDictionary()) {
      dictionaryIds_.internRows(*arg, rows, n, strings_);
      const uint32_t* codes = arg->codes();
      for (size_t k = 0; k < n; ++k) {
        if (nulls && arg->isNull(rows[k])) continue;
        values_[kept] = dictionaryIds_.idOf(*arg, codes[rows[k]], strings_);
        gids_[kept] = gids[k];
        ++kept;
      }
    } else {
      for (size_t k = 0; k < n; ++k) {
        if (nulls && arg->isNull(rows[k])) continue;
        values_[kept] = strings_.intern(arg->stringAt(rows[k]));
        gids_[kept] = gids[k];
        ++kept;
      }
    }
    counter_.add(gids_.data(), values_.data(), kept);
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t) override {
    auto& o = static_cast<DistinctStringState&>(other);
    counter_.merge(o.counter_, gidMap,
                   [&](uint64_t id) -> uint64_t {
                     auto otherId = static_cast<uint32_t>(id);
                     return strings_.intern(o.strings_.at(otherId), o.strings_.hashAt(otherId));
                   });
  }

  ColumnPtr finalize(size_t numGroups) override { return counter_.finalize(numGroups); }

 private:
  StringInterner strings_;
  DictionaryInterner dictionaryIds_;
  DistinctCounter counter_;
  std::vector<uint64_t> values_;
  std::vector<uint32_t> gids_;
};

// min(NULL), max(NULL), any(NULL): always NULL.
class NullState final : public AggregateState {
 public:
  explicit NullState(DataType resultType = DataType(TypeId::kNull, true)) : resultType_(resultType) {}
  void resize(size_t) override {}
  void update(const Column*, const uint32_t*, const uint32_t*, size_t) override {}
  void updateWithKey(const Column*, const Column*, const uint32_t*, const uint32_t*, size_t) override {}
  void merge(AggregateState&, const uint32_t*, size_t) override {}
  ColumnPtr finalize(size_t numGroups) override { return Column::makeConstant(resultType_, Value(), numGroups); }

 private:
  DataType resultType_;
};

// Approximate distinct counting with one HyperLogLog sketch per group. Raw
// values are hashed into the sketch; HLLSketch values are merged into it.
// The result is the estimate (APPROX_COUNT_DISTINCT, uniq) or the sketch
// (DS_HLL).
class ApproxDistinctState final : public AggregateState {
 public:
  explicit ApproxDistinctState(const AggregateSpec& spec)
      : lgK_(spec.lgK), explicitLgK_(spec.explicitLgK), returnsSketch_(spec.kind == AggregateKind::kHllSketch) {}

  void resize(size_t numGroups) override { sketches_.resize(numGroups); }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    TypeId id = arg->type().id;
    if (id == TypeId::kNull) return;
    if (id == TypeId::kHllSketch) {
      for (size_t k = 0; k < n; ++k) {
        if (!arg->isNull(rows[k])) mergeStored(gids[k], arg->stringAt(rows[k]));
      }
      return;
    }
    if (id == TypeId::kString) {
      for (size_t k = 0; k < n; ++k) {
        if (!arg->isNull(rows[k])) sketchOf(gids[k]).updateString(arg->stringAt(rows[k]));
      }
      return;
    }
    ColumnPtr flat = flatArg(arg);
    bool nulls = flat->mayHaveNulls();
    dispatchPhysical(id, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string_view>) {
        const T* values = flat->template data<T>();
        for (size_t k = 0; k < n; ++k) {
          if (nulls && flat->isNull(rows[k])) continue;
          T v = values[rows[k]];
          if constexpr (std::is_floating_point_v<T>) {
            sketchOf(gids[k]).updateDouble(static_cast<double>(v));
          } else if constexpr (std::is_unsigned_v<T>) {
            sketchOf(gids[k]).updateUInt64(v);
          } else {
            sketchOf(gids[k]).updateInt64(v);
          }
        }
      }
    });
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<ApproxDistinctState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      if (o.sketches_[g].has_value()) mergeInto(gidMap[g], std::move(*o.sketches_[g]));
    }
  }

  ColumnPtr finalize(size_t numGroups) override {
    if (returnsSketch_) {
      auto out = Column::makeFlat(DataType(TypeId::kHllSketch), numGroups);
      auto* values = out->data<std::string_view>();
      std::string bytes;
      for (size_t g = 0; g < numGroups; ++g) {
        bytes.clear();
        // A group without values gets an empty sketch rather than NULL.
        const HllSketch& sketch = sketches_[g].has_value() ? *sketches_[g] : emptySketch();
        sketch.serializeTo(bytes);
        values[g] = out->heap().add(bytes);
      }
      return out;
    }
    auto out = Column::makeFlat(DataType(TypeId::kUInt64), numGroups);
    for (size_t g = 0; g < numGroups; ++g) {
      double estimate = sketches_[g].has_value() ? sketches_[g]->estimate() : 0.0;
      out->data<uint64_t>()[g] = static_cast<uint64_t>(std::llround(estimate));
    }
    return out;
  }

 private:
  HllSketch emptySketch() const { return *HllSketch::create(lgK_); }

  // The sketch of group g for raw values: created at lgK on first use.
  HllSketch& sketchOf(uint32_t g) {
    if (!sketches_[g].has_value()) sketches_[g] = emptySketch();
    return *sketches_[g];
  }

  // Merges a sketch into group g. The first sketch of a group is taken as it
  // is, so without an explicit lgK the group keeps the stored lgK, and
  // HllSketch::merge() keeps the smaller lgK after that. The result depends
  // only on the set of merged sketches, not on their order.
  void mergeInto(uint32_t g, HllSketch&& sketch) {
    if (explicitLgK_ && sketch.lgK() > lgK_) sketch = sketch.downsized(lgK_);
    if (!sketches_[g].has_value()) {
      sketches_[g] = std::move(sketch);
    } else {
      sketches_[g]->merge(sketch);
    }
  }

  void mergeStored(uint32_t g, std::string_view bytes) {
    absl::StatusOr<HllSketch> sketch = HllSketch::deserialize(bytes);
    if (!sketch.ok()) {
      throw QueryError(ErrorCode::kCorruptedData,
                       "cannot merge a stored HLL sketch: " + std::string(sketch.status().message()));
    }
    mergeInto(g, std::move(*sketch));
  }

  int lgK_;
  bool explicitLgK_;
  bool returnsSketch_;
  // One sketch per group, absent until the group gets its first value or sketch.
  std::vector<std::optional<HllSketch>> sketches_;
};

template <template <typename> class State, typename... Args>
std::unique_ptr<AggregateState> makeTyped(TypeId type, Args&&... args) {
  return dispatchPhysical(type, [&]<typename T>() -> std::unique_ptr<AggregateState> {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return nullptr;
    } else {
      return std::make_unique<State<T>>(std::forward<Args>(args)...);
    }
  });
}

}  // namespace

namespace {

// For a single-group update through update(): `rows`, or 0..n-1 when it is
// null, and n group ids 0. Both arrays are per thread and reused.
std::pair<const uint32_t*, const uint32_t*> singleGroupArrays(const uint32_t* rows, size_t n) {
  thread_local std::vector<uint32_t> denseRows;
  thread_local std::vector<uint32_t> zeroGids;
  if (!rows) {
    if (denseRows.size() < n) {
      size_t from = denseRows.size();
      denseRows.resize(n);
      for (size_t k = from; k < n; ++k) denseRows[k] = static_cast<uint32_t>(k);
    }
    rows = denseRows.data();
  }
  if (zeroGids.size() < n) zeroGids.resize(n, 0);
  return {rows, zeroGids.data()};
}

}  // namespace

void AggregateState::updateSingleGroup(const Column* arg, const uint32_t* rows, size_t n) {
  auto [rowIds, gids] = singleGroupArrays(rows, n);
  update(arg, rowIds, gids, n);
}

void AggregateState::updateSingleGroupWithKey(const Column* arg, const Column* key, const uint32_t* rows, size_t n) {
  auto [rowIds, gids] = singleGroupArrays(rows, n);
  updateWithKey(arg, key, rowIds, gids, n);
}

void AggregateState::updateWithKey(const Column*, const Column*, const uint32_t*, const uint32_t*, size_t) {
  throw QueryError(ErrorCode::kLogicalError, "this aggregate has no compared second argument");
}

ColumnPtr AggregateState::finalizeShifted(size_t, int64_t) {
  throw QueryError(ErrorCode::kLogicalError, "only an integer sum can be finalized with a shift");
}

ColumnPtr AggregateState::finalizeGroups(size_t numGroups, const uint32_t* groups, size_t n,
                                         std::optional<int64_t> shift) {
  ColumnPtr all = shift ? finalizeShifted(numGroups, *shift) : finalize(numGroups);
  return Column::gather(all, groups, n);
}

std::optional<std::pair<BoundExprPtr, int64_t>> splitShiftedSum(const AggregateSpec& spec) {
  if (spec.kind != AggregateKind::kSum || !spec.arg || spec.arg->kind != BoundExpr::Kind::kFunction) {
    return std::nullopt;
  }
  const BoundExpr& call = *spec.arg;
  bool plus = call.functionName == "plus";
  if ((!plus && call.functionName != "minus") || call.args.size() != 2 || !isInteger(call.type.id)) {
    return std::nullopt;
  }
  for (size_t side = 0; side < 2; ++side) {
    const BoundExprPtr& x = call.args[side];
    const BoundExpr& c = *call.args[1 - side];
    if (!plus && side == 1) break;  // c - x is not a shift of x
    if (!c.isConstant() || c.constant.isNull() || !isInteger(c.type.id)) continue;
    if (!isInteger(x->type.id) || physicalWidth(x->type.id) > 4) continue;
    if (isSignedInteger(x->type.id) && spec.resultType.id != TypeId::kInt64) continue;
    int64_t shift = 0;
    const auto& storage = c.constant.storage();
    if (const auto* u = std::get_if<uint64_t>(&storage)) {
      if (*u > static_cast<uint64_t>(INT32_MAX)) continue;
      shift = static_cast<int64_t>(*u);
    } else if (const auto* i = std::get_if<int64_t>(&storage)) {
      if (*i > INT32_MAX || *i < INT32_MIN) continue;
      shift = *i;
    } else {
      continue;
    }
    return std::make_pair(x, plus ? shift : -shift);
  }
  return std::nullopt;
}

std::optional<std::string_view> stripIfCombinator(std::string_view name) {
  constexpr std::string_view kSuffix = "If";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) return std::nullopt;
  std::string_view base = name.substr(0, name.size() - kSuffix.size());
  if (!findAggregate(base, false)) return std::nullopt;
  return base;
}

std::optional<AggregateKind> findAggregate(std::string_view name, bool distinct) {
  if (auto base = stripIfCombinator(name)) return findAggregate(*base, distinct);
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "anylast" || lower == "last_value") return AggregateKind::kAnyLast;
  if (lower == "quantile" || lower == "median") return AggregateKind::kQuantile;
  if (lower == "quantileexact" || lower == "medianexact") return AggregateKind::kQuantileExact;
  if (lower == "count") return distinct ? AggregateKind::kCountDistinct : AggregateKind::kCount;
  if (lower == "uniqexact") return AggregateKind::kCountDistinct;
  if (lower == "sum") return AggregateKind::kSum;
  if (lower == "min") return AggregateKind::kMin;
  if (lower == "max") return AggregateKind::kMax;
  if (lower == "avg") return AggregateKind::kAvg;
  if (lower == "any" || lower == "any_value") return AggregateKind::kAny;
  if (lower == "uniq" || lower == "uniqhll12" || lower == "uniqcombined" || lower == "uniqcombined64" ||
      lower == "approx_count_distinct" || lower == "approx_count_distinct_ds_hll") {
    return AggregateKind::kApproxDistinct;
  }
  if (lower == "ds_hll") return AggregateKind::kHllSketch;
  if (lower == "argmin" || lower == "min_by" || lower == "arg_min" || lower == "earliest_by" || lower == "earliest") {
    return AggregateKind::kArgMin;
  }
  if (lower == "argmax" || lower == "max_by" || lower == "arg_max" || lower == "latest_by" || lower == "latest") {
    return AggregateKind::kArgMax;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& aggregateFunctionNames() {
  static const std::vector<std::string_view> kNames = {
      "count",       "sum",          "min",          "max",           "avg",       "any",
      "any_value",   "anyLast",      "last_value",   "uniq",          "uniqExact", "uniqHLL12",
      "uniqCombined", "uniqCombined64", "APPROX_COUNT_DISTINCT", "APPROX_COUNT_DISTINCT_DS_HLL", "DS_HLL",
      "quantile",    "median",       "quantileExact", "medianExact",  "argMin",    "argMax",
      "min_by",      "max_by",       "arg_min",      "arg_max",       "EARLIEST",  "LATEST",
      "EARLIEST_BY", "LATEST_BY"};
  return kNames;
}

bool takesHllParameters(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  return lower == "approx_count_distinct_ds_hll" || lower == "ds_hll";
}

DataType aggregateResultType(AggregateKind kind, DataType argType, std::string_view name) {
  auto illegal = [&](std::string_view expected) {
    std::string message = "illegal type " + argType.toString() + " of argument of aggregate function " +
                          std::string(name) + "; expected " + std::string(expected);
    // A sketch column holds distinct counts, which is what sum() or max()
    // over it was most likely meant for.
    if (argType.id == TypeId::kHllSketch && kind != AggregateKind::kCountDistinct) {
      message += "; for the distinct count of a sketch column use APPROX_COUNT_DISTINCT(x), to merge sketches DS_HLL(x)";
    }
    return QueryError(ErrorCode::kIllegalTypeOfArgument, message);
  };
  switch (kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return DataType(TypeId::kUInt64);
    case AggregateKind::kCountDistinct:
      if (argType.id == TypeId::kHllSketch) {
        throw illegal("a value with equality; merge sketches with APPROX_COUNT_DISTINCT(x) instead");
      }
      return DataType(TypeId::kUInt64);
    case AggregateKind::kApproxDistinct:
      return DataType(TypeId::kUInt64);
    case AggregateKind::kHllSketch:
      return DataType(TypeId::kHllSketch);
    case AggregateKind::kSum:
      if (!isNumeric(argType.id)) throw illegal("a number");
      if (isFloat(argType.id)) return DataType(TypeId::kFloat64, true);
      if (isUnsignedInteger(argType.id) || argType.id == TypeId::kBool) return DataType(TypeId::kUInt64, true);
      return DataType(TypeId::kInt64, true);
    case AggregateKind::kAvg:
      if (!isNumeric(argType.id)) throw illegal("a number");
      return DataType(TypeId::kFloat64, true);
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (argType.id == TypeId::kHllSketch) throw illegal("a value with an order; sketches have none");
      if (argType.id == TypeId::kNull) return DataType(TypeId::kNull, true);
      return argType.withNullable(true);
    case AggregateKind::kAny:
    case AggregateKind::kAnyLast:
      if (argType.id == TypeId::kNull) return DataType(TypeId::kNull, true);
      return argType.withNullable(true);
    case AggregateKind::kArgMin:
    case AggregateKind::kArgMax:
      if (argType.id == TypeId::kNull) return DataType(TypeId::kNull, true);
      return argType.withNullable(true);
    case AggregateKind::kQuantile:
    case AggregateKind::kQuantileExact:
      if (isTemporal(argType.id)) return argType.withNullable(true);
      if (!isNumeric(argType.id) || argType.id == TypeId::kBool) throw illegal("a number, a date or a time");
      return DataType(TypeId::kFloat64, true);
  }
  throw QueryError(ErrorCode::kLogicalError, "unknown aggregate kind");
}

std::unique_ptr<AggregateState> makeAggregateState(const AggregateSpec& spec) {
  TypeId argType = spec.arg ? spec.arg->type.id : TypeId::kNull;
  switch (spec.kind) {
    case AggregateKind::kCountStar:
      return std::make_unique<CountState>(true);
    case AggregateKind::kCount:
      return std::make_unique<CountState>(false);
    case AggregateKind::kSum:
      return makeTyped<SumState>(argType, spec.resultType, false);
    case AggregateKind::kAvg:
      return makeTyped<SumState>(argType, spec.resultType, true);
    case AggregateKind::kMin:
    case AggregateKind::kMax:
    case AggregateKind::kAny:
    case AggregateKind::kAnyLast: {
      Pick pick = spec.kind == AggregateKind::kMin   ? Pick::kMin
                  : spec.kind == AggregateKind::kMax ? Pick::kMax
                  : spec.kind == AggregateKind::kAny ? Pick::kAny
                                                     : Pick::kLast;
      if (isByteString(argType)) return std::make_unique<StringPickState>(spec.resultType, pick);
      if (argType == TypeId::kNull) return std::make_unique<NullState>();
      return makeTyped<PickState>(argType, spec.resultType, pick);
    }
    case AggregateKind::kApproxDistinct:
    case AggregateKind::kHllSketch:
      return std::make_unique<ApproxDistinctState>(spec);
    case AggregateKind::kQuantile:
    case AggregateKind::kQuantileExact:
      return makeQuantileState(spec);
    case AggregateKind::kCountDistinct:
      if (argType == TypeId::kString) return std::make_unique<DistinctStringState>();
      return std::make_unique<DistinctFixedState>(argType);
    case AggregateKind::kArgMin:
    case AggregateKind::kArgMax: {
      bool max = spec.kind == AggregateKind::kArgMax;
      // A NULL literal as either argument skips every row.
      if (argType == TypeId::kNull || spec.key->type.id == TypeId::kNull) {
        return std::make_unique<NullState>(spec.resultType);
      }
      return dispatchPhysical(spec.key->type.id, [&]<typename K>() -> std::unique_ptr<AggregateState> {
        return std::make_unique<ArgPickState<K>>(spec.resultType, max);
      });
    }
  }
  throw QueryError(ErrorCode::kLogicalError, "unknown aggregate kind");
}

}  // namespace furl::query
