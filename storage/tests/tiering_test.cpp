// Tiered storage: the local object store, the block cache, moves between
// local disk and the object store, the rules of the mover, and crashes or
// failures at every step of a move.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <set>

#include "storage/block_cache.h"
#include "storage/database_impl.h"
#include "storage/object_store.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::TempDir;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBaseMs = 1'704'067'200'000;  // 2024-01-01 00:00:00 UTC
constexpr int kDays = 10;
constexpr int kRowsPerDay = 40;

const std::vector<DataType> kTypes = {DataType(TypeId::kDateTime64), DataType(TypeId::kInt64),
                                      DataType(TypeId::kString)};

TableDef eventsTable() {
  TableDef def;
  def.name = "events";
  def.columns = {{"ts", kTypes[0]}, {"value", kTypes[1]}, {"tag", kTypes[2]}};
  def.timeColumn = 0;
  def.segmentGranularity = Granularity::kDay;
  return def;
}

/// kRowsPerDay rows on each of kDays days, one segment per day.
Batch eventsBatch() {
  std::vector<testing::Row> rows;
  for (int day = 0; day < kDays; ++day) {
    for (int r = 0; r < kRowsPerDay; ++r) {
      rows.push_back({Value::timestampMs(kBaseMs + day * kDayMs + r * 1000), Value::int64(day * 1000 + r),
                      Value::string("tag " + std::to_string(r % 5))});
    }
  }
  return testing::makeBatch(kTypes, rows);
}

/// Options for the data directory: no background threads, a small cache.
DatabaseOptions testOptions() {
  DatabaseOptions options;
  options.backgroundMerge = false;
  options.tieringIntervalMs = 0;
  options.blockRows = 16;
  options.coldCacheBytes = 1 << 20;
  return options;
}

std::unique_ptr<DatabaseImpl> openDatabase(const std::string& dir, const DatabaseOptions& options = testOptions(),
                                           const StorageTuning& tuning = {}) {
  auto database = DatabaseImpl::open(dir, options, tuning);
  EXPECT_TRUE(database.ok()) << database.status();
  return database.ok() ? std::move(*database) : nullptr;
}

std::vector<testing::Row> tableRows(Database& database) {
  auto snapshot = database.snapshot("events");
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? testing::sortedRows(testing::readRows(**snapshot)) : std::vector<testing::Row>{};
}

std::vector<std::string> segmentIds(Database& database) {
  std::vector<std::string> ids;
  for (const SegmentInfo& info : (*database.snapshot("events"))->infos) ids.push_back(info.id);
  return ids;
}

std::map<std::string, std::string> tiersOf(Database& database) {
  std::map<std::string, std::string> tiers;
  auto snapshot = *database.snapshot("events");
  for (size_t i = 0; i < snapshot->infos.size(); ++i) {
    tiers[snapshot->infos[i].id] = std::string(snapshot->segments[i]->tier());
  }
  return tiers;
}

std::vector<std::string> segmentFiles(const std::string& dir) { return testing::listFiles(dir + "/segments"); }

std::vector<std::string> objectKeys(ObjectStore& store) {
  std::vector<std::string> keys;
  auto objects = store.list("");
  EXPECT_TRUE(objects.ok()) << objects.status();
  if (!objects.ok()) return keys;
  for (const ObjectInfo& object : *objects) keys.push_back(object.key);
  return keys;
}

// --- LocalObjectStore ----------------------------------------------------------

