// system.processes: the running statements, with the column names and
// types of ClickHouse's table for the columns this server can fill.
// Memory columns (memory_usage, peak_memory_usage) are left out because
// queries are not memory-tracked, and so are thread_ids, ProfileEvents and
// Settings.

#include "query/process_list.h"

namespace furl::query {

void registerProcessesTable(SystemTables& tables, const ProcessList& processes) {
  const DataType kString(TypeId::kString);
  const DataType kUInt8(TypeId::kUInt8);
  const DataType kUInt16(TypeId::kUInt16);
  const DataType kUInt64(TypeId::kUInt64);
  const DataType kFloat64(TypeId::kFloat64);

  SystemTable table;
  table.schema = "system";
  table.name = "processes";
  table.columns = {{"is_initial_query", kUInt8},
                   {"user", kString},
                   {"query_id", kString},
                   {"address", kString},
                   {"port", kUInt16},
                   {"initial_user", kString},
                   {"initial_query_id", kString},
                   {"initial_address", kString},
                   {"initial_port", kUInt16},
                   {"interface", kUInt8},
                   {"client_name", kString},
                   {"http_method", kUInt8},
                   {"http_user_agent", kString},
                   {"elapsed", kFloat64},
                   {"is_cancelled", kUInt8},
                   {"is_all_data_sent", kUInt8},
                   {"read_rows", kUInt64},
                   {"read_bytes", kUInt64},
                   {"total_rows_approx", kUInt64},
                   {"query", kString},
                   {"query_kind", kString},
                   {"current_database", kString}};
  table.produce = [&processes](SystemRows& rows) {
    for (const auto& process : processes.list()) {
      const ProcessInfo& info = process->info();
      const QueryProgress& progress = process->progress();
      rows.addRow({Value::uint64(1, TypeId::kUInt8),
                   Value::string(info.user),
                   Value::string(info.queryId),
                   Value::string(info.address),
                   Value::uint64(info.port, TypeId::kUInt16),
                   Value::string(info.user),
                   Value::string(info.queryId),
                   Value::string(info.address),
                   Value::uint64(info.port, TypeId::kUInt16),
                   Value::uint64(info.interface, TypeId::kUInt8),
                   Value::string(info.clientName),
                   Value::uint64(info.httpMethod, TypeId::kUInt8),
                   Value::string(info.httpUserAgent),
                   Value::float64(process->elapsedSeconds()),
                   Value::uint64(process->isCancelled() ? 1 : 0, TypeId::kUInt8),
                   Value::uint64(0, TypeId::kUInt8),
                   Value::uint64(progress.readRows.load()),
                   Value::uint64(progress.readBytes.load()),
                   Value::uint64(progress.totalRowsToRead.load()),
                   Value::string(info.query),
                   Value::string(queryKind(info.query)),
                   Value::string(info.currentDatabase)});
    }
  };
  tables.add(std::move(table));
}

}  // namespace furl::query
