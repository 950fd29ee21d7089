#include "storage/database_impl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "storage/memory_segment.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::readRows;
using testing::Row;
using testing::sortedRows;
using testing::TempDir;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBaseMs = 1'704'067'200'000;  // 2024-01-01 00:00:00 UTC

const std::vector<DataType> kEventTypes = {DataType(TypeId::kDateTime64), DataType(TypeId::kString),
                                           DataType(TypeId::kInt64, true)};

TableDef eventsTable(const std::string& name = "events") {
  TableDef def;
  def.name = name;
  def.columns = {{"ts", kEventTypes[0]}, {"page", kEventTypes[1]}, {"n", kEventTypes[2]}};
  def.timeColumn = 0;
  def.segmentGranularity = Granularity::kDay;
  def.sortKey = {"page", "ts"};
  def.createSql = "CREATE TABLE " + name + " (...)";
  return def;
}

/// `count` rows starting at `first`, one per hour, so 24 rows span a day.
std::vector<Row> eventRows(int first, int count) {
  std::vector<Row> rows;
  for (int i = first; i < first + count; ++i) {
    rows.push_back({Value::timestampMs(kBaseMs + int64_t{i} * 3'600'000), Value::string("p" + std::to_string(i % 5)),
                    i % 7 == 0 ? Value::null(TypeId::kInt64) : Value::int64(i)});
  }
  return rows;
}

std::unique_ptr<DatabaseImpl> openDatabase(const std::string& dir, const StorageTuning& tuning = {},
                                           bool backgroundMerge = false) {
  DatabaseOptions options;
  options.blockRows = 16;
  options.backgroundMerge = backgroundMerge;
  auto database = DatabaseImpl::open(dir, options, tuning);
  EXPECT_TRUE(database.ok()) << database.status();
  return database.ok() ? std::move(*database) : nullptr;
}

std::vector<Row> tableRows(const Database& database, const std::string& table) {
  auto snapshot = database.snapshot(table);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? readRows(**snapshot) : std::vector<Row>{};
}

size_t segmentFileCount(const std::string& dir) { return testing::listFiles(dir + "/segments").size(); }

TEST(DatabaseTest, CreatesListsAndDropsTables) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable("b"), false, false).ok());
  ASSERT_TRUE(database->createTable(eventsTable("a"), false, false).ok());
  EXPECT_EQ(database->listTables(), (std::vector<std::string>{"a", "b"}));

  EXPECT_TRUE(absl::IsAlreadyExists(database->createTable(eventsTable("a"), false, false)));
  EXPECT_TRUE(database->createTable(eventsTable("a"), false, true).ok());
  EXPECT_TRUE(database->createTable(eventsTable("a"), true, false).ok());

  ASSERT_TRUE(database->dropTable("a", false).ok());
  EXPECT_TRUE(absl::IsNotFound(database->dropTable("a", false)));
  EXPECT_TRUE(database->dropTable("a", true).ok());
  EXPECT_EQ(database->listTables(), std::vector<std::string>{"b"});
  EXPECT_TRUE(absl::IsNotFound(database->snapshot("a").status()));
}

TEST(DatabaseTest, RejectsInvalidDefinitions) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  TableDef stringTime = eventsTable();
  stringTime.timeColumn = 1;
  EXPECT_TRUE(absl::IsInvalidArgument(database->createTable(stringTime, false, false)));
  TableDef badSortKey = eventsTable();
  badSortKey.sortKey = {"nope"};
  EXPECT_TRUE(absl::IsInvalidArgument(database->createTable(badSortKey, false, false)));
  TableDef duplicate = eventsTable();
  duplicate.columns.push_back({"ts", DataType(TypeId::kInt64)});
  EXPECT_TRUE(absl::IsInvalidArgument(database->createTable(duplicate, false, false)));
  EXPECT_TRUE(database->listTables().empty());
}

