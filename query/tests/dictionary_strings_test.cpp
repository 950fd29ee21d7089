// Functions and aggregates over dictionary-encoded strings, checked against
// values computed here row by row: results of a function over a dictionary
// column that stay a dictionary column, MIN and MAX by dictionary code,
// segments with different dictionaries, NULLs, empty strings and non-ASCII
// text.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/tests/engine_test_fixture.h"
#include "re2/re2.h"
#include "storage/database.h"

namespace furl::query {
namespace {

constexpr const char* kDomainPattern = "^https?://(?:www\\.)?([^/]+)/.*$";

class DictionaryStringsTest : public EngineTest {
 protected:
  DictionaryStringsTest() : EngineTest("dictionary-strings-test") {}

  // Inserts `values` (nullopt is NULL) as one INSERT, so as one segment.
  void insert(const std::vector<std::optional<std::string>>& values, int64_t firstId) {
    std::string sql = "INSERT INTO t VALUES ";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += "(" + std::to_string(firstId + static_cast<int64_t>(i)) + ", ";
      if (!values[i]) {
        sql += "NULL)";
        continue;
      }
      std::string literal;
      for (char c : *values[i]) {
        if (c == '\n') {
          literal += "\\n";
        } else {
          literal += c;
        }
      }
      sql += "'" + literal + "')";
    }
    run(sql);
    for (const auto& value : values) all_.push_back(value);
  }

  static std::string domainOf(const std::string& s) {
    std::string out = s;
    RE2::Replace(&out, kDomainPattern, "\\1");
    return out;
  }

