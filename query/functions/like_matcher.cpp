#include "query/functions/like_matcher.h"

#include "common/error.h"
#include "fmt/format.h"

namespace furl::query {

LikeMatcher::LikeMatcher(std::string_view pattern, bool caseInsensitive, std::string_view function) {
  // Split into literal pieces at unescaped `%`, translating to RE2 syntax
  // on the way in case the pattern needs a regular expression.
  std::string regex;
  std::string literal;
  bool hasUnderscore = false;
  pieces_.emplace_back();
  auto flushLiteral = [&] {
    regex += RE2::QuoteMeta(literal);
    literal.clear();
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char next = pattern[++i];
      pieces_.back().push_back(next);
      literal.push_back(next);
    } else if (c == '%') {
      flushLiteral();
      regex += "(?s:.*)";
      pieces_.emplace_back();
    } else if (c == '_') {
      flushLiteral();
      regex += "(?s:.)";
      hasUnderscore = true;
    } else {
      pieces_.back().push_back(c);
      literal.push_back(c);
    }
  }
  flushLiteral();

  if (hasUnderscore || caseInsensitive) {
    RE2::Options options;
    options.set_case_sensitive(!caseInsensitive);
    options.set_dot_nl(true);
    options.set_never_capture(true);
    options.set_log_errors(false);
    regex_ = std::make_unique<RE2>(regex, options);
    if (!regex_->ok()) {
      throw QueryError(ErrorCode::kCannotCompile, fmt::format("invalid pattern '{}' in {}: {}", pattern, function,
                                                              regex_->error()));
    }
    kind_ = Kind::kRegex;
    pieces_.clear();
    return;
  }

  anchoredStart_ = !pieces_.front().empty() || pieces_.size() == 1;
  anchoredEnd_ = !pieces_.back().empty() || pieces_.size() == 1;
  // Empty pieces come from `%%` and the pattern ends; they constrain nothing.
  std::vector<std::string> nonEmpty;
  for (std::string& piece : pieces_) {
    if (!piece.empty()) nonEmpty.push_back(std::move(piece));
  }
  bool wildcard = pieces_.size() > 1;
  pieces_ = std::move(nonEmpty);

  if (!wildcard) {
    kind_ = Kind::kEquals;
    if (pieces_.empty()) pieces_.emplace_back();
  } else if (pieces_.empty()) {
    kind_ = Kind::kAny;
  } else if (pieces_.size() == 1 && anchoredStart_ && !anchoredEnd_) {
    kind_ = Kind::kPrefix;
  } else if (pieces_.size() == 1 && !anchoredStart_ && anchoredEnd_) {
    kind_ = Kind::kSuffix;
  } else if (pieces_.size() == 1 && !anchoredStart_ && !anchoredEnd_) {
    kind_ = Kind::kContains;
  } else {
    kind_ = Kind::kPieces;
  }
}

bool LikeMatcher::matchPieces(std::string_view s) const {
  size_t first = 0;
  size_t last = pieces_.size();
  if (anchoredStart_) {
    if (!s.starts_with(pieces_.front())) return false;
    s.remove_prefix(pieces_.front().size());
    first = 1;
  }
  if (anchoredEnd_ && last > first) {
    if (!s.ends_with(pieces_.back())) return false;
    s.remove_suffix(pieces_.back().size());
    --last;
  } else if (anchoredEnd_ && pieces_.size() == 1) {
    // One anchored piece at both ends that the prefix test consumed: the
    // rest must be empty. Only reachable for kEquals-like shapes.
    return s.empty();
  }
  for (size_t k = first; k < last; ++k) {
    size_t at = findSubstring(s, pieces_[k]);
    if (at == std::string_view::npos) return false;
    s.remove_prefix(at + pieces_[k].size());
  }
  return true;
}

bool LikeMatcher::match(std::string_view s) const {
  return visit([&](auto&& matcher) { return matcher(s); });
}

}  // namespace furl::query
