#include "ingest/row_buffer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "ingest/row_filter.h"
#include "ingest/target_table.h"
#include "ingest/text_util.h"

namespace furl::ingest {
namespace {

enum class Conversion { kNull, kOk, kError };

constexpr size_t kMaxQuotedValueBytes = 64;

/// The value as a message shows it: quoted, cut after kMaxQuotedValueBytes.
std::string quoted(const Value& value) {
  std::string text = value.type() == TypeId::kString ? value.asString() : value.toString();
  if (text.size() > kMaxQuotedValueBytes) text = strCat(text.substr(0, kMaxQuotedValueBytes), "...");
  return strCat("'", text, "'");
}

Conversion toLong(const Value& value, int64_t& out, std::string& error) {
  const Value::Storage& storage = value.storage();
  if (std::holds_alternative<std::monostate>(storage)) return Conversion::kNull;
  if (value.type() == TypeId::kBool) {
    error = strCat("expected a long, got the boolean ", quoted(value));
    return Conversion::kError;
  }
  if (const int64_t* i = std::get_if<int64_t>(&storage)) {
    out = *i;
    return Conversion::kOk;
  }
  if (const uint64_t* u = std::get_if<uint64_t>(&storage)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      error = strCat("the value ", quoted(value), " is outside the long range");
      return Conversion::kError;
    }
    out = static_cast<int64_t>(*u);
    return Conversion::kOk;
  }
  double number = 0;
  if (const double* d = std::get_if<double>(&storage)) {
    number = *d;
  } else {
    const std::string& text = value.asString();
    if (text.empty()) return Conversion::kNull;
    if (absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &out)) return Conversion::kOk;
    if (!absl::SimpleAtod(absl::string_view(text.data(), text.size()), &number)) {
      error = strCat("expected a long, got ", quoted(value));
      return Conversion::kError;
    }
  }
  // Druid casts a fractional number to a long by truncating it.
  if (!std::isfinite(number) || number >= 9.2233720368547758e18 || number < -9.2233720368547758e18) {
    error = strCat("the value ", quoted(value), " is outside the long range");
    return Conversion::kError;
  }
  out = static_cast<int64_t>(number);
  return Conversion::kOk;
}

Conversion toDouble(const Value& value, double& out, std::string& error) {
  const Value::Storage& storage = value.storage();
  if (std::holds_alternative<std::monostate>(storage)) return Conversion::kNull;
  if (value.type() == TypeId::kBool) {
    error = strCat("expected a number, got the boolean ", quoted(value));
    return Conversion::kError;
  }
  if (const std::string* text = std::get_if<std::string>(&storage)) {
    if (text->empty()) return Conversion::kNull;
    if (!absl::SimpleAtod(absl::string_view(text->data(), text->size()), &out)) {
      error = strCat("expected a number, got ", quoted(value));
      return Conversion::kError;
    }
    return Conversion::kOk;
  }
  out = value.toDouble();
  return Conversion::kOk;
}

