#pragma once

// Authentication of HTTP requests, with the credentials that the native
// protocol also checks. A request names its user in one of the ways
// ClickHouse's HTTP interface accepts:
//   - the headers X-ClickHouse-User and X-ClickHouse-Key;
//   - HTTP Basic authentication (`Authorization: Basic base64(user:password)`),
//     which @clickhouse/client and Druid clients send;
//   - the URL parameters `user` and `password`.
// A request without any of them is the user `default` with an empty
// password. As in ClickHouse, X-ClickHouse headers together with an
// Authorization header are rejected.

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "server/http_server.h"

namespace furl::server {

/// The one account furld accepts.
struct Credentials {
  std::string user = "default";
  std::string password;

  /// False for the default user without a password, so that a furld
  /// started without credentials accepts every HTTP request.
  bool required() const { return user != "default" || !password.empty(); }
};

/// Checks the credentials of `request` (URL parameters in `params`) against
/// `accepted`. Returns OK when they match or when accepted.required() is
/// false, else a kAuthenticationFailed status whose message names the user.
absl::Status authenticateRequest(const Credentials& accepted, const HttpRequest& request,
                                 const std::map<std::string, std::string>& params);

/// The user a request names (headers, Basic authentication or URL
/// parameters, in the order above), or `default` when it names none.
/// Checks nothing.
std::string requestUser(const HttpRequest& request, const std::map<std::string, std::string>& params);

/// For the JSON APIs (Druid SQL, supervisors): nullopt when the request's
/// credentials are accepted, else a 401 response with a JSON error body and
/// a `WWW-Authenticate: Basic` header, as Druid's basic security sends.
std::optional<HttpResponse> rejectUnauthenticatedJson(const Credentials& accepted, const HttpRequest& request);

}  // namespace furl::server
