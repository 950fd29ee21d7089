#include "sql/ast.h"

#include <charconv>
#include <cmath>

namespace furl::sql {

namespace {

// Binding strength for printing, loosest first; matches the parser's
// precedence table in parser_impl.h.
constexpr int kPrecedenceOr = 1;
constexpr int kPrecedenceAnd = 2;
constexpr int kPrecedenceNot = 3;
constexpr int kPrecedenceComparison = 4;
constexpr int kPrecedenceConcat = 5;
constexpr int kPrecedenceAdditive = 6;
constexpr int kPrecedenceMultiplicative = 7;
constexpr int kPrecedenceUnaryMinus = 8;
constexpr int kPrecedenceCast = 9;
constexpr int kPrecedencePrimary = 10;

int binaryPrecedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return kPrecedenceOr;
    case BinaryOp::kAnd: return kPrecedenceAnd;
    case BinaryOp::kConcat: return kPrecedenceConcat;
    case BinaryOp::kAdd:
    case BinaryOp::kSubtract: return kPrecedenceAdditive;
    case BinaryOp::kMultiply:
    case BinaryOp::kDivide:
    case BinaryOp::kIntegerDivide:
    case BinaryOp::kModulo: return kPrecedenceMultiplicative;
    default: return kPrecedenceComparison;
  }
}

bool isNegativeNumber(const Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value.storage())) return *i < 0 && value.type() != TypeId::kBool;
  if (const auto* d = std::get_if<double>(&value.storage())) return std::signbit(*d);
  return false;
}

int precedence(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kBinary: return binaryPrecedence(expr.as<BinaryExpr>().op);
    case ExprKind::kUnary:
      return expr.as<UnaryExpr>().op == UnaryOp::kNot ? kPrecedenceNot : kPrecedenceUnaryMinus;
    case ExprKind::kIsNull:
    case ExprKind::kBetween:
    case ExprKind::kIn: return kPrecedenceComparison;
    case ExprKind::kCast:
      return expr.as<CastExpr>().syntax == CastSyntax::kDoubleColon ? kPrecedenceCast : kPrecedencePrimary;
    case ExprKind::kLiteral:
      return isNegativeNumber(expr.as<LiteralExpr>().value) ? kPrecedenceUnaryMinus : kPrecedencePrimary;
    default: return kPrecedencePrimary;
  }
}

bool isPlainIdentifier(std::string_view name) {
  if (name.empty()) return false;
  auto c0 = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(c0) || c0 == '_')) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || u == '_')) return false;
  }
  return true;
}

void appendIdentifier(std::string& out, std::string_view name) {
  if (isPlainIdentifier(name)) {
    out += name;
    return;
  }
  out.push_back('`');
  for (char c : name) {
    if (c == '`' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('`');
}

void appendStringLiteral(std::string& out, std::string_view text) {
  // Escapes as ClickHouse prints string literals in column names.
  out.push_back('\'');
  for (char c : text) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('\'');
}

void appendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
    return;
  }
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string_view text(buffer, end - buffer);
  out += text;
  // Keep a float visibly a float (`1.`), as ClickHouse prints it.
  if (text.find_first_of(".e") == std::string_view::npos) out.push_back('.');
}

void appendLiteral(std::string& out, const Value& value) {
  if (value.isNull()) {
    out += "NULL";
    return;
  }
  if (value.type() == TypeId::kBool) {
    out += value.asInt64() != 0 ? "true" : "false";
    return;
  }
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          appendDouble(out, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          appendStringLiteral(out, v);
        }
      },
      value.storage());
}

void appendExpr(std::string& out, const Expr& expr);

// Prints `child`, in parentheses when it binds looser than `minPrecedence`.
void appendOperand(std::string& out, const Expr& child, int minPrecedence) {
  if (precedence(child) < minPrecedence) {
    out.push_back('(');
    appendExpr(out, child);
    out.push_back(')');
  } else {
    appendExpr(out, child);
  }
}

void appendList(std::string& out, const std::vector<ExprPtr>& list) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out += ", ";
    appendExpr(out, *list[i]);
  }
}

