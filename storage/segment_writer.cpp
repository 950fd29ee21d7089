#include "storage/segment_writer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "storage/byte_io.h"
#include "storage/file_io.h"
#include "storage/segment_format.h"

namespace furl::storage {

namespace {

using segment_format::BlockRef;

/// One column's rows gathered from every appended batch, in input order.
struct GatheredColumn {
  /// Plain values, numRows × physical width; 8-byte words keep them aligned.
  std::vector<uint64_t> values;
  /// Dictionary codes (strings) into `dictionary`, which is sorted.
  std::vector<uint32_t> codes;
  std::vector<std::string_view> dictionary;
  /// Values of a bytes-encoded column (sketches), empty for NULL rows;
  /// views into the appended columns.
  std::vector<std::string_view> bytes;
  /// 1 for a valid row, 0 for NULL; empty when no input column had a bitmap.
  std::vector<uint8_t> valid;

  bool isValid(size_t row) const { return valid.empty() || valid[row] != 0; }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(values.data()); }
};

/// Footer entries of one column, filled while its blocks are written.
struct ColumnFooter {
  uint8_t codeWidth = 0;
  std::vector<BlockRef> dictionaryRefs;
  std::vector<uint32_t> dictionaryEntries;
  std::vector<BlockRef> blockRefs;
  std::vector<BlockStats> blockStats;
};

template <typename T>
void gatherPlain(const std::vector<Batch>& batches, size_t col, size_t numRows, GatheredColumn& out) {
  out.values.assign((numRows * sizeof(T) + 7) / 8, 0);
  T* dst = reinterpret_cast<T*>(out.values.data());
  size_t row = 0;
  for (const Batch& batch : batches) {
    const Column& column = *batch.columns[col];
    size_t n = batch.numRows;
    if (column.isConstant()) {
      T value = column.isNull(0) ? T{} : column.data<T>()[0];
      std::fill(dst + row, dst + row + n, value);
    } else if (n > 0) {
      std::memcpy(dst + row, column.data<T>(), n * sizeof(T));
    }
    if (column.mayHaveNulls()) {
      if (out.valid.empty()) out.valid.assign(numRows, 1);
      for (size_t i = 0; i < n; ++i) {
        if (column.isNull(i)) {
          out.valid[row + i] = 0;
          dst[row + i] = T{};
        }
      }
    }
    row += n;
  }
}

/// Builds the sorted dictionary and per-row codes of a string column.
/// Views in the dictionary point into the appended columns.
void gatherStrings(const std::vector<Batch>& batches, size_t col, size_t numRows, GatheredColumn& out) {
  absl::flat_hash_map<std::string_view, uint32_t> index;
  std::vector<std::string_view> distinct;
  auto intern = [&](std::string_view s) {
    auto [it, inserted] = index.try_emplace(s, static_cast<uint32_t>(distinct.size()));
    if (inserted) distinct.push_back(s);
    return it->second;
  };

  // Codes first number values in order of appearance.
  out.codes.assign(numRows, 0);
  size_t row = 0;
  for (const Batch& batch : batches) {
    const Column& column = *batch.columns[col];
    size_t n = batch.numRows;
    if (column.mayHaveNulls() && out.valid.empty()) out.valid.assign(numRows, 1);
    if (column.isDictionary()) {
      const StringDictionary& dictionary = column.dictionary();
      std::vector<int64_t> remap(dictionary.values.size(), -1);
      const uint32_t* codes = column.codes();
      for (size_t i = 0; i < n; ++i) {
        if (column.isNull(i)) {
          out.valid[row + i] = 0;
          continue;
        }
        uint32_t code = codes[i];
        if (remap[code] < 0) remap[code] = intern(dictionary.values[code]);
        out.codes[row + i] = static_cast<uint32_t>(remap[code]);
      }
    } else if (column.isConstant()) {
      if (column.isNull(0)) {
        std::fill(out.valid.begin() + row, out.valid.begin() + row + n, 0);
      } else if (n > 0) {
        uint32_t code = intern(column.stringAt(0));
        std::fill(out.codes.begin() + row, out.codes.begin() + row + n, code);
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (column.isNull(i)) {
          out.valid[row + i] = 0;
          continue;
        }
        out.codes[row + i] = intern(column.stringAt(i));
      }
    }
    row += n;
  }

  // Renumber so that code order is byte order of the values.
  std::vector<uint32_t> order(distinct.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return distinct[a] < distinct[b]; });
  std::vector<uint32_t> sortedCode(distinct.size());
  out.dictionary.resize(distinct.size());
  for (uint32_t k = 0; k < order.size(); ++k) {
    sortedCode[order[k]] = k;
    out.dictionary[k] = distinct[order[k]];
  }
  for (size_t i = 0; i < numRows; ++i) {
    out.codes[i] = out.isValid(i) ? sortedCode[out.codes[i]] : 0;
  }
  if (out.dictionary.empty() && numRows > 0) out.dictionary.push_back(std::string_view());
}

