// GROUP BY with many groups on several threads: per-thread tables that split
// into partitions, and the parallel merge of those partitions. The queries
// read numbers(N), whose 65,536-row morsels the worker threads claim, so
// every thread builds its own table and the tables are merged at the end.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/tests/engine_test_fixture.h"

namespace furl::query {
namespace {

class GroupTableTest : public EngineTest {
 protected:
  GroupTableTest() : EngineTest("group-table-test") {}

  // Returns the rows of a result as tab-separated lines, sorted, run on
  // `threads` worker threads.
  std::vector<std::string> sortedRows(const std::string& sql, int threads) {
    std::vector<std::string> out = textRows(run(sql, {}, threads));
    std::sort(out.begin(), out.end());
    return out;
  }
};

// One 8-byte key, 200,000 groups of 5 rows each, spread over every thread's
// table: each group's count and sum must come out whole after the merge.
TEST_F(GroupTableTest, ManyGroupsMergeAcrossThreads) {
  const std::string sql =
      "SELECT number % 200000 AS k, count(*), sum(number), min(number), max(number) FROM numbers(1000000) GROUP BY k";
  for (int threads : {1, 2, 3, 4}) {
    std::vector<std::string> rows = sortedRows(sql, threads);
    ASSERT_EQ(rows.size(), 200000u) << threads << " threads";
    std::map<uint64_t, std::string> expected;
    for (uint64_t k = 0; k < 200000; ++k) {
      expected[k] = std::to_string(k) + "\t5\t" + std::to_string(5 * k + 200000 * 10) + "\t" + std::to_string(k) +
                    "\t" + std::to_string(k + 800000);
    }
    std::vector<std::string> want;
    for (auto& [k, line] : expected) want.push_back(line);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(rows, want) << threads << " threads";
  }
}

// Two 8-byte keys that differ only in the high bits of the first word or in
// the second word: 262,144 groups of exactly 4 rows, equal on every thread
// count.
TEST_F(GroupTableTest, TwoWordKeysWithEqualLowBits) {
  const std::string sql =
      "SELECT count(*), min(c), max(c), sum(intDiv(a, 1099511627776)), sum(b) FROM (SELECT number % 1024 * "
      "1099511627776 AS a, "
      "intDiv(number, 1024) % 256 AS b, count(*) AS c FROM numbers(1048576) GROUP BY a, b)";
  const std::string want = "262144\t4\t4\t" + std::to_string(uint64_t{523776} * 256) + "\t" +
                           std::to_string(uint64_t{32640} * 1024);
  for (int threads : {1, 2, 4}) {
    EXPECT_EQ(sortedRows(sql, threads), std::vector<std::string>{want}) << threads << " threads";
  }
  // Group by group, the result does not depend on the thread count.
  const std::string groups =
      "SELECT number % 1024 * 1099511627776 AS a, intDiv(number, 1024) % 256 AS b, count(*), sum(number) "
      "FROM numbers(1048576) GROUP BY a, b";
  std::vector<std::string> one = sortedRows(groups, 1);
  ASSERT_EQ(one.size(), 262144u);
  EXPECT_EQ(sortedRows(groups, 3), one);
}

// Groups that every thread's table contains next to groups that only one or
// two tables contain. The merge numbers the groups new to the merged table in
// the order of the other tables' group ids, and a group that two other
// tables add must get one number. Rows that are a multiple of 4 have key
// number % 500000, so each of those 125,000 keys has two rows 500,000 apart,
// in different morsels. The other rows fall into 37,500 keys of 20 rows
// each, which are never a multiple of 4.
TEST_F(GroupTableTest, OwnAndSharedGroupsMerge) {
  const std::string sql =
      "SELECT if(number % 4 = 0, number % 500000, number % 50000) AS k, count(*), sum(number) "
      "FROM numbers(1000000) GROUP BY k";
  std::vector<std::string> want;
  for (uint64_t k = 0; k < 500000; k += 4) want.push_back(std::to_string(k) + "\t2\t" + std::to_string(2 * k + 500000));
  for (uint64_t k = 0; k < 50000; ++k) {
    if (k % 4 == 0) continue;
    want.push_back(std::to_string(k) + "\t20\t" + std::to_string(20 * k + 50000 * 190));
  }
  std::sort(want.begin(), want.end());
  for (int threads : {1, 2, 3, 4}) {
    std::vector<std::string> rows = sortedRows(sql, threads);
    ASSERT_EQ(rows.size(), 162500u) << threads << " threads";
    EXPECT_EQ(rows, want) << threads << " threads";
  }
}

// Keys in runs of 7 equal rows, as in a segment sorted by the group key.
// Only the first row of a run is probed, and the rest take its group. The runs cross morsel boundaries, the table splits into
// sub-tables in the middle of the input, and the filter drops rows inside
// runs.
TEST_F(GroupTableTest, KeysInRunsOfEqualRows) {
  const std::string sql =
      "SELECT intDiv(number, 7) AS k, count(*), sum(number), min(number) FROM numbers(2100000) "
      "WHERE number % 3 <> 0 GROUP BY k";
  std::vector<std::string> want;
  for (uint64_t k = 0; k < 300000; ++k) {
    uint64_t count = 0;
    uint64_t sum = 0;
    uint64_t min = UINT64_MAX;
    for (uint64_t number = 7 * k; number < 7 * k + 7; ++number) {
      if (number % 3 == 0) continue;
      ++count;
      sum += number;
      min = std::min(min, number);
    }
    want.push_back(std::to_string(k) + "\t" + std::to_string(count) + "\t" + std::to_string(sum) + "\t" +
                   std::to_string(min));
  }
  std::sort(want.begin(), want.end());
  for (int threads : {1, 2}) {
    std::vector<std::string> rows = sortedRows(sql, threads);
    ASSERT_EQ(rows.size(), 300000u) << threads << " threads";
    EXPECT_EQ(rows, want) << threads << " threads";
  }
}

// Negative keys of 4-byte and 8-byte integer columns, which the key word
// holds zero-extended, come out as the same negative values.
TEST_F(GroupTableTest, NegativeIntegerKeys) {
  for (const char* type : {"Int32", "Int64"}) {
    const std::string sql = std::string("SELECT CAST(CAST(number % 1000 AS Int64) - 500 AS ") + type +
                            ") AS k, count(*), sum(number) FROM numbers(100000) GROUP BY k";
    std::vector<std::string> want;
    for (int64_t r = 0; r < 1000; ++r) {
      // The rows r, r + 1000, ..., r + 99000: 100 of them.
      const int64_t sum = 100 * r + 1000 * (99 * 100 / 2);
      want.push_back(std::to_string(r - 500) + "\t100\t" + std::to_string(sum));
    }
    std::sort(want.begin(), want.end());
    std::vector<std::string> rows = sortedRows(sql, 2);
    ASSERT_EQ(rows.size(), 1000u) << type;
    EXPECT_EQ(rows, want) << type;
  }
}

// A nullable key: NULL is one group of its own, merged across threads like
// any other key.
TEST_F(GroupTableTest, NullKeyIsOneGroup) {
  const std::string sql =
      "SELECT nullIf(number % 150000, 7) AS k, count(*) AS c FROM numbers(900000) GROUP BY k";
  for (int threads : {1, 2, 4}) {
    std::vector<std::string> rows = sortedRows(sql, threads);
    // Keys 0..149999 except 7, plus NULL; key 7's six rows are the NULL group.
    ASSERT_EQ(rows.size(), 150000u) << threads << " threads";
    EXPECT_EQ(std::count(rows.begin(), rows.end(), "NULL\t6"), 1) << threads << " threads";
    EXPECT_EQ(std::count(rows.begin(), rows.end(), "7\t6"), 0) << threads << " threads";
    EXPECT_EQ(std::count(rows.begin(), rows.end(), "8\t6"), 1) << threads << " threads";
    size_t six = std::count_if(rows.begin(), rows.end(), [](const std::string& line) {
      return line.size() > 2 && line.compare(line.size() - 2, 2, "\t6") == 0;
    });
    EXPECT_EQ(six, 150000u) << threads << " threads";
  }
}

// Every key is new to the merged table (no two threads share a group), and
// some threads' tables are still small when the merge starts: 140,000 rows
// are two full morsels and a short one, so with three threads two tables
// hold 65,536 groups and one fewer, and together they pass the split point.
TEST_F(GroupTableTest, DisjointGroupsAndSmallTables) {
  const std::string sql =
      "SELECT count(*), sum(k), min(c), max(c), sum(s) FROM (SELECT number AS k, count(*) AS c, sum(number) AS s "
      "FROM numbers(140000) GROUP BY k)";
  const std::string sum = std::to_string(uint64_t{140000} * 139999 / 2);
  for (int threads : {1, 2, 3}) {
    EXPECT_EQ(sortedRows(sql, threads), std::vector<std::string>{"140000\t" + sum + "\t1\t1\t" + sum})
        << threads << " threads";
  }
}

// A string key next to an integer key: each thread interns its strings
// with its own ids, so the merge rewrites them before it partitions the
// groups. 300,000 groups of 2 rows; one string is NULL in a nullable key.
TEST_F(GroupTableTest, StringKeysMergeAcrossThreads) {
  const std::string counts =
      "SELECT count(*), min(c), max(c), sum(m) FROM (SELECT toString(number % 100000) AS s, number % 3 AS m, "
      "count(*) AS c FROM numbers(600000) GROUP BY s, m)";
  for (int threads : {1, 2, 4}) {
    EXPECT_EQ(sortedRows(counts, threads), std::vector<std::string>{"300000	2	2	300000"}) << threads << " threads";
  }
  const std::string groups =
      "SELECT nullIf(toString(number % 100000), '7') AS s, number % 3 AS m, count(*), sum(number) "
      "FROM numbers(600000) GROUP BY s, m";
  std::vector<std::string> one = sortedRows(groups, 1);
  ASSERT_EQ(one.size(), 300000u);
  // Key 7 with m = 0, 1 and 2 becomes NULL with each m.
  EXPECT_EQ(std::count_if(one.begin(), one.end(), [](const std::string& line) { return line.rfind("NULL\t", 0) == 0; }),
            3);
  EXPECT_EQ(sortedRows(groups, 2), one);
  EXPECT_EQ(sortedRows(groups, 4), one);
}

// ORDER BY count with LIMIT over a merged table: the heaviest groups are
// found whichever thread saw their rows.
TEST_F(GroupTableTest, TopGroupsAfterMerge) {
  // The first 1,000 rows go to keys 0, 1 and 2 (334, 333 and 333 rows);
  // every other key gets about 4.
  const std::string sql =
      "SELECT if(number < 1000, number % 3, number % 300000 + 3) AS k, count(*) AS c FROM numbers(1200000) "
      "GROUP BY k ORDER BY c DESC, k LIMIT 3";
  for (int threads : {1, 2, 4}) {
    QueryOptions options;
    options.queryId = "group-table-test";
    options.settings["max_threads"] = std::to_string(threads);
    QueryResult result = engine_->execute(sql, options);
    std::vector<std::string> rows;
    for (const auto& batch : result.batches) {
      for (size_t r = 0; r < batch.numRows; ++r) {
        rows.push_back(batch.columns[0]->getValue(r).toString() + "\t" + batch.columns[1]->getValue(r).toString());
      }
    }
    EXPECT_EQ(rows, (std::vector<std::string>{"0\t334", "1\t333", "2\t333"})) << threads << " threads";
  }
}

// ORDER BY ... LIMIT without HAVING builds the sort key columns for every
// group and the other columns only for the groups that can reach the
// result. A HAVING that keeps every group turns that off, and each query
// must return the same rows with it: the same groups and ties in the same
// order. The cases cover packed, derived, literal, string, nullable and
// serialized keys, shifted sums and averages.
TEST_F(GroupTableTest, TopGroupsBuildOnlyTheirColumns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT number, number + 1 AS d, 'x' AS l, count(*) AS c, sum(number + 3) AS s3, avg(number) FROM "
       "numbers(200000) GROUP BY number, d, l",
       "ORDER BY s3 DESC LIMIT 4"},
      // Every group has c = 4, so k breaks the ties. Without k, the groups
      // that come first after the merge depend on which thread claimed the
      // first morsel.
      {"SELECT number % 70000 AS k, count(*) AS c, sum(number) AS s FROM numbers(280000) GROUP BY k",
       "ORDER BY c DESC, k LIMIT 5"},
      {"SELECT toString(number % 90000) AS s, count(*) AS c, min(number) AS m FROM numbers(270000) GROUP BY s",
       "ORDER BY m DESC, s LIMIT 3"},
      {"SELECT nullIf(number % 80000, 7) AS k, toString(number % 3) AS t, count(*) AS c, max(number) AS x "
       "FROM numbers(240000) GROUP BY k, t",
       "ORDER BY c DESC, x LIMIT 6"},
      {"SELECT number % 70001 AS a, number % 70003 AS b, number % 70007 AS c, number % 70009 AS d, "
       "number % 70011 AS e, count(*) AS n, sum(number) AS s FROM numbers(150000) GROUP BY a, b, c, d, e",
       "ORDER BY s LIMIT 5"},
  };
  for (const auto& [select, order] : cases) {
    for (int threads : {1, 2}) {
      std::vector<std::string> top = textRows(run(select + " " + order, {}, threads));
      std::vector<std::string> all = textRows(run(select + " HAVING count(*) > 0 " + order, {}, threads));
      ASSERT_FALSE(top.empty()) << select;
      EXPECT_EQ(top, all) << select << " " << order << " on " << threads << " threads";
    }
  }
  // The first case by value: keys 199999, 199998, ... have the largest sums.
  std::vector<std::string> top = textRows(run(cases[0].first + " " + cases[0].second, {}, 2));
  EXPECT_EQ(top, (std::vector<std::string>{"199999\t200000\tx\t1\t200002\t199999", "199998\t199999\tx\t1\t200001\t199998",
                                           "199997\t199998\tx\t1\t200000\t199997", "199996\t199997\tx\t1\t199999\t199996"}));
}

}  // namespace
}  // namespace furl::query
