#include "ingest/json_row.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// The AVX-512 member walk: x86-64 with GCC or Clang, which compile AVX-512
// code in functions that ask for it whatever the target of the file.
#if defined(__x86_64__) && defined(__GNUC__)
#define FURL_JSON_AVX512_WALK 1
#include <immintrin.h>
#else
#define FURL_JSON_AVX512_WALK 0
#endif

#include "ingest/ingestion_spec.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

// The walk below calls simdjson's number and literal parsers, which the
// header defines for the implementation this file is compiled for. They are
// the code the DOM parser runs in its stage 2, so both modes decode numbers
// alike. NOTE: these are internal to simdjson (checked with 3.0.1), so a new
// simdjson may move them; the mode comparison tests catch a change in results.
namespace numberparsing = simdjson::SIMDJSON_BUILTIN_IMPLEMENTATION::numberparsing;
namespace atomparsing = simdjson::SIMDJSON_BUILTIN_IMPLEMENTATION::atomparsing;
namespace jsoncharutils = simdjson::SIMDJSON_BUILTIN_IMPLEMENTATION::jsoncharutils;

/// Deeper messages go to the general path. simdjson's DOM parser rejects
/// depths above its default maximum of 1024, so this stays below it.
constexpr int kMaxDepth = 1000;

/// Decodes a scalar the spec reads from the DOM; false for arrays and objects.
bool readDomScalar(simdjson::dom::element element, ScalarField& out) {
  switch (element.type()) {
    case simdjson::dom::element_type::STRING:
      out.kind = ScalarField::Kind::kString;
      out.text = element.get_string().value_unsafe();
      return true;
    case simdjson::dom::element_type::INT64:
      out.kind = ScalarField::Kind::kInt64;
      out.intValue = element.get_int64().value_unsafe();
      return true;
    case simdjson::dom::element_type::UINT64:
      out.kind = ScalarField::Kind::kUInt64;
      out.uintValue = element.get_uint64().value_unsafe();
      return true;
    case simdjson::dom::element_type::DOUBLE:
      out.kind = ScalarField::Kind::kDouble;
      out.doubleValue = element.get_double().value_unsafe();
      return true;
    case simdjson::dom::element_type::BOOL:
      out.kind = ScalarField::Kind::kBool;
      out.boolValue = element.get_bool().value_unsafe();
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out.kind = ScalarField::Kind::kNull;
      return true;
    case simdjson::dom::element_type::ARRAY:
    case simdjson::dom::element_type::OBJECT:
      return false;
  }
  return false;
}

/// Receives the number simdjson's parse_number() decodes, in the form of
/// the DOM's tape writer. parse_number() passes copies of it around, which
/// write to the same field.
struct NumberWriter {
  ScalarField& out;

  /// The tape writer moves past a double that a copy wrote; nothing to do here.
  void skip_double() {}

  void append_s64(int64_t value) {
    out.kind = ScalarField::Kind::kInt64;
    out.intValue = value;
  }
  void append_u64(uint64_t value) {
    out.kind = ScalarField::Kind::kUInt64;
    out.uintValue = value;
  }
  void append_double(double value) {
    out.kind = ScalarField::Kind::kDouble;
    out.doubleValue = value;
  }
};

