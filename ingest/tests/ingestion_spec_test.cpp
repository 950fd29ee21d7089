#include "ingest/ingestion_spec.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "ingest/text_util.h"

namespace furl::ingest {
namespace {

std::string readTestFile(const std::string& name) {
  std::ifstream in(std::string(FURL_INGEST_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool hasNoteContaining(const IngestionSpec& spec, std::string_view part) {
  for (const std::string& note : spec.notes) {
    if (note.find(part) != std::string::npos) return true;
  }
  return false;
}

std::string allNotes(const IngestionSpec& spec) {
  std::string text;
  for (const std::string& note : spec.notes) text += note + "\n";
  return text;
}

// A small valid spec in the current shape. The arguments are spliced into
// dataSchema and ioConfig (each starting with a comma) and used as
// tuningConfig.
std::string makeSpec(std::string_view dataSchemaExtra, std::string_view ioExtra = "",
                     std::string_view tuning = R"({"type":"kafka"})") {
  std::string spec = R"({"type":"kafka","spec":{
    "dataSchema":{"dataSource":"events","timestampSpec":{"column":"ts","format":"iso"},
                  "dimensionsSpec":{"dimensions":["page"]} DATA_SCHEMA_EXTRA},
    "ioConfig":{"topic":"events","inputFormat":{"type":"json"},
                "consumerProperties":{"bootstrap.servers":"127.0.0.1:9092"} IO_EXTRA},
    "tuningConfig":TUNING}})";
  spec.replace(spec.find("DATA_SCHEMA_EXTRA"), 17, dataSchemaExtra);
  spec.replace(spec.find("IO_EXTRA"), 8, ioExtra);
  spec.replace(spec.find("TUNING"), 6, tuning);
  return spec;
}

TEST(IngestionSpecTest, ParsesWikipediaSupervisor) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(readTestFile("wikipedia-kafka-supervisor.json"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dataSource, "wikipedia");
  EXPECT_EQ(spec->timestampSpec.column, "time");
  EXPECT_EQ(spec->timestampSpec.parser.format(), TimestampFormat::kAuto);
  ASSERT_EQ(spec->dimensionsSpec.dimensions.size(), 19u);
  EXPECT_EQ(spec->dimensionsSpec.dimensions[0].name, "channel");
  EXPECT_EQ(spec->dimensionsSpec.dimensions[0].type, DimensionType::kString);
  EXPECT_EQ(spec->dimensionsSpec.dimensions[16].name, "added");
  EXPECT_EQ(spec->dimensionsSpec.dimensions[16].type, DimensionType::kLong);
  EXPECT_EQ(spec->dimensionsSpec.discovery, SchemaDiscovery::kExplicit);
  EXPECT_TRUE(spec->metrics.empty());
  EXPECT_EQ(spec->granularitySpec.segmentGranularity.toString(), "DAY");
  EXPECT_EQ(spec->granularitySpec.queryGranularity.toString(), "NONE");
  EXPECT_FALSE(spec->granularitySpec.rollup);
  EXPECT_EQ(spec->ioConfig.topic, "wikipedia");
  EXPECT_EQ(spec->ioConfig.inputFormat.type, InputFormatType::kJson);
  EXPECT_EQ(spec->ioConfig.consumerProperties.at("bootstrap.servers"), "localhost:9092");
  EXPECT_FALSE(spec->ioConfig.useEarliestOffset);
  EXPECT_EQ(spec->tuningConfig.maxRowsInMemory, 150000);
  EXPECT_EQ(spec->tuningConfig.intermediatePersistPeriodMs, 600000);
  EXPECT_FALSE(spec->tuningConfig.reportParseExceptions);

  EXPECT_TRUE(hasNoteContaining(*spec, "spec.ioConfig.replicas is ignored: Furl runs one consumer group per supervisor"))
      << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.ioConfig.taskDuration is ignored")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.ioConfig.completionTimeout is ignored")) << allNotes(*spec);
  EXPECT_FALSE(spec->transformSpec.filter.has_value());
}

