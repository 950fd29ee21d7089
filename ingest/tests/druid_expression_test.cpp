#include "ingest/druid_expression.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "ingest/event.h"
#include "ingest/ingestion_spec.h"
#include "ingest/row_buffer.h"
#include "ingest/row_filter.h"
#include "ingest/tests/message_rows.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

using test_util::cells;
using test_util::ingestMessage;

// 2024-03-10T12:34:56.789Z, a Sunday.
constexpr int64_t kTimeMs = 1710074096789;

// The type and text of one value: "LONG 5", "DOUBLE 2.5", "STRING abc" or
// "NULL".
std::string describeValue(const Value& value) {
  if (value.isNull()) return "NULL";
  const Value::Storage& storage = value.storage();
  if (const auto* s = std::get_if<std::string>(&storage)) return "STRING " + *s;
  if (const auto* l = std::get_if<int64_t>(&storage)) return strCat("LONG ", *l);
  return "DOUBLE " + filterText(value);
}

// Evaluates `text` on the event decoded from `json`, with __time kTimeMs.
// Returns the values joined by " | ", or "error: message" when the
// expression does not compile.
std::string evaluate(std::string_view text, std::string_view json = "{}") {
  absl::StatusOr<DruidExpression> expression = DruidExpression::parse(text);
  if (!expression.ok()) return strCat("error: ", toStd(expression.status().message()));
  absl::StatusOr<Event> event = parseJsonEvent(json);
  if (!event.ok()) return strCat("bad test event: ", toStd(event.status().message()));
  std::string out;
  for (const Value& value : expression->evaluate(*event, kTimeMs)) {
    strAppend(&out, out.empty() ? "" : " | ", describeValue(value));
  }
  return out;
}

// The message of a rejected expression; "compiled" when it compiles.
std::string parseError(std::string_view text) {
  absl::StatusOr<DruidExpression> expression = DruidExpression::parse(text);
  return expression.ok() ? "compiled" : std::string(toStd(expression.status().message()));
}

struct Case {
  std::string expression;
  std::string expected;
};

constexpr std::string_view kRow =
    R"({"s": "Hello", "n": 5, "d": 2.5, "neg": -3, "nul": null, "b": true, "num": "42", "pad": "  hi  ",
        "t": "2024-03-10 12:34:56", "tags": ["a", "b"], "ids": [1, 2, 3], "empty": [],
        "my field": "quoted", "uni": "h\u00e9llo"})";

void expectCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(evaluate(c.expression, kRow), c.expected) << "expression: " << c.expression;
  }
}

TEST(DruidExpressionTest, FollowsOperatorPrecedence) {
  expectCases({
      {"1 + 2 * 3", "LONG 7"},
      {"(1 + 2) * 3", "LONG 9"},
      {"10 - 4 - 3", "LONG 3"},
      {"2 ^ 3 ^ 2", "LONG 512"},  // ^ is right-associative
      {"-2 ^ 2", "LONG 4"},       // unary minus binds tighter than ^
      {"2 * 3 ^ 2", "LONG 18"},
      {"7 / 2", "LONG 3"},        // LONG division truncates
      {"7.0 / 2", "DOUBLE 3.5"},
      {"-7 / 2", "LONG -3"},
      {"7 % 3", "LONG 1"},
      {"-7 % 3", "LONG -1"},
      {"1 + 2 < 4", "LONG 1"},
      {"1 < 2 == 1", "LONG 1"},   // comparisons share one level, left to right
      {"1 || 0 && 0", "LONG 0"},  // && and || share one level: (1 || 0) && 0
      {"0 && 0 || 1", "LONG 1"},
      {"!0 + 1", "LONG 2"},       // ! binds tighter than +
      {"!(0 + 1)", "LONG 0"},
      {"-n", "LONG -5"},
      {"- -n", "LONG 5"},
      {"-9223372036854775808", "LONG -9223372036854775808"},
      {"9223372036854775807 + 1", "LONG -9223372036854775808"},  // wraps as Java does
      {"1e3", "DOUBLE 1000.0"},
      {".5 + 1", "DOUBLE 1.5"},
      {"n * d", "DOUBLE 12.5"},
      {"2 ^ 0.5 > 1.41", "LONG 1"},
  });
}