bool isJsonWhitespace(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool isDigit(uint8_t c) { return static_cast<uint8_t>(c - '0') < 10; }

/// True when the 8 bytes at `text` are all ASCII digits (the test simdjson
/// uses for the same purpose).
bool isEightDigits(const uint8_t* text) {
  uint64_t word;
  std::memcpy(&word, text, sizeof(word));
  return ((word & 0xF0F0F0F0F0F0F0F0) | (((word + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) ==
         0x3333333333333333;
}


/// The read fields' names in an open-addressing table that the walk probes
/// inline for each key. A JSON message may have a hundred keys of which a
/// spec reads a few, so most probes find an empty entry at once. Keys are
/// compared 16 bytes at a time, which needs 16 readable bytes after the
/// start of every key: the walk's text and string buffers have them.
class KeyTable {
 public:
  /// Specs with more read fields than this probe FieldNameSet instead, so
  /// that the table stays at most a quarter full.
  static constexpr size_t kMaxNames = 64;

  explicit KeyTable(const FieldNameSet& names) : names_(names), useTable_(names.size() <= kMaxNames) {
    for (const std::string& name : names.names()) {
      size_t row = std::min<size_t>(name.size(), kLengthRows - 1) * 4;
      if (name.empty()) {
        // The byte after an empty key is its closing quote or anything else.
        for (size_t word = 0; word < 4; ++word) firstBytes_[row + word] = ~uint64_t{0};
      } else {
        auto first = static_cast<uint8_t>(name[0]);
        firstBytes_[row + first / 64] |= uint64_t{1} << (first % 64);
      }
      uint32_t bit = shortFilterBit(shortFilterWord(name));
      shortFilter_[bit / 32] |= uint32_t{1} << (bit % 32);
    }
    if (!useTable_) return;
    for (size_t slot = 0; slot < names.size(); ++slot) {
      const std::string& name = names.names()[slot];
      Entry entry;
      entry.size = static_cast<uint32_t>(name.size());
      entry.slot = static_cast<int32_t>(slot);
      uint8_t prefix[16] = {};
      std::memcpy(prefix, name.data(), std::min<size_t>(name.size(), sizeof(prefix)));
      std::memcpy(entry.prefix, prefix, sizeof(prefix));
      entry.name = name.data();
      size_t at = bucket(entry.prefix[0] & firstMask(name.size()), name.size());
      while (entries_[at].slot >= 0) at = (at + 1) % entries_.size();
      entries_[at] = entry;
    }
  }

  /// Returns the word of `name` for the short filter: the 2 bytes after the
  /// opening quote of the key as compact JSON spells it (`"a":` gives 'a'
  /// and '"'), the byte before its closing quote and min(length, 63). The
  /// AVX-512 walk has these from 2 gathers. The filter has 1,024 bits, in
  /// two AVX-512 registers, and bit shortFilterBit(word) is set for each
  /// read name. With the hits benchmark's spec, 3 of the 94 keys of a hits
  /// row that it does not read pass this filter, and 5 pass firstBytes_.
  static uint32_t shortFilterWord(std::string_view name) {
    std::string compact = strCat("\"", name, "\":");
    auto byte = [&](size_t at) { return uint32_t{static_cast<uint8_t>(compact[at])}; };
    auto length = static_cast<uint32_t>(std::min<size_t>(name.size(), 63));
    return byte(1) | byte(2) << 8 | byte(name.size()) << 16 | length << 24;
  }
  static uint32_t shortFilterBit(uint32_t word) {
    return (word ^ (word >> 10) ^ (word >> 20) ^ (word >> 30)) % 1024;
  }
  const uint32_t* shortFilter() const { return shortFilter_.data(); }

  /// Returns the slot of the `size` bytes at `key`, or -1 when no field of
  /// that name is read.
  int slotOf(const uint8_t* key, size_t size) const {
    // Most keys of a message are not read: one bit for their length and
    // first byte turns most of them away before any hashing.
    size_t bit = std::min<size_t>(size, kLengthRows - 1) * 256 + key[0];
    if ((firstBytes_[bit / 64] >> (bit % 64) & 1) == 0) return -1;
    if (!useTable_) return names_.slotOf(std::string_view(reinterpret_cast<const char*>(key), size));
    uint64_t first = load64(key) & firstMask(size);
    for (size_t at = bucket(first, size);; at = (at + 1) % entries_.size()) {
      const Entry& entry = entries_[at];
      if (entry.slot < 0) return -1;
      if (entry.size == size && entry.prefix[0] == first && matchesAfterEight(entry, key, size)) return entry.slot;
    }
  }

 private:
  struct Entry {
    uint32_t size = 0;
    int32_t slot = -1;  // -1 for an empty entry
    /// The first 16 bytes of the name, zero-filled beyond its end.
    uint64_t prefix[2] = {0, 0};
    /// The whole name, compared past 16 bytes.
    const char* name = nullptr;
  };

  static uint64_t load64(const uint8_t* bytes) {
    uint64_t word;
    std::memcpy(&word, bytes, sizeof(word));
    return word;
  }
  /// The bits of the first 8 bytes of a name that belong to a name of `size` bytes.
  static uint64_t firstMask(size_t size) { return size >= 8 ? ~uint64_t{0} : ~(~uint64_t{0} << (8 * size)); }
  static size_t bucket(uint64_t first, size_t size) {
    return static_cast<size_t>(((first ^ size) * 0x9E3779B97F4A7C15ULL) >> 56);
  }
  static bool matchesAfterEight(const Entry& entry, const uint8_t* key, size_t size) {
    if (size <= 8) return true;
    uint64_t second = load64(key + 8);
    if (size < 16) second &= firstMask(size - 8);
    if (second != entry.prefix[1]) return false;
    return size <= 16 || std::memcmp(key + 16, entry.name + 16, size - 16) == 0;
  }

  /// Rows of firstBytes_: name lengths 0..62, and 63 for longer names.
  static constexpr size_t kLengthRows = 64;

  const FieldNameSet& names_;
  bool useTable_;
  /// Bit 256 * min(length, 63) + first byte is set when a read name has
  /// that length and first byte (every bit of row 0 for an empty name).
  std::array<uint64_t, kLengthRows * 4> firstBytes_ = {};
  std::array<uint32_t, 32> shortFilter_ = {};
  /// 256 entries: bucket() returns the top 8 bits of a hash.
  std::array<Entry, 256> entries_;
};

#if FURL_JSON_AVX512_WALK
// GCC 12 warns about its own AVX-512 intrinsics, which start from an
// undefined vector on purpose (a known GCC bug). Clang has no such
// warning option.
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define FURL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) inline

/// Returns byte `byte` of each 32-bit lane.
FURL_AVX512 __m512i byteOf(__m512i words, int byte) {
  return _mm512_and_si512(_mm512_srli_epi32(words, static_cast<unsigned>(8 * byte)), _mm512_set1_epi32(0xFF));
}

FURL_AVX512 __mmask16 equals(__m512i values, int c) { return _mm512_cmpeq_epi32_mask(values, _mm512_set1_epi32(c)); }

/// Loads the 4 bytes at text + at into each lane of `lanes`, 0 into the others.
FURL_AVX512 __m512i gatherWords(__mmask16 lanes, __m512i at, const uint8_t* text) {
  return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes, at, text, 1);
}

/// Returns 0xFF in each byte that is an ASCII digit, 0 in the others.
FURL_AVX512 __m512i digitBytes(__m512i words) {
  __m512i offsets = _mm512_sub_epi8(words, _mm512_set1_epi8('0'));
  return _mm512_movm_epi8(_mm512_cmple_epu8_mask(offsets, _mm512_set1_epi8(9)));
}

/// Returns, per lane, 0xFF in the bytes of word `word` (bytes 4 * word to
/// 4 * word + 3 of a value) that lie within its first `length` bytes.
FURL_AVX512 __m512i bytesWithin(__m512i length, int word) {
  __m512i inWord = _mm512_min_epi32(
      _mm512_max_epi32(_mm512_sub_epi32(length, _mm512_set1_epi32(4 * word)), _mm512_setzero_si512()),
      _mm512_set1_epi32(4));
  // A shift by 32 or more gives 0.
  __m512i allBits = _mm512_set1_epi32(-1);
  return _mm512_andnot_si512(_mm512_sllv_epi32(allBits, _mm512_slli_epi32(inWord, 3)), allBits);
}
#pragma GCC diagnostic pop
#endif

/// Walks the structural index of one message that simdjson's stage 1
/// produced: the offsets of every operator ({}[]:,) and of the first byte of
/// every string, number and literal, in order. Stage 1 has already checked
/// UTF-8, that strings are closed and that they hold no unescaped control
/// characters. The walk checks the rest of what the DOM parser's stage 2
/// checks: the grammar, escapes, numbers and literals, for every value, so
/// that it accepts exactly the messages the DOM parser accepts. It decodes
/// only the values of read fields.
///
/// `text` must be followed by SIMDJSON_PADDING readable bytes. Each method
/// reads the token at position_, returns false when the message is invalid
/// or needs the general path, and otherwise moves position_ past the value.
class StructuralWalk {
 public:
  /// `hasEscapes` is false when the message contains no backslash, so that
  /// no string needs decoding.
  StructuralWalk(const uint8_t* text, const uint32_t* indexes, uint32_t count, bool hasEscapes,
                 const simdjson::internal::dom_parser_implementation& stage1, uint8_t* strings)
      : text_(text), indexes_(indexes), count_(count), hasEscapes_(hasEscapes), stage1_(stage1), strings_(strings) {}

  /// Reads a message that must be one object; read fields go to their slot.
  bool readRootObject(const KeyTable& keys, std::vector<ScalarField>& fields) {
    if (charAt(0) != '{') return false;
    position_ = 1;
    if (charAt(position_) == '}') return ++position_ == count_;
    return readMembers(keys, fields);
  }

#if FURL_JSON_AVX512_WALK
  /// Does what readRootObject() does, checking 16 members at
  /// a time with AVX-512 where their values are flat. Requires a CPU with
  /// AVX-512 F, BW and VL. A message with escapes goes to readRootObject():
  /// the vector checks take stage 1's check of a string as enough and
  /// filter keys as they are spelled, which holds only without escapes.
  bool readRootObjectAvx512(const KeyTable& keys, std::vector<ScalarField>& fields);
#endif

 private:
  /// The first byte of token `position`, or for `count_` a space (a copied
  /// message) or the first colon (a message read in place): the caller puts
  /// a sentinel index there. Every method stops at either, so none reads
  /// past the sentinel.
  uint8_t charAt(uint32_t position) const { return text_[indexes_[position]]; }

  /// The outcome of readMember().
  enum class Step : uint8_t { kNext, kEnd, kInvalid };

  /// Reads the member whose key is at position_ and the comma or closing
  /// brace after it. kInvalid when the message is invalid or needs the
  /// general path.
  [[gnu::always_inline]] Step readMember(const KeyTable& keys, std::vector<ScalarField>& fields) {
    std::string_view key;
    if (!readKey(key)) return Step::kInvalid;
    int slot = keys.slotOf(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    if (slot >= 0) {
      if (!readScalar(fields[static_cast<size_t>(slot)])) return Step::kInvalid;
    } else if (!skipFlatValue()) {
      return Step::kInvalid;
    }
    uint8_t next = charAt(position_++);
    if (next == '}') return Step::kEnd;
    return next == ',' ? Step::kNext : Step::kInvalid;
  }

  /// Reads a member like readMember(), for a value that the caller has
  /// checked to be an integer of 1 to 12 digits, without a sign, that the
  /// next token follows at once. Such a value is decoded here instead of by
  /// parse_number(), which gives the same int64.
  Step readMemberWithShortInteger(const KeyTable& keys, std::vector<ScalarField>& fields) {
    std::string_view key;
    if (!readKey(key)) return Step::kInvalid;
    int slot = keys.slotOf(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    if (slot >= 0) {
      uint32_t start = indexes_[position_];
      ScalarField& out = fields[static_cast<size_t>(slot)];
      out.kind = ScalarField::Kind::kInt64;
      out.intValue = static_cast<int64_t>(decodeDigits(text_ + start, indexes_[position_ + 1] - start));
    }
    ++position_;
    uint8_t next = charAt(position_++);
    if (next == '}') return Step::kEnd;
    return next == ',' ? Step::kNext : Step::kInvalid;
  }

  /// Reads the members from position_ to the end of the root object.
  bool readMembers(const KeyTable& keys, std::vector<ScalarField>& fields) {
    while (true) {
      Step step = readMember(keys, fields);
      if (step == Step::kInvalid) return false;
      // Nothing may follow the object.
      if (step == Step::kEnd) return position_ == count_;
    }
  }

  /// Reads `"key" :`, leaving position_ at the value.
  bool readKey(std::string_view& key) {
    if (charAt(position_) != '"' || !readString(key, /*keep=*/false)) return false;
    return charAt(position_++) == ':';
  }

  /// Reads the string at position_. Text without escapes is returned in
  /// place. Escaped text is decoded into the string buffer, where it stays
  /// until the next message when `keep` is true and is overwritten by the
  /// next decoded string otherwise.
  bool readString(std::string_view& out, bool keep) {
    // The string ends at the last quote before the next token: stage 1 makes
    // a token of anything else that follows it.
    if (position_ + 1 >= count_) return false;
    const uint8_t* begin = text_ + indexes_[position_] + 1;
    const uint8_t* end = text_ + indexes_[position_ + 1] - 1;
    // Compact JSON has the closing quote right before the next token.
    if (end < begin || *end != '"') {
      while (end >= begin && isJsonWhitespace(*end)) --end;
      if (end < begin || *end != '"') return false;
    }
    ++position_;

    auto size = static_cast<size_t>(end - begin);
    if (!hasEscapes_ || std::memchr(begin, '\\', size) == nullptr) {
      out = std::string_view(reinterpret_cast<const char*>(begin), size);
      return true;
    }
    // parse_string() checks each escape and stops at the first unescaped
    // quote, which is `end`.
    uint8_t* written = stage1_.parse_string(begin, strings_);
    if (written == nullptr) return false;
    out = std::string_view(reinterpret_cast<const char*>(strings_), static_cast<size_t>(written - strings_));
    if (keep) strings_ = written;
    return true;
  }

  /// Reads the number at position_. Integers that fit int64 or uint64 are
  /// decoded here, with the kind parse_number() gives them: int64 where the
  /// value fits, else uint64. Other numbers go to parse_number().
  bool readNumber(ScalarField& out) {
    const uint8_t* token = text_ + indexes_[position_];
    bool negative = *token == '-';
    const uint8_t* digits = token + (negative ? 1 : 0);
    size_t count = countDigits(digits);
    if (!isPlainInteger(digits, count, negative)) return parseNumber(out);

    uint64_t magnitude = decodeDigits(digits, count);
    if (negative) {
      // 2^63 wraps to INT64_MIN, the one value whose magnitude int64 lacks.
      out.kind = ScalarField::Kind::kInt64;
      out.intValue = static_cast<int64_t>(0 - magnitude);
    } else if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      out.kind = ScalarField::Kind::kInt64;
      out.intValue = static_cast<int64_t>(magnitude);
    } else {
      out.kind = ScalarField::Kind::kUInt64;
      out.uintValue = magnitude;
    }
    ++position_;
    return true;
  }

  /// Reads the number at position_ with simdjson's parse_number().
  bool parseNumber(ScalarField& out) {
    NumberWriter writer{out};
    if (numberparsing::parse_number(text_ + indexes_[position_], writer) != simdjson::SUCCESS) return false;
    ++position_;
    return true;
  }

  /// Checks a number that no slot reads. An integer short enough to fit
  /// every 64-bit type only needs its digits checked, which is faster than
  /// decoding it. Any other number goes through parse_number().
  bool skipNumber() {
    const uint8_t* token = text_ + indexes_[position_];
    bool negative = *token == '-';
    const uint8_t* digits = token + (negative ? 1 : 0);
    if (isPlainInteger(digits, countDigits(digits), negative)) {
      ++position_;
      return true;
    }
    ScalarField unused;
    return parseNumber(unused);
  }

  /// Returns the value of `count` decimal digits, at most 19, eight at a time.
  static uint64_t decodeDigits(const uint8_t* digits, size_t count) {
    uint64_t value = 0;
    const uint8_t* digit = digits;
    for (; digit + 8 <= digits + count; digit += 8) {
      value = value * 100000000 + simdjson::SIMDJSON_BUILTIN_IMPLEMENTATION::parse_eight_digits_unrolled(digit);
    }
    for (; digit < digits + count; ++digit) value = value * 10 + (*digit - '0');
    return value;
  }

  /// Returns the number of digits at the start of `digits`.
  static size_t countDigits(const uint8_t* digits) {
#if defined(__SSE2__)
    // Up to 31 digits are counted with two 16-byte compares instead of a
    // loop whose trip count the branch predictor cannot guess. The 32 bytes
    // are readable because a number starts before the message's last byte,
    // and 64 bytes of padding (or of the same page, in place) follow it.
    const __m128i zeroDigit = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    __m128i low = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(digits)), zeroDigit);
    __m128i high = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(digits + 16)), zeroDigit);
    auto digitMask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(low, nine), low))) |
                     static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(high, nine), high))) << 16;
    auto count = static_cast<size_t>(__builtin_ctzll(~static_cast<uint64_t>(digitMask)));
    if (count < 32) return count;
