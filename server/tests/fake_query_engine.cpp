#include "server/tests/fake_query_engine.h"

#include <chrono>
#include <thread>

#include "common/error.h"

namespace furl::server::testing {

FakeEngineLog& fakeEngineLog() {
  static FakeEngineLog log;
  return log;
}

}  // namespace furl::server::testing

namespace furl::query {
namespace {

QueryResult selectOne() {
  QueryResult result;
  result.columnNames = {"1"};
  result.columnTypes = {DataType(TypeId::kUInt8)};
  Batch batch;
  batch.numRows = 1;
  batch.columns.push_back(Column::makeConstant(DataType(TypeId::kUInt8), Value::uint64(1, TypeId::kUInt8), 1));
  result.batches.push_back(std::move(batch));
  result.stats.readRows = 1;
  result.stats.readBytes = 1;
  result.stats.resultRows = 1;
  return result;
}

QueryResult selectRows(std::string_view sql) {
  QueryResult result;
  result.columnNames = {"n", "s", "t"};
  result.columnTypes = {DataType(TypeId::kInt64), DataType(TypeId::kString, true), DataType(TypeId::kDateTime64)};
  Batch batch;
  batch.numRows = 2;
  auto n = Column::makeFlat(result.columnTypes[0], 2);
  n->setValue(0, Value::int64(1));
  n->setValue(1, Value::int64(-2));
  auto s = Column::makeFlat(result.columnTypes[1], 2);
  s->setValue(0, Value::string("a\tb"));
  s->setValue(1, Value::null(TypeId::kString));
  auto t = Column::makeFlat(result.columnTypes[2], 2);
  t->setValue(0, Value::timestampMs(1442018818771));
  t->setValue(1, Value::timestampMs(0));
  batch.columns = {n, s, t};
  result.batches.push_back(std::move(batch));
  size_t formatPos = sql.find(" FORMAT ");
  if (formatPos != std::string_view::npos) result.format = std::string(sql.substr(formatPos + 8));
  result.stats.readRows = 100;
  result.stats.readBytes = 800;
  result.stats.resultRows = 2;
  result.stats.elapsedNs = 1500000;
  return result;
}

}  // namespace

QueryEngine::QueryEngine(storage::Database& database)
    : database_(database), systemTables_(std::make_unique<SystemTables>()) {}

QueryEngine::~QueryEngine() = default;

QueryResult QueryEngine::execute(std::string_view sql, const QueryOptions& options) {
  {
    auto& log = server::testing::fakeEngineLog();
    std::lock_guard lock(log.mutex);
    log.sql = sql;
    log.insertData = options.insertData;
    log.queryId = options.queryId;
    log.settings = options.settings;
    log.database = options.database;
  }

  if (sql == "SELECT 1") return selectOne();
  if (sql.rfind("SELECT rows", 0) == 0) return selectRows(sql);
  if (sql == "SELECT sleep") {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return selectOne();
  }
  if (sql == "SELECT wait_for_cancel") {
    while (options.cancelled == nullptr || !options.cancelled->load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    throw QueryError(ErrorCode::kQueryWasCancelled, "query was cancelled because the server is shutting down");
  }
  if (sql == "SELECT * FROM missing") {
    throw QueryError(ErrorCode::kUnknownTable, "unknown table 'missing'; run SHOW TABLES to list tables");
  }
  if (sql == "SELECT crash") throw std::runtime_error("segment file is corrupt");
  if (sql.rfind("INSERT", 0) == 0) {
    QueryResult result;
    result.stats.writtenRows = 2;
    result.stats.writtenBytes = options.insertData.size();
    return result;
  }
  throw QueryError(ErrorCode::kSyntaxError, "syntax error at position 1: unexpected word; expected SELECT or INSERT");
}

}  // namespace furl::query
