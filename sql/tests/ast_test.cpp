#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace furl::sql {
namespace {

std::string printed(std::string_view sql) { return parseExpression(sql)->toString(); }

TEST(AstToStringTest, ClickHouseColumnNames) {
  EXPECT_EQ(printed("count(*)"), "count()");
  EXPECT_EQ(printed("COUNT(*)"), "COUNT()");
  EXPECT_EQ(printed("sum(added)"), "sum(added)");
  EXPECT_EQ(printed("count(DISTINCT user)"), "count(DISTINCT user)");
  EXPECT_EQ(printed("a+b"), "a + b");
  EXPECT_EQ(printed("quantile(0.5)(x)"), "quantile(0.5)(x)");
  EXPECT_EQ(printed("'it''s'"), "'it\\'s'");
  EXPECT_EQ(printed("1.5"), "1.5");
  EXPECT_EQ(printed("1e3"), "1000.");
  EXPECT_EQ(printed("NULL"), "NULL");
  EXPECT_EQ(printed("true"), "true");
  EXPECT_EQ(printed("\"Page Title\""), "`Page Title`");
  EXPECT_EQ(printed("t.x"), "t.x");
}

TEST(AstToStringTest, ParenthesesOnlyWherePrecedenceNeedsThem) {
  EXPECT_EQ(printed("(a + b) * c"), "(a + b) * c");
  EXPECT_EQ(printed("a + (b * c)"), "a + b * c");
  EXPECT_EQ(printed("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(printed("(a - b) - c"), "a - b - c");
  EXPECT_EQ(printed("(a OR b) AND c"), "(a OR b) AND c");
  EXPECT_EQ(printed("NOT (a AND b)"), "NOT (a AND b)");
  EXPECT_EQ(printed("-(a + b)"), "-(a + b)");
  EXPECT_EQ(printed("-(-a)"), "-(-a)");
  EXPECT_EQ(printed("(-1)::Int8"), "(-1)::Int8");
  EXPECT_EQ(printed("(a || b) + 1"), "(a || b) + 1");
  EXPECT_EQ(printed("(a = b) = c"), "a = b = c");
  EXPECT_EQ(printed("a = (b = c)"), "a = (b = c)");
}

TEST(AstToStringTest, OtherNodes) {
  EXPECT_EQ(printed("x IS NOT NULL"), "x IS NOT NULL");
  EXPECT_EQ(printed("x not between 1 and 2"), "x NOT BETWEEN 1 AND 2");
  EXPECT_EQ(printed("x in (1, 2)"), "x IN (1, 2)");
  EXPECT_EQ(printed("x not in (select y from t)"), "x NOT IN (SELECT y FROM t)");
  EXPECT_EQ(printed("x not like 'a%'"), "x NOT LIKE 'a%'");
  EXPECT_EQ(printed("case when a then 1 else 2 end"), "CASE WHEN a THEN 1 ELSE 2 END");
  EXPECT_EQ(printed("CAST(x AS bigint)"), "CAST(x AS Int64)");
  EXPECT_EQ(printed("cast(x, 'String')"), "CAST(x, 'String')");
  EXPECT_EQ(printed("x::text"), "x::String");
  EXPECT_EQ(printed("date '2020-01-01'"), "DATE '2020-01-01'");
  EXPECT_EQ(printed("extract(minute from t)"), "EXTRACT(MINUTE FROM t)");
  EXPECT_EQ(printed("interval 1 day"), "INTERVAL 1 DAY");
  EXPECT_EQ(printed("(1, 2)"), "(1, 2)");
  EXPECT_EQ(printed("[1, 2]"), "[1, 2]");
  EXPECT_EQ(printed("a div b mod c"), "a DIV b % c");
  EXPECT_EQ(printed("18446744073709551615"), "18446744073709551615");
}

TEST(AstToStringTest, PrintedExpressionsParseBack) {
  const std::vector<std::string_view> expressions = {
      "a + b * c - d / e % f",
      "NOT a = 1 OR b IS NULL AND c NOT BETWEEN 1 AND 2 + 3",
      "-x::Int64 * -(y + 1)",
      "a || b || (c || d)",
      "CASE x WHEN 1 THEN 'a' ELSE NULL END || 'z'",
      "x IN (1, -2, 3.5) AND y NOT ILIKE '%Q\\_%'",
      "(SELECT max(x) FROM t WHERE y > 0) + 1",
      "`weird name` + \"also weird\"",
      "EXTRACT(YEAR FROM d) - 2000 >= INTERVAL 1 YEAR",
  };
  for (std::string_view sql : expressions) {
    std::string once = printed(sql);
    EXPECT_EQ(printed(once), once) << sql;
  }
}

TEST(AstCloneTest, DeepCopyPrintsTheSame) {
  StatementPtr statement = parseStatement(
      "WITH 1 AS one SELECT DISTINCT a + one AS x, count(*) FROM (SELECT a FROM t) AS s "
      "WHERE a IN (SELECT b FROM u) AND CASE WHEN a THEN 1 END = 1 GROUP BY a HAVING count() > 1 "
      "ORDER BY x DESC NULLS LAST LIMIT 3 OFFSET 1 UNION ALL SELECT 1, 2");
  const SelectQuery& query = *statement->as<SelectStatement>().query;
  SelectQueryPtr copy = query.clone();
  EXPECT_EQ(copy->toString(), query.toString());
  EXPECT_NE(copy->items[0].expr.get(), query.items[0].expr.get());
  EXPECT_EQ(copy->items[0].expr->position.offset, query.items[0].expr->position.offset);

  ExprPtr expr = parseExpression("quantile(0.9)(x) + INTERVAL 1 DAY");
  EXPECT_EQ(expr->clone()->toString(), expr->toString());
}

TEST(AstCastTest, WrongKindIsLogicalError) {
  ExprPtr expr = parseExpression("a");
  try {
    expr->as<BinaryExpr>();
    FAIL() << "no error";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kLogicalError);
  }
  StatementPtr statement = parseStatement("SHOW TABLES");
  EXPECT_THROW(statement->as<SelectStatement>(), QueryError);
}

TEST(AstNamesTest, StatementKindNames) {
  EXPECT_EQ(statementKindName(StatementKind::kCreateTable), "CREATE TABLE");
  EXPECT_EQ(statementKindName(StatementKind::kShowCreateTable), "SHOW CREATE TABLE");
  EXPECT_EQ(timeUnitName(TimeUnit::kQuarter), "QUARTER");
  EXPECT_EQ(binaryOpName(BinaryOp::kNotILike), "NOT ILIKE");
}

}  // namespace
}  // namespace furl::sql
