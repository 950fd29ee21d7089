#pragma once

// Where S3 requests go: the URL and Host header for a bucket and key under
// path-style or virtual-hosted addressing. Shared by S3ObjectStore and the
// signing test, so the test signs exactly the URLs the store sends.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "s3/sigv4.h"

namespace furl::s3 {

enum class S3Addressing {
  /// http://endpoint/bucket/key: custom endpoints (MinIO, s3rver).
  kPath,
  /// http://bucket.endpoint/key: the AWS default.
  kVirtualHosted,
};

struct S3Target {
  /// The Host header value: host[:port], with the bucket in front for
  /// virtual-hosted addressing.
  std::string host;
  /// The URI-encoded path: each key byte outside the RFC 3986 unreserved
  /// set is %XX, '/' is kept.
  std::string path;
};

class S3Endpoint {
 public:
  /// Parses `endpoint` (scheme://host[:port], an optional trailing '/').
  /// InvalidArgument for another scheme than http or https, a path, a
  /// query, user info, or an empty bucket.
  static absl::StatusOr<S3Endpoint> parse(std::string_view endpoint, std::string_view bucket, S3Addressing addressing);

  /// The target of `objectKey`, or of the bucket itself when it is empty.
  S3Target target(std::string_view objectKey) const;

  /// The full URL of `target` with `query` in canonical order.
  std::string url(const S3Target& target, const HeaderList& query) const;

  const std::string& scheme() const { return scheme_; }
  /// host[:port] as written, the port dropped when it is the scheme's default.
  const std::string& authority() const { return authority_; }
  const std::string& bucket() const { return bucket_; }
  S3Addressing addressing() const { return addressing_; }

 private:
  std::string scheme_;
  std::string authority_;
  std::string bucket_;
  S3Addressing addressing_ = S3Addressing::kPath;
};

}  // namespace furl::s3
