#include "ingest/json_row.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <random>

#include "common/hll_sketch.h"
#include "ingest/ingestion_spec.h"
#include "ingest/row_buffer.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

/// Every way a JsonRowParser can decode: both modes, with stage 1 on each
/// simdjson implementation this CPU can run: the AVX-512 "icelake", whose
/// parser also walks with AVX-512, the AVX2 "haswell", the SSE4.2
/// "westmere" and the portable "fallback".
std::vector<std::unique_ptr<JsonRowParser>> allParsers(const FieldNameSet& names) {
  std::vector<std::unique_ptr<JsonRowParser>> parsers;
  for (const simdjson::implementation* implementation : simdjson::get_available_implementations()) {
    if (!implementation->supported_by_runtime_system()) continue;
    for (JsonRowParser::Mode mode : {JsonRowParser::Mode::kStructuralIndex, JsonRowParser::Mode::kDom}) {
      auto parser = JsonRowParser::withImplementation(names, mode, implementation->name());
      EXPECT_TRUE(parser.ok()) << parser.status();
      if (parser.ok()) parsers.push_back(std::move(*parser));
    }
  }
  return parsers;
}

/// A copy of a message that ends `gap` bytes before a memory page that may
/// not be read, so that a parser reading further crashes the test.
class GuardedMessage {
 public:
  GuardedMessage(std::string_view json, size_t gap) {
    auto pageSize = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t readable = (json.size() + gap + pageSize - 1) / pageSize * pageSize;
    size_ = readable + pageSize;
    void* pages = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(pages, MAP_FAILED);
    pages_ = static_cast<char*>(pages);
    EXPECT_EQ(mprotect(pages_ + readable, pageSize, PROT_NONE), 0);
    // Digits, so that a parser that reads too far extends a number that
    // the message cuts off.
    std::memset(pages_, '7', readable);
    char* begin = pages_ + readable - gap - json.size();
    std::memcpy(begin, json.data(), json.size());
    text_ = std::string_view(begin, json.size());
  }
  ~GuardedMessage() { munmap(pages_, size_); }
  GuardedMessage(const GuardedMessage&) = delete;
  GuardedMessage& operator=(const GuardedMessage&) = delete;

  std::string_view text() const { return text_; }

 private:
  char* pages_ = nullptr;
  size_t size_ = 0;
  std::string_view text_;
};

std::string parserName(const JsonRowParser& parser) {
  return strCat(parser.mode() == JsonRowParser::Mode::kDom ? "dom" : "structural index", " on ",
                parser.implementationName());
}

/// Checks that every parser accepts `json` and reads every field of `names`
/// as parseJsonEvent() does.
void expectSameFields(const FieldNameSet& names, std::string_view json) {
  SCOPED_TRACE(std::string(json));
  simdjson::dom::parser domParser;
  absl::StatusOr<Event> event = parseJsonEvent(json, domParser, &names);
  ASSERT_TRUE(event.ok()) << event.status();

  for (const std::unique_ptr<JsonRowParser>& parser : allParsers(names)) {
    SCOPED_TRACE(parserName(*parser));
    ASSERT_TRUE(parser->parse(json));
    for (const std::string& name : names.names()) {
      SCOPED_TRACE(name);
      const ScalarField& field = parser->fields()[static_cast<size_t>(names.slotOf(name))];
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
      // Value's equality calls -0.0 and 0.0 equal.
      if (field.kind == ScalarField::Kind::kDouble) {
        EXPECT_EQ(std::signbit(field.doubleValue), std::signbit((*values)[0].asDouble()));
      }
    }
  }
}

TEST(JsonRowParserTest, HasAParserPerModeAndImplementation) {
  FieldNameSet names = {"a"};
  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  std::vector<std::string> found;
  for (const std::unique_ptr<JsonRowParser>& parser : parsers) found.push_back(parserName(*parser));
  EXPECT_NE(std::find(found.begin(), found.end(), "structural index on fallback"), found.end());
  EXPECT_NE(std::find(found.begin(), found.end(), "dom on fallback"), found.end());
  EXPECT_NE(std::find(found.begin(), found.end(), strCat("structural index on ",
                                                        simdjson::get_active_implementation()->name())),
            found.end());

  JsonRowParser defaultParser(names);
  EXPECT_EQ(defaultParser.mode(), JsonRowParser::Mode::kStructuralIndex);
  EXPECT_EQ(defaultParser.implementationName(), simdjson::get_active_implementation()->name());
}

