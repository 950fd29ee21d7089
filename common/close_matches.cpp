#include "common/close_matches.h"

#include <algorithm>
#include <cctype>

namespace furl {

namespace {

bool sameIgnoringCase(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// Optimal string alignment distance: insertions, deletions, substitutions
// and transpositions of neighbours (`Int46` is one step from `Int64`).
size_t editDistanceIgnoringCase(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> distance(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) distance[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) distance[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = sameIgnoringCase(a[i - 1], b[j - 1]) ? 0 : 1;
      distance[i][j] = std::min({distance[i - 1][j] + 1, distance[i][j - 1] + 1, distance[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && sameIgnoringCase(a[i - 1], b[j - 2]) && sameIgnoringCase(a[i - 2], b[j - 1])) {
        distance[i][j] = std::min(distance[i][j], distance[i - 2][j - 2] + 1);
      }
    }
  }
  return distance[a.size()][b.size()];
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

}  // namespace furl
