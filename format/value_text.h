#pragma once

// Text spellings of column values, shared by the output formats.
//
// Values are rendered one column at a time into a RenderedColumn, so the
// type and encoding switch runs once per column and batch, not per value;
// the row-major writers then interleave the rendered slices.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"

namespace furl::format {

/// Appends `s` with ClickHouse's TabSeparated escaping: backslash, tab,
/// newline, carriage return, backspace, form feed, NUL and single quote
/// become `\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\0` and `\'`.
void appendTsvEscaped(std::string& out, std::string_view s);

/// Appends `s` in double quotes with embedded quotes doubled (RFC 4180).
void appendCsvQuoted(std::string& out, std::string_view s);

/// Appends `s` quoted only when it contains a comma, quote, CR or LF.
void appendCsvQuotedIfNeeded(std::string& out, std::string_view s);

/// Appends `s` as a JSON string literal. Control characters become `\uXXXX`
/// (or their short escapes). With `escapeSlash`, `/` becomes `\/`, as
/// ClickHouse writes it with output_format_json_escape_forward_slashes=1,
/// its default. Druid's JSON leaves `/` as it is.
void appendJsonString(std::string& out, std::string_view s, bool escapeSlash = true);

/// Appends the shortest text that reads back as the same double, laid out
/// as ClickHouse (double-conversion with exponent thresholds 1e-6 and 1e21)
/// and JavaScript print it: `0.1`, `100000000000000000000`, `1e21`, `1e-7`,
/// `inf`, `-inf`, `nan`.
void appendDouble(std::string& out, double value);
/// The same for float: shortest text that reads back as the same float.
void appendFloat(std::string& out, float value);

/// Appends `2015-09-12T00:46:58.771Z` (ISO 8601, UTC, milliseconds).
void appendIsoTimestamp(std::string& out, int64_t ms);

enum class ValueStyle : uint8_t {
  kTsv,        // TabSeparated: escaped strings, NULL as \N
  kCsv,        // CSV: quoted strings, dates and times; NULL as \N
  kJson,       // ClickHouse JSON formats: NULL as null, non-finite floats as null
  kDruidJson,  // Druid SQL JSON: timestamps as ISO 8601 strings, 64-bit ints unquoted
  kDruidCsv,   // Druid SQL csv: ISO timestamps, NULL as an empty field
  kText,       // Pretty formats: strings as they are (tab and newline escaped), NULL as ᴺᵁᴸᴸ
};

/// Rendered text of the rows of one column in one batch.
struct RenderedColumn {
  std::string bytes;
  std::vector<size_t> ends;  // ends[i] is the end offset of row i in bytes

  std::string_view row(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(bytes).substr(begin, ends[i] - begin);
  }
  void clear() {
    bytes.clear();
    ends.clear();
  }
};

/// Renders rows [0, numRows) of `column` (any encoding, any validity) in
/// `style`, replacing the contents of `out`. With quote64BitIntegers, Int64
/// and UInt64 values are JSON strings (ClickHouse's
/// output_format_json_quote_64bit_integers=1); it applies to kJson only.
void renderColumn(const Column& column, size_t numRows, ValueStyle style, bool quote64BitIntegers,
                  RenderedColumn& out);

}  // namespace furl::format
