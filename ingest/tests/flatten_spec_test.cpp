#include "ingest/flatten_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/event.h"
#include "ingest/ingestion_spec.h"
#include "ingest/json_row.h"
#include "ingest/row_buffer.h"
#include "ingest/target_table.h"
#include "ingest/tests/message_rows.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

using test_util::cells;
using test_util::ingestMessage;

FlattenStep member(std::string_view name) { return FlattenStep::ofMember(name); }
FlattenStep at(int64_t position) { return FlattenStep::ofIndex(position); }

std::string describeSteps(const std::vector<FlattenStep>& steps) {
  std::string text;
  for (const FlattenStep& step : steps) {
    if (step.kind == FlattenStep::Kind::kMember) {
      strAppend(&text, "<", step.member, ">");
    } else {
      strAppend(&text, "[", step.index, "]");
    }
  }
  return text;
}

FlattenField pathField(std::string_view name, std::string_view expression) {
  absl::StatusOr<std::vector<FlattenStep>> steps = parseJsonPath(expression);
  EXPECT_TRUE(steps.ok()) << steps.status();
  return {FlattenField::Type::kPath, std::string(name), steps.ok() ? *steps : std::vector<FlattenStep>()};
}

FlattenField jqField(std::string_view name, std::string_view expression) {
  absl::StatusOr<std::vector<FlattenStep>> steps = parseJqPath(expression);
  EXPECT_TRUE(steps.ok()) << steps.status();
  return {FlattenField::Type::kJq, std::string(name), steps.ok() ? *steps : std::vector<FlattenStep>()};
}

FlattenField treeField(std::string_view name, std::vector<std::string> nodes) {
  FlattenField field{FlattenField::Type::kTree, std::string(name), {}};
  for (const std::string& node : nodes) field.steps.push_back(member(node));
  return field;
}

FlattenField rootField(std::string_view name, std::string_view topLevelMember) {
  return {FlattenField::Type::kRoot, std::string(name), {member(topLevelMember)}};
}

// The single value of a field, or a failure naming the field.
::testing::AssertionResult hasSingleValue(const Event& event, std::string_view name, const Value& expected) {
  const FieldValues* values = event.find(name);
  if (values == nullptr) return ::testing::AssertionFailure() << "field '" << name << "' is absent";
  if (values->size() != 1) return ::testing::AssertionFailure() << "field '" << name << "' has " << values->size() << " values";
  if (!((*values)[0] == expected)) {
    return ::testing::AssertionFailure() << "field '" << name << "' is " << (*values)[0].toString() << ", expected "
                                         << expected.toString();
  }
  return ::testing::AssertionSuccess();
}

TEST(FlattenSpecTest, ParsesJsonPathSubset) {
  struct Case {
    std::string expression;
    std::vector<FlattenStep> steps;
  };
  const Case cases[] = {
      {"$", {}},
      {"$.a", {member("a")}},
      {"$.a.b", {member("a"), member("b")}},
      {"$['a']", {member("a")}},
      {R"($["a b"])", {member("a b")}},
      {"$.a[0]", {member("a"), at(0)}},
      {"$.a[-1]", {member("a"), at(-1)}},
      {"$.a.b[2].c", {member("a"), member("b"), at(2), member("c")}},
      {"$[0]", {at(0)}},
      {"$.a-b.c_d.$x", {member("a-b"), member("c_d"), member("$x")}},
      {R"($['a.b']['it\'s'])", {member("a.b"), member("it's")}},
      {R"($["say \"hi\""]["back\\slash"])", {member("say \"hi\""), member("back\\slash")}},
      {R"($['caf\u00e9']['\ud83d\ude00'])", {member("caf\xc3\xa9"), member("\xf0\x9f\x98\x80")}},
      {"$['a'][1]['b']", {member("a"), at(1), member("b")}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<FlattenStep>> steps = parseJsonPath(c.expression);
    ASSERT_TRUE(steps.ok()) << c.expression << ": " << steps.status();
    EXPECT_EQ(describeSteps(*steps), describeSteps(c.steps)) << c.expression;
  }
}

