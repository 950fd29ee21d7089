// The Druid SQL API: POST /druid/v2/sql with a JSON body
//   {"query": "...", "resultFormat": "object", "header": false,
//    "context": {"sqlQueryId": "...", ...}}
// Context entries become query settings. Errors follow Druid's error
// response: {"error", "errorCode", "persona", "category", "errorMessage",
// "context"} plus the legacy "errorClass" and "host" fields that older
// Druid clients read.

#include <string>

#include "boost/beast/http/field.hpp"
#include "absl/strings/numbers.h"
#include "common/error.h"
#include "common/logging.h"
#include "fmt/format.h"
#include "format/druid_writer.h"
#include "format/value_text.h"
#include "server/handler_context.h"
#include "server/http_auth.h"
#include "server/query_parameters.h"
#include "server/request_util.h"
#include "simdjson.h"
#include "sql/ast.h"
#include "sql/parser.h"

namespace furl::server {
namespace {

namespace http = boost::beast::http;

HttpResponse druidError(const HttpRequest& request, const std::string& queryId, ErrorCode code,
                        std::string_view message) {
  bool userError = isUserError(code);
  std::string body = "{\"error\":\"druidException\",\"errorCode\":";
  format::appendJsonString(body, userError ? "invalidInput" : "runtimeFailure");
  body += ",\"persona\":";
  format::appendJsonString(body, userError ? "USER" : "OPERATOR");
  body += ",\"category\":";
  format::appendJsonString(body, userError ? "INVALID_INPUT" : "RUNTIME_FAILURE");
  body += ",\"errorMessage\":";
  format::appendJsonString(body, message);
  body += ",\"context\":{\"code\":";
  format::appendJsonString(body, std::to_string(static_cast<int>(code)));
  body += ",\"errorName\":";
  format::appendJsonString(body, errorCodeName(code));
  body += "},\"errorClass\":\"org.apache.druid.error.DruidException\",\"host\":null}";

  HttpResponse response(userError ? http::status::bad_request : http::status::internal_server_error,
                        request.version());
  response.set(http::field::content_type, "application/json");
  if (!queryId.empty()) response.set("X-Druid-SQL-Query-Id", queryId);
  response.body() = std::move(body);
  response.prepare_payload();

  auto log = logger("server.druid");
  if (userError) {
    log->info("query failed query_id={} code={} error={}", queryId, static_cast<int>(code), message);
  } else {
    log->error("query failed query_id={} code={} error={}", queryId, static_cast<int>(code), message);
  }
  return response;
}

/// Converts a context value to setting text: strings as they are, other
/// scalars in their JSON spelling.
std::string settingText(simdjson::dom::element value) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return simdjson::minify(value);
}

/// Renames the result columns of select items that are neither aliased nor
/// a column as Druid (through Apache Calcite) names them: EXPR$ and the
/// item's 0-based position, so `SELECT channel, COUNT(*)` gives channel and
/// EXPR$1. A select list with `*` keeps the engine's names, because its
/// items do not match the columns one to one.
void useDruidColumnNames(std::string_view sql, std::vector<std::string>& names) {
  sql::StatementPtr statement;
  try {
    statement = sql::parseStatement(sql);
  } catch (const QueryError&) {
    return;  // the engine parsed the same text; should this fail, its names stay
  }
  if (statement->kind != sql::StatementKind::kSelect) return;
  const sql::SelectQuery& query = *statement->as<sql::SelectStatement>().query;
  if (query.items.size() != names.size()) return;
  for (const sql::SelectItem& item : query.items) {
    if (item.expr->kind == sql::ExprKind::kStar) return;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const sql::SelectItem& item = query.items[i];
    if (item.alias.empty() && item.expr->kind != sql::ExprKind::kColumnRef) names[i] = "EXPR$" + std::to_string(i);
  }
}

}  // namespace

