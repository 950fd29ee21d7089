#pragma once

// IngestionSpec: what Furl reads from an Apache Druid Kafka supervisor spec.
// Both shapes are accepted:
//   {"type": "kafka", "spec": {"dataSchema": ..., "ioConfig": ..., "tuningConfig": ...}}
//   {"type": "kafka", "dataSchema": {..., "parser": {"parseSpec": {...}}}, "ioConfig": ...}
// The second is the shape of Druid 0.x specs, where timestampSpec,
// dimensionsSpec and the input format sit in dataSchema.parser.parseSpec.
// docs/ingestion-spec.md lists every field and what Furl does with it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/druid_expression.h"
#include "ingest/event.h"
#include "ingest/flatten_spec.h"
#include "ingest/granularity.h"
#include "ingest/row_filter.h"
#include "ingest/timestamp_parser.h"

namespace furl::ingest {

/// The name of the time column in every Furl table, as in Druid.
inline constexpr std::string_view kTimeColumn = "__time";

struct TimestampSpec {
  std::string column = "timestamp";
  TimestampParser parser;  // "auto" unless the spec sets a format
  /// Used when an event has no timestamp field or it is NULL.
  std::optional<int64_t> missingValueMs;
};

enum class DimensionType { kString, kLong, kFloat, kDouble };
std::string_view dimensionTypeName(DimensionType type);

struct DimensionSpec {
  std::string name;
  DimensionType type = DimensionType::kString;
};

/// How the set of dimensions is found.
enum class SchemaDiscovery {
  kExplicit,     // the listed dimensions only
  kStringsOnly,  // empty dimensions list: every other field, as a string dimension
  kTyped,        // useSchemaDiscovery: every other field, typed from its values
};

struct DimensionsSpec {
  std::vector<DimensionSpec> dimensions;
  std::vector<std::string> exclusions;
  SchemaDiscovery discovery = SchemaDiscovery::kStringsOnly;
};

enum class MetricType {
  kCount,
  kLongSum,
  kDoubleSum,
  kFloatSum,
  kLongMin,
  kLongMax,
  kDoubleMin,
  kDoubleMax,
  kFloatMin,
  kFloatMax,
  kLongFirst,
  kLongLast,
  kDoubleFirst,
  kDoubleLast,
  kFloatFirst,
  kFloatLast,
  kStringFirst,
  kStringLast,
  kHllSketchBuild,  // HLLSketchBuild, and hyperUnique on raw values
  kHllSketchMerge,  // HLLSketchMerge: the input field contains serialized sketches
};
/// The Druid type name (`longSum`, `HLLSketchBuild`).
std::string_view metricTypeName(MetricType type);

struct MetricSpec {
  MetricType type = MetricType::kCount;
  std::string name;
  std::string fieldName;  // empty for count
  int lgK = 12;           // HLL metrics
  std::string tgtHllType = "HLL_4";
  int64_t maxStringBytes = 1024;  // stringFirst/stringLast
};

struct GranularitySpec {
  Granularity segmentGranularity = *Granularity::fromName("DAY");
  Granularity queryGranularity = Granularity::none();
  bool rollup = true;
};

/// A transformSpec.transforms entry: `name` gets the value of the
/// expression, evaluated on the input row after its timestamp is parsed.
struct ExpressionTransform {
  std::string name;
  std::string expression;  // the Druid expression text from the spec
  DruidExpression compiled;
};

struct TransformSpec {
  std::vector<ExpressionTransform> transforms;
  std::optional<RowFilter> filter;
};

enum class InputFormatType { kJson, kCsv, kTsv };

struct InputFormat {
  InputFormatType type = InputFormatType::kJson;
  std::vector<std::string> columns;  // csv and tsv
  std::string delimiter;             // "," for csv, "\t" for tsv
  std::string listDelimiter;         // empty: no multi-value splitting
  bool findColumnsFromHeader = false;
  int64_t skipHeaderRows = 0;
  FlattenSpec flattenSpec;           // json only, and the default changes nothing
};

/// The most consumers one supervisor runs (ioConfig.taskCount).
inline constexpr int64_t kMaxTaskCount = 64;

struct IoConfig {
  std::string topic;
  /// Consumers of the supervisor's consumer group; Kafka splits the
  /// partitions between them.
  int taskCount = 1;
  std::map<std::string, std::string> consumerProperties;
  InputFormat inputFormat;
  bool useEarliestOffset = false;
};

/// Druid's defaults where Druid has one.
struct TuningConfig {
  int64_t maxRowsInMemory = 150000;
  int64_t maxBytesInMemory = 0;  // 0: the server's default limit
  int64_t intermediatePersistPeriodMs = 600000;
  int64_t maxRowsPerSegment = 5000000;
  std::optional<int64_t> maxTotalRows;
  bool resetOffsetAutomatically = false;
  bool reportParseExceptions = false;
  bool logParseExceptions = false;
  int64_t maxParseExceptions = INT64_MAX;
  int64_t maxSavedParseExceptions = 0;
  int64_t handoffConditionTimeoutMs = 0;
};

/// Furl's tiering rules for the target table (not a Druid field; Druid sets
/// load rules on the coordinator). Each is an ISO-8601 period and becomes
/// the table setting of the same meaning: hot_period, cold_after, retention
/// (docs/tiered-storage.md).
struct TieringSpec {
  std::optional<std::string> hotPeriod;
  std::optional<std::string> coldAfter;
  std::optional<std::string> retention;

