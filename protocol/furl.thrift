// Furl native protocol, version 2: framed transport, compact protocol.
// docs/native-protocol.md explains the design; the layout of a column body
// is repeated at ColumnData below because readers decode it by hand.

namespace cpp furl.protocol.wire
namespace py furl_native

/// The newest protocol version this IDL describes.
const i32 PROTOCOL_VERSION = 2

/// Upper bound of the column data in one ColumnBatch, before compression.
const i32 MAX_BATCH_BYTES = 8388608

/// Column types; the numbers are those of furl::TypeId.
enum ColumnType {
  NOTHING = 0,
  BOOL = 1,
  INT8 = 2,
  INT16 = 3,
  INT32 = 4,
  INT64 = 5,
  UINT8 = 6,
  UINT16 = 7,
  UINT32 = 8,
  UINT64 = 9,
  FLOAT32 = 10,
  FLOAT64 = 11,
  DATE = 12,
  DATE_TIME = 13,
  DATE_TIME64 = 14,
  STRING = 15,
  /// A serialized HLL sketch (docs/hll-sketch.md); the body is laid out as
  /// for STRING. Since protocol version 2: a version-1 session gets STRING.
  HLL_SKETCH = 16,
}

enum Compression {
  NONE = 0,
  /// One raw LZ4 block per column body.
  LZ4 = 1,
}

/// A result or insert column.
struct ColumnInfo {
  1: required string name
  2: required ColumnType type
  3: required bool nullable
  /// The ClickHouse spelling, for display: `Nullable(Int64)`.
  4: required string typeName
}

/// One column of a batch. The body, after decompression, is
///   [validity] values
/// validity: present when hasNulls; ceil(numRows / 8) bytes, bit i of byte
///   i / 8 (least significant first) is 1 when row i is not NULL.
/// values: fixed-width types hold numRows little-endian values (Bool, Int8,
///   UInt8 1 byte; Int16, UInt16 2; Int32, UInt32, Float32, Date 4; Int64,
///   UInt64, Float64, DateTime, DateTime64 8). Date is days since
///   1970-01-01; DateTime and DateTime64 are milliseconds since the Unix
///   epoch, UTC. STRING and HLL_SKETCH hold numRows little-endian UInt32 end
///   offsets and then the bytes. NOTHING holds no bytes.
struct ColumnData {
  1: required Compression compression
  /// Size of the body after decompression, in bytes.
  2: required i32 uncompressedSize
  3: required bool hasNulls
  4: required binary body
}

struct ColumnBatch {
  1: required i32 numRows
  2: required list<ColumnData> columns
}

/// Thrown by every method that fails. `code` is the stable furl::ErrorCode
/// number (ClickHouse's); line and column are 1-based, 0 when unknown.
exception QueryException {
  1: required i32 code
  2: required string name
  3: required string message
  4: i32 line = 0
  5: i32 column = 0
  6: optional string queryId
}

struct HandshakeRequest {
  1: required string clientName
  2: required string clientVersion
  3: required i32 protocolVersion
  4: required string user
  5: string password = ""
  6: string database = "default"
  /// Compressions the client can read, in order of preference.
  7: list<Compression> acceptedCompression
  /// Initial session settings.
  8: map<string, string> settings
  /// Upper bound for result batches, in bytes; 0 or more than
  /// MAX_BATCH_BYTES means MAX_BATCH_BYTES.
  9: i32 maxBatchBytes = 0
}

struct HandshakeResponse {
  1: required string serverName
  2: required string serverVersion
  /// min(client's version, server's version).
  3: required i32 protocolVersion
  4: required string sessionId
  /// How result batches of this session are compressed.
  5: required Compression compression
  6: required i32 maxBatchBytes
  /// A connection that sends nothing for this long is closed.
  7: required i64 idleTimeoutMs
}

struct ExecuteRequest {
  1: required string sessionId
  2: required string sql
  /// A client-chosen id (unique among running queries); the server makes
  /// one when absent.
  3: optional string queryId
  /// Settings for this query only, over the session's.
  4: map<string, string> settings
  /// Data of `INSERT ... FORMAT X`, as the HTTP body would carry it. Large
  /// inserts use beginInsert/insertBatch instead.
  5: optional binary insertData
}

struct FetchRequest {
  1: required string sessionId
  2: required string queryId
  /// Longest wait for a batch before replying with progress only.
  3: i32 maxWaitMs = 100
}

/// Counters while a query runs.
struct Progress {
  1: i64 readRows = 0
  2: i64 readBytes = 0
  3: i64 elapsedNs = 0
  /// Rows the statement will read, known once segments are pruned; 0 when
  /// unknown. readRows / totalRowsEstimate is the fraction done.
  4: i64 totalRowsEstimate = 0
  5: i64 resultRowsSent = 0
  /// Uncompressed column bytes sent so far.
  6: i64 resultBytesSent = 0
  /// Reads of cold segments: bytes downloaded from the object store, range
  /// requests sent, ranges served from the local block cache.
  7: i64 coldFetchBytes = 0
  8: i64 coldFetchRequests = 0
  9: i64 coldCacheHits = 0
}

/// Final counters of a statement.
struct QuerySummary {
  1: i64 readRows = 0
  2: i64 readBytes = 0
  3: i64 writtenRows = 0
  4: i64 writtenBytes = 0
  5: i64 resultRows = 0
  6: i64 resultBytes = 0
  7: i64 elapsedNs = 0
  8: list<string> warnings
  /// As in Progress.
  9: i64 coldFetchBytes = 0
  10: i64 coldFetchRequests = 0
  11: i64 coldCacheHits = 0
}

enum FetchStatus {
  /// No batch yet; only progress (and maybe the schema) is set.
  PENDING = 0,
  /// `batch` holds the next batch.
  BATCH = 1,
  /// The statement ended; `summary` is set and the query id is released.
  FINISHED = 2,
}

struct FetchResult {
  1: required FetchStatus status
  /// Result columns, in the first reply after they are known (empty for
  /// statements without a result set).
  2: optional list<ColumnInfo> columns
  3: optional ColumnBatch batch
  4: required Progress progress
  5: optional QuerySummary summary
  /// The statement's FORMAT clause, with the columns.
  6: optional string format
}

struct InsertHandle {
  1: required string queryId
  /// The columns each batch must hold, in this order and with these types.
  2: required list<ColumnInfo> columns
  /// The statement's FORMAT name, for clients that parse the input.
  3: required string format
}

service FurlNative {
  HandshakeResponse handshake(1: HandshakeRequest request) throws (1: QueryException error)

  void setSettings(1: string sessionId, 2: map<string, string> settings) throws (1: QueryException error)

  /// Starts a statement and returns its query id without waiting for it.
  string executeQuery(1: ExecuteRequest request) throws (1: QueryException error)

  FetchResult fetchBatch(1: FetchRequest request) throws (1: QueryException error)

  /// True when the query was running and is now cancelled; false when no
  /// query of this user has that id (it may have finished).
  bool cancelQuery(1: string sessionId, 2: string queryId) throws (1: QueryException error)

  /// Starts `INSERT INTO t [(columns)] FORMAT Name` with no inline data.
  /// An empty queryId lets the server choose one.
  InsertHandle beginInsert(1: string sessionId, 2: string sql, 3: string queryId,
                           4: map<string, string> settings) throws (1: QueryException error)

  void insertBatch(1: string sessionId, 2: string queryId, 3: ColumnBatch batch)
      throws (1: QueryException error)

  /// Writes the rows not yet written and ends the insert.
  QuerySummary endInsert(1: string sessionId, 2: string queryId) throws (1: QueryException error)

  void ping()
}
