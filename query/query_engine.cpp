#include "query/query_engine.h"

#include <chrono>
#include <limits>

#include "absl/strings/ascii.h"
#include "common/error.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "format/row_reader.h"
#include "query/binder.h"
#include "query/query_settings.h"
#include "query/select_plan.h"
#include "sql/parser.h"
#include "storage/database.h"
#include "storage/tiering_rules.h"

namespace furl::query {
namespace {

std::string lower(std::string_view s) { return absl::AsciiStrToLower(absl::string_view(s.data(), s.size())); }

// A one-column String result, for SHOW statements.
QueryResult stringResult(const std::string& name, const std::vector<std::string>& rows) {
  QueryResult result;
  result.columnNames = {name};
  result.columnTypes = {DataType(TypeId::kString)};
  Batch batch;
  batch.numRows = rows.size();
  auto column = Column::makeFlat(DataType(TypeId::kString), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) column->data<std::string_view>()[i] = column->heap().add(rows[i]);
  batch.columns.push_back(column);
  if (!rows.empty()) result.batches.push_back(std::move(batch));
  return result;
}

// An integer in VALUES for a DateTime64 column, read as ClickHouse reads
// it: ticks of the precision (ms) from kDateTime64MinTicks up, else seconds.
// CAST and toDateTime64 keep reading integers as seconds, as ClickHouse's
// conversion functions do.
Value dateTime64Value(const Value& integer, const SourcePosition& position) {
  bool isUnsigned = isUnsignedInteger(integer.type());
  if (isUnsigned && integer.asUInt64() > static_cast<uint64_t>(INT64_MAX)) {
    throw QueryError(ErrorCode::kValueIsOutOfRange,
                     "value " + integer.toString() + " is out of range for DateTime64(3)", position);
  }
  int64_t signedValue = isUnsigned ? static_cast<int64_t>(integer.asUInt64()) : integer.asInt64();
  std::optional<int64_t> ms = dateTime64MsFromInteger(signedValue);
  if (!ms) {
    throw QueryError(ErrorCode::kValueIsOutOfRange,
                     "value " + integer.toString() + " is out of range for DateTime64(3)", position);
  }
  return Value::timestampMs(*ms, TypeId::kDateTime64);
}

// Granularity implied by a PARTITION BY function of the time column.
std::optional<storage::Granularity> granularityOfPartitionFunction(const std::string& name) {
  std::string f = lower(name);
  if (f == "toyyyymm" || f == "tostartofmonth") return storage::Granularity::kMonth;
  if (f == "toyyyymmdd" || f == "todate" || f == "tostartofday") return storage::Granularity::kDay;
  if (f == "tostartofhour") return storage::Granularity::kHour;
  if (f == "tomonday" || f == "tostartofweek") return storage::Granularity::kWeek;
  if (f == "toyear" || f == "tostartofyear") return storage::Granularity::kYear;
  return std::nullopt;
}

std::optional<size_t> temporalColumnOf(const sql::Expr& expr, const storage::TableDef& def) {
  if (expr.kind != sql::ExprKind::kColumnRef) return std::nullopt;
  auto index = def.findColumn(expr.as<sql::ColumnRefExpr>().name());
  if (!index || !isTemporal(def.columns[*index].type.id)) return std::nullopt;
  return index;
}

// Chooses the column that splits the table into time chunks. The first rule
// that applies wins:
//   1. a temporal column named __time (daily chunks);
//   2. the time column of PARTITION BY, where toYYYYMM(t) gives monthly
//      chunks, toDate(t) daily and toStartOfHour(t) hourly;
//   3. the first Date/DateTime column of ORDER BY or the primary key (daily).
// The setting segment_granularity overrides the chunk length.
void chooseTimeColumn(const sql::CreateTableStatement& create, storage::TableDef& def) {
  if (auto index = def.findColumn("__time"); index && isTemporal(def.columns[*index].type.id)) {
    def.timeColumn = static_cast<int>(*index);
    def.segmentGranularity = storage::Granularity::kDay;
    return;
  }
  if (create.partitionBy) {
    const sql::Expr& p = *create.partitionBy;
    if (auto index = temporalColumnOf(p, def)) {
      def.timeColumn = static_cast<int>(*index);
      def.segmentGranularity = storage::Granularity::kDay;
      return;
    }
    if (p.kind == sql::ExprKind::kFunction) {
      const auto& call = p.as<sql::FunctionExpr>();
      auto granularity = granularityOfPartitionFunction(call.name);
      if (granularity && call.args.size() == 1) {
        if (auto index = temporalColumnOf(*call.args[0], def)) {
          def.timeColumn = static_cast<int>(*index);
          def.segmentGranularity = *granularity;
          return;
        }
      }
    }
  }
  const auto& keys = create.hasOrderBy && !create.orderBy.empty() ? create.orderBy : create.primaryKey;
  for (const auto& key : keys) {
    if (auto index = temporalColumnOf(*key, def)) {
      def.timeColumn = static_cast<int>(*index);
      def.segmentGranularity = storage::Granularity::kDay;
      return;
    }
  }
}

class StatementRunner {
 public:
  StatementRunner(storage::Database& database, const SystemTables& systemTables, std::string_view sql,
                  QueryOptions options)
      : database_(database), systemTables_(systemTables), sql_(sql), options_(std::move(options)) {}

