#include "server/http_api.h"

#include <cctype>

#include "boost/beast/http/field.hpp"
#include "common/logging.h"
#include "fmt/format.h"
#include "format/value_text.h"
#include "server/handler_context.h"
#include "server/request_util.h"

namespace furl::server {
namespace {

namespace http = boost::beast::http;

// ClickHouse's TOO_MANY_SIMULTANEOUS_QUERIES; not in ErrorCode because the
// engine never raises it.
constexpr int kTooManySimultaneousQueries = 202;

// Druid's SQL API path; `DELETE /druid/v2/sql/{sqlQueryId}` cancels a query.
constexpr std::string_view kDruidSqlPrefix = "/druid/v2/sql/";

}  // namespace

query::ProcessList::Registration registerQuery(const HandlerContext& context, query::ProcessInfo info,
                                               query::QueryOptions& options) {
  info.address = context.connection.address();
  info.port = context.connection.port();
  query::ProcessList::Registration process = context.processes.add(std::move(info));
  options.cancelled = process->cancelFlag();
  options.progress = &process->progress();
  // Runs at once when the client has gone already. The weak pointer makes a
  // close after the query ended a no-op.
  std::weak_ptr<query::QueryProcess> weak = process.process();
  context.connection.onClose([weak, queryId = process->info().queryId] {
    if (auto running = weak.lock()) {
      logger("server.http")->info("client closed the connection, cancelling query_id={}", queryId);
      running->cancel();
    }
  });
  return process;
}

HttpApi::HttpApi(query::QueryEngine& engine, HttpApiOptions options, query::ProcessList& processes)
    : engine_(engine), options_(std::move(options)), processes_(processes) {}

HttpResponse HttpApi::handle(HttpRequest& request, ClientConnection& connection) {
  HandlerContext context{engine_, options_, processes_, connection};
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (isDruidCancel(request)) {
    if (auto rejected = rejectUnauthenticatedJson(options_.credentials, request)) return std::move(*rejected);
    return cancelDruidQuery(request);
  }
  if (path == "/druid/v2/sql" || path == "/druid/v2/sql/") {
    if (auto rejected = rejectUnauthenticatedJson(options_.credentials, request)) return std::move(*rejected);
    return handleDruidSql(context, request);
  }
  return handleClickHouse(context, request);
}

bool HttpApi::isDruidCancel(const HttpRequest& request) {
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  return request.method() == http::verb::delete_ && path.starts_with(kDruidSqlPrefix) &&
         path.size() > kDruidSqlPrefix.size();
}

HttpResponse HttpApi::cancelDruidQuery(const HttpRequest& request) {
  std::string_view target(request.target().data(), request.target().size());
  std::string queryId = percentDecode(target.substr(kDruidSqlPrefix.size(), target.find('?') - kDruidSqlPrefix.size()));
  auto cancelled = processes_.cancel(queryId);
  auto log = logger("server.druid");
  if (cancelled.empty()) {
    log->info("cancel request for a query that is not running sql_query_id={}", queryId);
    HttpResponse response(http::status::not_found, request.version());
    response.set(http::field::content_type, "application/json");
    std::string body = "{\"error\":\"notFound\",\"errorMessage\":";
    format::appendJsonString(body, "no running query has sqlQueryId '" + queryId +
                                       "'; it may have finished already, see system.processes");
    body += "}";
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
  }
  log->info("query cancelled by DELETE sql_query_id={} queries={}", queryId, cancelled.size());
  HttpResponse response(http::status::accepted, request.version());
  response.prepare_payload();
  return response;
}

bool HttpApi::isLightweight(const HttpRequest& request) {
  if (isDruidCancel(request)) return true;
  std::string_view target(request.target().data(), request.target().size());
  RequestTarget parsed = parseTarget(target);
  if (parsed.path == "/ping" || parsed.path == "/replicas_status") return true;
  // `GET /` without a query is ClickHouse's health check too.
  return parsed.path == "/" && request.method() == http::verb::get && request.body().empty() &&
         parsed.params.find("query") == parsed.params.end();
}

bool HttpApi::isControlQuery(const HttpRequest& request) {
  std::string_view target(request.target().data(), request.target().size());
  RequestTarget parsed = parseTarget(target);
  if (parsed.path != "/") return false;
  std::string_view sql;
  if (auto it = parsed.params.find("query"); it != parsed.params.end()) {
    sql = it->second;
  } else if (request[http::field::content_encoding].empty()) {
    sql = request.body();
  }
  std::string lower(sql.substr(0, 4096));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t start = lower.find_first_not_of(" \t\r\n");
  bool kill = start != std::string::npos && lower.compare(start, 4, "kill") == 0 && start + 4 < lower.size() &&
              std::isspace(static_cast<unsigned char>(lower[start + 4])) != 0;
  return kill || lower.find("system.processes") != std::string::npos;
}

HttpResponse HttpApi::overloadedResponse(const HttpRequest& request) const {
  std::string_view target(request.target().data(), request.target().size());
  std::string message = fmt::format(
      "Too many simultaneous queries: all {} query threads are busy and {} queries wait already; retry later, "
      "or raise max-threads or max-queued-queries",
      options_.queryThreads, options_.maxQueuedQueries);
  HttpResponse response(http::status::service_unavailable, request.version());
  response.set(http::field::content_type, "text/plain; charset=UTF-8");
  response.set(http::field::retry_after, "1");
  response.set("X-ClickHouse-Exception-Code", std::to_string(kTooManySimultaneousQueries));
  response.set("X-ClickHouse-Server-Display-Name", options_.displayName);
  response.body() = fmt::format("Code: {}. DB::Exception: {}. (TOO_MANY_SIMULTANEOUS_QUERIES) (version {})\n",
                                kTooManySimultaneousQueries, message, FURL_VERSION);
  response.prepare_payload();
  logger("server.http")->warn("rejected {} {}: every query thread is busy and the queue is full",
                              std::string(request.method_string()), std::string(target.substr(0, 200)));
  return response;
}

}  // namespace furl::server
