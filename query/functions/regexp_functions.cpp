// Pattern functions: like, notLike, ilike, notILike, match, extract,
// replaceRegexpOne, replaceRegexpAll. Regular expressions use RE2 syntax
// on UTF-8 text, as ClickHouse does, and are compiled once at bind time.
// On a dictionary-encoded column each pattern runs once per dictionary
// entry and the results are mapped through the codes; LIKE keeps those
// results for the whole query, so a segment's blocks share them.


#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"
#include "query/functions/backtracking_regex.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/function_util.h"
#include "query/functions/like_matcher.h"
#include "re2/re2.h"

namespace furl::query {

namespace {

void requireString(std::string_view name, const FunctionArgs& args, size_t index) {
  if (args[index].type.id != TypeId::kString) throwArgumentType(name, args, index, "String");
}

ColumnPtr makeOutput(DataType type, const std::vector<ColumnPtr>& args, size_t numRows) {
  ColumnPtr out = Column::makeFlat(type, numRows);
  for (const ColumnPtr& arg : args) mergeValidity(*out, *arg, numRows);
  return out;
}

// --- LIKE ----------------------------------------------------------------------------------------

/// Per-entry LIKE results for the dictionaries one query reads. A dictionary
/// belongs to one column of one segment and every block of that segment
/// shares it, but it can be far larger than one block. Once the query has
/// read as many rows through a dictionary as it has entries, matching every
/// entry once costs no more than the rows matched so far, and each later
/// block only looks its codes up. Safe for concurrent use.
class DictionaryMatches {
 public:
  /// Returns one result per entry of `dictionary`, or null while fewer
  /// rows than entries have gone through it (the caller matches the rows
  /// itself). `matchAll` fills the results for every entry.
  template <typename MatchAll>
  std::shared_ptr<const std::vector<uint8_t>> find(const std::shared_ptr<const StringDictionary>& dictionary,
                                                   size_t liveRows, MatchAll&& matchAll) {
    {
      std::lock_guard lock(mutex_);
      Entry& entry = entries_[dictionary.get()];
      if (entry.dictionary.lock() != dictionary) entry = Entry{dictionary, 0, nullptr};  // a new or reused address
      if (entry.matches != nullptr) return entry.matches;
      entry.rowsSeen += liveRows;
      if (entry.rowsSeen < dictionary->values.size()) return nullptr;
    }
    auto matches = std::make_shared<std::vector<uint8_t>>(dictionary->values.size());
    matchAll(dictionary->values, matches->data());
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[dictionary.get()];
    if (entry.dictionary.lock() == dictionary && entry.matches == nullptr) entry.matches = matches;
    return matches;
  }

 private:
  struct Entry {
    std::weak_ptr<const StringDictionary> dictionary;
    size_t rowsSeen = 0;
    std::shared_ptr<const std::vector<uint8_t>> matches;
  };
  std::mutex mutex_;
  absl::flat_hash_map<const StringDictionary*, Entry> entries_;
};

class Like final : public ScalarFunction {
 public:
  Like(std::string name, DataType type, bool caseInsensitive, bool negated, std::unique_ptr<LikeMatcher> matcher)
      : ScalarFunction(std::move(name), type), caseInsensitive_(caseInsensitive), negated_(negated),
        matcher_(std::move(matcher)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    uint8_t* o = out->data<uint8_t>();
    bool negated = negated_;
    if (matcher_ != nullptr) {
      matcher_->visit([&](auto&& matches) {
        if (args[0]->isDictionary() && !args[0]->dictionary().values.empty()) {
          auto perEntry = dictionaryMatches_.find(
              args[0]->dictionaryPtr(), sel ? sel->size() : numRows,
              [&](const std::vector<std::string_view>& values, uint8_t* results) {
                for (size_t k = 0; k < values.size(); ++k) results[k] = matches(values[k]) != negated;
              });
          if (perEntry != nullptr) {
            const uint8_t* results = perEntry->data();
            const uint32_t* codes = args[0]->codes();
            forEachRow(numRows, sel, [&](size_t i) { o[i] = results[codes[i]]; });
            return;
          }
        }
        mapStrings<uint8_t>(*args[0], o, numRows, sel,
                            [&](std::string_view s) -> uint8_t { return matches(s) != negated; });
      });
      return out;
    }

    // A pattern that varies per row: compile when it changes.
    // TODO: cache compiled patterns per batch; rows with alternating
    // patterns recompile every time.
    StringReader haystack(*args[0]);
    StringReader pattern(*args[1]);
    std::unique_ptr<LikeMatcher> current;
    std::string currentPattern;
    forEachRow(numRows, sel, [&](size_t i) {
      if (out->isNull(i)) return;
      std::string_view p = pattern(i);
      if (current == nullptr || p != currentPattern) {
        current = std::make_unique<LikeMatcher>(p, caseInsensitive_, name());
        currentPattern.assign(p);
      }
      o[i] = current->match(haystack(i)) != negated;
    });
    return out;
  }

