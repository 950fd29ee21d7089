#pragma once

// Readers for INSERT input: JSONEachRow, TabSeparated, TabSeparatedWithNames,
// CSV and CSVWithNames bodies become batches of dense flat columns.
//
// Semantics follow ClickHouse's defaults:
//   - JSONEachRow: objects separated by whitespace or commas, optionally
//     inside one `[...]`. Missing keys take the column default (0, '' or
//     NULL for Nullable columns); unknown keys are an error unless
//     skipUnknownFields; `null` is NULL and is an error for non-nullable
//     columns. JSON numbers go into DateTime and DateTime64 as Unix seconds
//     and into Date as days since 1970-01-01; strings into temporal columns
//     go through parseTimestampMs.
//   - TabSeparated: fields split by tab, rows by newline; `\N` is NULL;
//     `\t \n \r \\ \b \f \0 \' \"` and `\xHH` escapes are decoded, any
//     other escape is an error.
//   - CSV (RFC 4180): fields may be double-quoted with `""` for a quote and
//     may then span lines. Unquoted `\N` and `NULL` are NULL; an empty
//     unquoted field takes the column default (NULL for Nullable columns),
//     as with ClickHouse's input_format_csv_empty_as_default=1.
//   - *WithNames: the first row names the columns of the input; columns not
//     named take their defaults.
//
// Errors name the format, row, column and value, and say how to fix them:
//   cannot parse 'abc' as Int64 for column 'added' at row 12 of JSONEachRow input

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/types.h"
#include "format/format_id.h"

namespace furl::format {

/// A target column: rows are produced with exactly these types, in this order.
struct ColumnSpec {
  std::string name;
  DataType type;
};

struct ReadOptions {
  /// Ignore input fields (JSON keys, *WithNames header names) that match no
  /// column instead of failing; ClickHouse's input_format_skip_unknown_fields.
  bool skipUnknownFields = false;
  /// Rows per output batch.
  size_t maxBatchRows = 65536;
};

/// Parses `data` in `format` into batches of at most options.maxBatchRows
/// rows whose columns are flat, dense and typed as `columns`. Errors come
/// back as statuses made by statusFromError: kUnknownFormat for a format
/// that is not an input format, kCannotParseInput for malformed structure
/// and unknown fields, kCannotParseText and kCannotParseDateTime for values.
absl::StatusOr<std::vector<Batch>> readRows(std::string_view format, std::string_view data,
                                            const std::vector<ColumnSpec>& columns, const ReadOptions& options);

absl::StatusOr<std::vector<Batch>> readRows(FormatId format, std::string_view data,
                                            const std::vector<ColumnSpec>& columns, const ReadOptions& options);

}  // namespace furl::format
