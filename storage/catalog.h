#pragma once

// The catalog: tables, published segments and per-table properties of one
// data directory, changed only by atomic commits.
//
// Storage: the file `catalog` in the data directory contains the whole state
// (format in storage/catalog_codec.h). A commit writes the new state to
// `catalog.tmp`, fsyncs it, renames it over `catalog` and fsyncs the
// directory, so after a crash the file is either the old or the new state;
// a leftover `catalog.tmp` is never read and open() removes it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "storage/database.h"

namespace furl::storage {

struct CatalogState {
  /// Number of commits since the catalog was created.
  uint64_t generation = 0;
  /// Lower bound for the number in the next new segment id.
  uint64_t nextSegmentNumber = 1;
  std::map<std::string, TableDef> tables;
  /// Published segments by id.
  std::map<std::string, SegmentInfo> segments;
  /// Opaque per-table key/values, such as the Kafka offsets that go with
  /// the table's segments. Dropped with the table.
  std::map<std::string, std::map<std::string, std::string>> properties;

  /// Segments of `table`, ordered by id.
  std::vector<SegmentInfo> segmentsOf(const std::string& table) const;
};

/// Sets (or with no value, erases) one property of a table.
struct PropertyChange {
  std::string table;
  std::string key;
  std::optional<std::string> value;
};

/// Everything one commit changes. Steps apply in field order: drop tables
/// (with their segments and properties), create tables, remove segments,
/// add segments, change properties, raise nextSegmentNumber.
struct CatalogChange {
  std::vector<std::string> dropTables;
  std::vector<TableDef> createTables;
  std::vector<std::string> removeSegments;
  std::vector<SegmentInfo> addSegments;
  std::vector<PropertyChange> properties;
  /// Raises CatalogState::nextSegmentNumber to at least this value.
  uint64_t nextSegmentNumber = 0;

  bool empty() const {
    return dropTables.empty() && createTables.empty() && removeSegments.empty() && addSegments.empty() &&
           properties.empty() && nextSegmentNumber == 0;
  }
};

/// The catalog of one data directory. Not thread-safe: the owner serializes
/// commits and reads of state().
class Catalog {
 public:
  /// Reads `dataDir/catalog`, or starts empty when it does not exist.
  /// Errors: DataLoss when the file is corrupted (nothing is removed then).
  static absl::StatusOr<std::unique_ptr<Catalog>> open(const std::string& dataDir);

  const CatalogState& state() const { return state_; }
  const std::string& path() const { return path_; }

  /// Applies `change` and makes it durable. On success state() shows the
  /// change. On a validation error (NotFound, AlreadyExists,
  /// InvalidArgument) nothing changes. On an I/O error before the rename the
  /// file and state() stay old. When only the directory fsync after the
  /// rename fails, state() shows the change and the error is returned. Every
  /// later commit then returns FailedPrecondition, because the file on disk
  /// may be either version.
  absl::Status commit(const CatalogChange& change);

  /// `state` with `change` applied, or the validation error.
  static absl::StatusOr<CatalogState> apply(const CatalogState& state, const CatalogChange& change);

 private:
  Catalog(std::string dataDir, CatalogState state);

  std::string dataDir_;
  std::string path_;
  CatalogState state_;
  bool uncertain_ = false;
};

}  // namespace furl::storage
