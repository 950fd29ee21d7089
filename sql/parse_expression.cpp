// Expressions and type names; see parser_impl.h for the precedence table.

#include <charconv>
#include <cstdlib>
#include <limits>

#include "sql/parser.h"
#include "sql/parser_impl.h"

namespace furl::sql {

namespace {

struct UnitName {
  std::string_view name;
  TimeUnit unit;
};

// Singular and plural forms; DOW, DOY and EPOCH only for EXTRACT.
constexpr UnitName kUnitNames[] = {
    {"NANOSECOND", TimeUnit::kNanosecond},   {"NANOSECONDS", TimeUnit::kNanosecond},
    {"MICROSECOND", TimeUnit::kMicrosecond}, {"MICROSECONDS", TimeUnit::kMicrosecond},
    {"MILLISECOND", TimeUnit::kMillisecond}, {"MILLISECONDS", TimeUnit::kMillisecond},
    {"SECOND", TimeUnit::kSecond},           {"SECONDS", TimeUnit::kSecond},
    {"MINUTE", TimeUnit::kMinute},           {"MINUTES", TimeUnit::kMinute},
    {"HOUR", TimeUnit::kHour},               {"HOURS", TimeUnit::kHour},
    {"DAY", TimeUnit::kDay},                 {"DAYS", TimeUnit::kDay},
    {"WEEK", TimeUnit::kWeek},               {"WEEKS", TimeUnit::kWeek},
    {"MONTH", TimeUnit::kMonth},             {"MONTHS", TimeUnit::kMonth},
    {"QUARTER", TimeUnit::kQuarter},         {"QUARTERS", TimeUnit::kQuarter},
    {"YEAR", TimeUnit::kYear},               {"YEARS", TimeUnit::kYear},
    {"DOW", TimeUnit::kDayOfWeek},           {"DAYOFWEEK", TimeUnit::kDayOfWeek},
    {"DOY", TimeUnit::kDayOfYear},           {"DAYOFYEAR", TimeUnit::kDayOfYear},
    {"EPOCH", TimeUnit::kEpoch},
};

const UnitName* findUnit(const Token& token) {
  for (const UnitName& unit : kUnitNames) {
    if (token.isKeyword(unit.name)) return &unit;
  }
  return nullptr;
}

const UnitName* findUnitIgnoringCase(std::string_view word) {
  std::string upper;
  for (char c : word) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (const UnitName& unit : kUnitNames) {
    if (unit.name == upper) return &unit;
  }
  return nullptr;
}

bool wordIs(std::string_view word, std::string_view upperKeyword) {
  Token token;
  token.type = TokenType::kBareWord;
  token.text = word;
  return token.isKeyword(upperKeyword);
}

// The ISO-8601 period of one `unit` (TIME_FLOOR's argument); empty for
// units below a second.
std::string_view isoPeriodOf(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSecond: return "PT1S";
    case TimeUnit::kMinute: return "PT1M";
    case TimeUnit::kHour: return "PT1H";
    case TimeUnit::kDay: return "P1D";
    case TimeUnit::kWeek: return "P1W";
    case TimeUnit::kMonth: return "P1M";
    case TimeUnit::kQuarter: return "P3M";
    case TimeUnit::kYear: return "P1Y";
    default: return "";
  }
}

bool isIntervalUnit(TimeUnit unit) {
  return unit != TimeUnit::kDayOfWeek && unit != TimeUnit::kDayOfYear && unit != TimeUnit::kEpoch;
}

std::optional<BinaryOp> comparisonOp(TokenType type) {
  switch (type) {
    case TokenType::kEqual: return BinaryOp::kEqual;
    case TokenType::kNotEqual: return BinaryOp::kNotEqual;
    case TokenType::kLess: return BinaryOp::kLess;
    case TokenType::kLessOrEqual: return BinaryOp::kLessOrEqual;
    case TokenType::kGreater: return BinaryOp::kGreater;
    case TokenType::kGreaterOrEqual: return BinaryOp::kGreaterOrEqual;
    default: return std::nullopt;
  }
}

ExprPtr makeBinary(BinaryOp op, ExprPtr left, ExprPtr right, SourcePosition position) {
  auto binary = std::make_unique<BinaryExpr>(position);
  binary->op = op;
  binary->left = std::move(left);
  binary->right = std::move(right);
  return binary;
}

// Folds `-literal` into a literal, as ClickHouse does, so `IN (-1, 6)` contains
// constants and -9223372036854775808 stays an Int64.
ExprPtr negateLiteral(LiteralExpr& literal, SourcePosition position) {
  const Value& value = literal.value;
  Value negated;
  if (const auto* i = std::get_if<int64_t>(&value.storage())) {
    negated = Value::int64(-*i);
  } else if (const auto* u = std::get_if<uint64_t>(&value.storage())) {
    constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
    if (*u == kMinMagnitude) {
      negated = Value::int64(std::numeric_limits<int64_t>::min());
    } else {
      negated = Value::float64(-static_cast<double>(*u));
    }
  } else {
    negated = Value::float64(-std::get<double>(value.storage()));
  }
  return std::make_unique<LiteralExpr>(std::move(negated), position);
}

bool isNumericLiteral(const Expr& expr) {
  if (expr.kind != ExprKind::kLiteral) return false;
  const Value& value = expr.as<LiteralExpr>().value;
  return !value.isNull() && value.type() != TypeId::kString && value.type() != TypeId::kBool;
}

}  // namespace

