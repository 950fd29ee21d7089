#include "ingest/row_buffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include "common/hll_sketch.h"
#include "ingest/json_row.h"
#include "ingest/ingestion_spec.h"
#include "ingest/target_table.h"

namespace furl::ingest {
namespace {

IngestionSpec makeSpec(bool rollup) {
  std::string json = R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "edits",
      "timestampSpec": {"column": "time", "format": "iso"},
      "dimensionsSpec": {"dimensions": ["channel", {"name": "size", "type": "long"}]},
      "metricsSpec": [
        {"type": "count", "name": "events"},
        {"type": "longSum", "name": "added", "fieldName": "added"},
        {"type": "longMax", "name": "max_added", "fieldName": "added"},
        {"type": "HLLSketchBuild", "name": "users", "fieldName": "user"}
      ],
      "granularitySpec": {"segmentGranularity": "HOUR", "queryGranularity": "MINUTE", "rollup": )" +
                     std::string(rollup ? "true" : "false") + R"(}
    },
    "ioConfig": {"topic": "edits", "inputFormat": {"type": "json"}, "consumerProperties": {"bootstrap.servers": "127.0.0.1:1"}}}})";
  auto spec = parseIngestionSpec(json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

/// Builds a rollup spec with the given dimensionsSpec.dimensions JSON and a count.
IngestionSpec makeCountSpec(const std::string& dimensions) {
  std::string json = R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "edits",
      "timestampSpec": {"column": "time", "format": "iso"},
      "dimensionsSpec": {"dimensions": )" + dimensions + R"(},
      "metricsSpec": [{"type": "count", "name": "events"}],
      "granularitySpec": {"segmentGranularity": "HOUR", "queryGranularity": "MINUTE", "rollup": true}
    },
    "ioConfig": {"topic": "edits", "inputFormat": {"type": "json"}, "consumerProperties": {"bootstrap.servers": "127.0.0.1:1"}}}})";
  auto spec = parseIngestionSpec(json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

/// Maps the dimensions of every row of `batch` (the columns between the time
/// and the last one), as text, to the last column's text.
std::map<std::string, std::string> rowsByKey(const Batch& batch) {
  std::map<std::string, std::string> rows;
  size_t last = batch.columns.size() - 1;
  for (size_t r = 0; r < batch.numRows; ++r) {
    std::string key;
    for (size_t c = 1; c < last; ++c) {
      key += batch.columns[c]->getValue(r).toString();
      key += '|';
    }
    EXPECT_EQ(rows.count(key), 0u) << "two rows for the key " << key;
    rows[key] = batch.columns[last]->getValue(r).toString();
  }
  return rows;
}

Event makeEvent(std::string channel, int64_t size, std::optional<int64_t> added, std::string user) {
  Event event;
  event.set("channel", Value::string(std::move(channel)));
  event.set("size", Value::int64(size));
  if (added.has_value()) event.set("added", Value::int64(*added));
  event.set("user", Value::string(std::move(user)));
  return event;
}

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kBaseMs = 1'442'016'000'000;  // 2015-09-12T00:00:00Z

TEST(TargetTableTest, ColumnsFollowSpec) {
  auto def = targetTableDef(makeSpec(true));
  ASSERT_TRUE(def.ok()) << def.status();
  ASSERT_EQ(def->columns.size(), 7u);
  EXPECT_EQ(def->columns[0].name, "__time");
  EXPECT_EQ(def->columns[0].type, DataType(TypeId::kDateTime64));
  EXPECT_EQ(def->columns[1].type, DataType(TypeId::kString, true));
  EXPECT_EQ(def->columns[2].type, DataType(TypeId::kInt64, true));
  EXPECT_EQ(def->columns[3].type, DataType(TypeId::kUInt64));
  EXPECT_EQ(def->columns[4].type, DataType(TypeId::kInt64));
  EXPECT_EQ(def->columns[5].type, DataType(TypeId::kInt64, true));
  EXPECT_EQ(def->columns[6].type, DataType(TypeId::kHllSketch));
  EXPECT_EQ(def->segmentGranularity, storage::Granularity::kHour);
  EXPECT_EQ(def->timeColumn, 0);
}

TEST(TargetTableTest, RejectsSchemaDiscovery) {
  auto spec = makeSpec(false);
  spec.dimensionsSpec.discovery = SchemaDiscovery::kStringsOnly;
  EXPECT_EQ(targetTableDef(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TargetTableTest, RejectsMismatchedTable) {
  auto def = targetTableDef(makeSpec(true));
  ASSERT_TRUE(def.ok());
  storage::TableDef other = *def;
  other.columns[2].type = DataType(TypeId::kString, true);
  absl::Status status = checkTargetTable(other, *def);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("size"), absl::string_view::npos) << status;
}

TEST(RowBufferTest, WithoutRollupKeepsEveryEvent) {
  RowBuffer buffer(makeSpec(false));
  std::vector<FieldProblem> problems;
  buffer.add(makeEvent("#en", 1, 10, "a"), kBaseMs + 1, problems);
  buffer.add(makeEvent("#en", 1, 10, "a"), kBaseMs + 1, problems);
  EXPECT_EQ(buffer.numRows(), 2u);
  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].numRows, 2u);
  EXPECT_EQ(batches[0].columns[0]->data<int64_t>()[1], kBaseMs + 1);
  EXPECT_EQ(buffer.numRows(), 0u);
}

