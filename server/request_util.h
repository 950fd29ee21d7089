#pragma once

// Request parsing helpers shared by the HTTP handlers: URL parameters,
// body decompression, query ids, splitting INSERT data from its statement
// and mapping error codes to HTTP statuses.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/error.h"

namespace furl::server {

/// The path and decoded query parameters of a request target
/// (`/path?a=1&b=x%20y`). A repeated parameter keeps its last value.
struct RequestTarget {
  std::string path;
  std::map<std::string, std::string> params;
};

RequestTarget parseTarget(std::string_view target);

/// Decodes `%XX` escapes and `+` (a space in query strings).
std::string percentDecode(std::string_view text);

/// Decompresses a body sent with `Content-Encoding`: gzip, x-gzip and
/// deflate are decoded, identity and empty pass through. Other encodings
/// are a kBadArguments status that names the ones accepted. The result
/// may not exceed maxBytes.
absl::StatusOr<std::string> decodeBody(std::string_view encoding, std::string_view body, uint64_t maxBytes);

/// gzip-compresses `data` (for `Accept-Encoding: gzip` responses).
std::string gzipCompress(std::string_view data);

/// A random UUID (version 4), the form ClickHouse uses for query ids.
std::string generateQueryId();

/// An INSERT statement split from the data that follows its FORMAT clause.
struct InsertSplit {
  std::string_view statement;  // up to and including the format name
  std::string_view data;       // after the format name and the line end
};

/// Finds `INSERT ... FORMAT name` at the start of `sql` and splits the data
/// after it. Returns nullopt for other statements and for INSERT without a
/// FORMAT clause (INSERT ... VALUES and INSERT ... SELECT).
std::optional<InsertSplit> splitInsertData(std::string_view sql);

/// True when the first keyword of `sql` is INSERT (comments skipped).
bool startsWithInsert(std::string_view sql);

/// The HTTP status ClickHouse sends for an error code: 400 for errors in
/// the request, 404 for unknown tables and databases, 403 for failed
/// authentication, 500 otherwise.
unsigned httpStatusFor(ErrorCode code);

/// ClickHouse's error body: `Code: 62. DB::Exception: <message>.
/// (SYNTAX_ERROR) (version 0.1.0)` and a line end, the form its clients parse.
std::string clickhouseErrorBody(ErrorCode code, std::string_view message);

}  // namespace furl::server