TEST(JsonRowParserTest, WithImplementationRejectsUnknownNames) {
  FieldNameSet names = {"a"};
  auto parser = JsonRowParser::withImplementation(names, JsonRowParser::Mode::kStructuralIndex, "avx9000");
  ASSERT_FALSE(parser.ok());
  EXPECT_TRUE(absl::IsNotFound(parser.status())) << parser.status();
  EXPECT_NE(parser.status().message().find("'avx9000'"), std::string_view::npos) << parser.status();
  EXPECT_NE(parser.status().message().find("fallback"), std::string_view::npos) << parser.status();
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

TEST(JsonRowParserTest, ReadsEdgeCaseScalars) {
  FieldNameSet names = {"s", "i", "u", "d", "b", "n", "page"};
  // Numbers at the limits of each type, and doubles that take simdjson's
  // slow paths (more than 19 digits, exponents beyond the fast tables).
  expectSameFields(names, R"({"u":18446744073709551615,"i":-9223372036854775808,"d":1.7976931348623157e308})");
  expectSameFields(names, R"({"u":9223372036854775808,"i":-9223372036854775807,"d":4.9e-324})");
  expectSameFields(names, R"({"u":10000000000000000000,"i":-0,"d":-0.0})");
  expectSameFields(names, R"({"d":3.1415926535897932384626433832795028841971693993751,"i":0})");
  expectSameFields(names, R"({"d":1.00000000000000000000000000000000000000000001e+300,"u":1e-400})");
  expectSameFields(names, R"({"d":-0.0e-999,"u":123456789012345678901234567890.5,"i":1E+2})");
  expectSameFields(names, R"({"d":2.2250738585072011e-308,"u":0.1,"i":9007199254740993})");
  // Escapes of every kind, surrogate pairs, and strings whose ends fall near
  // the 32- and 64-byte blocks simdjson works in.
  expectSameFields(names, R"({"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00","page":"\u0000"})");
  expectSameFields(names, R"({"s":"0123456789abcdef0123456789abcde\"","page":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\n"})");
  std::string longText(5000, 'x');
  expectSameFields(names, strCat(R"({"s":")", longText, R"(","page":")", longText, R"(\u00e9"})"));
  // Escaped read and unread keys, keys that only differ after unescaping,
  // and an escaped string in a duplicate that the last value replaces.
  expectSameFields(names, R"({"\u0073":"s by escape","\"x\"":1,"p\u0061ge":"a\tb","page":"c\td"})");
  expectSameFields(names, R"({"s":"a\nb","s":"plain","x":{"\u0064":"\ud83d\ude00"}})");
  // Whitespace of every kind between every token, and deep unread nesting.
  expectSameFields(names, "\t\r\n{\t\"s\"\r:\n\"v\"\t,\r\"x\"\n:\t[\r1\n,\t{\r}\n,\t[\r]\n]\t}\r\n");
  expectSameFields(names, strCat(R"({"x":)", std::string(500, '['), std::string(500, ']'), R"(,"i":5})"));
}

TEST(JsonRowParserTest, ReadsIntegersOfEveryLength) {
  // Lengths 1 to 21 and the int64 and uint64 limits, each with and without
  // a minus: the kind and value must be those of simdjson's DOM.
  FieldNameSet names = {"i"};
  std::string digits = "987654321098765432109";
  std::vector<std::string> numbers = {"0",
                                      "9223372036854775807",
                                      "9223372036854775808",
                                      "18446744073709551615",
                                      "18446744073709551616",
                                      "10000000000000000000"};
  for (size_t length = 1; length <= digits.size(); ++length) numbers.push_back(digits.substr(0, length));
  for (const std::string& number : numbers) {
    for (std::string_view sign : {"", "-"}) {
      std::string json = strCat(R"({"x":1,"i":)", sign, number, R"(,"y":2})");
      simdjson::dom::parser domParser;
      if (!parseJsonEvent(json, domParser, &names).ok()) continue;  // beyond every type
      expectSameFields(names, json);
    }
  }
}

