#include "ingest/json_row.h"

#include <gtest/gtest.h>

#include "common/hll_sketch.h"
#include "ingest/ingestion_spec.h"
#include "ingest/row_buffer.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

/// Checks that the fast parser accepts `json` and reads every field of
/// `names` as parseJsonEvent() does.
void expectSameFields(const FieldNameSet& names, std::string_view json) {
  SCOPED_TRACE(std::string(json));
  simdjson::dom::parser domParser;
  absl::StatusOr<Event> event = parseJsonEvent(json, domParser, &names);
  ASSERT_TRUE(event.ok()) << event.status();

  JsonRowParser parser(names);
  ASSERT_TRUE(parser.parse(json));
  for (const std::string& name : names.names()) {
    SCOPED_TRACE(name);
    const ScalarField& field = parser.fields()[static_cast<size_t>(names.slotOf(name))];
    const FieldValues* values = event->find(name);
    if (values == nullptr) {
      EXPECT_EQ(field.kind, ScalarField::Kind::kAbsent);
      continue;
    }
    ASSERT_EQ(values->size(), 1u);
    ASSERT_NE(field.kind, ScalarField::Kind::kAbsent);
    Value value = field.toValue();
    EXPECT_EQ(value.type(), (*values)[0].type());
    EXPECT_EQ(value, (*values)[0]);
  }
}

TEST(JsonRowParserTest, ReadsScalarsLikeParseJsonEvent) {
  FieldNameSet names = {"s", "i", "u", "d", "b", "n", "absent", "page"};
  expectSameFields(names, R"({"s":"text","i":-42,"u":18446744073709551615,"d":0.5,"b":true,"n":null})");
  expectSameFields(names, R"({"s":"","i":9223372036854775807,"u":1e300,"d":-0,"b":false,"n":1})");
  expectSameFields(names, R"({"s":"tab\tquote\"snow\u2603","i":-9223372036854775808,"d":-1.25e-3})");
  expectSameFields(names, R"({"i":1234567890123456789,"d":1E2,"s":"Работа"})");
  // Unread values of every kind are skipped.
  expectSameFields(names, R"({"x":[1,[2,{"y":"z\n"}],null,true,-0.5e7],"o":{"a":{"b":[]}},"s":"kept","e":{}})");
  // A duplicate field keeps its last value, an escaped key is matched unescaped.
  expectSameFields(names, R"({"s":"first","i":1,"s":"second","pa\u0067e":"Main"})");
  expectSameFields(names, " \n{ \"s\" : \"spaced\" , \"i\" : 7 }\n ");
  expectSameFields(names, "{}");
}

TEST(JsonRowParserTest, ResetsFieldsBetweenMessages) {
  FieldNameSet names = {"a", "b"};
  JsonRowParser parser(names);
  ASSERT_TRUE(parser.parse(R"({"a":1,"b":"x"})"));
  ASSERT_TRUE(parser.parse(R"({"b":"y"})"));
  EXPECT_EQ(parser.fields()[0].kind, ScalarField::Kind::kAbsent);
  EXPECT_EQ(parser.fields()[1].kind, ScalarField::Kind::kString);
  EXPECT_EQ(parser.fields()[1].text, "y");
}

TEST(JsonRowParserTest, RejectsEveryInputParseJsonEventRejects) {
  // Each input is invalid JSON or not an object, whether the bad part is in a
  // read field ("a") or in one the spec does not read.
  FieldNameSet names = {"a"};
  const char* inputs[] = {
      "",
      "   ",
      "not json",
      R"({"a":1)",
      R"({"a":1,)",
      R"({"a":1,})",
      R"({"a":1} {"b":2})",
      R"({"a":1}x)",
      R"([{"a":1}])",
      R"("a")",
      "42",
      "null",
      R"({"a":tru})",
      R"({"a":nul})",
      R"({"a":01})",
      R"({"a":1.})",
      R"({"a":-})",
      R"({"a":"bad \q escape"})",
      R"({"a":"cut)",
      R"({"x":tru})",
      R"({"x":nulll})",
      R"({"x":falsey})",
      R"({"x":01})",
      R"({"x":1.2.3})",
      R"({"x":1e})",
      R"({"x":--1})",
      R"({"x":1e400})",
      R"({"x":12345678901234567890123})",
      R"({"a":12345678901234567890123})",
      R"({"x":"bad \x escape"})",
      R"({"x":"bad \u12 escape"})",
      R"({"x":[1,,2]})",
      R"({"x":[1 2]})",
      R"({"x":[1,]})",
      R"({"x":{"y" 1}})",
      R"({"x":{"y":1,}})",
      R"({"x":{1:2}})",
      R"({"x":[}]})",
      R"({"x" 1})",
      R"({"x":1 "a":2})",
      R"({"x\q":1})",
      R"({"x":{"k\q":1}})",
      "{\"x\":\"control \x01 char\"}",
      "{\"x\":\"invalid utf-8 \xff\"}",
      "{\"x\":\"\xc3\"}",
  };
  simdjson::dom::parser domParser;
  JsonRowParser parser(names);
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    ASSERT_FALSE(parseJsonEvent(input, domParser, &names).ok());
    EXPECT_FALSE(parser.parse(input));
  }
}

