#include "s3/s3_object_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "common/logging.h"
#include "fmt/format.h"
#include "s3/http_client.h"
#include "s3/s3_xml.h"

namespace furl::s3 {

/// One logical S3 request; execute() signs and sends it once per attempt.
struct S3Call {
  std::string method;
  /// The caller's key (without the store prefix), for messages; for
  /// bucket-level requests a description such as "list of prefix 'a/'".
  std::string subject;
  /// The full object key; empty for bucket-level requests.
  std::string objectKey;
  HeaderList query;
  HeaderList headers;
  std::string_view body;
  bool hasBody = false;
  std::function<absl::Status(std::string_view)> bodySink;
  /// Runs before every attempt, so a retried download starts over.
  std::function<absl::Status()> resetSink;
  /// CompleteMultipartUpload may report an error in a 200 response.
  bool errorInOkBody = false;
  /// Attempts made, set by execute().
  uint32_t attempts = 0;
};

namespace {

constexpr uint64_t kMaxParts = 10000;
constexpr uint64_t kMaxPartSizeBytes = uint64_t{5} << 30;
constexpr size_t kMaxKeyBytes = 1024;

struct S3Error {
  std::string code;
  std::string message;
};

S3Error parseS3Error(const HttpResponse& response) {
  S3Error error;
  error.code = xmlText(response.body, "Code").value_or("");
  error.message = xmlText(response.body, "Message").value_or("");
  return error;
}

std::string describeHttpError(long status, const S3Error& error) {
  std::string text = fmt::format("HTTP {}", status);
  if (!error.code.empty()) text += " " + error.code;
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

bool isRetryableHttpError(long status, const std::string& code) {
  if (code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded") {
    return true;
  }
  // 501 Not Implemented will not change on a retry.
  return status == 429 || (status >= 500 && status != 501);
}

/// Full-jitter exponential backoff before retry `retry` (1 for the first).
uint64_t backoffMs(uint32_t retry, uint32_t baseMs, uint32_t maxMs) {
  thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t ceiling = std::min<uint64_t>(maxMs, uint64_t{baseMs} << std::min<uint32_t>(retry - 1, 30));
  return std::uniform_int_distribution<uint64_t>(0, ceiling)(random);
}

std::optional<uint64_t> parseUnsigned(std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

/// Parses the first byte position of a Content-Range value ("bytes 10-19/100").
std::optional<uint64_t> parseContentRangeStart(std::string_view value) {
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  return parseUnsigned(value.substr(0, value.find('-')));
}

absl::Status readFully(int fd, uint64_t offset, size_t length, std::string& buffer, const std::string& path) {
  buffer.resize(length);
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd, buffer.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::InternalError(fmt::format("cannot read {} bytes at offset {} of '{}': {}", length, offset + done,
                                             path, n == 0 ? "unexpected end of file" : std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status writeFully(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(fmt::format("cannot write to '{}': {}", path, std::strerror(errno)));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status checkKey(const std::string& key, const std::string& keyPrefix) {
  if (key.empty()) return absl::InvalidArgumentError("empty object key; keys name a segment object");
  if (keyPrefix.size() + key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(fmt::format("object key '{}{}' is {} bytes long; S3 allows at most {}",
                                                  keyPrefix, key, keyPrefix.size() + key.size(), kMaxKeyBytes));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<S3ObjectStore>> S3ObjectStore::open(const S3Config& config,
                                                                  const EnvironmentLookup& environment) {
  if (config.partSizeBytes == 0 || config.partSizeBytes > kMaxPartSizeBytes) {
    return absl::InvalidArgumentError(
        fmt::format("invalid S3 part size {} bytes; expected 1 to {} (S3 needs at least 5 MiB)", config.partSizeBytes,
                    kMaxPartSizeBytes));
  }
  if (config.maxAttempts == 0) return absl::InvalidArgumentError("S3 maxAttempts must be at least 1");
  if (config.listPageSize == 0 || config.listPageSize > 1000) {
    return absl::InvalidArgumentError(
        fmt::format("invalid S3 list page size {}; expected 1 to 1000", config.listPageSize));
  }
  if (config.connectTimeoutMs == 0 || config.requestTimeoutMs == 0) {
    return absl::InvalidArgumentError("S3 connect and request timeouts must be positive");
  }

  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore());
  store->config_ = config;

  store->region_ = config.region;
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (!store->region_.empty()) break;
    store->region_ = environment(variable).value_or("");
  }
  if (store->region_.empty()) store->region_ = "us-east-1";

  std::string endpoint =
      config.endpoint.empty() ? fmt::format("https://s3.{}.amazonaws.com", store->region_) : config.endpoint;
  S3Addressing addressing =
      config.addressing.value_or(config.endpoint.empty() ? S3Addressing::kVirtualHosted : S3Addressing::kPath);
  absl::StatusOr<S3Endpoint> parsed = S3Endpoint::parse(endpoint, config.bucket, addressing);
  if (!parsed.ok()) return parsed.status();
  store->endpoint_ = *parsed;

  std::string_view prefix = config.prefix;
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  store->keyPrefix_ = prefix;
  if (!store->keyPrefix_.empty() && !store->keyPrefix_.ends_with('/')) store->keyPrefix_ += '/';

  absl::StatusOr<ResolvedCredentials> credentials = resolveCredentials(config.credentials, environment);
  if (!credentials.ok()) return credentials.status();
  store->credentials_ = credentials->credentials;
  store->credentialsSource_ = credentials->source;

  HttpClientOptions httpOptions;
  httpOptions.connectTimeoutMs = config.connectTimeoutMs;
  httpOptions.requestTimeoutMs = config.requestTimeoutMs;
  httpOptions.maxIdleHandles = config.maxIdleConnections;
  store->http_ = std::make_unique<HttpClient>(httpOptions);
  return store;
}

S3ObjectStore::~S3ObjectStore() = default;

std::string S3ObjectStore::describe() const {
  return fmt::format("s3://{}/{} at {}://{} ({})", endpoint_.bucket(), keyPrefix_, endpoint_.scheme(),
                     endpoint_.authority(),
                     endpoint_.addressing() == S3Addressing::kPath ? "path-style" : "virtual-hosted");
}

absl::StatusOr<HttpResponse> S3ObjectStore::execute(S3Call& call) {
  S3Target target = endpoint_.target(call.objectKey);
  std::string url = endpoint_.url(target, call.query);
  std::string payloadSha256 = sha256Hex(call.body);
  auto log = logger("s3");

  HttpResponse response;
  for (call.attempts = 1;; ++call.attempts) {
    if (call.resetSink) {
      absl::Status reset = call.resetSink();
      if (!reset.ok()) return reset;
    }

    SigV4Request signing;
    signing.method = call.method;
    signing.canonicalUri = target.path;
    signing.query = call.query;
    signing.headers = call.headers;
    signing.headers.emplace_back("Host", target.host);
    signing.payloadSha256 = payloadSha256;
    signSigV4(signing, credentials_, region_, "s3", formatAmzDate(std::time(nullptr)));

    HttpRequest request;
    request.method = call.method;
    request.url = url;
    request.headers = std::move(signing.headers);
    request.body = call.body;
    request.hasBody = call.hasBody;
    request.bodySink = call.bodySink;
    absl::Status sent = http_->perform(request, &response);

    // Classify the outcome: done, worth a retry, or a final error.
    std::string cause;
    S3Error error;
    if (!sent.ok()) {
      if (sent.code() != absl::StatusCode::kUnavailable) {
        return absl::Status(sent.code(), fmt::format("S3 {} {} in {} failed: {}", call.method, call.subject,
                                                     describe(), std::string(sent.message())));
      }
      cause = std::string(sent.message());
    } else {
      bool ok = response.status >= 200 && response.status < 300;
      if (ok && call.errorInOkBody && response.body.find("<Error>") != std::string::npos) ok = false;
      if (ok) return response;
      error = parseS3Error(response);
      if (!isRetryableHttpError(response.status, error.code)) break;
      cause = describeHttpError(response.status, error);
    }

    if (call.attempts >= config_.maxAttempts) {
      return absl::UnavailableError(fmt::format("S3 {} {} in {} failed after {} attempts: {}", call.method,
                                                call.subject, describe(), call.attempts, cause));
    }
    uint64_t delayMs = backoffMs(call.attempts, config_.baseBackoffMs, config_.maxBackoffMs);
    log->warn("retrying S3 request method={} {} attempt={}/{} delay_ms={} cause={}", call.method, call.subject,
              call.attempts + 1, config_.maxAttempts, delayMs, cause);
    std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
  }

  // A final HTTP error: map it to the status code the interface documents.
  S3Error error = parseS3Error(response);
  std::string detail = describeHttpError(response.status, error);
  std::string where = fmt::format("S3 {} {} in {}", call.method, call.subject, describe());
  if (error.code == "NoSuchBucket") {
    return absl::InternalError(fmt::format("{} failed: bucket '{}' does not exist ({}); create it or fix s3-bucket",
                                           where, endpoint_.bucket(), detail));
  }
  if (response.status == 404) return absl::NotFoundError(fmt::format("{}: not found ({})", where, detail));
  if (response.status == 401 || response.status == 403) {
    return absl::PermissionDeniedError(fmt::format(
        "{} was denied: {}; check the credentials (from {}) and the bucket policy", where, detail,
        credentialsSource_));
  }
  if (response.status == 416) {
    return absl::DataLossError(fmt::format("{} failed: the object is shorter than the range ({})", where, detail));
  }
  return absl::InternalError(fmt::format("{} failed: {}", where, detail));
}

absl::StatusOr<storage::ObjectInfo> S3ObjectStore::put(const std::string& key, const std::string& data) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;
  S3Call call;
  call.method = "PUT";
  call.subject = fmt::format("'{}'", key);
  call.objectKey = keyPrefix_ + key;
  call.body = data;
  call.hasBody = true;
  absl::StatusOr<HttpResponse> response = execute(call);
  if (!response.ok()) return response.status();
  return storage::ObjectInfo{key, data.size(), response->header("etag").value_or("")};
}

absl::StatusOr<storage::ObjectInfo> S3ObjectStore::putFile(const std::string& key, const std::string& localPath) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;
  int fd = ::open(localPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(fmt::format("cannot open '{}' to upload it as '{}': {}", localPath, key,
                                           std::strerror(errno)));
  }
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    int savedErrno = errno;
    ::close(fd);
    return absl::InternalError(fmt::format("cannot stat '{}': {}", localPath, std::strerror(savedErrno)));
  }
  auto sizeBytes = static_cast<uint64_t>(info.st_size);

  absl::StatusOr<storage::ObjectInfo> result;
  if (sizeBytes <= config_.partSizeBytes) {
    std::string data;
    absl::Status readStatus = readFully(fd, 0, sizeBytes, data, localPath);
    result = readStatus.ok() ? put(key, data) : absl::StatusOr<storage::ObjectInfo>(readStatus);
  } else {
    result = putMultipart(key, fd, sizeBytes);
  }
  ::close(fd);
  return result;
}

absl::StatusOr<std::string> S3ObjectStore::startMultipartUpload(const std::string& key) {
  S3Call call;
  call.method = "POST";
  call.subject = fmt::format("'{}' (start multipart upload)", key);
  call.objectKey = keyPrefix_ + key;
  call.query = {{"uploads", ""}};
  absl::StatusOr<HttpResponse> response = execute(call);
  if (!response.ok()) return response.status();
  std::optional<std::string> uploadId = xmlText(response->body, "UploadId");
  if (!uploadId || uploadId->empty()) {
    return absl::InternalError(
        fmt::format("S3 start of a multipart upload of '{}' in {} returned no UploadId", key, describe()));
  }
  return *uploadId;
}

absl::Status S3ObjectStore::abortMultipartUpload(const std::string& key, const std::string& uploadId) {
  S3Call call;
  call.method = "DELETE";
  call.subject = fmt::format("'{}' (abort multipart upload {})", key, uploadId);
  call.objectKey = keyPrefix_ + key;
  call.query = {{"uploadId", uploadId}};
  absl::StatusOr<HttpResponse> response = execute(call);
  return response.status();
}

absl::StatusOr<storage::ObjectInfo> S3ObjectStore::putMultipart(const std::string& key, int fd, uint64_t sizeBytes) {
  auto started = std::chrono::steady_clock::now();
  auto log = logger("s3");

  // S3 allows at most 10000 parts, so very large files get larger parts.
  uint64_t partSize = std::max<uint64_t>(config_.partSizeBytes, (sizeBytes + kMaxParts - 1) / kMaxParts);
  uint64_t numParts = (sizeBytes + partSize - 1) / partSize;

  absl::StatusOr<std::string> uploadId = startMultipartUpload(key);
  if (!uploadId.ok()) return uploadId.status();

  // NOTE: parts go up one after another, so memory use stays at one part.
  // Parallel parts would upload faster; the mover runs in the background.
  auto failAndAbort = [&](absl::Status error) -> absl::Status {
    absl::Status aborted = abortMultipartUpload(key, *uploadId);
    if (!aborted.ok()) {
      log->warn(
          "cannot abort multipart upload key={} upload_id={} error={}; its parts stay in the bucket until a "
          "lifecycle rule for incomplete multipart uploads removes them",
          key, *uploadId, std::string(aborted.message()));
    }
    return error;
  };

  std::string buffer;
  std::string completeBody = "<CompleteMultipartUpload>";
  for (uint64_t part = 1; part <= numParts; ++part) {
    uint64_t offset = (part - 1) * partSize;
    size_t length = static_cast<size_t>(std::min(partSize, sizeBytes - offset));
    absl::Status readStatus = readFully(fd, offset, length, buffer, key);
    if (!readStatus.ok()) return failAndAbort(readStatus);

    S3Call call;
    call.method = "PUT";
    call.subject = fmt::format("'{}' (part {} of {})", key, part, numParts);
    call.objectKey = keyPrefix_ + key;
    call.query = {{"partNumber", std::to_string(part)}, {"uploadId", *uploadId}};
    call.body = buffer;
    call.hasBody = true;
    absl::StatusOr<HttpResponse> response = execute(call);
    if (!response.ok()) return failAndAbort(response.status());
    std::optional<std::string> etag = response->header("etag");
    if (!etag) {
      return failAndAbort(absl::InternalError(
          fmt::format("S3 upload of part {} of '{}' in {} returned no ETag", part, key, describe())));
    }
    completeBody += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", part, xmlEscape(*etag));
  }
  completeBody += "</CompleteMultipartUpload>";

  S3Call complete;
  complete.method = "POST";
  complete.subject = fmt::format("'{}' (complete multipart upload)", key);
  complete.objectKey = keyPrefix_ + key;
  complete.query = {{"uploadId", *uploadId}};
  complete.headers = {{"Content-Type", "application/xml"}};
  complete.body = completeBody;
  complete.hasBody = true;
  complete.errorInOkBody = true;
  absl::StatusOr<HttpResponse> response = execute(complete);

  std::string etag;
  if (response.ok()) {
    etag = xmlText(response->body, "ETag").value_or("");
  } else if (response.status().code() == absl::StatusCode::kNotFound && complete.attempts > 1) {
    // An earlier attempt may have completed the upload before its response
    // was lost; then the upload id is gone and the object is there.
    absl::StatusOr<storage::ObjectInfo> stored = head(key);
    if (!stored.ok() || stored->size != sizeBytes) return failAndAbort(response.status());
    etag = stored->etag;
  } else {
    return failAndAbort(response.status());
  }

  auto elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  log->info("multipart upload done key={} bytes={} parts={} ms={}", key, sizeBytes, numParts, elapsedMs);
  return storage::ObjectInfo{key, sizeBytes, etag};
}

absl::StatusOr<std::string> S3ObjectStore::read(const std::string& key, uint64_t offset, uint64_t length) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;

  // A range cannot be empty, so a zero-length read only checks the size.
  if (length == 0) {
    absl::StatusOr<storage::ObjectInfo> info = head(key);
    if (!info.ok()) return info.status();
    if (info->size < offset) {
      return absl::DataLossError(fmt::format("S3 object '{}' in {} has {} bytes, fewer than offset {}", key,
                                             describe(), info->size, offset));
    }
    return std::string();
  }

  S3Call call;
  call.method = "GET";
  call.subject = fmt::format("'{}' (bytes {}-{})", key, offset, offset + length - 1);
  call.objectKey = keyPrefix_ + key;
  call.headers = {{"Range", fmt::format("bytes={}-{}", offset, offset + length - 1)}};
  absl::StatusOr<HttpResponse> response = execute(call);
  if (!response.ok()) return response.status();

  // A server that ignores Range returns 200 with the whole object, and one
  // may return 206 with more than requested (s3rver 3.7.1 reads "bytes=0-0"
  // as "bytes=0-"). Content-Range gives where the body starts.
  std::string body = std::move(response->body);
  uint64_t bodyStart = 0;
  if (response->status == 206) {
    std::optional<uint64_t> rangeStart = parseContentRangeStart(response->header("content-range").value_or(""));
    if (!rangeStart) {
      return absl::InternalError(fmt::format("S3 GET of '{}' in {} returned 206 without a valid Content-Range", key,
                                             describe()));
    }
    bodyStart = *rangeStart;
  }
  if (bodyStart > offset) {
    return absl::InternalError(fmt::format("S3 GET of '{}' in {} returned bytes from {} for a range from {}", key,
                                           describe(), bodyStart, offset));
  }
  body = body.substr(std::min<uint64_t>(offset - bodyStart, body.size()), length);
  if (body.size() != length) {
    return absl::DataLossError(fmt::format("S3 object '{}' in {} returned {} bytes at offset {}, expected {}", key,
                                           describe(), body.size(), offset, length));
  }
  return body;
}

absl::Status S3ObjectStore::getFile(const std::string& key, const std::string& localPath) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string tempPath = fmt::format("{}.tmp-{:016x}", localPath, random());
  int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(fmt::format("cannot create '{}' to download '{}': {}", tempPath, key,
                                           std::strerror(errno)));
  }

  uint64_t written = 0;
  S3Call call;
  call.method = "GET";
  call.subject = fmt::format("'{}'", key);
  call.objectKey = keyPrefix_ + key;
  call.bodySink = [&](std::string_view chunk) {
    written += chunk.size();
    return writeFully(fd, chunk, tempPath);
  };
  call.resetSink = [&]() -> absl::Status {
    written = 0;
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
      return absl::InternalError(fmt::format("cannot truncate '{}': {}", tempPath, std::strerror(errno)));
    }
    return absl::OkStatus();
  };
  absl::StatusOr<HttpResponse> response = execute(call);

