#pragma once

// The read interface that queries use for every kind of segment: a
// persisted segment file today, an in-memory (hot) segment or a cold S3
// segment later. A segment is immutable once published.
//
// Rows are split into blocks that line up across columns: block b covers
// the same rows in every column. Blocks are the unit of reading, pruning
// (min/max per block) and parallel scanning.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"
#include "common/value.h"

namespace furl::storage {

/// Statistics of one column within one block. min and max ignore NULLs and
/// are NULL Values when the block holds no non-NULL value. For strings they
/// are the byte-wise smallest and largest values.
struct BlockStats {
  uint32_t numRows = 0;
  uint32_t nullCount = 0;
  Value min;
  Value max;
};

struct SegmentColumn {
  std::string name;
  DataType type;
};

class Segment {
 public:
  virtual ~Segment() = default;

  /// Stable id, unique within the database (also the file name stem).
  virtual const std::string& id() const = 0;
  virtual const std::vector<SegmentColumn>& columns() const = 0;
  virtual uint64_t numRows() const = 0;
  virtual size_t numBlocks() const = 0;
  virtual uint32_t blockRows(size_t block) const = 0;
  /// Statistics of `column` in `block`.
  virtual const BlockStats& blockStats(size_t column, size_t block) const = 0;

  /// Reads one column of one block. Thread-safe. String columns come back
  /// dictionary-encoded with one dictionary shared by all blocks of the
  /// segment; other types come back flat. Errors name the segment, column and
  /// block (DataLoss for corruption, Unavailable/Internal for I/O).
  virtual absl::StatusOr<ColumnPtr> readBlock(size_t column, size_t block) const = 0;

  /// Bytes the column occupies compressed in `block` (for read statistics).
  virtual uint64_t compressedBytes(size_t column, size_t block) const = 0;

  /// Index of the column called `name`, or nullopt.
  std::optional<size_t> findColumn(const std::string& name) const {
    const auto& cols = columns();
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].name == name) return i;
    }
    return std::nullopt;
  }
};

}  // namespace furl::storage