void appendFunction(std::string& out, const FunctionExpr& function) {
  out += function.name;
  if (function.hasParameters) {
    out.push_back('(');
    appendList(out, function.parameters);
    out.push_back(')');
  }
  out.push_back('(');
  if (function.distinct) out += "DISTINCT ";
  // count(*) is named count(), as in ClickHouse.
  appendList(out, function.args);
  out.push_back(')');
}

void appendExpr(std::string& out, const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      appendLiteral(out, expr.as<LiteralExpr>().value);
      return;

    case ExprKind::kInterval: {
      const auto& interval = expr.as<IntervalExpr>();
      out += "INTERVAL ";
      appendOperand(out, *interval.value, kPrecedencePrimary);
      out += " ";
      out += timeUnitName(interval.unit);
      return;
    }

    case ExprKind::kColumnRef: {
      const auto& ref = expr.as<ColumnRefExpr>();
      for (size_t i = 0; i < ref.parts.size(); ++i) {
        if (i > 0) out.push_back('.');
        appendIdentifier(out, ref.parts[i]);
      }
      return;
    }

    case ExprKind::kStar: {
      const auto& star = expr.as<StarExpr>();
      if (!star.qualifier.empty()) out += star.qualifier + ".";
      out += "*";
      if (!star.excluded.empty()) {
        out += " EXCEPT (";
        for (size_t i = 0; i < star.excluded.size(); ++i) {
          if (i > 0) out += ", ";
          appendIdentifier(out, star.excluded[i]);
        }
        out += ")";
      }
      return;
    }

    case ExprKind::kFunction:
      appendFunction(out, expr.as<FunctionExpr>());
      return;

    case ExprKind::kUnary: {
      const auto& unary = expr.as<UnaryExpr>();
      if (unary.op == UnaryOp::kNot) {
        out += "NOT ";
        appendOperand(out, *unary.operand, kPrecedenceNot);
        return;
      }
      out += "-";
      // `- -x` must not print as `--x`, which starts a comment.
      std::string operand;
      appendOperand(operand, *unary.operand, kPrecedenceUnaryMinus);
      if (!operand.empty() && operand[0] == '-') operand = "(" + operand + ")";
      out += operand;
      return;
    }

    case ExprKind::kBinary: {
      const auto& binary = expr.as<BinaryExpr>();
      int own = binaryPrecedence(binary.op);
      appendOperand(out, *binary.left, own);
      out += " ";
      out += binaryOpName(binary.op);
      out += " ";
      appendOperand(out, *binary.right, own + 1);
      return;
    }

    case ExprKind::kIsNull: {
      const auto& isNull = expr.as<IsNullExpr>();
      appendOperand(out, *isNull.operand, kPrecedenceComparison);
      out += isNull.negated ? " IS NOT NULL" : " IS NULL";
      return;
    }

    case ExprKind::kBetween: {
      const auto& between = expr.as<BetweenExpr>();
      appendOperand(out, *between.operand, kPrecedenceComparison);
      out += between.negated ? " NOT BETWEEN " : " BETWEEN ";
      appendOperand(out, *between.lower, kPrecedenceConcat);
      out += " AND ";
      appendOperand(out, *between.upper, kPrecedenceConcat);
      return;
    }

    case ExprKind::kIn: {
      const auto& in = expr.as<InExpr>();
      appendOperand(out, *in.operand, kPrecedenceComparison);
      out += in.negated ? " NOT IN (" : " IN (";
      if (in.subquery) {
        out += in.subquery->toString();
      } else {
        appendList(out, in.list);
      }
      out += ")";
      return;
    }

    case ExprKind::kCase: {
      const auto& caseExpr = expr.as<CaseExpr>();
      out += "CASE";
      if (caseExpr.operand) {
        out += " ";
        appendExpr(out, *caseExpr.operand);
      }
      for (const WhenClause& when : caseExpr.whens) {
        out += " WHEN ";
        appendExpr(out, *when.condition);
        out += " THEN ";
        appendExpr(out, *when.result);
      }
      if (caseExpr.elseResult) {
        out += " ELSE ";
        appendExpr(out, *caseExpr.elseResult);
      }
      out += " END";
      return;
    }

    case ExprKind::kCast: {
      const auto& cast = expr.as<CastExpr>();
      switch (cast.syntax) {
        case CastSyntax::kCastAs:
          out += "CAST(";
          appendExpr(out, *cast.operand);
          out += " AS " + cast.target.text + ")";
          return;
        case CastSyntax::kCastFunction:
          out += "CAST(";
          appendExpr(out, *cast.operand);
          out += ", ";
          appendStringLiteral(out, cast.target.text);
          out += ")";
          return;
        case CastSyntax::kDoubleColon:
          appendOperand(out, *cast.operand, kPrecedenceCast);
          out += "::" + cast.target.text;
          return;
        case CastSyntax::kTypedLiteral:
          out += cast.target.type.id == TypeId::kDate ? "DATE " : "TIMESTAMP ";
          appendExpr(out, *cast.operand);
          return;
      }
      return;
    }

    case ExprKind::kExtract: {
      const auto& extract = expr.as<ExtractExpr>();
      out += "EXTRACT(";
      out += timeUnitName(extract.part);
      out += " FROM ";
      appendExpr(out, *extract.operand);
      out += ")";
      return;
    }

    case ExprKind::kSubquery:
      out += "(" + expr.as<SubqueryExpr>().query->toString() + ")";
      return;

    case ExprKind::kExists:
      out += "EXISTS (" + expr.as<ExistsExpr>().query->toString() + ")";
      return;

    case ExprKind::kTuple:
      out += "(";
      appendList(out, expr.as<TupleExpr>().elements);
      out += ")";
      return;

    case ExprKind::kArray:
      out += "[";
      appendList(out, expr.as<ArrayExpr>().elements);
      out += "]";
      return;
  }
}