TEST(JsonRowParserTest, MatchesOnlyWholeKeys) {
  // Read names of 1 to 18 bytes, and unread keys that share their length,
  // their first 8 or 16 bytes, or all but the last byte.
  FieldNameSet names = {"a", "ab", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
                        "abcdefghijklmnopqr", "UserID"};
  expectSameFields(names, R"({"":0,"b":1,"aa":2,"abcdefgX":3,"abcdefghX":4,"Xbcdefgh":5,"abcdefghijklmnoX":6,)"
                          R"("abcdefghijklmnopX":7,"abcdefghijklmnopqX":8,"abcdefghijklmnopqrs":9,"UserId":10})");
  expectSameFields(names, R"({"a":1,"ab":2,"abcdefgh":3,"abcdefghi":4,"abcdefghijklmnop":5,"abcdefghijklmnopq":6,)"
                          R"("abcdefghijklmnopqr":7,"UserID":8,"abcdefghijklmnopqX":9,"UserIDs":10,"abc":11})");
  // Escaped keys match their decoded text, and a duplicate keeps its last value.
  expectSameFields(names, R"({"a":"escaped a","abcdefghijklmnopq":"escaped 17",)"
                          R"("abcdefghiX":"unread","UserID":1,"UserID":2})");
  expectSameFields(names, R"({"abcdefghijklmnopqr":1,"x":"\n","abcdefghijklmnopqr":2,"a":3,"a":"last"})");
}

TEST(JsonRowParserTest, MatchesKeysOfLargeSpecs) {
  // 100 read names, beyond what the key table holds, and 64 names, which
  // fill a quarter of it, with unread keys that differ in one byte.
  for (int count : {64, 100}) {
    SCOPED_TRACE(count);
    FieldNameSet names;
    std::string json = "{";
    for (int i = 0; i < count; ++i) {
      names.insert(strCat("field_", i));
      if (i % 3 != 0) strAppend(&json, "\"field_", i, "\":", i, ",");
      strAppend(&json, "\"field-", i, "\":", -i, ",\"fielD_", i, "\":\"x\",");
    }
    json += R"("field_":1})";
    expectSameFields(names, json);
  }
}

TEST(JsonRowParserTest, ChecksUnreadIntegersOfEveryLength) {
  // Unread integers of 1 to 21 digits, with a sign, leading zeros, and
  // followed by each kind of byte that may end a number.
  FieldNameSet names = {"a"};
  simdjson::dom::parser domParser;
  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  std::string digits = "123456789012345678901";
  int validCount = 0;
  int invalidCount = 0;
  for (size_t length = 1; length <= digits.size(); ++length) {
    for (std::string_view sign : {"", "-"}) {
      for (std::string_view lead : {"", "0"}) {
        for (std::string_view after : {",", " ,", "}", "\n}", "x,", ".5,", "e3,", "\"s\","}) {
          std::string number = strCat(sign, lead, digits.substr(0, length));
          std::string json = strCat(R"({"x":)", number, after, after.back() == '}' ? "" : R"("a":7})");
          SCOPED_TRACE(json);
          bool valid = parseJsonEvent(json, domParser, &names).ok();
          ++(valid ? validCount : invalidCount);
          for (const std::unique_ptr<JsonRowParser>& parser : parsers) {
            SCOPED_TRACE(parserName(*parser));
            EXPECT_EQ(parser->parse(json), valid);
          }
        }
      }
    }
  }
  EXPECT_GT(validCount, 200);
  EXPECT_GT(invalidCount, 200);
}

