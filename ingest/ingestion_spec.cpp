#include "ingest/ingestion_spec.h"

#include <array>
#include <cmath>
#include <iterator>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "ingest/text_util.h"
#include "common/status.h"
#include "common/time_util.h"
#include "common/period.h"
#include "ingest/spec_json.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

constexpr std::string_view kTaskSettingReason = "a Druid indexing-task setting with no Furl counterpart";

struct MetricTypeName {
  std::string_view name;
  MetricType type;
};

constexpr std::array<MetricTypeName, 20> kMetricTypes = {{
    {"count", MetricType::kCount},
    {"longSum", MetricType::kLongSum},
    {"doubleSum", MetricType::kDoubleSum},
    {"floatSum", MetricType::kFloatSum},
    {"longMin", MetricType::kLongMin},
    {"longMax", MetricType::kLongMax},
    {"doubleMin", MetricType::kDoubleMin},
    {"doubleMax", MetricType::kDoubleMax},
    {"floatMin", MetricType::kFloatMin},
    {"floatMax", MetricType::kFloatMax},
    {"longFirst", MetricType::kLongFirst},
    {"longLast", MetricType::kLongLast},
    {"doubleFirst", MetricType::kDoubleFirst},
    {"doubleLast", MetricType::kDoubleLast},
    {"floatFirst", MetricType::kFloatFirst},
    {"floatLast", MetricType::kFloatLast},
    {"stringFirst", MetricType::kStringFirst},
    {"stringLast", MetricType::kStringLast},
    {"HLLSketchBuild", MetricType::kHllSketchBuild},
    {"HLLSketchMerge", MetricType::kHllSketchMerge},
}};

std::string metricTypesForMessage() {
  std::string names;
  for (const MetricTypeName& entry : kMetricTypes) strAppend(&names, entry.name, ", ");
  return strCat(names, "hyperUnique");
}

bool isHll(MetricType type) { return type == MetricType::kHllSketchBuild || type == MetricType::kHllSketchMerge; }

bool isFirstOrLast(MetricType type) {
  switch (type) {
    case MetricType::kLongFirst:
    case MetricType::kLongLast:
    case MetricType::kDoubleFirst:
    case MetricType::kDoubleLast:
    case MetricType::kFloatFirst:
    case MetricType::kFloatLast:
    case MetricType::kStringFirst:
    case MetricType::kStringLast:
      return true;
    default:
      return false;
  }
}

// --- timestampSpec -----------------------------------------------------------

absl::Status parseTimestampSpec(SpecObject& object, TimestampSpec& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> column, object.getString("column"));
  if (column.has_value()) {
    if (column->empty()) return specError(object.pathOf("column"), "empty; expected the name of the input field with the event time");
    out.column = *column;
  }

  FURL_ASSIGN_OR_RETURN(std::optional<std::string> format, object.getString("format"));
  if (format.has_value()) {
    absl::StatusOr<TimestampParser> parser = TimestampParser::create(*format);
    if (!parser.ok()) return specError(object.pathOf("format"), parser.status());
    out.parser = *std::move(parser);
  }

  // missingValue is a timestamp in the spec's own format, or ISO-8601.
  if (std::optional<simdjson::dom::element> missing = object.get("missingValue")) {
    Value value;
    if (missing->is_string()) {
      value = Value::string(std::string(missing->get_string().value_unsafe()));
    } else if (missing->is_int64()) {
      value = Value::int64(missing->get_int64().value_unsafe());
    } else {
      return specError(object.pathOf("missingValue"),
                       strCat("expected a timestamp string or number, got ", jsonTypeName(*missing)));
    }
    absl::StatusOr<int64_t> ms = out.parser.parse(value);
    if (!ms.ok() && value.type() == TypeId::kString) {
      std::optional<int64_t> iso = parseTimestampMs(value.asString());
      if (iso.has_value()) ms = *iso;
    }
    if (!ms.ok()) return specError(object.pathOf("missingValue"), ms.status());
    out.missingValueMs = *ms;
  }
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// --- dimensionsSpec ----------------------------------------------------------

absl::StatusOr<DimensionSpec> parseDimension(simdjson::dom::element element, const std::string& path,
                                             std::vector<std::string>* notes) {
  DimensionSpec dimension;
  std::string_view name;
  if (!element.get_string().get(name)) {
    dimension.name = std::string(name);
  } else if (element.is_object()) {
    SpecObject object(element.get_object().value_unsafe(), path, notes);
    FURL_ASSIGN_OR_RETURN(dimension.name, object.requireString("name", "the dimension's column name"));
    FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, object.getString("type"));
    std::string lowerType = toLowerAscii(type.value_or("string"));
    if (lowerType == "string") {
      dimension.type = DimensionType::kString;
    } else if (lowerType == "long") {
      dimension.type = DimensionType::kLong;
    } else if (lowerType == "float") {
      dimension.type = DimensionType::kFloat;
    } else if (lowerType == "double") {
      dimension.type = DimensionType::kDouble;
    } else {
      return specError(object.pathOf("type"),
                       strCat("unsupported dimension type '", *type, "'; expected string, long, float or double"));
    }
    object.ignore("createBitmapIndex", "Furl does not build bitmap indexes");
    object.ignore("multiValueHandling", "multi-value fields keep the order of the input");
    object.noteUnreadKeys();
  } else {
    return specError(path, strCat("expected a dimension name or an object with name and type, got ",
                                        jsonTypeName(element)));
  }
  if (dimension.name.empty()) return specError(path, "empty dimension name");
  return dimension;
}

