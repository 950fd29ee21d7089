// Statements other than SELECT: CREATE TABLE, INSERT, DROP, SHOW,
// DESCRIBE, EXISTS, USE, SET, OPTIMIZE, TRUNCATE.

#include "sql/parser_impl.h"

namespace furl::sql {

namespace {

bool isTtlAction(const Token& token) {
  return token.isKeyword("DELETE") || token.isKeyword("TO") || token.isKeyword("RECOMPRESS");
}

}  // namespace

// ---------------------------------------------------------------------------
// CREATE TABLE

StatementPtr Parser::parseCreate() {
  auto create = std::make_unique<CreateTableStatement>(advance().position);
  if (acceptKeywords({"OR", "REPLACE"})) create->orReplace = true;
  if (peekKeyword("TEMPORARY")) failNotImplemented(peek(), "temporary tables are not supported");
  if (!peekKeyword("TABLE")) {
    if (peekKeyword("DATABASE") || peekKeyword("VIEW") || peekKeyword("MATERIALIZED") ||
        peekKeyword("DICTIONARY") || peekKeyword("FUNCTION") || peekKeyword("USER")) {
      failNotImplemented(peek(), "CREATE " + std::string(peek().text) + " is not supported; only CREATE TABLE is");
    }
    fail(create->orReplace ? "TABLE" : "TABLE or OR REPLACE");
  }
  advance();
  if (acceptKeywords({"IF", "NOT", "EXISTS"})) create->ifNotExists = true;
  create->table = parseTableName();

  if (peekKeyword("AS")) failNotImplemented(peek(), "CREATE TABLE ... AS is not supported; list the columns");
  expect(TokenType::kLeftParen, "'(' and the column list");
  parseColumnList(*create);
  parseTableClauses(*create);
  return create;
}

void Parser::parseColumnList(CreateTableStatement& create) {
  bool keyInColumnList = false;
  do {
    if (peekKeyword("PRIMARY") && peekKeyword("KEY", 1)) {
      Token keyToken = advance();
      advance();
      if (!create.primaryKey.empty()) failAt(keyToken, "one PRIMARY KEY, not two");
      create.primaryKey = parseKeyExpressions();
      keyInColumnList = true;
      continue;
    }
    if (peekKeyword("INDEX") || peekKeyword("CONSTRAINT") || peekKeyword("PROJECTION")) {
      failNotImplemented(peek(), std::string(peek().text) + " in CREATE TABLE is not supported");
    }

    ColumnDef column = parseColumnDef();
    if (column.primaryKey) {
      if (keyInColumnList) {
        throw QueryError(ErrorCode::kSyntaxError,
                         "Syntax error at line " + std::to_string(column.position.line) + ", column " +
                             std::to_string(column.position.column) +
                             ": the primary key is given both inline and as PRIMARY KEY (...); keep one",
                         column.position);
      }
      create.primaryKey.push_back(
          std::make_unique<ColumnRefExpr>(std::vector<std::string>{column.name}, column.position));
    }
    create.columns.push_back(std::move(column));
  } while (accept(TokenType::kComma));
  expect(TokenType::kRightParen, "',' or ')' after the column definition");
  if (create.columns.empty()) fail("at least one column");
}

ColumnDef Parser::parseColumnDef() {
  ColumnDef column;
  column.position = peek().position;
  column.name = expectName("a column name or PRIMARY KEY");
  if (peekIs(TokenType::kComma) || peekIs(TokenType::kRightParen) || peekKeyword("DEFAULT")) {
    fail("a type for column '" + column.name + "'");
  }
  column.type = parseType();

  while (true) {
    Token token = peek();
    if (token.isKeyword("NULL")) {
      advance();
      column.nullConstraint = NullConstraint::kNull;
      setNullable(column.type, true);
    } else if (token.isKeyword("NOT") && peekKeyword("NULL", 1)) {
      advance();
      advance();
      if (column.type.type.nullable && column.nullConstraint != NullConstraint::kNull) {
        throw QueryError(ErrorCode::kSyntaxError,
                         "Syntax error at line " + std::to_string(token.position.line) + ", column " +
                             std::to_string(token.position.column) + ": column '" + column.name + "' has type " +
                             column.type.text + ", which cannot be NOT NULL; remove Nullable or NOT NULL",
                         token.position);
      }
      column.nullConstraint = NullConstraint::kNotNull;
      setNullable(column.type, false);
    } else if (token.isKeyword("DEFAULT") || token.isKeyword("MATERIALIZED") || token.isKeyword("ALIAS")) {
      advance();
      if (column.defaultKind != DefaultKind::kNone) failAt(token, "one DEFAULT, MATERIALIZED or ALIAS, not two");
      column.defaultKind = token.isKeyword("DEFAULT")        ? DefaultKind::kDefault
                           : token.isKeyword("MATERIALIZED") ? DefaultKind::kMaterialized
                                                             : DefaultKind::kAlias;
      column.defaultExpr = parseExpression();
    } else if (token.isKeyword("CODEC") && peekIs(TokenType::kLeftParen, 1)) {
      advance();
      column.codec = parseBalancedText();
    } else if (token.isKeyword("COMMENT")) {
      advance();
      column.comment = expect(TokenType::kString, "a string after COMMENT").value;
    } else if (token.isKeyword("PRIMARY") && peekKeyword("KEY", 1)) {
      advance();
      advance();
      column.primaryKey = true;
    } else if (token.isKeyword("EPHEMERAL")) {
      failNotImplemented(token, "EPHEMERAL column '" + column.name +
                                    "' is not supported; remove it and compute the values that use it in the INSERT");
    } else if (token.isKeyword("TTL") || token.isKeyword("SETTINGS") ||
               token.isKeyword("STATISTICS")) {
      failNotImplemented(token, "column " + std::string(token.text) + " is not supported");
    } else {
      break;
    }
  }
  if (!peekIs(TokenType::kComma) && !peekIs(TokenType::kRightParen)) {
    fail("NULL, NOT NULL, DEFAULT, CODEC, COMMENT, PRIMARY KEY, ',' or ')'");
  }
  return column;
}

std::string Parser::parseBalancedText() {
  Token open = expect(TokenType::kLeftParen, "'('");
  int depth = 1;
  while (depth > 0) {
    Token token = advance();
    if (token.type == TokenType::kEnd) failAt(token, "')'");
    if (token.type == TokenType::kLeftParen) ++depth;
    if (token.type == TokenType::kRightParen) --depth;
  }
  // previousEnd_ is just past the closing parenthesis.
  uint32_t start = open.endOffset();
  return std::string(sql_.substr(start, previousEnd_ - 1 - start));
}

std::vector<ExprPtr> Parser::parseKeyExpressions() {
  // `(a, b)`, `a`, `tuple()` and `tuple(a, b)` all name a list of expressions.
  std::vector<ExprPtr> keys;
  do {
    ExprPtr expr = parseExpression();
    if (expr->kind == ExprKind::kTuple) {
      for (ExprPtr& element : expr->as<TupleExpr>().elements) keys.push_back(std::move(element));
    } else if (expr->kind == ExprKind::kFunction && expr->as<FunctionExpr>().name == "tuple" &&
               !expr->as<FunctionExpr>().hasParameters) {
      for (ExprPtr& arg : expr->as<FunctionExpr>().args) keys.push_back(std::move(arg));
    } else {
      keys.push_back(std::move(expr));
    }
  } while (accept(TokenType::kComma));
  return keys;
}

void Parser::parseTableClauses(CreateTableStatement& create) {
  if (acceptKeyword("ENGINE")) {
    accept(TokenType::kEqual);
    create.engine = expectName("an engine name such as MergeTree");
    if (accept(TokenType::kLeftParen)) {
      if (!peekIs(TokenType::kRightParen)) create.engineArgs = parseExpressionList();
      expect(TokenType::kRightParen, "',' or ')' after the engine arguments");
    }
  }

  // The engine clauses may come in any order, each at most once.
  bool seenPartition = false;
  bool seenSample = false;
  bool seenTtl = false;
  bool seenSettings = false;
  bool seenComment = false;
  bool keyBeforeEngineClauses = !create.primaryKey.empty();
  while (true) {
    const Token& token = peek();
    if (!seenPartition && token.isKeyword("PARTITION") && peekKeyword("BY", 1)) {
      advance();
      advance();
      create.partitionBy = parseExpression();
      seenPartition = true;
    } else if (!create.hasOrderBy && token.isKeyword("ORDER") && peekKeyword("BY", 1)) {
      advance();
      advance();
      create.orderBy = parseKeyExpressions();
      create.hasOrderBy = true;
    } else if (token.isKeyword("PRIMARY") && peekKeyword("KEY", 1)) {
      Token keyToken = advance();
      advance();
      if (!create.primaryKey.empty()) {
        failAt(keyToken, keyBeforeEngineClauses
                             ? "no second PRIMARY KEY: the key is already given in the column list"
                             : "one PRIMARY KEY, not two");
      }
      create.primaryKey = parseKeyExpressions();
    } else if (!seenSample && token.isKeyword("SAMPLE") && peekKeyword("BY", 1)) {
      advance();
      advance();
      create.sampleBy = parseExpression();
      seenSample = true;
    } else if (!seenTtl && token.isKeyword("TTL")) {
      advance();
      do {
        create.ttl.push_back(parseExpression());
        if (acceptKeyword("DELETE")) continue;
        if (peekKeyword("TO") && (peekKeyword("DISK", 1) || peekKeyword("VOLUME", 1))) {
          advance();
          advance();
          expect(TokenType::kString, "a disk or volume name in quotes");
        } else if (isTtlAction(peek())) {
          failNotImplemented(peek(), "TTL " + std::string(peek().text) + " is not supported");
        }
      } while (accept(TokenType::kComma));
      seenTtl = true;
    } else if (!seenSettings && token.isKeyword("SETTINGS")) {
      advance();
      create.settings = parseSettingList();
      seenSettings = true;
    } else if (!seenComment && token.isKeyword("COMMENT")) {
      advance();
      create.comment = expect(TokenType::kString, "a string after COMMENT").value;
      seenComment = true;
    } else {
      break;
    }
  }

  if (!peekIs(TokenType::kSemicolon) && !peekIs(TokenType::kEnd)) {
    fail(create.engine.empty() ? "ENGINE or end of query"
                               : "PARTITION BY, ORDER BY, PRIMARY KEY, SAMPLE BY, TTL, SETTINGS, COMMENT or "
                                 "end of query");
  }
}

// ---------------------------------------------------------------------------
// INSERT

StatementPtr Parser::parseInsert() {
  auto insert = std::make_unique<InsertStatement>(advance().position);
  expectKeyword("INTO");
  if (peekKeyword("FUNCTION")) failNotImplemented(peek(), "INSERT INTO FUNCTION is not supported");
  acceptKeyword("TABLE");
  insert->table = parseTableName();

  if (peekIs(TokenType::kLeftParen) && !peekQueryStart(1)) {
    advance();
    do {
      insert->columns.push_back(expectName("a column name"));
    } while (accept(TokenType::kComma));
    expect(TokenType::kRightParen, "',' or ')' after the column list");
  }
  if (acceptKeyword("SETTINGS")) insert->settings = parseSettingList();

  if (peekKeyword("FORMAT")) {
    advance();
    insert->source = InsertSource::kFormat;
    insert->insertFormat = parseFormatName();

    // The data starts after spaces and tabs and at most one line break.
    // Nothing after the format name is lexed: it is data, not SQL.
    size_t offset = previousEnd_;
    while (offset < sql_.size() && (sql_[offset] == ' ' || sql_[offset] == '\t')) ++offset;
    if (offset < sql_.size() && sql_[offset] == '\r' && offset + 1 < sql_.size() && sql_[offset + 1] == '\n') {
      offset += 2;
    } else if (offset < sql_.size() && sql_[offset] == '\n') {
      ++offset;
    }
    insert->dataOffset = offset;
    return insert;
  }

  if (peekKeyword("VALUES")) {
    advance();
    if (peekIs(TokenType::kEnd) || peekIs(TokenType::kSemicolon)) {
      // `INSERT INTO t VALUES` with the rows sent separately, as ClickHouse
      // clients do: the data is in the Values format.
      insert->source = InsertSource::kFormat;
      insert->insertFormat = "Values";
      insert->dataOffset = sql_.size();
      return insert;
    }
    insert->source = InsertSource::kValues;
    do {
      expect(TokenType::kLeftParen, "'(' to start a row of VALUES");
      std::vector<ExprPtr> row;
      if (!peekIs(TokenType::kRightParen)) row = parseExpressionList();
      expect(TokenType::kRightParen, "',' or ')' to close the row");
      insert->rows.push_back(std::move(row));
      // ClickHouse also accepts rows without commas between them.
      accept(TokenType::kComma);
    } while (peekIs(TokenType::kLeftParen));
    return insert;
  }

  if (peekQueryStart() || (peekIs(TokenType::kLeftParen) && peekQueryStart(1))) {
    insert->source = InsertSource::kSelect;
    insert->select = parseSelectQuery();
    if (acceptKeyword("SETTINGS")) insert->settings = parseSettingList();
    return insert;
  }
  fail(insert->columns.empty() ? "'(' and a column list, VALUES, FORMAT or SELECT" : "VALUES, FORMAT or SELECT");
}

// ---------------------------------------------------------------------------
// Small statements

StatementPtr Parser::parseDrop() {
  auto drop = std::make_unique<DropTableStatement>(advance().position);
  if (peekKeyword("TEMPORARY")) advance();
  if (!acceptKeyword("TABLE")) {
    if (peekKeyword("DATABASE") || peekKeyword("VIEW") || peekKeyword("DICTIONARY")) {
      failNotImplemented(peek(), "DROP " + std::string(peek().text) + " is not supported; only DROP TABLE is");
    }
    fail("TABLE");
  }
  if (acceptKeywords({"IF", "EXISTS"})) drop->ifExists = true;
  drop->table = parseTableName();
  acceptKeyword("SYNC");
  return drop;
}

StatementPtr Parser::parseShow() {
  Token showToken = advance();
  if (acceptKeyword("TABLES")) {
    auto show = std::make_unique<ShowTablesStatement>(showToken.position);
    if (acceptKeyword("FROM") || acceptKeyword("IN")) show->database = expectName("a database name");
    bool notLike = peekKeyword("NOT") && peekKeyword("LIKE", 1);
    if (notLike) advance();
    if (acceptKeyword("LIKE")) {
      show->hasLike = true;
      show->notLike = notLike;
      show->likePattern = expect(TokenType::kString, "a pattern in quotes after LIKE").value;
    }
    parseOptionalFormat(*show);
    return show;
  }
  if (acceptKeyword("DATABASES")) {
    auto show = std::make_unique<ShowDatabasesStatement>(showToken.position);
    parseOptionalFormat(*show);
    return show;
  }
  if (acceptKeyword("CREATE")) {
    auto show = std::make_unique<ShowCreateTableStatement>(showToken.position);
    acceptKeyword("TABLE");
    show->table = parseTableName();
    parseOptionalFormat(*show);
    return show;
  }
  fail("TABLES, DATABASES or CREATE TABLE after SHOW");
}

StatementPtr Parser::parseDescribe() {
  auto describe = std::make_unique<DescribeStatement>(advance().position);
  acceptKeyword("TABLE");
  if (peekQueryStart() || peekIs(TokenType::kLeftParen)) {
    failNotImplemented(peek(), "DESCRIBE of a query is not supported; DESCRIBE a table");
  }
  describe->table = parseTableName();
  parseOptionalFormat(*describe);
  return describe;
}

StatementPtr Parser::parseExists() {
  auto exists = std::make_unique<ExistsTableStatement>(advance().position);
  acceptKeyword("TABLE");
  exists->table = parseTableName();
  parseOptionalFormat(*exists);
  return exists;
}

StatementPtr Parser::parseUse() {
  auto use = std::make_unique<UseStatement>(advance().position);
  use->database = expectName("a database name");
  return use;
}

StatementPtr Parser::parseSet() {
  auto set = std::make_unique<SetStatement>(advance().position);
  set->settings = parseSettingList();
  return set;
}

StatementPtr Parser::parseOptimize() {
  auto optimize = std::make_unique<OptimizeTableStatement>(advance().position);
  expectKeyword("TABLE");
  optimize->table = parseTableName();
  optimize->final = acceptKeyword("FINAL");
  acceptKeyword("DEDUPLICATE");
  return optimize;
}

StatementPtr Parser::parseAlter() {
  auto alter = std::make_unique<AlterTableStatement>(advance().position);
  expectKeyword("TABLE");
  alter->table = parseTableName();
  if (acceptKeywords({"MODIFY", "SETTING"})) {
    alter->action = AlterTableStatement::Action::kModifySetting;
    alter->settings = parseSettingList();
  } else if (acceptKeywords({"RESET", "SETTING"})) {
    alter->action = AlterTableStatement::Action::kResetSetting;
    do {
      alter->resetNames.push_back(expectName("a setting name"));
    } while (accept(TokenType::kComma));
  } else if (acceptKeywords({"MOVE", "SEGMENTS"})) {
    alter->action = AlterTableStatement::Action::kMoveSegments;
    expectKeyword("TO");
    expectKeyword("TIER");
    Token tier = expect(TokenType::kString, "a tier name in quotes ('warm', 'cold' or 'auto')");
    alter->tier = tier.value;
    alter->tierPosition = tier.position;
    if (acceptKeyword("WHERE")) {
      alter->wherePosition = peek().position;
      parseExpression();
      alter->whereText = std::string(sql_.substr(alter->wherePosition.offset,
                                                 previousEnd_ - alter->wherePosition.offset));
    }
  } else {
    if (peekKeyword("ADD") || peekKeyword("DROP") || peekKeyword("MODIFY") || peekKeyword("DELETE") ||
        peekKeyword("UPDATE") || peekKeyword("RENAME")) {
      failNotImplemented(peek(), "ALTER TABLE " + std::string(peek().text) +
                                     " is not supported; Furl supports MODIFY SETTING, RESET SETTING and "
                                     "MOVE SEGMENTS");
    }
    fail("MODIFY SETTING, RESET SETTING or MOVE SEGMENTS TO TIER");
  }
  return alter;
}

StatementPtr Parser::parseTruncate() {
  auto truncate = std::make_unique<TruncateTableStatement>(advance().position);
  acceptKeyword("TABLE");
  if (acceptKeywords({"IF", "EXISTS"})) truncate->ifExists = true;
  truncate->table = parseTableName();
  return truncate;
}

}  // namespace furl::sql
