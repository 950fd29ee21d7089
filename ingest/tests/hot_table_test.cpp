#include "ingest/hot_table.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "ingest/supervisor.h"
#include "ingest/target_table.h"

namespace furl::ingest {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kBaseMs = 1'442'016'000'000;  // 2015-09-12T00:00:00Z

IngestionSpec makeSpec(bool rollup) {
  std::string json = R"({"type": "kafka", "spec": {
    "dataSchema": {
      "dataSource": "edits",
      "timestampSpec": {"column": "time", "format": "iso"},
      "dimensionsSpec": {"dimensions": ["channel"]},
      "metricsSpec": [
        {"type": "count", "name": "events"},
        {"type": "longSum", "name": "added", "fieldName": "added"},
        {"type": "longMin", "name": "min_added", "fieldName": "added"},
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

Event makeEvent(const std::string& channel, int64_t added, const std::string& user) {
  Event event;
  event.set("channel", Value::string(channel));
  event.set("added", Value::int64(added));
  event.set("user", Value::string(user));
  return event;
}

/// A temporary data directory with a database and the spec's table.
class HotTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "furl-hot-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    openDatabase();
  }
  void TearDown() override {
    database_.reset();
    std::filesystem::remove_all(dir_);
  }

  void openDatabase() {
    storage::DatabaseOptions options;
    options.backgroundMerge = false;
    auto database = storage::DatabaseImpl::open(dir_, options, storage::StorageTuning());
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(*database);
  }

  std::unique_ptr<HotTable> makeTable(const IngestionSpec& spec, HotTableOptions options = {}) {
    auto def = targetTableDef(spec);
    EXPECT_TRUE(def.ok()) << def.status();
    EXPECT_TRUE(database_->createTable(*def, false, true).ok());
    return std::make_unique<HotTable>(spec, *database_, *def,
                                      std::map<std::string, std::string>{{"kafka.offsets.epoch", "1"}}, options);
  }

  std::shared_ptr<const storage::TableSnapshot> snapshot() {
    auto snapshot = database_->snapshot("edits");
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return *snapshot;
  }

  /// (time, channel) -> (events, added) over every segment of `snapshot`.
  static std::map<std::pair<int64_t, std::string>, std::pair<uint64_t, int64_t>> rows(
      const storage::TableSnapshot& snapshot, size_t* numRows = nullptr) {
    std::map<std::pair<int64_t, std::string>, std::pair<uint64_t, int64_t>> result;
    size_t total = 0;
    for (const auto& segment : snapshot.segments) {
      for (size_t b = 0; b < segment->numBlocks(); ++b) {
        auto time = segment->readBlock(0, b);
        auto channel = segment->readBlock(1, b);
        auto events = segment->readBlock(2, b);
        auto added = segment->readBlock(3, b);
        EXPECT_TRUE(time.ok() && channel.ok() && events.ok() && added.ok());
        for (size_t r = 0; r < segment->blockRows(b); ++r) {
          auto& entry = result[{(*time)->getValue(r).asInt64(), std::string((*channel)->stringAt(r))}];
          entry.first += (*events)->getValue(r).asUInt64();
          entry.second += (*added)->getValue(r).asInt64();
          ++total;
        }
      }
    }
    if (numRows != nullptr) *numRows = total;
    return result;
  }

  std::string dir_;
  std::unique_ptr<storage::DatabaseImpl> database_;
  std::vector<FieldProblem> problems_;
};

TEST_F(HotTableTest, RowsVisibleAfterPublish) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs + 1000, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 2, "b"), kBaseMs + 2000, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#de", 4, "a"), kBaseMs + 3000, problems_).ok());

  table->publish();
  size_t numRows = 0;
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 2u);
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#en"))], std::make_pair(uint64_t{2}, int64_t{3}));
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#de"))], std::make_pair(uint64_t{1}, int64_t{4}));
}