TEST(DatabaseTest, InsertSplitsRowsByTimeChunk) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());

  // 60 hourly rows from midnight: days 0 and 1 full, day 2 half.
  std::vector<Row> rows = eventRows(0, 60);
  auto inserted = database->insert("events", {testing::makeBatch(kEventTypes, rows)});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(*inserted, 60u);

  auto snapshot = database->snapshot("events");
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ((*snapshot)->infos.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const SegmentInfo& info = (*snapshot)->infos[i];
    EXPECT_EQ(info.chunkStartMs, kBaseMs + static_cast<int64_t>(i) * kDayMs) << "segment " << i;
    EXPECT_EQ(info.chunkEndMs, kBaseMs + static_cast<int64_t>(i + 1) * kDayMs) << "segment " << i;
    EXPECT_EQ(info.numRows, i < 2 ? 24u : 12u) << "segment " << i;
    EXPECT_EQ(info.minTimeMs, info.chunkStartMs) << "segment " << i;
    EXPECT_EQ(info.maxTimeMs, info.chunkStartMs + (info.numRows - 1) * 3'600'000) << "segment " << i;
    EXPECT_EQ((*snapshot)->segments[i]->numRows(), info.numRows) << "segment " << i;
    EXPECT_GT(info.sizeBytes, 0u) << "segment " << i;
  }
  EXPECT_EQ(sortedRows(readRows(**snapshot)), sortedRows(rows));

  // Rows in each segment follow the sort key (page, ts).
  for (const auto& segment : (*snapshot)->segments) {
    std::vector<Row> stored = readRows(*segment);
    for (size_t r = 1; r < stored.size(); ++r) {
      int byPage = stored[r - 1][1].compare(stored[r][1]);
      EXPECT_TRUE(byPage < 0 || (byPage == 0 && stored[r - 1][0].compare(stored[r][0]) < 0))
          << segment->id() << " row " << r;
    }
  }
}

TEST(DatabaseTest, TableWithoutTimeColumnGetsOneChunk) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  TableDef def = eventsTable();
  def.timeColumn = -1;
  ASSERT_TRUE(database->createTable(def, false, false).ok());
  ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 100))}).ok());
  auto snapshot = database->snapshot("events");
  ASSERT_TRUE(snapshot.ok());
  ASSERT_EQ((*snapshot)->infos.size(), 1u);
  EXPECT_EQ((*snapshot)->infos[0].chunkStartMs, std::numeric_limits<int64_t>::min());
  EXPECT_EQ((*snapshot)->infos[0].chunkEndMs, std::numeric_limits<int64_t>::max());
}

TEST(DatabaseTest, SplitsLargeChunkIntoSeveralSegments) {
  TempDir dir;
  StorageTuning tuning;
  tuning.maxSegmentRows = 10;
  auto database = openDatabase(dir.path(), tuning);
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  // Two batches in day 0 (24 rows) and one row in day 1.
  std::vector<Row> rows = eventRows(0, 25);
  std::vector<Row> first(rows.begin(), rows.begin() + 7);
  std::vector<Row> second(rows.begin() + 7, rows.end());
  auto inserted = database->insert(
      "events", {testing::makeBatch(kEventTypes, first), testing::makeBatch(kEventTypes, second)});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  auto snapshot = database->snapshot("events");
  ASSERT_TRUE(snapshot.ok());
  std::vector<uint64_t> sizes;
  for (const SegmentInfo& info : (*snapshot)->infos) sizes.push_back(info.numRows);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{10, 10, 4, 1}));
  EXPECT_EQ(sortedRows(readRows(**snapshot)), sortedRows(rows));
}

TEST(DatabaseTest, RejectsBadBatchesWithoutWriting) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  TableDef def = eventsTable();
  def.columns[0].type = DataType(TypeId::kDateTime64, true);
  ASSERT_TRUE(database->createTable(def, false, false).ok());

  std::vector<DataType> types = kEventTypes;
  types[0] = DataType(TypeId::kDateTime64, true);
  std::vector<Row> rows = eventRows(0, 3);
  rows[1][0] = Value::null(TypeId::kDateTime64);
  EXPECT_TRUE(absl::IsInvalidArgument(database->insert("events", {testing::makeBatch(types, rows)}).status()));

  Batch wrongType = testing::makeBatch({DataType(TypeId::kInt64), kEventTypes[1], kEventTypes[2]},
                                       {{Value::int64(1), Value::string("x"), Value::int64(1)}});
  EXPECT_TRUE(absl::IsInvalidArgument(database->insert("events", {wrongType}).status()));

  // A NULL in a column that is not nullable fails inside the segment writer.
  std::vector<DataType> nullablePage = types;
  nullablePage[1] = DataType(TypeId::kString, true);
  std::vector<Row> nullPage = eventRows(0, 30);
  nullPage[25][1] = Value::null(TypeId::kString);
  EXPECT_TRUE(absl::IsInvalidArgument(database->insert("events", {testing::makeBatch(nullablePage, nullPage)}).status()));

  EXPECT_TRUE(absl::IsNotFound(database->insert("nope", {}).status()));
  EXPECT_EQ(segmentFileCount(dir.path()), 0u);
  EXPECT_TRUE(tableRows(*database, "events").empty());
}

