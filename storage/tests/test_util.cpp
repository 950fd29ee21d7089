#include "storage/tests/test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace furl::storage::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/furl-storage-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  char* created = ::mkdtemp(buffer.data());
  if (created == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return;
  }
  path_ = created;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

ColumnPtr makeColumn(DataType type, const std::vector<Value>& values) {
  ColumnPtr column = Column::makeFlat(type, values.size());
  for (size_t i = 0; i < values.size(); ++i) column->setValue(i, values[i]);
  return column;
}

Batch makeBatch(const std::vector<DataType>& types, const std::vector<Row>& rows) {
  Batch batch;
  batch.numRows = rows.size();
  for (size_t c = 0; c < types.size(); ++c) {
    std::vector<Value> values;
    values.reserve(rows.size());
    for (const Row& row : rows) values.push_back(row[c]);
    batch.columns.push_back(makeColumn(types[c], values));
  }
  return batch;
}

std::vector<Row> readRows(const Segment& segment) {
  std::vector<Row> rows;
  absl::Status prepared = segment.prepare(nullptr);
  if (!prepared.ok()) {
    ADD_FAILURE() << "prepare() of " << segment.id() << ": " << prepared;
    return rows;
  }
  for (size_t b = 0; b < segment.numBlocks(); ++b) {
    std::vector<ColumnPtr> columns;
    for (size_t c = 0; c < segment.columns().size(); ++c) {
      auto column = segment.readBlock(c, b);
      if (!column.ok()) {
        ADD_FAILURE() << "readBlock(" << c << ", " << b << ") of " << segment.id() << ": " << column.status();
        return rows;
      }
      columns.push_back(*column);
    }
    for (size_t r = 0; r < segment.blockRows(b); ++r) {
      Row row;
      for (const ColumnPtr& column : columns) row.push_back(column->getValue(r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<Row> readRows(const TableSnapshot& snapshot) {
  std::vector<Row> rows;
  for (const auto& segment : snapshot.segments) {
    std::vector<Row> segmentRows = readRows(*segment);
    rows.insert(rows.end(), segmentRows.begin(), segmentRows.end());
  }
  return rows;
}

std::vector<Row> sortedRows(std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      int order = a[i].compare(b[i]);
      if (order != 0) return order < 0;
    }
    return a.size() < b.size();
  });
  return rows;
}

std::string rowToString(const Row& row) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < row.size(); ++i) out << (i > 0 ? ", " : "") << row[i].toString();
  out << ")";
  return out.str();
}

bool sameValue(const Value& a, const Value& b) {
  if (a.isNull() || b.isNull()) return a.isNull() && b.isNull();
  if (std::holds_alternative<double>(a.storage()) && std::holds_alternative<double>(b.storage())) {
    double x = a.asDouble();
    double y = b.asDouble();
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    return x == y;
  }
  return a.compare(b) == 0;
}

std::vector<std::string> listFiles(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace furl::storage::testing