TEST_F(HotTableTest, SnapshotPublishesNewRows) {
  // Factor 0: every snapshot after a change publishes, whatever the last publish cost.
  auto table = makeTable(makeSpec(true), HotTableOptions{.blockRows = 2, .publishCostFactor = 0});
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs + 1000, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#de", 4, "a"), kBaseMs + 3000, problems_).ok());
  size_t numRows = 0;
  auto first = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 2u);
  EXPECT_EQ(first[std::make_pair(kBaseMs, std::string("#en"))], std::make_pair(uint64_t{1}, int64_t{1}));

  // An event that rolls up into a row already published, and a new row in a new block.
  ASSERT_TRUE(table->add(generation, 0, 2, makeEvent("#en", 2, "b"), kBaseMs + 2000, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 3, makeEvent("#fr", 8, "c"), kBaseMs + 4000, problems_).ok());
  auto second = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 3u);
  EXPECT_EQ(second[std::make_pair(kBaseMs, std::string("#en"))], std::make_pair(uint64_t{2}, int64_t{3}));
  EXPECT_EQ(second[std::make_pair(kBaseMs, std::string("#de"))], std::make_pair(uint64_t{1}, int64_t{4}));
  EXPECT_EQ(second[std::make_pair(kBaseMs, std::string("#fr"))], std::make_pair(uint64_t{1}, int64_t{8}));

  // Without a change, snapshots share one object.
  EXPECT_EQ(snapshot(), snapshot());
}

TEST_F(HotTableTest, SnapshotAfterTableDestroyed) {
  auto spec = makeSpec(true);
  auto table = makeTable(spec);
  ASSERT_TRUE(table->add(table->generation(), 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table.reset();
  EXPECT_EQ(snapshot()->segments.size(), 0u);

  // A new table of the same name registers its own source.
  table = makeTable(spec);
  ASSERT_TRUE(table->add(table->generation(), 0, 1, makeEvent("#de", 2, "a"), kBaseMs, problems_).ok());
  size_t numRows = 0;
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 1u);
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#de"))], std::make_pair(uint64_t{1}, int64_t{2}));
}

TEST_F(HotTableTest, SnapshotUnchangedByLaterAdds) {
  auto table = makeTable(makeSpec(true), HotTableOptions{.blockRows = 2});
  uint64_t generation = table->generation();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#c" + std::to_string(i), 1, "a"), kBaseMs, problems_).ok());
  }
  table->publish();
  auto before = snapshot();

  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#c0", 10, "b"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#new", 1, "b"), kBaseMs, problems_).ok());
  table->publish();
  auto after = snapshot();

  size_t beforeRows = 0;
  size_t afterRows = 0;
  auto oldRows = rows(*before, &beforeRows);
  auto newRows = rows(*after, &afterRows);
  EXPECT_EQ(beforeRows, 5u);
  EXPECT_EQ(afterRows, 6u);
  EXPECT_EQ(oldRows[std::make_pair(kBaseMs, std::string("#c0"))], std::make_pair(uint64_t{1}, int64_t{1}));
  EXPECT_EQ(newRows[std::make_pair(kBaseMs, std::string("#c0"))], std::make_pair(uint64_t{2}, int64_t{11}));

  // Only the changed blocks were rebuilt: block 1 (#c2, #c3) is shared.
  auto oldSegment = std::dynamic_pointer_cast<const storage::MemorySegment>(before->segments[0]);
  auto newSegment = std::dynamic_pointer_cast<const storage::MemorySegment>(after->segments[0]);
  ASSERT_NE(oldSegment, nullptr);
  ASSERT_NE(newSegment, nullptr);
  EXPECT_EQ(oldSegment->blocks()[1], newSegment->blocks()[1]);
  EXPECT_NE(oldSegment->blocks()[0], newSegment->blocks()[0]);
}

TEST_F(HotTableTest, BlockStatsCoverHotRows) {
  auto table = makeTable(makeSpec(false));
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#b", 5, "a"), kBaseMs + 5 * kMinuteMs, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#a", -3, "a"), kBaseMs + 2 * kMinuteMs, problems_).ok());
  table->publish();
  auto current = snapshot();
  ASSERT_EQ(current->segments.size(), 1u);
  EXPECT_EQ(current->infos[0].minTimeMs, kBaseMs + 2 * kMinuteMs);
  EXPECT_EQ(current->infos[0].maxTimeMs, kBaseMs + 5 * kMinuteMs);
  EXPECT_EQ(current->infos[0].chunkStartMs, kBaseMs);
  EXPECT_EQ(current->infos[0].chunkEndMs, kBaseMs + kHourMs);
  const storage::BlockStats& channel = current->segments[0]->blockStats(1, 0);
  EXPECT_EQ(channel.min.asString(), "#a");
  EXPECT_EQ(channel.max.asString(), "#b");
  const storage::BlockStats& added = current->segments[0]->blockStats(3, 0);
  EXPECT_EQ(added.min.asInt64(), -3);
  EXPECT_EQ(added.max.asInt64(), 5);
}

