#pragma once

// Catalog file format, version 2. All integers little-endian; "string" is a
// u32 byte length followed by the bytes. Version 1 lacks the fields marked
// (v2); decodeCatalog() reads both, encodeCatalog() writes version 2.
//
//   char[8] magic "FURLCAT\0"
//   u32     format version (2)
//   u32     reserved (0)
//   u64     payloadLength
//   u64     payload checksum: XXH3-64 (seed 0) of the payload
//   payload:
//     u64 generation
//     u64 nextSegmentNumber
//     string databaseId (v2)
//     u32 numTables, then per table:
//       string name
//       u32 numColumns, then per column: string name, u8 typeId,
//           u8 nullable, u8 lowCardinality
//       i32 timeColumn (-1 for none)
//       u8  segmentGranularity (Granularity value)
//       u32 numSortKeys, then that many strings
//       string engine
//       u32 numSettings, then per setting: string key, string value
//       string createSql
//     u32 numSegments, then per segment:
//       string id, string table, i64 chunkStartMs, i64 chunkEndMs,
//       i64 minTimeMs, i64 maxTimeMs, u64 numRows, u64 sizeBytes,
//       u8 location (v2; 0 local, 1 object store), string objectKey (v2;
//       empty exactly when local), u64 fileChecksum (v2),
//       u8 pinnedTier (v2; 0 none, 1 warm, 2 cold)
//     u32 numPropertyTables, then per table:
//       string table, u32 numProperties, then per property: string key,
//       string value
//
// The file is valid only when its length is exactly 32 + payloadLength and
// the checksum matches; anything else is DataLoss.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/catalog.h"

namespace furl::storage {

inline constexpr uint32_t kCatalogFormatVersion = 2;

std::string encodeCatalog(const CatalogState& state);

/// Parses a catalog file; `path` only names the file in error messages.
absl::StatusOr<CatalogState> decodeCatalog(std::string_view bytes, const std::string& path);

}  // namespace furl::storage
