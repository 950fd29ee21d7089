#include "ingest/target_table.h"

#include <string>

#include "ingest/text_util.h"
#include "storage/tiering_rules.h"

namespace furl::ingest {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kWeekMs = 7 * kDayMs;

/// The storage chunk granularity for a spec's segmentGranularity. Storage
/// knows only minute, hour, day, week, month, year and all, so another
/// period maps to the coarsest of those whose chunks nest inside its
/// buckets (FIFTEEN_MINUTE to minute chunks, QUARTER to month chunks), which
/// keeps every rolled-up row inside one chunk. SECOND maps to minute chunks.
storage::Granularity chunkGranularity(const Granularity& granularity) {
  if (granularity.kind() == Granularity::Kind::kAll) return storage::Granularity::kAll;
  const Period& period = granularity.period();
  if (period.hasCalendarUnits()) {
    int64_t months = period.years * 12 + period.months;
    return months % 12 == 0 ? storage::Granularity::kYear : storage::Granularity::kMonth;
  }
  int64_t lengthMs = granularity.nominalMillis();
  bool weeksOnly = period.weeks != 0 && period.days == 0 && period.hours == 0 && period.minutes == 0 &&
                   period.seconds == 0 && period.millis == 0;
  if (weeksOnly && lengthMs % kWeekMs == 0) return storage::Granularity::kWeek;
  if (lengthMs % kDayMs == 0) return storage::Granularity::kDay;
  if (lengthMs % kHourMs == 0) return storage::Granularity::kHour;
  return storage::Granularity::kMinute;
}

std::string quoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  out += '`';
  return out;
}

std::string createStatement(const storage::TableDef& def) {
  std::string sql = strCat("CREATE TABLE ", quoteIdentifier(def.name), " (");
  for (size_t i = 0; i < def.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    strAppend(&sql, quoteIdentifier(def.columns[i].name), " ", def.columns[i].type.toString());
  }
  strAppend(&sql, ") ENGINE = MergeTree ORDER BY ", quoteIdentifier(kTimeColumn));
  return sql;
}

}  // namespace

DataType metricColumnType(const MetricSpec& metric) {
  switch (metric.type) {
    case MetricType::kCount:
      return DataType(TypeId::kUInt64);
    case MetricType::kLongSum:
      return DataType(TypeId::kInt64);
    case MetricType::kDoubleSum:
    case MetricType::kFloatSum:
      return DataType(TypeId::kFloat64);
    case MetricType::kLongMin:
    case MetricType::kLongMax:
    case MetricType::kLongFirst:
    case MetricType::kLongLast:
      return DataType(TypeId::kInt64, true);
    case MetricType::kDoubleMin:
    case MetricType::kDoubleMax:
    case MetricType::kFloatMin:
    case MetricType::kFloatMax:
    case MetricType::kDoubleFirst:
    case MetricType::kDoubleLast:
    case MetricType::kFloatFirst:
    case MetricType::kFloatLast:
      return DataType(TypeId::kFloat64, true);
    case MetricType::kStringFirst:
    case MetricType::kStringLast:
      return DataType(TypeId::kString, true);
    case MetricType::kHllSketchBuild:
    case MetricType::kHllSketchMerge:
      return DataType(TypeId::kHllSketch);
  }
  return DataType(TypeId::kString);
}

DataType dimensionColumnType(DimensionType type) {
  switch (type) {
    case DimensionType::kString:
      return DataType(TypeId::kString, true);
    case DimensionType::kLong:
      return DataType(TypeId::kInt64, true);
    case DimensionType::kFloat:
    case DimensionType::kDouble:
      return DataType(TypeId::kFloat64, true);
  }
  return DataType(TypeId::kString, true);
}

absl::StatusOr<storage::TableDef> targetTableDef(const IngestionSpec& spec) {
  if (spec.dimensionsSpec.discovery != SchemaDiscovery::kExplicit) {
    return absl::InvalidArgumentError(
        "spec.dataSchema.dimensionsSpec.dimensions: list the dimensions explicitly; Furl creates the table "
        "when the supervisor starts and does not add columns for discovered fields yet");
  }

  storage::TableDef def;
  def.name = spec.dataSource;
  def.columns.push_back({std::string(kTimeColumn), DataType(TypeId::kDateTime64)});
  def.timeColumn = 0;
  for (const DimensionSpec& dimension : spec.dimensionsSpec.dimensions) {
    def.columns.push_back({dimension.name, dimensionColumnType(dimension.type)});
  }
  for (const MetricSpec& metric : spec.metrics) {
    def.columns.push_back({metric.name, metricColumnType(metric)});
  }
  def.segmentGranularity = chunkGranularity(spec.granularitySpec.segmentGranularity);
  def.sortKey = {std::string(kTimeColumn)};
  def.settings = spec.tieringSpec.tableSettings();
  absl::Status rules = storage::parseTieringRules(def.settings, 0).status();
  if (!rules.ok()) return absl::InvalidArgumentError(strCat("spec.tieringSpec: ", toStd(rules.message())));
  def.createSql = createStatement(def);
  return def;
}

absl::Status checkTargetTable(const storage::TableDef& existing, const storage::TableDef& expected) {
  for (size_t i = 0; i < expected.columns.size(); ++i) {
    const storage::ColumnDef& want = expected.columns[i];
    if (i >= existing.columns.size()) {
      return absl::FailedPreconditionError(strCat("table '", existing.name, "' has no column '", want.name,
                                                  "' that the spec needs; drop the table or rename the dataSource"));
    }
    const storage::ColumnDef& have = existing.columns[i];
    if (have.name != want.name || have.type != want.type) {
      return absl::FailedPreconditionError(
          strCat("table '", existing.name, "' column ", i + 1, " is '", have.name, "' ", have.type.toString(),
                 " but the spec needs '", want.name, "' ", want.type.toString(),
                 "; drop the table or rename the dataSource"));
    }
  }
  if (existing.columns.size() != expected.columns.size()) {
    return absl::FailedPreconditionError(strCat("table '", existing.name, "' has ", existing.columns.size(),
                                                " columns but the spec needs ", expected.columns.size(),
                                                "; drop the table or rename the dataSource"));
  }
  return absl::OkStatus();
}

}  // namespace furl::ingest
