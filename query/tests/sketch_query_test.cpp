// HLLSketch columns through SQL: stored in segments, merged by GROUP BY
// over time buckets, estimated, cast and rejected where they make no sense.

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/error.h"
#include "common/hll_sketch.h"
#include "gtest/gtest.h"
#include "query/query_engine.h"
#include "storage/database.h"

namespace furl::query {
namespace {

class SketchQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("furl-sketch-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    auto database = storage::Database::open(dir_.string());
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();
    engine_ = std::make_unique<QueryEngine>(*database_);
  }

  void TearDown() override {
    engine_.reset();
    database_.reset();
    std::filesystem::remove_all(dir_);
  }

  QueryResult run(const std::string& sql) {
    QueryOptions options;
    options.queryId = "sketch-test";
    return engine_->execute(sql, options);
  }

  // All rows of a result as tab-separated text; sketches print as base64.
  std::vector<std::string> rows(const std::string& sql) {
    QueryResult result = run(sql);
    std::vector<std::string> out;
    for (const auto& batch : result.batches) {
      for (size_t r = 0; r < batch.numRows; ++r) {
        std::string line;
        for (size_t c = 0; c < batch.columns.size(); ++c) {
          if (c > 0) line += '\t';
          line += batch.columns[c]->getValue(r).toString();
        }
        out.push_back(line);
      }
    }
    return out;
  }

  std::string scalar(const std::string& sql) {
    std::vector<std::string> result = rows(sql);
    EXPECT_EQ(result.size(), 1u) << sql;
    return result.empty() ? std::string() : result[0];
  }

  ErrorCode errorOf(const std::string& sql, std::string* message = nullptr) {
    try {
      run(sql);
    } catch (const QueryError& error) {
      if (message != nullptr) *message = error.what();
      return error.code();
    }
    return ErrorCode::kOk;
  }

