#pragma once

// The syntax tree that the parser produces and the binder in query/ consumes.
//
// Nodes are plain structs owned through std::unique_ptr. Expressions derive
// from Expr and statements from Statement. Each base carries a kind enum and
// a SourcePosition, and `as<T>()` downcasts after checking the kind. The
// position is that of the node's first token, except for operators (binary
// operators, IS NULL, BETWEEN, IN, `::`), where it is the operator's, so
// that type errors point at it. A binder switches on `kind`:
//
//   switch (expr.kind) {
//     case ExprKind::kBinary: {
//       const auto& binary = expr.as<BinaryExpr>();
//       ...
//
// The tree stores names exactly as written (identifiers keep their case,
// function names too); resolving them is the binder's work. The parser only
// folds what has one meaning in every context: a minus sign before a
// numeric literal (`-1` is a literal), `count(*)` (an empty argument list
// with `starArgument` set), and `cast(x, 'T')` (a CastExpr).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/types.h"
#include "common/value.h"

namespace furl::sql {

struct SelectQuery;
using SelectQueryPtr = std::unique_ptr<SelectQuery>;

// ---------------------------------------------------------------------------
// Types

/// A column type as written in SQL, resolved to Furl's DataType.
struct TypeName {
  DataType type;
  /// The canonical ClickHouse spelling of what was written, with the
  /// details DataType drops: `LowCardinality(Nullable(String))`,
  /// `DateTime64(3, 'UTC')`. SHOW CREATE TABLE prints this.
  std::string text;
  /// LowCardinality(T): a hint to store the column dictionary-encoded.
  bool lowCardinality = false;
  /// Digits after the second for DateTime64(P); 0 for other types.
  uint32_t precision = 0;
  /// The time zone argument of DateTime('tz') / DateTime64(P, 'tz'), or empty.
  std::string timeZone;
  /// Set when the type was mapped to a less exact one, such as Decimal(P, S)
  /// stored as Float64. The binder may pass it on as a warning.
  std::string note;
  /// Set when a column of this type would not keep its values: a time zone
  /// other than UTC, DateTime64 finer than milliseconds, Decimal. The text
  /// explains why and what to declare instead. CREATE TABLE rejects such a
  /// column, while a CAST in a query still converts to the stored type.
  std::string columnError;
};

// ---------------------------------------------------------------------------
// Expressions

enum class ExprKind : uint8_t {
  kLiteral,
  kInterval,
  kColumnRef,
  kStar,
  kFunction,
  kUnary,
  kBinary,
  kIsNull,
  kBetween,
  kIn,
  kCase,
  kCast,
  kExtract,
  kSubquery,
  kExists,
  kTuple,
  kArray,
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// Base of every expression node.
struct Expr {
  ExprKind kind;
  SourcePosition position;

  explicit Expr(ExprKind exprKind, SourcePosition pos = {}) : kind(exprKind), position(pos) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  /// Downcasts to the node type T; throws QueryError(kLogicalError) when
  /// `kind` is not T::kKind.
  template <typename T>
  const T& as() const {
    if (kind != T::kKind) throwBadCast(T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    if (kind != T::kKind) throwBadCast(T::kKind);
    return static_cast<T&>(*this);
  }

  /// Prints the expression back as SQL in the form ClickHouse uses for the
  /// name of an unaliased result column: `count()`, `sum(added)`, `a + b`,
  /// `x * (y + 1)`. Parentheses appear only where precedence needs them.
  std::string toString() const;

  /// A deep copy, positions included.
  ExprPtr clone() const;

 private:
  [[noreturn]] void throwBadCast(ExprKind expected) const;
};

/// NULL, TRUE/FALSE, numbers and strings. Integers that fit in Int64 are
/// stored as Int64 (`-1`, `42`), larger ones up to 2^64-1 as UInt64, and
/// integers beyond that as Float64, as ClickHouse does. Floats are Float64,
/// strings String (escapes already decoded), NULL is Value::null().
struct LiteralExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kLiteral;
  Value value;