  QueryResult run(const sql::Statement& statement);

 private:
  QueryResult runSelect(const sql::SelectStatement& statement);
  QueryResult runCreate(const sql::CreateTableStatement& statement);
  QueryResult runInsert(const sql::InsertStatement& statement);
  QueryResult runDescribe(const sql::DescribeStatement& statement);
  /// Applies max_result_rows and result_overflow_mode to a SELECT result.
  void applyResultLimit(QueryResult& result) const;
  /// Merges the statement's SETTINGS clause, checks the names and sets the
  /// limits and the deadline.
  void applySettings(const sql::Statement& statement);
  QueryResult runAlter(const sql::AlterTableStatement& statement);
  /// The ids of the segments of `table` that MOVE SEGMENTS ... WHERE chooses.
  std::vector<std::string> segmentsMatching(const storage::TableSnapshot& table,
                                            const sql::AlterTableStatement& alter);
  std::shared_ptr<const storage::TableSnapshot> snapshot(const sql::TableName& name);
  std::vector<Batch> castToTable(const std::vector<Batch>& batches, const std::vector<DataType>& from,
                                 const std::vector<size_t>& targetColumns, const storage::TableDef& def);

  /// The system table `name` names, or null for a table of the database.
  /// Throws for an unknown database or system table.
  std::shared_ptr<const SystemTable> systemTable(const sql::TableName& name) const;
  /// Throws unless `name` is in the default database.
  void rejectSystemTable(const sql::TableName& name) const;
  /// Throws kUnknownDatabase unless `database` is `default` or a system schema.
  void checkDatabase(const std::string& database, SourcePosition position) const;
  /// The database of `name`: its qualifier, else the current database.
  const std::string& databaseOf(const sql::TableName& name) const;
  /// Throws kValueIsOutOfRange when a VALUES number does not fit the integer
  /// column it is inserted into, instead of letting the cast wrap it.
  void checkIntegerRange(const Value& value, const storage::ColumnDef& column, size_t row,
                         SourcePosition position) const;
  /// Throws kReadonly when the statement's SETTINGS or SET would change
  /// `setting` while the request is read-only.
  void checkSettingChange(const sql::Setting& setting) const;
  /// Throws for a DEFAULT, MATERIALIZED or ALIAS clause that Furl would not
  /// honour; a DEFAULT equal to the value Furl fills in anyway passes.
  void rejectColumnDefault(const sql::ColumnDef& column) const;