TEST(DruidExpressionTest, ReadsLiteralsAndNames) {
  expectCases({
      {R"('it\'s')", "STRING it's"},
      {R"('a\nb')", "STRING a\nb"},
      {R"('tab\there')", "STRING tab\there"},
      {R"('back\\slash \/')", "STRING back\\slash /"},
      {R"('\u00e9')", "STRING \xC3\xA9"},
      {R"('\ud83d\ude00')", "STRING \xF0\x9F\x98\x80"},  // a surrogate pair
      {R"('say "hi"')", "STRING say \"hi\""},
      {R"("my field")", "STRING quoted"},
      {R"("n" + 1)", "LONG 6"},
      {R"("__time")", strCat("LONG ", kTimeMs)},
      {"__time", strCat("LONG ", kTimeMs)},
      {"null", "NULL"},
      {"missing", "NULL"},
      {"b", "LONG 1"},  // JSON true reads as 1
      {"$dollar_1", "NULL"},
  });
}

TEST(DruidExpressionTest, RejectsInvalidSyntaxWithPosition) {
  const std::vector<Case> cases = {
      {"upper(s", "at character 8: expected ',' or ')' after argument 1 of upper(), found the end of the expression"},
      {"1 +", "at character 4: expected a value, a name or a function call, found the end of the expression"},
      {"1 + * 2", "at character 5: expected a value, a name or a function call, found '*'"},
      {"s n", "at character 3: expected an operator or the end of the expression, found 'n'"},
      {"(1 + 2", "at character 7: expected ')' to close the '(' at character 1, found the end of the expression"},
      {"'abc", "at character 1: unterminated string literal; expected a closing '"},
      {"\"abc", "at character 1: unterminated quoted name; expected a closing \""},
      {R"('\q')", "at character 2: invalid escape '\\q'"},
      {R"('\u12')", "at character 2: expected four hexadecimal digits after \\u"},
      {"1 # 2", "at character 3: unexpected character '#'"},
      {"[1, 2]", "at character 1: array literals are not supported"},
      {"(x, y) -> x + y", "at character 1: lambda expressions are not supported"},
      {"99999999999999999999", "at character 1: integer 99999999999999999999 is out of the LONG range"},
      {"", "empty; expected a Druid expression such as upper(page)"},
      {"   ", "empty; expected a Druid expression such as upper(page)"},
  };
  for (const Case& c : cases) {
    std::string message = parseError(c.expression);
    EXPECT_EQ(message.substr(0, c.expected.size()), c.expected) << "expression: " << c.expression
                                                                << "\nmessage: " << message;
  }
}

