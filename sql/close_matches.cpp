#include "sql/close_matches.h"

#include <algorithm>
#include <cctype>

namespace furl::sql {

namespace {

size_t editDistanceIgnoringCase(std::string_view a, std::string_view b) {
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::vector<std::string> findCloseMatches(std::string_view word, std::span<const std::string_view> candidates,
                                          size_t maxResults) {
  std::vector<std::pair<size_t, std::string_view>> scored;
  for (std::string_view candidate : candidates) {
    size_t distance = editDistanceIgnoringCase(word, candidate);
    size_t allowed = std::max<size_t>(1, candidate.size() / 3);
    if (distance <= allowed) scored.emplace_back(distance, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& left, const auto& right) { return left.first < right.first; });

  std::vector<std::string> result;
  for (const auto& [distance, candidate] : scored) {
    if (result.size() == maxResults) break;
    if (std::find(result.begin(), result.end(), candidate) == result.end()) result.emplace_back(candidate);
  }
  return result;
}

std::string joinAlternatives(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

}  // namespace furl::sql