  storage::Database& database_;
  const SystemTables& systemTables_;
  std::string_view sql_;
  QueryOptions options_;
  QueryLimits limits_;
  std::vector<std::string> warnings_;
};

const std::string& StatementRunner::databaseOf(const sql::TableName& name) const {
  return name.database.empty() ? options_.database : name.database;
}

void StatementRunner::checkDatabase(const std::string& database, SourcePosition position) const {
  if (lower(database) == "default" || systemTables_.isSystemSchema(database)) return;
  std::string message = "unknown database '" + database + "'; Furl has 'default'";
  for (const auto& schema : systemTables_.schemas()) message += ", '" + schema + "'";
  throw QueryError(ErrorCode::kUnknownDatabase, message, position);
}

std::shared_ptr<const SystemTable> StatementRunner::systemTable(const sql::TableName& name) const {
  const std::string& database = databaseOf(name);
  if (lower(database) == "default") return nullptr;
  checkDatabase(database, name.position);
  auto table = systemTables_.find(database, name.table);
  if (!table) {
    std::string message = "unknown table '" + database + "." + name.table + "'";
    std::string suggestion = closestName(name.table, systemTables_.list(database));
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    throw QueryError(ErrorCode::kUnknownTable, message, name.position);
  }
  return table;
}

void StatementRunner::rejectSystemTable(const sql::TableName& name) const {
  const std::string& database = databaseOf(name);
  if (lower(database) == "default") return;
  if (systemTables_.isSystemSchema(database) && name.database.empty()) {
    throw QueryError(ErrorCode::kReadonly,
                     "table '" + name.table + "' is looked up in the current database '" + database +
                         "', whose system tables only SELECT and DESCRIBE apply to; write default." + name.table +
                         " for the table of database 'default'",
                     name.position);
  }
  if (systemTables_.isSystemSchema(database)) {
    throw QueryError(ErrorCode::kReadonly,
                     "table '" + database + "." + name.table +
                         "' is a read-only system table; only SELECT and DESCRIBE apply to it",
                     name.position);
  }
  throw QueryError(ErrorCode::kUnknownDatabase,
                   "unknown database '" + database + "'; Furl has one writable database, 'default'", name.position);
}

void StatementRunner::checkSettingChange(const sql::Setting& setting) const {
  // The readonly level from the request (URL parameter, native request or
  // HTTP GET) binds the statement, so its own SETTINGS and SET cannot lift it.
  int level = std::max(readonlyLevel(options_.settings), options_.readOnly ? 2 : 0);
  query::checkSettingChange(level, options_.settings, setting.name, setting.value.toString(), setting.position);
}

void StatementRunner::applySettings(const sql::Statement& statement) {
  const std::vector<sql::Setting>* clause = nullptr;
  if (statement.kind == sql::StatementKind::kSelect) clause = &statement.as<sql::SelectStatement>().settings;
  if (statement.kind == sql::StatementKind::kInsert) clause = &statement.as<sql::InsertStatement>().settings;
  if (clause != nullptr) {
    for (const auto& setting : *clause) checkSettingChange(setting);
    for (const auto& setting : *clause) options_.settings[setting.name] = setting.value.toString();
  }
  if (statement.kind == sql::StatementKind::kSet) {
    std::map<std::string, std::string> assigned;
    for (const auto& setting : statement.as<sql::SetStatement>().settings) {
      checkSettingChange(setting);
      assigned[setting.name] = setting.value.toString();
    }
    checkSettingNames(assigned, warnings_);
    parseQueryLimits(assigned);
  }
  checkSettingNames(options_.settings, warnings_);
  limits_ = parseQueryLimits(options_.settings);
  if (limits_.maxExecutionTimeSeconds > 0) {
    auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(limits_.maxExecutionTimeSeconds));
    options_.deadline = std::min(options_.deadline, std::chrono::steady_clock::now() + limit);
  }
}

std::shared_ptr<const storage::TableSnapshot> StatementRunner::snapshot(const sql::TableName& name) {
  rejectSystemTable(name);
  auto snapshot = database_.snapshot(name.table);
  if (!snapshot.ok()) {
    if (snapshot.status().code() == absl::StatusCode::kNotFound) {
      std::string message = "unknown table '" + name.toString() + "'";
      std::string suggestion = closestName(name.table, database_.listTables());
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      throw QueryError(ErrorCode::kUnknownTable, message, name.position);
    }
    throw errorFromStatus(snapshot.status());
  }
  return *snapshot;
}

QueryResult StatementRunner::runSelect(const sql::SelectStatement& statement) {
  auto plan = bindSelect(*statement.query, database_, systemTables_, warnings_, options_.database);
  QueryResult result;
  result.columnNames = plan->names;
  for (size_t i = 0; i < plan->numVisible; ++i) result.columnTypes.push_back(plan->projections[i]->type);
  result.batches = executeSelect(*plan, options_, result.stats);
  applyResultLimit(result);
  return result;
}

void StatementRunner::applyResultLimit(QueryResult& result) const {
  if (limits_.maxResultRows == 0) return;
  uint64_t rows = 0;
  for (size_t b = 0; b < result.batches.size(); ++b) {
    rows += result.batches[b].numRows;
    if (rows < limits_.maxResultRows) continue;
    if (limits_.breakOnResultOverflow) {
      // As in ClickHouse, the batch that reaches the limit is kept whole.
      result.batches.resize(b + 1);
      return;
    }
    if (rows > limits_.maxResultRows) {
      throw QueryError(ErrorCode::kTooManyRowsOrBytes,
                       "the result has more than max_result_rows = " + std::to_string(limits_.maxResultRows) +
                           " rows; raise the setting, add LIMIT, or set result_overflow_mode = 'break' to get "
                           "the first rows");
    }
  }
}

void StatementRunner::rejectColumnDefault(const sql::ColumnDef& column) const {
  const sql::Expr& expr = *column.defaultExpr;
  if (column.defaultKind != sql::DefaultKind::kDefault) {
    std::string keyword = column.defaultKind == sql::DefaultKind::kMaterialized ? "MATERIALIZED" : "ALIAS";
    throw QueryError(ErrorCode::kNotImplemented,
                     "column '" + column.name + "' is declared " + keyword + " " + expr.toString() + ", which Furl " +
                         "does not support because it computes no column from an expression; remove " + keyword +
                         " and compute the value in the INSERT or in the SELECT",
                     expr.position);
  }

  // Furl fills a column that an INSERT leaves out with NULL when it is
  // nullable, else with the type's zero value, so a DEFAULT is accepted only
  // when it names that same value.
  DataType type = column.type.type;
  Value filled = type.nullable ? Value::null(type.id) : Column::makeFlat(type, 1)->getValue(0);
  std::optional<Value> value;
  try {
    value = evaluateLiteralExpr(expr);
    if (!value->isNull() && value->type() != type.id) {
      BoundExprPtr cast = bindFunctionCall(
          "cast",
          {BoundExpr::literal(*value, DataType(value->type())),
           BoundExpr::literal(Value::string(type.withNullable(false).toString()), DataType(TypeId::kString))},
          expr.position);
      value = cast->isConstant() ? cast->constant : evaluateConstant(*cast);
    }
  } catch (const QueryError&) {
    value.reset();
  }
  bool same = value && value->isNull() == filled.isNull() && (filled.isNull() || *value == filled);
  if (same) return;
  std::string filledText = "NULL";
  if (!type.nullable) {
    filledText = isNumeric(type.id) ? filled.toString() : "'" + filled.toString() + "'";
    filledText = "the zero value " + filledText + " of its type";
  }
  throw QueryError(ErrorCode::kNotImplemented,
                   "DEFAULT " + expr.toString() + " of column '" + column.name + "' is not supported: Furl fills " +
                       "a column that an INSERT leaves out with " + filledText +
                       ", not with a default expression; remove DEFAULT and list the column with its value in "
                       "every INSERT",
                   expr.position);
}

QueryResult StatementRunner::runCreate(const sql::CreateTableStatement& create) {
  storage::TableDef def;
  rejectSystemTable(create.table);
  def.name = create.table.table;
  for (const auto& column : create.columns) {
    if (def.findColumn(column.name)) {
      throw QueryError(ErrorCode::kBadArguments, "column '" + column.name + "' is defined twice", column.position);
    }
    storage::ColumnDef out;
    out.name = column.name;
    out.type = column.type.type;
    out.lowCardinality = column.type.lowCardinality;
    if (!column.type.columnError.empty()) {
      throw QueryError(ErrorCode::kUnknownType, "column '" + column.name + "': " + column.type.columnError,
                       column.position);
    }
    if (column.defaultKind != sql::DefaultKind::kNone) rejectColumnDefault(column);
    def.columns.push_back(out);
    if (!column.type.note.empty()) warnings_.push_back(column.type.note);
  }
  if (def.columns.empty()) throw QueryError(ErrorCode::kBadArguments, "a table needs at least one column");
  def.engine = create.engine.empty() ? "MergeTree" : create.engine;
  const auto& keys = create.hasOrderBy ? create.orderBy : create.primaryKey;
  for (const auto& key : keys) {
    if (key->kind != sql::ExprKind::kColumnRef) {
      warnings_.push_back("sort key expression '" + key->toString() + "' is ignored; only columns are used");
      continue;
    }
    const std::string& name = key->as<sql::ColumnRefExpr>().name();
    std::optional<size_t> column = def.findColumn(name);
    if (!column) {
      throw QueryError(ErrorCode::kUnknownIdentifier, "sort key column '" + name + "' is not a column of the table",
                       key->position);
    }
    if (def.columns[*column].type.id == TypeId::kHllSketch) {
      throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                       "sort key column '" + name + "' has type HLLSketch, which has no order; sort by other columns",
                       key->position);
    }
    def.sortKey.push_back(name);
  }
  chooseTimeColumn(create, def);
  for (const auto& setting : create.settings) {
    std::string name = lower(setting.name);
    if (name == "segment_granularity") {
      auto granularity = storage::parseGranularity(setting.value.toString());
      if (!granularity) {
        throw QueryError(ErrorCode::kBadArguments,
                         "invalid segment_granularity '" + setting.value.toString() +
                             "'; use MINUTE, HOUR, DAY, WEEK, MONTH, YEAR or ALL",
                         setting.position);
      }
      def.segmentGranularity = *granularity;
    } else if (!storage::isTieringSetting(setting.name)) {
      warnings_.push_back("setting '" + setting.name + "' is not used by Furl and was ignored");
    }
    def.settings[setting.name] = setting.value.toString();
  }
  auto rules = storage::parseTieringRules(def.settings, 0);
  if (!rules.ok()) throw QueryError(ErrorCode::kBadArguments, std::string(rules.status().message()));
  def.createSql = std::string(sql_);
  throwIfError(database_.createTable(def, create.orReplace, create.ifNotExists));
  return {};
}

