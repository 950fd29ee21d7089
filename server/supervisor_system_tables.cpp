#include "server/supervisor_system_tables.h"

#include <algorithm>

#include "common/error.h"

namespace furl::server {
namespace {

const DataType kString(TypeId::kString);
const DataType kUInt64(TypeId::kUInt64);
const DataType kInt64(TypeId::kInt64);
const DataType kUInt8(TypeId::kUInt8);

// Reports of every supervisor, by id. A supervisor terminated between the
// listing and its report is left out.
std::vector<ingest::SupervisorReport> reportAll(const ingest::SupervisorManager& supervisors) {
  std::vector<ingest::SupervisorReport> reports;
  for (const auto& id : supervisors.ids()) {
    auto report = supervisors.report(id);
    if (report.ok()) reports.push_back(std::move(*report));
  }
  return reports;
}

// A JSON object from partition number to the value `select` returns, leaving
// out partitions where it is negative (not known yet).
template <typename Select>
std::string perPartition(const ingest::SupervisorStatus& status, Select select) {
  std::map<std::string, int64_t> values;
  for (const auto& partition : status.partitions) {
    int64_t value = select(partition);
    if (value >= 0) values[std::to_string(partition.partition)] = value;
  }
  return query::jsonObjectOfInts(values);
}

int64_t lagOf(const ingest::PartitionStatus& partition) {
  if (partition.highWatermark < 0 || partition.currentOffset < 0) return -1;
  return std::max<int64_t>(0, partition.highWatermark - partition.currentOffset);
}

void addSupervisorsTable(query::SystemTables& tables, const ingest::SupervisorManager& supervisors) {
  query::SystemTable table;
  table.schema = "system";
  table.name = "supervisors";
  table.columns = {{"id", kString},
                   {"state", kString},
                   {"datasource", kString},
                   {"topic", kString},
                   {"suspended", kUInt8},
                   {"partitions", kUInt64},
                   {"current_offsets", kString},
                   {"committed_offsets", kString},
                   {"latest_offsets", kString},
                   {"lag", kString},
                   {"aggregate_lag", kInt64},
                   {"processed", kUInt64},
                   {"processed_with_error", kUInt64},
                   {"thrown_away", kUInt64},
                   {"unparseable", kUInt64},
                   {"rows_committed", kUInt64},
                   {"commits", kUInt64},
                   {"offsets_epoch", kUInt64},
                   {"last_error", kString},
                   {"offsets_out_of_range", kString},
                   {"offset_resets", kUInt64},
                   {"offsets_skipped", kUInt64},
                   {"offset_resets_skip_unknown", kUInt64}};
  table.produce = [&supervisors](query::SystemRows& rows) {
    for (const auto& report : reportAll(supervisors)) {
      const ingest::SupervisorStatus& status = report.status;
      const ingest::SupervisorStats& stats = status.stats;
      int64_t aggregateLag = 0;
      for (const auto& partition : status.partitions) aggregateLag += std::max<int64_t>(0, lagOf(partition));
      rows.addRow({Value::string(status.id),
                   Value::string(report.state),
                   Value::string(status.id),
                   Value::string(status.topic),
                   Value::uint64(report.state == "SUSPENDED" ? 1 : 0, TypeId::kUInt8),
                   Value::uint64(status.partitions.size()),
                   Value::string(perPartition(status, [](const auto& p) { return p.currentOffset; })),
                   Value::string(perPartition(status, [](const auto& p) { return p.committedOffset; })),
                   Value::string(perPartition(status, [](const auto& p) { return p.highWatermark; })),
                   Value::string(perPartition(status, lagOf)),
                   Value::int64(aggregateLag),
                   Value::uint64(stats.processed),
                   Value::uint64(stats.processedWithError),
                   Value::uint64(stats.thrownAway),
                   Value::uint64(stats.unparseable),
                   Value::uint64(stats.rowsCommitted),
                   Value::uint64(stats.commits),
                   Value::uint64(report.offsetsEpoch),
                   Value::string(report.error()),
                   Value::string(perPartition(status, [](const auto& p) { return p.outOfRangeOffset; })),
                   Value::uint64(stats.offsetResets),
                   Value::uint64(stats.offsetsSkipped),
                   Value::uint64(stats.offsetResetsSkipUnknown)});
    }
  };
  tables.add(std::move(table));
}

// Druid's sys.supervisors.
void addDruidSupervisorsTable(query::SystemTables& tables, const ingest::SupervisorManager& supervisors) {
  query::SystemTable table;
  table.schema = "sys";
  table.name = "supervisors";
  table.columns = {{"supervisor_id", kString}, {"state", kString},  {"detailed_state", kString},
                   {"healthy", kInt64},        {"type", kString},   {"source", kString},
                   {"suspended", kInt64},      {"spec", kString}};
  table.produce = [&supervisors](query::SystemRows& rows) {
    for (const auto& report : reportAll(supervisors)) {
      rows.addRow({Value::string(report.status.id), Value::string(report.state), Value::string(report.state),
                   Value::int64(report.state == "UNHEALTHY_SUPERVISOR" ? 0 : 1), Value::string("kafka"),
                   Value::string(report.status.topic), Value::int64(report.state == "SUSPENDED" ? 1 : 0),
                   Value::string(report.specJson)});
    }
  };
  tables.add(std::move(table));
}

void addIngestErrorsTable(query::SystemTables& tables, const ingest::SupervisorManager& supervisors) {
  query::SystemTable table;
  table.schema = "system";
  table.name = "ingest_errors";
  table.columns = {{"supervisor", kString}, {"topic", kString},     {"partition", kInt64},
                   {"kafka_offset", kInt64},      {"reason", kString},    {"error", kString},
                   {"raw", kString},        {"raw_bytes", kUInt64}, {"time", DataType(TypeId::kDateTime64)}};
  table.produce = [&supervisors](query::SystemRows& rows) {
    for (const auto& id : supervisors.ids()) {
      auto errors = supervisors.ingestErrors(id);
      if (absl::IsNotFound(errors.status())) continue;  // terminated meanwhile
      if (!errors.ok()) {
        throw QueryError(ErrorCode::kCannotReadFile,
                         "cannot read the ingest errors of supervisor '" + id + "': " +
                             std::string(errors.status().message()));
      }
      for (const ingest::IngestError& error : *errors) {
        rows.addRow({Value::string(id), Value::string(error.topic), Value::int64(error.partition),
                     Value::int64(error.offset), Value::string(error.reason), Value::string(error.error),
                     Value::string(error.raw), Value::uint64(error.rawBytes), Value::timestampMs(error.wallTimeMs)});
      }
    }
  };
  tables.add(std::move(table));
}

}  // namespace

void registerSupervisorSystemTables(query::SystemTables& tables, const ingest::SupervisorManager& supervisors) {
  addSupervisorsTable(tables, supervisors);
  addIngestErrorsTable(tables, supervisors);
  addDruidSupervisorsTable(tables, supervisors);
}

}  // namespace furl::server
