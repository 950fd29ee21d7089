#include "format/format_id.h"

#include <array>
#include <utility>

#include "format/str_cat.h"
#include "common/error.h"

namespace furl::format {
namespace {

struct FormatName {
  std::string_view name;
  FormatId id;
};

constexpr std::array kFormatNames = {
    FormatName{"TabSeparated", FormatId::kTabSeparated},
    FormatName{"TSV", FormatId::kTabSeparated},
    FormatName{"TabSeparatedWithNames", FormatId::kTabSeparatedWithNames},
    FormatName{"TSVWithNames", FormatId::kTabSeparatedWithNames},
    FormatName{"TabSeparatedWithNamesAndTypes", FormatId::kTabSeparatedWithNamesAndTypes},
    FormatName{"TSVWithNamesAndTypes", FormatId::kTabSeparatedWithNamesAndTypes},
    FormatName{"CSV", FormatId::kCsv},
    FormatName{"CSVWithNames", FormatId::kCsvWithNames},
    FormatName{"JSON", FormatId::kJson},
    FormatName{"JSONCompact", FormatId::kJsonCompact},
    FormatName{"JSONEachRow", FormatId::kJsonEachRow},
    FormatName{"JSONLines", FormatId::kJsonEachRow},
    FormatName{"NDJSON", FormatId::kJsonEachRow},
    FormatName{"JSONCompactEachRow", FormatId::kJsonCompactEachRow},
    FormatName{"Pretty", FormatId::kPretty},
    FormatName{"PrettyMonoBlock", FormatId::kPrettyMonoBlock},
    FormatName{"PrettyCompact", FormatId::kPrettyCompact},
    FormatName{"PrettyCompactMonoBlock", FormatId::kPrettyCompactMonoBlock},
    FormatName{"PrettySpace", FormatId::kPrettySpace},
    FormatName{"PrettySpaceMonoBlock", FormatId::kPrettySpaceMonoBlock},
    // Furl never writes ANSI escapes, so the NoEscapes variants are the same.
    FormatName{"PrettyNoEscapes", FormatId::kPretty},
    FormatName{"PrettyMonoBlockNoEscapes", FormatId::kPrettyMonoBlock},
    FormatName{"PrettyCompactNoEscapes", FormatId::kPrettyCompact},
    FormatName{"PrettyCompactNoEscapesMonoBlock", FormatId::kPrettyCompactMonoBlock},
    FormatName{"PrettySpaceNoEscapes", FormatId::kPrettySpace},
    FormatName{"PrettySpaceNoEscapesMonoBlock", FormatId::kPrettySpaceMonoBlock},
    FormatName{"Vertical", FormatId::kVertical},
    FormatName{"Null", FormatId::kNull},
};

}  // namespace

std::optional<FormatId> findFormat(std::string_view name) {
  for (const FormatName& entry : kFormatNames) {
    if (entry.name == name) return entry.id;
  }
  return std::nullopt;
}

absl::StatusOr<FormatId> requireFormat(std::string_view name) {
  if (auto id = findFormat(name)) return *id;
  return statusFromError(ErrorCode::kUnknownFormat,
                         internal::concat("unknown format '", name, "'; names are case-sensitive, known formats: ",
                                      knownFormatNames()));
}

std::string_view formatName(FormatId id) {
  switch (id) {
    case FormatId::kTabSeparated: return "TabSeparated";
    case FormatId::kTabSeparatedWithNames: return "TabSeparatedWithNames";
    case FormatId::kTabSeparatedWithNamesAndTypes: return "TabSeparatedWithNamesAndTypes";
    case FormatId::kCsv: return "CSV";
    case FormatId::kCsvWithNames: return "CSVWithNames";
    case FormatId::kJson: return "JSON";
    case FormatId::kJsonCompact: return "JSONCompact";
    case FormatId::kJsonEachRow: return "JSONEachRow";
    case FormatId::kJsonCompactEachRow: return "JSONCompactEachRow";
    case FormatId::kPretty: return "Pretty";
    case FormatId::kPrettyMonoBlock: return "PrettyMonoBlock";
    case FormatId::kPrettyCompact: return "PrettyCompact";
    case FormatId::kPrettyCompactMonoBlock: return "PrettyCompactMonoBlock";
    case FormatId::kPrettySpace: return "PrettySpace";
    case FormatId::kPrettySpaceMonoBlock: return "PrettySpaceMonoBlock";
    case FormatId::kVertical: return "Vertical";
    case FormatId::kNull: return "Null";
  }
  return "TabSeparated";
}

std::string_view contentType(FormatId id) {
  switch (id) {
    case FormatId::kTabSeparated:
    case FormatId::kTabSeparatedWithNames:
    case FormatId::kTabSeparatedWithNamesAndTypes:
      return "text/tab-separated-values; charset=UTF-8";
    case FormatId::kCsv:
      return "text/csv; charset=UTF-8; header=absent";
    case FormatId::kCsvWithNames:
      return "text/csv; charset=UTF-8; header=present";
    case FormatId::kJson:
    case FormatId::kJsonCompact:
      return "application/json; charset=UTF-8";
    case FormatId::kJsonEachRow:
    case FormatId::kJsonCompactEachRow:
      return "application/x-ndjson; charset=UTF-8";
    case FormatId::kPretty:
    case FormatId::kPrettyMonoBlock:
    case FormatId::kPrettyCompact:
    case FormatId::kPrettyCompactMonoBlock:
    case FormatId::kPrettySpace:
    case FormatId::kPrettySpaceMonoBlock:
    case FormatId::kVertical:
    case FormatId::kNull:
      return "text/plain; charset=UTF-8";
  }
  return "text/plain; charset=UTF-8";
}

bool isInputFormat(FormatId id) {
  switch (id) {
    case FormatId::kTabSeparated:
    case FormatId::kTabSeparatedWithNames:
    case FormatId::kCsv:
    case FormatId::kCsvWithNames:
    case FormatId::kJsonEachRow:
      return true;
    default:
      return false;
  }
}

std::string knownFormatNames() {
  std::string names;
  for (const FormatName& entry : kFormatNames) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}

}  // namespace furl::format
