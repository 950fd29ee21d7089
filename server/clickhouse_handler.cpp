// The ClickHouse HTTP dialect, as clickhouse-client, curl scripts and
// @clickhouse/client use it:
//   - the query comes in `?query=` or in the POST body; with both, the URL
//     query comes first and the body contains the INSERT data;
//   - `query_id`, `database` and `default_format` are read from the URL,
//     every other URL parameter becomes a query setting; the
//     X-ClickHouse-Database header sets the database too, and the
//     X-ClickHouse-Query-Id header the query id;
//   - every query is listed in system.processes while it runs, is cancelled
//     when the client closes the connection, and `KILL QUERY` cancels
//     others;
//   - the output format is the statement's FORMAT clause, else
//     `default_format`, else TabSeparated;
//   - errors are `Code: N. DB::Exception: ...` bodies with
//     X-ClickHouse-Exception-Code, and 400/404/500 statuses.

#include <chrono>
#include <map>
#include <string>

#include "boost/beast/http/field.hpp"
#include "common/error.h"
#include "common/logging.h"
#include "fmt/format.h"
#include "format/format_id.h"
#include "format/result_writer.h"
#include "server/handler_context.h"
#include "server/http_auth.h"
#include "server/query_parameters.h"
#include "server/request_util.h"

namespace furl::server {
namespace {

namespace http = boost::beast::http;

/// URL parameters that steer the request, as ClickHouse's HTTP interface
/// reads them; the rest are query settings. `compress`, `decompress`,
/// `buffer_size`, `role`, `quota_key` and `stacktrace` are accepted and
/// have no effect.
bool isReservedParam(const std::string& key) {
  return key == "query" || key == "query_id" || key == "database" || key == "default_format" || key == "user" ||
         key == "password" || key == "session_id" || key == "session_timeout" || key == "session_check" ||
         key == "compress" || key == "decompress" || key == "buffer_size" || key == "role" || key == "quota_key" ||
         key == "stacktrace" || key.rfind("param_", 0) == 0;
}

std::string_view headerValue(const HttpRequest& request, http::field field) {
  auto value = request[field];
  return std::string_view(value.data(), value.size());
}

std::string_view headerValue(const HttpRequest& request, std::string_view name) {
  auto value = request[boost::beast::string_view(name.data(), name.size())];
  return std::string_view(value.data(), value.size());
}

HttpResponse textResponse(const HttpRequest& request, http::status status, std::string body) {
  HttpResponse response(status, request.version());
  response.set(http::field::content_type, "text/plain; charset=UTF-8");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

void setCommonHeaders(HttpResponse& response, const HandlerContext& context, const std::string& queryId) {
  response.set("X-ClickHouse-Query-Id", queryId);
  response.set("X-ClickHouse-Timezone", "UTC");
  response.set("X-ClickHouse-Server-Display-Name", context.options.displayName);
}

HttpResponse errorResponse(const HandlerContext& context, const HttpRequest& request, const std::string& queryId,
                           ErrorCode code, std::string_view message) {
  HttpResponse response(static_cast<http::status>(httpStatusFor(code)), request.version());
  setCommonHeaders(response, context, queryId);
  response.set(http::field::content_type, "text/plain; charset=UTF-8");
  response.set("X-ClickHouse-Exception-Code", std::to_string(static_cast<int>(code)));
  response.body() = clickhouseErrorBody(code, message);
  response.prepare_payload();

  auto log = logger("server.http");
  if (isUserError(code)) {
    log->info("query failed query_id={} code={} error={}", queryId, static_cast<int>(code), message);
  } else {
    log->error("query failed query_id={} code={} error={}", queryId, static_cast<int>(code), message);
  }
  return response;
}

std::string summaryHeader(const query::QueryStats& stats, size_t resultBytes, uint64_t elapsedNs) {
  return fmt::format(
      "{{\"read_rows\":\"{}\",\"read_bytes\":\"{}\",\"written_rows\":\"{}\",\"written_bytes\":\"{}\","
      "\"total_rows_to_read\":\"{}\",\"result_rows\":\"{}\",\"result_bytes\":\"{}\",\"elapsed_ns\":\"{}\","
      "\"cold_fetch_bytes\":\"{}\",\"cold_fetch_requests\":\"{}\",\"cold_cache_hits\":\"{}\"}}",
      stats.readRows, stats.readBytes, stats.writtenRows, stats.writtenBytes, stats.readRows, stats.resultRows,
      resultBytes, elapsedNs, stats.coldFetchBytes, stats.coldFetchRequests, stats.coldCacheHits);
}

bool acceptsGzip(const HttpRequest& request) {
  std::string_view accepted = headerValue(request, http::field::accept_encoding);
  return accepted.find("gzip") != std::string_view::npos;
}

}  // namespace

HttpResponse handleClickHouse(const HandlerContext& context, HttpRequest& request) {
  auto startTime = std::chrono::steady_clock::now();
  std::string_view target(request.target().data(), request.target().size());
  RequestTarget parsed = parseTarget(target);
  const auto& params = parsed.params;
  auto param = [&](const std::string& key) -> const std::string* {
    auto it = params.find(key);
    return it == params.end() ? nullptr : &it->second;
  };

  // Health checks and routes other than `/`.
  if (parsed.path == "/ping" || parsed.path == "/replicas_status") {
    return textResponse(request, http::status::ok, "Ok.\n");
  }
  if (parsed.path != "/") {
    return textResponse(request, http::status::not_found,
                        fmt::format("There is no handler for path '{}'; use /, /ping, /replicas_status or "
                                    "/druid/v2/sql\n",
                                    parsed.path));
  }
  const std::string* urlQuery = param("query");
  if (urlQuery == nullptr && request.body().empty() && request.method() != http::verb::post) {
    return textResponse(request, http::status::ok, "Ok.\n");
  }
  if (request.method() != http::verb::get && request.method() != http::verb::post) {
    return textResponse(request, http::status::method_not_allowed,
                        "only GET and POST are accepted; send the query with one of them\n");
  }

  const std::string* givenQueryId = param("query_id");
  std::string queryId;
  if (givenQueryId && !givenQueryId->empty()) {
    queryId = *givenQueryId;
  } else if (std::string_view header = headerValue(request, "X-ClickHouse-Query-Id"); !header.empty()) {
    queryId = std::string(header);
  } else {
    queryId = generateQueryId();
  }

  if (absl::Status auth = authenticateRequest(context.options.credentials, request, params); !auth.ok()) {
    return errorResponse(context, request, queryId, ErrorCode::kAuthenticationFailed,
                         std::string_view(auth.message().data(), auth.message().size()));
  }

  std::string_view contentType = headerValue(request, http::field::content_type);
  if (contentType.rfind("multipart/", 0) == 0) {
    return errorResponse(context, request, queryId, ErrorCode::kNotImplemented,
                         "multipart request bodies are not supported; send the query in the body or in ?query=");
  }

  // The body, decompressed, is the query or (with ?query=) the INSERT data.
  auto body = decodeBody(headerValue(request, http::field::content_encoding), request.body(),
                         context.options.maxBodyBytes);
  if (!body.ok()) {
    QueryError error = errorFromStatus(body.status());
    return errorResponse(context, request, queryId, error.code(), error.what());
  }
  request.body().clear();
  request.body().shrink_to_fit();

  std::string sqlStorage;
  std::string_view sql;
  std::string_view insertData;
  if (urlQuery != nullptr) {
    auto split = splitInsertData(*urlQuery);
    if (split && split->data.empty()) {
      sql = split->statement;
      insertData = *body;
    } else if (body->empty()) {
      sql = *urlQuery;
    } else {
      // As ClickHouse does, the body continues the URL query (INSERT ... VALUES).
      sqlStorage = *urlQuery + "\n" + *body;
      sql = sqlStorage;
    }
  } else {
    sql = *body;
  }
  if (!urlQuery || insertData.empty()) {
    if (auto split = splitInsertData(sql)) {
      sql = split->statement;
      insertData = split->data;
    }
  }
  std::string boundSql;
  if (sql.find('{') != std::string_view::npos) {
    auto bound = bindClickHouseParameters(sql, params);
    if (!bound.ok()) {
      QueryError error = errorFromStatus(bound.status());
      return errorResponse(context, request, queryId, error.code(), error.what());
    }
    boundSql = std::move(*bound);
    sql = boundSql;
  }
  if (sql.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return errorResponse(context, request, queryId, ErrorCode::kSyntaxError,
                         "empty query; send the SQL in the POST body or in the ?query= parameter");
  }

  query::QueryOptions options;
  options.queryId = queryId;
  options.insertData = insertData;
  if (request.method() == http::verb::get) {
    // As in ClickHouse: GET requests may be cached or retried by proxies,
    // so they only read.
    options.readOnly = true;
    options.readOnlyReason = "an HTTP GET request only reads; send statements that change data with POST";
  }
  for (const auto& [key, value] : params) {
    if (!isReservedParam(key)) options.settings[key] = value;
  }
  // As in ClickHouse, the X-ClickHouse-Database header wins over ?database=;
  // the engine rejects names other than `default` and the system schemas.
  std::string_view databaseHeader = headerValue(request, "X-ClickHouse-Database");
  if (!databaseHeader.empty()) {
    options.database = std::string(databaseHeader);
  } else if (const std::string* database = param("database"); database && !database->empty()) {
    options.database = *database;
  }

  query::ProcessInfo process;
  process.queryId = queryId;
  process.user = requestUser(request, params);
  process.query = std::string(sql);
  process.httpMethod = request.method() == http::verb::get ? 1 : 2;
  process.httpUserAgent = std::string(headerValue(request, http::field::user_agent));
  process.currentDatabase = options.database;
  query::ProcessList::Registration registration = registerQuery(context, std::move(process), options);

  logger("server.http")->debug("query started query_id={} bytes={}", queryId, sql.size() + insertData.size());
  query::QueryResult result;
  try {
    if (auto kill = query::parseKillQuery(sql)) {
      result = query::executeKillQuery(context.engine, context.processes, *kill, options);
    } else {
      result = context.engine.execute(sql, options);
    }
  } catch (const QueryError& error) {
    return errorResponse(context, request, queryId, error.code(), error.what());
  } catch (const std::exception& error) {
    return errorResponse(context, request, queryId, ErrorCode::kLogicalError, error.what());
  }

  // Statements without a result set get an empty body.
  HttpResponse response(http::status::ok, request.version());
  setCommonHeaders(response, context, queryId);
  if (!result.columnNames.empty()) {
    std::string_view formatText = result.format;
    const std::string* defaultFormat = param("default_format");
    if (formatText.empty() && defaultFormat && !defaultFormat->empty()) formatText = *defaultFormat;
    if (formatText.empty()) formatText = "TabSeparated";
    auto format = format::requireFormat(formatText);
    if (!format.ok()) {
      QueryError error = errorFromStatus(format.status());
      return errorResponse(context, request, queryId, error.code(), error.what());
    }

    uint64_t elapsedNs = result.stats.elapsedNs;
    format::WriteOptions writeOptions;
    writeOptions.elapsedSeconds = static_cast<double>(elapsedNs) / 1e9;
    writeOptions.rowsRead = result.stats.readRows;
    writeOptions.bytesRead = result.stats.readBytes;
    auto quoteSetting = options.settings.find("output_format_json_quote_64bit_integers");
    if (quoteSetting != options.settings.end()) {
      writeOptions.quote64BitIntegers = quoteSetting->second != "0" && quoteSetting->second != "false";
    }
    format::writeResult(*format, format::ResultTable{result.columnNames, result.columnTypes, result.batches},
                        writeOptions, response.body());
    response.set(http::field::content_type, std::string(format::contentType(*format)));
    response.set("X-ClickHouse-Format", std::string(format::formatName(*format)));
  } else {
    response.set(http::field::content_type, "text/plain; charset=UTF-8");
  }

  uint64_t elapsedNs = result.stats.elapsedNs;
  if (elapsedNs == 0) {
    elapsedNs = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - startTime).count());
  }
  response.set("X-ClickHouse-Summary", summaryHeader(result.stats, response.body().size(), elapsedNs));
  if (!result.warnings.empty()) {
    // Notes such as ignored settings: one header, so clients that show
    // unknown headers see them, and one log line per statement.
    std::string joined;
    for (const auto& warning : result.warnings) {
      if (!joined.empty()) joined += "; ";
      joined += warning;
    }
    for (char& c : joined) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    response.set("X-Furl-Warnings", joined);
    logger("server.http")->warn("query_id={} warnings=\"{}\"", queryId, joined);
  }

  auto compression = options.settings.find("enable_http_compression");
  if (compression != options.settings.end() && compression->second == "1" && acceptsGzip(request) &&
      !response.body().empty()) {
    response.body() = gzipCompress(response.body());
    response.set(http::field::content_encoding, "gzip");
  }
  response.prepare_payload();
  return response;
}

}  // namespace furl::server