absl::Status parseDimensionsSpec(SpecObject& object, DimensionsSpec& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> dimensions, object.getArray("dimensions"));
  std::string listPath = object.pathOf("dimensions");
  absl::flat_hash_set<std::string> seen;
  if (dimensions.has_value()) {
    size_t index = 0;
    for (simdjson::dom::element element : *dimensions) {
      std::string path = indexPath(listPath, index++);
      FURL_ASSIGN_OR_RETURN(DimensionSpec dimension, parseDimension(element, path, object.notes()));
      if (dimension.name == kTimeColumn) {
        return specError(path, "__time cannot be a dimension; it is the time column, filled from timestampSpec");
      }
      if (!seen.insert(dimension.name).second) {
        return specError(path, strCat("duplicate dimension '", dimension.name, "'"));
      }
      out.dimensions.push_back(std::move(dimension));
    }
  }

  FURL_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> exclusions, object.getStringList("dimensionExclusions"));
  if (exclusions.has_value()) {
    for (size_t i = 0; i < exclusions->size(); ++i) {
      if (seen.contains((*exclusions)[i])) {
        return specError(indexPath(object.pathOf("dimensionExclusions"), i),
                         strCat("'", (*exclusions)[i], "' is both a dimension and excluded; remove it from one list"));
      }
    }
    out.exclusions = *std::move(exclusions);
  }

  FURL_ASSIGN_OR_RETURN(std::optional<bool> useSchemaDiscovery, object.getBool("useSchemaDiscovery"));
  FURL_ASSIGN_OR_RETURN(std::optional<bool> includeAllDimensions, object.getBool("includeAllDimensions"));
  if (useSchemaDiscovery.value_or(false)) {
    out.discovery = SchemaDiscovery::kTyped;
  } else if (out.dimensions.empty() || includeAllDimensions.value_or(false)) {
    out.discovery = SchemaDiscovery::kStringsOnly;
  } else {
    out.discovery = SchemaDiscovery::kExplicit;
  }
  object.ignore("spatialDimensions", "Furl has no spatial indexes");
  object.ignore("forceSegmentSortByTime", "Furl always sorts segments by __time first");
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// --- metricsSpec -------------------------------------------------------------

absl::StatusOr<MetricSpec> parseMetric(simdjson::dom::element element, const std::string& path,
                                       std::vector<std::string>* notes) {
  FURL_ASSIGN_OR_RETURN(SpecObject object, SpecObject::from(element, path, notes));
  FURL_ASSIGN_OR_RETURN(std::string typeName, object.requireString("type", strCat("a metric type: ", metricTypesForMessage())));

  MetricSpec metric;
  bool known = false;
  for (const MetricTypeName& entry : kMetricTypes) {
    if (entry.name == typeName) {
      metric.type = entry.type;
      known = true;
    }
  }
  bool hyperUnique = typeName == "hyperUnique";
  if (hyperUnique) {
    // Druid's hyperUnique has 2^11 registers; build the same size.
    metric.type = MetricType::kHllSketchBuild;
    metric.lgK = 11;
    known = true;
  }
  if (!known) {
    return specError(object.pathOf("type"), strCat("unsupported metric type '", typeName,
                                                         "'; expected one of ", metricTypesForMessage()));
  }

  FURL_ASSIGN_OR_RETURN(metric.name, object.requireString("name", "the metric's column name"));
  if (object.has("expression")) {
    return specError(object.pathOf("expression"),
                     "metric expressions are not supported; add an expression transform and use its name as fieldName");
  }
  if (metric.type == MetricType::kCount) {
    object.ignore("fieldName", "count counts input rows");
  } else {
    FURL_ASSIGN_OR_RETURN(metric.fieldName, object.requireString("fieldName", "the input field to aggregate"));
  }

  if (isHll(metric.type)) {
    FURL_ASSIGN_OR_RETURN(std::optional<int64_t> lgK, object.getInt("lgK", 4, 21));
    if (lgK.has_value()) metric.lgK = static_cast<int>(*lgK);
    FURL_ASSIGN_OR_RETURN(std::optional<std::string> tgtHllType, object.getString("tgtHllType"));
    if (tgtHllType.has_value()) {
      if (*tgtHllType != "HLL_4" && *tgtHllType != "HLL_6" && *tgtHllType != "HLL_8") {
        return specError(object.pathOf("tgtHllType"),
                         strCat("unknown HLL type '", *tgtHllType, "'; expected HLL_4, HLL_6 or HLL_8"));
      }
      metric.tgtHllType = *tgtHllType;
      notes->push_back(strCat(object.pathOf("tgtHllType"),
                                    " is accepted, but Furl stores every HLL sketch with one-byte registers"));
    }
    object.ignore("round", "rounding of estimates is chosen in the query");
    object.ignore("stringEncoding", "Furl hashes the UTF-8 bytes of strings");
    object.ignore("shouldFinalize", "finalization is chosen in the query");
    if (hyperUnique) {
      object.ignore("isInputHyperUnique", "Druid's hyperUnique sketches cannot be read; inputs are raw values");
      notes->push_back(strCat(path, " (hyperUnique '", metric.name,
                                    "') is built as an HLL sketch with lgK 11, not as Druid's hyperUnique"));
    }
    if (metric.type == MetricType::kHllSketchMerge) {
      notes->push_back(strCat(path, " (HLLSketchMerge '", metric.name,
                                    "') reads Furl-format sketches; Druid's DataSketches sketches cannot be read"));
    }
  }
  if (metric.type == MetricType::kStringFirst || metric.type == MetricType::kStringLast) {
    FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxStringBytes, object.getInt("maxStringBytes", 1, 1 << 20));
    if (maxStringBytes.has_value()) metric.maxStringBytes = *maxStringBytes;
  }
  if (isFirstOrLast(metric.type)) object.ignore("timeColumn", "first and last are ordered by __time");
  object.noteUnreadKeys();
  return metric;
}

