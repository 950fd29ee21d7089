#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "common/error.h"
#include "common/time_util.h"
#include "query/group_table.h"
#include "query/select_plan.h"

namespace furl::query {
namespace {

// Rows per morsel of numbers(N).
constexpr uint64_t kNumbersMorselRows = 65536;

struct Morsel {
  size_t segment = 0;  // index into the snapshot, or into subquery batches
  size_t block = 0;
};

size_t threadCount(const QueryOptions& options) {
  size_t threads = std::max<size_t>(1, std::thread::hardware_concurrency());
  auto it = options.settings.find("max_threads");
  if (it != options.settings.end()) {
    size_t requested = 0;
    if (absl::SimpleAtoi(it->second, &requested) && requested > 0) threads = requested;
  }
  return threads;
}

void checkCancelled(const QueryOptions& options) {
  if (options.cancelled != nullptr && options.cancelled->load(std::memory_order_relaxed)) {
    throw QueryError(ErrorCode::kQueryWasCancelled, "query " + options.queryId + " was cancelled");
  }
  if (options.deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= options.deadline) {
    auto limit = options.settings.find("max_execution_time");
    throw QueryError(ErrorCode::kTimeoutExceeded,
                     "query " + options.queryId + " exceeded max_execution_time of " +
                         (limit == options.settings.end() ? std::string("?") : limit->second) +
                         " seconds; raise the setting or narrow the query");
  }
}

// True when [min, max] may contain a value satisfying `rule`.
bool mayMatch(const PruneRule& rule, const Value& min, const Value& max) {
  if (min.isNull() || max.isNull()) return true;
  switch (rule.op) {
    case PruneRule::Op::kEqual:
      return min.compare(rule.value) <= 0 && max.compare(rule.value) >= 0;
    case PruneRule::Op::kLess:
      return min.compare(rule.value) < 0;
    case PruneRule::Op::kLessOrEqual:
      return min.compare(rule.value) <= 0;
    case PruneRule::Op::kGreater:
      return max.compare(rule.value) > 0;
    case PruneRule::Op::kGreaterOrEqual:
      return max.compare(rule.value) >= 0;
  }
  return true;
}

void addReadStats(QueryStats& stats, const storage::ReadStats& read) {
  stats.coldFetchBytes += read.coldFetchBytes;
  stats.coldFetchRequests += read.coldFetchRequests;
  stats.coldCacheHits += read.coldCacheHits;
}

// Lists the blocks that pruning cannot rule out. Segments are pruned by the
// catalog's time range first, so a cold segment is fetched (its footer,
// for block pruning) only when its time range may match.
std::vector<Morsel> planMorsels(const SelectPlan& plan, QueryStats& stats) {
  std::vector<Morsel> morsels;
  const auto& snapshot = *plan.table;
  int timeColumn = snapshot.def.timeColumn;
  for (size_t s = 0; s < snapshot.segments.size(); ++s) {
    const auto& info = snapshot.infos[s];
    const auto& segment = *snapshot.segments[s];
    bool segmentMatches = true;
    for (const auto& rule : plan.pruneRules) {
      if (timeColumn < 0 || plan.scanColumns[rule.scanColumn] != static_cast<size_t>(timeColumn)) continue;
      if (info.numRows == 0) continue;
      TypeId timeType = snapshot.def.columns[timeColumn].type.id;
      Value min, max;
      if (timeType == TypeId::kDate) {
        min = Value::date(daysFromMs(info.minTimeMs));
        max = Value::date(daysFromMs(info.maxTimeMs));
      } else {
        min = Value::timestampMs(info.minTimeMs, timeType);
        max = Value::timestampMs(info.maxTimeMs, timeType);
      }
      if (!mayMatch(rule, min, max)) segmentMatches = false;
    }
    if (!segmentMatches) {
      ++stats.segmentsPruned;
      continue;
    }
    ++stats.segmentsScanned;
    storage::ReadStats prepareStats;
    absl::Status prepared = segment.prepare(&prepareStats);
    addReadStats(stats, prepareStats);
    if (!prepared.ok()) throw errorFromStatus(prepared);
    for (size_t b = 0; b < segment.numBlocks(); ++b) {
      bool blockMatches = true;
      for (const auto& rule : plan.pruneRules) {
        auto column = segment.findColumn(snapshot.def.columns[plan.scanColumns[rule.scanColumn]].name);
        if (!column) continue;
        const auto& blockStats = segment.blockStats(*column, b);
        if (blockStats.nullCount == blockStats.numRows) {
          blockMatches = false;  // a comparison is never true on NULL
          break;
        }
        if (!mayMatch(rule, blockStats.min, blockStats.max)) {
          blockMatches = false;
          break;
        }
      }
      if (blockMatches) {
        morsels.push_back({s, b});
      } else {
        ++stats.blocksPruned;
      }
    }
  }
  return morsels;
}


// Reads the scanned columns of one morsel.
Batch loadMorsel(const SelectPlan& plan, const std::vector<Batch>* subqueryBatches, const Morsel& morsel,
                 QueryStats& stats) {
  Batch batch;
  if (plan.numbers) {
    uint64_t begin = plan.numbers->first + morsel.segment * kNumbersMorselRows;
    uint64_t end = std::min(plan.numbers->second, begin + kNumbersMorselRows);
    batch.numRows = end - begin;
    stats.readRows += batch.numRows;
    stats.readBytes += batch.numRows * sizeof(uint64_t);
    auto column = Column::makeFlat(DataType(TypeId::kUInt64), batch.numRows);
    uint64_t* values = column->data<uint64_t>();
    for (size_t i = 0; i < batch.numRows; ++i) values[i] = begin + i;
    for (size_t c = 0; c < plan.scanColumns.size(); ++c) batch.columns.push_back(column);
    return batch;
  }
  if (subqueryBatches != nullptr) {
    const Batch& source = (*subqueryBatches)[morsel.segment];
    batch.numRows = source.numRows;
    for (size_t c : plan.scanColumns) batch.columns.push_back(source.columns[c]);
    return batch;
  }
  // Table columns are read on demand by loadColumns().
  const auto& segment = *plan.table->segments[morsel.segment];
  batch.numRows = segment.blockRows(morsel.block);
  batch.columns.resize(plan.scanColumns.size());
  stats.readRows += batch.numRows;
  return batch;
}

// Reads the scanned columns `columns` of a table morsel that `batch` does not
// hold yet.
void loadColumns(const SelectPlan& plan, const Morsel& morsel, const std::vector<size_t>& columns, Batch& batch,
                 QueryStats& stats) {
  if (!plan.table) return;
  const auto& snapshot = *plan.table;
  const auto& segment = *snapshot.segments[morsel.segment];

  // One readBlocks() call for every stored column, so that a cold segment
  // fetches them in parallel.
  std::vector<size_t> stored;
  std::vector<size_t> targets;
  for (size_t i : columns) {
    if (batch.columns[i]) continue;
    const auto& def = snapshot.def.columns[plan.scanColumns[i]];
    auto column = segment.findColumn(def.name);
    if (!column) {
      // The segment predates the column: every row is NULL or the default.
      batch.columns[i] = def.type.nullable ? Column::makeConstant(def.type, Value(), batch.numRows)
                                           : Column::makeFlat(def.type, batch.numRows);
      continue;
    }
    stored.push_back(*column);
    targets.push_back(i);
    stats.readBytes += segment.compressedBytes(*column, morsel.block);
  }
  if (stored.empty()) return;
  std::vector<ColumnPtr> read;
  storage::ReadStats readStats;
  absl::Status status = segment.readBlocks(stored, morsel.block, read, &readStats);
  addReadStats(stats, readStats);
  if (!status.ok()) throw errorFromStatus(status);
  for (size_t k = 0; k < targets.size(); ++k) batch.columns[targets[k]] = std::move(read[k]);
}

// Adds the scanned columns that `expr` reads to `used`.
void collectColumns(const BoundExpr& expr, std::vector<bool>& used) {
  if (expr.kind == BoundExpr::Kind::kColumn && expr.columnIndex < used.size()) used[expr.columnIndex] = true;
  for (const auto& arg : expr.args) collectColumns(*arg, used);
}

std::vector<size_t> columnsOf(const std::vector<const BoundExpr*>& exprs, size_t numColumns) {
  std::vector<bool> used(numColumns, false);
  for (const BoundExpr* expr : exprs) {
    if (expr != nullptr) collectColumns(*expr, used);
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < numColumns; ++i) {
    if (used[i]) out.push_back(i);
  }
  return out;
}

// The scanned columns each stage reads, so a morsel reads a column only when
// the rows that are still live need it.
struct ScanColumns {
  std::vector<std::vector<size_t>> filters;  // per filter, in order
  std::vector<size_t> sortKeys;              // the projections ORDER BY uses
  std::vector<size_t> rest;                  // every column any stage reads

