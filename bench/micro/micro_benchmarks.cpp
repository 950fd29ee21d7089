// Google Benchmark programs for the kernels that dominate ClickBench-style
// queries: segment block decode, filter predicates, regular expression
// groups, hash aggregation and sort/top-N. Not timed tests: CI only runs
// them briefly to see that they work (see bench/micro/CMakeLists.txt).
//
//   build/bin/furl_micro_benchmarks --benchmark_filter=Decode
//   build/bin/furl_micro_benchmarks --engine_rows=10000000   # default 1000000
//
// Decode and filter call the storage and function APIs directly on one
// block; aggregation and top-N run SQL through QueryEngine on a table of
// generated rows with max_threads = 1, so that numbers from a busy machine
// vary less; their times are wall-clock because the query runs on worker
// threads.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "common/column.h"
#include "common/logging.h"
#include "query/aggregate.h"
#include "query/expression.h"
#include "query/functions/backtracking_regex.h"
#include "query/function.h"
#include "query/query_engine.h"
#include "storage/codec.h"
#include "storage/database.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "re2/re2.h"

namespace furl {
namespace {

constexpr size_t kBlockRows = 16384;

/// A directory under the system temporary folder, removed with everything
/// in it on destruction.
class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "furl-micro-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Skewed small integers, like ClickBench's AdvEngineID or RegionID columns.
std::vector<int64_t> skewedIntegers(size_t n, int64_t distinct, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int64_t> values(n);
  for (auto& v : values) {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    v = static_cast<int64_t>(distinct * u * u * u);
  }
  return values;
}

ColumnPtr int64Column(const std::vector<int64_t>& values) {
  auto column = Column::makeFlat(DataType(TypeId::kInt64), values.size());
  std::copy(values.begin(), values.end(), column->data<int64_t>());
  return column;
}

/// URL-like strings: `distinct` values, a few of them containing "google".
ColumnPtr urlColumn(size_t n, size_t distinct, uint64_t seed) {
  auto column = Column::makeFlat(DataType(TypeId::kString), n);
  std::mt19937_64 rng(seed);
  auto* values = column->data<std::string_view>();
  for (size_t i = 0; i < n; ++i) {
    uint64_t id = rng() % distinct;
    std::string url = "http://site" + std::to_string(id % 997) + ".ru/section/" + std::to_string(id) + ".html";
    if (id % 50 == 0) url += "?utm_source=google";
    values[i] = column->heap().add(url);
  }
  return column;
}

// --- segment block decode --------------------------------------------------

/// One segment of one column, written once per benchmark and read block by
/// block: decompression, checksum and (for strings) the dictionary codes.
class SegmentFixture {
 public:
  SegmentFixture(DataType type, ColumnPtr values, storage::Codec codec) {
    storage::SegmentWriterOptions options;
    options.codec = codec;
    options.blockRows = kBlockRows;
    storage::SegmentWriter writer({{"c", type}}, options);
    Batch batch;
    batch.numRows = values->size();
    batch.columns.push_back(std::move(values));
    check(writer.append(batch));
    std::string path = (dir_.path() / "micro.seg").string();
    check(writer.finish(path).status());
    auto reader = storage::SegmentReader::open(path);
    check(reader.status());
    reader_ = *std::move(reader);
  }

  const storage::SegmentReader& reader() const { return *reader_; }

  static void check(const absl::Status& status) {
    if (!status.ok()) throw std::runtime_error(std::string(status.message()));
  }

