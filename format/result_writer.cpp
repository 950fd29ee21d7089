#include "format/result_writer.h"

#include <algorithm>

#include "format/value_text.h"

namespace furl::format {
namespace {

/// Calls fn(columns, numRows) once per batch with every column rendered;
/// selection vectors are applied first.
template <typename Fn>
void forEachRenderedBatch(const ResultTable& table, ValueStyle style, bool quote64, Fn&& fn) {
  std::vector<RenderedColumn> rendered(table.columnTypes.size());
  for (const Batch& original : table.batches) {
    Batch compacted;
    const Batch* batch = &original;
    if (original.sel) {
      compacted = original.compact();
      batch = &compacted;
    }
    size_t numRows = batch->liveRows();
    if (numRows == 0) continue;
    for (size_t c = 0; c < rendered.size(); ++c) {
      renderColumn(*batch->columns[c], numRows, style, quote64, rendered[c]);
    }
    fn(rendered, numRows);
  }
}

void writeDelimited(const ResultTable& table, char delimiter, ValueStyle style, std::string& out) {
  forEachRenderedBatch(table, style, false, [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
    for (size_t row = 0; row < numRows; ++row) {
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c > 0) out.push_back(delimiter);
        out.append(columns[c].row(row));
      }
      out.push_back('\n');
    }
  });
}

void writeNamesLine(const std::vector<std::string>& names, char delimiter, ValueStyle style, std::string& out) {
  for (size_t c = 0; c < names.size(); ++c) {
    if (c > 0) out.push_back(delimiter);
    if (style == ValueStyle::kCsv) {
      appendCsvQuoted(out, names[c]);
    } else {
      appendTsvEscaped(out, names[c]);
    }
  }
  out.push_back('\n');
}

void writeJsonEachRow(const ResultTable& table, const WriteOptions& options, std::string& out) {
  std::vector<std::string> keys;
  for (const std::string& name : table.columnNames) {
    std::string key;
    appendJsonString(key, name);
    key.push_back(':');
    keys.push_back(std::move(key));
  }
  forEachRenderedBatch(table, ValueStyle::kJson, options.quote64BitIntegers,
                       [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
                         for (size_t row = 0; row < numRows; ++row) {
                           out.push_back('{');
                           for (size_t c = 0; c < columns.size(); ++c) {
                             if (c > 0) out.push_back(',');
                             out.append(keys[c]);
                             out.append(columns[c].row(row));
                           }
                           out.append("}\n");
                         }
                       });
}

void writeJsonCompactEachRow(const ResultTable& table, const WriteOptions& options, std::string& out) {
  forEachRenderedBatch(table, ValueStyle::kJson, options.quote64BitIntegers,
                       [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
                         for (size_t row = 0; row < numRows; ++row) {
                           out.push_back('[');
                           for (size_t c = 0; c < columns.size(); ++c) {
                             if (c > 0) out.append(", ");
                             out.append(columns[c].row(row));
                           }
                           out.append("]\n");
                         }
                       });
}

/// Writes the JSON and JSONCompact layout: meta, data, rows and statistics, each
/// nesting level indented by one tab, as ClickHouse writes it.
void writeJsonDocument(const ResultTable& table, bool compact, const WriteOptions& options, std::string& out) {
  out.append("{\n\t\"meta\":\n\t[\n");
  for (size_t c = 0; c < table.columnNames.size(); ++c) {
    if (c > 0) out.append(",\n");
    out.append("\t\t{\n\t\t\t\"name\": ");
    appendJsonString(out, table.columnNames[c]);
    out.append(",\n\t\t\t\"type\": ");
    appendJsonString(out, table.columnTypes[c].toString());
    out.append("\n\t\t}");
  }
  out.append("\n\t],\n\n\t\"data\":\n\t[\n");

  std::vector<std::string> keys;
  for (const std::string& name : table.columnNames) {
    std::string key = "\t\t\t";
    appendJsonString(key, name);
    key.append(": ");
    keys.push_back(std::move(key));
  }
  uint64_t totalRows = 0;
  forEachRenderedBatch(table, ValueStyle::kJson, options.quote64BitIntegers,
                       [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
                         for (size_t row = 0; row < numRows; ++row) {
                           if (totalRows++ > 0) out.append(",\n");
                           if (compact) {
                             out.append("\t\t[");
                             for (size_t c = 0; c < columns.size(); ++c) {
                               if (c > 0) out.append(", ");
                               out.append(columns[c].row(row));
                             }
                             out.push_back(']');
                           } else {
                             out.append("\t\t{\n");
                             for (size_t c = 0; c < columns.size(); ++c) {
                               if (c > 0) out.append(",\n");
                               out.append(keys[c]);
                               out.append(columns[c].row(row));
                             }
                             out.append("\n\t\t}");
                           }
                         }
                       });

  out.append("\n\t],\n\n\t\"rows\": ");
  out.append(std::to_string(totalRows));
  out.append(",\n\n\t\"statistics\":\n\t{\n\t\t\"elapsed\": ");
  appendDouble(out, options.elapsedSeconds);
  out.append(",\n\t\t\"rows_read\": ");
  out.append(std::to_string(options.rowsRead));
  out.append(",\n\t\t\"bytes_read\": ");
  out.append(std::to_string(options.bytesRead));
  out.append("\n\t}\n}\n");
}

