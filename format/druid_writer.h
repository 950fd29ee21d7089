#pragma once

// Writers for Druid SQL API results (`resultFormat` of POST /druid/v2/sql).
//
//   object       [{"a":1,"b":"x"},...]          application/json
//   array        [[1,"x"],...]                  application/json
//   objectLines  {"a":1,"b":"x"}\n ... \n       text/plain
//   arrayLines   [1,"x"]\n ... \n               text/plain
//   csv          1,x\n ... \n                   text/csv
//
// The line formats and csv end with one blank line so that a client can
// tell a complete response from a truncated one. Timestamps and dates are
// ISO 8601 strings in UTC (`2015-09-12T00:46:58.771Z`), as Druid writes
// TIMESTAMP and DATE columns with the default sqlTimeZone.

#include <optional>
#include <string>
#include <string_view>

#include "format/result_writer.h"

namespace furl::format {

enum class DruidResultFormat { kObject, kArray, kObjectLines, kArrayLines, kCsv };

/// Looks up a resultFormat name (`object`, `arrayLines`, ...); nullopt when unknown.
std::optional<DruidResultFormat> findDruidResultFormat(std::string_view name);

std::string_view druidContentType(DruidResultFormat format);

/// Appends `table` in `format` to `out`. With `header`, the first row holds
/// the column names: a name array for array formats, a csv line for csv,
/// and for object formats an object whose keys are the names and whose
/// values are null.
void writeDruidResult(DruidResultFormat format, bool header, const ResultTable& table, std::string& out);

}  // namespace furl::format