#endif
    const uint8_t* end = digits;
    while (isEightDigits(end)) end += 8;
    while (isDigit(*end)) ++end;
    return static_cast<size_t>(end - digits);
  }

  /// Returns true when the `count` digits after an optional minus
  /// (`negative`) are a JSON integer that fits int64 or, without a minus,
  /// uint64, and a token or whitespace follows them. Any other number needs
  /// parse_number().
  static bool isPlainInteger(const uint8_t* digits, size_t count, bool negative) {
    // 19 digits always fit uint64. With a minus, int64 takes 2^63 at most,
    // and among equally long digit strings the byte order is the numeric one.
    bool fits = negative ? count < 19 || (count == 19 && std::memcmp(digits, "9223372036854775808", 19) <= 0)
                         : count <= 19;
    return count > 0 && fits && (count == 1 || *digits != '0') &&
           !jsoncharutils::is_not_structural_or_whitespace(digits[count]);
  }

  /// Reads a literal: true, false or null.
  bool readLiteral(ScalarField& out) {
    const uint8_t* token = text_ + indexes_[position_];
    switch (*token) {
      case 't':
        if (!atomparsing::is_valid_true_atom(token)) return false;
        out.kind = ScalarField::Kind::kBool;
        out.boolValue = true;
        break;
      case 'f':
        if (!atomparsing::is_valid_false_atom(token)) return false;
        out.kind = ScalarField::Kind::kBool;
        out.boolValue = false;
        break;
      case 'n':
        if (!atomparsing::is_valid_null_atom(token)) return false;
        out.kind = ScalarField::Kind::kNull;
        break;
      default:
        return false;
    }
    ++position_;
    return true;
  }

  /// Reads the value of a read field; arrays and objects need the general path.
  bool readScalar(ScalarField& out) {
    switch (charAt(position_)) {
      case '"':
        out.kind = ScalarField::Kind::kString;
        return readString(out.text, /*keep=*/true);
      case 't':
      case 'f':
      case 'n':
        return readLiteral(out);
      case '-':
      case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9':
        return readNumber(out);
      default:
        return false;
    }
  }

  /// Checks a value of the root object that no slot reads. Strings and
  /// integers, the most common values, are checked here and the rest in
  /// skipValue(), which the compiler does not inline because it recurses.
  bool skipFlatValue() {
    uint8_t first = charAt(position_);
    // Stage 1 has checked everything about a string without escapes, and
    // that only whitespace lies between its closing quote and the next token.
    if (first == '"' && !hasEscapes_) {
      ++position_;
      return true;
    }
    if (isDigit(first) || first == '-') return skipIntegerBeforeToken() || skipNumber();
    return skipValue(1);
  }

