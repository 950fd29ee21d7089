#include <algorithm>
#include "query/query_engine.h"

#include <filesystem>
#include <random>
#include <string>

#include "common/error.h"
#include "gtest/gtest.h"
#include "query/tests/engine_test_fixture.h"

namespace furl::query {
namespace {

class QueryEngineTest : public EngineTest {
 protected:
  QueryEngineTest() : EngineTest("query-test") {}

  ErrorCode errorOf(const std::string& sql, std::string* message = nullptr) {
    try {
      run(sql);
    } catch (const QueryError& error) {
      if (message != nullptr) *message = error.what();
      return error.code();
    }
    return ErrorCode::kOk;
  }
};

TEST_F(QueryEngineTest, SelectWithoutFrom) {
  EXPECT_EQ(rows("SELECT 1 + 2, 'a'"), (std::vector<std::string>{"3\ta"}));
}

TEST_F(QueryEngineTest, InsertValuesAndFilter) {
  run("CREATE TABLE t (id Int64, name String, score Nullable(Float64)) ENGINE = MergeTree ORDER BY id");
  run("INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 3)");
  EXPECT_EQ(rows("SELECT id, name FROM t WHERE score IS NULL"), (std::vector<std::string>{"2\tb"}));
  EXPECT_EQ(rows("SELECT count(*), count(score), sum(score) FROM t"), (std::vector<std::string>{"3\t2\t4.5"}));
}

TEST_F(QueryEngineTest, GroupByOrderByLimitAcrossSegments) {
  run("CREATE TABLE t (k String, v Int64) ENGINE = MergeTree ORDER BY k");
  for (int i = 0; i < 5; ++i) {
    run("INSERT INTO t VALUES ('x', 1), ('y', 2), ('z', " + std::to_string(i) + ")");
  }
  EXPECT_EQ(rows("SELECT k, sum(v) AS s FROM t GROUP BY k ORDER BY s DESC, k LIMIT 2"),
            (std::vector<std::string>{"y\t10", "z\t10"}));
  EXPECT_EQ(rows("SELECT v FROM t ORDER BY v DESC LIMIT 2 OFFSET 1"), (std::vector<std::string>{"3", "2"}));
  EXPECT_EQ(rows("SELECT count(DISTINCT k), uniqExact(v) FROM t"), (std::vector<std::string>{"3\t5"}));
}

TEST_F(QueryEngineTest, NullsSortLastByDefault) {
  run("CREATE TABLE t (v Nullable(Int64)) ENGINE = MergeTree ORDER BY tuple()");
  run("INSERT INTO t VALUES (2), (NULL), (1)");
  EXPECT_EQ(rows("SELECT v FROM t ORDER BY v"), (std::vector<std::string>{"1", "2", "NULL"}));
  EXPECT_EQ(rows("SELECT v FROM t ORDER BY v DESC NULLS FIRST"), (std::vector<std::string>{"NULL", "2", "1"}));
}

TEST_F(QueryEngineTest, SumOverflowIsAnError) {
  run("CREATE TABLE t (v Int64) ENGINE = MergeTree ORDER BY tuple()");
  run("INSERT INTO t VALUES (9223372036854775807), (1)");
  std::string message;
  EXPECT_EQ(errorOf("SELECT sum(v) FROM t", &message), ErrorCode::kDecimalOverflow);
  EXPECT_NE(message.find("9223372036854775808"), std::string::npos) << message;
  // avg divides the exact 128-bit sum, so it does not overflow.
  QueryResult avg = run("SELECT avg(v) FROM t");
  ASSERT_EQ(avg.numRows(), 1u);
  EXPECT_DOUBLE_EQ(avg.batches[0].columns[0]->getValue(0).asDouble(), 4611686018427387904.0);
}

TEST_F(QueryEngineTest, UnknownColumnSuggestsName) {
  run("CREATE TABLE t (page String) ENGINE = MergeTree ORDER BY tuple()");
  std::string message;
  EXPECT_EQ(errorOf("SELECT pgae FROM t", &message), ErrorCode::kUnknownIdentifier);
  EXPECT_NE(message.find("did you mean 'page'"), std::string::npos) << message;
  EXPECT_NE(message.find("line 1, column 8"), std::string::npos) << message;
}

TEST_F(QueryEngineTest, UnknownFunctionSuggestsName) {
  run("CREATE TABLE t (page String) ENGINE = MergeTree ORDER BY tuple()");
  // Scalar functions and aggregates are both suggested.
  for (auto [query, suggestion] : {std::pair{"SELECT lowr(page) FROM t", "'lower'"},
                                   std::pair{"SELECT uniqq(page) FROM t", "'uniq'"},
                                   std::pair{"SELECT medain(1) FROM t", "'median'"}}) {
    std::string message;
    EXPECT_EQ(errorOf(query, &message), ErrorCode::kUnknownFunction) << query;
    EXPECT_NE(message.find(std::string("did you mean ") + suggestion), std::string::npos) << message;
  }
}

TEST_F(QueryEngineTest, InsertFormatJsonEachRow) {
  run("CREATE TABLE t (time DateTime64(3), user String, added Int64) ENGINE = MergeTree "
      "PARTITION BY toYYYYMM(time) ORDER BY time");
  run("INSERT INTO t FORMAT JSONEachRow",
      "{\"time\":\"2015-09-12T00:46:58.771Z\",\"user\":\"a\",\"added\":36}\n"
      "{\"time\":\"2015-09-12T01:00:00.000Z\",\"user\":\"b\",\"added\":4}\n");
  EXPECT_EQ(rows("SELECT toStartOfHour(time) AS h, sum(added) FROM t GROUP BY h ORDER BY h"),
            (std::vector<std::string>{"2015-09-12 00:00:00.000\t36", "2015-09-12 01:00:00.000\t4"}));
  EXPECT_EQ(rows("SELECT user FROM t WHERE time >= '2015-09-12 01:00:00'"), (std::vector<std::string>{"b"}));
}

TEST_F(QueryEngineTest, ManyRowsAggregateMatchesReference) {
  run("CREATE TABLE t (k Int64, v Int64) ENGINE = MergeTree ORDER BY tuple()");
  std::mt19937_64 rng(42);
  std::string body;
  int64_t expectedSum[7] = {};
  for (int i = 0; i < 50000; ++i) {
    int64_t k = static_cast<int64_t>(rng() % 7);
    int64_t v = static_cast<int64_t>(rng() % 1000);
    expectedSum[k] += v;
    body += std::to_string(k) + "\t" + std::to_string(v) + "\n";
  }
  run("INSERT INTO t FORMAT TabSeparated", body);
  auto result = rows("SELECT k, sum(v) FROM t GROUP BY k ORDER BY k");
  ASSERT_EQ(result.size(), 7u);
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(result[k], std::to_string(k) + "\t" + std::to_string(expectedSum[k])) << "seed 42, key " << k;
  }
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

TEST_F(QueryEngineTest, ApproximateDistinctIsExactWhenSmall) {
  run("CREATE TABLE t (u String, n Int64) ENGINE = MergeTree ORDER BY tuple()");
  run("INSERT INTO t VALUES ('a', 1), ('b', 2), ('a', 1), ('c', 3)");
  EXPECT_EQ(rows("SELECT uniq(u), uniqHLL12(n), APPROX_COUNT_DISTINCT(u), APPROX_COUNT_DISTINCT_DS_HLL(u, 10) FROM t"),
            (std::vector<std::string>{"3\t3\t3\t3"}));
  EXPECT_EQ(errorOf("SELECT APPROX_COUNT_DISTINCT_DS_HLL(u, 30) FROM t"), ErrorCode::kBadArguments);
}

TEST_F(QueryEngineTest, ApproximateDistinctWithinErrorBound) {
  run("CREATE TABLE t (n Int64) ENGINE = MergeTree ORDER BY tuple()");
  std::string body;
  for (int i = 0; i < 200000; ++i) body += std::to_string(i % 100000) + "\n";
  run("INSERT INTO t FORMAT TabSeparated", body);
  QueryResult result = run("SELECT uniq(n) FROM t");
  ASSERT_EQ(result.numRows(), 1u);
  double estimate = static_cast<double>(result.batches[0].columns[0]->getValue(0).asUInt64());
  // Two standard errors of a 4096-register sketch: 2 * 1.04 / 64.
  EXPECT_NEAR(estimate, 100000.0, 100000.0 * 2 * 1.04 / 64) << "estimate " << estimate;
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

TEST_F(QueryEngineTest, NumbersTableFunction) {
  EXPECT_EQ(rows("SELECT count(*), sum(number), min(number), max(number) FROM numbers(200000)"),
            (std::vector<std::string>{"200000\t19999900000\t0\t199999"}));
  EXPECT_EQ(rows("SELECT number FROM numbers(10, 5) WHERE number % 2 = 0"),
            (std::vector<std::string>{"10", "12", "14"}));
  EXPECT_EQ(rows("SELECT number FROM numbers(1000000000000) LIMIT 2 OFFSET 70000"),
            (std::vector<std::string>{"70000", "70001"}));
  EXPECT_EQ(errorOf("SELECT * FROM numbers(-1)"), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf("SELECT * FROM nosuchfunction(1)"), ErrorCode::kUnknownFunction);
}

TEST_F(QueryEngineTest, CancelStopsLongQuery) {
  std::atomic<bool> cancelled{true};
  QueryOptions options;
  options.cancelled = &cancelled;
  try {
    engine_->execute("SELECT sum(number) FROM numbers(1000000000000)", options);
    FAIL() << "a cancelled query must not finish";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kQueryWasCancelled) << error.what();
  }
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

TEST_F(QueryEngineTest, TimeColumnRule) {
  struct Case {
    std::string ddl;
    std::string timeColumn;  // empty: none
    storage::Granularity granularity;
  };
  std::vector<Case> cases = {
      {"CREATE TABLE t (__time DateTime64(3), a String) ENGINE = MergeTree PARTITION BY toYYYYMM(__time)",
       "__time", storage::Granularity::kDay},
      {"CREATE TABLE t (ts DateTime, a String) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY a", "ts",
       storage::Granularity::kMonth},
      {"CREATE TABLE t (ts DateTime, a String) ENGINE = MergeTree PARTITION BY toStartOfHour(ts) ORDER BY a", "ts",
       storage::Granularity::kHour},
      {"CREATE TABLE t (d Date, a String) ENGINE = MergeTree PARTITION BY d ORDER BY a", "d",
       storage::Granularity::kDay},
      {"CREATE TABLE t (a String, ts DateTime) ENGINE = MergeTree ORDER BY (a, ts)", "ts",
       storage::Granularity::kDay},
      {"CREATE TABLE t (a Int64, ts DateTime, PRIMARY KEY (a, ts))", "ts", storage::Granularity::kDay},
      {"CREATE TABLE t (ts DateTime, a String) ENGINE = MergeTree ORDER BY a SETTINGS segment_granularity = 'HOUR'",
       "", storage::Granularity::kHour},
      {"CREATE TABLE t (ts DateTime, a String) ENGINE = MergeTree ORDER BY ts SETTINGS segment_granularity = 'week'",
       "ts", storage::Granularity::kWeek},
      {"CREATE TABLE t (a String) ENGINE = MergeTree ORDER BY a", "", storage::Granularity::kDay},
  };
  for (const auto& c : cases) {
    run("DROP TABLE IF EXISTS t");
    run(c.ddl);
    auto snapshot = database_->snapshot("t");
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    const storage::TableDef& def = (*snapshot)->def;
    std::string chosen = def.timeColumn < 0 ? "" : def.columns[def.timeColumn].name;
    EXPECT_EQ(chosen, c.timeColumn) << c.ddl;
    if (!c.timeColumn.empty()) {
      EXPECT_EQ(def.segmentGranularity, c.granularity) << c.ddl;
    }
  }
}

TEST_F(QueryEngineTest, OrderByStringLimitOverBlocks) {
  // Three blocks, so the top-N filter is full when later blocks come and
  // drops their rows by dictionary code where the dictionary is sorted.
  run("CREATE TABLE t (s String) ENGINE = MergeTree ORDER BY tuple()");
  run("INSERT INTO t SELECT if(number % 5 = 0, '', concat('k', toString(number * 7919 % 10007))) FROM numbers(40000)");
  std::vector<std::string> all;
  for (uint64_t n = 0; n < 40000; ++n) {
    if (n % 5 != 0) all.push_back("k" + std::to_string(n * 7919 % 10007));
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> first(all.begin(), all.begin() + 10);
  std::vector<std::string> last(all.rbegin(), all.rbegin() + 10);
  EXPECT_EQ(rows("SELECT s FROM t WHERE s <> '' ORDER BY s LIMIT 10"), first);
  EXPECT_EQ(rows("SELECT s FROM t WHERE s <> '' ORDER BY s DESC LIMIT 10"), last);
}

TEST_F(QueryEngineTest, UnknownSettingIsAWarning) {
  QueryResult result = run("CREATE TABLE t (a Int64) ENGINE = MergeTree ORDER BY a SETTINGS index_granularity = 8192");
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("index_granularity"), std::string::npos) << result.warnings[0];
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

TEST_F(QueryEngineTest, ReadOnlyRejectsWrites) {
  run("CREATE TABLE t (a Int64) ENGINE = MergeTree ORDER BY a");
  QueryOptions options;
  options.readOnly = true;
  options.readOnlyReason = "test";
  for (const char* sql : {"DROP TABLE t", "INSERT INTO t VALUES (1)", "CREATE TABLE u (a Int64)"}) {
    try {
      engine_->execute(sql, options);
      ADD_FAILURE() << sql << " ran in read-only mode";
    } catch (const QueryError& error) {
      EXPECT_EQ(error.code(), ErrorCode::kReadonly) << sql;
    }
  }
  EXPECT_EQ(engine_->execute("SELECT count(*) FROM t", options).numRows(), 1u);
}

}  // namespace
}  // namespace furl::query