/// toLong() of a decoded JSON scalar; kError where toLong() reports a
/// problem, so the caller falls back to the path that reports it.
Conversion fastToLong(const ScalarField& field, int64_t& out) {
  double number = 0;
  switch (field.kind) {
    case ScalarField::Kind::kAbsent:
    case ScalarField::Kind::kNull:
      return Conversion::kNull;
    case ScalarField::Kind::kBool:
      return Conversion::kError;
    case ScalarField::Kind::kInt64:
      out = field.intValue;
      return Conversion::kOk;
    case ScalarField::Kind::kUInt64:
      if (field.uintValue > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Conversion::kError;
      out = static_cast<int64_t>(field.uintValue);
      return Conversion::kOk;
    case ScalarField::Kind::kDouble:
      number = field.doubleValue;
      break;
    case ScalarField::Kind::kString: {
      if (field.text.empty()) return Conversion::kNull;
      absl::string_view text(field.text.data(), field.text.size());
      if (absl::SimpleAtoi(text, &out)) return Conversion::kOk;
      if (!absl::SimpleAtod(text, &number)) return Conversion::kError;
      break;
    }
  }
  if (!std::isfinite(number) || number >= 9.2233720368547758e18 || number < -9.2233720368547758e18) {
    return Conversion::kError;
  }
  out = static_cast<int64_t>(number);
  return Conversion::kOk;
}

/// toDouble() of a decoded JSON scalar, with kError as in fastToLong().
Conversion fastToDouble(const ScalarField& field, double& out) {
  switch (field.kind) {
    case ScalarField::Kind::kAbsent:
    case ScalarField::Kind::kNull:
      return Conversion::kNull;
    case ScalarField::Kind::kBool:
      return Conversion::kError;
    case ScalarField::Kind::kInt64:
      out = static_cast<double>(field.intValue);
      return Conversion::kOk;
    case ScalarField::Kind::kUInt64:
      out = static_cast<double>(field.uintValue);
      return Conversion::kOk;
    case ScalarField::Kind::kDouble:
      out = field.doubleValue;
      return Conversion::kOk;
    case ScalarField::Kind::kString:
      if (field.text.empty()) return Conversion::kNull;
      return absl::SimpleAtod(absl::string_view(field.text.data(), field.text.size()), &out) ? Conversion::kOk
                                                                                             : Conversion::kError;
  }
  return Conversion::kError;
}

/// The single value of a field for a numeric column: NULL when the field is
/// absent, an error when it has several values.
Conversion singleValue(const Event& event, const std::string& field, const Value*& out, std::string& error) {
  const FieldValues* values = event.find(field);
  if (values == nullptr || values->empty()) return Conversion::kNull;
  if (values->size() > 1) {
    error = strCat("expected one value, got a multi-value field of ", values->size(), " values");
    return Conversion::kError;
  }
  out = &(*values)[0];
  return out->isNull() ? Conversion::kNull : Conversion::kOk;
}

std::string stringText(const Value& value) {
  return value.type() == TypeId::kString ? value.asString() : filterText(value);
}

/// The text stored for a string dimension. A multi-value field becomes a
/// JSON array of its values' text, NULL members as null.
Conversion toText(const FieldValues* values, std::string& out) {
  if (values == nullptr || values->empty()) return Conversion::kNull;
  if (values->size() == 1) {
    if ((*values)[0].isNull()) return Conversion::kNull;
    out = stringText((*values)[0]);
    return Conversion::kOk;
  }
  // TODO: Druid keeps multi-value dimensions as arrays that GROUP BY
  // unnests; Furl has no array type yet, so they are stored as JSON text.
  // assign(1, '[') rather than = "[": GCC 12 reports a false -Wrestrict
  // overlap for the latter once it is inlined here.
  out.assign(1, '[');
  for (size_t i = 0; i < values->size(); ++i) {
    if (i > 0) out += ',';
    if ((*values)[i].isNull()) {
      out += "null";
    } else {
      appendJsonString(out, stringText((*values)[i]));
    }
  }
  out += ']';
  return Conversion::kOk;
}

bool isLongMetric(MetricType type) {
  return type == MetricType::kLongSum || type == MetricType::kLongMin || type == MetricType::kLongMax ||
         type == MetricType::kLongFirst || type == MetricType::kLongLast;
}

bool isStringMetric(MetricType type) { return type == MetricType::kStringFirst || type == MetricType::kStringLast; }

bool isFirstMetric(MetricType type) {
  return type == MetricType::kLongFirst || type == MetricType::kDoubleFirst || type == MetricType::kFloatFirst ||
         type == MetricType::kStringFirst;
}

bool isLastMetric(MetricType type) {
  return type == MetricType::kLongLast || type == MetricType::kDoubleLast || type == MetricType::kFloatLast ||
         type == MetricType::kStringLast;
}

bool isMinMetric(MetricType type) {
  return type == MetricType::kLongMin || type == MetricType::kDoubleMin || type == MetricType::kFloatMin;
}

bool isMaxMetric(MetricType type) {
  return type == MetricType::kLongMax || type == MetricType::kDoubleMax || type == MetricType::kFloatMax;
}

bool isHllMetric(MetricType type) {
  return type == MetricType::kHllSketchBuild || type == MetricType::kHllSketchMerge;
}

/// Merges the sketch stored at `row` of `column`, as the table stores sketch
/// metrics, into `sketch`. A cell that does not parse is skipped.
void mergeSketchCell(HllSketch& sketch, const Column& column, size_t row) {
  auto other = HllSketch::deserialize(column.stringAt(row));
  if (other.ok()) sketch.merge(*other);
}

// Estimated bytes of one sketch's state beyond the HllSketch itself, which
// the per-row bytes count.
uint64_t sketchMemoryBytes(const HllSketch& sketch) { return sketch.heapBytes(); }

}  // namespace