  absl::Status status = response.status();
  if (status.ok()) {
    std::optional<uint64_t> expected = parseUnsigned(response->header("content-length").value_or(""));
    if (expected && *expected != written) {
      status = absl::DataLossError(fmt::format("S3 object '{}' in {} returned {} bytes, expected {}", key, describe(),
                                               written, *expected));
    }
  }
  if (status.ok() && fsync(fd) != 0) {
    status = absl::InternalError(fmt::format("cannot sync '{}': {}", tempPath, std::strerror(errno)));
  }
  ::close(fd);
  if (status.ok() && std::rename(tempPath.c_str(), localPath.c_str()) != 0) {
    status = absl::InternalError(
        fmt::format("cannot rename '{}' to '{}': {}", tempPath, localPath, std::strerror(errno)));
  }
  if (!status.ok()) ::unlink(tempPath.c_str());
  return status;
}

absl::StatusOr<storage::ObjectInfo> S3ObjectStore::head(const std::string& key) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;
  S3Call call;
  call.method = "HEAD";
  call.subject = fmt::format("'{}'", key);
  call.objectKey = keyPrefix_ + key;
  absl::StatusOr<HttpResponse> response = execute(call);
  if (!response.ok()) return response.status();
  std::optional<uint64_t> size = parseUnsigned(response->header("content-length").value_or(""));
  if (!size) {
    return absl::InternalError(
        fmt::format("S3 HEAD of '{}' in {} returned no valid Content-Length", key, describe()));
  }
  return storage::ObjectInfo{key, *size, response->header("etag").value_or("")};
}

