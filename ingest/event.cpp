#include "ingest/event.h"

#include <cstdint>

#include "ingest/flatten_spec.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

// Converts a JSON scalar; returns false for objects and arrays.
bool scalarValue(simdjson::dom::element element, Value& out) {
  switch (element.type()) {
    case simdjson::dom::element_type::STRING:
      out = Value::string(std::string(element.get_string().value_unsafe()));
      return true;
    case simdjson::dom::element_type::INT64:
      out = Value::int64(element.get_int64().value_unsafe());
      return true;
    case simdjson::dom::element_type::UINT64:
      out = Value::uint64(element.get_uint64().value_unsafe());
      return true;
    case simdjson::dom::element_type::DOUBLE:
      out = Value::float64(element.get_double().value_unsafe());
      return true;
    case simdjson::dom::element_type::BOOL:
      out = Value::boolean(element.get_bool().value_unsafe());
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out = Value::null();
      return true;
    case simdjson::dom::element_type::ARRAY:
    case simdjson::dom::element_type::OBJECT:
      return false;
  }
  return false;
}

// Sets the field `name` from a JSON value: a scalar as one value, an array
// of scalars as a multi-value field, and anything else as its minified JSON
// text.
void setJsonField(Event& event, std::string_view name, simdjson::dom::element value) {
  Value scalar;
  if (scalarValue(value, scalar)) {
    event.set(name, std::move(scalar));
    return;
  }
  if (value.is_array()) {
    std::vector<Value> values;
    simdjson::dom::array array = value.get_array().value_unsafe();
    for (simdjson::dom::element item : array) {
      Value itemValue;
      if (!scalarValue(item, itemValue)) {
        event.set(name, Value::string(simdjson::minify(value)));
        return;
      }
      values.push_back(std::move(itemValue));
    }
    event.setMulti(name, std::move(values));
    return;
  }
  event.set(name, Value::string(simdjson::minify(value)));
}

// Finds the value at `steps` below `root`. Returns false when a member is
// missing, an index is out of range, or a step meets a value of another
// kind. A member that occurs twice resolves to its last occurrence, as
// top-level fields do.
bool findNestedValue(simdjson::dom::element root, const std::vector<FlattenStep>& steps,
                     simdjson::dom::element& out) {
  simdjson::dom::element current = root;
  for (const FlattenStep& step : steps) {
    if (step.kind == FlattenStep::Kind::kMember) {
      simdjson::dom::object object;
      if (current.get_object().get(object)) return false;
      bool found = false;
      simdjson::dom::element member;
      for (simdjson::dom::key_value_pair entry : object) {
        if (entry.key != step.member) continue;
        member = entry.value;
        found = true;
      }
      if (!found) return false;
      current = member;
    } else {
      simdjson::dom::array array;
      if (current.get_array().get(array)) return false;
      auto size = static_cast<int64_t>(array.size());
      int64_t position = step.index < 0 ? size + step.index : step.index;
      if (position < 0 || position >= size) return false;
      if (array.at(static_cast<size_t>(position)).get(current)) return false;
    }
  }
  out = current;
  return true;
}

// Builds the Event of a message under a flattenSpec that is not the
// identity. The flattenSpec fields come first, then the discovered
// top-level members.
Event flattenedEvent(simdjson::dom::element root, simdjson::dom::object object, const FlattenSpec& flatten,
                     const FieldNameSet* fields) {
  Event event;
  for (const FlattenField& field : flatten.fields()) {
    if (fields != nullptr && !fields->contains(field.name)) continue;
    simdjson::dom::element value;
    if (findNestedValue(root, field.steps, value)) setJsonField(event, field.name, value);
  }
  if (!flatten.useFieldDiscovery()) return event;

  for (simdjson::dom::key_value_pair member : object) {
    if (fields != nullptr && !fields->contains(member.key)) continue;
    // A flattenSpec field of the same name wins, as in Druid.
    if (flatten.defines(member.key)) continue;
    setJsonField(event, member.key, member.value);
  }
  return event;
}

}  // namespace