  explicit ScanColumns(const SelectPlan& plan) {
    size_t n = plan.scanColumns.size();
    for (const auto& filter : plan.filters) filters.push_back(columnsOf({filter.get()}, n));
    std::vector<const BoundExpr*> sortExprs;
    for (const SortKey& key : plan.sort) sortExprs.push_back(plan.projections[key.column].get());
    sortKeys = columnsOf(sortExprs, n);
    std::vector<const BoundExpr*> all;
    for (const auto& filter : plan.filters) all.push_back(filter.get());
    for (const auto& key : plan.groupKeys) all.push_back(key.get());
    for (const auto& spec : plan.aggregates) {
      all.push_back(spec.arg.get());
      all.push_back(spec.key.get());
    }
    if (!plan.aggregate) {
      for (const auto& expr : plan.projections) all.push_back(expr.get());
    }
    rest = columnsOf(all, n);
  }
};

// Applies the filters, reading each filter's columns just before it runs;
// returns false when no row is left.
bool applyFilters(const SelectPlan& plan, const ScanColumns& scan, const Morsel& morsel, Batch& batch,
                  QueryStats& stats) {
  for (size_t f = 0; f < plan.filters.size(); ++f) {
    loadColumns(plan, morsel, scan.filters[f], batch, stats);
    batch.sel = filterRows(*plan.filters[f], batch);
    if (batch.sel->empty()) return false;
  }
  return true;
}

// Evaluates the projections over the live rows and returns a dense batch.
Batch project(const std::vector<BoundExprPtr>& projections, const Batch& input) {
  Batch out;
  out.numRows = input.liveRows();
  for (const auto& expr : projections) {
    ColumnPtr column = evaluate(*expr, input);
    if (input.sel) {
      column = Column::gather(column, input.sel->data(), input.sel->size());
    } else if (column->isConstant()) {
      column = Column::flatten(column);
    }
    out.columns.push_back(std::move(column));
  }
  return out;
}

// Concatenates batches into one dense batch of flat columns.
Batch concatenate(const std::vector<Batch>& batches, const std::vector<DataType>& types) {
  Batch out;
  for (DataType type : types) out.columns.push_back(Column::makeFlat(type, 0));
  for (const auto& batch : batches) {
    for (size_t c = 0; c < types.size(); ++c) out.columns[c]->append(*batch.columns[c]);
    out.numRows += batch.numRows;
  }
  return out;
}

// Three-way comparison of two rows of one column, NULLs handled by the caller.
std::function<int(uint32_t, uint32_t)> makeComparator(const ColumnPtr& column) {
  TypeId id = column->type().id;
  if (id == TypeId::kNull) return [](uint32_t, uint32_t) { return 0; };
  if (isByteString(id)) {
    const auto* values = column->data<std::string_view>();
    return [values](uint32_t a, uint32_t b) {
      int c = values[a].compare(values[b]);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    };
  }
  return dispatchPhysical(id, [&]<typename T>() -> std::function<int(uint32_t, uint32_t)> {
    if constexpr (std::is_same_v<T, std::string_view>) {
      return nullptr;
    } else {
      const T* values = column->data<T>();
      return [values](uint32_t a, uint32_t b) { return values[a] < values[b] ? -1 : (values[b] < values[a] ? 1 : 0); };
    }
  });
}

// Rows a per-thread top-N keeps at most; larger LIMITs sort everything.
constexpr uint64_t kMaxTopNRows = 100000;

// The best `limit` sort-key tuples one thread has produced so far, used to
// skip blocks and rows that cannot reach the result of ORDER BY ... LIMIT.
// Ties are never dropped: the final sort breaks them by source order.
class TopNFilter {
 public:
  TopNFilter(const SelectPlan& plan, size_t limit) : plan_(plan), limit_(limit) {}

