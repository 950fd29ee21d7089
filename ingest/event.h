#pragma once

// Event: one decoded input row (a Kafka message), before timestamp parsing,
// transforms and rollup.

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

/// Names of top-level event fields.
using FieldNameSet = absl::flat_hash_set<std::string>;

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