/// Collects the values of a bytes-encoded column (sketches).
void gatherBytes(const std::vector<Batch>& batches, size_t col, size_t numRows, GatheredColumn& out) {
  out.bytes.assign(numRows, std::string_view());
  size_t row = 0;
  for (const Batch& batch : batches) {
    const Column& column = *batch.columns[col];
    size_t n = batch.numRows;
    if (column.mayHaveNulls() && out.valid.empty()) out.valid.assign(numRows, 1);
    for (size_t i = 0; i < n; ++i) {
      if (column.isNull(i)) {
        out.valid[row + i] = 0;
      } else {
        out.bytes[row + i] = column.stringAt(i);
      }
    }
    row += n;
  }
}

/// Less-than that puts NaN after every number, so sorting is a strict weak order.
template <typename T>
bool lessWithNaN(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

/// Dense rank of each row's value in `column`: 0 for NULL, then 1, 2, ... in
/// ascending order, equal values sharing a rank. Sorting by ranks of several
/// columns then needs no per-type comparison.
std::vector<uint32_t> rankRows(const GatheredColumn& column, TypeId type, size_t numRows) {
  std::vector<uint32_t> rank(numRows, 0);
  if (type == TypeId::kString) {
    for (size_t i = 0; i < numRows; ++i) {
      if (column.isValid(i)) rank[i] = column.codes[i] + 1;
    }
    return rank;
  }
  dispatchPhysical(type, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string_view>) {
      const T* values = column.data<T>();
      std::vector<uint32_t> order;
      order.reserve(numRows);
      for (uint32_t i = 0; i < numRows; ++i) {
        if (column.isValid(i)) order.push_back(i);
      }
      std::sort(order.begin(), order.end(),
                [&](uint32_t a, uint32_t b) { return lessWithNaN(values[a], values[b]); });
      uint32_t current = 0;
      for (size_t k = 0; k < order.size(); ++k) {
        if (k == 0 || lessWithNaN(values[order[k - 1]], values[order[k]])) ++current;
        rank[order[k]] = current;
      }
    }
  });
  return rank;
}

void appendValidity(const GatheredColumn& column, const uint32_t* rows, size_t n, std::string& raw) {
  std::vector<uint64_t> words(segment_format::validityWords(n), 0);
  for (size_t i = 0; i < n; ++i) {
    if (column.isValid(rows[i])) words[i >> 6] |= uint64_t{1} << (i & 63);
  }
  raw.append(reinterpret_cast<const char*>(words.data()), words.size() * sizeof(uint64_t));
}

/// Encodes rows `rows[0..n)` of a plain column into `raw` and computes the
/// block statistics.
template <typename T>
void encodePlainBlock(const GatheredColumn& column, TypeId type, const uint32_t* rows, size_t n, std::string& raw,
                      BlockStats& stats) {
  const T* values = column.data<T>();
  uint32_t nullCount = 0;
  for (size_t i = 0; i < n; ++i) nullCount += column.isValid(rows[i]) ? 0 : 1;
  if (nullCount > 0) appendValidity(column, rows, n, raw);

  size_t start = raw.size();
  raw.resize(start + n * sizeof(T));
  char* out = raw.data() + start;
  bool found = false;
  bool sawNaN = false;
  T minValue{};
  T maxValue{};
  for (size_t i = 0; i < n; ++i) {
    T value = values[rows[i]];
    std::memcpy(out + i * sizeof(T), &value, sizeof(T));
    if (!column.isValid(rows[i])) continue;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(value)) {
        sawNaN = true;
        continue;
      }
    }
    if (!found || value < minValue) minValue = value;
    if (!found || value > maxValue) maxValue = value;
    found = true;
  }

  stats.numRows = static_cast<uint32_t>(n);
  stats.nullCount = nullCount;
  if (found) {
    stats.min = segment_format::statValue(type, minValue);
    stats.max = segment_format::statValue(type, maxValue);
  } else if (sawNaN) {
    // NaN has no place in the order, so a block of only NaN claims the
    // whole range rather than none: no range filter may skip it by mistake.
    stats.min = Value::float64(-std::numeric_limits<double>::infinity(), type);
    stats.max = Value::float64(std::numeric_limits<double>::infinity(), type);
  } else {
    stats.min = Value::null(type);
    stats.max = Value::null(type);
  }
}

