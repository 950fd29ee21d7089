#pragma once

// The system tables that show Kafka supervisors to SQL users:
// system.supervisors (ClickHouse style) and Druid's sys.supervisors.

#include "ingest/supervisor_manager.h"
#include "query/system_tables.h"

namespace furl::server {

/// Registers system.supervisors and sys.supervisors over `supervisors`,
/// which must outlive `tables`.
void registerSupervisorSystemTables(query::SystemTables& tables, const ingest::SupervisorManager& supervisors);

}  // namespace furl::server