std::vector<Batch> StatementRunner::castToTable(const std::vector<Batch>& batches, const std::vector<DataType>& from,
                                                const std::vector<size_t>& targetColumns,
                                                const storage::TableDef& def) {
  // One cast expression per input column, folded to nothing when the types match.
  std::vector<BoundExprPtr> casts;
  for (size_t i = 0; i < targetColumns.size(); ++i) {
    const DataType target = def.columns[targetColumns[i]].type;
    BoundExprPtr input = BoundExpr::column(i, from[i]);
    if (from[i] == target) {
      casts.push_back(input);
      continue;
    }
    casts.push_back(bindFunctionCall(
        "cast", {input, BoundExpr::literal(Value::string(target.toString()), DataType(TypeId::kString))}, {}));
  }
  std::vector<Batch> out;
  for (const auto& batch : batches) {
    Batch full;
    full.numRows = batch.numRows;
    full.columns.resize(def.columns.size());
    for (size_t i = 0; i < targetColumns.size(); ++i) {
      ColumnPtr column = Column::flatten(evaluate(*casts[i], batch));
      if (!def.columns[targetColumns[i]].type.nullable && column->mayHaveNulls()) {
        for (size_t r = 0; r < column->size(); ++r) {
          if (column->isNull(r)) {
            throw QueryError(ErrorCode::kTypeMismatch,
                             "NULL for non-nullable column '" + def.columns[targetColumns[i]].name +
                                 "'; declare it Nullable(" + def.columns[targetColumns[i]].type.toString() +
                                 ") or supply a value");
          }
        }
      }
      full.columns[targetColumns[i]] = column;
    }
    for (size_t c = 0; c < def.columns.size(); ++c) {
      if (full.columns[c]) continue;
      auto column = Column::makeFlat(def.columns[c].type, batch.numRows);
      if (def.columns[c].type.nullable) {
        auto& words = column->mutableValidity();
        std::fill(words.begin(), words.end(), 0);
      }
      full.columns[c] = column;
    }
    out.push_back(std::move(full));
  }
  return out;
}

