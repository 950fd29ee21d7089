#include "ingest/event.h"

#include <gtest/gtest.h>

#include "simdjson.h"

namespace furl::ingest {
namespace {

TEST(EventTest, ParsesJsonScalarsArraysAndObjects) {
  absl::StatusOr<Event> event = parseJsonEvent(
      R"({"page":"Main","added":57,"big":18446744073709551615,"ratio":0.5,"isRobot":false,"metroCode":null,)"
      R"("tags":["a","b"],"empty":[],"nested":{"x": [1, 2]},"mixed":[1,{"y":2}]})");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->size(), 10u);

  const FieldValues* page = event->find("page");
  ASSERT_NE(page, nullptr);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0], Value::string("Main"));
  EXPECT_EQ((*event->find("added"))[0].asInt64(), 57);
  EXPECT_EQ((*event->find("big"))[0].asUInt64(), UINT64_MAX);
  EXPECT_EQ((*event->find("ratio"))[0].asDouble(), 0.5);
  EXPECT_EQ((*event->find("isRobot"))[0].type(), TypeId::kBool);
  EXPECT_TRUE((*event->find("metroCode"))[0].isNull());
  EXPECT_EQ(event->find("tags")->size(), 2u);
  EXPECT_EQ(event->find("empty")->size(), 0u);
  EXPECT_EQ((*event->find("nested"))[0].asString(), R"({"x":[1,2]})");
  EXPECT_EQ((*event->find("mixed"))[0].asString(), R"([1,{"y":2}])");
  EXPECT_EQ(event->find("absent"), nullptr);
  EXPECT_EQ(event->names().front(), "page");
}

TEST(EventTest, ParsesOnlyRequestedJsonFields) {
  simdjson::dom::parser parser;
  FieldNameSet fields = {"page", "added", "absent"};
  absl::StatusOr<Event> event =
      parseJsonEvent(R"({"page":"Main","added":57,"comment":"long text","tags":["a"],"nested":{"x":1}})", parser,
                     &fields);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->size(), 2u);
  EXPECT_EQ((*event->find("page"))[0], Value::string("Main"));
  EXPECT_EQ((*event->find("added"))[0].asInt64(), 57);
  EXPECT_EQ(event->find("comment"), nullptr);
  EXPECT_EQ(event->find("tags"), nullptr);
  EXPECT_EQ(event->find("absent"), nullptr);

  // Skipped fields are still validated.
  absl::StatusOr<Event> invalid = parseJsonEvent(R"({"page":"Main","comment":tru})", parser, &fields);
  EXPECT_FALSE(invalid.ok());
  FieldNameSet none;
  absl::StatusOr<Event> empty = parseJsonEvent(R"({"page":"Main"})", parser, &none);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 0u);
}

TEST(EventTest, FieldNameSetMatchesExactNames) {
  FieldNameSet fields = {"OS", "UserID", "axb", ""};
  EXPECT_EQ(fields.size(), 4u);
  EXPECT_TRUE(fields.contains("OS"));
  EXPECT_TRUE(fields.contains("UserID"));
  EXPECT_TRUE(fields.contains("axb"));
  EXPECT_TRUE(fields.contains(""));
  // "ayb" has the length and first and last byte of "axb", so only the hash
  // set can reject it.
  EXPECT_FALSE(fields.contains("ayb"));
  EXPECT_FALSE(fields.contains("OX"));
  EXPECT_FALSE(fields.contains("UserId"));
  EXPECT_FALSE(fields.contains("UserIDs"));
}

TEST(EventTest, ParsesRequestedFieldsAmongMany) {
  // A hundred keys of many lengths, some longer than 255 bytes, of which the
  // set requests every seventh.
  std::string json = "{";
  FieldNameSet fields;
  std::vector<std::string> requested;
  for (int i = 0; i < 100; ++i) {
    std::string name = "k" + std::string(static_cast<size_t>(i * 3 % 300), 'x') + std::to_string(i);
    if (i > 0) json += ",";
    json += "\"" + name + "\":" + std::to_string(i);
    if (i % 7 == 0) {
      fields.insert(name);
      requested.push_back(name);
    }
  }
  json += "}";

  simdjson::dom::parser parser;
  absl::StatusOr<Event> event = parseJsonEvent(json, parser, &fields);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->size(), requested.size());
  for (size_t j = 0; j < requested.size(); ++j) {
    const FieldValues* values = event->find(requested[j]);
    ASSERT_NE(values, nullptr) << requested[j];
    EXPECT_EQ((*values)[0].asInt64(), static_cast<int64_t>(j * 7)) << requested[j];
  }
}

TEST(EventTest, RejectsInvalidJson) {
  EXPECT_FALSE(parseJsonEvent("{").ok());
  EXPECT_FALSE(parseJsonEvent("[1,2]").ok());
  EXPECT_FALSE(parseJsonEvent("").ok());
}

TEST(EventTest, ParsesDelimitedLines) {
  std::vector<std::string> columns = {"time", "page", "tags", "note"};
  absl::StatusOr<Event> event = parseDelimitedEvent("2015-09-12,\"Main, Page\",a|b\n", columns, ",", "|");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ((*event->find("page"))[0].asString(), "Main, Page");
  ASSERT_EQ(event->find("tags")->size(), 2u);
  EXPECT_EQ((*event->find("tags"))[1].asString(), "b");
  EXPECT_TRUE((*event->find("note"))[0].isNull()) << "missing trailing values are NULL";

  absl::StatusOr<Event> tsv = parseDelimitedEvent("x\t\"say \"\"hi\"\"\"", {"a", "b"}, "\t", "");
  ASSERT_TRUE(tsv.ok()) << tsv.status();
  EXPECT_EQ((*tsv->find("b"))[0].asString(), "say \"hi\"");

  EXPECT_FALSE(parseDelimitedEvent("a,b,c", {"x", "y"}, ",", "").ok()) << "more values than columns";
  EXPECT_FALSE(parseDelimitedEvent("\"open", {"x"}, ",", "").ok()) << "unterminated quote";
}

}  // namespace
}  // namespace furl::ingest
