#pragma once

// A stand-in for the QueryEngine implementation, so that server_tests can
// exercise the HTTP layer without furl_query. fake_query_engine.cpp defines
// QueryEngine's methods; the SQL it accepts is a fixed set of test phrases.
//
//   SELECT 1                     one UInt8 column `1`
//   SELECT rows [FORMAT X]       columns n Int64, s Nullable(String), t DateTime64(3); 2 rows
//   SELECT sleep                 sleeps 300 ms, then returns like SELECT 1
//   SELECT wait_for_cancel       runs until QueryOptions::cancelled is set
//   SELECT * FROM missing        throws kUnknownTable
//   SELECT crash                 throws std::runtime_error (an internal error)
//   INSERT ...                   records the statement and data; no result set
//   anything else                throws kSyntaxError

#include <map>
#include <mutex>
#include <string>

#include "query/query_engine.h"
#include "storage/database.h"

namespace furl::server::testing {

/// The last request the fake engine saw.
struct FakeEngineLog {
  std::mutex mutex;
  std::string sql;
  std::string insertData;
  std::string queryId;
  std::map<std::string, std::string> settings;
  std::string database;
};

FakeEngineLog& fakeEngineLog();

/// A Database whose methods all fail; the fake engine never calls it.
class FakeDatabase : public storage::Database {
 public:
  absl::Status createTable(const storage::TableDef&, bool, bool) override { return absl::UnimplementedError("fake"); }
  absl::Status dropTable(const std::string&, bool) override { return absl::UnimplementedError("fake"); }
  std::vector<std::string> listTables() const override { return {}; }
  absl::StatusOr<std::shared_ptr<const storage::TableSnapshot>> snapshot(const std::string&) const override {
    return absl::NotFoundError("fake");
  }
  absl::StatusOr<uint64_t> insert(const std::string&, const std::vector<Batch>&) override {
    return absl::UnimplementedError("fake");
  }
  const std::string& dataDir() const override { return dataDir_; }
  std::string segmentPath(const std::string& segmentId) const override { return dataDir_ + "/" + segmentId; }

 private:
  std::string dataDir_ = "/nonexistent";
};

}  // namespace furl::server::testing
