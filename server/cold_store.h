#pragma once

// The object store for cold segments that furld hands to storage: an
// S3ObjectStore when s3-bucket is set, else null (storage then keeps cold
// segments in a directory under the data directory).

#include <memory>

#include "absl/status/statusor.h"
#include "server/server_config.h"
#include "storage/object_store.h"

namespace furl::server {

/// Builds the S3 store that `config` describes, or returns null when no
/// bucket is set. Errors are InvalidArgument for settings S3 cannot use
/// (a malformed endpoint, no credentials), which stop furld. Then checks
/// that the bucket is reachable and logs one line: INFO when it is, WARN
/// when it is not, because the mover retries later and hot and warm data
/// keep serving.
absl::StatusOr<std::shared_ptr<storage::ObjectStore>> openColdStore(const ServerConfig& config);

}  // namespace furl::server