  explicit LiteralExpr(Value v, SourcePosition pos = {}) : Expr(kKind, pos), value(std::move(v)) {}
};

/// Units of INTERVAL and parts of EXTRACT. kDayOfWeek, kDayOfYear and
/// kEpoch occur only in EXTRACT; the parser rejects them after INTERVAL.
enum class TimeUnit : uint8_t {
  kNanosecond,
  kMicrosecond,
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear,
  kDayOfWeek,
  kDayOfYear,
  kEpoch,
};

/// The upper-case SQL name of a unit (`MINUTE`, `DOW`).
std::string_view timeUnitName(TimeUnit unit);

/// `INTERVAL 1 DAY`, `INTERVAL '1' DAY`, `INTERVAL '1 day'`.
struct IntervalExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kInterval;
  ExprPtr value;  // the count; the parser turns '1' and '1 day' into a literal
  TimeUnit unit = TimeUnit::kSecond;

  explicit IntervalExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// A column name, optionally qualified: `x`, `t.x`, `db.t.x`. Quoted
/// identifiers ("x", `x`) arrive unquoted.
struct ColumnRefExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kColumnRef;
  std::vector<std::string> parts;  // never empty

  explicit ColumnRefExpr(std::vector<std::string> names, SourcePosition pos = {})
      : Expr(kKind, pos), parts(std::move(names)) {}

  const std::string& name() const { return parts.back(); }
  bool isQualified() const { return parts.size() > 1; }
};

/// `*` or `t.*` in a select list, with an optional `EXCEPT (a, b)` /
/// `EXCLUDE (a, b)` list of columns to leave out.
struct StarExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kStar;
  std::string qualifier;  // empty for a bare `*`
  std::vector<std::string> excluded;

  explicit StarExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// A function or aggregate call: `lower(s)`, `count(DISTINCT x)`,
/// `count(*)`, and ClickHouse's parametric form `quantile(0.5)(x)`, where
/// `parameters` contains 0.5 and `args` contains x.
struct FunctionExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kFunction;
  std::string name;  // as written; match it without regard to case
  std::vector<ExprPtr> args;
  std::vector<ExprPtr> parameters;  // non-empty only for the parametric form
  bool hasParameters = false;       // `f()(x)` has an empty parameter list
  bool distinct = false;            // `f(DISTINCT ...)`
  bool starArgument = false;        // `f(*)`; `args` is then empty

  explicit FunctionExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

enum class UnaryOp : uint8_t {
  kNegate,  // -x
  kNot,     // NOT x
};

struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kUnary;
  UnaryOp op = UnaryOp::kNegate;
  ExprPtr operand;

  explicit UnaryExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

enum class BinaryOp : uint8_t {
  kOr,
  kAnd,
  kEqual,           // = and ==
  kNotEqual,        // != and <>
  kLess,
  kLessOrEqual,
  kGreater,
  kGreaterOrEqual,
  kLike,
  kNotLike,
  kILike,
  kNotILike,
  kConcat,          // ||
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,          // `/`: always a floating-point result in ClickHouse
  kIntegerDivide,   // DIV
  kModulo,          // % and MOD
};

/// The SQL spelling of an operator (`<=`, `AND`, `NOT LIKE`, `DIV`).
std::string_view binaryOpName(BinaryOp op);

/// A binary operator. Chains associate to the left: `a - b - c` is
/// `(a - b) - c`, `a AND b AND c` is `(a AND b) AND c`.
struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBinary;
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr left;
  ExprPtr right;

  explicit BinaryExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// `x IS NULL`, `x IS NOT NULL`.
struct IsNullExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kIsNull;
  ExprPtr operand;
  bool negated = false;

  explicit IsNullExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// `x [NOT] BETWEEN lower AND upper`, both bounds inclusive.
struct BetweenExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBetween;
  ExprPtr operand;
  ExprPtr lower;
  ExprPtr upper;
  bool negated = false;

  explicit BetweenExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// `x [NOT] IN (a, b, ...)` or `x [NOT] IN (SELECT ...)`. Exactly one of
/// `list` (non-empty) and `subquery` is set.
struct InExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kIn;
  ExprPtr operand;
  std::vector<ExprPtr> list;
  SelectQueryPtr subquery;
  bool negated = false;

  explicit InExpr(SourcePosition pos = {});
  ~InExpr() override;
};

struct WhenClause {
  ExprPtr condition;  // compared with CaseExpr::operand when that is set
  ExprPtr result;
};

/// `CASE [operand] WHEN c THEN r ... [ELSE e] END`.
struct CaseExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kCase;
  ExprPtr operand;  // null for the searched form `CASE WHEN cond THEN ...`
  std::vector<WhenClause> whens;  // never empty
  ExprPtr elseResult;             // null when there is no ELSE (the result is then NULL)

  explicit CaseExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