TEST(JsonRowParserTest, ChecksUnreadIntegersAtTheLimits) {
  // Around the int64 and uint64 limits, where parse_number() decides.
  FieldNameSet names = {"a"};
  simdjson::dom::parser domParser;
  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  for (std::string_view magnitude :
       {"9223372036854775807", "9223372036854775808", "9223372036854775809", "9300000000000000000",
        "9999999999999999999", "18446744073709551615", "18446744073709551616", "99999999999999999999",
        "1234567890123456789012345678901", "12345678901234567890123456789012"}) {
    for (std::string_view sign : {"", "-"}) {
      std::string json = strCat(R"({"x":)", sign, magnitude, R"(,"a":7})");
      SCOPED_TRACE(json);
      bool valid = parseJsonEvent(json, domParser, &names).ok();
      for (const std::unique_ptr<JsonRowParser>& parser : parsers) {
        SCOPED_TRACE(parserName(*parser));
        EXPECT_EQ(parser->parse(json), valid);
      }
    }
  }
  std::string json = R"({"x":-9223372036854775808,"a":7})";
  EXPECT_TRUE(parseJsonEvent(json, domParser, &names).ok());
  for (const std::unique_ptr<JsonRowParser>& parser : parsers) EXPECT_TRUE(parser->parse(json)) << parserName(*parser);
}

TEST(JsonRowParserTest, ResetsFieldsBetweenMessages) {
  FieldNameSet names = {"a", "b"};
  for (const std::unique_ptr<JsonRowParser>& parser : allParsers(names)) {
    SCOPED_TRACE(parserName(*parser));
    ASSERT_TRUE(parser->parse(R"({"a":1,"b":"x"})"));
    ASSERT_TRUE(parser->parse(R"({"b":"y"})"));
    EXPECT_EQ(parser->fields()[0].kind, ScalarField::Kind::kAbsent);
    EXPECT_EQ(parser->fields()[1].kind, ScalarField::Kind::kString);
    EXPECT_EQ(parser->fields()[1].text, "y");
  }
}

TEST(JsonRowParserTest, KeepsDecodedStringsUntilTheNextMessage) {
  // Escaped strings are decoded into a buffer that grows with the message.
  FieldNameSet names = {"a", "b"};
  std::string longText(20000, 'y');
  for (const std::unique_ptr<JsonRowParser>& parser : allParsers(names)) {
    SCOPED_TRACE(parserName(*parser));
    ASSERT_TRUE(parser->parse(R"({"a":"one\ttwo","x":"skipped\n","b":"three\u00e9"})"));
    EXPECT_EQ(parser->fields()[0].text, "one\ttwo");
    EXPECT_EQ(parser->fields()[1].text, "three\xc3\xa9");
    ASSERT_TRUE(parser->parse(strCat(R"({"a":")", longText, R"(\n","b":"\n)", longText, R"("})")));
    EXPECT_EQ(parser->fields()[0].text, strCat(longText, "\n"));
    EXPECT_EQ(parser->fields()[1].text, strCat("\n", longText));
  }
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
      // Tokens that only the grammar walk can catch: stage 1 splits them
      // into separate tokens or leaves them inside one.
      R"({"a":"x""y"})",
      R"({"a":"x"y})",
      R"({"x":"x" "y"})",
      R"({"x":truefalse})",
      R"({"x":true"s"})",
      R"({"x":1"s"})",
      R"({"x":-01})",
      R"({"x":1e+})",
      R"({"x":.5})",
      R"({"x":+1})",
      R"({"x":18446744073709551616})",
      R"({"x":123456789012345678901234567890})",
      R"({"a":10000000000000000000000000000000000000000000e+308})",
      R"({"a":-9223372036854775809})",
      R"({"x":"\ud83d"})",
      R"({"x":"\udc00\ud83d"})",
      R"({"x":[1]]})",
      R"({"x":[1}})",
      R"({"x":{"y":1]})",
      R"({"x":{"y"}})",
      R"({"x":{"y":}})",
      R"({"x":[,1]})",
      R"({:1})",
      R"({"a"::1})",
      R"({"a":1,,"b":2})",
      R"({"a":1}})",
      R"({"a":1}])",
      R"({"a":1},)",
      R"({"a",1})",
      R"({"a":[1,{"b":[2,{"c":}]}]})",
  };
  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  simdjson::dom::parser domParser;
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    ASSERT_FALSE(parseJsonEvent(input, domParser, &names).ok());
    for (const std::unique_ptr<JsonRowParser>& parser : parsers) {
      SCOPED_TRACE(parserName(*parser));
      EXPECT_FALSE(parser->parse(input));
    }
  }
}

