#include "query/expression.h"

#include <atomic>
#include <cstring>

#include "absl/strings/match.h"
#include "common/error.h"

namespace furl::query {

BoundExprPtr BoundExpr::column(size_t index, DataType type) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kColumn;
  expr->columnIndex = index;
  expr->type = type;
  return expr;
}

BoundExprPtr BoundExpr::literal(Value value, DataType type) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kConstant;
  expr->constant = std::move(value);
  expr->type = type;
  return expr;
}

BoundExprPtr BoundExpr::call(std::string name, std::shared_ptr<const BoundScalarFunction> function,
                             std::vector<BoundExprPtr> args) {
  auto expr = std::make_shared<BoundExpr>();
  expr->kind = Kind::kFunction;
  expr->type = function->resultType();
  expr->functionName = std::move(name);
  expr->function = std::move(function);
  expr->args = std::move(args);
  static std::atomic<uint64_t> nextCallId{1};
  expr->callId = nextCallId.fetch_add(1, std::memory_order_relaxed);
  return expr;
}

namespace {

// Results of one function call per entry of one dictionary, filled as
// codes are met in live rows.
struct DictionaryResults {
  uint64_t callId = 0;
  std::shared_ptr<const StringDictionary> dictionary;
  ColumnPtr values;  // flat, one row per dictionary entry; keeps computed strings alive
  std::vector<uint8_t> done;
  // Live rows evaluated through this entry so far, and whether every
  // dictionary entry has a result (then `done` is no longer read).
  size_t liveRowsSeen = 0;
  bool complete = false;
};

// Once the live rows met reach 1/kWholeDictionaryFraction of a dictionary's
// size, the rest of its entries are computed in one pass. Most entries will
// be met by then anyway, and the per-row check of which entries are done
// (a random access per row) stops.
constexpr size_t kWholeDictionaryFraction = 8;

// Most recently used last. Holding the dictionary keeps its address from
// being reused while the entry lives.
constexpr size_t kDictionaryCacheEntries = 8;
thread_local std::vector<DictionaryResults> tDictionaryCache;

DictionaryResults& dictionaryResults(const BoundExpr& expr, const std::shared_ptr<const StringDictionary>& dictionary) {
  auto& cache = tDictionaryCache;
  for (size_t i = cache.size(); i-- > 0;) {
    if (cache[i].callId == expr.callId && cache[i].dictionary == dictionary) {
      if (i + 1 != cache.size()) std::swap(cache[i], cache.back());
      return cache.back();
    }
  }
  if (cache.size() >= kDictionaryCacheEntries) cache.erase(cache.begin());
  DictionaryResults entry;
  entry.callId = expr.callId;
  entry.dictionary = dictionary;
  entry.values = Column::makeFlat(expr.type, dictionary->values.size());
  entry.done.assign(dictionary->values.size(), 0);
  cache.push_back(std::move(entry));
  return cache.back();
}

// Copies row j of `src` (any encoding, the type of `dst`) to row to[j] of
// the flat column `dst` for j < to.size().
void scatterValues(const Column& src, const std::vector<uint32_t>& to, Column& dst) {
  size_t m = to.size();
  if (dst.type().id == TypeId::kString) {
    auto* out = dst.data<std::string_view>();
    for (size_t j = 0; j < m; ++j) {
      if (!src.isNull(j)) out[to[j]] = src.stringAt(j);
    }
  } else {
    dispatchPhysical(dst.type().id, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string_view>) {
        const T* in = src.data<T>();
        T* out = dst.data<T>();
        if (src.isConstant()) {
          for (size_t j = 0; j < m; ++j) out[to[j]] = in[0];
        } else {
          for (size_t j = 0; j < m; ++j) out[to[j]] = in[j];
        }
      }
    });
  }
  if (src.mayHaveNulls()) {
    for (size_t j = 0; j < m; ++j) {
      if (src.isNull(j)) dst.setNull(to[j]);
    }
  }
}

