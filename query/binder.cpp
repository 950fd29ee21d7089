#include "query/binder.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/error.h"
#include "common/hll_sketch.h"
#include "common/time_util.h"
#include "query/aggregate.h"
#include "query/function.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {
namespace {

using sql::ExprKind;

std::string lower(std::string_view s) { return absl::AsciiStrToLower(absl::string_view(s.data(), s.size())); }

std::string where(const SourcePosition& position) {
  if (position.line == 0) return "";
  return " at line " + std::to_string(position.line) + ", column " + std::to_string(position.column);
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string functionForBinary(sql::BinaryOp op) {
  switch (op) {
    case sql::BinaryOp::kOr:
      return "or";
    case sql::BinaryOp::kAnd:
      return "and";
    case sql::BinaryOp::kEqual:
      return "equals";
    case sql::BinaryOp::kNotEqual:
      return "notEquals";
    case sql::BinaryOp::kLess:
      return "less";
    case sql::BinaryOp::kLessOrEqual:
      return "lessOrEquals";
    case sql::BinaryOp::kGreater:
      return "greater";
    case sql::BinaryOp::kGreaterOrEqual:
      return "greaterOrEquals";
    case sql::BinaryOp::kLike:
      return "like";
    case sql::BinaryOp::kNotLike:
      return "notLike";
    case sql::BinaryOp::kILike:
      return "ilike";
    case sql::BinaryOp::kNotILike:
      return "notILike";
    case sql::BinaryOp::kConcat:
      return "concat";
    case sql::BinaryOp::kAdd:
      return "plus";
    case sql::BinaryOp::kSubtract:
      return "minus";
    case sql::BinaryOp::kMultiply:
      return "multiply";
    case sql::BinaryOp::kDivide:
      return "divide";
    case sql::BinaryOp::kIntegerDivide:
      return "intDiv";
    case sql::BinaryOp::kModulo:
      return "modulo";
  }
  return "";
}

std::optional<std::string> functionForExtract(sql::TimeUnit unit) {
  switch (unit) {
    case sql::TimeUnit::kYear:
      return "toYear";
    case sql::TimeUnit::kMonth:
      return "toMonth";
    case sql::TimeUnit::kDay:
      return "toDayOfMonth";
    case sql::TimeUnit::kHour:
      return "toHour";
    case sql::TimeUnit::kMinute:
      return "toMinute";
    case sql::TimeUnit::kSecond:
      return "toSecond";
    case sql::TimeUnit::kDayOfWeek:
      return "toDayOfWeek";
    case sql::TimeUnit::kEpoch:
      return "toUnixTimestamp";
    default:
      return std::nullopt;
  }
}

bool isAggregateCall(const sql::Expr& expr) {
  if (expr.kind != ExprKind::kFunction) return false;
  const auto& call = expr.as<sql::FunctionExpr>();
  return findAggregate(call.name, call.distinct).has_value();
}

// Calls fn on each direct child expression of `expr`.
template <typename Fn>
void forEachChild(const sql::Expr& expr, Fn&& fn) {
  switch (expr.kind) {
    case ExprKind::kFunction:
      for (const auto& arg : expr.as<sql::FunctionExpr>().args) fn(*arg);
      break;
    case ExprKind::kUnary:
      fn(*expr.as<sql::UnaryExpr>().operand);
      break;
    case ExprKind::kBinary:
      fn(*expr.as<sql::BinaryExpr>().left);
      fn(*expr.as<sql::BinaryExpr>().right);
      break;
    case ExprKind::kIsNull:
      fn(*expr.as<sql::IsNullExpr>().operand);
      break;
    case ExprKind::kBetween: {
      const auto& between = expr.as<sql::BetweenExpr>();
      fn(*between.operand);
      fn(*between.lower);
      fn(*between.upper);
      break;
    }
    case ExprKind::kIn: {
      const auto& in = expr.as<sql::InExpr>();
      fn(*in.operand);
      for (const auto& e : in.list) fn(*e);
      break;
    }
    case ExprKind::kCase: {
      const auto& c = expr.as<sql::CaseExpr>();
      if (c.operand) fn(*c.operand);
      for (const auto& w : c.whens) {
        fn(*w.condition);
        fn(*w.result);
      }
      if (c.elseResult) fn(*c.elseResult);
      break;
    }
    case ExprKind::kCast:
      fn(*expr.as<sql::CastExpr>().operand);
      break;
    case ExprKind::kExtract:
      fn(*expr.as<sql::ExtractExpr>().operand);
      break;
    default:
      break;
  }
}

bool containsAggregate(const sql::Expr& expr) {
  if (isAggregateCall(expr)) return true;
  bool found = false;
  forEachChild(expr, [&](const sql::Expr& child) { found = found || containsAggregate(child); });
  return found;
}

// Converts a constant to the domain of a column of type `type` for
// min/max pruning; nullopt when the comparison would not be a plain one.
std::optional<Value> pruneValue(const Value& value, DataType type) {
  if (value.isNull()) return std::nullopt;
  TypeId id = type.id;
  bool isString = std::holds_alternative<std::string>(value.storage());
  if (isTimestamp(id)) {
    if (isString) {
      auto ms = parseTimestampMs(value.asString());
      if (!ms) return std::nullopt;
      return Value::timestampMs(*ms, id);
    }
    if (isTimestamp(value.type())) return Value::timestampMs(value.asInt64(), id);
    if (value.type() == TypeId::kDate) return Value::timestampMs(value.asInt64() * 86400000, id);
    return std::nullopt;
  }
  if (id == TypeId::kDate) {
    if (isString) {
      auto days = parseDate(value.asString());
      if (!days) return std::nullopt;
      return Value::date(*days);
    }
    if (value.type() == TypeId::kDate) return value;
    return std::nullopt;
  }
  if (id == TypeId::kString) return isString ? std::optional<Value>(value) : std::nullopt;
  if (isNumeric(id) && id != TypeId::kBool && !isString) return value;
  return std::nullopt;
}

[[noreturn]] void throwUnknownFunction(const std::string& name, SourcePosition position) {
  // Aggregates are candidates too: an unknown name may be a misspelled one.
  std::vector<std::string> candidates = FunctionRegistry::instance().names();
  for (std::string_view aggregate : aggregateFunctionNames()) candidates.emplace_back(aggregate);
  std::string message = "unknown function '" + name + "'" + where(position);
  std::string suggestion = closestName(name, candidates);
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  throw QueryError(ErrorCode::kUnknownFunction, message, position);
}

class Binder {
 public:
  /// `database` may be null when only constants are bound.
  /// Unqualified table names are looked up in `currentDatabase`: `default`
  /// or a system schema.
  Binder(const storage::Database* database, const SystemTables* systemTables, std::vector<std::string>& warnings,
         std::string currentDatabase = "default")
      : database_(database),
        systemTables_(systemTables),
        warnings_(warnings),
        currentDatabase_(std::move(currentDatabase)) {}

  std::unique_ptr<SelectPlan> bind(const sql::SelectQuery& query);

  /// Binds an expression that must not reference columns.
  BoundExprPtr bindConstant(const sql::Expr& expr) {
    SelectPlan plan;
    Scope scope;
    scope.plan = &plan;
    return bindExpr(expr, scope, Mode::kSource);
  }

 private:
  enum class Mode { kSource, kAggregated };

  struct Scope {
    SelectPlan* plan = nullptr;
    std::vector<std::string> names;
    std::vector<DataType> types;
    std::string qualifier;
    std::vector<int> scanIndex;  // source column -> scan column, -1 if not scanned
    std::map<std::string, const sql::Expr*> aliases;
    std::vector<std::string> aliasStack;  // aliases being expanded, to stop cycles
    // Aggregated mode: group keys and aggregates by their SQL text.
    std::vector<std::string> keyTexts;
    std::vector<std::string> aggregateTexts;
  };

  void bindSource(const sql::SelectQuery& query, Scope& scope);
  BoundExprPtr bindExpr(const sql::Expr& expr, Scope& scope, Mode mode);
  BoundExprPtr bindColumnRef(const sql::ColumnRefExpr& ref, Scope& scope, Mode mode);
  BoundExprPtr bindAggregate(const sql::FunctionExpr& call, Scope& scope);
  /// Binds the constant lgK and tgtHllType arguments (args[1] and args[2])
  /// of a sketch aggregate.
  void bindSketchParameters(const sql::FunctionExpr& call, const std::vector<const sql::Expr*>& args, Scope& scope,
                            AggregateSpec& spec);
  BoundExprPtr bindIntervalArithmetic(BoundExprPtr time, const sql::IntervalExpr& interval, bool subtract,
                                      Scope& scope, Mode mode);
  std::vector<Value> runListSubquery(const sql::SelectQuery& query, SourcePosition position);
  BoundExprPtr bindScalarSubquery(const sql::SelectQuery& query, SourcePosition position);
  BoundExprPtr scanColumn(size_t sourceColumn, Scope& scope);
  const sql::Expr& resolveGroupOrOrderItem(const sql::Expr& item, const sql::SelectQuery& query,
                                           const Scope& scope);
  void addPruneRules(const sql::Expr& conjunct, Scope& scope);

  void bindSystemTable(const sql::TableRef& from, const std::string& schema, Scope& scope);

  /// Binds the query of the visible common table expression `name` as the
  /// source of `scope`; false when no CTE has that name.
  bool bindCommonTableExpression(const sql::TableRef& from, Scope& scope);
  /// Gives the visible columns of `plan` and its UNION ALL blocks common
  /// types, casting where a block's type differs.
  void unifyUnionTypes(SelectPlan& plan, const sql::SelectQuery& query);

  const storage::Database* database_;
  const SystemTables* systemTables_;
  std::vector<std::string>& warnings_;
  std::string currentDatabase_;
  /// The common table expressions (WITH name AS (SELECT ...)) visible while
  /// binding: those of the queries being bound, outermost first. A CTE's
  /// own query sees only the CTEs before it.
  std::vector<std::pair<std::string, const sql::SelectQuery*>> ctes_;
};

BoundExprPtr Binder::scanColumn(size_t sourceColumn, Scope& scope) {
  if (scope.scanIndex[sourceColumn] < 0) {
    scope.scanIndex[sourceColumn] = static_cast<int>(scope.plan->scanColumns.size());
    scope.plan->scanColumns.push_back(sourceColumn);
    scope.plan->scanTypes.push_back(scope.types[sourceColumn]);
  }
  return BoundExpr::column(static_cast<size_t>(scope.scanIndex[sourceColumn]), scope.types[sourceColumn]);
}

bool Binder::bindCommonTableExpression(const sql::TableRef& from, Scope& scope) {
  // The innermost CTE of that name wins, as a name in an inner WITH hides
  // an outer one.
  size_t index = ctes_.size();
  while (index > 0 && ctes_[index - 1].first != from.name.table) --index;
  if (index == 0) return false;
  const sql::SelectQuery& query = *ctes_[index - 1].second;

  // Its query can read only the CTEs before it, so it cannot refer to itself.
  std::vector<std::pair<std::string, const sql::SelectQuery*>> hidden(ctes_.begin() + static_cast<long>(index) - 1,
                                                                        ctes_.end());
  ctes_.resize(index - 1);
  std::unique_ptr<SelectPlan> subquery;
  try {
    subquery = bind(query);
  } catch (...) {
    ctes_.insert(ctes_.end(), hidden.begin(), hidden.end());
    throw;
  }
  ctes_.insert(ctes_.end(), hidden.begin(), hidden.end());

  SelectPlan& plan = *scope.plan;
  plan.subquery = std::move(subquery);
  for (size_t i = 0; i < plan.subquery->numVisible; ++i) {
    scope.names.push_back(plan.subquery->names[i]);
    scope.types.push_back(plan.subquery->projections[i]->type);
  }
  scope.qualifier = from.alias.empty() ? from.name.table : from.alias;
  return true;
}

void Binder::bindSource(const sql::SelectQuery& query, Scope& scope) {
  SelectPlan& plan = *scope.plan;
  if (!query.from) return;
  const sql::TableRef& from = *query.from;
  switch (from.kind) {
    case sql::TableRefKind::kTable: {
      if (from.name.database.empty() && bindCommonTableExpression(from, scope)) break;
      const std::string& schema = from.name.database.empty() ? currentDatabase_ : from.name.database;
      if (lower(schema) != "default") {
        bindSystemTable(from, schema, scope);
        break;
      }
      auto snapshot = database_->snapshot(from.name.table);
      if (!snapshot.ok()) {
        if (snapshot.status().code() == absl::StatusCode::kNotFound) {
          std::string message = "unknown table '" + from.name.toString() + "'" + where(from.position);
          std::string suggestion = closestName(from.name.table, database_->listTables());
          if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
          throw QueryError(ErrorCode::kUnknownTable, message, from.position);
        }
        throw errorFromStatus(snapshot.status());
      }
      plan.table = *snapshot;
      for (const auto& column : plan.table->def.columns) {
        scope.names.push_back(column.name);
        scope.types.push_back(column.type);
      }
      scope.qualifier = from.alias.empty() ? from.name.table : from.alias;
      break;
    }
    case sql::TableRefKind::kSubquery: {
      plan.subquery = bind(*from.subquery);
      for (size_t i = 0; i < plan.subquery->numVisible; ++i) {
        scope.names.push_back(plan.subquery->names[i]);
        scope.types.push_back(plan.subquery->projections[i]->type);
      }
      scope.qualifier = from.alias;
      break;
    }
    case sql::TableRefKind::kTableFunction: {
      const sql::FunctionExpr& function = *from.function;
      if (lower(function.name) != "numbers" || function.args.empty() || function.args.size() > 2) {
        throw QueryError(ErrorCode::kUnknownFunction,
                         "unknown table function '" + function.toString() + "'" + where(from.position) +
                             "; Furl has numbers(N) and numbers(offset, N)",
                         from.position);
      }
      std::vector<uint64_t> bounds;
      for (const auto& arg : function.args) {
        BoundExprPtr bound = bindExpr(*arg, scope, Mode::kSource);
        const Value& v = bound->constant;
        bool valid = bound->isConstant() && !v.isNull() &&
                     ((v.type() == TypeId::kInt64 && v.asInt64() >= 0) || v.type() == TypeId::kUInt64);
        if (!valid) {
          throw QueryError(ErrorCode::kBadArguments,
                           "the arguments of numbers()" + where(arg->position) + " must be non-negative integer constants",
                           arg->position);
        }
        bounds.push_back(v.type() == TypeId::kInt64 ? static_cast<uint64_t>(v.asInt64()) : v.asUInt64());
      }
      uint64_t begin = bounds.size() == 2 ? bounds[0] : 0;
      uint64_t count = bounds.back();
      plan.numbers = std::make_pair(begin, begin + count);
      scope.names.push_back("number");
      scope.types.push_back(DataType(TypeId::kUInt64));
      scope.qualifier = from.alias.empty() ? "numbers" : from.alias;
      break;
    }
    default:
      throw QueryError(ErrorCode::kNotImplemented,
                       "only tables, subqueries and numbers() are supported in FROM" + where(from.position),
                       from.position);
  }
  scope.scanIndex.assign(scope.names.size(), -1);
}

void Binder::bindSystemTable(const sql::TableRef& from, const std::string& schema, Scope& scope) {
  if (systemTables_ == nullptr || !systemTables_->isSystemSchema(schema)) {
    std::string message = "unknown database '" + schema + "'" + where(from.position) + "; Furl has 'default'";
    if (systemTables_ != nullptr) {
      for (const auto& name : systemTables_->schemas()) message += ", '" + name + "'";
    }
    throw QueryError(ErrorCode::kUnknownDatabase, message, from.position);
  }
  auto table = systemTables_->find(schema, from.name.table);
  if (!table) {
    std::string message = "unknown table '" + schema + "." + from.name.table + "'" + where(from.position);
    std::string suggestion = closestName(from.name.table, systemTables_->list(schema));
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    throw QueryError(ErrorCode::kUnknownTable, message, from.position);
  }

  SystemRows rows(table->columns);
  table->produce(rows);
  scope.plan->systemRows = std::make_shared<const std::vector<Batch>>(rows.finish());
  for (const auto& column : table->columns) {
    scope.names.push_back(column.name);
    scope.types.push_back(column.type);
  }
  scope.qualifier = from.alias.empty() ? from.name.table : from.alias;
}

BoundExprPtr Binder::bindColumnRef(const sql::ColumnRefExpr& ref, Scope& scope, Mode mode) {
  const std::string& name = ref.name();
  if (ref.isQualified()) {
    const std::string& qualifier = ref.parts[ref.parts.size() - 2];
    if (qualifier != scope.qualifier) {
      throw QueryError(ErrorCode::kUnknownIdentifier,
                       "unknown table or alias '" + qualifier + "' in '" + ref.toString() + "'" + where(ref.position),
                       ref.position);
    }
  }
  bool aliasExpanding =
      std::find(scope.aliasStack.begin(), scope.aliasStack.end(), name) != scope.aliasStack.end();
  auto column = std::find(scope.names.begin(), scope.names.end(), name);

  // In the aggregated stage an alias wins (ClickHouse resolves aliases first);
  // in the source stage a real column wins, then an alias.
  auto alias = scope.aliases.find(name);
  bool useAlias = alias != scope.aliases.end() && !aliasExpanding && !ref.isQualified() &&
                  (mode == Mode::kAggregated || column == scope.names.end());
  if (useAlias) {
    scope.aliasStack.push_back(name);
    BoundExprPtr bound = bindExpr(*alias->second, scope, mode);
    scope.aliasStack.pop_back();
    return bound;
  }
  if (column == scope.names.end()) {
    std::string message = "unknown column '" + name + "'" + where(ref.position);
    std::vector<std::string> candidates = scope.names;
    for (const auto& [aliasName, expr] : scope.aliases) candidates.push_back(aliasName);
    std::string suggestion = closestName(name, candidates);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    throw QueryError(ErrorCode::kUnknownIdentifier, message, ref.position);
  }
  if (mode == Mode::kAggregated) {
    throw QueryError(ErrorCode::kNotAnAggregate,
                     "column '" + name + "'" + where(ref.position) +
                         " is neither in GROUP BY nor inside an aggregate function; add it to GROUP BY or wrap it "
                         "in an aggregate such as any(" + name + ")",
                     ref.position);
  }
  return scanColumn(static_cast<size_t>(column - scope.names.begin()), scope);
}

namespace {

// The parameters of a parametric aggregate: quantile(0.9)(x). Only the
// quantile family takes one, a level from 0 to 1 (0.5 when left out).
void bindAggregateParameters(const sql::FunctionExpr& call, AggregateSpec& spec) {
  bool quantile = spec.kind == AggregateKind::kQuantile || spec.kind == AggregateKind::kQuantileExact;
  if (call.parameters.empty()) return;
  if (!quantile) {
    throw QueryError(ErrorCode::kBadArguments,
                     "aggregate function " + call.name + where(call.position) + " takes no parameters",
                     call.position);
  }
  std::string base = lower(call.name);
  if (call.parameters.size() != 1 || base.rfind("median", 0) == 0) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     "aggregate function " + call.name + where(call.position) +
                         (base.rfind("median", 0) == 0 ? " takes no parameters; use quantile(level)(x)"
                                                       : " takes one parameter, the level: quantile(0.9)(x)"),
                     call.position);
  }
  Value level = evaluateLiteralExpr(*call.parameters[0]);
  double value = -1;
  if (isNumeric(level.type()) && level.type() != TypeId::kBool) {
    if (level.type() == TypeId::kFloat64) value = level.asDouble();
    if (isSignedInteger(level.type())) value = static_cast<double>(level.asInt64());
    if (isUnsignedInteger(level.type())) value = static_cast<double>(level.asUInt64());
  }
  if (!(value >= 0 && value <= 1)) {
    throw QueryError(ErrorCode::kBadArguments,
                     "the level of " + call.name + where(call.parameters[0]->position) + " is " + level.toString() +
                         "; use a number from 0 to 1",
                     call.parameters[0]->position);
  }
  spec.level = value;
}

}  // namespace

