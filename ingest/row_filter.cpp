#include "ingest/row_filter.h"

#include <charconv>
#include <cmath>
#include <variant>

#include "ingest/text_util.h"
#include "ingest/spec_json.h"
#include "re2/re2.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

constexpr std::string_view kFilterTypes =
    "selector, in, bound, like, regex, equals, null, true, false, not, and, or";

std::optional<double> parseDouble(std::string_view text) {
  text = stripAsciiWhitespace(text);
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A filter operand: a JSON string, number or boolean as filter text; null as
// nullopt. Objects and arrays are errors.
absl::StatusOr<std::optional<std::string>> operandText(simdjson::dom::element element, const std::string& path) {
  Value value;
  switch (element.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return std::nullopt;
    case simdjson::dom::element_type::STRING: return std::string(element.get_string().value_unsafe());
    case simdjson::dom::element_type::INT64: value = Value::int64(element.get_int64().value_unsafe()); break;
    case simdjson::dom::element_type::UINT64: value = Value::uint64(element.get_uint64().value_unsafe()); break;
    case simdjson::dom::element_type::DOUBLE: value = Value::float64(element.get_double().value_unsafe()); break;
    case simdjson::dom::element_type::BOOL: value = Value::boolean(element.get_bool().value_unsafe()); break;
    default:
      return specError(path, strCat("expected a string, number or null, got ", jsonTypeName(element)));
  }
  return filterText(value);
}

// The number of bytes of the UTF-8 character that starts with `lead`.
size_t utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // a stray continuation byte counts as one character
}

}  // namespace

std::string filterText(const Value& value) {
  const Value::Storage& storage = value.storage();
  if (const auto* s = std::get_if<std::string>(&storage)) return *s;
  if (const auto* i = std::get_if<int64_t>(&storage)) {
    if (value.type() == TypeId::kBool) return *i != 0 ? "true" : "false";
    return strCat(*i);
  }
  if (const auto* u = std::get_if<uint64_t>(&storage)) return strCat(*u);
  double d = std::get<double>(storage);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";

  // Shortest round-trip digits; whole numbers get ".0" as Java prints them.
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), d);
  std::string text(buffer, end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

bool likeMatches(std::string_view text, std::string_view pattern, std::optional<char> escape) {
  // Tokens: a literal byte, '_' (one character) or '%' (any run).
  enum class TokenKind : uint8_t { kByte, kOne, kAny };
  struct Token {
    TokenKind kind;
    char byte;
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (escape.has_value() && c == *escape && i + 1 < pattern.size()) {
      tokens.push_back({TokenKind::kByte, pattern[++i]});
    } else if (c == '%') {
      tokens.push_back({TokenKind::kAny, 0});
    } else if (c == '_') {
      tokens.push_back({TokenKind::kOne, 0});
    } else {
      tokens.push_back({TokenKind::kByte, c});
    }
  }

  // Greedy matching that backtracks to the last '%' on a mismatch.
  size_t t = 0;
  size_t p = 0;
  size_t starToken = std::string_view::npos;
  size_t starText = 0;
  while (t < text.size()) {
    if (p < tokens.size() && tokens[p].kind == TokenKind::kOne) {
      t = std::min(text.size(), t + utf8Length(static_cast<unsigned char>(text[t])));
      ++p;
    } else if (p < tokens.size() && tokens[p].kind == TokenKind::kByte && tokens[p].byte == text[t]) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p].kind == TokenKind::kAny) {
      starToken = p++;
      starText = t;
    } else if (starToken != std::string_view::npos) {
      p = starToken + 1;
      starText = std::min(text.size(), starText + utf8Length(static_cast<unsigned char>(text[starText])));
      t = starText;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p].kind == TokenKind::kAny) ++p;
  return p == tokens.size();
}

absl::StatusOr<RowFilter> RowFilter::fromJson(simdjson::dom::element json, const std::string& path,
                                              std::vector<std::string>* notes) {
  absl::StatusOr<Node> root = parseNode(json, path, notes);
  if (!root.ok()) return root.status();
  return RowFilter(std::make_shared<const Node>(*std::move(root)));
}

absl::StatusOr<RowFilter> RowFilter::parse(std::string_view jsonText) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.parse(jsonText.data(), jsonText.size()).get(root)) {
    return absl::InvalidArgumentError(strCat("filter: invalid JSON: ", simdjson::error_message(error)));
  }
  std::vector<std::string> notes;
  return fromJson(root, "filter", &notes);
}

