#pragma once

// AWS Signature Version 4 for S3 requests, signed in the Authorization
// header with a SHA-256 hash of the payload (x-amz-content-sha256).
//
// The canonical request is built from exactly what is sent: the path is
// taken as already URI-encoded (S3 paths are encoded once, never twice) and
// the query string sent on the wire is canonicalQueryString() itself, so the
// signed form and the sent form cannot differ. Checked against botocore's
// S3SigV4Auth in s3/tests/sigv4_botocore_test.py.

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace furl::s3 {

struct AwsCredentials {
  std::string accessKeyId;
  std::string secretAccessKey;
  /// Set for temporary credentials (STS); sent as x-amz-security-token.
  std::string sessionToken;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;
  /// The request path, URI-encoded as sent ("/bucket/a%20b.seg").
  std::string canonicalUri;
  /// Query parameters, not encoded; canonicalQueryString() encodes them.
  HeaderList query;
  /// Headers to sign and send; must contain "host". Names in any case.
  HeaderList headers;
  /// Lowercase hex SHA-256 of the body (sha256Hex("") for no body).
  std::string payloadSha256;
};

/// Percent-encodes every byte outside the RFC 3986 unreserved set
/// (A-Z a-z 0-9 - . _ ~) as %XX with uppercase hex; '/' is kept unless
/// `encodeSlash`.
std::string uriEncode(std::string_view text, bool encodeSlash);

/// The query string in SigV4 canonical form: every parameter as
/// encoded-name=encoded-value, sorted by encoded name, then value.
std::string canonicalQueryString(const HeaderList& query);

/// Lowercase hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

/// The x-amz-date form of `time` (UTC): "20240101T000000Z".
std::string formatAmzDate(std::time_t time);

/// The canonical request string of `request` (method, path, query, headers,
/// signed header names, payload hash), for tests and debugging.
std::string canonicalRequest(const SigV4Request& request);

/// Signs `request` for `region` and `service` ("s3") at `amzDate`: adds the
/// x-amz-date, x-amz-content-sha256 and, for temporary credentials,
/// x-amz-security-token headers, then the Authorization header computed
/// over all headers in the request. Headers named user-agent or expect
/// are sent but not signed, as botocore does, because proxies may rewrite
/// them.
void signSigV4(SigV4Request& request, const AwsCredentials& credentials, std::string_view region,
               std::string_view service, std::string_view amzDate);

}  // namespace furl::s3