void Binder::bindSketchParameters(const sql::FunctionExpr& call, const std::vector<const sql::Expr*>& args,
                                  Scope& scope, AggregateSpec& spec) {
  BoundExprPtr lgK = bindExpr(*args[1], scope, Mode::kSource);
  bool valid = lgK->isConstant() && !lgK->constant.isNull() && lgK->constant.type() == TypeId::kInt64 &&
               lgK->constant.asInt64() >= HllSketch::kMinLgK && lgK->constant.asInt64() <= HllSketch::kMaxLgK;
  if (!valid) {
    throw QueryError(ErrorCode::kBadArguments,
                     "the lgK argument of " + call.name + where(args[1]->position) +
                         " must be an integer constant from 4 to 21",
                     args[1]->position);
  }
  spec.lgK = static_cast<int>(lgK->constant.asInt64());
  spec.explicitLgK = true;
  if (args.size() < 3) return;

  // Druid's register widths; Furl keeps one byte per register for all of
  // them, so the type changes nothing but is checked like Druid checks it.
  BoundExprPtr type = bindExpr(*args[2], scope, Mode::kSource);
  bool known = type->isConstant() && !type->constant.isNull() && type->constant.type() == TypeId::kString &&
               (type->constant.asString() == "HLL_4" || type->constant.asString() == "HLL_6" ||
                type->constant.asString() == "HLL_8");
  if (!known) {
    throw QueryError(ErrorCode::kBadArguments,
                     "the tgtHllType argument of " + call.name + where(args[2]->position) +
                         " must be 'HLL_4', 'HLL_6' or 'HLL_8'",
                     args[2]->position);
  }
}

