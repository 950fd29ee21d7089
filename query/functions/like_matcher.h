#pragma once

// SQL LIKE patterns: `%` matches any sequence, `_` one UTF-8 character,
// and a backslash makes the next character literal (`\%`, `\_`, `\\`).
//
// Patterns made of literals and `%` only ('abc%', '%abc', '%abc%') are
// matched with plain substring search. Patterns with `_`, and every ILIKE
// pattern, are compiled to an RE2 regular expression, which does Unicode
// case folding for ILIKE.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/functions/substring_search.h"
#include "re2/re2.h"

namespace furl::query {

class LikeMatcher {
 public:
  enum class Kind : uint8_t { kAny, kEquals, kPrefix, kSuffix, kContains, kPieces, kRegex };

  /// Compiles `pattern`; throws QueryError (kCannotCompile) naming
  /// `function` when RE2 rejects the translated pattern.
  LikeMatcher(std::string_view pattern, bool caseInsensitive, std::string_view function);

  Kind kind() const { return kind_; }
  bool match(std::string_view s) const;

  /// Calls fn(matcher) with a callable `bool(std::string_view)` specialised
  /// for this pattern's kind, so batch loops branch on the kind once.
  template <typename Fn>
  decltype(auto) visit(Fn&& fn) const {
    switch (kind_) {
      case Kind::kAny:
        return fn([](std::string_view) { return true; });
      case Kind::kEquals:
        return fn([this](std::string_view s) { return s == pieces_[0]; });
      case Kind::kPrefix:
        return fn([this](std::string_view s) { return s.starts_with(pieces_[0]); });
      case Kind::kSuffix:
        return fn([this](std::string_view s) { return s.ends_with(pieces_[0]); });
      case Kind::kContains:
        return fn([this](std::string_view s) { return containsSubstring(s, pieces_[0]); });
      case Kind::kPieces:
        return fn([this](std::string_view s) { return matchPieces(s); });
      case Kind::kRegex:
        break;
    }
    return fn([this](std::string_view s) { return RE2::FullMatch(s, *regex_); });
  }

 private:
  bool matchPieces(std::string_view s) const;

  Kind kind_ = Kind::kAny;
  // Literal pieces between `%`; for kPieces the first and last are anchored
  // unless the pattern starts or ends with `%`.
  std::vector<std::string> pieces_;
  bool anchoredStart_ = true;
  bool anchoredEnd_ = true;
  std::unique_ptr<RE2> regex_;
};

}  // namespace furl::query