RowBuffer::RowBuffer(const IngestionSpec& spec, uint32_t blockRows)
    : queryGranularity_(spec.granularitySpec.queryGranularity),
      rollup_(spec.granularitySpec.rollup),
      blockRows_(std::max<uint32_t>(1, blockRows)),
      heap_(std::make_shared<StringHeap>()) {
  dimensions_ = spec.dimensionsSpec.dimensions;
  for (const MetricSpec& metric : spec.metrics) {
    MetricColumn column;
    column.spec = metric;
    MetricType type = metric.type;
    if (type == MetricType::kCount) {
      column.op = MetricOp::kCount;
    } else if (isHllMetric(type)) {
      column.op = MetricOp::kSketch;
    } else if (isMinMetric(type)) {
      column.op = MetricOp::kMin;
    } else if (isMaxMetric(type)) {
      column.op = MetricOp::kMax;
    } else if (isFirstMetric(type)) {
      column.op = MetricOp::kFirst;
    } else if (isLastMetric(type)) {
      column.op = MetricOp::kLast;
    } else {
      column.op = MetricOp::kSum;
    }
    if (isHllMetric(type)) {
      column.storage = MetricStorage::kSketch;
    } else if (isStringMetric(type)) {
      column.storage = MetricStorage::kString;
    } else if (type == MetricType::kCount || isLongMetric(type)) {
      column.storage = MetricStorage::kInt;
    } else {
      column.storage = MetricStorage::kDouble;
    }
    if (column.op == MetricOp::kSketch) {
      auto sketch = HllSketch::create(metric.lgK);
      if (sketch.ok()) column.emptySketch = std::move(*sketch);
    }
    column.roundsToFloat = type == MetricType::kFloatSum || type == MetricType::kFloatMin ||
                           type == MetricType::kFloatMax || type == MetricType::kFloatFirst ||
                           type == MetricType::kFloatLast;
    metrics_.push_back(std::move(column));
  }
  eventDimensions_.resize(dimensions_.size());
  keyWords_ = 1 + dimensions_.size() + (dimensions_.size() + 63) / 64;
  eventKey_.resize(keyWords_);

  fastPath_ = spec.inputFields.has_value();
  for (const DimensionSpec& dimension : dimensions_) {
    int slot = fastPath_ ? spec.inputFields->slotOf(dimension.name) : -1;
    fastPath_ = fastPath_ && slot >= 0;
    dimensionSlots_.push_back(slot);
  }
  for (const MetricSpec& metric : spec.metrics) {
    int slot = fastPath_ && metric.type != MetricType::kCount ? spec.inputFields->slotOf(metric.fieldName) : -1;
    fastPath_ = fastPath_ && metric.type != MetricType::kHllSketchMerge && (slot >= 0 || metric.type == MetricType::kCount);
    metricSlots_.push_back(slot);
  }
  metricInputs_.resize(metrics_.size());
}

void RowBuffer::add(const Event& event, int64_t timeMs, std::vector<FieldProblem>& problems) {
  problems.clear();
  convertDimensions(event, problems);

  uint32_t row = rowFor(rollup_ ? queryGranularity_.bucketStartMs(timeMs) : timeMs);
  for (MetricColumn& metric : metrics_) aggregate(metric, row, event, timeMs, problems);
  markChanged(row);
  ++changeCount_;
}

bool RowBuffer::tryAdd(const std::vector<ScalarField>& fields, int64_t timeMs) {
  // Every conversion happens before the first change, so that a value that
  // needs add() leaves the buffer as it was.
  if (!fastPath_ || !convertFastDimensions(fields) || !convertFastMetrics(fields)) return false;

  uint32_t rowsBefore = numRows_;
  uint32_t row = rowFor(rollup_ ? queryGranularity_.bucketStartMs(timeMs) : timeMs);
  // An existing row's metric cells lie far apart in large columns: ask for
  // all of them before the first is needed, so that the cache misses
  // overlap instead of following one another.
  if (row < rowsBefore) {
    for (const MetricColumn& column : metrics_) prefetchCells(column, row);
  }
  for (size_t m = 0; m < metrics_.size(); ++m) aggregateFast(metrics_[m], metricInputs_[m], row, timeMs);
  markChanged(row);
  ++changeCount_;
  return true;
}

bool RowBuffer::convertFastDimensions(const std::vector<ScalarField>& fields) {
  using Kind = ScalarField::Kind;
  for (size_t d = 0; d < dimensions_.size(); ++d) {
    const ScalarField& field = fields[static_cast<size_t>(dimensionSlots_[d])];
    DimensionValue& out = eventDimensions_[d];
    out.valid = false;
    if (field.kind == Kind::kAbsent || field.kind == Kind::kNull) continue;

    switch (dimensions_[d].type) {
      case DimensionType::kString:
        if (field.kind == Kind::kString) {
          out.text = field.text;
        } else if (field.kind == Kind::kBool) {
          out.text = field.boolValue ? "true" : "false";
        } else {
          out.storage = filterText(field.toValue());
          out.text = out.storage;
        }
        out.valid = true;
        break;
      case DimensionType::kLong: {
        Conversion converted = fastToLong(field, out.intValue);
        if (converted == Conversion::kError) return false;
        out.valid = converted == Conversion::kOk;
        break;
      }
      case DimensionType::kFloat:
      case DimensionType::kDouble: {
        Conversion converted = fastToDouble(field, out.doubleValue);
        if (converted == Conversion::kError) return false;
        // Druid stores a float dimension as a 32-bit float.
        if (converted == Conversion::kOk && dimensions_[d].type == DimensionType::kFloat) {
          out.doubleValue = static_cast<float>(out.doubleValue);
        }
        out.valid = converted == Conversion::kOk;
        break;
      }
    }
  }
  return true;
}

