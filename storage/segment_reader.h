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

namespace furl::storage {

/// A segment file opened for reading.
///
/// open() reads and validates the header, tail and footer; column blocks are
/// read on request with pread, so every method is thread-safe. Each block's
/// checksum is verified on every read. A string column's dictionary is read
/// once, on first use, and then shared by every block read from it.
///
/// Corruption and truncation give DataLoss. The message names the file, and
/// for block data also the column and block. Failed system calls give the
/// code absl derives from errno.
class SegmentReader final : public Segment {
 public:
  /// Opens `path`. `id` defaults to the file name without its extension.
  static absl::StatusOr<std::shared_ptr<SegmentReader>> open(const std::string& path, std::string id = {});

  /// Removes the file when removeFileOnRelease() was called.
  ~SegmentReader() override;

  const std::string& id() const override { return id_; }
  const std::vector<SegmentColumn>& columns() const override { return columns_; }
  uint64_t numRows() const override { return numRows_; }
  size_t numBlocks() const override { return blockRowCounts_.size(); }
  uint32_t blockRows(size_t block) const override { return blockRowCounts_.at(block); }
  const BlockStats& blockStats(size_t column, size_t block) const override {
    return meta_.at(column).blocks.at(block).stats;
  }
  absl::StatusOr<ColumnPtr> readBlock(size_t column, size_t block) const override;
  uint64_t compressedBytes(size_t column, size_t block) const override {
    return meta_.at(column).blocks.at(block).ref.storedSize;
  }

  /// The dictionary of string column `column`, read and verified on the
  /// first call. Returns InvalidArgument for a column that is not a string.
  absl::StatusOr<std::shared_ptr<const StringDictionary>> dictionary(size_t column) const;

  /// Codec the block was stored with (kNone when compression did not pay).
  Codec blockCodec(size_t column, size_t block) const { return meta_.at(column).blocks.at(block).ref.codec; }

  const std::string& path() const { return file_->path(); }
  uint64_t fileSizeBytes() const { return file_->sizeBytes(); }

  /// Makes the destructor remove the file. Used for segments that were
  /// merged away or dropped: the file stays readable for snapshots that
  /// still hold this reader and goes away with the last of them.
  void removeFileOnRelease() const { removeOnRelease_.store(true); }

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

  SegmentReader(std::unique_ptr<RandomAccessFile> file, std::string id);
  absl::Status parseFooter(std::string_view footer, uint64_t footerStart);
  absl::StatusOr<std::shared_ptr<const StringDictionary>> loadDictionary(size_t column) const;
  /// Reads one stored block into `stored` and verifies its checksum.
  absl::Status readStored(const segment_format::BlockRef& ref, std::string& stored) const;
  /// Reads, verifies and decompresses one stored block into `raw`.
  absl::Status readRaw(const segment_format::BlockRef& ref, std::string& raw) const;
  std::string describe(size_t column, const std::string& part) const;

  std::unique_ptr<RandomAccessFile> file_;
  std::string id_;
  uint32_t formatVersion_ = 0;
  std::vector<SegmentColumn> columns_;
  uint64_t numRows_ = 0;
  std::vector<uint32_t> blockRowCounts_;
  std::vector<ColumnMeta> meta_;
  std::vector<std::unique_ptr<DictionarySlot>> dictionaries_;
  mutable std::atomic<bool> removeOnRelease_{false};
};

}  // namespace furl::storage
