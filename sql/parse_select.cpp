// SELECT queries: WITH, the select list, FROM, WHERE, GROUP BY, HAVING,
// ORDER BY, LIMIT / OFFSET / FETCH, UNION ALL, and the statement-level
// SETTINGS and FORMAT clauses.

#include "sql/parser_impl.h"

namespace furl::sql {

namespace {

bool isJoinStart(const Token& token) {
  for (std::string_view word : {"JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "ANY", "ALL", "ASOF", "SEMI",
                                "ANTI", "GLOBAL", "ARRAY", "PASTE", "NATURAL"}) {
    if (token.isKeyword(word)) return true;
  }
  return false;
}

// Words that may follow a table in FROM and so are not read as its alias.
bool endsTableAlias(const Token& token) {
  for (std::string_view word :
       {"SAMPLE", "USING", "WINDOW", "QUALIFY", "ASOF", "SEMI", "PASTE", "NATURAL", "LIMIT", "WITH"}) {
    if (token.isKeyword(word)) return true;
  }
  return false;
}

}  // namespace

bool Parser::peekQueryStart(size_t ahead) { return peekKeyword("SELECT", ahead) || peekKeyword("WITH", ahead); }

StatementPtr Parser::parseSelectStatement() {
  auto statement = std::make_unique<SelectStatement>(peek().position);
  statement->query = parseSelectQuery();

  // ClickHouse accepts SETTINGS and FORMAT in either order, each once.
  bool seenSettings = false;
  bool seenFormat = false;
  while (true) {
    if (!seenSettings && acceptKeyword("SETTINGS")) {
      statement->settings = parseSettingList();
      seenSettings = true;
      clausesAfterSelect_ = seenFormat ? "',' or end of query" : "',', FORMAT or end of query";
      continue;
    }
    if (!seenFormat && acceptKeyword("FORMAT")) {
      statement->format = parseFormatName();
      seenFormat = true;
      clausesAfterSelect_ = seenSettings ? "end of query" : "SETTINGS or end of query";
      continue;
    }
    break;
  }
  if (peekKeyword("INTO")) failNotImplemented(peek(), "SELECT ... INTO OUTFILE is not supported");
  return statement;
}

SelectQueryPtr Parser::parseSelectQuery() {
  DepthGuard depth(*this);
  depth.deeper();
  std::vector<WithItem> with;
  if (peekKeyword("WITH")) {
    SelectQuery holder;
    parseWith(holder);
    with = std::move(holder.with);
  }

  // One block, or a query in parentheses whose blocks are taken over.
  auto parseBranch = [this]() -> SelectQueryPtr {
    if (peekIs(TokenType::kLeftParen) && (peekQueryStart(1) || peekIs(TokenType::kLeftParen, 1))) {
      advance();
      ++subqueryDepth_;
      SelectQueryPtr inner = parseSelectQuery();
      --subqueryDepth_;
      expect(TokenType::kRightParen, "')' to close the query");
      return inner;
    }
    if (!peekKeyword("SELECT")) fail("SELECT");
    return parseSelectBlock();
  };

  SelectQueryPtr query = parseBranch();
  for (WithItem& item : with) query->with.push_back(std::move(item));

  while (peekKeyword("UNION")) {
    Token unionToken = advance();
    if (!acceptKeyword("ALL")) {
      failNotImplemented(unionToken, "UNION DISTINCT is not supported; use UNION ALL");
    }
    SelectQueryPtr branch = parseBranch();
    std::vector<SelectQueryPtr> nested = std::move(branch->unionAll);
    branch->unionAll.clear();
    query->unionAll.push_back(std::move(branch));
    for (SelectQueryPtr& block : nested) query->unionAll.push_back(std::move(block));
  }
  if (peekKeyword("INTERSECT") || peekKeyword("EXCEPT")) {
    failNotImplemented(peek(), std::string(peek().text) + " is not supported; only UNION ALL combines queries");
  }
  return query;
}

void Parser::parseWith(SelectQuery& query) {
  expectKeyword("WITH");
  if (peekKeyword("RECURSIVE")) failNotImplemented(peek(), "WITH RECURSIVE is not supported");
  do {
    WithItem item;
    item.position = peek().position;
    bool namedQuery = peekName(0, false) && peekKeyword("AS", 1) && peekIs(TokenType::kLeftParen, 2) &&
                      peekQueryStart(3);
    if (namedQuery) {
      item.name = expectName("a name");
      advance();
      advance();
      ++subqueryDepth_;
      item.query = parseSelectQuery();
      --subqueryDepth_;
      expect(TokenType::kRightParen, "')' to close the WITH query");
    } else {
      item.expr = parseExpression();
      expectKeyword("AS");
      item.name = expectName("a name after AS");
    }
    query.with.push_back(std::move(item));
  } while (accept(TokenType::kComma));
}

SelectQueryPtr Parser::parseSelectBlock() {
  auto query = std::make_unique<SelectQuery>();
  query->position = peek().position;
  expectKeyword("SELECT");
  if (peekKeyword("DISTINCT") && peekKeyword("ON", 1)) failNotImplemented(peek(), "DISTINCT ON is not supported");
  if (acceptKeyword("DISTINCT")) {
    query->distinct = true;
  } else {
    acceptKeyword("ALL");
  }
  if (peekKeyword("TOP") && peekIs(TokenType::kInteger, 1)) {
    failNotImplemented(peek(), "SELECT TOP n is not supported; use LIMIT n");
  }

  // Hints for the message when the statement does not end where expected.
  bool topLevel = subqueryDepth_ == 0;
  auto hint = [this, topLevel](std::string_view clauses) {
    if (topLevel) clausesAfterSelect_ = std::string(clauses) + " or end of query";
  };

  do {
    query->items.push_back(parseSelectItem());
  } while (accept(TokenType::kComma));
  hint("',', FROM");

  if (acceptKeyword("FROM")) {
    query->from = parseTableRef();
    if (peekIs(TokenType::kComma) || isJoinStart(peek())) {
      failNotImplemented(peek(), "joins are not supported yet; query one table per SELECT");
    }
    hint("WHERE, GROUP BY, ORDER BY, LIMIT");
  }

  if (acceptKeyword("PREWHERE")) {
    // PREWHERE only changes the order of reading in ClickHouse; it filters
    // like WHERE, so both become one condition.
    query->where = parseExpression();
    hint("WHERE, GROUP BY, ORDER BY, LIMIT");
  }
  if (peekKeyword("WHERE")) {
    SourcePosition position = advance().position;
    ExprPtr condition = parseExpression();
    if (query->where) {
      auto both = std::make_unique<BinaryExpr>(position);
      both->op = BinaryOp::kAnd;
      both->left = std::move(query->where);
      both->right = std::move(condition);
      condition = std::move(both);
    }
    query->where = std::move(condition);
    hint("GROUP BY, ORDER BY, LIMIT");
  }

  if (peekKeyword("GROUP") && !peekKeyword("BY", 1)) {
    advance();
    fail("BY");
  }
  if (acceptKeywords({"GROUP", "BY"})) {
    if (peekKeyword("ALL") && !peekIs(TokenType::kLeftParen, 1)) {
      advance();
      query->groupByAll = true;
    } else {
      query->groupBy = parseExpressionList();
    }
    if (peekKeyword("WITH") && (peekKeyword("ROLLUP", 1) || peekKeyword("CUBE", 1) || peekKeyword("TOTALS", 1))) {
      failNotImplemented(peek(), "GROUP BY ... WITH " + std::string(peek(1).text) + " is not supported");
    }
    hint("',', HAVING, ORDER BY, LIMIT");
  }

  if (acceptKeyword("HAVING")) {
    query->having = parseExpression();
    hint("ORDER BY, LIMIT");
  }
  if (peekKeyword("WINDOW") || peekKeyword("QUALIFY")) {
    failNotImplemented(peek(), std::string(peek().text) + " is not supported");
  }

  if (peekKeyword("ORDER") && !peekKeyword("BY", 1)) {
    advance();
    fail("BY");
  }
  if (acceptKeywords({"ORDER", "BY"})) {
    query->orderBy = parseOrderByList();
    hint("',', LIMIT");
  }

  parseLimitClauses(*query);
  return query;
}

SelectItem Parser::parseSelectItem() {
  SelectItem item;
  item.position = peek().position;
  if (peekIs(TokenType::kStar)) {
    auto star = std::make_unique<StarExpr>(advance().position);
    item.expr = parseStarModifiers(std::move(star));
    return item;
  }

  item.expr = parseExpression();
  if (acceptKeyword("AS")) {
    item.alias = expectName("an alias after AS");
  } else if (peekName(0, false)) {
    item.alias = expectName("an alias");
  }
  return item;
}

std::unique_ptr<StarExpr> Parser::parseStarModifiers(std::unique_ptr<StarExpr> star) {
  if (!peekKeyword("EXCEPT") && !peekKeyword("EXCLUDE")) return star;
  advance();
  if (accept(TokenType::kLeftParen)) {
    do {
      star->excluded.push_back(expectName("a column name"));
    } while (accept(TokenType::kComma));
    expect(TokenType::kRightParen, "',' or ')' to close the column list");
  } else {
    star->excluded.push_back(expectName("a column name or '(' after EXCEPT"));
  }
  return star;
}

TableRefPtr Parser::parseTableRef() {
  auto ref = std::make_unique<TableRef>();
  ref->position = peek().position;

  if (peekIs(TokenType::kLeftParen)) {
    advance();
    if (!peekQueryStart()) fail("SELECT in the FROM subquery");
    ref->kind = TableRefKind::kSubquery;
    ++subqueryDepth_;
    ref->subquery = parseSelectQuery();
    --subqueryDepth_;
    expect(TokenType::kRightParen, "')' to close the subquery");
  } else if (peekName() && peekIs(TokenType::kLeftParen, 1)) {
    Token nameToken = peek();
    ExprPtr call = parseFunction();
    if (call->kind != ExprKind::kFunction) failAt(nameToken, "a table or a table function");
    ref->kind = TableRefKind::kTableFunction;
    ref->function.reset(static_cast<FunctionExpr*>(call.release()));
  } else {
    ref->kind = TableRefKind::kTable;
    ref->name = parseTableName();
    ref->final = acceptKeyword("FINAL");
  }

  ref->alias = parseOptionalAlias();
  if (ref->kind == TableRefKind::kTable && !ref->final) ref->final = acceptKeyword("FINAL");
  if (peekKeyword("SAMPLE")) failNotImplemented(peek(), "SAMPLE is not supported");
  return ref;
}

std::string Parser::parseOptionalAlias() {
  if (acceptKeyword("AS")) return expectName("an alias after AS");
  if (peekName(0, false) && !endsTableAlias(peek())) return expectName("an alias");
  return {};
}

std::vector<OrderByItem> Parser::parseOrderByList() {
  std::vector<OrderByItem> items;
  do {
    OrderByItem item;
    item.expr = parseExpression();
    if (acceptKeyword("DESC") || acceptKeyword("DESCENDING")) {
      item.descending = true;
    } else if (!acceptKeyword("ASC")) {
      acceptKeyword("ASCENDING");
    }
    if (acceptKeyword("NULLS")) {
      if (acceptKeyword("FIRST")) {
        item.nulls = NullsOrder::kFirst;
      } else if (acceptKeyword("LAST")) {
        item.nulls = NullsOrder::kLast;
      } else {
        fail("FIRST or LAST after NULLS");
      }
    }
    if (peekKeyword("COLLATE")) failNotImplemented(peek(), "COLLATE is not supported");
    if (peekKeyword("WITH") && peekKeyword("FILL", 1)) failNotImplemented(peek(), "WITH FILL is not supported");
    items.push_back(std::move(item));
  } while (accept(TokenType::kComma));
  return items;
}

void Parser::parseLimitClauses(SelectQuery& query) {
  bool seenLimit = false;
  bool seenOffset = false;
  bool topLevel = subqueryDepth_ == 0;
  while (true) {
    if (!seenLimit && peekKeyword("LIMIT")) {
      advance();
      seenLimit = true;
      if (!acceptKeyword("ALL")) {
        uint64_t first = parseUnsignedInteger("a non-negative integer after LIMIT");
        if (accept(TokenType::kComma)) {
          // ClickHouse and MySQL: LIMIT offset, count.
          query.offset = first;
          seenOffset = true;
          query.limit = parseUnsignedInteger("a non-negative row count after 'LIMIT offset,'");
        } else {
          query.limit = first;
        }
      }
      if (peekKeyword("BY")) failNotImplemented(peek(), "LIMIT ... BY is not supported");
      if (peekKeyword("WITH") && peekKeyword("TIES", 1)) failNotImplemented(peek(), "WITH TIES is not supported");
      if (topLevel) clausesAfterSelect_ = seenOffset ? "end of query" : "OFFSET or end of query";
      continue;
    }
    if (!seenOffset && peekKeyword("OFFSET")) {
      advance();
      seenOffset = true;
      query.offset = parseUnsignedInteger("a non-negative integer after OFFSET");
      if (!acceptKeyword("ROWS")) acceptKeyword("ROW");
      if (topLevel) clausesAfterSelect_ = seenLimit ? "end of query" : "LIMIT, FETCH or end of query";
      continue;
    }
    if (!seenLimit && peekKeyword("FETCH")) {
      // OFFSET m ROWS FETCH {FIRST | NEXT} [n] {ROW | ROWS} ONLY
      advance();
      seenLimit = true;
      if (!acceptKeyword("FIRST") && !acceptKeyword("NEXT")) fail("FIRST or NEXT after FETCH");
      query.limit = peekIs(TokenType::kInteger) ? parseUnsignedInteger("a row count") : 1;
      if (!acceptKeyword("ROWS") && !acceptKeyword("ROW")) fail("ROWS");
      if (peekKeyword("WITH") && peekKeyword("TIES", 1)) failNotImplemented(peek(), "WITH TIES is not supported");
      expectKeyword("ONLY");
      if (topLevel) clausesAfterSelect_ = "end of query";
      continue;
    }
    return;
  }
}

}  // namespace furl::sql