 private:
  TempDirectory dir_;
  std::shared_ptr<storage::SegmentReader> reader_;
};

void readAllBlocks(benchmark::State& state, const SegmentFixture& fixture) {
  const auto& reader = fixture.reader();
  for (auto _ : state) {
    for (size_t block = 0; block < reader.numBlocks(); ++block) {
      auto column = reader.readBlock(0, block);
      SegmentFixture::check(column.status());
      benchmark::DoNotOptimize(column->get());
    }
  }
  state.SetItemsProcessed(state.iterations() * reader.numRows());
}

void BM_DecodeInt64Block(benchmark::State& state) {
  auto codec = static_cast<storage::Codec>(state.range(0));
  SegmentFixture fixture(DataType(TypeId::kInt64), int64Column(skewedIntegers(16 * kBlockRows, 100000, 1)), codec);
  state.SetLabel(std::string(storage::codecName(codec)));
  readAllBlocks(state, fixture);
}
BENCHMARK(BM_DecodeInt64Block)
    ->Arg(static_cast<int>(storage::Codec::kNone))
    ->Arg(static_cast<int>(storage::Codec::kLz4))
    ->Arg(static_cast<int>(storage::Codec::kZstd));

void BM_DecodeStringBlock(benchmark::State& state) {
  SegmentFixture fixture(DataType(TypeId::kString), urlColumn(16 * kBlockRows, 50000, 2), storage::Codec::kLz4);
  readAllBlocks(state, fixture);
}
BENCHMARK(BM_DecodeStringBlock);

// --- filter predicates -----------------------------------------------------

/// Binds a built-in function to (column type, constant) once and runs it on
/// one block per iteration, as the executor does for a WHERE conjunct.
void runPredicate(benchmark::State& state, const char* name, const ColumnPtr& column, const Value& constant) {
  const auto* factory = query::FunctionRegistry::instance().find(name);
  if (factory == nullptr) throw std::runtime_error(std::string("unknown function ") + name);
  std::vector<query::FunctionArgument> arguments = {{column->type(), nullptr}, {DataType(constant.type()), &constant}};
  auto bound = (*factory)(arguments);
  std::vector<ColumnPtr> args = {column, Column::makeConstant(DataType(constant.type()), constant, column->size())};
  SelectionVector selected;
  selected.reserve(column->size());
  for (auto _ : state) {
    ColumnPtr result = bound->execute(args, column->size(), nullptr);
    // Turn the Bool result into a selection vector, as filters do.
    selected.clear();
    const uint8_t* matches = result->data<uint8_t>();
    for (uint32_t row = 0; row < column->size(); ++row) {
      if (matches[result->isConstant() ? 0 : row]) selected.push_back(row);
    }
    benchmark::DoNotOptimize(selected.data());
  }
  state.SetItemsProcessed(state.iterations() * column->size());
}

void BM_FilterInt64NotEquals(benchmark::State& state) {
  runPredicate(state, "notEquals", int64Column(skewedIntegers(kBlockRows, 20, 3)), Value::int64(0));
}
BENCHMARK(BM_FilterInt64NotEquals);

/// query::filterRows() of `AdvEngineID <> 0` over one Int16 block, as a
/// WHERE conjunct runs: the comparison selects rows directly, without a
/// Bool column.
void BM_FilterRowsInt16NotEquals(benchmark::State& state) {
  std::vector<int64_t> values = skewedIntegers(kBlockRows, 20, 3);
  auto column = Column::makeFlat(DataType(TypeId::kInt16), kBlockRows);
  for (size_t i = 0; i < kBlockRows; ++i) column->data<int16_t>()[i] = static_cast<int16_t>(values[i]);
  const auto* factory = query::FunctionRegistry::instance().find("notEquals");
  Value zero = Value::int64(0, TypeId::kUInt8);
  std::vector<query::FunctionArgument> arguments = {{DataType(TypeId::kInt16), nullptr},
                                                    {DataType(TypeId::kUInt8), &zero}};
  auto predicate = query::BoundExpr::call(
      "notEquals", (*factory)(arguments),
      {query::BoundExpr::column(0, DataType(TypeId::kInt16)), query::BoundExpr::literal(zero, DataType(TypeId::kUInt8))});
  Batch batch;
  batch.numRows = kBlockRows;
  batch.columns.push_back(column);
  for (auto _ : state) benchmark::DoNotOptimize(query::filterRows(*predicate, batch).get());
  state.SetItemsProcessed(state.iterations() * kBlockRows);
}
BENCHMARK(BM_FilterRowsInt16NotEquals);

void BM_FilterStringLike(benchmark::State& state) {
  runPredicate(state, "like", urlColumn(kBlockRows, 5000, 4), Value::string("%google%"));
}
BENCHMARK(BM_FilterStringLike);

void BM_FilterDictionaryLike(benchmark::State& state) {
  // The same strings as BM_FilterStringLike, dictionary-encoded as blocks
  // read from segments are, so the predicate can run once per distinct value.
  SegmentFixture fixture(DataType(TypeId::kString), urlColumn(kBlockRows, 5000, 4), storage::Codec::kLz4);
  auto column = fixture.reader().readBlock(0, 0);
  SegmentFixture::check(column.status());
  runPredicate(state, "like", *column, Value::string("%google%"));
}
BENCHMARK(BM_FilterDictionaryLike);

/// length(c) through query::evaluate() over every block of a segment of
/// URL-like strings with range(0) distinct values, as a new query would run
/// it: the per-thread cache of per-entry results starts empty.
void BM_EvaluateDictionaryLength(benchmark::State& state) {
  constexpr size_t kBlocks = 20;
  SegmentFixture fixture(DataType(TypeId::kString), urlColumn(kBlockRows * kBlocks, static_cast<size_t>(state.range(0)), 6),
                         storage::Codec::kLz4);
  std::vector<Batch> batches;
  for (size_t block = 0; block < fixture.reader().numBlocks(); ++block) {
    auto column = fixture.reader().readBlock(0, block);
    SegmentFixture::check(column.status());
    Batch batch;
    batch.numRows = (*column)->size();
    batch.columns.push_back(*column);
    batches.push_back(std::move(batch));
  }
  const auto* factory = query::FunctionRegistry::instance().find("length");
  std::vector<query::FunctionArgument> arguments = {{DataType(TypeId::kString), nullptr}};
  auto length = query::BoundExpr::call("length", (*factory)(arguments),
                                       {query::BoundExpr::column(0, DataType(TypeId::kString))});
  for (auto _ : state) {
    query::clearEvaluationCache();
    for (const Batch& batch : batches) benchmark::DoNotOptimize(query::evaluate(*length, batch).get());
  }
  state.SetItemsProcessed(state.iterations() * kBlockRows * kBlocks);
}
BENCHMARK(BM_EvaluateDictionaryLength)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// --- regular expressions ---------------------------------------------------

/// Referer-like URLs: http or https, with or without "www.", a path of
/// varying length, and some values that do not match ClickBench Q29's
/// pattern (no path after the host, or empty).
std::vector<std::string> refererValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> values;
  values.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t id = rng();
    std::string url = id % 3 == 0 ? "https://" : "http://";
    if (id % 2 == 0) url += "www.";
    url += "site" + std::to_string(id % 9973) + (id % 5 == 0 ? ".com.tr" : ".ru");
    if (id % 17 != 0) url += "/catalog/" + std::to_string(id % 100000) + "/item.html?id=" + std::to_string(id % 977);
    values.push_back(id % 101 == 0 ? std::string() : std::move(url));
  }
  return values;
}

