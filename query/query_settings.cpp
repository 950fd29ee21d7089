#include "query/query_settings.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "common/error.h"
#include "query/binder.h"

namespace furl::query {
namespace {

/// Settings that change what Furl does.
constexpr std::array<std::string_view, 9> kAppliedSettings = {
    "max_threads",
    "readonly",
    "max_result_rows",
    "result_overflow_mode",
    "max_execution_time",
    "timeout_overflow_mode",
    "input_format_skip_unknown_fields",
    "output_format_json_quote_64bit_integers",
    "enable_http_compression",
};

/// Settings that ClickHouse clients and drivers send (@clickhouse/client,
/// clickhouse-connect, JDBC, Grafana) and that have no effect in Furl.
/// They are accepted so those clients work, with a warning.
constexpr std::array<std::string_view, 28> kIgnoredSettings = {
    "wait_end_of_query",
    "send_progress_in_http_headers",
    "cancel_http_readonly_queries_on_client_close",
    "async_insert",
    "wait_for_async_insert",
    "async_insert_busy_timeout_ms",
    "async_insert_max_data_size",
    "insert_deduplicate",
    "insert_quorum",
    "max_block_size",
    "max_insert_block_size",
    "max_memory_usage",
    "max_query_size",
    "max_bytes_to_read",
    "use_query_cache",
    "query_cache_ttl",
    "log_queries",
    "log_comment",
    "priority",
    "load_balancing",
    "date_time_input_format",
    "date_time_output_format",
    "use_client_time_zone",
    "connect_timeout",
    "receive_timeout",
    "send_timeout",
    "extremes",
    "join_use_nulls",
};

/// Prefixes of families of client-side and format settings, accepted with
/// a warning like kIgnoredSettings. Furl's own format settings among them
/// (kAppliedSettings) are applied.
constexpr std::array<std::string_view, 6> kIgnoredPrefixes = {
    "output_format_", "input_format_", "format_", "http_", "allow_experimental_", "log_",
};

template <size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate == name) return true;
  }
  return false;
}

bool isIgnoredSetting(std::string_view name) {
  if (contains(kIgnoredSettings, name)) return true;
  for (std::string_view prefix : kIgnoredPrefixes) {
    if (name.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

std::string lower(std::string_view text) { return absl::AsciiStrToLower(absl::string_view(text.data(), text.size())); }

const std::string* findSetting(const std::map<std::string, std::string>& settings, const std::string& name) {
  auto it = settings.find(name);
  return it == settings.end() ? nullptr : &it->second;
}

/// Parses an overflow-mode setting: true for 'break', false for 'throw'.
bool parseOverflowMode(const std::string& name, const std::string& value, bool allowBreak) {
  std::string mode = lower(value);
  if (mode == "throw") return false;
  if (mode == "break" && allowBreak) return true;
  throw QueryError(ErrorCode::kBadArguments,
                   "invalid value '" + value + "' of setting " + name + "; use " +
                       (allowBreak ? "'throw' or 'break'" : "'throw' (Furl has no other mode for it)"));
}

}  // namespace

void checkSettingNames(const std::map<std::string, std::string>& settings, std::vector<std::string>& warnings) {
  std::vector<std::string> ignored;
  for (const auto& [name, value] : settings) {
    if (contains(kAppliedSettings, name)) continue;
    if (isIgnoredSetting(name)) {
      ignored.push_back(name);
      continue;
    }
    std::vector<std::string> known(kAppliedSettings.begin(), kAppliedSettings.end());
    known.insert(known.end(), kIgnoredSettings.begin(), kIgnoredSettings.end());
    std::string message = "unknown setting '" + name + "'";
    std::string suggestion = closestName(name, known);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    throw QueryError(ErrorCode::kUnknownSetting, message);
  }
  if (!ignored.empty()) {
    std::string joined;
    for (const auto& name : ignored) joined += (joined.empty() ? "" : ", ") + name;
    warnings.push_back("settings accepted for compatibility that have no effect in Furl: " + joined);
  }
}

int readonlyLevel(const std::map<std::string, std::string>& settings) {
  const std::string* value = findSetting(settings, "readonly");
  if (value == nullptr || *value == "0" || lower(*value) == "false") return 0;
  return *value == "2" ? 2 : 1;
}

void checkSettingChange(int level, const std::map<std::string, std::string>& current, const std::string& name,
                        const std::string& value, SourcePosition position) {
  if (level == 0) return;
  const std::string* old = findSetting(current, name);
  if (old != nullptr && *old == value) return;
  if (level == 1 || lower(name) == "readonly") {
    throw QueryError(ErrorCode::kReadonly,
                     "cannot change setting '" + name + "' to " + value + " in read-only mode" +
                         (level == 1 ? " (readonly = 1 allows no setting changes)" : "") +
                         "; send the request without readonly (an HTTP GET request counts as readonly = 2)",
                     position);
  }
}

QueryLimits parseQueryLimits(const std::map<std::string, std::string>& settings) {
  QueryLimits limits;
  if (const std::string* value = findSetting(settings, "max_result_rows")) {
    if (!absl::SimpleAtoi(*value, &limits.maxResultRows)) {
      throw QueryError(ErrorCode::kBadArguments,
                       "invalid value '" + *value + "' of setting max_result_rows; use a row count, 0 for no limit");
    }
  }
  if (const std::string* value = findSetting(settings, "result_overflow_mode")) {
    limits.breakOnResultOverflow = parseOverflowMode("result_overflow_mode", *value, /*allowBreak=*/true);
  }
  if (const std::string* value = findSetting(settings, "max_execution_time")) {
    double seconds = 0;
    if (!absl::SimpleAtod(*value, &seconds) || !std::isfinite(seconds) || seconds < 0) {
      throw QueryError(ErrorCode::kBadArguments,
                       "invalid value '" + *value +
                           "' of setting max_execution_time; use a number of seconds, 0 for no limit");
    }
    limits.maxExecutionTimeSeconds = seconds;
  }
  if (const std::string* value = findSetting(settings, "timeout_overflow_mode")) {
    parseOverflowMode("timeout_overflow_mode", *value, /*allowBreak=*/false);
  }
  // The executor reads max_threads itself; a value it cannot read is
  // rejected here rather than silently replaced by the default.
  if (const std::string* value = findSetting(settings, "max_threads")) {
    uint64_t threads = 0;
    if (!absl::SimpleAtoi(*value, &threads) && !lower(*value).starts_with("auto")) {
      throw QueryError(ErrorCode::kBadArguments,
                       "invalid value '" + *value + "' of setting max_threads; use a thread count, or 0 or 'auto' "
                       "for one thread per core");
    }
  }
  if (const std::string* value = findSetting(settings, "readonly")) {
    std::string level = lower(*value);
    if (level != "0" && level != "1" && level != "2" && level != "false" && level != "true") {
      throw QueryError(ErrorCode::kBadArguments,
                       "invalid value '" + *value + "' of setting readonly; use 0 (read and write), 1 (read only) "
                       "or 2 (read only, settings may change)");
    }
  }
  return limits;
}

}  // namespace furl::query
