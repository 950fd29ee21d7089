// Parses the ClickBench and wikiticker SQL files that Furl is benchmarked
// with. The files are copies kept in sql/tests/data.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace furl::sql {
namespace {

std::string readDataFile(const std::string& name) {
  std::ifstream in(std::string(FURL_SQL_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open test data file " << name;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

struct LabelledStatement {
  std::string label;  // the `-- [label]` line before the statement, or empty
  std::string sql;
};

// Splits a script at `;` outside quotes and comments and attaches each
// `-- [label]` comment to the statement after it, as the benchmark runners do.
std::vector<LabelledStatement> splitScript(const std::string& text) {
  std::vector<LabelledStatement> statements;
  LabelledStatement current;
  auto flush = [&]() {
    if (current.sql.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
    current = LabelledStatement{};
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      size_t end = text.find('\n', i);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(i, end - i);
      size_t open = line.find('[');
      size_t close = line.find(']');
      bool onlySpaceBefore = line.find_first_not_of("- ") == open;
      bool statementEmpty = current.sql.find_first_not_of(" \t\r\n") == std::string::npos;
      if (open != std::string::npos && close != std::string::npos && onlySpaceBefore && statementEmpty) {
        current.label = line.substr(open + 1, close - open - 1);
      }
      current.sql += line + "\n";
      i = end + 1;
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c) j += text[j] == '\\' ? 2 : 1;
      current.sql += text.substr(i, j + 1 - i);
      i = j + 1;
      continue;
    }
    if (c == ';') {
      flush();
      ++i;
      continue;
    }
    current.sql.push_back(c);
    ++i;
  }
  flush();
  return statements;
}

TEST(ScriptFilesTest, ClickBenchCreateTableParses) {
  std::string text = readDataFile("create.clickhouse.sql");
  std::vector<StatementPtr> statements;
  ASSERT_NO_THROW(statements = parseStatements(text));
  ASSERT_EQ(statements.size(), 1u);
  const auto& create = statements[0]->as<CreateTableStatement>();
  EXPECT_TRUE(create.orReplace);
  EXPECT_EQ(create.table.table, "hits");
  EXPECT_EQ(create.columns.size(), 105u);
  EXPECT_EQ(create.engine, "MergeTree");
  ASSERT_EQ(create.primaryKey.size(), 5u);
  EXPECT_EQ(create.primaryKey[0]->toString(), "CounterID");
  EXPECT_EQ(create.primaryKey[4]->toString(), "WatchID");
  ASSERT_EQ(create.settings.size(), 2u);
  EXPECT_EQ(create.settings[0].name, "fsync_after_insert");
  EXPECT_EQ(create.settings[1].name, "auto_statistics_types");
  EXPECT_EQ(create.settings[1].value.asString(), "");

  // Spot checks of the standard type names in the file.
  EXPECT_EQ(create.columns[0].name, "WatchID");
  EXPECT_EQ(create.columns[0].type.type, DataType(TypeId::kInt64));
  EXPECT_EQ(create.columns[0].nullConstraint, NullConstraint::kNotNull);
  EXPECT_EQ(create.columns[1].type.type, DataType(TypeId::kInt16));
  EXPECT_EQ(create.columns[2].type.type, DataType(TypeId::kString));
  EXPECT_EQ(create.columns[4].type.type, DataType(TypeId::kDateTime64));
  EXPECT_EQ(create.columns[5].type.type, DataType(TypeId::kDate));
  EXPECT_EQ(create.columns[6].type.type, DataType(TypeId::kInt32));
}

TEST(ScriptFilesTest, ClickBenchQueriesParse) {
  std::string text = readDataFile("queries.clickhouse.sql");
  std::vector<LabelledStatement> pieces = splitScript(text);
  ASSERT_EQ(pieces.size(), 43u);
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_NO_THROW(parseStatement(pieces[i].sql)) << "query Q" << i << ": " << pieces[i].sql;
  }

  std::vector<StatementPtr> statements;
  ASSERT_NO_THROW(statements = parseStatements(text));
  EXPECT_EQ(statements.size(), 43u);
}

TEST(ScriptFilesTest, ClickBenchQueriesRoundTrip) {
  // Printing a query and parsing the text again gives the same query.
  for (const LabelledStatement& piece : splitScript(readDataFile("queries.clickhouse.sql"))) {
    StatementPtr first = parseStatement(piece.sql);
    std::string printed = first->as<SelectStatement>().query->toString();
    StatementPtr second;
    ASSERT_NO_THROW(second = parseStatement(printed)) << printed;
    EXPECT_EQ(second->as<SelectStatement>().query->toString(), printed) << piece.sql;
  }
}

TEST(ScriptFilesTest, TruncatedQueriesFailCleanly) {
  // Every prefix of every statement either parses or throws QueryError
  // with a position inside the text; nothing else escapes.
  std::vector<LabelledStatement> pieces = splitScript(readDataFile("queries.clickhouse.sql"));
  pieces.push_back(LabelledStatement{"", readDataFile("create.clickhouse.sql")});
  for (const LabelledStatement& piece : pieces) {
    for (size_t length = 0; length <= piece.sql.size(); ++length) {
      std::string_view prefix(piece.sql.data(), length);
      try {
        parseStatements(prefix);
      } catch (const QueryError& error) {
        EXPECT_LE(error.position().offset, length) << error.what();
      } catch (const std::exception& error) {
        ADD_FAILURE() << "unexpected exception for '" << prefix << "': " << error.what();
      }
    }
  }
}

TEST(ScriptFilesTest, ClickHouse18VariantsParse) {
  std::vector<StatementPtr> statements;
  ASSERT_NO_THROW(statements = parseStatements(readDataFile("create.clickhouse18.sql")));
  EXPECT_EQ(statements.size(), 1u);
  ASSERT_NO_THROW(statements = parseStatements(readDataFile("queries.clickhouse18.sql")));
  EXPECT_EQ(statements.size(), 43u);
}

TEST(ScriptFilesTest, WikitickerQueriesParse) {
  std::vector<LabelledStatement> pieces = splitScript(readDataFile("wikiticker_queries.sql"));
  size_t clickHouseQueries = 0;
  for (const LabelledStatement& piece : pieces) {
    // The @duckdb variants parse too: their functions are plain calls.
    EXPECT_NO_THROW(parseStatement(piece.sql)) << "[" << piece.label << "] " << piece.sql;
    if (piece.label.find("@duckdb") == std::string::npos) ++clickHouseQueries;
  }
  EXPECT_EQ(pieces.size(), 13u);
  EXPECT_EQ(clickHouseQueries, 10u);
}

TEST(ScriptFilesTest, WikitickerSchemaParses) {
  std::vector<StatementPtr> statements;
  ASSERT_NO_THROW(statements = parseStatements(readDataFile("wikiticker_schema.clickhouse.sql")));
  ASSERT_EQ(statements.size(), 4u);
  const auto& create = statements[3]->as<CreateTableStatement>();
  EXPECT_EQ(create.engine, "MergeTree");
  ASSERT_NE(create.partitionBy, nullptr);
  EXPECT_EQ(create.partitionBy->toString(), "toYYYYMM(time)");
  ASSERT_EQ(create.orderBy.size(), 2u);
  EXPECT_EQ(create.orderBy[1]->toString(), "channel");
  EXPECT_EQ(create.columns[3].type.text, "Nullable(String)");
  EXPECT_TRUE(create.columns[3].type.type.nullable);
  EXPECT_EQ(statements[2]->as<CreateTableStatement>().engine, "Memory");
}

TEST(ScriptFilesTest, WikitickerFinishParses) {
  std::vector<StatementPtr> statements;
  ASSERT_NO_THROW(statements = parseStatements(readDataFile("wikiticker_finish.clickhouse.sql")));
  ASSERT_EQ(statements.size(), 3u);
  const auto& insert = statements[0]->as<InsertStatement>();
  EXPECT_EQ(insert.source, InsertSource::kSelect);
  ASSERT_NE(insert.select, nullptr);
  EXPECT_EQ(insert.select->items.size(), 21u);
  EXPECT_EQ(insert.select->items[1].expr->toString(), "toUInt16(substring(time, 21, 3))");
  EXPECT_EQ(statements[1]->kind, StatementKind::kDropTable);
  EXPECT_TRUE(statements[2]->as<OptimizeTableStatement>().final);
}

}  // namespace
}  // namespace furl::sql
