#pragma once

// Reads segment files written by SegmentWriter (format versions 1 and 2, layout at
// the top of storage/segment_writer.h).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/codec.h"
#include "storage/file_io.h"
#include "storage/segment.h"
#include "storage/segment_format.h"
#include "storage/segment_source.h"

namespace furl::storage {

/// A segment file opened for reading, from a local file, memory or an
/// object store (storage/segment_source.h).
///
/// open() reads and validates the header, tail and footer; column blocks are
/// read on request from the source, so every method is thread-safe. Each
/// block's checksum is verified on every read. A string column's dictionary
/// is read once, on first use, and then shared by every block read from it.
///
/// Corruption and truncation give DataLoss. The message names the file or
/// object, and for block data also the column and block. Failed system
/// calls give the code absl derives from errno; object stores give theirs.
class SegmentReader final : public Segment {
 public:
  /// Opens the local file `path`. `id` defaults to the file name without
  /// its extension.
  static absl::StatusOr<std::shared_ptr<SegmentReader>> open(const std::string& path, std::string id = {});

  /// Opens the segment in `source`: the header and tail in one
  /// readRanges() call, then the footer.
  static absl::StatusOr<std::shared_ptr<SegmentReader>> open(std::shared_ptr<SegmentSource> source, std::string id,
                                                             ReadStats* stats);

  const std::string& id() const override { return id_; }
  const std::vector<SegmentColumn>& columns() const override { return columns_; }
  uint64_t numRows() const override { return numRows_; }
  size_t numBlocks() const override { return blockRowCounts_.size(); }
  uint32_t blockRows(size_t block) const override { return blockRowCounts_.at(block); }
  const BlockStats& blockStats(size_t column, size_t block) const override {
    return meta_.at(column).blocks.at(block).stats;
  }
  absl::StatusOr<ColumnPtr> readBlock(size_t column, size_t block) const override;
  absl::Status readBlocks(const std::vector<size_t>& columns, size_t block, std::vector<ColumnPtr>& out,
                          ReadStats* stats) const override;
  uint64_t compressedBytes(size_t column, size_t block) const override {
    return meta_.at(column).blocks.at(block).ref.storedSize;
  }
  void removeOnRelease() const override { source_->removeOnRelease(); }
  std::string_view tier() const override { return source_->tier(); }
  std::string location() const override { return source_->location(); }
  int64_t lastAccessMs() const override { return lastAccessMs_.load(std::memory_order_relaxed); }

  /// The dictionary of string column `column`, read and verified on the
  /// first call. Returns InvalidArgument for a column that is not a string.
  absl::StatusOr<std::shared_ptr<const StringDictionary>> dictionary(size_t column) const;

  /// Codec the block was stored with (kNone when compression did not pay).
  Codec blockCodec(size_t column, size_t block) const { return meta_.at(column).blocks.at(block).ref.codec; }

  uint64_t fileSizeBytes() const { return source_->sizeBytes(); }
  const std::shared_ptr<SegmentSource>& source() const { return source_; }

 private:
  struct BlockMeta {
    segment_format::BlockRef ref;
    BlockStats stats;
  };
  struct DictionaryBlockMeta {
    segment_format::BlockRef ref;
    uint32_t numEntries = 0;
  };
  struct ColumnMeta {
    uint8_t encoding = 0;  // segment_format::kEncoding*
    uint8_t codeWidth = 0;
    uint32_t dictionarySize = 0;
    std::vector<DictionaryBlockMeta> dictionaryBlocks;
    std::vector<BlockMeta> blocks;
  };
  /// The lazily loaded dictionary of one string column.
  struct DictionarySlot {
    std::mutex mutex;
    std::shared_ptr<const StringDictionary> dictionary;
  };

  SegmentReader(std::shared_ptr<SegmentSource> source, std::string id);
  absl::Status parseFooter(std::string_view footer, uint64_t footerStart);
  /// Builds the dictionary of `column` from its stored dictionary blocks.
  absl::StatusOr<std::shared_ptr<const StringDictionary>> decodeDictionary(size_t column,
                                                                            std::vector<std::string>& stored) const;
  /// Verifies the checksum of one stored block.
  absl::Status verifyStored(const segment_format::BlockRef& ref, const std::string& stored) const;
  /// Verifies and decompresses one stored block into `raw`.
  absl::Status decodeRaw(const segment_format::BlockRef& ref, std::string& stored, std::string& raw) const;
  /// Decodes data block `block` of `column` from its stored bytes.
  absl::StatusOr<ColumnPtr> decodeBlock(size_t column, size_t block, std::string& stored,
                                        std::shared_ptr<const StringDictionary> dictionary) const;
  std::string describe(size_t column, const std::string& part) const;

  std::shared_ptr<SegmentSource> source_;
  std::string id_;
  uint32_t formatVersion_ = 0;
  std::vector<SegmentColumn> columns_;
  uint64_t numRows_ = 0;
  std::vector<uint32_t> blockRowCounts_;
  std::vector<ColumnMeta> meta_;
  std::vector<std::unique_ptr<DictionarySlot>> dictionaries_;
  mutable std::atomic<int64_t> lastAccessMs_{0};
};

}  // namespace furl::storage
