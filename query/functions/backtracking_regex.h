#pragma once

// A backtracking matcher for a subset of RE2's syntax that returns the
// same match and capture groups as RE2::Match, or kUndecided when it
// cannot be sure to. RE2 needs its BitState or NFA engine for the groups
// of a pattern that is not one-pass, such as '^https?://(?:www\.)?([^/]+)/',
// where the 'w' after '://' can start either the optional 'www.' or the
// group. BM_RegexpGroups (bench/micro) measured 1.0 us per referer-like
// URL with RE2 and 0.2 us with this matcher, on a busy 2-core machine.
// This matcher follows the pattern's alternatives in priority order,
// which gives RE2's leftmost-first (Perl) results, and stops after a step
// budget proportional to the text length.
//
// The subset, on RE2's default options (UTF-8, case-sensitive, no flag
// groups): ASCII literals and escaped punctuation, '.', character classes
// with ASCII members, ranges and negation, \d \D \w \W \s \S \t \n \r \f
// \v, '^' '$' \A \z (begin and end of text), capturing and '(?:' groups,
// '|', and greedy or lazy '*' '+' '?' '{n}' '{n,}' '{n,m}'. A counted or
// '*' '+' repeat applies to a single character, or ('*' and '+' only) to
// a group without captures that cannot match an empty string; '?' applies
// to anything. compile() returns null for any other pattern.
//
// Texts may contain any bytes. A byte of 0x80 or more never matches a set
// of ASCII characters. When a set that includes non-ASCII characters ('.',
// a negated class, \D \W \S) reaches such a byte, the result depends on
// RE2's UTF-8 decoding, so match() returns kUndecided.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "re2/stringpiece.h"

namespace furl::query {

class BacktrackingRegex {
 public:
  enum class Outcome : uint8_t { kNoMatch, kMatch, kUndecided };

  /// Compiles `pattern`, or returns null when it is outside the subset.
  /// The caller compiles the same pattern with RE2 first, because a
  /// pattern RE2 rejects may still compile here.
  static std::unique_ptr<BacktrackingRegex> compile(std::string_view pattern);

  /// Searches `text` from byte `startpos` for the leftmost-first match, as
  /// RE2::Match(text, startpos, text.size(), RE2::UNANCHORED, groups,
  /// numGroups) does, with '^' and '$' at the ends of the whole text. On
  /// kMatch, fills groups[0..numGroups) as RE2 would: a group that took no
  /// part in the match is a null StringPiece. Returns kUndecided when the
  /// step budget runs out, a non-ASCII byte reaches a set with non-ASCII
  /// members, or numGroups exceeds 1 + numberOfCapturingGroups().
  Outcome match(std::string_view text, size_t startpos, re2::StringPiece* groups, int numGroups) const;

  int numberOfCapturingGroups() const { return numCaptures_; }

  /// Steps allowed per byte of text searched, on top of kBaseSteps. A
  /// step is one instruction, one backtrack or one byte scanned by a
  /// repeat.
  static constexpr size_t kStepsPerByte = 16;
  static constexpr size_t kBaseSteps = 256;

 private:
  enum class Op : uint8_t { kSet, kLiteral, kRepeat, kSplit, kJump, kSave, kBeginText, kEndText, kMatch };

  /// A set of characters: the ASCII members as a bitmap, and whether every
  /// non-ASCII character is a member too (it is all or none in the subset).
  struct CharSet {
    uint64_t bits[2] = {0, 0};
    bool nonAscii = false;
    bool contains(unsigned char c) const { return (bits[c >> 6] >> (c & 63)) & 1; }
    void add(unsigned char c) { bits[c >> 6] |= uint64_t{1} << (c & 63); }
  };

  struct Inst {
    Op op;
    bool greedy = true;  // kRepeat
    uint32_t set = 0;    // kSet, kRepeat: index in sets_
    // kSplit: preferred target, then the other; kJump: target; kSave: slot;
    // kLiteral: offset and length in literals_; kRepeat: minimum and maximum
    // count (kUnbounded for no maximum).
    uint32_t x = 0;
    uint32_t y = 0;
    // kRepeat, greedy: the next instruction needs a first byte outside the
    // repeated set, so giving back characters cannot lead to a match.
    bool possessive = false;
    // kLiteral of at most 8 bytes: its bytes as a little-endian word, and
    // the mask of the bytes it covers.
    uint64_t word = 0;
    uint64_t mask = 0;
  };
  static constexpr uint32_t kUnbounded = UINT32_MAX;

  struct Node;
  class Parser;
  class Compiler;

  // Sets Inst::possessive on the greedy repeats it applies to.
  void markPossessiveRepeats();

  /// What a byte means to a set: kByteNo and kByteYes for ASCII bytes and
  /// for non-ASCII bytes under a set of ASCII characters, kByteUndecided
  /// for non-ASCII bytes under a set with non-ASCII members.
  enum ByteClass : uint8_t { kByteNo, kByteYes, kByteUndecided };
  using ByteTable = std::array<uint8_t, 256>;

  std::vector<Inst> program_;
  std::vector<CharSet> sets_;
  std::vector<ByteTable> tables_;  // one per set, indexed like sets_
  std::string literals_;
  int numCaptures_ = 0;
  bool anchoredStart_ = false;  // the program starts with kBeginText
  // The bytes a match can start with, when the first instruction consumes
  // at least one character; lets the unanchored search skip other starts.
  bool hasFirstSet_ = false;
  CharSet firstSet_;
};

}  // namespace furl::query
