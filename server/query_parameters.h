#pragma once

// Binding of query parameters into SQL text, done in the server because
// the engine takes plain SQL:
//   - ClickHouse: `{name:Type}` placeholders with values from `param_name`
//     URL parameters (as @clickhouse/client sends query_params);
//   - Druid: `?` placeholders with the request's `parameters` list.
// Values become SQL literals: numbers as written (after validation),
// everything else as a single-quoted string with quotes and backslashes
// escaped, which the engine converts to the column type it is compared to.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace furl::server {

/// Replaces every `{name:Type}` outside string literals and comments with
/// the literal of params["param_" + name]. The values are in ClickHouse's
/// escaped text form (`\t`, `\n`, `\\`, `\'` escapes), as clients send
/// them. Errors (kBadArguments status): a placeholder without a value, or
/// a value that is not a number for a numeric type.
absl::StatusOr<std::string> bindClickHouseParameters(std::string_view sql,
                                                     const std::map<std::string, std::string>& params);

/// A Druid dynamic parameter: its SQL type name and its value as JSON
/// scalar text (`"#en.wikipedia"` is already unquoted, numbers as written,
/// isNull for JSON null).
struct DruidParameter {
  std::string type;
  std::string value;
  bool isString = false;
  bool isNull = false;
};

/// Replaces the `?` placeholders outside string literals and comments, in
/// order. Errors (kBadArguments status) when the counts differ.
absl::StatusOr<std::string> bindDruidParameters(std::string_view sql, const std::vector<DruidParameter>& params);

}  // namespace furl::server