TEST(FlattenSpecTest, RejectsJsonPathOutsideSubset) {
  struct Case {
    std::string expression;
    std::string reason;
  };
  const Case cases[] = {
      {"", "expected $ at the start"},
      {"a.b", "expected $ at the start"},
      {"$.a[*]", "wildcards are not supported"},
      {"$.a.*", "wildcards are not supported"},
      {"$..a", "deep scans (..) are not supported"},
      {"$.a[?(@.b > 1)]", "filters are not supported"},
      {"$.a[0:2]", "array slices are not supported"},
      {"$.a[-1:]", "array slices are not supported"},
      {"$.a[0,1]", "unions of several indexes are not supported"},
      {"$['a','b']", "unions of several names are not supported"},
      {"$.a.length()", "functions such as length() are not supported"},
      {"$.a[(@.length-1)]", "script expressions are not supported"},
      {"$.a[x]", "invalid array index 'x'"},
      {"$.a[]", "invalid array index ''"},
      {"$.a[", "unterminated ["},
      {"$.a[0", "unterminated ["},
      {"$['a", "unterminated quoted name"},
      {"$['a'", "expected ] after the quoted name"},
      {R"($['a\q'])", "invalid escape \\q"},
      {R"($['\ud83d'])", "invalid \\u escape: an unpaired surrogate"},
      {"$.a.", "expected a name after '.'"},
      {"$.a b", "invalid character in the name 'a b'"},
      {"$a", "unexpected 'a' at position 1"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<FlattenStep>> steps = parseJsonPath(c.expression);
    ASSERT_FALSE(steps.ok()) << "accepted: " << c.expression;
    EXPECT_EQ(steps.status().code(), absl::StatusCode::kInvalidArgument) << c.expression;
    std::string message(steps.status().message());
    std::string start = strCat("unsupported JSONPath '", c.expression, "': ", c.reason);
    EXPECT_EQ(message.substr(0, start.size()), start) << message;
    EXPECT_NE(message.find("Furl supports $ followed by .name, ['name'] and [index] steps"), std::string::npos)
        << message;
  }
}

TEST(FlattenSpecTest, ParsesJqSubset) {
  struct Case {
    std::string expression;
    std::vector<FlattenStep> steps;
  };
  const Case cases[] = {
      {".", {}},
      {".a", {member("a")}},
      {".a.b", {member("a"), member("b")}},
      {".a[0]", {member("a"), at(0)}},
      {".a[-1]", {member("a"), at(-1)}},
      {".[0]", {at(0)}},
      {R"(.["a b"])", {member("a b")}},
      {R"(."a b".c)", {member("a b"), member("c")}},
      {R"(.a["b"][1])", {member("a"), member("b"), at(1)}},
      {R"(.a.["b"])", {member("a"), member("b")}},
      {"._x1.Y2", {member("_x1"), member("Y2")}},
      {R"(.["caf\u00e9"])", {member("caf\xc3\xa9")}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<FlattenStep>> steps = parseJqPath(c.expression);
    ASSERT_TRUE(steps.ok()) << c.expression << ": " << steps.status();
    EXPECT_EQ(describeSteps(*steps), describeSteps(c.steps)) << c.expression;
  }
}

TEST(FlattenSpecTest, RejectsJqOutsideSubset) {
  struct Case {
    std::string expression;
    std::string reason;
  };
  const Case cases[] = {
      {"a", "expected . at the start"},
      {"length", "expected . at the start"},
      {".a|.b", "pipes (|) are not supported"},
      {".a | .b", "unexpected ' '"},
      {".a[]", "iteration ([]) is not supported"},
      {"..", "recursive descent (..) is not supported"},
      {".a?", "optional steps (?) are not supported"},
      {".a[1:2]", "array slices are not supported"},
      {".a,.b", "several outputs (,) are not supported"},
      {".a(1)", "functions and parentheses are not supported"},
      {".a-b", "unexpected '-'"},
      {".1", "unexpected '1' after '.'"},
      {".a.", "expected a name after '.'"},
      {".a[x]", "invalid array index 'x'"},
      {".a[", "unterminated ["},
      {R"x(."\(x)")x", "invalid escape \\("},
      {R"x(.["a")x", "expected ] after the quoted name"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<FlattenStep>> steps = parseJqPath(c.expression);
    ASSERT_FALSE(steps.ok()) << "accepted: " << c.expression;
    std::string message(steps.status().message());
    std::string start = strCat("unsupported jq expression '", c.expression, "': ", c.reason);
    EXPECT_EQ(message.substr(0, start.size()), start) << message;
    EXPECT_NE(message.find("Furl supports . followed by .name"), std::string::npos) << message;
  }
}

constexpr std::string_view kNestedMessage = R"({
  "ts": "2024-01-02T03:04:05Z",
  "user": {"name": "ann", "age": 31, "score": 2.5, "admin": false, "nick": null,
           "tags": ["a", "b"], "empty": [], "address": {"city": "Oslo", "zip": "0150"},
           "mixed": [1, {"x": 2}]},
  "items": [{"sku": "p1", "qty": 2}, {"sku": "p2", "qty": 5}],
  "n": [10, 20, 30],
  "a.b": "dotted",
  "say \"hi\"": "quoted",
  "caf\u00e9": "accented",
  "dup": {"v": 1},
  "dup": {"v": 2}
})";

FlattenSpec nestedFieldsSpec(bool useFieldDiscovery) {
  return FlattenSpec(useFieldDiscovery, {
      pathField("name", "$.user.name"),
      pathField("age", "$.user.age"),
      pathField("score", "$['user']['score']"),
      jqField("admin", ".user.admin"),
      treeField("nick", {"user", "nick"}),
      pathField("tags", "$.user.tags"),
      jqField("empty", ".user.empty"),
      pathField("address", "$.user.address"),
      pathField("mixed", "$.user.mixed"),
      pathField("first_sku", "$.items[0].sku"),
      jqField("last_qty", ".items[-1].qty"),
      pathField("last_n", "$.n[-1]"),
      pathField("past_end", "$.n[3]"),
      pathField("before_start", "$.n[-4]"),
      pathField("missing", "$.user.phone"),
      pathField("into_string", "$.user.name.first"),
      pathField("index_into_object", "$.user[0]"),
      treeField("tree_into_array", {"items", "0"}),
      pathField("dotted", "$['a.b']"),
      pathField("quoted", R"($["say \"hi\""])"),
      jqField("accented", R"(.["caf\u00e9"])"),
      pathField("dup_v", "$.dup.v"),
      rootField("when", "ts"),
  });
}

