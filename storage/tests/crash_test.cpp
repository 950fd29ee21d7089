// Crash simulation: a child process inserts in a loop (with background
// merges) and is killed with SIGKILL at a random moment. After each kill the
// database must open, hold every insert the child saw succeed, hold each
// insert whole or not at all, and keep no orphan files.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "storage/database_impl.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::TempDir;

constexpr int kRowsPerInsert = 30;
constexpr int64_t kBaseMs = 1'704'067'200'000;  // 2024-01-01 00:00:00 UTC

const std::vector<DataType> kTypes = {DataType(TypeId::kDateTime64), DataType(TypeId::kInt64),
                                      DataType(TypeId::kString)};

TableDef crashTable() {
  TableDef def;
  def.name = "t";
  def.columns = {{"ts", kTypes[0]}, {"insert_id", kTypes[1]}, {"tag", kTypes[2]}};
  def.timeColumn = 0;
  def.segmentGranularity = Granularity::kHour;
  def.sortKey = {"tag"};
  return def;
}

StorageTuning crashTuning() {
  StorageTuning tuning;
  tuning.mergeMinSegments = 3;
  return tuning;
}

/// Rows of insert `id`, spread over three hours so that each insert writes
/// three segments in one commit.
Batch insertBatch(int64_t id) {
  std::vector<testing::Row> rows;
  for (int r = 0; r < kRowsPerInsert; ++r) {
    int64_t ts = kBaseMs + (id % 5) * 3'600'000 + (r % 3) * 3'600'000 + r;
    rows.push_back({Value::timestampMs(ts), Value::int64(id), Value::string("tag" + std::to_string(r % 4))});
  }
  return testing::makeBatch(kTypes, rows);
}

/// The child: inserts forever and reports each successful insert id on `fd`.
[[noreturn]] void runInserter(const std::string& dir, int fd, int64_t firstId) {
  DatabaseOptions options;
  options.blockRows = 8;
  options.backgroundMerge = true;
  auto database = DatabaseImpl::open(dir, options, crashTuning());
  if (!database.ok()) _exit(2);
  absl::Status created = (*database)->createTable(crashTable(), false, /*ifNotExists=*/true);
  if (!created.ok()) _exit(3);
  for (int64_t id = firstId;; ++id) {
    auto inserted = (*database)->insert("t", {insertBatch(id)});
    if (!inserted.ok()) _exit(4);
    if (::write(fd, &id, sizeof(id)) != sizeof(id)) _exit(5);
  }
}

TEST(CrashTest, KilledInserterLosesNoAcknowledgedInsert) {
  TempDir dir;
  uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::set<int64_t> acknowledged;
  int64_t nextId = 0;

  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      runInserter(dir.path(), fds[1], nextId);
    }
    ::close(fds[1]);

    // Let it run for a while, then kill it mid-flight.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int waitStatus = 0;
    ASSERT_EQ(::waitpid(child, &waitStatus, 0), child);
    ASSERT_TRUE(WIFSIGNALED(waitStatus)) << "child exited early with code " << WEXITSTATUS(waitStatus);

    int64_t id = 0;
    size_t acknowledgedThisRound = 0;
    while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) {
      acknowledged.insert(id);
      ++acknowledgedThisRound;
      nextId = std::max(nextId, id + 1);
    }
    ::close(fds[0]);
    // The insert in flight may have committed without being acknowledged;
    // skip its id so the next round's rows stay distinguishable.
    nextId += 1;

    // Reopen as a fresh process would and check every promise.
    DatabaseOptions options;
    options.backgroundMerge = false;
    auto database = DatabaseImpl::open(dir.path(), options, crashTuning());
    ASSERT_TRUE(database.ok()) << database.status();
    auto snapshot = (*database)->snapshot("t");
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    std::map<int64_t, int> rowsById;
    for (const testing::Row& row : testing::readRows(**snapshot)) ++rowsById[row[1].asInt64()];
    for (int64_t acked : acknowledged) {
      EXPECT_EQ(rowsById[acked], kRowsPerInsert) << "acknowledged insert " << acked;
    }
    for (const auto& [insertId, count] : rowsById) {
      EXPECT_EQ(count, kRowsPerInsert) << "insert " << insertId << " is partly present";
    }

    std::set<std::string> published;
    for (const SegmentInfo& info : (*snapshot)->infos) published.insert(info.id + ".seg");
    std::vector<std::string> files = testing::listFiles(dir.file("segments"));
    EXPECT_EQ(std::set<std::string>(files.begin(), files.end()), published);
    EXPECT_EQ(testing::listFiles(dir.path()), (std::vector<std::string>{"catalog", "cold", "cold-cache", "segments"}));
    std::cerr << "round " << round << ": " << acknowledgedThisRound << " inserts acknowledged, "
              << rowsById.size() << " inserts stored in " << published.size() << " segments\n";
  }
  EXPECT_FALSE(acknowledged.empty());
}

}  // namespace
}  // namespace furl::storage