TEST(LocalObjectStoreTest, KeysWithSpacesUnicodeAndPlus) {
  TempDir dir;
  auto store = *openLocalObjectStore(dir.path());
  const std::vector<std::string> keys = {"a/b c.seg", "x/ünïcode+plus.seg", "../escape", ".tmp/hidden", "p%41"};
  for (const std::string& key : keys) {
    ASSERT_TRUE(store->put(key, "data of " + key).ok()) << key;
  }
  auto listed = store->list("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::set<std::string> found;
  for (const ObjectInfo& object : *listed) found.insert(object.key);
  EXPECT_EQ(found, std::set<std::string>(keys.begin(), keys.end()));
  for (const std::string& key : keys) {
    auto bytes = store->read(key, 0, 8);
    ASSERT_TRUE(bytes.ok()) << key << ": " << bytes.status();
    EXPECT_EQ(*bytes, "data of ") << key;
  }
  EXPECT_EQ(store->list("x/")->size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/../escape"));
}

TEST(LocalObjectStoreTest, RangeReadsAndErrors) {
  TempDir dir;
  auto store = *openLocalObjectStore(dir.path());
  ASSERT_TRUE(store->put("k", "0123456789").ok());
  EXPECT_EQ(*store->read("k", 3, 4), "3456");
  EXPECT_EQ(store->read("k", 8, 4).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store->read("missing", 0, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->head("missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->head("k")->size, 10u);
  EXPECT_TRUE(store->remove("k").ok());
  EXPECT_TRUE(store->remove("k").ok()) << "removing a missing key is OK";
  EXPECT_TRUE(store->list("")->empty());
}

// --- BlockCache ----------------------------------------------------------------

TEST(BlockCacheTest, EvictsLeastRecentlyUsedByBytes) {
  TempDir dir;
  std::string data(1000, 'x');
  // Room for three entries of ~1 KB with their headers, not four.
  auto cache = *BlockCache::open(dir.path(), 3300);
  cache->insert("key", 0, data);
  cache->insert("key", 1000, data);
  cache->insert("key", 2000, data);
  ASSERT_TRUE(cache->lookup("key", 0, 1000).has_value());  // now the most recent
  cache->insert("key", 3000, data);
  EXPECT_EQ(cache->numEntries(), 3u);
  EXPECT_LE(cache->sizeBytes(), 3300u);
  EXPECT_TRUE(cache->lookup("key", 0, 1000).has_value());
  EXPECT_FALSE(cache->lookup("key", 1000, 1000).has_value()) << "the least recently used entry was kept";
  EXPECT_TRUE(cache->lookup("key", 2000, 1000).has_value());
  EXPECT_TRUE(cache->lookup("key", 3000, 1000).has_value());
}

TEST(BlockCacheTest, SurvivesReopenAndDropsDamagedEntries) {
  TempDir dir;
  {
    auto cache = *BlockCache::open(dir.path(), 1 << 20);
    cache->insert("a/b", 10, "hello");
    cache->insert("a/c", 0, "world");
  }
  auto cache = *BlockCache::open(dir.path(), 1 << 20);
  EXPECT_EQ(cache->numEntries(), 2u);
  EXPECT_EQ(cache->lookup("a/b", 10, 5).value_or(""), "hello");

  // Flip the last data byte of a/c's entry.
  for (const std::string& name : testing::listFiles(dir.path())) {
    if (!name.starts_with(objectKeyHash("a/c"))) continue;
    std::string bytes = testing::readFile(dir.file(name));
    bytes.back() ^= 1;
    testing::writeFile(dir.file(name), bytes);
  }
  EXPECT_FALSE(cache->lookup("a/c", 0, 5).has_value());
  EXPECT_EQ(cache->numEntries(), 1u);
  cache->eraseObject("a/b");
  EXPECT_EQ(cache->numEntries(), 0u);
  EXPECT_TRUE(testing::listFiles(dir.path()).empty());
}

// --- moves ------------------------------------------------------------------------

class TieringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = openDatabase(dir_.path());
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database->createTable(eventsTable(), false, false).ok());
    ASSERT_TRUE(database->insert("events", {eventsBatch()}).ok());
    expected_ = tableRows(*database);
    ASSERT_EQ(expected_.size(), size_t{kDays * kRowsPerDay});
  }

  TempDir dir_;
  std::vector<testing::Row> expected_;
};

TEST_F(TieringTest, MoveToColdAndBackKeepsRows) {
  auto database = openDatabase(dir_.path());
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_EQ(ids.size(), size_t{kDays});
  std::vector<std::string> firstHalf(ids.begin(), ids.begin() + kDays / 2);

  auto moved = database->moveSegments("events", firstHalf, MoveTarget::kCold);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, firstHalf.size());
  EXPECT_EQ(segmentFiles(dir_.path()).size(), size_t{kDays - kDays / 2}) << "local copies of cold segments remain";
  EXPECT_EQ(objectKeys(database->objectStore()).size(), firstHalf.size());
  for (const std::string& id : firstHalf) {
    SegmentInfo info = *database->segmentInfo(id);
    EXPECT_EQ(info.location, SegmentLocation::kObjectStore) << id;
    EXPECT_EQ(info.pinnedTier, PinnedTier::kCold) << id;
    EXPECT_EQ(tiersOf(*database)[id], "cold") << id;
  }
  EXPECT_EQ(tableRows(*database), expected_);

  // A restart with an empty cache still reads the cold segments.
  database.reset();
  std::filesystem::remove_all(dir_.file("cold-cache"));
  database = openDatabase(dir_.path());
  EXPECT_EQ(tableRows(*database), expected_);

  // Back to local disk; the objects go on the next pass.
  moved = database->moveSegments("events", firstHalf, MoveTarget::kWarm);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(segmentFiles(dir_.path()).size(), size_t{kDays});
  TieringPassResult pass = database->runTieringPass();
  EXPECT_EQ(pass.objectsDeleted, firstHalf.size());
  EXPECT_TRUE(objectKeys(database->objectStore()).empty());
  EXPECT_EQ(tableRows(*database), expected_);
  EXPECT_EQ(database->segmentInfo(firstHalf[0])->pinnedTier, PinnedTier::kWarm);
}

TEST_F(TieringTest, RulesMoveSegmentsByAge) {
  // "Now" is the end of the last day plus 12 hours.
  const int64_t now = kBaseMs + kDays * kDayMs + kDayMs / 2;
  StorageTuning tuning;
  tuning.nowMs = [now] { return now; };
  auto database = openDatabase(dir_.path(), testOptions(), tuning);

  // Day d's chunk ends (kDays - d) days and 12 hours before now.
  ASSERT_TRUE(database
                  ->alterTableSettings("events", {{"hot_period", "P1D"}, {"cold_after", "P4D"}, {"retention", "P8D"}})
                  .ok());
  TieringPassResult pass = database->runTieringPass();
  EXPECT_EQ(pass.failures, 0u);
  EXPECT_EQ(pass.dropped, 2u) << "days 0 and 1 ended more than 8 days ago";
  EXPECT_EQ(pass.movedToCold, 4u) << "days 2 to 5";
  EXPECT_EQ(pass.pinnedHot, 1u) << "day 9";

  std::vector<std::string> tiers;
  for (const auto& [id, tier] : tiersOf(*database)) tiers.push_back(tier);
  EXPECT_EQ(tiers, (std::vector<std::string>{"cold", "cold", "cold", "cold", "warm", "warm", "warm", "hot"}));
  std::vector<testing::Row> kept(expected_.begin() + 2 * kRowsPerDay, expected_.end());
  EXPECT_EQ(tableRows(*database), kept);

  // A second pass has nothing to do; a pinned segment stays put.
  pass = database->runTieringPass();
  EXPECT_EQ(pass.movedToCold + pass.movedToLocal + pass.dropped, 0u);
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kWarm).ok());
  pass = database->runTieringPass();
  EXPECT_EQ(pass.movedToCold, 0u);
  EXPECT_EQ(tiersOf(*database)[ids[0]], "warm");
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kAuto).ok());
  pass = database->runTieringPass();
  EXPECT_EQ(pass.movedToCold, 1u);

  // After a restart the rules pin the newest segment in memory again.
  database.reset();
  database = openDatabase(dir_.path(), testOptions(), tuning);
  EXPECT_EQ(tiersOf(*database)[segmentIds(*database).back()], "hot");
  EXPECT_EQ(tableRows(*database), kept);
}

