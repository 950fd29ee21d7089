#include "query/functions/backtracking_regex.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>

namespace furl::query {

// --- parse -----------------------------------------------------------------------------------------

struct BacktrackingRegex::Node {
  enum class Kind : uint8_t { kEmpty, kSet, kConcat, kAlternate, kRepeat, kCapture, kBeginText, kEndText };
  Kind kind = Kind::kEmpty;
  uint32_t set = 0;  // kSet
  std::vector<Node> children;  // kConcat and kAlternate: any number, kRepeat and kCapture: one
  uint32_t min = 0;  // kRepeat
  uint32_t max = 0;
  bool greedy = true;
  int capture = 0;  // kCapture: the group number, from 1

  size_t minLength() const {
    switch (kind) {
      case Kind::kSet:
        return 1;
      case Kind::kConcat: {
        size_t sum = 0;
        for (const Node& child : children) sum += child.minLength();
        return sum;
      }
      case Kind::kAlternate: {
        size_t least = SIZE_MAX;
        for (const Node& child : children) least = std::min(least, child.minLength());
        return least;
      }
      case Kind::kRepeat:
        return min * children[0].minLength();
      case Kind::kCapture:
        return children[0].minLength();
      default:
        return 0;
    }
  }

  bool hasCapture() const {
    if (kind == Kind::kCapture) return true;
    for (const Node& child : children) {
      if (child.hasCapture()) return true;
    }
    return false;
  }
};

/// Recursive-descent parser for the subset. Every method returns false on
/// syntax outside the subset; compile() then returns null and the caller
/// keeps using RE2, so rejecting a valid pattern only costs speed.
class BacktrackingRegex::Parser {
 public:
  Parser(std::string_view pattern, std::vector<CharSet>& sets) : pattern_(pattern), sets_(sets) {}

  bool parse(Node& root) { return parseAlternation(root, 0) && pos_ == pattern_.size(); }
  int numCaptures() const { return numCaptures_; }

 private:
  // Limits that keep the recursion and the program small. RE2 rejects
  // counts above 1000 too.
  static constexpr int kMaxDepth = 100;
  static constexpr uint32_t kMaxRepeat = 1000;

  bool atEnd() const { return pos_ >= pattern_.size(); }
  char peek() const { return pattern_[pos_]; }

  bool parseAlternation(Node& out, int depth) {
    if (depth > kMaxDepth) return false;
    Node first;
    if (!parseConcat(first, depth)) return false;
    if (atEnd() || peek() != '|') {
      out = std::move(first);
      return true;
    }
    out = Node{};
    out.kind = Node::Kind::kAlternate;
    out.children.push_back(std::move(first));
    while (!atEnd() && peek() == '|') {
      ++pos_;
      Node next;
      if (!parseConcat(next, depth)) return false;
      out.children.push_back(std::move(next));
    }
    return true;
  }

  bool parseConcat(Node& out, int depth) {
    out = Node{};
    out.kind = Node::Kind::kConcat;
    while (!atEnd() && peek() != '|' && peek() != ')') {
      Node item;
      if (!parseRepeat(item, depth)) return false;
      out.children.push_back(std::move(item));
    }
    if (out.children.empty()) out.kind = Node::Kind::kEmpty;
    return true;
  }