TEST(IngestionSpecTest, ParsesRollupSupervisor) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(readTestFile("wikipedia-rollup-supervisor.json"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dataSource, "wikipedia_by_minute");
  EXPECT_EQ(spec->timestampSpec.parser.format(), TimestampFormat::kIso);
  EXPECT_EQ(spec->dimensionsSpec.dimensions.size(), 6u);
  ASSERT_EQ(spec->metrics.size(), 6u);
  EXPECT_EQ(spec->metrics[0].type, MetricType::kCount);
  EXPECT_EQ(spec->metrics[0].name, "edits");
  EXPECT_EQ(spec->metrics[1].type, MetricType::kLongSum);
  EXPECT_EQ(spec->metrics[1].fieldName, "added");
  EXPECT_EQ(spec->metrics[4].type, MetricType::kLongMax);
  EXPECT_EQ(spec->metrics[4].name, "max_delta");
  EXPECT_EQ(spec->metrics[5].type, MetricType::kHllSketchBuild);
  EXPECT_EQ(spec->metrics[5].fieldName, "user");
  EXPECT_EQ(spec->metrics[5].lgK, 12);
  EXPECT_EQ(metricTypeName(spec->metrics[5].type), "HLLSketchBuild");
  EXPECT_EQ(spec->granularitySpec.segmentGranularity.toString(), "HOUR");
  EXPECT_EQ(spec->granularitySpec.queryGranularity.toString(), "MINUTE");
  EXPECT_TRUE(spec->granularitySpec.rollup);
  EXPECT_TRUE(spec->ioConfig.useEarliestOffset);
  EXPECT_EQ(spec->tuningConfig.maxRowsInMemory, 100000);

  ASSERT_TRUE(spec->transformSpec.filter.has_value());
  Event english = *parseJsonEvent(R"({"time":"2015-09-12T00:46:58.771Z","channel":"#en.wikipedia"})");
  Event french = *parseJsonEvent(R"({"time":"2015-09-12T00:46:58.771Z","channel":"#fr.wikipedia"})");
  EXPECT_FALSE(spec->passesFilter(english));
  EXPECT_TRUE(spec->passesFilter(french));
  absl::StatusOr<int64_t> time = spec->eventTimeMs(french);
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, 1442018818771);
}

TEST(IngestionSpecTest, ParsesOlderParserShape) {
  const char* json = R"({
    "type": "kafka",
    "dataSchema": {
      "dataSource": "metrics",
      "parser": {
        "type": "string",
        "parseSpec": {
          "format": "csv",
          "columns": ["ts", "host", "cpu", "tags"],
          "listDelimiter": "|",
          "timestampSpec": {"column": "ts", "format": "yyyy-MM-dd HH:mm:ss", "missingValue": "2000-01-01T00:00:00Z"},
          "dimensionsSpec": {"dimensions": ["host", {"type": "double", "name": "cpu"}], "dimensionExclusions": ["tags"]}
        }
      },
      "metricsSpec": [{"type": "doubleMax", "name": "max_cpu", "fieldName": "cpu"},
                      {"type": "hyperUnique", "name": "hosts", "fieldName": "host"}],
      "granularitySpec": {"segmentGranularity": {"type": "period", "period": "PT6H"},
                          "queryGranularity": {"type": "duration", "duration": 60000}}
    },
    "ioConfig": {"topic": "metrics", "consumerProperties": {"bootstrap.servers": "127.0.0.1:9092", "fetch.min.bytes": 1}},
    "tuningConfig": {"type": "kafka", "intermediatePersistPeriod": "PT1M", "maxBytesInMemory": -1,
                     "resetOffsetAutomatically": true, "indexSpec": {"bitmap": {"type": "roaring"}}},
    "context": {"priority": 10}
  })";
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(json);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dataSource, "metrics");
  EXPECT_EQ(spec->ioConfig.inputFormat.type, InputFormatType::kCsv);
  EXPECT_EQ(spec->ioConfig.inputFormat.columns.size(), 4u);
  EXPECT_EQ(spec->ioConfig.inputFormat.delimiter, ",");
  EXPECT_EQ(spec->ioConfig.inputFormat.listDelimiter, "|");
  EXPECT_EQ(spec->ioConfig.consumerProperties.at("fetch.min.bytes"), "1");
  EXPECT_EQ(spec->timestampSpec.parser.format(), TimestampFormat::kPattern);
  EXPECT_EQ(spec->timestampSpec.missingValueMs, 946684800000);
  ASSERT_EQ(spec->dimensionsSpec.dimensions.size(), 2u);
  EXPECT_EQ(spec->dimensionsSpec.dimensions[1].type, DimensionType::kDouble);
  EXPECT_EQ(spec->dimensionsSpec.exclusions, std::vector<std::string>{"tags"});
  EXPECT_EQ(spec->metrics[1].type, MetricType::kHllSketchBuild);
  EXPECT_EQ(spec->metrics[1].lgK, 11);
  EXPECT_EQ(spec->granularitySpec.segmentGranularity.toString(), "SIX_HOUR");
  EXPECT_EQ(spec->granularitySpec.queryGranularity.toString(), "MINUTE");
  EXPECT_EQ(spec->tuningConfig.intermediatePersistPeriodMs, 60000);
  EXPECT_EQ(spec->tuningConfig.maxBytesInMemory, -1);
  EXPECT_TRUE(spec->tuningConfig.resetOffsetAutomatically);
  EXPECT_TRUE(hasNoteContaining(*spec, "tuningConfig.indexSpec is ignored")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "context is ignored")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "dataSchema.metricsSpec[1] (hyperUnique 'hosts')")) << allNotes(*spec);

  // The CSV line decodes with the spec's format and gets its time from the
  // pattern, or missingValue when the field is empty.
  const InputFormat& format = spec->ioConfig.inputFormat;
  absl::StatusOr<Event> event =
      parseDelimitedEvent("2015-09-12 13:46:58,web-1,0.75,a|b", format.columns, format.delimiter, format.listDelimiter);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(*spec->eventTimeMs(*event), 1442065618000);
  Event noTime = *parseDelimitedEvent(",web-1", format.columns, format.delimiter, format.listDelimiter);
  EXPECT_FALSE(spec->eventTimeMs(noTime).ok()) << "an empty string is not a missing value";
  Event absentTime;
  absentTime.set("host", Value::string("web-1"));
  EXPECT_EQ(*spec->eventTimeMs(absentTime), 946684800000);
}