  bool full() const { return best_.size() >= limit_; }

  // True when the block statistics of the first sort key show that no row
  // of the morsel can beat the current last tuple.
  bool blockCannotWin(const Morsel& morsel) const {
    if (!plan_.table || !full()) return false;
    const SortKey& key = plan_.sort[0];
    const BoundExpr& expr = *plan_.projections[key.column];
    if (expr.kind != BoundExpr::Kind::kColumn || isFloat(expr.type.id)) return false;
    const Value& threshold = best_.back()[0];
    if (threshold.isNull()) return false;
    const auto& snapshot = *plan_.table;
    const auto& segment = *snapshot.segments[morsel.segment];
    auto column = segment.findColumn(snapshot.def.columns[plan_.scanColumns[expr.columnIndex]].name);
    if (!column) return false;
    const auto& stats = segment.blockStats(*column, morsel.block);
    if (stats.nullCount != 0 || stats.min.isNull() || stats.max.isNull()) return false;
    return key.descending ? stats.max.compare(threshold) < 0 : stats.min.compare(threshold) > 0;
  }

  // The live rows of `batch` that may reach the result, ascending: at most
  // `limit` of them, none worse on the first key than the current last tuple.
  std::vector<uint32_t> candidates(const Batch& batch) const {
    std::vector<ColumnPtr> keys;
    for (const SortKey& key : plan_.sort) keys.push_back(evaluate(*plan_.projections[key.column], batch));
    std::vector<uint32_t> rows;
    if (batch.sel) {
      rows = *batch.sel;
    } else {
      rows.resize(batch.numRows);
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
    }
    bool filtered = full() && !best_.back()[0].isNull() && keepByCodes(*keys[0], rows);
    // The comparisons below need flat keys; a block whose rows keepByCodes()
    // reduced to at most `limit` needs none.
    if (filtered && rows.size() <= limit_) return rows;
    for (ColumnPtr& column : keys) {
      if (column->encoding() != Column::Encoding::kFlat) column = Column::flatten(column);
    }
    if (!filtered && full() && !best_.back()[0].isNull() && keys[0]->type().id != TypeId::kNull) {
      const Column& first = *keys[0];
      auto threshold = Column::makeFlat(first.type(), 1);
      threshold->setValue(0, best_.back()[0]);
      const bool descending = plan_.sort[0].descending;
      dispatchPhysical(first.type().id, [&]<typename T>() {
        const T* values = first.data<T>();
        const T limitValue = threshold->data<T>()[0];
        size_t kept = 0;
        for (uint32_t row : rows) {
          const T& v = values[row];
          bool keep = first.isNull(row) || (descending ? !(v < limitValue) : !(limitValue < v));
          rows[kept] = row;
          kept += keep ? 1 : 0;
        }
        rows.resize(kept);
      });
    }
    if (rows.size() > limit_) {
      std::vector<std::function<int(uint32_t, uint32_t)>> comparators;
      for (const auto& column : keys) comparators.push_back(makeComparator(column));
      auto less = [&](uint32_t a, uint32_t b) {
        for (size_t k = 0; k < plan_.sort.size(); ++k) {
          const SortKey& key = plan_.sort[k];
          bool aNull = keys[k]->isNull(a);
          bool bNull = keys[k]->isNull(b);
          if (aNull || bNull) {
            if (aNull == bNull) continue;
            return aNull == key.nullsFirst;
          }
          int c = comparators[k](a, b);
          if (c != 0) return key.descending ? c > 0 : c < 0;
        }
        return a < b;
      };
      std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(limit_), rows.end(), less);
      rows.resize(limit_);
      std::sort(rows.begin(), rows.end());
    }
    return rows;
  }

