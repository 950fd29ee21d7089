#include "query/functions/substring_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace furl::query {
namespace {

TEST(SubstringSearchTest, EdgeCases) {
  EXPECT_EQ(findSubstring("abc", ""), 0u);
  EXPECT_EQ(findSubstring("", "a"), std::string_view::npos);
  EXPECT_EQ(findSubstring("ab", "abc"), std::string_view::npos);
  EXPECT_EQ(findSubstring("abc", "c"), 2u);
  std::string url = "http://www.example.ru/section/forum/page-17.html?utm_source=google";
  EXPECT_EQ(findSubstring(url, "google"), url.size() - 6);
  EXPECT_EQ(findSubstring(url, "http"), 0u);
  EXPECT_EQ(findSubstring(url, "googlf"), std::string_view::npos);
  EXPECT_EQ(findSubstring(url, url), 0u);
}

// Every haystack length around the 16-byte windows, with matches at each
// position and near misses, against std::string_view::find.
TEST(SubstringSearchTest, MatchesStdFindOnRandomStrings) {
  uint64_t seed = std::random_device()();
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200000; ++round) {
    // A small alphabet makes partial matches common.
    const char* alphabet = round % 2 ? "abgo" : "ab";
    size_t alphabetSize = round % 2 ? 4 : 2;
    std::string haystack(rng() % 80, 'x');
    std::string needle(rng() % 20, 'x');
    for (char& c : haystack) c = alphabet[rng() % alphabetSize];
    for (char& c : needle) c = alphabet[rng() % alphabetSize];
    ASSERT_EQ(findSubstring(haystack, needle), std::string_view(haystack).find(needle))
        << "seed " << seed << " haystack '" << haystack << "' needle '" << needle << "'";
  }
}

}  // namespace
}  // namespace furl::query