void encodeCodeBlock(const GatheredColumn& column, uint8_t codeWidth, const uint32_t* rows, size_t n,
                     std::string& raw, BlockStats& stats) {
  uint32_t nullCount = 0;
  for (size_t i = 0; i < n; ++i) nullCount += column.isValid(rows[i]) ? 0 : 1;
  if (nullCount > 0) appendValidity(column, rows, n, raw);

  size_t start = raw.size();
  raw.resize(start + n * codeWidth);
  char* out = raw.data() + start;
  bool found = false;
  uint32_t minCode = 0;
  uint32_t maxCode = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t code = column.codes[rows[i]];
    std::memcpy(out + i * codeWidth, &code, codeWidth);  // the low bytes: little-endian
    if (!column.isValid(rows[i])) continue;
    if (!found || code < minCode) minCode = code;
    if (!found || code > maxCode) maxCode = code;
    found = true;
  }

  stats.numRows = static_cast<uint32_t>(n);
  stats.nullCount = nullCount;
  if (found) {
    stats.min = Value::string(std::string(column.dictionary[minCode]));
    stats.max = Value::string(std::string(column.dictionary[maxCode]));
  } else {
    stats.min = Value::null(TypeId::kString);
    stats.max = Value::null(TypeId::kString);
  }
}

/// Encodes rows `rows[0..n)` of a bytes-encoded column: validity, u32
/// lengths, then the bytes. Such columns keep no min/max.
absl::Status encodeBytesBlock(const GatheredColumn& column, TypeId type, const uint32_t* rows, size_t n,
                              std::string& raw, BlockStats& stats) {
  uint32_t nullCount = 0;
  for (size_t i = 0; i < n; ++i) nullCount += column.isValid(rows[i]) ? 0 : 1;
  if (nullCount > 0) appendValidity(column, rows, n, raw);

  size_t lengthsAt = raw.size();
  raw.resize(lengthsAt + n * sizeof(uint32_t));
  for (size_t i = 0; i < n; ++i) {
    std::string_view value = column.bytes[rows[i]];
    if (value.size() > std::numeric_limits<uint32_t>::max() / 2) {
      return absl::InvalidArgumentError(absl::StrCat("value of ", value.size(), " bytes is too long"));
    }
    uint32_t length = static_cast<uint32_t>(value.size());
    std::memcpy(raw.data() + lengthsAt + i * sizeof(uint32_t), &length, sizeof(length));
    raw.append(value);
  }

  stats.numRows = static_cast<uint32_t>(n);
  stats.nullCount = nullCount;
  stats.min = Value::null(type);
  stats.max = Value::null(type);
  return absl::OkStatus();
}

void putStats(ByteWriter& out, TypeId type, const BlockStats& stats) {
  out.putU32(stats.nullCount);
  bool hasMinMax = !stats.min.isNull();
  out.putU8(hasMinMax ? 1 : 0);
  if (hasMinMax) {
    segment_format::putStatValue(out, type, stats.min);
    segment_format::putStatValue(out, type, stats.max);
  }
}

void mergeStats(BlockStats& total, const BlockStats& block) {
  total.numRows = static_cast<uint32_t>(
      std::min<uint64_t>(uint64_t{total.numRows} + block.numRows, std::numeric_limits<uint32_t>::max()));
  total.nullCount += block.nullCount;
  if (block.min.isNull()) return;
  if (total.min.isNull() || block.min.compare(total.min) < 0) total.min = block.min;
  if (total.max.isNull() || block.max.compare(total.max) > 0) total.max = block.max;
}

/// Writes blocks to the file and records where they went.
class BlockSink {
 public:
  BlockSink(WritableFile& file, int zstdLevel) : file_(file), zstdLevel_(zstdLevel) {}