TEST(JsonRowParserTest, LeavesNestedReadFieldsToParseJsonEvent) {
  FieldNameSet names = {"a"};
  JsonRowParser parser(names);
  EXPECT_FALSE(parser.parse(R"({"a":["x","y"]})"));
  EXPECT_FALSE(parser.parse(R"({"a":{"b":1}})"));
  EXPECT_FALSE(parser.parse(R"({"a":[]})"));
  EXPECT_TRUE(parser.parse(R"({"b":["x","y"],"a":"z"})"));
}

IngestionSpec makeSpec(std::string_view dimensions, std::string_view metrics, bool rollup) {
  std::string json = strCat(R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "edits",
      "timestampSpec": {"column": "time", "format": "millis"},
      "dimensionsSpec": {"dimensions": )", dimensions, R"(},
      "metricsSpec": )", metrics, R"(,
      "granularitySpec": {"segmentGranularity": "HOUR", "queryGranularity": "MINUTE", "rollup": )",
                            rollup ? "true" : "false", R"(}
    },
    "ioConfig": {"topic": "edits", "inputFormat": {"type": "json"},
                 "consumerProperties": {"bootstrap.servers": "127.0.0.1:1"}}}})");
  auto spec = parseIngestionSpec(json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

constexpr std::string_view kDimensions =
    R"(["channel", {"name": "size", "type": "long"}, {"name": "ratio", "type": "double"},
        {"name": "weight", "type": "float"}])";
constexpr std::string_view kMetrics = R"([
    {"type": "count", "name": "events"},
    {"type": "longSum", "name": "added", "fieldName": "added"},
    {"type": "longMin", "name": "min_added", "fieldName": "added"},
    {"type": "doubleSum", "name": "score", "fieldName": "score"},
    {"type": "floatMax", "name": "max_score", "fieldName": "score"},
    {"type": "longFirst", "name": "first_added", "fieldName": "added"},
    {"type": "doubleLast", "name": "last_score", "fieldName": "score"},
    {"type": "stringLast", "name": "last_page", "fieldName": "page", "maxStringBytes": 4},
    {"type": "stringFirst", "name": "first_size", "fieldName": "size"},
    {"type": "HLLSketchBuild", "name": "users", "fieldName": "user"}
  ])";

/// Returns the cells of every batch as text, row by row.
std::vector<std::string> cells(std::vector<Batch> batches) {
  std::vector<std::string> out;
  for (const Batch& batch : batches) {
    for (size_t row = 0; row < batch.numRows; ++row) {
      std::string line;
      for (const ColumnPtr& column : batch.columns) {
        line += column->getValue(row).toString();
        line += '|';
      }
      out.push_back(std::move(line));
    }
  }
  return out;
}

