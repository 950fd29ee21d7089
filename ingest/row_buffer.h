#pragma once

// RowBuffer: rows read from Kafka and held in memory, in the column layout
// of targetTableDef(). With rollup, events whose truncated time and
// dimension values are equal share one row and their metrics are
// aggregated; without rollup, every event is one row. A hot table keeps one
// RowBuffer per time chunk (ingest/hot_table.h) and publishes it to queries
// as copy-on-write blocks (publishBlocks()).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/column.h"
#include "common/hll_sketch.h"
#include "storage/memory_segment.h"
#include "ingest/event.h"
#include "ingest/ingestion_spec.h"
#include "ingest/json_row.h"

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
  /// publishBlocks() cuts the rows into blocks of `blockRows`.
  explicit RowBuffer(const IngestionSpec& spec, uint32_t blockRows = 4096);

  /// Adds an event that passed the filter. `timeMs` is the event time before
  /// truncation to queryGranularity. Conversion problems replace the contents
  /// of `problems`; the event is added either way.
  void add(const Event& event, int64_t timeMs, std::vector<FieldProblem>& problems);

  /// Adds an event decoded by a JsonRowParser over the spec's inputFields,
  /// with the same result as add() of the same event. Returns false, with the
  /// buffer unchanged, when the event needs add(): a value does not convert
  /// to its column's type (add() reports the problem), or the spec has no
  /// inputFields or an HLLSketchMerge metric.
  bool tryAdd(const std::vector<ScalarField>& fields, int64_t timeMs);

  /// Merges rows of the table's layout (for example read back from the
  /// chunk's segments) into the buffer with Druid's combining rules: counts
  /// and sums add up, min and max combine, first and last take the row's
  /// time as the value's time, sketches merge. With rollup, a row whose time
  /// and dimensions equal an existing row's merges into it.
  void absorb(const Batch& batch);

  /// Rows in the buffer (after rollup).
  size_t numRows() const { return timesMs_.size(); }

  /// Counts every add() and absorb(); a change of the value means the rows
  /// changed.
  uint64_t changeCount() const { return changeCount_; }

  /// Estimated memory held: row storage, strings, sketches, the rollup key
  /// index and the published blocks.
  /// O(1): the sketch bytes are counted as sketches change.
  uint64_t memoryBytes() const;
  /// The sketch part of memoryBytes() computed again from every sketch, for
  /// tests of the running count.
  uint64_t sketchMemoryBytesSlow() const;
  uint64_t sketchMemoryBytesCounted() const { return sketchBytes_; }

  /// The rows as immutable blocks of blockRows rows (the last one shorter).
  /// Only blocks with rows changed since the previous call are built again;
  /// the others are the same objects as before, so a reader holding the
  /// previous result is unaffected and the cost follows the change.
  const std::vector<std::shared_ptr<const storage::MemoryBlock>>& publishBlocks();

  /// Builds one dense batch in the table's column order and empties the
  /// buffer. Returns no batch when the buffer is empty.
  std::vector<Batch> takeBatches();

 private:
  /// One converted dimension value of the current event.
  struct DimensionValue {
    bool valid = false;
    int64_t intValue = 0;
    double doubleValue = 0;
    /// A string dimension's text: in `storage`, or in the buffers of the
    /// JsonRowParser that decoded the event.
    std::string_view text;
    std::string storage;
  };
  /// One metric's input of the event passed to tryAdd(), converted.
  struct MetricInput {
    bool present = false;
    int64_t intValue = 0;
    double doubleValue = 0;
    std::string_view text;  // string metrics: in `storage` or the parser's buffers
    std::string storage;
    /// HLLSketchBuild: `hash` is the value's hash; false for NULL.
    bool hasHash = false;
    uint64_t hash = 0;
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
    /// Serialized sketches in heap_, valid where sketchStale is 0.
    std::vector<std::string_view> sketchBytes;
    std::vector<uint8_t> sketchStale;
  };

  void convertDimensions(const Event& event, std::vector<FieldProblem>& problems);
  /// tryAdd()'s conversions; false when one needs add().
  bool convertFastDimensions(const std::vector<ScalarField>& fields);
  bool convertFastMetrics(const std::vector<ScalarField>& fields);
  void aggregateFast(MetricColumn& column, const MetricInput& input, uint32_t row, int64_t timeMs);
  /// Sets eventDimensions_ from row `row` of the dimension columns of `batch`.
  void readDimensions(const Batch& batch, size_t row);
  /// Hash of the time and eventDimensions_, as rowHashes_ keeps it per row.
  uint64_t hashKey(int64_t timeMs) const;
  /// True when row `row` has the time and the values of eventDimensions_.
  bool rowHasKey(uint32_t row, int64_t timeMs) const;
  /// Makes room for one more row in rowSlots_, rehashing from rowHashes_.
  void growRowIndex();
  /// The row for the time and eventDimensions_: found by key with rollup,
  /// else appended.
  uint32_t rowFor(int64_t timeMs);
  uint32_t appendRow(int64_t timeMs);
  void aggregate(MetricColumn& column, uint32_t row, const Event& event, int64_t timeMs,
                 std::vector<FieldProblem>& problems);
  /// Combines row `sourceRow` of `source`, a column of this metric's type,
  /// into `row`; `timeMs` orders first and last.
  void combine(MetricColumn& column, uint32_t row, const Column& source, size_t sourceRow, int64_t timeMs);
  void markChanged(uint32_t row);
  ColumnPtr buildTimeColumn(size_t begin, size_t end) const;
  ColumnPtr buildDimensionColumn(const DimensionColumn& column, size_t begin, size_t end) const;
  ColumnPtr buildMetricColumn(MetricColumn& column, size_t begin, size_t end);
  void reset();

  Granularity queryGranularity_;
  bool rollup_ = true;
  uint32_t blockRows_;
  uint64_t changeCount_ = 0;
  /// Blocks with rows changed since publishBlocks() last built them.
  std::vector<uint8_t> staleBlocks_;
  std::vector<std::shared_ptr<const storage::MemoryBlock>> published_;
  uint64_t publishedBytes_ = 0;
  /// Running total of sketchMemoryBytes() over every sketch.
  uint64_t sketchBytes_ = 0;
  std::vector<int64_t> timesMs_;
  std::vector<DimensionColumn> dimensions_;
  std::vector<MetricColumn> metrics_;
  std::shared_ptr<StringHeap> heap_;

  // Rollup: an open-addressing index from (time, dimension values) to the
  // row. rowSlots_ has a power-of-two size and contains row + 1 (0 is empty).
  // A lookup compares the stored hash and then the row's own columns, so
  // the index keeps no copy of the key.
  std::vector<uint32_t> rowSlots_;
  std::vector<uint64_t> rowHashes_;
  std::vector<DimensionValue> eventDimensions_;

  // tryAdd(): the slot of each dimension's and metric's input field (-1 for
  // count), and the converted metric inputs of the current event.
  bool fastPath_ = false;
  std::vector<int> dimensionSlots_;
  std::vector<int> metricSlots_;
  std::vector<MetricInput> metricInputs_;
};

}  // namespace furl::ingest