  /// Compresses and writes one raw block. Falls back to storing it
  /// uncompressed when the codec does not make it smaller.
  absl::StatusOr<BlockRef> write(Codec codec, const std::string& raw) {
    if (raw.size() > std::numeric_limits<uint32_t>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("block of ", raw.size(), " bytes exceeds the 4 GiB limit of the segment format"));
    }
    std::string_view stored = raw;
    if (codec != Codec::kNone) {
      FURL_RETURN_IF_ERROR(compressBlock(codec, zstdLevel_, raw, compressed_));
      if (compressed_.size() < raw.size()) {
        stored = compressed_;
      } else {
        codec = Codec::kNone;
      }
    }
    BlockRef ref;
    ref.offset = file_.sizeBytes();
    ref.storedSize = static_cast<uint32_t>(stored.size());
    ref.rawSize = static_cast<uint32_t>(raw.size());
    ref.codec = codec;
    ref.checksum = checksum64(stored);
    FURL_RETURN_IF_ERROR(file_.append(stored));
    return ref;
  }

 private:
  WritableFile& file_;
  int zstdLevel_;
  std::string compressed_;
};

absl::Status writeDictionary(BlockSink& sink, Codec codec, size_t blockBytes,
                             const std::vector<std::string_view>& dictionary, ColumnFooter& footer) {
  std::string raw;
  size_t first = 0;
  size_t bytes = 0;
  auto flush = [&](size_t end) -> absl::Status {
    raw.clear();
    for (size_t k = first; k < end; ++k) {
      uint32_t length = static_cast<uint32_t>(dictionary[k].size());
      raw.append(reinterpret_cast<const char*>(&length), sizeof(length));
    }
    for (size_t k = first; k < end; ++k) raw.append(dictionary[k]);
    FURL_ASSIGN_OR_RETURN(BlockRef ref, sink.write(codec, raw));
    footer.dictionaryRefs.push_back(ref);
    footer.dictionaryEntries.push_back(static_cast<uint32_t>(end - first));
    first = end;
    bytes = 0;
    return absl::OkStatus();
  };
  for (size_t k = 0; k < dictionary.size(); ++k) {
    if (dictionary[k].size() > std::numeric_limits<uint32_t>::max() / 2) {
      return absl::InvalidArgumentError(absl::StrCat("string of ", dictionary[k].size(), " bytes is too long"));
    }
    if (k > first && bytes + dictionary[k].size() > blockBytes) FURL_RETURN_IF_ERROR(flush(k));
    bytes += dictionary[k].size() + sizeof(uint32_t);
  }
  if (first < dictionary.size()) FURL_RETURN_IF_ERROR(flush(dictionary.size()));
  return absl::OkStatus();
}

}  // namespace

SegmentWriter::SegmentWriter(std::vector<SegmentColumn> columns, SegmentWriterOptions options)
    : columns_(std::move(columns)), options_(std::move(options)) {}

absl::Status SegmentWriter::append(const Batch& input) {
  if (finished_) return absl::FailedPreconditionError("append after finish on a segment writer");
  Batch batch = input.sel ? input.compact() : input;
  if (batch.columns.size() != columns_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch has ", batch.columns.size(), " columns, the segment schema has ", columns_.size()));
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    const SegmentColumn& def = columns_[c];
    const ColumnPtr& column = batch.columns[c];
    if (column == nullptr) return absl::InvalidArgumentError(absl::StrCat("column '", def.name, "' is missing"));
    if (column->type().id != def.type.id) {
      return absl::InvalidArgumentError(absl::StrCat("column '", def.name, "' has type ", column->type().toString(),
                                                     ", expected ", def.type.toString()));
    }
    if (column->size() != batch.numRows) {
      return absl::InvalidArgumentError(absl::StrCat("column '", def.name, "' has ", column->size(),
                                                     " rows, the batch has ", batch.numRows));
    }
    if (def.type.id == TypeId::kHllSketch && column->isDictionary()) {
      return absl::InvalidArgumentError(
          absl::StrCat("column '", def.name, "' of type HLLSketch is dictionary-encoded; sketches never are"));
    }
    if (column->isDictionary() && def.type.id != TypeId::kString) {
      return absl::InvalidArgumentError(
          absl::StrCat("column '", def.name, "' is dictionary-encoded but has type ", def.type.toString()));
    }
    if (!def.type.nullable && column->mayHaveNulls()) {
      size_t n = column->isConstant() ? std::min<size_t>(1, batch.numRows) : batch.numRows;
      for (size_t i = 0; i < n; ++i) {
        if (column->isNull(i)) {
          return absl::InvalidArgumentError(
              absl::StrCat("column '", def.name, "' of type ", def.type.toString(), " got NULL in row ", i,
                           "; declare it Nullable(", std::string(typeName(def.type.id)), ") to store NULL"));
        }
      }
    }
  }
  if (numRows_ + batch.numRows > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("a segment has at most ", std::numeric_limits<uint32_t>::max(),
                                                   " rows; split the input into several segments"));
  }
  numRows_ += batch.numRows;
  batches_.push_back(std::move(batch));
  return absl::OkStatus();
}

