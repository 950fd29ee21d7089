#pragma once

// furld's settings, from command-line flags and an optional config file.
//
// The config file contains `key = value` lines with the flag names as keys
// (`http-port = 8123`); `#` starts a comment, blank lines are ignored and
// values may be double-quoted. Flags override the file.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace furl::server {

struct ServerConfig {
  std::string dataDir;
  std::string listenHost = "127.0.0.1";
  uint16_t httpPort = 8123;
  /// Port of the native protocol (Apache Thrift, see docs/native-protocol.md).
  uint16_t nativePort = 9100;
  /// The account the native protocol accepts.
  std::string nativeUser = "default";
  std::string nativePassword;
  /// A native connection that sends nothing for this long is closed.
  uint32_t nativeIdleTimeoutMs = 300000;
  std::string configFile;
  std::string logLevel = "info";
  /// Threads that serve HTTP requests and run queries; 0 means one per core.
  uint32_t maxThreads = 0;
  /// Largest accepted request body, in bytes (INSERT data).
  uint64_t maxBodyBytes = uint64_t{1} << 30;
  /// How long shutdown waits for running queries before cancelling them.
  uint32_t shutdownTimeoutMs = 30000;
  /// X-ClickHouse-Server-Display-Name; empty means the host name.
  std::string displayName;
  bool helpRequested = false;
};

/// Parses flags (argv[1..argc)) and the config file they name. Errors are
/// InvalidArgument with the offending flag or line and the fix.
absl::StatusOr<ServerConfig> parseServerConfig(int argc, const char* const* argv);

/// Applies `key = value` lines from `text` (the config file format) to
/// `config`; `source` names the file in messages.
absl::Status applyConfigText(std::string_view text, std::string_view source, ServerConfig& config);

/// The --help text: every option with its unit and default.
std::string serverHelpText();

}  // namespace furl::server
