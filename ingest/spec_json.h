#pragma once

// Helpers for reading Druid spec JSON with paths in every error message.
// Private to the ingest module.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "simdjson.h"

namespace furl::ingest {

/// An InvalidArgument status whose message starts with the JSON path:
/// `spec.dataSchema.granularitySpec.segmentGranularity: unknown ...`.
absl::Status specError(std::string_view path, std::string_view message);
/// The same with the message of `cause`, a status from a lower-level parser.
absl::Status specError(std::string_view path, const absl::Status& cause);

/// "a string", "a number", "an object", ... for `expected X, got Y` messages.
std::string_view jsonTypeName(simdjson::dom::element element);

/// `path.key`, or `key` at the top level.
std::string childPath(std::string_view path, std::string_view key);
/// `path[index]`.
std::string indexPath(std::string_view path, size_t index);

/// A JSON object being read into a spec struct. Each accessor marks its key
/// as read, and a JSON null counts as absent, as Jackson treats it in Druid.
/// noteUnreadKeys() then reports the keys that no accessor read. `notes` must outlive
/// the object.
class SpecObject {
 public:
  SpecObject(simdjson::dom::object object, std::string path, std::vector<std::string>* notes);

  /// Wraps `element` when it is an object; InvalidArgument at `path` otherwise.
  static absl::StatusOr<SpecObject> from(simdjson::dom::element element, std::string path,
                                         std::vector<std::string>* notes);

  const std::string& path() const { return path_; }
  std::string pathOf(std::string_view key) const { return childPath(path_, key); }
  std::vector<std::string>* notes() const { return notes_; }

  /// True when the key is present and not null; does not mark it read.
  bool has(std::string_view key) const;

  /// The raw element; nullopt when absent or null.
  std::optional<simdjson::dom::element> get(std::string_view key);

  absl::StatusOr<std::optional<std::string>> getString(std::string_view key);
  /// A non-empty string; InvalidArgument when absent, null or empty.
  absl::StatusOr<std::string> requireString(std::string_view key, std::string_view expected);
  /// An integer in [minValue, maxValue]; integer-valued strings are accepted
  /// as Jackson coerces them.
  absl::StatusOr<std::optional<int64_t>> getInt(std::string_view key, int64_t minValue, int64_t maxValue);
  /// true/false, or the strings "true"/"false".
  absl::StatusOr<std::optional<bool>> getBool(std::string_view key);
  absl::StatusOr<std::optional<SpecObject>> getObject(std::string_view key);
  absl::StatusOr<std::optional<simdjson::dom::array>> getArray(std::string_view key);
  /// An array of strings.
  absl::StatusOr<std::optional<std::vector<std::string>>> getStringList(std::string_view key);

  /// Marks `key` read, adding "`path.key` is ignored: reason" when present.
  void ignore(std::string_view key, std::string_view reason);

  /// Adds a note for each key that no accessor read.
  void noteUnreadKeys();

 private:
  simdjson::dom::object object_;
  std::string path_;
  std::vector<std::string>* notes_;
  absl::flat_hash_set<std::string> read_;
};

}  // namespace furl::ingest
