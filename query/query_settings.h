#pragma once

// Query settings: the names Furl accepts, and the limits it enforces.
//
// Settings reach a query from URL parameters, the native protocol and the
// SETTINGS clause. As in ClickHouse, a name Furl does not know is an error
// (UNKNOWN_SETTING, code 115), so a misspelt limit is never silently
// dropped. Settings that ClickHouse clients commonly send but that change
// nothing in Furl (wait_end_of_query, output_format_*, ...) are accepted and
// reported as warnings.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace furl::query {

/// The limits a query runs under, parsed from its settings.
struct QueryLimits {
  /// max_result_rows: 0 means no limit.
  uint64_t maxResultRows = 0;
  /// result_overflow_mode = 'break': return the rows read so far instead of
  /// failing with TOO_MANY_ROWS_OR_BYTES.
  bool breakOnResultOverflow = false;
  /// max_execution_time, in seconds; 0 means no limit.
  double maxExecutionTimeSeconds = 0;
};

/// Checks every name in `settings`. Settings Furl applies pass; settings
/// accepted only for client compatibility add one line to `warnings`.
/// Throws QueryError kUnknownSetting for any other name, with the closest
/// known name as a suggestion.
void checkSettingNames(const std::map<std::string, std::string>& settings, std::vector<std::string>& warnings);

/// The readonly level that `settings` set: 0 (read and write, also when
/// unset), 1 (read only) or 2 (read only, other settings may change).
int readonlyLevel(const std::map<std::string, std::string>& settings);

/// Throws QueryError kReadonly when a statement (its SETTINGS clause or a
/// SET) may not change setting `name` from its value in `current` to
/// `value` under readonly `level`: with 1 no setting may change, with 2
/// readonly may not. Setting the current value again is no change.
void checkSettingChange(int level, const std::map<std::string, std::string>& current, const std::string& name,
                        const std::string& value, SourcePosition position = {});

/// Parses the limit settings. Throws QueryError kBadArguments naming the
/// setting when a value is not valid (a negative time, an unknown mode).
QueryLimits parseQueryLimits(const std::map<std::string, std::string>& settings);

}  // namespace furl::query