TEST(RowBufferTest, RollupMergesEqualKeys) {
  RowBuffer buffer(makeSpec(true));
  std::vector<FieldProblem> problems;
  buffer.add(makeEvent("#en", 1, 10, "a"), kBaseMs + 1000, problems);
  buffer.add(makeEvent("#en", 1, 5, "b"), kBaseMs + 59'000, problems);
  buffer.add(makeEvent("#en", 1, std::nullopt, "a"), kBaseMs + 2000, problems);
  buffer.add(makeEvent("#de", 1, 7, "c"), kBaseMs + 3000, problems);
  buffer.add(makeEvent("#en", 1, 3, "d"), kBaseMs + kMinuteMs, problems);
  ASSERT_EQ(buffer.numRows(), 3u);

  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& batch = batches[0];
  EXPECT_EQ(batch.columns[0]->data<int64_t>()[0], kBaseMs);
  EXPECT_EQ(batch.columns[1]->stringAt(0), "#en");
  EXPECT_EQ(batch.columns[3]->data<uint64_t>()[0], 3u);
  EXPECT_EQ(batch.columns[4]->data<int64_t>()[0], 15);
  EXPECT_EQ(batch.columns[5]->data<int64_t>()[0], 10);
  ASSERT_EQ(batch.columns[6]->type(), DataType(TypeId::kHllSketch));
  auto users = HllSketch::deserialize(batch.columns[6]->stringAt(0));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->estimate(), 2.0);
  EXPECT_EQ(batch.columns[0]->data<int64_t>()[2], kBaseMs + kMinuteMs);
}

