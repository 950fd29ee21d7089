#include "query/system_tables.h"

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "common/error.h"
#include "common/time_util.h"
#include "query/aggregate.h"
#include "query/function.h"
#include "storage/database.h"

namespace furl::query {
namespace {

std::string lower(std::string_view s) { return absl::AsciiStrToLower(absl::string_view(s.data(), s.size())); }

const DataType kString(TypeId::kString);
const DataType kNullableString(TypeId::kString, true);
const DataType kUInt64(TypeId::kUInt64);
const DataType kNullableUInt64(TypeId::kUInt64, true);
const DataType kInt64(TypeId::kInt64);
const DataType kUInt8(TypeId::kUInt8);
const DataType kNullableTime(TypeId::kDateTime64, true);

// The schema Druid reports for data tables in INFORMATION_SCHEMA and the
// catalog name it reports for every table.
constexpr char kDruidDataSchema[] = "druid";
constexpr char kDruidCatalog[] = "druid";

Value timeOrNull(int64_t ms) {
  if (ms == std::numeric_limits<int64_t>::min() || ms == std::numeric_limits<int64_t>::max()) return Value::null();
  return Value::timestampMs(ms);
}

// Druid prints interval bounds as ISO 8601 in UTC. An unbounded side is
// printed as the matching bound of Druid's Intervals.ETERNITY.
std::string isoTime(int64_t ms) {
  if (ms == std::numeric_limits<int64_t>::min()) return "-146136543-09-08T08:23:32.096Z";
  if (ms == std::numeric_limits<int64_t>::max()) return "146140482-04-24T15:36:27.903Z";
  std::string text = formatTimestamp(ms, /*withMillis=*/true);
  text[10] = 'T';
  text += 'Z';
  return text;
}

// The Druid SQL type name and JDBC type code (java.sql.Types) of a column.
std::pair<std::string, int64_t> druidSqlType(TypeId id) {
  switch (id) {
    case TypeId::kString:
      return {"VARCHAR", 12};
    case TypeId::kFloat32:
      return {"FLOAT", 6};
    case TypeId::kFloat64:
      return {"DOUBLE", 8};
    case TypeId::kDate:
      return {"DATE", 91};
    case TypeId::kDateTime:
    case TypeId::kDateTime64:
      return {"TIMESTAMP", 93};
    case TypeId::kBool:
      return {"BOOLEAN", 16};
    case TypeId::kHllSketch:
      // Druid's name for its HLL sketch columns, with java.sql.Types.OTHER.
      return {"COMPLEX<HLLSketch>", 1111};
    default:
      return {"BIGINT", -5};
  }
}

// Snapshots of every table, sorted by name. A table dropped between the
// listing and its snapshot is left out.
std::vector<std::shared_ptr<const storage::TableSnapshot>> snapshotAll(const storage::Database& database) {
  std::vector<std::string> names = database.listTables();
  std::sort(names.begin(), names.end());
  std::vector<std::shared_ptr<const storage::TableSnapshot>> snapshots;
  for (const auto& name : names) {
    auto snapshot = database.snapshot(name);
    if (snapshot.ok()) snapshots.push_back(*snapshot);
  }
  return snapshots;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += ", ";
    out += part;
  }
  return out;
}

void addSystemTablesTable(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "system";
  table.name = "tables";
  table.columns = {{"database", kString},          {"name", kString},
                   {"engine", kString},            {"total_rows", kNullableUInt64},
                   {"total_bytes", kNullableUInt64}, {"segments", kNullableUInt64},
                   {"time_column", kString},       {"segment_granularity", kString},
                   {"sorting_key", kString},       {"create_table_query", kString}};
  table.produce = [&database, &tables](SystemRows& rows) {
    for (const auto& snapshot : snapshotAll(database)) {
      const storage::TableDef& def = snapshot->def;
      uint64_t numRows = 0;
      uint64_t numBytes = 0;
      for (const auto& info : snapshot->infos) {
        numRows += info.numRows;
        numBytes += info.sizeBytes;
      }
      std::string timeColumn = def.timeColumn >= 0 ? def.columns[def.timeColumn].name : "";
      std::string granularity = def.timeColumn >= 0 ? std::string(storage::granularityName(def.segmentGranularity)) : "";
      rows.addRow({Value::string("default"), Value::string(def.name), Value::string(def.engine),
                   Value::uint64(numRows), Value::uint64(numBytes), Value::uint64(snapshot->infos.size()),
                   Value::string(timeColumn), Value::string(granularity), Value::string(joined(def.sortKey)),
                   Value::string(def.createSql)});
    }
    for (const auto& schema : tables.schemas()) {
      for (const auto& name : tables.list(schema)) {
        rows.addRow({Value::string(schema), Value::string(name), Value::string("System"), Value::null(),
                     Value::null(), Value::null(), Value::string(""), Value::string(""), Value::string(""),
                     Value::string("")});
      }
    }
  };
  tables.add(std::move(table));
}

void addSystemColumnsTable(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "system";
  table.name = "columns";
  table.columns = {{"database", kString}, {"table", kString},         {"name", kString},
                   {"type", kString},     {"position", kUInt64},      {"is_in_sorting_key", kUInt8},
                   {"is_time_column", kUInt8}};
  table.produce = [&database, &tables](SystemRows& rows) {
    for (const auto& snapshot : snapshotAll(database)) {
      const storage::TableDef& def = snapshot->def;
      for (size_t i = 0; i < def.columns.size(); ++i) {
        const auto& column = def.columns[i];
        bool inSortKey = std::find(def.sortKey.begin(), def.sortKey.end(), column.name) != def.sortKey.end();
        rows.addRow({Value::string("default"), Value::string(def.name), Value::string(column.name),
                     Value::string(column.type.toString()), Value::uint64(i + 1),
                     Value::uint64(inSortKey ? 1 : 0, TypeId::kUInt8),
                     Value::uint64(static_cast<int>(i) == def.timeColumn ? 1 : 0, TypeId::kUInt8)});
      }
    }
    for (const auto& schema : tables.schemas()) {
      for (const auto& name : tables.list(schema)) {
        auto system = tables.find(schema, name);
        if (!system) continue;
        for (size_t i = 0; i < system->columns.size(); ++i) {
          rows.addRow({Value::string(system->schema), Value::string(system->name),
                       Value::string(system->columns[i].name), Value::string(system->columns[i].type.toString()),
                       Value::uint64(i + 1), Value::uint64(0, TypeId::kUInt8), Value::uint64(0, TypeId::kUInt8)});
        }
      }
    }
  };
  tables.add(std::move(table));
}

void addSystemSegmentsTable(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "system";
  table.name = "segments";
  table.columns = {{"database", kString},  {"table", kString},         {"segment_id", kString},
                   {"start_time", kNullableTime}, {"end_time", kNullableTime}, {"min_time", kNullableTime},
                   {"max_time", kNullableTime},   {"rows", kUInt64},           {"bytes", kUInt64},
                   {"tier", kString},      {"location", kString},      {"pinned_tier", kString},
                   {"last_access", kNullableTime}};
  table.produce = [&database](SystemRows& rows) {
    for (const auto& snapshot : snapshotAll(database)) {
      bool hasTime = snapshot->def.timeColumn >= 0;
      for (size_t i = 0; i < snapshot->infos.size(); ++i) {
        const storage::SegmentInfo& info = snapshot->infos[i];
        const storage::Segment& segment = *snapshot->segments[i];
        std::string_view pinned = info.pinnedTier == storage::PinnedTier::kCold   ? "cold"
                                  : info.pinnedTier == storage::PinnedTier::kWarm ? "warm"
                                                                                  : "";
        int64_t lastAccessMs = segment.lastAccessMs();
        rows.addRow({Value::string("default"), Value::string(info.table), Value::string(info.id),
                     timeOrNull(info.chunkStartMs), timeOrNull(info.chunkEndMs),
                     hasTime ? Value::timestampMs(info.minTimeMs) : Value::null(),
                     hasTime ? Value::timestampMs(info.maxTimeMs) : Value::null(), Value::uint64(info.numRows),
                     Value::uint64(info.sizeBytes), Value::string(std::string(segment.tier())),
                     Value::string(segment.location()), Value::string(std::string(pinned)),
                     lastAccessMs > 0 ? Value::timestampMs(lastAccessMs) : Value::null()});
      }
    }
  };
  tables.add(std::move(table));
}

void addSystemOneTable(SystemTables& tables) {
  SystemTable table;
  table.schema = "system";
  table.name = "one";
  table.columns = {{"dummy", kUInt8}};
  table.produce = [](SystemRows& rows) { rows.addRow({Value::uint64(0, TypeId::kUInt8)}); };
  tables.add(std::move(table));
}

// ClickHouse's system.functions with the columns clients read most: every
// scalar function and alias (all names match in any case) and every
// aggregate. Aggregates also take the -If combinator (sumIf, argMaxIf...).
void addSystemFunctionsTable(SystemTables& tables) {
  SystemTable table;
  table.schema = "system";
  table.name = "functions";
  table.columns = {{"name", kString}, {"is_aggregate", kUInt8}, {"case_insensitive", kUInt8}, {"alias_to", kString}};
  table.produce = [](SystemRows& rows) {
    std::vector<std::pair<std::string, bool>> all;
    for (auto& name : FunctionRegistry::instance().names()) {
      if (name.rfind("__", 0) != 0) all.emplace_back(std::move(name), false);  // "__" names are the parser's own
    }
    for (std::string_view name : aggregateFunctionNames()) all.emplace_back(std::string(name), true);
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (const auto& [name, aggregate] : all) {
      rows.addRow({Value::string(name), Value::uint64(aggregate ? 1 : 0, TypeId::kUInt8),
                   Value::uint64(1, TypeId::kUInt8), Value::string("")});
    }
  };
  tables.add(std::move(table));
}

// Druid's sys.segments, with the columns Furl can fill. Every Furl segment
// is published, available and served by this one process.
void addDruidSegmentsTable(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "sys";
  table.name = "segments";
  table.columns = {{"segment_id", kString},   {"datasource", kString},    {"start", kString},
                   {"end", kString},          {"size", kInt64},           {"partition_num", kInt64},
                   {"num_replicas", kInt64},  {"num_rows", kInt64},       {"is_active", kInt64},
                   {"is_published", kInt64},  {"is_available", kInt64},   {"is_realtime", kInt64},
                   {"is_overshadowed", kInt64}};
  table.produce = [&database](SystemRows& rows) {
    for (const auto& snapshot : snapshotAll(database)) {
      std::map<int64_t, int64_t> partitionsOfChunk;
      for (const auto& info : snapshot->infos) {
        int64_t partitionNum = partitionsOfChunk[info.chunkStartMs]++;
        rows.addRow({Value::string(info.id), Value::string(info.table), Value::string(isoTime(info.chunkStartMs)),
                     Value::string(isoTime(info.chunkEndMs)), Value::int64(static_cast<int64_t>(info.sizeBytes)),
                     Value::int64(partitionNum), Value::int64(1), Value::int64(static_cast<int64_t>(info.numRows)),
                     Value::int64(1), Value::int64(1), Value::int64(1), Value::int64(0), Value::int64(0)});
      }
    }
  };
  tables.add(std::move(table));
}

void addInformationSchemaTables(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "INFORMATION_SCHEMA";
  table.name = "TABLES";
  table.columns = {{"TABLE_CATALOG", kString}, {"TABLE_SCHEMA", kString}, {"TABLE_NAME", kString},
                   {"TABLE_TYPE", kString},    {"IS_JOINABLE", kString},  {"IS_BROADCAST", kString}};
  table.produce = [&database, &tables](SystemRows& rows) {
    std::vector<std::string> names = database.listTables();
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      rows.addRow({Value::string(kDruidCatalog), Value::string(kDruidDataSchema), Value::string(name),
                   Value::string("TABLE"), Value::string("NO"), Value::string("NO")});
    }
    for (const auto& schema : tables.schemas()) {
      for (const auto& name : tables.list(schema)) {
        rows.addRow({Value::string(kDruidCatalog), Value::string(schema), Value::string(name),
                     Value::string("SYSTEM_TABLE"), Value::string("NO"), Value::string("NO")});
      }
    }
  };
  tables.add(std::move(table));
}