ExprPtr Parser::parseExpression() {
  DepthGuard depth(*this);
  depth.deeper();
  return parseOr();
}

ExprPtr Parser::parseOr() {
  ExprPtr left = parseAnd();
  DepthGuard depth(*this);
  while (peekKeyword("OR")) {
    depth.deeper();
    SourcePosition position = advance().position;
    left = makeBinary(BinaryOp::kOr, std::move(left), parseAnd(), position);
  }
  return left;
}

ExprPtr Parser::parseAnd() {
  ExprPtr left = parseNot();
  DepthGuard depth(*this);
  while (peekKeyword("AND")) {
    depth.deeper();
    SourcePosition position = advance().position;
    left = makeBinary(BinaryOp::kAnd, std::move(left), parseNot(), position);
  }
  return left;
}

ExprPtr Parser::parseNot() {
  if (!peekKeyword("NOT")) return parseComparison();
  DepthGuard depth(*this);
  depth.deeper();
  SourcePosition position = advance().position;
  auto unary = std::make_unique<UnaryExpr>(position);
  unary->op = UnaryOp::kNot;
  unary->operand = parseNot();
  return unary;
}

ExprPtr Parser::parseComparison() {
  ExprPtr left = parseConcat();
  DepthGuard depth(*this);
  while (true) {
    const Token& token = peek();
    if (auto op = comparisonOp(token.type)) {
      depth.deeper();
      SourcePosition position = advance().position;
      left = makeBinary(*op, std::move(left), parseConcat(), position);
      continue;
    }

    if (token.isKeyword("IS")) {
      depth.deeper();
      SourcePosition position = advance().position;
      auto isNull = std::make_unique<IsNullExpr>(position);
      isNull->negated = acceptKeyword("NOT");
      expectKeyword("NULL");
      isNull->operand = std::move(left);
      left = std::move(isNull);
      continue;
    }

    // The postfix forms, each optionally preceded by NOT.
    bool negated = token.isKeyword("NOT");
    size_t at = negated ? 1 : 0;
    const Token& keyword = peek(at);
    if (keyword.isKeyword("BETWEEN") || keyword.isKeyword("IN") || keyword.isKeyword("LIKE") ||
        keyword.isKeyword("ILIKE")) {
      depth.deeper();
    }
    if (keyword.isKeyword("BETWEEN")) {
      Token operatorToken = negated ? advance() : peek();
      advance();
      auto between = std::make_unique<BetweenExpr>(operatorToken.position);
      between->negated = negated;
      between->operand = std::move(left);
      between->lower = parseConcat();
      expectKeyword("AND");
      between->upper = parseConcat();
      left = std::move(between);
      continue;
    }
    if (keyword.isKeyword("IN")) {
      Token operatorToken = negated ? advance() : peek();
      advance();
      left = parseIn(std::move(left), negated, operatorToken);
      continue;
    }
    if (keyword.isKeyword("LIKE") || keyword.isKeyword("ILIKE")) {
      bool caseInsensitive = keyword.isKeyword("ILIKE");
      Token operatorToken = negated ? advance() : peek();
      advance();
      BinaryOp op = caseInsensitive ? (negated ? BinaryOp::kNotILike : BinaryOp::kILike)
                                    : (negated ? BinaryOp::kNotLike : BinaryOp::kLike);
      left = makeBinary(op, std::move(left), parseConcat(), operatorToken.position);
      continue;
    }
    return left;
  }
}

