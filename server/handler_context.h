#pragma once

// What the dialect handlers share: the engine, the options and the cancel
// flag. Private to furl_server.

#include <atomic>

#include "query/query_engine.h"
#include "server/http_api.h"
#include "server/http_server.h"

namespace furl::server {

struct HandlerContext {
  query::QueryEngine& engine;
  const HttpApiOptions& options;
  const std::atomic<bool>* cancelled;
};

/// Serves the ClickHouse HTTP dialect for any path but /druid/.
HttpResponse handleClickHouse(const HandlerContext& context, HttpRequest& request);

/// Serves POST /druid/v2/sql.
HttpResponse handleDruidSql(const HandlerContext& context, HttpRequest& request);

}  // namespace furl::server