  bool parseRepeat(Node& out, int depth) {
    Node atom;
    if (!parseAtom(atom, depth)) return false;
    if (atEnd()) {
      out = std::move(atom);
      return true;
    }
    uint32_t min = 0;
    uint32_t max = 0;
    char c = peek();
    if (c == '*') {
      min = 0;
      max = kUnbounded;
      ++pos_;
    } else if (c == '+') {
      min = 1;
      max = kUnbounded;
      ++pos_;
    } else if (c == '?') {
      min = 0;
      max = 1;
      ++pos_;
    } else if (c == '{') {
      if (!parseCount(min, max)) return false;
    } else {
      out = std::move(atom);
      return true;
    }
    bool greedy = true;
    if (!atEnd() && peek() == '?') {
      greedy = false;
      ++pos_;
    }
    // RE2 rejects most doubled operators and squashes others such as '**',
    // so they are left to RE2.
    if (!atEnd() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) return false;

    const bool singleCharacter = atom.kind == Node::Kind::kSet;
    const bool optional = min == 0 && max == 1;
    if (!singleCharacter && !optional) {
      // Loops over longer pieces: only '*' and '+' over a piece that always
      // consumes input and sets no group, where Perl and RE2 agree.
      if (max != kUnbounded || min > 1 || atom.minLength() == 0 || atom.hasCapture()) return false;
    }
    if (atom.kind == Node::Kind::kBeginText || atom.kind == Node::Kind::kEndText) return false;
    out = Node{};
    out.kind = Node::Kind::kRepeat;
    out.min = min;
    out.max = max;
    out.greedy = greedy;
    out.children.push_back(std::move(atom));
    return true;
  }

  // Parses '{n}', '{n,}' or '{n,m}' at pos_. RE2 reads a '{' that does not
  // start one of these as a literal, which this parser does not support.
  bool parseCount(uint32_t& min, uint32_t& max) {
    size_t p = pos_ + 1;
    if (!readNumber(p, min)) return false;
    if (p < pattern_.size() && pattern_[p] == '}') {
      max = min;
    } else if (p < pattern_.size() && pattern_[p] == ',') {
      ++p;
      if (p < pattern_.size() && pattern_[p] == '}') {
        max = kUnbounded;
      } else if (!readNumber(p, max) || p >= pattern_.size() || pattern_[p] != '}' || max < min) {
        return false;
      }
    } else {
      return false;
    }
    pos_ = p + 1;
    return true;
  }

  bool readNumber(size_t& p, uint32_t& value) const {
    size_t start = p;
    value = 0;
    while (p < pattern_.size() && pattern_[p] >= '0' && pattern_[p] <= '9') {
      value = value * 10 + static_cast<uint32_t>(pattern_[p] - '0');
      if (value > kMaxRepeat) return false;
      ++p;
    }
    return p > start;
  }

  bool parseAtom(Node& out, int depth) {
    out = Node{};
    const char c = peek();
    if (c == '(') {
      ++pos_;
      int capture = 0;
      if (!atEnd() && peek() == '?') {
        // Only '(?:' groups: flags and named groups are outside the subset.
        if (pos_ + 1 >= pattern_.size() || pattern_[pos_ + 1] != ':') return false;
        pos_ += 2;
      } else {
        capture = ++numCaptures_;
      }
      Node body;
      if (!parseAlternation(body, depth + 1)) return false;
      if (atEnd() || peek() != ')') return false;
      ++pos_;
      if (capture == 0) {
        out = std::move(body);
      } else {
        out.kind = Node::Kind::kCapture;
        out.capture = capture;
        out.children.push_back(std::move(body));
      }
      return true;
    }
    if (c == '^' || c == '$') {
      ++pos_;
      out.kind = c == '^' ? Node::Kind::kBeginText : Node::Kind::kEndText;
      return true;
    }
    if (c == '[') return parseClass(out);
    CharSet set;
    if (c == '.') {
      ++pos_;
      for (int b = 0; b < 128; ++b) {
        if (b != '\n') set.add(static_cast<unsigned char>(b));
      }
      set.nonAscii = true;
    } else if (c == '\\') {
      if (pos_ + 1 >= pattern_.size()) return false;
      const char e = pattern_[pos_ + 1];
      if (e == 'A' || e == 'z') {
        pos_ += 2;
        out.kind = e == 'A' ? Node::Kind::kBeginText : Node::Kind::kEndText;
        return true;
      }
      if (!parseEscape(set)) return false;
    } else {
      // A quantifier or ')' here is a syntax error in RE2, and '{', '}' and
      // ']' alone have special rules. Non-ASCII literals would need UTF-8.
      if (c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']' || c == ')' || c == '|' ||
          static_cast<unsigned char>(c) >= 0x80) {
        return false;
      }
      ++pos_;
      set.add(static_cast<unsigned char>(c));
    }
    out.kind = Node::Kind::kSet;
    out.set = addSet(set);
    return true;
  }

