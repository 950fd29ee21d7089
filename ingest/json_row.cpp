#include "ingest/json_row.h"


#include "simdjson.h"

namespace furl::ingest {
namespace {

/// Decodes a scalar the spec reads; false for arrays and objects.
bool readScalar(simdjson::dom::element element, ScalarField& out) {
  switch (element.type()) {
    case simdjson::dom::element_type::STRING:
      out.kind = ScalarField::Kind::kString;
      out.text = element.get_string().value_unsafe();
      return true;
    case simdjson::dom::element_type::INT64:
      out.kind = ScalarField::Kind::kInt64;
      out.intValue = element.get_int64().value_unsafe();
      return true;
    case simdjson::dom::element_type::UINT64:
      out.kind = ScalarField::Kind::kUInt64;
      out.uintValue = element.get_uint64().value_unsafe();
      return true;
    case simdjson::dom::element_type::DOUBLE:
      out.kind = ScalarField::Kind::kDouble;
      out.doubleValue = element.get_double().value_unsafe();
      return true;
    case simdjson::dom::element_type::BOOL:
      out.kind = ScalarField::Kind::kBool;
      out.boolValue = element.get_bool().value_unsafe();
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out.kind = ScalarField::Kind::kNull;
      return true;
    case simdjson::dom::element_type::ARRAY:
    case simdjson::dom::element_type::OBJECT:
      return false;
  }
  return false;
}

}  // namespace

Value ScalarField::toValue() const {
  switch (kind) {
    case Kind::kInt64:
      return Value::int64(intValue);
    case Kind::kUInt64:
      return Value::uint64(uintValue);
    case Kind::kDouble:
      return Value::float64(doubleValue);
    case Kind::kBool:
      return Value::boolean(boolValue);
    case Kind::kString:
      return Value::string(std::string(text));
    case Kind::kAbsent:
    case Kind::kNull:
      break;
  }
  return Value::null();
}

struct JsonRowParser::Impl {
  simdjson::dom::parser parser;
};

JsonRowParser::JsonRowParser(const FieldNameSet& fields)
    : names_(fields), fields_(fields.size()), impl_(std::make_unique<Impl>()) {}

JsonRowParser::~JsonRowParser() = default;

bool JsonRowParser::parse(std::string_view json) {
  for (ScalarField& field : fields_) field.kind = ScalarField::Kind::kAbsent;

  // The DOM parser validates the whole text, so a message it accepts is one
  // parseJsonEvent() accepts too.
  simdjson::dom::element root;
  if (impl_->parser.parse(json.data(), json.size()).get(root)) return false;
  simdjson::dom::object object;
  if (root.get_object().get(object)) return false;
  for (simdjson::dom::key_value_pair member : object) {
    int slot = names_.slotOf(member.key);
    if (slot >= 0 && !readScalar(member.value, fields_[static_cast<size_t>(slot)])) return false;
  }
  return true;
}

}  // namespace furl::ingest
