#include "protocol/native_server.h"

#include <thrift/TConfiguration.h>
#include <thrift/TOutput.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/error.h"
#include "common/logging.h"
#include "protocol/batch_codec.h"
#include "protocol/gen-cpp/FurlNative.h"
#include "protocol/gen-cpp/furl_constants.h"
#include "query/process_list.h"
#include "query/query_engine.h"
#include "query/query_settings.h"
#include "sql/parser.h"
#include "storage/database.h"

namespace furl::protocol {
namespace {

using apache::thrift::TConfiguration;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportException;
using Clock = std::chrono::steady_clock;

constexpr int32_t kServerProtocolVersion = 2;  // PROTOCOL_VERSION in furl.thrift
constexpr int32_t kMaxFetchWaitMs = 10'000;
constexpr size_t kMaxSessionsPerConnection = 16;
constexpr size_t kMaxQueriesPerConnection = 16;
// Rows buffered by the columnar INSERT path before they are written.
constexpr size_t kInsertFlushBytes = size_t{32} << 20;

std::shared_ptr<spdlog::logger> log() {
  static const auto instance = logger("protocol.native");
  return instance;
}

int64_t elapsedNs(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count();
}

std::string randomId() {
  static std::mutex mutex;
  static std::mt19937_64 generator(std::random_device{}());
  std::lock_guard<std::mutex> lock(mutex);
  uint64_t high = generator();
  uint64_t low = generator();
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

wire::QueryException makeException(ErrorCode code, const std::string& message, SourcePosition position = {},
                                   const std::string& queryId = "") {
  wire::QueryException error;
  error.code = static_cast<int32_t>(code);
  error.name = std::string(errorCodeName(code));
  error.message = message;
  error.line = static_cast<int32_t>(position.line);
  error.column = static_cast<int32_t>(position.column);
  if (!queryId.empty()) error.__set_queryId(queryId);
  return error;
}

wire::QueryException exceptionFromStatus(const absl::Status& status, const std::string& queryId = "") {
  QueryError error = errorFromStatus(status);
  return makeException(error.code(), error.what(), error.position(), queryId);
}

// True when the statement's first word is SET, which the server applies to
// the session instead of passing it to the engine.
bool isSetStatement(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size() && absl::ascii_isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (sql.size() - i < 4) return false;
  return absl::AsciiStrToLower(std::string(sql.substr(i, 3))) == "set" &&
         absl::ascii_isspace(static_cast<unsigned char>(sql[i + 3]));
}

size_t wireBytes(const wire::ColumnBatch& batch) {
  size_t bytes = 0;
  for (const auto& column : batch.columns) bytes += column.body.size();
  return bytes;
}

size_t uncompressedBytes(const wire::ColumnBatch& batch) {
  size_t bytes = 0;
  for (const auto& column : batch.columns) bytes += static_cast<size_t>(column.uncompressedSize);
  return bytes;
}

/// Per-session state; lives in the connection that opened it.
struct Session {
  std::string id;
  std::string user;
  std::string clientName;
  std::map<std::string, std::string> settings;
  /// The current database: `default` or a system schema.
  std::string database = "default";
  wire::Compression::type compression = wire::Compression::NONE;
  size_t maxBatchBytes = static_cast<size_t>(wire::g_furl_constants.MAX_BATCH_BYTES);
  int32_t protocolVersion = 1;  // negotiated in the handshake
};

/// A statement running on a worker thread, shared by the worker, the
/// connection that fetches it and any connection that cancels it.
struct RunningQuery {
  std::string id;
  std::string sessionId;
  std::string user;
  std::string clientName;
  std::string peerHost;
  uint16_t peerPort = 0;
  std::string database;
  uint64_t connectionId = 0;
  std::string sql;
  std::string insertData;
  query::QueryOptions options;
  EncodeOptions encodeOptions;
  size_t maxBatchBytes = 0;
  int32_t protocolVersion = 1;
  Clock::time_point start = Clock::now();
  std::atomic<bool> cancelled{false};
  std::thread worker;
  /// The entry in system.processes while the worker runs; set before the
  /// worker starts. The registration is reset by the worker only.
  std::shared_ptr<query::QueryProcess> processEntry;
  query::ProcessList::Registration registration;

  /// Sets the cancel flag and wakes the worker and a waiting fetch.
  void cancel() {
    cancelled = true;
    changed.notify_all();
    if (processEntry) processEntry->cancel();
  }

  std::mutex mutex;
  std::condition_variable changed;
  // Guarded by mutex.
  bool schemaKnown = false;
  bool schemaSent = false;
  std::vector<wire::ColumnInfo> columns;
  std::string format;
  std::deque<wire::ColumnBatch> queue;
  size_t queuedBytes = 0;
  bool done = false;
  std::optional<wire::QueryException> error;
  wire::QuerySummary summary;
  wire::Progress progress;
  /// Updated by the engine while the statement runs, unless the query is in
  /// a process list, whose entry then has the counters (options.progress).
  query::QueryProgress liveProgress;
};

/// A columnar INSERT between beginInsert and endInsert.
struct PendingInsert {
  std::string sessionId;
  storage::TableDef table;
  std::vector<size_t> targets;  // table column index of each batch column
  std::vector<DataType> targetTypes;
  std::vector<Batch> buffered;
  size_t bufferedBytes = 0;
  uint64_t writtenRows = 0;
  uint64_t writtenBytes = 0;
  Clock::time_point start = Clock::now();
};

}  // namespace

/// State shared by every connection.
class NativeServer::Impl {
 public:
  Impl(query::QueryEngine& engine, Options options) : engine_(engine), options_(std::move(options)) {}

