#include "sql/parser.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "common/close_matches.h"
#include "sql/parser_impl.h"

namespace furl::sql {

namespace {

// Words that end an expression or a clause. They cannot be bare column
// names or aliases without AS; quoting ("from", `from`) still works.
constexpr std::array<std::string_view, 48> kReservedWords = {
    "ALL",     "AND",    "ANTI",      "ARRAY",   "AS",     "ASC",     "ASCENDING", "BETWEEN",
    "BY",      "CROSS",  "DESC",      "DESCENDING", "DISTINCT", "DIV", "ELSE",  "END",
    "EXCEPT",  "FETCH",  "FINAL",     "FORMAT",  "FROM",   "FULL",    "GLOBAL",    "GROUP",
    "HAVING",  "ILIKE",  "IN",        "INNER",   "INTERSECT", "INTO", "IS",        "JOIN",
    "LEFT",    "LIKE",   "LIMIT",     "MOD",     "NOT",    "OFFSET",  "ON",        "OR",
    "ORDER",   "OUTER",  "PREWHERE",  "RIGHT",   "SETTINGS", "THEN",  "UNION",     "WHERE",
};

std::string contextBefore(std::string_view sql, uint32_t start, uint32_t end) {
  // The consumed part of the statement, whitespace collapsed, last 40 characters.
  constexpr size_t kMaxContext = 40;
  std::string text;
  bool pendingSpace = false;
  for (uint32_t i = start; i < end && i < sql.size(); ++i) {
    char c = sql[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      pendingSpace = !text.empty();
      continue;
    }
    if (pendingSpace) text.push_back(' ');
    pendingSpace = false;
    text.push_back(c);
  }
  if (text.size() > kMaxContext) {
    size_t cut = text.size() - kMaxContext;
    // Do not cut a UTF-8 sequence in half.
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
    text = "..." + text.substr(cut);
  }
  return text;
}

std::string positionPrefix(const SourcePosition& position) {
  return "Syntax error at line " + std::to_string(position.line) + ", column " + std::to_string(position.column) +
         ": ";
}

}  // namespace

bool isReservedWord(const Token& token) {
  if (token.type != TokenType::kBareWord) return false;
  for (std::string_view word : kReservedWords) {
    if (token.isKeyword(word)) return true;
  }
  return false;
}

std::string locationPrefix(const SourcePosition& position) {
  return "at line " + std::to_string(position.line) + ", column " + std::to_string(position.column) + ": ";
}

Parser::Parser(std::string_view sql) : lexer_(sql), sql_(sql) {}

void DepthGuard::deeper() {
  ++added_;
  if (++parser_.depth_ <= kMaxDepth) return;
  const Token& token = parser_.peek();
  throw QueryError(ErrorCode::kSyntaxError,
                   positionPrefix(token.position) + "the query nests more than " + std::to_string(kMaxDepth) +
                       " levels deep (parentheses, function calls, subqueries or chained operators); "
                       "simplify it, for example write a long chain of OR equalities as x IN (...)",
                   token.position);
}

// ---------------------------------------------------------------------------
// Tokens and errors

const Token& Parser::peek(size_t ahead) {
  while (lookahead_.size() <= ahead) lookahead_.push_back(lexer_.next());
  const Token& token = lookahead_[ahead];
  if (token.type == TokenType::kError) {
    throw QueryError(ErrorCode::kSyntaxError, positionPrefix(token.position) + token.value, token.position);
  }
  return token;
}

Token Parser::advance() {
  peek();
  Token token = std::move(lookahead_.front());
  lookahead_.pop_front();
  if (token.type != TokenType::kEnd) previousEnd_ = token.endOffset();
  return token;
}

bool Parser::accept(TokenType type) {
  if (!peekIs(type)) return false;
  advance();
  return true;
}

bool Parser::acceptKeyword(std::string_view keyword) {
  if (!peekKeyword(keyword)) return false;
  advance();
  return true;
}

bool Parser::acceptKeywords(std::initializer_list<std::string_view> keywords) {
  size_t i = 0;
  for (std::string_view keyword : keywords) {
    if (!peekKeyword(keyword, i++)) return false;
  }
  for (i = 0; i < keywords.size(); ++i) advance();
  return true;
}

Token Parser::expect(TokenType type, std::string_view description) {
  if (!peekIs(type)) fail(description);
  return advance();
}

void Parser::expectKeyword(std::string_view keyword) {
  if (!acceptKeyword(keyword)) fail(keyword);
}

void Parser::fail(std::string_view expected) { failAt(peek(), expected); }

void Parser::failAt(const Token& token, std::string_view expected) {
  std::string message = positionPrefix(token.position) + "expected " + std::string(expected);
  uint32_t contextEnd = std::min(previousEnd_, token.position.offset);
  if (contextEnd > statementStart_) {
    // "expected '(' after CAST in 'SELECT CAST'" rather than two "after"s.
    bool saysAfter = expected.find(" after ") != std::string_view::npos;
    message += (saysAfter ? " in '" : " after '") + contextBefore(sql_, statementStart_, contextEnd) + "'";
  }
  message += ", found " + describeToken(token);
  throw QueryError(ErrorCode::kSyntaxError, message, token.position);
}

void Parser::failNotImplemented(const Token& token, std::string_view what) {
  throw QueryError(ErrorCode::kNotImplemented, locationPrefix(token.position) + std::string(what), token.position);
}

// ---------------------------------------------------------------------------
// Shared pieces

bool Parser::peekName(size_t ahead, bool allowReserved) {
  const Token& token = peek(ahead);
  if (token.type == TokenType::kQuotedIdentifier) return true;
  if (token.type != TokenType::kBareWord) return false;
  return allowReserved || !isReservedWord(token);
}

std::string Parser::expectName(std::string_view description, bool allowReserved) {
  if (!peekName(0, allowReserved)) fail(description);
  Token token = advance();
  return token.type == TokenType::kQuotedIdentifier ? token.value : std::string(token.text);
}

TableName Parser::parseTableName() {
  TableName name;
  name.position = peek().position;
  name.table = expectName("a table name", false);
  if (accept(TokenType::kDot)) {
    name.database = std::move(name.table);
    name.table = expectName("a table name after '.'");
  }
  return name;
}

std::vector<Setting> Parser::parseSettingList() {
  std::vector<Setting> settings;
  do {
    Setting setting;
    setting.position = peek().position;
    setting.name = expectName("setting name");
    expect(TokenType::kEqual, "'=' after the setting name");

    // A value is a literal, possibly negative; a bare word counts as a string.
    const Token& valueToken = peek();
    if (valueToken.type == TokenType::kBareWord && !valueToken.isKeyword("TRUE") &&
        !valueToken.isKeyword("FALSE") && !valueToken.isKeyword("NULL")) {
      setting.value = Value::string(std::string(advance().text));
    } else {
      Token first = peek();
      ExprPtr value = parseUnary();
      if (value->kind != ExprKind::kLiteral) failAt(first, "a literal value for setting '" + setting.name + "'");
      setting.value = value->as<LiteralExpr>().value;
    }
    settings.push_back(std::move(setting));
  } while (accept(TokenType::kComma));
  return settings;
}

std::string Parser::parseFormatName() {
  if (!peekIs(TokenType::kBareWord) && !peekIs(TokenType::kQuotedIdentifier)) fail("format name after FORMAT");
  Token token = advance();
  return token.type == TokenType::kQuotedIdentifier ? token.value : std::string(token.text);
}

uint64_t Parser::parseUnsignedInteger(std::string_view description) {
  if (!peekIs(TokenType::kInteger)) fail(description);
  Token token = advance();
  uint64_t value = 0;
  std::string_view digits = token.text;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  }
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    failAt(token, std::string(description) + " no larger than 18446744073709551615");
  }
  return value;
}

