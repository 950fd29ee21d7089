#pragma once

// RowBuffer: the rows that a supervisor has read from Kafka but not yet
// committed, in the column layout of targetTableDef(). With rollup, events
// whose truncated time and dimension values are equal share one row and
// their metrics are aggregated; without rollup, every event is one row.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/column.h"
#include "common/hll_sketch.h"
#include "ingest/event.h"
#include "ingest/ingestion_spec.h"

namespace furl::ingest {

/// A field of an accepted event that could not be converted to its column's
/// type. The row is kept with NULL for that dimension, or without that
/// event's contribution to that metric.
struct FieldProblem {
  std::string field;
  std::string message;
};

/// Not thread-safe: one supervisor thread owns it.
class RowBuffer {
 public:
  /// Copies what it needs from `spec`, which the buffer does not reference.
  explicit RowBuffer(const IngestionSpec& spec);

  /// Adds an event that passed the filter. `timeMs` is the event time before
  /// truncation to queryGranularity. Conversion problems replace the contents
  /// of `problems`; the event is added either way.
  void add(const Event& event, int64_t timeMs, std::vector<FieldProblem>& problems);

  /// Rows in the buffer (after rollup).
  size_t numRows() const { return timesMs_.size(); }

  /// Builds one dense batch in the table's column order and empties the
  /// buffer. Returns no batch when the buffer is empty.
  std::vector<Batch> takeBatches();

 private:
  /// One converted dimension value of the current event.
  struct DimensionValue {
    bool valid = false;
    int64_t intValue = 0;
    double doubleValue = 0;
    std::string text;
  };
  struct DimensionColumn {
    DimensionSpec spec;
    std::vector<uint8_t> valid;
    std::vector<int64_t> ints;                // long
    std::vector<double> doubles;              // float and double
    std::vector<std::string_view> strings;    // string; bytes in heap_
  };
  struct MetricColumn {
    MetricSpec spec;
    std::vector<uint8_t> valid;
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<std::string_view> strings;  // stringFirst/stringLast; bytes in heap_
    std::vector<int64_t> orderMs;            // first/last: the time of the kept value
    std::vector<HllSketch> sketches;
  };

  void convertDimensions(const Event& event, std::vector<FieldProblem>& problems);
  void encodeKey(int64_t timeMs);
  uint32_t appendRow(int64_t timeMs);
  void aggregate(MetricColumn& column, uint32_t row, const Event& event, int64_t timeMs,
                 std::vector<FieldProblem>& problems);
  ColumnPtr buildDimensionColumn(const DimensionColumn& column) const;
  ColumnPtr buildMetricColumn(const MetricColumn& column) const;
  void reset();

  Granularity queryGranularity_;
  bool rollup_ = true;
  std::vector<int64_t> timesMs_;
  std::vector<DimensionColumn> dimensions_;
  std::vector<MetricColumn> metrics_;
  std::shared_ptr<StringHeap> heap_;

  // Rollup: the encoded (time, dimension values) key of each row.
  absl::flat_hash_map<std::string, uint32_t> rowsByKey_;
  std::string keyBuffer_;
  std::vector<DimensionValue> eventDimensions_;
};

}  // namespace furl::ingest