TEST(DatabaseTest, ReopenSeesSameTablesRowsAndProperties) {
  TempDir dir;
  std::vector<Row> rows = eventRows(0, 50);
  {
    auto database = openDatabase(dir.path());
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
    ASSERT_TRUE(database->createTable(eventsTable("empty"), false, false).ok());
    auto inserted = database->insert("events", {testing::makeBatch(kEventTypes, rows)}, {{"offset", "50"}});
    ASSERT_TRUE(inserted.ok()) << inserted.status();
  }
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->listTables(), (std::vector<std::string>{"empty", "events"}));
  auto snapshot = database->snapshot("events");
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ((*snapshot)->def.createSql, eventsTable().createSql);
  EXPECT_EQ((*snapshot)->def.sortKey, eventsTable().sortKey);
  EXPECT_EQ(sortedRows(readRows(**snapshot)), sortedRows(rows));
  auto properties = database->tableProperties("events");
  ASSERT_TRUE(properties.ok());
  EXPECT_EQ(properties->at("offset"), "50");

  // New segment ids do not collide with the reopened ones.
  ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(100, 5))}).ok());
  EXPECT_EQ(tableRows(*database, "events").size(), 55u);
}

TEST(DatabaseTest, RemovesOrphanFilesOnOpen) {
  TempDir dir;
  {
    auto database = openDatabase(dir.path());
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 10))}).ok());
  }
  testing::writeFile(dir.file("segments/seg_999999999999.seg"), "half a segment");
  testing::writeFile(dir.file("segments/seg_000000000042.seg.tmp"), "");
  testing::writeFile(dir.file("catalog.tmp"), "half a catalog");
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  EXPECT_EQ(testing::listFiles(dir.file("segments")), std::vector<std::string>{"seg_000000000001.seg"});
  EXPECT_EQ(testing::listFiles(dir.path()), (std::vector<std::string>{"catalog", "cold", "cold-cache", "segments"}));
  EXPECT_EQ(tableRows(*database, "events").size(), 10u);
}

TEST(DatabaseTest, MissingCatalogFailsOpen) {
  TempDir dir;
  {
    auto database = openDatabase(dir.path());
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 10))}).ok());
  }
  std::filesystem::remove(dir.file("catalog"));
  auto database = DatabaseImpl::open(dir.path(), {}, {});
  EXPECT_TRUE(absl::IsDataLoss(database.status())) << database.status();
  EXPECT_EQ(segmentFileCount(dir.path()), 1u);
}

TEST(DatabaseTest, OpensThroughBaseInterface) {
  TempDir dir;
  auto database = Database::open(dir.path());
  ASSERT_TRUE(database.ok()) << database.status();
  ASSERT_TRUE((*database)->createTable(eventsTable(), false, false).ok());
  auto inserted = (*database)->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 30))});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(*inserted, 30u);
  EXPECT_EQ((*database)->dataDir(), dir.path());
  EXPECT_EQ(tableRows(**database, "events").size(), 30u);
}

TEST(DatabaseTest, MissingSegmentFailsOpen) {
  TempDir dir;
  {
    auto database = openDatabase(dir.path());
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 10))}).ok());
  }
  std::filesystem::remove(dir.file("segments/seg_000000000001.seg"));
  auto database = DatabaseImpl::open(dir.path(), {}, {});
  EXPECT_TRUE(absl::IsDataLoss(database.status())) << database.status();
}

TEST(DatabaseTest, MergeKeepsRowMultiset) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  std::vector<Row> all;
  for (int i = 0; i < 10; ++i) {
    std::vector<Row> rows = eventRows(i * 5, 5);  // 50 hours: days 0, 1 and 2
    all.insert(all.end(), rows.begin(), rows.end());
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, rows)}).ok());
  }
  auto before = database->snapshot("events");
  ASSERT_TRUE(before.ok());
  size_t filesBefore = segmentFileCount(dir.path());
  ASSERT_EQ((*before)->infos.size(), filesBefore);
  ASSERT_GT(filesBefore, 3u);

  auto merges = database->mergeNow();
  ASSERT_TRUE(merges.ok()) << merges.status();
  EXPECT_EQ(*merges, 2u);  // day 2 has one segment (hours 48 and 49)
  auto after = database->snapshot("events");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ((*after)->infos.size(), 3u);
  EXPECT_EQ(sortedRows(readRows(**after)), sortedRows(all));
  for (const SegmentInfo& info : (*after)->infos) {
    EXPECT_EQ(chunkStartMs(Granularity::kDay, info.minTimeMs), info.chunkStartMs) << info.id;
    EXPECT_EQ(chunkStartMs(Granularity::kDay, info.maxTimeMs), info.chunkStartMs) << info.id;
  }

  // The old snapshot still reads its files; releasing it removes them.
  EXPECT_EQ(sortedRows(readRows(**before)), sortedRows(all));
  EXPECT_EQ(segmentFileCount(dir.path()), filesBefore + 2);
  before->reset();
  EXPECT_EQ(segmentFileCount(dir.path()), 3u);

  database.reset();
  auto reopened = openDatabase(dir.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sortedRows(tableRows(*reopened, "events")), sortedRows(all));
}