BoundExprPtr Binder::bindAggregate(const sql::FunctionExpr& call, Scope& scope) {
  std::string text = call.toString();
  auto existing = std::find(scope.aggregateTexts.begin(), scope.aggregateTexts.end(), text);
  SelectPlan& plan = *scope.plan;
  size_t numKeys = plan.groupKeys.size();
  if (existing != scope.aggregateTexts.end()) {
    size_t index = static_cast<size_t>(existing - scope.aggregateTexts.begin());
    return BoundExpr::column(numKeys + index, plan.aggregates[index].resultType);
  }
  AggregateKind kind = *findAggregate(call.name, call.distinct);
  AggregateSpec spec;
  spec.kind = kind;

  // sumIf(x, cond) is sum(if(cond, x, NULL)), and countIf(cond) is
  // count(if(cond, 1, NULL)): every aggregate skips NULL.
  std::vector<const sql::Expr*> args;
  for (const auto& arg : call.args) args.push_back(arg.get());
  const sql::Expr* condition = nullptr;
  const bool argPick = kind == AggregateKind::kArgMin || kind == AggregateKind::kArgMax;
  if (stripIfCombinator(call.name)) {
    size_t minArgs = 2;
    if (kind == AggregateKind::kCount) minArgs = 1;
    if (argPick) minArgs = 3;
    if (args.size() != minArgs) {
      throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                       "aggregate function " + call.name + " takes " + std::to_string(minArgs) +
                           (minArgs == 1   ? " argument (the condition)"
                            : minArgs == 3 ? " arguments (the value, the compared value and the condition)"
                                           : " arguments (the value and the condition)") +
                           ", got " + std::to_string(args.size()) + where(call.position),
                       call.position);
    }
    condition = args.back();
    args.pop_back();
  }
  bindAggregateParameters(call, spec);

  if (kind == AggregateKind::kCount && !condition && (call.starArgument || args.empty())) {
    spec.kind = AggregateKind::kCountStar;
  } else if (kind == AggregateKind::kCount && condition && args.empty()) {
    spec.arg = BoundExpr::literal(Value::int64(1), DataType(TypeId::kInt64));
  } else if (argPick) {
    // Druid's EARLIEST(x [, maxBytes]) and LATEST(x [, maxBytes]) compare
    // the row time __time; EARLIEST_BY/LATEST_BY(x, t [, maxBytes]) take it.
    // maxBytes limits string sizes in Druid; Furl keeps whole strings.
    std::string lower = absl::AsciiStrToLower(call.name);
    bool byRowTime = lower == "earliest" || lower == "latest";
    bool druidBy = lower == "earliest_by" || lower == "latest_by";
    size_t compared = byRowTime ? 1 : 2;
    if ((byRowTime || druidBy) && args.size() == compared + 1) {
      if (args.back()->kind != ExprKind::kLiteral) {
        throw QueryError(ErrorCode::kBadArguments,
                         "the last argument of " + call.name + where(args.back()->position) +
                             " is the maximum bytes per string and must be a number literal",
                         args.back()->position);
      }
      args.pop_back();
    }
    if (byRowTime && args.size() == 1) {
      static const sql::ColumnRefExpr kRowTime({"__time"});
      try {
        spec.key = bindExpr(kRowTime, scope, Mode::kSource);
      } catch (const QueryError&) {
        throw QueryError(ErrorCode::kUnknownIdentifier,
                         call.name + where(call.position) +
                             " compares the row time __time, which this table does not have; use " +
                             (lower == "latest" ? "LATEST_BY(x, time_column)" : "EARLIEST_BY(x, time_column)"),
                         call.position);
      }
      args.push_back(args[0]);  // checked below like any argument
    }
    if (args.size() != 2) {
      throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                       "aggregate function " + call.name + " takes " +
                           (byRowTime ? std::string("1 argument (the value returned)")
                                      : std::string("2 arguments (the value returned and the value compared)")) +
                           ", got " + std::to_string(args.size()) + where(call.position),
                       call.position);
    }
    for (const sql::Expr* arg : args) {
      if (containsAggregate(*arg)) {
        throw QueryError(ErrorCode::kIllegalAggregation,
                         "aggregate function " + call.name + where(call.position) +
                             " has another aggregate function inside; nest them through a subquery",
                         call.position);
      }
    }
    spec.arg = bindExpr(*args[0], scope, Mode::kSource);
    if (!spec.key) spec.key = bindExpr(*args[1], scope, Mode::kSource);
    if (spec.key->type.id == TypeId::kHllSketch) {
      throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                       "illegal type " + spec.key->type.toString() + " of the second argument of aggregate function " +
                           call.name + where(args[1]->position) +
                           "; sketches have no order: compare a number, a string, a date or a time",
                       args[1]->position);
    }
  } else {
    // APPROX_COUNT_DISTINCT_DS_HLL(x [, lgK [, tgtHllType]]) and DS_HLL
    // take Druid's sketch parameters; the other aggregates one argument.
    bool takesSketchParameters = takesHllParameters(call.name);
    size_t maxArgs = takesSketchParameters ? 3 : 1;
    if (args.empty() || args.size() > maxArgs) {
      throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                       "aggregate function " + call.name + " takes " +
                           (takesSketchParameters ? std::string("1 to 3 arguments (x [, lgK [, tgtHllType]])")
                                                  : std::string("1 argument")) +
                           ", got " + std::to_string(args.size()) + where(call.position),
                       call.position);
    }
    if (args.size() >= 2) bindSketchParameters(call, args, scope, spec);
    if (containsAggregate(*args[0])) {
      throw QueryError(ErrorCode::kIllegalAggregation,
                       "aggregate function " + call.name + where(call.position) +
                           " has another aggregate function inside; nest them through a subquery",
                       call.position);
    }
    spec.arg = bindExpr(*args[0], scope, Mode::kSource);
  }
  if (condition != nullptr) {
    if (containsAggregate(*condition)) {
      throw QueryError(ErrorCode::kIllegalAggregation,
                       "the condition of " + call.name + where(condition->position) +
                           " has an aggregate function inside; nest them through a subquery",
                       condition->position);
    }
    BoundExprPtr test = bindExpr(*condition, scope, Mode::kSource);
    BoundExprPtr null = BoundExpr::literal(Value::null(), DataType(TypeId::kNull, true));
    spec.arg = bindFunctionCall("if", {test, spec.arg, null}, call.position);
  }
  spec.resultType = aggregateResultType(spec.kind, spec.arg ? spec.arg->type : DataType(), call.name);
  plan.aggregates.push_back(spec);
  scope.aggregateTexts.push_back(text);
  return BoundExpr::column(numKeys + plan.aggregates.size() - 1, spec.resultType);
}