// ---------------------------------------------------------------------------
// Deep copies

ExprPtr cloneOrNull(const ExprPtr& expr) { return expr ? expr->clone() : nullptr; }

std::vector<ExprPtr> cloneList(const std::vector<ExprPtr>& list) {
  std::vector<ExprPtr> copy;
  copy.reserve(list.size());
  for (const ExprPtr& expr : list) copy.push_back(expr->clone());
  return copy;
}

SelectQueryPtr cloneOrNull(const SelectQueryPtr& query) { return query ? query->clone() : nullptr; }

std::unique_ptr<FunctionExpr> cloneFunction(const FunctionExpr& function) {
  auto copy = std::make_unique<FunctionExpr>(function.position);
  copy->name = function.name;
  copy->args = cloneList(function.args);
  copy->parameters = cloneList(function.parameters);
  copy->hasParameters = function.hasParameters;
  copy->distinct = function.distinct;
  copy->starArgument = function.starArgument;
  return copy;
}

TableRefPtr cloneTableRef(const TableRef& ref) {
  auto copy = std::make_unique<TableRef>();
  copy->kind = ref.kind;
  copy->position = ref.position;
  copy->alias = ref.alias;
  copy->name = ref.name;
  copy->final = ref.final;
  copy->subquery = cloneOrNull(ref.subquery);
  if (ref.function) copy->function = cloneFunction(*ref.function);
  copy->joinType = ref.joinType;
  if (ref.left) copy->left = cloneTableRef(*ref.left);
  if (ref.right) copy->right = cloneTableRef(*ref.right);
  copy->joinCondition = cloneOrNull(ref.joinCondition);
  copy->usingColumns = ref.usingColumns;
  return copy;
}