TEST(DatabaseTest, HotViewReplacesClaimedSegments) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(i * 2, 2))}).ok());
  }

  // Claim day 0: a merge leaves its three segments alone.
  auto claimed = database->claimChunk("events", kBaseMs);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->infos.size(), 3u);
  auto merges = database->mergeNow();
  ASSERT_TRUE(merges.ok()) << merges.status();
  EXPECT_EQ(*merges, 0u);

  // A hot segment with the same rows replaces them in snapshots.
  std::vector<Row> all = eventRows(0, 6);
  Batch batch = testing::makeBatch(kEventTypes, all);
  auto block = MemoryBlock::make(batch.columns, static_cast<uint32_t>(batch.numRows));
  std::vector<SegmentColumn> schema = {{"ts", kEventTypes[0]}, {"page", kEventTypes[1]}, {"n", kEventTypes[2]}};
  auto hot = std::make_shared<MemorySegment>("hot_events", schema, std::vector<std::shared_ptr<const MemoryBlock>>{block});
  auto view = std::make_shared<HotView>();
  view->infos.push_back(hot->info(eventsTable(), kBaseMs));
  view->segments.push_back(hot);
  for (const SegmentInfo& info : claimed->infos) view->replacedSegments.push_back(info.id);
  std::sort(view->replacedSegments.begin(), view->replacedSegments.end());
  ASSERT_TRUE(database->setHotView("events", view).ok());
  auto withHot = database->snapshot("events");
  ASSERT_TRUE(withHot.ok());
  ASSERT_EQ((*withHot)->segments.size(), 1u);
  EXPECT_EQ(sortedRows(readRows(**withHot)), sortedRows(all));
  EXPECT_EQ((*withHot)->infos[0].minTimeMs, kBaseMs);
  EXPECT_EQ((*withHot)->infos[0].maxTimeMs, kBaseMs + 5 * 3'600'000);

  // Persist: one commit writes the rows, removes the claimed segments, sets a
  // property and drops the hot segment.
  auto prepared = database->prepareSegments("events", {batch});
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  ASSERT_TRUE(database->publishPrepared("events", *prepared, view->replacedSegments, {{"offset", "6"}},
                                        std::make_shared<HotView>())
                  .ok());
  auto persisted = database->snapshot("events");
  ASSERT_TRUE(persisted.ok());
  EXPECT_EQ((*persisted)->segments.size(), 1u);
  EXPECT_EQ(sortedRows(readRows(**persisted)), sortedRows(all));
  EXPECT_EQ(database->tableProperties("events").value().at("offset"), "6");

  // The old snapshot still reads the hot rows.
  EXPECT_EQ(sortedRows(readRows(**withHot)), sortedRows(all));

  database->clearHot("events");
  database.reset();
  auto reopened = openDatabase(dir.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(sortedRows(tableRows(*reopened, "events")), sortedRows(all));
}

TEST(DatabaseTest, BackgroundMergeCompactsSmallSegments) {
  TempDir dir;
  StorageTuning tuning;
  tuning.mergeMinSegments = 4;
  auto database = openDatabase(dir.path(), tuning, /*backgroundMerge=*/true);
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  std::vector<Row> all;
  for (int i = 0; i < 6; ++i) {
    std::vector<Row> rows = eventRows(i, 1);  // all in day 0
    all.insert(all.end(), rows.begin(), rows.end());
    ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, rows)}).ok());
  }
  size_t segments = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    auto snapshot = database->snapshot("events");
    ASSERT_TRUE(snapshot.ok());
    segments = (*snapshot)->infos.size();
    if (segments < 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_LT(segments, 4u);
  EXPECT_EQ(sortedRows(tableRows(*database, "events")), sortedRows(all));
}

TEST(DatabaseTest, DropTableRemovesFiles) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 50))}).ok());
  auto heldSnapshot = database->snapshot("events");
  ASSERT_TRUE(heldSnapshot.ok());
  ASSERT_EQ(segmentFileCount(dir.path()), 3u);

  ASSERT_TRUE(database->dropTable("events", false).ok());
  EXPECT_EQ(readRows(**heldSnapshot).size(), 50u);  // the held snapshot still reads its files
  heldSnapshot->reset();
  EXPECT_EQ(segmentFileCount(dir.path()), 0u);

  // A new table of the same name starts empty, also after reopening.
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  EXPECT_TRUE(tableRows(*database, "events").empty());
  database.reset();
  auto reopened = openDatabase(dir.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(tableRows(*reopened, "events").empty());
}