absl::StatusOr<RowFilter::Node> RowFilter::parseNode(simdjson::dom::element json, const std::string& path,
                                                     std::vector<std::string>* notes) {
  absl::StatusOr<SpecObject> objectOr = SpecObject::from(json, path, notes);
  if (!objectOr.ok()) return objectOr.status();
  SpecObject& object = *objectOr;
  absl::StatusOr<std::string> type = object.requireString("type", strCat("a filter type: ", kFilterTypes));
  if (!type.ok()) return type.status();

  Node node;
  if (object.has("extractionFn")) {
    return specError(object.pathOf("extractionFn"), "extraction functions are not supported; use a transform");
  }
  auto requireDimension = [&](std::string_view key) -> absl::Status {
    absl::StatusOr<std::string> dimension = object.requireString(key, "the name of the input field to test");
    if (!dimension.ok()) return dimension.status();
    node.dimension = *std::move(dimension);
    return absl::OkStatus();
  };

  if (*type == "true" || *type == "false") {
    node.kind = *type == "true" ? Kind::kTrue : Kind::kFalse;
  } else if (*type == "selector") {
    node.kind = Kind::kSelector;
    if (absl::Status s = requireDimension("dimension"); !s.ok()) return s;
    std::optional<simdjson::dom::element> value = object.get("value");
    if (!value.has_value()) {
      node.values.push_back(std::nullopt);
    } else {
      absl::StatusOr<std::optional<std::string>> text = operandText(*value, object.pathOf("value"));
      if (!text.ok()) return text.status();
      node.values.push_back(*text);
    }
  } else if (*type == "in") {
    node.kind = Kind::kIn;
    if (absl::Status s = requireDimension("dimension"); !s.ok()) return s;
    absl::StatusOr<std::optional<simdjson::dom::array>> values = object.getArray("values");
    if (!values.ok()) return values.status();
    if (!values->has_value()) return specError(object.pathOf("values"), "missing; expected an array of values");
    size_t index = 0;
    for (simdjson::dom::element item : **values) {
      absl::StatusOr<std::optional<std::string>> text = operandText(item, indexPath(object.pathOf("values"), index++));
      if (!text.ok()) return text.status();
      node.values.push_back(*text);
    }
  } else if (*type == "bound") {
    node.kind = Kind::kBound;
    if (absl::Status s = requireDimension("dimension"); !s.ok()) return s;
    for (std::string_view key : {"lower", "upper"}) {
      std::optional<simdjson::dom::element> bound = object.get(key);
      if (!bound.has_value()) continue;
      absl::StatusOr<std::optional<std::string>> text = operandText(*bound, object.pathOf(key));
      if (!text.ok()) return text.status();
      (key == "lower" ? node.lower : node.upper) = *text;
    }
    if (!node.lower.has_value() && !node.upper.has_value()) {
      return specError(object.path(), "a bound filter needs lower, upper or both");
    }
    absl::StatusOr<std::optional<bool>> lowerStrict = object.getBool("lowerStrict");
    if (!lowerStrict.ok()) return lowerStrict.status();
    absl::StatusOr<std::optional<bool>> upperStrict = object.getBool("upperStrict");
    if (!upperStrict.ok()) return upperStrict.status();
    node.lowerStrict = lowerStrict->value_or(false);
    node.upperStrict = upperStrict->value_or(false);
    if (object.has("alphaNumeric")) {
      return specError(object.pathOf("alphaNumeric"), "alphanumeric ordering is not supported; use \"ordering\": \"numeric\"");
    }

    // ordering: a name, or an object {"type": name} as older specs write it.
    std::string ordering = "lexicographic";
    std::string orderingPath = object.pathOf("ordering");
    if (std::optional<simdjson::dom::element> element = object.get("ordering")) {
      std::string_view text;
      simdjson::dom::element typeElement;
      if (!element->get_string().get(text)) {
        ordering = std::string(text);
      } else if (element->is_object() && !element->at_key("type").get(typeElement) &&
                 !typeElement.get_string().get(text)) {
        ordering = std::string(text);
        orderingPath = childPath(orderingPath, "type");
      } else {
        return specError(orderingPath, strCat("expected a string, got ", jsonTypeName(*element)));
      }
    }
    if (equalsIgnoreCase(ordering, "lexicographic")) {
      node.ordering = BoundOrdering::kLexicographic;
    } else if (equalsIgnoreCase(ordering, "numeric")) {
      node.ordering = BoundOrdering::kNumeric;
      for (auto [bound, number, key] : {std::tuple{&node.lower, &node.lowerNumber, "lower"},
                                        std::tuple{&node.upper, &node.upperNumber, "upper"}}) {
        if (!bound->has_value()) continue;
        *number = parseDouble(**bound);
        if (!number->has_value()) {
          return specError(object.pathOf(key), strCat("'", **bound, "' is not a number; numeric ordering needs numeric bounds"));
        }
      }
    } else {
      return specError(orderingPath, strCat("unsupported ordering '", ordering,
                                                  "'; expected lexicographic or numeric"));
    }
  } else if (*type == "like") {
    node.kind = Kind::kLike;
    if (absl::Status s = requireDimension("dimension"); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> pattern = object.getString("pattern");
    if (!pattern.ok()) return pattern.status();
    if (!pattern->has_value()) return specError(object.pathOf("pattern"), "missing; expected a LIKE pattern such as 'wiki%'");
    node.pattern = **pattern;
    absl::StatusOr<std::optional<std::string>> escape = object.getString("escape");
    if (!escape.ok()) return escape.status();
    if (escape->has_value()) {
      if ((*escape)->size() != 1) return specError(object.pathOf("escape"), "expected a single character");
      node.escape = (**escape)[0];
    }
  } else if (*type == "regex") {
    node.kind = Kind::kRegex;
    if (absl::Status s = requireDimension("dimension"); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> pattern = object.getString("pattern");
    if (!pattern.ok()) return pattern.status();
    if (!pattern->has_value()) return specError(object.pathOf("pattern"), "missing; expected a regular expression");
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(**pattern, options);
    if (!regex->ok()) {
      return specError(object.pathOf("pattern"), strCat("invalid regular expression '", **pattern, "': ", regex->error()));
    }
    node.regex = std::move(regex);
  } else if (*type == "equals") {
    node.kind = Kind::kEquals;
    if (absl::Status s = requireDimension("column"); !s.ok()) return s;
    absl::StatusOr<std::string> matchType = object.requireString("matchValueType", "STRING, LONG, FLOAT or DOUBLE");
    if (!matchType.ok()) return matchType.status();
    std::optional<simdjson::dom::element> matchValue = object.get("matchValue");
    if (!matchValue.has_value()) return specError(object.pathOf("matchValue"), "missing; use the null filter to match NULL");
    absl::StatusOr<std::optional<std::string>> text = operandText(*matchValue, object.pathOf("matchValue"));
    if (!text.ok()) return text.status();
    node.values.push_back(*text);
    std::string upperType = toUpperAscii(*matchType);
    if (upperType == "LONG" || upperType == "FLOAT" || upperType == "DOUBLE") {
      node.numberValue = parseDouble(**text);
      if (!node.numberValue.has_value()) {
        return specError(object.pathOf("matchValue"), strCat("'", **text, "' is not a number but matchValueType is ", *matchType));
      }
    } else if (upperType != "STRING") {
      return specError(object.pathOf("matchValueType"), strCat("unsupported type '", *matchType,
                                                                     "'; expected STRING, LONG, FLOAT or DOUBLE"));
    }
  } else if (*type == "null") {
    node.kind = Kind::kNull;
    if (absl::Status s = requireDimension("column"); !s.ok()) return s;
  } else if (*type == "not") {
    node.kind = Kind::kNot;
    std::optional<simdjson::dom::element> field = object.get("field");
    if (!field.has_value()) return specError(object.pathOf("field"), "missing; expected the filter to negate");
    absl::StatusOr<Node> child = parseNode(*field, object.pathOf("field"), notes);
    if (!child.ok()) return child.status();
    node.children.push_back(*std::move(child));
  } else if (*type == "and" || *type == "or") {
    node.kind = *type == "and" ? Kind::kAnd : Kind::kOr;
    absl::StatusOr<std::optional<simdjson::dom::array>> fields = object.getArray("fields");
    if (!fields.ok()) return fields.status();
    if (!fields->has_value() || (*fields)->size() == 0) {
      return specError(object.pathOf("fields"), "missing; expected a non-empty array of filters");
    }
    size_t index = 0;
    for (simdjson::dom::element item : **fields) {
      absl::StatusOr<Node> child = parseNode(item, indexPath(object.pathOf("fields"), index++), notes);
      if (!child.ok()) return child.status();
      node.children.push_back(*std::move(child));
    }
  } else {
    return specError(object.pathOf("type"), strCat("unknown filter type '", *type, "'; expected one of ", kFilterTypes));
  }
  object.noteUnreadKeys();
  return node;
}

bool RowFilter::matches(const Event& event) const { return evaluate(*root_, event) == Truth::kTrue; }

void RowFilter::addInputFields(FieldNameSet& fields) const { addInputFields(*root_, fields); }

void RowFilter::addInputFields(const Node& node, FieldNameSet& fields) {
  if (!node.dimension.empty()) fields.insert(node.dimension);
  for (const Node& child : node.children) addInputFields(child, fields);
}

RowFilter::Truth RowFilter::compareValue(const Node& node, const Value& value) {
  std::string text = filterText(value);
  auto truth = [](bool b) { return b ? Truth::kTrue : Truth::kFalse; };
  switch (node.kind) {
    case Kind::kSelector:
    case Kind::kIn:
      for (const std::optional<std::string>& candidate : node.values) {
        if (candidate.has_value() && *candidate == text) return Truth::kTrue;
      }
      return Truth::kFalse;
    case Kind::kEquals:
      if (node.numberValue.has_value()) {
        std::optional<double> number = parseDouble(text);
        return truth(number.has_value() && *number == *node.numberValue);
      }
      return truth(node.values[0] == text);
    case Kind::kBound: {
      if (node.ordering == BoundOrdering::kNumeric) {
        std::optional<double> number = parseDouble(text);
        if (!number.has_value()) return Truth::kFalse;
        if (node.lowerNumber && (node.lowerStrict ? *number <= *node.lowerNumber : *number < *node.lowerNumber)) {
          return Truth::kFalse;
        }
        if (node.upperNumber && (node.upperStrict ? *number >= *node.upperNumber : *number > *node.upperNumber)) {
          return Truth::kFalse;
        }
        return Truth::kTrue;
      }
      if (node.lower && (node.lowerStrict ? text <= *node.lower : text < *node.lower)) return Truth::kFalse;
      if (node.upper && (node.upperStrict ? text >= *node.upper : text > *node.upper)) return Truth::kFalse;
      return Truth::kTrue;
    }
    case Kind::kLike:
      return truth(likeMatches(text, node.pattern, node.escape));
    case Kind::kRegex:
      return truth(RE2::PartialMatch(text, *node.regex));
    default:
      return Truth::kFalse;
  }
}

RowFilter::Truth RowFilter::evaluate(const Node& node, const Event& event) {
  switch (node.kind) {
    case Kind::kTrue:
      return Truth::kTrue;
    case Kind::kFalse:
      return Truth::kFalse;
    case Kind::kNot: {
      Truth child = evaluate(node.children[0], event);
      if (child == Truth::kUnknown) return Truth::kUnknown;
      return child == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
    }
    case Kind::kAnd: {
      Truth result = Truth::kTrue;
      for (const Node& child : node.children) {
        Truth t = evaluate(child, event);
        if (t == Truth::kFalse) return Truth::kFalse;
        if (t == Truth::kUnknown) result = Truth::kUnknown;
      }
      return result;
    }
    case Kind::kOr: {
      Truth result = Truth::kFalse;
      for (const Node& child : node.children) {
        Truth t = evaluate(child, event);
        if (t == Truth::kTrue) return Truth::kTrue;
        if (t == Truth::kUnknown) result = Truth::kUnknown;
      }
      return result;
    }
    default:
      break;
  }

  // Leaf filters on one field. A missing field, a NULL and an empty array
  // all count as NULL.
  const FieldValues* values = event.find(node.dimension);
  bool hasNull = values == nullptr || values->empty();
  bool hasNonNull = false;
  if (values != nullptr) {
    for (const Value& value : *values) {
      if (value.isNull()) {
        hasNull = true;
        continue;
      }
      hasNonNull = true;
      if (node.kind != Kind::kNull && compareValue(node, value) == Truth::kTrue) return Truth::kTrue;
    }
  }

  bool testsForNull = node.kind == Kind::kNull;
  if (node.kind == Kind::kSelector || node.kind == Kind::kIn) {
    for (const std::optional<std::string>& candidate : node.values) testsForNull |= !candidate.has_value();
  }
  if (testsForNull) return hasNull ? Truth::kTrue : Truth::kFalse;
  return hasNonNull ? Truth::kFalse : Truth::kUnknown;
}

}  // namespace furl::ingest