TEST(JsonRowParserTest, TryAddBuildsTheRowsOfAdd) {
  // Values of every JSON type in dimensions and metrics, including the
  // conversions that succeed: numeric strings, whole doubles as longs,
  // scalars spelled as strings, NULL and missing fields.
  const char* events[] = {
      R"({"time":1442016000000,"channel":"#en","size":3,"ratio":0.5,"weight":0.1,"added":10,"score":1.5,"page":"Main","user":"alice"})",
      R"({"time":1442016001000,"channel":"#en","size":"3","ratio":"0.5","weight":0.1,"added":"7","score":"2","page":"Mainpage","user":"bob"})",
      R"({"time":1442016002000,"channel":"#en","size":3.9,"ratio":0.5,"weight":0.1,"added":2.5,"score":-1,"page":12,"user":7})",
      R"({"time":1442016003000,"channel":true,"size":null,"ratio":null,"added":null,"score":null,"page":null,"user":null})",
      R"({"time":1442016004000,"channel":1.0,"size":"","ratio":"","weight":"","added":"","score":"","user":2.5})",
      R"({"time":1442016005000,"channel":-12,"size":18446744073,"added":-9223372036854775808,"score":1e300,"user":18446744073709551615})",
      R"({"time":1442016065000,"channel":"#de","user":false,"page":"Seite"})",
      R"({"time":1442016066000})",
      R"({"time":1442016000500,"channel":"#en","size":3,"ratio":0.5,"weight":0.1,"added":1,"score":0.25,"page":"Early","user":"carol"})",
  };
  for (bool rollup : {true, false}) {
    SCOPED_TRACE(rollup ? "rollup" : "no rollup");
    IngestionSpec spec = makeSpec(kDimensions, kMetrics, rollup);
    ASSERT_TRUE(spec.inputFields.has_value());
    RowBuffer general(spec);
    RowBuffer fast(spec);
    JsonRowParser parser(*spec.inputFields);
    simdjson::dom::parser domParser;
    std::vector<FieldProblem> problems;
    for (const char* json : events) {
      SCOPED_TRACE(json);
      absl::StatusOr<Event> event = parseJsonEvent(json, domParser, spec.inputFieldsOrAll());
      ASSERT_TRUE(event.ok()) << event.status();
      absl::StatusOr<int64_t> timeMs = spec.eventTimeMs(*event);
      ASSERT_TRUE(timeMs.ok()) << timeMs.status();
      general.add(*event, *timeMs, problems);
      EXPECT_TRUE(problems.empty()) << problems[0].message;

      ASSERT_TRUE(parser.parse(json));
      ASSERT_TRUE(fast.tryAdd(parser.fields(), *timeMs));
    }
    EXPECT_EQ(fast.numRows(), general.numRows());
    EXPECT_EQ(fast.memoryBytes(), general.memoryBytes());
    EXPECT_EQ(fast.sketchMemoryBytesCounted(), fast.sketchMemoryBytesSlow());
    EXPECT_EQ(cells(fast.takeBatches()), cells(general.takeBatches()));
  }
}

TEST(JsonRowParserTest, TryAddLeavesProblemsToAdd) {
  // Every value add() reports as a problem makes tryAdd() return false and
  // change nothing, so the general path reports it.
  const char* events[] = {
      R"({"time":1442016000000,"size":true})",
      R"({"time":1442016000000,"size":"three"})",
      R"({"time":1442016000000,"size":18446744073709551615})",
      R"({"time":1442016000000,"size":1e300})",
      R"({"time":1442016000000,"ratio":false})",
      R"({"time":1442016000000,"weight":"heavy"})",
      R"({"time":1442016000000,"added":true})",
      R"({"time":1442016000000,"added":"x1"})",
      R"({"time":1442016000000,"added":-1e19})",
      R"({"time":1442016000000,"score":"high"})",
      R"({"time":1442016000000,"score":true})",
  };
  IngestionSpec spec = makeSpec(kDimensions, kMetrics, true);
  RowBuffer general(spec);
  RowBuffer fast(spec);
  JsonRowParser parser(*spec.inputFields);
  simdjson::dom::parser domParser;
  std::vector<FieldProblem> problems;
  for (const char* json : events) {
    SCOPED_TRACE(json);
    absl::StatusOr<Event> event = parseJsonEvent(json, domParser, spec.inputFieldsOrAll());
    ASSERT_TRUE(event.ok()) << event.status();
    general.add(*event, 1442016000000, problems);
    EXPECT_FALSE(problems.empty());

    ASSERT_TRUE(parser.parse(json));
    uint64_t changes = fast.changeCount();
    EXPECT_FALSE(fast.tryAdd(parser.fields(), 1442016000000));
    EXPECT_EQ(fast.numRows(), 0u);
    EXPECT_EQ(fast.changeCount(), changes);
  }
}

TEST(JsonRowParserTest, TryAddNeedsInputFieldsAndBuildSketches) {
  RowBuffer merge(makeSpec(R"(["channel"])", R"([{"type": "HLLSketchMerge", "name": "u", "fieldName": "u"}])", true));
  FieldNameSet names = {"time", "channel", "u"};
  JsonRowParser parser(names);
  ASSERT_TRUE(parser.parse(R"({"time":1442016000000,"channel":"a"})"));
  EXPECT_FALSE(merge.tryAdd(parser.fields(), 1442016000000));

  IngestionSpec discovery = makeSpec("[]", R"([{"type": "count", "name": "events"}])", true);
  ASSERT_FALSE(discovery.inputFields.has_value());
  RowBuffer discovered(discovery);
  EXPECT_FALSE(discovered.tryAdd(parser.fields(), 1442016000000));
}

}  // namespace
}  // namespace furl::ingest
