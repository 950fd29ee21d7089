#include "sql/lexer.h"

#include <cctype>

namespace furl::sql {

namespace {

bool isWordStart(unsigned char c) {
  // Bytes of multi-byte UTF-8 sequences are word characters, so names in
  // any script work without quoting.
  return std::isalpha(c) || c == '_' || c >= 0x80;
}

bool isWordChar(unsigned char c) { return isWordStart(c) || std::isdigit(c) || c == '$'; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The character a backslash escape stands for, as ClickHouse's string
// literal reader decodes it (parseEscapeSequence in IO/ReadHelpers.cpp).
char decodeEscape(char c) {
  switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'e': return '\x1B';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    case '0': return '\0';
    default: return c;
  }
}

// ClickHouse keeps the backslash of an escape it does not know, so that
// 'a\.b' reaches a regular expression and 'x\%' a LIKE pattern unchanged.
bool keepsBackslash(char decoded) {
  bool isControl = static_cast<unsigned char>(decoded) < 0x20 || decoded == 0x7F;
  return decoded != '\\' && decoded != '\'' && decoded != '"' && decoded != '`' && decoded != '/' &&
         decoded != '=' && !isControl;
}

}  // namespace

bool Token::isKeyword(std::string_view keyword) const {
  if (type != TokenType::kBareWord || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

SourcePosition Lexer::positionAt(uint32_t offset) const {
  if (offset > sql_.size()) offset = static_cast<uint32_t>(sql_.size());
  if (offset < scannedOffset_) {
    scannedOffset_ = 0;
    scannedLine_ = 1;
    scannedColumn_ = 1;
  }

  // Columns count characters, not bytes: UTF-8 continuation bytes are skipped.
  for (; scannedOffset_ < offset; ++scannedOffset_) {
    auto c = static_cast<unsigned char>(sql_[scannedOffset_]);
    if (c == '\n') {
      ++scannedLine_;
      scannedColumn_ = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++scannedColumn_;
    }
  }
  return SourcePosition{scannedLine_, scannedColumn_, offset};
}

Token Lexer::makeToken(TokenType type, uint32_t start, uint32_t end) {
  Token token;
  token.type = type;
  token.text = sql_.substr(start, end - start);
  token.position = positionAt(start);
  pos_ = end;
  return token;
}

Token Lexer::makeError(uint32_t start, uint32_t end, std::string message) {
  Token token = makeToken(TokenType::kError, start, end);
  token.value = std::move(message);
  failed_ = true;
  return token;
}

bool Lexer::skipWhitespaceAndComments() {
  while (pos_ < sql_.size()) {
    char c = sql_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++pos_;
      continue;
    }

    // Line comments: `--`, and ClickHouse's `#` followed by a space or `!`.
    bool dashComment = c == '-' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '-';
    bool hashComment = c == '#' && (pos_ + 1 == sql_.size() || sql_[pos_ + 1] == ' ' || sql_[pos_ + 1] == '!');
    if (dashComment || hashComment) {
      size_t end = sql_.find('\n', pos_);
      pos_ = end == std::string_view::npos ? static_cast<uint32_t>(sql_.size()) : static_cast<uint32_t>(end + 1);
      continue;
    }

    if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
      uint32_t i = pos_ + 2;
      int depth = 1;
      while (i < sql_.size() && depth > 0) {
        if (sql_[i] == '/' && i + 1 < sql_.size() && sql_[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql_[i] == '*' && i + 1 < sql_.size() && sql_[i + 1] == '/') {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      }
      if (depth > 0) return false;
      pos_ = i;
      continue;
    }
    break;
  }
  return true;
}

Token Lexer::next() {
  if (failed_) return makeToken(TokenType::kEnd, static_cast<uint32_t>(sql_.size()), static_cast<uint32_t>(sql_.size()));
  if (!skipWhitespaceAndComments()) {
    return makeError(pos_, pos_ + 2, "unterminated comment: '/*' has no matching '*/'");
  }
  uint32_t start = pos_;
  if (start >= sql_.size()) return makeToken(TokenType::kEnd, start, start);

  char c = sql_[start];
  if (isDigit(c) || (c == '.' && start + 1 < sql_.size() && isDigit(sql_[start + 1]))) return lexNumber(start);
  if (isWordStart(static_cast<unsigned char>(c))) return lexWord(start);
  if (c == '\'') return lexQuoted(start, '\'', TokenType::kString);
  if (c == '"') return lexQuoted(start, '"', TokenType::kQuotedIdentifier);
  if (c == '`') return lexQuoted(start, '`', TokenType::kQuotedIdentifier);
  return lexOperator(start);
}

Token Lexer::lexNumber(uint32_t start) {
  uint32_t i = start;
  size_t size = sql_.size();

  // Hexadecimal integers: 0x1F.
  if (sql_[i] == '0' && i + 2 < size && (sql_[i + 1] == 'x' || sql_[i + 1] == 'X') && isHexDigit(sql_[i + 2])) {
    i += 2;
    while (i < size && isHexDigit(sql_[i])) ++i;
    if (i < size && isWordChar(static_cast<unsigned char>(sql_[i]))) {
      return makeError(start, i + 1, "invalid number '" + std::string(sql_.substr(start, i + 1 - start)) + "'");
    }
    return makeToken(TokenType::kInteger, start, i);
  }

  bool isFloat = false;
  while (i < size && isDigit(sql_[i])) ++i;
  if (i < size && sql_[i] == '.') {
    // `1.` is a float, but `1.x` stays an integer followed by a dot so
    // that a tuple element access could follow.
    bool digitsFollow = i + 1 < size && isDigit(sql_[i + 1]);
    bool wordFollows = i + 1 < size && isWordStart(static_cast<unsigned char>(sql_[i + 1])) &&
                       sql_[i + 1] != 'e' && sql_[i + 1] != 'E';
    if (digitsFollow || !wordFollows) {
      isFloat = true;
      ++i;
      while (i < size && isDigit(sql_[i])) ++i;
    }
  }
  if (i < size && (sql_[i] == 'e' || sql_[i] == 'E')) {
    uint32_t j = i + 1;
    if (j < size && (sql_[j] == '+' || sql_[j] == '-')) ++j;
    if (j < size && isDigit(sql_[j])) {
      isFloat = true;
      i = j;
      while (i < size && isDigit(sql_[i])) ++i;
    }
  }
  if (i < size && isWordChar(static_cast<unsigned char>(sql_[i]))) {
    uint32_t end = i;
    while (end < size && isWordChar(static_cast<unsigned char>(sql_[end]))) ++end;
    return makeError(start, end,
                     "invalid number '" + std::string(sql_.substr(start, end - start)) +
                         "'; a name that starts with a digit must be quoted with \"\" or ``");
  }
  return makeToken(isFloat ? TokenType::kFloat : TokenType::kInteger, start, i);
}

Token Lexer::lexWord(uint32_t start) {
  uint32_t i = start + 1;
  while (i < sql_.size() && isWordChar(static_cast<unsigned char>(sql_[i]))) ++i;
  return makeToken(TokenType::kBareWord, start, i);
}

Token Lexer::lexQuoted(uint32_t start, char quote, TokenType type) {
  std::string value;
  uint32_t i = start + 1;
  size_t size = sql_.size();
  while (i < size) {
    char c = sql_[i];
    if (c == quote) {
      // A doubled quote stands for one quote character.
      if (i + 1 < size && sql_[i + 1] == quote) {
        value.push_back(quote);
        i += 2;
        continue;
      }
      Token token = makeToken(type, start, i + 1);
      token.value = std::move(value);
      return token;
    }
    if (c != '\\') {
      value.push_back(c);
      ++i;
      continue;
    }

    // Backslash escapes.
    if (i + 1 >= size) break;
    char escaped = sql_[i + 1];
    if (escaped == 'x' && i + 3 < size && isHexDigit(sql_[i + 2]) && isHexDigit(sql_[i + 3])) {
      value.push_back(static_cast<char>(hexValue(sql_[i + 2]) * 16 + hexValue(sql_[i + 3])));
      i += 4;
      continue;
    }
    if (escaped == 'N') {
      // ClickHouse reads \N inside a literal as nothing.
      i += 2;
      continue;
    }
    char decoded = decodeEscape(escaped);
    if (keepsBackslash(decoded)) value.push_back('\\');
    value.push_back(decoded);
    i += 2;
  }

  std::string what = type == TokenType::kString ? "string literal" : "quoted identifier";
  return makeError(start, static_cast<uint32_t>(size),
                   "unterminated " + what + ": the " + std::string(1, quote) + " that opens it has no closing " +
                       std::string(1, quote));
}

Token Lexer::lexOperator(uint32_t start) {
  char c = sql_[start];
  char next = start + 1 < sql_.size() ? sql_[start + 1] : '\0';
  switch (c) {
    case '(': return makeToken(TokenType::kLeftParen, start, start + 1);
    case ')': return makeToken(TokenType::kRightParen, start, start + 1);
    case '[': return makeToken(TokenType::kLeftBracket, start, start + 1);
    case ']': return makeToken(TokenType::kRightBracket, start, start + 1);
    case ',': return makeToken(TokenType::kComma, start, start + 1);
    case '.': return makeToken(TokenType::kDot, start, start + 1);
    case ';': return makeToken(TokenType::kSemicolon, start, start + 1);
    case '*': return makeToken(TokenType::kStar, start, start + 1);
    case '+': return makeToken(TokenType::kPlus, start, start + 1);
    case '-': return makeToken(TokenType::kMinus, start, start + 1);
    case '/': return makeToken(TokenType::kSlash, start, start + 1);
    case '%': return makeToken(TokenType::kPercent, start, start + 1);
    case '|':
      if (next == '|') return makeToken(TokenType::kConcat, start, start + 2);
      break;
    case '=':
      return makeToken(TokenType::kEqual, start, next == '=' ? start + 2 : start + 1);
    case '!':
      if (next == '=') return makeToken(TokenType::kNotEqual, start, start + 2);
      break;
    case '<':
      if (next == '=') return makeToken(TokenType::kLessOrEqual, start, start + 2);
      if (next == '>') return makeToken(TokenType::kNotEqual, start, start + 2);
      return makeToken(TokenType::kLess, start, start + 1);
    case '>':
      if (next == '=') return makeToken(TokenType::kGreaterOrEqual, start, start + 2);
      return makeToken(TokenType::kGreater, start, start + 1);
    case ':':
      if (next == ':') return makeToken(TokenType::kDoubleColon, start, start + 2);
      break;
    default:
      break;
  }

  // One whole UTF-8 character, so the message shows it intact.
  uint32_t end = start + 1;
  while (end < sql_.size() && (static_cast<unsigned char>(sql_[end]) & 0xC0) == 0x80) ++end;
  return makeError(start, end, "unexpected character '" + std::string(sql_.substr(start, end - start)) + "'");
}

std::string describeToken(const Token& token) {
  switch (token.type) {
    case TokenType::kEnd:
      return "end of query";
    case TokenType::kString: {
      constexpr size_t kMaxShown = 40;
      if (token.text.size() <= kMaxShown) return "string " + std::string(token.text);
      return "string " + std::string(token.text.substr(0, kMaxShown)) + "...";
    }
    default:
      return "'" + std::string(token.text) + "'";
  }
}

}  // namespace furl::sql
