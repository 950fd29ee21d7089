#pragma once

// Status helpers shared by every module. Storage, ingest, client and I/O
// paths return absl::Status / absl::StatusOr<T>; these macros keep the
// propagation short.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FURL_CONCAT_INNER(a, b) a##b
#define FURL_CONCAT(a, b) FURL_CONCAT_INNER(a, b)

/// Returns from the enclosing function when `expr` yields a non-OK status.
#define FURL_RETURN_IF_ERROR(expr)            \
  do {                                        \
    ::absl::Status furlStatus_ = (expr);      \
    if (!furlStatus_.ok()) return furlStatus_; \
  } while (0)

/// Evaluates `rexpr` (a StatusOr), returns its status on error, else moves
/// the value into `lhs` (which may be a declaration such as `auto x`).
#define FURL_ASSIGN_OR_RETURN(lhs, rexpr) \
  FURL_ASSIGN_OR_RETURN_IMPL(FURL_CONCAT(furlStatusOr_, __LINE__), lhs, rexpr)
#define FURL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
