// JSON functions over String values, as ClickHouse names them:
// JSONHas(json, path...), JSONLength, JSONExtractString, JSONExtractInt,
// JSONExtractUInt, JSONExtractFloat, JSONExtractBool, JSONExtractRaw, and
// the standard JSON_VALUE(json, '$.a.b') that Druid SQL also has.
//
// A path is a list of constant arguments: a string selects an object's key
// (the first member of that name), an integer an element (1-based, from
// the end when negative) of an array or of an object's members. As in
// ClickHouse, a missing value or one of another type gives the type's
// default (0, '' or false), invalid JSON too, and JSONHas returns 0.
// JSON_VALUE returns NULL instead, and a string for any scalar.

#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/function_util.h"
#include "simdjson.h"

namespace furl::query {

namespace {

using PathStep = std::variant<std::string, int64_t>;

enum class JsonResult : uint8_t { kHas, kLength, kString, kInt, kUInt, kFloat, kBool, kRaw, kValue };

// Follows `path` from `element`; false when a step finds nothing.
bool followPath(simdjson::dom::element& element, const std::vector<PathStep>& path) {
  for (const PathStep& step : path) {
    if (const std::string* key = std::get_if<std::string>(&step)) {
      simdjson::dom::object object;
      if (element.get_object().get(object) != simdjson::SUCCESS) return false;
      bool found = false;
      for (auto field : object) {
        if (field.key == *key) {
          element = field.value;
          found = true;
          break;
        }
      }
      if (!found) return false;
      continue;
    }
    int64_t index = std::get<int64_t>(step);
    if (index == 0) return false;
    simdjson::dom::array array;
    simdjson::dom::object object;
    if (element.get_array().get(array) == simdjson::SUCCESS) {
      int64_t size = static_cast<int64_t>(array.size());
      int64_t position = index > 0 ? index - 1 : size + index;
      if (position < 0 || position >= size) return false;
      if (array.at(static_cast<size_t>(position)).get(element) != simdjson::SUCCESS) return false;
    } else if (element.get_object().get(object) == simdjson::SUCCESS) {
      int64_t size = static_cast<int64_t>(object.size());
      int64_t position = index > 0 ? index - 1 : size + index;
      if (position < 0 || position >= size) return false;
      auto it = object.begin();
      for (int64_t i = 0; i < position; ++i) ++it;
      element = (*it).value;
    } else {
      return false;
    }
  }
  return true;
}

// Parses JSON_VALUE's path: `$`, then `.key`, `."key"` or `[n]` (0-based).
std::vector<PathStep> parseJsonPath(std::string_view text) {
  auto invalid = [&]() {
    return QueryError(ErrorCode::kBadArguments,
                      fmt::format("invalid JSON path '{}' in JSON_VALUE; write it as in '$.a.b' or '$.items[0].id'",
                                  text));
  };
  if (text.empty() || text.front() != '$') throw invalid();
  std::vector<PathStep> steps;
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == '.') {
      ++i;
      std::string key;
      if (i < text.size() && text[i] == '"') {
        size_t end = text.find('"', i + 1);
        if (end == std::string_view::npos) throw invalid();
        key = std::string(text.substr(i + 1, end - i - 1));
        i = end + 1;
      } else {
        while (i < text.size() && text[i] != '.' && text[i] != '[') key.push_back(text[i++]);
      }
      if (key.empty()) throw invalid();
      steps.emplace_back(std::move(key));
    } else if (text[i] == '[') {
      size_t end = text.find(']', i);
      if (end == std::string_view::npos || end == i + 1) throw invalid();
      int64_t index = 0;
      for (size_t j = i + 1; j < end; ++j) {
        if (text[j] < '0' || text[j] > '9' || index > 1'000'000'000) throw invalid();
        index = index * 10 + (text[j] - '0');
      }
      steps.emplace_back(index + 1);  // PathStep indexes count from 1
      i = end + 1;
    } else {
      throw invalid();
    }
  }
  return steps;
}

class JsonFunction final : public ScalarFunction {
 public:
  JsonFunction(std::string name, DataType type, JsonResult result, std::vector<PathStep> path)
      : ScalarFunction(std::move(name), type), result_(result), path_(std::move(path)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *args[0], numRows);
    StringReader json(*args[0]);
    simdjson::dom::parser parser;
    std::string buffer;
    forEachRow(numRows, sel, [&](size_t i) {
      if (out->isNull(i)) return;
      simdjson::dom::element element;
      std::string_view text = json(i);
      bool found = parser.parse(text.data(), text.size()).get(element) == simdjson::SUCCESS &&
                   followPath(element, path_);
      store(*out, i, found, element, buffer);
    });
    return out;
  }