TEST(JsonRowParserTest, LeavesNestedReadFieldsToParseJsonEvent) {
  FieldNameSet names = {"a"};
  for (const std::unique_ptr<JsonRowParser>& parser : allParsers(names)) {
    SCOPED_TRACE(parserName(*parser));
    EXPECT_FALSE(parser->parse(R"({"a":["x","y"]})"));
    EXPECT_FALSE(parser->parse(R"({"a":{"b":1}})"));
    EXPECT_FALSE(parser->parse(R"({"a":[]})"));
    EXPECT_TRUE(parser->parse(R"({"b":["x","y"],"a":"z"})"));
  }
}

/// What the supervisor does with one message. "fast" and the read fields
/// when JsonRowParser accepts it. Otherwise the general path decides:
/// "general" when parseJsonEvent() decodes it, or else the error that the
/// supervisor counts and keeps under reason invalid_json.
std::string outcome(JsonRowParser& parser, const FieldNameSet& names, std::string_view json,
                    simdjson::dom::parser& domParser) {
  if (parser.parse(json)) {
    std::string out = "fast";
    for (const ScalarField& field : parser.fields()) {
      strAppend(&out, " ", static_cast<int>(field.kind), ":",
                field.kind == ScalarField::Kind::kAbsent ? "" : field.toValue().toString());
      if (field.kind == ScalarField::Kind::kDouble) strAppend(&out, std::signbit(field.doubleValue) ? "-" : "+");
    }
    return out;
  }
  absl::StatusOr<Event> event = parseJsonEvent(json, domParser, &names);
  return event.ok() ? "general" : strCat("invalid_json: ", event.status().message());
}

/// Sets `expected` to the outcome of parsers[0] for `json` and checks that
/// every parser reaches it. The first `guarded` parsers must reach it too
/// on copies that end 64 bytes before an unreadable page, which are read in
/// place, and right before it, which are read from a padded copy.
void expectOneOutcome(const std::vector<std::unique_ptr<JsonRowParser>>& parsers, size_t guarded,
                      const FieldNameSet& names, std::string_view json, simdjson::dom::parser& domParser,
                      std::string& expected) {
  expected = outcome(*parsers[0], names, json, domParser);
  for (size_t p = 1; p < parsers.size(); ++p) {
    SCOPED_TRACE(parserName(*parsers[p]));
    ASSERT_EQ(outcome(*parsers[p], names, json, domParser), expected);
  }
  for (size_t gap : {size_t{0}, size_t{64}}) {
    SCOPED_TRACE(gap);
    GuardedMessage message(json, gap);
    for (size_t p = 0; p < guarded; ++p) {
      SCOPED_TRACE(parserName(*parsers[p]));
      ASSERT_EQ(outcome(*parsers[p], names, message.text(), domParser), expected);
    }
  }
}

