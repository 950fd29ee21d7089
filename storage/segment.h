#pragma once

// The read interface that queries use for every kind of segment: a local
// segment file (warm), one loaded in memory (hot) or an object in the
// object store (cold). A segment is immutable once published.
//
// Rows are split into blocks that line up across columns: block b covers
// the same rows in every column. Blocks are the unit of reading, pruning
// (min/max per block) and parallel scanning.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"
#include "common/value.h"
#include "storage/segment_source.h"

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

  /// Makes block reads possible. A cold segment fetches its header, tail
  /// and footer on the first successful call; the accessors above may be
  /// used only after prepare() returned OK. Thread-safe; a failed call is
  /// retried by the next one. Errors name the segment and the cause.
  virtual absl::Status prepare(ReadStats* stats) const {
    (void)stats;
    return absl::OkStatus();
  }

  /// Reads `columns` of one block; out[i] receives columns[i]. Cold
  /// segments fetch the ranges they miss in parallel. Adds what was fetched
  /// to `stats` when not null. Errors as for readBlock().
  virtual absl::Status readBlocks(const std::vector<size_t>& columns, size_t block, std::vector<ColumnPtr>& out,
                                  ReadStats* stats) const {
    (void)stats;
    out.clear();
    for (size_t column : columns) {
      auto read = readBlock(column, block);
      if (!read.ok()) return read.status();
      out.push_back(std::move(read).value());
    }
    return absl::OkStatus();
  }

  /// Makes the release of the last reference delete the segment's stored
  /// copy (its file, or its object through the mover).
  virtual void removeOnRelease() const {}

  /// "hot", "warm" or "cold".
  virtual std::string_view tier() const { return "warm"; }
  /// The local file path, or the object store and key.
  virtual std::string location() const { return {}; }

  /// Milliseconds since the epoch of the last readBlocks() call, or 0 when
  /// no block was read since the segment was opened.
  virtual int64_t lastAccessMs() const { return 0; }

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
