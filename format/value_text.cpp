#include "format/value_text.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/escaping.h"
#include "common/time_util.h"

namespace furl::format {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

/// Lays out the digits and decimal exponent of a shortest round-trip
/// number the way double-conversion's ToShortest does with
/// decimal_in_shortest_low = -6 and decimal_in_shortest_high = 21.
/// `scientific` is std::to_chars output in chars_format::scientific.
void appendShortestLayout(std::string& out, std::string_view scientific) {
  size_t pos = 0;
  if (scientific[0] == '-') {
    out.push_back('-');
    pos = 1;
  }

  char digits[32];
  size_t numDigits = 0;
  size_t ePos = scientific.find('e');
  for (size_t i = pos; i < ePos; ++i) {
    if (scientific[i] != '.') digits[numDigits++] = scientific[i];
  }
  int exponent = 0;
  std::string_view expText = scientific.substr(ePos + 1);
  if (!expText.empty() && expText[0] == '+') expText.remove_prefix(1);
  std::from_chars(expText.data(), expText.data() + expText.size(), exponent);

  // `pointPos` is where the decimal point goes relative to the digits.
  int pointPos = exponent + 1;
  int k = static_cast<int>(numDigits);
  if (k <= pointPos && pointPos <= 21) {
    out.append(digits, numDigits);
    out.append(static_cast<size_t>(pointPos - k), '0');
  } else if (0 < pointPos && pointPos <= 21) {
    out.append(digits, static_cast<size_t>(pointPos));
    out.push_back('.');
    out.append(digits + pointPos, static_cast<size_t>(k - pointPos));
  } else if (-6 < pointPos && pointPos <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-pointPos), '0');
    out.append(digits, numDigits);
  } else {
    out.push_back(digits[0]);
    if (numDigits > 1) {
      out.push_back('.');
      out.append(digits + 1, numDigits - 1);
    }
    out.push_back('e');
    char expBuf[8];
    auto res = std::to_chars(expBuf, expBuf + sizeof(expBuf), pointPos - 1);
    out.append(expBuf, res.ptr);
  }
}

template <typename F>
void appendFloating(std::string& out, F value) {
  if (std::isnan(value)) {
    out.append("nan");
    return;
  }
  if (std::isinf(value)) {
    out.append(value < 0 ? "-inf" : "inf");
    return;
  }
  if (value == 0) {
    out.append(std::signbit(value) ? "-0" : "0");
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  appendShortestLayout(out, std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

template <typename T>
void appendInteger(std::string& out, T value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, res.ptr);
}

bool isJsonStyle(ValueStyle style) { return style == ValueStyle::kJson || style == ValueStyle::kDruidJson; }

std::string_view nullText(ValueStyle style) {
  switch (style) {
    case ValueStyle::kTsv:
    case ValueStyle::kCsv:
      return "\\N";
    case ValueStyle::kJson:
    case ValueStyle::kDruidJson:
      return "null";
    case ValueStyle::kDruidCsv:
      return "";
    case ValueStyle::kText:
      return "ᴺᵁᴸᴸ";
  }
  return "";
}

/// Appends one non-NULL value of physical type T with logical type `id`.
template <typename T>
void appendValue(std::string& out, TypeId id, T value, ValueStyle style, bool quoteIntegers) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    if (id == TypeId::kHllSketch) {
      // Sketches print as the base64 text of their bytes, as Druid prints
      // sketch columns; base64 needs no escaping or quoting in TSV or CSV.
      std::string encoded = absl::Base64Escape(absl::string_view(value.data(), value.size()));
      bool quoted = style == ValueStyle::kJson || style == ValueStyle::kDruidJson;
      if (quoted) out.push_back('"');
      out.append(encoded);
      if (quoted) out.push_back('"');
      return;
    }
    switch (style) {
      case ValueStyle::kTsv: appendTsvEscaped(out, value); break;
      case ValueStyle::kCsv: appendCsvQuoted(out, value); break;
      case ValueStyle::kJson: appendJsonString(out, value); break;
      case ValueStyle::kDruidJson: appendJsonString(out, value, /*escapeSlash=*/false); break;
      case ValueStyle::kDruidCsv: appendCsvQuotedIfNeeded(out, value); break;
      case ValueStyle::kText:
        // Only what would break the table's layout is escaped.
        for (char c : value) {
          if (c == '\n') {
            out.append("\\n");
          } else if (c == '\t') {
            out.append("\\t");
          } else {
            out.push_back(c);
          }
        }
        break;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (isJsonStyle(style) && !std::isfinite(value)) {
      out.append("null");
    } else if constexpr (std::is_same_v<T, float>) {
      appendFloat(out, value);
    } else {
      appendDouble(out, value);
    }
  } else {
    if (id == TypeId::kBool) {
      out.append(value != 0 ? "true" : "false");
      return;
    }
    if (id == TypeId::kDate || id == TypeId::kDateTime || id == TypeId::kDateTime64) {
      bool druid = style == ValueStyle::kDruidJson || style == ValueStyle::kDruidCsv;
      bool quoted = style != ValueStyle::kTsv && style != ValueStyle::kDruidCsv && style != ValueStyle::kText;
      if (quoted) out.push_back('"');
      int64_t ms = id == TypeId::kDate ? int64_t{static_cast<int32_t>(value)} * 86400000 : static_cast<int64_t>(value);
      if (druid) {
        appendIsoTimestamp(out, ms);
      } else if (id == TypeId::kDate) {
        appendDate(out, static_cast<int32_t>(value));
      } else {
        appendTimestamp(out, ms, id == TypeId::kDateTime64);
      }
      if (quoted) out.push_back('"');
      return;
    }
    if (quoteIntegers) out.push_back('"');
    appendInteger(out, value);
    if (quoteIntegers) out.push_back('"');
  }
}

template <typename T>
void renderTyped(const Column& column, size_t numRows, ValueStyle style, bool quoteIntegers, RenderedColumn& out) {
  TypeId id = column.type().id;
  std::string_view nullSpelling = nullText(style);
  out.ends.reserve(numRows);

  // A constant column renders its one value once and repeats the text.
  if (column.isConstant()) {
    std::string text;
    if (column.isNull(0)) {
      text.assign(nullSpelling);
    } else {
      appendValue<T>(text, id, column.data<T>()[0], style, quoteIntegers);
    }
    out.bytes.reserve(text.size() * numRows);
    for (size_t row = 0; row < numRows; ++row) {
      out.bytes.append(text);
      out.ends.push_back(out.bytes.size());
    }
    return;
  }

  bool mayHaveNulls = column.mayHaveNulls();
  for (size_t row = 0; row < numRows; ++row) {
    if (mayHaveNulls && column.isNull(row)) {
      out.bytes.append(nullSpelling);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      appendValue<T>(out.bytes, id, column.stringAt(row), style, quoteIntegers);
    } else {
      appendValue<T>(out.bytes, id, column.data<T>()[row], style, quoteIntegers);
    }
    out.ends.push_back(out.bytes.size());
  }
}

}  // namespace

