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
  } else if (key == "native-user") {
    config.nativeUser = value;
  } else if (key == "native-password") {
    config.nativePassword = value;
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
  } else if (key == "max-body-bytes") {
    return parseNumber<uint64_t>(key, value, 1, uint64_t{1} << 40, config.maxBodyBytes);
  } else if (key == "shutdown-timeout-ms") {
    return parseNumber<uint32_t>(key, value, 0, 3600000, config.shutdownTimeoutMs);
  } else if (key == "display-name") {
    config.displayName = value;
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
  --native-user NAME         user the native protocol accepts (default default)
  --native-password TEXT     its password (default empty)
  --native-idle-timeout-ms N close native connections idle this long
                             (default 300000)
  --listen-host ADDR         address to listen on (default 127.0.0.1)
  --config FILE              config file of `key = value` lines; flags win
  --log-level LEVEL          trace, debug, info, warn or error (default info)
  --max-threads N            threads serving requests and queries
                             (default 0: one per CPU core)
  --max-body-bytes N         largest request body in bytes (default 1073741824)
  --shutdown-timeout-ms N    on SIGTERM/SIGINT, milliseconds to let running
                             queries finish before cancelling them (default 30000)
  --display-name NAME        X-ClickHouse-Server-Display-Name (default: host name)
  --help                     print this text
)";
}

}  // namespace furl::server