void Parser::parseOptionalFormat(Statement& statement) {
  if (acceptKeyword("FORMAT")) statement.format = parseFormatName();
}

// ---------------------------------------------------------------------------
// Statement boundaries

bool Parser::skipSemicolons() {
  while (accept(TokenType::kSemicolon)) {
  }
  return peekIs(TokenType::kEnd);
}

void Parser::expectStatementEnd() {
  if (accept(TokenType::kSemicolon) || peekIs(TokenType::kEnd)) return;
  std::string expected = clausesAfterSelect_.empty() ? "';' or end of query" : clausesAfterSelect_;
  fail(expected);
}

void Parser::expectEnd(std::string_view description) {
  if (!peekIs(TokenType::kEnd)) fail(description);
}

StatementPtr Parser::parseStatement() {
  clausesAfterSelect_.clear();
  const Token& first = peek();
  statementStart_ = first.position.offset;
  previousEnd_ = statementStart_;

  if (first.isKeyword("SELECT") || first.isKeyword("WITH") || first.type == TokenType::kLeftParen) {
    return parseSelectStatement();
  }
  if (first.isKeyword("CREATE")) return parseCreate();
  if (first.isKeyword("INSERT")) return parseInsert();
  if (first.isKeyword("DROP")) return parseDrop();
  if (first.isKeyword("SHOW")) return parseShow();
  if (first.isKeyword("DESCRIBE") || first.isKeyword("DESC")) return parseDescribe();
  if (first.isKeyword("EXISTS")) return parseExists();
  if (first.isKeyword("USE")) return parseUse();
  if (first.isKeyword("SET")) return parseSet();
  if (first.isKeyword("OPTIMIZE")) return parseOptimize();
  if (first.isKeyword("TRUNCATE")) return parseTruncate();
  if (first.isKeyword("ALTER")) return parseAlter();

  constexpr std::array<std::string_view, 14> kStatements = {
      "SELECT", "WITH", "INSERT", "CREATE", "DROP", "SHOW", "DESCRIBE", "DESC", "EXISTS", "USE", "SET",
      "OPTIMIZE", "TRUNCATE", "ALTER"};
  std::string expected = "a statement (SELECT, INSERT, CREATE, ALTER, DROP, SHOW, DESCRIBE, EXISTS, USE, SET, "
                         "OPTIMIZE or TRUNCATE)";
  if (first.type == TokenType::kBareWord) {
    if (first.isKeyword("EXPLAIN") || first.isKeyword("DELETE") ||
        first.isKeyword("UPDATE") || first.isKeyword("RENAME") || first.isKeyword("SYSTEM") ||
        first.isKeyword("ATTACH") || first.isKeyword("DETACH") || first.isKeyword("KILL")) {
      failNotImplemented(first, std::string(first.text) + " statements are not supported");
    }
    std::vector<std::string> matches = findCloseMatches(first.text, kStatements, 1);
    if (!matches.empty()) {
      throw QueryError(ErrorCode::kSyntaxError,
                       positionPrefix(first.position) + "expected " + expected + ", found " + describeToken(first) +
                           "; did you mean " + matches[0] + "?",
                       first.position);
    }
  }
  fail(expected);
}