TEST_F(TieringTest, RejectsInvalidRules) {
  auto database = openDatabase(dir_.path());
  absl::Status status = database->alterTableSettings("events", {{"cold_after", "7 days"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("cold_after"), std::string::npos) << status;
  status = database->alterTableSettings("events", {{"cold_after", "P7D"}, {"retention", "P1D"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("hot_period <= cold_after <= retention"), std::string::npos) << status;
  EXPECT_EQ(database->alterTableSettings("missing", {{"cold_after", "P7D"}}).code(), absl::StatusCode::kNotFound);
}

/// A store that fails every call while `failing` is set.
class FlakyStore final : public ObjectStore {
 public:
  explicit FlakyStore(std::unique_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> failing{false};

  std::string describe() const override { return "flaky " + inner_->describe(); }
  absl::StatusOr<ObjectInfo> putFile(const std::string& key, const std::string& localPath) override {
    if (failing) return down();
    return inner_->putFile(key, localPath);
  }
  absl::StatusOr<ObjectInfo> put(const std::string& key, const std::string& data) override {
    if (failing) return down();
    return inner_->put(key, data);
  }
  absl::StatusOr<std::string> read(const std::string& key, uint64_t offset, uint64_t length) override {
    if (failing) return down();
    ++reads;
    if (holdReads) holdUntilParallel();
    return inner_->read(key, offset, length);
  }
  absl::Status getFile(const std::string& key, const std::string& localPath) override {
    if (failing) return down();
    return inner_->getFile(key, localPath);
  }
  absl::StatusOr<ObjectInfo> head(const std::string& key) override {
    if (failing) return down();
    return inner_->head(key);
  }
  absl::Status remove(const std::string& key) override {
    if (failing) return down();
    return inner_->remove(key);
  }
  absl::StatusOr<std::vector<ObjectInfo>> list(const std::string& prefix) override {
    if (failing) return down();
    return inner_->list(prefix);
  }

  std::atomic<uint64_t> reads{0};
  /// With holdReads, a read waits up to 2 s for a second read to run at
  /// the same time; maxInFlight records how many ran at once.
  std::atomic<bool> holdReads{false};
  std::atomic<int> maxInFlight{0};

 private:
  void holdUntilParallel() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++inFlight_;
    maxInFlight = std::max(maxInFlight.load(), inFlight_);
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(2), [&] { return inFlight_ >= 2; });
    --inFlight_;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  int inFlight_ = 0;
  static absl::Status down() { return absl::UnavailableError("connection refused (test store is down)"); }
  std::unique_ptr<ObjectStore> inner_;
};

TEST_F(TieringTest, StoreDownFailsOnlyColdReads) {
  auto flaky = std::make_shared<FlakyStore>(*openLocalObjectStore(dir_.file("cold")));
  DatabaseOptions options = testOptions();
  options.objectStore = flaky;
  options.coldCacheBytes = 0;
  auto database = openDatabase(dir_.path(), options);
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kCold).ok());
  database.reset();

  // The database opens while the store is down; warm segments read fine.
  flaky->failing = true;
  database = openDatabase(dir_.path(), options);
  ASSERT_NE(database, nullptr);
  auto snapshot = *database->snapshot("events");
  for (size_t i = 0; i < snapshot->infos.size(); ++i) {
    absl::Status status = snapshot->segments[i]->prepare(nullptr);
    if (snapshot->infos[i].id != ids[0]) {
      EXPECT_TRUE(status.ok()) << status;
      continue;
    }
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_NE(status.message().find("segment " + ids[0] + " of table 'events' (cold"), std::string::npos) << status;
    EXPECT_NE(status.message().find("connection refused"), std::string::npos) << status;
  }

  // A move fails cleanly and leaves the segment where it was.
  auto moved = database->moveSegments("events", {ids[1]}, MoveTarget::kCold);
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kUnavailable) << moved.status();
  EXPECT_EQ(database->segmentInfo(ids[1])->location, SegmentLocation::kLocal);

  flaky->failing = false;
  EXPECT_EQ(tableRows(*database), expected_);
}

TEST_F(TieringTest, ColdReadsFetchOnlyNeededBlocksAndUseCache) {
  auto database = openDatabase(dir_.path());
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kCold).ok());
  database.reset();
  std::filesystem::remove_all(dir_.file("cold-cache"));
  database = openDatabase(dir_.path());
  auto snapshot = *database->snapshot("events");
  const Segment& cold = *snapshot->segments[0];
  ASSERT_EQ(cold.id(), ids[0]);

  // Header and tail, then the footer.
  ReadStats stats;
  ASSERT_TRUE(cold.prepare(&stats).ok());
  EXPECT_EQ(stats.coldFetchRequests, 3u);
  ASSERT_GE(cold.numBlocks(), 2u) << "40 rows in blocks of 16";

  // One int column of one block: one request of exactly that block's bytes.
  stats = {};
  std::vector<ColumnPtr> out;
  ASSERT_TRUE(cold.readBlocks({1}, 1, out, &stats).ok());
  EXPECT_EQ(stats.coldFetchRequests, 1u);
  EXPECT_EQ(stats.coldFetchBytes, cold.compressedBytes(1, 1));
  EXPECT_EQ(stats.coldCacheHits, 0u);

  // Two columns, one a string: its dictionary blocks come in the same call.
  stats = {};
  ASSERT_TRUE(cold.readBlocks({0, 2}, 0, out, &stats).ok());
  EXPECT_GE(stats.coldFetchRequests, 3u);

  // The same block again is a cache hit.
  stats = {};
  ASSERT_TRUE(cold.readBlocks({1}, 1, out, &stats).ok());
  EXPECT_EQ(stats.coldFetchRequests, 0u);
  EXPECT_EQ(stats.coldCacheHits, 1u);
  EXPECT_GT(cold.lastAccessMs(), 0);
}

