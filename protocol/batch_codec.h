#pragma once

// Conversion between Furl's column batches (common/column.h) and the
// ColumnBatch of the native protocol, versions 1 and 2. The body layout of a column
// is specified in protocol/furl.thrift at ColumnData and in
// docs/native-protocol.md.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"
#include "protocol/gen-cpp/furl_types.h"

namespace furl::protocol {

/// Bodies smaller than this are never compressed: LZ4 gains little on them.
inline constexpr size_t kMinCompressBytes = 4096;

/// Largest body a decoder accepts, compressed or not. Bounds the allocation a
/// malformed or hostile `uncompressedSize` can cause.
inline constexpr size_t kMaxBodyBytes = size_t{256} << 20;

/// The first protocol version with the HLL_SKETCH column type.
inline constexpr int32_t kHllSketchProtocolVersion = 2;

struct EncodeOptions {
  wire::Compression::type compression = wire::Compression::NONE;
  size_t minCompressBytes = kMinCompressBytes;
};

/// The type a column has on the wire for a peer of `protocolVersion`:
/// before version 2 a sketch column travels as String, with the same bytes.
DataType wireType(DataType type, int32_t protocolVersion);

/// The wire description of a column for a peer of `protocolVersion`.
wire::ColumnInfo makeColumnInfo(const std::string& name, DataType type, int32_t protocolVersion);

/// The DataType of a wire column. InvalidArgument for an unknown type number.
absl::StatusOr<DataType> dataTypeOf(const wire::ColumnInfo& info);

/// Uncompressed bytes that rows [begin, end) of `batch` take on the wire.
size_t encodedSizeBytes(const Batch& batch, size_t begin, size_t end);

/// Cuts the rows of `batch` into consecutive ranges [begin, end) whose
/// encoded size is at most `maxBytes`. A row larger than `maxBytes` forms a
/// range of its own. An empty batch gives no ranges.
std::vector<std::pair<size_t, size_t>> splitRows(const Batch& batch, size_t maxBytes);

/// Encodes rows [begin, end) of `batch`, whose columns may use any encoding
/// and validity but which must have no selection vector (use
/// Batch::compact() first).
wire::ColumnBatch encodeBatch(const Batch& batch, size_t begin, size_t end, const EncodeOptions& options);

/// Decodes a wire batch into flat columns of `types` (one per column, in
/// order). Strings are copied into the columns' heaps, so the result does
/// not refer to `batch`. InvalidArgument when the batch does not match
/// `types`, a body is malformed (wrong size, bad offsets, failed LZ4) or a
/// sketch column contains bytes that are not a valid sketch.
absl::StatusOr<Batch> decodeBatch(const wire::ColumnBatch& batch, const std::vector<DataType>& types);

}  // namespace furl::protocol