enum class CastSyntax : uint8_t {
  kCastAs,        // CAST(x AS T)
  kCastFunction,  // cast(x, 'T')
  kDoubleColon,   // x::T
  kTypedLiteral,  // DATE '2020-01-01', TIMESTAMP '2020-01-01 00:00:00'
};

/// A conversion to `target`. All four spellings mean the same; `syntax`
/// only lets toString() print the expression the way it was written.
struct CastExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kCast;
  ExprPtr operand;
  TypeName target;
  CastSyntax syntax = CastSyntax::kCastAs;

  explicit CastExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// `EXTRACT(part FROM x)`.
struct ExtractExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kExtract;
  TimeUnit part = TimeUnit::kSecond;
  ExprPtr operand;

  explicit ExtractExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// A scalar subquery `(SELECT ...)` used as a value.
struct SubqueryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kSubquery;
  SelectQueryPtr query;

  explicit SubqueryExpr(SourcePosition pos = {});
  ~SubqueryExpr() override;
};

/// `EXISTS (SELECT ...)`.
struct ExistsExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kExists;
  SelectQueryPtr query;

  explicit ExistsExpr(SourcePosition pos = {});
  ~ExistsExpr() override;
};

/// `(a, b)` with two or more elements, or `tuple(...)` is a FunctionExpr.
struct TupleExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kTuple;
  std::vector<ExprPtr> elements;

  explicit TupleExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

/// `[a, b, ...]`, possibly empty.
struct ArrayExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kArray;
  std::vector<ExprPtr> elements;

  explicit ArrayExpr(SourcePosition pos = {}) : Expr(kKind, pos) {}
};

// ---------------------------------------------------------------------------
// SELECT

/// `name = value` in SETTINGS and SET. Values are literals: numbers,
/// strings, TRUE/FALSE (stored as Bool) or NULL.
struct Setting {
  std::string name;
  Value value;
  SourcePosition position;
};

/// A table name, optionally qualified by its database.
struct TableName {
  std::string database;  // empty when not written
  std::string table;
  SourcePosition position;

  /// `db.t` or `t`.
  std::string toString() const;
};

enum class TableRefKind : uint8_t {
  kTable,          // t, db.t
  kSubquery,       // (SELECT ...)
  kTableFunction,  // numbers(10)
  kJoin,           // left JOIN right ON ...; the parser does not produce it yet
};

enum class JoinType : uint8_t { kInner, kLeft, kRight, kFull, kCross };

/// One item of FROM. The fields that apply depend on `kind`.
struct TableRef {
  TableRefKind kind = TableRefKind::kTable;
  SourcePosition position;
  std::string alias;  // `AS a` or `a`; empty when not written

  TableName name;      // kTable
  bool final = false;  // kTable: ClickHouse's `FROM t FINAL`

  SelectQueryPtr subquery;  // kSubquery

  std::unique_ptr<FunctionExpr> function;  // kTableFunction: name and arguments

  // kJoin
  JoinType joinType = JoinType::kInner;
  std::unique_ptr<TableRef> left;
  std::unique_ptr<TableRef> right;
  ExprPtr joinCondition;                  // ON expr, or null
  std::vector<std::string> usingColumns;  // USING (a, b)

  TableRef();
  ~TableRef();
  TableRef(TableRef&&) noexcept;
  TableRef& operator=(TableRef&&) noexcept;
};
using TableRefPtr = std::unique_ptr<TableRef>;

struct SelectItem {
  ExprPtr expr;       // may be a StarExpr
  std::string alias;  // empty when not written
  SourcePosition position;
};

enum class NullsOrder : uint8_t {
  kDefault,  // not written: the engine's default
  kFirst,
  kLast,
};

struct OrderByItem {
  ExprPtr expr;  // an integer literal is a 1-based select-list position
  bool descending = false;
  NullsOrder nulls = NullsOrder::kDefault;
};

/// One item of WITH. The standard form `WITH name AS (SELECT ...)` sets
/// `query`; ClickHouse's `WITH expr AS name` sets `expr`, a named constant
/// or expression the rest of the query may use.
struct WithItem {
  std::string name;
  SelectQueryPtr query;
  ExprPtr expr;
  SourcePosition position;

  WithItem();
  ~WithItem();
  WithItem(WithItem&&) noexcept;
  WithItem& operator=(WithItem&&) noexcept;
};