 private:
  void store(Column& out, size_t i, bool found, simdjson::dom::element element, std::string& buffer) const {
    switch (result_) {
      case JsonResult::kHas:
        out.data<uint8_t>()[i] = found ? 1 : 0;
        return;
      case JsonResult::kLength: {
        uint64_t length = 0;
        if (found && element.is_array()) length = element.get_array().value_unsafe().size();
        if (found && element.is_object()) length = element.get_object().value_unsafe().size();
        out.data<uint64_t>()[i] = length;
        return;
      }
      case JsonResult::kString: {
        std::string_view value;
        if (!found || element.get_string().get(value) != simdjson::SUCCESS) value = {};
        out.data<std::string_view>()[i] = out.heap().add(value);
        return;
      }
      case JsonResult::kRaw:
        buffer = found ? simdjson::minify(element) : std::string();
        out.data<std::string_view>()[i] = out.heap().add(buffer);
        return;
      case JsonResult::kInt:
        out.data<int64_t>()[i] = found ? toInt64(element) : 0;
        return;
      case JsonResult::kUInt:
        out.data<uint64_t>()[i] = found ? toUInt64(element) : 0;
        return;
      case JsonResult::kFloat: {
        double value = 0;
        if (found && element.is_number()) value = element.get_double().value_unsafe();
        out.data<double>()[i] = value;
        return;
      }
      case JsonResult::kBool: {
        bool value = false;
        if (found && element.is_bool()) value = element.get_bool().value_unsafe();
        out.data<uint8_t>()[i] = value ? 1 : 0;
        return;
      }
      case JsonResult::kValue: {
        // A scalar as text; NULL for a missing value, null, an array or an object.
        if (!found || element.is_null() || element.is_array() || element.is_object()) {
          out.setNull(i);
          return;
        }
        std::string_view value;
        if (element.get_string().get(value) == simdjson::SUCCESS) {
          out.data<std::string_view>()[i] = out.heap().add(value);
        } else {
          buffer = simdjson::minify(element);
          out.data<std::string_view>()[i] = out.heap().add(buffer);
        }
        return;
      }
    }
  }

  // Integers as they are, booleans as 1 or 0, floats truncated toward zero
  // when in range; anything else 0.
  static int64_t toInt64(simdjson::dom::element element) {
    if (element.is_int64()) return element.get_int64().value_unsafe();
    if (element.is_uint64()) return 0;  // above INT64_MAX
    if (element.is_bool()) return element.get_bool().value_unsafe() ? 1 : 0;
    if (element.is_double()) {
      double value = element.get_double().value_unsafe();
      if (std::isfinite(value) && value > -9.2e18 && value < 9.2e18) return static_cast<int64_t>(value);
    }
    return 0;
  }

  static uint64_t toUInt64(simdjson::dom::element element) {
    if (element.is_uint64()) return element.get_uint64().value_unsafe();
    if (element.is_int64()) {
      int64_t value = element.get_int64().value_unsafe();
      return value < 0 ? 0 : static_cast<uint64_t>(value);
    }
    if (element.is_bool()) return element.get_bool().value_unsafe() ? 1 : 0;
    if (element.is_double()) {
      double value = element.get_double().value_unsafe();
      if (std::isfinite(value) && value >= 0 && value < 1.8e19) return static_cast<uint64_t>(value);
    }
    return 0;
  }

  JsonResult result_;
  std::vector<PathStep> path_;
};

void addJsonFunction(FunctionRegistry& registry, std::string name, JsonResult result, TypeId type) {
  registry.add(name, [name, result, type](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 64);
    std::vector<PathStep> path;
    for (size_t a = 1; a < args.size(); ++a) {
      if (isByteString(args[a].type.id)) {
        path.emplace_back(requireConstantString(name, args, a, "a key of the path"));
      } else if (isInteger(args[a].type.id)) {
        path.emplace_back(requireConstantInteger(name, args, a, "an index of the path"));
      } else {
        throwArgumentType(name, args, a, "a String key or an integer index (from 1; negative counts from the end)");
      }
    }
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    if (args[0].type.id != TypeId::kString) throwArgumentType(name, args, 0, "String (a JSON text)");
    return std::make_unique<JsonFunction>(name, DataType(type, args[0].type.nullable), result, std::move(path));
  });
}

}  // namespace

void registerJsonFunctions(FunctionRegistry& registry) {
  addJsonFunction(registry, "JSONHas", JsonResult::kHas, TypeId::kUInt8);
  addJsonFunction(registry, "JSONLength", JsonResult::kLength, TypeId::kUInt64);
  addJsonFunction(registry, "JSONExtractString", JsonResult::kString, TypeId::kString);
  addJsonFunction(registry, "JSONExtractInt", JsonResult::kInt, TypeId::kInt64);
  addJsonFunction(registry, "JSONExtractUInt", JsonResult::kUInt, TypeId::kUInt64);
  addJsonFunction(registry, "JSONExtractFloat", JsonResult::kFloat, TypeId::kFloat64);
  addJsonFunction(registry, "JSONExtractBool", JsonResult::kBool, TypeId::kUInt8);
  addJsonFunction(registry, "JSONExtractRaw", JsonResult::kRaw, TypeId::kString);
  registry.add("JSON_VALUE", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    const char* name = "JSON_VALUE";
    checkArgumentCount(name, args, 2, 2);
    std::vector<PathStep> path = parseJsonPath(requireConstantString(name, args, 1, "the JSON path"));
    if (args[0].type.id == TypeId::kNull) return makeNullResult(name);
    if (args[0].type.id != TypeId::kString) throwArgumentType(name, args, 0, "String (a JSON text)");
    return std::make_unique<JsonFunction>(name, DataType(TypeId::kString, true), JsonResult::kValue, std::move(path));
  });
}

}  // namespace furl::query