// --- granularitySpec ---------------------------------------------------------

absl::StatusOr<Granularity> parseGranularity(simdjson::dom::element element, const std::string& path,
                                             std::vector<std::string>* notes) {
  std::string_view name;
  if (!element.get_string().get(name)) {
    absl::StatusOr<Granularity> named = Granularity::fromName(name);
    if (named.ok()) return named;
    if (!name.empty() && (name[0] == 'P' || name[0] == 'p')) {
      absl::StatusOr<Period> period = parsePeriod(name);
      if (!period.ok()) return specError(path, period.status());
      absl::StatusOr<Granularity> fromPeriod = Granularity::fromPeriod(*period);
      if (!fromPeriod.ok()) return specError(path, fromPeriod.status());
      return fromPeriod;
    }
    return specError(path, named.status());
  }

  FURL_ASSIGN_OR_RETURN(SpecObject object, SpecObject::from(element, path, notes));
  FURL_ASSIGN_OR_RETURN(std::string type, object.requireString("type", "period, duration, all or none"));
  std::optional<int64_t> originMs;
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> origin, object.getString("origin"));
  if (origin.has_value()) {
    originMs = parseTimestampMs(*origin);
    if (!originMs.has_value()) {
      return specError(object.pathOf("origin"), strCat("invalid timestamp '", *origin, "'; expected ISO-8601"));
    }
  }
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> timeZone, object.getString("timeZone"));
  if (timeZone.has_value() && *timeZone != "UTC" && *timeZone != "Etc/UTC" && *timeZone != "Z" &&
      *timeZone != "+00:00") {
    return specError(object.pathOf("timeZone"),
                     strCat("time zone '", *timeZone, "' is not supported; Furl buckets time in UTC"));
  }

  absl::StatusOr<Granularity> granularity;
  if (type == "period") {
    FURL_ASSIGN_OR_RETURN(std::string periodText, object.requireString("period", "an ISO-8601 period such as PT1H"));
    absl::StatusOr<Period> period = parsePeriod(periodText);
    if (!period.ok()) return specError(object.pathOf("period"), period.status());
    granularity = Granularity::fromPeriod(*period, originMs);
  } else if (type == "duration") {
    FURL_ASSIGN_OR_RETURN(std::optional<int64_t> duration, object.getInt("duration", 1, INT64_MAX));
    if (!duration.has_value()) return specError(object.pathOf("duration"), "missing; expected milliseconds");
    granularity = Granularity::fromPeriod(Period{.millis = *duration}, originMs);
  } else if (type == "all" || type == "none") {
    granularity = type == "all" ? Granularity::all() : Granularity::none();
  } else {
    return specError(object.pathOf("type"),
                     strCat("unknown granularity type '", type, "'; expected period, duration, all or none"));
  }
  if (!granularity.ok()) return specError(path, granularity.status());
  object.noteUnreadKeys();
  return granularity;
}

absl::Status parseGranularitySpec(SpecObject& object, GranularitySpec& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, object.getString("type"));
  if (type.has_value() && *type != "uniform") {
    if (*type == "arbitrary") {
      object.notes()->push_back(strCat(object.pathOf("type"),
                                             " 'arbitrary' is treated as 'uniform': streaming segments follow segmentGranularity"));
    } else {
      return specError(object.pathOf("type"), strCat("unknown granularitySpec type '", *type, "'; expected uniform"));
    }
  }
  if (std::optional<simdjson::dom::element> segment = object.get("segmentGranularity")) {
    FURL_ASSIGN_OR_RETURN(out.segmentGranularity,
                          parseGranularity(*segment, object.pathOf("segmentGranularity"), object.notes()));
  }
  if (std::optional<simdjson::dom::element> query = object.get("queryGranularity")) {
    FURL_ASSIGN_OR_RETURN(out.queryGranularity, parseGranularity(*query, object.pathOf("queryGranularity"), object.notes()));
  }
  FURL_ASSIGN_OR_RETURN(std::optional<bool> rollup, object.getBool("rollup"));
  out.rollup = rollup.value_or(true);

  if (out.segmentGranularity.kind() == Granularity::Kind::kNone) {
    return specError(object.pathOf("segmentGranularity"),
                     "NONE would make one segment per millisecond; expected a granularity such as HOUR or DAY");
  }
  if (out.queryGranularity.nominalMillis() > out.segmentGranularity.nominalMillis()) {
    return specError(object.pathOf("queryGranularity"),
                     strCat(out.queryGranularity.toString(), " is coarser than segmentGranularity ",
                                  out.segmentGranularity.toString(), "; expected the same or a finer granularity"));
  }
  object.ignore("intervals", "a streaming supervisor ingests every interval");
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// --- transformSpec -----------------------------------------------------------