  // 200,000 events over about 5.5 hours, 5,000 distinct users, and their
  // per-minute rollup with one sketch per minute, in hourly segments.
  void createEventsAndMinutes() {
    run("CREATE TABLE events (t DateTime, user Int64) ENGINE = MergeTree ORDER BY t "
        "SETTINGS segment_granularity = 'HOUR'");
    run("INSERT INTO events SELECT fromUnixTimestamp(1442016000 + intDiv(number, 10)) AS t, "
        "(number * 7919) % 5000 AS user FROM numbers(200000)");
    run("CREATE TABLE minutes (m DateTime, users HLLSketch) ENGINE = MergeTree ORDER BY m "
        "SETTINGS segment_granularity = 'HOUR'");
    run("INSERT INTO minutes SELECT toStartOfMinute(t) AS m, DS_HLL(user) FROM events GROUP BY m");
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<QueryEngine> engine_;
};

TEST_F(SketchQueryTest, HourlyMergeOfMinuteSketchesEqualsRawBuild) {
  createEventsAndMinutes();
  ASSERT_EQ(scalar("SELECT count(*) FROM minutes"), "334");
  EXPECT_EQ(scalar("SELECT toTypeName(users) FROM minutes LIMIT 1"), "HLLSketch");

  std::vector<std::string> fromMinutes =
      rows("SELECT toStartOfHour(m) AS h, DS_HLL(users) FROM minutes GROUP BY h ORDER BY h");
  std::vector<std::string> fromEvents =
      rows("SELECT toStartOfHour(t) AS h, DS_HLL(user) FROM events GROUP BY h ORDER BY h");
  ASSERT_EQ(fromMinutes.size(), 6u);
  EXPECT_EQ(fromMinutes, fromEvents) << "merged per-minute sketches must equal the hourly sketch bit for bit";

  // The same through the estimate, against the exact count.
  std::vector<std::string> estimates =
      rows("SELECT toStartOfHour(m) AS h, APPROX_COUNT_DISTINCT(users) FROM minutes GROUP BY h ORDER BY h");
  std::vector<std::string> exact = rows("SELECT toStartOfHour(t) AS h, uniqExact(user) FROM events GROUP BY h ORDER BY h");
  ASSERT_EQ(estimates.size(), exact.size());
  const double standardError = 1.04 / std::sqrt(4096.0);
  for (size_t i = 0; i < exact.size(); ++i) {
    double estimate = std::stod(estimates[i].substr(estimates[i].find('\t') + 1));
    double truth = std::stod(exact[i].substr(exact[i].find('\t') + 1));
    EXPECT_LE(std::abs(estimate - truth) / truth, 3 * standardError) << exact[i] << " estimated " << estimate;
  }

  // Every spelling of the approximate count merges the stored sketches alike.
  std::string total = scalar("SELECT APPROX_COUNT_DISTINCT(user) FROM events");
  EXPECT_EQ(scalar("SELECT APPROX_COUNT_DISTINCT(users) FROM minutes"), total);
  EXPECT_EQ(scalar("SELECT uniq(users) FROM minutes"), total);
  EXPECT_EQ(scalar("SELECT uniqHLL12(users) FROM minutes"), total);
  EXPECT_EQ(scalar("SELECT APPROX_COUNT_DISTINCT_DS_HLL(users) FROM minutes"), total);
  EXPECT_EQ(scalar("SELECT APPROX_COUNT_DISTINCT_DS_HLL(users, 12, 'HLL_4') FROM minutes"), total);
  EXPECT_EQ(scalar("SELECT HLL_SKETCH_ESTIMATE(DS_HLL(users), true) FROM minutes"), total);
}

TEST_F(SketchQueryTest, EstimateAndUnionFunctions) {
  createEventsAndMinutes();
  // Minutes hold 600 events of 600 distinct users: above the sparse
  // capacity of 512, so the estimate is approximate.
  std::vector<std::string> perMinute =
      rows("SELECT HLL_SKETCH_ESTIMATE(users), HLL_SKETCH_ESTIMATE(users, true) FROM minutes ORDER BY m LIMIT 1");
  ASSERT_EQ(perMinute.size(), 1u);
  double estimate = std::stod(perMinute[0].substr(0, perMinute[0].find('\t')));
  EXPECT_NEAR(estimate, 600, 600 * 3 * 1.04 / 64) << perMinute[0];
  EXPECT_EQ(perMinute[0].substr(perMinute[0].find('\t') + 1), std::to_string(std::llround(estimate)));

  // A union of a sketch with itself is the sketch. The union of the even
  // and the odd users' sketches equals the sketch of all users.
  EXPECT_EQ(scalar("SELECT count(*) FROM minutes WHERE toString(HLL_SKETCH_UNION(users, users)) = toString(users)"),
            "334");
  run("CREATE TABLE halves (even HLLSketch, odd HLLSketch) ENGINE = MergeTree");
  run("INSERT INTO halves SELECT DS_HLL(if(user % 2 = 0, user, NULL)), DS_HLL(if(user % 2 = 1, user, NULL)) "
      "FROM events");
  std::string all = scalar("SELECT toString(DS_HLL(user)) FROM events");
  EXPECT_EQ(scalar("SELECT toString(HLL_SKETCH_UNION(even, odd)) FROM halves"), all);
  EXPECT_EQ(scalar("SELECT toString(HLL_SKETCH_UNION(12, 'HLL_8', even, NULL, odd)) FROM halves"), all);
  EXPECT_NE(scalar("SELECT toString(HLL_SKETCH_UNION(10, even, odd)) FROM halves"), all);
}

TEST_F(SketchQueryTest, CastRoundTripAndInsertValues) {
  HllSketch sketch;
  for (int64_t i = 0; i < 1000; ++i) sketch.updateInt64(i);
  std::string text = Value::hllSketch(sketch.serialize()).toString();

  run("CREATE TABLE s (id Int64, users Nullable(HLLSketch)) ENGINE = MergeTree ORDER BY id");
  run("INSERT INTO s VALUES (1, '" + text + "'), (2, NULL)");
  EXPECT_EQ(rows("SELECT id, users FROM s ORDER BY id"), (std::vector<std::string>{"1\t" + text, "2\tNULL"}));
  EXPECT_EQ(scalar("SELECT toString(users) = '" + text + "' FROM s WHERE id = 1"), "true");
  EXPECT_EQ(scalar("SELECT HLL_SKETCH_ESTIMATE(CAST('" + text + "' AS HLLSketch), true)"),
            std::to_string(std::llround(sketch.estimate())));
  EXPECT_EQ(scalar("SELECT APPROX_COUNT_DISTINCT(users) FROM s"), std::to_string(std::llround(sketch.estimate())));

  std::string message;
  EXPECT_EQ(errorOf("INSERT INTO s VALUES (3, 'bm90IGEgc2tldGNo')", &message), ErrorCode::kCannotParseText);
  EXPECT_NE(message.find("base64"), std::string::npos) << message;
  EXPECT_NE(errorOf("SELECT CAST(1 AS HLLSketch)", &message), ErrorCode::kOk);
  EXPECT_NE(message.find("HLLSketch"), std::string::npos) << message;
}

TEST_F(SketchQueryTest, RejectsOrderAndEquality) {
  run("CREATE TABLE s (id Int64, users HLLSketch) ENGINE = MergeTree ORDER BY id");
  std::string message;
  EXPECT_EQ(errorOf("SELECT id FROM s WHERE users = users", &message), ErrorCode::kIllegalTypeOfArgument);
  EXPECT_NE(message.find("HLL_SKETCH_ESTIMATE"), std::string::npos) << message;
  EXPECT_EQ(errorOf("SELECT max(users) FROM s"), ErrorCode::kIllegalTypeOfArgument);
  EXPECT_EQ(errorOf("SELECT count(DISTINCT users) FROM s", &message), ErrorCode::kIllegalTypeOfArgument);
  EXPECT_NE(message.find("APPROX_COUNT_DISTINCT"), std::string::npos) << message;
  EXPECT_EQ(errorOf("SELECT HLL_SKETCH_ESTIMATE(id) FROM s"), ErrorCode::kIllegalTypeOfArgument);
  EXPECT_EQ(errorOf("SELECT DS_HLL(id, 3) FROM s"), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf("SELECT DS_HLL(id, 12, 'HLL_5') FROM s"), ErrorCode::kBadArguments);
  EXPECT_EQ(errorOf("SELECT uniq(id, 12) FROM s"), ErrorCode::kNumberOfArgumentsDoesntMatch);
  EXPECT_NE(errorOf("CREATE TABLE bad (users HLLSketch) ENGINE = MergeTree ORDER BY users"), ErrorCode::kOk);
  EXPECT_NE(errorOf("CREATE TABLE bad (users LowCardinality(HLLSketch)) ENGINE = MergeTree"), ErrorCode::kOk);
}

}  // namespace
}  // namespace furl::query