BoundExprPtr Binder::bindExpr(const sql::Expr& expr, Scope& scope, Mode mode) {
  if (mode == Mode::kAggregated) {
    std::string text = expr.toString();
    auto key = std::find(scope.keyTexts.begin(), scope.keyTexts.end(), text);
    if (key != scope.keyTexts.end()) {
      size_t index = static_cast<size_t>(key - scope.keyTexts.begin());
      return BoundExpr::column(index, scope.plan->groupKeys[index]->type);
    }
    if (isAggregateCall(expr)) return bindAggregate(expr.as<sql::FunctionExpr>(), scope);
  } else if (isAggregateCall(expr)) {
    const auto& call = expr.as<sql::FunctionExpr>();
    throw QueryError(ErrorCode::kIllegalAggregation,
                     "aggregate function " + call.toString() + where(call.position) +
                         " is not allowed here (WHERE, GROUP BY or inside another aggregate)",
                     call.position);
  }

  auto bindChild = [&](const sql::Expr& child) { return bindExpr(child, scope, mode); };
  auto call = [&](const std::string& name, std::vector<BoundExprPtr> args) {
    return bindFunctionCall(name, std::move(args), expr.position);
  };

  switch (expr.kind) {
    case ExprKind::kLiteral: {
      const Value& value = expr.as<sql::LiteralExpr>().value;
      return BoundExpr::literal(value, DataType(value.type(), value.isNull()));
    }
    case ExprKind::kColumnRef:
      return bindColumnRef(expr.as<sql::ColumnRefExpr>(), scope, mode);
    case ExprKind::kFunction: {
      const auto& f = expr.as<sql::FunctionExpr>();
      if (f.distinct) {
        throw QueryError(ErrorCode::kUnknownAggregateFunction,
                         "DISTINCT is only allowed in aggregate functions, not in " + f.name + where(f.position),
                         f.position);
      }
      // An unknown name is the first error to report, before any error in
      // its arguments (such as a column outside GROUP BY).
      if (FunctionRegistry::instance().find(f.name) == nullptr) throwUnknownFunction(f.name, f.position);
      std::vector<BoundExprPtr> args;
      for (const auto& arg : f.args) {
        // toStartOfInterval(t, INTERVAL n unit [, zone]) passes the interval
        // as its length and unit: toStartOfInterval(t, n, 'unit' [, zone]).
        if (arg->kind == ExprKind::kInterval && args.size() == 1 &&
            absl::EqualsIgnoreCase(f.name, "toStartOfInterval")) {
          const auto& interval = arg->as<sql::IntervalExpr>();
          args.push_back(bindChild(*interval.value));
          args.push_back(BoundExpr::literal(Value::string(std::string(sql::timeUnitName(interval.unit))),
                                            DataType(TypeId::kString)));
          continue;
        }
        args.push_back(bindChild(*arg));
      }
      return call(f.name, std::move(args));
    }
    case ExprKind::kUnary: {
      const auto& u = expr.as<sql::UnaryExpr>();
      return call(u.op == sql::UnaryOp::kNegate ? "negate" : "not", {bindChild(*u.operand)});
    }
    case ExprKind::kBinary: {
      const auto& b = expr.as<sql::BinaryExpr>();
      bool additive = b.op == sql::BinaryOp::kAdd || b.op == sql::BinaryOp::kSubtract;
      if (additive && b.right->kind == ExprKind::kInterval) {
        return bindIntervalArithmetic(bindChild(*b.left), b.right->as<sql::IntervalExpr>(),
                                      b.op == sql::BinaryOp::kSubtract, scope, mode);
      }
      if (b.op == sql::BinaryOp::kAdd && b.left->kind == ExprKind::kInterval) {
        return bindIntervalArithmetic(bindChild(*b.right), b.left->as<sql::IntervalExpr>(), false, scope, mode);
      }
      return call(functionForBinary(b.op), {bindChild(*b.left), bindChild(*b.right)});
    }
    case ExprKind::kIsNull: {
      const auto& n = expr.as<sql::IsNullExpr>();
      return call(n.negated ? "isNotNull" : "isNull", {bindChild(*n.operand)});
    }
    case ExprKind::kBetween: {
      const auto& b = expr.as<sql::BetweenExpr>();
      BoundExprPtr operand = bindChild(*b.operand);
      BoundExprPtr both = call("and", {call("greaterOrEquals", {operand, bindChild(*b.lower)}),
                                       call("lessOrEquals", {operand, bindChild(*b.upper)})});
      return b.negated ? call("not", {both}) : both;
    }
    case ExprKind::kIn: {
      const auto& in = expr.as<sql::InExpr>();
      std::vector<BoundExprPtr> args{bindChild(*in.operand)};
      if (in.subquery) {
        // An uncorrelated subquery runs once, at bind time; its values
        // become the IN list.
        for (Value& value : runListSubquery(*in.subquery, in.position)) {
          DataType type(value.type(), value.isNull());
          args.push_back(BoundExpr::literal(std::move(value), type));
        }
        if (args.size() == 1) {
          return BoundExpr::literal(Value::boolean(in.negated), DataType(TypeId::kBool));
        }
      }
      for (const auto& e : in.list) args.push_back(bindChild(*e));
      return call(in.negated ? "notIn" : "in", std::move(args));
    }
    case ExprKind::kCase: {
      const auto& c = expr.as<sql::CaseExpr>();
      std::vector<BoundExprPtr> args;
      BoundExprPtr operand = c.operand ? bindChild(*c.operand) : nullptr;
      for (const auto& w : c.whens) {
        BoundExprPtr condition = bindChild(*w.condition);
        if (operand) condition = call("equals", {operand, condition});
        args.push_back(condition);
        args.push_back(bindChild(*w.result));
      }
      args.push_back(c.elseResult ? bindChild(*c.elseResult)
                                  : BoundExpr::literal(Value(), DataType(TypeId::kNull, true)));
      return call("multiIf", std::move(args));
    }
    case ExprKind::kCast: {
      const auto& c = expr.as<sql::CastExpr>();
      // DataType drops the zone, so check it here: a string would otherwise
      // be read as UTC time instead of the time in that zone.
      if (!c.target.timeZone.empty() && !parseTypeName("DateTime('" + c.target.timeZone + "')")) {
        throw QueryError(ErrorCode::kBadArguments,
                         "time zone '" + c.target.timeZone + "' in CAST to " + c.target.text + where(c.position) +
                             " is not supported; only UTC is, so cast to DateTime and give UTC times",
                         c.position);
      }
      std::string typeText = c.target.type.toString();
      return call("cast", {bindChild(*c.operand),
                           BoundExpr::literal(Value::string(typeText), DataType(TypeId::kString))});
    }
    case ExprKind::kExtract: {
      const auto& e = expr.as<sql::ExtractExpr>();
      auto name = functionForExtract(e.part);
      if (!name) {
        throw QueryError(ErrorCode::kNotImplemented,
                         "EXTRACT(" + std::string(sql::timeUnitName(e.part)) + " FROM ...) is not supported" +
                             where(e.position),
                         e.position);
      }
      return call(*name, {bindChild(*e.operand)});
    }
    case ExprKind::kSubquery:
      return bindScalarSubquery(*expr.as<sql::SubqueryExpr>().query, expr.position);
    case ExprKind::kExists: {
      // An uncorrelated EXISTS runs once, here: true when the query has a row.
      std::unique_ptr<SelectPlan> plan = bind(*expr.as<sql::ExistsExpr>().query);
      plan->limit = 1;
      QueryOptions options;
      QueryStats stats;
      bool found = false;
      for (const Batch& batch : executeSelect(*plan, options, stats)) found = found || batch.numRows > 0;
      return BoundExpr::literal(Value::boolean(found), DataType(TypeId::kBool));
    }
    case ExprKind::kStar:
      throw QueryError(ErrorCode::kSyntaxError, "'*' is only allowed in the select list and in count(*)" +
                                                    where(expr.position),
                       expr.position);
    default:
      throw QueryError(ErrorCode::kNotImplemented,
                       "expression '" + expr.toString() + "'" + where(expr.position) + " is not supported yet",
                       expr.position);
  }
}

