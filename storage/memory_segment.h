#pragma once

// MemorySegment: an immutable segment whose blocks are column vectors in
// memory, used for the rows an ingestion source holds before it persists
// them (docs/hot-segments.md). Blocks are shared and copied on write: a
// writer that changes one block builds a new MemoryBlock for it and a new
// MemorySegment that shares every other block with the previous one. A
// query that holds the previous segment keeps reading the old blocks.

#include <memory>
#include <string>
#include <vector>

#include "storage/database.h"
#include "storage/segment.h"

namespace furl::storage {

/// One block of a MemorySegment: equally long flat columns and their stats.
/// Immutable once built.
struct MemoryBlock {
  uint32_t numRows = 0;
  std::vector<ColumnPtr> columns;
  std::vector<BlockStats> stats;  // parallel to columns
  uint64_t memoryBytes = 0;

  /// Builds a block from `columns` (flat, numRows rows each) and computes
  /// min, max and NULL count of every column as SegmentWriter does.
  static std::shared_ptr<const MemoryBlock> make(std::vector<ColumnPtr> columns, uint32_t numRows);
};

/// Statistics of a flat column, as SegmentWriter computes them: NaN is
/// ignored, a block of only NaN claims the whole range, and sketch columns
/// get a NULL count but no min or max.
BlockStats computeBlockStats(const Column& column);

class MemorySegment final : public Segment {
 public:
  /// `blocks` must all have `columns.size()` columns of those types.
  MemorySegment(std::string id, std::vector<SegmentColumn> columns,
                std::vector<std::shared_ptr<const MemoryBlock>> blocks);

  const std::string& id() const override { return id_; }
  const std::vector<SegmentColumn>& columns() const override { return columns_; }
  uint64_t numRows() const override { return numRows_; }
  size_t numBlocks() const override { return blocks_.size(); }
  uint32_t blockRows(size_t block) const override { return blocks_[block]->numRows; }
  const BlockStats& blockStats(size_t column, size_t block) const override {
    return blocks_[block]->stats[column];
  }
  /// Returns the block's column itself (flat); callers must not change it.
  absl::StatusOr<ColumnPtr> readBlock(size_t column, size_t block) const override {
    return blocks_[block]->columns[column];
  }
  uint64_t compressedBytes(size_t column, size_t block) const override;
  /// Rows of Kafka ingestion not yet persisted to a segment file.
  std::string_view tier() const override { return "hot"; }
  std::string location() const override { return "memory"; }

  const std::vector<std::shared_ptr<const MemoryBlock>>& blocks() const { return blocks_; }
  /// The segment's rows as batches, one per block, for writing it to a file.
  std::vector<Batch> batches() const;

  /// SegmentInfo for a table whose time column is `timeColumn` (or -1),
  /// with min and max time taken from the block stats.
  SegmentInfo info(const TableDef& def, int64_t chunkStartMs) const;

 private:
  std::string id_;
  std::vector<SegmentColumn> columns_;
  std::vector<std::shared_ptr<const MemoryBlock>> blocks_;
  uint64_t numRows_ = 0;
};

}  // namespace furl::storage