#if defined(__SSE2__)
  /// Skips the common case of skipNumber() inline: an integer of at most 15
  /// digits that the next token follows without whitespace, as in compact
  /// JSON. All bytes up to the next token are digits then. Whatever the
  /// next token is, the caller's grammar check reads it. Returns false
  /// without moving when the token needs skipNumber().
  bool skipIntegerBeforeToken() {
    uint32_t start = indexes_[position_];
    const uint8_t* digits = text_ + start;
    uint32_t sign = *digits == '-' ? 1 : 0;
    digits += sign;
    // NOTE: for the last token of a message read in place, the sentinel
    // index points back at the first colon, so the subtraction wraps and
    // the length check fails: skipNumber() decides.
    uint32_t length = indexes_[position_ + 1] - start - sign;
    if (length == 0 || length > 15) return false;
    __m128i offsets = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(digits)), _mm_set1_epi8('0'));
    __m128i digitBytes = _mm_cmpeq_epi8(_mm_min_epu8(offsets, _mm_set1_epi8(9)), offsets);
    uint32_t tokenMask = (1u << length) - 1;
    if ((static_cast<uint32_t>(_mm_movemask_epi8(digitBytes)) & tokenMask) != tokenMask) return false;
    // One branch for both conditions: which numbers have several digits
    // follows no pattern the branch predictor could learn.
    if ((length > 1) & (*digits == '0')) return false;
    ++position_;
    return true;
  }
