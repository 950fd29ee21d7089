#include "query/expression.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
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
  // 1 for each entry that has a result. It is allocated when entries are
  // first computed one by one, so while it is empty no entry has a result.
  std::vector<uint8_t> done;
  // Live rows evaluated through this entry so far, and whether every
  // dictionary entry has a result (then `done` is no longer read).
  size_t liveRowsSeen = 0;
  bool complete = false;
  // For a String result without NULLs, once complete: the distinct results
  // and the result code of each input code, so the output stays a
  // dictionary column and grouping by it interns distinct results only.
  std::shared_ptr<const StringDictionary> resultDictionary;
  std::vector<uint32_t> resultCodes;
  // For length(), once complete and when every entry is shorter than 65,536
  // bytes: the lengths again in 16 bits. Rows read their length from this
  // table, which is a quarter of the size of `values` and so more often in
  // the CPU caches.
  std::vector<uint16_t> shortLengths;
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

// Copies row `from` of the flat column `src` to row `to` of the flat column
// `dst` of the same type. Strings are copied to the heap of `dst`, so `dst`
// does not keep `src` alive.
void copyValue(const Column& src, size_t from, Column& dst, size_t to) {
  if (src.isNull(from)) {
    dst.setNull(to);
    return;
  }
  dispatchPhysical(dst.type().id, [&]<typename T>() {
    if constexpr (std::is_same_v<T, std::string_view>) {
      dst.data<T>()[to] = dst.heap().add(src.data<T>()[from]);
    } else {
      dst.data<T>()[to] = src.data<T>()[from];
    }
  });
}

// The most recently used complete entry of the call `expr` over another
// sorted dictionary whose results are a flat column, or null.
const DictionaryResults* previousSortedEntry(const BoundExpr& expr, const DictionaryResults& entry) {
  for (size_t i = tDictionaryCache.size(); i-- > 0;) {
    const DictionaryResults& other = tDictionaryCache[i];
    if (&other != &entry && other.callId == expr.callId && other.complete && other.dictionary->sorted &&
        other.values->encoding() == Column::Encoding::kFlat) {
      return &other;
    }
  }
  return nullptr;
}

// For a costly function of a sorted dictionary, copies the results that
// this thread computed for equal strings of the previous segment's
// dictionary to the entries `missing` (ascending codes), and removes those
// entries from `missing`. Each segment has its own dictionary, but values
// recur across segments. Both dictionaries are sorted, so one merge pass
// reads both in order. Only equal strings share a result, so the order
// decides how many are found, never what is copied.
void takeResultsOfPreviousDictionary(const BoundExpr& expr, DictionaryResults& entry,
                                     std::vector<uint32_t>& missing) {
  if (!expr.function->costlyPerValue() || !entry.dictionary->sorted || missing.empty()) return;
  const DictionaryResults* previous = previousSortedEntry(expr, entry);
  if (previous == nullptr) return;
  const std::vector<std::string_view>& values = entry.dictionary->values;
  const std::vector<std::string_view>& previousValues = previous->dictionary->values;
  const Column& previousResults = *previous->values;
  Column& results = *entry.values;
  size_t stillMissing = 0;
  size_t p = 0;
  for (uint32_t code : missing) {
    const std::string_view value = values[code];
    while (p < previousValues.size() && previousValues[p] < value) ++p;
    if (p < previousValues.size() && previousValues[p] == value) {
      copyValue(previousResults, p, results, code);
      ++p;
    } else {
      missing[stillMissing++] = code;
    }
  }
  missing.resize(stillMissing);
}

// Builds the dictionary of the distinct String results of a complete entry
// and the result code of each input code.
void buildResultDictionary(DictionaryResults& entry) {
  const Column& values = *entry.values;
  if (values.mayHaveNulls() || values.encoding() != Column::Encoding::kFlat) return;
  const auto* results = values.data<std::string_view>();
  const size_t n = entry.dictionary->values.size();
  auto dictionary = std::make_shared<StringDictionary>();
  absl::flat_hash_map<std::string_view, uint32_t> index;
  entry.resultCodes.resize(n);
  for (size_t code = 0; code < n; ++code) {
    auto [it, inserted] = index.try_emplace(results[code], static_cast<uint32_t>(dictionary->values.size()));
    if (inserted) dictionary->values.push_back(results[code]);
    entry.resultCodes[code] = it->second;
  }
  dictionary->keepAlive = entry.values;  // the results point into its heap and what it keeps alive
  entry.resultDictionary = std::move(dictionary);
}