 private:
  bool caseInsensitive_;
  bool negated_;
  std::unique_ptr<LikeMatcher> matcher_;  // null when the pattern is not a constant
  mutable DictionaryMatches dictionaryMatches_;
};

void addLike(FunctionRegistry& registry, std::string name, bool caseInsensitive, bool negated) {
  registry.add(name, [name, caseInsensitive, negated](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    requireString(name, args, 1);
    std::unique_ptr<LikeMatcher> matcher;
    if (args[1].constant != nullptr && !args[1].constant->isNull()) {
      matcher = std::make_unique<LikeMatcher>(args[1].constant->asString(), caseInsensitive, name);
    }
    return std::make_unique<Like>(name, DataType(TypeId::kBool, anyNullable(args)), caseInsensitive, negated,
                                  std::move(matcher));
  });
}

// --- regular expressions -----------------------------------------------------------------------------

std::unique_ptr<RE2> compileRegex(std::string_view function, const FunctionArgs& args, size_t index) {
  const std::string& pattern = requireConstantString(function, args, index, "the regular expression");
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_unique<RE2>(pattern, options);
  if (!regex->ok()) {
    throw QueryError(ErrorCode::kCannotCompile,
                     fmt::format("invalid regular expression '{}' in {}: {}", pattern, function, regex->error()));
  }
  return regex;
}

// Runs RE2::Match(s, startpos, s.size(), UNANCHORED, groups, numGroups)
// with the backtracking matcher `fast` when there is one and it decides
// the value, which is cheaper for the groups of most short texts.
bool matchGroups(const RE2& regex, const BacktrackingRegex* fast, std::string_view s, size_t startpos,
                 re2::StringPiece* groups, int numGroups) {
  if (fast != nullptr) {
    const BacktrackingRegex::Outcome outcome = fast->match(s, startpos, groups, numGroups);
    if (outcome != BacktrackingRegex::Outcome::kUndecided) return outcome == BacktrackingRegex::Outcome::kMatch;
  }
  return regex.Match(re2::StringPiece(s.data(), s.size()), startpos, s.size(), RE2::UNANCHORED, groups, numGroups);
}

class Match final : public ScalarFunction {
 public:
  Match(DataType type, std::unique_ptr<RE2> regex) : ScalarFunction("match", type), regex_(std::move(regex)) {}
  bool costlyPerValue() const override { return true; }

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), {args[0]}, numRows);
    const RE2& regex = *regex_;
    mapStrings<uint8_t>(*args[0], out->data<uint8_t>(), numRows, sel,
                        [&](std::string_view s) -> uint8_t { return RE2::PartialMatch(s, regex); });
    return out;
  }

 private:
  std::unique_ptr<RE2> regex_;
};

/// extract(haystack, regex): the first capture group, or the whole match
/// when the expression has no group; '' when nothing matches.
class Extract final : public ScalarFunction {
 public:
  Extract(DataType type, std::unique_ptr<RE2> regex)
      : ScalarFunction("extract", type), regex_(std::move(regex)), fast_(BacktrackingRegex::compile(regex_->pattern())) {}
  bool costlyPerValue() const override { return true; }

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), {args[0]}, numRows);
    int group = regex_->NumberOfCapturingGroups() > 0 ? 1 : 0;
    mapStrings<std::string_view>(*args[0], out->data<std::string_view>(), numRows, sel,
                                 [&](std::string_view s) -> std::string_view {
                                   re2::StringPiece groups[2];
                                   if (!matchGroups(*regex_, fast_.get(), s, 0, groups, group + 1)) return {};
                                   if (groups[group].data() == nullptr) return {};
                                   return std::string_view(groups[group].data(), groups[group].size());
                                 });
    keepStringsAlive(*out, args[0]);
    return out;
  }

 private:
  std::unique_ptr<RE2> regex_;
  std::unique_ptr<BacktrackingRegex> fast_;  // null when the pattern is outside its subset
};

