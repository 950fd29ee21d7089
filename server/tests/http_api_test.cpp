// Routing, formats, headers and error codes of the HTTP API, through a real
// socket on 127.0.0.1 and a fake query engine.

#include "server/http_api.h"

#include <chrono>
#include <future>
#include <sstream>
#include <thread>

#include "boost/asio/connect.hpp"
#include "boost/asio/write.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "gtest/gtest.h"
#include "server/http_server.h"
#include "server/request_util.h"
#include "server/tests/fake_query_engine.h"

namespace furl::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

std::string header(const HttpResponse& response, std::string_view name) {
  auto value = response[beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::make_unique<query::QueryEngine>(database_);
    HttpApiOptions apiOptions;
    apiOptions.displayName = "furl-test";
    apiOptions.maxBodyBytes = 1 << 20;
    apiOptions.queryThreads = 4;
    apiOptions.maxQueuedQueries = 2;
    api_ = std::make_unique<HttpApi>(*engine_, apiOptions, processes_);
    server_ = startServer(4, 2);
  }

  void TearDown() override { server_->stop(1000, [this] { processes_.cancelAll(); }); }

  /// Starts an HTTP server on a free port over api_, with the routing of
  /// furld (lightweight requests on the I/O threads, control queries apart).
  std::unique_ptr<HttpServer> startServer(uint32_t workerThreads, uint32_t maxQueued) {
    HttpServerOptions serverOptions;
    serverOptions.port = 0;
    serverOptions.numThreads = 2;
    serverOptions.workerThreads = workerThreads;
    serverOptions.maxQueuedRequests = maxQueued;
    serverOptions.maxBodyBytes = 1 << 20;
    serverOptions.runsOnIoThread = HttpApi::isLightweight;
    serverOptions.runsOnControlThread = HttpApi::isControlQuery;
    serverOptions.overloadedResponse = [this](const HttpRequest& request) { return api_->overloadedResponse(request); };
    auto server = std::make_unique<HttpServer>(
        serverOptions, [this](HttpRequest& request, ClientConnection& connection) {
          return api_->handle(request, connection);
        });
    absl::Status status = server->start();
    EXPECT_TRUE(status.ok()) << status;
    return server;
  }

  /// Waits up to `timeoutMs` for `condition`; returns its last value.
  template <typename Condition>
  static bool waitFor(Condition condition, int timeoutMs = 3000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  /// Sends one request on a new connection and returns the response.
  HttpResponse send(http::verb method, const std::string& target, const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    HttpResponse response = roundTrip(stream, method, target, body, headers);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return response;
  }

  static HttpResponse roundTrip(beast::tcp_stream& stream, http::verb method, const std::string& target,
                                const std::string& body,
                                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    HttpRequest request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    // Interim responses (100 Continue) come before the final one.
    beast::flat_buffer buffer;
    while (true) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 << 20);
      http::read(stream, buffer, parser);
      if (parser.get().result() != http::status::continue_) return parser.release();
    }
  }

  std::string get(const std::string& target) { return send(http::verb::get, target).body(); }

  testing::FakeDatabase database_;
  std::unique_ptr<query::QueryEngine> engine_;
  query::ProcessList processes_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpApiTest, PingAndRootReturnOk) {
  EXPECT_EQ(get("/ping"), "Ok.\n");
  EXPECT_EQ(get("/"), "Ok.\n");
  EXPECT_EQ(get("/replicas_status"), "Ok.\n");
  HttpResponse unknown = send(http::verb::get, "/nowhere");
  EXPECT_EQ(unknown.result_int(), 404u);
}

TEST_F(HttpApiTest, QueryInUrlDefaultsToTabSeparated) {
  HttpResponse response = send(http::verb::get, "/?query=SELECT%201");
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "1\n");
  EXPECT_EQ(header(response, "X-ClickHouse-Format"), "TabSeparated");
  EXPECT_EQ(header(response, "Content-Type"), "text/tab-separated-values; charset=UTF-8");
  EXPECT_EQ(header(response, "X-ClickHouse-Timezone"), "UTC");
  EXPECT_EQ(header(response, "X-ClickHouse-Server-Display-Name"), "furl-test");
  EXPECT_EQ(header(response, "X-ClickHouse-Query-Id").size(), 36u);
}