/// One SELECT block with its clauses.
///
/// GROUP BY and ORDER BY items that are integer literals are 1-based
/// positions in the select list, and bare names there may refer to select
/// aliases. The binder resolves both. `LIMIT m, n` arrives as limit n and
/// offset m, and so does `OFFSET m ROWS FETCH FIRST n ROWS ONLY`.
///
/// UNION ALL: `unionAll` contains the blocks after the first, each complete
/// with its own ORDER BY and LIMIT, as in ClickHouse, where ORDER BY and
/// LIMIT written after the last block belong to that block only.
struct SelectQuery {
  SourcePosition position;
  std::vector<WithItem> with;
  bool distinct = false;
  std::vector<SelectItem> items;  // never empty
  TableRefPtr from;               // null for `SELECT 1`
  ExprPtr where;
  std::vector<ExprPtr> groupBy;
  bool groupByAll = false;  // GROUP BY ALL: every non-aggregate select item
  ExprPtr having;
  std::vector<OrderByItem> orderBy;
  std::optional<uint64_t> limit;  // absent for no LIMIT and for LIMIT ALL
  uint64_t offset = 0;
  std::vector<SelectQueryPtr> unionAll;

  SelectQuery();
  ~SelectQuery();

  /// Prints the query back as SQL; used for subqueries in toString().
  std::string toString() const;
  SelectQueryPtr clone() const;
};

// ---------------------------------------------------------------------------
// Statements

enum class StatementKind : uint8_t {
  kSelect,
  kCreateTable,
  kDropTable,
  kInsert,
  kShowTables,
  kShowDatabases,
  kShowCreateTable,
  kDescribe,
  kExistsTable,
  kUse,
  kSet,
  kOptimizeTable,
  kTruncateTable,
  kAlterTable,
};

/// Base of every statement.
struct Statement {
  StatementKind kind;
  SourcePosition position;
  /// The `FORMAT Name` clause of statements that return rows (SELECT, SHOW,
  /// DESCRIBE, EXISTS), or empty. For INSERT see InsertStatement::insertFormat.
  std::string format;