constexpr const char* kQ29Pattern = "^https?://(?:www\\.)?([^/]+)/.*$";

/// Finds the first group of ClickBench Q29's pattern in each value with
/// RE2::Match (range(0) = 0) or BacktrackingRegex (range(0) = 1).
void BM_RegexpGroups(benchmark::State& state) {
  const std::vector<std::string> values = refererValues(kBlockRows, 8);
  RE2 re2(kQ29Pattern);
  auto backtracking = query::BacktrackingRegex::compile(kQ29Pattern);
  const bool useBacktracking = state.range(0) == 1;
  state.SetLabel(useBacktracking ? "backtracking" : "RE2");
  for (auto _ : state) {
    size_t matched = 0;
    for (const std::string& value : values) {
      re2::StringPiece groups[2];
      if (useBacktracking) {
        matched += backtracking->match(value, 0, groups, 2) == query::BacktrackingRegex::Outcome::kMatch;
      } else {
        matched += re2.Match(value, 0, value.size(), RE2::UNANCHORED, groups, 2);
      }
    }
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(state.iterations() * values.size());
}
BENCHMARK(BM_RegexpGroups)->Arg(0)->Arg(1);

/// Runs the function call of ClickBench Q29, REGEXP_REPLACE(Referer,
/// pattern, '\1'), over one block of distinct values.
void BM_ReplaceRegexpAll(benchmark::State& state) {
  const std::vector<std::string> values = refererValues(kBlockRows, 9);
  auto column = Column::makeFlat(DataType(TypeId::kString), values.size());
  for (size_t i = 0; i < values.size(); ++i) column->data<std::string_view>()[i] = column->heap().add(values[i]);
  const auto* factory = query::FunctionRegistry::instance().find("replaceRegexpAll");
  const Value pattern = Value::string(kQ29Pattern);
  const Value rewrite = Value::string("\\1");
  std::vector<query::FunctionArgument> arguments = {
      {DataType(TypeId::kString), nullptr}, {DataType(TypeId::kString), &pattern}, {DataType(TypeId::kString), &rewrite}};
  auto bound = (*factory)(arguments);
  std::vector<ColumnPtr> args = {column, Column::makeConstant(DataType(TypeId::kString), pattern, values.size()),
                                 Column::makeConstant(DataType(TypeId::kString), rewrite, values.size())};
  for (auto _ : state) benchmark::DoNotOptimize(bound->execute(args, values.size(), nullptr).get());
  state.SetItemsProcessed(state.iterations() * values.size());
}
BENCHMARK(BM_ReplaceRegexpAll);

// --- aggregate state kernels -----------------------------------------------

/// Updates one aggregate state of `kind` with one block of small integers
/// (like ClickBench's AdvEngineID) per iteration, through the general path
/// (range(0) == 0: row and group id arrays, all ids 0) or the single-group
/// path (range(0) == 1: no arrays, dense rows).
void runAggregate(benchmark::State& state, query::AggregateKind kind, TypeId type) {
  query::AggregateSpec spec;
  spec.kind = kind;
  if (kind != query::AggregateKind::kCountStar) spec.arg = query::BoundExpr::column(0, DataType(type));
  spec.resultType = query::aggregateResultType(kind, DataType(type), "bench");
  auto aggregate = query::makeAggregateState(spec);
  aggregate->resize(1);
  std::vector<int64_t> values = skewedIntegers(kBlockRows, 2000, 5);
  auto column = Column::makeFlat(DataType(type), kBlockRows);
  dispatchPhysical(type, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string_view>) {
      for (size_t i = 0; i < kBlockRows; ++i) column->data<T>()[i] = static_cast<T>(values[i]);
    }
  });
  const Column* arg = kind == query::AggregateKind::kCountStar ? nullptr : column.get();
  bool single = state.range(0) == 1;
  std::vector<uint32_t> rows(kBlockRows);
  std::vector<uint32_t> gids(kBlockRows);
  for (auto _ : state) {
    if (single) {
      aggregate->updateSingleGroup(arg, nullptr, kBlockRows);
    } else {
      // The general path's per-block work: fill the row and group id arrays.
      for (size_t i = 0; i < kBlockRows; ++i) rows[i] = static_cast<uint32_t>(i);
      std::fill(gids.begin(), gids.end(), 0);
      aggregate->update(arg, rows.data(), gids.data(), kBlockRows);
    }
  }
  benchmark::DoNotOptimize(aggregate->finalize(1).get());
  state.SetItemsProcessed(state.iterations() * kBlockRows);
}

