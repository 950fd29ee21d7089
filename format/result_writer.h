#pragma once

// Writers for query results in ClickHouse output formats.
//
// The text of every value matches ClickHouse's: Date `2015-09-12`, DateTime
// `2015-09-12 00:46:58`, DateTime64(3) `2015-09-12 00:46:58.771`, Bool
// `true`/`false`, floats as the shortest text that reads back the same,
// NULL as `\N` in TabSeparated and CSV and `null` in JSON formats.

#include <cstdint>
#include <string>
#include <vector>

#include "common/column.h"
#include "common/types.h"
#include "format/format_id.h"

namespace furl::format {

/// A result set to write: column names and types plus batches whose
/// columns follow them. Batches may use any column encoding, validity and
/// a selection vector. The writer only reads them.
struct ResultTable {
  const std::vector<std::string>& columnNames;
  const std::vector<DataType>& columnTypes;
  const std::vector<Batch>& batches;
};

struct WriteOptions {
  /// Int64 and UInt64 as JSON strings, as ClickHouse's
  /// output_format_json_quote_64bit_integers=1 (its default) writes them.
  bool quote64BitIntegers = true;
  /// The `statistics` object of the JSON and JSONCompact formats.
  double elapsedSeconds = 0;
  uint64_t rowsRead = 0;
  uint64_t bytesRead = 0;
};

/// Appends `table` in `format` to `out`. Never fails: every format and type
/// has a spelling.
void writeResult(FormatId format, const ResultTable& table, const WriteOptions& options, std::string& out);

}  // namespace furl::format