void addInformationSchemaColumns(SystemTables& tables, const storage::Database& database) {
  SystemTable table;
  table.schema = "INFORMATION_SCHEMA";
  table.name = "COLUMNS";
  table.columns = {{"TABLE_CATALOG", kString},  {"TABLE_SCHEMA", kString},       {"TABLE_NAME", kString},
                   {"COLUMN_NAME", kString},    {"ORDINAL_POSITION", kInt64},    {"COLUMN_DEFAULT", kNullableString},
                   {"IS_NULLABLE", kString},    {"DATA_TYPE", kString},          {"JDBC_TYPE", kInt64}};
  auto addColumn = [](SystemRows& rows, const std::string& schema, const std::string& tableName,
                      const std::string& column, size_t position, const DataType& type) {
    auto [sqlType, jdbcType] = druidSqlType(type.id);
    rows.addRow({Value::string(kDruidCatalog), Value::string(schema), Value::string(tableName), Value::string(column),
                 Value::int64(static_cast<int64_t>(position)), Value::null(),
                 Value::string(type.nullable ? "YES" : "NO"), Value::string(sqlType), Value::int64(jdbcType)});
  };
  table.produce = [&database, &tables, addColumn](SystemRows& rows) {
    for (const auto& snapshot : snapshotAll(database)) {
      for (size_t i = 0; i < snapshot->def.columns.size(); ++i) {
        const auto& column = snapshot->def.columns[i];
        addColumn(rows, kDruidDataSchema, snapshot->def.name, column.name, i + 1, column.type);
      }
    }
    for (const auto& schema : tables.schemas()) {
      for (const auto& name : tables.list(schema)) {
        auto system = tables.find(schema, name);
        if (!system) continue;
        for (size_t i = 0; i < system->columns.size(); ++i) {
          addColumn(rows, system->schema, system->name, system->columns[i].name, i + 1, system->columns[i].type);
        }
      }
    }
  };
  tables.add(std::move(table));
}

}  // namespace

