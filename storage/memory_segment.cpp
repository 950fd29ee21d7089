#include "storage/memory_segment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "storage/segment_format.h"

namespace furl::storage {
namespace {

/// a < b in std::string_view's byte order. Up to the first 32 bytes are
/// compared as big-endian 8-byte words, which decides most pairs without a
/// memcmp call (serialized sketches, for example, differ after a shared
/// 8-byte header).
bool lessThan(std::string_view a, std::string_view b) {
  size_t common = std::min(a.size(), b.size());
  size_t offset = 0;
  for (; offset + 8 <= common && offset < 32; offset += 8) {
    uint64_t x = 0;
    uint64_t y = 0;
    std::memcpy(&x, a.data() + offset, 8);
    std::memcpy(&y, b.data() + offset, 8);
    if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y);
  }
  return a.substr(offset) < b.substr(offset);
}

template <typename T>
bool lessThan(const T& a, const T& b) {
  return a < b;
}

template <typename T>
void scanStats(const Column& column, BlockStats& stats) {
  const T* values = column.data<T>();
  size_t n = column.size();
  bool found = false;
  bool sawNaN = false;
  T minValue{};
  T maxValue{};
  for (size_t i = 0; i < n; ++i) {
    if (column.isNull(i)) {
      ++stats.nullCount;
      continue;
    }
    T value = values[i];
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(value)) {
        sawNaN = true;
        continue;
      }
    }
    if (!found || lessThan(value, minValue)) minValue = value;
    if (!found || lessThan(maxValue, value)) maxValue = value;
    found = true;
  }
  TypeId type = column.type().id;
  if (found) {
    if constexpr (std::is_same_v<T, std::string_view>) {
      stats.min = Value::string(std::string(minValue));
      stats.max = Value::string(std::string(maxValue));
    } else {
      stats.min = segment_format::statValue(type, minValue);
      stats.max = segment_format::statValue(type, maxValue);
    }
  } else if (sawNaN) {
    stats.min = Value::float64(-std::numeric_limits<double>::infinity(), type);
    stats.max = Value::float64(std::numeric_limits<double>::infinity(), type);
  } else {
    stats.min = Value::null(type);
    stats.max = Value::null(type);
  }
}

}  // namespace

BlockStats computeBlockStats(const Column& column) {
  BlockStats stats;
  stats.numRows = static_cast<uint32_t>(column.size());
  TypeId type = column.type().id;
  if (segment_format::encodingFor(type) == segment_format::kEncodingBytes) {
    // SegmentWriter keeps no min or max for byte columns (sketches), so a
    // query reads them as in a segment file, and publishing does not
    // compare every serialized sketch.
    for (size_t i = 0; i < column.size(); ++i) stats.nullCount += column.isNull(i) ? 1 : 0;
    stats.min = Value::null(type);
    stats.max = Value::null(type);
    return stats;
  }
  dispatchPhysical(column.type().id, [&]<typename T>() { scanStats<T>(column, stats); });
  return stats;
}

std::shared_ptr<const MemoryBlock> MemoryBlock::make(std::vector<ColumnPtr> columns, uint32_t numRows) {
  auto block = std::make_shared<MemoryBlock>();
  block->numRows = numRows;
  block->stats.reserve(columns.size());
  for (const ColumnPtr& column : columns) {
    block->stats.push_back(computeBlockStats(*column));
    block->memoryBytes += column->memoryBytes();
  }
  block->columns = std::move(columns);
  return block;
}

MemorySegment::MemorySegment(std::string id, std::vector<SegmentColumn> columns,
                             std::vector<std::shared_ptr<const MemoryBlock>> blocks)
    : id_(std::move(id)), columns_(std::move(columns)), blocks_(std::move(blocks)) {
  for (const auto& block : blocks_) numRows_ += block->numRows;
}

uint64_t MemorySegment::compressedBytes(size_t column, size_t block) const {
  const ColumnPtr& data = blocks_[block]->columns[column];
  return data->size() * physicalWidth(data->type().id);
}

std::vector<Batch> MemorySegment::batches() const {
  std::vector<Batch> result;
  result.reserve(blocks_.size());
  for (const auto& block : blocks_) {
    Batch batch;
    batch.numRows = block->numRows;
    batch.columns = block->columns;
    result.push_back(std::move(batch));
  }
  return result;
}

SegmentInfo MemorySegment::info(const TableDef& def, int64_t chunkStartMs) const {
  SegmentInfo info;
  info.id = id_;
  info.table = def.name;
  info.numRows = numRows_;
  for (const auto& block : blocks_) info.sizeBytes += block->memoryBytes;
  if (def.timeColumn < 0) {
    info.chunkStartMs = std::numeric_limits<int64_t>::min();
    info.chunkEndMs = std::numeric_limits<int64_t>::max();
    return info;
  }
  info.chunkStartMs = chunkStartMs;
  info.chunkEndMs = chunkEndMs(def.segmentGranularity, chunkStartMs);
  constexpr int64_t kMsPerDay = 86'400'000;
  bool isDate = def.columns[def.timeColumn].type.id == TypeId::kDate;
  bool found = false;
  for (const auto& block : blocks_) {
    const BlockStats& stats = block->stats[def.timeColumn];
    if (stats.min.isNull()) continue;
    int64_t minMs = isDate ? stats.min.asInt64() * kMsPerDay : stats.min.asInt64();
    int64_t maxMs = isDate ? stats.max.asInt64() * kMsPerDay : stats.max.asInt64();
    info.minTimeMs = found ? std::min(info.minTimeMs, minMs) : minMs;
    info.maxTimeMs = found ? std::max(info.maxTimeMs, maxMs) : maxMs;
    found = true;
  }
  return info;
}

}  // namespace furl::storage
