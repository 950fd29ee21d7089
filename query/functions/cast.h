#pragma once

// Type conversion between column types: the kernel behind cast(), the
// to<Type>() functions, and the implicit conversions other functions apply
// to their arguments (a String constant compared with a DateTime column).
//
// Conversion rules (ClickHouse's, where noted otherwise below):
//   integer -> narrower integer    wraps (toInt8(300) = 44)
//   float -> integer               truncates; NaN or out of range is an error
//   number -> Bool                 x != 0
//   number -> Date                 the number is a day count
//   number -> DateTime/DateTime64  the number is seconds since the epoch
//   Date/DateTime -> number        days / whole seconds (floats keep the
//                                  fraction of a DateTime64)
//   String -> number/Bool/temporal parses the whole string; failure is an error
//   anything -> String             the text form printed by toString()
//                                  (base64 for an HLLSketch)
//   String -> HLLSketch            decodes base64 and checks the sketch;
//                                  HLLSketch converts to nothing else

#include <optional>
#include <string>
#include <string_view>

#include "common/column.h"
#include "common/types.h"
#include "common/value.h"

namespace furl::query {

/// The handling of a value that a conversion cannot convert.
enum class CastErrorMode : uint8_t {
  kThrow,   // throw QueryError naming the value and the function
  kNull,    // the row becomes NULL (the *OrNull functions)
  kZero,    // the row becomes zero or the epoch (the *OrZero functions)
};

/// Parses a type name as written in CAST: the ClickHouse names (`Int64`,
/// `Nullable(String)`, `LowCardinality(String)`, `DateTime64(3)`,
/// `DateTime('UTC')`) and the standard SQL ones (`BIGINT`, `INTEGER`,
/// `DOUBLE PRECISION`, `VARCHAR(20)`, `TIMESTAMP`, `BOOLEAN`), without
/// regard to case. Returns nullopt for unknown or unsupported names
/// (Decimal, Array, time zones other than UTC).
std::optional<DataType> parseTypeName(std::string_view text);

/// Converts the live rows of `column` to `target.id`. The result is
/// nullable when the input or the target is nullable, or when mode is
/// kNull. Returns the input itself when the type id already matches, and a
/// constant column for a constant input. `function` names the caller in
/// error messages. Throws QueryError (kCannotParseText,
/// kCannotParseDateTime, kValueIsOutOfRange) in mode kThrow.
ColumnPtr castColumn(const ColumnPtr& column, DataType target, size_t numRows,
                     const SelectionVector* sel, std::string_view function,
                     CastErrorMode mode = CastErrorMode::kThrow);

/// Returns the accepted spellings of a date or time, appended to errors
/// about text that is not one, with how to write a time relative to now.
std::string temporalTextHint();

/// Converts one value (bind-time constants) with the same rules.
Value castValue(const Value& value, DataType from, DataType target, std::string_view function,
                CastErrorMode mode = CastErrorMode::kThrow);

/// Parses a timestamp in the forms parseDateTimeBestEffort accepts: those
/// of parseTimestampMs, `YYYY/MM/DD[ hh:mm[:ss]]`, `DD/MM/YYYY`,
/// `YYYYMMDD[hhmmss]`, Unix seconds (9 to 10 digits), and RFC 1123 / 822
/// dates such as `Sat, 12 Sep 2015 07:00:00 GMT`. Returns milliseconds.
std::optional<int64_t> parseTimestampBestEffort(std::string_view text);

}  // namespace furl::query
