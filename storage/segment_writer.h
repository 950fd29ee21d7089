#pragma once

// Segment file format, version 2. One file per segment, written once and
// never changed. All integers are little-endian; "string" is a u32 byte
// length followed by the bytes. docs/segment-format.md gives the reasons
// behind each choice.
//
//   offset 0      header, 16 bytes
//                   char[8] magic "FURLSEG\0"
//                   u32     format version (2)
//                   u32     flags (0; readers reject other values)
//   offset 16     column chunks, in column order. A column chunk is the
//                 column's dictionary blocks (strings only) followed by its
//                 data blocks in block order. Blocks are stored back to back
//                 without framing; the footer holds their offsets.
//   footerStart   footer, footerLength bytes (below)
//   end - 32      tail, 32 bytes, read first:
//                   u64     footerLength
//                   u64     footer checksum: XXH3-64 (seed 0) of the footer
//                   u32     format version (2)
//                   u32     reserved (0)
//                   char[8] magic "FURLSEG\0"
//
// Footer:
//   u64 numRows
//   u32 blockRows          rows per block; only the last block may be shorter
//   u32 numBlocks
//   u32 numColumns
//   u32 rowCount[numBlocks]   rows of each block, the same for every column
//   per column:
//     string name
//     u8  typeId            furl::TypeId value (16, HLLSketch, since version 2)
//     u8  nullable          0 or 1
//     u8  encoding          0 = plain values, 1 = dictionary codes (String),
//                           2 = length-prefixed bytes (HLLSketch, since
//                           version 2)
//     u8  codeWidth         bytes per stored code: 1, 2 or 4 (0 when plain)
//     when encoding = 1:
//       u32 dictionarySize  entries in the column's dictionary
//       u32 numDictionaryBlocks
//       per dictionary block: BlockRef, u32 numEntries
//     per data block: BlockRef, BlockStats
//
//   BlockRef:   u64 offset (from the file start), u32 storedSize,
//               u32 rawSize (after decompression), u8 codec (0 none,
//               1 LZ4, 2 Zstandard), u64 checksum (XXH3-64 of the stored
//               bytes)
//   BlockStats: u32 nullCount, u8 hasMinMax (0 when the block holds no
//               non-NULL value), then when hasMinMax = 1 the min and the max:
//               i64 for signed integers, Bool, Date and timestamps (Date as
//               days, timestamps as ms), u64 for unsigned integers, f64 for
//               floats, string for strings; never for HLLSketch
//
// Raw data block (what the stored bytes decompress to):
//   u64 validity[ceil(rows / 64)]   only when nullCount > 0; bit i of word
//                                   i / 64 is 1 when row i is valid
//   values                          encoding 0: rows × physical width
//                                   (Bool: one byte, 0 or 1); encoding 1:
//                                   rows × codeWidth dictionary codes; NULL
//                                   rows hold 0. Encoding 2: u32
//                                   length[rows], then the values' bytes
//                                   back to back; NULL rows have length 0
//
// Raw dictionary block:
//   u32 length[numEntries], then the entries' bytes back to back. Entries
//   across a column's dictionary blocks are distinct and in strictly
//   ascending byte order, so code order is value order. A column with rows
//   but no non-NULL value gets the single entry "" so that code 0, stored for
//   NULL rows, is always in range.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/column.h"
#include "storage/codec.h"
#include "storage/segment.h"

namespace furl::storage {

/// The version SegmentWriter writes. SegmentReader also reads version 1,
/// which is version 2 without HLLSketch columns and encoding 2.
inline constexpr uint32_t kSegmentFormatVersion = 2;
inline constexpr uint32_t kOldestSegmentFormatVersion = 1;

struct SegmentWriterOptions {
  /// Rows per block, 1..kMaxBlockRows.
  uint32_t blockRows = 16384;
  /// Codec of data blocks. LZ4 by default, because every scan reads data
  /// blocks and LZ4's design favours decoding speed over compression ratio.
  Codec codec = Codec::kLz4;
  /// Per-column overrides of `codec`, by column name.
  std::map<std::string, Codec> columnCodecs;
  /// Codec of string dictionary blocks. Zstandard by default: a dictionary is
  /// read once per segment and column, and text compresses better with it.
  Codec dictionaryCodec = Codec::kZstd;
  int zstdLevel = 3;
  /// Columns to sort rows by, first key first; ascending, NULLs first.
  std::vector<std::string> sortKey;
  /// Raw bytes after which a new dictionary block starts.
  size_t dictionaryBlockBytes = size_t{1} << 20;
};

inline constexpr uint32_t kMaxBlockRows = uint32_t{1} << 20;

struct SegmentWriteResult {
  uint64_t numRows = 0;
  uint64_t sizeBytes = 0;
  size_t numBlocks = 0;
  /// Statistics of each column over the whole segment (numRows saturates
  /// at UINT32_MAX).
  std::vector<BlockStats> columnStats;
};

/// Buffers rows in memory and writes them as one segment file.
///
/// Usage: append() batches, then finish() once. The writer keeps the
/// appended columns alive until finish() returns; it copies nothing before
/// finish(). Not thread-safe.
class SegmentWriter {
 public:
  SegmentWriter(std::vector<SegmentColumn> columns, SegmentWriterOptions options = {});
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  /// Adds the live rows of `batch`. Columns may be flat, constant or
  /// dictionary-encoded and must match the schema in count, type id and
  /// size. Errors: InvalidArgument for a mismatch or a NULL in a column that
  /// is not nullable.
  absl::Status append(const Batch& batch);

  uint64_t numRows() const { return numRows_; }

  /// Sorts the rows by the sort key, encodes them and writes the file at
  /// `path`: first as `path.tmp`, then fsync, rename and fsync of the
  /// directory, so `path` either does not exist or is complete. A failed
  /// finish() removes the temporary file.
  absl::StatusOr<SegmentWriteResult> finish(const std::string& path);

 private:
  std::vector<SegmentColumn> columns_;
  SegmentWriterOptions options_;
  std::vector<Batch> batches_;
  uint64_t numRows_ = 0;
  bool finished_ = false;
};

}  // namespace furl::storage