TEST_F(HttpApiTest, QueryInBodyWithSettingsAndQueryId) {
  HttpResponse response = send(http::verb::post, "/?query_id=q-42&default_format=JSONEachRow&max_threads=2"
                                                 "&wait_end_of_query=1&database=default",
                               "SELECT rows");
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(response.body(),
            "{\"n\":\"1\",\"s\":\"a\\tb\",\"t\":\"2015-09-12 00:46:58.771\"}\n"
            "{\"n\":\"-2\",\"s\":null,\"t\":\"1970-01-01 00:00:00.000\"}\n");
  EXPECT_EQ(header(response, "X-ClickHouse-Query-Id"), "q-42");
  EXPECT_EQ(header(response, "X-ClickHouse-Format"), "JSONEachRow");
  EXPECT_EQ(header(response, "X-ClickHouse-Summary"),
            "{\"read_rows\":\"100\",\"read_bytes\":\"800\",\"written_rows\":\"0\",\"written_bytes\":\"0\","
            "\"total_rows_to_read\":\"100\",\"result_rows\":\"2\",\"result_bytes\":\"" +
                std::to_string(response.body().size()) +
                "\",\"elapsed_ns\":\"1500000\",\"cold_fetch_bytes\":\"0\",\"cold_fetch_requests\":\"0\","
                "\"cold_cache_hits\":\"0\"}");

  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.queryId, "q-42");
  EXPECT_EQ(log.settings.count("max_threads"), 1u);
  EXPECT_EQ(log.settings.count("wait_end_of_query"), 1u);
  EXPECT_EQ(log.settings.count("query_id"), 0u);
  EXPECT_EQ(log.settings.count("default_format"), 0u);
}

TEST_F(HttpApiTest, FormatClauseWinsOverDefaultFormat) {
  HttpResponse response = send(http::verb::post, "/?default_format=JSONEachRow", "SELECT rows FORMAT CSVWithNames");
  EXPECT_EQ(response.body(), "\"n\",\"s\",\"t\"\n1,\"a\tb\",\"2015-09-12 00:46:58.771\"\n-2,\\N,\"1970-01-01 00:00:00.000\"\n");
  EXPECT_EQ(header(response, "X-ClickHouse-Format"), "CSVWithNames");
  EXPECT_EQ(header(response, "Content-Type"), "text/csv; charset=UTF-8; header=present");
}

TEST_F(HttpApiTest, JsonFormatHasStatistics) {
  HttpResponse response = send(http::verb::post, "/", "SELECT rows FORMAT JSON");
  EXPECT_NE(response.body().find("\"rows\": 2,"), std::string::npos) << response.body();
  EXPECT_NE(response.body().find("\"elapsed\": 0.0015,"), std::string::npos) << response.body();
  EXPECT_NE(response.body().find("\"rows_read\": 100,"), std::string::npos) << response.body();
  EXPECT_EQ(header(response, "Content-Type"), "application/json; charset=UTF-8");
}

TEST_F(HttpApiTest, UnknownFormatIsAnError) {
  HttpResponse response = send(http::verb::post, "/?default_format=jsoneachrow", "SELECT 1");
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_EQ(header(response, "X-ClickHouse-Exception-Code"), "73");
  EXPECT_NE(response.body().find("(UNKNOWN_FORMAT)"), std::string::npos) << response.body();
}

TEST_F(HttpApiTest, SyntaxErrorIs400WithClickHouseBody) {
  HttpResponse response = send(http::verb::post, "/", "SELEC 1");
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_EQ(header(response, "X-ClickHouse-Exception-Code"), "62");
  EXPECT_EQ(response.body(),
            "Code: 62. DB::Exception: syntax error at position 1: unexpected word; expected SELECT or INSERT. "
            "(SYNTAX_ERROR) (version " FURL_VERSION ")\n");
}

TEST_F(HttpApiTest, UnknownTableIs404) {
  HttpResponse response = send(http::verb::post, "/", "SELECT * FROM missing");
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_EQ(header(response, "X-ClickHouse-Exception-Code"), "60");
  EXPECT_NE(response.body().find("(UNKNOWN_TABLE)"), std::string::npos) << response.body();
}

