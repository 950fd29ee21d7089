#pragma once

// IngestLedger: what the consumers of a supervisor learned about the
// messages they read besides the rows: Druid's row counters and the
// malformed messages. HotTable keeps the ledger of the messages since the
// last persist next to their offsets and commits it with them, so after a
// crash the counters and the error log match the committed offsets exactly.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/ingest_error_log.h"

namespace furl::ingest {

/// Druid's row counters, plus a breakdown of `unparseable` by reason.
struct IngestCounters {
  uint64_t processed = 0;           // rows ingested without problems
  uint64_t processedWithError = 0;  // rows ingested with a field set to NULL
  uint64_t thrownAway = 0;          // messages dropped by transformSpec.filter
  uint64_t unparseable = 0;         // messages dropped as malformed
  std::map<std::string, uint64_t> unparseableByReason;
  /// Times a partition's offset was out of range and reset automatically
  /// (tuningConfig.resetOffsetAutomatically).
  uint64_t offsetResets = 0;
  /// Offsets passed over by those resets whose distance is known.
  uint64_t offsetsSkipped = 0;
  /// Resets whose skipped offsets are unknown: the stored offset was beyond
  /// the end of the partition, so the log was truncated or recreated.
  uint64_t offsetResetsSkipUnknown = 0;
  /// Rows written to segments by the supervisor's persists (after rollup, so
  /// a rollup chunk's rows count again each time it is rewritten), and the
  /// catalog commits of those persists.
  uint64_t rowsCommitted = 0;
  uint64_t commits = 0;

  void add(const IngestCounters& other);
};

/// The outcome of one message.
enum class MessageOutcome : uint8_t { kProcessed, kProcessedWithError, kThrownAway, kUnparseable };

struct IngestLedger {
  IngestCounters counters;
  std::vector<IngestError> errors;  // oldest first

  /// Counts one message; `error` (may be null) is moved into `errors`.
  void record(MessageOutcome outcome, IngestError* error);
  /// Counts one automatic offset reset; `skipped` is empty when unknown.
  void recordReset(std::optional<uint64_t> skipped);
  /// Puts `older` in front of this ledger, after a failed commit.
  void prepend(IngestLedger older);
  bool empty() const;
};

/// The catalog properties `ingest.counters.*` that store `counters`.
void addCounterProperties(const IngestCounters& counters, std::map<std::string, std::string>& properties);
/// The counters stored in a table's properties; zero when missing.
IngestCounters countersFromProperties(const std::map<std::string, std::string>& properties);

}  // namespace furl::ingest
