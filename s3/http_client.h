#pragma once

// One HTTP exchange over libcurl, with a pool of reusable easy handles so
// connections to the S3 endpoint stay open between requests. Private to
// the s3 module: S3ObjectStore adds signing, retries and error mapping.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

#include "absl/status/status.h"
#include "s3/sigv4.h"

namespace furl::s3 {

struct HttpRequest {
  std::string method;
  std::string url;
  /// Sent as given; curl adds nothing that is signed (Host is in here).
  HeaderList headers;
  /// Request body; sent (with Content-Length) when `hasBody`.
  std::string_view body;
  bool hasBody = false;
  /// When set, the body of a 2xx response goes here instead of into
  /// HttpResponse::body. An error it returns ends the exchange and is
  /// returned by perform().
  std::function<absl::Status(std::string_view chunk)> bodySink;
};

struct HttpResponse {
  long status = 0;
  /// Headers with lowercase names.
  HeaderList headers;
  std::string body;

  std::optional<std::string> header(std::string_view lowerName) const;
};

struct HttpClientOptions {
  uint32_t connectTimeoutMs = 5000;
  /// Limit on one whole exchange, connection to last byte.
  uint32_t requestTimeoutMs = 120000;
  /// Idle easy handles kept (each keeps its connections open).
  size_t maxIdleHandles = 16;
};

class HttpClient {
 public:
  explicit HttpClient(const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs one exchange. OK means a response arrived, whatever its
  /// status. Unavailable: the transport failed in a way worth retrying
  /// (refused, reset, timed out, body cut short); the message is curl's.
  /// Internal: a failure that a retry cannot fix (malformed URL). A
  /// bodySink error is returned as is. Thread-safe.
  absl::Status perform(const HttpRequest& request, HttpResponse* response);

 private:
  CURL* acquireHandle();
  void releaseHandle(CURL* handle);

  HttpClientOptions options_;
  CURLSH* share_ = nullptr;
  /// One mutex per curl_lock_data kind, for the shared DNS and TLS
  /// session caches.
  std::mutex shareMutexes_[CURL_LOCK_DATA_LAST];
  std::mutex poolMutex_;
  std::vector<CURL*> idleHandles_;
};

}  // namespace furl::s3