// A function of one string whose result depends only on the string's byte
// length. Its per-entry results come straight from the sizes of the
// dictionary's string views, so the entries are neither copied into a
// column nor passed to the function.
enum class LengthFunction : uint8_t { kLength, kEmpty, kNotEmpty };

// Returns the LengthFunction that the call `expr` computes when it is
// length(s), empty(s), notEmpty(s), s = '' or s <> '' (the constant on
// either side) and s, args[input], is a string. Returns nullopt otherwise.
std::optional<LengthFunction> lengthFunctionOf(const BoundExpr& expr, size_t input) {
  if (expr.kind != BoundExpr::Kind::kFunction || expr.args[input]->type.id != TypeId::kString) return std::nullopt;
  const std::string& name = expr.functionName;
  if (expr.args.size() == 1) {
    if (absl::EqualsIgnoreCase(name, "length") && expr.type.id == TypeId::kUInt64) return LengthFunction::kLength;
    if (absl::EqualsIgnoreCase(name, "empty") && expr.type.id == TypeId::kBool) return LengthFunction::kEmpty;
    if (absl::EqualsIgnoreCase(name, "notEmpty") && expr.type.id == TypeId::kBool) return LengthFunction::kNotEmpty;
    return std::nullopt;
  }
  if (expr.args.size() != 2 || expr.type.id != TypeId::kBool) return std::nullopt;
  const BoundExpr& other = *expr.args[1 - input];
  if (!other.isConstant() || other.constant.isNull() || other.constant.type() != TypeId::kString ||
      !other.constant.asString().empty()) {
    return std::nullopt;
  }
  if (absl::EqualsIgnoreCase(name, "equals")) return LengthFunction::kEmpty;
  if (absl::EqualsIgnoreCase(name, "notEquals")) return LengthFunction::kNotEmpty;
  return std::nullopt;
}

// Stores the result of `function` for every entry of the entry's
// dictionary in entry.values (UInt64 for kLength, else Bool), and fills
// entry.shortLengths for kLength when the lengths fit.
void computeLengthResults(LengthFunction function, DictionaryResults& entry) {
  const std::vector<std::string_view>& values = entry.dictionary->values;
  const size_t n = values.size();
  if (function == LengthFunction::kLength) {
    uint64_t* out = entry.values->data<uint64_t>();
    entry.shortLengths.resize(n);
    uint16_t* shortOut = entry.shortLengths.data();
    size_t maxLength = 0;
    for (size_t code = 0; code < n; ++code) {
      const size_t length = values[code].size();
      out[code] = length;
      shortOut[code] = static_cast<uint16_t>(length);
      maxLength = std::max(maxLength, length);
    }
    if (maxLength > std::numeric_limits<uint16_t>::max()) entry.shortLengths = {};
    return;
  }
  const bool empty = function == LengthFunction::kEmpty;
  uint8_t* out = entry.values->data<uint8_t>();
  for (size_t code = 0; code < n; ++code) out[code] = values[code].empty() == empty ? 1 : 0;
}