ExprPtr Parser::parseIn(ExprPtr operand, bool negated, const Token& operatorToken) {
  auto in = std::make_unique<InExpr>(operatorToken.position);
  in->negated = negated;
  in->operand = std::move(operand);
  expect(TokenType::kLeftParen, "'(' to start the IN list");
  if (peekQueryStart()) {
    ++subqueryDepth_;
    in->subquery = parseSelectQuery();
    --subqueryDepth_;
  } else {
    if (peekIs(TokenType::kRightParen)) fail("a value in the IN list");
    in->list = parseExpressionList();
  }
  expect(TokenType::kRightParen, "',' or ')' to close the IN list");
  return in;
}

ExprPtr Parser::parseConcat() {
  ExprPtr left = parseAdditive();
  DepthGuard depth(*this);
  while (peekIs(TokenType::kConcat)) {
    depth.deeper();
    SourcePosition position = advance().position;
    left = makeBinary(BinaryOp::kConcat, std::move(left), parseAdditive(), position);
  }
  return left;
}

ExprPtr Parser::parseAdditive() {
  ExprPtr left = parseMultiplicative();
  DepthGuard depth(*this);
  while (peekIs(TokenType::kPlus) || peekIs(TokenType::kMinus)) {
    depth.deeper();
    Token token = advance();
    BinaryOp op = token.type == TokenType::kPlus ? BinaryOp::kAdd : BinaryOp::kSubtract;
    left = makeBinary(op, std::move(left), parseMultiplicative(), token.position);
  }
  return left;
}

ExprPtr Parser::parseMultiplicative() {
  ExprPtr left = parseUnary();
  DepthGuard depth(*this);
  while (true) {
    std::optional<BinaryOp> op;
    if (peekIs(TokenType::kStar)) op = BinaryOp::kMultiply;
    if (peekIs(TokenType::kSlash)) op = BinaryOp::kDivide;
    if (peekIs(TokenType::kPercent) || peekKeyword("MOD")) op = BinaryOp::kModulo;
    if (peekKeyword("DIV")) op = BinaryOp::kIntegerDivide;
    if (!op) return left;
    depth.deeper();
    SourcePosition position = advance().position;
    left = makeBinary(*op, std::move(left), parseUnary(), position);
  }
}

ExprPtr Parser::parseUnary() {
  DepthGuard depth(*this);
  if (peekIs(TokenType::kPlus) || peekIs(TokenType::kMinus)) depth.deeper();
  if (peekIs(TokenType::kPlus)) {
    advance();
    return parseUnary();
  }
  if (!peekIs(TokenType::kMinus)) return parsePostfix();

  SourcePosition position = advance().position;
  ExprPtr operand = parseUnary();
  if (isNumericLiteral(*operand)) return negateLiteral(operand->as<LiteralExpr>(), position);
  auto unary = std::make_unique<UnaryExpr>(position);
  unary->op = UnaryOp::kNegate;
  unary->operand = std::move(operand);
  return unary;
}

ExprPtr Parser::parsePostfix() {
  ExprPtr expr = parsePrimary();
  DepthGuard depth(*this);
  while (peekIs(TokenType::kDoubleColon)) {
    depth.deeper();
    SourcePosition position = advance().position;
    auto cast = std::make_unique<CastExpr>(position);
    cast->syntax = CastSyntax::kDoubleColon;
    cast->operand = std::move(expr);
    cast->target = parseType();
    expr = std::move(cast);
  }
  if (peekIs(TokenType::kLeftBracket)) failNotImplemented(peek(), "array element access x[i] is not supported");
  return expr;
}

