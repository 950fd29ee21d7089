#include "storage/catalog.h"

#include <gtest/gtest.h>

#include "storage/catalog_codec.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::TempDir;

TableDef eventsTable() {
  TableDef def;
  def.name = "events";
  def.columns = {{"ts", DataType(TypeId::kDateTime64)},
                 {"page", DataType(TypeId::kString), true},
                 {"latency", DataType(TypeId::kFloat64, true)}};
  def.timeColumn = 0;
  def.segmentGranularity = Granularity::kHour;
  def.sortKey = {"page", "ts"};
  def.settings = {{"index_granularity", "8192"}};
  def.createSql = "CREATE TABLE events (ts DateTime64(3), page LowCardinality(String), latency Nullable(Float64))";
  return def;
}

SegmentInfo segment(const std::string& id, const std::string& table, uint64_t rows) {
  SegmentInfo info;
  info.id = id;
  info.table = table;
  info.chunkStartMs = 3'600'000;
  info.chunkEndMs = 7'200'000;
  info.minTimeMs = 3'600'001;
  info.maxTimeMs = 7'000'000;
  info.numRows = rows;
  info.sizeBytes = rows * 10;
  return info;
}

TEST(CatalogTest, StartsEmptyInNewDirectory) {
  TempDir dir;
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_TRUE((*catalog)->state().tables.empty());
  EXPECT_TRUE((*catalog)->state().segments.empty());
  EXPECT_EQ((*catalog)->state().generation, 0u);
}

TEST(CatalogTest, CommitSurvivesReopen) {
  TempDir dir;
  {
    auto catalog = Catalog::open(dir.path());
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    CatalogChange create;
    create.createTables.push_back(eventsTable());
    ASSERT_TRUE((*catalog)->commit(create).ok());
    CatalogChange add;
    add.addSegments = {segment("seg_1", "events", 10), segment("seg_2", "events", 20)};
    add.properties.push_back({"events", "kafka.offset.0", std::string("42")});
    add.nextSegmentNumber = 3;
    absl::Status status = (*catalog)->commit(add);
    ASSERT_TRUE(status.ok()) << status;
  }
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  const CatalogState& state = (*catalog)->state();
  EXPECT_EQ(state.generation, 2u);
  EXPECT_EQ(state.nextSegmentNumber, 3u);
  ASSERT_EQ(state.tables.size(), 1u);
  const TableDef& def = state.tables.at("events");
  TableDef expected = eventsTable();
  EXPECT_EQ(def.name, expected.name);
  ASSERT_EQ(def.columns.size(), 3u);
  EXPECT_EQ(def.columns[1].name, "page");
  EXPECT_EQ(def.columns[1].type, DataType(TypeId::kString));
  EXPECT_TRUE(def.columns[1].lowCardinality);
  EXPECT_EQ(def.columns[2].type, DataType(TypeId::kFloat64, true));
  EXPECT_EQ(def.timeColumn, 0);
  EXPECT_EQ(def.segmentGranularity, Granularity::kHour);
  EXPECT_EQ(def.sortKey, expected.sortKey);
  EXPECT_EQ(def.engine, "MergeTree");
  EXPECT_EQ(def.settings, expected.settings);
  EXPECT_EQ(def.createSql, expected.createSql);
  ASSERT_EQ(state.segments.size(), 2u);
  const SegmentInfo& info = state.segments.at("seg_2");
  EXPECT_EQ(info.table, "events");
  EXPECT_EQ(info.numRows, 20u);
  EXPECT_EQ(info.sizeBytes, 200u);
  EXPECT_EQ(info.chunkStartMs, 3'600'000);
  EXPECT_EQ(info.chunkEndMs, 7'200'000);
  EXPECT_EQ(info.minTimeMs, 3'600'001);
  EXPECT_EQ(info.maxTimeMs, 7'000'000);
  EXPECT_EQ(state.properties.at("events").at("kafka.offset.0"), "42");
}

TEST(CatalogTest, OneCommitAddsRemovesAndSetsProperties) {
  TempDir dir;
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok());
  CatalogChange setup;
  setup.createTables.push_back(eventsTable());
  setup.addSegments = {segment("a", "events", 1), segment("b", "events", 2)};
  ASSERT_TRUE((*catalog)->commit(setup).ok());

  CatalogChange merge;
  merge.removeSegments = {"a", "b"};
  merge.addSegments = {segment("c", "events", 3)};
  merge.properties.push_back({"events", "offset", std::string("7")});
  ASSERT_TRUE((*catalog)->commit(merge).ok());
  EXPECT_EQ((*catalog)->state().segments.size(), 1u);
  EXPECT_TRUE((*catalog)->state().segments.contains("c"));

  CatalogChange erase;
  erase.properties.push_back({"events", "offset", std::nullopt});
  ASSERT_TRUE((*catalog)->commit(erase).ok());
  EXPECT_FALSE((*catalog)->state().properties.contains("events"));
}

