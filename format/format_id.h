#pragma once

// Names of the input and output formats of the ClickHouse HTTP dialect.
// Names match case-sensitively, as ClickHouse matches them (`JSONEachRow`,
// not `jsoneachrow`); `TSV` and the other short spellings are aliases.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace furl::format {

enum class FormatId {
  kTabSeparated,
  kTabSeparatedWithNames,
  kTabSeparatedWithNamesAndTypes,
  kCsv,
  kCsvWithNames,
  kJson,
  kJsonCompact,
  kJsonEachRow,
  kJsonCompactEachRow,
  kPretty,
  kPrettyMonoBlock,
  kPrettyCompact,
  kPrettyCompactMonoBlock,
  kPrettySpace,
  kPrettySpaceMonoBlock,
  kVertical,
  kNull,
};

/// Looks up a format by its ClickHouse name or alias; nullopt when unknown.
std::optional<FormatId> findFormat(std::string_view name);

/// Like findFormat, but an unknown name becomes a kUnknownFormat status
/// (see statusFromError) whose message lists the known names.
absl::StatusOr<FormatId> requireFormat(std::string_view name);

/// The canonical ClickHouse name (`TabSeparated` for `TSV`).
std::string_view formatName(FormatId id);

/// The HTTP Content-Type ClickHouse sends for results in this format.
std::string_view contentType(FormatId id);

/// True for formats readRows() accepts as INSERT input.
bool isInputFormat(FormatId id);

/// Every accepted name and alias, comma-separated, for error messages.
std::string knownFormatNames();

}  // namespace furl::format