ExprPtr Parser::parsePrimary() {
  const Token& token = peek();
  switch (token.type) {
    case TokenType::kInteger:
    case TokenType::kFloat: {
      Token number = advance();
      return parseNumber(number);
    }
    case TokenType::kString: {
      Token string = advance();
      return std::make_unique<LiteralExpr>(Value::string(std::move(string.value)), string.position);
    }
    case TokenType::kLeftParen:
      return parseParenthesized();
    case TokenType::kLeftBracket: {
      auto array = std::make_unique<ArrayExpr>(advance().position);
      if (!peekIs(TokenType::kRightBracket)) array->elements = parseExpressionList();
      expect(TokenType::kRightBracket, "',' or ']' to close the array");
      return array;
    }
    case TokenType::kQuotedIdentifier:
      return peekIs(TokenType::kLeftParen, 1) ? parseFunction() : parseColumnRef();
    case TokenType::kBareWord:
      break;
    default:
      fail("an expression");
  }

  // Keywords that start an expression come first: CASE (x) and
  // INTERVAL (n) DAY are not function calls.
  if (token.isKeyword("CASE")) return parseCase();
  if (token.isKeyword("INTERVAL")) return parseInterval();
  if (token.isKeyword("EXISTS") && peekIs(TokenType::kLeftParen, 1)) {
    auto exists = std::make_unique<ExistsExpr>(advance().position);
    advance();
    if (!peekQueryStart()) fail("SELECT after EXISTS (");
    ++subqueryDepth_;
    exists->query = parseSelectQuery();
    --subqueryDepth_;
    expect(TokenType::kRightParen, "')' to close the EXISTS subquery");
    return exists;
  }
  if (peekIs(TokenType::kLeftParen, 1)) return parseFunction();

  if (token.isKeyword("NULL")) return std::make_unique<LiteralExpr>(Value::null(), advance().position);
  if (token.isKeyword("TRUE")) return std::make_unique<LiteralExpr>(Value::boolean(true), advance().position);
  if (token.isKeyword("FALSE")) return std::make_unique<LiteralExpr>(Value::boolean(false), advance().position);

  // Typed literals: DATE '2020-01-01', TIMESTAMP '2020-01-01 00:00:00'.
  if ((token.isKeyword("DATE") || token.isKeyword("TIMESTAMP")) && peekIs(TokenType::kString, 1)) {
    Token typeToken = advance();
    Token string = advance();
    auto cast = std::make_unique<CastExpr>(typeToken.position);
    cast->syntax = CastSyntax::kTypedLiteral;
    cast->target = parseTypeNameDetails(typeToken.text);
    cast->operand = std::make_unique<LiteralExpr>(Value::string(std::move(string.value)), string.position);
    return cast;
  }

  // ClickHouse reads inf and nan as Float64 literals; quote a column of that name.
  if ((token.isKeyword("INF") || token.isKeyword("NAN")) && !peekIs(TokenType::kDot, 1)) {
    double value = token.isKeyword("INF") ? std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::quiet_NaN();
    return std::make_unique<LiteralExpr>(Value::float64(value), advance().position);
  }

  // The standard's niladic time functions, written without parentheses.
  if (!peekIs(TokenType::kDot, 1)) {
    const char* function = nullptr;
    if (token.isKeyword("CURRENT_TIMESTAMP") || token.isKeyword("LOCALTIMESTAMP")) function = "now";
    if (token.isKeyword("CURRENT_DATE")) function = "today";
    if (function != nullptr) {
      auto call = std::make_unique<FunctionExpr>(advance().position);
      call->name = function;
      return call;
    }
  }

  if (isReservedWord(token)) fail("an expression");
  return parseColumnRef();
}

ExprPtr Parser::parseNumber(const Token& token) {
  std::string_view text = token.text;
  if (token.type == TokenType::kInteger) {
    uint64_t value = 0;
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      base = 16;
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error == std::errc() && end == text.data() + text.size()) {
      if (value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::make_unique<LiteralExpr>(Value::int64(static_cast<int64_t>(value)), token.position);
      }
      return std::make_unique<LiteralExpr>(Value::uint64(value), token.position);
    }
    if (base == 16) failAt(token, "a hexadecimal number no larger than 0xFFFFFFFFFFFFFFFF");
    // Beyond 2^64-1: ClickHouse reads such integers as Float64.
  }

  std::string digits(token.text);
  char* end = nullptr;
  double value = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size()) failAt(token, "a number");
  return std::make_unique<LiteralExpr>(Value::float64(value), token.position);
}