  // Adds the escape at pos_ ('\' and one character) to `set`: a class
  // such as \d, a control character or escaped punctuation.
  bool parseEscape(CharSet& set) {
    const char e = pattern_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S': {
        CharSet perl;
        for (int b = 0; b < 128; ++b) {
          const bool member = e == 'd' || e == 'D'   ? (b >= '0' && b <= '9')
                              : e == 'w' || e == 'W' ? (std::isalnum(b) != 0 || b == '_')
                                                     : (b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r');
          if (member != (e == 'D' || e == 'W' || e == 'S')) perl.add(static_cast<unsigned char>(b));
        }
        perl.nonAscii = e == 'D' || e == 'W' || e == 'S';
        addAll(set, perl);
        return true;
      }
      case 't':
        set.add('\t');
        return true;
      case 'n':
        set.add('\n');
        return true;
      case 'r':
        set.add('\r');
        return true;
      case 'f':
        set.add('\f');
        return true;
      case 'v':
        set.add('\v');
        return true;
      default:
        // Escaped ASCII punctuation is the character itself.
        if (static_cast<unsigned char>(e) < 0x80 && std::ispunct(static_cast<unsigned char>(e)) != 0 && e != '_') {
          set.add(static_cast<unsigned char>(e));
          return true;
        }
        return false;
    }
  }

  // Reads one class member at pos_ that can end a range: a literal or an
  // escaped punctuation or control character. Returns -1 for anything else.
  int readRangeEnd() {
    if (atEnd()) return -1;
    const char c = peek();
    if (c == '\\') {
      if (pos_ + 1 >= pattern_.size()) return -1;
      const char e = pattern_[pos_ + 1];
      if (std::strchr("dDwWsS", e) != nullptr) return -1;
      CharSet one;
      if (!parseEscape(one)) return -1;
      for (int b = 0; b < 128; ++b) {
        if (one.contains(static_cast<unsigned char>(b))) return b;
      }
      return -1;
    }
    if (static_cast<unsigned char>(c) >= 0x80 || c == '[') return -1;
    ++pos_;
    return static_cast<unsigned char>(c);
  }

  bool parseClass(Node& out) {
    ++pos_;  // '['
    bool negated = false;
    if (!atEnd() && peek() == '^') {
      negated = true;
      ++pos_;
    }
    CharSet set;
    bool first = true;
    for (;;) {
      if (atEnd()) return false;
      const char c = peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      if (c == '-' && !first && !(pos_ + 1 < pattern_.size() && pattern_[pos_ + 1] == ']')) {
        return false;  // a '-' in the middle that starts no range, left to RE2
      }
      if (c == '\\' && pos_ + 1 < pattern_.size() && std::strchr("dDwWsS", pattern_[pos_ + 1]) != nullptr) {
        if (!parseEscape(set)) return false;
        first = false;
        continue;
      }
      int low = c == ']' ? (++pos_, ']') : readRangeEnd();
      if (low < 0) return false;
      int high = low;
      if (pos_ + 1 < pattern_.size() && peek() == '-' && pattern_[pos_ + 1] != ']') {
        ++pos_;
        high = readRangeEnd();
        if (high < low) return false;
      }
      for (int b = low; b <= high; ++b) set.add(static_cast<unsigned char>(b));
      first = false;
    }
    if (negated) {
      set.bits[0] = ~set.bits[0];
      set.bits[1] = ~set.bits[1];
      set.nonAscii = !set.nonAscii;
    }
    out.kind = Node::Kind::kSet;
    out.set = addSet(set);
    return true;
  }

