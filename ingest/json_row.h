#pragma once

// JsonRowParser: the fast path for JSON messages. It reads the fields a spec
// needs into slots (FieldNameSet numbers them), with no Event map and no
// allocation per field. It accepts only messages whose read fields are
// scalars. For anything else the caller goes through parseJsonEvent(), which
// also writes the error messages, so both paths count and explain bad input
// the same way.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/value.h"
#include "ingest/event.h"

namespace furl::ingest {

/// One decoded scalar field. `text` points into the message or the parser's
/// buffers, so it is valid until the next parse() and while the message lives.
struct ScalarField {
  enum class Kind : uint8_t { kAbsent, kNull, kInt64, kUInt64, kDouble, kBool, kString };
  Kind kind = Kind::kAbsent;
  bool boolValue = false;
  int64_t intValue = 0;
  uint64_t uintValue = 0;
  double doubleValue = 0;
  std::string_view text;

  /// The Value parseJsonEvent() makes of the same JSON scalar; requires a
  /// kind other than kAbsent.
  Value toValue() const;
};

struct TimestampSpec;

/// Returns the event time in milliseconds of the timestamp field `field` as
/// `spec` reads it: missingValue for an absent or NULL field, nullopt for a
/// boolean or a value that does not parse.
std::optional<int64_t> scalarEventTimeMs(const TimestampSpec& spec, const ScalarField& field);

/// Not thread-safe: one supervisor worker owns one.
class JsonRowParser {
 public:
  /// The decoding method of parse(). Both modes accept the same messages and
  /// read the same fields, and the tests compare them.
  enum class Mode : uint8_t {
    /// simdjson's stage 1 finds the structural characters, then a walk over
    /// them checks the grammar and every value as simdjson's DOM parser
    /// does, but decodes only the read fields and builds no DOM.
    kStructuralIndex,
    /// simdjson's DOM parser decodes the whole message, then the read
    /// fields are taken from the DOM.
    kDom,
  };

  /// Reads the fields in `fields`, which must outlive the parser; field i of
  /// fields() is the name with slot number i. Stage 1 runs on the simdjson
  /// implementation that simdjson picks for this CPU at run time.
  explicit JsonRowParser(const FieldNameSet& fields, Mode mode = Mode::kStructuralIndex);
  ~JsonRowParser();
  JsonRowParser(const JsonRowParser&) = delete;
  JsonRowParser& operator=(const JsonRowParser&) = delete;

  /// A parser whose stage 1 runs on the named simdjson implementation
  /// ("haswell", "westmere", "fallback", ...). NotFound when simdjson has no
  /// such implementation, FailedPrecondition when this CPU cannot run it.
  static absl::StatusOr<std::unique_ptr<JsonRowParser>> withImplementation(const FieldNameSet& fields, Mode mode,
                                                                          std::string_view implementation);

  /// Decodes one message. Returns false when the message needs
  /// parseJsonEvent(): it is not valid JSON, not an object, or a read field
  /// is an array or an object. kStructuralIndex also returns false for an
  /// object nested deeper than simdjson's default maximum depth of 1024, and
  /// for a message too large for simdjson (4 GiB). kStructuralIndex reads
  /// a message that ends with `}` where it lies when the 64 bytes after it
  /// are on the same 4 KiB memory page, and may read those bytes.
  bool parse(std::string_view json);

  /// The read fields by slot, after a parse() that returned true. A field
  /// that occurs twice keeps its last value, as in parseJsonEvent().
  const std::vector<ScalarField>& fields() const { return fields_; }

  Mode mode() const { return mode_; }
  /// The name of the simdjson implementation that runs stage 1.
  std::string_view implementationName() const;

 private:
  struct Impl;

  JsonRowParser(const FieldNameSet& fields, Mode mode, std::unique_ptr<Impl> impl);

  bool parseDom(std::string_view json);
  bool parseStructuralIndex(std::string_view json);

  const FieldNameSet& names_;
  Mode mode_;
  std::vector<ScalarField> fields_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace furl::ingest