  query::QueryEngine& engine_;
  const Options options_;
  std::atomic<uint64_t> nextConnectionId_{1};

  std::mutex queriesMutex_;
  std::map<std::string, std::shared_ptr<RunningQuery>> queries_;  // guarded by queriesMutex_

  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread serveThread_;
  std::atomic<int> boundPort_{0};
  bool running_ = false;

  /// Registers `query`. Throws QueryException when its id is taken.
  void add(const std::shared_ptr<RunningQuery>& query);
  /// Registers `query` and starts it on a worker thread.
  void launch(const std::shared_ptr<RunningQuery>& query);
  /// Removes a query from the registry and joins its worker.
  void retire(const std::shared_ptr<RunningQuery>& query);
  std::shared_ptr<RunningQuery> find(const std::string& queryId);
  void cancelAll();

 private:
  void runQuery(RunningQuery& query);
  void streamResult(RunningQuery& query, query::QueryResult& result);
};

namespace {

// Thrift's framed transport with an explicit frame cap: the stock
// TFramedTransportFactory ignores TConfiguration.
class FramedTransportFactory : public apache::thrift::transport::TTransportFactory {
 public:
  std::shared_ptr<TTransport> getTransport(std::shared_ptr<TTransport> transport) override {
    auto config = std::make_shared<TConfiguration>(TConfiguration::DEFAULT_MAX_MESSAGE_SIZE,
                                                   TConfiguration::DEFAULT_MAX_FRAME_SIZE);
    return std::make_shared<apache::thrift::transport::TFramedTransport>(transport, config);
  }
};

// A server socket that start() binds before serve() runs, so that bind
// errors reach the caller; serve() calls listen() again, which is then a no-op.
class PreboundServerSocket : public apache::thrift::transport::TServerSocket {
 public:
  using TServerSocket::TServerSocket;

  void listen() override {
    if (bound_) return;
    TServerSocket::listen();
    bound_ = true;
  }

 private:
  bool bound_ = false;
};

/// The handler of one connection. Thrift calls it from the connection's
/// thread only, so its members need no lock.
class ConnectionHandler : public wire::FurlNativeIf {
 public:
  ConnectionHandler(NativeServer::Impl& server, std::string peer, std::string peerHost, uint16_t peerPort)
      : server_(server),
        id_(server.nextConnectionId_++),
        peer_(std::move(peer)),
        peerHost_(std::move(peerHost)),
        peerPort_(peerPort) {
    log()->debug("connection opened: connection={} peer={}", id_, peer_);
  }

  ~ConnectionHandler() override {
    // The client is gone, so no one will fetch these results.
    for (const auto& queryId : queryIds_) {
      auto query = server_.find(queryId);
      if (!query) continue;
      query->cancel();
      server_.retire(query);
    }
    log()->debug("connection closed: connection={} peer={} sessions={}", id_, peer_, sessions_.size());
  }

