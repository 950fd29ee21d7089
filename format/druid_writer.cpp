#include "format/druid_writer.h"

#include "format/value_text.h"

namespace furl::format {
namespace {

bool isLineFormat(DruidResultFormat format) {
  return format == DruidResultFormat::kObjectLines || format == DruidResultFormat::kArrayLines ||
         format == DruidResultFormat::kCsv;
}

bool isObjectFormat(DruidResultFormat format) {
  return format == DruidResultFormat::kObject || format == DruidResultFormat::kObjectLines;
}

}  // namespace

std::optional<DruidResultFormat> findDruidResultFormat(std::string_view name) {
  if (name == "object") return DruidResultFormat::kObject;
  if (name == "array") return DruidResultFormat::kArray;
  if (name == "objectLines") return DruidResultFormat::kObjectLines;
  if (name == "arrayLines") return DruidResultFormat::kArrayLines;
  if (name == "csv") return DruidResultFormat::kCsv;
  return std::nullopt;
}

std::string_view druidContentType(DruidResultFormat format) {
  switch (format) {
    case DruidResultFormat::kObject:
    case DruidResultFormat::kArray:
      return "application/json";
    case DruidResultFormat::kObjectLines:
    case DruidResultFormat::kArrayLines:
      return "text/plain";
    case DruidResultFormat::kCsv:
      return "text/csv";
  }
  return "application/json";
}

void writeDruidResult(DruidResultFormat format, bool header, const ResultTable& table, std::string& out) {
  bool lines = isLineFormat(format);
  bool objects = isObjectFormat(format);
  bool csv = format == DruidResultFormat::kCsv;
  ValueStyle style = csv ? ValueStyle::kDruidCsv : ValueStyle::kDruidJson;
  size_t numColumns = table.columnNames.size();

  std::vector<std::string> keys;
  if (objects) {
    for (const std::string& name : table.columnNames) {
      std::string key;
      appendJsonString(key, name, /*escapeSlash=*/false);
      key.push_back(':');
      keys.push_back(std::move(key));
    }
  }

  if (!lines) out.push_back('[');
  bool firstRow = true;
  auto beginRow = [&] {
    if (!lines && !firstRow) out.push_back(',');
    firstRow = false;
    if (!csv) out.push_back(objects ? '{' : '[');
  };
  auto endRow = [&] {
    if (!csv) out.push_back(objects ? '}' : ']');
    if (lines) out.push_back('\n');
  };

  if (header) {
    beginRow();
    for (size_t c = 0; c < numColumns; ++c) {
      if (c > 0) out.push_back(',');
      if (csv) {
        appendCsvQuotedIfNeeded(out, table.columnNames[c]);
      } else if (objects) {
        out.append(keys[c]);
        out.append("null");
      } else {
        appendJsonString(out, table.columnNames[c], /*escapeSlash=*/false);
      }
    }
    endRow();
  }

  std::vector<RenderedColumn> rendered(numColumns);
  for (const Batch& original : table.batches) {
    Batch compacted;
    const Batch* batch = &original;
    if (original.sel) {
      compacted = original.compact();
      batch = &compacted;
    }
    size_t numRows = batch->liveRows();
    for (size_t c = 0; c < numColumns; ++c) {
      renderColumn(*batch->columns[c], numRows, style, false, rendered[c]);
    }
    for (size_t row = 0; row < numRows; ++row) {
      beginRow();
      for (size_t c = 0; c < numColumns; ++c) {
        if (c > 0) out.push_back(',');
        if (objects) out.append(keys[c]);
        out.append(rendered[c].row(row));
      }
      endRow();
    }
  }

  if (lines) {
    out.push_back('\n');
  } else {
    out.push_back(']');
  }
}

}  // namespace furl::format
