#pragma once

// Named spdlog loggers, one per component (`server.http`, `storage.catalog`).
// Lines carry key=value ids: `table=`, `segment=`, `query_id=`.

#include <memory>
#include <string>

#include "spdlog/spdlog.h"

namespace furl {

/// Returns the logger named `component`, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

/// Sets the level of every logger ("trace", "debug", "info", "warn", "error").
void setLogLevel(const std::string& level);

}  // namespace furl