// Returns `pattern` without a final `.*$` when that suffix applies to the
// whole pattern (not escaped, not in a character class, no top-level `|`)
// and the pattern has no flag group, since `(?s)` and `(?m)` change what `.`
// and `$` match. Returns nullopt otherwise. Without flags RE2's `.` matches
// any UTF-8 character but a newline and `$` only the end of the text, so on
// an ASCII text without a newline `P.*$` matches where `P` does, with the
// same groups, and the match runs to the end of the text. RE2 then need not
// scan the rest of the text backwards and run its capture engine over it.
bool isAsciiWithoutNewline(std::string_view s) {
  // Checks eight bytes at a time. A set high bit marks a non-ASCII byte.
  // With x = w XOR '\n' in every byte, (x - 0x0101..01) & ~x & 0x8080..80
  // is non-zero exactly when some byte of x is zero, so when w has a newline.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t x = w ^ (kOnes * '\n');
    if (((w | ((x - kOnes) & ~x)) & kHighBits) != 0) return false;
  }
  unsigned char bad = 0;
  for (; i < n; ++i) {
    bad |= static_cast<unsigned char>((static_cast<unsigned char>(p[i]) & 0x80) | (p[i] == '\n'));
  }
  return bad == 0;
}

std::optional<std::string> withoutTrailingAnyToEnd(std::string_view pattern) {
  constexpr std::string_view kSuffix = ".*$";
  if (!pattern.ends_with(kSuffix)) return std::nullopt;
  const size_t suffixStart = pattern.size() - kSuffix.size();
  int depth = 0;
  bool inClass = false;
  for (size_t i = 0; i < suffixStart; ++i) {
    char c = pattern[i];
    if (c == '\\') {
      ++i;  // the escaped character, which may be the suffix's '.'
      if (i >= suffixStart) return std::nullopt;
      continue;
    }
    if (inClass) {
      if (c == ']') inClass = false;
      continue;
    }
    if (c == '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < suffixStart && pattern[i + 1] == '^') ++i;
      if (i + 1 < suffixStart && pattern[i + 1] == ']') ++i;
      continue;
    }
    if (c == '(') {
      // Only plain groups, non-capturing groups and named groups.
      if (i + 1 < suffixStart && pattern[i + 1] == '?' &&
          !(i + 2 < suffixStart && (pattern[i + 2] == ':' || pattern[i + 2] == 'P'))) {
        return std::nullopt;
      }
      ++depth;
      continue;
    }
    if (c == ')') {
      --depth;
      continue;
    }
    if (c == '|' && depth == 0) return std::nullopt;
  }
  if (inClass || depth != 0) return std::nullopt;
  return std::string(pattern.substr(0, suffixStart));
}

class ReplaceRegexp final : public ScalarFunction {
 public:
  ReplaceRegexp(std::string name, DataType type, std::unique_ptr<RE2> regex, std::string rewrite, bool all)
      : ScalarFunction(std::move(name), type), regex_(std::move(regex)),
        fast_(BacktrackingRegex::compile(regex_->pattern())), rewrite_(std::move(rewrite)), all_(all) {
    if (rewrite_.size() == 2 && rewrite_[0] == '\\' && rewrite_[1] >= '0' && rewrite_[1] <= '9') {
      onlyGroup_ = rewrite_[1] - '0';
    }
    if (auto prefix = withoutTrailingAnyToEnd(regex_->pattern())) {
      RE2::Options options;
      options.set_log_errors(false);
      auto prefixRegex = std::make_unique<RE2>(*prefix, options);
      // The prefix must have the same groups, or the rewrite could not use it.
      if (prefixRegex->ok() && prefixRegex->NumberOfCapturingGroups() == regex_->NumberOfCapturingGroups()) {
        prefixRegex_ = std::move(prefixRegex);
        prefixFast_ = BacktrackingRegex::compile(*prefix);
      }
    }
  }