bool RowBuffer::convertFastMetrics(const std::vector<ScalarField>& fields) {
  using Kind = ScalarField::Kind;
  for (size_t m = 0; m < metrics_.size(); ++m) {
    MetricType type = metrics_[m].spec.type;
    MetricInput& input = metricInputs_[m];
    input.present = false;
    input.hasHash = false;
    if (type == MetricType::kCount) continue;
    const ScalarField& field = fields[static_cast<size_t>(metricSlots_[m])];
    if (field.kind == Kind::kAbsent) continue;

    if (type == MetricType::kHllSketchBuild) {
      // A NULL value still marks the row's sketch as changed, as in add().
      input.present = true;
      input.hasHash = field.kind != Kind::kNull;
      switch (field.kind) {
        case Kind::kInt64:
          input.hash = HllSketch::hashInt64(field.intValue);
          break;
        case Kind::kBool:
          input.hash = HllSketch::hashInt64(field.boolValue ? 1 : 0);
          break;
        case Kind::kUInt64:
          input.hash = HllSketch::hashUInt64(field.uintValue);
          break;
        case Kind::kDouble:
          input.hash = HllSketch::hashDouble(field.doubleValue);
          break;
        case Kind::kString:
          input.hash = HllSketch::hashString(field.text);
          break;
        case Kind::kAbsent:
        case Kind::kNull:
          break;
      }
      continue;
    }
    if (field.kind == Kind::kNull) continue;

    Conversion converted = Conversion::kOk;
    if (isStringMetric(type)) {
      if (field.kind == Kind::kString) {
        input.text = field.text;
      } else {
        input.storage = filterText(field.toValue());
        input.text = input.storage;
      }
      if (static_cast<int64_t>(input.text.size()) > metrics_[m].spec.maxStringBytes) {
        input.text = input.text.substr(0, static_cast<size_t>(metrics_[m].spec.maxStringBytes));
      }
    } else if (isLongMetric(type)) {
      converted = fastToLong(field, input.intValue);
    } else {
      converted = fastToDouble(field, input.doubleValue);
      if (converted == Conversion::kOk && metrics_[m].roundsToFloat) {
        input.doubleValue = static_cast<float>(input.doubleValue);
      }
    }
    if (converted == Conversion::kError) return false;
    input.present = converted == Conversion::kOk;
  }
  return true;
}

bool RowBuffer::keepsValue(const MetricColumn& column, uint32_t row, int64_t timeMs) {
  // First and last keep the value with the smallest or largest event time,
  // and ties go to the event read first or last. Other metrics always take
  // the event.
  if (column.op == MetricOp::kFirst) return !column.valid[row] || timeMs < column.orderMs[row];
  if (column.op == MetricOp::kLast) return !column.valid[row] || timeMs >= column.orderMs[row];
  return true;
}

void RowBuffer::setKept(MetricColumn& column, uint32_t row, int64_t timeMs) {
  // Sums start valid, so only the other metrics write their flag.
  if (column.op != MetricOp::kSum) column.valid[row] = 1;
  if (column.op == MetricOp::kFirst || column.op == MetricOp::kLast) column.orderMs[row] = timeMs;
}

template <typename T>
void RowBuffer::combineNumber(MetricOp op, bool first, T& slot, T value) {
  switch (op) {
    case MetricOp::kSum:
    case MetricOp::kCount:
      if constexpr (std::is_same_v<T, int64_t>) {
        // Wraps like Druid's longSum rather than failing the row.
        slot = static_cast<int64_t>(static_cast<uint64_t>(slot) + static_cast<uint64_t>(value));
      } else {
        slot += value;
      }
      return;
    case MetricOp::kMin:
      slot = first ? value : std::min(slot, value);
      return;
    case MetricOp::kMax:
      slot = first ? value : std::max(slot, value);
      return;
    case MetricOp::kFirst:
    case MetricOp::kLast:
    case MetricOp::kSketch:
      slot = value;
      return;
  }
}

void RowBuffer::prefetchCells(const MetricColumn& column, uint32_t row) {
  auto prefetch = [row](const auto& cells) {
    if (row < cells.size()) __builtin_prefetch(cells.data() + row, 1);
  };
  prefetch(column.valid);
  prefetch(column.ints);
  prefetch(column.doubles);
  prefetch(column.strings);
  prefetch(column.orderMs);
  // A sketch takes one cache line: 64 bytes in a 64-byte-aligned chunk.
  if (row < column.sketches.size()) __builtin_prefetch(&column.sketches[row], 1);
  prefetch(column.sketchStale);
}

void RowBuffer::aggregateFast(MetricColumn& column, const MetricInput& input, uint32_t row, int64_t timeMs) {
  if (column.op == MetricOp::kCount) {
    ++column.ints[row];
    return;
  }
  if (!input.present) return;

  if (column.op == MetricOp::kSketch) {
    HllSketch& sketch = column.sketches[row];
    column.sketchStale[row] = 1;
    if (!input.hasHash) return;
    uint64_t bytesBefore = sketchMemoryBytes(sketch);
    sketch.updateHash(input.hash);
    sketchBytes_ += sketchMemoryBytes(sketch) - bytesBefore;
    return;
  }

  if (!keepsValue(column, row, timeMs)) return;
  bool first = !column.valid[row];
  switch (column.storage) {
    case MetricStorage::kString:
      column.strings[row] = heap_->add(input.text);
      break;
    case MetricStorage::kInt:
      combineNumber(column.op, first, column.ints[row], input.intValue);
      break;
    case MetricStorage::kDouble:
      combineNumber(column.op, first, column.doubles[row], input.doubleValue);
      break;
    case MetricStorage::kSketch:
      break;
  }
  setKept(column, row, timeMs);
}

