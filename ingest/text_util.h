#pragma once

// String helpers for the ingest module. Debian's Abseil has its own
// absl::string_view rather than an alias of std::string_view, so absl::StrCat
// and the absl ASCII helpers do not accept std::string_view; these do.
// Private to the ingest module.

#include <cctype>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"
#include "fmt/format.h"

namespace furl::ingest {

namespace text_internal {

template <typename T>
void appendPiece(std::string& out, const T& piece) {
  if constexpr (std::is_same_v<T, absl::string_view>) {
    out.append(piece.data(), piece.size());
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out.append(std::string_view(piece));
  } else {
    fmt::format_to(std::back_inserter(out), "{}", piece);
  }
}

}  // namespace text_internal

/// Concatenates strings, string views and numbers (formatted by fmt).
template <typename... Pieces>
std::string strCat(const Pieces&... pieces) {
  std::string out;
  (text_internal::appendPiece(out, pieces), ...);
  return out;
}

/// Appends the concatenation of `pieces` to `*out`.
template <typename... Pieces>
void strAppend(std::string* out, const Pieces&... pieces) {
  (text_internal::appendPiece(*out, pieces), ...);
}

inline std::string_view toStd(absl::string_view text) { return std::string_view(text.data(), text.size()); }

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

inline std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string toUpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

inline std::string_view stripAsciiWhitespace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

/// Appends `text` as a JSON string literal, quotes included.
inline void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace furl::ingest