void appendTsvEscaped(std::string& out, std::string_view s) {
  size_t runStart = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char escaped;
    switch (s[i]) {
      case '\\': escaped = '\\'; break;
      case '\t': escaped = 't'; break;
      case '\n': escaped = 'n'; break;
      case '\r': escaped = 'r'; break;
      case '\b': escaped = 'b'; break;
      case '\f': escaped = 'f'; break;
      case '\0': escaped = '0'; break;
      case '\'': escaped = '\''; break;
      default: continue;
    }
    out.append(s.data() + runStart, i - runStart);
    out.push_back('\\');
    out.push_back(escaped);
    runStart = i + 1;
  }
  out.append(s.data() + runStart, s.size() - runStart);
}

void appendCsvQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t runStart = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      out.append(s.data() + runStart, i + 1 - runStart);
      out.push_back('"');
      runStart = i + 1;
    }
  }
  out.append(s.data() + runStart, s.size() - runStart);
  out.push_back('"');
}

void appendCsvQuotedIfNeeded(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(s);
  } else {
    appendCsvQuoted(out, s);
  }
}

void appendJsonString(std::string& out, std::string_view s, bool escapeSlash) {
  out.push_back('"');
  size_t runStart = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && (c != '/' || !escapeSlash)) continue;
    out.append(s.data() + runStart, i - runStart);
    runStart = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '/': out.append("\\/"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 15]);
        break;
    }
  }
  out.append(s.data() + runStart, s.size() - runStart);
  out.push_back('"');
}

void appendDouble(std::string& out, double value) { appendFloating(out, value); }

void appendFloat(std::string& out, float value) { appendFloating(out, value); }

void appendIsoTimestamp(std::string& out, int64_t ms) {
  size_t start = out.size();
  appendTimestamp(out, ms, true);
  out[start + 10] = 'T';
  out.push_back('Z');
}

void renderColumn(const Column& column, size_t numRows, ValueStyle style, bool quote64BitIntegers,
                  RenderedColumn& out) {
  out.clear();
  TypeId id = column.type().id;
  if (id == TypeId::kNull) {
    std::string_view spelling = nullText(style);
    for (size_t row = 0; row < numRows; ++row) {
      out.bytes.append(spelling);
      out.ends.push_back(out.bytes.size());
    }
    return;
  }
  bool quoteIntegers = quote64BitIntegers && style == ValueStyle::kJson &&
                       (id == TypeId::kInt64 || id == TypeId::kUInt64);
  dispatchPhysical(id, [&]<typename T>() { renderTyped<T>(column, numRows, style, quoteIntegers, out); });
}

}  // namespace furl::format