void BM_AggregateSumInt16(benchmark::State& state) { runAggregate(state, query::AggregateKind::kSum, TypeId::kInt16); }
BENCHMARK(BM_AggregateSumInt16)->Arg(0)->Arg(1);

void BM_AggregateAvgInt64(benchmark::State& state) { runAggregate(state, query::AggregateKind::kAvg, TypeId::kInt64); }
BENCHMARK(BM_AggregateAvgInt64)->Arg(0)->Arg(1);

void BM_AggregateCountStar(benchmark::State& state) {
  runAggregate(state, query::AggregateKind::kCountStar, TypeId::kInt16);
}
BENCHMARK(BM_AggregateCountStar)->Arg(0)->Arg(1);

void BM_AggregateMaxInt32(benchmark::State& state) { runAggregate(state, query::AggregateKind::kMax, TypeId::kInt32); }
BENCHMARK(BM_AggregateMaxInt32)->Arg(0)->Arg(1);

/// count(DISTINCT x) of Int64 over 64 blocks (1M rows, about 500,000
/// distinct values) into a new state per iteration, through the general
/// path (range(0) == 0, all group ids 0) or the single-group path
/// (range(0) == 1), then the merge of a second state with the same values,
/// as the threads of a query merge.
void BM_CountDistinctKernel(benchmark::State& state) {
  constexpr size_t kBlocks = 64;
  std::mt19937_64 rng(8);
  std::vector<ColumnPtr> blocks;
  for (size_t b = 0; b < kBlocks; ++b) {
    auto column = Column::makeFlat(DataType(TypeId::kInt64), kBlockRows);
    for (size_t i = 0; i < kBlockRows; ++i) column->data<int64_t>()[i] = static_cast<int64_t>(rng() % 500000) * 2654435761;
    blocks.push_back(std::move(column));
  }
  query::AggregateSpec spec;
  spec.kind = query::AggregateKind::kCountDistinct;
  spec.arg = query::BoundExpr::column(0, DataType(TypeId::kInt64));
  spec.resultType = DataType(TypeId::kUInt64);
  bool single = state.range(0) == 1;
  std::vector<uint32_t> rows(kBlockRows);
  for (size_t i = 0; i < kBlockRows; ++i) rows[i] = static_cast<uint32_t>(i);
  std::vector<uint32_t> gids(kBlockRows, 0);
  auto fill = [&](query::AggregateState& aggregate) {
    aggregate.resize(1);
    for (const ColumnPtr& block : blocks) {
      if (single) {
        aggregate.updateSingleGroup(block.get(), nullptr, kBlockRows);
      } else {
        aggregate.update(block.get(), rows.data(), gids.data(), kBlockRows);
      }
    }
  };
  for (auto _ : state) {
    auto first = query::makeAggregateState(spec);
    auto second = query::makeAggregateState(spec);
    fill(*first);
    fill(*second);
    uint32_t gidMap[1] = {0};
    first->merge(*second, gidMap, 1);
    benchmark::DoNotOptimize(first->finalize(1).get());
  }
  state.SetItemsProcessed(state.iterations() * kBlocks * kBlockRows * 2);
}
BENCHMARK(BM_CountDistinctKernel)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// --- hash aggregation and top-N through the query engine ------------------

