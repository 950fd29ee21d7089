#pragma once

// System tables: read-only virtual tables whose rows are produced when a
// query reads them (`system.tables`, `system.segments`, Druid's
// `sys.segments`, `INFORMATION_SCHEMA.COLUMNS`, ...). A query binds a system
// table like a subquery whose result is already computed, so every SQL
// feature that works on a subquery (filters, GROUP BY, ORDER BY, LIMIT)
// works on a system table. See docs/system-tables.md.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/types.h"
#include "common/value.h"

namespace furl::storage {
class Database;
}

namespace furl::query {

struct SystemColumn {
  std::string name;
  DataType type;
};

/// Collects the rows of one system table, one Value per cell, into batches.
/// Not thread-safe.
class SystemRows {
 public:
  explicit SystemRows(const std::vector<SystemColumn>& columns);

  /// Appends a row. `values` contains one Value per column, in column
  /// order, of the column's type or NULL (for nullable columns).
  void addRow(const std::vector<Value>& values);

  /// The rows added so far, in batches of at most kBatchRows rows.
  std::vector<Batch> finish();

  static constexpr size_t kBatchRows = 8192;

 private:
  void startBatch();

  const std::vector<SystemColumn>& columns_;
  std::vector<Batch> batches_;
  std::vector<ColumnPtr> current_;
  size_t currentRows_ = 0;
};

/// A virtual table. `produce` is called once per query that reads the table,
/// on the query's thread, and may run concurrently with itself; it may throw
/// QueryError.
struct SystemTable {
  std::string schema;  // "system", "sys" or "INFORMATION_SCHEMA"
  std::string name;
  std::vector<SystemColumn> columns;
  std::function<void(SystemRows&)> produce;
};

/// The system tables known to a QueryEngine, by schema and name. Schema and
/// table names match case-insensitively, because Druid users write
/// `INFORMATION_SCHEMA.TABLES` and ClickHouse users `system.tables`.
/// Thread-safe.
class SystemTables {
 public:
  /// Adds or replaces the table of the same schema and name.
  void add(SystemTable table);

  /// The table, or null when there is none.
  std::shared_ptr<const SystemTable> find(std::string_view schema, std::string_view name) const;

  /// True when `schema` names a schema of system tables.
  bool isSystemSchema(std::string_view schema) const;

  /// The table names of `schema`, sorted, as registered.
  std::vector<std::string> list(std::string_view schema) const;

  /// The schema names, as registered.
  std::vector<std::string> schemas() const;

 private:
  mutable std::mutex mutex_;
  // Keyed by lowercase schema, then lowercase table name.
  std::map<std::string, std::map<std::string, std::shared_ptr<const SystemTable>>> tables_;
  std::map<std::string, std::string> schemaNames_;  // lowercase -> as registered
};

/// Registers the tables that describe `database`: system.tables,
/// system.columns, system.segments, system.one, and Druid's sys.segments,
/// INFORMATION_SCHEMA.TABLES and INFORMATION_SCHEMA.COLUMNS over the same
/// data. `database` must outlive `tables`.
void registerDatabaseSystemTables(SystemTables& tables, const storage::Database& database);

/// Formats a map as a JSON object with string keys and integer values
/// (`{"0":12,"1":40}`), for per-partition columns.
std::string jsonObjectOfInts(const std::map<std::string, int64_t>& values);

}  // namespace furl::query
