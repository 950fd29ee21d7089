#pragma once

// JsonRowParser: the fast path for JSON messages. It reads the fields a spec
// needs straight from simdjson's DOM into slots (FieldNameSet numbers them),
// with no Event map and no allocation per field. It accepts only messages
// whose read fields are scalars. For anything else the caller goes through
// parseJsonEvent(), which also writes the error messages, so both paths count
// and explain bad input the same way.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.h"
#include "ingest/event.h"

namespace furl::ingest {

/// One decoded scalar field. `text` points into the parser's buffers and is
/// valid until its next parse().
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

/// Not thread-safe: one supervisor worker owns one.
class JsonRowParser {
 public:
  /// Reads the fields in `fields`, which must outlive the parser; field i of
  /// fields() is the name with slot number i.
  explicit JsonRowParser(const FieldNameSet& fields);
  ~JsonRowParser();
  JsonRowParser(const JsonRowParser&) = delete;
  JsonRowParser& operator=(const JsonRowParser&) = delete;

  /// Decodes one message. Returns false when the message needs
  /// parseJsonEvent(): it is not valid JSON, not an object, or a read field
  /// is an array or an object.
  bool parse(std::string_view json);

  /// The read fields by slot, after a parse() that returned true. A field
  /// that occurs twice keeps its last value, as in parseJsonEvent().
  const std::vector<ScalarField>& fields() const { return fields_; }

 private:
  struct Impl;

  const FieldNameSet& names_;
  std::vector<ScalarField> fields_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace furl::ingest