TEST_F(HttpApiTest, InternalErrorIs500) {
  HttpResponse response = send(http::verb::post, "/", "SELECT crash");
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_EQ(header(response, "X-ClickHouse-Exception-Code"), "49");
  EXPECT_NE(response.body().find("segment file is corrupt"), std::string::npos) << response.body();
}

TEST_F(HttpApiTest, InsertWithDataInBody) {
  HttpResponse response =
      send(http::verb::post, "/", "INSERT INTO wiki FORMAT JSONEachRow\n{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(response.body(), "");
  EXPECT_NE(header(response, "X-ClickHouse-Summary").find("\"written_rows\":\"2\""), std::string::npos);
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.sql, "INSERT INTO wiki FORMAT JSONEachRow");
  EXPECT_EQ(log.insertData, "{\"a\":1}\n{\"a\":2}\n");
}

TEST_F(HttpApiTest, InsertWithQueryInUrl) {
  HttpResponse response =
      send(http::verb::post, "/?query=INSERT%20INTO%20wiki%20FORMAT%20CSV", "1,\"x\"\n2,\"y\"\n");
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.sql, "INSERT INTO wiki FORMAT CSV");
  EXPECT_EQ(log.insertData, "1,\"x\"\n2,\"y\"\n");
}

TEST_F(HttpApiTest, InsertValuesContinuesUrlQuery) {
  send(http::verb::post, "/?query=INSERT%20INTO%20wiki%20VALUES", "(1, 'x')");
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.sql, "INSERT INTO wiki VALUES\n(1, 'x')");
  EXPECT_EQ(log.insertData, "");
}

TEST_F(HttpApiTest, GzipBodyIsDecoded) {
  std::string compressed = gzipCompress("INSERT INTO wiki FORMAT TSV\n1\tx\n");
  HttpResponse response = send(http::verb::post, "/", compressed, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.insertData, "1\tx\n");
}

TEST_F(HttpApiTest, UnsupportedEncodingIsRejected) {
  HttpResponse response = send(http::verb::post, "/", "xx", {{"Content-Encoding", "br"}});
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_NE(response.body().find("unsupported Content-Encoding 'br'"), std::string::npos) << response.body();
}

TEST_F(HttpApiTest, GzipResponseWhenRequested) {
  HttpResponse response = send(http::verb::get, "/?query=SELECT%201&enable_http_compression=1", "",
                               {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(header(response, "Content-Encoding"), "gzip");
  auto decoded = decodeBody("gzip", response.body(), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "1\n");
}

// The engine checks the database name; the handler passes it on.
TEST_F(HttpApiTest, DatabaseFromParameterOrHeader) {
  auto databaseSeen = [] {
    auto& log = testing::fakeEngineLog();
    std::lock_guard lock(log.mutex);
    return log.database;
  };
  send(http::verb::get, "/?query=SELECT%201");
  EXPECT_EQ(databaseSeen(), "default");
  send(http::verb::get, "/?query=SELECT%201&database=analytics");
  EXPECT_EQ(databaseSeen(), "analytics");
  send(http::verb::get, "/?query=SELECT%201", "", {{"X-ClickHouse-Database", "system"}});
  EXPECT_EQ(databaseSeen(), "system");
  send(http::verb::get, "/?query=SELECT%201&database=analytics", "", {{"X-ClickHouse-Database", "system"}});
  EXPECT_EQ(databaseSeen(), "system") << "the header wins over the parameter, as in ClickHouse";
}

TEST_F(HttpApiTest, QueryParametersAreBound) {
  HttpResponse bound = send(http::verb::post, "/?param_x=1", "SELECT {x:UInt8}");
  EXPECT_EQ(bound.body(), "1\n");
  HttpResponse missing = send(http::verb::post, "/", "SELECT {x:UInt8}");
  EXPECT_EQ(missing.result_int(), 400u);
  EXPECT_NE(missing.body().find("param_x"), std::string::npos) << missing.body();
}

TEST_F(HttpApiTest, DruidPlainTextAndParameters) {
  HttpResponse plain = send(http::verb::post, "/druid/v2/sql", "SELECT 1", {{"Content-Type", "text/plain"}});
  // Druid names the unaliased item EXPR$0.
  EXPECT_EQ(plain.body(), "[{\"EXPR$0\":1}]");
  send(http::verb::post, "/druid/v2/sql",
       "{\"query\":\"INSERT x WHERE a = ? AND b > ?\",\"parameters\":[{\"type\":\"VARCHAR\",\"value\":\"it's\"},"
       "{\"type\":\"BIGINT\",\"value\":-10}]}");
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.sql, "INSERT x WHERE a = 'it\\'s' AND b > -10");
}

TEST_F(HttpApiTest, KeepAliveServesSeveralRequests) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = roundTrip(stream, http::verb::post, "/", "SELECT 1");
    EXPECT_EQ(response.body(), "1\n") << "request " << i;
    EXPECT_TRUE(response.keep_alive()) << "request " << i;
  }
}