void Event::set(std::string_view name, Value value) {
  FieldValues values;
  values.push_back(std::move(value));
  auto [it, inserted] = fields_.insert_or_assign(std::string(name), std::move(values));
  if (inserted) names_.push_back(it->first);
}

void Event::reserve(size_t fields) {
  fields_.reserve(fields);
  names_.reserve(fields);
}

void Event::setMulti(std::string_view name, std::vector<Value> values) {
  FieldValues stored(std::make_move_iterator(values.begin()), std::make_move_iterator(values.end()));
  auto [it, inserted] = fields_.insert_or_assign(std::string(name), std::move(stored));
  if (inserted) names_.push_back(it->first);
}

const FieldValues* Event::find(std::string_view name) const {
  auto it = fields_.find(absl::string_view(name.data(), name.size()));
  return it == fields_.end() ? nullptr : &it->second;
}

absl::StatusOr<Event> parseJsonEvent(std::string_view json, simdjson::dom::parser& parser,
                                     const FieldNameSet* fields, const FlattenSpec* flatten) {
  simdjson::dom::element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root)) {
    return absl::InvalidArgumentError(strCat("invalid JSON event: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object)) {
    return absl::InvalidArgumentError("invalid JSON event: expected an object at the top level");
  }

  if (flatten != nullptr && !flatten->isIdentity()) return flattenedEvent(root, object, *flatten, fields);

  Event event;
  event.reserve(fields != nullptr ? fields->size() : object.size());
  for (simdjson::dom::key_value_pair field : object) {
    if (fields != nullptr && !fields->contains(field.key)) continue;
    setJsonField(event, field.key, field.value);
  }
  return event;
}

absl::StatusOr<Event> parseJsonEvent(std::string_view json) {
  simdjson::dom::parser parser;
  return parseJsonEvent(json, parser);
}

absl::StatusOr<Event> parseDelimitedEvent(std::string_view line, const std::vector<std::string>& columns,
                                          std::string_view delimiter, std::string_view listDelimiter) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  // Split into raw values, honouring double quotes.
  std::vector<std::string> values;
  std::string current;
  bool quoted = false;
  size_t pos = 0;
  while (pos < line.size()) {
    char c = line[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < line.size() && line[pos + 1] == '"') {
        current.push_back('"');
        pos += 2;
      } else if (c == '"') {
        quoted = false;
        ++pos;
      } else {
        current.push_back(c);
        ++pos;
      }
    } else if (c == '"' && current.empty()) {
      quoted = true;
      ++pos;
    } else if (line.substr(pos, delimiter.size()) == delimiter) {
      values.push_back(std::move(current));
      current.clear();
      pos += delimiter.size();
    } else {
      current.push_back(c);
      ++pos;
    }
  }
  if (quoted) return absl::InvalidArgumentError("invalid delimited event: unterminated quote");
  values.push_back(std::move(current));
  if (values.size() > columns.size()) {
    return absl::InvalidArgumentError(strCat("invalid delimited event: ", values.size(), " values but ",
                                                   columns.size(), " columns"));
  }

  Event event;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i >= values.size()) {
      event.set(columns[i], Value::null(TypeId::kString));
    } else if (!listDelimiter.empty() && values[i].find(listDelimiter) != std::string::npos) {
      std::vector<Value> parts;
      std::string_view rest = values[i];
      for (size_t next = rest.find(listDelimiter); next != std::string_view::npos; next = rest.find(listDelimiter)) {
        parts.push_back(Value::string(std::string(rest.substr(0, next))));
        rest.remove_prefix(next + listDelimiter.size());
      }
      parts.push_back(Value::string(std::string(rest)));
      event.setMulti(columns[i], std::move(parts));
    } else {
      event.set(columns[i], Value::string(std::move(values[i])));
    }
  }
  return event;
}

}  // namespace furl::ingest