SystemRows::SystemRows(const std::vector<SystemColumn>& columns) : columns_(columns) {}

void SystemRows::startBatch() {
  current_.clear();
  for (const auto& column : columns_) current_.push_back(Column::makeFlat(column.type, 0));
  currentRows_ = 0;
}

void SystemRows::addRow(const std::vector<Value>& values) {
  if (values.size() != columns_.size()) {
    throw QueryError(ErrorCode::kLogicalError, "a system table row has " + std::to_string(values.size()) +
                                                   " values for " + std::to_string(columns_.size()) + " columns");
  }
  if (current_.empty() || currentRows_ == kBatchRows) {
    if (!current_.empty()) {
      Batch batch;
      batch.numRows = currentRows_;
      batch.columns = std::move(current_);
      batches_.push_back(std::move(batch));
    }
    startBatch();
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    current_[c]->resize(currentRows_ + 1);
    current_[c]->setValue(currentRows_, values[c]);
  }
  ++currentRows_;
}

std::vector<Batch> SystemRows::finish() {
  if (currentRows_ > 0) {
    Batch batch;
    batch.numRows = currentRows_;
    batch.columns = std::move(current_);
    batches_.push_back(std::move(batch));
  }
  current_.clear();
  currentRows_ = 0;
  return std::move(batches_);
}