HttpResponse handleDruidSql(const HandlerContext& context, HttpRequest& request) {
  if (request.method() != http::verb::post) {
    return druidError(request, "", ErrorCode::kBadArguments,
                      "the Druid SQL API accepts POST only; send the query as a JSON body");
  }

  auto body = decodeBody(std::string_view(request[http::field::content_encoding].data(),
                                          request[http::field::content_encoding].size()),
                         request.body(), context.options.maxBodyBytes);
  if (!body.ok()) {
    QueryError error = errorFromStatus(body.status());
    return druidError(request, "", error.code(), error.what());
  }

  // A text/plain body is the SQL itself, with the default options.
  std::string_view contentType(request[http::field::content_type].data(), request[http::field::content_type].size());
  std::string plainSql;
  if (contentType.rfind("text/plain", 0) == 0) {
    plainSql = std::string("{\"query\":");
    format::appendJsonString(plainSql, *body);
    plainSql.push_back('}');
    *body = std::move(plainSql);
  }

  // Parse the request object.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(*body).get(root) != simdjson::SUCCESS || root.get_object().get(object) != simdjson::SUCCESS) {
    return druidError(request, "", ErrorCode::kBadArguments,
                      "invalid request body: expected a JSON object such as {\"query\": \"SELECT 1\"}");
  }
  std::string_view sql;
  if (object["query"].get_string().get(sql) != simdjson::SUCCESS) {
    return druidError(request, "", ErrorCode::kBadArguments,
                      "missing string field 'query' in the request body; send {\"query\": \"SELECT ...\"}");
  }
  std::string_view resultFormatName = "object";
  if (auto field = object["resultFormat"]; field.error() == simdjson::SUCCESS) {
    if (field.get_string().get(resultFormatName) != simdjson::SUCCESS) resultFormatName = "";
  }
  auto resultFormat = format::findDruidResultFormat(resultFormatName);
  if (!resultFormat) {
    return druidError(request, "", ErrorCode::kBadArguments,
                      fmt::format("invalid resultFormat '{}'; expected object, array, objectLines, arrayLines or csv",
                                  resultFormatName));
  }
  bool header = false;
  if (auto field = object["header"]; field.error() == simdjson::SUCCESS) {
    if (field.get_bool().get(header) != simdjson::SUCCESS) {
      return druidError(request, "", ErrorCode::kBadArguments, "invalid 'header': expected true or false");
    }
  }
  std::string boundSql;
  simdjson::dom::array parameters;
  if (object["parameters"].get_array().get(parameters) == simdjson::SUCCESS && parameters.size() > 0) {
    std::vector<DruidParameter> values;
    for (simdjson::dom::element entry : parameters) {
      DruidParameter param;
      simdjson::dom::element value;
      if (entry["value"].get(value) != simdjson::SUCCESS) {
        return druidError(request, "", ErrorCode::kBadArguments,
                          "invalid 'parameters': each entry needs a 'type' and a 'value'");
      }
      std::string_view type;
      if (entry["type"].get_string().get(type) == simdjson::SUCCESS) param.type = type;
      std::string_view text;
      param.isNull = value.is_null();
      param.isString = value.get_string().get(text) == simdjson::SUCCESS;
      param.value = param.isString ? std::string(text) : simdjson::minify(value);
      values.push_back(std::move(param));
    }
    auto bound = bindDruidParameters(sql, values);
    if (!bound.ok()) {
      QueryError error = errorFromStatus(bound.status());
      return druidError(request, "", error.code(), error.what());
    }
    boundSql = std::move(*bound);
    sql = boundSql;
  }

  query::QueryOptions options;
  // Druid's query context is not a set of ClickHouse settings: its
  // `timeout` (milliseconds) becomes max_execution_time, `sqlQueryId` the
  // query id, and other keys are ignored, as Druid ignores keys it does
  // not know.
  std::string givenId;
  simdjson::dom::object queryContext;
  if (object["context"].get_object().get(queryContext) == simdjson::SUCCESS) {
    for (auto entry : queryContext) {
      if (entry.key == "sqlQueryId") givenId = settingText(entry.value);
      if (entry.key == "timeout") {
        double timeoutMs = 0;
        std::string text = settingText(entry.value);
        if (!absl::SimpleAtod(text, &timeoutMs) || timeoutMs < 0) {
          return druidError(request, "", ErrorCode::kBadArguments,
                            "invalid context timeout '" + text + "'; use a number of milliseconds");
        }
        if (timeoutMs > 0) options.settings["max_execution_time"] = std::to_string(timeoutMs / 1000);
      }
    }
  }
  options.queryId = givenId.empty() ? generateQueryId() : givenId;

  // Run the query, listed in system.processes, and write the result.
  query::ProcessInfo process;
  process.queryId = options.queryId;
  std::string_view target(request.target().data(), request.target().size());
  process.user = requestUser(request, parseTarget(target).params);
  process.query = std::string(sql);
  process.httpMethod = 2;
  process.httpUserAgent = std::string(request[http::field::user_agent]);
  query::ProcessList::Registration registration = registerQuery(context, std::move(process), options);
  logger("server.druid")->debug("query started query_id={} bytes={}", options.queryId, sql.size());
  query::QueryResult result;
  try {
    result = context.engine.execute(sql, options);
  } catch (const QueryError& error) {
    return druidError(request, options.queryId, error.code(), error.what());
  } catch (const std::exception& error) {
    return druidError(request, options.queryId, ErrorCode::kLogicalError, error.what());
  }

  HttpResponse response(http::status::ok, request.version());
  response.set(http::field::content_type, std::string(format::druidContentType(*resultFormat)));
  response.set("X-Druid-SQL-Query-Id", options.queryId);
  if (header) response.set("X-Druid-SQL-Header-Included", "yes");
  useDruidColumnNames(sql, result.columnNames);
  format::writeDruidResult(*resultFormat, header,
                           format::ResultTable{result.columnNames, result.columnTypes, result.batches},
                           response.body());
  response.prepare_payload();
  return response;
}

}  // namespace furl::server