TEST(DruidExpressionTest, RejectsUnknownFunctionsAndWrongArguments) {
  const std::vector<Case> cases = {
      {"uper(s)", "at character 1: unknown function 'uper'; did you mean 'upper'?"},
      {"2 + frobnicate(s)", "at character 5: unknown function 'frobnicate'; docs/ingestion-spec.md lists"},
      {"upper(s, n)", "at character 1: upper() takes 1 argument, found 2"},
      {"concat()", "at character 1: concat() takes at least 1 argument, found 0"},
      {"x + strpos(s)", "at character 5: strpos() takes 2 to 3 arguments, found 1"},
      {"regexp_like(s, '(')", "at character 16: argument 2 of regexp_like() is an invalid regular expression '('"},
      {"regexp_like(s, '(?=a)')", "at character 16: argument 2 of regexp_like() is an invalid regular expression"},
      {"regexp_extract(s, 'a(b)', 2)", "at character 27: argument 3 of regexp_extract() is 2 but the pattern has 1 capture group"},
      {"regexp_like(s, n)", "at character 16: argument 2 of regexp_like() must be a string literal"},
      {"like(s, n)", "at character 9: argument 2 of like() must be a string literal: a LIKE pattern"},
      {"like(s, 'a%', '!!')", "at character 15: argument 3 of like() must be one character"},
      {"contains_string(s, n)", "at character 20: argument 2 of contains_string() must be a string literal"},
      {"cast(s, 'FLOAT')", "at character 9: argument 2 of cast() is the type 'FLOAT', which is not supported"},
      {"timestamp_floor(__time, 'P1X')", "at character 25: argument 2 of timestamp_floor() "},
      {"timestamp_floor(__time, s)", "at character 25: argument 2 of timestamp_floor() must be a string literal"},
      {"timestamp_floor(__time, 'PT1H', null, 'America/New_York')",
       "at character 39: argument 4 of timestamp_floor() is the time zone 'America/New_York', which is not "
       "supported"},
      {"timestamp_extract(__time, 'FORTNIGHT')",
       "at character 27: argument 2 of timestamp_extract() is the unit 'FORTNIGHT', which is not supported; expected "
       "one of EPOCH, SECOND"},
      {"timestamp_format(__time, 'yyyy-MM-dd qq')",
       "at character 26: argument 2 of timestamp_format() is an invalid Joda-Time pattern"},
  };
  for (const Case& c : cases) {
    std::string message = parseError(c.expression);
    EXPECT_EQ(message.substr(0, c.expected.size()), c.expected) << "expression: " << c.expression
                                                                << "\nmessage: " << message;
  }
  EXPECT_EQ(parseError("UPPER(s)"), "compiled") << "function names are case-insensitive";
  EXPECT_EQ(parseError("timestamp_floor(__time, 'PT1H', null, 'UTC')"), "compiled");
}

TEST(DruidExpressionTest, RejectsDeepNesting) {
  std::string deep(300, '(');
  deep += "1";
  deep += std::string(300, ')');
  EXPECT_NE(parseError(deep).find("nests deeper than 200 levels"), std::string::npos) << parseError(deep);
  std::string negations(300, '-');
  negations += "1";
  EXPECT_NE(parseError(negations).find("nests deeper than 200 levels"), std::string::npos);
}

TEST(DruidExpressionTest, EvaluatesConditionalFunctions) {
  expectCases({
      {"if(n > 3, 'big', 'small')", "STRING big"},
      {"if(n > 9, 'big', 'small')", "STRING small"},
      {"if(nul, 'yes', 'no')", "STRING no"},
      {"if('TRUE', 1, 2)", "LONG 1"},
      {"if(-1, 1, 2)", "LONG 2"},  // only positive numbers are true
      {"nvl(nul, 'fallback')", "STRING fallback"},
      {"nvl(s, 'fallback')", "STRING Hello"},
      {"coalesce(nul, missing, n, 7)", "LONG 5"},
      {"coalesce(nul, missing)", "NULL"},
      {"case_searched(n < 0, 'negative', n == 0, 'zero', 'positive')", "STRING positive"},
      {"case_searched(n < 0, 'negative')", "NULL"},
      {"case_simple(n, 1, 'one', 5, 'five', 'other')", "STRING five"},
      {"case_simple(s, 'x', 1, 2)", "LONG 2"},
      {"case_simple(s, 'x', 1)", "NULL"},
      {"isnull(nul)", "LONG 1"},
      {"isnull(missing)", "LONG 1"},
      {"isnull(s)", "LONG 0"},
      {"notnull(s)", "LONG 1"},
  });
}

