#pragma once

// Event: one decoded input row (a Kafka message), before timestamp parsing,
// transforms and rollup.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "common/value.h"

namespace simdjson::dom {
class parser;
}

namespace furl::ingest {

/// The values of one event field: one for a scalar (which may be NULL), any
/// number for a multi-value field (a JSON array of scalars).
using FieldValues = absl::InlinedVector<Value, 1>;

/// Names of top-level event fields, with a 256-bit filter over the length
/// and the first and last byte of each name in front of the hash set, so that
/// most names not in the set are rejected without hashing them (a JSON
/// message may have a hundred keys of which a spec reads a few).
class FieldNameSet {
 public:
  FieldNameSet() = default;
  FieldNameSet(std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) insert(name);
  }

  void insert(std::string_view name) {
    uint32_t bit = filterBit(name);
    filter_[bit / 64] |= uint64_t{1} << (bit % 64);
    names_.insert(std::string(name));
  }
  bool contains(std::string_view name) const {
    uint32_t bit = filterBit(name);
    if ((filter_[bit / 64] & (uint64_t{1} << (bit % 64))) == 0) return false;
    return names_.contains(absl::string_view(name.data(), name.size()));
  }
  size_t size() const { return names_.size(); }

 private:
  static uint32_t filterBit(std::string_view name) {
    if (name.empty()) return 0;
    auto first = static_cast<uint8_t>(name.front());
    auto last = static_cast<uint8_t>(name.back());
    return static_cast<uint32_t>(name.size() * 131 + first * 31 + last) & 255;
  }

  uint64_t filter_[4] = {0, 0, 0, 0};
  absl::flat_hash_set<std::string> names_;
};

/// One input row: top-level field name to values. Copyable.
///
/// JSON scalars map to Values as follows: strings to kString, integers to
/// kInt64 (kUInt64 above INT64_MAX), other numbers to kFloat64, true/false to
/// kBool, null to NULL. Arrays of scalars are multi-value fields. Nested
/// objects, and arrays that contain objects or arrays, are kept as their
/// minified JSON text.
class Event {
 public:
  /// Sets a scalar field, replacing any field of the same name.
  void set(std::string_view name, Value value);
  /// Makes room for `fields` fields without rehashing.
  void reserve(size_t fields);
  /// Sets a multi-value field, replacing any field of the same name.
  void setMulti(std::string_view name, std::vector<Value> values);

  /// The values of a field; nullptr when the event has no such field.
  /// The pointer is valid until the event is next modified.
  const FieldValues* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  size_t size() const { return fields_.size(); }
  /// Field names in the order they were first set.
  const std::vector<std::string>& names() const { return names_; }

 private:
  absl::flat_hash_map<std::string, FieldValues> fields_;
  std::vector<std::string> names_;
};

/// Decodes one JSON object (a Kafka message value) into an Event, reusing
/// `parser`'s buffers. When `fields` is not null, only the top-level fields
/// named in it are decoded and the others are skipped, but the whole text is
/// still validated. InvalidArgument when the text is not valid JSON or not an
/// object.
absl::StatusOr<Event> parseJsonEvent(std::string_view json, simdjson::dom::parser& parser,
                                     const FieldNameSet* fields = nullptr);
/// The same with a parser of its own; for tests and one-off calls.
absl::StatusOr<Event> parseJsonEvent(std::string_view json);

/// Splits one CSV or TSV line into an Event: column i's text becomes field
/// `columns[i]` as a string. Fields may be quoted with '"' ("" is a quote
/// inside). When `listDelimiter` is not empty, a value containing it becomes
/// a multi-value field. InvalidArgument when the line has more values than
/// columns or an unterminated quote; missing trailing values are NULL.
absl::StatusOr<Event> parseDelimitedEvent(std::string_view line, const std::vector<std::string>& columns,
                                          std::string_view delimiter, std::string_view listDelimiter);

}  // namespace furl::ingest
