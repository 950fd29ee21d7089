#include "s3/http_client.h"

#include <algorithm>
#include <cstring>

#include "fmt/format.h"

namespace furl::s3 {
namespace {

/// Error bodies are kept only to read the S3 error code and message.
constexpr size_t kMaxErrorBodyBytes = 1 << 20;

struct Exchange {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* handle = nullptr;
  size_t uploadOffset = 0;
  absl::Status sinkStatus;
};

size_t readBody(char* buffer, size_t size, size_t count, void* userData) {
  auto* exchange = static_cast<Exchange*>(userData);
  std::string_view body = exchange->request->body;
  size_t n = std::min(size * count, body.size() - exchange->uploadOffset);
  std::memcpy(buffer, body.data() + exchange->uploadOffset, n);
  exchange->uploadOffset += n;
  return n;
}

/// Rewinds the upload when curl must send the body again on a new
/// connection (a reused connection that the server had closed).
int seekBody(void* userData, curl_off_t offset, int origin) {
  auto* exchange = static_cast<Exchange*>(userData);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > exchange->request->body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  exchange->uploadOffset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t writeBody(char* data, size_t size, size_t count, void* userData) {
  auto* exchange = static_cast<Exchange*>(userData);
  size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(exchange->handle, CURLINFO_RESPONSE_CODE, &status);
  if (exchange->request->bodySink && status >= 200 && status < 300) {
    exchange->sinkStatus = exchange->request->bodySink(std::string_view(data, n));
    return exchange->sinkStatus.ok() ? n : 0;
  }
  std::string& body = exchange->response->body;
  if (status >= 300 && body.size() >= kMaxErrorBodyBytes) return n;
  body.append(data, n);
  return n;
}

size_t readHeader(char* data, size_t size, size_t count, void* userData) {
  auto* exchange = static_cast<Exchange*>(userData);
  size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);

  // A status line starts the headers of a new response (after 100 Continue).
  if (line.starts_with("HTTP/")) {
    exchange->response->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  exchange->response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

bool isRetryableTransportError(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return false;
    default:
      return true;
  }
}

void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* userData) {
  static_cast<std::mutex*>(userData)[data].lock();
}

void unlockShare(CURL*, curl_lock_data data, void* userData) { static_cast<std::mutex*>(userData)[data].unlock(); }

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) return value;
  }
  return std::nullopt;
}

HttpClient::HttpClient(const HttpClientOptions& options) : options_(options) {
  initCurlOnce();
  share_ = curl_share_init();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, lockShare);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, unlockShare);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, shareMutexes_);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

HttpClient::~HttpClient() {
  for (CURL* handle : idleHandles_) curl_easy_cleanup(handle);
  curl_share_cleanup(share_);
}

CURL* HttpClient::acquireHandle() {
  {
    std::lock_guard<std::mutex> lock(poolMutex_);
    if (!idleHandles_.empty()) {
      CURL* handle = idleHandles_.back();
      idleHandles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void HttpClient::releaseHandle(CURL* handle) {
  {
    std::lock_guard<std::mutex> lock(poolMutex_);
    if (idleHandles_.size() < options_.maxIdleHandles) {
      idleHandles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

absl::Status HttpClient::perform(const HttpRequest& request, HttpResponse* response) {
  *response = HttpResponse();
  CURL* handle = acquireHandle();
  if (handle == nullptr) return absl::InternalError("curl_easy_init failed");

  // curl_easy_reset keeps the handle's open connections and caches.
  curl_easy_reset(handle);
  Exchange exchange{&request, response, handle, 0, absl::OkStatus()};
  char errorBuffer[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(handle, CURLOPT_SHARE, share_);
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);  // keys may contain "./" and "../"
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connectTimeoutMs));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.requestTimeoutMs));
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, readHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);

  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.hasBody) {
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, readBody);
    curl_easy_setopt(handle, CURLOPT_READDATA, &exchange);
    curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, seekBody);
    curl_easy_setopt(handle, CURLOPT_SEEKDATA, &exchange);
  }

  // "Expect:" stops curl from waiting for 100 Continue before large bodies.
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(handle);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response->status);
  curl_slist_free_all(headers);

  absl::Status status;
  if (!exchange.sinkStatus.ok()) {
    status = exchange.sinkStatus;
  } else if (code != CURLE_OK) {
    std::string detail = errorBuffer[0] != '\0' ? errorBuffer : curl_easy_strerror(code);
    status = isRetryableTransportError(code) ? absl::UnavailableError(detail) : absl::InternalError(detail);
  }

  // A failed exchange may leave its connection in an unknown state; a
  // fresh handle starts clean.
  if (status.ok()) {
    releaseHandle(handle);
  } else {
    curl_easy_cleanup(handle);
  }
  return status;
}

}  // namespace furl::s3