  void handshake(wire::HandshakeResponse& response, const wire::HandshakeRequest& request) override {
    if (request.protocolVersion < 1) {
      throw makeException(ErrorCode::kBadArguments,
                          absl::StrCat("unsupported native protocol version ", request.protocolVersion,
                                       "; this server speaks versions 1 to ", kServerProtocolVersion));
    }
    const auto& options = server_.options_;
    if (request.user != options.user || request.password != options.password) {
      log()->warn("authentication failed: connection={} peer={} user={}", id_, peer_, request.user);
      throw makeException(ErrorCode::kAuthenticationFailed,
                          "authentication failed for user '" + request.user + "': unknown user or wrong password");
    }
    const query::SystemTables& systemTables = server_.engine_.systemTables();
    if (!request.database.empty() && request.database != "default" &&
        !systemTables.isSystemSchema(request.database)) {
      std::string message = "unknown database '" + request.database + "'; Furl has 'default'";
      for (const auto& schema : systemTables.schemas()) message += ", '" + schema + "'";
      throw makeException(ErrorCode::kUnknownDatabase, message);
    }
    if (sessions_.size() >= kMaxSessionsPerConnection) {
      throw makeException(ErrorCode::kBadArguments,
                          absl::StrCat("a connection may open at most ", kMaxSessionsPerConnection,
                                       " sessions; open another connection"));
    }

    Session session;
    session.id = randomId();
    session.user = request.user;
    session.clientName = request.clientName;
    session.settings = request.settings;
    if (!request.database.empty()) session.database = request.database;
    for (auto compression : request.acceptedCompression) {
      if (compression == wire::Compression::LZ4 || compression == wire::Compression::NONE) {
        session.compression = compression;
        break;
      }
    }
    if (request.maxBatchBytes > 0) session.maxBatchBytes = std::min<size_t>(session.maxBatchBytes, request.maxBatchBytes);

    response.serverName = "Furl";
    response.serverVersion = FURL_VERSION;
    response.protocolVersion = std::min(request.protocolVersion, kServerProtocolVersion);
    session.protocolVersion = response.protocolVersion;
    response.sessionId = session.id;
    response.compression = session.compression;
    response.maxBatchBytes = static_cast<int32_t>(session.maxBatchBytes);
    response.idleTimeoutMs = options.idleTimeoutMs;
    log()->info("session opened: connection={} session={} user={} client=\"{} {}\" protocol_version={}", id_,
                session.id, session.user, request.clientName, request.clientVersion, response.protocolVersion);
    sessions_.emplace(session.id, std::move(session));
  }

  void setSettings(const std::string& sessionId, const std::map<std::string, std::string>& settings) override {
    Session& session = requireSession(sessionId);
    int level = query::readonlyLevel(session.settings);
    try {
      for (const auto& [name, value] : settings) query::checkSettingChange(level, session.settings, name, value);
    } catch (const QueryError& error) {
      throw makeException(error.code(), error.what());
    }
    for (const auto& [name, value] : settings) session.settings[name] = value;
  }

  void executeQuery(std::string& queryId, const wire::ExecuteRequest& request) override {
    Session& session = requireSession(request.sessionId);
    auto query = newQuery(session, request.__isset.queryId ? request.queryId : "", request.settings);
    query->sql = request.sql;
    if (request.__isset.insertData) query->insertData = request.insertData;
    query->options.insertData = query->insertData;

    if (isSetStatement(request.sql)) {
      applySet(session, query);
    } else {
      server_.launch(query);
    }
    queryIds_.insert(query->id);
    queryId = query->id;
  }