absl::Status parseTransformSpec(SpecObject& object, TransformSpec& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> transforms, object.getArray("transforms"));
  if (transforms.has_value()) {
    size_t index = 0;
    absl::flat_hash_set<std::string> names;
    for (simdjson::dom::element element : *transforms) {
      std::string path = indexPath(object.pathOf("transforms"), index++);
      FURL_ASSIGN_OR_RETURN(SpecObject transform, SpecObject::from(element, path, object.notes()));
      FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, transform.getString("type"));
      if (type.value_or("expression") != "expression") {
        return specError(transform.pathOf("type"), strCat("unknown transform type '", *type, "'; expected expression"));
      }
      FURL_ASSIGN_OR_RETURN(std::string name, transform.requireString("name", "the output column name"));
      FURL_ASSIGN_OR_RETURN(std::string expression, transform.requireString("expression", "a Druid expression"));
      if (!names.insert(name).second) {
        return specError(transform.pathOf("name"), strCat("duplicate transform '", name, "'"));
      }
      absl::StatusOr<DruidExpression> compiled = DruidExpression::parse(expression);
      if (!compiled.ok()) return specError(transform.pathOf("expression"), compiled.status());
      transform.noteUnreadKeys();
      out.transforms.push_back({std::move(name), std::move(expression), *std::move(compiled)});
    }
  }
  if (std::optional<simdjson::dom::element> filter = object.get("filter")) {
    FURL_ASSIGN_OR_RETURN(out.filter, RowFilter::fromJson(*filter, object.pathOf("filter"), object.notes()));
  }
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// --- input formats -----------------------------------------------------------

// Reads the format fields shared by ioConfig.inputFormat and the older
// dataSchema.parser.parseSpec; `typeKey` is "type" or "format".
absl::Status parseInputFormat(SpecObject& object, std::string_view typeKey, InputFormat& out) {
  FURL_ASSIGN_OR_RETURN(std::string type, object.requireString(typeKey, "json, csv or tsv"));
  std::string lower = toLowerAscii(type);
  if (lower == "json") {
    out.type = InputFormatType::kJson;
  } else if (lower == "csv") {
    out.type = InputFormatType::kCsv;
    out.delimiter = ",";
  } else if (lower == "tsv") {
    out.type = InputFormatType::kTsv;
    out.delimiter = "\t";
  } else {
    return specError(object.pathOf(typeKey), strCat("unsupported input format '", type, "'; expected json, csv or tsv"));
  }

  if (out.type == InputFormatType::kJson) {
    FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> flattenSpec, object.getObject("flattenSpec"));
    if (flattenSpec.has_value()) FURL_RETURN_IF_ERROR(parseFlattenSpec(*flattenSpec, out.flattenSpec));
    object.ignore("featureSpec", "Furl's JSON reader has fixed features");
    object.ignore("keepNullColumns", "NULL fields are kept");
    object.ignore("assumeNewlineDelimited", "each Kafka message is one event");
    object.ignore("useJsonNodeReader", "each Kafka message is one event");
    object.noteUnreadKeys();
    return absl::OkStatus();
  }

  if (object.has("flattenSpec")) {
    return specError(object.pathOf("flattenSpec"), strCat("flattenSpec applies only to the json input format, not ", lower));
  }
  FURL_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> columns, object.getStringList("columns"));
  FURL_ASSIGN_OR_RETURN(std::optional<bool> findColumnsFromHeader, object.getBool("findColumnsFromHeader"));
  FURL_ASSIGN_OR_RETURN(std::optional<bool> hasHeaderRow, object.getBool("hasHeaderRow"));
  if (findColumnsFromHeader.value_or(false) || hasHeaderRow.value_or(false)) {
    std::string_view key = findColumnsFromHeader.value_or(false) ? "findColumnsFromHeader" : "hasHeaderRow";
    return specError(object.pathOf(key), "header rows are not supported for Kafka messages; list the columns");
  }
  if (!columns.has_value() || columns->empty()) {
    return specError(object.pathOf("columns"), "missing; expected the list of column names in field order");
  }
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < columns->size(); ++i) {
    if ((*columns)[i].empty() || !seen.insert((*columns)[i]).second) {
      return specError(indexPath(object.pathOf("columns"), i),
                       strCat("empty or duplicate column name '", (*columns)[i], "'"));
    }
  }
  out.columns = *std::move(columns);

  FURL_ASSIGN_OR_RETURN(std::optional<std::string> delimiter, object.getString("delimiter"));
  if (delimiter.has_value()) {
    if (delimiter->empty()) return specError(object.pathOf("delimiter"), "empty; expected a separator such as \"\\t\"");
    out.delimiter = *delimiter;
  }
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> listDelimiter, object.getString("listDelimiter"));
  if (listDelimiter.has_value()) out.listDelimiter = *listDelimiter;
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> skipHeaderRows, object.getInt("skipHeaderRows", 0, 1'000'000));
  if (skipHeaderRows.value_or(0) != 0) {
    return specError(object.pathOf("skipHeaderRows"), "header rows are not supported for Kafka messages; use 0");
  }
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// --- dataSchema --------------------------------------------------------------

// Reads the older dataSchema.parser: {"type": "string", "parseSpec": {...}}.
absl::Status parseParser(SpecObject& parser, IngestionSpec& out, bool& hasTimestampSpec, bool& hasDimensionsSpec) {
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, parser.getString("type"));
  if (type.has_value() && *type != "string") {
    return specError(parser.pathOf("type"), strCat("unsupported parser type '", *type, "'; expected string"));
  }
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> parseSpec, parser.getObject("parseSpec"));
  if (!parseSpec.has_value()) return specError(parser.pathOf("parseSpec"), "missing; expected an object with format and timestampSpec");

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> timestampSpec, parseSpec->getObject("timestampSpec"));
  if (timestampSpec.has_value()) {
    FURL_RETURN_IF_ERROR(parseTimestampSpec(*timestampSpec, out.timestampSpec));
    hasTimestampSpec = true;
  }
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> dimensionsSpec, parseSpec->getObject("dimensionsSpec"));
  if (dimensionsSpec.has_value()) {
    FURL_RETURN_IF_ERROR(parseDimensionsSpec(*dimensionsSpec, out.dimensionsSpec));
    hasDimensionsSpec = true;
  }
  FURL_RETURN_IF_ERROR(parseInputFormat(*parseSpec, "format", out.ioConfig.inputFormat));
  parser.noteUnreadKeys();
  return absl::OkStatus();
}