TEST(IngestionSpecTest, DefaultsAndSchemaDiscovery) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(R"({"type":"kafka","spec":{
    "dataSchema":{"dataSource":"d","dimensionsSpec":{"dimensions":[],"dimensionExclusions":["secret"]},
                  "metricsSpec":[{"type":"longSum","name":"total","fieldName":"amount"}]},
    "ioConfig":{"topic":"t","inputFormat":{"type":"json"},"consumerProperties":{"bootstrap.servers":"h:1"}}}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->timestampSpec.column, "timestamp");
  EXPECT_EQ(spec->timestampSpec.parser.format(), TimestampFormat::kAuto);
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.dataSchema.timestampSpec is missing")) << allNotes(*spec);
  EXPECT_EQ(spec->dimensionsSpec.discovery, SchemaDiscovery::kStringsOnly);
  EXPECT_EQ(spec->granularitySpec.segmentGranularity.toString(), "DAY");
  EXPECT_EQ(spec->granularitySpec.queryGranularity.toString(), "NONE");
  EXPECT_TRUE(spec->granularitySpec.rollup) << "rollup defaults to true, as in Druid";
  EXPECT_EQ(spec->tuningConfig.maxRowsInMemory, 150000);

  EXPECT_TRUE(spec->isDiscoveredDimension("page"));
  EXPECT_FALSE(spec->isDiscoveredDimension("timestamp"));
  EXPECT_FALSE(spec->isDiscoveredDimension("__time"));
  EXPECT_FALSE(spec->isDiscoveredDimension("secret"));
  EXPECT_FALSE(spec->isDiscoveredDimension("amount"));
  EXPECT_FALSE(spec->isDiscoveredDimension("total"));
  EXPECT_FALSE(spec->inputFields.has_value()) << "discovery may read any field";
  EXPECT_EQ(spec->inputFieldsOrAll(), nullptr);

  absl::StatusOr<IngestionSpec> typed = parseIngestionSpec(makeSpec(""));
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_FALSE(typed->isDiscoveredDimension("other")) << "an explicit list turns discovery off";
  std::string discovery = makeSpec("");
  const std::string listed = R"("dimensions":["page"])";
  discovery.replace(discovery.find(listed), listed.size(), listed + R"(,"useSchemaDiscovery":true)");
  typed = parseIngestionSpec(discovery);
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_EQ(typed->dimensionsSpec.discovery, SchemaDiscovery::kTyped);
  EXPECT_TRUE(typed->isDiscoveredDimension("other"));
  EXPECT_FALSE(typed->inputFields.has_value());
}

TEST(IngestionSpecTest, NotesUnknownFields) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeSpec(R"(,"futureField":1)", R"(,"replicas":2)",
                                                                   R"({"type":"kafka","mysteryKnob":true})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.dataSchema.futureField is not a field Furl reads")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.tuningConfig.mysteryKnob is not a field Furl reads")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "spec.ioConfig.replicas is ignored")) << allNotes(*spec);
}

TEST(IngestionSpecTest, ReadsTaskCount) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeSpec("", R"(,"taskCount":4)", "{}"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->ioConfig.taskCount, 4);
  absl::StatusOr<IngestionSpec> zero = parseIngestionSpec(makeSpec("", R"(,"taskCount":0)", "{}"));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("spec.ioConfig.taskCount"), absl::string_view::npos) << zero.status();
}

TEST(IngestionSpecTest, AcceptsEveryMetricType) {
  const char* types[] = {"longSum",   "doubleSum",  "floatSum",    "longMin",    "longMax",     "doubleMin",
                         "doubleMax", "floatMin",   "floatMax",    "longFirst",  "longLast",    "doubleFirst",
                         "doubleLast", "floatFirst", "floatLast",  "stringFirst", "stringLast", "HLLSketchBuild",
                         "HLLSketchMerge", "hyperUnique"};
  std::string metrics = R"(,"metricsSpec":[{"type":"count","name":"rows"})";
  for (size_t i = 0; i < std::size(types); ++i) {
    metrics += std::string(R"(,{"type":")") + types[i] + R"(","name":"m)" + std::to_string(i) + R"(","fieldName":"x"})";
  }
  metrics += "]";
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeSpec(metrics));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->metrics.size(), std::size(types) + 1);
  for (size_t i = 0; i + 1 < std::size(types); ++i) {
    EXPECT_EQ(metricTypeName(spec->metrics[i + 1].type), types[i]);
  }
}