absl::Status S3ObjectStore::remove(const std::string& key) {
  if (absl::Status valid = checkKey(key, keyPrefix_); !valid.ok()) return valid;
  S3Call call;
  call.method = "DELETE";
  call.subject = fmt::format("'{}'", key);
  call.objectKey = keyPrefix_ + key;
  absl::StatusOr<HttpResponse> response = execute(call);
  if (response.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return response.status();
}

absl::StatusOr<std::vector<storage::ObjectInfo>> S3ObjectStore::list(const std::string& prefix) {
  return listPages(prefix, config_.listPageSize, false);
}

absl::Status S3ObjectStore::checkBucket() { return listPages("", 1, true).status(); }

absl::StatusOr<std::vector<storage::ObjectInfo>> S3ObjectStore::listPages(const std::string& prefix,
                                                                         uint32_t pageSize, bool firstPageOnly) {
  std::vector<storage::ObjectInfo> objects;
  std::string fullPrefix = keyPrefix_ + prefix;
  std::string continuationToken;
  for (int page = 1;; ++page) {
    S3Call call;
    call.method = "GET";
    call.subject = fmt::format("list of prefix '{}' (page {})", prefix, page);
    call.query = {{"list-type", "2"}, {"max-keys", std::to_string(pageSize)}};
    if (!fullPrefix.empty()) call.query.emplace_back("prefix", fullPrefix);
    if (!continuationToken.empty()) call.query.emplace_back("continuation-token", continuationToken);
    absl::StatusOr<HttpResponse> response = execute(call);
    if (!response.ok()) return response.status();

    // NOTE: keys are read from the XML as text; a key with a control
    // character that XML 1.0 cannot carry would need encoding-type=url.
    for (std::string_view contents : xmlElements(response->body, "Contents")) {
      std::string objectKey = xmlText(contents, "Key").value_or("");
      if (!objectKey.starts_with(keyPrefix_)) continue;
      storage::ObjectInfo info;
      info.key = objectKey.substr(keyPrefix_.size());
      info.size = parseUnsigned(xmlText(contents, "Size").value_or("")).value_or(0);
      info.etag = xmlText(contents, "ETag").value_or("");
      objects.push_back(std::move(info));
    }

    bool truncated = xmlText(response->body, "IsTruncated").value_or("false") == "true";
    if (!truncated || firstPageOnly) break;
    std::string next = xmlText(response->body, "NextContinuationToken").value_or("");
    if (next.empty() || next == continuationToken) {
      return absl::InternalError(fmt::format(
          "S3 list of prefix '{}' in {} is truncated but returned no new continuation token", prefix, describe()));
    }
    continuationToken = std::move(next);
  }

  // S3 lists in UTF-8 byte order already; servers that sort by UTF-16 code
  // units (s3rver) differ for some characters above U+FFFF.
  std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return objects;
}

}  // namespace furl::s3