namespace {

template <typename T>
std::pair<int64_t, uint64_t> integerRange() {
  return {static_cast<int64_t>(std::numeric_limits<T>::min()), static_cast<uint64_t>(std::numeric_limits<T>::max())};
}

// Whether a numeric `value` fits the integer type `type`; true for every
// other type.
bool fitsIntegerType(const Value& value, TypeId type) {
  std::pair<int64_t, uint64_t> range;
  switch (type) {
    case TypeId::kInt8: range = integerRange<int8_t>(); break;
    case TypeId::kInt16: range = integerRange<int16_t>(); break;
    case TypeId::kInt32: range = integerRange<int32_t>(); break;
    case TypeId::kInt64: range = integerRange<int64_t>(); break;
    case TypeId::kUInt8: range = integerRange<uint8_t>(); break;
    case TypeId::kUInt16: range = integerRange<uint16_t>(); break;
    case TypeId::kUInt32: range = integerRange<uint32_t>(); break;
    case TypeId::kUInt64: range = integerRange<uint64_t>(); break;
    default: return true;
  }
  auto [min, max] = range;
  const Value::Storage& storage = value.storage();
  if (const auto* v = std::get_if<int64_t>(&storage)) {
    return *v >= min && (*v < 0 || static_cast<uint64_t>(*v) <= max);
  }
  if (const auto* v = std::get_if<uint64_t>(&storage)) return *v <= max;
  if (const auto* v = std::get_if<double>(&storage)) {
    // max + 1 is a power of two, so exact as a double.
    return *v >= static_cast<double>(min) && *v < static_cast<double>(max) + 1.0;
  }
  return true;
}

}  // namespace

void StatementRunner::checkIntegerRange(const Value& value, const storage::ColumnDef& column, size_t row,
                                        SourcePosition position) const {
  if (value.isNull() || !isNumeric(value.type()) || fitsIntegerType(value, column.type.id)) return;
  throw QueryError(ErrorCode::kValueIsOutOfRange,
                   "value " + value.toString() + " is out of range for " + column.type.withNullable(false).toString() +
                       " column '" + column.name + "' at row " + std::to_string(row + 1) +
                       " of VALUES; use a wider column type",
                   position);
}

QueryResult StatementRunner::runInsert(const sql::InsertStatement& insert) {
  auto table = snapshot(insert.table);
  const storage::TableDef& def = table->def;

  std::vector<size_t> targets;
  if (insert.columns.empty()) {
    for (size_t c = 0; c < def.columns.size(); ++c) targets.push_back(c);
  } else {
    for (const auto& name : insert.columns) {
      auto index = def.findColumn(name);
      if (!index) {
        std::vector<std::string> names;
        for (const auto& column : def.columns) names.push_back(column.name);
        std::string message = "unknown column '" + name + "' in table " + def.name;
        std::string suggestion = closestName(name, names);
        if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
        throw QueryError(ErrorCode::kUnknownIdentifier, message);
      }
      targets.push_back(*index);
    }
  }

  std::vector<Batch> batches;
  std::vector<DataType> inputTypes;
  switch (insert.source) {
    case sql::InsertSource::kValues: {
      // Each value is cast to its column's type on its own, so that every
      // row may spell values differently ('2020-01-01' or a number).
      Batch batch;
      batch.numRows = insert.rows.size();
      for (size_t c : targets) {
        batch.columns.push_back(Column::makeFlat(def.columns[c].type.withNullable(true), insert.rows.size()));
        inputTypes.push_back(def.columns[c].type.withNullable(true));
      }
      for (size_t r = 0; r < insert.rows.size(); ++r) {
        const auto& row = insert.rows[r];
        if (row.size() != targets.size()) {
          throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                           "row " + std::to_string(r + 1) + " of VALUES has " + std::to_string(row.size()) +
                               " values but " + std::to_string(targets.size()) + " columns are inserted",
                           row.empty() ? insert.position : row[0]->position);
        }
        for (size_t i = 0; i < row.size(); ++i) {
          Value value = evaluateLiteralExpr(*row[i]);
          DataType target = inputTypes[i];
          checkIntegerRange(value, def.columns[targets[i]], r, row[i]->position);
          if (target.id == TypeId::kDateTime64 && isInteger(value.type())) {
            value = dateTime64Value(value, row[i]->position);
          }
          if (!value.isNull() && value.type() != target.id) {
            BoundExprPtr cast = bindFunctionCall(
                "cast",
                {BoundExpr::literal(value, DataType(value.type())),
                 BoundExpr::literal(Value::string(target.withNullable(false).toString()), DataType(TypeId::kString))},
                row[i]->position);
            value = cast->isConstant() ? cast->constant : evaluateConstant(*cast);
          }
          batch.columns[i]->setValue(r, value);
        }
      }
      if (batch.numRows > 0) batches.push_back(std::move(batch));
      break;
    }
    case sql::InsertSource::kFormat: {
      std::string_view inline_ = sql_.size() > insert.dataOffset ? sql_.substr(insert.dataOffset) : std::string_view();
      std::string joined;
      std::string_view data = inline_;
      if (!options_.insertData.empty()) {
        if (inline_.empty()) {
          data = options_.insertData;
        } else {
          joined.append(inline_).append(options_.insertData);
          data = joined;
        }
      }
      std::vector<format::ColumnSpec> specs;
      for (size_t c : targets) {
        specs.push_back({def.columns[c].name, def.columns[c].type});
        inputTypes.push_back(def.columns[c].type);
      }
      format::ReadOptions readOptions;
      auto skip = options_.settings.find("input_format_skip_unknown_fields");
      readOptions.skipUnknownFields = skip != options_.settings.end() && (skip->second == "1" || lower(skip->second) == "true");
      auto read = format::readRows(insert.insertFormat, data, specs, readOptions);
      if (!read.ok()) throw errorFromStatus(read.status());
      batches = std::move(read).value();
      break;
    }
    case sql::InsertSource::kSelect: {
      auto plan = bindSelect(*insert.select, database_, systemTables_, warnings_, options_.database);
      if (plan->numVisible != targets.size()) {
        throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                         "INSERT SELECT returns " + std::to_string(plan->numVisible) + " columns but " +
                             std::to_string(targets.size()) + " columns are inserted");
      }
      for (size_t i = 0; i < plan->numVisible; ++i) inputTypes.push_back(plan->projections[i]->type);
      QueryStats selectStats;
      batches = executeSelect(*plan, options_, selectStats);
      break;
    }
  }

  std::vector<Batch> full = castToTable(batches, inputTypes, targets, def);
  auto written = database_.insert(def.name, full);
  if (!written.ok()) throw errorFromStatus(written.status());
  QueryResult result;
  result.stats.writtenRows = *written;
  for (const auto& batch : full) {
    for (const auto& column : batch.columns) result.stats.writtenBytes += column->memoryBytes();
  }
  return result;
}