ExprPtr Parser::parseParenthesized() {
  Token open = advance();
  if (peekQueryStart()) {
    auto subquery = std::make_unique<SubqueryExpr>(open.position);
    ++subqueryDepth_;
    subquery->query = parseSelectQuery();
    --subqueryDepth_;
    expect(TokenType::kRightParen, "')' to close the subquery");
    return subquery;
  }

  ExprPtr first = parseExpression();
  if (accept(TokenType::kRightParen)) return first;

  auto tuple = std::make_unique<TupleExpr>(open.position);
  tuple->elements.push_back(std::move(first));
  while (accept(TokenType::kComma)) tuple->elements.push_back(parseExpression());
  expect(TokenType::kRightParen, "an operator, ',' or ')'");
  return tuple;
}

ExprPtr Parser::parseCase() {
  auto caseExpr = std::make_unique<CaseExpr>(advance().position);
  if (!peekKeyword("WHEN")) caseExpr->operand = parseExpression();
  while (acceptKeyword("WHEN")) {
    WhenClause when;
    when.condition = parseExpression();
    expectKeyword("THEN");
    when.result = parseExpression();
    caseExpr->whens.push_back(std::move(when));
  }
  if (caseExpr->whens.empty()) fail("WHEN");
  if (acceptKeyword("ELSE")) caseExpr->elseResult = parseExpression();
  if (!acceptKeyword("END")) fail(caseExpr->elseResult ? "END" : "WHEN, ELSE or END");
  return caseExpr;
}

bool Parser::peekTimeUnit(size_t ahead) { return findUnit(peek(ahead)) != nullptr; }

TimeUnit Parser::parseTimeUnit(bool forInterval) {
  const UnitName* unit = findUnit(peek());
  if (unit == nullptr || (forInterval && !isIntervalUnit(unit->unit))) {
    fail(forInterval ? "a time unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, ...)"
                     : "a date part (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR, DOW, DOY, EPOCH, ...)");
  }
  advance();
  return unit->unit;
}

ExprPtr Parser::parseInterval() {
  auto interval = std::make_unique<IntervalExpr>(advance().position);

  // INTERVAL '1 day' and INTERVAL '1' DAY.
  if (peekIs(TokenType::kString)) {
    Token string = advance();
    std::string_view text = string.value;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    size_t space = text.find(' ');
    std::string_view count = text.substr(0, space);
    std::string_view unitWord;
    if (space != std::string_view::npos) {
      unitWord = text.substr(space + 1);
      while (!unitWord.empty() && unitWord.front() == ' ') unitWord.remove_prefix(1);
    }

    int64_t value = 0;
    auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), value);
    if (error != std::errc() || end != count.data() + count.size()) {
      failAt(string, "an interval such as '1 day' or '1' DAY");
    }
    interval->value = std::make_unique<LiteralExpr>(Value::int64(value), string.position);

    if (!unitWord.empty()) {
      const UnitName* unit = findUnitIgnoringCase(unitWord);
      if (unit == nullptr || !isIntervalUnit(unit->unit)) {
        failAt(string, "an interval such as '1 day' or '1' DAY, with a unit from SECOND to YEAR");
      }
      interval->unit = unit->unit;
      return interval;
    }
    interval->unit = parseTimeUnit(true);
    return interval;
  }

  interval->value = parseUnary();
  interval->unit = parseTimeUnit(true);
  return interval;
}

