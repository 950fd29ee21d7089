#include "server/cold_store.h"

#include <chrono>

#include "common/logging.h"
#include "s3/s3_object_store.h"

namespace furl::server {

absl::StatusOr<std::shared_ptr<storage::ObjectStore>> openColdStore(const ServerConfig& config) {
  if (config.s3Bucket.empty()) return std::shared_ptr<storage::ObjectStore>();

  s3::S3Config s3Config;
  s3Config.endpoint = config.s3Endpoint;
  s3Config.bucket = config.s3Bucket;
  s3Config.prefix = config.s3Prefix;
  s3Config.region = config.s3Region;
  if (config.s3Addressing == "path") s3Config.addressing = s3::S3Addressing::kPath;
  if (config.s3Addressing == "virtual") s3Config.addressing = s3::S3Addressing::kVirtualHosted;
  s3Config.credentials = s3::AwsCredentials{config.s3AccessKeyId, config.s3SecretAccessKey, config.s3SessionToken};
  s3Config.partSizeBytes = config.s3PartSizeBytes;
  s3Config.maxAttempts = config.s3MaxAttempts;
  s3Config.connectTimeoutMs = config.s3ConnectTimeoutMs;
  s3Config.requestTimeoutMs = config.s3RequestTimeoutMs;

  absl::StatusOr<std::unique_ptr<s3::S3ObjectStore>> store = s3::S3ObjectStore::open(s3Config);
  if (!store.ok()) return store.status();

  auto log = logger("server");
  auto started = std::chrono::steady_clock::now();
  absl::Status reachable = (*store)->checkBucket();
  auto elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (reachable.ok()) {
    log->info("cold segments go to S3 store={} credentials={} check_ms={}", (*store)->describe(),
              (*store)->credentialsSource(), elapsedMs);
  } else {
    log->warn("S3 bucket is not reachable; cold segments stay local until it is store={} credentials={} error={}",
              (*store)->describe(), (*store)->credentialsSource(), std::string(reachable.message()));
  }
  return std::shared_ptr<storage::ObjectStore>(std::move(*store));
}

}  // namespace furl::server