/// Display width of UTF-8 text: one column per code point.
// NOTE: East Asian wide characters and combining marks count as one column
// here, so tables holding them are misaligned.
size_t displayWidth(std::string_view text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

void appendRepeated(std::string& out, std::string_view piece, size_t count) {
  for (size_t i = 0; i < count; ++i) out.append(piece);
}

/// The Pretty family: how a table is drawn.
enum class PrettyStyle {
  kFull,     // Pretty: a heavy header box and a rule between rows
  kCompact,  // PrettyCompact: names in the top border, no rules between rows
  kSpace,    // PrettySpace: columns separated by spaces, no lines
};

/// Rendered cells of one Pretty table, row by row.
using PrettyRows = std::vector<std::vector<std::string>>;

/// One box line: `left`, then per column `fill` repeated to the column
/// width plus its margins, with `junction` between columns, then `right`.
void appendRule(std::string& out, const std::vector<size_t>& widths, std::string_view left, std::string_view fill,
                std::string_view junction, std::string_view right) {
  out.append(left);
  for (size_t c = 0; c < widths.size(); ++c) {
    if (c > 0) out.append(junction);
    appendRepeated(out, fill, widths[c] + 2);
  }
  out.append(right);
  out.push_back('\n');
}

void appendAligned(std::string& out, std::string_view text, size_t width, bool rightAligned) {
  size_t padding = width - displayWidth(text);
  if (rightAligned) out.append(padding, ' ');
  out.append(text);
  if (!rightAligned) out.append(padding, ' ');
}

/// One line of cells between `left` and `right` borders, `separator` between cells.
void appendCells(std::string& out, const std::vector<std::string_view>& cells, const std::vector<size_t>& widths,
                 const std::vector<bool>& rightAligned, std::string_view left, std::string_view separator,
                 std::string_view right) {
  out.append(left);
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c > 0) out.append(separator);
    appendAligned(out, cells[c], widths[c], rightAligned[c]);
  }
  out.append(right);
  out.push_back('\n');
}

/// Draws one table. As in ClickHouse, numbers are right-aligned and so are
/// their column names.
void writePrettyTable(const ResultTable& table, PrettyStyle style, const std::vector<bool>& rightAligned,
                      const PrettyRows& rows, std::string& out) {
  size_t numColumns = table.columnNames.size();
  std::vector<size_t> widths(numColumns);
  for (size_t c = 0; c < numColumns; ++c) {
    widths[c] = displayWidth(table.columnNames[c]);
    for (const auto& row : rows) widths[c] = std::max(widths[c], displayWidth(row[c]));
  }
  std::vector<std::string_view> names(table.columnNames.begin(), table.columnNames.end());
  std::vector<std::string_view> cells(numColumns);

  switch (style) {
    case PrettyStyle::kFull:
      appendRule(out, widths, "┏", "━", "┳", "┓");
      appendCells(out, names, widths, rightAligned, "┃ ", " ┃ ", " ┃");
      appendRule(out, widths, "┡", "━", "╇", "┩");
      for (size_t r = 0; r < rows.size(); ++r) {
        if (r > 0) appendRule(out, widths, "├", "─", "┼", "┤");
        cells.assign(rows[r].begin(), rows[r].end());
        appendCells(out, cells, widths, rightAligned, "│ ", " │ ", " │");
      }
      appendRule(out, widths, "└", "─", "┴", "┘");
      return;

    case PrettyStyle::kCompact:
      // The names sit in the top border: ┌─name─┬─────value─┐
      out.append("┌─");
      for (size_t c = 0; c < numColumns; ++c) {
        if (c > 0) out.append("─┬─");
        size_t padding = widths[c] - displayWidth(names[c]);
        if (rightAligned[c]) appendRepeated(out, "─", padding);
        out.append(names[c]);
        if (!rightAligned[c]) appendRepeated(out, "─", padding);
      }
      out.append("─┐\n");
      for (const auto& row : rows) {
        cells.assign(row.begin(), row.end());
        appendCells(out, cells, widths, rightAligned, "│ ", " │ ", " │");
      }
      appendRule(out, widths, "└", "─", "┴", "┘");
      return;

    case PrettyStyle::kSpace:
      // Names start one space in and are three spaces apart; each value
      // has a space on either side and one more between columns.
      appendCells(out, names, widths, rightAligned, " ", "   ", "\n");
      for (const auto& row : rows) {
        cells.assign(row.begin(), row.end());
        appendCells(out, cells, widths, rightAligned, " ", "   ", " ");
      }
      return;
  }
}