ExprPtr Parser::parseFunction() {
  Token nameToken = advance();
  if (nameToken.isKeyword("CAST")) return parseCast(nameToken);
  if (nameToken.isKeyword("EXTRACT") && peekTimeUnit(1) && peekKeyword("FROM", 2)) return parseExtract(nameToken);

  // The standard forms SUBSTRING(s FROM a FOR b), POSITION(needle IN
  // haystack) and TRIM(LEADING c FROM s) become ordinary calls. A keyword
  // at the top level of the first argument distinguishes them from substring(s, a).
  auto keywordInFirstArgument = [this](std::initializer_list<std::string_view> keywords) {
    int depth = 0;
    for (size_t ahead = 1;; ++ahead) {
      const Token& token = peek(ahead);
      switch (token.type) {
        case TokenType::kEnd:
          return false;
        case TokenType::kLeftParen:
        case TokenType::kLeftBracket:
          ++depth;
          break;
        case TokenType::kRightParen:
        case TokenType::kRightBracket:
          if (depth-- == 0) return false;
          break;
        case TokenType::kComma:
          if (depth == 0) return false;
          break;
        default:
          // CASE ... END may contain IN; it nests like parentheses.
          if (token.isKeyword("CASE")) ++depth;
          if (token.isKeyword("END")) --depth;
          for (std::string_view keyword : keywords) {
            if (depth == 0 && token.isKeyword(keyword)) return true;
          }
      }
    }
  };
  auto makeCall = [&nameToken](std::string name, std::vector<ExprPtr> args) {
    auto call = std::make_unique<FunctionExpr>(nameToken.position);
    call->name = std::move(name);
    call->args = std::move(args);
    return call;
  };
  if (nameToken.isKeyword("SUBSTRING") && keywordInFirstArgument({"FROM", "FOR"})) {
    expect(TokenType::kLeftParen, "'(' after SUBSTRING");
    std::vector<ExprPtr> args;
    args.push_back(parseExpression());
    if (acceptKeyword("FROM")) {
      args.push_back(parseExpression());
    } else {
      args.push_back(std::make_unique<LiteralExpr>(Value::int64(1), peek().position));  // FOR alone starts at 1
    }
    if (acceptKeyword("FOR")) args.push_back(parseExpression());
    expect(TokenType::kRightParen, "FOR or ')' to close SUBSTRING");
    return makeCall("substring", std::move(args));
  }
  if (nameToken.isKeyword("POSITION") && keywordInFirstArgument({"IN"})) {
    expect(TokenType::kLeftParen, "'(' after POSITION");
    // The needle binds tighter than IN, so `a || b IN s` searches for a || b.
    ExprPtr needle = parseConcat();
    expectKeyword("IN");
    std::vector<ExprPtr> args;
    args.push_back(parseExpression());
    args.push_back(std::move(needle));
    expect(TokenType::kRightParen, "')' to close POSITION");
    return makeCall("position", std::move(args));
  }
  if (nameToken.isKeyword("TRIM") && keywordInFirstArgument({"FROM"})) {
    expect(TokenType::kLeftParen, "'(' after TRIM");
    std::string function = "trimBoth";
    if (acceptKeyword("LEADING")) {
      function = "trimLeft";
    } else if (acceptKeyword("TRAILING")) {
      function = "trimRight";
    } else {
      acceptKeyword("BOTH");
    }
    ExprPtr characters;
    if (!peekKeyword("FROM")) characters = parseExpression();
    expectKeyword("FROM");
    std::vector<ExprPtr> args;
    args.push_back(parseExpression());
    if (characters) args.push_back(std::move(characters));
    expect(TokenType::kRightParen, "')' to close TRIM");
    return makeCall(std::move(function), std::move(args));
  }

  // Druid (Calcite) time forms: FLOOR(t TO unit) and CEIL(t TO unit) are
  // TIME_FLOOR and TIME_CEIL with the unit's ISO-8601 period.
  if ((nameToken.isKeyword("FLOOR") || nameToken.isKeyword("CEIL")) && keywordInFirstArgument({"TO"})) {
    bool floor = nameToken.isKeyword("FLOOR");
    expect(TokenType::kLeftParen, floor ? "'(' after FLOOR" : "'(' after CEIL");
    std::vector<ExprPtr> args;
    args.push_back(parseExpression());
    expectKeyword("TO");
    Token unitToken = peek();
    std::string_view period = isoPeriodOf(parseTimeUnit(true));
    if (period.empty()) failAt(unitToken, "a unit from SECOND to YEAR after TO");
    args.push_back(std::make_unique<LiteralExpr>(Value::string(std::string(period)), unitToken.position));
    expect(TokenType::kRightParen, floor ? "')' to close FLOOR" : "')' to close CEIL");
    return makeCall(floor ? "TIME_FLOOR" : "TIME_CEIL", std::move(args));
  }
  // TIMESTAMPADD(unit, n, t) is t + INTERVAL n unit, and TIMESTAMPDIFF(unit,
  // t1, t2) counts whole units from t1 to t2 (Calcite's rule, not dateDiff's
  // count of unit boundaries).
  bool timestampAdd = nameToken.isKeyword("TIMESTAMPADD");
  if ((timestampAdd || nameToken.isKeyword("TIMESTAMPDIFF")) && peekIs(TokenType::kLeftParen) && peekTimeUnit(1) &&
      peekIs(TokenType::kComma, 2)) {
    expect(TokenType::kLeftParen, "'('");
    Token unitToken = peek();
    TimeUnit unit = parseTimeUnit(true);
    expect(TokenType::kComma, "',' after the unit");
    ExprPtr first = parseExpression();
    expect(TokenType::kComma, "',' and a third argument");
    ExprPtr second = parseExpression();
    expect(TokenType::kRightParen, "')' after the third argument");
    if (timestampAdd) {
      auto interval = std::make_unique<IntervalExpr>(unitToken.position);
      interval->value = std::move(first);
      interval->unit = unit;
      auto sum = std::make_unique<BinaryExpr>(nameToken.position);
      sum->op = BinaryOp::kAdd;
      sum->left = std::move(second);
      sum->right = std::move(interval);
      return sum;
    }
    std::vector<ExprPtr> args;
    args.push_back(std::make_unique<LiteralExpr>(Value::string(std::string(timeUnitName(unit))), unitToken.position));
    args.push_back(std::move(first));
    args.push_back(std::move(second));
    return makeCall("__timestampDiffWholeUnits", std::move(args));
  }

  auto function = std::make_unique<FunctionExpr>(nameToken.position);
  function->name = nameToken.type == TokenType::kQuotedIdentifier ? nameToken.value : std::string(nameToken.text);

  auto parseArguments = [this, &function]() {
    expect(TokenType::kLeftParen, "'('");
    if (peekIs(TokenType::kStar) && peekIs(TokenType::kRightParen, 1)) {
      advance();
      function->starArgument = true;
    } else if (!peekIs(TokenType::kRightParen)) {
      if (acceptKeyword("DISTINCT")) {
        function->distinct = true;
      } else if (peekKeyword("ALL") && !peekIs(TokenType::kRightParen, 1) && !peekIs(TokenType::kComma, 1)) {
        advance();
      }
      function->args = parseExpressionList();
    }
    expect(TokenType::kRightParen, "',' or ')' after the function arguments");
  };
  parseArguments();

  // ClickHouse's parametric aggregates: quantile(0.5)(x).
  if (peekIs(TokenType::kLeftParen)) {
    if (function->distinct || function->starArgument) fail("no second argument list");
    function->parameters = std::move(function->args);
    function->args.clear();
    function->hasParameters = true;
    parseArguments();
  }

  if (peekKeyword("OVER")) failNotImplemented(peek(), "window functions (OVER) are not supported");
  if (peekKeyword("FILTER") && peekIs(TokenType::kLeftParen, 1)) {
    failNotImplemented(peek(), "aggregate FILTER (WHERE ...) is not supported; use the -If combinator, "
                               "such as countIf(cond)");
  }
  return function;
}