TEST_F(TieringTest, ColdReadsFetchRangesInParallel) {
  auto flaky = std::make_shared<FlakyStore>(*openLocalObjectStore(dir_.file("cold")));
  DatabaseOptions options = testOptions();
  options.objectStore = flaky;
  options.coldCacheBytes = 0;
  auto database = openDatabase(dir_.path(), options);
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kCold).ok());
  auto snapshot = *database->snapshot("events");
  const Segment& cold = *snapshot->segments[0];
  ASSERT_EQ(cold.id(), ids[0]);
  ASSERT_TRUE(cold.prepare(nullptr).ok());

  // Three columns of one block: three ranges, fetched at the same time.
  flaky->holdReads = true;
  ReadStats stats;
  std::vector<ColumnPtr> out;
  ASSERT_TRUE(cold.readBlocks({0, 1, 2}, 1, out, &stats).ok());
  flaky->holdReads = false;
  EXPECT_GE(stats.coldFetchRequests, 3u);
  EXPECT_GE(flaky->maxInFlight.load(), 2);
  ASSERT_EQ(out.size(), 3u);
}

TEST_F(TieringTest, FooterIsFetchedOncePerSegment) {
  auto flaky = std::make_shared<FlakyStore>(*openLocalObjectStore(dir_.file("cold")));
  DatabaseOptions options = testOptions();
  options.objectStore = flaky;
  options.coldCacheBytes = 0;
  auto database = openDatabase(dir_.path(), options);
  std::vector<std::string> ids = segmentIds(*database);
  ASSERT_TRUE(database->moveSegments("events", {ids[0]}, MoveTarget::kCold).ok());
  database.reset();
  database = openDatabase(dir_.path(), options);
  auto snapshot = *database->snapshot("events");
  const Segment& cold = *snapshot->segments[0];
  ASSERT_EQ(cold.id(), ids[0]);

  ReadStats stats;
  ASSERT_TRUE(cold.prepare(&stats).ok());
  EXPECT_EQ(stats.coldFetchRequests, 3u);
  uint64_t readsAfterFirst = flaky->reads.load();

  // Prepared again, by the next query: no request.
  stats = {};
  ASSERT_TRUE(cold.prepare(&stats).ok());
  EXPECT_EQ(stats.coldFetchRequests, 0u);
  EXPECT_EQ(flaky->reads.load(), readsAfterFirst);
}