  void fetchBatch(wire::FetchResult& result, const wire::FetchRequest& request) override {
    requireSession(request.sessionId);
    auto query = requireQuery(request.sessionId, request.queryId);
    auto waitMs = std::chrono::milliseconds(std::clamp(request.maxWaitMs, 0, kMaxFetchWaitMs));

    std::unique_lock<std::mutex> lock(query->mutex);
    query->changed.wait_for(lock, waitMs, [&] { return !query->queue.empty() || query->done; });

    if (!query->schemaKnown) {
      // Still running: report what the engine has read so far.
      query->progress.readRows = static_cast<int64_t>(query->options.progress->readRows.load());
      query->progress.readBytes = static_cast<int64_t>(query->options.progress->readBytes.load());
      query->progress.totalRowsEstimate = static_cast<int64_t>(query->options.progress->totalRowsToRead.load());
      query->progress.coldFetchBytes = static_cast<int64_t>(query->options.progress->coldFetchBytes.load());
      query->progress.coldFetchRequests = static_cast<int64_t>(query->options.progress->coldFetchRequests.load());
      query->progress.coldCacheHits = static_cast<int64_t>(query->options.progress->coldCacheHits.load());
    }
    result.progress = query->progress;
    result.progress.elapsedNs = elapsedNs(query->start);
    if (query->schemaKnown && !query->schemaSent) {
      result.__set_columns(query->columns);
      result.__set_format(query->format);
      query->schemaSent = true;
    }
    if (query->error) {
      wire::QueryException error = *query->error;
      lock.unlock();
      forget(query);
      throw error;
    }
    if (!query->queue.empty()) {
      result.status = wire::FetchStatus::BATCH;
      result.__set_batch(std::move(query->queue.front()));
      query->queue.pop_front();
      query->queuedBytes -= wireBytes(result.batch);
      query->progress.resultRowsSent += result.batch.numRows;
      query->progress.resultBytesSent += static_cast<int64_t>(uncompressedBytes(result.batch));
      result.progress.resultRowsSent = query->progress.resultRowsSent;
      result.progress.resultBytesSent = query->progress.resultBytesSent;
      query->changed.notify_all();
      return;
    }
    if (query->done) {
      result.status = wire::FetchStatus::FINISHED;
      result.__set_summary(query->summary);
      lock.unlock();
      forget(query);
      return;
    }
    result.status = wire::FetchStatus::PENDING;
  }

  bool cancelQuery(const std::string& sessionId, const std::string& queryId) override {
    Session& session = requireSession(sessionId);
    auto query = server_.find(queryId);
    if (!query || query->user != session.user) return false;
    query->cancel();
    log()->info("query cancelled: query_id={} connection={}", queryId, id_);
    return true;
  }

  void beginInsert(wire::InsertHandle& handle, const std::string& sessionId, const std::string& sql,
                   const std::string& queryId, const std::map<std::string, std::string>& settings) override {
    const Session& session = requireSession(sessionId);
    std::string id = queryId.empty() ? randomId() : queryId;
    if (inserts_.count(id) > 0 || server_.find(id)) {
      throw makeException(ErrorCode::kBadArguments, "a query with id '" + id + "' is already running");
    }
    PendingInsert insert;
    insert.sessionId = sessionId;
    std::string format;
    try {
      sql::StatementPtr statement = sql::parseStatement(sql);
      if (statement->kind != sql::StatementKind::kInsert) {
        throw QueryError(ErrorCode::kBadArguments, "beginInsert expects INSERT INTO t [(columns)] FORMAT Name");
      }
      const auto& parsed = statement->as<sql::InsertStatement>();
      if (parsed.source != sql::InsertSource::kFormat || parsed.dataOffset < sql.size()) {
        throw QueryError(ErrorCode::kBadArguments,
                         "beginInsert expects INSERT INTO t [(columns)] FORMAT Name with no data after the "
                         "format name; send rows with insertBatch");
      }
      format = parsed.insertFormat;
      std::map<std::string, std::string> merged = session.settings;
      for (const auto& [name, value] : settings) merged[name] = value;
      if (query::readonlyLevel(session.settings) > 0 || query::readonlyLevel(merged) > 0) {
        throw QueryError(ErrorCode::kReadonly,
                         "cannot run INSERT in read-only mode: the readonly setting is on", parsed.position);
      }
      const std::string& database = parsed.table.database.empty() ? session.database : parsed.table.database;
      if (absl::AsciiStrToLower(database) != "default") {
        throw QueryError(ErrorCode::kReadonly,
                         "cannot insert into '" + database + "." + parsed.table.table +
                             "': only the tables of database 'default' take rows",
                         parsed.table.position);
      }
      resolveInsertTarget(parsed, insert);
    } catch (const QueryError& error) {
      throw makeException(error.code(), error.what(), error.position(), id);
    }
    for (size_t i = 0; i < insert.targets.size(); ++i) {
      handle.columns.push_back(makeColumnInfo(insert.table.columns[insert.targets[i]].name, insert.targetTypes[i],
                                              session.protocolVersion));
    }
    handle.queryId = id;
    handle.format = format;
    inserts_.emplace(id, std::move(insert));
  }

