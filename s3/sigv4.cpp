#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>

#include "fmt/format.h"

namespace furl::s3 {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string toHex(const unsigned char* data, size_t size) {
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHexDigits[data[i] >> 4];
    out[2 * i + 1] = kHexDigits[data[i] & 0xF];
  }
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), digest, &digestSize);
  return std::string(reinterpret_cast<const char*>(digest), digestSize);
}

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/// Trims the value and collapses each run of whitespace inside it to one
/// space, as SigV4 requires of canonical header values.
std::string collapseSpaces(std::string_view value) {
  std::string out;
  bool pendingSpace = false;
  for (char c : value) {
    if (isSpace(c)) {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) out.push_back(' ');
    pendingSpace = false;
    out.push_back(c);
  }
  return out;
}

bool isUnsignedHeader(const std::string& lowerName) { return lowerName == "user-agent" || lowerName == "expect"; }

/// Canonical headers by lowercase name; values of repeated names are joined
/// with ',' in request order.
std::map<std::string, std::string> signedHeaderMap(const HeaderList& headers) {
  std::map<std::string, std::string> result;
  for (const auto& [name, value] : headers) {
    std::string lowerName = toLower(name);
    if (isUnsignedHeader(lowerName)) continue;
    auto [it, inserted] = result.try_emplace(lowerName, collapseSpaces(value));
    if (!inserted) it->second += "," + collapseSpaces(value);
  }
  return result;
}

std::string signedHeaderNames(const std::map<std::string, std::string>& headers) {
  std::string names;
  for (const auto& [name, value] : headers) {
    if (!names.empty()) names.push_back(';');
    names += name;
  }
  return names;
}

}  // namespace

std::string uriEncode(std::string_view text, bool encodeSlash) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                      byte == '-' || byte == '.' || byte == '_' || byte == '~';
    if (unreserved || (byte == '/' && !encodeSlash)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back("0123456789ABCDEF"[byte >> 4]);
      out.push_back("0123456789ABCDEF"[byte & 0xF]);
    }
  }
  return out;
}

std::string canonicalQueryString(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uriEncode(name, true), uriEncode(value, true));
  std::sort(encoded.begin(), encoded.end());

  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  EVP_Digest(data.data(), data.size(), digest, &digestSize, EVP_sha256(), nullptr);
  return toHex(digest, digestSize);
}

std::string formatAmzDate(std::time_t time) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                     utc.tm_min, utc.tm_sec);
}

std::string canonicalRequest(const SigV4Request& request) {
  std::map<std::string, std::string> headers = signedHeaderMap(request.headers);
  std::string out = request.method;
  out += '\n';
  out += request.canonicalUri.empty() ? "/" : request.canonicalUri;
  out += '\n';
  out += canonicalQueryString(request.query);
  out += '\n';
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  out += signedHeaderNames(headers);
  out += '\n';
  out += request.payloadSha256;
  return out;
}

void signSigV4(SigV4Request& request, const AwsCredentials& credentials, std::string_view region,
               std::string_view service, std::string_view amzDate) {
  // Replace headers this function owns, so signing a retried request again
  // does not repeat them.
  std::erase_if(request.headers, [](const auto& header) {
    std::string name = toLower(header.first);
    return name == "authorization" || name == "x-amz-date" || name == "x-amz-content-sha256" ||
           name == "x-amz-security-token";
  });
  request.headers.emplace_back("x-amz-date", std::string(amzDate));
  request.headers.emplace_back("x-amz-content-sha256", request.payloadSha256);
  if (!credentials.sessionToken.empty()) request.headers.emplace_back("x-amz-security-token", credentials.sessionToken);

  std::string_view date = amzDate.substr(0, 8);
  std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  std::string stringToSign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amzDate, scope, sha256Hex(canonicalRequest(request)));

  std::string key = hmacSha256("AWS4" + credentials.secretAccessKey, date);
  key = hmacSha256(key, region);
  key = hmacSha256(key, service);
  key = hmacSha256(key, "aws4_request");
  std::string signature = hmacSha256(key, stringToSign);

  std::string signedNames = signedHeaderNames(signedHeaderMap(request.headers));
  request.headers.emplace_back(
      "Authorization",
      fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}", credentials.accessKeyId, scope,
                  signedNames, toHex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size())));
}

}  // namespace furl::s3