  static void addAll(CharSet& into, const CharSet& from) {
    into.bits[0] |= from.bits[0];
    into.bits[1] |= from.bits[1];
    into.nonAscii |= from.nonAscii;
  }

  uint32_t addSet(const CharSet& set) {
    sets_.push_back(set);
    return static_cast<uint32_t>(sets_.size() - 1);
  }

  std::string_view pattern_;
  size_t pos_ = 0;
  std::vector<CharSet>& sets_;
  int numCaptures_ = 0;
};

// --- compile ---------------------------------------------------------------------------------------

class BacktrackingRegex::Compiler {
 public:
  explicit Compiler(BacktrackingRegex& regex) : regex_(regex) {}

  void emit(const Node& node) {
    std::vector<Inst>& program = regex_.program_;
    switch (node.kind) {
      case Node::Kind::kEmpty:
        return;
      case Node::Kind::kSet:
        program.push_back(Inst{Op::kSet, true, node.set});
        return;
      case Node::Kind::kBeginText:
        program.push_back(Inst{Op::kBeginText});
        return;
      case Node::Kind::kEndText:
        program.push_back(Inst{Op::kEndText});
        return;
      case Node::Kind::kConcat:
        emitConcat(node);
        return;
      case Node::Kind::kCapture:
        program.push_back(Inst{Op::kSave, true, 0, static_cast<uint32_t>(2 * node.capture)});
        emit(node.children[0]);
        program.push_back(Inst{Op::kSave, true, 0, static_cast<uint32_t>(2 * node.capture + 1)});
        return;
      case Node::Kind::kAlternate: {
        // Split(first, next); first; Jump(end); next: Split(second, ...) ...
        std::vector<size_t> jumps;
        for (size_t i = 0; i < node.children.size(); ++i) {
          const bool last = i + 1 == node.children.size();
          size_t split = 0;
          if (!last) {
            split = program.size();
            program.push_back(Inst{Op::kSplit});
            program[split].x = static_cast<uint32_t>(program.size());
          }
          emit(node.children[i]);
          if (!last) {
            jumps.push_back(program.size());
            program.push_back(Inst{Op::kJump});
            program[split].y = static_cast<uint32_t>(program.size());
          }
        }
        for (size_t jump : jumps) program[jump].x = static_cast<uint32_t>(program.size());
        return;
      }
      case Node::Kind::kRepeat:
        emitRepeat(node);
        return;
    }
  }

 private:
  // Runs of single characters become one kLiteral.
  void emitConcat(const Node& node) {
    std::vector<Inst>& program = regex_.program_;
    size_t i = 0;
    while (i < node.children.size()) {
      std::string run;
      size_t j = i;
      while (j < node.children.size() && singleByte(node.children[j], run)) ++j;
      if (j - i >= 2) {
        program.push_back(Inst{Op::kLiteral, true, 0, static_cast<uint32_t>(regex_.literals_.size()),
                               static_cast<uint32_t>(run.size())});
        regex_.literals_ += run;
        i = j;
        continue;
      }
      emit(node.children[i]);
      ++i;
    }
  }

  // Appends the byte of a set with exactly one member to `run`.
  bool singleByte(const Node& node, std::string& run) const {
    if (node.kind != Node::Kind::kSet) return false;
    const CharSet& set = regex_.sets_[node.set];
    if (set.nonAscii || std::popcount(set.bits[0]) + std::popcount(set.bits[1]) != 1) return false;
    const int byte = set.bits[0] != 0 ? std::countr_zero(set.bits[0]) : 64 + std::countr_zero(set.bits[1]);
    run.push_back(static_cast<char>(byte));
    return true;
  }

