#include "sql/type_resolver.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/close_matches.h"

namespace furl::sql {

namespace {

// The arguments that a type name takes.
enum class ArgumentRule {
  kNone,          // Int64
  kLength,        // VARCHAR(255), CHAR(1): an optional length that is ignored
  kFixedLength,   // FixedString(N): a required length
  kDateTime,      // DateTime(['tz'])
  kDateTime64,    // DateTime64(P[, 'tz'])
  kDecimal,       // Decimal(P[, S]), NUMERIC(P[, S])
  kDecimalScale,  // Decimal32(S) .. Decimal256(S)
  kFloatBits,     // FLOAT(p): SQL's precision in bits
  kWrapper,       // Nullable(T), LowCardinality(T)
};

struct TypeEntry {
  std::string_view name;  // matched without regard to case
  TypeId id;
  std::string_view text;  // canonical ClickHouse spelling
  ArgumentRule rule;
};

// ClickHouse's names first, then the SQL and MySQL/Postgres aliases that
// ClickHouse and DuckDB accept. TIMESTAMP maps to DateTime64(3) because
// Furl stores timestamps in milliseconds (see common/types.h).
constexpr std::array kTypes = {
    TypeEntry{"Bool", TypeId::kBool, "Bool", ArgumentRule::kNone},
    TypeEntry{"Boolean", TypeId::kBool, "Bool", ArgumentRule::kNone},
    TypeEntry{"Int8", TypeId::kInt8, "Int8", ArgumentRule::kNone},
    TypeEntry{"Int16", TypeId::kInt16, "Int16", ArgumentRule::kNone},
    TypeEntry{"Int32", TypeId::kInt32, "Int32", ArgumentRule::kNone},
    TypeEntry{"Int64", TypeId::kInt64, "Int64", ArgumentRule::kNone},
    TypeEntry{"UInt8", TypeId::kUInt8, "UInt8", ArgumentRule::kNone},
    TypeEntry{"UInt16", TypeId::kUInt16, "UInt16", ArgumentRule::kNone},
    TypeEntry{"UInt32", TypeId::kUInt32, "UInt32", ArgumentRule::kNone},
    TypeEntry{"UInt64", TypeId::kUInt64, "UInt64", ArgumentRule::kNone},
    TypeEntry{"Float32", TypeId::kFloat32, "Float32", ArgumentRule::kNone},
    TypeEntry{"Float64", TypeId::kFloat64, "Float64", ArgumentRule::kNone},
    TypeEntry{"Date", TypeId::kDate, "Date", ArgumentRule::kNone},
    TypeEntry{"Date32", TypeId::kDate, "Date32", ArgumentRule::kNone},
    TypeEntry{"DateTime", TypeId::kDateTime, "DateTime", ArgumentRule::kDateTime},
    TypeEntry{"DateTime32", TypeId::kDateTime, "DateTime", ArgumentRule::kDateTime},
    TypeEntry{"DateTime64", TypeId::kDateTime64, "DateTime64", ArgumentRule::kDateTime64},
    TypeEntry{"String", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"HLLSketch", TypeId::kHllSketch, "HLLSketch", ArgumentRule::kNone},
    TypeEntry{"FixedString", TypeId::kString, "String", ArgumentRule::kFixedLength},
    TypeEntry{"Nullable", TypeId::kNull, "Nullable", ArgumentRule::kWrapper},
    TypeEntry{"LowCardinality", TypeId::kNull, "LowCardinality", ArgumentRule::kWrapper},
    TypeEntry{"Decimal", TypeId::kFloat64, "Float64", ArgumentRule::kDecimal},
    TypeEntry{"Decimal32", TypeId::kFloat64, "Float64", ArgumentRule::kDecimalScale},
    TypeEntry{"Decimal64", TypeId::kFloat64, "Float64", ArgumentRule::kDecimalScale},
    TypeEntry{"Decimal128", TypeId::kFloat64, "Float64", ArgumentRule::kDecimalScale},
    TypeEntry{"Decimal256", TypeId::kFloat64, "Float64", ArgumentRule::kDecimalScale},

    TypeEntry{"TINYINT", TypeId::kInt8, "Int8", ArgumentRule::kLength},
    TypeEntry{"INT1", TypeId::kInt8, "Int8", ArgumentRule::kNone},
    TypeEntry{"BYTE", TypeId::kInt8, "Int8", ArgumentRule::kNone},
    TypeEntry{"SMALLINT", TypeId::kInt16, "Int16", ArgumentRule::kLength},
    TypeEntry{"INT2", TypeId::kInt16, "Int16", ArgumentRule::kNone},
    TypeEntry{"SHORT", TypeId::kInt16, "Int16", ArgumentRule::kNone},
    TypeEntry{"INT", TypeId::kInt32, "Int32", ArgumentRule::kLength},
    TypeEntry{"INTEGER", TypeId::kInt32, "Int32", ArgumentRule::kLength},
    TypeEntry{"MEDIUMINT", TypeId::kInt32, "Int32", ArgumentRule::kLength},
    TypeEntry{"INT4", TypeId::kInt32, "Int32", ArgumentRule::kNone},
    TypeEntry{"BIGINT", TypeId::kInt64, "Int64", ArgumentRule::kLength},
    TypeEntry{"HUGEINT", TypeId::kInt64, "Int64", ArgumentRule::kNone},
    TypeEntry{"LONG", TypeId::kInt64, "Int64", ArgumentRule::kNone},
    TypeEntry{"TINYINT UNSIGNED", TypeId::kUInt8, "UInt8", ArgumentRule::kLength},
    TypeEntry{"SMALLINT UNSIGNED", TypeId::kUInt16, "UInt16", ArgumentRule::kLength},
    TypeEntry{"INT UNSIGNED", TypeId::kUInt32, "UInt32", ArgumentRule::kLength},
    TypeEntry{"INTEGER UNSIGNED", TypeId::kUInt32, "UInt32", ArgumentRule::kLength},
    TypeEntry{"MEDIUMINT UNSIGNED", TypeId::kUInt32, "UInt32", ArgumentRule::kLength},
    TypeEntry{"BIGINT UNSIGNED", TypeId::kUInt64, "UInt64", ArgumentRule::kLength},
    TypeEntry{"UTINYINT", TypeId::kUInt8, "UInt8", ArgumentRule::kNone},
    TypeEntry{"USMALLINT", TypeId::kUInt16, "UInt16", ArgumentRule::kNone},
    TypeEntry{"UINTEGER", TypeId::kUInt32, "UInt32", ArgumentRule::kNone},
    TypeEntry{"UBIGINT", TypeId::kUInt64, "UInt64", ArgumentRule::kNone},
    TypeEntry{"FLOAT", TypeId::kFloat32, "Float32", ArgumentRule::kFloatBits},
    TypeEntry{"REAL", TypeId::kFloat32, "Float32", ArgumentRule::kNone},
    TypeEntry{"FLOAT4", TypeId::kFloat32, "Float32", ArgumentRule::kNone},
    TypeEntry{"DOUBLE", TypeId::kFloat64, "Float64", ArgumentRule::kNone},
    TypeEntry{"DOUBLE PRECISION", TypeId::kFloat64, "Float64", ArgumentRule::kNone},
    TypeEntry{"FLOAT8", TypeId::kFloat64, "Float64", ArgumentRule::kNone},
    TypeEntry{"NUMERIC", TypeId::kFloat64, "Float64", ArgumentRule::kDecimal},
    TypeEntry{"DEC", TypeId::kFloat64, "Float64", ArgumentRule::kDecimal},
    TypeEntry{"BOOL", TypeId::kBool, "Bool", ArgumentRule::kNone},
    TypeEntry{"TIMESTAMP", TypeId::kDateTime64, "DateTime64(3)", ArgumentRule::kNone},
    TypeEntry{"TEXT", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"VARCHAR", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"CHAR", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"CHARACTER", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"CHARACTER VARYING", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"CHAR VARYING", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"NVARCHAR", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"NCHAR", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"VARCHAR2", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"TINYTEXT", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"MEDIUMTEXT", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"LONGTEXT", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"CLOB", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"BLOB", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"BYTEA", TypeId::kString, "String", ArgumentRule::kNone},
    TypeEntry{"BINARY", TypeId::kString, "String", ArgumentRule::kLength},
    TypeEntry{"VARBINARY", TypeId::kString, "String", ArgumentRule::kLength},
};

// ClickHouse types that Furl does not store (yet); named in the message so
// that users learn the type is known but unsupported.
constexpr std::array<std::string_view, 19> kUnsupportedTypes = {
    "Array",   "Tuple",   "Map",     "Nested", "UUID",   "IPv4",    "IPv6",
    "Enum",    "Enum8",   "Enum16",  "Int128", "Int256", "UInt128", "UInt256",
    "JSON",    "Object",  "Variant", "Dynamic", "Nothing",
};

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const TypeEntry* findType(std::string_view name) {
  for (const TypeEntry& entry : kTypes) {
    if (equalsIgnoringCase(entry.name, name)) return &entry;
  }
  return nullptr;
}

[[noreturn]] void throwUnknownType(const TypeSyntax& syntax) {
  for (std::string_view unsupported : kUnsupportedTypes) {
    if (equalsIgnoringCase(unsupported, syntax.name)) {
      throw QueryError(ErrorCode::kUnknownType,
                       "type '" + syntax.text +
                           "' is not supported; use String, a number type, Bool, Date, DateTime or "
                           "DateTime64, optionally wrapped in Nullable() or LowCardinality()",
                       syntax.position);
    }
  }

  std::vector<std::string_view> names;
  for (const TypeEntry& entry : kTypes) names.push_back(entry.name);
  std::vector<std::string> matches = findCloseMatches(syntax.name, names);
  std::string message = "unknown type '" + syntax.text + "'";
  if (!matches.empty()) {
    message += "; did you mean " + joinAlternatives(matches) + "?";
  } else {
    message +=
        "; use a ClickHouse type such as String, Int64, Float64, DateTime, or a standard SQL type such "
        "as BIGINT, TEXT, DOUBLE, TIMESTAMP";
  }
  throw QueryError(ErrorCode::kUnknownType, message, syntax.position);
}

[[noreturn]] void throwBadArguments(const TypeSyntax& syntax, std::string_view expected) {
  throw QueryError(ErrorCode::kUnknownType,
                   "invalid arguments in type '" + syntax.text + "': " + syntax.name + " takes " +
                       std::string(expected),
                   syntax.position);
}

bool argumentsAre(const TypeSyntax& syntax, std::initializer_list<TypeArgument::Kind> kinds) {
  if (syntax.args.size() != kinds.size()) return false;
  size_t i = 0;
  for (TypeArgument::Kind kind : kinds) {
    if (syntax.args[i++].kind != kind) return false;
  }
  return true;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// Zone names that mean UTC; every other zone changes the stored values.
bool isUtcZone(std::string_view zone) {
  constexpr std::array<std::string_view, 10> kUtcNames = {"UTC",       "Etc/UTC",       "GMT",  "Etc/GMT",
                                                          "UCT",       "Etc/UCT",       "Zulu", "Etc/Zulu",
                                                          "Universal", "Etc/Universal"};
  for (std::string_view name : kUtcNames) {
    if (equalsIgnoringCase(name, zone)) return true;
  }
  return false;
}

std::string zoneError(const TypeSyntax& syntax, const std::string& zone) {
  if (isUtcZone(zone)) return "";
  return "time zone '" + zone + "' in type " + syntax.text +
         " is not supported: Furl stores and returns every DateTime in UTC, so local times would be shifted; "
         "declare the column without a time zone (or with 'UTC') and insert UTC times";
}

std::string decimalError(const TypeSyntax& syntax, uint64_t scale) {
  return "type " + syntax.text +
         " is not supported for a column: Furl has no exact decimal type and would store approximate Float64 "
         "values; declare the column Float64 to accept that, or Int64 holding the value times 10^" +
         std::to_string(scale) + " to keep it exact";
}

TypeName resolveWrapper(const TypeSyntax& syntax, const TypeEntry& entry) {
  if (!argumentsAre(syntax, {TypeArgument::Kind::kType})) throwBadArguments(syntax, "one type");
  TypeName inner = resolveType(*syntax.args[0].type);

  if (entry.name == "Nullable") {
    if (inner.type.nullable) throwBadArguments(syntax, "a type that is not already Nullable");
    if (inner.lowCardinality) {
      throw QueryError(ErrorCode::kUnknownType,
                       "invalid type '" + syntax.text + "': write LowCardinality(Nullable(T)) instead",
                       syntax.position);
    }
    inner.type.nullable = true;
    inner.text = "Nullable(" + inner.text + ")";
    return inner;
  }

  if (inner.lowCardinality) throwBadArguments(syntax, "a type that is not already LowCardinality");
  if (inner.type.id == TypeId::kHllSketch) {
    throwBadArguments(syntax, "a type other than HLLSketch, whose values are never dictionary-encoded");
  }
  inner.lowCardinality = true;
  inner.text = "LowCardinality(" + inner.text + ")";
  return inner;
}

}  // namespace

TypeName resolveType(const TypeSyntax& syntax) {
  const TypeEntry* entry = findType(syntax.name);
  if (entry == nullptr) throwUnknownType(syntax);

  TypeName result;
  result.type = DataType(entry->id);
  result.text = std::string(entry->text);
  using Kind = TypeArgument::Kind;

  switch (entry->rule) {
    case ArgumentRule::kNone:
      if (syntax.hasParentheses) throwBadArguments(syntax, "no arguments");
      break;

    case ArgumentRule::kLength:
      if (syntax.hasParentheses && !argumentsAre(syntax, {Kind::kInteger})) {
        throwBadArguments(syntax, "one optional length");
      }
      break;

    case ArgumentRule::kFixedLength:
      if (!argumentsAre(syntax, {Kind::kInteger}) || syntax.args[0].integer == 0) {
        throwBadArguments(syntax, "one positive length");
      }
      result.note = "FixedString(" + std::to_string(syntax.args[0].integer) +
                    ") is stored as String, without padding to a fixed length";
      break;

    case ArgumentRule::kDateTime:
      if (syntax.hasParentheses) {
        if (!argumentsAre(syntax, {Kind::kString})) throwBadArguments(syntax, "one optional time zone string");
        result.timeZone = syntax.args[0].string;
        result.text = "DateTime(" + quoted(result.timeZone) + ")";
        result.columnError = zoneError(syntax, result.timeZone);
      }
      break;

    case ArgumentRule::kDateTime64: {
      bool withZone = argumentsAre(syntax, {Kind::kInteger, Kind::kString});
      if (!argumentsAre(syntax, {Kind::kInteger}) && !withZone) {
        throwBadArguments(syntax, "a precision from 0 to 9 and an optional time zone string");
      }
      if (syntax.args[0].integer > 9) throwBadArguments(syntax, "a precision from 0 to 9");
      result.precision = static_cast<uint32_t>(syntax.args[0].integer);
      result.text = "DateTime64(" + std::to_string(result.precision);
      if (withZone) {
        result.timeZone = syntax.args[1].string;
        result.text += ", " + quoted(result.timeZone);
      }
      result.text += ")";
      if (withZone) result.columnError = zoneError(syntax, result.timeZone);
      if (result.precision > 3) {
        result.note = result.text + " is stored with millisecond precision; finer digits are dropped";
        result.columnError = "type " + syntax.text +
                             " is not supported for a column: Furl stores DateTime64 values in milliseconds, so "
                             "the digits after the third would be lost; declare the column DateTime64(3)";
      }
      break;
    }

    case ArgumentRule::kDecimal:
      if (syntax.hasParentheses && !argumentsAre(syntax, {Kind::kInteger}) &&
          !argumentsAre(syntax, {Kind::kInteger, Kind::kInteger})) {
        throwBadArguments(syntax, "a precision and an optional scale");
      }
      result.note = "type '" + syntax.text + "' is stored as Float64, so values are not exact decimals";
      // As in ClickHouse, Decimal(P) and a bare DECIMAL have scale 0.
      result.columnError = decimalError(syntax, syntax.args.size() == 2 ? syntax.args[1].integer : 0);
      break;

    case ArgumentRule::kDecimalScale:
      if (!argumentsAre(syntax, {Kind::kInteger})) throwBadArguments(syntax, "one scale");
      result.note = "type '" + syntax.text + "' is stored as Float64, so values are not exact decimals";
      result.columnError = decimalError(syntax, syntax.args[0].integer);
      break;

    case ArgumentRule::kFloatBits:
      if (syntax.hasParentheses) {
        if (!argumentsAre(syntax, {Kind::kInteger})) throwBadArguments(syntax, "one optional precision in bits");
        // SQL: FLOAT(p) with p up to 24 bits is single precision, else double.
        if (syntax.args[0].integer > 24) {
          result.type = DataType(TypeId::kFloat64);
          result.text = "Float64";
        }
      }
      break;

    case ArgumentRule::kWrapper:
      return resolveWrapper(syntax, *entry);
  }
  return result;
}

void setNullable(TypeName& type, bool nullable) {
  if (type.type.nullable == nullable) return;
  type.type.nullable = nullable;

  // Rebuild the text from the innermost type outwards.
  std::string_view base = type.text;
  auto unwrap = [&base](std::string_view prefix) {
    if (base.starts_with(prefix) && base.ends_with(")")) {
      base = base.substr(prefix.size(), base.size() - prefix.size() - 1);
    }
  };
  if (type.lowCardinality) unwrap("LowCardinality(");
  unwrap("Nullable(");

  std::string text(base);
  if (nullable) text = "Nullable(" + text + ")";
  if (type.lowCardinality) text = "LowCardinality(" + text + ")";
  type.text = std::move(text);
}

}  // namespace furl::sql
