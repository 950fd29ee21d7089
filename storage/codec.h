#pragma once

// Block compression and checksums for segment files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace furl::storage {

/// Compression of one stored block. The numbers are stored in segment
/// footers; never renumber them.
enum class Codec : uint8_t {
  kNone = 0,
  kLz4 = 1,
  kZstd = 2,
};

std::string_view codecName(Codec codec);
/// Accepts "none", "lz4" and "zstd" in any case.
std::optional<Codec> parseCodec(std::string_view name);

/// Compresses `input` with `codec` into `out` (replacing its contents).
/// `zstdLevel` applies to kZstd only.
absl::Status compressBlock(Codec codec, int zstdLevel, std::string_view input, std::string& out);

/// Decompresses `input` into exactly `uncompressedSize` bytes at `out`.
/// Returns DataLoss when the input is malformed or decodes to another size.
/// The message states what failed but not where, so callers prefix it with
/// the file, column and block.
absl::Status decompressBlock(Codec codec, std::string_view input, char* out, size_t uncompressedSize);

/// XXH3 64-bit hash (seed 0) of stored block, footer and catalog bytes.
uint64_t checksum64(std::string_view bytes);

}  // namespace furl::storage
