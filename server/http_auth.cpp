#include "server/http_auth.h"

#include <string_view>

#include "absl/strings/escaping.h"
#include "boost/beast/http/field.hpp"
#include "common/error.h"
#include "common/logging.h"
#include "fmt/format.h"
#include "format/value_text.h"
#include "server/request_util.h"

namespace furl::server {
namespace {

std::string_view header(const HttpRequest& request, std::string_view name) {
  auto value = request[boost::beast::string_view(name.data(), name.size())];
  return std::string_view(value.data(), value.size());
}

bool hasHeader(const HttpRequest& request, std::string_view name) {
  return request.find(boost::beast::string_view(name.data(), name.size())) != request.end();
}

/// Compares in time independent of where the strings differ, so response
/// times do not reveal how much of a password was right.
bool sameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

absl::Status failed(std::string_view user) {
  logger("server.http")->warn("authentication failed user={}", user);
  return statusFromError(ErrorCode::kAuthenticationFailed,
                         fmt::format("{}: Authentication failed: password is incorrect, or there is no user with "
                                     "such name",
                                     user));
}

}  // namespace

absl::Status authenticateRequest(const Credentials& accepted, const HttpRequest& request,
                                 const std::map<std::string, std::string>& params) {
  if (!accepted.required()) return absl::OkStatus();

  std::string user = "default";
  std::string password;
  bool clickhouseHeaders = hasHeader(request, "X-ClickHouse-User") || hasHeader(request, "X-ClickHouse-Key");
  bool authorization = hasHeader(request, "Authorization");
  if (clickhouseHeaders && authorization) {
    return statusFromError(ErrorCode::kAuthenticationFailed,
                           "invalid authentication: send the X-ClickHouse-User and X-ClickHouse-Key headers or an "
                           "Authorization header, not both");
  }

  if (clickhouseHeaders) {
    if (hasHeader(request, "X-ClickHouse-User")) user = header(request, "X-ClickHouse-User");
    password = header(request, "X-ClickHouse-Key");
  } else if (authorization) {
    std::string_view value = header(request, "Authorization");
    constexpr std::string_view kBasic = "Basic ";
    std::string decoded;
    if (value.substr(0, kBasic.size()) != kBasic ||
        !absl::Base64Unescape(absl::string_view(value.data() + kBasic.size(), value.size() - kBasic.size()),
                              &decoded)) {
      return statusFromError(ErrorCode::kAuthenticationFailed,
                             "invalid Authorization header: only HTTP Basic authentication "
                             "(`Basic base64(user:password)`) is supported");
    }
    size_t colon = decoded.find(':');
    user = decoded.substr(0, colon);
    password = colon == std::string::npos ? std::string() : decoded.substr(colon + 1);
  } else {
    if (auto it = params.find("user"); it != params.end()) user = it->second;
    if (auto it = params.find("password"); it != params.end()) password = it->second;
  }

  if (!sameSecret(user, accepted.user) || !sameSecret(password, accepted.password)) return failed(user);
  return absl::OkStatus();
}

std::string requestUser(const HttpRequest& request, const std::map<std::string, std::string>& params) {
  if (hasHeader(request, "X-ClickHouse-User")) return std::string(header(request, "X-ClickHouse-User"));
  if (hasHeader(request, "Authorization")) {
    std::string_view value = header(request, "Authorization");
    constexpr std::string_view kBasic = "Basic ";
    std::string decoded;
    if (value.substr(0, kBasic.size()) == kBasic &&
        absl::Base64Unescape(absl::string_view(value.data() + kBasic.size(), value.size() - kBasic.size()),
                             &decoded)) {
      return decoded.substr(0, decoded.find(':'));
    }
    return "default";
  }
  if (auto it = params.find("user"); it != params.end()) return it->second;
  return "default";
}

std::optional<HttpResponse> rejectUnauthenticatedJson(const Credentials& accepted, const HttpRequest& request) {
  std::string_view target(request.target().data(), request.target().size());
  absl::Status status = authenticateRequest(accepted, request, parseTarget(target).params);
  if (status.ok()) return std::nullopt;

  namespace http = boost::beast::http;
  HttpResponse response(http::status::unauthorized, request.version());
  response.set(http::field::content_type, "application/json");
  response.set(http::field::www_authenticate, "Basic realm=\"furl\"");
  std::string body = "{\"error\":\"Unauthorized\",\"errorMessage\":";
  format::appendJsonString(body, std::string_view(status.message().data(), status.message().size()));
  body += "}";
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace furl::server