absl::Status parseDataSchema(SpecObject& object, IngestionSpec& out, bool& hasParser) {
  FURL_ASSIGN_OR_RETURN(out.dataSource, object.requireString("dataSource", "the name of the table to ingest into"));
  if (out.dataSource.find('/') != std::string::npos || stripAsciiWhitespace(out.dataSource) != out.dataSource) {
    return specError(object.pathOf("dataSource"),
                     strCat("invalid name '", out.dataSource, "'; '/' and surrounding spaces are not allowed"));
  }

  bool hasTimestampSpec = false;
  bool hasDimensionsSpec = false;
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> parser, object.getObject("parser"));
  if (parser.has_value()) {
    hasParser = true;
    if (object.has("timestampSpec") || object.has("dimensionsSpec")) {
      std::string_view key = object.has("timestampSpec") ? "timestampSpec" : "dimensionsSpec";
      return specError(object.pathOf(key), "set either dataSchema.parser or timestampSpec and dimensionsSpec, not both");
    }
    FURL_RETURN_IF_ERROR(parseParser(*parser, out, hasTimestampSpec, hasDimensionsSpec));
  }
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> timestampSpec, object.getObject("timestampSpec"));
  if (timestampSpec.has_value()) {
    FURL_RETURN_IF_ERROR(parseTimestampSpec(*timestampSpec, out.timestampSpec));
    hasTimestampSpec = true;
  }
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> dimensionsSpec, object.getObject("dimensionsSpec"));
  if (dimensionsSpec.has_value()) {
    FURL_RETURN_IF_ERROR(parseDimensionsSpec(*dimensionsSpec, out.dimensionsSpec));
    hasDimensionsSpec = true;
  }
  if (!hasTimestampSpec) {
    object.notes()->push_back(strCat(object.pathOf("timestampSpec"),
                                           " is missing: events take their time from the field 'timestamp' (format auto)"));
  }
  if (!hasDimensionsSpec) out.dimensionsSpec.discovery = SchemaDiscovery::kStringsOnly;

  FURL_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> metrics, object.getArray("metricsSpec"));
  if (metrics.has_value()) {
    size_t index = 0;
    for (simdjson::dom::element element : *metrics) {
      FURL_ASSIGN_OR_RETURN(MetricSpec metric,
                            parseMetric(element, indexPath(object.pathOf("metricsSpec"), index++), object.notes()));
      out.metrics.push_back(std::move(metric));
    }
  }

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> granularitySpec, object.getObject("granularitySpec"));
  if (granularitySpec.has_value()) FURL_RETURN_IF_ERROR(parseGranularitySpec(*granularitySpec, out.granularitySpec));
  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> transformSpec, object.getObject("transformSpec"));
  if (transformSpec.has_value()) FURL_RETURN_IF_ERROR(parseTransformSpec(*transformSpec, out.transformSpec));
  object.noteUnreadKeys();

  // Column names: unique across dimensions and metrics, never __time.
  absl::flat_hash_set<std::string> dimensionNames;
  for (const DimensionSpec& dimension : out.dimensionsSpec.dimensions) dimensionNames.insert(dimension.name);
  absl::flat_hash_set<std::string> metricNames;
  for (size_t i = 0; i < out.metrics.size(); ++i) {
    const std::string& name = out.metrics[i].name;
    std::string path = childPath(indexPath(object.pathOf("metricsSpec"), i), "name");
    if (name == kTimeColumn) return specError(path, "__time is the time column and cannot be a metric");
    if (dimensionNames.contains(name)) {
      return specError(path, strCat("'", name, "' is also a dimension; dimensions and metrics need distinct names"));
    }
    if (!metricNames.insert(name).second) return specError(path, strCat("duplicate metric '", name, "'"));
  }
  return absl::OkStatus();
}

// --- ioConfig and tuningConfig -----------------------------------------------

