#include "server/server_config.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "fmt/format.h"

namespace furl::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <typename T>
absl::Status parseNumber(std::string_view key, std::string_view value, T minValue, T maxValue, T& out) {
  T parsed{};
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || ptr != value.data() + value.size() || parsed < minValue || parsed > maxValue) {
    return absl::InvalidArgumentError(
        fmt::format("invalid value '{}' for {}; expected an integer from {} to {}", value, key, minValue, maxValue));
  }
  out = parsed;
  return absl::OkStatus();
}

absl::Status setS3Option(std::string_view key, std::string_view value, ServerConfig& config) {
  if (key == "s3-bucket") {
    config.s3Bucket = value;
  } else if (key == "s3-endpoint") {
    config.s3Endpoint = value;
  } else if (key == "s3-prefix") {
    config.s3Prefix = value;
  } else if (key == "s3-region") {
    config.s3Region = value;
  } else if (key == "s3-addressing") {
    if (value != "path" && value != "virtual") {
      return absl::InvalidArgumentError(
          fmt::format("invalid s3-addressing '{}'; expected path or virtual", value));
    }
    config.s3Addressing = value;
  } else if (key == "s3-access-key-id") {
    config.s3AccessKeyId = value;
  } else if (key == "s3-secret-access-key") {
    config.s3SecretAccessKey = value;
  } else if (key == "s3-session-token") {
    config.s3SessionToken = value;
  } else if (key == "s3-part-size-bytes") {
    // S3 rejects parts under 5 MiB (except the last) and over 5 GiB.
    return parseNumber<uint64_t>(key, value, uint64_t{5} << 20, uint64_t{5} << 30, config.s3PartSizeBytes);
  } else if (key == "s3-max-attempts") {
    return parseNumber<uint32_t>(key, value, 1, 100, config.s3MaxAttempts);
  } else if (key == "s3-connect-timeout-ms") {
    return parseNumber<uint32_t>(key, value, 1, 600000, config.s3ConnectTimeoutMs);
  } else if (key == "s3-request-timeout-ms") {
    return parseNumber<uint32_t>(key, value, 1, 86400000, config.s3RequestTimeoutMs);
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown option '{}'; run furld --help for the list", key));
  }
  return absl::OkStatus();
}

/// Sets one option by its flag name (without dashes).
absl::Status setOption(std::string_view key, std::string_view value, ServerConfig& config) {
  if (key == "data-dir") {
    config.dataDir = value;
  } else if (key == "listen-host") {
    config.listenHost = value;
  } else if (key == "http-port") {
    return parseNumber<uint16_t>(key, value, 0, 65535, config.httpPort);
  } else if (key == "native-port") {
    return parseNumber<uint16_t>(key, value, 0, 65535, config.nativePort);
  } else if (key == "user" || key == "native-user") {
    config.user = value;
  } else if (key == "password" || key == "native-password") {
    config.password = value;
  } else if (key == "native-idle-timeout-ms") {
    return parseNumber<uint32_t>(key, value, 1000, 86400000, config.nativeIdleTimeoutMs);
  } else if (key == "config") {
    config.configFile = value;
  } else if (key == "log-level") {
    if (value != "trace" && value != "debug" && value != "info" && value != "warn" && value != "error") {
      return absl::InvalidArgumentError(
          fmt::format("invalid log-level '{}'; expected trace, debug, info, warn or error", value));
    }
    config.logLevel = value;
  } else if (key == "max-threads") {
    return parseNumber<uint32_t>(key, value, 0, 4096, config.maxThreads);
  } else if (key == "max-queued-queries") {
    return parseNumber<uint32_t>(key, value, 0, 100000, config.maxQueuedQueries);
  } else if (key == "max-body-bytes") {
    return parseNumber<uint64_t>(key, value, 1, uint64_t{1} << 40, config.maxBodyBytes);
  } else if (key == "shutdown-timeout-ms") {
    return parseNumber<uint32_t>(key, value, 0, 3600000, config.shutdownTimeoutMs);
  } else if (key == "display-name") {
    config.displayName = value;
  } else if (key.starts_with("s3-")) {
    return setS3Option(key, value, config);
  } else if (key == "cold-dir") {
    config.coldDir = value;
  } else if (key == "cold-cache-dir") {
    config.coldCacheDir = value;
  } else if (key == "cold-cache-bytes") {
    return parseNumber<uint64_t>(key, value, 0, uint64_t{1} << 50, config.coldCacheBytes);
  } else if (key == "tiering-interval-ms") {
    return parseNumber<int64_t>(key, value, 0, int64_t{86'400'000}, config.tieringIntervalMs);
  } else {
    return absl::InvalidArgumentError(fmt::format("unknown option '{}'; run furld --help for the list", key));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status applyConfigText(std::string_view text, std::string_view source, ServerConfig& config) {
  size_t lineNumber = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNumber;

    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: expected 'key = value' but found '{}'", source, lineNumber, line));
    }
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key == "config") {
      return absl::InvalidArgumentError(fmt::format("{}:{}: 'config' cannot be set inside a config file", source,
                                                    lineNumber));
    }
    absl::Status status = setOption(key, value, config);
    if (!status.ok()) {
      return absl::InvalidArgumentError(fmt::format("{}:{}: {}", source, lineNumber, std::string(status.message())));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ServerConfig> parseServerConfig(int argc, const char* const* argv) {
  // Collect the flags first, so the config file can be applied before them.
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      ServerConfig config;
      config.helpRequested = true;
      return config;
    }
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(fmt::format("unexpected argument '{}'; options start with --", arg));
    }
    arg.remove_prefix(2);
    size_t eq = arg.find('=');
    if (eq != std::string_view::npos) {
      flags.emplace_back(std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1)));
    } else if (i + 1 < argc) {
      flags.emplace_back(std::string(arg), std::string(argv[++i]));
    } else {
      return absl::InvalidArgumentError(fmt::format("missing value for --{}", arg));
    }
  }

  ServerConfig config;
  for (const auto& [key, value] : flags) {
    if (key == "config") config.configFile = value;
  }
  if (!config.configFile.empty()) {
    std::ifstream file(config.configFile);
    if (!file) {
      return absl::InvalidArgumentError(
          fmt::format("cannot read config file '{}'; check the path given to --config", config.configFile));
    }
    std::stringstream contents;
    contents << file.rdbuf();
    absl::Status status = applyConfigText(contents.str(), config.configFile, config);
    if (!status.ok()) return status;
  }
  for (const auto& [key, value] : flags) {
    absl::Status status = setOption(key, value, config);
    if (!status.ok()) return status;
  }

  if (config.dataDir.empty()) {
    return absl::InvalidArgumentError("missing --data-dir; pass the directory that holds (or will hold) the tables");
  }
  if (config.s3Bucket.empty()) {
    const std::pair<std::string_view, std::string_view> s3Settings[] = {
        {"s3-endpoint", config.s3Endpoint},   {"s3-prefix", config.s3Prefix},
        {"s3-region", config.s3Region},       {"s3-addressing", config.s3Addressing},
        {"s3-access-key-id", config.s3AccessKeyId}};
    for (const auto& [key, value] : s3Settings) {
      if (!value.empty()) {
        return absl::InvalidArgumentError(
            fmt::format("{} is set but s3-bucket is not; set s3-bucket to store cold segments in S3", key));
      }
    }
  }
  return config;
}