BoundExprPtr Binder::bindIntervalArithmetic(BoundExprPtr time, const sql::IntervalExpr& interval, bool subtract,
                                            Scope& scope, Mode mode) {
  BoundExprPtr count = bindExpr(*interval.value, scope, mode);
  std::string unit;
  switch (interval.unit) {
    case sql::TimeUnit::kSecond:
      unit = "Seconds";
      break;
    case sql::TimeUnit::kMinute:
      unit = "Minutes";
      break;
    case sql::TimeUnit::kHour:
      unit = "Hours";
      break;
    case sql::TimeUnit::kDay:
      unit = "Days";
      break;
    case sql::TimeUnit::kWeek:
      unit = "Weeks";
      break;
    case sql::TimeUnit::kMonth:
      unit = "Months";
      break;
    case sql::TimeUnit::kQuarter:
      unit = "Months";
      count = bindFunctionCall("multiply", {count, BoundExpr::literal(Value::int64(3), DataType(TypeId::kInt64))},
                               interval.position);
      break;
    case sql::TimeUnit::kYear:
      unit = "Years";
      break;
    default:
      throw QueryError(ErrorCode::kNotImplemented,
                       "INTERVAL in " + std::string(sql::timeUnitName(interval.unit)) + " is not supported" +
                           where(interval.position) + "; use SECOND or larger units",
                       interval.position);
  }
  return bindFunctionCall((subtract ? "subtract" : "add") + unit, {std::move(time), std::move(count)},
                          interval.position);
}