// --- crashes and failures at every step -------------------------------------------

struct StepCase {
  TieringStep step;
  bool toCold;
};

const StepCase kSteps[] = {
    {TieringStep::kUploaded, true},     {TieringStep::kVerified, true},       {TieringStep::kCommitted, true},
    {TieringStep::kDownloaded, false},  {TieringStep::kLocalVerified, false}, {TieringStep::kLocalCommitted, false},
};

/// Checks the state after a restart: every row once, each segment's copy
/// where the catalog records it, no orphan file, and no orphan object after a
/// mover pass.
void expectConsistent(const std::string& dir, const std::vector<testing::Row>& expected, const std::string& context) {
  auto database = openDatabase(dir);
  ASSERT_NE(database, nullptr) << context;
  EXPECT_EQ(tableRows(*database), expected) << context;
  database->runTieringPass();
  std::set<std::string> files;
  for (const std::string& name : segmentFiles(dir)) files.insert(name);
  std::set<std::string> keys;
  for (const std::string& key : objectKeys(database->objectStore())) keys.insert(key);
  std::set<std::string> expectedFiles;
  std::set<std::string> expectedKeys;
  for (const std::string& id : segmentIds(*database)) {
    SegmentInfo info = *database->segmentInfo(id);
    if (info.location == SegmentLocation::kLocal) {
      expectedFiles.insert(id + ".seg");
    } else {
      expectedKeys.insert(info.objectKey);
    }
  }
  EXPECT_EQ(files, expectedFiles) << context;
  EXPECT_EQ(keys, expectedKeys) << context;
}

