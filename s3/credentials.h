#pragma once

// Where S3 credentials come from, in this order (the first complete source
// wins, as in the AWS CLI and SDKs):
//   1. the explicit keys in furld's configuration (s3-access-key-id, ...);
//   2. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN;
//   3. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else
//      $HOME/.aws/credentials; profile AWS_PROFILE, else "default".
// Instance metadata, SSO and credential_process are not supported.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "s3/sigv4.h"

namespace furl::s3 {

/// Returns the value of an environment variable, or nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
std::optional<std::string> processEnvironment(const std::string& name);

struct ResolvedCredentials {
  AwsCredentials credentials;
  /// Where they came from, for logs ("environment", "config",
  /// "/root/.aws/credentials [default]"); never contains a secret.
  std::string source;
};

/// Resolves credentials in the order above. Errors are InvalidArgument and
/// name the incomplete source and the fix: an access key without its
/// secret, an unreadable credentials file named by
/// AWS_SHARED_CREDENTIALS_FILE, a profile named by AWS_PROFILE that the
/// file lacks, or no source at all.
absl::StatusOr<ResolvedCredentials> resolveCredentials(const AwsCredentials& configured,
                                                       const EnvironmentLookup& environment);

/// Reads `profile` from the text of a shared credentials file (INI:
/// `[profile]` sections of `key = value` lines, `#` or `;` comments).
/// Returns nullopt when the profile is absent; InvalidArgument when it
/// lacks aws_access_key_id or aws_secret_access_key. `source` names the
/// file in messages.
absl::StatusOr<std::optional<AwsCredentials>> parseCredentialsFile(std::string_view text, std::string_view profile,
                                                                   std::string_view source);

}  // namespace furl::s3