#else
  bool skipIntegerBeforeToken() { return false; }
#endif

  /// Checks a value that no slot reads, at nesting depth `depth`.
  bool skipValue(int depth) {
    uint8_t first = charAt(position_);
    if (first == '"' && !hasEscapes_) {
      ++position_;
      return true;
    }
    if (isDigit(first)) return skipNumber();
    switch (first) {
      case '{':
        return skipObject(depth + 1);
      case '[':
        return skipArray(depth + 1);
      case '"': {
        std::string_view text;
        return readString(text, /*keep=*/false);
      }
      case '-':
      case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9':
        return skipNumber();
      default: {
        ScalarField unused;
        return readScalar(unused);
      }
    }
  }

  bool skipObject(int depth) {
    if (depth > kMaxDepth) return false;
    ++position_;
    if (charAt(position_) == '}') {
      ++position_;
      return true;
    }
    while (true) {
      std::string_view key;
      if (!readKey(key) || !skipValue(depth)) return false;
      uint8_t next = charAt(position_++);
      if (next == '}') return true;
      if (next != ',') return false;
    }
  }

  bool skipArray(int depth) {
    if (depth > kMaxDepth) return false;
    ++position_;
    if (charAt(position_) == ']') {
      ++position_;
      return true;
    }
    while (true) {
      if (!skipValue(depth)) return false;
      uint8_t next = charAt(position_++);
      if (next == ']') return true;
      if (next != ',') return false;
    }
  }

  const uint8_t* text_;
  const uint32_t* indexes_;
  uint32_t count_;
  bool hasEscapes_;
  const simdjson::internal::dom_parser_implementation& stage1_;
  /// The start of the next decoded string in the string buffer.
  uint8_t* strings_;
  uint32_t position_ = 0;
};