  // Removes from `rows` those worse than the current last tuple when the
  // first sort key is a string column without NULLs and with a sorted
  // dictionary. Codes are compared with the threshold's position in the
  // dictionary, found once by binary search, instead of comparing strings.
  // Returns false, leaving `rows` alone, for any other column.
  bool keepByCodes(const Column& first, std::vector<uint32_t>& rows) const {
    if (!first.isDictionary() || first.mayHaveNulls() || first.type().id != TypeId::kString) return false;
    const std::vector<std::string_view>& values = first.dictionary().values;
    if (!isSorted(first.dictionaryPtr())) return false;
    const auto* threshold = std::get_if<std::string>(&best_.back()[0].storage());
    if (threshold == nullptr) return false;
    std::string_view limit = *threshold;
    const uint32_t* codes = first.codes();
    size_t kept = 0;
    if (plan_.sort[0].descending) {
      // Keep values >= limit: codes from the first entry not below it.
      auto bound = static_cast<uint32_t>(std::lower_bound(values.begin(), values.end(), limit) - values.begin());
      for (uint32_t row : rows) {
        rows[kept] = row;
        kept += codes[row] >= bound ? 1 : 0;
      }
    } else {
      // Keep values <= limit: codes before the first entry above it.
      auto bound = static_cast<uint32_t>(std::upper_bound(values.begin(), values.end(), limit) - values.begin());
      for (uint32_t row : rows) {
        rows[kept] = row;
        kept += codes[row] < bound ? 1 : 0;
      }
    }
    rows.resize(kept);
    return true;
  }

  // Whether the entries of `dictionary` ascend strictly, as segment
  // dictionaries do. Checked once per dictionary and remembered.
  bool isSorted(const std::shared_ptr<const StringDictionary>& dictionary) const {
    for (const auto& [known, sorted] : sortedDictionaries_) {
      if (known == dictionary) return sorted;
    }
    const auto& values = dictionary->values;
    bool sorted = true;
    for (size_t e = 1; e < values.size() && sorted; ++e) sorted = values[e - 1] < values[e];
    // The entry keeps the dictionary alive, so its address cannot be reused
    // for another one while remembered.
    if (sortedDictionaries_.size() >= kSortedDictionaryEntries) sortedDictionaries_.erase(sortedDictionaries_.begin());
    sortedDictionaries_.emplace_back(dictionary, sorted);
    return sorted;
  }

  // Adds the sort keys of the projected rows of one morsel.
  void add(const Batch& projected) {
    for (size_t r = 0; r < projected.numRows; ++r) {
      std::vector<Value> tuple;
      for (const SortKey& key : plan_.sort) tuple.push_back(projected.columns[key.column]->getValue(r));
      auto at = std::upper_bound(best_.begin(), best_.end(), tuple,
                                 [&](const auto& a, const auto& b) { return compareTuples(a, b) < 0; });
      if (static_cast<size_t>(at - best_.begin()) >= limit_) continue;
      best_.insert(at, std::move(tuple));
      if (best_.size() > limit_) best_.pop_back();
    }
  }

