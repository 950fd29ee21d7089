#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace furl::sql {
namespace {

// Prints the tree shape as an S-expression, so that tests see grouping
// directly: `a + b * c` is `(+ a (* b c))`.
std::string tree(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kBinary: {
      const auto& binary = expr.as<BinaryExpr>();
      return "(" + std::string(binaryOpName(binary.op)) + " " + tree(*binary.left) + " " + tree(*binary.right) + ")";
    }
    case ExprKind::kUnary: {
      const auto& unary = expr.as<UnaryExpr>();
      return std::string(unary.op == UnaryOp::kNot ? "(NOT " : "(NEG ") + tree(*unary.operand) + ")";
    }
    case ExprKind::kIsNull: {
      const auto& isNull = expr.as<IsNullExpr>();
      return std::string(isNull.negated ? "(IS_NOT_NULL " : "(IS_NULL ") + tree(*isNull.operand) + ")";
    }
    case ExprKind::kBetween: {
      const auto& between = expr.as<BetweenExpr>();
      return std::string(between.negated ? "(NOT_BETWEEN " : "(BETWEEN ") + tree(*between.operand) + " " +
             tree(*between.lower) + " " + tree(*between.upper) + ")";
    }
    case ExprKind::kIn: {
      const auto& in = expr.as<InExpr>();
      std::string out = std::string(in.negated ? "(NOT_IN " : "(IN ") + tree(*in.operand);
      for (const ExprPtr& item : in.list) out += " " + tree(*item);
      if (in.subquery) out += " <subquery>";
      return out + ")";
    }
    case ExprKind::kCast: {
      const auto& cast = expr.as<CastExpr>();
      return "(CAST " + tree(*cast.operand) + " " + cast.target.text + ")";
    }
    default:
      return expr.toString();
  }
}

std::string treeOf(std::string_view sql) { return tree(*parseExpression(sql)); }

const SelectQuery& selectOf(const StatementPtr& statement) { return *statement->as<SelectStatement>().query; }