TEST(RowBufferTest, RollupIndexMatchesReference) {
  // Enough distinct keys to grow the row index several times, with NULL and
  // empty strings, NULL and zero longs, and keys spread over three minutes.
  RowBuffer buffer(makeSpec(true));
  std::vector<FieldProblem> problems;
  using Key = std::tuple<int64_t, std::optional<std::string>, std::optional<int64_t>>;
  std::map<Key, uint64_t> expected;
  uint64_t state = 12345;
  for (int i = 0; i < 20'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t k = (state >> 33) % 6000;
    std::optional<std::string> channel;
    if (k % 50 == 1) {
      channel = "";
    } else if (k % 50 != 0) {
      channel = "#c" + std::to_string(k % 50);
    }
    std::optional<int64_t> size;
    if ((k / 50) % 40 != 0) size = static_cast<int64_t>((k / 50) % 40) - 1;
    int64_t minute = kBaseMs + static_cast<int64_t>(k / 2000) * kMinuteMs;

    Event event;
    if (channel.has_value()) event.set("channel", Value::string(*channel));
    if (size.has_value()) event.set("size", Value::int64(*size));
    event.set("added", Value::int64(1));
    buffer.add(event, minute + static_cast<int64_t>(k % 60) * 1000, problems);
    ASSERT_TRUE(problems.empty());
    ++expected[Key{minute, channel, size}];
  }
  ASSERT_EQ(buffer.numRows(), expected.size());

  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& batch = batches[0];
  std::map<Key, uint64_t> actual;
  for (size_t r = 0; r < batch.numRows; ++r) {
    std::optional<std::string> channel;
    if (!batch.columns[1]->isNull(r)) channel = std::string(batch.columns[1]->stringAt(r));
    std::optional<int64_t> size;
    if (!batch.columns[2]->isNull(r)) size = batch.columns[2]->data<int64_t>()[r];
    Key key{batch.columns[0]->data<int64_t>()[r], channel, size};
    EXPECT_EQ(actual.count(key), 0u) << "two rows for one key";
    actual[key] = batch.columns[3]->data<uint64_t>()[r];
  }
  EXPECT_EQ(actual, expected);

  // After takeBatches() the index starts empty: the same key makes a new row.
  Event event;
  event.set("channel", Value::string("#c2"));
  buffer.add(event, kBaseMs, problems);
  buffer.add(event, kBaseMs, problems);
  EXPECT_EQ(buffer.numRows(), 1u);
}

TEST(RowBufferTest, SketchBytesCountedAsTheyChange) {
  RowBuffer buffer(makeSpec(true));
  std::vector<FieldProblem> problems;
  EXPECT_EQ(buffer.sketchMemoryBytesCounted(), 0u);

  // Row "#en" gets enough distinct users to switch its sketch to dense mode;
  // "#de" stays sparse.
  for (int i = 0; i < 20'000; ++i) {
    buffer.add(makeEvent(i % 10 == 0 ? "#de" : "#en", 1, 1, "user" + std::to_string(i)), kBaseMs, problems);
  }
  ASSERT_EQ(buffer.numRows(), 2u);
  EXPECT_GT(buffer.sketchMemoryBytesCounted(), 0u);
  EXPECT_EQ(buffer.sketchMemoryBytesCounted(), buffer.sketchMemoryBytesSlow());

  // Absorbing rows merges their sketches into the existing rows.
  RowBuffer other(makeSpec(true));
  for (int i = 0; i < 3'000; ++i) {
    other.add(makeEvent(i % 2 == 0 ? "#de" : "#fr", 1, 1, "other" + std::to_string(i)), kBaseMs, problems);
  }
  std::vector<Batch> batches = other.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(other.sketchMemoryBytesCounted(), 0u);
  buffer.absorb(batches[0]);
  ASSERT_EQ(buffer.numRows(), 3u);
  EXPECT_EQ(buffer.sketchMemoryBytesCounted(), buffer.sketchMemoryBytesSlow());

  buffer.takeBatches();
  EXPECT_EQ(buffer.sketchMemoryBytesCounted(), 0u);
  EXPECT_EQ(buffer.sketchMemoryBytesSlow(), 0u);
}

TEST(RowBufferTest, MaxOfMissingFieldIsNull) {
  RowBuffer buffer(makeSpec(true));
  std::vector<FieldProblem> problems;
  buffer.add(makeEvent("#en", 1, std::nullopt, "a"), kBaseMs, problems);
  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0].columns[5]->isNull(0));
  EXPECT_EQ(batches[0].columns[4]->data<int64_t>()[0], 0);
}