  explicit Statement(StatementKind statementKind, SourcePosition pos = {})
      : kind(statementKind), position(pos) {}
  virtual ~Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  /// Downcasts to T; throws QueryError(kLogicalError) when `kind` is not T::kKind.
  template <typename T>
  const T& as() const {
    if (kind != T::kKind) throwBadCast(T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  T& as() {
    if (kind != T::kKind) throwBadCast(T::kKind);
    return static_cast<T&>(*this);
  }

 private:
  [[noreturn]] void throwBadCast(StatementKind expected) const;
};
using StatementPtr = std::unique_ptr<Statement>;

struct SelectStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kSelect;
  SelectQueryPtr query;
  std::vector<Setting> settings;  // SETTINGS k = v, ... for this query

  explicit SelectStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

enum class NullConstraint : uint8_t {
  kNone,     // not written: nullability comes from the type (Nullable(T) or not)
  kNull,     // `NULL`: the column is nullable
  kNotNull,  // `NOT NULL`
};

enum class DefaultKind : uint8_t {
  kNone,
  kDefault,       // DEFAULT expr
  kMaterialized,  // MATERIALIZED expr
  kAlias,         // ALIAS expr
};

struct ColumnDef {
  std::string name;
  /// The type with `NULL` / `NOT NULL` already applied: `x String NULL`
  /// has a nullable type. As in ClickHouse, a column without either is
  /// nullable only when its type is Nullable(T).
  TypeName type;
  NullConstraint nullConstraint = NullConstraint::kNone;
  DefaultKind defaultKind = DefaultKind::kNone;
  ExprPtr defaultExpr;  // set unless defaultKind is kNone
  std::string codec;    // the text inside CODEC(...), e.g. `ZSTD(3)`; not interpreted
  std::string comment;
  bool primaryKey = false;  // `col Type PRIMARY KEY`; also listed in CreateTableStatement::primaryKey
  SourcePosition position;
};

/// CREATE TABLE in ClickHouse's form or the standard one without ENGINE.
///
/// The primary key may be written inline (`a Int64 PRIMARY KEY`), in the
/// column list (`PRIMARY KEY (a, b)`) or after ENGINE (`PRIMARY KEY a`);
/// the parser collects whichever form was used into `primaryKey` and
/// rejects a key written in two places.
struct CreateTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kCreateTable;
  TableName table;
  bool orReplace = false;
  bool ifNotExists = false;
  std::vector<ColumnDef> columns;
  std::vector<ExprPtr> primaryKey;

  std::string engine;  // `MergeTree`, `Memory`; empty when ENGINE was not written
  std::vector<ExprPtr> engineArgs;
  ExprPtr partitionBy;
  bool hasOrderBy = false;       // ORDER BY was written; `ORDER BY tuple()` leaves orderBy empty
  std::vector<ExprPtr> orderBy;  // `ORDER BY (a, b)` and `ORDER BY a` alike
  ExprPtr sampleBy;
  /// TTL expressions, each the time at which a row expires. Actions after
  /// an expression (DELETE, TO DISK 'x', TO VOLUME 'x') are skipped.
  std::vector<ExprPtr> ttl;
  std::vector<Setting> settings;
  std::string comment;  // COMMENT 'text' after the engine clauses

  explicit CreateTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

struct DropTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kDropTable;
  TableName table;
  bool ifExists = false;

  explicit DropTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

enum class InsertSource : uint8_t {
  kValues,  // VALUES (...), (...)
  kFormat,  // FORMAT Name, followed by data that is not SQL
  kSelect,  // INSERT INTO t SELECT ...
};

/// INSERT INTO t [(cols)] VALUES ... | FORMAT Name <data> | SELECT ...
struct InsertStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kInsert;
  TableName table;
  std::vector<std::string> columns;  // empty: all columns in table order
  InsertSource source = InsertSource::kValues;
  std::vector<std::vector<ExprPtr>> rows;  // kValues: one vector per row
  /// kFormat: byte offset in the parsed text where the inline data starts:
  /// after the format name, any spaces and tabs, and at most one line
  /// break. Equal to the text's size when no data follows, because the
  /// data may also come separately (the HTTP body after a query passed in
  /// the URL). parseStatements() ends the script at this statement.
  size_t dataOffset = 0;
  std::string insertFormat;  // kFormat: `JSONEachRow`, `TabSeparated`, ...
  SelectQueryPtr select;     // kSelect
  std::vector<Setting> settings;

  explicit InsertStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// SHOW TABLES [FROM db] [[NOT] LIKE 'pattern'].
struct ShowTablesStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kShowTables;
  std::string database;
  std::string likePattern;
  bool hasLike = false;
  bool notLike = false;

  explicit ShowTablesStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

struct ShowDatabasesStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kShowDatabases;

  explicit ShowDatabasesStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

struct ShowCreateTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kShowCreateTable;
  TableName table;

  explicit ShowCreateTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// DESCRIBE [TABLE] t, DESC t.
struct DescribeStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kDescribe;
  TableName table;

  explicit DescribeStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// EXISTS [TABLE] t: one row, 1 when the table exists, else 0.
struct ExistsTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kExistsTable;
  TableName table;

  explicit ExistsTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

struct UseStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kUse;
  std::string database;

  explicit UseStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// SET k = v [, k2 = v2 ...]: session settings.
struct SetStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kSet;
  std::vector<Setting> settings;

  explicit SetStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// OPTIMIZE TABLE t [FINAL]: ClickHouse's request to merge parts now.
struct OptimizeTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kOptimizeTable;
  TableName table;
  bool final = false;

  explicit OptimizeTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// ALTER TABLE t MODIFY SETTING k = v [, ...]
/// ALTER TABLE t RESET SETTING k [, ...]
/// ALTER TABLE t MOVE SEGMENTS TO TIER 'warm' | 'cold' | 'auto' [WHERE predicate]
struct AlterTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kAlterTable;
  enum class Action : uint8_t { kModifySetting, kResetSetting, kMoveSegments };
  TableName table;
  Action action = Action::kModifySetting;
  std::vector<Setting> settings;        // kModifySetting
  std::vector<std::string> resetNames;  // kResetSetting
  std::string tier;                     // kMoveSegments, as written
  SourcePosition tierPosition;
  /// The predicate of MOVE SEGMENTS as written, empty without WHERE; the
  /// engine binds it against the table's time column.
  std::string whereText;
  SourcePosition wherePosition;

  explicit AlterTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// TRUNCATE [TABLE] [IF EXISTS] t.
struct TruncateTableStatement : Statement {
  static constexpr StatementKind kKind = StatementKind::kTruncateTable;
  TableName table;
  bool ifExists = false;

  explicit TruncateTableStatement(SourcePosition pos = {}) : Statement(kKind, pos) {}
};

/// The name of a statement kind for messages (`CREATE TABLE`).
std::string_view statementKindName(StatementKind kind);

}  // namespace furl::sql