// Each invalid spec must fail with a message that starts with the JSON path
// of the bad field.
TEST(IngestionSpecTest, RejectsInvalidSpecsWithPath) {
  struct Case {
    std::string json;
    std::string message;
  };
  const std::string gran = R"(,"granularitySpec":)";
  const Case cases[] = {
      {"[1]", "expected an object, got an array"},
      {"{", "invalid JSON in the supervisor spec"},
      {R"({"spec":{}})", "type: missing; expected 'kafka'"},
      {R"({"type":"kinesis","spec":{}})", "type: unsupported supervisor type 'kinesis'; expected 'kafka'"},
      {R"({"type":"kafka","spec":{"ioConfig":{}}})", "spec.dataSchema: missing"},
      {R"({"type":"kafka","spec":[]})", "spec: expected an object, got an array"},
      {makeSpec(gran + R"({"segmentGranularity":"DAYS"})"),
       "spec.dataSchema.granularitySpec.segmentGranularity: unknown granularity 'DAYS'; expected one of NONE, SECOND"},
      {makeSpec(gran + R"({"queryGranularity":"fortnight"})"),
       "spec.dataSchema.granularitySpec.queryGranularity: unknown granularity 'fortnight'"},
      {makeSpec(gran + R"({"segmentGranularity":"HOUR","queryGranularity":"DAY"})"),
       "spec.dataSchema.granularitySpec.queryGranularity: DAY is coarser than segmentGranularity HOUR"},
      {makeSpec(gran + R"({"segmentGranularity":"NONE"})"), "spec.dataSchema.granularitySpec.segmentGranularity: NONE"},
      {makeSpec(gran + R"({"rollup":"maybe"})"), "spec.dataSchema.granularitySpec.rollup: expected true or false, got a string"},
      {makeSpec(gran + R"({"segmentGranularity":{"type":"period","period":"PT1H","timeZone":"America/Los_Angeles"}})"),
       "spec.dataSchema.granularitySpec.segmentGranularity.timeZone: time zone 'America/Los_Angeles' is not supported"},
      {makeSpec(gran + R"({"segmentGranularity":{"type":"period","period":"1H"}})"),
       "spec.dataSchema.granularitySpec.segmentGranularity.period: invalid ISO-8601 period '1H'"},
      {makeSpec(R"(,"metricsSpec":[{"type":"count","name":"n"},{"type":"longSum","name":"s"}])"),
       "spec.dataSchema.metricsSpec[1].fieldName: missing; expected the input field to aggregate"},
      {makeSpec(R"(,"metricsSpec":[{"type":"thetaSketch","name":"u","fieldName":"x"}])"),
       "spec.dataSchema.metricsSpec[0].type: unsupported metric type 'thetaSketch'; expected one of count, longSum"},
      {makeSpec(R"(,"metricsSpec":[{"type":"HLLSketchBuild","name":"u","fieldName":"x","lgK":25}])"),
       "spec.dataSchema.metricsSpec[0].lgK: 25 is out of range; expected 4..21"},
      {makeSpec(R"(,"metricsSpec":[{"type":"HLLSketchBuild","name":"u","fieldName":"x","tgtHllType":"HLL_5"}])"),
       "spec.dataSchema.metricsSpec[0].tgtHllType: unknown HLL type 'HLL_5'"},
      {makeSpec(R"(,"metricsSpec":[{"type":"count","name":"page"}])"),
       "spec.dataSchema.metricsSpec[0].name: 'page' is also a dimension"},
      {makeSpec(R"(,"metricsSpec":[{"type":"count","name":"n"},{"type":"count","name":"n"}])"),
       "spec.dataSchema.metricsSpec[1].name: duplicate metric 'n'"},
      {makeSpec(R"(,"metricsSpec":[{"type":"longSum","name":"s","expression":"a+b"}])"),
       "spec.dataSchema.metricsSpec[0].expression: metric expressions are not supported"},
      {makeSpec(R"(,"metricsSpec":{"type":"count"})"), "spec.dataSchema.metricsSpec: expected an array, got an object"},
      {makeSpec(R"(,"transformSpec":{"filter":{"type":"and","fields":[{"type":"nope"}]}})"),
       "spec.dataSchema.transformSpec.filter.fields[0].type: unknown filter type 'nope'"},
      {makeSpec(R"(,"transformSpec":{"transforms":[{"type":"expression","name":"x"}]})"),
       "spec.dataSchema.transformSpec.transforms[0].expression: missing"},
      {makeSpec("", "", R"({"type":"kafka","maxRowsInMemory":0})"), "spec.tuningConfig.maxRowsInMemory: 0 is out of range"},
      {makeSpec("", "", R"({"type":"kafka","maxRowsInMemory":"lots"})"),
       "spec.tuningConfig.maxRowsInMemory: expected an integer, got a string"},
      {makeSpec("", "", R"({"type":"kafka","intermediatePersistPeriod":"10 minutes"})"),
       "spec.tuningConfig.intermediatePersistPeriod: invalid ISO-8601 period '10 minutes'"},
      {makeSpec("", "", R"({"type":"kafka","intermediatePersistPeriod":"P1M"})"),
       "spec.tuningConfig.intermediatePersistPeriod: 'P1M' has no fixed positive length"},
      {makeSpec("", "", R"({"type":"index_parallel"})"), "spec.tuningConfig.type: unsupported tuningConfig type 'index_parallel'"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(c.json);
    ASSERT_FALSE(spec.ok()) << "accepted: " << c.json;
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    std::string message(spec.status().message());
    EXPECT_EQ(message.substr(0, c.message.size()), c.message) << "spec: " << c.json << "\nmessage: " << message;
  }
}

TEST(IngestionSpecTest, RejectsInvalidSectionsWithPath) {
  auto replaced = [](std::string spec, std::string_view from, std::string_view to) {
    size_t at = spec.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    spec.replace(at, from.size(), to);
    return spec;
  };
  const std::string base = makeSpec("");
  struct Case {
    std::string json;
    std::string message;
  };
  const Case cases[] = {
      {replaced(base, R"("dataSource":"events")", R"("dataSource":"")"), "spec.dataSchema.dataSource: missing"},
      {replaced(base, R"("dataSource":"events")", R"("dataSource":"a/b")"), "spec.dataSchema.dataSource: invalid name 'a/b'"},
      {replaced(base, R"("format":"iso")", R"("format":"yyyy-QQ-dd")"),
       "spec.dataSchema.timestampSpec.format: unsupported letter 'Q'"},
      {replaced(base, R"("format":"iso")", R"("format":"iso","missingValue":"soon")"),
       "spec.dataSchema.timestampSpec.missingValue: invalid timestamp 'soon'"},
      {replaced(base, R"(["page"])", R"(["page","page"])"), "spec.dataSchema.dimensionsSpec.dimensions[1]: duplicate dimension 'page'"},
      {replaced(base, R"(["page"])", R"(["page","__time"])"), "spec.dataSchema.dimensionsSpec.dimensions[1]: __time cannot be a dimension"},
      {replaced(base, R"(["page"])", R"(["page",{"name":"n","type":"bigint"}])"),
       "spec.dataSchema.dimensionsSpec.dimensions[1].type: unsupported dimension type 'bigint'"},
      {replaced(base, R"(["page"])", R"(["page",{"type":"long"}])"), "spec.dataSchema.dimensionsSpec.dimensions[1].name: missing"},
      {replaced(base, R"(["page"])", R"(["page",7])"), "spec.dataSchema.dimensionsSpec.dimensions[1]: expected a dimension name"},
      {replaced(base, R"(["page"]})", R"(["page"],"dimensionExclusions":["page"]})"),
       "spec.dataSchema.dimensionsSpec.dimensionExclusions[0]: 'page' is both a dimension and excluded"},
      {replaced(base, R"("topic":"events",)", ""), "spec.ioConfig.topic: missing; expected the Kafka topic"},
      {replaced(base, R"("topic":"events")", R"("topicPattern":"ev.*")"), "spec.ioConfig.topicPattern: topic patterns are not supported"},
      {replaced(base, R"("bootstrap.servers":"127.0.0.1:9092")", R"("group.id":"g")"),
       "spec.ioConfig.consumerProperties.bootstrap.servers: missing"},
      {replaced(base, R"("bootstrap.servers":"127.0.0.1:9092")", R"("bootstrap.servers":"h:1","sasl.jaas.config":{"type":"environment"})"),
       "spec.ioConfig.consumerProperties.sasl.jaas.config: expected a string, number or boolean, got an object"},
      {replaced(base, R"("inputFormat":{"type":"json"},)", ""), "spec.ioConfig.inputFormat: missing"},
      {replaced(base, R"({"type":"json"})", R"({"type":"csv"})"), "spec.ioConfig.inputFormat.columns: missing"},
      {replaced(base, R"({"type":"json"})", R"({"type":"avro_stream"})"),
       "spec.ioConfig.inputFormat.type: unsupported input format 'avro_stream'"},
      {replaced(base, R"({"type":"json"})", R"({"type":"csv","findColumnsFromHeader":true})"),
       "spec.ioConfig.inputFormat.findColumnsFromHeader: header rows are not supported"},
      {replaced(base, R"({"type":"json"})", R"({"type":"tsv","columns":["a","a"]})"),
       "spec.ioConfig.inputFormat.columns[1]: empty or duplicate column name 'a'"},
      {replaced(base, R"({"type":"json"})", R"({"type":"csv","columns":["ts","page"],"flattenSpec":{}})"),
       "spec.ioConfig.inputFormat.flattenSpec: flattenSpec applies only to the json input format, not csv"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(c.json);
    ASSERT_FALSE(spec.ok()) << "accepted: " << c.json;
    std::string message(spec.status().message());
    EXPECT_EQ(message.substr(0, c.message.size()), c.message) << "spec: " << c.json << "\nmessage: " << message;
  }
}

// makeSpec("") with `flattenSpec` as ioConfig.inputFormat.flattenSpec and
// `dimensions` as dimensionsSpec.dimensions.
std::string makeFlattenSpec(std::string_view flattenSpec, std::string_view dimensions = R"(["page"])") {
  std::string spec = makeSpec("");
  std::string_view format = R"({"type":"json"})";
  spec.replace(spec.find(format), format.size(), strCat(R"({"type":"json","flattenSpec":)", flattenSpec, "}"));
  std::string_view listed = R"(["page"])";
  spec.replace(spec.find(listed), listed.size(), dimensions);
  return spec;
}

TEST(IngestionSpecTest, ParsesFlattenSpec) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeFlattenSpec(R"({
      "useFieldDiscovery": false,
      "fields": [
        "ts",
        {"type": "ROOT", "name": "page"},
        {"type": "root", "name": "lang", "expr": "language"},
        {"type": "path", "name": "city", "expr": "$.geo['city']"},
        {"type": "Jq", "name": "first", "expr": ".items[0]"},
        {"type": "tree", "name": "zip", "nodes": ["geo", "zip"], "expr": "$.ignored"},
        {"type": "path", "name": "last", "expr": "$.items[-1]", "nodes": ["ignored"]}
      ]})",
                                                                          R"(["page", "city"])"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  const FlattenSpec& flatten = spec->ioConfig.inputFormat.flattenSpec;
  EXPECT_FALSE(flatten.useFieldDiscovery());
  ASSERT_EQ(flatten.fields().size(), 7u);

  struct Expected {
    FlattenField::Type type;
    std::string name;
    std::vector<FlattenStep> steps;
  };
  const Expected expected[] = {
      {FlattenField::Type::kRoot, "ts", {FlattenStep::ofMember("ts")}},
      {FlattenField::Type::kRoot, "page", {FlattenStep::ofMember("page")}},
      {FlattenField::Type::kRoot, "lang", {FlattenStep::ofMember("language")}},
      {FlattenField::Type::kPath, "city", {FlattenStep::ofMember("geo"), FlattenStep::ofMember("city")}},
      {FlattenField::Type::kJq, "first", {FlattenStep::ofMember("items"), FlattenStep::ofIndex(0)}},
      {FlattenField::Type::kTree, "zip", {FlattenStep::ofMember("geo"), FlattenStep::ofMember("zip")}},
      {FlattenField::Type::kPath, "last", {FlattenStep::ofMember("items"), FlattenStep::ofIndex(-1)}},
  };
  for (size_t i = 0; i < flatten.fields().size(); ++i) {
    const FlattenField& field = flatten.fields()[i];
    EXPECT_EQ(field.type, expected[i].type) << i;
    EXPECT_EQ(field.name, expected[i].name) << i;
    EXPECT_TRUE(field.steps == expected[i].steps) << field.name;
    EXPECT_TRUE(flatten.defines(expected[i].name)) << expected[i].name;
  }
  EXPECT_FALSE(flatten.defines("language"));

  EXPECT_TRUE(hasNoteContaining(*spec, "flattenSpec.fields[5].expr is ignored: tree fields read nodes")) << allNotes(*spec);
  EXPECT_TRUE(hasNoteContaining(*spec, "flattenSpec.fields[6].nodes is ignored: only tree fields read nodes"))
      << allNotes(*spec);
  EXPECT_FALSE(spec->inputFields.has_value()) << "city is nested, so the JSON fast path cannot read it";

  // The older shape reads the flattenSpec of parseSpec.
  absl::StatusOr<IngestionSpec> older = parseIngestionSpec(R"({"type":"kafka",
    "dataSchema":{"dataSource":"d","parser":{"type":"string","parseSpec":{"format":"json",
      "timestampSpec":{"column":"t"},"dimensionsSpec":{"dimensions":["city"]},
      "flattenSpec":{"fields":[{"type":"path","name":"city","expr":"$.geo.city"}]}}}},
    "ioConfig":{"topic":"t","consumerProperties":{"bootstrap.servers":"h:1"}}})");
  ASSERT_TRUE(older.ok()) << older.status();
  ASSERT_EQ(older->ioConfig.inputFormat.flattenSpec.fields().size(), 1u);
  EXPECT_TRUE(older->ioConfig.inputFormat.flattenSpec.useFieldDiscovery()) << "Druid's default";
}