std::string serverHelpText() {
  return R"(Usage: furld --data-dir DIR [options]

Runs the Furl server: a ClickHouse-compatible HTTP interface and the Druid
SQL API (POST /druid/v2/sql) on one port.

Options (each may also be set in the config file as `key = value`):
  --data-dir DIR             directory of the database; required
  --http-port N              HTTP port (default 8123; 0 picks a free port)
  --native-port N            native protocol (Thrift) port (default 9100;
                             0 picks a free port)
  --user NAME                the user HTTP, the Druid SQL API and the native
                             protocol accept (default default); the old name
                             --native-user also works
  --password TEXT            its password (default empty; --native-password
                             also works). With the default user and no
                             password, HTTP accepts every request and the
                             native protocol the user default. Put the
                             password in the config file, not in a flag.
  --native-idle-timeout-ms N close native connections idle this long
                             (default 300000)
  --listen-host ADDR         address to listen on (default 127.0.0.1)
  --config FILE              config file of `key = value` lines; flags win
  --log-level LEVEL          trace, debug, info, warn or error (default info)
  --max-threads N            threads that run HTTP queries, apart from the
                             two threads that read and write sockets
                             (default 0: one per CPU core, at least 2)
  --max-queued-queries N     HTTP queries that may wait for a free query
                             thread; more get TOO_MANY_SIMULTANEOUS_QUERIES
                             (default 64)
  --max-body-bytes N         largest request body in bytes (default 1073741824)
  --shutdown-timeout-ms N    on SIGTERM/SIGINT, milliseconds to let running
                             queries finish before cancelling them (default 30000)
  --display-name NAME        X-ClickHouse-Server-Display-Name (default: host name)
  --cold-dir DIR             directory that holds cold segments when no S3
                             bucket is configured (default DATA_DIR/cold)
  --cold-cache-dir DIR       local cache of ranges read from cold segments
                             (default DATA_DIR/cold-cache)
  --cold-cache-bytes N       bound of that cache in bytes; 0 disables it
                             (default 1073741824)
  --tiering-interval-ms N    how often the mover applies the tiering rules;
                             0 disables the background mover (default 60000)
  --help                     print this text

Cold segments go to S3 when --s3-bucket is set, else to a directory under
the data directory (see docs/s3.md):
  --s3-bucket NAME           S3 bucket for cold segments
  --s3-endpoint URL          http(s)://host[:port] of an S3-compatible server
                             such as MinIO (default: AWS for the region)
  --s3-prefix P              prefix of every object key (default empty)
  --s3-region R              signing region (default: AWS_REGION,
                             AWS_DEFAULT_REGION, then us-east-1)
  --s3-addressing MODE       path or virtual (default: path with
                             --s3-endpoint, virtual on AWS)
  --s3-access-key-id ID      credentials; without them furld reads
  --s3-secret-access-key K   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
  --s3-session-token T       AWS_SESSION_TOKEN, then ~/.aws/credentials
                             (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE).
                             Put secrets in the config file, not in flags.
  --s3-part-size-bytes N     multipart upload part size (default 16777216;
                             5 MiB to 5 GiB)
  --s3-max-attempts N        attempts per request, retries with backoff on
                             5xx, throttling and network errors (default 5)
  --s3-connect-timeout-ms N  connect timeout (default 5000)
  --s3-request-timeout-ms N  limit on one request attempt (default 120000)
)";
}

}  // namespace furl::server