  void insertBatch(const std::string& sessionId, const std::string& queryId, const wire::ColumnBatch& batch) override {
    requireSession(sessionId);
    PendingInsert& insert = requireInsert(sessionId, queryId);
    auto decoded = decodeBatch(batch, insert.targetTypes);
    if (!decoded.ok()) {
      inserts_.erase(queryId);
      throw makeException(ErrorCode::kCannotParseInput, std::string(decoded.status().message()), {}, queryId);
    }
    if (decoded->numRows == 0) return;

    // Columns not named in the INSERT take their defaults: NULL or zero.
    Batch full;
    full.numRows = decoded->numRows;
    for (size_t c = 0; c < insert.table.columns.size(); ++c) {
      auto target = std::find(insert.targets.begin(), insert.targets.end(), c);
      if (target != insert.targets.end()) {
        full.columns.push_back(decoded->columns[target - insert.targets.begin()]);
      } else {
        DataType type = insert.table.columns[c].type;
        full.columns.push_back(type.nullable ? Column::flatten(Column::makeConstant(type, Value(), full.numRows))
                                             : Column::makeFlat(type, full.numRows));
      }
    }
    for (const auto& column : full.columns) insert.bufferedBytes += column->memoryBytes();
    insert.buffered.push_back(std::move(full));
    if (insert.bufferedBytes >= kInsertFlushBytes) flushInsert(queryId, insert);
  }

  void endInsert(wire::QuerySummary& summary, const std::string& sessionId, const std::string& queryId) override {
    requireSession(sessionId);
    PendingInsert& insert = requireInsert(sessionId, queryId);
    flushInsert(queryId, insert);
    summary.writtenRows = static_cast<int64_t>(insert.writtenRows);
    summary.writtenBytes = static_cast<int64_t>(insert.writtenBytes);
    summary.elapsedNs = elapsedNs(insert.start);
    log()->info("insert finished: query_id={} table={} rows={} ms={}", queryId, insert.table.name,
                insert.writtenRows, summary.elapsedNs / 1'000'000);
    inserts_.erase(queryId);
  }

  void ping() override {}

 private:
  Session& requireSession(const std::string& sessionId) {
    auto it = sessions_.find(sessionId);
    if (it == sessions_.end()) {
      throw makeException(ErrorCode::kBadArguments,
                          "session '" + sessionId + "' is not open on this connection; call handshake first");
    }
    return it->second;
  }

  std::shared_ptr<RunningQuery> requireQuery(const std::string& sessionId, const std::string& queryId) {
    auto query = queryIds_.count(queryId) > 0 ? server_.find(queryId) : nullptr;
    if (!query || query->sessionId != sessionId) {
      throw makeException(ErrorCode::kBadArguments,
                          "query '" + queryId + "' is not running in this session; it may have finished already",
                          {}, queryId);
    }
    return query;
  }

  PendingInsert& requireInsert(const std::string& sessionId, const std::string& queryId) {
    auto it = inserts_.find(queryId);
    if (it == inserts_.end() || it->second.sessionId != sessionId) {
      throw makeException(ErrorCode::kBadArguments,
                          "insert '" + queryId + "' is not open in this session; call beginInsert first", {}, queryId);
    }
    return it->second;
  }

  std::shared_ptr<RunningQuery> newQuery(const Session& session, const std::string& requestedId,
                                         const std::map<std::string, std::string>& settings) {
    if (queryIds_.size() >= kMaxQueriesPerConnection) {
      throw makeException(ErrorCode::kBadArguments,
                          absl::StrCat("a connection may run at most ", kMaxQueriesPerConnection,
                                       " queries at once; fetch or cancel one first"));
    }
    auto query = std::make_shared<RunningQuery>();
    query->id = requestedId.empty() ? randomId() : requestedId;
    query->sessionId = session.id;
    query->user = session.user;
    query->clientName = session.clientName;
    query->peerHost = peerHost_;
    query->peerPort = peerPort_;
    query->database = session.database;
    query->connectionId = id_;
    query->options.queryId = query->id;
    query->options.settings = session.settings;
    query->options.database = session.database;
    int level = query::readonlyLevel(session.settings);
    for (const auto& [name, value] : settings) {
      // Settings sent with one query cannot lift the session's readonly.
      try {
        query::checkSettingChange(level, session.settings, name, value);
      } catch (const QueryError& error) {
        throw makeException(error.code(), error.what(), error.position(), query->id);
      }
      query->options.settings[name] = value;
    }
    query->options.cancelled = &query->cancelled;
    query->options.progress = &query->liveProgress;
    query->encodeOptions.compression = session.compression;
    query->maxBatchBytes = session.maxBatchBytes;
    query->protocolVersion = session.protocolVersion;
    return query;
  }

