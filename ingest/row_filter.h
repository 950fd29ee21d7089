#pragma once

// RowFilter: a Druid native filter (transformSpec.filter) compiled into a
// tree and evaluated against decoded events before rollup.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/value.h"
#include "ingest/event.h"

namespace re2 {
class RE2;
}
namespace simdjson::dom {
class element;
}

namespace furl::ingest {

/// A compiled filter. Supported types: selector, in, bound (lexicographic
/// and numeric ordering), like, regex, equals, null, true, false, not, and,
/// or. Copyable; matches() is const and thread-safe.
///
/// Comparison rules follow Druid's SQL-compatible mode:
///   - A field's values compare as strings (see filterText()).
///   - A multi-value field matches when any of its values matches.
///   - Logic is three-valued. A comparison against a missing or NULL field
///     is unknown, except `selector` with a null value and `null`, which test
///     for NULL. `not` keeps unknown unknown, so `not(selector x = 'a')` drops
///     rows where x is NULL, as Druid 28 and later do.
class RowFilter {
 public:
  enum class Kind { kTrue, kFalse, kSelector, kIn, kBound, kLike, kRegex, kEquals, kNull, kNot, kAnd, kOr };
  enum class BoundOrdering { kLexicographic, kNumeric };

  /// Compiles a Druid filter object. Errors are InvalidArgument and start
  /// with the JSON path below `path` (`...filter.fields[1].type: ...`).
  /// Fields of the filter that Furl does not read are added to `notes`.
  static absl::StatusOr<RowFilter> fromJson(simdjson::dom::element json, const std::string& path,
                                            std::vector<std::string>* notes);
  /// The same from JSON text, with paths starting at `filter`; for tests and
  /// tools.
  static absl::StatusOr<RowFilter> parse(std::string_view jsonText);

  /// True when the event passes the filter (unknown counts as false).
  bool matches(const Event& event) const;

  Kind kind() const { return root_->kind; }

  /// Adds the names of the event fields that the filter reads to `fields`.
  void addInputFields(FieldNameSet& fields) const;

 private:
  enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

  struct Node {
    Kind kind = Kind::kTrue;
    std::string dimension;
    // selector (one value), in (many): nullopt is the JSON null.
    std::vector<std::optional<std::string>> values;
    // bound
    std::optional<std::string> lower;
    std::optional<std::string> upper;
    std::optional<double> lowerNumber;
    std::optional<double> upperNumber;
    bool lowerStrict = false;
    bool upperStrict = false;
    BoundOrdering ordering = BoundOrdering::kLexicographic;
    // like
    std::string pattern;
    std::optional<char> escape;
    // regex
    std::shared_ptr<const re2::RE2> regex;
    // equals with a numeric matchValueType
    std::optional<double> numberValue;
    // not (one child), and, or
    std::vector<Node> children;
  };

  explicit RowFilter(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

  static absl::StatusOr<Node> parseNode(simdjson::dom::element json, const std::string& path,
                                        std::vector<std::string>* notes);
  static Truth evaluate(const Node& node, const Event& event);
  static void addInputFields(const Node& node, FieldNameSet& fields);
  static Truth compareValue(const Node& node, const Value& value);

  std::shared_ptr<const Node> root_;
};

/// The text a filter compares for a value: integers in decimal, doubles in
/// their shortest round-trip form with ".0" added to whole numbers (as Java
/// prints 2.0), booleans as "true"/"false". Requires a non-NULL value.
std::string filterText(const Value& value);

/// SQL LIKE matching: `%` matches any run of characters, `_` one UTF-8
/// character, `escape` (when set) makes the next character literal.
bool likeMatches(std::string_view text, std::string_view pattern, std::optional<char> escape);

}  // namespace furl::ingest
