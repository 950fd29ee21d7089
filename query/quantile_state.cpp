// quantile, median, quantileExact and medianExact: exact quantiles over
// every non-NULL value of a group.
//
// ClickHouse's `quantile` samples a reservoir of 8192 values and
// interpolates between neighbours. Furl keeps every value instead, so
// `quantile` equals ClickHouse's result while a group has at most 8192
// values and is the exact interpolated quantile above that.
// `quantileExact` returns the value at position floor(level * n) of the
// sorted values, without interpolation, as ClickHouse's does.
// NOTE: memory grows with the number of values per group (8 bytes each),
// and values are kept as doubles, so integers beyond 2^53 lose precision.

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "query/aggregate.h"

namespace furl::query {
namespace {

class QuantileState final : public AggregateState {
 public:
  QuantileState(TypeId argType, DataType resultType, double level, bool interpolate)
      : argType_(argType), resultType_(resultType), level_(level), interpolate_(interpolate) {}

  void resize(size_t numGroups) override { values_.resize(numGroups); }

  void update(const Column* arg, const uint32_t* rows, const uint32_t* gids, size_t n) override {
    ColumnPtr flat = Column::flatten(std::shared_ptr<Column>(const_cast<Column*>(arg), [](Column*) {}));
    bool nulls = flat->mayHaveNulls();
    dispatchPhysical(argType_, [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) {
        const T* data = flat->template data<T>();
        for (size_t k = 0; k < n; ++k) {
          uint32_t row = rows[k];
          if (nulls && flat->isNull(row)) continue;
          values_[gids[k]].push_back(static_cast<double>(data[row]));
        }
      }
    });
  }

  void merge(AggregateState& other, const uint32_t* gidMap, size_t otherGroups) override {
    auto& o = static_cast<QuantileState&>(other);
    for (size_t g = 0; g < otherGroups; ++g) {
      auto& into = values_[gidMap[g]];
      into.insert(into.end(), o.values_[g].begin(), o.values_[g].end());
    }
  }

  ColumnPtr finalize(size_t numGroups) override {
    auto out = Column::makeFlat(resultType_, numGroups);
    for (size_t g = 0; g < numGroups; ++g) {
      std::vector<double>& values = values_[g];
      if (values.empty()) {
        out->setNull(g);
        continue;
      }
      double result = interpolate_ ? interpolated(values) : exact(values);
      dispatchPhysical(resultType_.id, [&]<typename T>() {
        if constexpr (std::is_floating_point_v<T>) {
          out->template data<T>()[g] = static_cast<T>(result);
        } else if constexpr (std::is_integral_v<T>) {
          out->template data<T>()[g] = static_cast<T>(std::llround(result));
        }
      });
    }
    return out;
  }

 private:
  /// Returns the value at position floor(level * n) of the sorted values.
  double exact(std::vector<double>& values) const {
    size_t n = values.size();
    size_t position = level_ < 1 ? static_cast<size_t>(level_ * static_cast<double>(n)) : n - 1;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(position), values.end());
    return values[position];
  }

  /// Interpolates linearly between the two values around position level * (n - 1).
  double interpolated(std::vector<double>& values) const {
    double index = level_ * static_cast<double>(values.size() - 1);
    auto lower = static_cast<size_t>(index);
    double fraction = index - static_cast<double>(lower);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lower), values.end());
    double below = values[lower];
    if (fraction == 0 || lower + 1 == values.size()) return below;
    double above = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lower) + 1, values.end());
    return below + (above - below) * fraction;
  }

  TypeId argType_;
  DataType resultType_;
  double level_;
  bool interpolate_;
  std::vector<std::vector<double>> values_;
};

}  // namespace

std::unique_ptr<AggregateState> makeQuantileState(const AggregateSpec& spec) {
  return std::make_unique<QuantileState>(spec.arg->type.id, spec.resultType, spec.level,
                                         spec.kind == AggregateKind::kQuantile);
}

}  // namespace furl::query
