#pragma once

// Error codes and the exception type that ends a query.
//
// Codes use ClickHouse's numbers so that ClickHouse clients, which parse
// `Code: N. DB::Exception: ...` bodies, show the right error. sql/ and query/
// throw QueryError; storage/, ingest/ and I/O paths return absl::Status and
// the caller converts with errorFromStatus().

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace furl {

enum class ErrorCode : int32_t {
  kOk = 0,
  kCannotParseText = 6,
  kCannotParseInput = 27,
  kBadArguments = 36,
  kChecksumDoesntMatch = 40,
  kCannotParseDateTime = 41,
  kNumberOfArgumentsDoesntMatch = 42,
  kIllegalTypeOfArgument = 43,
  kIllegalColumn = 44,
  kUnknownFunction = 46,
  kUnknownIdentifier = 47,
  kNotImplemented = 48,
  kLogicalError = 49,  // an internal error: a bug, not the user's fault
  kUnknownType = 50,
  kTypeMismatch = 53,
  kTableAlreadyExists = 57,
  kUnknownTable = 60,
  kSyntaxError = 62,
  kUnknownAggregateFunction = 63,
  kCannotConvertType = 70,
  kUnknownFormat = 73,
  kCannotReadFile = 75,
  kCannotWriteFile = 76,
  kUnknownDatabase = 81,
  kTooManyColumns = 161,
  kUnknownSetting = 115,
  kIllegalDivision = 153,
  kReadonly = 164,
  kIllegalAggregation = 184,
  kNotAnAggregate = 215,
  kCorruptedData = 246,
  kCannotCompile = 263,  // invalid regular expression
  kQueryWasCancelled = 394,
  kTooManyRowsOrBytes = 396,
  kArgumentOutOfBound = 69,
  kValueIsOutOfRange = 321,
  kDecimalOverflow = 407,  // integer sum overflow also uses this code
  kTimeoutExceeded = 159,
  kMemoryLimitExceeded = 241,
  kAuthenticationFailed = 516,
  kIoError = 1000,
};

/// The upper-case ClickHouse name of a code (`SYNTAX_ERROR`).
std::string_view errorCodeName(ErrorCode code);

/// True for errors caused by the request (bad SQL, bad data), false for
/// internal and I/O errors. The HTTP layer maps user errors to 4xx.
bool isUserError(ErrorCode code);

/// A position in SQL text, 1-based; line 0 means unknown.
struct SourcePosition {
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t offset = 0;  // byte offset, 0-based
};

/// The exception that ends a query in sql/ and query/.
class QueryError : public std::runtime_error {
 public:
  QueryError(ErrorCode code, std::string message, SourcePosition position = {})
      : std::runtime_error(std::move(message)), code_(code), position_(position) {}

  ErrorCode code() const { return code_; }
  const SourcePosition& position() const { return position_; }

 private:
  ErrorCode code_;
  SourcePosition position_;
};

/// Wraps a non-OK Status into a QueryError with a fitting code
/// (kCorruptedData for DataLoss, kIoError for Unavailable/Internal, ...).
/// The code is preserved when the status came from statusFromError().
QueryError errorFromStatus(const absl::Status& status);

/// The reverse: a Status carrying the code (as a payload) and the message.
absl::Status statusFromError(ErrorCode code, std::string_view message);

/// Throws errorFromStatus(status) when status is not OK.
inline void throwIfError(const absl::Status& status) {
  if (!status.ok()) throw errorFromStatus(status);
}

}  // namespace furl