  bool empty() const { return !hotPeriod && !coldAfter && !retention; }
  /// The table settings these rules set; unset rules are left out.
  std::map<std::string, std::string> tableSettings() const;
};

struct IngestionSpec {
  std::string dataSource;
  TimestampSpec timestampSpec;
  DimensionsSpec dimensionsSpec;
  std::vector<MetricSpec> metrics;
  GranularitySpec granularitySpec;
  TransformSpec transformSpec;
  IoConfig ioConfig;
  TuningConfig tuningConfig;
  TieringSpec tieringSpec;
  /// Fields that were accepted but are ignored or only partly honoured, one
  /// sentence each, with the JSON path: "spec.ioConfig.replicas is ignored:
  /// ...". Meant for the operator, e.g. in the response to a submitted spec.
  std::vector<std::string> notes;
  /// The top-level event fields the spec reads: the timestamp column, the
  /// dimensions, the metrics' input fields and the filter's fields.
  /// parseIngestionSpec() sets it. It is nullopt when any field may be read,
  /// as with schema discovery and with transforms, and when the flattenSpec
  /// gives a read field a value other than the top-level member of that
  /// name. A value enables the JSON fast path (JsonRowParser), which reads
  /// top-level members only.
  std::optional<FieldNameSet> inputFields;

  /// Returns inputFields as the `fields` argument of parseJsonEvent(), or
  /// null when any field may be read.
  const FieldNameSet* inputFieldsOrAll() const { return inputFields.has_value() ? &*inputFields : nullptr; }

  /// The event's time in milliseconds: the timestamp column parsed per the
  /// format, or missingValue when the field is absent or NULL.
  /// InvalidArgument when it is absent with no missingValue, is a
  /// multi-value field, or does not parse.
  absl::StatusOr<int64_t> eventTimeMs(const Event& event) const;

  /// Applies transformSpec.transforms to an event whose time is `timeMs`
  /// (from eventTimeMs()), as Druid does: every transform reads the input
  /// fields and `__time` as they were before any transform ran, then each
  /// output replaces or adds the field of its name. Returns the event time,
  /// which a transform named `__time` replaces. InvalidArgument when that
  /// transform gives NULL, several values or a value that is not a number.
  absl::StatusOr<int64_t> applyTransforms(Event& event, int64_t timeMs) const;

  /// True when transformSpec.filter is absent or the event passes it.
  bool passesFilter(const Event& event) const;

  /// True when schema discovery makes `field` a dimension: discovery is on
  /// and the field is not the timestamp column, an excluded field, a metric's
  /// input field, or a metric name. With flattenSpec.useFieldDiscovery
  /// false, the field must also be a flattenSpec field.
  bool isDiscoveredDimension(std::string_view field) const;
};

/// Parses a Druid Kafka supervisor spec. InvalidArgument on an invalid spec,
/// with a message that starts with the JSON path of the bad field and says
/// what is expected:
///   spec.dataSchema.granularitySpec.segmentGranularity: unknown granularity
///   'DAYS'; expected one of NONE, SECOND, ...
absl::StatusOr<IngestionSpec> parseIngestionSpec(std::string_view json);

}  // namespace furl::ingest