TEST(IngestionSpecTest, FlattenSpecKeepsJsonFastPath) {
  struct Case {
    std::string flattenSpec;
    std::string dimensions;
    bool fastPath;
  };
  const Case cases[] = {
      {R"({"useFieldDiscovery": false, "fields": ["ts", "page"]})", R"(["page"])", true},
      {R"({"useFieldDiscovery": false, "fields": ["ts", {"type": "path", "name": "page", "expr": "$.page"}]})",
       R"(["page"])", true},
      {R"({"fields": [{"type": "path", "name": "city", "expr": "$.geo.city"}]})", R"(["page"])", true},
      {R"({"fields": [{"type": "path", "name": "city", "expr": "$.geo.city"}]})", R"(["page", "city"])", false},
      {R"({"fields": [{"type": "root", "name": "page", "expr": "title"}]})", R"(["page"])", false},
      {R"({"useFieldDiscovery": false, "fields": ["ts"]})", R"(["page"])", false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeFlattenSpec(c.flattenSpec, c.dimensions));
    ASSERT_TRUE(spec.ok()) << c.flattenSpec << ": " << spec.status();
    EXPECT_EQ(spec->inputFields.has_value(), c.fastPath) << c.flattenSpec << " with dimensions " << c.dimensions;
  }
}