  // Applies `SET a = 1, b = 'x'` to the session and registers a finished
  // query, so the client sees the same call sequence as for other statements.
  void applySet(Session& session, const std::shared_ptr<RunningQuery>& query) {
    try {
      sql::StatementPtr statement = sql::parseStatement(query->sql);
      const auto& assignments = statement->as<sql::SetStatement>().settings;
      int level = query::readonlyLevel(session.settings);
      for (const auto& setting : assignments) {
        query::checkSettingChange(level, session.settings, setting.name, setting.value.toString(), setting.position);
      }
      for (const auto& setting : assignments) session.settings[setting.name] = setting.value.toString();
    } catch (const QueryError& error) {
      throw makeException(error.code(), error.what(), error.position(), query->id);
    }
    query->schemaKnown = true;
    query->done = true;
    query->summary.elapsedNs = elapsedNs(query->start);
    server_.add(query);
  }

  void forget(const std::shared_ptr<RunningQuery>& query) {
    queryIds_.erase(query->id);
    server_.retire(query);
  }

  void resolveInsertTarget(const sql::InsertStatement& parsed, PendingInsert& insert) {
    auto snapshot = server_.engine_.database().snapshot(parsed.table.table);
    if (!snapshot.ok()) {
      throw QueryError(ErrorCode::kUnknownTable, "unknown table '" + parsed.table.toString() + "'",
                       parsed.table.position);
    }
    insert.table = (*snapshot)->def;
    if (parsed.columns.empty()) {
      for (size_t c = 0; c < insert.table.columns.size(); ++c) insert.targets.push_back(c);
    }
    for (const auto& name : parsed.columns) {
      auto index = insert.table.findColumn(name);
      if (!index) {
        throw QueryError(ErrorCode::kUnknownIdentifier,
                         "unknown column '" + name + "' in table " + insert.table.name);
      }
      insert.targets.push_back(*index);
    }
    for (size_t c : insert.targets) insert.targetTypes.push_back(insert.table.columns[c].type);
  }

  void flushInsert(const std::string& queryId, PendingInsert& insert) {
    if (insert.buffered.empty()) return;
    auto written = server_.engine_.database().insert(insert.table.name, insert.buffered);
    if (!written.ok()) {
      wire::QueryException error = exceptionFromStatus(written.status(), queryId);
      inserts_.erase(queryId);
      throw error;
    }
    insert.writtenRows += *written;
    insert.writtenBytes += insert.bufferedBytes;
    insert.buffered.clear();
    insert.bufferedBytes = 0;
  }

  NativeServer::Impl& server_;
  const uint64_t id_;
  const std::string peer_;
  const std::string peerHost_;
  const uint16_t peerPort_;
  std::map<std::string, Session> sessions_;
  std::set<std::string> queryIds_;
  std::map<std::string, PendingInsert> inserts_;
};

class HandlerFactory : public wire::FurlNativeIfFactory {
 public:
  explicit HandlerFactory(NativeServer::Impl& server) : server_(server) {}

  wire::FurlNativeIf* getHandler(const apache::thrift::TConnectionInfo& info) override {
    std::string peer = "unknown";
    std::string peerHost;
    uint16_t peerPort = 0;
    if (auto socket = std::dynamic_pointer_cast<apache::thrift::transport::TSocket>(info.transport)) {
      peer = socket->getSocketInfo();
      peerHost = socket->getPeerAddress();
      peerPort = static_cast<uint16_t>(socket->getPeerPort());
    }
    return new ConnectionHandler(server_, peer, peerHost, peerPort);
  }

  void releaseHandler(wire::FurlNativeIf* handler) override { delete handler; }