absl::Status parseIoConfig(SpecObject& object, bool hasParser, IoConfig& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, object.getString("type"));
  if (type.has_value() && *type != "kafka") {
    return specError(object.pathOf("type"), strCat("unsupported ioConfig type '", *type, "'; expected kafka"));
  }
  if (object.has("topicPattern") && !object.has("topic")) {
    return specError(object.pathOf("topicPattern"), "topic patterns are not supported; set topic to one topic name");
  }
  FURL_ASSIGN_OR_RETURN(out.topic, object.requireString("topic", "the Kafka topic to consume"));

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> properties, object.getObject("consumerProperties"));
  if (!properties.has_value()) {
    return specError(object.pathOf("consumerProperties"), "missing; expected an object with bootstrap.servers");
  }
  std::optional<simdjson::dom::element> rawProperties = object.get("consumerProperties");
  simdjson::dom::object propertyObject = rawProperties->get_object().value_unsafe();
  for (simdjson::dom::key_value_pair property : propertyObject) {
    std::string path = properties->pathOf(property.key);
    std::string_view text;
    if (!property.value.get_string().get(text)) {
      out.consumerProperties[std::string(property.key)] = std::string(text);
    } else if (property.value.is_number() || property.value.is_bool()) {
      out.consumerProperties[std::string(property.key)] = simdjson::minify(property.value);
    } else {
      return specError(path, strCat("expected a string, number or boolean, got ", jsonTypeName(property.value),
                                          "; dynamic config providers are not supported"));
    }
  }
  auto bootstrap = out.consumerProperties.find("bootstrap.servers");
  if (bootstrap == out.consumerProperties.end() || bootstrap->second.empty()) {
    return specError(properties->pathOf("bootstrap.servers"), "missing; expected host:port[,host:port...] of the Kafka brokers");
  }

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> inputFormat, object.getObject("inputFormat"));
  if (inputFormat.has_value() && hasParser) {
    return specError(object.pathOf("inputFormat"), "set either ioConfig.inputFormat or dataSchema.parser, not both");
  }
  if (inputFormat.has_value()) {
    FURL_RETURN_IF_ERROR(parseInputFormat(*inputFormat, "type", out.inputFormat));
  } else if (!hasParser) {
    return specError(object.pathOf("inputFormat"), "missing; expected an object such as {\"type\": \"json\"}");
  }

  FURL_ASSIGN_OR_RETURN(std::optional<bool> useEarliestOffset, object.getBool("useEarliestOffset"));
  out.useEarliestOffset = useEarliestOffset.value_or(false);

  object.ignore("replicas", "Furl runs one consumer group per supervisor");
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> taskCount, object.getInt("taskCount", 1, kMaxTaskCount));
  out.taskCount = static_cast<int>(taskCount.value_or(1));
  object.ignore("taskDuration", "Furl has no indexing tasks that end after a fixed time");
  object.ignore("completionTimeout", "Furl has no indexing tasks");
  object.ignore("startDelay", "consumption starts when the spec is submitted");
  object.ignore("period", "Furl has no supervisor management loop");
  object.ignore("pollTimeout", "the consumer's poll timeout is a server setting");
  object.ignore("autoScalerConfig", "Furl does not scale tasks");
  object.ignore("idleConfig", "Furl does not idle supervisors");
  object.ignore("stopTaskCount", "Furl has no indexing tasks");
  // TODO: reject late and early events once the consumer loop tracks a watermark.
  object.ignore("lateMessageRejectionPeriod", "late events are not rejected yet");
  object.ignore("lateMessageRejectionStartDateTime", "late events are not rejected yet");
  object.ignore("earlyMessageRejectionPeriod", "early events are not rejected yet");
  object.ignore("configOverrides", "Furl has no per-task overrides");
  object.noteUnreadKeys();
  return absl::OkStatus();
}

absl::Status parseTieringSpec(SpecObject& object, TieringSpec& out) {
  for (auto [key, field] : {std::pair{"hotPeriod", &out.hotPeriod}, std::pair{"coldAfter", &out.coldAfter},
                            std::pair{"retention", &out.retention}}) {
    FURL_ASSIGN_OR_RETURN(*field, object.getString(key));
    if (!field->has_value()) continue;
    absl::StatusOr<Period> period = parsePeriod(**field);
    if (!period.ok()) return specError(object.pathOf(key), toStd(period.status().message()));
    if (period->isZero()) return specError(object.pathOf(key), strCat("'", **field, "' is zero; use a positive period such as P7D"));
  }
  object.noteUnreadKeys();
  return absl::OkStatus();
}

absl::Status parseTuningConfig(SpecObject& object, TuningConfig& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<std::string> type, object.getString("type"));
  if (type.has_value() && *type != "kafka") {
    return specError(object.pathOf("type"), strCat("unsupported tuningConfig type '", *type, "'; expected kafka"));
  }
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxRowsInMemory, object.getInt("maxRowsInMemory", 1, INT64_MAX));
  out.maxRowsInMemory = maxRowsInMemory.value_or(out.maxRowsInMemory);
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxBytesInMemory, object.getInt("maxBytesInMemory", -1, INT64_MAX));
  out.maxBytesInMemory = maxBytesInMemory.value_or(out.maxBytesInMemory);
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxRowsPerSegment, object.getInt("maxRowsPerSegment", 1, INT64_MAX));
  out.maxRowsPerSegment = maxRowsPerSegment.value_or(out.maxRowsPerSegment);
  FURL_ASSIGN_OR_RETURN(out.maxTotalRows, object.getInt("maxTotalRows", 1, INT64_MAX));
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxParseExceptions, object.getInt("maxParseExceptions", 0, INT64_MAX));
  out.maxParseExceptions = maxParseExceptions.value_or(out.maxParseExceptions);
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> maxSaved, object.getInt("maxSavedParseExceptions", 0, INT64_MAX));
  out.maxSavedParseExceptions = maxSaved.value_or(out.maxSavedParseExceptions);
  FURL_ASSIGN_OR_RETURN(std::optional<int64_t> handoffTimeout, object.getInt("handoffConditionTimeout", 0, INT64_MAX));
  out.handoffConditionTimeoutMs = handoffTimeout.value_or(out.handoffConditionTimeoutMs);

  FURL_ASSIGN_OR_RETURN(std::optional<bool> resetOffsetAutomatically, object.getBool("resetOffsetAutomatically"));
  out.resetOffsetAutomatically = resetOffsetAutomatically.value_or(false);
  FURL_ASSIGN_OR_RETURN(std::optional<bool> reportParseExceptions, object.getBool("reportParseExceptions"));
  out.reportParseExceptions = reportParseExceptions.value_or(false);
  FURL_ASSIGN_OR_RETURN(std::optional<bool> logParseExceptions, object.getBool("logParseExceptions"));
  out.logParseExceptions = logParseExceptions.value_or(false);

  FURL_ASSIGN_OR_RETURN(std::optional<std::string> persistPeriod, object.getString("intermediatePersistPeriod"));
  if (persistPeriod.has_value()) {
    std::string path = object.pathOf("intermediatePersistPeriod");
    absl::StatusOr<Period> period = parsePeriod(*persistPeriod);
    if (!period.ok()) return specError(path, period.status());
    std::optional<int64_t> ms = period->fixedMillis();
    if (!ms.has_value() || *ms <= 0) {
      return specError(path, strCat("'", *persistPeriod, "' has no fixed positive length; expected a period such as PT10M"));
    }
    out.intermediatePersistPeriodMs = *ms;
  }

  for (std::string_view key : {"indexSpec", "indexSpecForIntermediatePersists", "maxPendingPersists", "workerThreads",
                               "chatThreads", "chatRetries", "httpTimeout", "shutdownTimeout", "offsetFetchPeriod",
                               "skipSequenceNumberAvailabilityCheck", "segmentWriteOutMediumFactory", "partitionsSpec",
                               "appendableIndexSpec", "numPersistThreads", "basePersistDirectory",
                               "intermediateHandoffPeriod", "buildV9Directly"}) {
    object.ignore(key, kTaskSettingReason);
  }
  object.noteUnreadKeys();
  return absl::OkStatus();
}