/// A database with table `t` of `rows` generated rows: k (`distinct`
/// distinct Int64 keys), s (a string of `distinct` values) and x (Int64).
class EngineFixture {
 public:
  EngineFixture(size_t rows, size_t distinct) {
    auto database = storage::Database::open((dir_.path() / "data").string());
    SegmentFixture::check(database.status());
    database_ = *std::move(database);
    engine_ = std::make_unique<query::QueryEngine>(*database_);
    run("CREATE TABLE t (k Int64, s String, x Int64)");
    // Multiplying by a large odd constant scatters the keys over the rows.
    std::string key = "number * 2654435761 % " + std::to_string(distinct);
    run("INSERT INTO t SELECT " + key + ", concat('key', toString(" + key + ")), number * 40503 % 1000003 FROM numbers(" +
        std::to_string(rows) + ")");
    options_.settings["max_threads"] = "1";
  }

  query::QueryResult run(const std::string& sql) { return engine_->execute(sql, options_); }

 private:
  TempDirectory dir_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<query::QueryEngine> engine_;
  query::QueryOptions options_;
};

// Rows of the engine benchmarks' table; --engine_rows=N sets it.
size_t engineRows = 1'000'000;

void runQuery(benchmark::State& state, const std::string& sql) {
  EngineFixture fixture(engineRows, static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto result = fixture.run(sql);
    benchmark::DoNotOptimize(result.batches.data());
  }
  state.SetItemsProcessed(state.iterations() * engineRows);
}

void BM_HashAggregateInt64Key(benchmark::State& state) {
  runQuery(state, "SELECT k, count(*), sum(x) FROM t GROUP BY k");
}
BENCHMARK(BM_HashAggregateInt64Key)->Arg(100)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_HashAggregateStringKey(benchmark::State& state) {
  runQuery(state, "SELECT s, count(*) FROM t GROUP BY s");
}
BENCHMARK(BM_HashAggregateStringKey)->Arg(100)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CountDistinct(benchmark::State& state) {
  runQuery(state, "SELECT count(DISTINCT x) FROM t");
}
BENCHMARK(BM_CountDistinct)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TopN(benchmark::State& state) {
  runQuery(state, "SELECT x FROM t ORDER BY x DESC LIMIT 10");
}
BENCHMARK(BM_TopN)->Arg(100)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GroupByTopN(benchmark::State& state) {
  runQuery(state, "SELECT k, count(*) AS c FROM t GROUP BY k ORDER BY c DESC LIMIT 10");
}
BENCHMARK(BM_GroupByTopN)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace furl

int main(int argc, char** argv) {
  // Segment and catalog lifecycle lines would bury the benchmark table.
  furl::setLogLevel("warn");
  // Take --engine_rows=N out of the arguments before Google Benchmark parses them.
  int keptArgs = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.rfind("--engine_rows=", 0) == 0) {
      furl::engineRows = std::stoul(std::string(arg.substr(14)));
    } else {
      argv[keptArgs++] = argv[i];
    }
  }
  argc = keptArgs;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
