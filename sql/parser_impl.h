#pragma once

// The recursive-descent parser behind sql/parser.h. Private to furl_sql.
//
// Expression precedence, loosest first (SQL standard and ClickHouse):
//   OR < AND < NOT < comparison, IS, LIKE, IN, BETWEEN < || < + - < * / % DIV MOD
//   < unary minus < ::
// Binary operators associate to the left.
//
// The implementation is split by concept. parser.cpp contains token handling,
// errors and the public functions, parse_expression.cpp expressions and
// types, parse_select.cpp SELECT, and parse_statement.cpp the other
// statements.

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/type_resolver.h"

namespace furl::sql {

class Parser {
 public:
  explicit Parser(std::string_view sql);

  /// Parses one statement without its terminating `;`.
  StatementPtr parseStatement();
  /// Parses one expression.
  ExprPtr parseExpression();
  /// Parses one type name.
  TypeSyntax parseTypeSyntax();

  /// Consumes `;` or checks for the end of input; fails on anything else.
  void expectStatementEnd();
  /// Consumes any `;` tokens; returns true when the input is exhausted.
  bool skipSemicolons();
  /// Fails unless the input is exhausted; `description` names what was expected.
  void expectEnd(std::string_view description);

 private:
  // Token access (parser.cpp).
  const Token& peek(size_t ahead = 0);
  Token advance();
  bool peekIs(TokenType type, size_t ahead = 0) { return peek(ahead).type == type; }
  bool peekKeyword(std::string_view keyword, size_t ahead = 0) { return peek(ahead).isKeyword(keyword); }
  bool accept(TokenType type);
  bool acceptKeyword(std::string_view keyword);
  /// Consumes consecutive keywords (`ORDER BY`) if all are present.
  bool acceptKeywords(std::initializer_list<std::string_view> keywords);
  Token expect(TokenType type, std::string_view description);
  void expectKeyword(std::string_view keyword);
  [[noreturn]] void fail(std::string_view expected);
  [[noreturn]] void failAt(const Token& token, std::string_view expected);
  [[noreturn]] void failNotImplemented(const Token& token, std::string_view what);

  /// A name: a bare word (reserved words too unless `allowReserved` is
  /// false) or a quoted identifier.
  bool peekName(size_t ahead = 0, bool allowReserved = true);
  std::string expectName(std::string_view description, bool allowReserved = true);
  TableName parseTableName();
  std::vector<Setting> parseSettingList();
  std::string parseFormatName();
  uint64_t parseUnsignedInteger(std::string_view description);

  // Expressions (parse_expression.cpp).
  ExprPtr parseOr();
  ExprPtr parseAnd();
  ExprPtr parseNot();
  ExprPtr parseComparison();
  ExprPtr parseConcat();
  ExprPtr parseAdditive();
  ExprPtr parseMultiplicative();
  ExprPtr parseUnary();
  ExprPtr parsePostfix();
  ExprPtr parsePrimary();
  ExprPtr parseNumber(const Token& token);
  ExprPtr parseParenthesized();
  ExprPtr parseCase();
  ExprPtr parseInterval();
  ExprPtr parseFunction();
  ExprPtr parseCast(const Token& nameToken);
  ExprPtr parseExtract(const Token& nameToken);
  ExprPtr parseColumnRef();
  ExprPtr parseIn(ExprPtr operand, bool negated, const Token& operatorToken);
  std::vector<ExprPtr> parseExpressionList();
  TypeName parseType();
  bool peekTimeUnit(size_t ahead = 0);
  TimeUnit parseTimeUnit(bool forInterval);

  // SELECT (parse_select.cpp).
  bool peekQueryStart(size_t ahead = 0);
  SelectQueryPtr parseSelectQuery();
  SelectQueryPtr parseSelectBlock();
  void parseWith(SelectQuery& query);
  SelectItem parseSelectItem();
  std::unique_ptr<StarExpr> parseStarModifiers(std::unique_ptr<StarExpr> star);
  TableRefPtr parseTableRef();
  std::string parseOptionalAlias();
  std::vector<OrderByItem> parseOrderByList();
  void parseLimitClauses(SelectQuery& query);
  StatementPtr parseSelectStatement();

  // Other statements (parse_statement.cpp).
  StatementPtr parseCreate();
  void parseColumnList(CreateTableStatement& create);
  ColumnDef parseColumnDef();
  void parseTableClauses(CreateTableStatement& create);
  std::vector<ExprPtr> parseKeyExpressions();
  std::string parseBalancedText();
  StatementPtr parseInsert();
  StatementPtr parseDrop();
  StatementPtr parseShow();
  StatementPtr parseDescribe();
  StatementPtr parseExists();
  StatementPtr parseUse();
  StatementPtr parseSet();
  StatementPtr parseOptimize();
  StatementPtr parseTruncate();
  StatementPtr parseAlter();
  void parseOptionalFormat(Statement& statement);

  Lexer lexer_;
  std::string_view sql_;
  std::deque<Token> lookahead_;
  uint32_t previousEnd_ = 0;     // end offset of the last consumed token
  uint32_t statementStart_ = 0;  // offset of the current statement's first token
  /// Set after a top-level SELECT block: the clauses that could still follow,
  /// for the message when the statement does not end where expected.
  std::string clausesAfterSelect_;
  /// Nesting depth of parenthesized subqueries; a query inside parentheses
  /// ends at `)` rather than at the end of the statement.
  int subqueryDepth_ = 0;
  /// Depth of the expression or query being parsed: nested parentheses,
  /// function arguments, subqueries, NOT and unary minus, and each operator
  /// of a chain such as `a + b + c`. The limit keeps the recursive passes
  /// over the tree within a thread's stack (20,000 levels crashed furld).
  int depth_ = 0;

  friend class DepthGuard;
};

/// Adds levels to Parser::depth_ and removes them when it goes out of scope.
class DepthGuard {
 public:
  /// The maximum depth. ClickHouse limits its parser the same way with the
  /// max_parser_depth setting.
  static constexpr int kMaxDepth = 1000;

  explicit DepthGuard(Parser& parser) : parser_(parser) {}
  ~DepthGuard() { parser_.depth_ -= added_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

  /// Adds one level; throws a syntax error naming the limit when the depth
  /// exceeds kMaxDepth.
  void deeper();

 private:
  Parser& parser_;
  int added_ = 0;
};

/// `at line L, column C: `, the prefix of messages that are not syntax errors.
std::string locationPrefix(const SourcePosition& position);

/// True for words that cannot be a bare column name or an alias without
/// `AS` (FROM, WHERE, AND, ...), because they end or join clauses.
bool isReservedWord(const Token& token);

}  // namespace furl::sql
