#include "storage/segment_reader.h"

#include <bit>
#include <cstring>
#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/segment_writer.h"

namespace furl::storage {

namespace {

using segment_format::BlockRef;

/// `where` is the source's description ("segment file <path>", "object ...").
absl::Status fileError(const std::string& where, const std::string& detail) {
  return absl::DataLossError(absl::StrCat(where, ": ", detail));
}

/// Adds the file, column and block to a lower-level error, keeping its code.
absl::Status annotate(const absl::Status& status, const std::string& where) {
  return absl::Status(status.code(), absl::StrCat(where, ": ", status.message()));
}

/// Raw bytes of the validity bitmap that precedes a block's values.
size_t validityBytes(uint32_t rows, uint32_t nullCount) {
  return nullCount > 0 ? segment_format::validityWords(rows) * sizeof(uint64_t) : 0;
}

/// Copies a stored validity bitmap into `column` and checks that it marks
/// exactly `nullCount` rows NULL.
bool applyValidity(const char* words, uint32_t rows, uint32_t nullCount, Column& column) {
  size_t numWords = segment_format::validityWords(rows);
  std::vector<uint64_t> stored(numWords);
  std::memcpy(stored.data(), words, numWords * sizeof(uint64_t));
  uint64_t valid = 0;
  for (size_t w = 0; w < numWords; ++w) {
    size_t bitsInWord = std::min<size_t>(64, rows - w * 64);
    uint64_t mask = bitsInWord == 64 ? ~uint64_t{0} : ((uint64_t{1} << bitsInWord) - 1);
    stored[w] &= mask;
    valid += static_cast<uint64_t>(std::popcount(stored[w]));
  }
  if (valid + nullCount != rows) return false;

  std::vector<uint64_t>& bits = column.mutableValidity();
  if (bits.size() == numWords) {
    // Keep whatever the column keeps in the bits past the last row.
    for (size_t w = 0; w < numWords; ++w) {
      size_t bitsInWord = std::min<size_t>(64, rows - w * 64);
      uint64_t mask = bitsInWord == 64 ? ~uint64_t{0} : ((uint64_t{1} << bitsInWord) - 1);
      bits[w] = (bits[w] & ~mask) | stored[w];
    }
  } else {
    for (uint32_t i = 0; i < rows; ++i) {
      if (((stored[i >> 6] >> (i & 63)) & 1) == 0) column.setNull(i);
    }
  }
  return true;
}

/// Builds a flat column from the lengths and bytes of a bytes-encoded block,
/// whose lengths start at `lengthsOffset` in `buffer`. The column keeps the
/// buffer alive instead of copying the bytes.
absl::StatusOr<ColumnPtr> decodeBytesBlock(DataType type, uint32_t rows, std::shared_ptr<const std::string> buffer,
                                           size_t lengthsOffset, const std::string& where) {
  const char* base = buffer->data();
  const char* lengths = base + lengthsOffset;
  size_t cursor = lengthsOffset + size_t{rows} * sizeof(uint32_t);
  ColumnPtr result = Column::makeFlat(type, rows);
  auto* views = result->data<std::string_view>();
  for (uint32_t i = 0; i < rows; ++i) {
    uint32_t length = 0;
    std::memcpy(&length, lengths + size_t{i} * sizeof(uint32_t), sizeof(length));
    if (length > buffer->size() - cursor) {
      return absl::DataLossError(absl::StrCat(where, ": value ", i, " runs past the block end"));
    }
    views[i] = std::string_view(base + cursor, length);
    cursor += length;
  }
  if (cursor != buffer->size()) {
    return absl::DataLossError(absl::StrCat(where, ": ", buffer->size() - cursor, " bytes follow the last value"));
  }
  result->keepAlive(std::move(buffer));
  return result;
}

}  // namespace

SegmentReader::SegmentReader(std::shared_ptr<SegmentSource> source, std::string id)
    : source_(std::move(source)), id_(std::move(id)) {}

absl::StatusOr<std::shared_ptr<SegmentReader>> SegmentReader::open(const std::string& path, std::string id) {
  FURL_ASSIGN_OR_RETURN(auto source, openFileSource(path));
  if (id.empty()) id = std::filesystem::path(path).stem().string();
  return open(std::move(source), std::move(id), nullptr);
}

absl::StatusOr<std::shared_ptr<SegmentReader>> SegmentReader::open(std::shared_ptr<SegmentSource> source,
                                                                   std::string id, ReadStats* stats) {
  using segment_format::kHeaderBytes;
  using segment_format::kMagic;
  using segment_format::kTailBytes;

  std::shared_ptr<SegmentReader> reader(new SegmentReader(std::move(source), std::move(id)));
  const SegmentSource& file = *reader->source_;
  const std::string where = file.describe();
  uint64_t fileSize = file.sizeBytes();
  if (fileSize < kHeaderBytes + kTailBytes) {
    return fileError(where, absl::StrCat("truncated: ", fileSize, " bytes is shorter than header and tail"));
  }

  // Header and tail, in one call so that an object store fetches both at once.
  std::vector<std::string> pieces;
  FURL_RETURN_IF_ERROR(file.readRanges({{0, kHeaderBytes}, {fileSize - kTailBytes, kTailBytes}}, pieces, stats));
  const std::string& header = pieces[0];
  const std::string& tail = pieces[1];
  std::string_view magic(header.data(), kMagic.size());
  ByteReader headerReader(std::string_view(header.data() + kMagic.size(), kHeaderBytes - kMagic.size()));
  uint32_t version = 0;
  uint32_t flags = 0;
  headerReader.getU32(version);
  headerReader.getU32(flags);
  if (magic != kMagic) return fileError(where, "bad magic in header; not a Furl segment file");
  if (version < kOldestSegmentFormatVersion || version > kSegmentFormatVersion) {
    return fileError(where, absl::StrCat("format version ", version, " is not supported; this build reads versions ",
                                         kOldestSegmentFormatVersion, " to ", kSegmentFormatVersion,
                                         ", so the file was written by a newer Furl or is damaged"));
  }
  reader->formatVersion_ = version;
  if (flags != 0) return fileError(where, absl::StrCat("unknown header flags ", flags));

  ByteReader tailReader(std::string_view(tail.data(), kTailBytes));
  uint64_t footerLength = 0;
  uint64_t footerChecksum = 0;
  uint32_t tailVersion = 0;
  uint32_t reserved = 0;
  tailReader.getU64(footerLength);
  tailReader.getU64(footerChecksum);
  tailReader.getU32(tailVersion);
  tailReader.getU32(reserved);
  if (std::string_view(tail.data() + kTailBytes - kMagic.size(), kMagic.size()) != kMagic) {
    return fileError(where, "bad magic in tail; the file is truncated or not a Furl segment file");
  }
  if (tailVersion != version || reserved != 0) {
    return fileError(where, absl::StrCat("tail version ", tailVersion, " does not match header version ", version));
  }
  if (footerLength > fileSize - kHeaderBytes - kTailBytes) {
    return fileError(where, absl::StrCat("footer length ", footerLength, " exceeds the file size ", fileSize));
  }

  // Footer.
  uint64_t footerStart = fileSize - kTailBytes - footerLength;
  FURL_RETURN_IF_ERROR(file.readRanges({{footerStart, footerLength}}, pieces, stats));
  const std::string& footer = pieces[0];
  uint64_t actualChecksum = checksum64(footer);
  if (actualChecksum != footerChecksum) {
    return fileError(where, absl::StrFormat("footer checksum mismatch (stored %016x, computed %016x)", footerChecksum,
                                            actualChecksum));
  }
  FURL_RETURN_IF_ERROR(reader->parseFooter(footer, footerStart));
  return reader;
}

absl::Status SegmentReader::parseFooter(std::string_view footer, uint64_t footerStart) {
  const std::string path = source_->describe();
  ByteReader in(footer);
  auto malformed = [&](const std::string& detail) {
    return fileError(path, absl::StrCat("malformed footer at byte ", in.position(), ": ", detail));
  };
  auto checkRef = [&](const BlockRef& ref) {
    return ref.offset >= segment_format::kHeaderBytes && ref.offset <= footerStart &&
           ref.storedSize <= footerStart - ref.offset && (ref.codec != Codec::kNone || ref.storedSize == ref.rawSize);
  };

  // Row layout.
  uint32_t blockRows = 0;
  uint32_t numBlocks = 0;
  uint32_t numColumns = 0;
  if (!in.getU64(numRows_) || !in.getU32(blockRows) || !in.getU32(numBlocks) || !in.getU32(numColumns)) {
    return malformed("short row layout");
  }
  if (blockRows == 0 || blockRows > kMaxBlockRows) return malformed(absl::StrCat("block size ", blockRows));
  if (!in.canHold(numBlocks, sizeof(uint32_t))) return malformed(absl::StrCat("block count ", numBlocks));
  blockRowCounts_.resize(numBlocks);
  uint64_t totalRows = 0;
  for (uint32_t b = 0; b < numBlocks; ++b) {
    in.getU32(blockRowCounts_[b]);
    uint32_t rows = blockRowCounts_[b];
    if (rows == 0 || rows > blockRows || (rows < blockRows && b + 1 != numBlocks)) {
      return malformed(absl::StrCat("block ", b, " has ", rows, " rows"));
    }
    totalRows += rows;
  }
  if (totalRows != numRows_) return malformed(absl::StrCat("blocks hold ", totalRows, " rows, not ", numRows_));

  // Columns.
  if (!in.canHold(numColumns, 8)) return malformed(absl::StrCat("column count ", numColumns));
  columns_.resize(numColumns);
  meta_.resize(numColumns);
  dictionaries_.resize(numColumns);
  for (uint32_t c = 0; c < numColumns; ++c) {
    SegmentColumn& column = columns_[c];
    ColumnMeta& meta = meta_[c];
    uint8_t typeId = 0;
    uint8_t nullable = 0;
    uint8_t encoding = 0;
    if (!in.getString(column.name) || !in.getU8(typeId) || !in.getU8(nullable) || !in.getU8(encoding) ||
        !in.getU8(meta.codeWidth)) {
      return malformed(absl::StrCat("short column ", c));
    }
    // Version 2 added HLLSketch (type 16) and its bytes encoding.
    TypeId lastType = formatVersion_ >= 2 ? TypeId::kHllSketch : TypeId::kString;
    if (typeId == static_cast<uint8_t>(TypeId::kNull) || typeId > static_cast<uint8_t>(lastType) || nullable > 1) {
      return malformed(absl::StrCat("column '", column.name, "' has type id ", typeId, " nullable ", nullable,
                                    " in a version ", formatVersion_, " file"));
    }
    column.type = DataType(static_cast<TypeId>(typeId), nullable == 1);
    bool isString = column.type.id == TypeId::kString;
    if (encoding != segment_format::encodingFor(column.type.id)) {
      return malformed(absl::StrCat("column '", column.name, "' has encoding ", encoding));
    }
    meta.encoding = encoding;

    if (isString) {
      dictionaries_[c] = std::make_unique<DictionarySlot>();
      uint32_t numDictionaryBlocks = 0;
      if (!in.getU32(meta.dictionarySize) || !in.getU32(numDictionaryBlocks)) {
        return malformed(absl::StrCat("short dictionary of column '", column.name, "'"));
      }
      if (meta.codeWidth != segment_format::codeWidthFor(meta.dictionarySize) ||
          (numRows_ > 0 && meta.dictionarySize == 0)) {
        return malformed(absl::StrCat("column '", column.name, "' has code width ", meta.codeWidth,
                                      " for a dictionary of ", meta.dictionarySize));
      }
      if (!in.canHold(numDictionaryBlocks, segment_format::kBlockRefBytes + 4)) {
        return malformed(absl::StrCat("dictionary block count ", numDictionaryBlocks));
      }
      meta.dictionaryBlocks.resize(numDictionaryBlocks);
      uint64_t entries = 0;
      for (DictionaryBlockMeta& block : meta.dictionaryBlocks) {
        if (!segment_format::getBlockRef(in, block.ref) || !in.getU32(block.numEntries) || !checkRef(block.ref) ||
            uint64_t{block.numEntries} * sizeof(uint32_t) > block.ref.rawSize) {
          return malformed(absl::StrCat("bad dictionary block of column '", column.name, "'"));
        }
        entries += block.numEntries;
      }
      if (entries != meta.dictionarySize) {
        return malformed(absl::StrCat("dictionary blocks of column '", column.name, "' hold ", entries,
                                      " entries, not ", meta.dictionarySize));
      }
    } else if (meta.codeWidth != 0) {
      return malformed(absl::StrCat("plain column '", column.name, "' has code width ", meta.codeWidth));
    }

    bool isBytes = encoding == segment_format::kEncodingBytes;
    size_t width = isString ? meta.codeWidth : (isBytes ? sizeof(uint32_t) : physicalWidth(column.type.id));
    if (!in.canHold(numBlocks, segment_format::kBlockRefBytes + 5)) {
      return malformed(absl::StrCat("short block list of column '", column.name, "'"));
    }
    meta.blocks.resize(numBlocks);
    for (uint32_t b = 0; b < numBlocks; ++b) {
      BlockMeta& block = meta.blocks[b];
      uint8_t hasMinMax = 0;
      uint32_t rows = blockRowCounts_[b];
      if (!segment_format::getBlockRef(in, block.ref) || !in.getU32(block.stats.nullCount) ||
          !in.getU8(hasMinMax) || !checkRef(block.ref)) {
        return malformed(absl::StrCat("bad block ", b, " of column '", column.name, "'"));
      }
      block.stats.numRows = rows;
      uint32_t nullCount = block.stats.nullCount;
      if (nullCount > rows || (nullCount > 0 && !column.type.nullable) || hasMinMax > 1 ||
          (hasMinMax == 1 && (nullCount == rows || isBytes))) {
        return malformed(absl::StrCat("block ", b, " of column '", column.name, "' has ", nullCount, " NULLs in ",
                                      rows, " rows"));
      }
      // A bytes block holds its values after the lengths, so its raw size
      // is only bounded below here; readBlock() checks the lengths.
      uint64_t fixedBytes = validityBytes(rows, nullCount) + uint64_t{rows} * width;
      if (isBytes ? block.ref.rawSize < fixedBytes : block.ref.rawSize != fixedBytes) {
        return malformed(absl::StrCat("block ", b, " of column '", column.name, "' has raw size ", block.ref.rawSize));
      }
      if (hasMinMax == 1) {
        if (!segment_format::getStatValue(in, column.type.id, block.stats.min) ||
            !segment_format::getStatValue(in, column.type.id, block.stats.max)) {
          return malformed(absl::StrCat("short statistics in block ", b, " of column '", column.name, "'"));
        }
      } else {
        block.stats.min = Value::null(column.type.id);
        block.stats.max = Value::null(column.type.id);
      }
    }
  }
  if (in.remaining() != 0) return malformed(absl::StrCat(in.remaining(), " bytes left over"));
  return absl::OkStatus();
}

std::string SegmentReader::describe(size_t column, const std::string& part) const {
  return absl::StrCat(source_->describe(), ": column '", columns_[column].name, "' ", part);
}

absl::Status SegmentReader::verifyStored(const BlockRef& ref, const std::string& stored) const {
  uint64_t actual = checksum64(stored);
  if (actual != ref.checksum) {
    return absl::DataLossError(
        absl::StrFormat("checksum mismatch (stored %016x, computed %016x)", ref.checksum, actual));
  }
  return absl::OkStatus();
}

absl::Status SegmentReader::decodeRaw(const BlockRef& ref, std::string& stored, std::string& raw) const {
  FURL_RETURN_IF_ERROR(verifyStored(ref, stored));
  if (ref.codec == Codec::kNone) {
    raw = std::move(stored);
    return absl::OkStatus();
  }
  raw.resize(ref.rawSize);
  return decompressBlock(ref.codec, stored, raw.data(), raw.size());
}

absl::StatusOr<std::shared_ptr<const StringDictionary>> SegmentReader::dictionary(size_t column) const {
  if (column >= columns_.size() || dictionaries_[column] == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment ", id_, " has no string column with index ", column, " (", columns_.size(), " columns)"));
  }
  DictionarySlot& slot = *dictionaries_[column];
  std::lock_guard<std::mutex> lock(slot.mutex);
  if (slot.dictionary == nullptr) {
    std::vector<ByteRange> ranges;
    for (const DictionaryBlockMeta& block : meta_[column].dictionaryBlocks) {
      ranges.push_back({block.ref.offset, block.ref.storedSize});
    }
    std::vector<std::string> stored;
    absl::Status status = source_->readRanges(ranges, stored, nullptr);
    if (!status.ok()) return annotate(status, describe(column, "dictionary"));
    FURL_ASSIGN_OR_RETURN(slot.dictionary, decodeDictionary(column, stored));
  }
  return slot.dictionary;
}

absl::StatusOr<std::shared_ptr<const StringDictionary>> SegmentReader::decodeDictionary(
    size_t column, std::vector<std::string>& stored) const {
  const ColumnMeta& meta = meta_[column];

  // One buffer holds every raw dictionary block; entries are views into it.
  // NOTE: rawSize is trusted once the footer checksum matches, so a crafted
  // file can make this allocate up to 4 GiB per dictionary block.
  uint64_t totalRaw = 0;
  for (const DictionaryBlockMeta& block : meta.dictionaryBlocks) totalRaw += block.ref.rawSize;
  auto buffer = std::make_shared<std::string>();
  buffer->reserve(totalRaw);
  auto dictionary = std::make_shared<StringDictionary>();
  dictionary->values.reserve(meta.dictionarySize);

  std::string raw;
  for (size_t k = 0; k < meta.dictionaryBlocks.size(); ++k) {
    const DictionaryBlockMeta& block = meta.dictionaryBlocks[k];
    std::string where = describe(column, absl::StrCat("dictionary block ", k));
    absl::Status status = decodeRaw(block.ref, stored[k], raw);
    if (!status.ok()) return annotate(status, where);

    size_t start = buffer->size();
    buffer->append(raw);
    const char* base = buffer->data() + start;
    size_t lengthsBytes = size_t{block.numEntries} * sizeof(uint32_t);
    size_t cursor = lengthsBytes;
    for (uint32_t e = 0; e < block.numEntries; ++e) {
      uint32_t length = 0;
      std::memcpy(&length, base + e * sizeof(uint32_t), sizeof(length));
      if (length > raw.size() - cursor) {
        return absl::DataLossError(absl::StrCat(where, ": entry ", e, " runs past the block end"));
      }
      std::string_view entry(base + cursor, length);
      if (!dictionary->values.empty() && !(dictionary->values.back() < entry)) {
        return absl::DataLossError(absl::StrCat(where, ": entry ", e, " is out of order"));
      }
      dictionary->values.push_back(entry);
      cursor += length;
    }
    if (cursor != raw.size()) {
      return absl::DataLossError(absl::StrCat(where, ": ", raw.size() - cursor, " bytes follow the last entry"));
    }
  }
  dictionary->keepAlive = std::move(buffer);
  dictionary->sorted = true;  // checked entry by entry above
  return std::shared_ptr<const StringDictionary>(std::move(dictionary));
}

absl::StatusOr<ColumnPtr> SegmentReader::readBlock(size_t column, size_t block) const {
  std::vector<ColumnPtr> out;
  FURL_RETURN_IF_ERROR(readBlocks({column}, block, out, nullptr));
  return std::move(out[0]);
}

absl::Status SegmentReader::readBlocks(const std::vector<size_t>& columns, size_t block, std::vector<ColumnPtr>& out,
                                       ReadStats* stats) const {
  for (size_t column : columns) {
    if (column >= columns_.size() || block >= blockRowCounts_.size()) {
      return absl::InvalidArgumentError(absl::StrCat("segment ", id_, " has no column ", column, " block ", block,
                                                     " (", columns_.size(), " columns, ", blockRowCounts_.size(),
                                                     " blocks)"));
    }
  }

  // Collect every range to read: the data blocks, and the dictionary blocks
  // of string columns whose dictionary is not loaded yet.
  std::vector<ByteRange> ranges;
  std::vector<std::shared_ptr<const StringDictionary>> dictionaries(columns.size());
  std::vector<size_t> firstDictionaryRange(columns.size(), SIZE_MAX);
  for (size_t i = 0; i < columns.size(); ++i) {
    size_t column = columns[i];
    if (dictionaries_[column] == nullptr) continue;
    DictionarySlot& slot = *dictionaries_[column];
    {
      std::lock_guard<std::mutex> lock(slot.mutex);
      dictionaries[i] = slot.dictionary;
    }
    if (dictionaries[i] != nullptr) continue;
    firstDictionaryRange[i] = ranges.size();
    for (const DictionaryBlockMeta& dictionaryBlock : meta_[column].dictionaryBlocks) {
      ranges.push_back({dictionaryBlock.ref.offset, dictionaryBlock.ref.storedSize});
    }
  }
  size_t firstDataRange = ranges.size();
  for (size_t column : columns) {
    const BlockRef& ref = meta_[column].blocks[block].ref;
    ranges.push_back({ref.offset, ref.storedSize});
  }

  std::vector<std::string> stored;
  absl::Status status = source_->readRanges(ranges, stored, stats);
  if (!status.ok()) return annotate(status, absl::StrCat("segment ", id_, " block ", block));
  lastAccessMs_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count(),
                      std::memory_order_relaxed);

