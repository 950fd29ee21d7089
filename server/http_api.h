#pragma once

// The HTTP endpoints of furld, on top of QueryEngine:
//   GET  /, /ping, /replicas_status          health checks: `Ok.` and a line end
//   GET|POST /?query=...                     ClickHouse HTTP dialect
//   POST /druid/v2/sql                       Druid SQL API
//   DELETE /druid/v2/sql/{sqlQueryId}        cancels a Druid SQL query
// See clickhouse_handler.h and druid_handler.h for each dialect.

#include <string>

#include "query/process_list.h"
#include "query/query_engine.h"
#include "server/http_auth.h"
#include "server/http_server.h"

namespace furl::server {

struct HttpApiOptions {
  /// X-ClickHouse-Server-Display-Name.
  std::string displayName = "furl";
  /// Largest request body after decompression, in bytes.
  uint64_t maxBodyBytes = uint64_t{1} << 30;
  /// The account requests must authenticate as; the default checks nothing.
  Credentials credentials;
  /// The HTTP server's query threads and queue bound, for the message of
  /// the TOO_MANY_SIMULTANEOUS_QUERIES response.
  uint32_t queryThreads = 0;
  uint32_t maxQueuedQueries = 0;
};

/// Routes requests to the ClickHouse and Druid handlers. Thread-safe; the
/// engine and the process list must outlive it.
class HttpApi {
 public:
  /// Every query runs registered in `processes`, whose cancelAll() ends
  /// running queries, as furld does on shutdown.
  HttpApi(query::QueryEngine& engine, HttpApiOptions options, query::ProcessList& processes);

  HttpResponse handle(HttpRequest& request, ClientConnection& connection);

  /// True for Druid's `DELETE /druid/v2/sql/{sqlQueryId}`, which cancels the
  /// running queries with that id.
  static bool isDruidCancel(const HttpRequest& request);

  /// True for requests that need no worker thread: health checks and other
  /// requests served without running a query.
  static bool isLightweight(const HttpRequest& request);

  /// True for statements that control other queries and finish quickly:
  /// KILL QUERY and reads of system.processes, found by their text (an
  /// encoded body is not looked at). furld runs them apart from the query
  /// threads, so they work while long queries take every query thread.
  static bool isControlQuery(const HttpRequest& request);

  /// The 503 response, with ClickHouse's TOO_MANY_SIMULTANEOUS_QUERIES code,
  /// for a request rejected because every query thread is busy and the
  /// queue is full.
  HttpResponse overloadedResponse(const HttpRequest& request) const;

  const Credentials& credentials() const { return options_.credentials; }

 private:
  /// Returns 202 when a query with the id ran and is now cancelled, else 404
  /// with a JSON error, as Druid does.
  HttpResponse cancelDruidQuery(const HttpRequest& request);

  query::QueryEngine& engine_;
  HttpApiOptions options_;
  query::ProcessList& processes_;
};

}  // namespace furl::server