TEST(RowBufferTest, WrongTypeBecomesNullWithProblem) {
  RowBuffer buffer(makeSpec(false));
  std::vector<FieldProblem> problems;
  Event event = makeEvent("#en", 1, 10, "a");
  event.set("size", Value::string("large"));
  event.set("added", Value::string("12"));
  buffer.add(event, kBaseMs, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "size");
  EXPECT_NE(problems[0].message.find("'large'"), std::string::npos) << problems[0].message;
  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0].columns[2]->isNull(0));
  EXPECT_EQ(batches[0].columns[4]->data<int64_t>()[0], 12);
}

TEST(RowBufferTest, StringDimensionsSpellScalars) {
  RowBuffer buffer(makeSpec(false));
  std::vector<FieldProblem> problems;
  Event event = makeEvent("#en", 1, 10, "a");
  event.set("channel", Value::boolean(true));
  buffer.add(event, kBaseMs, problems);
  event.setMulti("channel", {Value::string("x"), Value::null()});
  buffer.add(event, kBaseMs, problems);
  event.set("channel", Value::null());
  buffer.add(event, kBaseMs, problems);
  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].columns[1]->stringAt(0), "true");
  EXPECT_EQ(batches[0].columns[1]->stringAt(1), "[\"x\",null]");
  EXPECT_TRUE(batches[0].columns[1]->isNull(2));
  EXPECT_TRUE(problems.empty());
}

