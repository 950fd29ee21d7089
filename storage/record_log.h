#pragma once

// RecordLog: a bounded append-only log of opaque records whose committed
// end is stored in the catalog, so records become durable in the same
// catalog commit as the state they belong to (for example the Kafka
// offsets of the messages they describe). See docs/ingest-errors.md.
//
// Files: `<dir>/<number>.rlog`, one current file at a time. Layout,
// version 1, little-endian:
//
//   char[8] magic "FURLRLOG"
//   u32     format version (1)
//   u32     reserved (0)
//   records, each:
//     u64   XXH3-64 (seed 0) of the payload
//     u32   payloadLength
//     bytes payload
//
// Commit protocol, driven by the owner of the catalog commit:
//   1. stage(records) appends the records after the committed end of the
//      current file and fsyncs it, or, when the file would grow past
//      maxBytes, writes a new file with the newest committed records that
//      fit in half of maxBytes plus the new ones. It returns the position
//      (file number, end offset) to store in the catalog commit.
//   2. The owner commits that position with the rest of its state.
//   3. finish(committed) makes the staged position current (removing the
//      previous file after a rotation) or rolls the files back.
// open() takes the position found in the catalog and cuts every byte and
// file that is not part of it, which handles a crash at any step: records
// staged but never committed disappear, so neither a loss nor a duplicate
// follows when the owner reprocesses the input from its committed state.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace furl::storage {

inline constexpr uint32_t kRecordLogFormatVersion = 1;

/// The end position of a RecordLog's committed records. File 0 means no file.
struct RecordLogPosition {
  uint64_t file = 0;
  uint64_t endOffset = 0;

  bool operator==(const RecordLogPosition&) const = default;
};

/// stage() and finish() are called by one thread at a time, alternately;
/// readCommitted() and committed() may be called from any thread.
class RecordLog {
 public:
  /// Opens the log in `dir` (created when missing) at the committed
  /// `position`: truncates the current file to it and removes every other
  /// file. Records beyond maxBytes after a rotation are dropped, oldest
  /// first. Errors: I/O errors, and DataLoss when the committed file is
  /// shorter than `position` or damaged (the files are left as they are).
  static absl::StatusOr<std::unique_ptr<RecordLog>> open(const std::string& dir, RecordLogPosition position,
                                                         uint64_t maxBytes);

  /// Writes `records` durably after the committed ones without committing
  /// them, and returns the position to commit. An empty `records` returns
  /// the committed position and writes nothing.
  absl::StatusOr<RecordLogPosition> stage(const std::vector<std::string>& records);

  /// Ends the stage() before it: `committed` tells whether the position it
  /// returned was committed. A rollback that fails is logged and retried by
  /// the next stage(), which writes from the committed end again.
  void finish(bool committed);

  /// The committed records, oldest first. Errors: I/O errors, DataLoss for
  /// a damaged record.
  absl::StatusOr<std::vector<std::string>> readCommitted() const;

  RecordLogPosition committed() const;
  const std::string& dir() const { return dir_; }

 private:
  RecordLog(std::string dir, RecordLogPosition position, uint64_t maxBytes);

  std::string pathOf(uint64_t file) const;
  /// Reads the records of `file` up to `endOffset`. Requires mutex_.
  absl::StatusOr<std::vector<std::string>> readLocked(uint64_t file, uint64_t endOffset) const;
  absl::StatusOr<RecordLogPosition> rotate(const std::vector<std::string>& records);

  const std::string dir_;
  const uint64_t maxBytes_;

  mutable std::mutex mutex_;
  RecordLogPosition committed_;            // guarded by mutex_
  std::optional<RecordLogPosition> staged_;  // touched only by stage() and finish()
};

}  // namespace furl::storage