uint32_t RowBuffer::internString(std::string_view text) {
  // lazy_emplace hashes the bytes once, whether the string is new or not.
  auto it = stringCodes_.lazy_emplace(text, [&](const auto& construct) {
    std::string_view stored = heap_->add(text);
    construct(stored, static_cast<uint32_t>(codeStrings_.size()));
    codeStrings_.push_back(stored);
  });
  return it->second;
}

void RowBuffer::encodeKey(int64_t timeMs) {
  uint64_t* key = eventKey_.data();
  uint64_t* nulls = key + 1 + dimensions_.size();
  key[0] = static_cast<uint64_t>(timeMs);
  std::fill(nulls, key + keyWords_, uint64_t{0});
  for (size_t d = 0; d < dimensions_.size(); ++d) {
    const DimensionValue& value = eventDimensions_[d];
    uint64_t word = 0;
    if (!value.valid) {
      nulls[d / 64] |= uint64_t{1} << (d % 64);
    } else {
      switch (dimensions_[d].type) {
        case DimensionType::kString:
          word = internString(value.text);
          break;
        case DimensionType::kLong:
          word = static_cast<uint64_t>(value.intValue);
          break;
        case DimensionType::kFloat:
        case DimensionType::kDouble:
          std::memcpy(&word, &value.doubleValue, sizeof(word));
          break;
      }
    }
    key[1 + d] = word;
  }
}

namespace {

/// Mixes `value` into `hash` with a multiply and an xor-shift.
uint64_t mixHash(uint64_t hash, uint64_t value) {
  hash ^= value;
  hash *= 0x9e3779b97f4a7c15ULL;
  return hash ^ (hash >> 29);
}

/// Hashes a row key of `count` words.
uint64_t hashKeyWords(const uint64_t* words, size_t count) {
  uint64_t hash = 0x2545f4914f6cdd1dULL;
  for (size_t i = 0; i < count; ++i) hash = mixHash(hash, words[i]);
  // The final avalanche, so that the low bits used for the slot and the
  // high bits kept in it depend on every input bit.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  return hash ^ (hash >> 33);
}

}  // namespace

uint32_t RowBuffer::rowFor(int64_t timeMs) {
  encodeKey(timeMs);
  if (!rollup_) return appendRow();
  uint64_t hash = hashKeyWords(eventKey_.data(), keyWords_);
  if ((numRows_ + 1) * 4 > rowSlots_.size() * 3) growRowIndex();
  size_t mask = rowSlots_.size() - 1;
  uint32_t hashHigh = static_cast<uint32_t>(hash >> 32);
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    RowSlot entry = rowSlots_[slot];
    if (entry.rowPlusOne == 0) {
      uint32_t row = appendRow();
      rowSlots_[slot] = RowSlot{row + 1, hashHigh};
      return row;
    }
    if (entry.hashHigh != hashHigh) continue;
    uint32_t row = entry.rowPlusOne - 1;
    const uint64_t* rowKey = rowKeys_.data() + static_cast<size_t>(row) * keyWords_;
    if (std::equal(eventKey_.begin(), eventKey_.end(), rowKey)) return row;
  }
}

void RowBuffer::growRowIndex() {
  size_t size = std::max<size_t>(64, rowSlots_.size() * 2);
  rowSlots_.assign(size, RowSlot{});
  size_t mask = size - 1;
  for (uint32_t row = 0; row < numRows_; ++row) {
    uint64_t hash = hashKeyWords(rowKeys_.data() + static_cast<size_t>(row) * keyWords_, keyWords_);
    size_t slot = hash & mask;
    while (rowSlots_[slot].rowPlusOne != 0) slot = (slot + 1) & mask;
    rowSlots_[slot] = RowSlot{row + 1, static_cast<uint32_t>(hash >> 32)};
  }
}

void RowBuffer::markChanged(uint32_t row) { staleBlocks_[row / blockRows_] = 1; }

void RowBuffer::readDimensions(const Batch& batch, size_t row) {
  for (size_t d = 0; d < dimensions_.size(); ++d) {
    const Column& column = *batch.columns[1 + d];
    DimensionValue& out = eventDimensions_[d];
    out.valid = !column.isNull(row);
    if (!out.valid) continue;
    size_t i = column.isConstant() ? 0 : row;
    switch (dimensions_[d].type) {
      case DimensionType::kString:
        out.text = column.stringAt(row);
        break;
      case DimensionType::kLong:
        out.intValue = column.data<int64_t>()[i];
        break;
      case DimensionType::kFloat:
      case DimensionType::kDouble:
        out.doubleValue = column.data<double>()[i];
        break;
    }
  }
}