ExprPtr Parser::parseCast(const Token& nameToken) {
  auto cast = std::make_unique<CastExpr>(nameToken.position);
  expect(TokenType::kLeftParen, "'(' after CAST");
  cast->operand = parseExpression();
  if (acceptKeyword("AS")) {
    cast->syntax = CastSyntax::kCastAs;
    cast->target = parseType();
  } else if (accept(TokenType::kComma)) {
    cast->syntax = CastSyntax::kCastFunction;
    if (!peekIs(TokenType::kString)) fail("a type name in quotes, as in cast(x, 'Int64')");
    Token typeToken = advance();
    try {
      cast->target = parseTypeNameDetails(typeToken.value);
    } catch (const QueryError& error) {
      // Report the error at the string, not at a position inside it.
      throw QueryError(error.code(), locationPrefix(typeToken.position) + error.what(), typeToken.position);
    }
  } else {
    fail("AS or ',' in CAST");
  }
  expect(TokenType::kRightParen, "')' to close CAST");
  return cast;
}

ExprPtr Parser::parseExtract(const Token& nameToken) {
  auto extract = std::make_unique<ExtractExpr>(nameToken.position);
  expect(TokenType::kLeftParen, "'(' after EXTRACT");
  extract->part = parseTimeUnit(false);
  expectKeyword("FROM");
  extract->operand = parseExpression();
  expect(TokenType::kRightParen, "')' to close EXTRACT");
  return extract;
}

