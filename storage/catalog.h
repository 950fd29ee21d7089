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
  /// Random 16-hex-digit id chosen when the database is created; the first
  /// component of its object-store keys. Empty only in version 1 files.
  std::string databaseId;
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
/// (with their segments and properties), create tables, replace table
/// definitions, remove segments, add segments, replace segment entries,
/// change properties, raise nextSegmentNumber, set the database id.
struct CatalogChange {
  std::vector<std::string> dropTables;
  std::vector<TableDef> createTables;
  /// New definitions of existing tables (settings changed); their segments
  /// and properties stay.
  std::vector<TableDef> alterTables;
  std::vector<std::string> removeSegments;
  std::vector<SegmentInfo> addSegments;
  /// New entries for existing segments of the same id and table (a move
  /// between tiers).
  std::vector<SegmentInfo> updateSegments;
  std::vector<PropertyChange> properties;
  /// Raises CatalogState::nextSegmentNumber to at least this value.
  uint64_t nextSegmentNumber = 0;
  std::optional<std::string> databaseId;

  bool empty() const {
    return dropTables.empty() && createTables.empty() && alterTables.empty() && removeSegments.empty() &&
           addSegments.empty() && updateSegments.empty() && properties.empty() && nextSegmentNumber == 0 &&
           !databaseId.has_value();
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
