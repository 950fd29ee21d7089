// Scalar functions over HLLSketch values, with Druid's names and arguments:
//
//   HLL_SKETCH_ESTIMATE(sketch [, round])   Float64 estimate of the distinct
//                                           count; rounded when round is true
//   HLL_SKETCH_UNION([lgK, [tgtHllType,]] sketch, ...)
//                                           the union of the sketches of a
//                                           row; NULL sketches are skipped
//
// The aggregates that build and merge sketches across rows (DS_HLL,
// APPROX_COUNT_DISTINCT) live in query/aggregate.cpp.

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "common/hll_sketch.h"
#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/function_util.h"

namespace furl::query {
namespace {

HllSketch readSketch(std::string_view bytes, std::string_view function) {
  absl::StatusOr<HllSketch> sketch = HllSketch::deserialize(bytes);
  if (!sketch.ok()) {
    throw QueryError(ErrorCode::kCorruptedData,
                     fmt::format("{} cannot read a sketch: {}", function, std::string(sketch.status().message())));
  }
  return std::move(*sketch);
}

void requireSketch(std::string_view function, const FunctionArgs& args, size_t index) {
  TypeId id = args[index].type.id;
  if (id != TypeId::kHllSketch && id != TypeId::kNull) {
    throwArgumentType(function, args, index, "HLLSketch, such as a sketch column or DS_HLL(x)");
  }
}

class SketchEstimate final : public ScalarFunction {
 public:
  SketchEstimate(DataType resultType, bool round)
      : ScalarFunction("HLL_SKETCH_ESTIMATE", resultType), round_(round) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& in = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    copyValidity(*out, in, numRows);
    double* values = out->data<double>();
    forEachRow(numRows, sel, [&](size_t i) {
      if (in.isNull(i)) return;
      double estimate = readSketch(in.stringAt(i), name()).estimate();
      values[i] = round_ ? std::round(estimate) : estimate;
    });
    return out;
  }

 private:
  bool round_;
};

class SketchUnion final : public ScalarFunction {
 public:
  SketchUnion(std::optional<int> lgK, size_t firstSketch)
      : ScalarFunction("HLL_SKETCH_UNION", DataType(TypeId::kHllSketch)), lgK_(lgK), firstSketch_(firstSketch) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    auto* values = out->data<std::string_view>();
    std::string bytes;
    forEachRow(numRows, sel, [&](size_t i) {
      std::optional<HllSketch> result;
      for (size_t a = firstSketch_; a < args.size(); ++a) {
        const Column& in = *args[a];
        if (in.type().id == TypeId::kNull || in.isNull(i)) continue;
        HllSketch sketch = readSketch(in.stringAt(i), name());
        if (lgK_.has_value() && sketch.lgK() > *lgK_) sketch = sketch.downsized(*lgK_);
        if (result.has_value()) {
          result->merge(sketch);
        } else {
          result = std::move(sketch);
        }
      }
      if (!result.has_value()) result = *HllSketch::create(lgK_.value_or(HllSketch::kDefaultLgK));
      bytes.clear();
      result->serializeTo(bytes);
      values[i] = out->heap().add(bytes);
    });
    return out;
  }

 private:
  std::optional<int> lgK_;  // caps the result's lgK when given
  size_t firstSketch_;      // index of the first sketch argument
};

bool isIntegerConstant(const FunctionArgument& arg) {
  return arg.constant != nullptr && !arg.constant->isNull() && isInteger(arg.type.id);
}

std::unique_ptr<BoundScalarFunction> bindUnion(const FunctionArgs& args) {
  const std::string name = "HLL_SKETCH_UNION";
  checkArgumentCount(name, args, 1, std::numeric_limits<size_t>::max());

  // Optional leading lgK and tgtHllType, as in Druid.
  std::optional<int> lgK;
  size_t first = 0;
  if (isIntegerConstant(args[0])) {
    int64_t value = requireConstantInteger(name, args, 0, "lgK");
    if (value < HllSketch::kMinLgK || value > HllSketch::kMaxLgK) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("the lgK argument of {} is {}; it must be from {} to {}", name, value,
                                   HllSketch::kMinLgK, HllSketch::kMaxLgK));
    }
    lgK = static_cast<int>(value);
    first = 1;
    if (args.size() > 1 && args[1].type.id == TypeId::kString) {
      const std::string& type = requireConstantString(name, args, 1, "tgtHllType");
      if (type != "HLL_4" && type != "HLL_6" && type != "HLL_8") {
        throw QueryError(ErrorCode::kBadArguments,
                         fmt::format("the tgtHllType argument of {} is '{}'; it must be 'HLL_4', 'HLL_6' or 'HLL_8'",
                                     name, type));
      }
      first = 2;
    }
  }
  if (first >= args.size()) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     fmt::format("{} needs at least one sketch argument after lgK and tgtHllType", name));
  }
  for (size_t i = first; i < args.size(); ++i) requireSketch(name, args, i);
  return std::make_unique<SketchUnion>(lgK, first);
}

}  // namespace

void registerSketchFunctions(FunctionRegistry& registry) {
  registry.add("HLL_SKETCH_ESTIMATE", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const std::string name = "HLL_SKETCH_ESTIMATE";
    checkArgumentCount(name, args, 1, 2);
    requireSketch(name, args, 0);
    bool round = false;
    if (args.size() == 2) {
      const Value& value = requireConstant(name, args, 1, "the round flag");
      if (value.isNull() || (args[1].type.id != TypeId::kBool && !isInteger(args[1].type.id))) {
        throwArgumentType(name, args, 1, "a constant Bool (round the estimate or not)");
      }
      round = value.toDouble() != 0;
    }
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    return std::make_unique<SketchEstimate>(DataType(TypeId::kFloat64, args[0].type.nullable), round);
  });
  registry.add("HLL_SKETCH_UNION", bindUnion);
}

}  // namespace furl::query
