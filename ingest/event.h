#pragma once

// Event: one decoded input row (a Kafka message), before timestamp parsing,
// transforms and rollup.

#include <array>
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

class FlattenSpec;

/// The values of one event field: one for a scalar (which may be NULL), any
/// number for a multi-value field (a JSON array of scalars).
using FieldValues = absl::InlinedVector<Value, 1>;

/// Names of top-level event fields, each with a slot number. A 256-entry
/// table over the length and the first and last byte of each name sits in
/// front of the hash map, so most names are found or rejected without
/// hashing. A JSON message may have a hundred keys of which a spec reads a few.
class FieldNameSet {
 public:
  FieldNameSet() = default;
  FieldNameSet(std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) insert(name);
  }

  /// Adds a name; a new name gets the next slot number, from 0.
  void insert(std::string_view name) {
    uint32_t bit = filterBit(name);
    if (!names_.try_emplace(std::string(name), static_cast<int>(names_.size())).second) return;
    ordered_.emplace_back(name);
    slotByBit_[bit] = slotByBit_[bit] == kNoSlot ? static_cast<int>(ordered_.size() - 1) : kSharedBit;
  }
  bool contains(std::string_view name) const { return slotOf(name) >= 0; }
  /// Returns the slot number of a name, or -1 when the set does not contain
  /// it. A name that is alone in its table entry is compared directly.
  int slotOf(std::string_view name) const {
    int slot = slotByBit_[filterBit(name)];
    if (slot == kNoSlot) return -1;
    if (slot >= 0) return ordered_[static_cast<size_t>(slot)] == name ? slot : -1;
    auto it = names_.find(absl::string_view(name.data(), name.size()));
    return it == names_.end() ? -1 : it->second;
  }
  size_t size() const { return names_.size(); }
  /// The names by slot number.
  const std::vector<std::string>& names() const { return ordered_; }

 private:
  static std::array<int, 256> makeEmptySlots() {
    std::array<int, 256> slots;
    slots.fill(kNoSlot);
    return slots;
  }
  static uint32_t filterBit(std::string_view name) {
    if (name.empty()) return 0;
    auto first = static_cast<uint8_t>(name.front());
    auto last = static_cast<uint8_t>(name.back());
    return static_cast<uint32_t>(name.size() * 131 + first * 31 + last) & 255;
  }

  static constexpr int kNoSlot = -1;
  static constexpr int kSharedBit = -2;

  /// By a hash of the length and the first and last byte: the slot of the
  /// only name with that hash, kNoSlot, or kSharedBit for several names.
  std::array<int, 256> slotByBit_ = makeEmptySlots();
  absl::flat_hash_map<std::string, int> names_;
  std::vector<std::string> ordered_;
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
/// `parser`'s buffers. When `fields` is not null, only the fields named in
/// it are decoded and the others are skipped, but the whole text is still
/// validated. InvalidArgument when the text is not valid JSON or not an
/// object.
///
/// When `flatten` is not null, its fields are set from the values at their
/// locations, converted as top-level values are. A location that does not
/// resolve (a missing member, an index out of range, a step into a value of
/// another kind) leaves its field absent. The top-level members are fields
/// too when flatten->useFieldDiscovery() is true, except those whose names
/// the flattenSpec defines.
absl::StatusOr<Event> parseJsonEvent(std::string_view json, simdjson::dom::parser& parser,
                                     const FieldNameSet* fields = nullptr, const FlattenSpec* flatten = nullptr);
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