TEST_F(HttpApiTest, ExpectContinueIsAnswered) {
  HttpResponse response = send(http::verb::post, "/", "SELECT 1", {{"Expect", "100-continue"}});
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "1\n");
}

TEST_F(HttpApiTest, OversizedBodyIs413) {
  std::string big(2 << 20, 'x');
  HttpResponse response = send(http::verb::post, "/?query=INSERT%20INTO%20t%20FORMAT%20TSV", big);
  EXPECT_EQ(response.result_int(), 413u);
}

TEST_F(HttpApiTest, LargeInsertBodyArrivesWhole) {
  std::string data;
  while (data.size() < 900000) data += "{\"page\":\"Main_Page\",\"added\":12345}\n";
  HttpResponse response = send(http::verb::post, "/?query=INSERT%20INTO%20wiki%20FORMAT%20JSONEachRow", data);
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.insertData.size(), data.size());
}

TEST_F(HttpApiTest, ConcurrentRequestsRunInParallel) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<std::string>> results;
  for (int i = 0; i < 4; ++i) {
    results.push_back(std::async(std::launch::async, [this] { return send(http::verb::post, "/", "SELECT sleep").body(); }));
  }
  for (auto& result : results) EXPECT_EQ(result.get(), "1\n");
  auto elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsedMs, 1000) << "4 queries of 300 ms on 4 threads should overlap";
}

TEST_F(HttpApiTest, StopCancelsQueriesAfterDrainTimeout) {
  auto pending = std::async(std::launch::async, [this] {
    return send(http::verb::post, "/", "SELECT wait_for_cancel");
  });
  while (server_->activeRequests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->stop(100, [this] { processes_.cancelAll(); });
  HttpResponse response = pending.get();
  EXPECT_EQ(header(response, "X-ClickHouse-Exception-Code"), "394");
}

TEST_F(HttpApiTest, PingAnsweredWhileWorkersBusy) {
  // Six queries on four worker threads: four run, two wait in the queue.
  std::vector<std::future<HttpResponse>> running;
  for (int i = 0; i < 6; ++i) {
    running.push_back(std::async(std::launch::async, [this] {
      return send(http::verb::post, "/", "SELECT wait_for_cancel");
    }));
  }
  ASSERT_TRUE(waitFor([this] { return processes_.size() == 4; }));
  ASSERT_TRUE(waitFor([this] { return server_->activeRequests() == 6; }));

  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get("/ping"), "Ok.\n");
  EXPECT_EQ(get("/"), "Ok.\n");
  auto elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsedMs, 1000) << "health checks run on the I/O threads, not behind the busy workers";

  processes_.cancelAll();
  for (auto& response : running) EXPECT_EQ(header(response.get(), "X-ClickHouse-Exception-Code"), "394");
}

