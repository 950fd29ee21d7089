#pragma once

// FlattenSpec: the flattenSpec of a JSON input format, which names values
// inside nested JSON objects and arrays as input fields. Druid documents it
// in the "FlattenSpec" section of its docs/ingestion/data-formats.md, and
// docs/ingestion-spec.md here lists the part Furl supports.
//
// Every supported expression reduces to a list of steps from the top-level
// object: an object member by name, or an array element by index. Druid's
// `root` fields are one step, `tree` fields one step per node, and `path`
// (JSONPath) and `jq` fields are parsed into steps when the spec is read.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/event.h"

namespace furl::ingest {

class SpecObject;

/// One step of a flattenSpec field's location.
struct FlattenStep {
  enum class Kind : uint8_t { kMember, kIndex };
  Kind kind = Kind::kMember;
  /// The object member name for kMember, with escapes decoded.
  std::string member;
  /// The array index for kIndex. A negative index counts from the end, so
  /// -1 is the last element.
  int64_t index = 0;

  static FlattenStep ofMember(std::string_view name) { return {Kind::kMember, std::string(name), 0}; }
  static FlattenStep ofIndex(int64_t position) { return {Kind::kIndex, "", position}; }
  bool operator==(const FlattenStep& other) const {
    return kind == other.kind && member == other.member && index == other.index;
  }
};

/// One entry of flattenSpec.fields.
struct FlattenField {
  enum class Type : uint8_t { kRoot, kPath, kJq, kTree };
  Type type = Type::kRoot;
  /// The input field name that dimensions, metrics, the timestamp and the
  /// filter refer to.
  std::string name;
  /// The location of the value, from the top-level object. Empty for the
  /// whole message (`$` or `.`).
  std::vector<FlattenStep> steps;

  /// True when the field is the top-level member of the same name, so that
  /// reading the member directly gives the same value.
  bool isTopLevelMember() const {
    return steps.size() == 1 && steps[0].kind == FlattenStep::Kind::kMember && steps[0].member == name;
  }
};

/// A parsed flattenSpec. The default value, which is also what an absent
/// flattenSpec means, discovers the top-level fields and defines no others.
class FlattenSpec {
 public:
  FlattenSpec() = default;
  /// Requires distinct field names, which parseIngestionSpec() checks.
  FlattenSpec(bool useFieldDiscovery, std::vector<FlattenField> fields);

  /// When true, top-level members are input fields too, under their own
  /// names, unless `fields` defines the same name.
  bool useFieldDiscovery() const { return useFieldDiscovery_; }
  const std::vector<FlattenField>& fields() const { return fields_; }
  /// True when `fields` defines `name`.
  bool defines(std::string_view name) const { return names_.contains(name); }
  /// True when flattening gives every message's top-level fields unchanged,
  /// as without a flattenSpec.
  bool isIdentity() const { return useFieldDiscovery_ && fields_.empty(); }
  /// True when flattening gives the input field `name` the value of the
  /// top-level member of the same name, as without a flattenSpec.
  bool readsTopLevelMember(std::string_view name) const;

 private:
  bool useFieldDiscovery_ = true;
  std::vector<FlattenField> fields_;
  FieldNameSet names_;
};

/// Parses a JSONPath expression (`path` fields) in the subset Furl supports:
/// `$` followed by `.name`, `['name']`, `["name"]` and `[index]` steps, such
/// as `$.a.b[2].c` or `$['a b'][-1]`. InvalidArgument, naming the construct
/// and the supported forms, for wildcards, deep scans (`..`), filters,
/// slices, unions, functions and anything else.
absl::StatusOr<std::vector<FlattenStep>> parseJsonPath(std::string_view expression);

/// Parses a jq expression (`jq` fields) in the subset Furl supports: `.`
/// followed by `.name`, `."name"`, `.["name"]` and `[index]` steps, such as
/// `.a.b[0]` or `.["a b"]`. InvalidArgument for pipes, functions, optional
/// (`?`) steps, iteration (`[]`), slices and anything else.
absl::StatusOr<std::vector<FlattenStep>> parseJqPath(std::string_view expression);

/// Reads inputFormat.flattenSpec (or parseSpec.flattenSpec) into `out`.
/// InvalidArgument names the JSON path of the bad entry and what is
/// expected; ignored keys are added to the object's notes.
absl::Status parseFlattenSpec(SpecObject& object, FlattenSpec& out);

}  // namespace furl::ingest