// The input fields that the parsed spec reads by name: the timestamp
// column, the listed dimensions, the metrics' input fields and the filter's
// fields.
FieldNameSet namedInputFields(const IngestionSpec& spec) {
  FieldNameSet fields;
  fields.insert(spec.timestampSpec.column);
  for (const DimensionSpec& dimension : spec.dimensionsSpec.dimensions) fields.insert(dimension.name);
  for (const MetricSpec& metric : spec.metrics) {
    if (!metric.fieldName.empty()) fields.insert(metric.fieldName);
  }
  if (spec.transformSpec.filter.has_value()) spec.transformSpec.filter->addInputFields(fields);
  return fields;
}

// Returns the fields that the parsed spec reads, or nullopt when it may read
// any field. It is also nullopt when the flattenSpec takes a read field from
// somewhere other than the top-level member of that name, because the JSON
// fast path reads top-level members only.
std::optional<FieldNameSet> readFields(const IngestionSpec& spec) {
  if (spec.dimensionsSpec.discovery != SchemaDiscovery::kExplicit || !spec.transformSpec.transforms.empty()) {
    return std::nullopt;
  }
  FieldNameSet fields = namedInputFields(spec);
  for (const std::string& name : fields.names()) {
    if (!spec.ioConfig.inputFormat.flattenSpec.readsTopLevelMember(name)) return std::nullopt;
  }
  return fields;
}

// Makes the flattenSpec fields the dimensions of a schemaless spec when
// flattenSpec.useFieldDiscovery is false. They are then the only input
// fields, so the string dimensions that discovery would find are known when
// the spec is read, and the table can be created with them.
void listFlattenedDimensions(IngestionSpec& spec) {
  const FlattenSpec& flatten = spec.ioConfig.inputFormat.flattenSpec;
  if (flatten.useFieldDiscovery() || spec.dimensionsSpec.discovery != SchemaDiscovery::kStringsOnly) return;

  std::vector<std::string> names;
  for (const FlattenField& field : flatten.fields()) {
    if (spec.isDiscoveredDimension(field.name)) names.push_back(field.name);
  }
  std::string list;
  for (const std::string& name : names) {
    strAppend(&list, list.empty() ? "" : ", ", name);
    spec.dimensionsSpec.dimensions.push_back({name, DimensionType::kString});
  }
  spec.dimensionsSpec.discovery = SchemaDiscovery::kExplicit;
  spec.notes.push_back(strCat("dimensionsSpec: flattenSpec.useFieldDiscovery is false, so the dimensions are the "
                              "flattenSpec fields that are not the timestamp, a metric or excluded, as strings: ",
                              list.empty() ? "none" : list));
}

// Notes each field the spec reads that flattening never sets, because
// flattenSpec.useFieldDiscovery is false and no flattenSpec field has its name.
void noteUndefinedInputFields(IngestionSpec& spec) {
  const FlattenSpec& flatten = spec.ioConfig.inputFormat.flattenSpec;
  if (flatten.useFieldDiscovery()) return;
  FieldNameSet readNames = namedInputFields(spec);
  for (const std::string& name : readNames.names()) {
    if (flatten.defines(name)) continue;
    spec.notes.push_back(strCat("input field '", name, "' is read but is not a flattenSpec field, and "
                                "flattenSpec.useFieldDiscovery is false, so it is always null"));
  }
}

}  // namespace

std::string_view dimensionTypeName(DimensionType type) {
  switch (type) {
    case DimensionType::kString: return "string";
    case DimensionType::kLong: return "long";
    case DimensionType::kFloat: return "float";
    case DimensionType::kDouble: return "double";
  }
  return "string";
}