TEST(FlattenSpecTest, ExtractsNestedValues) {
  FlattenSpec flatten = nestedFieldsSpec(false);
  simdjson::dom::parser parser;
  absl::StatusOr<Event> event = parseJsonEvent(kNestedMessage, parser, nullptr, &flatten);
  ASSERT_TRUE(event.ok()) << event.status();

  // Scalars of every JSON type.
  EXPECT_TRUE(hasSingleValue(*event, "name", Value::string("ann")));
  EXPECT_TRUE(hasSingleValue(*event, "age", Value::int64(31)));
  EXPECT_TRUE(hasSingleValue(*event, "score", Value::float64(2.5)));
  EXPECT_TRUE(hasSingleValue(*event, "admin", Value::boolean(false)));
  const FieldValues* nick = event->find("nick");
  ASSERT_NE(nick, nullptr) << "a JSON null is a present NULL field";
  ASSERT_EQ(nick->size(), 1u);
  EXPECT_TRUE((*nick)[0].isNull());

  // Arrays of scalars are multi-value fields. Objects and other arrays are JSON text.
  const FieldValues* tags = event->find("tags");
  ASSERT_NE(tags, nullptr);
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0], Value::string("a"));
  EXPECT_EQ((*tags)[1], Value::string("b"));
  ASSERT_NE(event->find("empty"), nullptr);
  EXPECT_EQ(event->find("empty")->size(), 0u);
  EXPECT_TRUE(hasSingleValue(*event, "address", Value::string(R"({"city":"Oslo","zip":"0150"})")));
  EXPECT_TRUE(hasSingleValue(*event, "mixed", Value::string(R"([1,{"x":2}])")));

  // Array indexes, from the start and from the end.
  EXPECT_TRUE(hasSingleValue(*event, "first_sku", Value::string("p1")));
  EXPECT_TRUE(hasSingleValue(*event, "last_qty", Value::int64(5)));
  EXPECT_TRUE(hasSingleValue(*event, "last_n", Value::int64(30)));

  // Locations that do not resolve leave the field absent.
  for (std::string_view absent :
       {"past_end", "before_start", "missing", "into_string", "index_into_object", "tree_into_array"}) {
    EXPECT_EQ(event->find(absent), nullptr) << absent;
  }

  // Member names that need quoting or escapes, and the last of two equal members.
  EXPECT_TRUE(hasSingleValue(*event, "dotted", Value::string("dotted")));
  EXPECT_TRUE(hasSingleValue(*event, "quoted", Value::string("quoted")));
  EXPECT_TRUE(hasSingleValue(*event, "accented", Value::string("accented")));
  EXPECT_TRUE(hasSingleValue(*event, "dup_v", Value::int64(2)));

  // A root field reads the top-level member named by its expr.
  EXPECT_TRUE(hasSingleValue(*event, "when", Value::string("2024-01-02T03:04:05Z")));

  // Without field discovery, the flattenSpec fields are the only fields.
  EXPECT_EQ(event->find("ts"), nullptr);
  EXPECT_EQ(event->find("n"), nullptr);
  EXPECT_EQ(event->find("user"), nullptr);
  EXPECT_EQ(event->size(), 17u);
}

