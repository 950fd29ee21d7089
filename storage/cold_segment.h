#pragma once

// ColdSegment: a segment in the object store, opened on first use. The
// database creates one per cold segment without any request, so opening
// the database and time pruning never touch the store; prepare() fetches
// the header, tail and footer once and keeps the parsed reader for the
// segment's lifetime. Private to furl_storage.

#include <memory>
#include <mutex>
#include <string>

#include "storage/segment.h"
#include "storage/segment_reader.h"

namespace furl::storage {

class ColdSegment final : public Segment {
 public:
  ColdSegment(std::string id, std::string table, std::shared_ptr<SegmentSource> source, uint64_t numRows)
      : id_(std::move(id)), table_(std::move(table)), source_(std::move(source)), numRows_(numRows) {}

  const std::string& id() const override { return id_; }
  uint64_t numRows() const override { return numRows_; }

  /// The accessors below require a successful prepare(); calling them
  /// earlier is a programming error and aborts the process.
  const std::vector<SegmentColumn>& columns() const override { return reader().columns(); }
  size_t numBlocks() const override { return reader().numBlocks(); }
  uint32_t blockRows(size_t block) const override { return reader().blockRows(block); }
  const BlockStats& blockStats(size_t column, size_t block) const override {
    return reader().blockStats(column, block);
  }
  uint64_t compressedBytes(size_t column, size_t block) const override {
    return reader().compressedBytes(column, block);
  }

  absl::Status prepare(ReadStats* stats) const override;
  absl::StatusOr<ColumnPtr> readBlock(size_t column, size_t block) const override;
  absl::Status readBlocks(const std::vector<size_t>& columns, size_t block, std::vector<ColumnPtr>& out,
                          ReadStats* stats) const override;

  void removeOnRelease() const override { source_->removeOnRelease(); }
  std::string_view tier() const override { return "cold"; }
  std::string location() const override { return source_->location(); }
  int64_t lastAccessMs() const override;

 private:
  const SegmentReader& reader() const;
  /// `status` with the segment, table and object in front of its message.
  absl::Status describeError(const absl::Status& status) const;

  const std::string id_;
  const std::string table_;
  const std::shared_ptr<SegmentSource> source_;
  const uint64_t numRows_;

  mutable std::mutex mutex_;
  /// Set once by prepare(); never reset, so reader() needs no lock after.
  mutable std::shared_ptr<SegmentReader> reader_;
  mutable std::atomic<bool> prepared_{false};
};

}  // namespace furl::storage