TEST(CatalogTest, FailedValidationChangesNothing) {
  TempDir dir;
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok());
  CatalogChange setup;
  setup.createTables.push_back(eventsTable());
  setup.addSegments = {segment("a", "events", 1)};
  ASSERT_TRUE((*catalog)->commit(setup).ok());
  uint64_t generation = (*catalog)->state().generation;

  CatalogChange removeMissing;
  removeMissing.removeSegments = {"a", "zzz"};
  removeMissing.addSegments = {segment("b", "events", 1)};
  EXPECT_TRUE(absl::IsNotFound((*catalog)->commit(removeMissing)));
  CatalogChange duplicateTable;
  duplicateTable.createTables.push_back(eventsTable());
  EXPECT_TRUE(absl::IsAlreadyExists((*catalog)->commit(duplicateTable)));
  CatalogChange unknownTable;
  unknownTable.addSegments = {segment("c", "nope", 1)};
  EXPECT_TRUE(absl::IsNotFound((*catalog)->commit(unknownTable)));

  EXPECT_EQ((*catalog)->state().generation, generation);
  EXPECT_TRUE((*catalog)->state().segments.contains("a"));
  EXPECT_FALSE((*catalog)->state().segments.contains("b"));
  auto reopened = Catalog::open(dir.path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->state().generation, generation);
}

TEST(CatalogTest, DropTableRemovesSegmentsAndProperties) {
  TempDir dir;
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok());
  CatalogChange setup;
  setup.createTables.push_back(eventsTable());
  setup.addSegments = {segment("a", "events", 1)};
  setup.properties.push_back({"events", "k", std::string("v")});
  ASSERT_TRUE((*catalog)->commit(setup).ok());
  CatalogChange drop;
  drop.dropTables = {"events"};
  ASSERT_TRUE((*catalog)->commit(drop).ok());
  EXPECT_TRUE((*catalog)->state().tables.empty());
  EXPECT_TRUE((*catalog)->state().segments.empty());
  EXPECT_TRUE((*catalog)->state().properties.empty());
}

TEST(CatalogTest, IgnoresAndRemovesHalfWrittenTempFile) {
  TempDir dir;
  {
    auto catalog = Catalog::open(dir.path());
    ASSERT_TRUE(catalog.ok());
    CatalogChange create;
    create.createTables.push_back(eventsTable());
    ASSERT_TRUE((*catalog)->commit(create).ok());
  }
  std::string committed = testing::readFile(dir.file("catalog"));
  testing::writeFile(dir.file("catalog.tmp"), committed.substr(0, committed.size() / 2));
  auto catalog = Catalog::open(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_TRUE((*catalog)->state().tables.contains("events"));
  EXPECT_EQ(testing::listFiles(dir.path()), std::vector<std::string>{"catalog"});
}

TEST(CatalogTest, CorruptedOrTruncatedFileIsDataLoss) {
  TempDir dir;
  {
    auto catalog = Catalog::open(dir.path());
    ASSERT_TRUE(catalog.ok());
    CatalogChange setup;
    setup.createTables.push_back(eventsTable());
    setup.addSegments = {segment("a", "events", 1)};
    ASSERT_TRUE((*catalog)->commit(setup).ok());
  }
  std::string bytes = testing::readFile(dir.file("catalog"));
  for (size_t offset = 0; offset < bytes.size(); ++offset) {
    std::string damaged = bytes;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x10);
    auto decoded = decodeCatalog(damaged, "catalog");
    EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << "offset " << offset << ": " << decoded.status();
  }
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto decoded = decodeCatalog(bytes.substr(0, length), "catalog");
    EXPECT_TRUE(absl::IsDataLoss(decoded.status())) << "length " << length << ": " << decoded.status();
  }
  testing::writeFile(dir.file("catalog"), bytes.substr(0, bytes.size() - 1));
  auto catalog = Catalog::open(dir.path());
  EXPECT_TRUE(absl::IsDataLoss(catalog.status())) << catalog.status();
}

}  // namespace
}  // namespace furl::storage