TEST(IngestionSpecTest, NotesFieldsFlatteningNeverSets) {
  absl::StatusOr<IngestionSpec> spec =
      parseIngestionSpec(makeFlattenSpec(R"({"useFieldDiscovery": false, "fields": ["page"]})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_TRUE(hasNoteContaining(*spec, "input field 'ts' is read but is not a flattenSpec field")) << allNotes(*spec);
  EXPECT_FALSE(hasNoteContaining(*spec, "input field 'page'")) << allNotes(*spec);

  absl::StatusOr<IngestionSpec> discovering =
      parseIngestionSpec(makeFlattenSpec(R"({"fields": [{"type": "path", "name": "city", "expr": "$.geo.city"}]})"));
  ASSERT_TRUE(discovering.ok()) << discovering.status();
  EXPECT_FALSE(hasNoteContaining(*discovering, "is read but is not a flattenSpec field")) << allNotes(*discovering);
}

TEST(IngestionSpecTest, FlattenSpecLimitsDiscoveredDimensions) {
  // With schema discovery that types fields from their values, the
  // dimensions stay unknown until data arrives, but only flattenSpec fields
  // can become dimensions.
  std::string typed = makeFlattenSpec(
      R"({"useFieldDiscovery": false, "fields": ["ts", {"type": "path", "name": "city", "expr": "$.geo.city"}]})", "[]");
  std::string_view listed = R"("dimensions":[])";
  typed.replace(typed.find(listed), listed.size(), R"("dimensions":[],"useSchemaDiscovery":true)");
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(typed);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->dimensionsSpec.discovery, SchemaDiscovery::kTyped);
  EXPECT_TRUE(spec->isDiscoveredDimension("city"));
  EXPECT_FALSE(spec->isDiscoveredDimension("page"));
  EXPECT_FALSE(spec->isDiscoveredDimension("ts"));

  // Without it, the flattenSpec fields become the listed string dimensions.
  absl::StatusOr<IngestionSpec> strings = parseIngestionSpec(makeFlattenSpec(
      R"({"useFieldDiscovery": false, "fields": ["ts", {"type": "path", "name": "city", "expr": "$.geo.city"}]})", "[]"));
  ASSERT_TRUE(strings.ok()) << strings.status();
  EXPECT_EQ(strings->dimensionsSpec.discovery, SchemaDiscovery::kExplicit);
  ASSERT_EQ(strings->dimensionsSpec.dimensions.size(), 1u);
  EXPECT_EQ(strings->dimensionsSpec.dimensions[0].name, "city");
  EXPECT_TRUE(hasNoteContaining(*strings, "the dimensions are the flattenSpec fields")) << allNotes(*strings);
}

TEST(IngestionSpecTest, RejectsInvalidFlattenSpecsWithPath) {
  const std::string prefix = "spec.ioConfig.inputFormat.flattenSpec";
  struct Case {
    std::string flattenSpec;
    std::string message;
  };
  const Case cases[] = {
      {"[]", ": expected an object, got an array"},
      {R"({"fields": {}})", ".fields: expected an array, got an object"},
      {R"({"useFieldDiscovery": "sometimes"})", ".useFieldDiscovery: expected true or false, got a string"},
      {R"({"fields": [7]})", ".fields[0]: expected a field name or an object with type and name, got a number"},
      {R"({"fields": [""]})", ".fields[0]: empty field name"},
      {R"({"fields": [{"name": "a"}]})", ".fields[0].type: missing; expected root, path, jq or tree"},
      {R"({"fields": [{"type": "xpath", "name": "a", "expr": "/a"}]})",
       ".fields[0].type: unknown flattenSpec field type 'xpath'; expected root, path, jq or tree"},
      {R"({"fields": [{"type": "path", "expr": "$.a"}]})", ".fields[0].name: missing"},
      {R"({"fields": [{"type": "path", "name": "a"}]})", ".fields[0].expr: missing; expected a JSONPath expression"},
      {R"({"fields": [{"type": "jq", "name": "a"}]})", ".fields[0].expr: missing; expected a jq expression"},
      {R"({"fields": ["a", {"type": "path", "name": "b", "expr": "$.a[*]"}]})",
       ".fields[1].expr: unsupported JSONPath '$.a[*]': wildcards are not supported"},
      {R"({"fields": [{"type": "path", "name": "b", "expr": "$.a[?(@.x == 1)]"}]})",
       ".fields[0].expr: unsupported JSONPath '$.a[?(@.x == 1)]': filters are not supported"},
      {R"({"fields": [{"type": "path", "name": "b", "expr": "$..x"}]})",
       ".fields[0].expr: unsupported JSONPath '$..x': deep scans (..) are not supported"},
      {R"x({"fields": [{"type": "path", "name": "b", "expr": "$.a.length()"}]})x",
       ".fields[0].expr: unsupported JSONPath '$.a.length()': functions"},
      {R"({"fields": [{"type": "jq", "name": "b", "expr": ".a | length"}]})",
       ".fields[0].expr: unsupported jq expression '.a | length'"},
      {R"({"fields": [{"type": "jq", "name": "b", "expr": ".a[]"}]})",
       ".fields[0].expr: unsupported jq expression '.a[]': iteration ([]) is not supported"},
      {R"({"fields": [{"type": "tree", "name": "t"}]})", ".fields[0].nodes: missing; expected the member names"},
      {R"({"fields": [{"type": "tree", "name": "t", "nodes": []}]})", ".fields[0].nodes: missing"},
      {R"({"fields": [{"type": "tree", "name": "t", "nodes": [1]}]})", ".fields[0].nodes[0]: expected a string, got a number"},
      {R"({"fields": ["a", {"type": "path", "name": "a", "expr": "$.x"}]})",
       ".fields[1].name: duplicate flattenSpec field 'a'; each name may be defined once"},
      {R"({"fields": ["a", "a"]})", ".fields[1]: duplicate flattenSpec field 'a'"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(makeFlattenSpec(c.flattenSpec));
    ASSERT_FALSE(spec.ok()) << "accepted: " << c.flattenSpec;
    EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument) << c.flattenSpec;
    std::string message(spec.status().message());
    std::string start = prefix + c.message;
    EXPECT_EQ(message.substr(0, start.size()), start) << "flattenSpec: " << c.flattenSpec << "\nmessage: " << message;
  }

  // The older shape names the path inside parseSpec.
  absl::StatusOr<IngestionSpec> older = parseIngestionSpec(R"({"type":"kafka",
    "dataSchema":{"dataSource":"d","parser":{"type":"string","parseSpec":{"format":"json",
      "timestampSpec":{"column":"t"},"dimensionsSpec":{"dimensions":["city"]},
      "flattenSpec":{"fields":[{"type":"path","name":"city","expr":"$.geo.*"}]}}}},
    "ioConfig":{"topic":"t","consumerProperties":{"bootstrap.servers":"h:1"}}})");
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(std::string(older.status().message())
                .rfind("dataSchema.parser.parseSpec.flattenSpec.fields[0].expr: unsupported JSONPath '$.geo.*'", 0),
            0u)
      << older.status();
}

TEST(IngestionSpecTest, RejectsMixedShapes) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(R"({"type":"kafka","spec":{},"dataSchema":{}})");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(std::string(spec.status().message()).rfind("dataSchema: set the sections either inside spec", 0), 0u)
      << spec.status();

  absl::StatusOr<IngestionSpec> both = parseIngestionSpec(R"({"type":"kafka",
    "dataSchema":{"dataSource":"d","parser":{"parseSpec":{"format":"json","timestampSpec":{"column":"t"}}}},
    "ioConfig":{"topic":"t","inputFormat":{"type":"json"},"consumerProperties":{"bootstrap.servers":"h:1"}}})");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(std::string(both.status().message()).rfind("ioConfig.inputFormat: set either", 0), 0u) << both.status();
}

}  // namespace
}  // namespace furl::ingest
