#include "format/row_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/escaping.h"
#include "common/hll_sketch.h"
#include "common/time_util.h"
#include "format/reader_internal.h"
#include "format/str_cat.h"

namespace furl::format {
namespace internal {
namespace {

constexpr size_t kInitialCapacityRows = 1024;
constexpr size_t kMaxQuotedValueBytes = 100;

template <typename T>
ParseFailure parseInteger(std::string_view text, T& out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
  Wide wide = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), wide);
  if (ec == std::errc::result_out_of_range) return ParseFailure::kOutOfRange;
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return ParseFailure::kInvalid;
  if (wide < static_cast<Wide>(std::numeric_limits<T>::min()) ||
      wide > static_cast<Wide>(std::numeric_limits<T>::max())) {
    return ParseFailure::kOutOfRange;
  }
  out = static_cast<T>(wide);
  return ParseFailure::kNone;
}

template <typename F>
ParseFailure parseFloating(std::string_view text, F& out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return ParseFailure::kInvalid;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc::result_out_of_range) return ParseFailure::kOutOfRange;
  if (ec != std::errc() || ptr != text.data() + text.size()) return ParseFailure::kInvalid;
  return ParseFailure::kNone;
}

bool isAllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Unix seconds with an optional fraction (`1442018818` or `1442018818.771`) to ms.
bool parseUnixSecondsText(std::string_view text, int64_t& ms) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  if (!isAllDigits(whole)) return false;
  int64_t seconds = 0;
  auto res = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (res.ec != std::errc()) return false;
  int64_t millis = 0;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    if (!isAllDigits(fraction)) return false;
    for (size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  ms = seconds * 1000 + millis;
  return true;
}

int64_t floorToSecondMs(int64_t ms) {
  int64_t rem = ms % 1000;
  return rem < 0 ? ms - rem - 1000 : ms - rem;
}

}  // namespace

BatchBuilder::BatchBuilder(const std::vector<ColumnSpec>& columns, size_t maxBatchRows, size_t expectedRows)
    : specs_(columns), maxBatchRows_(std::max<size_t>(1, maxBatchRows)), remainingRows_(expectedRows) {}

void BatchBuilder::startBatch() {
  capacity_ = std::min(maxBatchRows_, std::max(kInitialCapacityRows, std::min(remainingRows_, maxBatchRows_)));
  columns_.clear();
  for (const ColumnSpec& spec : specs_) columns_.push_back(Column::makeFlat(spec.type, capacity_));
  numRows_ = 0;
}

void BatchBuilder::flushBatch() {
  if (columns_.empty() || numRows_ == 0) return;
  Batch batch;
  for (ColumnPtr& column : columns_) {
    column->resize(numRows_);
    column->compactValidity();
    batch.columns.push_back(std::move(column));
  }
  batch.numRows = numRows_;
  batches_.push_back(std::move(batch));
  remainingRows_ = remainingRows_ > numRows_ ? remainingRows_ - numRows_ : 0;
  columns_.clear();
  numRows_ = 0;
}

size_t BatchBuilder::beginRow() {
  if (columns_.empty()) startBatch();
  if (numRows_ == maxBatchRows_) {
    flushBatch();
    startBatch();
  }
  if (numRows_ == capacity_) {
    capacity_ = std::min(maxBatchRows_, capacity_ * 2);
    for (ColumnPtr& column : columns_) column->resize(capacity_);
  }
  return numRows_++;
}

std::vector<Batch> BatchBuilder::finish() {
  flushBatch();
  return std::move(batches_);
}

ParseFailure parseTextValue(std::string_view text, TypeId type, Column& column, size_t row) {
  switch (type) {
    case TypeId::kBool: {
      uint8_t value;
      if (text == "true" || text == "1") {
        value = 1;
      } else if (text == "false" || text == "0") {
        value = 0;
      } else {
        return ParseFailure::kInvalid;
      }
      column.data<uint8_t>()[row] = value;
      return ParseFailure::kNone;
    }
    case TypeId::kInt8: return parseInteger(text, column.data<int8_t>()[row]);
    case TypeId::kInt16: return parseInteger(text, column.data<int16_t>()[row]);
    case TypeId::kInt32: return parseInteger(text, column.data<int32_t>()[row]);
    case TypeId::kInt64: return parseInteger(text, column.data<int64_t>()[row]);
    case TypeId::kUInt8: return parseInteger(text, column.data<uint8_t>()[row]);
    case TypeId::kUInt16: return parseInteger(text, column.data<uint16_t>()[row]);
    case TypeId::kUInt32: return parseInteger(text, column.data<uint32_t>()[row]);
    case TypeId::kUInt64: return parseInteger(text, column.data<uint64_t>()[row]);
    case TypeId::kFloat32: return parseFloating(text, column.data<float>()[row]);
    case TypeId::kFloat64: return parseFloating(text, column.data<double>()[row]);
    case TypeId::kDate: {
      if (isAllDigits(text)) return parseInteger(text, column.data<int32_t>()[row]);
      if (auto days = parseDate(text)) {
        column.data<int32_t>()[row] = *days;
        return ParseFailure::kNone;
      }
      if (auto ms = parseTimestampMs(text)) {
        column.data<int32_t>()[row] = daysFromMs(*ms);
        return ParseFailure::kNone;
      }
      return ParseFailure::kInvalid;
    }
    case TypeId::kDateTime64:
      if (isAllDigits(text)) {
        int64_t value = 0;
        ParseFailure failure = parseInteger(text, value);
        if (failure != ParseFailure::kNone) return failure;
        column.data<int64_t>()[row] = *dateTime64MsFromInteger(value);
        return ParseFailure::kNone;
      }
      [[fallthrough]];
    case TypeId::kDateTime: {
      int64_t ms = 0;
      if (!parseUnixSecondsText(text, ms)) {
        auto parsed = parseTimestampMs(text);
        if (!parsed) return ParseFailure::kInvalid;
        ms = *parsed;
      }
      column.data<int64_t>()[row] = type == TypeId::kDateTime ? floorToSecondMs(ms) : ms;
      return ParseFailure::kNone;
    }
    case TypeId::kString:
      column.data<std::string_view>()[row] = column.heap().add(text);
      return ParseFailure::kNone;
    case TypeId::kHllSketch:
      return parseSketchText(text, column, row);
    case TypeId::kNull:
      return ParseFailure::kInvalid;
  }
  return ParseFailure::kInvalid;
}