TEST(JsonRowParserTest, ModesAgreeOnMutatedMessages) {
  // Messages with every kind of value, mutated at random (with a fixed seed)
  // by deleting, inserting, replacing and duplicating bytes. Every parser
  // must reach the same outcome, and the fast path must accept exactly the
  // messages that parseJsonEvent() decodes with scalars in the read fields.
  FieldNameSet names = {"a", "s", "n", "page", "time"};
  const std::string seeds[] = {
      R"({"time":"2013-07-01 00:00:02","a":5589340829477369442,"s":"Работа \"отзывы\"","n":-8583180,)"
      R"("x":[1,-2.5e-3,true,false,null,"y\u00e9"],"o":{"k":{"l":[{}]}},"page":"http:\/\/zera.su\/?id=1"})",
      R"({"a":1.5,"s":null,"n":true,"page":"","e":[],"f":{},"g":"tab\tnew\nline","h":1E+22,"i":0})",
      R"( { "page" : "a" , "\u0070age" : "b" , "a" : [ 1 , 2 ] , "z" : -0 , "n" : 18446744073709551615 } )",
  };
  const char alphabet[] = "{}[]:,\"\\ \t\n0123456789-+.eEtrufalsn/xu\x01\xff\xc3";

  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  ASSERT_GE(parsers.size(), 4u);
  simdjson::dom::parser domParser;
  std::mt19937 random(20261205);
  std::map<std::string, int> kinds;
  for (const std::string& seed : seeds) {
    for (int i = 0; i < 3000; ++i) {
      std::string json = seed;
      int mutations = 1 + static_cast<int>(random() % 3);
      for (int m = 0; m < mutations && !json.empty(); ++m) {
        size_t at = random() % json.size();
        char c = alphabet[random() % (sizeof(alphabet) - 1)];
        switch (random() % 5) {
          case 0: json.erase(at, 1); break;
          case 1: json.insert(at, 1, c); break;
          case 2: json[at] = c; break;
          case 3: json.insert(at, json.substr(at, random() % 8)); break;
          default: json.resize(at); break;
        }
      }
      SCOPED_TRACE(json);

      std::string expected;
      ASSERT_NO_FATAL_FAILURE(expectOneOutcome(parsers, 1, names, json, domParser, expected));

      simdjson::dom::element root;
      simdjson::dom::object object;
      bool decodable = !domParser.parse(json).get(root) && !root.get_object().get(object);
      if (decodable) {
        for (simdjson::dom::key_value_pair member : object) {
          if (names.contains(member.key) && (member.value.is_array() || member.value.is_object())) decodable = false;
        }
      }
      EXPECT_EQ(expected.rfind("fast", 0) == 0, decodable);
      ++kinds[expected.substr(0, expected.find(' '))];
    }
  }
  // The mutations must produce every outcome often, or the test shows little.
  EXPECT_GT(kinds["fast"], 500);
  EXPECT_GT(kinds["general"], 50);
  EXPECT_GT(kinds["invalid_json:"], 1000);
}