 private:
  NativeServer::Impl& server_;
};

}  // namespace

void NativeServer::Impl::add(const std::shared_ptr<RunningQuery>& query) {
  std::lock_guard<std::mutex> lock(queriesMutex_);
  if (!queries_.emplace(query->id, query).second) {
    throw makeException(ErrorCode::kBadArguments, "a query with id '" + query->id + "' is already running");
  }
}

void NativeServer::Impl::launch(const std::shared_ptr<RunningQuery>& query) {
  add(query);
  if (options_.processes != nullptr) {
    query::ProcessInfo info;
    info.queryId = query->id;
    info.user = query->user;
    info.query = query->sql;
    info.interface = 1;
    info.address = query->peerHost;
    info.port = query->peerPort;
    info.clientName = query->clientName;
    info.currentDatabase = query->database;
    std::weak_ptr<RunningQuery> weak = query;
    // KILL QUERY cancels through the entry; this sets the query's own flag.
    query->registration = options_.processes->add(std::move(info), [weak] {
      if (auto running = weak.lock()) {
        running->cancelled = true;
        running->changed.notify_all();
      }
    });
    query->processEntry = query->registration.process();
    if (query->processEntry->isCancelled()) query->cancelled = true;
    query->options.progress = &query->processEntry->progress();
  }
  query->worker = std::thread([this, query] { runQuery(*query); });
}

void NativeServer::Impl::retire(const std::shared_ptr<RunningQuery>& query) {
  {
    std::lock_guard<std::mutex> lock(queriesMutex_);
    queries_.erase(query->id);
  }
  if (query->worker.joinable()) query->worker.join();
}

std::shared_ptr<RunningQuery> NativeServer::Impl::find(const std::string& queryId) {
  std::lock_guard<std::mutex> lock(queriesMutex_);
  auto it = queries_.find(queryId);
  return it == queries_.end() ? nullptr : it->second;
}

void NativeServer::Impl::cancelAll() {
  std::lock_guard<std::mutex> lock(queriesMutex_);
  for (auto& [id, query] : queries_) query->cancel();
}

void NativeServer::Impl::runQuery(RunningQuery& query) {
  try {
    query::QueryResult result;
    auto kill = options_.processes != nullptr ? query::parseKillQuery(query.sql) : std::nullopt;
    if (kill) {
      result = query::executeKillQuery(engine_, *options_.processes, *kill, query.options);
    } else {
      result = engine_.execute(query.sql, query.options);
    }
    streamResult(query, result);
  } catch (const QueryError& error) {
    std::lock_guard<std::mutex> lock(query.mutex);
    query.error = makeException(error.code(), error.what(), error.position(), query.id);
  } catch (const std::exception& error) {
    log()->error("query failed with an internal error: query_id={} error=\"{}\"", query.id, error.what());
    std::lock_guard<std::mutex> lock(query.mutex);
    query.error = makeException(ErrorCode::kLogicalError, std::string("internal error: ") + error.what(), {}, query.id);
  }
  query.registration = query::ProcessList::Registration();
  std::lock_guard<std::mutex> lock(query.mutex);
  query.done = true;
  query.changed.notify_all();
}

// TODO: QueryEngine::execute materializes the whole result, so the first
// batch leaves only after the statement ends and the server briefly holds
// the full result; a batch callback in QueryOptions would let the worker
// stream while the engine runs. Read progress is live (QueryProgress).
void NativeServer::Impl::streamResult(RunningQuery& query, query::QueryResult& result) {
  const query::QueryStats& stats = result.stats;
  {
    std::lock_guard<std::mutex> lock(query.mutex);
    for (size_t c = 0; c < result.columnNames.size(); ++c) {
      query.columns.push_back(makeColumnInfo(result.columnNames[c], result.columnTypes[c], query.protocolVersion));
    }
    query.format = result.format;
    query.schemaKnown = true;
    query.progress.readRows = static_cast<int64_t>(stats.readRows);
    query.progress.readBytes = static_cast<int64_t>(stats.readBytes);
    query.progress.totalRowsEstimate = static_cast<int64_t>(query.options.progress->totalRowsToRead.load());
    query.progress.coldFetchBytes = static_cast<int64_t>(stats.coldFetchBytes);
    query.progress.coldFetchRequests = static_cast<int64_t>(stats.coldFetchRequests);
    query.progress.coldCacheHits = static_cast<int64_t>(stats.coldCacheHits);
    query.changed.notify_all();
  }

  int64_t resultBytes = 0;
  for (Batch& engineBatch : result.batches) {
    Batch batch = engineBatch.sel ? engineBatch.compact() : std::move(engineBatch);
    engineBatch = Batch();
    for (const auto& [begin, end] : splitRows(batch, query.maxBatchBytes)) {
      wire::ColumnBatch encoded = encodeBatch(batch, begin, end, query.encodeOptions);
      resultBytes += static_cast<int64_t>(uncompressedBytes(encoded));
      size_t bytes = wireBytes(encoded);

      std::unique_lock<std::mutex> lock(query.mutex);
      query.changed.wait(lock, [&] {
        return query.cancelled || query.queue.empty() || query.queuedBytes + bytes <= options_.queueBytes;
      });
      if (query.cancelled) throw QueryError(ErrorCode::kQueryWasCancelled, "query " + query.id + " was cancelled");
      query.queue.push_back(std::move(encoded));
      query.queuedBytes += bytes;
      query.changed.notify_all();
    }
  }

  std::lock_guard<std::mutex> lock(query.mutex);
  wire::QuerySummary& summary = query.summary;
  summary.readRows = static_cast<int64_t>(stats.readRows);
  summary.readBytes = static_cast<int64_t>(stats.readBytes);
  summary.writtenRows = static_cast<int64_t>(stats.writtenRows);
  summary.writtenBytes = static_cast<int64_t>(stats.writtenBytes);
  summary.resultRows = static_cast<int64_t>(stats.resultRows);
  summary.resultBytes = resultBytes;
  summary.elapsedNs = elapsedNs(query.start);
  summary.warnings = result.warnings;
  summary.coldFetchBytes = static_cast<int64_t>(stats.coldFetchBytes);
  summary.coldFetchRequests = static_cast<int64_t>(stats.coldFetchRequests);
  summary.coldCacheHits = static_cast<int64_t>(stats.coldCacheHits);
}

NativeServer::NativeServer(query::QueryEngine& engine, Options options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

NativeServer::~NativeServer() { stop(); }

absl::Status NativeServer::start() {
  Impl& impl = *impl_;
  if (impl.running_) return absl::FailedPreconditionError("the native server is already running");

  // Thrift reports per-connection failures (garbage bytes, resets) through
  // GlobalOutput; they end one connection and are expected.
  apache::thrift::GlobalOutput.setOutputFunction([](const char* message) { log()->debug("thrift: {}", message); });

  const Options& options = impl.options_;
  auto socket = std::make_shared<PreboundServerSocket>(options.host, options.port);
  socket->setRecvTimeout(static_cast<int>(options.idleTimeoutMs));
  socket->setSendTimeout(static_cast<int>(options.idleTimeoutMs));
  socket->setKeepAlive(true);
  try {
    socket->listen();
  } catch (const TTransportException& error) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.host, ":", options.port,
                                               " for the native protocol: ", error.what()));
  }
  impl.boundPort_ = socket->getPort();

