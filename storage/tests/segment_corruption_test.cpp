// Damaged segment files: every flipped byte and every truncation must give
// an error or the original data, never a crash or different values.

#include <gtest/gtest.h>

#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "storage/tests/test_util.h"

namespace furl::storage {
namespace {

using testing::readFile;
using testing::Row;
using testing::TempDir;
using testing::writeFile;

/// Outcome of reading a whole (possibly damaged) segment file.
struct ReadOutcome {
  absl::Status status;
  std::vector<Row> rows;
};

ReadOutcome readEverything(const std::string& path) {
  ReadOutcome outcome;
  auto reader = SegmentReader::open(path);
  if (!reader.ok()) {
    outcome.status = reader.status();
    return outcome;
  }
  const SegmentReader& segment = **reader;
  for (size_t b = 0; b < segment.numBlocks(); ++b) {
    std::vector<ColumnPtr> columns;
    for (size_t c = 0; c < segment.columns().size(); ++c) {
      auto column = segment.readBlock(c, b);
      if (!column.ok()) {
        outcome.status = column.status();
        return outcome;
      }
      columns.push_back(*column);
    }
    for (size_t r = 0; r < segment.blockRows(b); ++r) {
      Row row;
      for (const ColumnPtr& column : columns) row.push_back(column->getValue(r));
      outcome.rows.push_back(std::move(row));
    }
  }
  return outcome;
}

class SegmentCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<DataType> types = {DataType(TypeId::kInt64), DataType(TypeId::kString, true),
                                   DataType(TypeId::kFloat64, true), DataType(TypeId::kDateTime64)};
    std::vector<Row> rows;
    for (int i = 0; i < 300; ++i) {
      rows.push_back({Value::int64(i * 37 % 1000),
                      i % 9 == 0 ? Value::null(TypeId::kString) : Value::string("name-" + std::to_string(i % 23)),
                      i % 4 == 0 ? Value::null(TypeId::kFloat64) : Value::float64(i * 0.25),
                      Value::timestampMs(1'700'000'000'000 + i * 1000)});
    }
    SegmentWriterOptions options;
    options.blockRows = 100;
    options.columnCodecs["f"] = Codec::kZstd;
    options.columnCodecs["t"] = Codec::kNone;
    SegmentWriter writer({{"i", types[0]}, {"s", types[1]}, {"f", types[2]}, {"t", types[3]}}, options);
    ASSERT_TRUE(writer.append(testing::makeBatch(types, rows)).ok());
    original_ = dir_.file("original.seg");
    auto result = writer.finish(original_);
    ASSERT_TRUE(result.ok()) << result.status();
    bytes_ = readFile(original_);
    ReadOutcome clean = readEverything(original_);
    ASSERT_TRUE(clean.status.ok()) << clean.status;
    expected_ = clean.rows;
    ASSERT_EQ(expected_.size(), 300u);
  }

  /// Checks that `outcome` is an error naming the file or the original rows.
  void expectErrorOrOriginal(const ReadOutcome& outcome, const std::string& path, const std::string& context) {
    if (!outcome.status.ok()) {
      EXPECT_TRUE(absl::IsDataLoss(outcome.status)) << context << ": " << outcome.status;
      EXPECT_NE(outcome.status.message().find(path), std::string::npos) << context << ": " << outcome.status;
      return;
    }
    ASSERT_EQ(outcome.rows.size(), expected_.size()) << context;
    for (size_t r = 0; r < expected_.size(); ++r) {
      for (size_t c = 0; c < expected_[r].size(); ++c) {
        ASSERT_TRUE(testing::sameValue(outcome.rows[r][c], expected_[r][c]))
            << context << ": row " << r << " column " << c << " is " << outcome.rows[r][c].toString()
            << ", expected " << expected_[r][c].toString();
      }
    }
  }

  TempDir dir_;
  std::string original_;
  std::string bytes_;
  std::vector<Row> expected_;
};

TEST_F(SegmentCorruptionTest, FlippedBytesGiveErrorOrOriginalData) {
  std::string path = dir_.file("damaged.seg");
  size_t errors = 0;
  // One flip per offset; the mask rotates so that low, high and all bits
  // are each flipped in every region of the file.
  constexpr uint8_t kMasks[] = {0x01, 0x80, 0xff};
  for (size_t offset = 0; offset < bytes_.size(); ++offset) {
    uint8_t mask = kMasks[offset % 3];
    std::string damaged = bytes_;
    damaged[offset] = static_cast<char>(damaged[offset] ^ mask);
    writeFile(path, damaged);
    ReadOutcome outcome = readEverything(path);
    if (!outcome.status.ok()) ++errors;
    expectErrorOrOriginal(outcome, path, "offset " + std::to_string(offset) + " mask " + std::to_string(mask));
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Every byte of a version 1 file is covered by a checksum or validated,
  // so every flip is detected.
  EXPECT_EQ(errors, bytes_.size());
}

TEST_F(SegmentCorruptionTest, BlockErrorNamesColumnAndBlock) {
  // The first data block starts right after the 16-byte header: column 'i'
  // block 0.
  std::string damaged = bytes_;
  damaged[20] = static_cast<char>(damaged[20] ^ 0x55);
  std::string path = dir_.file("block.seg");
  writeFile(path, damaged);
  auto reader = SegmentReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto block = (*reader)->readBlock(0, 0);
  ASSERT_TRUE(absl::IsDataLoss(block.status())) << block.status();
  EXPECT_NE(block.status().message().find(path), std::string::npos) << block.status();
  EXPECT_NE(block.status().message().find("column 'i' block 0"), std::string::npos) << block.status();
  EXPECT_TRUE((*reader)->readBlock(0, 1).ok());
}

TEST_F(SegmentCorruptionTest, TruncatedFilesGiveErrors) {
  std::string path = dir_.file("truncated.seg");
  for (size_t length = 0; length < bytes_.size(); ++length) {
    writeFile(path, bytes_.substr(0, length));
    ReadOutcome outcome = readEverything(path);
    ASSERT_FALSE(outcome.status.ok()) << "length " << length;
    expectErrorOrOriginal(outcome, path, "length " + std::to_string(length));
  }
}

TEST_F(SegmentCorruptionTest, AppendedBytesGiveErrors) {
  std::string path = dir_.file("appended.seg");
  writeFile(path, bytes_ + std::string(7, 'x'));
  ReadOutcome outcome = readEverything(path);
  EXPECT_TRUE(absl::IsDataLoss(outcome.status)) << outcome.status;
}

TEST_F(SegmentCorruptionTest, MissingFileIsNotFound) {
  auto reader = SegmentReader::open(dir_.file("absent.seg"));
  EXPECT_TRUE(absl::IsNotFound(reader.status())) << reader.status();
}

}  // namespace
}  // namespace furl::storage