QueryResult StatementRunner::runDescribe(const sql::DescribeStatement& describe) {
  std::vector<storage::ColumnDef> columns;
  if (auto system = systemTable(describe.table)) {
    for (const auto& column : system->columns) columns.push_back({column.name, column.type});
  } else {
    columns = snapshot(describe.table)->def.columns;
  }
  // ClickHouse's DESCRIBE columns.
  std::vector<std::string> names = {"name", "type", "default_type", "default_expression", "comment",
                                    "codec_expression", "ttl_expression"};
  QueryResult result;
  result.columnNames = names;
  Batch batch;
  batch.numRows = columns.size();
  for (size_t c = 0; c < names.size(); ++c) {
    result.columnTypes.push_back(DataType(TypeId::kString));
    auto column = Column::makeFlat(DataType(TypeId::kString), columns.size());
    for (size_t r = 0; r < columns.size(); ++r) {
      std::string text;
      if (c == 0) text = columns[r].name;
      if (c == 1) {
        text = columns[r].type.toString();
        if (columns[r].lowCardinality) text = "LowCardinality(" + text + ")";
      }
      column->data<std::string_view>()[r] = column->heap().add(text);
    }
    batch.columns.push_back(column);
  }
  if (batch.numRows > 0) result.batches.push_back(std::move(batch));
  return result;
}

// Quotes an identifier with backticks for SQL that the engine builds.
std::string quoteIdentifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::vector<std::string> StatementRunner::segmentsMatching(const storage::TableSnapshot& table,
                                                           const sql::AlterTableStatement& alter) {
  std::vector<std::string> ids;
  if (alter.whereText.empty()) {
    for (const auto& info : table.infos) ids.push_back(info.id);
    return ids;
  }
  const storage::TableDef& def = table.def;
  if (def.timeColumn < 0) {
    throw QueryError(ErrorCode::kBadArguments,
                     "table " + def.name + " has no time column, so MOVE SEGMENTS cannot take a WHERE clause; "
                     "leave WHERE out to move every segment",
                     alter.wherePosition);
  }

  // Bind the predicate as the filter of `SELECT time FROM t WHERE ...`.
  const storage::ColumnDef& timeColumn = def.columns[def.timeColumn];
  std::string select = "SELECT " + quoteIdentifier(timeColumn.name) + " FROM " + quoteIdentifier(def.name) +
                       " WHERE " + alter.whereText;
  sql::StatementPtr parsed = sql::parseStatement(select);
  auto plan = bindSelect(*parsed->as<sql::SelectStatement>().query, database_, systemTables_, warnings_);
  for (size_t column : plan->scanColumns) {
    if (column != static_cast<size_t>(def.timeColumn)) {
      throw QueryError(ErrorCode::kBadArguments,
                       "the WHERE clause of MOVE SEGMENTS may use only the time column '" + timeColumn.name +
                           "' of table " + def.name + ", not '" + def.columns[column].name + "'",
                       alter.wherePosition);
    }
  }

  // A segment is chosen when the predicate holds at its first and last time.
  for (const auto& info : table.infos) {
    auto column = Column::makeFlat(timeColumn.type, 2);
    int64_t bounds[2] = {info.minTimeMs, info.maxTimeMs};
    for (size_t r = 0; r < 2; ++r) {
      column->setValue(r, timeColumn.type.id == TypeId::kDate ? Value::date(daysFromMs(bounds[r]))
                                                              : Value::timestampMs(bounds[r], timeColumn.type.id));
    }
    Batch batch;
    batch.numRows = 2;
    for (size_t i = 0; i < plan->scanColumns.size(); ++i) batch.columns.push_back(column);
    bool matches = info.numRows > 0;
    for (const auto& filter : plan->filters) {
      if (!matches) break;
      batch.sel = filterRows(*filter, batch);
      matches = batch.sel->size() == 2;
      batch.sel.reset();
    }
    if (matches) ids.push_back(info.id);
  }
  return ids;
}