// Computes a function of one dictionary column without NULLs, args[input],
// for the entries that the live rows of `batch` meet and that have no
// result yet. Returns the cache of per-entry results.
DictionaryResults& resultsForLiveCodes(const BoundExpr& expr, std::vector<ColumnPtr>& args, size_t input,
                                       const Batch& batch) {
  const Column& in = *args[input];
  const uint32_t* codes = in.codes();
  DictionaryResults& entry = dictionaryResults(expr, in.dictionaryPtr());
  const size_t dictionarySize = entry.dictionary->values.size();
  std::vector<uint32_t> missing;
  bool wholeDictionary = false;  // true when `missing` is every code in order
  const bool wasComplete = entry.complete;
  if (!entry.complete) {
    if (std::optional<LengthFunction> function = lengthFunctionOf(expr, input)) {
      // One sequential pass over the entries' sizes costs less than
      // checking per row which entries have a result.
      computeLengthResults(*function, entry);
      entry.complete = true;
      entry.done = {};
      return entry;
    }
    entry.liveRowsSeen += batch.liveRows();
    if (entry.liveRowsSeen * kWholeDictionaryFraction >= dictionarySize) {
      for (uint32_t code = 0; code < dictionarySize; ++code) {
        if (entry.done.empty() || entry.done[code] == 0) missing.push_back(code);
      }
      entry.complete = true;
      entry.done = {};
      takeResultsOfPreviousDictionary(expr, entry, missing);
      wholeDictionary = missing.size() == dictionarySize;
    } else {
      if (entry.done.empty()) entry.done.assign(dictionarySize, 0);
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
  if (entry.complete && !wasComplete && expr.type.id == TypeId::kString) buildResultDictionary(entry);
  return entry;
}

// Evaluates a function whose only non-constant argument, args[input], is a
// dictionary column without NULLs: once per distinct entry met, cached per
// dictionary, then mapped through the codes.
ColumnPtr evaluateOnDictionary(const BoundExpr& expr, std::vector<ColumnPtr>& args, size_t input, const Batch& batch) {
  const uint32_t* codes = args[input]->codes();
  DictionaryResults& entry = resultsForLiveCodes(expr, args, input, batch);
  if (entry.resultDictionary != nullptr && !entry.resultCodes.empty()) {
    // Codes of rows that are not live are valid input codes too, so every
    // row is mapped without looking at the selection.
    auto out = Column::makeDictionary(expr.type, entry.resultDictionary, batch.numRows);
    uint32_t* outCodes = out->codes();
    const uint32_t* resultCodes = entry.resultCodes.data();
    for (size_t i = 0; i < batch.numRows; ++i) outCodes[i] = resultCodes[codes[i]];
    return out;
  }
  if (!entry.shortLengths.empty()) {
    auto out = Column::makeFlat(expr.type, batch.numRows);
    const uint16_t* lengths = entry.shortLengths.data();
    uint64_t* dst = out->data<uint64_t>();
    forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) { dst[i] = lengths[codes[i]]; });
    return out;
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

// Evaluates the arguments of the call `expr` into `args`. Returns the index
// of the argument to evaluate the call on once per dictionary entry, when
// that is possible: a deterministic function whose only non-constant
// argument is a dictionary string without NULLs.
std::optional<size_t> evaluateArguments(const BoundExpr& expr, const Batch& batch, std::vector<ColumnPtr>& args) {
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
  if (variable == 1 && expr.type.id != TypeId::kNull && args[input]->isDictionary() &&
      !args[input]->mayHaveNulls() && !isRandom(expr.functionName)) {
    return input;
  }
  return std::nullopt;
}

// Appends to `out` the rows i (all rows, or those of `sel`) where
// keep(i) is true, without a branch per row.
template <typename Keep>
void selectRows(size_t numRows, const SelectionVector* sel, SelectionVector& out, Keep&& keep) {
  size_t kept = 0;
  if (sel) {
    out.resize(sel->size());
    uint32_t* dst = out.data();
    for (uint32_t i : *sel) {
      dst[kept] = i;
      kept += keep(i) ? 1 : 0;
    }
  } else {
    out.resize(numRows);
    uint32_t* dst = out.data();
    for (size_t i = 0; i < numRows; ++i) {
      dst[kept] = static_cast<uint32_t>(i);
      kept += keep(i) ? 1 : 0;
    }
  }
  out.resize(kept);
}

enum class CompareOp : uint8_t { kEqual, kNotEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };

std::optional<CompareOp> compareOpOf(const std::string& name) {
  if (name == "equals") return CompareOp::kEqual;
  if (name == "notEquals") return CompareOp::kNotEqual;
  if (name == "less") return CompareOp::kLess;
  if (name == "lessOrEquals") return CompareOp::kLessOrEqual;
  if (name == "greater") return CompareOp::kGreater;
  if (name == "greaterOrEquals") return CompareOp::kGreaterOrEqual;
  return std::nullopt;
}

// `constant op column` as `column op' constant`.
CompareOp mirrored(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return CompareOp::kGreater;
    case CompareOp::kLessOrEqual:
      return CompareOp::kGreaterOrEqual;
    case CompareOp::kGreater:
      return CompareOp::kLess;
    case CompareOp::kGreaterOrEqual:
      return CompareOp::kLessOrEqual;
    default:
      return op;
  }
}

// The constant converted to T, or nullopt when T cannot represent it exactly.
template <typename T>
std::optional<T> exactly(const Value& constant) {
  const auto& storage = constant.storage();
  if (const auto* i = std::get_if<int64_t>(&storage)) {
    if constexpr (std::is_signed_v<T>) {
      if (*i < std::numeric_limits<T>::min() || *i > std::numeric_limits<T>::max()) return std::nullopt;
    } else {
      if (*i < 0 || static_cast<uint64_t>(*i) > std::numeric_limits<T>::max()) return std::nullopt;
    }
    return static_cast<T>(*i);
  }
  if (const auto* u = std::get_if<uint64_t>(&storage)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(*u);
  }
  return std::nullopt;
}

// Filters `column op constant` (either order) over a flat integer column
// without NULLs straight into a selection vector, without the Bool column
// in between. Returns null when the predicate has another form, or when
// the constant does not fit the column's type (the general path then
// compares as the comparison functions do).
std::shared_ptr<SelectionVector> filterByComparison(const BoundExpr& predicate, const Batch& batch) {
  if (predicate.kind != BoundExpr::Kind::kFunction || predicate.args.size() != 2) return nullptr;
  std::optional<CompareOp> op = compareOpOf(predicate.functionName);
  if (!op) return nullptr;
  size_t columnSide = predicate.args[0]->kind == BoundExpr::Kind::kColumn ? 0 : 1;
  const BoundExpr& columnExpr = *predicate.args[columnSide];
  const BoundExpr& constantExpr = *predicate.args[1 - columnSide];
  if (columnExpr.kind != BoundExpr::Kind::kColumn || !constantExpr.isConstant() || constantExpr.constant.isNull()) {
    return nullptr;
  }
  if (columnSide == 1) op = mirrored(*op);
  const ColumnPtr& column = batch.columns[columnExpr.columnIndex];
  TypeId type = column->type().id;
  bool sameTemporal = isTemporal(type) && constantExpr.type.id == type;
  if (column->encoding() != Column::Encoding::kFlat || column->mayHaveNulls() ||
      !(sameTemporal || (isInteger(type) && isInteger(constantExpr.type.id)))) {
    return nullptr;
  }
  std::shared_ptr<SelectionVector> out;
  dispatchPhysical(type, [&]<typename T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      std::optional<T> c = exactly<T>(constantExpr.constant);
      if (!c) return;
      const T* values = column->data<T>();
      T v = *c;
      out = std::make_shared<SelectionVector>();
      const SelectionVector* sel = batch.sel.get();
      switch (*op) {
        case CompareOp::kEqual:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] == v; });
          break;
        case CompareOp::kNotEqual:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] != v; });
          break;
        case CompareOp::kLess:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] < v; });
          break;
        case CompareOp::kLessOrEqual:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] <= v; });
          break;
        case CompareOp::kGreater:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] > v; });
          break;
        case CompareOp::kGreaterOrEqual:
          selectRows(batch.numRows, sel, *out, [&](size_t i) { return values[i] >= v; });
          break;
      }
    }
  });
  return out;
}