TEST_F(TieringTest, CrashAtEveryStepLeavesConsistentState) {
  std::string target;
  {
    auto database = openDatabase(dir_.path());
    target = segmentIds(*database)[3];
    // The recall cases need the segment cold first.
  }
  for (const StepCase& c : kSteps) {
    std::string context = std::string("crash after step ") + std::string(tieringStepName(c.step));
    if (!c.toCold) {
      auto database = openDatabase(dir_.path());
      ASSERT_TRUE(database->moveSegments("events", {target}, MoveTarget::kCold).ok()) << context;
    }
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      StorageTuning tuning;
      tuning.tieringFault = [&](TieringStep step, const std::string&) {
        if (step == c.step) _exit(0);
        return absl::OkStatus();
      };
      auto database = DatabaseImpl::open(dir_.path(), testOptions(), tuning);
      if (!database.ok()) _exit(2);
      (void)(*database)->moveSegments("events", {target}, c.toCold ? MoveTarget::kCold : MoveTarget::kWarm);
      _exit(3);  // the step was never reached
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << context;
    ASSERT_EQ(WEXITSTATUS(status), 0) << context;
    expectConsistent(dir_.path(), expected_, context);

    // Put the segment back on local disk for the next case.
    auto database = openDatabase(dir_.path());
    ASSERT_TRUE(database->moveSegments("events", {target}, MoveTarget::kWarm).ok()) << context;
    database->runTieringPass();
  }
}

TEST_F(TieringTest, FailureAtEveryStepLeavesConsistentState) {
  for (const StepCase& c : kSteps) {
    if (c.step == TieringStep::kCommitted || c.step == TieringStep::kLocalCommitted) continue;  // already done
    std::string context = std::string("failure at step ") + std::string(tieringStepName(c.step));
    StorageTuning tuning;
    tuning.tieringFault = [&](TieringStep step, const std::string&) {
      return step == c.step ? absl::UnavailableError("injected failure") : absl::OkStatus();
    };
    std::string target;
    {
      auto database = openDatabase(dir_.path(), testOptions(), tuning);
      target = segmentIds(*database)[5];
      if (!c.toCold) {
        database.reset();
        database = openDatabase(dir_.path());
        ASSERT_TRUE(database->moveSegments("events", {target}, MoveTarget::kCold).ok()) << context;
        database.reset();
        database = openDatabase(dir_.path(), testOptions(), tuning);
      }
      auto moved = database->moveSegments("events", {target}, c.toCold ? MoveTarget::kCold : MoveTarget::kWarm);
      EXPECT_EQ(moved.status().code(), absl::StatusCode::kUnavailable) << context << ": " << moved.status();
      SegmentInfo info = *database->segmentInfo(target);
      EXPECT_EQ(info.location, c.toCold ? SegmentLocation::kLocal : SegmentLocation::kObjectStore) << context;
      EXPECT_EQ(tableRows(*database), expected_) << context;
    }
    expectConsistent(dir_.path(), expected_, context);
    auto database = openDatabase(dir_.path());
    ASSERT_TRUE(database->moveSegments("events", {target}, MoveTarget::kWarm).ok()) << context;
    database->runTieringPass();
  }
}

TEST_F(TieringTest, SweepKeepsOtherDatabasesObjects) {
  auto database = openDatabase(dir_.path());
  ASSERT_TRUE(database->objectStore().put("0000000000000000/events/seg_000000000001.seg", "x").ok());
  ASSERT_TRUE(database->objectStore().put(database->objectKey("events", "seg_999999999999"), "orphan").ok());
  auto swept = database->sweepObjectStore();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(objectKeys(database->objectStore()),
            std::vector<std::string>{"0000000000000000/events/seg_000000000001.seg"});
}

}  // namespace
}  // namespace furl::storage