BoundExprPtr Binder::bindScalarSubquery(const sql::SelectQuery& query, SourcePosition position) {
  // An uncorrelated subquery runs once, here, and becomes a constant; a
  // column of the outer query inside it is an unknown column.
  std::unique_ptr<SelectPlan> plan = bind(query);
  if (plan->numVisible != 1) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     "the scalar subquery" + where(position) + " returns " + std::to_string(plan->numVisible) +
                         " columns; it must return exactly one",
                     position);
  }
  DataType type = plan->projections[0]->type;
  QueryOptions options;
  QueryStats stats;
  std::optional<Value> value;
  for (const Batch& batch : executeSelect(*plan, options, stats)) {
    if (batch.numRows == 0) continue;
    if (value || batch.numRows > 1) {
      throw QueryError(ErrorCode::kBadArguments,
                       "the scalar subquery" + where(position) +
                           " returns more than one row; add LIMIT 1 or an aggregate such as max()",
                       position);
    }
    value = batch.columns[0]->getValue(0);
  }
  // No row gives NULL, as in standard SQL (ClickHouse gives the type's default).
  if (!value) return BoundExpr::literal(Value::null(type.id), type.withNullable(true));
  if (value->isNull()) type = type.withNullable(true);
  return BoundExpr::literal(*value, type);
}

std::vector<Value> Binder::runListSubquery(const sql::SelectQuery& query, SourcePosition position) {
  std::unique_ptr<SelectPlan> plan = bind(query);
  if (plan->numVisible != 1) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     "the subquery of IN" + where(position) + " returns " + std::to_string(plan->numVisible) +
                         " columns; it must return exactly one",
                     position);
  }
  QueryOptions options;
  QueryStats stats;
  std::vector<Value> values;
  for (const Batch& batch : executeSelect(*plan, options, stats)) {
    for (size_t r = 0; r < batch.numRows; ++r) values.push_back(batch.columns[0]->getValue(r));
  }
  return values;
}

const sql::Expr& Binder::resolveGroupOrOrderItem(const sql::Expr& item, const sql::SelectQuery& query,
                                                 const Scope& scope) {
  if (item.kind == ExprKind::kLiteral) {
    const Value& v = item.as<sql::LiteralExpr>().value;
    if (v.type() == TypeId::kInt64 || v.type() == TypeId::kUInt64) {
      int64_t position = v.type() == TypeId::kInt64 ? v.asInt64() : static_cast<int64_t>(v.asUInt64());
      if (position < 1 || static_cast<size_t>(position) > query.items.size()) {
        throw QueryError(ErrorCode::kBadArguments,
                         "position " + std::to_string(position) + where(item.position) +
                             " is not in the select list, which has " + std::to_string(query.items.size()) +
                             " items",
                         item.position);
      }
      const sql::Expr& target = *query.items[position - 1].expr;
      if (target.kind == ExprKind::kStar) {
        throw QueryError(ErrorCode::kBadArguments, "position " + std::to_string(position) + " refers to '*'",
                         item.position);
      }
      return target;
    }
  }
  if (item.kind == ExprKind::kColumnRef) {
    const auto& ref = item.as<sql::ColumnRefExpr>();
    auto alias = scope.aliases.find(ref.name());
    if (!ref.isQualified() && alias != scope.aliases.end()) return *alias->second;
  }
  return item;
}