// ---------------------------------------------------------------------------
// Public functions

std::vector<StatementPtr> parseStatements(std::string_view sql) {
  Parser parser(sql);
  std::vector<StatementPtr> statements;
  while (!parser.skipSemicolons()) {
    StatementPtr statement = parser.parseStatement();
    bool endsScript = statement->kind == StatementKind::kInsert &&
                      statement->as<InsertStatement>().source == InsertSource::kFormat;
    statements.push_back(std::move(statement));
    if (endsScript) break;
    parser.expectStatementEnd();
  }
  return statements;
}

StatementPtr parseStatement(std::string_view sql) {
  Parser parser(sql);
  if (parser.skipSemicolons()) {
    throw QueryError(ErrorCode::kSyntaxError, "Syntax error: the query is empty", SourcePosition{1, 1, 0});
  }
  StatementPtr statement = parser.parseStatement();
  if (statement->kind == StatementKind::kInsert &&
      statement->as<InsertStatement>().source == InsertSource::kFormat) {
    return statement;
  }
  parser.expectStatementEnd();
  parser.skipSemicolons();
  parser.expectEnd("end of query (only one statement is allowed)");
  return statement;
}

ExprPtr parseExpression(std::string_view sql) {
  Parser parser(sql);
  ExprPtr expr = parser.parseExpression();
  parser.expectEnd("an operator or end of expression");
  return expr;
}

TypeName parseTypeNameDetails(std::string_view text) {
  Parser parser(text);
  TypeSyntax syntax = parser.parseTypeSyntax();
  parser.expectEnd("end of type name");
  return resolveType(syntax);
}

DataType parseTypeName(std::string_view text) { return parseTypeNameDetails(text).type; }

}  // namespace furl::sql