// The live rows of `batch` as a selection.
std::shared_ptr<const SelectionVector> allLiveRows(const Batch& batch) {
  if (batch.sel) return batch.sel;
  auto out = std::make_shared<SelectionVector>(batch.numRows);
  for (size_t i = 0; i < batch.numRows; ++i) (*out)[i] = static_cast<uint32_t>(i);
  return out;
}

// Filters `s = ''`, `s <> ''`, empty(s) or notEmpty(s) over a column
// args[input] with a sorted dictionary and without NULLs by code alone. In
// a sorted dictionary the empty entries can only be the first ones, because
// '' sorts before every other string. So no per-entry result is computed,
// and when no entry is empty the live rows pass (or fail) as a whole.
// Returns null when the predicate or the dictionary has another form.
std::shared_ptr<const SelectionVector> filterByEmptiness(const BoundExpr& predicate,
                                                         const std::vector<ColumnPtr>& args, size_t input,
                                                         const Batch& batch) {
  std::optional<LengthFunction> function = lengthFunctionOf(predicate, input);
  if (!function || *function == LengthFunction::kLength) return nullptr;
  const Column& column = *args[input];
  const StringDictionary& dictionary = column.dictionary();
  if (!dictionary.sorted) return nullptr;
  const auto& values = dictionary.values;
  const auto emptyEnd = static_cast<uint32_t>(
      std::partition_point(values.begin(), values.end(), [](std::string_view v) { return v.empty(); }) -
      values.begin());
  const bool keepEmpty = *function == LengthFunction::kEmpty;
  if (emptyEnd == 0) return keepEmpty ? std::make_shared<SelectionVector>() : allLiveRows(batch);
  const uint32_t* codes = column.codes();
  auto out = std::make_shared<SelectionVector>();
  if (keepEmpty) {
    selectRows(batch.numRows, batch.sel.get(), *out, [&](size_t i) { return codes[i] < emptyEnd; });
  } else {
    selectRows(batch.numRows, batch.sel.get(), *out, [&](size_t i) { return codes[i] >= emptyEnd; });
  }
  return out;
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
      std::optional<size_t> input = evaluateArguments(expr, batch, args);
      if (input) return evaluateOnDictionary(expr, args, *input, batch);
      return expr.function->execute(args, batch.numRows, batch.sel.get());
    }
  }
  throw QueryError(ErrorCode::kLogicalError, "unknown expression kind");
}

