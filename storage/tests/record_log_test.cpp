#include "storage/record_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::TempDir;

std::vector<std::string> numbered(int begin, int end, size_t padBytes = 0) {
  std::vector<std::string> records;
  for (int i = begin; i < end; ++i) records.push_back("record-" + std::to_string(i) + std::string(padBytes, 'x'));
  return records;
}

std::vector<std::string> readAll(const RecordLog& log) {
  auto records = log.readCommitted();
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *records : std::vector<std::string>{};
}

size_t filesIn(const std::string& dir) {
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) count += entry.is_regular_file() ? 1 : 0;
  return count;
}

TEST(RecordLogTest, CommittedRecordsAreRead) {
  TempDir dir;
  auto log = RecordLog::open(dir.file("log"), {}, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(readAll(**log).empty());

  auto first = (*log)->stage(numbered(0, 3));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(readAll(**log).empty()) << "staged records are not visible before the commit";
  (*log)->finish(true);
  EXPECT_EQ(numbered(0, 3), readAll(**log));

  auto second = (*log)->stage(numbered(3, 5));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->file, second->file);
  EXPECT_GT(second->endOffset, first->endOffset);
  (*log)->finish(true);
  EXPECT_EQ(numbered(0, 5), readAll(**log));
}

TEST(RecordLogTest, FailedCommitRollsBack) {
  TempDir dir;
  auto log = RecordLog::open(dir.file("log"), {}, 1 << 20);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->stage(numbered(0, 2)).ok());
  (*log)->finish(true);
  RecordLogPosition before = (*log)->committed();

  ASSERT_TRUE((*log)->stage(numbered(2, 4)).ok());
  (*log)->finish(false);
  EXPECT_EQ(before, (*log)->committed());
  EXPECT_EQ(numbered(0, 2), readAll(**log));
  EXPECT_EQ(before.endOffset, std::filesystem::file_size(dir.file("log/1.rlog")));

  ASSERT_TRUE((*log)->stage(numbered(4, 5)).ok());
  (*log)->finish(true);
  std::vector<std::string> expected = numbered(0, 2);
  expected.push_back("record-4");
  EXPECT_EQ(expected, readAll(**log));
}

TEST(RecordLogTest, ReopenCutsUncommittedRecords) {
  TempDir dir;
  RecordLogPosition committed;
  {
    auto log = RecordLog::open(dir.file("log"), {}, 1 << 20);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage(numbered(0, 3)).ok());
    (*log)->finish(true);
    committed = (*log)->committed();
    // A crash after stage() and before the catalog commit.
    ASSERT_TRUE((*log)->stage(numbered(3, 6)).ok());
  }
  auto reopened = RecordLog::open(dir.file("log"), committed, 1 << 20);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(numbered(0, 3), readAll(**reopened));
  EXPECT_EQ(committed.endOffset, std::filesystem::file_size(dir.file("log/1.rlog")));
}

TEST(RecordLogTest, RotationKeepsNewestWithinLimit) {
  TempDir dir;
  constexpr uint64_t kMaxBytes = 4096;
  auto log = RecordLog::open(dir.file("log"), {}, kMaxBytes);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE((*log)->stage(numbered(i, i + 1, 40)).ok()) << "record " << i;
    (*log)->finish(true);
    ASSERT_LE((*log)->committed().endOffset, kMaxBytes) << "after record " << i;
    ASSERT_EQ(1u, filesIn(dir.file("log"))) << "after record " << i;
  }
  std::vector<std::string> records = readAll(**log);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(numbered(199, 200, 40).front(), records.back());
  // The kept records are the newest ones, in order, without gaps.
  std::vector<std::string> expected = numbered(200 - static_cast<int>(records.size()), 200, 40);
  EXPECT_EQ(expected, records);
  EXPECT_GT(records.size(), 20u) << "a rotation keeps about half the limit";
}

TEST(RecordLogTest, ReopenAfterUncommittedRotation) {
  TempDir dir;
  constexpr uint64_t kMaxBytes = 1024;
  RecordLogPosition committed;
  {
    auto log = RecordLog::open(dir.file("log"), {}, kMaxBytes);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage(numbered(0, 10, 50)).ok());
    (*log)->finish(true);
    committed = (*log)->committed();
    auto rotated = (*log)->stage(numbered(10, 20, 50));
    ASSERT_TRUE(rotated.ok()) << rotated.status();
    ASSERT_NE(committed.file, rotated->file) << "the second stage should rotate";
  }
  EXPECT_EQ(2u, filesIn(dir.file("log")));
  auto reopened = RecordLog::open(dir.file("log"), committed, kMaxBytes);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(numbered(0, 10, 50), readAll(**reopened));
  EXPECT_EQ(1u, filesIn(dir.file("log")));
}

TEST(RecordLogTest, ReopenAfterCommittedRotation) {
  TempDir dir;
  constexpr uint64_t kMaxBytes = 1024;
  RecordLogPosition rotated;
  {
    auto log = RecordLog::open(dir.file("log"), {}, kMaxBytes);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage(numbered(0, 10, 50)).ok());
    (*log)->finish(true);
    auto staged = (*log)->stage(numbered(10, 12, 50));
    ASSERT_TRUE(staged.ok()) << staged.status();
    rotated = *staged;
    // A crash after the catalog commit and before finish() removed the old file.
  }
  auto reopened = RecordLog::open(dir.file("log"), rotated, kMaxBytes);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  std::vector<std::string> records = readAll(**reopened);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ("record-11" + std::string(50, 'x'), records.back());
  EXPECT_EQ(1u, filesIn(dir.file("log")));
}

TEST(RecordLogTest, DamagedRecordIsDataLoss) {
  TempDir dir;
  RecordLogPosition committed;
  {
    auto log = RecordLog::open(dir.file("log"), {}, 1 << 20);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage(numbered(0, 3)).ok());
    (*log)->finish(true);
    committed = (*log)->committed();
  }
  {
    std::fstream file(dir.file("log/1.rlog"), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(committed.endOffset - 2));
    file.put('!');
  }
  auto reopened = RecordLog::open(dir.file("log"), committed, 1 << 20);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(absl::StatusCode::kDataLoss, reopened.status().code()) << reopened.status();
  EXPECT_NE(std::string::npos, reopened.status().message().find("checksum")) << reopened.status();
}

TEST(RecordLogTest, ShorterFileThanCatalogIsDataLoss) {
  TempDir dir;
  auto log = RecordLog::open(dir.file("log"), RecordLogPosition{3, 100}, 1 << 20);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(absl::StatusCode::kDataLoss, log.status().code()) << log.status();
}

}  // namespace
}  // namespace furl::storage