void RowBuffer::absorb(const Batch& input) {
  Batch batch = input.sel ? input.compact() : input;
  if (batch.numRows == 0) return;
  const Column& time = *batch.columns[0];
  for (size_t r = 0; r < batch.numRows; ++r) {
    int64_t timeMs = time.data<int64_t>()[time.isConstant() ? 0 : r];
    readDimensions(batch, r);
    uint32_t row = rowFor(timeMs);
    for (size_t m = 0; m < metrics_.size(); ++m) {
      combine(metrics_[m], row, *batch.columns[1 + dimensions_.size() + m], r, timeMs);
    }
    markChanged(row);
  }
  ++changeCount_;
}

void RowBuffer::combine(MetricColumn& column, uint32_t row, const Column& source, size_t sourceRow, int64_t timeMs) {
  if (source.isNull(sourceRow)) return;
  size_t i = source.isConstant() ? 0 : sourceRow;

  if (column.op == MetricOp::kSketch) {
    HllSketch& sketch = column.sketches[row];
    uint64_t bytesBefore = sketchMemoryBytes(sketch);
    mergeSketchCell(sketch, source, sourceRow);
    sketchBytes_ += sketchMemoryBytes(sketch) - bytesBefore;
    column.sketchStale[row] = 1;
    return;
  }

  if (!keepsValue(column, row, timeMs)) return;
  bool first = !column.valid[row];
  if (column.op == MetricOp::kCount) {
    column.ints[row] += static_cast<int64_t>(source.data<uint64_t>()[i]);
  } else if (column.storage == MetricStorage::kString) {
    column.strings[row] = heap_->add(source.stringAt(sourceRow));
  } else if (column.storage == MetricStorage::kInt) {
    combineNumber(column.op, first, column.ints[row], source.data<int64_t>()[i]);
  } else {
    combineNumber(column.op, first, column.doubles[row], source.data<double>()[i]);
  }
  setKept(column, row, timeMs);
}

void RowBuffer::convertDimensions(const Event& event, std::vector<FieldProblem>& problems) {
  for (size_t d = 0; d < dimensions_.size(); ++d) {
    const DimensionSpec& spec = dimensions_[d];
    DimensionValue& out = eventDimensions_[d];
    std::string error;
    Conversion result = Conversion::kNull;
    if (spec.type == DimensionType::kString) {
      result = toText(event.find(spec.name), out.storage);
      out.text = out.storage;
    } else {
      const Value* value = nullptr;
      result = singleValue(event, spec.name, value, error);
      if (result == Conversion::kOk) {
        result = spec.type == DimensionType::kLong ? toLong(*value, out.intValue, error)
                                                   : toDouble(*value, out.doubleValue, error);
      }
      // Druid stores a float dimension as a 32-bit float.
      if (result == Conversion::kOk && spec.type == DimensionType::kFloat) {
        out.doubleValue = static_cast<float>(out.doubleValue);
      }
    }
    if (result == Conversion::kError) problems.push_back({spec.name, std::move(error)});
    out.valid = result == Conversion::kOk;
  }
}

uint32_t RowBuffer::appendRow() {
  uint32_t row = static_cast<uint32_t>(numRows_++);
  rowKeys_.insert(rowKeys_.end(), eventKey_.begin(), eventKey_.end());

  // Metrics start empty: sums at 0, the others NULL until a value arrives.
  for (MetricColumn& metric : metrics_) {
    bool startsValid = metric.op == MetricOp::kCount || metric.op == MetricOp::kSum || metric.op == MetricOp::kSketch;
    metric.valid.push_back(startsValid ? 1 : 0);
    switch (metric.storage) {
      case MetricStorage::kInt:
        metric.ints.push_back(0);
        break;
      case MetricStorage::kDouble:
        metric.doubles.push_back(0);
        break;
      case MetricStorage::kString:
        metric.strings.emplace_back();
        break;
      case MetricStorage::kSketch:
        metric.sketches.push_back(metric.emptySketch);
        metric.sketchBytes.emplace_back();
        metric.sketchStale.push_back(1);
        break;
    }
    if (metric.op == MetricOp::kFirst || metric.op == MetricOp::kLast) metric.orderMs.push_back(0);
  }
  if (row / blockRows_ >= staleBlocks_.size()) staleBlocks_.push_back(1);
  return row;
}

