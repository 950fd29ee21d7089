// Differential tests of BacktrackingRegex against RE2: every decided
// result (match or not, and every capture span) must equal RE2::Match's,
// and replaceRegexpOne, replaceRegexpAll and extract, which use the
// matcher, must return what RE2 gives.

#include "query/functions/backtracking_regex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "query/functions/tests/function_test_util.h"
#include "re2/re2.h"

namespace furl::query::testing {
namespace {

using Outcome = BacktrackingRegex::Outcome;

/// Counts of the (pattern, text, start) cases that one comparison run saw.
struct Tally {
  size_t decided = 0;
  size_t undecided = 0;
};

std::string describe(const re2::StringPiece& group, std::string_view text) {
  if (group.data() == nullptr) return "unset";
  return std::to_string(group.data() - text.data()) + "+" + std::to_string(group.size());
}

// Compares the matcher with RE2 on `text` from every start position and
// adds to `tally`. Fails the test on the first difference.
void compareWithRe2(const RE2& re2, const BacktrackingRegex& fast, const std::string& text, Tally& tally) {
  const int numGroups = 1 + re2.NumberOfCapturingGroups();
  ASSERT_EQ(fast.numberOfCapturingGroups(), re2.NumberOfCapturingGroups()) << re2.pattern();
  std::vector<re2::StringPiece> expected(numGroups);
  std::vector<re2::StringPiece> actual(numGroups);
  for (size_t start = 0; start <= text.size(); ++start) {
    // Fewer groups than the pattern has must work too.
    for (int wanted : {numGroups, 1, 0}) {
      const bool matched = re2.Match(text, start, text.size(), RE2::UNANCHORED, expected.data(), wanted);
      const Outcome outcome = fast.match(text, start, actual.data(), wanted);
      if (outcome == Outcome::kUndecided) {
        ++tally.undecided;
        continue;
      }
      ++tally.decided;
      ASSERT_EQ(outcome == Outcome::kMatch, matched)
          << "pattern '" << re2.pattern() << "' text '" << text << "' start " << start;
      if (!matched) continue;
      for (int g = 0; g < wanted; ++g) {
        ASSERT_EQ(describe(actual[g], text), describe(expected[g], text))
            << "group " << g << " of pattern '" << re2.pattern() << "' text '" << text << "' start " << start;
      }
    }
  }
}

/// Random patterns mostly inside the subset, with some constructs outside
/// it, over a small alphabet so that texts often match.
class PatternGenerator {
 public:
  explicit PatternGenerator(uint64_t seed) : rng_(seed) {}

  std::string pattern() { return alternation(0); }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::string alternation(int depth) {
    std::string out = concat(depth);
    while (pick(5) == 0) out += "|" + concat(depth);
    return out;
  }

  std::string concat(int depth) {
    std::string out;
    const size_t items = pick(5);
    for (size_t i = 0; i < items; ++i) out += repeat(depth);
    return out;
  }

  std::string repeat(int depth) {
    std::string out = atom(depth);
    static const char* const kQuantifiers[] = {"*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,2}?", "{2,}"};
    if (pick(3) == 0) out += kQuantifiers[pick(std::size(kQuantifiers))];
    return out;
  }

  std::string atom(int depth) {
    static const char* const kAtoms[] = {"a",      "b",    "w",     "/",    "\\.",  ".",    "[ab]", "[^/]",
                                         "[a-c]",  "\\d",  "\\w",   "\\W",  "\\s",  "\\S",  "[^a\\n]", "^",
                                         "$",      "\\A",  "\\z",   ":",    "[.:]", "\\D",  "[-a]", "[]a]",
                                         "\\b",    "(?i)a", "\\x61", "é",   "[[:alpha:]]"};
    if (depth < 3 && pick(4) == 0) {
      const size_t kind = pick(3);
      const std::string body = alternation(depth + 1);
      if (kind == 0) return "(" + body + ")";
      if (kind == 1) return "(?:" + body + ")";
      return "(?P<n" + std::to_string(depth) + ">" + body + ")";
    }
    return kAtoms[pick(std::size(kAtoms))];
  }