TEST_F(HotTableTest, PersistCommitsRowsAndOffsets) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  table->assign(0, 0, false);
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table->advance(generation, 0, 7);
  ASSERT_TRUE(table->persist("test").ok());

  auto properties = database_->tableProperties("edits");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ((*properties)[kafkaOffsetProperty("edits", 0)], "7");
  EXPECT_EQ((*properties)["kafka.offsets.epoch"], "1");
  EXPECT_EQ(table->committedOffsets()[0], 7);

  // One row in the snapshot: the hot copy replaces the persisted segment.
  size_t numRows = 0;
  rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 1u);

  // After a restart the persisted row is there without the hot table.
  table.reset();
  database_.reset();
  openDatabase();
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 1u);
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#en"))], std::make_pair(uint64_t{1}, int64_t{1}));
}

TEST_F(HotTableTest, PersistCommitsCountersWithOffsets) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  table->assign(0, 0, false);
  int recorded = 0;
  auto recordProblems = [&](const std::vector<FieldProblem>& problems) {
    ++recorded;
    IngestError error;
    error.reason = "invalid_field";
    error.error = problems.front().message;
    return error;
  };
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_, recordProblems).ok());
  Event typed = makeEvent("#en", 1, "a");
  typed.set("added", Value::string("lots"));
  ASSERT_TRUE(table->add(generation, 0, 2, typed, kBaseMs, problems_, recordProblems).ok());

  // The outcome is counted by add() itself, under the lock that records the offset.
  EXPECT_EQ(recorded, 1);
  IngestCounters counters = table->counters();
  EXPECT_EQ(counters.processed, 1u);
  EXPECT_EQ(counters.processedWithError, 1u);
  ASSERT_EQ(table->uncommittedErrors().size(), 1u);
  EXPECT_EQ(table->uncommittedErrors()[0].reason, "invalid_field");

  ASSERT_TRUE(table->persist("test").ok());
  auto properties = database_->tableProperties("edits");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ((*properties)[kafkaOffsetProperty("edits", 0)], "2");
  EXPECT_EQ((*properties)["ingest.counters.processed"], "1");
  EXPECT_EQ((*properties)["ingest.counters.processedWithError"], "1");
  EXPECT_TRUE(table->uncommittedErrors().empty());
}

TEST_F(HotTableTest, ResetOffsetCommitsResetCounters) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  table->assign(0, 20, true);

  // Retention passed offset 20: the partition moves to 120, 100 offsets skipped.
  ASSERT_TRUE(table->resetOffset(generation, 0, 120, uint64_t{100}));
  ASSERT_TRUE(table->persist("test").ok());
  auto properties = database_->tableProperties("edits");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ((*properties)[kafkaOffsetProperty("edits", 0)], "120");
  EXPECT_EQ((*properties)["ingest.counters.offsetResets"], "1");
  EXPECT_EQ((*properties)["ingest.counters.offsetsSkipped"], "100");
  EXPECT_EQ((*properties)["ingest.counters.offsetResetsSkipUnknown"], "0");

  // The log was recreated: back to 0, skipped offsets unknown.
  ASSERT_TRUE(table->resetOffset(generation, 0, 0, std::nullopt));
  ASSERT_TRUE(table->persist("test").ok());
  properties = database_->tableProperties("edits");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ((*properties)[kafkaOffsetProperty("edits", 0)], "0");
  IngestCounters stored = countersFromProperties(*properties);
  EXPECT_EQ(stored.offsetResets, 2u);
  EXPECT_EQ(stored.offsetsSkipped, 100u);
  EXPECT_EQ(stored.offsetResetsSkipUnknown, 1u);
  EXPECT_EQ(table->counters().offsetResets, 2u);
  // Each persist above committed, and the count is stored with it.
  EXPECT_GE(stored.commits, 2u);
  EXPECT_EQ(table->counters().commits, stored.commits);

  // A reset read under an old generation changes nothing.
  table->discard("test");
  EXPECT_FALSE(table->resetOffset(generation, 0, 500, uint64_t{500}));
  EXPECT_EQ(table->counters().offsetResets, 2u);
}

