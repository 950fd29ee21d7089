// TabSeparated and CSV input. A record is split into fields (decoded into
// reused scratch strings), then each field is parsed into its column.

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>

#include "format/str_cat.h"
#include "format/reader_internal.h"

namespace furl::format::internal {
namespace {

/// One field of a record after unescaping or unquoting.
struct Field {
  std::string_view text;
  bool isNull = false;   // `\N`, or unquoted NULL in CSV
  bool isEmptyUnquoted = false;  // CSV: takes the column default
};

/// Splits records out of the input. Fields' text views stay valid until
/// the next call of next().
class RecordSplitter {
 public:
  RecordSplitter(std::string_view data, bool csv) : data_(data), csv_(csv) {
    if (data_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  /// True when no record is left (whitespace-only tails count as none).
  bool atEnd() const {
    for (size_t i = pos_; i < data_.size(); ++i) {
      char c = data_[i];
      if (c != '\n' && c != '\r' && c != ' ') return false;
    }
    return true;
  }

  /// The line on which the next (or last returned) record starts.
  size_t line() const { return recordLine_; }

  /// Reads the next record into fields(); returns an error message on
  /// malformed input.
  std::optional<std::string> next() {
    recordLine_ = line_;
    fields_.clear();
    return csv_ ? nextCsv() : nextTsv();
  }

  const std::vector<Field>& fields() const { return fields_; }

 private:
  std::string& scratch(size_t index) {
    if (scratch_.size() <= index) scratch_.resize(index + 1);
    scratch_[index].clear();
    return scratch_[index];
  }

  std::optional<std::string> nextTsv() {
    size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) end = data_.size();
    std::string_view line = data_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_;

    size_t start = 0;
    while (true) {
      size_t tab = line.find('\t', start);
      std::string_view raw = line.substr(start, tab == std::string_view::npos ? line.size() - start : tab - start);
      Field field;
      if (raw == "\\N") {
        field.isNull = true;
      } else if (raw.find('\\') == std::string_view::npos) {
        field.text = raw;
      } else {
        std::string& decoded = scratch(fields_.size());
        if (auto error = unescapeTsv(raw, decoded)) return error;
        field.text = decoded;
      }
      fields_.push_back(field);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    return std::nullopt;
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static std::optional<std::string> unescapeTsv(std::string_view raw, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i + 1 >= raw.size()) {
        return std::string("invalid escape sequence: a field ends with a lone backslash; write '\\\\' for a backslash");
      }
      char e = raw[++i];
      switch (e) {
        case 't': out.push_back('\t'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case '0': out.push_back('\0'); break;
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case '/': out.push_back('/'); break;
        case 'x': {
          int high = i + 1 < raw.size() ? hexValue(raw[i + 1]) : -1;
          int low = i + 2 < raw.size() ? hexValue(raw[i + 2]) : -1;
          if (high < 0 || low < 0) return std::string("invalid escape sequence '\\x': expected two hex digits");
          out.push_back(static_cast<char>(high * 16 + low));
          i += 2;
          break;
        }
        default:
          return concat("invalid escape sequence '\\", std::string_view(&raw[i], 1),
                              "'; write '\\\\' for a backslash");
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> nextCsv() {
    while (true) {
      Field field;
      std::string& text = scratch(fields_.size());
      bool quoted = pos_ < data_.size() && data_[pos_] == '"';
      if (quoted) {
        ++pos_;
        while (true) {
          if (pos_ >= data_.size()) return std::string("unterminated quoted field: missing closing '\"'");
          char c = data_[pos_++];
          if (c == '"') {
            if (pos_ < data_.size() && data_[pos_] == '"') {
              text.push_back('"');
              ++pos_;
              continue;
            }
            break;
          }
          if (c == '\n') ++line_;
          text.push_back(c);
        }
        field.text = text;
      } else {
        size_t end = pos_;
        while (end < data_.size() && data_[end] != ',' && data_[end] != '\n') ++end;
        std::string_view raw = data_.substr(pos_, end - pos_);
        if (!raw.empty() && raw.back() == '\r' && (end == data_.size() || data_[end] == '\n')) raw.remove_suffix(1);
        if (raw.find('"') != std::string_view::npos) {
          return concat("unexpected '\"' inside the unquoted field ", quoteForMessage(raw),
                              "; quote the whole field and double the quotes inside it");
        }
        pos_ = end;
        field.text = raw;
        field.isNull = raw == "\\N" || raw == "NULL";
        field.isEmptyUnquoted = raw.empty();
      }
      fields_.push_back(field);

      // After a field: a comma, a line end, or the end of the input.
      if (pos_ < data_.size() && data_[pos_] == '\r') ++pos_;
      if (pos_ >= data_.size()) return std::nullopt;
      char separator = data_[pos_++];
      if (separator == '\n') {
        ++line_;
        return std::nullopt;
      }
      if (separator != ',') {
        return concat("unexpected ", quoteForMessage(std::string_view(&data_[pos_ - 1], 1)),
                            " after a quoted field; expected ',' or a line end");
      }
    }
  }

  std::string_view data_;
  bool csv_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t recordLine_ = 1;
  std::vector<Field> fields_;
  // A deque, so growing it never moves the strings that fields point into.
  std::deque<std::string> scratch_;
};

}  // namespace

absl::StatusOr<std::vector<Batch>> readDelimited(FormatId format, std::string_view data,
                                                 const std::vector<ColumnSpec>& columns, const ReadOptions& options) {
  bool csv = format == FormatId::kCsv || format == FormatId::kCsvWithNames;
  bool withNames = format == FormatId::kCsvWithNames || format == FormatId::kTabSeparatedWithNames;
  std::string_view name = formatName(format);
  RecordSplitter splitter(data, csv);

  // fieldColumn[i] is the column that input field i fills, or -1 to skip it.
  std::vector<int> fieldColumn(columns.size());
  for (size_t i = 0; i < columns.size(); ++i) fieldColumn[i] = static_cast<int>(i);
  std::vector<bool> columnInInput(columns.size(), true);

  if (withNames && !splitter.atEnd()) {
    if (auto error = splitter.next()) return inputError(*error + " in the header", RowLocation{name, 0, 1});
    fieldColumn.clear();
    std::fill(columnInInput.begin(), columnInInput.end(), false);
    for (const Field& field : splitter.fields()) {
      auto it = std::find_if(columns.begin(), columns.end(),
                             [&](const ColumnSpec& spec) { return spec.name == field.text; });
      if (it == columns.end()) {
        if (!options.skipUnknownFields) {
          return statusFromError(ErrorCode::kCannotParseInput,
                                 concat("unknown column '", field.text, "' in the header of ", name,
                                              " input; remove it or set input_format_skip_unknown_fields=1"));
        }
        fieldColumn.push_back(-1);
        continue;
      }
      size_t index = static_cast<size_t>(it - columns.begin());
      if (columnInInput[index]) {
        return statusFromError(ErrorCode::kCannotParseInput,
                               concat("column '", field.text, "' appears twice in the header of ", name, " input"));
      }
      columnInInput[index] = true;
      fieldColumn.push_back(static_cast<int>(index));
    }
  }

  size_t expectedRows = static_cast<size_t>(std::count(data.begin(), data.end(), '\n')) + 1;
  BatchBuilder builder(columns, options.maxBatchRows, expectedRows);
  size_t rowNumber = 0;
  while (!splitter.atEnd()) {
    ++rowNumber;
    auto error = splitter.next();
    RowLocation location{name, rowNumber, splitter.line()};
    if (error) return inputError(*error, location);

    const std::vector<Field>& fields = splitter.fields();
    if (fields.size() != fieldColumn.size()) {
      return inputError(concat("expected ", fieldColumn.size(), " fields but found ", fields.size(),
                                     csv ? "; check the commas and quoting" : "; check the tabs and escaping"),
                        location);
    }

    size_t row = builder.beginRow();
    for (size_t i = 0; i < fields.size(); ++i) {
      int index = fieldColumn[i];
      if (index < 0) continue;
      const ColumnSpec& spec = columns[static_cast<size_t>(index)];
      const Field& field = fields[i];
      if (field.isNull || (field.isEmptyUnquoted && spec.type.nullable)) {
        if (!spec.type.nullable) return nullError(spec, location);
        builder.setNull(static_cast<size_t>(index), row);
        continue;
      }
      if (field.isEmptyUnquoted) continue;  // the zero default
      ParseFailure failure = parseTextValue(field.text, spec.type.id, builder.column(static_cast<size_t>(index)), row);
      if (failure != ParseFailure::kNone) return valueError(failure, field.text, spec, location);
    }
    for (size_t c = 0; c < columns.size(); ++c) {
      if (!columnInInput[c] && columns[c].type.nullable) builder.setNull(c, row);
    }
  }
  return builder.finish();
}

}  // namespace furl::format::internal
