#include "ingest/spec_json.h"

#include <charconv>
#include <cmath>

#include "ingest/text_util.h"

namespace furl::ingest {

absl::Status specError(std::string_view path, std::string_view message) {
  if (path.empty()) return absl::InvalidArgumentError(std::string(message));
  return absl::InvalidArgumentError(strCat(path, ": ", message));
}

absl::Status specError(std::string_view path, const absl::Status& cause) {
  return specError(path, toStd(cause.message()));
}

std::string_view jsonTypeName(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown JSON value";
}

std::string childPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return strCat(path, ".", key);
}

std::string indexPath(std::string_view path, size_t index) { return strCat(path, "[", index, "]"); }

SpecObject::SpecObject(simdjson::dom::object object, std::string path, std::vector<std::string>* notes)
    : object_(object), path_(std::move(path)), notes_(notes) {}

absl::StatusOr<SpecObject> SpecObject::from(simdjson::dom::element element, std::string path,
                                            std::vector<std::string>* notes) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) {
    return specError(path, strCat("expected an object, got ", jsonTypeName(element)));
  }
  return SpecObject(object, std::move(path), notes);
}

bool SpecObject::has(std::string_view key) const {
  simdjson::dom::element element;
  if (object_.at_key(key).get(element)) return false;
  return !element.is_null();
}

std::optional<simdjson::dom::element> SpecObject::get(std::string_view key) {
  read_.insert(std::string(key));
  simdjson::dom::element element;
  if (object_.at_key(key).get(element) || element.is_null()) return std::nullopt;
  return element;
}

absl::StatusOr<std::optional<std::string>> SpecObject::getString(std::string_view key) {
  std::optional<simdjson::dom::element> element = get(key);
  if (!element.has_value()) return std::nullopt;
  std::string_view text;
  if (element->get_string().get(text)) {
    return specError(pathOf(key), strCat("expected a string, got ", jsonTypeName(*element)));
  }
  return std::string(text);
}

absl::StatusOr<std::string> SpecObject::requireString(std::string_view key, std::string_view expected) {
  absl::StatusOr<std::optional<std::string>> text = getString(key);
  if (!text.ok()) return text.status();
  if (!text->has_value() || (*text)->empty()) return specError(pathOf(key), strCat("missing; expected ", expected));
  return **text;
}

absl::StatusOr<std::optional<int64_t>> SpecObject::getInt(std::string_view key, int64_t minValue, int64_t maxValue) {
  std::optional<simdjson::dom::element> element = get(key);
  if (!element.has_value()) return std::nullopt;

  int64_t value = 0;
  bool ok = false;
  if (element->is_int64()) {
    value = element->get_int64().value_unsafe();
    ok = true;
  } else if (element->is_double()) {
    double d = element->get_double().value_unsafe();
    ok = std::abs(d) < 9.0e18 && d == std::trunc(d);
    value = ok ? static_cast<int64_t>(d) : 0;
  } else if (element->is_string()) {
    std::string_view text = element->get_string().value_unsafe();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ec == std::errc() && end == text.data() + text.size() && !text.empty();
  }
  if (!ok) {
    return specError(pathOf(key), strCat("expected an integer, got ", jsonTypeName(*element)));
  }
  if (value < minValue || value > maxValue) {
    return specError(pathOf(key), strCat(value, " is out of range; expected ", minValue, "..", maxValue));
  }
  return value;
}

absl::StatusOr<std::optional<bool>> SpecObject::getBool(std::string_view key) {
  std::optional<simdjson::dom::element> element = get(key);
  if (!element.has_value()) return std::nullopt;
  if (element->is_bool()) return element->get_bool().value_unsafe();
  if (element->is_string()) {
    std::string_view text = element->get_string().value_unsafe();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  return specError(pathOf(key), strCat("expected true or false, got ", jsonTypeName(*element)));
}

absl::StatusOr<std::optional<SpecObject>> SpecObject::getObject(std::string_view key) {
  std::optional<simdjson::dom::element> element = get(key);
  if (!element.has_value()) return std::nullopt;
  absl::StatusOr<SpecObject> object = from(*element, pathOf(key), notes_);
  if (!object.ok()) return object.status();
  return *std::move(object);
}

absl::StatusOr<std::optional<simdjson::dom::array>> SpecObject::getArray(std::string_view key) {
  std::optional<simdjson::dom::element> element = get(key);
  if (!element.has_value()) return std::nullopt;
  simdjson::dom::array array;
  if (element->get_array().get(array)) {
    return specError(pathOf(key), strCat("expected an array, got ", jsonTypeName(*element)));
  }
  return array;
}

absl::StatusOr<std::optional<std::vector<std::string>>> SpecObject::getStringList(std::string_view key) {
  absl::StatusOr<std::optional<simdjson::dom::array>> array = getArray(key);
  if (!array.ok()) return array.status();
  if (!array->has_value()) return std::nullopt;
  std::vector<std::string> values;
  size_t index = 0;
  for (simdjson::dom::element item : **array) {
    std::string_view text;
    if (item.get_string().get(text)) {
      return specError(indexPath(pathOf(key), index), strCat("expected a string, got ", jsonTypeName(item)));
    }
    values.emplace_back(text);
    ++index;
  }
  return values;
}

void SpecObject::ignore(std::string_view key, std::string_view reason) {
  bool present = has(key);
  read_.insert(std::string(key));
  if (present) notes_->push_back(strCat(pathOf(key), " is ignored: ", reason));
}

void SpecObject::noteUnreadKeys() {
  for (simdjson::dom::key_value_pair field : object_) {
    if (read_.contains(std::string(field.key))) continue;
    notes_->push_back(strCat(pathOf(field.key), " is not a field Furl reads; ignored"));
    read_.insert(std::string(field.key));
  }
}

}  // namespace furl::ingest