  void emitRepeat(const Node& node) {
    std::vector<Inst>& program = regex_.program_;
    const Node& body = node.children[0];
    if (body.kind == Node::Kind::kSet) {
      program.push_back(Inst{Op::kRepeat, node.greedy, body.set, node.min, node.max});
      return;
    }
    const auto here = [&] { return static_cast<uint32_t>(program.size()); };
    if (node.max == 1) {
      // x?: Split(x, end) x end; lazy prefers end.
      size_t split = program.size();
      program.push_back(Inst{Op::kSplit});
      emit(body);
      program[split].x = node.greedy ? static_cast<uint32_t>(split + 1) : here();
      program[split].y = node.greedy ? here() : static_cast<uint32_t>(split + 1);
      return;
    }
    if (node.min == 1) {
      // x+: loop: x Split(loop, end)
      uint32_t loop = here();
      emit(body);
      uint32_t after = here() + 1;
      program.push_back(Inst{Op::kSplit, true, 0, node.greedy ? loop : after, node.greedy ? after : loop});
      return;
    }
    // x*: loop: Split(x, end) x Jump(loop) end
    size_t split = program.size();
    program.push_back(Inst{Op::kSplit});
    emit(body);
    program.push_back(Inst{Op::kJump, true, 0, static_cast<uint32_t>(split)});
    program[split].x = node.greedy ? static_cast<uint32_t>(split + 1) : here();
    program[split].y = node.greedy ? here() : static_cast<uint32_t>(split + 1);
  }

  BacktrackingRegex& regex_;
};

std::unique_ptr<BacktrackingRegex> BacktrackingRegex::compile(std::string_view pattern) {
  auto regex = std::unique_ptr<BacktrackingRegex>(new BacktrackingRegex());
  Node root;
  Parser parser(pattern, regex->sets_);
  if (!parser.parse(root)) return nullptr;
  regex->numCaptures_ = parser.numCaptures();
  Compiler(*regex).emit(root);
  regex->program_.push_back(Inst{Op::kMatch});

  regex->tables_.resize(regex->sets_.size());
  for (size_t i = 0; i < regex->sets_.size(); ++i) {
    const CharSet& set = regex->sets_[i];
    ByteTable& table = regex->tables_[i];
    for (int b = 0; b < 256; ++b) {
      if (b < 0x80) {
        table[b] = set.contains(static_cast<unsigned char>(b)) ? kByteYes : kByteNo;
      } else {
        table[b] = set.nonAscii ? kByteUndecided : kByteNo;
      }
    }
  }

  regex->markPossessiveRepeats();
  static_assert(std::endian::native == std::endian::little, "the literal masks select the first bytes in memory");
  for (Inst& inst : regex->program_) {
    if (inst.op != Op::kLiteral || inst.y > 8) continue;
    std::memcpy(&inst.word, regex->literals_.data() + inst.x, inst.y);
    inst.mask = inst.y == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * inst.y)) - 1;
  }

  const Inst& first = regex->program_[0];
  regex->anchoredStart_ = first.op == Op::kBeginText;
  if (first.op == Op::kSet || (first.op == Op::kRepeat && first.x >= 1)) {
    regex->hasFirstSet_ = true;
    regex->firstSet_ = regex->sets_[first.set];
  } else if (first.op == Op::kLiteral) {
    regex->hasFirstSet_ = true;
    regex->firstSet_.add(static_cast<unsigned char>(regex->literals_[first.x]));
  }
  return regex;
}

void BacktrackingRegex::markPossessiveRepeats() {
  for (size_t i = 0; i + 1 < program_.size(); ++i) {
    Inst& repeat = program_[i];
    const Inst& next = program_[i + 1];
    if (repeat.op != Op::kRepeat || !repeat.greedy) continue;
    // The bytes the next instruction accepts first, as a set.
    CharSet nextFirst;
    if (next.op == Op::kSet) {
      nextFirst = sets_[next.set];
    } else if (next.op == Op::kLiteral) {
      nextFirst.add(static_cast<unsigned char>(literals_[next.x]));
    } else {
      continue;
    }
    // Only ASCII bytes are ever consumed by a repeat, so the ASCII members decide.
    const CharSet& repeated = sets_[repeat.set];
    repeat.possessive = (repeated.bits[0] & nextFirst.bits[0]) == 0 && (repeated.bits[1] & nextFirst.bits[1]) == 0;
  }
}

