#include "common/error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace furl {
namespace {

// Debian's abseil has its own absl::string_view, so the key is a C string.
constexpr const char* kCodePayloadUrl = "furl/error-code";

}  // namespace

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kCannotParseText:
      return "CANNOT_PARSE_TEXT";
    case ErrorCode::kCannotParseInput:
      return "CANNOT_PARSE_INPUT_ASSERTION_FAILED";
    case ErrorCode::kBadArguments:
      return "BAD_ARGUMENTS";
    case ErrorCode::kChecksumDoesntMatch:
      return "CHECKSUM_DOESNT_MATCH";
    case ErrorCode::kCannotParseDateTime:
      return "CANNOT_PARSE_DATETIME";
    case ErrorCode::kNumberOfArgumentsDoesntMatch:
      return "NUMBER_OF_ARGUMENTS_DOESNT_MATCH";
    case ErrorCode::kIllegalTypeOfArgument:
      return "ILLEGAL_TYPE_OF_ARGUMENT";
    case ErrorCode::kIllegalColumn:
      return "ILLEGAL_COLUMN";
    case ErrorCode::kUnknownFunction:
      return "UNKNOWN_FUNCTION";
    case ErrorCode::kUnknownIdentifier:
      return "UNKNOWN_IDENTIFIER";
    case ErrorCode::kNotImplemented:
      return "NOT_IMPLEMENTED";
    case ErrorCode::kLogicalError:
      return "LOGICAL_ERROR";
    case ErrorCode::kUnknownType:
      return "UNKNOWN_TYPE";
    case ErrorCode::kTypeMismatch:
      return "TYPE_MISMATCH";
    case ErrorCode::kTableAlreadyExists:
      return "TABLE_ALREADY_EXISTS";
    case ErrorCode::kUnknownTable:
      return "UNKNOWN_TABLE";
    case ErrorCode::kSyntaxError:
      return "SYNTAX_ERROR";
    case ErrorCode::kUnknownAggregateFunction:
      return "UNKNOWN_AGGREGATE_FUNCTION";
    case ErrorCode::kCannotConvertType:
      return "CANNOT_CONVERT_TYPE";
    case ErrorCode::kUnknownFormat:
      return "UNKNOWN_FORMAT";
    case ErrorCode::kCannotReadFile:
      return "CANNOT_READ_FROM_FILE_DESCRIPTOR";
    case ErrorCode::kCannotWriteFile:
      return "CANNOT_WRITE_TO_FILE_DESCRIPTOR";
    case ErrorCode::kUnknownDatabase:
      return "UNKNOWN_DATABASE";
    case ErrorCode::kTooManyColumns:
      return "TOO_MANY_COLUMNS";
    case ErrorCode::kUnknownSetting:
      return "UNKNOWN_SETTING";
    case ErrorCode::kIllegalDivision:
      return "ILLEGAL_DIVISION";
    case ErrorCode::kIllegalAggregation:
      return "ILLEGAL_AGGREGATION";
    case ErrorCode::kReadonly:
      return "READONLY";
    case ErrorCode::kNotAnAggregate:
      return "NOT_AN_AGGREGATE";
    case ErrorCode::kCorruptedData:
      return "CORRUPTED_DATA";
    case ErrorCode::kCannotCompile:
      return "CANNOT_COMPILE_REGEXP";
    case ErrorCode::kQueryWasCancelled:
      return "QUERY_WAS_CANCELLED";
    case ErrorCode::kTooManyRowsOrBytes:
      return "TOO_MANY_ROWS_OR_BYTES";
    case ErrorCode::kArgumentOutOfBound:
      return "ARGUMENT_OUT_OF_BOUND";
    case ErrorCode::kValueIsOutOfRange:
      return "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE";
    case ErrorCode::kDecimalOverflow:
      return "DECIMAL_OVERFLOW";
    case ErrorCode::kTimeoutExceeded:
      return "TIMEOUT_EXCEEDED";
    case ErrorCode::kMemoryLimitExceeded:
      return "MEMORY_LIMIT_EXCEEDED";
    case ErrorCode::kAuthenticationFailed:
      return "AUTHENTICATION_FAILED";
    case ErrorCode::kIoError:
      return "IO_ERROR";
  }
  return "UNKNOWN_ERROR";
}

bool isUserError(ErrorCode code) {
  switch (code) {
    case ErrorCode::kLogicalError:
    case ErrorCode::kChecksumDoesntMatch:
    case ErrorCode::kCorruptedData:
    case ErrorCode::kCannotReadFile:
    case ErrorCode::kCannotWriteFile:
    case ErrorCode::kMemoryLimitExceeded:
    case ErrorCode::kIoError:
      return false;
    default:
      return true;
  }
}

absl::Status statusFromError(ErrorCode code, std::string_view message) {
  absl::StatusCode statusCode = absl::StatusCode::kInvalidArgument;
  switch (code) {
    case ErrorCode::kUnknownTable:
    case ErrorCode::kUnknownDatabase:
      statusCode = absl::StatusCode::kNotFound;
      break;
    case ErrorCode::kTableAlreadyExists:
      statusCode = absl::StatusCode::kAlreadyExists;
      break;
    case ErrorCode::kCorruptedData:
    case ErrorCode::kChecksumDoesntMatch:
      statusCode = absl::StatusCode::kDataLoss;
      break;
    case ErrorCode::kLogicalError:
      statusCode = absl::StatusCode::kInternal;
      break;
    case ErrorCode::kIoError:
    case ErrorCode::kCannotReadFile:
    case ErrorCode::kCannotWriteFile:
      statusCode = absl::StatusCode::kUnavailable;
      break;
    case ErrorCode::kQueryWasCancelled:
      statusCode = absl::StatusCode::kCancelled;
      break;
    default:
      break;
  }
  absl::Status status(statusCode, std::string(message));
  status.SetPayload(kCodePayloadUrl, absl::Cord(std::to_string(static_cast<int32_t>(code))));
  return status;
}

QueryError errorFromStatus(const absl::Status& status) {
  std::string message(status.message().data(), status.message().size());
  if (auto payload = status.GetPayload(kCodePayloadUrl)) {
    int32_t code = 0;
    if (absl::SimpleAtoi(std::string(*payload), &code)) {
      return QueryError(static_cast<ErrorCode>(code), message);
    }
  }
  ErrorCode code = ErrorCode::kIoError;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      code = ErrorCode::kUnknownTable;
      break;
    case absl::StatusCode::kAlreadyExists:
      code = ErrorCode::kTableAlreadyExists;
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      code = ErrorCode::kBadArguments;
      break;
    case absl::StatusCode::kDataLoss:
      code = ErrorCode::kCorruptedData;
      break;
    case absl::StatusCode::kCancelled:
      code = ErrorCode::kQueryWasCancelled;
      break;
    case absl::StatusCode::kDeadlineExceeded:
      code = ErrorCode::kTimeoutExceeded;
      break;
    case absl::StatusCode::kResourceExhausted:
      code = ErrorCode::kMemoryLimitExceeded;
      break;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      code = ErrorCode::kLogicalError;
      break;
    default:
      code = ErrorCode::kIoError;
      break;
  }
  return QueryError(code, message);
}

}  // namespace furl