#if FURL_JSON_AVX512_WALK
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// Checks 16 members per round: their tokens are at 4 * lane + 0 (key),
// + 1 (colon), + 2 (value), + 3 (comma or closing brace) from position_,
// as long as every value before is a single token. Gathers read the first
// bytes of those tokens, and the vector checks cover what the scalar walk
// checks for most members: the grammar, keys without whitespace that no
// slot reads, strings and integers of up to 12 bytes. Members that need
// more (read fields, other numbers, literals) go through the scalar code,
// in order. A nested value or an invalid token ends the round.
//
// Every gather stays within the message and its padding: a token lies
// before the closing brace, and reads start at most 2 bytes before one
// and end at most 12 bytes after one.
__attribute__((target("avx512f,avx512bw,avx512vl"))) bool StructuralWalk::readRootObjectAvx512(
    const KeyTable& keys, std::vector<ScalarField>& fields) {
  if (hasEscapes_) return readRootObject(keys, fields);
  if (charAt(0) != '{') return false;
  position_ = 1;
  if (charAt(position_) == '}') return ++position_ == count_;

  const __m512i allBits = _mm512_set1_epi32(-1);
  const __m512i zero = _mm512_setzero_si512();

  // Two steps of permutes take the 64 tokens of a round apart into the 4
  // tokens of each of 16 members.
  const __m512i evenTokens = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  const __m512i oddTokens = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
  const __m512i lowHalves = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const __m512i highHalves = _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  const __m512i filterLow = _mm512_loadu_si512(keys.shortFilter());
  const __m512i filterHigh = _mm512_loadu_si512(keys.shortFilter() + 16);

  while (position_ + 4 <= count_) {
    // The members whose 4 tokens are all in the index: 16, except in the
    // last round. Masked loads and gathers read nothing for the other lanes.
    uint32_t available = std::min<uint32_t>(16, (count_ - position_) / 4);
    auto inRound = static_cast<__mmask16>((1u << available) - 1);
    auto tokenMask = [available](uint32_t vector) {
      uint32_t count = std::min<uint32_t>(16, 4 * available - std::min(4 * available, 16 * vector));
      return static_cast<__mmask16>((1u << count) - 1);
    };
    const uint32_t* tokens = indexes_ + position_;
    __m512i tokens0 = _mm512_maskz_loadu_epi32(tokenMask(0), tokens);
    __m512i tokens1 = _mm512_maskz_loadu_epi32(tokenMask(1), tokens + 16);
    __m512i tokens2 = _mm512_maskz_loadu_epi32(tokenMask(2), tokens + 32);
    __m512i tokens3 = _mm512_maskz_loadu_epi32(tokenMask(3), tokens + 48);
    // Lanes 0-7 of evens01 contain the keys of members 0-7 and lanes 8-15
    // their colons. evens23 does the same for members 8-15.
    __m512i evens01 = _mm512_permutex2var_epi32(tokens0, evenTokens, tokens1);
    __m512i evens23 = _mm512_permutex2var_epi32(tokens2, evenTokens, tokens3);
    __m512i odds01 = _mm512_permutex2var_epi32(tokens0, oddTokens, tokens1);
    __m512i odds23 = _mm512_permutex2var_epi32(tokens2, oddTokens, tokens3);
    __m512i keyAt = _mm512_permutex2var_epi32(evens01, lowHalves, evens23);
    __m512i colonAt = _mm512_permutex2var_epi32(evens01, highHalves, evens23);
    __m512i valueAt = _mm512_permutex2var_epi32(odds01, lowHalves, odds23);
    __m512i nextAt = _mm512_permutex2var_epi32(odds01, highHalves, odds23);
    __m512i keyBytes = gatherWords(inRound, keyAt, text_);
    // Bytes 1 and 2: the key's closing quote and the colon.
    __m512i colonBytes = gatherWords(inRound, _mm512_sub_epi32(colonAt, _mm512_set1_epi32(2)), text_);
    __m512i next = byteOf(gatherWords(inRound, nextAt, text_), 0);
    __m512i value0 = gatherWords(inRound, valueAt, text_);
    __m512i value1 = gatherWords(inRound, _mm512_add_epi32(valueAt, _mm512_set1_epi32(4)), text_);
    __m512i value2 = gatherWords(inRound, _mm512_add_epi32(valueAt, _mm512_set1_epi32(8)), text_);

    // Members whose value is one token: the next member starts 4 tokens on.
    __m512i first = byteOf(value0, 0);
    __mmask16 isClose = equals(next, '}');
    __mmask16 flat = inRound & equals(byteOf(keyBytes, 0), '"') & equals(byteOf(colonBytes, 2), ':') &
                     (equals(next, ',') | isClose) & ~equals(first, '{') & ~equals(first, '[');
    unsigned end = static_cast<unsigned>(__builtin_ctz(static_cast<unsigned>(static_cast<__mmask16>(~flat | isClose)) |
                                                       0x10000u));
    bool closes = end < 16 && ((flat >> end) & 1) != 0;
    auto members = static_cast<__mmask16>((1u << (end + (closes ? 1 : 0))) - 1);

    // Keys that may be read (KeyTable's short filter), or that need
    // readKey() because whitespace precedes the colon, go to readMember().
    __m512i keyLength = _mm512_sub_epi32(_mm512_sub_epi32(colonAt, keyAt), _mm512_set1_epi32(2));
    __mmask16 compactKey = equals(byteOf(colonBytes, 1), '"') & _mm512_cmpge_epi32_mask(keyLength, zero);
    // KeyTable::shortFilterWord() and shortFilterBit() of compact keys.
    __m512i word = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(keyBytes, 8), _mm512_set1_epi32(0xFFFF)),
                           _mm512_or_si512(_mm512_slli_epi32(byteOf(colonBytes, 0), 16),
                                           _mm512_slli_epi32(_mm512_min_epu32(keyLength, _mm512_set1_epi32(63)), 24)));
    __m512i bit = _mm512_xor_si512(_mm512_xor_si512(word, _mm512_srli_epi32(word, 10)),
                                   _mm512_xor_si512(_mm512_srli_epi32(word, 20), _mm512_srli_epi32(word, 30)));
    __m512i filterWords = _mm512_permutex2var_epi32(filterLow, _mm512_srli_epi32(bit, 5), filterHigh);
    __mmask16 maybeRead = _mm512_test_epi32_mask(
        _mm512_srlv_epi32(filterWords, _mm512_and_si512(bit, _mm512_set1_epi32(31))), _mm512_set1_epi32(1));
    auto scalarMembers = static_cast<__mmask16>(members & (maybeRead | ~compactKey));

    // Integers: an optional minus and 1 to 12 digits up to the next token,
    // without a leading zero.
    __mmask16 negative = equals(first, '-');
    __m512i length = _mm512_sub_epi32(nextAt, valueAt);
    __m512i required0 = _mm512_mask_and_epi32(bytesWithin(length, 0), negative, bytesWithin(length, 0),
                                              _mm512_set1_epi32(static_cast<int>(0xFFFFFF00u)));
    __mmask16 digitsOnly = _mm512_testn_epi32_mask(_mm512_andnot_si512(digitBytes(value0), required0), required0) &
                           _mm512_testn_epi32_mask(_mm512_andnot_si512(digitBytes(value1), bytesWithin(length, 1)),
                                                   allBits) &
                           _mm512_testn_epi32_mask(_mm512_andnot_si512(digitBytes(value2), bytesWithin(length, 2)),
                                                   allBits);
    __m512i digits = _mm512_mask_sub_epi32(length, negative, length, _mm512_set1_epi32(1));
    __m512i firstDigit = _mm512_mask_mov_epi32(first, negative, byteOf(value0, 1));
    __mmask16 leadingZero = equals(firstDigit, '0') & _mm512_cmpgt_epi32_mask(digits, _mm512_set1_epi32(1));
    __mmask16 isInteger = digitsOnly & _mm512_cmpge_epi32_mask(digits, _mm512_set1_epi32(1)) &
                          _mm512_cmple_epi32_mask(length, _mm512_set1_epi32(12)) & ~leadingZero;
    // Read fields with an integer value that needs no sign: the key still
    // goes through readKey(), which checks it as the scalar walk does.
    auto shortIntegerMembers = static_cast<__mmask16>(scalarMembers & compactKey & isInteger & ~negative);
    // Stage 1 has checked strings without escapes.
    auto checkValues = static_cast<__mmask16>(members & ~scalarMembers & ~equals(first, '"') & ~isInteger);

    uint32_t start = position_;
    for (auto pending = static_cast<unsigned>(scalarMembers | checkValues); pending != 0; pending &= pending - 1) {
      auto lane = static_cast<unsigned>(__builtin_ctz(pending));
      position_ = start + 4 * lane;
      if ((shortIntegerMembers >> lane) & 1) {
        if (readMemberWithShortInteger(keys, fields) == Step::kInvalid) return false;
      } else if ((scalarMembers >> lane) & 1) {
        if (readMember(keys, fields) == Step::kInvalid) return false;
      } else {
        position_ += 2;
        if (!skipFlatValue()) return false;
      }
    }
    // A constant step in the common case lets the next round's loads start
    // before this round's checks are done.
    if (end == 16) {
      position_ = start + 64;
      continue;
    }
    position_ = start + 4 * end;
    if (closes) return position_ + 4 == count_;
    {
      // A nested value or a token the vector checks reject.
      Step step = readMember(keys, fields);
      if (step == Step::kInvalid) return false;
      if (step == Step::kEnd) return position_ == count_;
    }
  }
  return readMembers(keys, fields);
}
#pragma GCC diagnostic pop
#endif
}  // namespace