/// Pretty, PrettyCompact and PrettySpace: one table per batch, as ClickHouse
/// draws one per block, or one table for the whole result with monoBlock.
void writePretty(const ResultTable& table, PrettyStyle style, bool monoBlock, std::string& out) {
  size_t numColumns = table.columnNames.size();
  std::vector<bool> rightAligned(numColumns);
  for (size_t c = 0; c < numColumns; ++c) {
    TypeId id = table.columnTypes[c].id;
    rightAligned[c] = isNumeric(id) && id != TypeId::kBool;
  }

  PrettyRows rows;
  forEachRenderedBatch(table, ValueStyle::kText, false, [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
    for (size_t row = 0; row < numRows; ++row) {
      std::vector<std::string> cells;
      cells.reserve(numColumns);
      for (size_t c = 0; c < numColumns; ++c) cells.emplace_back(columns[c].row(row));
      rows.push_back(std::move(cells));
    }
    if (!monoBlock && !rows.empty()) {
      writePrettyTable(table, style, rightAligned, rows, out);
      rows.clear();
    }
  });
  if (!rows.empty()) writePrettyTable(table, style, rightAligned, rows, out);
}

/// Vertical: each row as `Row N:`, a rule as long as that line, then one
/// `name: value` line per column with the values aligned; rows are
/// separated by a blank line.
void writeVertical(const ResultTable& table, std::string& out) {
  size_t nameWidth = 0;
  for (const std::string& name : table.columnNames) nameWidth = std::max(nameWidth, displayWidth(name));
  uint64_t rowNumber = 0;
  forEachRenderedBatch(table, ValueStyle::kText, false, [&](const std::vector<RenderedColumn>& columns, size_t numRows) {
    for (size_t row = 0; row < numRows; ++row) {
      if (rowNumber > 0) out.push_back('\n');
      std::string title = "Row " + std::to_string(++rowNumber) + ":";
      out.append(title).push_back('\n');
      appendRepeated(out, "─", title.size());
      out.push_back('\n');
      for (size_t c = 0; c < columns.size(); ++c) {
        const std::string& name = table.columnNames[c];
        out.append(name).push_back(':');
        out.append(nameWidth - displayWidth(name) + 1, ' ');
        out.append(columns[c].row(row));
        out.push_back('\n');
      }
    }
  });
}

}  // namespace

void writeResult(FormatId format, const ResultTable& table, const WriteOptions& options, std::string& out) {
  switch (format) {
    case FormatId::kTabSeparated:
      writeDelimited(table, '\t', ValueStyle::kTsv, out);
      return;
    case FormatId::kTabSeparatedWithNames:
      writeNamesLine(table.columnNames, '\t', ValueStyle::kTsv, out);
      writeDelimited(table, '\t', ValueStyle::kTsv, out);
      return;
    case FormatId::kTabSeparatedWithNamesAndTypes: {
      writeNamesLine(table.columnNames, '\t', ValueStyle::kTsv, out);
      std::vector<std::string> typeNames;
      for (const DataType& type : table.columnTypes) typeNames.push_back(type.toString());
      writeNamesLine(typeNames, '\t', ValueStyle::kTsv, out);
      writeDelimited(table, '\t', ValueStyle::kTsv, out);
      return;
    }
    case FormatId::kCsv:
      writeDelimited(table, ',', ValueStyle::kCsv, out);
      return;
    case FormatId::kCsvWithNames:
      writeNamesLine(table.columnNames, ',', ValueStyle::kCsv, out);
      writeDelimited(table, ',', ValueStyle::kCsv, out);
      return;
    case FormatId::kJson:
      writeJsonDocument(table, false, options, out);
      return;
    case FormatId::kJsonCompact:
      writeJsonDocument(table, true, options, out);
      return;
    case FormatId::kJsonEachRow:
      writeJsonEachRow(table, options, out);
      return;
    case FormatId::kJsonCompactEachRow:
      writeJsonCompactEachRow(table, options, out);
      return;
    case FormatId::kPretty:
      writePretty(table, PrettyStyle::kFull, false, out);
      return;
    case FormatId::kPrettyMonoBlock:
      writePretty(table, PrettyStyle::kFull, true, out);
      return;
    case FormatId::kPrettyCompact:
      writePretty(table, PrettyStyle::kCompact, false, out);
      return;
    case FormatId::kPrettyCompactMonoBlock:
      writePretty(table, PrettyStyle::kCompact, true, out);
      return;
    case FormatId::kPrettySpace:
      writePretty(table, PrettyStyle::kSpace, false, out);
      return;
    case FormatId::kPrettySpaceMonoBlock:
      writePretty(table, PrettyStyle::kSpace, true, out);
      return;
    case FormatId::kVertical:
      writeVertical(table, out);
      return;
    case FormatId::kNull:
      return;
  }
}

}  // namespace furl::format
