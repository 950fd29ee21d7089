#pragma once

// "Did you mean" suggestions for misspelled names.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace furl {

/// Returns up to `maxResults` candidates that are close to `word` by edit
/// distance, ignoring case, nearest first. A candidate is close when at
/// most a third of its characters (and at least one) must change.
std::vector<std::string> findCloseMatches(std::string_view word, std::span<const std::string_view> candidates,
                                          size_t maxResults = 3);

/// Joins names as `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
std::string joinAlternatives(const std::vector<std::string>& names);

}  // namespace furl
