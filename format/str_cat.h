#pragma once

// concat(): string concatenation that takes std::string_view. Debian's
// abseil has its own absl::string_view, so absl::StrCat rejects
// std::string_view arguments.

#include <string>
#include <string_view>
#include <type_traits>

namespace furl::format::internal {

template <typename T>
void appendPiece(std::string& out, const T& piece) {
  if constexpr (std::is_same_v<T, char>) {
    out.push_back(piece);
  } else if constexpr (std::is_integral_v<T>) {
    out += std::to_string(piece);
  } else {
    out += std::string_view(piece);
  }
}

template <typename... Pieces>
std::string concat(const Pieces&... pieces) {
  std::string out;
  (appendPiece(out, pieces), ...);
  return out;
}

}  // namespace furl::format::internal