TEST(DruidExpressionTest, EvaluatesStringFunctions) {
  expectCases({
      {"concat(s, '-', n, '-', d)", "STRING Hello-5-2.5"},
      {"concat(s, nul)", "NULL"},
      {"s + ' world'", "STRING Hello world"},
      {"upper(s)", "STRING HELLO"},
      {"lower(s)", "STRING hello"},
      {"upper(uni)", "STRING H\xC3\x89LLO"},
      {"strlen(s)", "LONG 5"},
      {"strlen(uni)", "LONG 5"},  // code points, not bytes
      {"substring(s, 1, 3)", "STRING ell"},
      {"substring(s, 0, 100)", "STRING Hello"},
      {"substring(s, 2, -1)", "STRING llo"},
      {"substring(s, 5, 1)", "NULL"},  // an index past the end gives NULL
      {"substring(uni, 1, 2)", "STRING \xC3\xA9l"},
      {"left(s, 2)", "STRING He"},
      {"left(s, 10)", "STRING Hello"},
      {"right(s, 3)", "STRING llo"},
      {"right(s, 0)", "STRING "},
      {"replace(s, 'l', 'L')", "STRING HeLLo"},
      {"replace(s, 'xyz', 'L')", "STRING Hello"},
      {"replace('ab', '', '-')", "STRING -a-b-"},
      {"strpos(s, 'l')", "LONG 2"},
      {"strpos(s, 'l', 3)", "LONG 3"},
      {"strpos(s, 'z')", "LONG -1"},
      {"strpos(uni, 'l')", "LONG 2"},
      {"trim(pad)", "STRING hi"},
      {"ltrim(pad)", "STRING hi  "},
      {"rtrim(pad)", "STRING   hi"},
      {"trim('xxhixy', 'xy')", "STRING hi"},
      {"lpad(s, 8, 'ab')", "STRING abaHello"},
      {"rpad(s, 8, 'ab')", "STRING Helloaba"},
      {"lpad(s, 3, 'ab')", "STRING Hel"},
      {"lpad(s, 8, '')", "STRING Hello"},
      {"lpad(s, 0, 'x')", "STRING "},
      {"lpad(s, 8, nul)", "NULL"},
      {"reverse(s)", "STRING olleH"},
      {"reverse(uni)", "STRING oll\xC3\xA9h"},
      {"contains_string(s, 'ell')", "LONG 1"},
      {"contains_string(s, 'ELL')", "LONG 0"},
      {"icontains_string(s, 'ELL')", "LONG 1"},
      {"contains_string(nul, 'x')", "LONG 0"},
      {"like(s, 'He%')", "LONG 1"},
      {"like(s, 'h%')", "LONG 0"},
      {"like(s, '_ello')", "LONG 1"},
      {"like('50%', '50!%', '!')", "LONG 1"},
      {"like('500', '50!%', '!')", "LONG 0"},
      {"like(nul, '%')", "LONG 0"},
      {"regexp_like(s, 'l+')", "LONG 1"},
      {"regexp_like(s, '^l')", "LONG 0"},
      {"regexp_like(nul, '.*')", "LONG 0"},
      {"regexp_extract(s, 'l+o')", "STRING llo"},
      {"regexp_extract(s, '(H)(e)', 2)", "STRING e"},
      {"regexp_extract(s, 'z(.)')", "NULL"},
      {"regexp_extract(s, 'H(z)?', 1)", "NULL"},  // the group did not take part
      {"regexp_extract(nul, 'a')", "NULL"},
      {"parse_long(num)", "LONG 42"},
      {"parse_long('ff', 16)", "LONG 255"},
      {"parse_long('0xff', 16)", "LONG 255"},
      {"parse_long('-101', 2)", "LONG -5"},
      {"parse_long(s)", "NULL"},
  });
}