absl::StatusOr<SegmentWriteResult> SegmentWriter::finish(const std::string& path) {
  if (finished_) return absl::FailedPreconditionError("finish called twice on a segment writer");
  finished_ = true;
  if (options_.blockRows == 0 || options_.blockRows > kMaxBlockRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("block size of ", options_.blockRows, " rows is out of range 1..", kMaxBlockRows));
  }
  for (const SegmentColumn& column : columns_) {
    if (column.type.id == TypeId::kNull) {
      return absl::InvalidArgumentError(absl::StrCat("column '", column.name, "' has type Nothing (kNull)"));
    }
  }
  const size_t numRows = numRows_;

  // Gather every column into one contiguous run.
  std::vector<GatheredColumn> gathered(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    TypeId type = columns_[c].type.id;
    if (type == TypeId::kString) {
      gatherStrings(batches_, c, numRows, gathered[c]);
    } else if (type == TypeId::kHllSketch) {
      gatherBytes(batches_, c, numRows, gathered[c]);
    } else {
      dispatchPhysical(type, [&]<typename T>() {
        if constexpr (!std::is_same_v<T, std::string_view>) gatherPlain<T>(batches_, c, numRows, gathered[c]);
      });
    }
  }

  // Row order: by the sort key ranks, ties kept in input order.
  std::vector<uint32_t> order(numRows);
  std::iota(order.begin(), order.end(), 0);
  if (!options_.sortKey.empty()) {
    std::vector<std::vector<uint32_t>> ranks;
    for (const std::string& name : options_.sortKey) {
      auto it = std::find_if(columns_.begin(), columns_.end(), [&](const SegmentColumn& c) { return c.name == name; });
      if (it == columns_.end()) {
        return absl::InvalidArgumentError(absl::StrCat("sort key column '", name, "' is not in the segment schema"));
      }
      size_t c = static_cast<size_t>(it - columns_.begin());
      if (columns_[c].type.id == TypeId::kHllSketch) {
        return absl::InvalidArgumentError(
            absl::StrCat("sort key column '", name, "' has type HLLSketch, which has no order"));
      }
      ranks.push_back(rankRows(gathered[c], columns_[c].type.id, numRows));
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      for (const auto& rank : ranks) {
        if (rank[a] != rank[b]) return rank[a] < rank[b];
      }
      return false;
    });
  }

  // Block boundaries, shared by every column.
  std::vector<uint32_t> blockRowCounts;
  for (size_t start = 0; start < numRows; start += options_.blockRows) {
    blockRowCounts.push_back(static_cast<uint32_t>(std::min<size_t>(options_.blockRows, numRows - start)));
  }

  std::string tempPath = path + ".tmp";
  auto fileOr = WritableFile::create(tempPath);
  if (!fileOr.ok()) return fileOr.status();
  std::unique_ptr<WritableFile> file = std::move(*fileOr);

  SegmentWriteResult result;
  result.numRows = numRows;
  result.numBlocks = blockRowCounts.size();
  result.columnStats.resize(columns_.size());

  auto writeAll = [&]() -> absl::Status {
    ByteWriter header;
    header.putBytes(segment_format::kMagic.data(), segment_format::kMagic.size());
    header.putU32(kSegmentFormatVersion);
    header.putU32(0);
    FURL_RETURN_IF_ERROR(file->append(header.buffer()));

    // Column chunks.
    BlockSink sink(*file, options_.zstdLevel);
    std::vector<ColumnFooter> footers(columns_.size());
    std::string raw;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const SegmentColumn& column = columns_[c];
      const GatheredColumn& data = gathered[c];
      ColumnFooter& footer = footers[c];
      Codec codec = options_.codec;
      if (auto it = options_.columnCodecs.find(column.name); it != options_.columnCodecs.end()) codec = it->second;
      uint8_t encoding = segment_format::encodingFor(column.type.id);
      bool isString = encoding == segment_format::kEncodingDictionary;
      if (isString) {
        footer.codeWidth = segment_format::codeWidthFor(data.dictionary.size());
        FURL_RETURN_IF_ERROR(writeDictionary(sink, options_.dictionaryCodec, options_.dictionaryBlockBytes,
                                             data.dictionary, footer));
      }
      size_t start = 0;
      for (uint32_t rows : blockRowCounts) {
        raw.clear();
        BlockStats stats;
        const uint32_t* blockOrder = order.data() + start;
        if (isString) {
          encodeCodeBlock(data, footer.codeWidth, blockOrder, rows, raw, stats);
        } else if (encoding == segment_format::kEncodingBytes) {
          FURL_RETURN_IF_ERROR(encodeBytesBlock(data, column.type.id, blockOrder, rows, raw, stats));
        } else {
          dispatchPhysical(column.type.id, [&]<typename T>() {
            if constexpr (!std::is_same_v<T, std::string_view>) {
              encodePlainBlock<T>(data, column.type.id, blockOrder, rows, raw, stats);
            }
          });
        }
        FURL_ASSIGN_OR_RETURN(BlockRef ref, sink.write(codec, raw));
        footer.blockRefs.push_back(ref);
        mergeStats(result.columnStats[c], stats);
        footer.blockStats.push_back(std::move(stats));
        start += rows;
      }
    }

    // Footer and tail.
    ByteWriter out;
    out.putU64(numRows);
    out.putU32(options_.blockRows);
    out.putU32(static_cast<uint32_t>(blockRowCounts.size()));
    out.putU32(static_cast<uint32_t>(columns_.size()));
    for (uint32_t rows : blockRowCounts) out.putU32(rows);
    for (size_t c = 0; c < columns_.size(); ++c) {
      const SegmentColumn& column = columns_[c];
      const ColumnFooter& footer = footers[c];
      uint8_t encoding = segment_format::encodingFor(column.type.id);
      bool isString = encoding == segment_format::kEncodingDictionary;
      out.putString(column.name);
      out.putU8(static_cast<uint8_t>(column.type.id));
      out.putU8(column.type.nullable ? 1 : 0);
      out.putU8(encoding);
      out.putU8(footer.codeWidth);
      if (isString) {
        out.putU32(static_cast<uint32_t>(gathered[c].dictionary.size()));
        out.putU32(static_cast<uint32_t>(footer.dictionaryRefs.size()));
        for (size_t k = 0; k < footer.dictionaryRefs.size(); ++k) {
          segment_format::putBlockRef(out, footer.dictionaryRefs[k]);
          out.putU32(footer.dictionaryEntries[k]);
        }
      }
      for (size_t b = 0; b < footer.blockRefs.size(); ++b) {
        segment_format::putBlockRef(out, footer.blockRefs[b]);
        putStats(out, column.type.id, footer.blockStats[b]);
      }
    }
    std::string footerBytes = out.take();
    ByteWriter tail;
    tail.putU64(footerBytes.size());
    tail.putU64(checksum64(footerBytes));
    tail.putU32(kSegmentFormatVersion);
    tail.putU32(0);
    tail.putBytes(segment_format::kMagic.data(), segment_format::kMagic.size());
    FURL_RETURN_IF_ERROR(file->append(footerBytes));
    FURL_RETURN_IF_ERROR(file->append(tail.buffer()));

    // Durability: data, then the name.
    FURL_RETURN_IF_ERROR(file->sync());
    result.sizeBytes = file->sizeBytes();
    FURL_RETURN_IF_ERROR(file->close());
    return renameDurably(tempPath, path);
  };

  absl::Status status = writeAll();
  if (!status.ok()) {
    file.reset();
    removeFile(tempPath).IgnoreError();
    return status;
  }
  batches_.clear();
  return result;
}

}  // namespace furl::storage
