#pragma once

// S3ObjectStore: storage::ObjectStore over the S3 REST API (AWS S3, MinIO,
// s3rver and other compatible servers), on libcurl with our own Signature
// Version 4 signer. docs/s3.md describes configuration, credentials,
// retries and limits.
//
// Every object key is `prefix` + the caller's key. Requests that fail with
// 5xx, 429, SlowDown/RequestTimeout codes or transport errors (refused,
// reset, timed out, body cut short) are retried with exponential backoff
// and full jitter, up to maxAttempts in total. Files larger than
// partSizeBytes are uploaded in parts, each part retried alone.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "s3/credentials.h"
#include "s3/s3_endpoint.h"
#include "s3/sigv4.h"
#include "storage/object_store.h"

namespace furl::s3 {

class HttpClient;
struct HttpResponse;
struct S3Call;

struct S3Config {
  /// scheme://host[:port] with no path. Empty means AWS:
  /// https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string bucket;
  /// Prepended to every key; a '/' is appended when missing.
  std::string prefix;
  /// Empty: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1.
  std::string region;
  /// Unset: path-style for a custom endpoint, virtual-hosted for AWS.
  std::optional<S3Addressing> addressing;
  /// Explicit credentials; when empty they come from the environment or
  /// the shared credentials file (see s3/credentials.h).
  AwsCredentials credentials;

  /// Files above this size are uploaded in parts of this size. AWS S3 and
  /// MinIO reject parts under 5 MiB except the last; s3rver accepts any.
  uint64_t partSizeBytes = 16 << 20;
  /// Attempts per request, the first included.
  uint32_t maxAttempts = 5;
  /// Backoff before retry n is uniform in [0, min(maxBackoffMs,
  /// baseBackoffMs * 2^(n-1))].
  uint32_t baseBackoffMs = 100;
  uint32_t maxBackoffMs = 5000;
  uint32_t connectTimeoutMs = 5000;
  /// Limit on one request attempt, from connecting to the last byte.
  uint32_t requestTimeoutMs = 120000;
  /// Keys per ListObjectsV2 page (S3 returns at most 1000).
  uint32_t listPageSize = 1000;
  /// Idle connections kept open to the endpoint.
  uint32_t maxIdleConnections = 16;
};

class S3ObjectStore : public storage::ObjectStore {
 public:
  /// Validates `config` and resolves credentials (InvalidArgument naming
  /// the bad setting). Sends no request; checkBucket() does.
  static absl::StatusOr<std::unique_ptr<S3ObjectStore>> open(const S3Config& config,
                                                            const EnvironmentLookup& environment = processEnvironment);
  ~S3ObjectStore() override;

  std::string describe() const override;
  absl::StatusOr<storage::ObjectInfo> putFile(const std::string& key, const std::string& localPath) override;
  absl::StatusOr<storage::ObjectInfo> put(const std::string& key, const std::string& data) override;
  absl::StatusOr<std::string> read(const std::string& key, uint64_t offset, uint64_t length) override;
  absl::Status getFile(const std::string& key, const std::string& localPath) override;
  absl::StatusOr<storage::ObjectInfo> head(const std::string& key) override;
  absl::Status remove(const std::string& key) override;
  absl::StatusOr<std::vector<storage::ObjectInfo>> list(const std::string& prefix) override;

  /// Lists at most one key under the prefix to check that the bucket
  /// exists and the credentials are accepted. Errors as for list().
  absl::Status checkBucket();

  /// The source of the credentials ("environment", "config", a file and
  /// profile), for logs.
  const std::string& credentialsSource() const { return credentialsSource_; }

 private:
  S3ObjectStore() = default;

  absl::StatusOr<HttpResponse> execute(S3Call& call);
  absl::StatusOr<std::string> startMultipartUpload(const std::string& key);
  absl::Status abortMultipartUpload(const std::string& key, const std::string& uploadId);
  absl::StatusOr<storage::ObjectInfo> putMultipart(const std::string& key, int fd, uint64_t sizeBytes);
  absl::StatusOr<std::vector<storage::ObjectInfo>> listPages(const std::string& prefix, uint32_t pageSize,
                                                             bool firstPageOnly);

  S3Config config_;
  S3Endpoint endpoint_;
  /// The normalized prefix: empty or ending in '/'.
  std::string keyPrefix_;
  std::string region_;
  AwsCredentials credentials_;
  std::string credentialsSource_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace furl::s3