std::shared_ptr<const SelectionVector> filterRows(const BoundExpr& predicate, const Batch& batch) {
  auto out = std::make_shared<SelectionVector>();
  if (predicate.type.id == TypeId::kNull) return out;  // NULL is never true
  if (auto selected = filterByComparison(predicate, batch)) return selected;
  ColumnPtr result;
  if (predicate.kind == BoundExpr::Kind::kFunction) {
    std::vector<ColumnPtr> args;
    std::optional<size_t> input = evaluateArguments(predicate, batch, args);
    if (input) {
      if (auto selected = filterByEmptiness(predicate, args, *input, batch)) return selected;
    }
    if (input && (predicate.type.id == TypeId::kBool || isInteger(predicate.type.id))) {
      // Select rows straight from the per-entry results through the codes.
      const uint32_t* codes = args[*input]->codes();
      const Column& values = *resultsForLiveCodes(predicate, args, *input, batch).values;
      dispatchPhysical(predicate.type.id, [&]<typename T>() {
        if constexpr (std::is_integral_v<T>) {
          const T* perEntry = values.data<T>();
          if (values.mayHaveNulls()) {
            selectRows(batch.numRows, batch.sel.get(), *out,
                       [&](size_t i) { return perEntry[codes[i]] != 0 && !values.isNull(codes[i]); });
          } else {
            selectRows(batch.numRows, batch.sel.get(), *out, [&](size_t i) { return perEntry[codes[i]] != 0; });
          }
        }
      });
      return out;
    }
    result = input ? evaluateOnDictionary(predicate, args, *input, batch)
                   : predicate.function->execute(args, batch.numRows, batch.sel.get());
  } else {
    result = evaluate(predicate, batch);
  }
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
      if (!nulls) {
        selectRows(batch.numRows, batch.sel.get(), *out, [&](size_t i) { return values[i] != 0; });
      } else {
        selectRows(batch.numRows, batch.sel.get(), *out,
                   [&](size_t i) { return values[i] != 0 && !result->isNull(i); });
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
