#include "s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

namespace furl::s3 {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> nonEmpty(const EnvironmentLookup& environment, const std::string& name) {
  std::optional<std::string> value = environment(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<std::optional<AwsCredentials>> parseCredentialsFile(std::string_view text, std::string_view profile,
                                                                   std::string_view source) {
  bool inProfile = false;
  bool found = false;
  AwsCredentials credentials;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      size_t close = line.find(']');
      std::string_view name = trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1));
      inProfile = name == profile;
      found = found || inProfile;
      continue;
    }
    if (!inProfile) continue;

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") {
      credentials.accessKeyId = value;
    } else if (key == "aws_secret_access_key") {
      credentials.secretAccessKey = value;
    } else if (key == "aws_session_token") {
      credentials.sessionToken = value;
    }
  }

  if (!found) return std::optional<AwsCredentials>();
  if (credentials.accessKeyId.empty() || credentials.secretAccessKey.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "profile [{}] in {} needs both aws_access_key_id and aws_secret_access_key", profile, source));
  }
  return std::optional<AwsCredentials>(std::move(credentials));
}

absl::StatusOr<ResolvedCredentials> resolveCredentials(const AwsCredentials& configured,
                                                       const EnvironmentLookup& environment) {
  // 1. Explicit configuration.
  if (!configured.accessKeyId.empty() || !configured.secretAccessKey.empty()) {
    if (configured.accessKeyId.empty() || configured.secretAccessKey.empty()) {
      return absl::InvalidArgumentError(
          "s3-access-key-id and s3-secret-access-key must be set together; set both or neither");
    }
    return ResolvedCredentials{configured, "config"};
  }

  // 2. Environment variables.
  std::optional<std::string> accessKeyId = nonEmpty(environment, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secretAccessKey = nonEmpty(environment, "AWS_SECRET_ACCESS_KEY");
  if (accessKeyId || secretAccessKey) {
    if (!accessKeyId || !secretAccessKey) {
      return absl::InvalidArgumentError(fmt::format("{} is set but {} is not; set both or neither",
                                                    accessKeyId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                                    accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
    }
    AwsCredentials credentials{*accessKeyId, *secretAccessKey,
                               nonEmpty(environment, "AWS_SESSION_TOKEN").value_or("")};
    return ResolvedCredentials{std::move(credentials), "environment"};
  }

  // 3. The shared credentials file.
  std::optional<std::string> namedFile = nonEmpty(environment, "AWS_SHARED_CREDENTIALS_FILE");
  std::optional<std::string> namedProfile = nonEmpty(environment, "AWS_PROFILE");
  std::string path;
  if (namedFile) {
    path = *namedFile;
  } else if (std::optional<std::string> home = nonEmpty(environment, "HOME")) {
    path = *home + "/.aws/credentials";
  }
  std::string profile = namedProfile.value_or("default");
  if (!path.empty()) {
    std::ifstream file(path);
    if (!file && namedFile) {
      return absl::InvalidArgumentError(fmt::format(
          "cannot read the credentials file '{}' named by AWS_SHARED_CREDENTIALS_FILE; fix the path or unset it",
          path));
    }
    if (file) {
      std::stringstream contents;
      contents << file.rdbuf();
      absl::StatusOr<std::optional<AwsCredentials>> parsed = parseCredentialsFile(contents.str(), profile, path);
      if (!parsed.ok()) return parsed.status();
      if (*parsed) return ResolvedCredentials{std::move(**parsed), fmt::format("{} [{}]", path, profile)};
      if (namedProfile) {
        return absl::InvalidArgumentError(fmt::format(
            "profile [{}] named by AWS_PROFILE is not in {}; add it or change AWS_PROFILE", profile, path));
      }
    } else if (namedProfile) {
      return absl::InvalidArgumentError(fmt::format(
          "AWS_PROFILE is '{}' but there is no credentials file at {}; create it or unset AWS_PROFILE", profile, path));
    }
  }

  return absl::InvalidArgumentError(
      "no S3 credentials found; set s3-access-key-id and s3-secret-access-key in the config file, the "
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or a [default] profile in "
      "~/.aws/credentials");
}

}  // namespace furl::s3
