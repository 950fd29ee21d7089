#include "ingest/ingest_error_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace furl::ingest {
namespace {

class IngestErrorLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/furl-ingest-errors-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(pattern));
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

IngestError sampleError(int64_t offset) {
  IngestError error;
  error.wallTimeMs = 1'700'000'000'000 + offset;
  error.topic = "wikipedia";
  error.partition = 2;
  error.offset = offset;
  error.reason = "invalid_json";
  error.error = "unexpected character";
  error.raw = std::string("not json \0\xff", 12);
  error.rawBytes = 12;
  return error;
}

void expectSame(const IngestError& expected, const IngestError& actual) {
  EXPECT_EQ(expected.wallTimeMs, actual.wallTimeMs);
  EXPECT_EQ(expected.topic, actual.topic);
  EXPECT_EQ(expected.partition, actual.partition);
  EXPECT_EQ(expected.offset, actual.offset);
  EXPECT_EQ(expected.reason, actual.reason);
  EXPECT_EQ(expected.error, actual.error);
  EXPECT_EQ(expected.rawBytes, actual.rawBytes);
  EXPECT_EQ(expected.raw, actual.raw);
}

TEST_F(IngestErrorLogTest, RecordRoundTrips) {
  IngestError error = sampleError(7);
  auto decoded = decodeIngestError(encodeIngestError(error), "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  expectSame(error, *decoded);
}

TEST_F(IngestErrorLogTest, RawIsCutToLimit) {
  IngestError error = sampleError(1);
  error.raw = std::string(kMaxRawBytes + 100, 'r');
  error.rawBytes = static_cast<uint32_t>(error.raw.size());
  auto decoded = decodeIngestError(encodeIngestError(error), "test");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(kMaxRawBytes, decoded->raw.size());
  EXPECT_EQ(kMaxRawBytes + 100, decoded->rawBytes);
}

TEST_F(IngestErrorLogTest, TruncatedRecordIsRejected) {
  std::string bytes = encodeIngestError(sampleError(1));
  auto decoded = decodeIngestError(std::string_view(bytes).substr(0, bytes.size() - 1), "test");
  EXPECT_FALSE(decoded.ok());
}

TEST_F(IngestErrorLogTest, CommittedErrorsSurviveReopen) {
  std::map<std::string, std::string> properties;
  {
    auto log = IngestErrorLog::open(dir_, "events", {});
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage({sampleError(1), sampleError(2)}, properties).ok());
    (*log)->finish(true);
    // Staged but never committed: gone after the reopen.
    std::map<std::string, std::string> uncommitted;
    ASSERT_TRUE((*log)->stage({sampleError(3)}, uncommitted).ok());
  }
  ASSERT_TRUE(properties.contains(std::string(kErrorsFileProperty)));
  ASSERT_TRUE(properties.contains(std::string(kErrorsEndProperty)));

  auto reopened = IngestErrorLog::open(dir_, "events", properties);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto errors = (*reopened)->read();
  ASSERT_TRUE(errors.ok()) << errors.status();
  ASSERT_EQ(2u, errors->size());
  expectSame(sampleError(1), (*errors)[0]);
  expectSame(sampleError(2), (*errors)[1]);
}

TEST_F(IngestErrorLogTest, MissingPropertiesStartEmpty) {
  std::map<std::string, std::string> properties;
  {
    auto log = IngestErrorLog::open(dir_, "events", {});
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->stage({sampleError(1)}, properties).ok());
    (*log)->finish(true);
  }
  // A table created again has no properties: the old files go.
  auto reopened = IngestErrorLog::open(dir_, "events", {});
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto errors = (*reopened)->read();
  ASSERT_TRUE(errors.ok()) << errors.status();
  EXPECT_TRUE(errors->empty());
}

TEST_F(IngestErrorLogTest, DirectoryNameIsEscaped) {
  EXPECT_EQ("/d/ingest_errors/wiki_1-x", ingestErrorDir("/d", "wiki_1-x"));
  EXPECT_EQ("/d/ingest_errors/a%2Eb", ingestErrorDir("/d", "a.b"));
  EXPECT_EQ("/d/ingest_errors/%2E%2E%2Fetc", ingestErrorDir("/d", "../etc"));
  EXPECT_EQ("/d/ingest_errors/a%20b", ingestErrorDir("/d", "a b"));
}

}  // namespace
}  // namespace furl::ingest