QueryResult StatementRunner::runAlter(const sql::AlterTableStatement& alter) {
  auto table = snapshot(alter.table);
  const std::string& name = table->def.name;
  switch (alter.action) {
    case sql::AlterTableStatement::Action::kModifySetting:
    case sql::AlterTableStatement::Action::kResetSetting: {
      std::map<std::string, std::optional<std::string>> changes;
      for (const auto& setting : alter.settings) changes[setting.name] = setting.value.toString();
      for (const auto& reset : alter.resetNames) changes[reset] = std::nullopt;
      for (const auto& [key, value] : changes) {
        if (!storage::isTieringSetting(key) && key != "segment_granularity") {
          warnings_.push_back("setting '" + key + "' is not used by Furl; it is stored but has no effect");
        }
        if (key == "segment_granularity") {
          throw QueryError(ErrorCode::kNotImplemented,
                           "segment_granularity cannot change after CREATE TABLE; create a new table instead",
                           alter.position);
        }
      }
      absl::Status status = database_.alterTableSettings(name, changes);
      if (status.code() == absl::StatusCode::kInvalidArgument) {
        throw QueryError(ErrorCode::kBadArguments, std::string(status.message()), alter.position);
      }
      throwIfError(status);
      return {};
    }
    case sql::AlterTableStatement::Action::kMoveSegments: {
      std::string tier = lower(alter.tier);
      storage::MoveTarget target;
      if (tier == "cold") {
        target = storage::MoveTarget::kCold;
      } else if (tier == "warm") {
        target = storage::MoveTarget::kWarm;
      } else if (tier == "auto") {
        target = storage::MoveTarget::kAuto;
      } else if (tier == "hot") {
        throw QueryError(ErrorCode::kBadArguments,
                         "segments cannot be moved to tier 'hot'; the hot_period setting decides which warm "
                         "segments stay in memory",
                         alter.tierPosition);
      } else {
        throw QueryError(ErrorCode::kBadArguments,
                         "unknown tier '" + alter.tier + "'; use 'warm', 'cold' or 'auto'", alter.tierPosition);
      }
      std::vector<std::string> ids = segmentsMatching(*table, alter);
      auto moved = database_.moveSegments(name, ids, target);
      if (!moved.ok()) throw errorFromStatus(moved.status());
      QueryResult result;
      result.columnNames = {"segments_moved"};
      result.columnTypes = {DataType(TypeId::kUInt64)};
      Batch batch;
      batch.numRows = 1;
      auto column = Column::makeFlat(DataType(TypeId::kUInt64), 1);
      column->data<uint64_t>()[0] = *moved;
      batch.columns.push_back(column);
      result.batches.push_back(std::move(batch));
      return result;
    }
  }
  return {};
}

bool changesData(sql::StatementKind kind) {
  switch (kind) {
    case sql::StatementKind::kAlterTable:
    case sql::StatementKind::kCreateTable:
    case sql::StatementKind::kDropTable:
    case sql::StatementKind::kInsert:
    case sql::StatementKind::kTruncateTable:
    case sql::StatementKind::kOptimizeTable:
      return true;
    default:
      return false;
  }
}