void Binder::addPruneRules(const sql::Expr& conjunct, Scope& scope) {
  if (!scope.plan->table) return;
  auto sourceColumn = [&](const sql::Expr& e) -> std::optional<size_t> {
    if (e.kind != ExprKind::kColumnRef) return std::nullopt;
    const auto& ref = e.as<sql::ColumnRefExpr>();
    auto it = std::find(scope.names.begin(), scope.names.end(), ref.name());
    if (it == scope.names.end()) return std::nullopt;
    return static_cast<size_t>(it - scope.names.begin());
  };
  auto constant = [&](const sql::Expr& e) -> std::optional<Value> {
    if (containsAggregate(e)) return std::nullopt;
    try {
      BoundExprPtr bound = bindExpr(e, scope, Mode::kSource);
      if (!bound->isConstant()) return std::nullopt;
      return bound->constant;
    } catch (const QueryError&) {
      return std::nullopt;
    }
  };
  auto add = [&](size_t column, PruneRule::Op op, const Value& value) {
    auto converted = pruneValue(value, scope.types[column]);
    if (!converted) return;
    BoundExprPtr scanned = scanColumn(column, scope);
    scope.plan->pruneRules.push_back({scanned->columnIndex, op, *converted});
  };

  if (conjunct.kind == ExprKind::kBetween) {
    const auto& b = conjunct.as<sql::BetweenExpr>();
    auto column = sourceColumn(*b.operand);
    if (b.negated || !column) return;
    if (auto lo = constant(*b.lower)) add(*column, PruneRule::Op::kGreaterOrEqual, *lo);
    if (auto hi = constant(*b.upper)) add(*column, PruneRule::Op::kLessOrEqual, *hi);
    return;
  }
  if (conjunct.kind != ExprKind::kBinary) return;
  const auto& b = conjunct.as<sql::BinaryExpr>();
  std::optional<PruneRule::Op> op;
  std::optional<PruneRule::Op> flipped;
  switch (b.op) {
    case sql::BinaryOp::kEqual:
      op = flipped = PruneRule::Op::kEqual;
      break;
    case sql::BinaryOp::kLess:
      op = PruneRule::Op::kLess;
      flipped = PruneRule::Op::kGreater;
      break;
    case sql::BinaryOp::kLessOrEqual:
      op = PruneRule::Op::kLessOrEqual;
      flipped = PruneRule::Op::kGreaterOrEqual;
      break;
    case sql::BinaryOp::kGreater:
      op = PruneRule::Op::kGreater;
      flipped = PruneRule::Op::kLess;
      break;
    case sql::BinaryOp::kGreaterOrEqual:
      op = PruneRule::Op::kGreaterOrEqual;
      flipped = PruneRule::Op::kLessOrEqual;
      break;
    default:
      return;
  }
  if (auto column = sourceColumn(*b.left)) {
    if (auto value = constant(*b.right)) add(*column, *op, *value);
  } else if (auto column = sourceColumn(*b.right)) {
    if (auto value = constant(*b.left)) add(*column, *flipped, *value);
  }
}

void collectConjuncts(const sql::Expr& expr, std::vector<const sql::Expr*>& out) {
  if (expr.kind == ExprKind::kBinary && expr.as<sql::BinaryExpr>().op == sql::BinaryOp::kAnd) {
    collectConjuncts(*expr.as<sql::BinaryExpr>().left, out);
    collectConjuncts(*expr.as<sql::BinaryExpr>().right, out);
    return;
  }
  out.push_back(&expr);
}

std::unique_ptr<SelectPlan> Binder::bind(const sql::SelectQuery& query) {
  // WITH name AS (SELECT ...) names a query for FROM clauses, including
  // those of subqueries; ClickHouse's WITH expr AS name names an expression,
  // usable like a select alias.
  const size_t outerCtes = ctes_.size();
  struct CteScope {
    std::vector<std::pair<std::string, const sql::SelectQuery*>>& ctes;
    size_t size;
    ~CteScope() { ctes.resize(size); }
  } cteScope{ctes_, outerCtes};
  for (const auto& item : query.with) {
    if (!item.query) continue;
    for (size_t i = outerCtes; i < ctes_.size(); ++i) {
      if (ctes_[i].first == item.name) {
        throw QueryError(ErrorCode::kBadArguments,
                         "WITH defines '" + item.name + "' twice" + where(item.position) + "; rename one of them",
                         item.position);
      }
    }
    ctes_.emplace_back(item.name, item.query.get());
  }

  auto plan = std::make_unique<SelectPlan>();
  Scope scope;
  scope.plan = plan.get();
  bindSource(query, scope);
  for (const auto& item : query.with) {
    if (item.expr) scope.aliases[item.name] = item.expr.get();
  }

  // Select list: expand stars, collect aliases.
  struct Item {
    const sql::Expr* expr;
    std::string name;
    std::optional<size_t> sourceColumn;  // for expanded stars
  };
  std::vector<Item> items;
  for (const auto& item : query.items) {
    if (item.expr->kind == ExprKind::kStar) {
      const auto& star = item.expr->as<sql::StarExpr>();
      if (!query.from) {
        throw QueryError(ErrorCode::kBadArguments, "SELECT * needs a FROM clause" + where(star.position),
                         star.position);
      }
      for (size_t c = 0; c < scope.names.size(); ++c) {
        if (std::find(star.excluded.begin(), star.excluded.end(), scope.names[c]) != star.excluded.end()) continue;
        items.push_back({nullptr, scope.names[c], c});
      }
      continue;
    }
    std::string name = item.alias.empty() ? item.expr->toString() : item.alias;
    if (!item.alias.empty()) scope.aliases[item.alias] = item.expr.get();
    items.push_back({item.expr.get(), name, std::nullopt});
  }

  // WHERE: one filter per conjunct, plus min/max pruning rules.
  if (query.where) {
    std::vector<const sql::Expr*> conjuncts;
    collectConjuncts(*query.where, conjuncts);
    for (const sql::Expr* conjunct : conjuncts) {
      if (containsAggregate(*conjunct)) {
        throw QueryError(ErrorCode::kIllegalAggregation,
                         "aggregate functions are not allowed in WHERE" + where(conjunct->position) +
                             "; use HAVING",
                         conjunct->position);
      }
      plan->filters.push_back(bindExpr(*conjunct, scope, Mode::kSource));
      addPruneRules(*conjunct, scope);
    }
  }

  // Aggregation: GROUP BY or any aggregate call in SELECT, HAVING or ORDER BY.
  bool aggregate = !query.groupBy.empty() || query.having != nullptr;
  for (const auto& item : items) {
    if (item.expr != nullptr && containsAggregate(*item.expr)) aggregate = true;
  }
  for (const auto& order : query.orderBy) {
    if (containsAggregate(*order.expr)) aggregate = true;
  }
  plan->aggregate = aggregate;
  Mode outputMode = aggregate ? Mode::kAggregated : Mode::kSource;

  if (aggregate) {
    for (const auto& groupItem : query.groupBy) {
      const sql::Expr& resolved = resolveGroupOrOrderItem(*groupItem, query, scope);
      if (containsAggregate(resolved)) {
        throw QueryError(ErrorCode::kIllegalAggregation,
                         "aggregate functions are not allowed in GROUP BY" + where(groupItem->position),
                         groupItem->position);
      }
      std::string text = resolved.toString();
      if (std::find(scope.keyTexts.begin(), scope.keyTexts.end(), text) != scope.keyTexts.end()) continue;
      plan->groupKeys.push_back(bindExpr(resolved, scope, Mode::kSource));
      scope.keyTexts.push_back(text);
    }
    if (query.groupByAll) {
      for (const auto& item : items) {
        if (item.expr == nullptr || containsAggregate(*item.expr)) continue;
        std::string text = item.expr->toString();
        if (std::find(scope.keyTexts.begin(), scope.keyTexts.end(), text) != scope.keyTexts.end()) continue;
        plan->groupKeys.push_back(bindExpr(*item.expr, scope, Mode::kSource));
        scope.keyTexts.push_back(text);
      }
    }
  }

  // Projections.
  for (const auto& item : items) {
    if (item.sourceColumn) {
      if (aggregate) {
        const std::string& name = scope.names[*item.sourceColumn];
        auto key = std::find(scope.keyTexts.begin(), scope.keyTexts.end(), name);
        if (key == scope.keyTexts.end()) {
          throw QueryError(ErrorCode::kNotAnAggregate,
                           "column '" + name + "' of SELECT * is not in GROUP BY; list the columns instead");
        }
        size_t index = static_cast<size_t>(key - scope.keyTexts.begin());
        plan->projections.push_back(BoundExpr::column(index, plan->groupKeys[index]->type));
      } else {
        plan->projections.push_back(scanColumn(*item.sourceColumn, scope));
      }
    } else {
      plan->projections.push_back(bindExpr(*item.expr, scope, outputMode));
    }
    plan->names.push_back(item.name);
  }
  plan->numVisible = plan->projections.size();

  if (query.having) {
    std::vector<const sql::Expr*> conjuncts;
    collectConjuncts(*query.having, conjuncts);
    for (const sql::Expr* conjunct : conjuncts) plan->having.push_back(bindExpr(*conjunct, scope, Mode::kAggregated));
  }

  // ORDER BY: a select item (by position, alias or same text) or a hidden projection.
  for (const auto& order : query.orderBy) {
    const sql::Expr& resolved = resolveGroupOrOrderItem(*order.expr, query, scope);
    std::string text = resolved.toString();
    std::optional<size_t> column;
    for (size_t i = 0; i < items.size() && !column; ++i) {
      if (items[i].expr == &resolved) column = i;
      else if (items[i].expr != nullptr && items[i].expr->toString() == text) column = i;
      else if (items[i].expr == nullptr && resolved.kind == ExprKind::kColumnRef && items[i].name == text) column = i;
    }
    if (!column) {
      plan->projections.push_back(bindExpr(resolved, scope, outputMode));
      column = plan->projections.size() - 1;
    }
    SortKey key;
    key.column = *column;
    key.descending = order.descending;
    // NULLs sort last unless NULLS FIRST is written, as in ClickHouse and DuckDB.
    key.nullsFirst = order.nulls == sql::NullsOrder::kFirst;
    plan->sort.push_back(key);
  }

  plan->distinct = query.distinct;
  plan->limit = query.limit;
  plan->offset = query.offset;

  // UNION ALL: each block keeps its own ORDER BY and LIMIT, as in
  // ClickHouse; the results follow one another in the order written.
  for (const auto& branch : query.unionAll) plan->unionAll.push_back(bind(*branch));
  if (!plan->unionAll.empty()) unifyUnionTypes(*plan, query);
  return plan;
}