TEST_F(HttpApiTest, FullQueueRejectsWithTooManySimultaneousQueries) {
  std::unique_ptr<HttpServer> small = startServer(1, 1);
  auto sendTo = [&small](const std::string& sql) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), small->port()));
    return roundTrip(stream, http::verb::post, "/", sql);
  };
  auto runningQuery = std::async(std::launch::async, [&] { return sendTo("SELECT wait_for_cancel"); });
  ASSERT_TRUE(waitFor([this] { return processes_.size() == 1; }));
  auto queuedQuery = std::async(std::launch::async, [&] { return sendTo("SELECT 1"); });
  ASSERT_TRUE(waitFor([&small] { return small->activeRequests() == 2; }));

  HttpResponse rejected = sendTo("SELECT 1");
  EXPECT_EQ(rejected.result_int(), 503u);
  EXPECT_EQ(header(rejected, "X-ClickHouse-Exception-Code"), "202");
  EXPECT_NE(rejected.body().find("Code: 202. DB::Exception: Too many simultaneous queries"), std::string::npos)
      << rejected.body();
  EXPECT_NE(rejected.body().find("(TOO_MANY_SIMULTANEOUS_QUERIES)"), std::string::npos) << rejected.body();

  processes_.cancel(processes_.list().front()->info().queryId);
  EXPECT_EQ(header(runningQuery.get(), "X-ClickHouse-Exception-Code"), "394");
  EXPECT_EQ(queuedQuery.get().body(), "1\n");
  small->stop(1000);
}

TEST_F(HttpApiTest, ClientCloseCancelsRunningQuery) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  HttpRequest request(http::verb::post, "/?query_id=left-early", 11);
  request.set(http::field::host, "127.0.0.1");
  request.body() = "SELECT wait_for_cancel";
  request.prepare_payload();
  http::write(stream, request);
  ASSERT_TRUE(waitFor([this] { return processes_.size() == 1; }));
  EXPECT_EQ(processes_.list().front()->info().queryId, "left-early");

  beast::error_code ignored;
  stream.socket().close(ignored);
  EXPECT_TRUE(waitFor([this] { return processes_.size() == 0; })) << "the query still runs after the client left";
  EXPECT_TRUE(waitFor([this] { return server_->activeRequests() == 0; }));
}

TEST_F(HttpApiTest, QueryIdFromHeaderOrGenerated) {
  HttpResponse fromHeader = send(http::verb::post, "/", "SELECT 1", {{"X-ClickHouse-Query-Id", "from-header"}});
  EXPECT_EQ(header(fromHeader, "X-ClickHouse-Query-Id"), "from-header");
  HttpResponse fromParam =
      send(http::verb::post, "/?query_id=from-param", "SELECT 1", {{"X-ClickHouse-Query-Id", "from-header"}});
  EXPECT_EQ(header(fromParam, "X-ClickHouse-Query-Id"), "from-param");
  HttpResponse generated = send(http::verb::post, "/", "SELECT 1");
  EXPECT_EQ(header(generated, "X-ClickHouse-Query-Id").size(), 36u) << "a UUID";
}

TEST_F(HttpApiTest, PipelinedRequestAfterPooledQuery) {
  // Two requests in one write: the second arrives while the first runs on a
  // worker, and must still be served afterwards on the same connection.
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  std::string both;
  for (const char* sql : {"SELECT sleep", "SELECT 1"}) {
    HttpRequest request(http::verb::post, "/", 11);
    request.set(http::field::host, "127.0.0.1");
    request.body() = sql;
    request.prepare_payload();
    std::ostringstream text;
    text << request;
    both += text.str();
  }
  asio::write(stream.socket(), asio::buffer(both));
  beast::flat_buffer buffer;
  for (int i = 0; i < 2; ++i) {
    HttpResponse response;
    http::read(stream, buffer, response);
    EXPECT_EQ(response.body(), "1\n");
  }
}

TEST_F(HttpApiTest, DruidDeleteCancelsQuery) {
  auto running = std::async(std::launch::async, [this] {
    return send(http::verb::post, "/druid/v2/sql",
                "{\"query\":\"SELECT wait_for_cancel\",\"context\":{\"sqlQueryId\":\"druid-long\"}}",
                {{"Content-Type", "application/json"}});
  });
  ASSERT_TRUE(waitFor([this] { return processes_.size() == 1; }));

  HttpResponse cancelled = send(http::verb::delete_, "/druid/v2/sql/druid-long");
  EXPECT_EQ(cancelled.result_int(), 202u) << cancelled.body();
  HttpResponse result = running.get();
  EXPECT_NE(result.body().find("\"errorName\":\"QUERY_WAS_CANCELLED\""), std::string::npos) << result.body();

  HttpResponse missing = send(http::verb::delete_, "/druid/v2/sql/druid-long");
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_NE(missing.body().find("no running query has sqlQueryId 'druid-long'"), std::string::npos) << missing.body();
}

