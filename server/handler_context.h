#pragma once

// What the dialect handlers share: the engine, the options, the list of
// running queries and the client connection. Private to furl_server.

#include "query/process_list.h"
#include "query/query_engine.h"
#include "server/http_api.h"
#include "server/http_server.h"

namespace furl::server {

struct HandlerContext {
  query::QueryEngine& engine;
  const HttpApiOptions& options;
  query::ProcessList& processes;
  ClientConnection& connection;
};

/// Registers a query in `context.processes`, points its options at the
/// entry's cancel flag and progress counters, and cancels it when the
/// client closes the connection.
query::ProcessList::Registration registerQuery(const HandlerContext& context, query::ProcessInfo info,
                                               query::QueryOptions& options);

/// Serves the ClickHouse HTTP dialect for any path but /druid/.
HttpResponse handleClickHouse(const HandlerContext& context, HttpRequest& request);

/// Serves POST /druid/v2/sql.
HttpResponse handleDruidSql(const HandlerContext& context, HttpRequest& request);

}  // namespace furl::server