TEST(DatabaseTest, ReplaceTableDropsOldSegments) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  ASSERT_TRUE(database->insert("events", {testing::makeBatch(kEventTypes, eventRows(0, 10))}).ok());
  ASSERT_TRUE(database->createTable(eventsTable(), true, false).ok());
  EXPECT_TRUE(tableRows(*database, "events").empty());
  EXPECT_EQ(segmentFileCount(dir.path()), 0u);
}

// An ingestion source that never installs a view.
class IdleHotSource : public HotViewSource {
 public:
  void refresh() override {}
};

TEST(DatabaseTest, ReplaceRejectedWhileIngestionFeedsTable) {
  TempDir dir;
  auto database = openDatabase(dir.path());
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
  auto source = std::make_shared<IdleHotSource>();
  ASSERT_TRUE(database->setHotViewSource("events", source).ok());

  absl::Status replaced = database->createTable(eventsTable(), true, false);
  EXPECT_TRUE(absl::IsFailedPrecondition(replaced)) << replaced;
  EXPECT_NE(replaced.message().find("terminate"), std::string::npos) << replaced;

  database->removeHotViewSource("events", source.get());
  EXPECT_TRUE(database->createTable(eventsTable(), true, false).ok());
}

TEST(DatabaseTest, ConcurrentInsertsAndSnapshots) {
  TempDir dir;
  StorageTuning tuning;
  tuning.mergeMinSegments = 3;
  auto database = openDatabase(dir.path(), tuning, /*backgroundMerge=*/true);
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());

  std::atomic<bool> done{false};
  std::atomic<size_t> badReads{0};
  std::thread reader([&] {
    size_t lastCount = 0;
    while (!done.load()) {
      auto snapshot = database->snapshot("events");
      if (!snapshot.ok()) {
        ++badReads;
        continue;
      }
      size_t count = readRows(**snapshot).size();
      if (count < lastCount || count % 4 != 0) ++badReads;  // inserts add 4 rows at a time
      lastCount = count;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 15; ++i) {
        auto inserted = database->insert("events", {testing::makeBatch(kEventTypes, eventRows(w * 1000 + i * 4, 4))});
        EXPECT_TRUE(inserted.ok()) << inserted.status();
      }
    });
  }
  for (auto& writer : writers) writer.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(badReads.load(), 0u);
  EXPECT_EQ(tableRows(*database, "events").size(), 3u * 15 * 4);
}

TEST(BlockStatsTest, StringMinMaxFollowByteOrder) {
  // Long shared prefixes, bytes above 0x7F, prefixes of other values and
  // the empty string, so that every word of the prefix comparison and its
  // memcmp fallback decide some pair.
  std::string shared(40, 'a');
  std::vector<std::string> values = {
      shared + "b",  shared + "a",  shared,         shared.substr(0, 31) + "\xff", shared.substr(0, 8) + "\x80",
      "",            "abcdefgh",    "abcdefgh\x01", "abcdefgg\xff\xff\xff\xff\xff\xff\xff\xff", "\xff\xfe",
      "zzzzzzzzzzzzzzzzz"};
  for (size_t rotation = 0; rotation < values.size(); ++rotation) {
    std::rotate(values.begin(), values.begin() + 1, values.end());
    ColumnPtr column = Column::makeFlat(DataType(TypeId::kString), values.size());
    for (size_t i = 0; i < values.size(); ++i) column->setValue(i, Value::string(values[i]));
    BlockStats stats = computeBlockStats(*column);
    EXPECT_EQ(stats.min.asString(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(stats.max.asString(), *std::max_element(values.begin(), values.end()));
  }
}

TEST(BlockStatsTest, SketchColumnHasNoMinMax) {
  // As SegmentWriter writes sketch columns: a NULL count, no min or max.
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kHllSketch, true), 3);
  column->setValue(0, Value::hllSketch("\x01\x02sketch-a"));
  column->setNull(1);
  column->setValue(2, Value::hllSketch("\x01\x02sketch-b"));
  BlockStats stats = computeBlockStats(*column);
  EXPECT_EQ(stats.numRows, 3u);
  EXPECT_EQ(stats.nullCount, 1u);
  EXPECT_TRUE(stats.min.isNull());
  EXPECT_TRUE(stats.max.isNull());
}

}  // namespace
}  // namespace furl::storage