 private:
  int compareTuples(const std::vector<Value>& a, const std::vector<Value>& b) const {
    for (size_t k = 0; k < plan_.sort.size(); ++k) {
      const SortKey& key = plan_.sort[k];
      bool aNull = a[k].isNull();
      bool bNull = b[k].isNull();
      if (aNull || bNull) {
        if (aNull == bNull) continue;
        return aNull == key.nullsFirst ? -1 : 1;
      }
      int c = a[k].compare(b[k]);
      if (c != 0) return key.descending ? -c : c;
    }
    return 0;
  }

  static constexpr size_t kSortedDictionaryEntries = 16;

  const SelectPlan& plan_;
  size_t limit_;
  std::vector<std::vector<Value>> best_;  // ascending in result order
  mutable std::vector<std::pair<std::shared_ptr<const StringDictionary>, bool>> sortedDictionaries_;
};

// Marks in `columns` the batch columns that `expr` reads.
void markColumns(const BoundExpr& expr, std::vector<bool>& columns) {
  if (expr.kind == BoundExpr::Kind::kColumn) {
    if (expr.columnIndex < columns.size()) columns[expr.columnIndex] = true;
    return;
  }
  for (const auto& arg : expr.args) markColumns(*arg, columns);
}

// The aggregated batch of `table`. With ORDER BY and a small LIMIT but no
// HAVING or DISTINCT, only the columns of the sort keys are built for every
// group, and the other columns only for the groups that can reach the
// result. The groups chosen, and their order, are the same as the top-N
// filter picks over the whole batch.
Batch finishAggregate(const SelectPlan& plan, GroupTable& table, uint64_t rowsNeeded) {
  const bool topGroups = plan.having.empty() && !plan.distinct && !plan.sort.empty() && plan.limit.has_value() &&
                         rowsNeeded > 0 && rowsNeeded <= kMaxTopNRows && table.numGroups() > rowsNeeded;
  if (!topGroups) return table.finish();
  std::vector<bool> columns(plan.groupKeys.size() + plan.aggregates.size(), false);
  for (const SortKey& key : plan.sort) markColumns(*plan.projections[key.column], columns);
  Batch sortKeys = table.finishColumns(columns);
  TopNFilter best(plan, rowsNeeded);
  return table.finishGroups(best.candidates(sortKeys));
}

// Answers a global aggregate without filters from segment metadata when
// every aggregate is count(*), count(column) or min/max of an integer or
// date column; returns nullopt otherwise.
std::optional<Batch> aggregateFromMetadata(const SelectPlan& plan) {
  if (!plan.table || !plan.aggregate || !plan.groupKeys.empty() || !plan.filters.empty()) return std::nullopt;
  const auto& snapshot = *plan.table;
  for (const auto& spec : plan.aggregates) {
    if (spec.kind == AggregateKind::kCountStar) continue;
    bool plainColumn = spec.arg && spec.arg->kind == BoundExpr::Kind::kColumn;
    if (!plainColumn) return std::nullopt;
    TypeId type = spec.arg->type.id;
    bool minMax = (spec.kind == AggregateKind::kMin || spec.kind == AggregateKind::kMax) &&
                  (isInteger(type) || type == TypeId::kDate || isTimestamp(type));
    if (!minMax && spec.kind != AggregateKind::kCount) return std::nullopt;
  }
  Batch out;
  out.numRows = 1;
  for (const auto& spec : plan.aggregates) {
    uint64_t count = 0;
    Value best;
    std::string name;
    if (spec.arg) name = snapshot.def.columns[plan.scanColumns[spec.arg->columnIndex]].name;
    for (const auto& segment : snapshot.segments) {
      if (spec.kind == AggregateKind::kCountStar) {
        count += segment->numRows();
        continue;
      }
      // Cold segments need their footer; planMorsels() fetched it already.
      absl::Status prepared = segment->prepare(nullptr);
      if (!prepared.ok()) throw errorFromStatus(prepared);
      auto column = segment->findColumn(name);
      if (!column) return std::nullopt;  // the segment predates the column
      for (size_t b = 0; b < segment->numBlocks(); ++b) {
        const auto& stats = segment->blockStats(*column, b);
        count += stats.numRows - stats.nullCount;
        if (spec.kind == AggregateKind::kCount || stats.nullCount == stats.numRows) continue;
        if (stats.min.isNull() || stats.max.isNull()) return std::nullopt;
        const Value& candidate = spec.kind == AggregateKind::kMin ? stats.min : stats.max;
        if (best.isNull() || (spec.kind == AggregateKind::kMin ? candidate.compare(best) < 0
                                                                : candidate.compare(best) > 0)) {
          best = candidate;
        }
      }
    }
    if (spec.kind == AggregateKind::kCountStar || spec.kind == AggregateKind::kCount) {
      auto column = Column::makeFlat(DataType(TypeId::kUInt64), 1);
      column->data<uint64_t>()[0] = count;
      out.columns.push_back(std::move(column));
    } else {
      auto column = Column::makeFlat(spec.resultType, 1);
      column->setValue(0, best);
      out.columns.push_back(std::move(column));
    }
  }
  return out;
}

// Removes duplicate rows (on the visible columns), keeping the first.
Batch distinctRows(const Batch& batch, size_t numVisible) {
  absl::flat_hash_set<std::string> seen;
  SelectionVector keep;
  std::string key;
  for (size_t r = 0; r < batch.numRows; ++r) {
    key.clear();
    for (size_t c = 0; c < numVisible; ++c) {
      const Column& column = *batch.columns[c];
      if (column.isNull(r)) {
        key.push_back('\0');
        continue;
      }
      key.push_back('\1');
      Value v = column.getValue(r);
      std::string text = v.toString();
      uint32_t len = static_cast<uint32_t>(text.size());
      key.append(reinterpret_cast<const char*>(&len), sizeof(len));
      key.append(text);
    }
    if (seen.insert(key).second) keep.push_back(static_cast<uint32_t>(r));
  }
  Batch out;
  out.numRows = keep.size();
  for (const auto& column : batch.columns) out.columns.push_back(Column::gather(column, keep.data(), keep.size()));
  return out;
}

// Runs fn(worker) on `threads` threads and rethrows the first error.
void runParallel(size_t threads, const std::function<void(size_t)>& fn) {
  if (threads <= 1) {
    try {
      fn(0);
    } catch (...) {
      clearEvaluationCache();
      throw;
    }
    clearEvaluationCache();
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex errorMutex;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        fn(t);
        clearEvaluationCache();
      } catch (...) {
        clearEvaluationCache();
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

// Aggregating workers claim whole segments once there are at least this many
// segments per thread. A worker then meets each segment's dictionaries alone,
// so dictionary strings are interned, and functions of them evaluated, once
// per segment rather than once per segment and thread. With fewer segments
// the workers claim single blocks, so that they share the work evenly.
// NOTE: eight is a chosen value, not a tuned one.
constexpr size_t kSegmentsPerThreadForSegmentClaims = 8;

// Ranges [first, second) of `morsels` that one worker claims at a time: one
// range per segment when the snapshot has enough segments for `threads`,
// one per morsel otherwise. `morsels` lists a segment's blocks together.
std::vector<std::pair<uint64_t, uint64_t>> claimRanges(const SelectPlan& plan, const std::vector<Morsel>& morsels,
                                                       uint64_t numMorsels, size_t threads) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  if (plan.table) {
    for (uint64_t m = 0; m < numMorsels; ++m) {
      if (m == 0 || morsels[m].segment != morsels[m - 1].segment) {
        ranges.emplace_back(m, m + 1);
      } else {
        ranges.back().second = m + 1;
      }
    }
    if (ranges.size() >= kSegmentsPerThreadForSegmentClaims * threads) return ranges;
    ranges.clear();
  }
  for (uint64_t m = 0; m < numMorsels; ++m) ranges.emplace_back(m, m + 1);
  return ranges;
}

void addStats(QueryStats& into, const QueryStats& from) {
  into.readRows += from.readRows;
  into.readBytes += from.readBytes;
  into.coldFetchBytes += from.coldFetchBytes;
  into.coldFetchRequests += from.coldFetchRequests;
  into.coldCacheHits += from.coldCacheHits;
}

}  // namespace

namespace {
std::vector<Batch> executeBlock(const SelectPlan& plan, const QueryOptions& options, QueryStats& stats);
}  // namespace

std::vector<Batch> executeSelect(const SelectPlan& plan, const QueryOptions& options, QueryStats& stats) {
  std::vector<Batch> batches = executeBlock(plan, options, stats);
  for (const auto& branch : plan.unionAll) {
    for (Batch& batch : executeSelect(*branch, options, stats)) batches.push_back(std::move(batch));
  }
  return batches;
}

namespace {

std::vector<Batch> executeBlock(const SelectPlan& plan, const QueryOptions& options, QueryStats& stats) {
  // Source: morsels over segments, subquery or system table batches, or one
  // empty row.
  std::vector<Batch> subqueryBatches;
  const std::vector<Batch>* subquerySource = nullptr;
  std::vector<Morsel> morsels;
  uint64_t numbersMorsels = 0;  // numbers(N) morsels are computed, not listed
  if (plan.table) {
    morsels = planMorsels(plan, stats);
  } else if (plan.numbers) {
    uint64_t rows = plan.numbers->second - plan.numbers->first;
    uint64_t count = (rows + kNumbersMorselRows - 1) / kNumbersMorselRows;
    numbersMorsels = count;
  } else {
    if (plan.subquery) {
      subqueryBatches = executeSelect(*plan.subquery, options, stats);
    } else if (plan.systemRows) {
      subqueryBatches = *plan.systemRows;
      for (const Batch& batch : subqueryBatches) stats.readRows += batch.numRows;
    } else {
      Batch one;
      one.numRows = 1;
      subqueryBatches.push_back(std::move(one));
    }
    subquerySource = &subqueryBatches;
    for (size_t i = 0; i < subqueryBatches.size(); ++i) morsels.push_back({i, 0});
  }

  const uint64_t numMorsels = plan.numbers ? numbersMorsels : morsels.size();
  auto morselAt = [&](uint64_t m) { return plan.numbers ? Morsel{m, 0} : morsels[m]; };
  if (options.progress != nullptr) {
    uint64_t total = 0;
    if (plan.numbers) {
      total = plan.numbers->second - plan.numbers->first;
    } else if (plan.table) {
      for (const Morsel& morsel : morsels) total += plan.table->segments[morsel.segment]->blockRows(morsel.block);
    }
    options.progress->totalRowsToRead.fetch_add(total, std::memory_order_relaxed);
  }
  const ScanColumns scan(plan);
  // Adds what a worker read since `before` to the live progress counters.
  auto report = [&](const QueryStats& workerStats, const QueryStats& before) {
    if (options.progress == nullptr) return;
    QueryProgress& progress = *options.progress;
    progress.readRows.fetch_add(workerStats.readRows - before.readRows, std::memory_order_relaxed);
    progress.readBytes.fetch_add(workerStats.readBytes - before.readBytes, std::memory_order_relaxed);
    progress.coldFetchBytes.fetch_add(workerStats.coldFetchBytes - before.coldFetchBytes, std::memory_order_relaxed);
    progress.coldFetchRequests.fetch_add(workerStats.coldFetchRequests - before.coldFetchRequests,
                                         std::memory_order_relaxed);
    progress.coldCacheHits.fetch_add(workerStats.coldCacheHits - before.coldCacheHits, std::memory_order_relaxed);
  };
  // Reads one morsel, runs the filters and then reads `columns` for the rows
  // left. Returns false when the filters leave no row.
  auto scanMorsel = [&](uint64_t m, const std::vector<size_t>& columns, QueryStats& workerStats, Batch& batch) {
    QueryStats before = workerStats;
    Morsel morsel = morselAt(m);
    batch = loadMorsel(plan, subquerySource, morsel, workerStats);
    bool live = applyFilters(plan, scan, morsel, batch, workerStats);
    if (live) loadColumns(plan, morsel, columns, batch, workerStats);
    report(workerStats, before);
    return live;
  };
  size_t threads = std::min<uint64_t>(threadCount(options), std::max<uint64_t>(1, numMorsels));
  std::atomic<uint64_t> nextMorsel{0};
  std::vector<QueryStats> threadStats(threads);

  // Without aggregation, sorting or DISTINCT a LIMIT lets workers stop
  // early. Workers claim morsels in order, so the finished ones are always
  // a prefix and the result is the same as a full scan's first rows.
  const bool canStopEarly = !plan.aggregate && plan.sort.empty() && !plan.distinct && plan.limit.has_value();
  const uint64_t rowsNeeded = plan.limit.value_or(0) + plan.offset;
  std::atomic<uint64_t> rowsCollected{0};
  // ORDER BY with a small LIMIT keeps per morsel only the rows that can reach
  // the result, and reads the other columns for those rows only.
  const bool topN = !plan.aggregate && !plan.distinct && !plan.sort.empty() && plan.limit.has_value() &&
                    rowsNeeded > 0 && rowsNeeded <= kMaxTopNRows;

  std::vector<Batch> projected;  // non-aggregate path
  Batch aggregated;
  std::vector<DataType> projectedTypes;
  for (const auto& expr : plan.projections) projectedTypes.push_back(expr->type);

  if (plan.aggregate) {
    if (auto fromMetadata = aggregateFromMetadata(plan)) {
      aggregated = std::move(*fromMetadata);
    } else {
      std::vector<std::unique_ptr<GroupTable>> tables(threads);
      const auto ranges = claimRanges(plan, morsels, numMorsels, threads);
      std::atomic<uint64_t> nextRange{0};
      uint64_t rowsToRead = 0;
      if (plan.table) {
        for (const Morsel& morsel : morsels) rowsToRead += plan.table->segments[morsel.segment]->blockRows(morsel.block);
      }
      runParallel(threads, [&](size_t worker) {
        tables[worker] = std::make_unique<GroupTable>(plan);
        tables[worker]->expectRows(rowsToRead / threads);
        Batch batch;
        for (;;) {
          uint64_t r = nextRange.fetch_add(1);
          if (r >= ranges.size()) break;
          for (uint64_t m = ranges[r].first; m < ranges[r].second; ++m) {
            checkCancelled(options);
            if (!scanMorsel(m, scan.rest, threadStats[worker], batch)) continue;
            tables[worker]->consume(batch);
          }
        }
      });
      std::vector<GroupTable*> others;
      for (size_t t = 1; t < threads; ++t) others.push_back(tables[t].get());
      tables[0]->mergeAll(others, threads);
      aggregated = finishAggregate(plan, *tables[0], rowsNeeded);
    }
    for (const auto& filter : plan.having) {
      aggregated.sel = filterRows(*filter, aggregated);
      if (aggregated.sel->empty()) break;
    }
    // With ORDER BY and a small LIMIT, only the groups that can reach the
    // result are projected and sorted.
    if (!plan.distinct && !plan.sort.empty() && plan.limit.has_value() && rowsNeeded > 0 &&
        rowsNeeded <= kMaxTopNRows && aggregated.liveRows() > rowsNeeded) {
      TopNFilter best(plan, rowsNeeded);
      aggregated.sel = std::make_shared<SelectionVector>(best.candidates(aggregated));
    }
    projected.push_back(project(plan.projections, aggregated));
  } else {
    // Results are kept per morsel so the output follows the source order.
    std::mutex resultsMutex;
    std::map<uint64_t, std::vector<Batch>> perMorsel;
    runParallel(threads, [&](size_t worker) {
      TopNFilter best(plan, rowsNeeded);
      QueryStats& workerStats = threadStats[worker];
      Batch batch;
      for (;;) {
        if (canStopEarly && rowsCollected.load() >= rowsNeeded) break;
        uint64_t m = nextMorsel.fetch_add(1);
        if (m >= numMorsels) break;
        checkCancelled(options);
        Batch out;
        if (topN) {
          if (best.blockCannotWin(morselAt(m))) continue;
          if (!scanMorsel(m, scan.sortKeys, workerStats, batch)) continue;
          auto rows = std::make_shared<SelectionVector>(best.candidates(batch));
          if (rows->empty()) continue;
          batch.sel = std::move(rows);
          QueryStats before = workerStats;
          loadColumns(plan, morselAt(m), scan.rest, batch, workerStats);
          report(workerStats, before);
          out = project(plan.projections, batch);
          best.add(out);
        } else {
          if (!scanMorsel(m, scan.rest, workerStats, batch)) continue;
          out = project(plan.projections, batch);
        }
        rowsCollected.fetch_add(out.numRows);
        std::lock_guard<std::mutex> lock(resultsMutex);
        perMorsel[m].push_back(std::move(out));
      }
    });
    for (auto& [m, batches] : perMorsel) {
      for (auto& batch : batches) projected.push_back(std::move(batch));
    }
  }
  for (const auto& s : threadStats) addStats(stats, s);

  // DISTINCT and ORDER BY work on one concatenated batch.
  if (plan.distinct || !plan.sort.empty()) {
    Batch all = concatenate(projected, projectedTypes);
    if (plan.distinct) all = distinctRows(all, plan.numVisible);
    if (!plan.sort.empty()) {
      std::vector<std::function<int(uint32_t, uint32_t)>> comparators;
      for (const auto& key : plan.sort) comparators.push_back(makeComparator(all.columns[key.column]));
      auto less = [&](uint32_t a, uint32_t b) {
        for (size_t k = 0; k < plan.sort.size(); ++k) {
          const SortKey& key = plan.sort[k];
          const Column& column = *all.columns[key.column];
          bool aNull = column.isNull(a);
          bool bNull = column.isNull(b);
          if (aNull || bNull) {
            if (aNull == bNull) continue;
            return aNull == key.nullsFirst;
          }
          int c = comparators[k](a, b);
          if (c != 0) return key.descending ? c > 0 : c < 0;
        }
        return a < b;  // stable: ties keep their input order
      };
      std::vector<uint32_t> order(all.numRows);
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
      if (plan.limit && rowsNeeded < order.size()) {
        std::partial_sort(order.begin(), order.begin() + rowsNeeded, order.end(), less);
        order.resize(rowsNeeded);
      } else {
        std::sort(order.begin(), order.end(), less);
      }
      Batch sorted;
      sorted.numRows = order.size();
      for (const auto& column : all.columns) sorted.columns.push_back(Column::gather(column, order.data(), order.size()));
      all = std::move(sorted);
    }
    projected.clear();
    projected.push_back(std::move(all));
  }

  // OFFSET and LIMIT, then drop the hidden sort columns.
  std::vector<Batch> result;
  uint64_t skip = plan.offset;
  uint64_t remaining = plan.limit.value_or(UINT64_MAX);
  for (auto& batch : projected) {
    if (remaining == 0) break;
    if (skip >= batch.numRows) {
      skip -= batch.numRows;
      continue;
    }
    size_t begin = skip;
    size_t length = std::min<uint64_t>(batch.numRows - begin, remaining);
    skip = 0;
    remaining -= length;
    Batch out;
    out.numRows = length;
    for (size_t c = 0; c < plan.numVisible; ++c) {
      ColumnPtr column = batch.columns[c];
      if (begin != 0 || length != batch.numRows) column = Column::slice(column, begin, length);
      out.columns.push_back(std::move(column));
    }
    if (out.numRows > 0) result.push_back(std::move(out));
  }
  return result;
}

}  // namespace

}  // namespace furl::query
