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

#include "absl/container/flat_hash_map.h"
#include "common/column.h"
#include "common/hll_sketch.h"
#include "storage/memory_segment.h"
#include "ingest/chunked_vector.h"
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
  size_t numRows() const { return numRows_; }

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
  /// A metric's aggregation, decided once from its MetricType.
  enum class MetricOp : uint8_t { kCount, kSum, kMin, kMax, kFirst, kLast, kSketch };
  /// The vectors of a MetricColumn that a metric uses.
  enum class MetricStorage : uint8_t { kInt, kDouble, kString, kSketch };
  struct MetricColumn {
    MetricSpec spec;
    MetricOp op = MetricOp::kCount;
    MetricStorage storage = MetricStorage::kInt;
    /// float metrics round every input to a 32-bit float, as Druid does.
    bool roundsToFloat = false;
    std::vector<uint8_t> valid;
    std::vector<int64_t> ints;               // kInt
    std::vector<double> doubles;             // kDouble
    std::vector<std::string_view> strings;   // kString; bytes in heap_
    std::vector<int64_t> orderMs;            // kFirst and kLast: the time of the kept value
    /// kSketch: an empty sketch of the metric's lgK, copied into new rows.
    HllSketch emptySketch;
    ChunkedVector<HllSketch> sketches;
    /// Serialized sketches in heap_, valid where sketchStale is 0.
    std::vector<std::string_view> sketchBytes;
    std::vector<uint8_t> sketchStale;
  };

  void convertDimensions(const Event& event, std::vector<FieldProblem>& problems);
  /// tryAdd()'s conversions; false when one needs add().
  bool convertFastDimensions(const std::vector<ScalarField>& fields);
  bool convertFastMetrics(const std::vector<ScalarField>& fields);
  void aggregateFast(MetricColumn& column, const MetricInput& input, uint32_t row, int64_t timeMs);
  /// Asks the CPU to load row `row`'s cells of `column` into the cache.
  static void prefetchCells(const MetricColumn& column, uint32_t row);
  /// Sets eventDimensions_ from row `row` of the dimension columns of `batch`.
  void readDimensions(const Batch& batch, size_t row);
  /// The code of `text` in the string dictionary, added when new.
  uint32_t internString(std::string_view text);
  /// Sets eventKey_ from the time and eventDimensions_, interning strings.
  void encodeKey(int64_t timeMs);
  /// Makes room for one more row in rowSlots_, rehashing from rowKeys_.
  void growRowIndex();
  /// The row for the time and eventDimensions_: found by key with rollup,
  /// else appended.
  uint32_t rowFor(int64_t timeMs);
  /// Appends a row with the key in eventKey_.
  uint32_t appendRow();
  /// Whether an event at `timeMs` replaces the metric's value in `row`.
  static bool keepsValue(const MetricColumn& column, uint32_t row, int64_t timeMs);
  /// Marks the metric's value in `row` as set by an event at `timeMs`.
  static void setKept(MetricColumn& column, uint32_t row, int64_t timeMs);
  /// Combines `value` into `slot` with `op`. `first` is true when the slot
  /// has no value yet. First and last replace the value, as keepsValue() decided.
  template <typename T>
  static void combineNumber(MetricOp op, bool first, T& slot, T value);
  void aggregate(MetricColumn& column, uint32_t row, const Event& event, int64_t timeMs,
                 std::vector<FieldProblem>& problems);
  /// Combines row `sourceRow` of `source`, a column of this metric's type,
  /// into `row`; `timeMs` orders first and last.
  void combine(MetricColumn& column, uint32_t row, const Column& source, size_t sourceRow, int64_t timeMs);
  void markChanged(uint32_t row);
  ColumnPtr buildTimeColumn(size_t begin, size_t end) const;
  ColumnPtr buildDimensionColumn(size_t dimension, size_t begin, size_t end) const;
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
  std::vector<DimensionSpec> dimensions_;
  std::vector<MetricColumn> metrics_;
  std::shared_ptr<StringHeap> heap_;

  // Row keys, stored row-major as keyWords_ 64-bit words per row: the time
  // (truncated with rollup), one word per dimension, then a bitmap with bit
  // d set when dimension d is NULL. A dimension's word is its long value,
  // the bits of its double value (so NaN matches NaN and -0.0 differs from
  // 0.0), or the dictionary code of its string, 0 for NULL. Equal keys are
  // equal words, so a lookup compares words and never string bytes. The
  // dimension columns are built from these keys.
  size_t keyWords_ = 1;
  size_t numRows_ = 0;
  std::vector<uint64_t, CacheLineAllocator<uint64_t>> rowKeys_;
  std::vector<uint64_t> eventKey_;
  std::vector<DimensionValue> eventDimensions_;

  // String dictionary of the dimensions: every distinct string is stored
  // once in heap_, and codeStrings_[code] is that copy.
  absl::flat_hash_map<std::string_view, uint32_t> stringCodes_;
  std::vector<std::string_view> codeStrings_;

  // Rollup: an open-addressing index from the row key to the row. rowSlots_
  // has a power-of-two size. A slot contains row + 1 (0 is empty) and the
  // high 32 bits of the key's hash, which most mismatches stop at.
  struct RowSlot {
    uint32_t rowPlusOne = 0;
    uint32_t hashHigh = 0;
  };
  std::vector<RowSlot> rowSlots_;

  // tryAdd(): the slot of each dimension's and metric's input field (-1 for
  // count), and the converted metric inputs of the current event.
  bool fastPath_ = false;
  std::vector<int> dimensionSlots_;
  std::vector<int> metricSlots_;
  std::vector<MetricInput> metricInputs_;
};

}  // namespace furl::ingest