TEST(RowBufferTest, EqualStringsFromAnyPathShareRow) {
  // The same text from an Event, from a JSON parser's buffer and from an
  // absorbed batch rolls up into one row, wherever the bytes are stored.
  IngestionSpec spec = makeSpec(true);
  ASSERT_TRUE(spec.inputFields.has_value());
  RowBuffer buffer(spec);
  std::vector<FieldProblem> problems;
  std::string channel = "#e";
  channel += 'n';
  buffer.add(makeEvent(channel, 1, 1, "a"), kBaseMs, problems);

  JsonRowParser parser(*spec.inputFields);
  ASSERT_TRUE(parser.parse(R"({"channel":"#en","size":1,"added":2,"user":"b"})"));
  ASSERT_TRUE(buffer.tryAdd(parser.fields(), kBaseMs + 1000));
  // An escape in the JSON text decodes to the same bytes.
  ASSERT_TRUE(parser.parse(R"({"channel":"#\u0065n","size":1,"added":4,"user":"c"})"));
  ASSERT_TRUE(buffer.tryAdd(parser.fields(), kBaseMs + 2000));
  ASSERT_EQ(buffer.numRows(), 1u);

  RowBuffer restored(spec);
  std::vector<Batch> batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  restored.absorb(batches[0]);
  restored.add(makeEvent("#en", 1, 8, "d"), kBaseMs + 3000, problems);
  restored.add(makeEvent("#en ", 1, 16, "e"), kBaseMs + 3000, problems);
  ASSERT_EQ(restored.numRows(), 2u);

  batches = restored.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& batch = batches[0];
  EXPECT_EQ(batch.columns[1]->stringAt(0), "#en");
  EXPECT_EQ(batch.columns[3]->data<uint64_t>()[0], 4u);
  EXPECT_EQ(batch.columns[4]->data<int64_t>()[0], 15);
  auto users = HllSketch::deserialize(batch.columns[6]->stringAt(0));
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->estimate(), 4.0);
  EXPECT_EQ(batch.columns[1]->stringAt(1), "#en ");
  EXPECT_EQ(batch.columns[3]->data<uint64_t>()[1], 1u);
}

TEST(RowBufferTest, NullEmptyAndZeroKeysDiffer) {
  RowBuffer buffer(makeCountSpec(R"(["channel", {"name": "size", "type": "long"}])"));
  std::vector<FieldProblem> problems;
  auto add = [&](std::optional<std::string> channel, std::optional<int64_t> size, int times) {
    Event event;
    if (channel.has_value()) event.set("channel", Value::string(*channel));
    if (size.has_value()) event.set("size", Value::int64(*size));
    for (int i = 0; i < times; ++i) buffer.add(event, kBaseMs, problems);
  };
  add(std::nullopt, std::nullopt, 1);
  add("", std::nullopt, 2);
  add(std::nullopt, 0, 3);
  add("", 0, 4);
  add(std::string("\0", 1), 0, 5);
  add("0", 0, 6);
  ASSERT_EQ(buffer.numRows(), 6u);

  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  std::map<std::string, std::string> expected = {
      {"NULL|NULL|", "1"}, {"|NULL|", "2"}, {"NULL|0|", "3"},
      {"|0|", "4"},        {std::string("\0|0|", 4), "5"}, {"0|0|", "6"},
  };
  EXPECT_EQ(rowsByKey(batches[0]), expected);
}

TEST(RowBufferTest, DoubleKeysCompareBits) {
  // NaN rolls up with NaN, -0.0 and 0.0 stay apart, and a float dimension
  // rolls up values equal after rounding to 32 bits.
  RowBuffer buffer(makeCountSpec(R"([{"name": "ratio", "type": "double"}, {"name": "weight", "type": "float"}])"));
  std::vector<FieldProblem> problems;
  auto add = [&](double ratio, double weight) {
    Event event;
    event.set("ratio", Value::float64(ratio));
    event.set("weight", Value::float64(weight));
    buffer.add(event, kBaseMs, problems);
  };
  double nan = std::numeric_limits<double>::quiet_NaN();
  add(nan, 1);
  add(nan, 1);
  add(0.0, 1);
  add(-0.0, 1);
  add(0.5, 0.1);
  add(0.5, static_cast<float>(0.1));
  ASSERT_EQ(buffer.numRows(), 4u);

  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& batch = batches[0];
  EXPECT_TRUE(std::isnan(batch.columns[1]->data<double>()[0]));
  EXPECT_EQ(batch.columns[3]->data<uint64_t>()[0], 2u);
  EXPECT_FALSE(std::signbit(batch.columns[1]->data<double>()[1]));
  EXPECT_TRUE(std::signbit(batch.columns[1]->data<double>()[2]));
  EXPECT_EQ(batch.columns[3]->data<uint64_t>()[3], 2u);
}

TEST(RowBufferTest, NullBitmapCoversManyDimensions) {
  // 70 long dimensions, so the NULL flags take two words of the key.
  std::string dimensions = "[";
  for (int d = 0; d < 70; ++d) {
    if (d > 0) dimensions += ",";
    dimensions += R"({"name": "d)" + std::to_string(d) + R"(", "type": "long"})";
  }
  dimensions += "]";
  RowBuffer buffer(makeCountSpec(dimensions));
  std::vector<FieldProblem> problems;
  auto add = [&](int nullDimension) {
    Event event;
    for (int d = 0; d < 70; ++d) {
      if (d != nullDimension) event.set("d" + std::to_string(d), Value::int64(0));
    }
    buffer.add(event, kBaseMs, problems);
  };
  for (int nullDimension : {-1, 3, 63, 64, 66, 69}) add(nullDimension);
  for (int nullDimension : {-1, 3, 63, 64, 66, 69}) add(nullDimension);
  ASSERT_EQ(buffer.numRows(), 6u);

  auto batches = buffer.takeBatches();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& batch = batches[0];
  std::vector<int> nullDimensions = {-1, 3, 63, 64, 66, 69};
  for (size_t r = 0; r < 6; ++r) {
    SCOPED_TRACE(r);
    for (int d = 0; d < 70; ++d) {
      EXPECT_EQ(batch.columns[1 + d]->isNull(r), d == nullDimensions[r]) << "dimension " << d;
    }
    EXPECT_EQ(batch.columns[71]->data<uint64_t>()[r], 2u);
  }
}

}  // namespace
}  // namespace furl::ingest