void SystemTables::add(SystemTable table) {
  std::lock_guard lock(mutex_);
  std::string schemaKey = lower(table.schema);
  schemaNames_.emplace(schemaKey, table.schema);
  std::string nameKey = lower(table.name);
  tables_[schemaKey][nameKey] = std::make_shared<const SystemTable>(std::move(table));
}

std::shared_ptr<const SystemTable> SystemTables::find(std::string_view schema, std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto inSchema = tables_.find(lower(schema));
  if (inSchema == tables_.end()) return nullptr;
  auto table = inSchema->second.find(lower(name));
  return table == inSchema->second.end() ? nullptr : table->second;
}

bool SystemTables::isSystemSchema(std::string_view schema) const {
  std::lock_guard lock(mutex_);
  return tables_.contains(lower(schema));
}

std::vector<std::string> SystemTables::list(std::string_view schema) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  auto inSchema = tables_.find(lower(schema));
  if (inSchema == tables_.end()) return names;
  for (const auto& [key, table] : inSchema->second) names.push_back(table->name);
  return names;
}

std::vector<std::string> SystemTables::schemas() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [key, name] : schemaNames_) names.push_back(name);
  return names;
}

void registerDatabaseSystemTables(SystemTables& tables, const storage::Database& database) {
  addSystemTablesTable(tables, database);
  addSystemColumnsTable(tables, database);
  addSystemSegmentsTable(tables, database);
  addSystemOneTable(tables);
  addSystemFunctionsTable(tables);
  addDruidSegmentsTable(tables, database);
  addInformationSchemaTables(tables, database);
  addInformationSchemaColumns(tables, database);
}

std::string jsonObjectOfInts(const std::map<std::string, int64_t>& values) {
  std::string out = "{";
  for (const auto& [key, value] : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : key) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\":" + std::to_string(value);
  }
  out += '}';
  return out;
}

}  // namespace furl::query
