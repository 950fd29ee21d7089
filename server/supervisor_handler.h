#pragma once

// Druid's supervisor API for Kafka ingestion, on top of SupervisorManager:
//   POST /druid/indexer/v1/supervisor                   submit a spec
//   GET  /druid/indexer/v1/supervisor                   list supervisor ids
//   GET  /druid/indexer/v1/supervisor/{id}/status       state, offsets, lag, recent errors
//   GET  /druid/indexer/v1/supervisor/{id}/stats        row counters
//   POST /druid/indexer/v1/supervisor/{id}/suspend      also resume, reset, terminate
// Errors are JSON objects {"error": "..."} with status 400 (invalid spec),
// 404 (unknown id or path), 405 (wrong method) or 500.

#include <string_view>

#include "ingest/supervisor_manager.h"
#include "server/http_server.h"

namespace furl::server {

/// True for paths this handler serves (under /druid/indexer/).
bool isSupervisorPath(std::string_view path);

/// Serves one request of the supervisor API. Thread-safe.
HttpResponse handleSupervisorRequest(ingest::SupervisorManager& manager, HttpRequest& request);

}  // namespace furl::server