  bool costlyPerValue() const override { return true; }

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), {args[0]}, numRows);
    StringHeap& heap = out->heap();
    std::string buffer;
    std::vector<re2::StringPiece> groups(1 + RE2::MaxSubmatch(rewrite_));
    mapStrings<std::string_view>(*args[0], out->data<std::string_view>(), numRows, sel,
                                 [&](std::string_view s) -> std::string_view {
                                   return replace(s, groups, buffer, heap);
                                 });
    keepStringsAlive(*out, args[0]);  // unchanged rows are views into the input
    return out;
  }

 private:
  // Returns `s` with the first match (or every match) replaced, built in
  // `buffer` and copied to `heap`, or `s` itself when nothing matches. A value
  // with one match is rewritten here without the string allocations of
  // RE2::Replace and RE2::GlobalReplace. When replacing every match and a
  // second match exists after the first, GlobalReplace does the work, so
  // its handling of empty matches applies unchanged.
  std::string_view replace(std::string_view s, std::vector<re2::StringPiece>& groups, std::string& buffer,
                           StringHeap& heap) const {
    const int n = static_cast<int>(groups.size());
    if (prefixRegex_ != nullptr && isAsciiWithoutNewline(s)) {
      if (!matchGroups(*prefixRegex_, prefixFast_.get(), s, 0, groups.data(), n)) return s;
      // The dropped `.*$` extends the match to the end of the text.
      groups[0] = re2::StringPiece(groups[0].data(), static_cast<size_t>(s.data() + s.size() - groups[0].data()));
    } else if (!matchGroups(*regex_, fast_.get(), s, 0, groups.data(), n)) {
      return s;
    }
    size_t begin = static_cast<size_t>(groups[0].data() - s.data());
    size_t end = begin + groups[0].size();
    if (all_ && matchGroups(*regex_, fast_.get(), s, end, nullptr, 0)) {
      buffer.assign(s);
      RE2::GlobalReplace(&buffer, *regex_, rewrite_);
      return heap.add(buffer);
    }
    if (onlyGroup_ >= 0 && begin == 0 && end == s.size()) {
      // The whole text becomes one group: a view of the input, not a copy.
      const re2::StringPiece& group = groups[onlyGroup_];
      return group.data() == nullptr ? std::string_view() : std::string_view(group.data(), group.size());
    }
    buffer.assign(s.data(), begin);
    if (!regex_->Rewrite(&buffer, rewrite_, groups.data(), n)) return s;
    buffer.append(s.data() + end, s.size() - end);
    return heap.add(buffer);
  }

  std::unique_ptr<RE2> regex_;
  // The matchers tried before `regex_` and `prefixRegex_`; null when the
  // pattern is outside their subset.
  std::unique_ptr<BacktrackingRegex> fast_;
  std::unique_ptr<BacktrackingRegex> prefixFast_;
  // `regex_` without a final `.*$`, for ASCII texts without a newline; null when
  // the pattern does not end that way.
  std::unique_ptr<RE2> prefixRegex_;
  std::string rewrite_;
  // N when the rewrite is exactly the reference \N, else -1.
  int onlyGroup_ = -1;
  bool all_;
};

void addReplaceRegexp(FunctionRegistry& registry, std::string name, bool all) {
  registry.add(name, [name, all](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 3, 3);
    if (hasNullLiteral(args)) return makeNullResult(name);
    for (size_t i = 0; i < 3; ++i) requireString(name, args, i);
    std::unique_ptr<RE2> regex = compileRegex(name, args, 1);
    std::string rewrite = requireConstantString(name, args, 2, "the replacement");
    std::string error;
    if (!regex->CheckRewriteString(rewrite, &error)) {
      throw QueryError(ErrorCode::kBadArguments,
                       fmt::format("invalid replacement '{}' in {}: {}", rewrite, name, error));
    }
    return std::make_unique<ReplaceRegexp>(name, DataType(TypeId::kString, args[0].type.nullable), std::move(regex),
                                           std::move(rewrite), all);
  });
}

}  // namespace

void registerRegexpFunctions(FunctionRegistry& registry) {
  addLike(registry, "like", false, false);
  addLike(registry, "notLike", false, true);
  addLike(registry, "ilike", true, false);
  addLike(registry, "notILike", true, true);

  registry.add("match", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("match", args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult("match");
    requireString("match", args, 0);
    requireString("match", args, 1);
    return std::make_unique<Match>(DataType(TypeId::kBool, args[0].type.nullable), compileRegex("match", args, 1));
  });
  registry.addAlias("REGEXP_LIKE", "match");

  registry.add("extract", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("extract", args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult("extract");
    requireString("extract", args, 0);
    requireString("extract", args, 1);
    return std::make_unique<Extract>(DataType(TypeId::kString, args[0].type.nullable), compileRegex("extract", args, 1));
  });

  addReplaceRegexp(registry, "replaceRegexpOne", false);
  addReplaceRegexp(registry, "replaceRegexpAll", true);
  registry.addAlias("REGEXP_REPLACE", "replaceRegexpAll");
}

}  // namespace furl::query
