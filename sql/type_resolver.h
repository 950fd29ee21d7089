#pragma once

// Maps the syntax of a type name to a TypeName. Private to furl_sql: the
// parser builds TypeSyntax from tokens, and callers use parseTypeName().

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "sql/ast.h"

namespace furl::sql {

struct TypeSyntax;

/// One argument inside a type's parentheses: a nested type (`Nullable(T)`),
/// an integer (`FixedString(16)`) or a string (`DateTime('UTC')`).
struct TypeArgument {
  enum class Kind { kType, kInteger, kString };
  Kind kind = Kind::kInteger;
  std::unique_ptr<TypeSyntax> type;
  uint64_t integer = 0;
  std::string string;
  SourcePosition position;
};

/// A type as written: `Nullable(String)`, `VARCHAR(255)`, `DOUBLE PRECISION`.
struct TypeSyntax {
  std::string name;  // words joined by one space, as written
  std::vector<TypeArgument> args;
  bool hasParentheses = false;
  SourcePosition position;
  std::string text;  // the source text of the whole type, for messages
};

/// Resolves a type; throws QueryError(kUnknownType) for names that are
/// unknown or not supported, and for arguments of the wrong kind or range.
TypeName resolveType(const TypeSyntax& syntax);

/// Applies a column's `NULL` / `NOT NULL` to its type, updating both the
/// DataType and the text (`LowCardinality(String) NULL` becomes
/// `LowCardinality(Nullable(String))`).
void setNullable(TypeName& type, bool nullable);

}  // namespace furl::sql
