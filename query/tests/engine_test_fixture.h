// A test fixture that runs SQL on a query engine over a fresh database in a
// temporary directory, removed after each test.

#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "query/query_engine.h"
#include "storage/database.h"

namespace furl::query {

class EngineTest : public ::testing::Test {
 protected:
  // `name` names the temporary directory, so that test programs running at
  // the same time do not share one.
  explicit EngineTest(std::string name) : name_(std::move(name)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("furl-" + name_ + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
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

  // Runs `sql` with `data` as the body of an INSERT ... FORMAT statement.
  // A positive `threads` sets max_threads.
  QueryResult run(const std::string& sql, std::string_view data = {}, int threads = 0) {
    QueryOptions options;
    options.queryId = "test";
    options.insertData = data;
    if (threads > 0) options.settings["max_threads"] = std::to_string(threads);
    return engine_->execute(sql, options);
  }

  // Returns all rows of a result as tab-separated text lines.
  static std::vector<std::string> textRows(const QueryResult& result) {
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

  std::vector<std::string> rows(const std::string& sql) { return textRows(run(sql)); }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<QueryEngine> engine_;

 private:
  static inline int counter_ = 0;
  std::string name_;
};

}  // namespace furl::query