TEST_F(HotTableTest, RollupPerfectAcrossPersists) {
  IngestionSpec spec = makeSpec(true);
  auto table = makeTable(spec);
  uint64_t generation = table->generation();
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      // Two minutes, five channels, two hours: 20 distinct rows.
      int64_t time = kBaseMs + (i % 2) * kMinuteMs + (i / 5) * kHourMs;
      ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#c" + std::to_string(i % 5), i, "u"), time, problems_).ok());
    }
    ASSERT_TRUE(table->persist("test").ok());
  }
  size_t numRows = 0;
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, result.size());
  uint64_t events = 0;
  for (const auto& [key, value] : result) events += value.first;
  EXPECT_EQ(events, 30u);
  EXPECT_EQ(database_->snapshot("edits").value()->infos.size(), 2u) << "one segment per hour chunk";

  // A new hot table (as after a restart) loads the persisted chunk before
  // adding to it, so the key stays one row.
  table.reset();
  table = makeTable(spec);
  generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#c0", 100, "v"), kBaseMs, problems_).ok());
  table->publish();
  size_t afterRows = 0;
  auto after = rows(*snapshot(), &afterRows);
  EXPECT_EQ(afterRows, numRows);
  EXPECT_EQ(after[std::make_pair(kBaseMs, std::string("#c0"))].first,
            result[std::make_pair(kBaseMs, std::string("#c0"))].first + 1);
  ASSERT_TRUE(table->persist("test").ok());
  table.reset();
  auto persisted = rows(*snapshot(), &afterRows);
  EXPECT_EQ(afterRows, numRows);
  EXPECT_EQ(persisted, after);
}

TEST_F(HotTableTest, WithoutRollupPersistAddsSegments) {
  auto table = makeTable(makeSpec(false));
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->persist("test").ok());
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table->publish();
  size_t numRows = 0;
  rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 3u);
  ASSERT_TRUE(table->persist("test").ok());
  table.reset();
  auto persisted = snapshot();
  rows(*persisted, &numRows);
  EXPECT_EQ(numRows, 3u);
  EXPECT_EQ(persisted->infos.size(), 2u);
}

TEST_F(HotTableTest, DiscardRaisesGeneration) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  table->assign(0, 3, true);
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table->advance(generation, 0, 4);
  table->publish();
  table->discard("test");
  EXPECT_EQ(table->generation(), generation + 1);
  EXPECT_EQ(snapshot()->segments.size(), 0u);
  absl::Status stale = table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_);
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition) << stale;
  ASSERT_TRUE(table->persist("test").ok());
  EXPECT_EQ(snapshot()->segments.size(), 0u);
}

// The table remembers the chunk and the partition offset it wrote last; each
// test below removes what it remembers and writes to it again.
TEST_F(HotTableTest, EvictedChunkIsLoadedAgain) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->persist("test").ok());
  // Unchanged since the last persist, so this one evicts the chunk.
  ASSERT_TRUE(table->persist("test").ok());
  ASSERT_TRUE(table->add(generation, 0, 2, makeEvent("#en", 2, "a"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->persist("test").ok());
  size_t numRows = 0;
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 1u);
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#en"))], std::make_pair(uint64_t{2}, int64_t{3}));
}

TEST_F(HotTableTest, ReleasedPartitionAdvancesAgain) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  table->assign(0, 0, false);
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table->release({0});
  table->assign(0, 4, false);
  table->advance(generation, 0, 5);
  ASSERT_TRUE(table->persist("test").ok());
  auto properties = database_->tableProperties("edits");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ((*properties)[kafkaOffsetProperty("edits", 0)], "5");
  EXPECT_EQ(table->committedOffsets()[0], 5);
}

TEST_F(HotTableTest, AddAfterDiscardMakesANewChunk) {
  auto table = makeTable(makeSpec(true));
  uint64_t generation = table->generation();
  ASSERT_TRUE(table->add(generation, 0, 1, makeEvent("#en", 1, "a"), kBaseMs, problems_).ok());
  table->discard("test");
  ASSERT_TRUE(table->add(generation + 1, 0, 1, makeEvent("#de", 2, "a"), kBaseMs, problems_).ok());
  ASSERT_TRUE(table->persist("test").ok());
  size_t numRows = 0;
  auto result = rows(*snapshot(), &numRows);
  EXPECT_EQ(numRows, 1u);
  EXPECT_EQ(result[std::make_pair(kBaseMs, std::string("#de"))], std::make_pair(uint64_t{1}, int64_t{2}));
}

}  // namespace
}  // namespace furl::ingest