TEST(DruidExpressionTest, EvaluatesCastAndMath) {
  expectCases({
      {"cast(num, 'LONG')", "LONG 42"},
      {"cast('12.7', 'LONG')", "LONG 12"},
      {"cast(d, 'long')", "LONG 2"},
      {"cast(s, 'LONG')", "NULL"},
      {"cast(n, 'DOUBLE')", "DOUBLE 5.0"},
      {"cast(n, 'STRING')", "STRING 5"},
      {"cast(d, 'STRING')", "STRING 2.5"},
      {"cast(nul, 'STRING')", "NULL"},
      {"num + 1", "DOUBLE 43.0"},  // a numeric string with a number is a DOUBLE
      {"s + 1", "NULL"},
      {"num > 9", "LONG 1"},       // compared as numbers
      {"'42' > '9'", "LONG 0"},    // two strings compare as text
      {"s == 'Hello'", "LONG 1"},
      {"abs(neg)", "LONG 3"},
      {"abs(-2.5)", "DOUBLE 2.5"},
      {"floor(d)", "DOUBLE 2.0"},
      {"floor(n)", "DOUBLE 5.0"},  // floor and ceil always give DOUBLE
      {"ceil(d)", "DOUBLE 3.0"},
      {"ceil(-2.5)", "DOUBLE -2.0"},
      {"round(d)", "DOUBLE 3.0"},
      {"round(-2.5)", "DOUBLE -3.0"},  // half away from zero
      {"round(2.675, 2)", "DOUBLE 2.68"},
      {"round(1234.5678, -2)", "DOUBLE 1200.0"},
      {"round(n)", "LONG 5"},
      {"round(1250, -2)", "LONG 1300"},
      {"round(-1250, -2)", "LONG -1300"},
      {"round(1249, -2)", "LONG 1200"},
      {"round(0.0 / 0.0)", "DOUBLE 0.0"},  // NaN rounds to 0
      {"greatest(1, n, 3)", "LONG 5"},
      {"greatest(1, d)", "DOUBLE 2.5"},
      {"greatest(1, 'abc', nul)", "STRING abc"},
      {"least(n, neg, nul)", "LONG -3"},
      {"least(nul, missing)", "NULL"},
      {"greatest()", "NULL"},
      {"1.0 / 0", "DOUBLE Infinity"},
  });
}

TEST(DruidExpressionTest, EvaluatesTimeFunctions) {
  expectCases({
      {"timestamp_floor(__time, 'PT1H')", "LONG 1710072000000"},   // 12:00
      {"timestamp_floor(__time, 'P1D')", "LONG 1710028800000"},    // 2024-03-10
      {"timestamp_floor(__time, 'P1M')", "LONG 1709251200000"},    // 2024-03-01
      {"timestamp_floor(__time, 'PT1H', 1800000)", "LONG 1710073800000"},  // 12:30 with a half-hour origin
      {"timestamp_ceil(__time, 'PT1H')", "LONG 1710075600000"},    // 13:00
      {"timestamp_ceil(1710072000000, 'PT1H')", "LONG 1710072000000"},  // on a boundary it stays
      {"timestamp_floor(nul, 'PT1H')", "NULL"},
      {"timestamp_extract(__time, 'EPOCH')", "LONG 1710074096"},
      {"timestamp_extract(__time, 'SECOND')", "LONG 56"},
      {"timestamp_extract(__time, 'MINUTE')", "LONG 34"},
      {"timestamp_extract(__time, 'HOUR')", "LONG 12"},
      {"timestamp_extract(__time, 'DAY')", "LONG 10"},
      {"timestamp_extract(__time, 'DOW')", "LONG 7"},  // Sunday
      {"timestamp_extract(__time, 'DOY')", "LONG 70"},
      {"timestamp_extract(__time, 'WEEK')", "LONG 10"},
      {"timestamp_extract(__time, 'MONTH')", "LONG 3"},
      {"timestamp_extract(__time, 'QUARTER')", "LONG 1"},
      {"timestamp_extract(__time, 'year')", "LONG 2024"},
      {"timestamp_extract(timestamp_parse('2021-01-01'), 'ISOYEAR')", "LONG 2020"},
      {"timestamp_parse('2024-03-10T12:34:56.789Z')", strCat("LONG ", kTimeMs)},
      {"timestamp_parse(t)", "LONG 1710074096000"},  // SQL format
      {"timestamp_parse('10/03/2024 12:34', 'dd/MM/yyyy HH:mm')", "LONG 1710074040000"},
      {"timestamp_parse('not a time')", "NULL"},
      {"timestamp_parse('10/03/2024', 'yyyy-MM-dd')", "NULL"},
      {"timestamp('2024-03-10')", "LONG 1710028800000"},
      {"unix_timestamp('2024-03-10')", "LONG 1710028800"},
      {"timestamp_format(__time)", "STRING 2024-03-10T12:34:56.789Z"},
      {"timestamp_format(__time, 'yyyy/MM/dd HH')", "STRING 2024/03/10 12"},
      {"timestamp_format(nul)", "NULL"},
  });
}