void appendTableRef(std::string& out, const TableRef& ref) {
  switch (ref.kind) {
    case TableRefKind::kTable:
      out += ref.name.toString();
      if (ref.final) out += " FINAL";
      break;
    case TableRefKind::kSubquery:
      out += "(" + ref.subquery->toString() + ")";
      break;
    case TableRefKind::kTableFunction:
      appendFunction(out, *ref.function);
      break;
    case TableRefKind::kJoin: {
      appendTableRef(out, *ref.left);
      constexpr std::string_view kJoinNames[] = {" JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ",
                                                 " CROSS JOIN "};
      out += kJoinNames[static_cast<int>(ref.joinType)];
      appendTableRef(out, *ref.right);
      if (ref.joinCondition) out += " ON " + ref.joinCondition->toString();
      if (!ref.usingColumns.empty()) {
        out += " USING (";
        for (size_t i = 0; i < ref.usingColumns.size(); ++i) {
          if (i > 0) out += ", ";
          appendIdentifier(out, ref.usingColumns[i]);
        }
        out += ")";
      }
      break;
    }
  }
  if (!ref.alias.empty()) {
    out += " AS ";
    appendIdentifier(out, ref.alias);
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Expr

void Expr::throwBadCast(ExprKind expected) const {
  throw QueryError(ErrorCode::kLogicalError, "syntax tree node of kind " + std::to_string(static_cast<int>(kind)) +
                                                 " used as kind " + std::to_string(static_cast<int>(expected)));
}

std::string Expr::toString() const {
  std::string out;
  appendExpr(out, *this);
  return out;
}

ExprPtr Expr::clone() const {
  switch (kind) {
    case ExprKind::kLiteral:
      return std::make_unique<LiteralExpr>(as<LiteralExpr>().value, position);

    case ExprKind::kInterval: {
      auto copy = std::make_unique<IntervalExpr>(position);
      copy->value = as<IntervalExpr>().value->clone();
      copy->unit = as<IntervalExpr>().unit;
      return copy;
    }

    case ExprKind::kColumnRef:
      return std::make_unique<ColumnRefExpr>(as<ColumnRefExpr>().parts, position);

    case ExprKind::kStar: {
      auto copy = std::make_unique<StarExpr>(position);
      copy->qualifier = as<StarExpr>().qualifier;
      copy->excluded = as<StarExpr>().excluded;
      return copy;
    }

    case ExprKind::kFunction:
      return cloneFunction(as<FunctionExpr>());

    case ExprKind::kUnary: {
      auto copy = std::make_unique<UnaryExpr>(position);
      copy->op = as<UnaryExpr>().op;
      copy->operand = as<UnaryExpr>().operand->clone();
      return copy;
    }

    case ExprKind::kBinary: {
      const auto& binary = as<BinaryExpr>();
      auto copy = std::make_unique<BinaryExpr>(position);
      copy->op = binary.op;
      copy->left = binary.left->clone();
      copy->right = binary.right->clone();
      return copy;
    }

    case ExprKind::kIsNull: {
      auto copy = std::make_unique<IsNullExpr>(position);
      copy->operand = as<IsNullExpr>().operand->clone();
      copy->negated = as<IsNullExpr>().negated;
      return copy;
    }

    case ExprKind::kBetween: {
      const auto& between = as<BetweenExpr>();
      auto copy = std::make_unique<BetweenExpr>(position);
      copy->operand = between.operand->clone();
      copy->lower = between.lower->clone();
      copy->upper = between.upper->clone();
      copy->negated = between.negated;
      return copy;
    }

    case ExprKind::kIn: {
      const auto& in = as<InExpr>();
      auto copy = std::make_unique<InExpr>(position);
      copy->operand = in.operand->clone();
      copy->list = cloneList(in.list);
      copy->subquery = cloneOrNull(in.subquery);
      copy->negated = in.negated;
      return copy;
    }

    case ExprKind::kCase: {
      const auto& caseExpr = as<CaseExpr>();
      auto copy = std::make_unique<CaseExpr>(position);
      copy->operand = cloneOrNull(caseExpr.operand);
      for (const WhenClause& when : caseExpr.whens) {
        copy->whens.push_back(WhenClause{when.condition->clone(), when.result->clone()});
      }
      copy->elseResult = cloneOrNull(caseExpr.elseResult);
      return copy;
    }

    case ExprKind::kCast: {
      const auto& cast = as<CastExpr>();
      auto copy = std::make_unique<CastExpr>(position);
      copy->operand = cast.operand->clone();
      copy->target = cast.target;
      copy->syntax = cast.syntax;
      return copy;
    }

    case ExprKind::kExtract: {
      auto copy = std::make_unique<ExtractExpr>(position);
      copy->part = as<ExtractExpr>().part;
      copy->operand = as<ExtractExpr>().operand->clone();
      return copy;
    }

    case ExprKind::kSubquery: {
      auto copy = std::make_unique<SubqueryExpr>(position);
      copy->query = as<SubqueryExpr>().query->clone();
      return copy;
    }

    case ExprKind::kExists: {
      auto copy = std::make_unique<ExistsExpr>(position);
      copy->query = as<ExistsExpr>().query->clone();
      return copy;
    }

    case ExprKind::kTuple: {
      auto copy = std::make_unique<TupleExpr>(position);
      copy->elements = cloneList(as<TupleExpr>().elements);
      return copy;
    }

    case ExprKind::kArray: {
      auto copy = std::make_unique<ArrayExpr>(position);
      copy->elements = cloneList(as<ArrayExpr>().elements);
      return copy;
    }
  }
  throwBadCast(kind);
}

// Out of line because these hold a SelectQueryPtr, and SelectQuery is
// incomplete where the classes are declared.
InExpr::InExpr(SourcePosition pos) : Expr(kKind, pos) {}
InExpr::~InExpr() = default;
SubqueryExpr::SubqueryExpr(SourcePosition pos) : Expr(kKind, pos) {}
SubqueryExpr::~SubqueryExpr() = default;
ExistsExpr::ExistsExpr(SourcePosition pos) : Expr(kKind, pos) {}
ExistsExpr::~ExistsExpr() = default;
TableRef::TableRef() = default;
TableRef::~TableRef() = default;
TableRef::TableRef(TableRef&&) noexcept = default;
TableRef& TableRef::operator=(TableRef&&) noexcept = default;
WithItem::WithItem() = default;
WithItem::~WithItem() = default;
WithItem::WithItem(WithItem&&) noexcept = default;
WithItem& WithItem::operator=(WithItem&&) noexcept = default;
SelectQuery::SelectQuery() = default;
SelectQuery::~SelectQuery() = default;

// ---------------------------------------------------------------------------
// Names

std::string_view timeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kNanosecond: return "NANOSECOND";
    case TimeUnit::kMicrosecond: return "MICROSECOND";
    case TimeUnit::kMillisecond: return "MILLISECOND";
    case TimeUnit::kSecond: return "SECOND";
    case TimeUnit::kMinute: return "MINUTE";
    case TimeUnit::kHour: return "HOUR";
    case TimeUnit::kDay: return "DAY";
    case TimeUnit::kWeek: return "WEEK";
    case TimeUnit::kMonth: return "MONTH";
    case TimeUnit::kQuarter: return "QUARTER";
    case TimeUnit::kYear: return "YEAR";
    case TimeUnit::kDayOfWeek: return "DOW";
    case TimeUnit::kDayOfYear: return "DOY";
    case TimeUnit::kEpoch: return "EPOCH";
  }
  return "?";
}