Value ScalarField::toValue() const {
  switch (kind) {
    case Kind::kInt64:
      return Value::int64(intValue);
    case Kind::kUInt64:
      return Value::uint64(uintValue);
    case Kind::kDouble:
      return Value::float64(doubleValue);
    case Kind::kBool:
      return Value::boolean(boolValue);
    case Kind::kString:
      return Value::string(std::string(text));
    case Kind::kAbsent:
    case Kind::kNull:
      break;
  }
  return Value::null();
}

struct JsonRowParser::Impl {
  const simdjson::implementation* implementation = nullptr;

  // kDom.
  simdjson::dom::parser domParser;

  // kStructuralIndex. `text` is a copy, followed by SIMDJSON_PADDING spaces,
  // of each message that canParseInPlace() rejects, because the walk and
  // simdjson's parsers read past the end and Kafka's buffers have no
  // padding. `strings` receives decoded escaped strings. Both grow to the
  // largest message seen.
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1;
  std::unique_ptr<KeyTable> keys;
  std::unique_ptr<uint8_t[]> text;
  std::unique_ptr<uint8_t[]> strings;
  size_t capacity = 0;
  /// True when stage 1 runs on simdjson's AVX-512 implementation: then
  /// the walk of messages without escapes uses AVX-512 too.
  bool avx512Walk = false;

  bool walk(StructuralWalk& walk, size_t size, std::vector<ScalarField>& fields) const {
#if FURL_JSON_AVX512_WALK
    // The gathers take signed 32-bit offsets.
    if (avx512Walk && size < (size_t{1} << 30)) return walk.readRootObjectAvx512(*keys, fields);
#endif
    return walk.readRootObject(*keys, fields);
  }

  /// Makes the buffers fit a message of `size` bytes; false when simdjson
  /// cannot allocate them.
  bool reserve(size_t size) {
    if (size <= capacity) return true;
    size_t newCapacity = std::max(size, 2 * capacity);
    if (stage1->set_capacity(newCapacity) != simdjson::SUCCESS) return false;
    text = std::make_unique<uint8_t[]>(newCapacity + simdjson::SIMDJSON_PADDING);
    // A decoded string is never longer than its JSON text; parse_string()
    // may write up to SIMDJSON_PADDING bytes past its end.
    strings = std::make_unique<uint8_t[]>(newCapacity + 2 * simdjson::SIMDJSON_PADDING);
    capacity = newCapacity;
    return true;
  }
};

namespace {

constexpr size_t kInitialCapacity = 4096;

/// The smallest memory page size of the systems Furl runs on (x86-64 and
/// arm64 Linux); larger pages are multiples of it.
constexpr uintptr_t kPageSize = 4096;

/// True when the walk may read `json` where it lies instead of a padded
/// copy: the message ends with a closing brace, and the SIMDJSON_PADDING
/// bytes after it lie on the memory page of its last byte, so reading them
/// cannot fault. Stage 1 reads no byte past the end (it copies the last
/// partial 64-byte block). Every other read of the walk and of simdjson's
/// string, number and literal parsers starts at a token. It stops at the
/// first byte that ends the token, which the closing brace puts within the
/// message, or it reads a fixed block of at most SIMDJSON_PADDING bytes.
/// NOTE: those reads go past the end of the message's allocation, which
/// memory checkers such as Valgrind and AddressSanitizer report.
bool canParseInPlace(std::string_view json) {
  if (json.empty() || json.back() != '}') return false;
  auto last = reinterpret_cast<uintptr_t>(json.data() + json.size() - 1);
  return last % kPageSize + simdjson::SIMDJSON_PADDING < kPageSize;
}

std::unique_ptr<simdjson::internal::dom_parser_implementation> createStage1(
    const simdjson::implementation& implementation) {
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1;
  if (implementation.create_dom_parser_implementation(kInitialCapacity, simdjson::DEFAULT_MAX_DEPTH, stage1) !=
      simdjson::SUCCESS) {
    return nullptr;
  }
  return stage1;
}

}  // namespace

