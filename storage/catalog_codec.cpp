#include "storage/catalog_codec.h"

#include "absl/strings/str_cat.h"
#include "storage/byte_io.h"
#include "storage/codec.h"

namespace furl::storage {

namespace {

constexpr std::string_view kMagic{"FURLCAT\0", 8};
constexpr size_t kHeaderBytes = 32;

void putTable(ByteWriter& out, const TableDef& def) {
  out.putString(def.name);
  out.putU32(static_cast<uint32_t>(def.columns.size()));
  for (const ColumnDef& column : def.columns) {
    out.putString(column.name);
    out.putU8(static_cast<uint8_t>(column.type.id));
    out.putU8(column.type.nullable ? 1 : 0);
    out.putU8(column.lowCardinality ? 1 : 0);
  }
  out.putI32(def.timeColumn);
  out.putU8(static_cast<uint8_t>(def.segmentGranularity));
  out.putU32(static_cast<uint32_t>(def.sortKey.size()));
  for (const std::string& key : def.sortKey) out.putString(key);
  out.putString(def.engine);
  out.putU32(static_cast<uint32_t>(def.settings.size()));
  for (const auto& [key, value] : def.settings) {
    out.putString(key);
    out.putString(value);
  }
  out.putString(def.createSql);
}

bool getTable(ByteReader& in, TableDef& def) {
  uint32_t numColumns = 0;
  if (!in.getString(def.name) || !in.getU32(numColumns) || !in.canHold(numColumns, 7)) return false;
  def.columns.resize(numColumns);
  for (ColumnDef& column : def.columns) {
    uint8_t typeId = 0;
    uint8_t nullable = 0;
    uint8_t lowCardinality = 0;
    if (!in.getString(column.name) || !in.getU8(typeId) || !in.getU8(nullable) || !in.getU8(lowCardinality)) {
      return false;
    }
    if (typeId > static_cast<uint8_t>(TypeId::kHllSketch) || nullable > 1 || lowCardinality > 1) return false;
    column.type = DataType(static_cast<TypeId>(typeId), nullable == 1);
    column.lowCardinality = lowCardinality == 1;
  }
  uint8_t granularity = 0;
  uint32_t numSortKeys = 0;
  if (!in.getI32(def.timeColumn) || !in.getU8(granularity) || !in.getU32(numSortKeys) ||
      !in.canHold(numSortKeys, 4)) {
    return false;
  }
  if (granularity > static_cast<uint8_t>(Granularity::kYear)) return false;
  if (def.timeColumn < -1 || def.timeColumn >= static_cast<int>(numColumns)) return false;
  def.segmentGranularity = static_cast<Granularity>(granularity);
  def.sortKey.resize(numSortKeys);
  for (std::string& key : def.sortKey) {
    if (!in.getString(key)) return false;
  }
  uint32_t numSettings = 0;
  if (!in.getString(def.engine) || !in.getU32(numSettings) || !in.canHold(numSettings, 8)) return false;
  for (uint32_t i = 0; i < numSettings; ++i) {
    std::string key;
    std::string value;
    if (!in.getString(key) || !in.getString(value)) return false;
    def.settings[std::move(key)] = std::move(value);
  }
  return in.getString(def.createSql);
}

constexpr uint32_t kCatalogFormatVersion1 = 1;

void putSegment(ByteWriter& out, const SegmentInfo& info) {
  out.putString(info.id);
  out.putString(info.table);
  out.putI64(info.chunkStartMs);
  out.putI64(info.chunkEndMs);
  out.putI64(info.minTimeMs);
  out.putI64(info.maxTimeMs);
  out.putU64(info.numRows);
  out.putU64(info.sizeBytes);
  out.putU8(static_cast<uint8_t>(info.location));
  out.putString(info.objectKey);
  out.putU64(info.fileChecksum);
  out.putU8(static_cast<uint8_t>(info.pinnedTier));
}

bool getSegment(ByteReader& in, uint32_t version, SegmentInfo& info) {
  if (!in.getString(info.id) || !in.getString(info.table) || !in.getI64(info.chunkStartMs) ||
      !in.getI64(info.chunkEndMs) || !in.getI64(info.minTimeMs) || !in.getI64(info.maxTimeMs) ||
      !in.getU64(info.numRows) || !in.getU64(info.sizeBytes)) {
    return false;
  }
  if (version == kCatalogFormatVersion1) return true;
  uint8_t location = 0;
  uint8_t pinned = 0;
  if (!in.getU8(location) || !in.getString(info.objectKey) || !in.getU64(info.fileChecksum) || !in.getU8(pinned)) {
    return false;
  }
  if (location > static_cast<uint8_t>(SegmentLocation::kObjectStore) ||
      pinned > static_cast<uint8_t>(PinnedTier::kCold)) {
    return false;
  }
  info.location = static_cast<SegmentLocation>(location);
  info.pinnedTier = static_cast<PinnedTier>(pinned);
  return info.objectKey.empty() == (info.location == SegmentLocation::kLocal);
}

}  // namespace

std::string encodeCatalog(const CatalogState& state) {
  ByteWriter payload;
  payload.putU64(state.generation);
  payload.putU64(state.nextSegmentNumber);
  payload.putString(state.databaseId);
  payload.putU32(static_cast<uint32_t>(state.tables.size()));
  for (const auto& [name, def] : state.tables) putTable(payload, def);
  payload.putU32(static_cast<uint32_t>(state.segments.size()));
  for (const auto& [id, info] : state.segments) putSegment(payload, info);
  payload.putU32(static_cast<uint32_t>(state.properties.size()));
  for (const auto& [table, values] : state.properties) {
    payload.putString(table);
    payload.putU32(static_cast<uint32_t>(values.size()));
    for (const auto& [key, value] : values) {
      payload.putString(key);
      payload.putString(value);
    }
  }

  ByteWriter out;
  out.putBytes(kMagic.data(), kMagic.size());
  out.putU32(kCatalogFormatVersion);
  out.putU32(0);
  out.putU64(payload.size());
  out.putU64(checksum64(payload.buffer()));
  out.putBytes(payload.buffer().data(), payload.size());
  return out.take();
}

absl::StatusOr<CatalogState> decodeCatalog(std::string_view bytes, const std::string& path) {
  auto corrupted = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat("catalog file ", path, ": ", what));
  };
  if (bytes.size() < kHeaderBytes || bytes.substr(0, kMagic.size()) != kMagic) {
    return corrupted("bad magic or truncated header; not a Furl catalog file");
  }
  ByteReader header(bytes.substr(kMagic.size(), kHeaderBytes - kMagic.size()));
  uint32_t version = 0;
  uint32_t reserved = 0;
  uint64_t payloadLength = 0;
  uint64_t payloadChecksum = 0;
  header.getU32(version);
  header.getU32(reserved);
  header.getU64(payloadLength);
  header.getU64(payloadChecksum);
  if ((version != kCatalogFormatVersion && version != kCatalogFormatVersion1) || reserved != 0) {
    return corrupted(absl::StrCat("format version ", version, " is not supported; this build reads versions ",
                                  kCatalogFormatVersion1, " and ", kCatalogFormatVersion));
  }
  if (payloadLength != bytes.size() - kHeaderBytes) {
    return corrupted(absl::StrCat("payload length ", payloadLength, " does not match the file size ", bytes.size()));
  }
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (checksum64(payload) != payloadChecksum) return corrupted("checksum mismatch");

  CatalogState state;
  ByteReader in(payload);
  auto malformed = [&]() { return corrupted(absl::StrCat("malformed payload at byte ", in.position())); };
  uint32_t numTables = 0;
  if (!in.getU64(state.generation) || !in.getU64(state.nextSegmentNumber) ||
      (version != kCatalogFormatVersion1 && !in.getString(state.databaseId)) || !in.getU32(numTables) ||
      !in.canHold(numTables, 8)) {
    return malformed();
  }
  for (uint32_t i = 0; i < numTables; ++i) {
    TableDef def;
    if (!getTable(in, def)) return malformed();
    std::string name = def.name;
    state.tables.emplace(std::move(name), std::move(def));
  }
  uint32_t numSegments = 0;
  if (!in.getU32(numSegments) || !in.canHold(numSegments, 56)) return malformed();
  for (uint32_t i = 0; i < numSegments; ++i) {
    SegmentInfo info;
    if (!getSegment(in, version, info)) return malformed();
    std::string id = info.id;
    state.segments.emplace(std::move(id), std::move(info));
  }
  uint32_t numPropertyTables = 0;
  if (!in.getU32(numPropertyTables) || !in.canHold(numPropertyTables, 8)) return malformed();
  for (uint32_t i = 0; i < numPropertyTables; ++i) {
    std::string table;
    uint32_t numProperties = 0;
    if (!in.getString(table) || !in.getU32(numProperties) || !in.canHold(numProperties, 8)) return malformed();
    auto& values = state.properties[table];
    for (uint32_t k = 0; k < numProperties; ++k) {
      std::string key;
      std::string value;
      if (!in.getString(key) || !in.getString(value)) return malformed();
      values[std::move(key)] = std::move(value);
    }
  }
  if (in.remaining() != 0) return corrupted(absl::StrCat(in.remaining(), " bytes follow the payload"));
  return state;
}

}  // namespace furl::storage