// Returns the QueryError that parsing `sql` throws; fails the test if none is thrown.
QueryError errorOf(std::string_view sql) {
  try {
    parseStatements(sql);
  } catch (const QueryError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for: " << sql;
  return QueryError(ErrorCode::kOk, "");
}

// ---------------------------------------------------------------------------
// Precedence and associativity

TEST(ParserPrecedenceTest, ArithmeticBindsTighterThanComparison) {
  EXPECT_EQ(treeOf("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(treeOf("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(treeOf("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(treeOf("a / b * c"), "(* (/ a b) c)");
  EXPECT_EQ(treeOf("a % b DIV c MOD d"), "(% (DIV (% a b) c) d)");
  EXPECT_EQ(treeOf("a + b = c * d"), "(= (+ a b) (* c d))");
  EXPECT_EQ(treeOf("(a + b) * c"), "(* (+ a b) c)");
}

TEST(ParserPrecedenceTest, LogicalOperators) {
  EXPECT_EQ(treeOf("a OR b AND c"), "(OR a (AND b c))");
  EXPECT_EQ(treeOf("a AND b OR c"), "(OR (AND a b) c)");
  EXPECT_EQ(treeOf("NOT a AND b"), "(AND (NOT a) b)");
  EXPECT_EQ(treeOf("NOT a = b"), "(NOT (= a b))");
  EXPECT_EQ(treeOf("NOT NOT a"), "(NOT (NOT a))");
  EXPECT_EQ(treeOf("a = 1 OR b = 2 AND NOT c < 3"), "(OR (= a 1) (AND (= b 2) (NOT (< c 3))))");
  EXPECT_EQ(treeOf("a AND b AND c"), "(AND (AND a b) c)");
}

TEST(ParserPrecedenceTest, ConcatSitsBetweenComparisonAndAddition) {
  EXPECT_EQ(treeOf("a || b = c"), "(= (|| a b) c)");
  EXPECT_EQ(treeOf("a || b + c"), "(|| a (+ b c))");
  EXPECT_EQ(treeOf("a || b || c"), "(|| (|| a b) c)");
}

TEST(ParserPrecedenceTest, UnaryMinusAndDoubleColon) {
  EXPECT_EQ(treeOf("-a * b"), "(* (NEG a) b)");
  EXPECT_EQ(treeOf("-a::Int8"), "(NEG (CAST a Int8))");
  EXPECT_EQ(treeOf("a::Int64 + 1"), "(+ (CAST a Int64) 1)");
  EXPECT_EQ(treeOf("x::String::Int32"), "(CAST (CAST x String) Int32)");
  EXPECT_EQ(treeOf("- -a"), "(NEG (NEG a))");
  EXPECT_EQ(treeOf("a - -1"), "(- a -1)");
}

TEST(ParserPrecedenceTest, PredicatesBindTighterThanNot) {
  EXPECT_EQ(treeOf("NOT a IS NULL"), "(NOT (IS_NULL a))");
  EXPECT_EQ(treeOf("a + 1 IS NOT NULL"), "(IS_NOT_NULL (+ a 1))");
  EXPECT_EQ(treeOf("a BETWEEN 1 AND 2 AND b"), "(AND (BETWEEN a 1 2) b)");
  EXPECT_EQ(treeOf("a NOT BETWEEN b + 1 AND c * 2"), "(NOT_BETWEEN a (+ b 1) (* c 2))");
  EXPECT_EQ(treeOf("a IN (1, 2) OR b"), "(OR (IN a 1 2) b)");
  EXPECT_EQ(treeOf("a NOT IN (-1, 6)"), "(NOT_IN a -1 6)");
  EXPECT_EQ(treeOf("NOT a IN (1)"), "(NOT (IN a 1))");
  EXPECT_EQ(treeOf("a LIKE 'x%' AND b NOT LIKE 'y'"), "(AND (LIKE a 'x%') (NOT LIKE b 'y'))");
  EXPECT_EQ(treeOf("a ILIKE b || 'x'"), "(ILIKE a (|| b 'x'))");
  EXPECT_EQ(treeOf("a NOT ILIKE 'x'"), "(NOT ILIKE a 'x')");
}

TEST(ParserPrecedenceTest, ComparisonOperatorSpellings) {
  EXPECT_EQ(treeOf("a = b"), "(= a b)");
  EXPECT_EQ(treeOf("a == b"), "(= a b)");
  EXPECT_EQ(treeOf("a != b"), "(!= a b)");
  EXPECT_EQ(treeOf("a <> b"), "(!= a b)");
  EXPECT_EQ(treeOf("a < b"), "(< a b)");
  EXPECT_EQ(treeOf("a <= b"), "(<= a b)");
  EXPECT_EQ(treeOf("a > b"), "(> a b)");
  EXPECT_EQ(treeOf("a >= b"), "(>= a b)");
}

TEST(ParserPrecedenceTest, KeywordsIgnoreCase) {
  EXPECT_EQ(treeOf("a and b or not c"), "(OR (AND a b) (NOT c))");
  EXPECT_EQ(treeOf("a Is Not Null"), "(IS_NOT_NULL a)");
  EXPECT_EQ(treeOf("a between 1 and 2"), "(BETWEEN a 1 2)");
  EXPECT_EQ(treeOf("a div b mod c"), "(% (DIV a b) c)");
}

// ---------------------------------------------------------------------------
// Literals and primary expressions

TEST(ParserExpressionTest, IntegerLiterals) {
  EXPECT_EQ(parseExpression("42")->as<LiteralExpr>().value, Value::int64(42));
  EXPECT_EQ(parseExpression("-1")->as<LiteralExpr>().value, Value::int64(-1));
  EXPECT_EQ(parseExpression("0x1F")->as<LiteralExpr>().value, Value::int64(31));

  Value big = parseExpression("18446744073709551615")->as<LiteralExpr>().value;
  EXPECT_EQ(big.type(), TypeId::kUInt64);
  EXPECT_EQ(big.asUInt64(), 18446744073709551615ull);

  Value justAboveInt64 = parseExpression("9223372036854775808")->as<LiteralExpr>().value;
  EXPECT_EQ(justAboveInt64.type(), TypeId::kUInt64);

  Value minInt64 = parseExpression("-9223372036854775808")->as<LiteralExpr>().value;
  EXPECT_EQ(minInt64.type(), TypeId::kInt64);
  EXPECT_EQ(minInt64.asInt64(), INT64_MIN);

  Value tooBig = parseExpression("18446744073709551616")->as<LiteralExpr>().value;
  EXPECT_EQ(tooBig.type(), TypeId::kFloat64);
  EXPECT_DOUBLE_EQ(tooBig.asDouble(), 18446744073709551616.0);
}

TEST(ParserExpressionTest, FloatLiterals) {
  EXPECT_DOUBLE_EQ(parseExpression("1.5")->as<LiteralExpr>().value.asDouble(), 1.5);
  EXPECT_DOUBLE_EQ(parseExpression(".5")->as<LiteralExpr>().value.asDouble(), 0.5);
  EXPECT_DOUBLE_EQ(parseExpression("1e3")->as<LiteralExpr>().value.asDouble(), 1000.0);
  EXPECT_DOUBLE_EQ(parseExpression("2.5E-1")->as<LiteralExpr>().value.asDouble(), 0.25);
  EXPECT_DOUBLE_EQ(parseExpression("-1.5")->as<LiteralExpr>().value.asDouble(), -1.5);
  EXPECT_EQ(parseExpression("1.")->as<LiteralExpr>().value.type(), TypeId::kFloat64);
}

TEST(ParserExpressionTest, StringLiteralsDecodeEscapes) {
  EXPECT_EQ(parseExpression("'it''s'")->as<LiteralExpr>().value.asString(), "it's");
  EXPECT_EQ(parseExpression(R"('it\'s')")->as<LiteralExpr>().value.asString(), "it's");
  EXPECT_EQ(parseExpression(R"('a\nb\tc')")->as<LiteralExpr>().value.asString(), "a\nb\tc");
  EXPECT_EQ(parseExpression(R"('back\\slash')")->as<LiteralExpr>().value.asString(), "back\\slash");
  EXPECT_EQ(parseExpression(R"('\x41')")->as<LiteralExpr>().value.asString(), "A");
  // Unknown escapes keep their backslash for regular expressions and LIKE.
  EXPECT_EQ(parseExpression(R"('www\.(x)\1')")->as<LiteralExpr>().value.asString(), R"(www\.(x)\1)");
  EXPECT_EQ(parseExpression(R"('100\%')")->as<LiteralExpr>().value.asString(), R"(100\%)");
  EXPECT_EQ(parseExpression("''")->as<LiteralExpr>().value.asString(), "");
}

TEST(ParserExpressionTest, NullAndBooleans) {
  EXPECT_TRUE(parseExpression("NULL")->as<LiteralExpr>().value.isNull());
  EXPECT_TRUE(parseExpression("null")->as<LiteralExpr>().value.isNull());
  EXPECT_EQ(parseExpression("TRUE")->as<LiteralExpr>().value, Value::boolean(true));
  EXPECT_EQ(parseExpression("false")->as<LiteralExpr>().value, Value::boolean(false));
}

TEST(ParserExpressionTest, Identifiers) {
  EXPECT_EQ(parseExpression("page")->as<ColumnRefExpr>().name(), "page");
  EXPECT_EQ(parseExpression("\"Page Title\"")->as<ColumnRefExpr>().name(), "Page Title");
  EXPECT_EQ(parseExpression("`select`")->as<ColumnRefExpr>().name(), "select");
  EXPECT_EQ(parseExpression("\"a\"\"b\"")->as<ColumnRefExpr>().name(), "a\"b");

  ExprPtr qualifiedNode = parseExpression("t.page");
  const auto& qualified = qualifiedNode->as<ColumnRefExpr>();
  ASSERT_EQ(qualified.parts.size(), 2u);
  EXPECT_EQ(qualified.parts[0], "t");
  EXPECT_EQ(qualified.parts[1], "page");
  EXPECT_EQ(parseExpression("db.t.\"x\"")->as<ColumnRefExpr>().parts.size(), 3u);

  // Identifiers keep their case; words that are keywords elsewhere still name columns.
  EXPECT_EQ(parseExpression("CounterID")->as<ColumnRefExpr>().name(), "CounterID");
  EXPECT_EQ(parseExpression("user")->as<ColumnRefExpr>().name(), "user");
  EXPECT_EQ(parseExpression("time")->as<ColumnRefExpr>().name(), "time");
  EXPECT_EQ(parseExpression("date")->as<ColumnRefExpr>().name(), "date");
}

TEST(ParserExpressionTest, FunctionCalls) {
  ExprPtr countNode = parseExpression("count(*)");
  const auto& count = countNode->as<FunctionExpr>();
  EXPECT_EQ(count.name, "count");
  EXPECT_TRUE(count.starArgument);
  EXPECT_TRUE(count.args.empty());

  ExprPtr distinctNode = parseExpression("COUNT(DISTINCT UserID)");
  const auto& distinct = distinctNode->as<FunctionExpr>();
  EXPECT_EQ(distinct.name, "COUNT");
  EXPECT_TRUE(distinct.distinct);
  ASSERT_EQ(distinct.args.size(), 1u);

  ExprPtr noArgsNode = parseExpression("now()");
  const auto& noArgs = noArgsNode->as<FunctionExpr>();
  EXPECT_TRUE(noArgs.args.empty());
  EXPECT_FALSE(noArgs.starArgument);

  ExprPtr quantileNode = parseExpression("quantile(0.5)(x)");
  const auto& quantile = quantileNode->as<FunctionExpr>();
  EXPECT_TRUE(quantile.hasParameters);
  ASSERT_EQ(quantile.parameters.size(), 1u);
  ASSERT_EQ(quantile.args.size(), 1u);
  EXPECT_EQ(quantile.args[0]->toString(), "x");

  // Reserved words work as function names when a '(' follows.
  EXPECT_EQ(parseExpression("left(s, 3)")->as<FunctionExpr>().name, "left");
  EXPECT_EQ(parseExpression("if(a, 1, 2)")->as<FunctionExpr>().args.size(), 3u);
  EXPECT_EQ(parseExpression("\"count\"(x)")->as<FunctionExpr>().name, "count");
}

TEST(ParserExpressionTest, CaseExpressions) {
  ExprPtr searchedNode = parseExpression("CASE WHEN a = 1 THEN 'x' WHEN a = 2 THEN 'y' ELSE 'z' END");
  const auto& searched = searchedNode->as<CaseExpr>();
  EXPECT_EQ(searched.operand, nullptr);
  ASSERT_EQ(searched.whens.size(), 2u);
  EXPECT_EQ(searched.whens[1].condition->toString(), "a = 2");
  ASSERT_NE(searched.elseResult, nullptr);

  ExprPtr simpleNode = parseExpression("case (a) when 1 then 'one' end");
  const auto& simple = simpleNode->as<CaseExpr>();
  ASSERT_NE(simple.operand, nullptr);
  EXPECT_EQ(simple.operand->toString(), "a");
  EXPECT_EQ(simple.elseResult, nullptr);
}

TEST(ParserExpressionTest, CastForms) {
  ExprPtr castAsNode = parseExpression("CAST(x AS Nullable(String))");
  const auto& castAs = castAsNode->as<CastExpr>();
  EXPECT_EQ(castAs.syntax, CastSyntax::kCastAs);
  EXPECT_EQ(castAs.target.type, DataType(TypeId::kString, true));

  ExprPtr castFunctionNode = parseExpression("cast(x, 'DateTime64(3)')");
  const auto& castFunction = castFunctionNode->as<CastExpr>();
  EXPECT_EQ(castFunction.syntax, CastSyntax::kCastFunction);
  EXPECT_EQ(castFunction.target.type, DataType(TypeId::kDateTime64));

  ExprPtr doubleColonNode = parseExpression("x::BIGINT");
  const auto& doubleColon = doubleColonNode->as<CastExpr>();
  EXPECT_EQ(doubleColon.syntax, CastSyntax::kDoubleColon);
  EXPECT_EQ(doubleColon.target.type, DataType(TypeId::kInt64));

  ExprPtr dateNode = parseExpression("DATE '2015-09-12'");
  const auto& date = dateNode->as<CastExpr>();
  EXPECT_EQ(date.syntax, CastSyntax::kTypedLiteral);
  EXPECT_EQ(date.target.type, DataType(TypeId::kDate));
  EXPECT_EQ(date.operand->as<LiteralExpr>().value.asString(), "2015-09-12");

  ExprPtr timestampNode = parseExpression("TIMESTAMP '2015-09-12 00:00:00'");
  const auto& timestamp = timestampNode->as<CastExpr>();
  EXPECT_EQ(timestamp.target.type, DataType(TypeId::kDateTime64));
}

TEST(ParserExpressionTest, CastWithUnknownTypeNamesIt) {
  try {
    parseExpression("cast(x, 'Strng')");
    FAIL() << "no error";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnknownType);
    EXPECT_NE(std::string(error.what()).find("'Strng'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("'String'"), std::string::npos) << error.what();
    EXPECT_EQ(error.position().column, 9u);
  }
}

TEST(ParserExpressionTest, ExtractAndInterval) {
  ExprPtr extractNode = parseExpression("extract(minute FROM EventTime)");
  const auto& extract = extractNode->as<ExtractExpr>();
  EXPECT_EQ(extract.part, TimeUnit::kMinute);
  EXPECT_EQ(extract.operand->toString(), "EventTime");

  // ClickHouse's extract(haystack, pattern) stays a function.
  EXPECT_EQ(parseExpression("extract(url, 'x=(\\d+)')")->kind, ExprKind::kFunction);
  EXPECT_EQ(parseExpression("EXTRACT(DOW FROM d)")->as<ExtractExpr>().part, TimeUnit::kDayOfWeek);

  ExprPtr intervalNode = parseExpression("INTERVAL 3 DAY");
  const auto& interval = intervalNode->as<IntervalExpr>();
  EXPECT_EQ(interval.unit, TimeUnit::kDay);
  EXPECT_EQ(interval.value->as<LiteralExpr>().value, Value::int64(3));

  ExprPtr quotedNode = parseExpression("INTERVAL '2' HOURS");
  const auto& quoted = quotedNode->as<IntervalExpr>();
  EXPECT_EQ(quoted.unit, TimeUnit::kHour);
  EXPECT_EQ(quoted.value->as<LiteralExpr>().value, Value::int64(2));

  ExprPtr combinedNode = parseExpression("interval '15 minutes'");
  const auto& combined = combinedNode->as<IntervalExpr>();
  EXPECT_EQ(combined.unit, TimeUnit::kMinute);
  EXPECT_EQ(combined.value->as<LiteralExpr>().value, Value::int64(15));

  EXPECT_EQ(treeOf("t + INTERVAL 1 MONTH - INTERVAL 1 DAY"), "(- (+ t INTERVAL 1 MONTH) INTERVAL 1 DAY)");
}

TEST(ParserExpressionTest, StandardSubstringForms) {
  EXPECT_EQ(parseExpression("SUBSTRING(s FROM 2 FOR 3)")->toString(), "substring(s, 2, 3)");
  EXPECT_EQ(parseExpression("substring(s from a + 1)")->toString(), "substring(s, a + 1)");
  EXPECT_EQ(parseExpression("SUBSTRING(s FOR 4)")->toString(), "substring(s, 1, 4)");
  EXPECT_EQ(parseExpression("SUBSTRING(f(x, y) FROM 2)")->toString(), "substring(f(x, y), 2)");
  // The ClickHouse spelling is an ordinary call.
  EXPECT_EQ(parseExpression("substring(s, 2, 3)")->toString(), "substring(s, 2, 3)");
  EXPECT_EQ(errorOf("SELECT SUBSTRING(s FROM 2, 3)").code(), ErrorCode::kSyntaxError);
}

TEST(ParserExpressionTest, StandardPositionForm) {
  EXPECT_EQ(parseExpression("POSITION('l' IN 'hello')")->toString(), "position('hello', 'l')");
  EXPECT_EQ(parseExpression("position(a || b IN s)")->toString(), "position(s, a || b)");
  EXPECT_EQ(parseExpression("position(s, 'x')")->toString(), "position(s, 'x')");
  // IN inside a nested call or CASE belongs to that expression.
  EXPECT_EQ(parseExpression("position(f(x IN (1, 2)), 'x')")->as<FunctionExpr>().args.size(), 2u);
  EXPECT_EQ(parseExpression("position(CASE WHEN x IN (1) THEN 'a' END IN s)")->as<FunctionExpr>().args.size(),
            2u);
}

TEST(ParserExpressionTest, StandardTrimForms) {
  EXPECT_EQ(parseExpression("TRIM(BOTH 'x' FROM s)")->toString(), "trimBoth(s, 'x')");
  EXPECT_EQ(parseExpression("TRIM(LEADING FROM s)")->toString(), "trimLeft(s)");
  EXPECT_EQ(parseExpression("trim(trailing '-' from s)")->toString(), "trimRight(s, '-')");
  EXPECT_EQ(parseExpression("TRIM('ab' FROM s)")->toString(), "trimBoth(s, 'ab')");
  EXPECT_EQ(parseExpression("TRIM(FROM s)")->toString(), "trimBoth(s)");
  EXPECT_EQ(parseExpression("trim(s)")->toString(), "trim(s)");
  EXPECT_EQ(errorOf("SELECT TRIM(LEADING 'x' s)").code(), ErrorCode::kSyntaxError);
}

TEST(ParserExpressionTest, InfAndNanLiterals) {
  Value inf = parseExpression("inf")->as<LiteralExpr>().value;
  ASSERT_EQ(inf.type(), TypeId::kFloat64);
  EXPECT_TRUE(std::isinf(inf.asDouble()));
  EXPECT_GT(inf.asDouble(), 0);
  EXPECT_LT(parseExpression("-INF")->as<LiteralExpr>().value.asDouble(), 0);
  EXPECT_TRUE(std::isnan(parseExpression("nan")->as<LiteralExpr>().value.asDouble()));
  // A column of that name must be quoted or qualified.
  EXPECT_EQ(parseExpression("\"nan\"")->kind, ExprKind::kColumnRef);
  EXPECT_EQ(parseExpression("t.inf")->kind, ExprKind::kColumnRef);
  EXPECT_EQ(parseExpression("nan(1)")->kind, ExprKind::kFunction);
}

TEST(ParserExpressionTest, SubqueriesTuplesAndArrays) {
  ExprPtr inNode = parseExpression("x IN (SELECT id FROM t)");
  const auto& in = inNode->as<InExpr>();
  ASSERT_NE(in.subquery, nullptr);
  EXPECT_TRUE(in.list.empty());
  EXPECT_EQ(in.subquery->from->name.table, "t");

  EXPECT_EQ(parseExpression("(SELECT max(x) FROM t)")->kind, ExprKind::kSubquery);
  EXPECT_EQ(parseExpression("EXISTS (SELECT 1)")->kind, ExprKind::kExists);
  EXPECT_EQ(parseExpression("(1, 'a')")->as<TupleExpr>().elements.size(), 2u);
  EXPECT_EQ(parseExpression("[1, 2, 3]")->as<ArrayExpr>().elements.size(), 3u);
  EXPECT_TRUE(parseExpression("[]")->as<ArrayExpr>().elements.empty());
}

TEST(ParserExpressionTest, PositionsPointAtTokens) {
  ExprPtr expr = parseExpression("a +\n  b * c");
  const auto& plus = expr->as<BinaryExpr>();
  EXPECT_EQ(plus.position.line, 1u);
  EXPECT_EQ(plus.position.column, 3u);
  EXPECT_EQ(plus.left->position.column, 1u);
  const auto& times = plus.right->as<BinaryExpr>();
  EXPECT_EQ(times.left->position.line, 2u);
  EXPECT_EQ(times.left->position.column, 3u);
  EXPECT_EQ(times.left->position.offset, 6u);
  EXPECT_EQ(times.position.column, 5u);
}

// ---------------------------------------------------------------------------
// SELECT

TEST(ParserSelectTest, AllClauses) {
  StatementPtr statement = parseStatement(
      "SELECT DISTINCT page, count(*) AS edits FROM wikiticker WHERE added > 0 GROUP BY page "
      "HAVING count(*) > 1 ORDER BY edits DESC, page ASC NULLS FIRST LIMIT 10 OFFSET 5");
  const SelectQuery& query = selectOf(statement);
  EXPECT_TRUE(query.distinct);
  ASSERT_EQ(query.items.size(), 2u);
  EXPECT_EQ(query.items[0].alias, "");
  EXPECT_EQ(query.items[1].alias, "edits");
  ASSERT_NE(query.from, nullptr);
  EXPECT_EQ(query.from->kind, TableRefKind::kTable);
  EXPECT_EQ(query.from->name.table, "wikiticker");
  EXPECT_EQ(query.where->toString(), "added > 0");
  ASSERT_EQ(query.groupBy.size(), 1u);
  EXPECT_EQ(query.having->toString(), "count() > 1");
  ASSERT_EQ(query.orderBy.size(), 2u);
  EXPECT_TRUE(query.orderBy[0].descending);
  EXPECT_FALSE(query.orderBy[1].descending);
  EXPECT_EQ(query.orderBy[0].nulls, NullsOrder::kDefault);
  EXPECT_EQ(query.orderBy[1].nulls, NullsOrder::kFirst);
  EXPECT_EQ(query.limit, 10u);
  EXPECT_EQ(query.offset, 5u);
}

TEST(ParserSelectTest, AliasesWithAndWithoutAs) {
  StatementPtr queryStatement = parseStatement("SELECT a x, b AS y, c \"Z z\", count(*) AS rows FROM t");
  const SelectQuery& query = selectOf(queryStatement);
  EXPECT_EQ(query.items[0].alias, "x");
  EXPECT_EQ(query.items[1].alias, "y");
  EXPECT_EQ(query.items[2].alias, "Z z");
  EXPECT_EQ(query.items[3].alias, "rows");
}

TEST(ParserSelectTest, StarForms) {
  StatementPtr queryStatement = parseStatement("SELECT *, t.*, * EXCEPT (a, b) FROM t");
  const SelectQuery& query = selectOf(queryStatement);
  ASSERT_EQ(query.items.size(), 3u);
  EXPECT_EQ(query.items[0].expr->as<StarExpr>().qualifier, "");
  EXPECT_EQ(query.items[1].expr->as<StarExpr>().qualifier, "t");
  EXPECT_EQ(query.items[2].expr->as<StarExpr>().excluded.size(), 2u);
}

TEST(ParserSelectTest, FromSubqueryAndTableFunction) {
  StatementPtr subStatement = parseStatement("SELECT x FROM (SELECT 1 AS x) AS s");
  const SelectQuery& sub = selectOf(subStatement);
  EXPECT_EQ(sub.from->kind, TableRefKind::kSubquery);
  EXPECT_EQ(sub.from->alias, "s");
  ASSERT_NE(sub.from->subquery, nullptr);
  EXPECT_EQ(sub.from->subquery->items[0].alias, "x");

  StatementPtr noAsStatement = parseStatement("SELECT x FROM (SELECT 1 AS x) s WHERE x = 1");
  const SelectQuery& noAs = selectOf(noAsStatement);
  EXPECT_EQ(noAs.from->alias, "s");

  StatementPtr functionStatement = parseStatement("SELECT number FROM numbers(10)");
  const SelectQuery& function = selectOf(functionStatement);
  EXPECT_EQ(function.from->kind, TableRefKind::kTableFunction);
  EXPECT_EQ(function.from->function->name, "numbers");

  StatementPtr qualifiedStatement = parseStatement("SELECT 1 FROM db.hits AS h FINAL");
  const SelectQuery& qualified = selectOf(qualifiedStatement);
  EXPECT_EQ(qualified.from->name.database, "db");
  EXPECT_EQ(qualified.from->name.table, "hits");
  EXPECT_EQ(qualified.from->alias, "h");
  EXPECT_TRUE(qualified.from->final);

  EXPECT_EQ(selectOf(parseStatement("SELECT 1")).from, nullptr);
}

TEST(ParserSelectTest, GroupByPositionsAndAll) {
  StatementPtr positionsStatement = parseStatement("SELECT 1, URL, count(*) FROM hits GROUP BY 1, URL");
  const SelectQuery& positions = selectOf(positionsStatement);
  ASSERT_EQ(positions.groupBy.size(), 2u);
  EXPECT_EQ(positions.groupBy[0]->as<LiteralExpr>().value, Value::int64(1));
  EXPECT_TRUE(selectOf(parseStatement("SELECT a, count() FROM t GROUP BY ALL")).groupByAll);
}

TEST(ParserSelectTest, LimitForms) {
  StatementPtr clickHouseStatement = parseStatement("SELECT a FROM t LIMIT 5, 10");
  const SelectQuery& clickHouse = selectOf(clickHouseStatement);
  EXPECT_EQ(clickHouse.limit, 10u);
  EXPECT_EQ(clickHouse.offset, 5u);

  StatementPtr offsetFirstStatement = parseStatement("SELECT a FROM t OFFSET 3 LIMIT 4");
  const SelectQuery& offsetFirst = selectOf(offsetFirstStatement);
  EXPECT_EQ(offsetFirst.limit, 4u);
  EXPECT_EQ(offsetFirst.offset, 3u);

  StatementPtr fetchStatement = parseStatement("SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 7 ROWS ONLY");
  const SelectQuery& fetch = selectOf(fetchStatement);
  EXPECT_EQ(fetch.limit, 7u);
  EXPECT_EQ(fetch.offset, 2u);

  StatementPtr nextStatement = parseStatement("SELECT a FROM t FETCH NEXT ROW ONLY");
  const SelectQuery& next = selectOf(nextStatement);
  EXPECT_EQ(next.limit, 1u);

  StatementPtr allStatement = parseStatement("SELECT a FROM t LIMIT ALL");
  const SelectQuery& all = selectOf(allStatement);
  EXPECT_FALSE(all.limit.has_value());
}

TEST(ParserSelectTest, FormatAndSettings) {
  StatementPtr statement = parseStatement("SELECT 1 SETTINGS max_threads = 4, use_cache = 'x' FORMAT JSONEachRow");
  const auto& select = statement->as<SelectStatement>();
  EXPECT_EQ(select.format, "JSONEachRow");
  ASSERT_EQ(select.settings.size(), 2u);
  EXPECT_EQ(select.settings[0].name, "max_threads");
  EXPECT_EQ(select.settings[0].value, Value::int64(4));
  EXPECT_EQ(select.settings[1].value.asString(), "x");

  StatementPtr reversed = parseStatement("select 1 format TabSeparated settings max_threads = 1;");
  EXPECT_EQ(reversed->format, "TabSeparated");
  EXPECT_EQ(reversed->as<SelectStatement>().settings.size(), 1u);
}

TEST(ParserSelectTest, WithClauseBothForms) {
  StatementPtr queryStatement = parseStatement("WITH top AS (SELECT page FROM w LIMIT 3), 10 AS n SELECT page, n FROM top");
  const SelectQuery& query = selectOf(queryStatement);
  ASSERT_EQ(query.with.size(), 2u);
  EXPECT_EQ(query.with[0].name, "top");
  ASSERT_NE(query.with[0].query, nullptr);
  EXPECT_EQ(query.with[1].name, "n");
  ASSERT_NE(query.with[1].expr, nullptr);
  EXPECT_EQ(query.with[1].expr->toString(), "10");
}

TEST(ParserSelectTest, UnionAll) {
  StatementPtr queryStatement = parseStatement("SELECT 1 AS x UNION ALL SELECT 2 UNION ALL (SELECT 3 ORDER BY 1 LIMIT 1)");
  const SelectQuery& query = selectOf(queryStatement);
  ASSERT_EQ(query.unionAll.size(), 2u);
  EXPECT_EQ(query.unionAll[1]->limit, 1u);

  QueryError error = errorOf("SELECT 1 UNION SELECT 2");
  EXPECT_EQ(error.code(), ErrorCode::kNotImplemented);
}

TEST(ParserSelectTest, PrewhereJoinsWhere) {
  StatementPtr queryStatement = parseStatement("SELECT a FROM t PREWHERE b = 1 WHERE c = 2");
  const SelectQuery& query = selectOf(queryStatement);
  EXPECT_EQ(query.where->toString(), "b = 1 AND c = 2");
}

TEST(ParserSelectTest, CommentsAreSkipped) {
  StatementPtr queryStatement = parseStatement(
      "-- leading comment\nSELECT /* inline /* nested */ comment */ a # ClickHouse comment\nFROM t -- trailing");
  const SelectQuery& query = selectOf(queryStatement);
  EXPECT_EQ(query.items.size(), 1u);
  EXPECT_EQ(query.from->name.table, "t");
}

// ---------------------------------------------------------------------------
// CREATE TABLE

TEST(ParserCreateTableTest, ClickHouseForm) {
  StatementPtr statement = parseStatement(R"(
    CREATE TABLE IF NOT EXISTS analytics.events (
      ts DateTime('UTC') CODEC(Delta, ZSTD(3)),
      ts_ms DateTime64(3, 'UTC') COMMENT 'event time in ms',
      country LowCardinality(Nullable(String)),
      city String NULL DEFAULT 'unknown',
      clicks UInt64 DEFAULT 0,
      price Decimal(10, 2),
      tag FixedString(4)
    ) ENGINE = MergeTree()
    PARTITION BY toYYYYMM(ts)
    ORDER BY (country, ts)
    SAMPLE BY ts
    TTL ts + INTERVAL 1 MONTH DELETE
    SETTINGS index_granularity = 8192
    COMMENT 'the events table')");
  const auto& create = statement->as<CreateTableStatement>();
  EXPECT_TRUE(create.ifNotExists);
  EXPECT_FALSE(create.orReplace);
  EXPECT_EQ(create.table.database, "analytics");
  EXPECT_EQ(create.table.table, "events");
  ASSERT_EQ(create.columns.size(), 7u);

  EXPECT_EQ(create.columns[0].type.type, DataType(TypeId::kDateTime));
  EXPECT_EQ(create.columns[0].type.timeZone, "UTC");
  EXPECT_EQ(create.columns[0].codec, "Delta, ZSTD(3)");
  EXPECT_EQ(create.columns[1].type.type, DataType(TypeId::kDateTime64));
  EXPECT_EQ(create.columns[1].type.precision, 3u);
  EXPECT_EQ(create.columns[1].comment, "event time in ms");
  EXPECT_EQ(create.columns[2].type.type, DataType(TypeId::kString, true));
  EXPECT_TRUE(create.columns[2].type.lowCardinality);
  EXPECT_EQ(create.columns[2].type.text, "LowCardinality(Nullable(String))");
  EXPECT_EQ(create.columns[3].type.type, DataType(TypeId::kString, true));
  EXPECT_EQ(create.columns[3].nullConstraint, NullConstraint::kNull);
  EXPECT_EQ(create.columns[3].defaultKind, DefaultKind::kDefault);
  EXPECT_EQ(create.columns[3].defaultExpr->toString(), "'unknown'");
  EXPECT_EQ(create.columns[4].type.type, DataType(TypeId::kUInt64));
  EXPECT_EQ(create.columns[5].type.type, DataType(TypeId::kFloat64));
  EXPECT_FALSE(create.columns[5].type.note.empty());
  EXPECT_EQ(create.columns[6].type.type, DataType(TypeId::kString));

  EXPECT_EQ(create.engine, "MergeTree");
  EXPECT_TRUE(create.engineArgs.empty());
  EXPECT_EQ(create.partitionBy->toString(), "toYYYYMM(ts)");
  EXPECT_TRUE(create.hasOrderBy);
  ASSERT_EQ(create.orderBy.size(), 2u);
  EXPECT_EQ(create.orderBy[0]->toString(), "country");
  EXPECT_EQ(create.sampleBy->toString(), "ts");
  ASSERT_EQ(create.ttl.size(), 1u);
  EXPECT_EQ(create.ttl[0]->toString(), "ts + INTERVAL 1 MONTH");
  ASSERT_EQ(create.settings.size(), 1u);
  EXPECT_EQ(create.settings[0].value, Value::int64(8192));
  EXPECT_EQ(create.comment, "the events table");
}

TEST(ParserCreateTableTest, OrderByForms) {
  auto orderBy = [](std::string_view clause) {
    StatementPtr statement = parseStatement("CREATE TABLE t (a Int32, b Int32) ENGINE = MergeTree " +
                                            std::string(clause));
    return std::move(statement->as<CreateTableStatement>().orderBy);
  };
  EXPECT_EQ(orderBy("ORDER BY a").size(), 1u);
  EXPECT_EQ(orderBy("ORDER BY (a)").size(), 1u);
  EXPECT_EQ(orderBy("ORDER BY (a, b)").size(), 2u);
  EXPECT_EQ(orderBy("ORDER BY tuple()").size(), 0u);
  EXPECT_EQ(orderBy("ORDER BY tuple(a, b)").size(), 2u);

  StatementPtr noOrder = parseStatement("CREATE TABLE t (a Int32) ENGINE = Memory");
  EXPECT_FALSE(noOrder->as<CreateTableStatement>().hasOrderBy);
  StatementPtr emptyOrder = parseStatement("CREATE TABLE t (a Int32) ENGINE = MergeTree ORDER BY tuple()");
  EXPECT_TRUE(emptyOrder->as<CreateTableStatement>().hasOrderBy);
}

TEST(ParserCreateTableTest, PrimaryKeyForms) {
  auto keyOf = [](std::string_view sql) {
    StatementPtr statement = parseStatement(sql);
    std::string out;
    for (const ExprPtr& key : statement->as<CreateTableStatement>().primaryKey) out += key->toString() + ";";
    return out;
  };
  EXPECT_EQ(keyOf("CREATE TABLE t (a BIGINT NOT NULL, b TEXT, PRIMARY KEY (a))"), "a;");
  EXPECT_EQ(keyOf("CREATE TABLE t (a Int64 PRIMARY KEY, b String)"), "a;");
  EXPECT_EQ(keyOf("CREATE TABLE t (a Int64, b String) ENGINE = MergeTree PRIMARY KEY (a, b) ORDER BY (a, b)"),
            "a;b;");
  EXPECT_EQ(keyOf("CREATE TABLE t (a Int64, b String) ENGINE = MergeTree PRIMARY KEY a"), "a;");

  StatementPtr inlineKey = parseStatement("CREATE TABLE t (a Int64 PRIMARY KEY, b String)");
  EXPECT_TRUE(inlineKey->as<CreateTableStatement>().columns[0].primaryKey);
  EXPECT_FALSE(inlineKey->as<CreateTableStatement>().columns[1].primaryKey);

  EXPECT_EQ(errorOf("CREATE TABLE t (a Int64, PRIMARY KEY (a)) ENGINE = MergeTree PRIMARY KEY a").code(),
            ErrorCode::kSyntaxError);
  EXPECT_EQ(errorOf("CREATE TABLE t (a Int64 PRIMARY KEY, PRIMARY KEY (a))").code(), ErrorCode::kSyntaxError);
}

TEST(ParserCreateTableTest, StandardFormWithoutEngine) {
  StatementPtr statement = parseStatement("create or replace table t (a BIGINT NOT NULL, b TEXT, c VARCHAR(20) NULL)");
  const auto& create = statement->as<CreateTableStatement>();
  EXPECT_TRUE(create.orReplace);
  EXPECT_TRUE(create.engine.empty());
  EXPECT_EQ(create.columns[0].type.type, DataType(TypeId::kInt64));
  // As in ClickHouse, a column is nullable only when declared so.
  EXPECT_EQ(create.columns[1].type.type, DataType(TypeId::kString));
  EXPECT_EQ(create.columns[1].nullConstraint, NullConstraint::kNone);
  EXPECT_EQ(create.columns[2].type.type, DataType(TypeId::kString, true));
  EXPECT_EQ(create.columns[2].type.text, "Nullable(String)");
}

TEST(ParserCreateTableTest, EngineVariants) {
  EXPECT_EQ(parseStatement("CREATE TABLE t (a Int8) ENGINE MergeTree")->as<CreateTableStatement>().engine,
            "MergeTree");
  StatementPtr replacing =
      parseStatement("CREATE TABLE t (a Int8, v UInt32) ENGINE = ReplacingMergeTree(v) ORDER BY a");
  EXPECT_EQ(replacing->as<CreateTableStatement>().engineArgs.size(), 1u);
}

TEST(ParserCreateTableTest, RejectsNotNullOnNullableType) {
  QueryError error = errorOf("CREATE TABLE t (a Nullable(Int32) NOT NULL)");
  EXPECT_EQ(error.code(), ErrorCode::kSyntaxError);
  EXPECT_NE(std::string(error.what()).find("Nullable(Int32)"), std::string::npos) << error.what();
}

// ---------------------------------------------------------------------------
// INSERT

TEST(ParserInsertTest, Values) {
  StatementPtr statement = parseStatement("INSERT INTO t (a, b) VALUES (1, 'x'), (-2, NULL) (3, now())");
  const auto& insert = statement->as<InsertStatement>();
  EXPECT_EQ(insert.table.table, "t");
  ASSERT_EQ(insert.columns.size(), 2u);
  EXPECT_EQ(insert.columns[1], "b");
  EXPECT_EQ(insert.source, InsertSource::kValues);
  ASSERT_EQ(insert.rows.size(), 3u);
  EXPECT_EQ(insert.rows[1][0]->as<LiteralExpr>().value, Value::int64(-2));
  EXPECT_TRUE(insert.rows[1][1]->as<LiteralExpr>().value.isNull());
  EXPECT_EQ(insert.rows[2][1]->kind, ExprKind::kFunction);
}

TEST(ParserInsertTest, FormatReturnsDataOffset) {
  std::string sql = "INSERT INTO wikiticker FORMAT JSONEachRow\n{\"page\": \"it's \\\"x\\\"\"}\n{\"page\": 'y}";
  StatementPtr statement = parseStatement(sql);
  const auto& insert = statement->as<InsertStatement>();
  EXPECT_EQ(insert.source, InsertSource::kFormat);
  EXPECT_EQ(insert.insertFormat, "JSONEachRow");
  EXPECT_EQ(insert.dataOffset, sql.find('{'));

  std::string sameLine = "insert into t format CSV 1,2\n3,4";
  EXPECT_EQ(parseStatement(sameLine)->as<InsertStatement>().dataOffset, sameLine.find('1'));

  std::string crlf = "INSERT INTO t (a) FORMAT TabSeparated  \r\n\tx\n";
  EXPECT_EQ(parseStatement(crlf)->as<InsertStatement>().dataOffset, crlf.find('\t'));

  std::string noData = "INSERT INTO t FORMAT JSONEachRow";
  EXPECT_EQ(parseStatement(noData)->as<InsertStatement>().dataOffset, noData.size());
}

TEST(ParserInsertTest, FormatEndsScript) {
  std::string sql = "CREATE TABLE t (a Int32); INSERT INTO t FORMAT CSV\n1\n2; DROP TABLE t; 'unterminated";
  std::vector<StatementPtr> statements = parseStatements(sql);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1]->as<InsertStatement>().dataOffset, sql.find("1\n2"));
}

TEST(ParserInsertTest, ValuesWithoutRowsMeansValuesFormat) {
  std::string sql = "INSERT INTO t VALUES";
  StatementPtr insertNode = parseStatement(sql);
  const auto& insert = insertNode->as<InsertStatement>();
  EXPECT_EQ(insert.source, InsertSource::kFormat);
  EXPECT_EQ(insert.insertFormat, "Values");
  EXPECT_EQ(insert.dataOffset, sql.size());
}

TEST(ParserInsertTest, Select) {
  StatementPtr statement = parseStatement("INSERT INTO TABLE t SELECT a, b FROM u WHERE a > 1");
  const auto& insert = statement->as<InsertStatement>();
  EXPECT_EQ(insert.source, InsertSource::kSelect);
  ASSERT_NE(insert.select, nullptr);
  EXPECT_EQ(insert.select->items.size(), 2u);

  StatementPtr withColumns = parseStatement("INSERT INTO t (a) (SELECT 1)");
  EXPECT_EQ(withColumns->as<InsertStatement>().source, InsertSource::kSelect);
}

// ---------------------------------------------------------------------------
// Other statements

TEST(ParserStatementTest, DropTable) {
  StatementPtr dropNode = parseStatement("DROP TABLE IF EXISTS db.t");
  const auto& drop = dropNode->as<DropTableStatement>();
  EXPECT_TRUE(drop.ifExists);
  EXPECT_EQ(drop.table.toString(), "db.t");
  EXPECT_FALSE(parseStatement("drop table t")->as<DropTableStatement>().ifExists);
}

TEST(ParserStatementTest, ShowStatements) {
  EXPECT_EQ(parseStatement("SHOW TABLES")->kind, StatementKind::kShowTables);
  StatementPtr likeNode = parseStatement("SHOW TABLES FROM db LIKE 'wiki%' FORMAT JSON");
  const auto& like = likeNode->as<ShowTablesStatement>();
  EXPECT_EQ(like.database, "db");
  EXPECT_TRUE(like.hasLike);
  EXPECT_EQ(like.likePattern, "wiki%");
  EXPECT_EQ(like.format, "JSON");
  EXPECT_EQ(parseStatement("SHOW DATABASES")->kind, StatementKind::kShowDatabases);
  EXPECT_EQ(parseStatement("SHOW CREATE TABLE t")->as<ShowCreateTableStatement>().table.table, "t");
  EXPECT_EQ(parseStatement("show create t")->as<ShowCreateTableStatement>().table.table, "t");
}

TEST(ParserStatementTest, DescribeAndExists) {
  EXPECT_EQ(parseStatement("DESCRIBE TABLE t")->as<DescribeStatement>().table.table, "t");
  EXPECT_EQ(parseStatement("describe t")->as<DescribeStatement>().table.table, "t");
  EXPECT_EQ(parseStatement("DESC db.t FORMAT TSV")->as<DescribeStatement>().table.database, "db");
  EXPECT_EQ(parseStatement("EXISTS TABLE t")->as<ExistsTableStatement>().table.table, "t");
  EXPECT_EQ(parseStatement("exists t")->as<ExistsTableStatement>().table.table, "t");
}

TEST(ParserStatementTest, UseSetOptimizeTruncate) {
  EXPECT_EQ(parseStatement("USE analytics")->as<UseStatement>().database, "analytics");

  StatementPtr setNode = parseStatement("SET max_threads = 8, output_format_json_quote_64bit_integers = 0, "
                                   "enable = true, mode = fast");
  const auto& set = setNode->as<SetStatement>();
  ASSERT_EQ(set.settings.size(), 4u);
  EXPECT_EQ(set.settings[0].value, Value::int64(8));
  EXPECT_EQ(set.settings[2].value, Value::boolean(true));
  EXPECT_EQ(set.settings[3].value.asString(), "fast");

  EXPECT_TRUE(parseStatement("OPTIMIZE TABLE t FINAL")->as<OptimizeTableStatement>().final);
  EXPECT_TRUE(parseStatement("TRUNCATE TABLE IF EXISTS t")->as<TruncateTableStatement>().ifExists);
}

TEST(ParserStatementTest, ScriptsSplitAtSemicolons) {
  std::vector<StatementPtr> statements =
      parseStatements(";; SELECT ';' AS s; -- comment ; here\nSHOW TABLES;\n/* ; */ DESC t;;");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0]->kind, StatementKind::kSelect);
  EXPECT_EQ(statements[1]->kind, StatementKind::kShowTables);
  EXPECT_EQ(statements[2]->kind, StatementKind::kDescribe);
  EXPECT_TRUE(parseStatements("  -- nothing\n").empty());
}

// ---------------------------------------------------------------------------
// Errors

TEST(ParserErrorTest, MissingFromNamesExpectedAndFound) {
  QueryError error = errorOf("SELECT a b c");
  EXPECT_EQ(error.code(), ErrorCode::kSyntaxError);
  EXPECT_STREQ(error.what(),
               "Syntax error at line 1, column 12: expected ',', FROM or end of query after 'SELECT a b', found 'c'");
  EXPECT_EQ(error.position().line, 1u);
  EXPECT_EQ(error.position().column, 12u);
  EXPECT_EQ(error.position().offset, 11u);
}

TEST(ParserErrorTest, MisspelledStatementSuggestsKeyword) {
  QueryError error = errorOf("SELEC count(*) FROM hits");
  EXPECT_EQ(error.code(), ErrorCode::kSyntaxError);
  std::string message = error.what();
  EXPECT_NE(message.find("line 1, column 1"), std::string::npos) << message;
  EXPECT_NE(message.find("found 'SELEC'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean SELECT?"), std::string::npos) << message;
}

TEST(ParserErrorTest, MisspelledClauseKeyword) {
  QueryError error = errorOf("SELECT count(*) FROM hits WHER x = 1");
  std::string message = error.what();
  // `WHER` is read as the table alias, so the error is at `x`.
  EXPECT_EQ(error.position().column, 32u) << message;
  EXPECT_NE(message.find("expected WHERE, GROUP BY, ORDER BY, LIMIT or end of query"), std::string::npos)
      << message;
}

TEST(ParserErrorTest, ErrorOnLaterLine) {
  QueryError error = errorOf("SELECT a,\n       b\nFROM t\nWHERE a = ");
  EXPECT_EQ(error.position().line, 4u);
  EXPECT_EQ(error.position().column, 11u);
  EXPECT_NE(std::string(error.what()).find("expected an expression after"), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find("found end of query"), std::string::npos) << error.what();
}

TEST(ParserErrorTest, ColumnsCountCharactersNotBytes) {
  QueryError error = errorOf("SELECT 'héllo' 'x'");
  EXPECT_EQ(error.position().column, 16u);
  EXPECT_EQ(error.position().offset, 16u);
}

TEST(ParserErrorTest, LexerErrors) {
  QueryError unterminated = errorOf("SELECT 'abc");
  EXPECT_EQ(unterminated.code(), ErrorCode::kSyntaxError);
  EXPECT_EQ(unterminated.position().column, 8u);
  EXPECT_NE(std::string(unterminated.what()).find("unterminated string literal"), std::string::npos);

  QueryError comment = errorOf("SELECT 1 /* open");
  EXPECT_NE(std::string(comment.what()).find("unterminated comment"), std::string::npos) << comment.what();

  QueryError character = errorOf("SELECT a ? b");
  EXPECT_NE(std::string(character.what()).find("unexpected character '?'"), std::string::npos) << character.what();

  QueryError number = errorOf("SELECT 1abc");
  EXPECT_NE(std::string(number.what()).find("invalid number '1abc'"), std::string::npos) << number.what();
}

TEST(ParserErrorTest, MoreErrorMessages) {
  auto messageOf = [](std::string_view sql) { return std::string(errorOf(sql).what()); };
  EXPECT_NE(messageOf("SELECT FROM t").find("expected an expression after 'SELECT', found 'FROM'"),
            std::string::npos);
  EXPECT_NE(messageOf("SELECT (a + 1 FROM t").find("expected an operator, ',' or ')'"), std::string::npos);
  EXPECT_NE(messageOf("SELECT a FROM t LIMIT -1")
                .find("expected a non-negative integer after LIMIT in 'SELECT a FROM t LIMIT', found"),
            std::string::npos);
  EXPECT_NE(messageOf("SELECT CASE END").find("expected an expression"), std::string::npos);
  EXPECT_NE(messageOf("SELECT CASE WHEN a THEN b").find("expected WHEN, ELSE or END"), std::string::npos);
  EXPECT_NE(messageOf("CREATE TABLE t (a)").find("expected a type for column 'a'"), std::string::npos);
  EXPECT_NE(messageOf("CREATE TABLE t (a Int32) ENGINE = MergeTree ORDER a").find("expected PARTITION BY"),
            std::string::npos);
  EXPECT_NE(messageOf("INSERT INTO t").find("expected '(' and a column list, VALUES, FORMAT or SELECT"),
            std::string::npos);
  EXPECT_NE(messageOf("DROP t").find("expected TABLE"), std::string::npos);
  EXPECT_NE(messageOf("SELECT 1 SELECT 2").find("expected ',', FROM or end of query"), std::string::npos);
  EXPECT_NE(messageOf("SELECT a IN ()").find("expected a value in the IN list"), std::string::npos);
  EXPECT_NE(messageOf("SELECT INTERVAL 1 FORTNIGHT").find("expected a time unit"), std::string::npos);
}

TEST(ParserErrorTest, UnknownColumnTypeGivesLocation) {
  QueryError error = errorOf("CREATE TABLE t (\n  a Int64,\n  b Strin NOT NULL)");
  EXPECT_EQ(error.code(), ErrorCode::kUnknownType);
  EXPECT_STREQ(error.what(), "at line 3, column 5: unknown type 'Strin'; did you mean 'String'?");
  EXPECT_EQ(error.position().line, 3u);
  EXPECT_EQ(error.position().column, 5u);
}

TEST(ParserErrorTest, ClauseKeywordWithoutBy) {
  QueryError error = errorOf("SELECT a FROM t GROUP a");
  EXPECT_STREQ(error.what(), "Syntax error at line 1, column 23: expected BY after 'SELECT a FROM t GROUP', found 'a'");
  EXPECT_NE(std::string(errorOf("SELECT a FROM t ORDER a").what()).find("expected BY after 'SELECT a FROM t ORDER'"), std::string::npos);
}

TEST(ParserErrorTest, ParseStatementRejectsTwoStatements) {
  try {
    parseStatement("SELECT 1; SELECT 2");
    FAIL() << "no error";
  } catch (const QueryError& error) {
    EXPECT_EQ(error.code(), ErrorCode::kSyntaxError);
    EXPECT_EQ(error.position().column, 11u);
    EXPECT_NE(std::string(error.what()).find("only one statement"), std::string::npos) << error.what();
  }
  EXPECT_THROW(parseStatement(""), QueryError);
  EXPECT_THROW(parseStatement(" ; "), QueryError);
}

TEST(ParserErrorTest, UnsupportedSyntaxIsNotImplemented) {
  EXPECT_EQ(errorOf("SELECT a FROM t JOIN u ON t.id = u.id").code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(errorOf("SELECT a FROM t, u").code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(errorOf("SELECT sum(x) OVER () FROM t").code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(errorOf("SELECT a FROM t LIMIT 1 BY a").code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(errorOf("ALTER TABLE t ADD COLUMN x Int32").code(), ErrorCode::kNotImplemented);
  EXPECT_EQ(errorOf("CREATE DATABASE d").code(), ErrorCode::kNotImplemented);
}

}  // namespace
}  // namespace furl::sql