  auto processorFactory = std::make_shared<wire::FurlNativeProcessorFactory>(std::make_shared<HandlerFactory>(impl));
  auto protocolFactory = std::make_shared<apache::thrift::protocol::TCompactProtocolFactory>();
  // Strings and containers are bounded by the frame size already; these
  // limits stop a small frame from announcing a huge allocation.
  protocolFactory->setStringSizeLimit(TConfiguration::DEFAULT_MAX_FRAME_SIZE);
  protocolFactory->setContainerSizeLimit(1 << 20);
  impl.server_ = std::make_shared<apache::thrift::server::TThreadedServer>(
      processorFactory, socket, std::make_shared<FramedTransportFactory>(), protocolFactory);
  impl.server_->setConcurrentClientLimit(options.maxConnections);

  impl.serveThread_ = std::thread([&impl] {
    try {
      impl.server_->serve();
    } catch (const std::exception& error) {
      log()->error("native server stopped with an error: {}", error.what());
    }
  });
  impl.running_ = true;
  log()->info("native server listening: host={} port={} idle_timeout_ms={} max_connections={}", options.host,
              impl.boundPort_.load(), options.idleTimeoutMs, options.maxConnections);
  return absl::OkStatus();
}

void NativeServer::stop() {
  Impl& impl = *impl_;
  if (!impl.running_) return;
  impl.cancelAll();
  impl.server_->stop();
  if (impl.serveThread_.joinable()) impl.serveThread_.join();
  impl.server_.reset();
  impl.running_ = false;
  log()->info("native server stopped: port={}", impl.boundPort_.load());
}

int NativeServer::port() const { return impl_->boundPort_; }

}  // namespace furl::protocol