void RowBuffer::aggregate(MetricColumn& column, uint32_t row, const Event& event, int64_t timeMs,
                          std::vector<FieldProblem>& problems) {
  MetricType type = column.spec.type;
  if (column.op == MetricOp::kCount) {
    ++column.ints[row];
    return;
  }
  std::string error;
  auto report = [&]() {
    problems.push_back({column.spec.fieldName, strCat(metricTypeName(type), " metric '", column.spec.name, "': ", error)});
  };

  if (column.op == MetricOp::kSketch) {
    const FieldValues* values = event.find(column.spec.fieldName);
    if (values == nullptr) return;
    HllSketch& sketch = column.sketches[row];
    column.sketchStale[row] = 1;
    // A switch to dense mode may shrink the estimate; unsigned wraparound
    // keeps the running total right.
    uint64_t bytesBefore = sketchMemoryBytes(sketch);
    absl::Cleanup countBytes = [&] { sketchBytes_ += sketchMemoryBytes(sketch) - bytesBefore; };
    for (const Value& value : *values) {
      if (value.isNull()) continue;
      if (type == MetricType::kHllSketchBuild) {
        sketch.update(value);
        continue;
      }
      // HLLSketchMerge reads Furl sketches, base64-encoded as JSON carries bytes.
      std::string bytes;
      if (value.type() != TypeId::kString ||
          !absl::Base64Unescape(absl::string_view(value.asString().data(), value.asString().size()), &bytes)) {
        error = strCat("expected a base64-encoded sketch, got ", quoted(value));
        report();
        continue;
      }
      auto other = HllSketch::deserialize(bytes);
      if (!other.ok()) {
        error = strCat("invalid sketch: ", toStd(other.status().message()));
        report();
        continue;
      }
      sketch.merge(*other);
    }
    return;
  }

  const Value* value = nullptr;
  Conversion found = singleValue(event, column.spec.fieldName, value, error);
  if (found == Conversion::kError) report();
  if (found != Conversion::kOk) return;

  if (!keepsValue(column, row, timeMs)) return;
  bool first = !column.valid[row];

  if (column.storage == MetricStorage::kString) {
    std::string text = stringText(*value);
    if (static_cast<int64_t>(text.size()) > column.spec.maxStringBytes) text.resize(column.spec.maxStringBytes);
    column.strings[row] = heap_->add(text);
  } else if (column.storage == MetricStorage::kInt) {
    int64_t number = 0;
    Conversion converted = toLong(*value, number, error);
    if (converted == Conversion::kError) report();
    if (converted != Conversion::kOk) return;
    combineNumber(column.op, first, column.ints[row], number);
  } else {
    double number = 0;
    Conversion converted = toDouble(*value, number, error);
    if (converted == Conversion::kError) report();
    if (converted != Conversion::kOk) return;
    if (column.roundsToFloat) number = static_cast<float>(number);
    combineNumber(column.op, first, column.doubles[row], number);
  }
  setKept(column, row, timeMs);
}

ColumnPtr RowBuffer::buildTimeColumn(size_t begin, size_t end) const {
  ColumnPtr time = Column::makeFlat(DataType(TypeId::kDateTime64), end - begin);
  int64_t* out = time->data<int64_t>();
  for (size_t row = begin; row < end; ++row) out[row - begin] = static_cast<int64_t>(rowKeys_[row * keyWords_]);
  return time;
}

ColumnPtr RowBuffer::buildDimensionColumn(size_t dimension, size_t begin, size_t end) const {
  size_t numRows = end - begin;
  DimensionType type = dimensions_[dimension].type;
  ColumnPtr out = Column::makeFlat(dimensionColumnType(type), numRows);
  const uint64_t* keys = rowKeys_.data() + begin * keyWords_;
  const size_t valueWord = 1 + dimension;
  const size_t nullWord = 1 + dimensions_.size() + dimension / 64;
  const uint64_t nullBit = uint64_t{1} << (dimension % 64);
  switch (type) {
    case DimensionType::kString: {
      std::string_view* values = out->data<std::string_view>();
      for (size_t i = 0; i < numRows; ++i) {
        const uint64_t* key = keys + i * keyWords_;
        values[i] = (key[nullWord] & nullBit) != 0 ? std::string_view() : codeStrings_[key[valueWord]];
      }
      out->keepAlive(heap_);
      break;
    }
    case DimensionType::kLong: {
      int64_t* values = out->data<int64_t>();
      for (size_t i = 0; i < numRows; ++i) values[i] = static_cast<int64_t>(keys[i * keyWords_ + valueWord]);
      break;
    }
    case DimensionType::kFloat:
    case DimensionType::kDouble: {
      double* values = out->data<double>();
      for (size_t i = 0; i < numRows; ++i) std::memcpy(&values[i], &keys[i * keyWords_ + valueWord], sizeof(double));
      break;
    }
  }
  for (size_t i = 0; i < numRows; ++i) {
    if ((keys[i * keyWords_ + nullWord] & nullBit) != 0) out->setNull(i);
  }
  return out;
}

ColumnPtr RowBuffer::buildMetricColumn(MetricColumn& column, size_t begin, size_t end) {
  size_t numRows = end - begin;
  DataType type = metricColumnType(column.spec);
  ColumnPtr out = Column::makeFlat(type, numRows);
  if (column.storage == MetricStorage::kSketch) {
    // Only sketches changed since they were last serialized are serialized
    // again, through one buffer.
    std::string bytes;
    for (size_t row = begin; row < end; ++row) {
      if (!column.sketchStale[row]) continue;
      bytes.clear();
      column.sketches[row].serializeTo(bytes);
      column.sketchBytes[row] = heap_->add(bytes);
      column.sketchStale[row] = 0;
    }
    std::copy(column.sketchBytes.begin() + begin, column.sketchBytes.begin() + end, out->data<std::string_view>());
    out->keepAlive(heap_);
    return out;
  }
  if (column.storage == MetricStorage::kString) {
    std::copy(column.strings.begin() + begin, column.strings.begin() + end, out->data<std::string_view>());
    out->keepAlive(heap_);
  } else if (type.id == TypeId::kUInt64) {
    uint64_t* values = out->data<uint64_t>();
    for (size_t i = 0; i < numRows; ++i) values[i] = static_cast<uint64_t>(column.ints[begin + i]);
  } else if (type.id == TypeId::kInt64) {
    std::copy(column.ints.begin() + begin, column.ints.begin() + end, out->data<int64_t>());
  } else {
    std::copy(column.doubles.begin() + begin, column.doubles.begin() + end, out->data<double>());
  }
  for (size_t i = 0; i < numRows; ++i) {
    if (!column.valid[begin + i]) out->setNull(i);
  }
  return out;
}