// --- match -----------------------------------------------------------------------------------------

namespace {

/// A backtrack stack entry.
struct Frame {
  enum class Kind : uint8_t {
    kBranch,   // resume at pc, pos
    kRestore,  // set capture slot `pc` back to `pos`
    kGreedy,   // a greedy repeat ends at pos: retry at pos - 1, down to `limit`, then resume at pc
    kLazy,     // a lazy repeat ends at pos: retry at pos + 1, up to `limit`, then resume at pc
  };
  Kind kind;
  uint32_t pc;
  int64_t pos;
  int64_t limit;
};

/// The backtrack stack: on the C++ stack while it is small, so that most
/// matches allocate nothing, and on the heap beyond that.
class FrameStack {
 public:
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  Frame& back() { return data_[size_ - 1]; }
  void pop_back() { --size_; }
  void push_back(const Frame& frame) {
    if (size_ == capacity_) grow();
    data_[size_++] = frame;
  }

 private:
  static constexpr size_t kInlineFrames = 64;

  void grow() {
    auto bigger = std::make_unique<Frame[]>(2 * capacity_);
    std::copy(data_, data_ + size_, bigger.get());
    heap_ = std::move(bigger);
    data_ = heap_.get();
    capacity_ *= 2;
  }

  Frame inline_[kInlineFrames];
  std::unique_ptr<Frame[]> heap_;
  Frame* data_ = inline_;
  size_t size_ = 0;
  size_t capacity_ = kInlineFrames;
};

// Capture slots kept in an array on the stack: group 0 and up to 7 groups.
constexpr size_t kStackCaptureSlots = 16;

}  // namespace

