#pragma once

// Test helpers that take JSON messages through the general path of
// Supervisor::processMessage() into a RowBuffer and read the rows back.

#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "ingest/event.h"
#include "ingest/ingestion_spec.h"
#include "ingest/row_buffer.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest::test_util {

/// What processMessage() does with one JSON message: decode, take the event
/// time, apply the transforms and the filter, and add the row. Returns "ok",
/// "filtered" or the error.
inline std::string ingestMessage(const IngestionSpec& spec, RowBuffer& rows, simdjson::dom::parser& parser,
                                 std::string_view message) {
  absl::StatusOr<Event> event =
      parseJsonEvent(message, parser, spec.inputFieldsOrAll(), &spec.ioConfig.inputFormat.flattenSpec);
  if (!event.ok()) return std::string(event.status().message());
  absl::StatusOr<int64_t> timeMs = spec.eventTimeMs(*event);
  if (!timeMs.ok()) return std::string(timeMs.status().message());
  timeMs = spec.applyTransforms(*event, *timeMs);
  if (!timeMs.ok()) return std::string(timeMs.status().message());
  if (!spec.passesFilter(*event)) return "filtered";
  std::vector<FieldProblem> problems;
  rows.add(*event, *timeMs, problems);
  return problems.empty() ? "ok" : problems[0].message;
}

/// Returns every row of `batches` as its cells' text joined with '|'.
inline std::vector<std::string> cells(const std::vector<Batch>& batches) {
  std::vector<std::string> out;
  for (const Batch& batch : batches) {
    for (size_t row = 0; row < batch.numRows; ++row) {
      std::string line;
      for (const ColumnPtr& column : batch.columns) strAppend(&line, column->getValue(row).toString(), "|");
      out.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace furl::ingest::test_util