TEST(DruidExpressionTest, TreatsNullAsSqlDoes) {
  expectCases({
      {"nul + 1", "NULL"},
      {"nul == nul", "NULL"},
      {"nul < 1", "NULL"},
      {"-nul", "NULL"},
      {"!nul", "NULL"},
      {"upper(nul)", "NULL"},
      {"strlen(missing)", "NULL"},
      {"1 || nul", "LONG 1"},
      {"nul || 1", "LONG 1"},
      {"0 || nul", "NULL"},
      {"nul || nul", "NULL"},
      {"0 && nul", "LONG 0"},
      {"nul && 0", "LONG 0"},
      {"1 && nul", "NULL"},
      {"'troo' || 'true'", "LONG 1"},
      {"'troo' && 'true'", "LONG 0"},
      {"0.7 || 0.3", "LONG 1"},
  });
}

TEST(DruidExpressionTest, RuntimeErrorGivesNullResult) {
  expectCases({
      {"n / 0", "NULL"},
      {"n % 0", "NULL"},
      {"nvl(n / 0, 1)", "NULL"},  // the error ends the whole expression
      {"substring(s, -1, 2)", "NULL"},
      {"left(s, -1)", "NULL"},
      {"n ^ -1", "NULL"},
      {"-s", "NULL"},
      {"s - 'x'", "NULL"},
      {"parse_long('1', 99)", "NULL"},
  });
  EXPECT_EQ(evaluate("n / 0.0", kRow), "DOUBLE Infinity") << "DOUBLE division follows IEEE 754";
}

TEST(DruidExpressionTest, AppliesScalarFunctionsToEachValue) {
  expectCases({
      {"upper(tags)", "STRING A | STRING B"},
      {"ids * 10", "LONG 10 | LONG 20 | LONG 30"},
      {"concat(tags, '-', ids)",
       "STRING a-1 | STRING a-2 | STRING a-3 | STRING b-1 | STRING b-2 | STRING b-3"},
      {"tags == 'a'", "LONG 1 | LONG 0"},
      {"isnull(empty)", "LONG 1"},  // an empty array reads as NULL
      {"concat(s, ids)", "STRING Hello1 | STRING Hello2 | STRING Hello3"},
  });
}

TEST(DruidExpressionTest, ListsInputFields) {
  absl::StatusOr<DruidExpression> expression = DruidExpression::parse("concat(a, \"b c\", a, __time)");
  ASSERT_TRUE(expression.ok()) << expression.status();
  EXPECT_EQ(expression->inputFields(), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(expression->text(), "concat(a, \"b c\", a, __time)");
}

// --- Through the spec ---------------------------------------------------------

std::string transformSpecJson(std::string_view transforms, std::string_view filter = "") {
  return strCat(R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "edits",
      "timestampSpec": {"column": "time", "format": "millis"},
      "dimensionsSpec": {"dimensions": ["page", "channel", "hour_of_day", {"name": "size", "type": "long"}]},
      "metricsSpec": [{"type": "count", "name": "events"},
                      {"type": "longSum", "name": "added", "fieldName": "added_x10"}],
      "granularitySpec": {"segmentGranularity": "DAY", "queryGranularity": "NONE", "rollup": false},
      "transformSpec": {"transforms": )",
                transforms, filter.empty() ? "" : strCat(R"(, "filter": )", filter), R"(}
    },
    "ioConfig": {"topic": "edits", "inputFormat": {"type": "json"},
                 "consumerProperties": {"bootstrap.servers": "127.0.0.1:1"}}}})");
}