TEST(JsonRowParserTest, ModesAgreeOnWideMessages) {
  // Objects of 1 to 80 members, which the AVX-512 walk of the "icelake"
  // implementation checks 16 at a time, with values of every kind in every
  // position, as generated and mutated (fixed seed). Every parser must
  // reach the same outcome, read in place or from a copy. On a CPU without
  // AVX-512 this compares the other walks only.
  std::string longName(70, 'k');
  FieldNameSet names = {"a", "page", "time", "", "UserID", longName, "ab", "Вид", std::string(63, 'm')};
  const std::vector<std::string> keys = {
      "a", "page", "time", "", "UserID", longName, "ab", "Вид", std::string(63, 'm'), longName + "x", "b",
      "pagf", "pag", "pages", "tim", "UserIE", "UserIDs", "Xa", "ac", "Вид2", "URL", "OS", "WatchID", "IsRefresh",
      "x y", "Работа", std::string(63, 'k'), std::string(64, 'm'),
  };
  // Values that the vector checks cover, other valid values, and invalid ones.
  const std::vector<std::string> covered = {
      R"("")", R"("text")", R"("Работа")", "0", "7", "-7", "42", "-0", "123456789012", "-12345678901",
  };
  const std::vector<std::string> other = {
      R"("with \"escapes\" \u00e9")", "1234567890123", "5589340829477369442", "18446744073709551615",
      "184467440737095516150", "1.5", "-2.5e-3", "1E+22", "true", "false", "null", "[]", "[1,{\"a\":2}]", "{}",
      R"({"page":"inner","a":[1]})",
  };
  const std::vector<std::string> invalid = {
      R"("bad \q escape")", "00", "01", "-01", "1.", "-", "tru", "nul", "[", "}", "", ":", ",", "]",
  };
  const char alphabet[] = "{}[]:,\"\\ \t\n0123456789-+.eEtrufalsn/xu";

  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  const simdjson::implementation* icelake = simdjson::get_available_implementations()["icelake"];
  if (icelake != nullptr && icelake->supported_by_runtime_system()) {
    EXPECT_TRUE(std::any_of(parsers.begin(), parsers.end(),
                            [](const auto& parser) { return parser->implementationName() == "icelake"; }));
  }
  simdjson::dom::parser domParser;
  std::mt19937 random(20261205);
  std::map<std::string, int> kinds;
  const std::string gaps[] = {" ", "\t", "\n", "\r\n", "  "};
  for (int i = 0; i < 5000; ++i) {
    // Most messages are compact, like those of most producers. Some have
    // whitespace around every token or in a few places.
    bool spaced = random() % 8 == 0;
    auto gap = [&] { return spaced || random() % 64 == 0 ? gaps[random() % std::size(gaps)] : std::string(); };
    std::string json = strCat(gap(), "{", gap());
    // A fifth have fewer than 16 members: one round with masked lanes.
    size_t members = random() % 5 == 0 ? 1 + random() % 15 : 16 + random() % 65;
    for (size_t m = 0; m < members; ++m) {
      const std::string& key = keys[random() % keys.size()];
      uint32_t kind = random() % 100;
      const std::vector<std::string>* pool = &covered;
      if (kind >= 98) {
        pool = &invalid;
      } else if (kind >= 90) {
        pool = &other;
      }
      const std::string& value = (*pool)[random() % pool->size()];
      strAppend(&json, m == 0 ? "" : strCat(gap(), ",", gap()), "\"", key, "\"", gap(), ":", gap(), value);
    }
    strAppend(&json, gap(), "}", gap());
    if (random() % 2 == 0) {
      int mutations = 1 + static_cast<int>(random() % 2);
      for (int m = 0; m < mutations; ++m) {
        size_t at = random() % json.size();
        char c = alphabet[random() % (sizeof(alphabet) - 1)];
        switch (random() % 3) {
          case 0: json.erase(at, 1); break;
          case 1: json.insert(at, 1, c); break;
          default: json[at] = c; break;
        }
      }
    }
    SCOPED_TRACE(json);

    std::string expected;
    ASSERT_NO_FATAL_FAILURE(expectOneOutcome(parsers, parsers.size(), names, json, domParser, expected));
    ++kinds[expected.substr(0, expected.find(' '))];
  }
  EXPECT_GT(kinds["fast"], 1000);
  EXPECT_GT(kinds["general"], 100);
  EXPECT_GT(kinds["invalid_json:"], 1000);
}

TEST(JsonRowParserTest, ReadsMessagesBeforeAnUnreadablePage) {
  // Messages that end where reading past them would fault: messages that
  // end with a brace are read in place when the 64 bytes after them are
  // readable, and others from a padded copy. The bytes after each message
  // are digits, which would extend a number that a parser reads too far.
  FieldNameSet names = {"a", "s", "t"};
  const char* inputs[] = {
      R"({"a":1})",
      R"({"a":123456789012345678})",
      R"({"x":1234567890123456789012345,"a":1})",
      R"({"a":12345678901234567890123})",
      R"({"a":1.5e3})",
      R"({"a":-0})",
      R"({"s":"x"})",
      R"({"s":"escaped \n at the end"})",
      R"({"abcdefghijklmnopqrstuvwxyz":"long key","t":true})",
      R"({"t":t})",
      R"({"t":nul})",
      R"({"a":1)",
      R"({"a":)",
      R"({"a":"cut)",
      R"({"a":1,})",
      R"({"a":1 })",
      R"({"a":1}  )",
      R"({})",
      R"({"x":[1,2,{"y":3}]})",
      "{",
      "}",
      "1}",
      R"("a"})",
      R"([1]})",
  };
  simdjson::dom::parser domParser;
  std::vector<std::unique_ptr<JsonRowParser>> parsers = allParsers(names);
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    for (size_t gap : {size_t{0}, size_t{1}, size_t{16}, size_t{63}, size_t{64}, size_t{65}, size_t{200}}) {
      SCOPED_TRACE(gap);
      GuardedMessage guarded(input, gap);
      for (const std::unique_ptr<JsonRowParser>& parser : parsers) {
        SCOPED_TRACE(parserName(*parser));
        EXPECT_EQ(outcome(*parser, names, guarded.text(), domParser), outcome(*parser, names, input, domParser));
      }
    }
  }
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