ParseFailure parseSketchText(std::string_view text, Column& column, size_t row) {
  // Sketches travel as the base64 text of their bytes, as the output formats
  // print them; the bytes must pass the sketch's own checks.
  std::string bytes;
  if (!absl::Base64Unescape(absl::string_view(text.data(), text.size()), &bytes)) return ParseFailure::kInvalid;
  if (!HllSketch::deserialize(bytes).ok()) return ParseFailure::kInvalid;
  column.data<std::string_view>()[row] = column.heap().add(bytes);
  return ParseFailure::kNone;
}

std::string describeLocation(const RowLocation& location) {
  if (location.line > 0) {
    return internal::concat(" at row ", location.row, " (line ", location.line, ") of ", location.formatName, " input");
  }
  return internal::concat(" at row ", location.row, " of ", location.formatName, " input");
}

std::string quoteForMessage(std::string_view text) {
  if (text.size() > kMaxQuotedValueBytes) return concat('\'', text.substr(0, kMaxQuotedValueBytes), "...'");
  return concat('\'', text, '\'');
}

absl::Status valueError(ParseFailure failure, std::string_view text, const ColumnSpec& spec,
                        const RowLocation& location) {
  std::string typeName = spec.type.toString();
  ErrorCode code = isTemporal(spec.type.id) ? ErrorCode::kCannotParseDateTime : ErrorCode::kCannotParseText;
  if (failure == ParseFailure::kOutOfRange) {
    return statusFromError(code, internal::concat("value ", quoteForMessage(text), " is out of range for ", typeName,
                                              " column '", spec.name, "'", describeLocation(location),
                                              "; use a wider column type"));
  }
  std::string hint;
  if (isTemporal(spec.type.id)) {
    hint = internal::concat("; expected ", kTimestampSpellings, ", or Unix seconds");
  } else if (spec.type.id == TypeId::kBool) {
    hint = "; expected true, false, 1 or 0";
  } else if (spec.type.id == TypeId::kHllSketch) {
    hint = "; expected the base64 text of a sketch, as Furl prints sketch columns (format in docs/hll-sketch.md)";
  }
  return statusFromError(code, internal::concat("cannot parse ", quoteForMessage(text), " as ", typeName,
                                            " for column '", spec.name, "'", describeLocation(location), hint));
}

absl::Status nullError(const ColumnSpec& spec, const RowLocation& location) {
  return statusFromError(ErrorCode::kCannotParseInput,
                         internal::concat("NULL for non-nullable column '", spec.name, "' of type ", spec.type.toString(),
                                      describeLocation(location), "; send a value or declare the column Nullable"));
}

absl::Status inputError(std::string_view what, const RowLocation& location) {
  return statusFromError(ErrorCode::kCannotParseInput, internal::concat(what, describeLocation(location)));
}

}  // namespace internal

absl::StatusOr<std::vector<Batch>> readRows(FormatId format, std::string_view data,
                                            const std::vector<ColumnSpec>& columns, const ReadOptions& options) {
  switch (format) {
    case FormatId::kJsonEachRow:
      return internal::readJsonEachRow(data, columns, options);
    case FormatId::kTabSeparated:
    case FormatId::kTabSeparatedWithNames:
    case FormatId::kCsv:
    case FormatId::kCsvWithNames:
      return internal::readDelimited(format, data, columns, options);
    default:
      return statusFromError(ErrorCode::kUnknownFormat,
                             internal::concat("format ", formatName(format),
                                          " cannot be used for input; use JSONEachRow, TabSeparated, "
                                          "TabSeparatedWithNames, CSV or CSVWithNames"));
  }
}

absl::StatusOr<std::vector<Batch>> readRows(std::string_view format, std::string_view data,
                                            const std::vector<ColumnSpec>& columns, const ReadOptions& options) {
  auto id = requireFormat(format);
  if (!id.ok()) return id.status();
  return readRows(*id, data, columns, options);
}

}  // namespace furl::format
