#include "s3/s3_endpoint.h"

#include "fmt/format.h"

namespace furl::s3 {

absl::StatusOr<S3Endpoint> S3Endpoint::parse(std::string_view endpoint, std::string_view bucket,
                                             S3Addressing addressing) {
  if (bucket.empty()) return absl::InvalidArgumentError("missing S3 bucket; set s3-bucket");
  if (bucket.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("invalid S3 bucket '{}': a bucket name has no '/'; put key paths in s3-prefix", bucket));
  }

  size_t schemeEnd = endpoint.find("://");
  std::string_view scheme = schemeEnd == std::string_view::npos ? std::string_view() : endpoint.substr(0, schemeEnd);
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(fmt::format(
        "invalid S3 endpoint '{}'; expected http://host[:port] or https://host[:port]", endpoint));
  }
  std::string_view authority = endpoint.substr(schemeEnd + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.empty() || authority.find_first_of("/?#@ ") != std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid S3 endpoint '{}'; expected scheme://host[:port] without a path, query or user name", endpoint));
  }

  // Drop a default port, because the Host header (which is signed) would
  // not carry it.
  std::string_view defaultPort = scheme == "http" ? ":80" : ":443";
  if (authority.ends_with(defaultPort) && authority.find(']') == std::string_view::npos) {
    authority.remove_suffix(defaultPort.size());
  }
  if (addressing == S3Addressing::kVirtualHosted && bucket.find('.') != std::string_view::npos &&
      scheme == "https") {
    return absl::InvalidArgumentError(fmt::format(
        "S3 bucket '{}' contains '.', which breaks TLS certificate checks under virtual-hosted addressing; "
        "use path-style addressing (s3-addressing = path)",
        bucket));
  }

  S3Endpoint result;
  result.scheme_ = scheme;
  result.authority_ = authority;
  result.bucket_ = bucket;
  result.addressing_ = addressing;
  return result;
}

S3Target S3Endpoint::target(std::string_view objectKey) const {
  S3Target target;
  if (addressing_ == S3Addressing::kVirtualHosted) {
    target.host = bucket_ + "." + authority_;
    target.path = "/" + uriEncode(objectKey, false);
  } else {
    target.host = authority_;
    target.path = "/" + uriEncode(bucket_, true);
    if (!objectKey.empty()) target.path += "/" + uriEncode(objectKey, false);
  }
  return target;
}

std::string S3Endpoint::url(const S3Target& target, const HeaderList& query) const {
  std::string url = scheme_ + "://" + target.host + target.path;
  if (!query.empty()) url += "?" + canonicalQueryString(query);
  return url;
}

}  // namespace furl::s3