Event jsonEvent(std::string_view json) {
  absl::StatusOr<Event> event = parseJsonEvent(json);
  EXPECT_TRUE(event.ok()) << event.status();
  return event.ok() ? *std::move(event) : Event();
}

std::string fieldText(const Event& event, std::string_view name) {
  const FieldValues* values = event.find(name);
  if (values == nullptr) return "absent";
  std::string out;
  for (const Value& value : *values) strAppend(&out, out.empty() ? "" : " | ", describeValue(value));
  return out;
}

TEST(DruidExpressionTest, SpecRejectsInvalidExpressionWithPath) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(R"js([
      {"type": "expression", "name": "ok", "expression": "upper(page)"},
      {"type": "expression", "name": "bad", "expression": "concat(page, "}])js"));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            "spec.dataSchema.transformSpec.transforms[1].expression: at character 14: expected a value, a name or a "
            "function call, found the end of the expression");

  spec = parseIngestionSpec(transformSpecJson(R"js([{"type": "expression", "name": "x", "expression": "lowr(page)"}])js"));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            "spec.dataSchema.transformSpec.transforms[0].expression: at character 1: unknown function 'lowr'; did you "
            "mean 'lower'?");
}

TEST(DruidExpressionTest, SpecHasNoNoteAboutTransforms) {
  absl::StatusOr<IngestionSpec> spec =
      parseIngestionSpec(transformSpecJson(R"js([{"type": "expression", "name": "page", "expression": "upper(page)"}])js"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  for (const std::string& note : spec->notes) EXPECT_EQ(note.find("transforms"), std::string::npos) << note;
  EXPECT_FALSE(spec->inputFields.has_value()) << "transforms read any field, so the JSON fast path is off";
}

TEST(DruidExpressionTest, TransformShadowsInputField) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(R"js([
      {"type": "expression", "name": "page", "expression": "upper(page)"},
      {"type": "expression", "name": "title", "expression": "concat(page, '!')"}])js"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Event event = jsonEvent(R"({"time": 1000, "page": "main"})");
  absl::StatusOr<int64_t> timeMs = spec->applyTransforms(event, 1000);
  ASSERT_TRUE(timeMs.ok()) << timeMs.status();
  EXPECT_EQ(*timeMs, 1000);
  EXPECT_EQ(fieldText(event, "page"), "STRING MAIN");
  // A transform reads the input field, not the output of the transform of
  // the same name.
  EXPECT_EQ(fieldText(event, "title"), "STRING main!");
}

TEST(DruidExpressionTest, TransformsCannotReadEachOther) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(R"js([
      {"type": "expression", "name": "first", "expression": "concat(page, '-1')"},
      {"type": "expression", "name": "second", "expression": "concat(first, '-2')"}])js"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Event event = jsonEvent(R"({"time": 1000, "page": "main"})");
  ASSERT_TRUE(spec->applyTransforms(event, 1000).ok());
  EXPECT_EQ(fieldText(event, "first"), "STRING main-1");
  EXPECT_EQ(fieldText(event, "second"), "NULL") << "'first' is not an input field";

  Event withInput = jsonEvent(R"({"time": 1000, "page": "main", "first": "input"})");
  ASSERT_TRUE(spec->applyTransforms(withInput, 1000).ok());
  EXPECT_EQ(fieldText(withInput, "second"), "STRING input-2");
}