TEST(FlattenSpecTest, DiscoveryAddsTopLevelMembers) {
  FlattenSpec flatten = nestedFieldsSpec(true);
  simdjson::dom::parser parser;
  absl::StatusOr<Event> event = parseJsonEvent(kNestedMessage, parser, nullptr, &flatten);
  ASSERT_TRUE(event.ok()) << event.status();

  EXPECT_TRUE(hasSingleValue(*event, "name", Value::string("ann")));
  EXPECT_TRUE(hasSingleValue(*event, "ts", Value::string("2024-01-02T03:04:05Z")));
  ASSERT_NE(event->find("n"), nullptr);
  EXPECT_EQ(event->find("n")->size(), 3u);
  // Top-level objects keep their JSON text, as without a flattenSpec.
  EXPECT_TRUE(hasSingleValue(*event, "dup", Value::string(R"({"v":2})")));
  EXPECT_TRUE(hasSingleValue(*event, "a.b", Value::string("dotted")));
  EXPECT_EQ(event->find("missing"), nullptr);
}

TEST(FlattenSpecTest, DefinedFieldWinsOverTopLevelMember) {
  FlattenSpec flatten(true, {pathField("city", "$.geo.city")});
  simdjson::dom::parser parser;
  absl::StatusOr<Event> event =
      parseJsonEvent(R"({"city":"top","geo":{"city":"nested"},"page":"Main"})", parser, nullptr, &flatten);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_TRUE(hasSingleValue(*event, "city", Value::string("nested")));
  EXPECT_TRUE(hasSingleValue(*event, "page", Value::string("Main")));
  EXPECT_EQ(event->size(), 3u);

  // A defined field that does not resolve stays absent rather than falling
  // back to the top-level member.
  absl::StatusOr<Event> withoutGeo = parseJsonEvent(R"({"city":"top"})", parser, nullptr, &flatten);
  ASSERT_TRUE(withoutGeo.ok()) << withoutGeo.status();
  EXPECT_EQ(withoutGeo->find("city"), nullptr);
}

TEST(FlattenSpecTest, FieldsArgumentSelectsFlattenedNames) {
  FlattenSpec flatten(true, {pathField("city", "$.geo.city"), pathField("zip", "$.geo.zip")});
  FieldNameSet fields = {"city", "page"};
  simdjson::dom::parser parser;
  absl::StatusOr<Event> event = parseJsonEvent(
      R"({"geo":{"city":"Oslo","zip":"0150"},"page":"Main","user":"ann"})", parser, &fields, &flatten);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_TRUE(hasSingleValue(*event, "city", Value::string("Oslo")));
  EXPECT_TRUE(hasSingleValue(*event, "page", Value::string("Main")));
  EXPECT_EQ(event->find("zip"), nullptr);
  EXPECT_EQ(event->find("user"), nullptr);
}

TEST(FlattenSpecTest, RejectsInvalidJsonWhenFlattening) {
  FlattenSpec flatten(false, {pathField("city", "$.geo.city")});
  simdjson::dom::parser parser;
  EXPECT_FALSE(parseJsonEvent(R"({"geo":{"city":"Oslo"})", parser, nullptr, &flatten).ok());
  EXPECT_FALSE(parseJsonEvent(R"([{"geo":1}])", parser, nullptr, &flatten).ok());
}