std::string_view metricTypeName(MetricType type) {
  for (const MetricTypeName& entry : kMetricTypes) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<IngestionSpec> parseIngestionSpec(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return absl::InvalidArgumentError(strCat("invalid JSON in the supervisor spec: ", simdjson::error_message(error)));
  }

  IngestionSpec spec;
  FURL_ASSIGN_OR_RETURN(SpecObject top, SpecObject::from(root, "", &spec.notes));
  FURL_ASSIGN_OR_RETURN(std::string type, top.requireString("type", "'kafka'"));
  if (type != "kafka") {
    return specError("type", strCat("unsupported supervisor type '", type, "'; expected 'kafka'"));
  }

  // The current shape nests everything in "spec"; the older one has the
  // sections at the top level.
  SpecObject* body = &top;
  std::optional<SpecObject> nested;
  if (top.has("spec")) {
    if (top.has("dataSchema")) return specError("dataSchema", "set the sections either inside spec or at the top level, not both");
    FURL_ASSIGN_OR_RETURN(nested, top.getObject("spec"));
    body = &*nested;
  }

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> dataSchema, body->getObject("dataSchema"));
  if (!dataSchema.has_value()) return specError(body->pathOf("dataSchema"), "missing; expected an object with dataSource and timestampSpec");
  bool hasParser = false;
  FURL_RETURN_IF_ERROR(parseDataSchema(*dataSchema, spec, hasParser));

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> ioConfig, body->getObject("ioConfig"));
  if (!ioConfig.has_value()) return specError(body->pathOf("ioConfig"), "missing; expected an object with topic and consumerProperties");
  FURL_RETURN_IF_ERROR(parseIoConfig(*ioConfig, hasParser, spec.ioConfig));

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> tuningConfig, body->getObject("tuningConfig"));
  if (tuningConfig.has_value()) FURL_RETURN_IF_ERROR(parseTuningConfig(*tuningConfig, spec.tuningConfig));

  FURL_ASSIGN_OR_RETURN(std::optional<SpecObject> tieringSpec, body->getObject("tieringSpec"));
  if (tieringSpec.has_value()) FURL_RETURN_IF_ERROR(parseTieringSpec(*tieringSpec, spec.tieringSpec));

  if (nested.has_value()) {
    nested->ignore("type", "the supervisor type is read from the top level");
    nested->noteUnreadKeys();
  }
  top.ignore("context", "Druid task context has no Furl counterpart");
  top.ignore("suspended", "submit or remove the spec to start or stop ingestion");
  top.noteUnreadKeys();
  listFlattenedDimensions(spec);
  noteUndefinedInputFields(spec);
  spec.inputFields = readFields(spec);
  return spec;
}

std::map<std::string, std::string> TieringSpec::tableSettings() const {
  std::map<std::string, std::string> settings;
  if (hotPeriod) settings["hot_period"] = *hotPeriod;
  if (coldAfter) settings["cold_after"] = *coldAfter;
  if (retention) settings["retention"] = *retention;
  return settings;
}

absl::StatusOr<int64_t> IngestionSpec::eventTimeMs(const Event& event) const {
  const FieldValues* values = event.find(timestampSpec.column);
  bool missing = values == nullptr || values->empty() || (values->size() == 1 && (*values)[0].isNull());
  if (missing) {
    if (timestampSpec.missingValueMs.has_value()) return *timestampSpec.missingValueMs;
    return absl::InvalidArgumentError(strCat("missing timestamp field '", timestampSpec.column, "'"));
  }
  if (values->size() > 1) {
    return absl::InvalidArgumentError(strCat("timestamp field '", timestampSpec.column, "' has ", values->size(),
                                                   " values; expected one"));
  }
  absl::StatusOr<int64_t> ms = timestampSpec.parser.parse((*values)[0]);
  if (!ms.ok()) {
    return absl::InvalidArgumentError(strCat("timestamp field '", timestampSpec.column, "': ", toStd(ms.status().message())));
  }
  return ms;
}

absl::StatusOr<int64_t> IngestionSpec::applyTransforms(Event& event, int64_t timeMs) const {
  if (transformSpec.transforms.empty()) return timeMs;

  // Transforms cannot read each other's outputs, so all are evaluated
  // before the first output is set.
  std::vector<FieldValues> outputs;
  outputs.reserve(transformSpec.transforms.size());
  for (const ExpressionTransform& transform : transformSpec.transforms) {
    outputs.push_back(transform.compiled.evaluate(event, timeMs));
  }

  int64_t eventTimeMs = timeMs;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& name = transformSpec.transforms[i].name;
    FieldValues& values = outputs[i];
    if (name == kTimeColumn) {
      std::optional<int64_t> ms;
      if (values.size() == 1 && !values[0].isNull()) {
        const Value::Storage& storage = values[0].storage();
        if (const auto* l = std::get_if<int64_t>(&storage)) ms = *l;
        if (const auto* d = std::get_if<double>(&storage); d != nullptr && std::isfinite(*d)) {
          ms = static_cast<int64_t>(std::floor(*d));
        }
      }
      if (!ms.has_value()) {
        std::string got = values.size() == 1 ? values[0].toString() : strCat(values.size(), " values");
        return absl::InvalidArgumentError(strCat("transform '__time' gave ", got,
                                                 "; expected a number of milliseconds since the epoch"));
      }
      eventTimeMs = *ms;
    } else if (values.size() == 1) {
      event.set(name, std::move(values[0]));
    } else {
      event.setMulti(name, std::vector<Value>(std::make_move_iterator(values.begin()),
                                              std::make_move_iterator(values.end())));
    }
  }
  return eventTimeMs;
}

bool IngestionSpec::passesFilter(const Event& event) const {
  return !transformSpec.filter.has_value() || transformSpec.filter->matches(event);
}

bool IngestionSpec::isDiscoveredDimension(std::string_view field) const {
  if (dimensionsSpec.discovery == SchemaDiscovery::kExplicit) return false;
  if (field == timestampSpec.column || field == kTimeColumn) return false;
  const FlattenSpec& flatten = ioConfig.inputFormat.flattenSpec;
  if (!flatten.useFieldDiscovery() && !flatten.defines(field)) return false;
  for (const DimensionSpec& dimension : dimensionsSpec.dimensions) {
    if (dimension.name == field) return false;  // listed, not discovered
  }
  for (const std::string& excluded : dimensionsSpec.exclusions) {
    if (excluded == field) return false;
  }
  for (const MetricSpec& metric : metrics) {
    if (metric.fieldName == field || metric.name == field) return false;
  }
  return true;
}

}  // namespace furl::ingest