TEST(DruidExpressionTest, TimeTransformReplacesTimestamp) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(R"js([
      {"type": "expression", "name": "__time", "expression": "timestamp_floor(__time, 'PT1H')"},
      {"type": "expression", "name": "original", "expression": "__time"}])js"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Event event = jsonEvent(R"({"time": 1710074096789})");
  absl::StatusOr<int64_t> timeMs = spec->applyTransforms(event, 1710074096789);
  ASSERT_TRUE(timeMs.ok()) << timeMs.status();
  EXPECT_EQ(*timeMs, 1710072000000);
  EXPECT_EQ(fieldText(event, "original"), "LONG 1710074096789") << "other transforms read the parsed timestamp";
  EXPECT_EQ(fieldText(event, "__time"), "absent") << "__time is not an event field";
}

TEST(DruidExpressionTest, TimeTransformMustGiveNumber) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(
      transformSpecJson(R"js([{"type": "expression", "name": "__time", "expression": "timestamp_parse(when)"}])js"));
  ASSERT_TRUE(spec.ok()) << spec.status();

  Event parsed = jsonEvent(R"({"time": 1, "when": "2024-03-10T00:00:00Z"})");
  absl::StatusOr<int64_t> timeMs = spec->applyTransforms(parsed, 1);
  ASSERT_TRUE(timeMs.ok()) << timeMs.status();
  EXPECT_EQ(*timeMs, 1710028800000);

  Event unparsed = jsonEvent(R"({"time": 1, "when": "yesterday"})");
  timeMs = spec->applyTransforms(unparsed, 1);
  ASSERT_FALSE(timeMs.ok());
  EXPECT_EQ(timeMs.status().message(),
            "transform '__time' gave NULL; expected a number of milliseconds since the epoch");
}

TEST(DruidExpressionTest, FilterSeesTransformOutput) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(
      R"js([{"type": "expression", "name": "channel", "expression": "lower(channel)"}])js",
      R"({"type": "selector", "dimension": "channel", "value": "#en"})"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  Event upper = jsonEvent(R"({"time": 1, "channel": "#EN"})");
  EXPECT_FALSE(spec->passesFilter(upper)) << "before the transform";
  ASSERT_TRUE(spec->applyTransforms(upper, 1).ok());
  EXPECT_TRUE(spec->passesFilter(upper)) << "after the transform";
}

TEST(DruidExpressionTest, TransformedMessagesBecomeRows) {
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(transformSpecJson(
      R"js([{"type": "expression", "name": "page", "expression": "upper(trim(page))"},
          {"type": "expression", "name": "hour_of_day", "expression": "timestamp_extract(__time, 'HOUR')"},
          {"type": "expression", "name": "size", "expression": "strlen(page)"},
          {"type": "expression", "name": "added_x10", "expression": "added * 10"},
          {"type": "expression", "name": "__time", "expression": "timestamp_floor(__time, 'PT1M')"},
          {"type": "expression", "name": "keep", "expression": "!contains_string(page, 'bot')"}])js",
      R"({"type": "selector", "dimension": "keep", "value": "1"})"));
  ASSERT_TRUE(spec.ok()) << spec.status();

  const std::pair<std::string_view, std::string_view> messages[] = {
      {R"({"time": 1710074096789, "page": " main ", "channel": "#en", "added": 3})", "ok"},
      {R"({"time": 1710074100000, "page": "robot", "channel": "#en", "added": 1})", "filtered"},
      {R"({"time": 1710077705000, "page": "talk", "channel": "#de"})", "ok"},
      {R"({"page": "no time"})", "missing timestamp field 'time'"},
  };
  RowBuffer rows(*spec);
  simdjson::dom::parser parser;
  for (const auto& [message, outcome] : messages) {
    EXPECT_EQ(ingestMessage(*spec, rows, parser, message), outcome) << message;
  }

  std::vector<std::string> got = cells(rows.takeBatches());
  ASSERT_EQ(got.size(), 2u);
  // __time | page | channel | hour_of_day | size | events | added
  EXPECT_EQ(got[0], "2024-03-10 12:34:00.000|MAIN|#en|12|6|1|30|");
  EXPECT_EQ(got[1], "2024-03-10 13:35:00.000|TALK|#de|13|4|1|0|");
}

}  // namespace
}  // namespace furl::ingest
