#pragma once

// Helpers shared by the storage tests: temporary directories, column
// builders and row-level reads of segments and snapshots.

#include <string>
#include <vector>

#include "common/column.h"
#include "common/value.h"
#include "storage/database.h"
#include "storage/segment.h"

namespace furl::storage::testing {

using Row = std::vector<Value>;

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A flat column of `type` holding `values` (NULL Values become NULL rows).
ColumnPtr makeColumn(DataType type, const std::vector<Value>& values);

/// A batch from row-major values; every row has one Value per column.
Batch makeBatch(const std::vector<DataType>& types, const std::vector<Row>& rows);

/// Every row of `segment`, block by block, columns in segment order.
std::vector<Row> readRows(const Segment& segment);

/// Every row of every segment of `snapshot`.
std::vector<Row> readRows(const TableSnapshot& snapshot);

/// `rows` sorted by Value::compare, column by column, for multiset comparison.
std::vector<Row> sortedRows(std::vector<Row> rows);

std::string rowToString(const Row& row);

/// True when both hold the same values, treating NULL == NULL and NaN == NaN.
bool sameValue(const Value& a, const Value& b);

/// Names of the files in `dir`, sorted.
std::vector<std::string> listFiles(const std::string& dir);

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& bytes);

}  // namespace furl::storage::testing
