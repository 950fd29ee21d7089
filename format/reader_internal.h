#pragma once

// Pieces shared by the input format readers; private to furl_format.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/column.h"
#include "common/error.h"
#include "format/format_id.h"
#include "format/row_reader.h"

namespace furl::format::internal {

/// Collects rows into flat columns and cuts them into batches.
class BatchBuilder {
 public:
  BatchBuilder(const std::vector<ColumnSpec>& columns, size_t maxBatchRows, size_t expectedRows);

  /// Starts a row whose values are zero (empty strings) and returns its
  /// index in the current batch.
  size_t beginRow();
  Column& column(size_t index) { return *columns_[index]; }
  /// Marks the row's value in `index` NULL; requires a nullable column.
  void setNull(size_t index, size_t row) { columns_[index]->setNull(row); }

  std::vector<Batch> finish();

 private:
  void startBatch();
  void flushBatch();

  const std::vector<ColumnSpec>& specs_;
  size_t maxBatchRows_;
  size_t remainingRows_;
  std::vector<ColumnPtr> columns_;
  size_t capacity_ = 0;
  size_t numRows_ = 0;
  std::vector<Batch> batches_;
};

/// Why a text value did not parse.
enum class ParseFailure { kNone, kInvalid, kOutOfRange };

/// Parses the text form of a value into `row` of `column` (flat, typed as
/// `type`). Strings are copied into the column's heap.
ParseFailure parseTextValue(std::string_view text, TypeId type, Column& column, size_t row);
/// Decodes the base64 text of an HLL sketch and stores the bytes when they
/// are a valid sketch.
ParseFailure parseSketchText(std::string_view text, Column& column, size_t row);

/// Location of a row in the input, for messages: 1-based row, and line when
/// it is known (0 when not).
struct RowLocation {
  std::string_view formatName;
  size_t row = 0;
  size_t line = 0;
};

/// " at row 12 (line 13) of CSV input".
std::string describeLocation(const RowLocation& location);

/// The error for a value that did not parse, with the fix.
absl::Status valueError(ParseFailure failure, std::string_view text, const ColumnSpec& spec,
                        const RowLocation& location);

/// The error for NULL in a non-nullable column.
absl::Status nullError(const ColumnSpec& spec, const RowLocation& location);

/// A structural error (kCannotParseInput) with the location appended.
absl::Status inputError(std::string_view what, const RowLocation& location);

/// `text` cut to a readable length for messages.
std::string quoteForMessage(std::string_view text);

absl::StatusOr<std::vector<Batch>> readJsonEachRow(std::string_view data, const std::vector<ColumnSpec>& columns,
                                                   const ReadOptions& options);

absl::StatusOr<std::vector<Batch>> readDelimited(FormatId format, std::string_view data,
                                                 const std::vector<ColumnSpec>& columns, const ReadOptions& options);

}  // namespace furl::format::internal