std::string_view binaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return "OR";
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kEqual: return "=";
    case BinaryOp::kNotEqual: return "!=";
    case BinaryOp::kLess: return "<";
    case BinaryOp::kLessOrEqual: return "<=";
    case BinaryOp::kGreater: return ">";
    case BinaryOp::kGreaterOrEqual: return ">=";
    case BinaryOp::kLike: return "LIKE";
    case BinaryOp::kNotLike: return "NOT LIKE";
    case BinaryOp::kILike: return "ILIKE";
    case BinaryOp::kNotILike: return "NOT ILIKE";
    case BinaryOp::kConcat: return "||";
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSubtract: return "-";
    case BinaryOp::kMultiply: return "*";
    case BinaryOp::kDivide: return "/";
    case BinaryOp::kIntegerDivide: return "DIV";
    case BinaryOp::kModulo: return "%";
  }
  return "?";
}

std::string_view statementKindName(StatementKind kind) {
  switch (kind) {
    case StatementKind::kSelect: return "SELECT";
    case StatementKind::kCreateTable: return "CREATE TABLE";
    case StatementKind::kDropTable: return "DROP TABLE";
    case StatementKind::kInsert: return "INSERT";
    case StatementKind::kShowTables: return "SHOW TABLES";
    case StatementKind::kShowDatabases: return "SHOW DATABASES";
    case StatementKind::kShowCreateTable: return "SHOW CREATE TABLE";
    case StatementKind::kDescribe: return "DESCRIBE";
    case StatementKind::kExistsTable: return "EXISTS TABLE";
    case StatementKind::kUse: return "USE";
    case StatementKind::kSet: return "SET";
    case StatementKind::kOptimizeTable: return "OPTIMIZE TABLE";
    case StatementKind::kTruncateTable: return "TRUNCATE TABLE";
    case StatementKind::kAlterTable: return "ALTER TABLE";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Statements and queries

void Statement::throwBadCast(StatementKind expected) const {
  throw QueryError(ErrorCode::kLogicalError, std::string(statementKindName(kind)) + " statement used as " +
                                                 std::string(statementKindName(expected)));
}

std::string TableName::toString() const {
  std::string out;
  if (!database.empty()) {
    appendIdentifier(out, database);
    out.push_back('.');
  }
  appendIdentifier(out, table);
  return out;
}

std::string SelectQuery::toString() const {
  std::string out;
  if (!with.empty()) {
    out += "WITH ";
    for (size_t i = 0; i < with.size(); ++i) {
      if (i > 0) out += ", ";
      if (with[i].query) {
        appendIdentifier(out, with[i].name);
        out += " AS (" + with[i].query->toString() + ")";
      } else {
        out += with[i].expr->toString() + " AS ";
        appendIdentifier(out, with[i].name);
      }
    }
    out += " ";
  }

  out += distinct ? "SELECT DISTINCT " : "SELECT ";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i].expr->toString();
    if (!items[i].alias.empty()) {
      out += " AS ";
      appendIdentifier(out, items[i].alias);
    }
  }
  if (from) {
    out += " FROM ";
    appendTableRef(out, *from);
  }
  if (where) out += " WHERE " + where->toString();
  if (groupByAll) out += " GROUP BY ALL";
  if (!groupBy.empty()) {
    out += " GROUP BY ";
    appendList(out, groupBy);
  }
  if (having) out += " HAVING " + having->toString();
  if (!orderBy.empty()) {
    out += " ORDER BY ";
    for (size_t i = 0; i < orderBy.size(); ++i) {
      if (i > 0) out += ", ";
      out += orderBy[i].expr->toString();
      if (orderBy[i].descending) out += " DESC";
      if (orderBy[i].nulls == NullsOrder::kFirst) out += " NULLS FIRST";
      if (orderBy[i].nulls == NullsOrder::kLast) out += " NULLS LAST";
    }
  }
  if (limit) out += " LIMIT " + std::to_string(*limit);
  if (offset > 0) out += " OFFSET " + std::to_string(offset);
  for (const SelectQueryPtr& branch : unionAll) out += " UNION ALL " + branch->toString();
  return out;
}

SelectQueryPtr SelectQuery::clone() const {
  auto copy = std::make_unique<SelectQuery>();
  copy->position = position;
  for (const WithItem& item : with) {
    WithItem itemCopy;
    itemCopy.name = item.name;
    itemCopy.query = cloneOrNull(item.query);
    itemCopy.expr = cloneOrNull(item.expr);
    itemCopy.position = item.position;
    copy->with.push_back(std::move(itemCopy));
  }
  copy->distinct = distinct;
  for (const SelectItem& item : items) copy->items.push_back(SelectItem{item.expr->clone(), item.alias, item.position});
  if (from) copy->from = cloneTableRef(*from);
  copy->where = cloneOrNull(where);
  copy->groupBy = cloneList(groupBy);
  copy->groupByAll = groupByAll;
  copy->having = cloneOrNull(having);
  for (const OrderByItem& item : orderBy) {
    copy->orderBy.push_back(OrderByItem{item.expr->clone(), item.descending, item.nulls});
  }
  copy->limit = limit;
  copy->offset = offset;
  for (const SelectQueryPtr& branch : unionAll) copy->unionAll.push_back(branch->clone());
  return copy;
}

}  // namespace furl::sql
