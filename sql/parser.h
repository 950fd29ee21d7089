#pragma once

// The SQL parser: text in, syntax tree (sql/ast.h) out.
//
// The dialect is ClickHouse's, plus the standard SQL spellings that users
// of DuckDB and Druid write (CAST(x AS T), OFFSET ... FETCH FIRST, VARCHAR,
// TIMESTAMP, ...). Keywords are matched without regard to case.
//
// Every function here throws QueryError on bad input, with the position of
// the offending token. Syntax errors are kSyntaxError with messages such as
// `Syntax error at line 1, column 12: expected ',', FROM or end of query
// after 'SELECT a b', found 'c'`. Unknown type names are kUnknownType.
// Recognised syntax that Furl does not support yet (JOIN, window functions,
// UNION DISTINCT) is kNotImplemented. The functions share no state, so they
// are thread-safe.

#include <string_view>
#include <vector>

#include "common/types.h"
#include "sql/ast.h"

namespace furl::sql {

/// Parses exactly one statement, optionally followed by `;`.
///
/// For `INSERT ... FORMAT Name` the text after the format name is data, not
/// SQL: parsing stops there, and InsertStatement::dataOffset is the offset
/// where the data starts.
StatementPtr parseStatement(std::string_view sql);

/// Parses a script of statements separated by `;`. Empty statements are
/// skipped. An `INSERT ... FORMAT Name` statement ends the script, because
/// all text after it is the statement's data.
std::vector<StatementPtr> parseStatements(std::string_view sql);

/// Parses a single expression, such as a column DEFAULT stored as text.
ExprPtr parseExpression(std::string_view sql);

/// Parses a type name: ClickHouse's (`Nullable(String)`, `DateTime64(3)`)
/// or standard SQL's (`BIGINT`, `VARCHAR(255)`, `DOUBLE PRECISION`), for
/// CAST(x AS T), cast(x, 'T') and schemas. Throws QueryError(kUnknownType)
/// naming the type and close matches (`unknown type 'Strng'; did you mean
/// 'String'?`).
DataType parseTypeName(std::string_view text);

/// Like parseTypeName(), but also returns what DataType drops: the
/// canonical text, LowCardinality, the DateTime64 precision and time zone.
TypeName parseTypeNameDetails(std::string_view text);

}  // namespace furl::sql
