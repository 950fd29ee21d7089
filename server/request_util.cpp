#include "server/request_util.h"

#include <zlib.h>

#include <array>
#include <cctype>
#include <random>

#include "fmt/format.h"

namespace furl::server {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Skips whitespace and SQL comments from `pos`.
size_t skipSpaceAndComments(std::string_view sql, size_t pos) {
  while (pos < sql.size()) {
    char c = sql[pos];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++pos;
    } else if (sql.substr(pos, 2) == "--") {
      size_t end = sql.find('\n', pos);
      pos = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(pos, 2) == "/*") {
      size_t end = sql.find("*/", pos + 2);
      pos = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return pos;
}

/// Skips a quoted string or identifier starting at `pos` (a quote);
/// backslash escapes and doubled quotes stay inside it.
size_t skipQuoted(std::string_view sql, size_t pos) {
  char quote = sql[pos++];
  while (pos < sql.size()) {
    char c = sql[pos++];
    if (c == '\\') {
      ++pos;
    } else if (c == quote) {
      if (pos < sql.size() && sql[pos] == quote) {
        ++pos;
      } else {
        return pos;
      }
    }
  }
  return sql.size();
}

}  // namespace

std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

RequestTarget parseTarget(std::string_view target) {
  RequestTarget result;
  size_t question = target.find('?');
  result.path = percentDecode(target.substr(0, question));
  if (question == std::string_view::npos) return result;

  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = percentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    result.params[std::move(key)] = std::move(value);
  }
  return result;
}

absl::StatusOr<std::string> decodeBody(std::string_view encoding, std::string_view body, uint64_t maxBytes) {
  if (encoding.empty() || equalsIgnoreCase(encoding, "identity")) return std::string(body);
  if (!equalsIgnoreCase(encoding, "gzip") && !equalsIgnoreCase(encoding, "x-gzip") &&
      !equalsIgnoreCase(encoding, "deflate")) {
    return statusFromError(ErrorCode::kBadArguments,
                           fmt::format("unsupported Content-Encoding '{}'; send the body uncompressed, or "
                                       "compressed with gzip or deflate",
                                       encoding));
  }

  z_stream stream{};
  // 15 + 32: accept both the gzip and the zlib wrapper, detected from the header.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) {
    return statusFromError(ErrorCode::kLogicalError, "zlib inflateInit2 failed");
  }
  std::string out;
  out.resize(std::min<uint64_t>(maxBytes, std::max<size_t>(body.size() * 4, 4096)));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  size_t produced = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) {
      if (out.size() >= maxBytes) {
        inflateEnd(&stream);
        return statusFromError(ErrorCode::kBadArguments,
                               fmt::format("decompressed request body exceeds {} bytes; raise max-body-bytes "
                                           "or send less data per request",
                                           maxBytes));
      }
      out.resize(std::min<uint64_t>(maxBytes, out.size() * 2));
    }
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    stream.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - produced, 1u << 30));
    size_t before = stream.avail_out;
    rc = inflate(&stream, Z_NO_FLUSH);
    produced += before - stream.avail_out;
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) rc = Z_DATA_ERROR;  // the input ended early
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return statusFromError(ErrorCode::kCannotParseInput,
                             fmt::format("invalid {} request body: the compressed data is corrupt or truncated",
                                         encoding));
    }
  }
  inflateEnd(&stream);
  out.resize(produced);
  return out;
}

std::string gzipCompress(std::string_view data) {
  z_stream stream{};
  // 15 + 16: write the gzip wrapper.
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&stream, data.size()) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string generateQueryId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t high = random();
  uint64_t low = random();
  high = (high & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;    // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF,
                     low >> 48, low & 0xFFFFFFFFFFFFull);
}

bool startsWithInsert(std::string_view sql) {
  size_t pos = skipSpaceAndComments(sql, 0);
  return pos + 6 <= sql.size() && equalsIgnoreCase(sql.substr(pos, 6), "insert") &&
         (pos + 6 == sql.size() || !isWordChar(sql[pos + 6]));
}

std::optional<InsertSplit> splitInsertData(std::string_view sql) {
  if (!startsWithInsert(sql)) return std::nullopt;

  size_t pos = 0;
  while (pos < sql.size()) {
    pos = skipSpaceAndComments(sql, pos);
    if (pos >= sql.size()) break;
    char c = sql[pos];
    if (c == '\'' || c == '"' || c == '`') {
      pos = skipQuoted(sql, pos);
      continue;
    }
    if (!isWordChar(c)) {
      ++pos;
      continue;
    }
    size_t wordEnd = pos;
    while (wordEnd < sql.size() && isWordChar(sql[wordEnd])) ++wordEnd;
    std::string_view word = sql.substr(pos, wordEnd - pos);
    if (equalsIgnoreCase(word, "values") || equalsIgnoreCase(word, "select")) return std::nullopt;
    if (!equalsIgnoreCase(word, "format")) {
      pos = wordEnd;
      continue;
    }

    // The format name, then the data after spaces and at most one line end.
    size_t nameStart = wordEnd;
    while (nameStart < sql.size() && (sql[nameStart] == ' ' || sql[nameStart] == '\t')) ++nameStart;
    size_t nameEnd = nameStart;
    while (nameEnd < sql.size() && isWordChar(sql[nameEnd])) ++nameEnd;
    if (nameEnd == nameStart) return std::nullopt;
    size_t dataStart = nameEnd;
    while (dataStart < sql.size() && (sql[dataStart] == ' ' || sql[dataStart] == '\t')) ++dataStart;
    if (dataStart < sql.size() && sql[dataStart] == '\r') ++dataStart;
    if (dataStart < sql.size() && sql[dataStart] == '\n') ++dataStart;
    return InsertSplit{sql.substr(0, nameEnd), sql.substr(dataStart)};
  }
  return std::nullopt;
}

unsigned httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnknownTable:
    case ErrorCode::kUnknownDatabase:
      return 404;
    case ErrorCode::kAuthenticationFailed:
      return 403;
    default:
      return isUserError(code) ? 400 : 500;
  }
}

std::string clickhouseErrorBody(ErrorCode code, std::string_view message) {
  // No period after a message that already ends a sentence ("did you mean 'cos'?").
  bool ended = !message.empty() && (message.back() == '.' || message.back() == '?' || message.back() == '!');
  std::string_view separator = ended ? "" : ".";
  return fmt::format("Code: {}. DB::Exception: {}{} ({}) (version {})\n", static_cast<int>(code), message,
                     separator, errorCodeName(code), FURL_VERSION);
}

}  // namespace furl::server