const std::vector<std::shared_ptr<const storage::MemoryBlock>>& RowBuffer::publishBlocks() {
  size_t numRows = numRows_;
  size_t numBlocks = (numRows + blockRows_ - 1) / blockRows_;
  published_.resize(numBlocks);
  for (size_t b = 0; b < numBlocks; ++b) {
    if (!staleBlocks_[b] && published_[b] != nullptr) continue;
    size_t begin = b * blockRows_;
    size_t end = std::min(numRows, begin + blockRows_);
    std::vector<ColumnPtr> columns;
    columns.reserve(1 + dimensions_.size() + metrics_.size());
    columns.push_back(buildTimeColumn(begin, end));
    for (size_t d = 0; d < dimensions_.size(); ++d) columns.push_back(buildDimensionColumn(d, begin, end));
    for (MetricColumn& column : metrics_) columns.push_back(buildMetricColumn(column, begin, end));
    if (published_[b] != nullptr) publishedBytes_ -= published_[b]->memoryBytes;
    published_[b] = storage::MemoryBlock::make(std::move(columns), static_cast<uint32_t>(end - begin));
    publishedBytes_ += published_[b]->memoryBytes;
    staleBlocks_[b] = 0;
  }
  return published_;
}

uint64_t RowBuffer::memoryBytes() const {
  uint64_t rows = numRows_;
  uint64_t perRow = keyWords_ * sizeof(uint64_t);
  for (const MetricColumn& column : metrics_) {
    perRow += 1;
    switch (column.storage) {
      case MetricStorage::kInt:
        perRow += sizeof(int64_t);
        break;
      case MetricStorage::kDouble:
        perRow += sizeof(double);
        break;
      case MetricStorage::kString:
        perRow += sizeof(std::string_view);
        break;
      case MetricStorage::kSketch:
        perRow += sizeof(HllSketch) + sizeof(std::string_view) + 1;
        break;
    }
    if (column.op == MetricOp::kFirst || column.op == MetricOp::kLast) perRow += sizeof(int64_t);
  }
  // The string dictionary (the bytes are in the heap), and the key index,
  // kept at most three quarters full.
  uint64_t dictionaryBytes = codeStrings_.capacity() * sizeof(std::string_view) +
                             stringCodes_.capacity() * (sizeof(std::pair<std::string_view, uint32_t>) + 1);
  uint64_t indexBytes = rowSlots_.capacity() * sizeof(RowSlot);
  return rows * perRow + dictionaryBytes + indexBytes + sketchBytes_ + heap_->sizeBytes() + publishedBytes_;
}

uint64_t RowBuffer::sketchMemoryBytesSlow() const {
  uint64_t bytes = 0;
  for (const MetricColumn& column : metrics_) {
    for (size_t row = 0; row < column.sketches.size(); ++row) bytes += sketchMemoryBytes(column.sketches[row]);
  }
  return bytes;
}

std::vector<Batch> RowBuffer::takeBatches() {
  std::vector<Batch> batches;
  size_t numRows = numRows_;
  if (numRows == 0) return batches;

  Batch batch;
  batch.numRows = numRows;
  batch.columns.push_back(buildTimeColumn(0, numRows));
  for (size_t d = 0; d < dimensions_.size(); ++d) batch.columns.push_back(buildDimensionColumn(d, 0, numRows));
  for (MetricColumn& column : metrics_) batch.columns.push_back(buildMetricColumn(column, 0, numRows));
  batches.push_back(std::move(batch));

  reset();
  return batches;
}

void RowBuffer::reset() {
  numRows_ = 0;
  rowKeys_.clear();
  for (MetricColumn& column : metrics_) {
    column.valid.clear();
    column.ints.clear();
    column.doubles.clear();
    column.strings.clear();
    column.orderMs.clear();
    column.sketches.clear();
    column.sketchBytes.clear();
    column.sketchStale.clear();
  }
  staleBlocks_.clear();
  published_.clear();
  publishedBytes_ = 0;
  sketchBytes_ = 0;
  rowSlots_.clear();
  // The dictionary's strings are in the old heap, which batches already
  // handed out keep alive.
  stringCodes_.clear();
  codeStrings_.clear();
  heap_ = std::make_shared<StringHeap>();
}

}  // namespace furl::ingest