void Binder::unifyUnionTypes(SelectPlan& plan, const sql::SelectQuery& query) {
  for (size_t b = 0; b < plan.unionAll.size(); ++b) {
    if (plan.unionAll[b]->numVisible != plan.numVisible) {
      const sql::SelectQuery& branch = *query.unionAll[b];
      throw QueryError(ErrorCode::kTypeMismatch,
                       "the SELECT blocks of UNION ALL return different numbers of columns: " +
                           std::to_string(plan.numVisible) + " in the first, " +
                           std::to_string(plan.unionAll[b]->numVisible) + " in the one" + where(branch.position),
                       branch.position);
    }
  }
  // Column i of the result has the common type of column i of every block;
  // a block whose column has another type casts it.
  std::vector<SelectPlan*> blocks{&plan};
  for (auto& branch : plan.unionAll) blocks.push_back(branch.get());
  for (size_t i = 0; i < plan.numVisible; ++i) {
    TypeId common = plan.projections[i]->type.id;
    bool nullable = false;
    for (size_t b = 0; b < blocks.size(); ++b) {
      DataType type = blocks[b]->projections[i]->type;
      nullable = nullable || type.nullable || type.id == TypeId::kNull;
      std::optional<TypeId> merged = commonSupertype(common, type.id);
      if (!merged) {
        const sql::SelectQuery& block = b == 0 ? query : *query.unionAll[b - 1];
        throw QueryError(ErrorCode::kTypeMismatch,
                         "column " + std::to_string(i + 1) + " of UNION ALL has no common type: " +
                             plan.projections[i]->type.toString() + " in the first block and " + type.toString() +
                             " in the one" + where(block.position) + "; cast one of them",
                         block.position);
      }
      common = *merged;
    }
    DataType target(common == TypeId::kNull ? TypeId::kNull : common, nullable);
    for (SelectPlan* block : blocks) {
      BoundExprPtr& projection = block->projections[i];
      if (projection->type == target) continue;
      projection = bindFunctionCall(
          "cast", {projection, BoundExpr::literal(Value::string(target.toString()), DataType(TypeId::kString))},
          query.position);
    }
  }
}

}  // namespace

std::string closestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t d = editDistance(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

BoundExprPtr bindFunctionCall(const std::string& name, std::vector<BoundExprPtr> args, SourcePosition position) {
  const ScalarFunctionFactory* factory = FunctionRegistry::instance().find(name);
  if (factory == nullptr) throwUnknownFunction(name, position);
  std::vector<FunctionArgument> arguments;
  bool allConstant = true;
  for (const auto& arg : args) {
    arguments.push_back({arg->type, arg->isConstant() ? &arg->constant : nullptr});
    allConstant = allConstant && arg->isConstant();
  }
  std::shared_ptr<const BoundScalarFunction> function;
  try {
    function = (*factory)(arguments);
  } catch (const QueryError& error) {
    if (error.position().line != 0 || position.line == 0) throw;
    throw QueryError(error.code(), std::string(error.what()) + where(position), position);
  }
  BoundExprPtr expr = BoundExpr::call(name, std::move(function), std::move(args));
  std::string lowerName = lower(name);
  bool deterministic = lowerName != "rand" && lowerName != "rand64" && lowerName != "generateuuidv4";
  if (allConstant && deterministic) {
    Value value = evaluateConstant(*expr);
    return BoundExpr::literal(std::move(value), expr->type);
  }
  return expr;
}

std::unique_ptr<SelectPlan> bindSelect(const sql::SelectQuery& query, const storage::Database& database,
                                       const SystemTables& systemTables, std::vector<std::string>& warnings,
                                       const std::string& currentDatabase) {
  Binder binder(&database, &systemTables, warnings, currentDatabase);
  return binder.bind(query);
}

Value evaluateLiteralExpr(const sql::Expr& expr) {
  std::vector<std::string> warnings;
  Binder binder(nullptr, nullptr, warnings);
  BoundExprPtr boundPtr = binder.bindConstant(expr);
  const BoundExpr& bound = *boundPtr;
  if (!bound.isConstant()) {
    throw QueryError(ErrorCode::kBadArguments, "expression '" + expr.toString() + "' is not a constant",
                     expr.position);
  }
  return bound.constant;
}

}  // namespace furl::query