JsonRowParser::JsonRowParser(const FieldNameSet& fields, Mode mode, std::unique_ptr<Impl> impl)
    : names_(fields), mode_(mode), fields_(fields.size()), impl_(std::move(impl)) {
  if (mode_ == Mode::kStructuralIndex) {
    impl_->stage1 = createStage1(*impl_->implementation);
    impl_->keys = std::make_unique<KeyTable>(fields);
    // simdjson's icelake implementation needs a superset of the walk's
    // AVX-512 extensions.
    impl_->avx512Walk = FURL_JSON_AVX512_WALK && impl_->implementation->name() == "icelake";
    impl_->capacity = kInitialCapacity;
    impl_->text = std::make_unique<uint8_t[]>(kInitialCapacity + simdjson::SIMDJSON_PADDING);
    impl_->strings = std::make_unique<uint8_t[]>(kInitialCapacity + 2 * simdjson::SIMDJSON_PADDING);
  } else {
    impl_->domParser.implementation = createStage1(*impl_->implementation);
  }
}

JsonRowParser::JsonRowParser(const FieldNameSet& fields, Mode mode)
    : JsonRowParser(fields, mode, [] {
        auto impl = std::make_unique<Impl>();
        impl->implementation = simdjson::get_active_implementation();
        return impl;
      }()) {}

JsonRowParser::~JsonRowParser() = default;

absl::StatusOr<std::unique_ptr<JsonRowParser>> JsonRowParser::withImplementation(const FieldNameSet& fields,
                                                                                 Mode mode,
                                                                                 std::string_view implementation) {
  const simdjson::implementation* found = simdjson::get_available_implementations()[std::string(implementation)];
  if (found == nullptr) {
    std::string names;
    for (const simdjson::implementation* available : simdjson::get_available_implementations()) {
      strAppend(&names, names.empty() ? "" : ", ", available->name());
    }
    return absl::NotFoundError(
        strCat("simdjson has no implementation named '", implementation, "'; it has ", names));
  }
  if (!found->supported_by_runtime_system()) {
    return absl::FailedPreconditionError(
        strCat("this CPU cannot run simdjson's '", implementation, "' implementation (", found->description(), ")"));
  }
  auto impl = std::make_unique<Impl>();
  impl->implementation = found;
  return std::unique_ptr<JsonRowParser>(new JsonRowParser(fields, mode, std::move(impl)));
}

std::string_view JsonRowParser::implementationName() const { return impl_->implementation->name(); }

bool JsonRowParser::parse(std::string_view json) {
  for (ScalarField& field : fields_) field.kind = ScalarField::Kind::kAbsent;
  return mode_ == Mode::kStructuralIndex ? parseStructuralIndex(json) : parseDom(json);
}

std::optional<int64_t> scalarEventTimeMs(const TimestampSpec& spec, const ScalarField& field) {
  absl::StatusOr<int64_t> ms;
  switch (field.kind) {
    case ScalarField::Kind::kAbsent:
    case ScalarField::Kind::kNull:
      return spec.missingValueMs;
    case ScalarField::Kind::kString:
      ms = spec.parser.parseText(field.text);
      break;
    case ScalarField::Kind::kBool:
      return std::nullopt;
    case ScalarField::Kind::kInt64:
    case ScalarField::Kind::kUInt64:
    case ScalarField::Kind::kDouble:
      ms = spec.parser.parse(field.toValue());
      break;
  }
  if (!ms.ok()) return std::nullopt;
  return *ms;
}

bool JsonRowParser::parseDom(std::string_view json) {
  // The DOM parser validates the whole text, so a message it accepts is one
  // parseJsonEvent() accepts too.
  simdjson::dom::element root;
  if (impl_->domParser.parse(json.data(), json.size()).get(root)) return false;
  simdjson::dom::object object;
  if (root.get_object().get(object)) return false;
  for (simdjson::dom::key_value_pair member : object) {
    int slot = names_.slotOf(member.key);
    if (slot >= 0 && !readDomScalar(member.value, fields_[static_cast<size_t>(slot)])) return false;
  }
  return true;
}

bool JsonRowParser::parseStructuralIndex(std::string_view json) {
  Impl& impl = *impl_;
  if (impl.stage1 == nullptr || json.size() > simdjson::SIMDJSON_MAXSIZE_BYTES || !impl.reserve(json.size())) {
    return false;
  }
  // One search of the whole message is cheaper than one per string.
  bool hasEscapes = std::memchr(json.data(), '\\', json.size()) != nullptr;
  uint32_t* indexes = impl.stage1->structural_indexes.get();

  if (canParseInPlace(json)) {
    const auto* text = reinterpret_cast<const uint8_t*>(json.data());
    if (impl.stage1->stage1(text, json.size(), simdjson::stage1_mode::regular) != simdjson::SUCCESS) return false;
    // The walk reads the token after the last one. Point it at the third
    // token of an object with members, a colon: like a space, a colon is no
    // valid key, value, comma or closing bracket, so every method stops.
    uint32_t count = impl.stage1->n_structural_indexes;
    if (count >= 3 && text[indexes[2]] == ':') {
      indexes[count] = indexes[2];
      StructuralWalk walk(text, indexes, count, hasEscapes, *impl.stage1, impl.strings.get());
      return impl.walk(walk, json.size(), fields_);
    }
  }

  std::memcpy(impl.text.get(), json.data(), json.size());
  std::memset(impl.text.get() + json.size(), ' ', simdjson::SIMDJSON_PADDING);
  if (impl.stage1->stage1(impl.text.get(), json.size(), simdjson::stage1_mode::regular) != simdjson::SUCCESS) {
    return false;
  }
  // The walk reads the token after the last one: make it a space of the
  // padding. simdjson sizes the index for more tokens than a message of
  // `capacity` bytes can have.
  uint32_t count = impl.stage1->n_structural_indexes;
  indexes[count] = static_cast<uint32_t>(json.size());
  StructuralWalk walk(impl.text.get(), indexes, count, hasEscapes, *impl.stage1, impl.strings.get());
  return impl.walk(walk, json.size(), fields_);
}

}  // namespace furl::ingest