ExprPtr Parser::parseColumnRef() {
  SourcePosition position = peek().position;
  std::vector<std::string> parts;
  parts.push_back(expectName("a column name"));
  while (peekIs(TokenType::kDot)) {
    if (peekIs(TokenType::kStar, 1)) {
      advance();
      advance();
      auto star = std::make_unique<StarExpr>(position);
      for (size_t i = 0; i < parts.size(); ++i) star->qualifier += (i > 0 ? "." : "") + parts[i];
      return parseStarModifiers(std::move(star));
    }
    advance();
    parts.push_back(expectName("a column name after '.'"));
  }
  return std::make_unique<ColumnRefExpr>(std::move(parts), position);
}

std::vector<ExprPtr> Parser::parseExpressionList() {
  std::vector<ExprPtr> list;
  do {
    list.push_back(parseExpression());
  } while (accept(TokenType::kComma));
  return list;
}

// ---------------------------------------------------------------------------
// Types

TypeSyntax Parser::parseTypeSyntax() {
  TypeSyntax syntax;
  const Token& first = peek();
  if (first.type != TokenType::kBareWord) fail("a type name");
  syntax.position = first.position;
  uint32_t start = first.position.offset;
  syntax.name = std::string(advance().text);

  // Two-word standard names: DOUBLE PRECISION, CHARACTER VARYING.
  if ((peekKeyword("PRECISION") && wordIs(syntax.name, "DOUBLE")) ||
      (peekKeyword("VARYING") && (wordIs(syntax.name, "CHARACTER") || wordIs(syntax.name, "CHAR")))) {
    syntax.name += " " + std::string(advance().text);
  }

  if (accept(TokenType::kLeftParen)) {
    syntax.hasParentheses = true;
    if (!peekIs(TokenType::kRightParen)) {
      do {
        TypeArgument argument;
        argument.position = peek().position;
        if (peekIs(TokenType::kInteger)) {
          argument.kind = TypeArgument::Kind::kInteger;
          argument.integer = parseUnsignedInteger("a number");
        } else if (peekIs(TokenType::kString)) {
          argument.kind = TypeArgument::Kind::kString;
          argument.string = advance().value;
        } else if (peekIs(TokenType::kBareWord)) {
          argument.kind = TypeArgument::Kind::kType;
          argument.type = std::make_unique<TypeSyntax>(parseTypeSyntax());
        } else {
          fail("a type, a number or a string as a type argument");
        }
        syntax.args.push_back(std::move(argument));
      } while (accept(TokenType::kComma));
    }
    expect(TokenType::kRightParen, "',' or ')' to close the type arguments");
  }

  // MySQL's INT UNSIGNED, INT(11) UNSIGNED; SIGNED changes nothing.
  if (peekKeyword("UNSIGNED")) {
    syntax.name += " " + std::string(advance().text);
  } else if (peekKeyword("SIGNED")) {
    advance();
  }

  syntax.text = std::string(sql_.substr(start, previousEnd_ - start));
  return syntax;
}

TypeName Parser::parseType() {
  TypeSyntax syntax = parseTypeSyntax();
  try {
    return resolveType(syntax);
  } catch (const QueryError& error) {
    throw QueryError(error.code(), locationPrefix(syntax.position) + error.what(), syntax.position);
  }
}

}  // namespace furl::sql