TEST_F(HttpApiTest, DruidObjectResult) {
  HttpResponse response = send(http::verb::post, "/druid/v2/sql",
                               "{\"query\":\"SELECT rows\",\"context\":{\"sqlQueryId\":\"d-1\",\"timeout\":2500,"
                               "\"useCache\":false}}",
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(response.body(),
            "[{\"n\":1,\"s\":\"a\\tb\",\"t\":\"2015-09-12T00:46:58.771Z\"},"
            "{\"n\":-2,\"s\":null,\"t\":\"1970-01-01T00:00:00.000Z\"}]");
  EXPECT_EQ(header(response, "X-Druid-SQL-Query-Id"), "d-1");
  EXPECT_EQ(header(response, "Content-Type"), "application/json");
  auto& log = testing::fakeEngineLog();
  std::lock_guard lock(log.mutex);
  // The context's timeout (ms) becomes max_execution_time (s); other keys
  // are Druid's own and are not passed on as settings.
  EXPECT_EQ(log.settings["max_execution_time"], "2.500000");
  EXPECT_EQ(log.settings.count("useCache"), 0u);
  EXPECT_EQ(log.settings.count("sqlQueryId"), 0u);
}

TEST_F(HttpApiTest, DruidCsvWithHeader) {
  HttpResponse response =
      send(http::verb::post, "/druid/v2/sql", "{\"query\":\"SELECT rows\",\"resultFormat\":\"csv\",\"header\":true}");
  EXPECT_EQ(response.body(), "n,s,t\n1,a\tb,2015-09-12T00:46:58.771Z\n-2,,1970-01-01T00:00:00.000Z\n\n");
  EXPECT_EQ(header(response, "Content-Type"), "text/csv");
  EXPECT_EQ(header(response, "X-Druid-SQL-Header-Included"), "yes");
}

TEST_F(HttpApiTest, DruidErrorShape) {
  HttpResponse syntax = send(http::verb::post, "/druid/v2/sql", "{\"query\":\"SELEC 1\"}");
  EXPECT_EQ(syntax.result_int(), 400u);
  EXPECT_EQ(syntax.body(),
            "{\"error\":\"druidException\",\"errorCode\":\"invalidInput\",\"persona\":\"USER\","
            "\"category\":\"INVALID_INPUT\",\"errorMessage\":\"syntax error at position 1: unexpected word; "
            "expected SELECT or INSERT\",\"context\":{\"code\":\"62\",\"errorName\":\"SYNTAX_ERROR\"},"
            "\"errorClass\":\"org.apache.druid.error.DruidException\",\"host\":null}");

  HttpResponse internal = send(http::verb::post, "/druid/v2/sql", "{\"query\":\"SELECT crash\"}");
  EXPECT_EQ(internal.result_int(), 500u);
  EXPECT_NE(internal.body().find("\"category\":\"RUNTIME_FAILURE\""), std::string::npos) << internal.body();

  HttpResponse badJson = send(http::verb::post, "/druid/v2/sql", "{\"query\":");
  EXPECT_EQ(badJson.result_int(), 400u);
  EXPECT_NE(badJson.body().find("invalid request body"), std::string::npos) << badJson.body();

  HttpResponse badFormat = send(http::verb::post, "/druid/v2/sql", "{\"query\":\"SELECT 1\",\"resultFormat\":\"xml\"}");
  EXPECT_EQ(badFormat.result_int(), 400u);
  EXPECT_NE(badFormat.body().find("invalid resultFormat 'xml'"), std::string::npos) << badFormat.body();

  HttpResponse wrongMethod = send(http::verb::get, "/druid/v2/sql");
  EXPECT_EQ(wrongMethod.result_int(), 400u);
}

}  // namespace
}  // namespace furl::server