// Evaluates a function whose only non-constant argument, args[input], is a
// dictionary column without NULLs: once per distinct entry met, cached per
// dictionary, then mapped through the codes. Returns null when the result
// type does not allow it.
ColumnPtr evaluateOnDictionary(const BoundExpr& expr, std::vector<ColumnPtr>& args, size_t input, const Batch& batch) {
  const Column& in = *args[input];
  const uint32_t* codes = in.codes();
  DictionaryResults& entry = dictionaryResults(expr, in.dictionaryPtr());
  const size_t dictionarySize = entry.dictionary->values.size();
  std::vector<uint32_t> missing;
  bool wholeDictionary = false;  // true when `missing` is every code in order
  if (!entry.complete) {
    entry.liveRowsSeen += batch.liveRows();
    if (entry.liveRowsSeen * kWholeDictionaryFraction >= dictionarySize) {
      for (uint32_t code = 0; code < dictionarySize; ++code) {
        if (entry.done[code] == 0) missing.push_back(code);
      }
      wholeDictionary = missing.size() == dictionarySize;
      entry.complete = true;
      entry.done = {};
    } else {
      forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) {
        uint32_t code = codes[i];
        if (entry.done[code] == 0) {
          entry.done[code] = 1;
          missing.push_back(code);
        }
      });
    }
  }
  if (!missing.empty()) {
    size_t m = missing.size();
    auto strings = Column::makeFlat(in.type(), m);
    auto* views = strings->data<std::string_view>();
    for (size_t j = 0; j < m; ++j) views[j] = entry.dictionary->values[missing[j]];
    strings->keepAlive(entry.dictionary);
    std::vector<ColumnPtr> callArgs(args.size());
    for (size_t a = 0; a < args.size(); ++a) {
      callArgs[a] = a == input ? strings : Column::makeConstant(expr.args[a]->type, expr.args[a]->constant, m);
    }
    ColumnPtr result = expr.function->execute(callArgs, m, nullptr);
    if (result->type().id != expr.type.id) {
      throw QueryError(ErrorCode::kLogicalError, "function " + expr.functionName + " returned " +
                                                     result->type().toString() + ", expected " +
                                                     expr.type.toString());
    }
    if (wholeDictionary && result->encoding() == Column::Encoding::kFlat) {
      // Every entry at once, in code order: the result is the cache itself.
      entry.values = result;
      if (expr.type.id == TypeId::kString) entry.values->keepAlive(entry.dictionary);
    } else {
      scatterValues(*result, missing, *entry.values);
      if (expr.type.id == TypeId::kString) entry.values->keepAlive(result);
    }
  }

  const Column& values = *entry.values;
  auto out = Column::makeFlat(expr.type, batch.numRows);
  if (expr.type.id == TypeId::kString) {
    const auto* src = values.data<std::string_view>();
    auto* dst = out->data<std::string_view>();
    forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) { dst[i] = src[codes[i]]; });
    out->keepAlive(entry.values);
  } else {
    dispatchPhysical(expr.type.id, [&]<typename T>() {
      if constexpr (!std::is_same_v<T, std::string_view>) {
        const T* src = values.data<T>();
        T* dst = out->data<T>();
        forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) { dst[i] = src[codes[i]]; });
      }
    });
  }
  if (values.mayHaveNulls()) {
    forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) {
      if (values.isNull(codes[i])) out->setNull(i);
    });
  }
  return out;
}

// rand(x) and rand64(x) ignore x and must differ per row.
bool isRandom(const std::string& name) {
  return absl::EqualsIgnoreCase(name, "rand") || absl::EqualsIgnoreCase(name, "rand64");
}

}  // namespace

void clearEvaluationCache() { tDictionaryCache.clear(); }

ColumnPtr evaluate(const BoundExpr& expr, const Batch& batch) {
  switch (expr.kind) {
    case BoundExpr::Kind::kColumn:
      return batch.columns[expr.columnIndex];
    case BoundExpr::Kind::kConstant:
      return Column::makeConstant(expr.type, expr.constant, batch.numRows);
    case BoundExpr::Kind::kFunction: {
      std::vector<ColumnPtr> args;
      args.reserve(expr.args.size());
      size_t variable = 0;
      size_t input = 0;
      for (size_t a = 0; a < expr.args.size(); ++a) {
        args.push_back(evaluate(*expr.args[a], batch));
        if (!expr.args[a]->isConstant()) {
          ++variable;
          input = a;
        }
      }
      // A deterministic function of one dictionary string runs once per
      // distinct string.
      if (variable == 1 && expr.type.id != TypeId::kNull && args[input]->isDictionary() &&
          !args[input]->mayHaveNulls() && !isRandom(expr.functionName)) {
        return evaluateOnDictionary(expr, args, input, batch);
      }
      return expr.function->execute(args, batch.numRows, batch.sel.get());
    }
  }
  throw QueryError(ErrorCode::kLogicalError, "unknown expression kind");
}

std::shared_ptr<const SelectionVector> filterRows(const BoundExpr& predicate, const Batch& batch) {
  auto out = std::make_shared<SelectionVector>();
  if (predicate.type.id == TypeId::kNull) return out;  // NULL is never true
  ColumnPtr result = evaluate(predicate, batch);
  if (result->isConstant()) {
    bool keep = !result->isNull(0) && result->data<uint8_t>()[0] != 0;
    if (!keep) return out;
    if (batch.sel) return batch.sel;
    out->resize(batch.numRows);
    for (size_t i = 0; i < batch.numRows; ++i) (*out)[i] = static_cast<uint32_t>(i);
    return out;
  }
  if (result->type().id != TypeId::kBool && !isInteger(result->type().id)) {
    throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                     "a filter condition must be a boolean expression, got " + result->type().toString());
  }
  if (result->isDictionary()) result = Column::flatten(result);
  out->reserve(batch.liveRows());
  bool nulls = result->mayHaveNulls();
  // Non-bool integers count as true when non-zero, as ClickHouse does.
  dispatchPhysical(result->type().id, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string_view>) {
      const T* values = result->data<T>();
      if (!batch.sel && !nulls) {
        for (size_t i = 0; i < batch.numRows; ++i) {
          if (values[i] != 0) out->push_back(static_cast<uint32_t>(i));
        }
      } else {
        forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) {
          if (values[i] != 0 && !result->isNull(i)) out->push_back(static_cast<uint32_t>(i));
        });
      }
    }
  });
  return out;
}

Value evaluateConstant(const BoundExpr& expr) {
  Batch one;
  one.numRows = 1;
  ColumnPtr result = evaluate(expr, one);
  return result->getValue(0);
}

}  // namespace furl::query