QueryResult StatementRunner::run(const sql::Statement& statement) {
  checkDatabase(options_.database, {});
  applySettings(statement);
  auto readonly = options_.settings.find("readonly");
  bool readOnlySetting = readonly != options_.settings.end() && readonly->second != "0" && readonly->second != "false";
  if ((options_.readOnly || readOnlySetting) && changesData(statement.kind)) {
    std::string reason = options_.readOnly ? options_.readOnlyReason : "the readonly setting is on";
    throw QueryError(ErrorCode::kReadonly,
                     "cannot run " + std::string(sql::statementKindName(statement.kind)) + " in read-only mode: " +
                         reason,
                     statement.position);
  }
  QueryResult result;
  switch (statement.kind) {
    case sql::StatementKind::kSelect:
      result = runSelect(statement.as<sql::SelectStatement>());
      break;
    case sql::StatementKind::kCreateTable:
      result = runCreate(statement.as<sql::CreateTableStatement>());
      break;
    case sql::StatementKind::kDropTable: {
      const auto& drop = statement.as<sql::DropTableStatement>();
      rejectSystemTable(drop.table);
      absl::Status status = database_.dropTable(drop.table.table, drop.ifExists);
      if (status.code() == absl::StatusCode::kNotFound) {
        throw QueryError(ErrorCode::kUnknownTable, "unknown table '" + drop.table.toString() + "'", drop.table.position);
      }
      throwIfError(status);
      break;
    }
    case sql::StatementKind::kTruncateTable: {
      const auto& truncate = statement.as<sql::TruncateTableStatement>();
      rejectSystemTable(truncate.table);
      auto table = database_.snapshot(truncate.table.table);
      if (!table.ok()) {
        if (truncate.ifExists && table.status().code() == absl::StatusCode::kNotFound) break;
        snapshot(truncate.table);  // throws the unknown-table error
      }
      throwIfError(database_.createTable((*table)->def, /*orReplace=*/true, /*ifNotExists=*/false));
      break;
    }
    case sql::StatementKind::kInsert:
      result = runInsert(statement.as<sql::InsertStatement>());
      break;
    case sql::StatementKind::kShowTables: {
      const auto& show = statement.as<sql::ShowTablesStatement>();
      const std::string& database = show.database.empty() ? options_.database : show.database;
      checkDatabase(database, show.position);
      bool systemSchema = lower(database) != "default";
      auto listTables = [&] { return systemSchema ? systemTables_.list(database) : database_.listTables(); };
      std::vector<std::string> names = listTables();
      std::sort(names.begin(), names.end());
      if (show.hasLike) {
        auto like = bindFunctionCall(
            "like", {BoundExpr::column(0, DataType(TypeId::kString)),
                     BoundExpr::literal(Value::string(show.likePattern), DataType(TypeId::kString))}, {});
        QueryResult all = stringResult("name", names);
        names.clear();
        if (!all.batches.empty()) {
          auto keep = filterRows(*like, all.batches[0]);
          for (uint32_t r : *keep) names.push_back(std::string(all.batches[0].columns[0]->stringAt(r)));
          if (show.notLike) {
            std::vector<std::string> rest;
            for (const auto& n : listTables()) {
              if (std::find(names.begin(), names.end(), n) == names.end()) rest.push_back(n);
            }
            std::sort(rest.begin(), rest.end());
            names = rest;
          }
        }
      }
      result = stringResult("name", names);
      break;
    }
    case sql::StatementKind::kShowDatabases: {
      std::vector<std::string> names = {"default"};
      for (const auto& schema : systemTables_.schemas()) names.push_back(schema);
      result = stringResult("name", names);
      break;
    }
    case sql::StatementKind::kShowCreateTable: {
      auto table = snapshot(statement.as<sql::ShowCreateTableStatement>().table);
      result = stringResult("statement", {table->def.createSql});
      break;
    }
    case sql::StatementKind::kDescribe:
      result = runDescribe(statement.as<sql::DescribeStatement>());
      break;
    case sql::StatementKind::kExistsTable: {
      const auto& exists = statement.as<sql::ExistsTableStatement>();
      const std::string& database = databaseOf(exists.table);
      bool found = lower(database) == "default" ? database_.snapshot(exists.table.table).ok()
                                                : systemTables_.find(database, exists.table.table) != nullptr;
      result.columnNames = {"result"};
      result.columnTypes = {DataType(TypeId::kUInt8)};
      Batch batch;
      batch.numRows = 1;
      auto column = Column::makeFlat(DataType(TypeId::kUInt8), 1);
      column->data<uint8_t>()[0] = found ? 1 : 0;
      batch.columns.push_back(column);
      result.batches.push_back(std::move(batch));
      break;
    }
    case sql::StatementKind::kUse: {
      // Each request names its database, so USE only checks the name. As in
      // ClickHouse's HTTP interface without a session, it lasts for this
      // request only.
      const auto& use = statement.as<sql::UseStatement>();
      checkDatabase(use.database, statement.position);
      warnings_.push_back("USE has no effect across requests; pass the database with ?database= or the "
                          "X-ClickHouse-Database header");
      break;
    }
    case sql::StatementKind::kSet:
      // Settings apply per request; pass them as URL parameters or SETTINGS.
      warnings_.push_back("SET has no effect across requests; pass settings with the request or in SETTINGS");
      break;
    case sql::StatementKind::kOptimizeTable:
      snapshot(statement.as<sql::OptimizeTableStatement>().table);
      break;
    case sql::StatementKind::kAlterTable:
      result = runAlter(statement.as<sql::AlterTableStatement>());
      break;
  }
  result.format = statement.format;
  result.warnings.insert(result.warnings.end(), warnings_.begin(), warnings_.end());
  return result;
}

}  // namespace

size_t QueryResult::numRows() const {
  size_t rows = 0;
  for (const auto& batch : batches) rows += batch.numRows;
  return rows;
}

QueryEngine::QueryEngine(storage::Database& database)
    : database_(database), systemTables_(std::make_unique<SystemTables>()) {
  registerDatabaseSystemTables(*systemTables_, database_);
}

QueryEngine::~QueryEngine() = default;

QueryResult QueryEngine::execute(std::string_view sql, const QueryOptions& options) {
  auto start = std::chrono::steady_clock::now();
  sql::StatementPtr statement = sql::parseStatement(sql);
  QueryOptions runOptions = options;
  if (runOptions.database.empty()) runOptions.database = "default";
  StatementRunner runner(database_, *systemTables_, sql, runOptions);
  QueryResult result = runner.run(*statement);
  result.stats.resultRows = result.numRows();
  result.stats.elapsedNs = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  return result;
}

}  // namespace furl::query