  std::vector<std::optional<std::string>> all_;  // every inserted value, in order
};

const std::vector<std::string> kPool = {
    "http://a.example/x",     "https://www.a.example/y", "http://b.example/",       "",
    "https://ü.example/p",   "http://c.example/d\nline", "not a url",              "http://www.b.example/q?x=1",
    "HTTP://caps.example/",   "https://a.example/é",     "http://ü.example/\xC3",  "http://www.zz.example/"};

// Segments whose dictionaries differ: each takes another part of the pool,
// and the second and fourth also hold NULLs.
std::vector<std::vector<std::optional<std::string>>> poolSegments() {
  std::vector<std::vector<std::optional<std::string>>> segments;
  for (size_t segment = 0; segment < 4; ++segment) {
    std::vector<std::optional<std::string>> values;
    for (size_t row = 0; row < 40 + 13 * segment; ++row) {
      if (segment % 2 == 1 && row % 5 == 2) {
        values.emplace_back(std::nullopt);
        continue;
      }
      values.emplace_back(kPool[(segment * 3 + row * row * 7) % (kPool.size() - segment)]);
    }
    segments.push_back(values);
  }
  return segments;
}

TEST_F(DictionaryStringsTest, GroupByRegexpResultAcrossSegments) {
  run("CREATE TABLE t (id Int64, s Nullable(String)) ENGINE = MergeTree ORDER BY id");
  int64_t id = 0;
  for (const auto& values : poolSegments()) {
    insert(values, id);
    id += static_cast<int64_t>(values.size());
  }

  struct Group {
    uint64_t count = 0;
    std::string min, max;
    uint64_t lengthSum = 0;
  };
  std::map<std::string, Group> expected;
  for (const auto& value : all_) {
    if (!value) continue;
    std::string k = domainOf(*value);
    Group& group = expected[k];
    if (group.count == 0 || *value < group.min) group.min = *value;
    if (group.count == 0 || *value > group.max) group.max = *value;
    ++group.count;
    group.lengthSum += k.size();
  }
  std::vector<std::string> want;
  for (const auto& [k, group] : expected) {
    want.push_back(k + "\t" + std::to_string(group.count) + "\t" + group.min + "\t" + group.max + "\t" +
                   std::to_string(group.lengthSum));
  }
  for (const char* threads : {"1", "2"}) {
    EXPECT_EQ(rows(std::string("SELECT replaceRegexpOne(s, '") + "^https?://(?:www\\\\.)?([^/]+)/.*$" +
                   "', '\\\\1') AS k, count(*), min(s), max(s), sum(length(k)) FROM t WHERE s IS NOT NULL "
                   "GROUP BY k ORDER BY k SETTINGS max_threads = " + threads),
              want)
        << "max_threads = " << threads;
  }
}

TEST_F(DictionaryStringsTest, FilterOnRegexpResult) {
  run("CREATE TABLE t (id Int64, s Nullable(String)) ENGINE = MergeTree ORDER BY id");
  int64_t id = 0;
  for (const auto& values : poolSegments()) {
    insert(values, id);
    id += static_cast<int64_t>(values.size());
  }
  for (const std::string domain : {"a.example", "ü.example", "", "not a url"}) {
    uint64_t count = 0;
    for (const auto& value : all_) count += value && domainOf(*value) == domain ? 1 : 0;
    EXPECT_EQ(rows("SELECT count(*) FROM t WHERE replaceRegexpOne(s, '^https?://(?:www\\\\.)?([^/]+)/.*$', '\\\\1') = '" +
                   domain + "'"),
              std::vector<std::string>{std::to_string(count)})
        << domain;
  }
}

TEST_F(DictionaryStringsTest, MinMaxByCodeWithNulls) {
  run("CREATE TABLE t (id Int64, s Nullable(String)) ENGINE = MergeTree ORDER BY id");
  int64_t id = 0;
  for (const auto& values : poolSegments()) {
    insert(values, id);
    id += static_cast<int64_t>(values.size());
  }
  // Groups by id % 3, so each group meets several codes of each dictionary.
  std::map<int64_t, std::pair<std::optional<std::string>, std::optional<std::string>>> expected;
  for (size_t i = 0; i < all_.size(); ++i) {
    auto& [min, max] = expected[static_cast<int64_t>(i) % 3];
    if (!all_[i]) continue;
    if (!min || *all_[i] < *min) min = all_[i];
    if (!max || *all_[i] > *max) max = all_[i];
  }
  std::vector<std::string> want;
  for (const auto& [g, minMax] : expected) {
    want.push_back(std::to_string(g) + "\t" + minMax.first.value_or("NULL") + "\t" + minMax.second.value_or("NULL"));
  }
  EXPECT_EQ(rows("SELECT id % 3 AS g, min(s), max(s) FROM t GROUP BY g ORDER BY g"), want);
  // A group whose rows are all NULL stays NULL.
  run("INSERT INTO t VALUES (1000, NULL), (1001, NULL)");
  EXPECT_EQ(rows("SELECT min(s), max(s) FROM t WHERE id >= 1000"), std::vector<std::string>{"NULL\tNULL"});
}

// A filter leaves few live rows of a large dictionary, so the function runs
// on the codes met only; without it every entry is computed at once.
TEST_F(DictionaryStringsTest, LargeDictionaryPartlyRead) {
  run("CREATE TABLE t (id Int64, s Nullable(String)) ENGINE = MergeTree ORDER BY id");
  std::vector<std::optional<std::string>> values;
  for (int i = 0; i < 20000; ++i) {
    values.emplace_back("http://" + (i % 7 == 0 ? std::string("www.") : std::string()) + "d" + std::to_string(i % 501) +
                        ".example/p" + std::to_string(i));
  }
  insert(values, 0);
  for (const char* where : {"id % 10 = 0", "1 = 1"}) {
    std::map<std::string, uint64_t> counts;
    for (size_t i = 0; i < all_.size(); ++i) {
      if (std::string(where) == "id % 10 = 0" && i % 10 != 0) continue;
      ++counts[domainOf(*all_[i])];
    }
    std::vector<std::string> want;
    size_t shown = 0;
    for (const auto& [k, count] : counts) {
      if (shown++ == 5) break;
      want.push_back(k + "\t" + std::to_string(count));
    }
    EXPECT_EQ(rows(std::string("SELECT replaceRegexpOne(s, '^https?://(?:www\\\\.)?([^/]+)/.*$', '\\\\1') AS k, "
                               "count(*) FROM t WHERE ") +
                   where + " GROUP BY k ORDER BY k LIMIT 5"),
              want)
        << where;
  }
}

}  // namespace
}  // namespace furl::query
