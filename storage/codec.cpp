#include "storage/codec.h"

#include <lz4.h>
#include <xxhash.h>
#include <zstd.h>

#include <climits>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace furl::storage {

std::string_view codecName(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

std::optional<Codec> parseCodec(std::string_view name) {
  std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "none") return Codec::kNone;
  if (lower == "lz4") return Codec::kLz4;
  if (lower == "zstd") return Codec::kZstd;
  return std::nullopt;
}

absl::Status compressBlock(Codec codec, int zstdLevel, std::string_view input, std::string& out) {
  switch (codec) {
    case Codec::kNone:
      out.assign(input);
      return absl::OkStatus();

    case Codec::kLz4: {
      if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return absl::InvalidArgumentError(
            absl::StrCat("block of ", input.size(), " bytes exceeds the LZ4 input limit of ", LZ4_MAX_INPUT_SIZE));
      }
      int bound = LZ4_compressBound(static_cast<int>(input.size()));
      out.resize(static_cast<size_t>(bound));
      int written = LZ4_compress_default(input.data(), out.data(), static_cast<int>(input.size()), bound);
      if (written <= 0 && !input.empty()) {
        return absl::InternalError(absl::StrCat("LZ4 compression of a ", input.size(), "-byte block failed"));
      }
      out.resize(static_cast<size_t>(written));
      return absl::OkStatus();
    }

    case Codec::kZstd: {
      size_t bound = ZSTD_compressBound(input.size());
      out.resize(bound);
      size_t written = ZSTD_compress(out.data(), bound, input.data(), input.size(), zstdLevel);
      if (ZSTD_isError(written)) {
        return absl::InternalError(absl::StrCat("Zstandard compression of a ", input.size(),
                                                "-byte block failed: ", ZSTD_getErrorName(written)));
      }
      out.resize(written);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown codec ", static_cast<int>(codec)));
}

absl::Status decompressBlock(Codec codec, std::string_view input, char* out, size_t uncompressedSize) {
  switch (codec) {
    case Codec::kNone:
      if (input.size() != uncompressedSize) {
        return absl::DataLossError(absl::StrCat("uncompressed block has ", input.size(), " bytes, expected ",
                                                uncompressedSize));
      }
      if (!input.empty()) std::memcpy(out, input.data(), input.size());
      return absl::OkStatus();

    case Codec::kLz4: {
      if (input.size() > static_cast<size_t>(INT_MAX) || uncompressedSize > static_cast<size_t>(INT_MAX)) {
        return absl::DataLossError("LZ4 block size out of range");
      }
      int decoded = LZ4_decompress_safe(input.data(), out, static_cast<int>(input.size()),
                                        static_cast<int>(uncompressedSize));
      if (decoded < 0 || static_cast<size_t>(decoded) != uncompressedSize) {
        return absl::DataLossError(absl::StrCat("LZ4 block is malformed or decodes to ", decoded,
                                                " bytes instead of ", uncompressedSize));
      }
      return absl::OkStatus();
    }

    case Codec::kZstd: {
      size_t decoded = ZSTD_decompress(out, uncompressedSize, input.data(), input.size());
      if (ZSTD_isError(decoded)) {
        return absl::DataLossError(absl::StrCat("Zstandard block is malformed: ", ZSTD_getErrorName(decoded)));
      }
      if (decoded != uncompressedSize) {
        return absl::DataLossError(absl::StrCat("Zstandard block decodes to ", decoded, " bytes instead of ",
                                                uncompressedSize));
      }
      return absl::OkStatus();
    }
  }
  return absl::DataLossError(absl::StrCat("unknown codec ", static_cast<int>(codec)));
}

uint64_t checksum64(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

}  // namespace furl::storage
