#pragma once

// The HTTP endpoints of furld, on top of QueryEngine:
//   GET  /, /ping, /replicas_status          health checks: `Ok.` and a line end
//   GET|POST /?query=...                     ClickHouse HTTP dialect
//   POST /druid/v2/sql                       Druid SQL API
// See clickhouse_handler.h and druid_handler.h for each dialect.

#include <atomic>
#include <string>

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
};

/// Routes requests to the ClickHouse and Druid handlers. Thread-safe; the
/// engine and the cancel flag must outlive it.
class HttpApi {
 public:
  /// `cancelled` is passed to every query (QueryOptions::cancelled); set it
  /// to end running queries, as furld does on shutdown.
  HttpApi(query::QueryEngine& engine, HttpApiOptions options, const std::atomic<bool>* cancelled);

  HttpResponse handle(HttpRequest& request);

  const Credentials& credentials() const { return options_.credentials; }

 private:
  query::QueryEngine& engine_;
  HttpApiOptions options_;
  const std::atomic<bool>* cancelled_;
};

}  // namespace furl::server
