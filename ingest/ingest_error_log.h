#pragma once

// IngestErrorLog: the malformed Kafka messages of one supervisor, kept on
// disk with a bounded size and committed in the same catalog commit as the
// offsets of the messages, so a crash neither loses nor repeats a record.
// SQL users read them as system.ingest_errors. Layout and protocol:
// docs/ingest-errors.md.
//
// Each record is a RecordLog payload, version 1, little-endian, strings as
// u32 length + bytes:
//
//   u8     record version (1)
//   i64    wallTimeMs      when the message was read
//   string topic
//   i32    partition
//   i64    offset
//   string reason          empty, invalid_json, invalid_row,
//                          invalid_timestamp, invalid_field
//   string error
//   u32    rawBytes        size of the whole message
//   string raw             the first kMaxRawBytes bytes of the message
//
// The catalog properties `ingest.errors.file` and `ingest.errors.end`
// of the table hold the committed RecordLogPosition.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/record_log.h"

namespace furl::ingest {

/// The longest prefix of a malformed message that is kept.
inline constexpr size_t kMaxRawBytes = 1024;
/// The default size limit of one supervisor's error log.
inline constexpr uint64_t kDefaultIngestErrorLogBytes = 16 << 20;

inline constexpr std::string_view kErrorsFileProperty = "ingest.errors.file";
inline constexpr std::string_view kErrorsEndProperty = "ingest.errors.end";

/// A message that could not be ingested whole.
struct IngestError {
  int64_t wallTimeMs = 0;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string reason;
  std::string error;
  uint32_t rawBytes = 0;
  /// The start of the message, at most kMaxRawBytes.
  std::string raw;
};

std::string encodeIngestError(const IngestError& error);
/// InvalidArgument (naming `source`) for a payload that is not a record.
absl::StatusOr<IngestError> decodeIngestError(std::string_view payload, std::string_view source);

/// A RecordLog of IngestErrors under `<dataDir>/ingest_errors/<table>`.
/// stage()/finish() follow RecordLog's protocol; read() may be called from
/// any thread.
class IngestErrorLog {
 public:
  /// Opens the log at the position recorded in `properties` (the table's
  /// catalog properties); without them it starts empty and removes old files.
  static absl::StatusOr<std::unique_ptr<IngestErrorLog>> open(const std::string& dataDir, const std::string& table,
                                                              const std::map<std::string, std::string>& properties,
                                                              uint64_t maxBytes = kDefaultIngestErrorLogBytes);

  /// Writes `errors` uncommitted and adds the properties that commit them
  /// to `properties`.
  absl::Status stage(const std::vector<IngestError>& errors, std::map<std::string, std::string>& properties);
  void finish(bool committed) { log_->finish(committed); }

  /// The committed errors, oldest first.
  absl::StatusOr<std::vector<IngestError>> read() const;

 private:
  explicit IngestErrorLog(std::unique_ptr<storage::RecordLog> log) : log_(std::move(log)) {}

  std::unique_ptr<storage::RecordLog> log_;
};

/// The directory of `table`'s error log: the table name with every byte
/// outside [A-Za-z0-9_-] written as %XX, so any table name is a safe path.
std::string ingestErrorDir(const std::string& dataDir, const std::string& table);

}  // namespace furl::ingest