TEST(FlattenSpecTest, ReadsTopLevelMemberOnlyWhenUnchanged) {
  FlattenSpec flatten(false, {rootField("page", "page"), pathField("title", "$.title"), rootField("user", "login"),
                              pathField("city", "$.geo.city")});
  EXPECT_TRUE(flatten.readsTopLevelMember("page"));
  EXPECT_TRUE(flatten.readsTopLevelMember("title")) << "$.title is the member itself";
  EXPECT_FALSE(flatten.readsTopLevelMember("user")) << "a root field with another expr renames";
  EXPECT_FALSE(flatten.readsTopLevelMember("city"));
  EXPECT_FALSE(flatten.readsTopLevelMember("other")) << "without discovery, other names are never set";
  EXPECT_FALSE(flatten.isIdentity());

  FlattenSpec discovering(true, {pathField("city", "$.geo.city")});
  EXPECT_TRUE(discovering.readsTopLevelMember("other"));
  EXPECT_FALSE(discovering.readsTopLevelMember("city"));
  EXPECT_TRUE(FlattenSpec().isIdentity());
}

// --- Through the spec, as a supervisor reads messages -------------------------

std::string nestedSpecJson(std::string_view flattenSpec, std::string_view dimensions) {
  return strCat(R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "orders",
      "timestampSpec": {"column": "time", "format": "millis"},
      "dimensionsSpec": {"dimensions": )", dimensions, R"(},
      "metricsSpec": [{"type": "count", "name": "events"},
                      {"type": "longSum", "name": "added", "fieldName": "added"}],
      "granularitySpec": {"segmentGranularity": "HOUR", "queryGranularity": "MINUTE", "rollup": true},
      "transformSpec": {"filter": {"type": "selector", "dimension": "robot", "value": "false"}}
    },
    "ioConfig": {"topic": "orders", "inputFormat": {"type": "json", "flattenSpec": )", flattenSpec, R"(},
                 "consumerProperties": {"bootstrap.servers": "127.0.0.1:1"}}}})");
}

TEST(FlattenSpecTest, NestedMessagesBecomeRows) {
  // The timestamp, a dimension, a metric's input and the filter's field are
  // all nested. The same events written flat go through a spec without a
  // flattenSpec, and both specs must give the same rows.
  absl::StatusOr<IngestionSpec> nested = parseIngestionSpec(nestedSpecJson(R"({
      "useFieldDiscovery": false,
      "fields": [
        {"type": "path", "name": "time", "expr": "$.meta.time"},
        {"type": "jq", "name": "channel", "expr": ".page.channel"},
        {"type": "tree", "name": "city", "nodes": ["geo", "city"]},
        {"type": "path", "name": "tags", "expr": "$.page.tags"},
        {"type": "path", "name": "added", "expr": "$.edit.sizes[0]"},
        {"type": "path", "name": "robot", "expr": "$['flags']['robot']"},
        "user"
      ]})",
                                                                           R"(["channel", "city", "tags", "user"])"));
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_FALSE(nested->inputFields.has_value()) << "nested fields need the general path";
  absl::StatusOr<IngestionSpec> flat = parseIngestionSpec(
      nestedSpecJson(R"({"useFieldDiscovery": true, "fields": []})", R"(["channel", "city", "tags", "user"])"));
  ASSERT_TRUE(flat.ok()) << flat.status();

  struct Message {
    std::string nestedJson;
    std::string flatJson;
    std::string outcome;
  };
  const Message messages[] = {
      {R"({"meta":{"time":1442016000000},"page":{"channel":"#en","tags":["a","b"]},"geo":{"city":"Oslo"},
          "edit":{"sizes":[10,3]},"flags":{"robot":false},"user":"ann","channel":"ignored top-level member"})",
       R"({"time":1442016000000,"channel":"#en","tags":["a","b"],"city":"Oslo","added":10,"robot":false,"user":"ann"})",
       "ok"},
      {R"({"meta":{"time":1442016001000},"page":{"channel":"#en","tags":["a","b"]},"geo":{"city":"Oslo"},
          "edit":{"sizes":[5]},"flags":{"robot":false},"user":"ann"})",
       R"({"time":1442016001000,"channel":"#en","tags":["a","b"],"city":"Oslo","added":5,"robot":false,"user":"ann"})",
       "ok"},
      {R"({"meta":{"time":1442016002000},"page":{"channel":"#en"},"edit":{"sizes":[7]},"flags":{"robot":true}})",
       R"({"time":1442016002000,"channel":"#en","added":7,"robot":true})", "filtered"},
      {R"({"meta":{"time":1442016003000},"page":{"channel":"#de","tags":"single"},"edit":{"sizes":[]},
          "flags":{"robot":false},"user":"bob"})",
       R"({"time":1442016003000,"channel":"#de","tags":"single","robot":false,"user":"bob"})", "ok"},
      {R"({"page":{"channel":"#en"},"flags":{"robot":false},"time":1442016004000})",
       R"({"channel":"#en","robot":false})", "missing timestamp field 'time'"},
  };

  RowBuffer nestedRows(*nested);
  RowBuffer flatRows(*flat);
  simdjson::dom::parser parser;
  for (const Message& message : messages) {
    SCOPED_TRACE(message.nestedJson);
    EXPECT_EQ(ingestMessage(*nested, nestedRows, parser, message.nestedJson), message.outcome);
    EXPECT_EQ(ingestMessage(*flat, flatRows, parser, message.flatJson), message.outcome);
  }

  // The first two messages roll up into one row of the minute.
  EXPECT_EQ(nestedRows.numRows(), 2u);
  std::vector<std::string> nestedCells = cells(nestedRows.takeBatches());
  EXPECT_EQ(nestedCells, cells(flatRows.takeBatches()));
  std::string allCells;
  for (const std::string& row : nestedCells) allCells += row + "\n";
  EXPECT_NE(allCells.find(R"(|#en|Oslo|["a","b"]|ann|2|15|)"), std::string::npos) << allCells;
  EXPECT_NE(allCells.find("|#de|"), std::string::npos) << allCells;
}

