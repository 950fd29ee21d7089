#pragma once

// furld's settings, from command-line flags and an optional config file.
//
// The config file contains `key = value` lines with the flag names as keys
// (`http-port = 8123`); `#` starts a comment, blank lines are ignored and
// values may be double-quoted. Flags override the file.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace furl::server {

struct ServerConfig {
  std::string dataDir;
  std::string listenHost = "127.0.0.1";
  uint16_t httpPort = 8123;
  /// Port of the native protocol (Apache Thrift, see docs/native-protocol.md).
  uint16_t nativePort = 9100;
  /// The account that HTTP (ClickHouse and Druid dialects, supervisor
  /// API) and the native protocol accept. With the default user and an
  /// empty password, HTTP checks nothing.
  std::string user = "default";
  std::string password;
  /// A native connection that sends nothing for this long is closed.
  uint32_t nativeIdleTimeoutMs = 300000;
  std::string configFile;
  std::string logLevel = "info";
  /// Threads that run HTTP queries; 0 means one per core, at least 2.
  uint32_t maxThreads = 0;
  /// HTTP queries that may wait for a free query thread; more are rejected
  /// with TOO_MANY_SIMULTANEOUS_QUERIES.
  uint32_t maxQueuedQueries = 64;
  /// Largest accepted request body, in bytes (INSERT data).
  uint64_t maxBodyBytes = uint64_t{1} << 30;
  /// Tiered storage (docs/tiered-storage.md); empty paths mean the defaults
  /// under the data directory.
  std::string coldDir;
  std::string coldCacheDir;
  uint64_t coldCacheBytes = uint64_t{1} << 30;
  int64_t tieringIntervalMs = 60'000;
  /// How long shutdown waits for running queries before cancelling them.
  uint32_t shutdownTimeoutMs = 30000;
  /// X-ClickHouse-Server-Display-Name; empty means the host name.
  std::string displayName;
  bool helpRequested = false;

  /// Cold segments go to this S3 bucket; empty keeps them in a directory
  /// under the data directory. The other s3 settings need it.
  std::string s3Bucket;
  /// scheme://host[:port] of an S3-compatible server; empty means AWS.
  std::string s3Endpoint;
  /// Prepended to every object key.
  std::string s3Prefix;
  /// Empty: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1.
  std::string s3Region;
  /// "path", "virtual", or empty for path-style with s3Endpoint and
  /// virtual-hosted on AWS.
  std::string s3Addressing;
  /// Explicit credentials; empty means the AWS_* environment variables or
  /// the shared credentials file.
  std::string s3AccessKeyId;
  std::string s3SecretAccessKey;
  std::string s3SessionToken;
  /// Files above this size are uploaded in parts of this size.
  uint64_t s3PartSizeBytes = uint64_t{16} << 20;
  /// Attempts per S3 request, the first included.
  uint32_t s3MaxAttempts = 5;
  uint32_t s3ConnectTimeoutMs = 5000;
  /// Limit on one S3 request attempt, from connecting to the last byte.
  uint32_t s3RequestTimeoutMs = 120000;
};

/// Parses flags (argv[1..argc)) and the config file they name. Errors are
/// InvalidArgument with the offending flag or line and the fix.
absl::StatusOr<ServerConfig> parseServerConfig(int argc, const char* const* argv);

/// Applies `key = value` lines from `text` (the config file format) to
/// `config`; `source` names the file in messages.
absl::Status applyConfigText(std::string_view text, std::string_view source, ServerConfig& config);

/// The --help text: every option with its unit and default.
std::string serverHelpText();

}  // namespace furl::server