BacktrackingRegex::Outcome BacktrackingRegex::match(std::string_view text, size_t startpos, re2::StringPiece* groups,
                                                    int numGroups) const {
  if (numGroups > 1 + numCaptures_ || startpos > text.size()) return Outcome::kUndecided;
  FrameStack stack;
  const size_t numSlots = 2 * static_cast<size_t>(numCaptures_ + 1);
  int64_t stackCaptures[kStackCaptureSlots];
  std::vector<int64_t> heapCaptures;
  int64_t* captures = stackCaptures;
  if (numSlots > kStackCaptureSlots) {
    heapCaptures.resize(numSlots);
    captures = heapCaptures.data();
  }

  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const int64_t n = static_cast<int64_t>(text.size());
  const size_t budget = kBaseSteps + kStepsPerByte * (text.size() - startpos + 1);
  size_t steps = 0;

  for (int64_t start = static_cast<int64_t>(startpos); start <= n; ++start) {
    if (anchoredStart_ && start != 0) break;
    if (hasFirstSet_) {
      // No match can start at a byte outside the first set. A non-ASCII
      // byte there is left to the set's own check below.
      while (start < n && bytes[start] < 0x80 && !firstSet_.contains(bytes[start])) ++start;
      if (start == n) break;
    }
    stack.clear();
    std::fill(captures + 2, captures + numSlots, -1);
    uint32_t pc = 0;
    int64_t pos = start;
    for (;;) {
      if (++steps > budget) return Outcome::kUndecided;
      const Inst& inst = program_[pc];
      bool ok = false;
      switch (inst.op) {
        case Op::kSet:
          if (pos < n) {
            const uint8_t byteClass = tables_[inst.set][bytes[pos]];
            if (byteClass == kByteUndecided) return Outcome::kUndecided;
            if (byteClass == kByteYes) {
              ++pos;
              ++pc;
              ok = true;
            }
          }
          break;
        case Op::kLiteral:
          if (inst.mask != 0 && n - pos >= 8) {
            // One 8-byte load covers a short literal.
            uint64_t word;
            std::memcpy(&word, bytes + pos, 8);
            if ((word & inst.mask) == inst.word) {
              pos += inst.y;
              ++pc;
              ok = true;
            }
          } else if (n - pos >= inst.y) {
            // Literals are a few bytes long, so they are compared inline, not with memcmp.
            const char* literal = literals_.data() + inst.x;
            uint32_t i = 0;
            while (i < inst.y && bytes[pos + i] == static_cast<unsigned char>(literal[i])) ++i;
            if (i == inst.y) {
              pos += inst.y;
              ++pc;
              ok = true;
            }
          }
          break;
        case Op::kRepeat: {
          const ByteTable& table = tables_[inst.set];
          const int64_t limit = inst.y == kUnbounded ? n : std::min<int64_t>(n, pos + inst.y);
          int64_t end = pos;
          while (end < limit && table[bytes[end]] == kByteYes) ++end;
          if (end < limit && table[bytes[end]] == kByteUndecided) return Outcome::kUndecided;
          steps += static_cast<size_t>(end - pos);
          const int64_t least = pos + inst.x;
          if (end < least) break;
          if (inst.greedy) {
            if (end > least && !inst.possessive) stack.push_back(Frame{Frame::Kind::kGreedy, pc + 1, end, least});
            pos = end;
          } else {
            if (end > least) stack.push_back(Frame{Frame::Kind::kLazy, pc + 1, least, end});
            pos = least;
          }
          ++pc;
          ok = true;
          break;
        }
        case Op::kSplit:
          stack.push_back(Frame{Frame::Kind::kBranch, inst.y, pos, 0});
          pc = inst.x;
          ok = true;
          break;
        case Op::kJump:
          pc = inst.x;
          ok = true;
          break;
        case Op::kSave:
          stack.push_back(Frame{Frame::Kind::kRestore, inst.x, captures[inst.x], 0});
          captures[inst.x] = pos;
          ++pc;
          ok = true;
          break;
        case Op::kBeginText:
          ok = pos == 0;
          ++pc;
          break;
        case Op::kEndText:
          ok = pos == n;
          ++pc;
          break;
        case Op::kMatch:
          captures[0] = start;
          captures[1] = pos;
          for (int g = 0; g < numGroups; ++g) {
            const int64_t begin = captures[2 * g];
            const int64_t end = captures[2 * g + 1];
            groups[g] = begin < 0 || end < 0 ? re2::StringPiece()
                                             : re2::StringPiece(text.data() + begin, static_cast<size_t>(end - begin));
          }
          return Outcome::kMatch;
      }
      if (ok) continue;

      // Backtrack to the most recent choice, undoing captures on the way.
      bool resumed = false;
      while (!stack.empty() && !resumed) {
        Frame& frame = stack.back();
        switch (frame.kind) {
          case Frame::Kind::kRestore:
            captures[frame.pc] = frame.pos;
            stack.pop_back();
            break;
          case Frame::Kind::kBranch:
            pc = frame.pc;
            pos = frame.pos;
            stack.pop_back();
            resumed = true;
            break;
          case Frame::Kind::kGreedy:
            pc = frame.pc;
            pos = --frame.pos;
            if (frame.pos == frame.limit) stack.pop_back();
            resumed = true;
            break;
          case Frame::Kind::kLazy:
            pc = frame.pc;
            pos = ++frame.pos;
            if (frame.pos == frame.limit) stack.pop_back();
            resumed = true;
            break;
        }
      }
      if (!resumed) break;  // no match from this start
      ++steps;
    }
  }
  return Outcome::kNoMatch;
}

}  // namespace furl::query