TEST(FlattenSpecTest, TopLevelFlattenSpecKeepsFastPath) {
  // A flattenSpec of root fields under their own names reads what the fast
  // path reads, so the spec keeps inputFields and both paths build the same rows.
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(nestedSpecJson(
      R"({"useFieldDiscovery": false, "fields": ["time", "channel", {"type": "path", "name": "added", "expr": "$.added"},
          {"type": "root", "name": "robot"}, {"type": "path", "name": "unread", "expr": "$.x.y"}]})",
      R"(["channel"])"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_TRUE(spec->inputFields.has_value());

  const char* messages[] = {
      R"({"time":1442016000000,"channel":"#en","added":3,"robot":false,"x":{"y":1}})",
      R"({"time":1442016001000,"channel":"#en","added":4,"robot":false,"other":"skipped"})",
      R"({"time":1442016062000,"channel":"#de","added":5,"robot":false})",
  };
  RowBuffer general(*spec);
  RowBuffer fast(*spec);
  JsonRowParser rowParser(*spec->inputFields);
  simdjson::dom::parser parser;
  for (const char* message : messages) {
    SCOPED_TRACE(message);
    EXPECT_EQ(ingestMessage(*spec, general, parser, message), "ok");
    ASSERT_TRUE(rowParser.parse(message));
    ASSERT_TRUE(fast.tryAdd(rowParser.fields(), static_cast<int64_t>(rowParser.fields()[0].intValue)));
  }
  EXPECT_EQ(general.numRows(), 2u);
  EXPECT_EQ(cells(fast.takeBatches()), cells(general.takeBatches()));
}

TEST(FlattenSpecTest, SchemalessSpecTakesFlattenedDimensions) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(nestedSpecJson(
      R"({"useFieldDiscovery": false, "fields": [
          {"type": "path", "name": "time", "expr": "$.meta.time"},
          {"type": "path", "name": "city", "expr": "$.geo.city"},
          "added", "robot",
          {"type": "jq", "name": "zip", "expr": ".geo.zip"}]})",
      "[]"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  // The timestamp and the metric's input are not dimensions. Only the filter
  // reads robot, so it is one.
  std::vector<std::string> names;
  for (const DimensionSpec& dimension : spec->dimensionsSpec.dimensions) {
    names.push_back(dimension.name);
    EXPECT_EQ(dimension.type, DimensionType::kString) << dimension.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"city", "robot", "zip"}));
  EXPECT_EQ(spec->dimensionsSpec.discovery, SchemaDiscovery::kExplicit);

  absl::StatusOr<storage::TableDef> table = targetTableDef(*spec);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> columns;
  for (const storage::ColumnDef& column : table->columns) columns.push_back(column.name);
  EXPECT_EQ(columns, (std::vector<std::string>{"__time", "city", "robot", "zip", "events", "added"}));
}

}  // namespace
}  // namespace furl::ingest