  std::mt19937_64 rng_;
};

std::string randomText(std::mt19937_64& rng) {
  // Multi-byte and invalid UTF-8 bytes, newlines and URL punctuation.
  static const std::vector<std::string> kPieces = {"a", "b", "w", "/", ".", ":", "1", " ", "\n", "ab", "www.",
                                                   "\xC3\xA9", "\xC3", "\xFF", "_", "-", "]"};
  std::string text;
  const size_t length = std::uniform_int_distribution<size_t>(0, 10)(rng);
  for (size_t i = 0; i < length; ++i) text += kPieces[std::uniform_int_distribution<size_t>(0, kPieces.size() - 1)(rng)];
  return text;
}

TEST(BacktrackingRegexTest, RandomPatternsMatchRe2) {
  PatternGenerator generator(20261205);
  std::mt19937_64 rng(7);
  size_t compiled = 0;
  size_t rejected = 0;
  Tally tally;
  RE2::Options options;
  options.set_log_errors(false);
  for (int i = 0; i < 3000; ++i) {
    const std::string pattern = generator.pattern();
    RE2 re2(pattern, options);
    if (!re2.ok()) continue;
    auto fast = BacktrackingRegex::compile(pattern);
    if (fast == nullptr) {
      ++rejected;
      continue;
    }
    ++compiled;
    for (int t = 0; t < 30; ++t) {
      compareWithRe2(re2, *fast, randomText(rng), tally);
      if (HasFatalFailure()) return;
    }
  }
  // The generator must exercise the matcher, not only RE2.
  EXPECT_GT(compiled, 1000u) << "rejected " << rejected;
  // Undecided cases come from non-ASCII bytes under '.' or a negated class,
  // and from the step budget.
  EXPECT_GT(tally.decided, 10 * tally.undecided) << tally.decided << " decided, " << tally.undecided << " undecided";
}

TEST(BacktrackingRegexTest, HandWrittenPatternsMatchRe2) {
  const std::vector<std::string> patterns = {
      "^https?://(?:www\\.)?([^/]+)/.*$", "^https?://(?:www\\.)?([^/]+)/", "(a|ab)(c|bcd)(d*)", "(a+)(b+)?",
      "(a*?)(a*)", "(?:ab)+?b", "(?:ab|a)*c", "(?:(?:a)|b)+?", "x{0}", "a{2,3}?a", "[^a-z]+", "[\\d.]+",
      "\\s*(\\w+)\\s*", "(|a)?b", "^$", "a$|b", "(a)|(b)|(c)", "^(?:(http)|h)(t*)", "[]a-]", "[a\\-z]",
      "[\\]\\\\]", "(?:)", "()", "(?:a|)?b", "a??b", "\\.\\*\\+", "[\\t\\n\\r\\f\\v]", "\\W\\S\\D"};
  const std::vector<std::string> texts = {
      "",     "a",        "ab",      "abcd",      "abbcd",  "aaa",      "http://www.site.example/p/1",
      "https://wwwx/",    "http://www./", "http://w/x", "http://\xC3\xA9.example/", "ababab",     "ababc",
      "abab", "a.*+",     " word  ", "x\ty\n",    "]\\",     "a-z",      "12.5",  "\xFF\xC3\xA9",   "\n"};
  RE2::Options options;
  options.set_log_errors(false);
  Tally tally;
  for (const std::string& pattern : patterns) {
    RE2 re2(pattern, options);
    ASSERT_TRUE(re2.ok()) << pattern;
    auto fast = BacktrackingRegex::compile(pattern);
    ASSERT_NE(fast, nullptr) << pattern;
    for (const std::string& text : texts) {
      compareWithRe2(re2, *fast, text, tally);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(tally.decided, 20 * tally.undecided);
}

TEST(BacktrackingRegexTest, PatternsOutsideSubsetRejected) {
  for (const char* pattern : {"(?i)a", "a\\b", "\\x41", "é", "[[:alpha:]]", "(?P<name>a)", "(a*)*", "(a)+",
                              "(?:ab){2}", "a**", "\\1", "\\pL", "a{,2}", "[a-b-c]", "\\C", "(?:a?)+"}) {
    EXPECT_EQ(BacktrackingRegex::compile(pattern), nullptr) << pattern;
  }
}

TEST(BacktrackingRegexTest, ClickBenchUrlsDecided) {
  // The pattern of ClickBench Q29 over ASCII URLs: always decided, and
  // equal to RE2.
  const std::string pattern = "^https?://(?:www\\.)?([^/]+)/.*$";
  RE2 re2(pattern);
  auto fast = BacktrackingRegex::compile(pattern);
  ASSERT_NE(fast, nullptr);
  std::mt19937_64 rng(29);
  static const std::vector<std::string> kPieces = {"www.", "w", ".", "/", "example", "com", "?q=", "%D0%B0", "-",
                                                   "1", ":8080", "ww"};
  for (int i = 0; i < 2000; ++i) {
    std::string text = i % 3 == 0 ? "https://" : "http://";
    const size_t pieces = std::uniform_int_distribution<size_t>(0, 12)(rng);
    for (size_t p = 0; p < pieces; ++p) {
      text += kPieces[std::uniform_int_distribution<size_t>(0, kPieces.size() - 1)(rng)];
    }
    re2::StringPiece expected[2];
    re2::StringPiece actual[2];
    const bool matched = re2.Match(text, 0, text.size(), RE2::UNANCHORED, expected, 2);
    const Outcome outcome = fast->match(text, 0, actual, 2);
    ASSERT_NE(outcome, Outcome::kUndecided) << text;
    ASSERT_EQ(outcome == Outcome::kMatch, matched) << text;
    if (!matched) continue;
    ASSERT_EQ(describe(actual[0], text), describe(expected[0], text)) << text;
    ASSERT_EQ(describe(actual[1], text), describe(expected[1], text)) << text;
  }
}

TEST(BacktrackingRegexTest, ExponentialPatternStopsAtBudget) {
  // Backtracking without memory takes 2^n steps on these; the budget
  // stops the search and leaves the text to RE2.
  for (const char* pattern : {"^(?:a|a)*b", "^(?:a+)+$", "(?:a|aa)+c"}) {
    auto fast = BacktrackingRegex::compile(pattern);
    ASSERT_NE(fast, nullptr) << pattern;
    const std::string text = std::string(40, 'a') + "!";
    re2::StringPiece group;
    const auto begin = std::chrono::steady_clock::now();
    EXPECT_EQ(fast->match(text, 0, &group, 1), Outcome::kUndecided) << pattern;
    // Generous: the budget is a few thousand steps.
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1)) << pattern;
  }
}

TEST(BacktrackingRegexTest, NonAsciiUnderWideSetUndecided) {
  auto fast = BacktrackingRegex::compile("^a(.)");
  ASSERT_NE(fast, nullptr);
  re2::StringPiece groups[2];
  EXPECT_EQ(fast->match("a\xC3\xA9", 0, groups, 2), Outcome::kUndecided);
  // A set of ASCII characters never matches such a byte, as in RE2.
  auto narrow = BacktrackingRegex::compile("^a([a-z])");
  ASSERT_NE(narrow, nullptr);
  EXPECT_EQ(narrow->match("a\xC3\xA9", 0, groups, 2), Outcome::kNoMatch);
}

// replaceRegexpOne, replaceRegexpAll and extract over random texts and
// random patterns with a group must equal RE2::Replace, RE2::GlobalReplace
// and RE2::Match.
TEST(BacktrackingRegexTest, RegexpFunctionsMatchRe2) {
  PatternGenerator generator(6);
  std::mt19937_64 rng(11);
  RE2::Options options;
  options.set_log_errors(false);
  int checked = 0;
  for (int i = 0; i < 1000; ++i) {
    // Half end in `.*$`, which replaceRegexp drops for ASCII texts without
    // a newline.
    const std::string pattern = "(" + generator.pattern() + ")" + generator.pattern() + (i % 2 == 0 ? ".*$" : "");
    RE2 re2(pattern, options);
    if (!re2.ok() || BacktrackingRegex::compile(pattern) == nullptr) continue;
    ++checked;
    std::vector<std::string> values;
    for (int t = 0; t < 20; ++t) values.push_back(randomText(rng));
    const size_t n = values.size();
    for (const char* rewrite : {"\\1", "<\\0>", "-"}) {
      std::vector<std::string> one;
      std::vector<std::string> all;
      for (const std::string& value : values) {
        std::string replaced = value;
        RE2::Replace(&replaced, re2, rewrite);
        one.push_back(replaced);
        replaced = value;
        RE2::GlobalReplace(&replaced, re2, rewrite);
        all.push_back(replaced);
      }
      ASSERT_EQ(eval("replaceRegexpOne", {strings(values), constString(pattern, n), constString(rewrite, n)}), one)
          << pattern << " -> " << rewrite;
      ASSERT_EQ(eval("replaceRegexpAll", {strings(values), constString(pattern, n), constString(rewrite, n)}), all)
          << pattern << " -> " << rewrite;
    }
    std::vector<std::string> extracted;
    for (const std::string& value : values) {
      re2::StringPiece groups[2];
      const bool matched = re2.Match(value, 0, value.size(), RE2::UNANCHORED, groups, 2);
      extracted.push_back(matched ? std::string(groups[1].data() == nullptr ? "" : groups[1].as_string()) : "");
    }
    ASSERT_EQ(eval("extract", {strings(values), constString(pattern, n)}), extracted) << pattern;
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
}  // namespace furl::query::testing
