// JSONEachRow input: the object boundaries are found by a scan that tracks
// strings and nesting, then each object is parsed by simdjson's DOM parser
// from a reused padded buffer, so errors can name the row and line.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "common/close_matches.h"
#include "common/time_util.h"
#include "format/str_cat.h"
#include "format/reader_internal.h"
#include "simdjson.h"

namespace furl::format::internal {
namespace {

constexpr std::string_view kFormatName = "JSONEachRow";

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t lineAt(std::string_view data, size_t offset) {
  return 1 + static_cast<size_t>(std::count(data.begin(), data.begin() + static_cast<ptrdiff_t>(offset), '\n'));
}

/// Returns the offset one past the `}` that closes the object opening at
/// `begin`, or npos when the input ends first.
size_t findObjectEnd(std::string_view data, size_t begin) {
  int depth = 0;
  bool inString = false;
  for (size_t i = begin; i < data.size(); ++i) {
    char c = data[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

template <typename T>
bool fitsInteger(int64_t value) {
  if constexpr (std::is_unsigned_v<T>) {
    return value >= 0 && static_cast<uint64_t>(value) <= std::numeric_limits<T>::max();
  } else {
    return value >= std::numeric_limits<T>::min() && value <= std::numeric_limits<T>::max();
  }
}

/// Converts one JSON scalar number into the column; returns kNone, or why not.
ParseFailure storeNumber(simdjson::dom::element element, TypeId type, Column& column, size_t row) {
  simdjson::dom::element_type kind = element.type();
  bool isInt = kind == simdjson::dom::element_type::INT64;
  bool isUInt = kind == simdjson::dom::element_type::UINT64;
  double asDouble = isInt ? static_cast<double>(int64_t(element))
                          : isUInt ? static_cast<double>(uint64_t(element)) : double(element);

  // An integral value that fits int64 is checked per type below; a larger
  // unsigned value only fits UInt64.
  auto storeInteger = [&]<typename T>() -> ParseFailure {
    if (isUInt) {
      uint64_t value = uint64_t(element);
      if (value > std::numeric_limits<T>::max()) return ParseFailure::kOutOfRange;
      column.data<T>()[row] = static_cast<T>(value);
      return ParseFailure::kNone;
    }
    int64_t value;
    if (isInt) {
      value = int64_t(element);
    } else {
      if (asDouble != std::trunc(asDouble)) return ParseFailure::kInvalid;
      if (asDouble < -9.2e18 || asDouble > 9.2e18) return ParseFailure::kOutOfRange;
      value = static_cast<int64_t>(asDouble);
    }
    if (!fitsInteger<T>(value)) return ParseFailure::kOutOfRange;
    column.data<T>()[row] = static_cast<T>(value);
    return ParseFailure::kNone;
  };

  switch (type) {
    case TypeId::kBool: {
      if (asDouble != 0 && asDouble != 1) return ParseFailure::kInvalid;
      column.data<uint8_t>()[row] = asDouble != 0;
      return ParseFailure::kNone;
    }
    case TypeId::kInt8: return storeInteger.operator()<int8_t>();
    case TypeId::kInt16: return storeInteger.operator()<int16_t>();
    case TypeId::kInt32: return storeInteger.operator()<int32_t>();
    case TypeId::kInt64: return storeInteger.operator()<int64_t>();
    case TypeId::kUInt8: return storeInteger.operator()<uint8_t>();
    case TypeId::kUInt16: return storeInteger.operator()<uint16_t>();
    case TypeId::kUInt32: return storeInteger.operator()<uint32_t>();
    case TypeId::kUInt64: return storeInteger.operator()<uint64_t>();
    case TypeId::kFloat32: column.data<float>()[row] = static_cast<float>(asDouble); return ParseFailure::kNone;
    case TypeId::kFloat64: column.data<double>()[row] = asDouble; return ParseFailure::kNone;
    case TypeId::kDate: return storeInteger.operator()<int32_t>();
    case TypeId::kDateTime64:
      // An integer follows ClickHouse's DateTime64 rule (ticks or seconds);
      // a number with a fraction is seconds, as for DateTime.
      if (isInt || isUInt) {
        if (isUInt && uint64_t(element) > uint64_t(std::numeric_limits<int64_t>::max())) {
          return ParseFailure::kOutOfRange;
        }
        auto ms = dateTime64MsFromInteger(isInt ? int64_t(element) : static_cast<int64_t>(uint64_t(element)));
        if (!ms) return ParseFailure::kOutOfRange;
        column.data<int64_t>()[row] = *ms;
        return ParseFailure::kNone;
      }
      [[fallthrough]];
    case TypeId::kDateTime: {
      // Other JSON numbers are Unix seconds; DateTime keeps whole seconds.
      double ms = type == TypeId::kDateTime ? std::floor(asDouble) * 1000 : std::round(asDouble * 1000);
      if (!(ms > -9.2e18 && ms < 9.2e18)) return ParseFailure::kOutOfRange;
      column.data<int64_t>()[row] = static_cast<int64_t>(ms);
      return ParseFailure::kNone;
    }
    case TypeId::kString:
    case TypeId::kHllSketch:
    case TypeId::kNull:
      break;
  }
  return ParseFailure::kInvalid;
}

class JsonEachRowReader {
 public:
  JsonEachRowReader(std::string_view data, const std::vector<ColumnSpec>& columns, const ReadOptions& options)
      : data_(data), columns_(columns), options_(options),
        builder_(columns, options.maxBatchRows, std::count(data.begin(), data.end(), '\n') + 1),
        lastRowSet_(columns.size(), 0) {
    for (size_t i = 0; i < columns.size(); ++i) columnByName_[columns[i].name] = i;
  }

  absl::StatusOr<std::vector<Batch>> read() {
    size_t pos = 0;
    if (data_.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
    skipSeparators(pos);
    bool inArray = pos < data_.size() && data_[pos] == '[';
    if (inArray) ++pos;

    while (true) {
      skipSeparators(pos);
      if (pos >= data_.size()) {
        if (inArray) return error("missing ']' that closes the top-level JSON array", pos);
        break;
      }
      if (inArray && data_[pos] == ']') {
        ++pos;
        skipSeparators(pos);
        if (pos < data_.size()) return error("unexpected data after the closing ']'", pos);
        break;
      }
      ++rowNumber_;
      if (data_[pos] != '{') {
        return error(concat("expected '{' that starts a JSON object but found ",
                                  quoteForMessage(data_.substr(pos, 20))),
                     pos);
      }
      size_t end = findObjectEnd(data_, pos);
      if (end == std::string_view::npos) {
        return error("unexpected end of input inside a JSON object; the input may be truncated", pos);
      }
      absl::Status status = readObject(data_.substr(pos, end - pos), pos);
      if (!status.ok()) return status;
      pos = end;
    }
    return builder_.finish();
  }

 private:
  void skipSeparators(size_t& pos) const {
    while (pos < data_.size() && (isJsonSpace(data_[pos]) || data_[pos] == ',')) ++pos;
  }

  RowLocation location(size_t offset) const { return RowLocation{kFormatName, rowNumber_, lineAt(data_, offset)}; }

  absl::Status error(std::string_view what, size_t offset) const { return inputError(what, location(offset)); }

  absl::Status readObject(std::string_view text, size_t offset) {
    padded_.assign(text.data(), text.size());
    padded_.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element root;
    auto parseError = parser_.parse(padded_.data(), text.size(), false).get(root);
    if (parseError) {
      return error(concat("invalid JSON object (", simdjson::error_message(parseError), ")"), offset);
    }
    simdjson::dom::object object;
    if (root.get_object().get(object)) return error("expected a JSON object", offset);

    size_t row = builder_.beginRow();
    ++rowStamp_;
    for (auto field : object) {
      auto it = columnByName_.find(field.key);
      if (it == columnByName_.end()) {
        if (options_.skipUnknownFields) continue;
        return error(unknownFieldMessage(field.key), offset);
      }
      size_t index = it->second;
      if (lastRowSet_[index] == rowStamp_) {
        return error(concat("duplicate field '", field.key, "'"), offset);
      }
      lastRowSet_[index] = rowStamp_;
      absl::Status status = storeValue(field.value, index, row, offset);
      if (!status.ok()) return status;
    }

    // Missing keys keep the zero default, or NULL for nullable columns.
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (lastRowSet_[i] != rowStamp_ && columns_[i].type.nullable) builder_.setNull(i, row);
    }
    return absl::OkStatus();
  }

  absl::Status storeValue(simdjson::dom::element value, size_t index, size_t row, size_t offset) {
    const ColumnSpec& spec = columns_[index];
    Column& column = builder_.column(index);
    TypeId type = spec.type.id;

    switch (value.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        if (!spec.type.nullable) return nullError(spec, location(offset));
        builder_.setNull(index, row);
        return absl::OkStatus();

      case simdjson::dom::element_type::STRING: {
        std::string_view text = value.get_string().value_unsafe();
        ParseFailure failure = parseTextValue(text, type, column, row);
        if (failure != ParseFailure::kNone) return valueError(failure, text, spec, location(offset));
        return absl::OkStatus();
      }

      case simdjson::dom::element_type::BOOL: {
        bool flag = value.get_bool().value_unsafe();
        if (type == TypeId::kString) {
          column.data<std::string_view>()[row] = column.heap().add(flag ? "true" : "false");
          return absl::OkStatus();
        }
        if (!isNumeric(type)) return valueError(ParseFailure::kInvalid, flag ? "true" : "false", spec, location(offset));
        dispatchPhysical(type, [&]<typename T>() {
          if constexpr (!std::is_same_v<T, std::string_view>) column.data<T>()[row] = static_cast<T>(flag ? 1 : 0);
        });
        return absl::OkStatus();
      }

      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE: {
        if (type == TypeId::kString) {
          column.data<std::string_view>()[row] = column.heap().add(simdjson::minify(value));
          return absl::OkStatus();
        }
        ParseFailure failure = storeNumber(value, type, column, row);
        if (failure != ParseFailure::kNone) {
          return valueError(failure, simdjson::minify(value), spec, location(offset));
        }
        return absl::OkStatus();
      }

      case simdjson::dom::element_type::ARRAY:
      case simdjson::dom::element_type::OBJECT: {
        std::string text = simdjson::minify(value);
        if (type != TypeId::kString) return valueError(ParseFailure::kInvalid, text, spec, location(offset));
        column.data<std::string_view>()[row] = column.heap().add(text);
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  std::string_view data_;
  const std::vector<ColumnSpec>& columns_;
  const ReadOptions& options_;
  BatchBuilder builder_;
  /// Returns the error for a field that is not a column: a close column
  /// name, if any, and how to skip unknown fields.
  std::string unknownFieldMessage(std::string_view key) const {
    std::vector<std::string_view> names;
    names.reserve(columnByName_.size());
    for (const auto& [name, index] : columnByName_) names.push_back(name);
    std::vector<std::string> matches = findCloseMatches(key, names, 1);
    std::string suggestion = matches.empty() ? "" : concat(" (did you mean '", matches[0], "'?)");
    return concat("unknown field '", key, "'", suggestion,
                  "; remove it or set input_format_skip_unknown_fields=1 to ignore unknown fields");
  }

  absl::flat_hash_map<std::string_view, size_t> columnByName_;
  std::vector<uint64_t> lastRowSet_;
  uint64_t rowStamp_ = 0;
  size_t rowNumber_ = 0;
  simdjson::dom::parser parser_;
  std::string padded_;
};

}  // namespace

absl::StatusOr<std::vector<Batch>> readJsonEachRow(std::string_view data, const std::vector<ColumnSpec>& columns,
                                                   const ReadOptions& options) {
  JsonEachRowReader reader(data, columns, options);
  return reader.read();
}

}  // namespace furl::format::internal