  // Dictionaries first: a racing reader may have loaded one meanwhile.
  for (size_t i = 0; i < columns.size(); ++i) {
    if (firstDictionaryRange[i] == SIZE_MAX) continue;
    size_t column = columns[i];
    DictionarySlot& slot = *dictionaries_[column];
    std::lock_guard<std::mutex> lock(slot.mutex);
    if (slot.dictionary == nullptr) {
      size_t count = meta_[column].dictionaryBlocks.size();
      std::vector<std::string> parts(std::make_move_iterator(stored.begin() + firstDictionaryRange[i]),
                                     std::make_move_iterator(stored.begin() + firstDictionaryRange[i] + count));
      FURL_ASSIGN_OR_RETURN(slot.dictionary, decodeDictionary(column, parts));
    }
    dictionaries[i] = slot.dictionary;
  }

  out.clear();
  out.reserve(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) {
    FURL_ASSIGN_OR_RETURN(ColumnPtr column, decodeBlock(columns[i], block, stored[firstDataRange + i], dictionaries[i]));
    out.push_back(std::move(column));
  }
  return absl::OkStatus();
}

absl::StatusOr<ColumnPtr> SegmentReader::decodeBlock(size_t column, size_t block, std::string& stored,
                                                     std::shared_ptr<const StringDictionary> dictionary) const {
  const SegmentColumn& def = columns_[column];
  const ColumnMeta& meta = meta_[column];
  const BlockMeta& blockMeta = meta.blocks[block];
  uint32_t rows = blockRowCounts_[block];
  uint32_t nullCount = blockMeta.stats.nullCount;
  std::string where = describe(column, absl::StrCat("block ", block));

  if (meta.encoding == segment_format::kEncodingPlain && nullCount == 0) {
    // Plain values without NULLs: decompress straight into the column.
    absl::Status status = verifyStored(blockMeta.ref, stored);
    if (status.ok()) {
      ColumnPtr result = Column::makeFlat(def.type, rows);
      status = decompressBlock(blockMeta.ref.codec, stored, result->data<char>(), blockMeta.ref.rawSize);
      if (status.ok()) return result;
    }
    return annotate(status, where);
  }

  // Shared, because a bytes-encoded column keeps the block buffer alive.
  auto rawBuffer = std::make_shared<std::string>();
  std::string& raw = *rawBuffer;
  absl::Status status = decodeRaw(blockMeta.ref, stored, raw);
  if (!status.ok()) return annotate(status, where);
  const char* values = raw.data() + validityBytes(rows, nullCount);

  ColumnPtr result;
  if (dictionary != nullptr) {
    result = Column::makeDictionary(def.type, dictionary, rows);
    uint32_t* codes = result->codes();
    uint32_t limit = static_cast<uint32_t>(dictionary->values.size());
    uint32_t bad = 0;
    auto decode = [&]<typename Code>() {
      for (uint32_t i = 0; i < rows; ++i) {
        Code code;
        std::memcpy(&code, values + size_t{i} * sizeof(Code), sizeof(Code));
        codes[i] = code;
        bad |= code >= limit ? 1 : 0;
      }
    };
    switch (meta.codeWidth) {
      case 1:
        decode.template operator()<uint8_t>();
        break;
      case 2:
        decode.template operator()<uint16_t>();
        break;
      default:
        decode.template operator()<uint32_t>();
        break;
    }
    if (bad != 0) {
      return absl::DataLossError(absl::StrCat(where, ": a code is outside the dictionary of ", limit, " entries"));
    }
  } else if (meta.encoding == segment_format::kEncodingBytes) {
    FURL_ASSIGN_OR_RETURN(result, decodeBytesBlock(def.type, rows, rawBuffer, validityBytes(rows, nullCount), where));
  } else {
    result = Column::makeFlat(def.type, rows);
    size_t width = physicalWidth(def.type.id);
    if (rows > 0) std::memcpy(result->data<char>(), values, size_t{rows} * width);
  }
  if (nullCount > 0 && !applyValidity(raw.data(), rows, nullCount, *result)) {
    return absl::DataLossError(absl::StrCat(where, ": validity bitmap does not match the NULL count ", nullCount));
  }
  return result;
}

}  // namespace furl::storage
