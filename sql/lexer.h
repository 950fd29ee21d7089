#pragma once

// Splits SQL text into tokens.
//
// Keywords are not a token type: every bare word is a kBareWord, and the
// parser decides by context whether `rows`, `user` or `time` is a keyword
// or a name. Bare words compare to keywords without regard to case.
//
// The lexer never throws. Malformed input (an unterminated string, a stray
// character) becomes a kError token carrying the message, so the parser
// reports it only if it gets that far. This matters for
// `INSERT ... FORMAT Name`, where the text after the format name is data,
// not SQL, and must never be lexed.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace furl::sql {

enum class TokenType : uint8_t {
  kEnd,               // end of input
  kError,             // malformed input; `value` is the message
  kBareWord,          // identifier or keyword: `SELECT`, `page`, `count`
  kQuotedIdentifier,  // "name" or `name`; `value` is the unquoted name
  kString,            // 'text'; `value` is the text with escapes decoded
  kInteger,           // 123, 0x1F; `text` is the digits as written
  kFloat,             // 1.5, .5, 1., 1e10
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kDot,
  kSemicolon,
  kStar,
  kPlus,
  kMinus,
  kSlash,
  kPercent,
  kConcat,          // ||
  kEqual,           // = or ==
  kNotEqual,        // != or <>
  kLess,
  kLessOrEqual,
  kGreater,
  kGreaterOrEqual,
  kDoubleColon,     // ::
};

struct Token {
  TokenType type = TokenType::kEnd;
  /// The token's bytes in the source text; empty for kEnd.
  std::string_view text;
  /// Decoded contents for kString and kQuotedIdentifier, the message for
  /// kError; empty otherwise.
  std::string value;
  SourcePosition position;

  /// Byte offset just past the token.
  uint32_t endOffset() const { return position.offset + static_cast<uint32_t>(text.size()); }

  /// True for a bare word equal to `keyword` without regard to case;
  /// `keyword` must be upper case.
  bool isKeyword(std::string_view keyword) const;
};

/// Produces the tokens of one SQL text on demand. The text must outlive
/// the lexer and its tokens (Token::text points into it).
///
/// Comments (`-- ...`, `# ...`, `#!...` to the end of the line, and
/// `/* ... */`, which may nest) and whitespace separate tokens and are
/// otherwise skipped. String literals follow ClickHouse: a quote inside is
/// written '' or \', and backslash escapes are decoded (see lexer.cpp).
class Lexer {
 public:
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  /// Returns the next token; kEnd forever once the input is exhausted,
  /// and kEnd after a kError token as well.
  Token next();

  /// The line and column of byte `offset` (at most the text's size).
  SourcePosition positionAt(uint32_t offset) const;

  std::string_view source() const { return sql_; }

 private:
  /// Skips whitespace and comments; returns false at an unterminated
  /// block comment, leaving pos_ at its start.
  bool skipWhitespaceAndComments();
  Token makeToken(TokenType type, uint32_t start, uint32_t end);
  Token makeError(uint32_t start, uint32_t end, std::string message);
  Token lexNumber(uint32_t start);
  Token lexWord(uint32_t start);
  Token lexQuoted(uint32_t start, char quote, TokenType type);
  Token lexOperator(uint32_t start);

  std::string_view sql_;
  uint32_t pos_ = 0;
  bool failed_ = false;
  // Where positionAt() resumes counting: a byte offset and its line and
  // column. Tokens are created in order, so each call scans only the bytes
  // since the previous one.
  mutable uint32_t scannedOffset_ = 0;
  mutable uint32_t scannedLine_ = 1;
  mutable uint32_t scannedColumn_ = 1;
};

/// A human-readable description of a token for messages: `'count'`,
/// `end of query`, `string 'abc'`.
std::string describeToken(const Token& token);

}  // namespace furl::sql
