#include "ingest/flatten_spec.h"

#include <charconv>
#include <optional>
#include <utility>

#include "common/status.h"
#include "common/utf8.h"
#include "ingest/spec_json.h"
#include "ingest/text_util.h"

namespace furl::ingest {
namespace {

constexpr std::string_view kJsonPathForms =
    "Furl supports $ followed by .name, ['name'] and [index] steps, such as $.a.b[0] or $['a b'][-1]";
constexpr std::string_view kJqForms =
    "Furl supports . followed by .name, .\"name\", .[\"name\"] and [index] steps, such as .a.b[0] or .[\"a b\"]";

// Reads the four hex digits of a \u escape at text[pos]. Returns false when they are not hex digits.
bool readHex4(std::string_view text, size_t pos, uint32_t& out) {
  if (pos + 4 > text.size()) return false;
  auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + 4, out, 16);
  return ec == std::errc() && end == text.data() + pos + 4;
}

// Decodes the quoted name whose opening quote is at text[pos] and moves pos
// past the closing quote. Escapes are those of JSON strings, plus \' inside
// single quotes. The error message describes the problem but leaves out the
// expression, which the caller adds.
absl::StatusOr<std::string> readQuotedName(std::string_view text, size_t& pos) {
  char quote = text[pos++];
  std::string name;
  while (pos < text.size()) {
    char c = text[pos++];
    if (c == quote) return name;
    if (c != '\\') {
      name += c;
      continue;
    }
    if (pos >= text.size()) break;
    char escaped = text[pos++];
    switch (escaped) {
      case '"':
      case '\\':
      case '/':
        name += escaped;
        break;
      case '\'':
        if (quote != '\'') return absl::InvalidArgumentError("invalid escape \\' in a double-quoted name");
        name += escaped;
        break;
      case 'b': name += '\b'; break;
      case 'f': name += '\f'; break;
      case 'n': name += '\n'; break;
      case 'r': name += '\r'; break;
      case 't': name += '\t'; break;
      case 'u': {
        uint32_t codePoint = 0;
        if (!readHex4(text, pos, codePoint)) return absl::InvalidArgumentError("invalid \\u escape; expected 4 hex digits");
        pos += 4;
        // A high surrogate followed by a \u low surrogate is one code point.
        uint32_t low = 0;
        if (codePoint >= 0xD800 && codePoint < 0xDC00 && text.substr(pos, 2) == "\\u" && readHex4(text, pos + 2, low) &&
            low >= 0xDC00 && low < 0xE000) {
          codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00);
          pos += 6;
        } else if (codePoint >= 0xD800 && codePoint < 0xE000) {
          return absl::InvalidArgumentError("invalid \\u escape: an unpaired surrogate");
        }
        appendUtf8(name, codePoint);
        break;
      }
      default:
        return absl::InvalidArgumentError(strCat("invalid escape \\", std::string_view(&escaped, 1), " in a quoted name"));
    }
  }
  return absl::InvalidArgumentError("unterminated quoted name");
}

// Parses the array index between brackets, such as "2" or "-1".
bool parseIndex(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool isJqNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isJqNameChar(char c) { return isJqNameStart(c) || (c >= '0' && c <= '9'); }

// Reads one bracket step of a JSONPath expression, from just after its '['.
absl::StatusOr<FlattenStep> readJsonPathBracket(std::string_view expression, size_t& pos) {
  if (pos >= expression.size()) return absl::InvalidArgumentError("unterminated [");
  char first = expression[pos];
  if (first == '\'' || first == '"') {
    absl::StatusOr<std::string> name = readQuotedName(expression, pos);
    if (!name.ok()) return name.status();
    if (pos < expression.size() && expression[pos] == ',') {
      return absl::InvalidArgumentError("unions of several names are not supported");
    }
    if (pos >= expression.size() || expression[pos] != ']') {
      return absl::InvalidArgumentError("expected ] after the quoted name");
    }
    ++pos;
    return FlattenStep::ofMember(*name);
  }
  if (first == '*') return absl::InvalidArgumentError("wildcards are not supported");
  if (first == '?') return absl::InvalidArgumentError("filters are not supported");
  if (first == '(') return absl::InvalidArgumentError("script expressions are not supported");

  size_t end = expression.find(']', pos);
  if (end == std::string_view::npos) return absl::InvalidArgumentError("unterminated [");
  std::string_view inside = expression.substr(pos, end - pos);
  if (inside.find(':') != std::string_view::npos) return absl::InvalidArgumentError("array slices are not supported");
  if (inside.find(',') != std::string_view::npos) {
    return absl::InvalidArgumentError("unions of several indexes are not supported");
  }
  int64_t index = 0;
  if (!parseIndex(inside, index)) {
    return absl::InvalidArgumentError(strCat("invalid array index '", inside, "'; expected an integer such as 0 or -1"));
  }
  pos = end + 1;
  return FlattenStep::ofIndex(index);
}

// Reads one dot step of a JSONPath expression, from just after its '.'.
absl::StatusOr<FlattenStep> readJsonPathMember(std::string_view expression, size_t& pos) {
  if (pos < expression.size() && expression[pos] == '.') return absl::InvalidArgumentError("deep scans (..) are not supported");
  size_t end = expression.find_first_of(".[", pos);
  if (end == std::string_view::npos) end = expression.size();
  std::string_view name = expression.substr(pos, end - pos);
  if (name.empty()) return absl::InvalidArgumentError("expected a name after '.'");
  if (name == "*") return absl::InvalidArgumentError("wildcards are not supported");
  if (name.find('(') != std::string_view::npos) {
    return absl::InvalidArgumentError("functions such as length() are not supported");
  }
  if (name.find_first_of(" \t\r\n'\"]*?@,)") != std::string_view::npos) {
    return absl::InvalidArgumentError(strCat("invalid character in the name '", name, "'; write such names as ['name']"));
  }
  pos = end;
  return FlattenStep::ofMember(name);
}

// Reads one bracket step of a jq expression, from just after its '['.
absl::StatusOr<FlattenStep> readJqBracket(std::string_view expression, size_t& pos) {
  if (pos >= expression.size()) return absl::InvalidArgumentError("unterminated [");
  if (expression[pos] == ']') return absl::InvalidArgumentError("iteration ([]) is not supported");
  if (expression[pos] == '"') {
    absl::StatusOr<std::string> name = readQuotedName(expression, pos);
    if (!name.ok()) return name.status();
    if (pos >= expression.size() || expression[pos] != ']') {
      return absl::InvalidArgumentError("expected ] after the quoted name");
    }
    ++pos;
    return FlattenStep::ofMember(*name);
  }

  size_t end = expression.find(']', pos);
  if (end == std::string_view::npos) return absl::InvalidArgumentError("unterminated [");
  std::string_view inside = expression.substr(pos, end - pos);
  if (inside.find(':') != std::string_view::npos) return absl::InvalidArgumentError("array slices are not supported");
  int64_t index = 0;
  if (!parseIndex(inside, index)) {
    return absl::InvalidArgumentError(strCat("invalid array index '", inside, "'; expected an integer such as 0 or -1"));
  }
  pos = end + 1;
  return FlattenStep::ofIndex(index);
}

// Reads one dot step of a jq expression, from just after its '.'. Returns
// no step for `.[`, whose bracket the caller reads next.
absl::StatusOr<std::optional<FlattenStep>> readJqMember(std::string_view expression, size_t& pos) {
  if (pos >= expression.size()) return absl::InvalidArgumentError("expected a name after '.'");
  char next = expression[pos];
  if (next == '[') return std::optional<FlattenStep>();
  if (next == '.') return absl::InvalidArgumentError("recursive descent (..) is not supported");
  if (next == '"') {
    absl::StatusOr<std::string> name = readQuotedName(expression, pos);
    if (!name.ok()) return name.status();
    return std::optional<FlattenStep>(FlattenStep::ofMember(*name));
  }
  if (!isJqNameStart(next)) {
    return absl::InvalidArgumentError(
        strCat("unexpected '", std::string_view(&next, 1), "' after '.'; write such names as .[\"name\"]"));
  }
  size_t end = pos;
  while (end < expression.size() && isJqNameChar(expression[end])) ++end;
  std::optional<FlattenStep> step = FlattenStep::ofMember(expression.substr(pos, end - pos));
  pos = end;
  return step;
}

// Describes an unexpected character of a jq expression for the error message.
std::string describeJqCharacter(char c) {
  switch (c) {
    case '|': return "pipes (|) are not supported";
    case '?': return "optional steps (?) are not supported";
    case ',': return "several outputs (,) are not supported";
    case '(': return "functions and parentheses are not supported";
    default: return strCat("unexpected '", std::string_view(&c, 1), "'");
  }
}

absl::StatusOr<FlattenField> parseFlattenField(simdjson::dom::element element, const std::string& path,
                                               std::vector<std::string>* notes) {
  FlattenField field;
  std::string_view shorthand;
  if (!element.get_string().get(shorthand)) {
    // Druid reads a bare string as a root field of that name.
    if (shorthand.empty()) return specError(path, "empty field name; expected the name of a top-level field");
    field.name = std::string(shorthand);
    field.steps = {FlattenStep::ofMember(shorthand)};
    return field;
  }
  if (!element.is_object()) {
    return specError(path, strCat("expected a field name or an object with type and name, got ", jsonTypeName(element)));
  }

  SpecObject object(element.get_object().value_unsafe(), path, notes);
  FURL_ASSIGN_OR_RETURN(std::string type, object.requireString("type", "root, path, jq or tree"));
  FURL_ASSIGN_OR_RETURN(field.name, object.requireString("name", "the input field name"));
  std::string lowerType = toLowerAscii(type);
  if (lowerType == "root") {
    field.type = FlattenField::Type::kRoot;
    // As in Druid, expr names the top-level member to read, and defaults to the name.
    FURL_ASSIGN_OR_RETURN(std::optional<std::string> member, object.getString("expr"));
    field.steps = {FlattenStep::ofMember(member.value_or(field.name))};
  } else if (lowerType == "path" || lowerType == "jq") {
    bool isPath = lowerType == "path";
    field.type = isPath ? FlattenField::Type::kPath : FlattenField::Type::kJq;
    FURL_ASSIGN_OR_RETURN(std::string expr, object.requireString("expr", isPath ? "a JSONPath expression such as $.a.b"
                                                                                  : "a jq expression such as .a.b"));
    absl::StatusOr<std::vector<FlattenStep>> steps = isPath ? parseJsonPath(expr) : parseJqPath(expr);
    if (!steps.ok()) return specError(object.pathOf("expr"), steps.status());
    field.steps = *std::move(steps);
  } else if (lowerType == "tree") {
    field.type = FlattenField::Type::kTree;
    object.ignore("expr", "tree fields read nodes");
    FURL_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> nodes, object.getStringList("nodes"));
    if (!nodes.has_value() || nodes->empty()) {
      return specError(object.pathOf("nodes"), "missing; expected the member names from the top level, such as [\"a\", \"b\"]");
    }
    for (const std::string& node : *nodes) field.steps.push_back(FlattenStep::ofMember(node));
  } else {
    return specError(object.pathOf("type"),
                     strCat("unknown flattenSpec field type '", type, "'; expected root, path, jq or tree"));
  }
  if (field.type != FlattenField::Type::kTree) object.ignore("nodes", "only tree fields read nodes");
  object.noteUnreadKeys();
  return field;
}

}  // namespace

FlattenSpec::FlattenSpec(bool useFieldDiscovery, std::vector<FlattenField> fields)
    : useFieldDiscovery_(useFieldDiscovery), fields_(std::move(fields)) {
  for (const FlattenField& field : fields_) names_.insert(field.name);
}

bool FlattenSpec::readsTopLevelMember(std::string_view name) const {
  int slot = names_.slotOf(name);
  if (slot < 0) return useFieldDiscovery_;
  return fields_[static_cast<size_t>(slot)].isTopLevelMember();
}

absl::StatusOr<std::vector<FlattenStep>> parseJsonPath(std::string_view expression) {
  auto unsupported = [&](const absl::Status& reason) {
    return absl::InvalidArgumentError(strCat("unsupported JSONPath '", expression, "': ", toStd(reason.message()), "; ",
                                             kJsonPathForms));
  };
  if (expression.empty() || expression[0] != '$') {
    return unsupported(absl::InvalidArgumentError("expected $ at the start"));
  }

  std::vector<FlattenStep> steps;
  size_t pos = 1;
  while (pos < expression.size()) {
    char c = expression[pos++];
    absl::StatusOr<FlattenStep> step;
    if (c == '.') {
      step = readJsonPathMember(expression, pos);
    } else if (c == '[') {
      step = readJsonPathBracket(expression, pos);
    } else {
      step = absl::InvalidArgumentError(strCat("unexpected '", std::string_view(&c, 1), "' at position ", pos - 1));
    }
    if (!step.ok()) return unsupported(step.status());
    steps.push_back(*std::move(step));
  }
  return steps;
}

absl::StatusOr<std::vector<FlattenStep>> parseJqPath(std::string_view expression) {
  auto unsupported = [&](const absl::Status& reason) {
    return absl::InvalidArgumentError(
        strCat("unsupported jq expression '", expression, "': ", toStd(reason.message()), "; ", kJqForms));
  };
  if (expression.empty() || expression[0] != '.') {
    return unsupported(absl::InvalidArgumentError("expected . at the start"));
  }
  if (expression == ".") return std::vector<FlattenStep>();

  std::vector<FlattenStep> steps;
  size_t pos = 0;
  while (pos < expression.size()) {
    char c = expression[pos++];
    if (c == '.') {
      absl::StatusOr<std::optional<FlattenStep>> step = readJqMember(expression, pos);
      if (!step.ok()) return unsupported(step.status());
      if (step->has_value()) steps.push_back(**std::move(step));
    } else if (c == '[') {
      absl::StatusOr<FlattenStep> step = readJqBracket(expression, pos);
      if (!step.ok()) return unsupported(step.status());
      steps.push_back(*std::move(step));
    } else {
      return unsupported(absl::InvalidArgumentError(describeJqCharacter(c)));
    }
  }
  return steps;
}

absl::Status parseFlattenSpec(SpecObject& object, FlattenSpec& out) {
  FURL_ASSIGN_OR_RETURN(std::optional<bool> useFieldDiscovery, object.getBool("useFieldDiscovery"));
  FURL_ASSIGN_OR_RETURN(std::optional<simdjson::dom::array> entries, object.getArray("fields"));

  std::vector<FlattenField> fields;
  FieldNameSet names;
  if (entries.has_value()) {
    size_t index = 0;
    for (simdjson::dom::element element : *entries) {
      std::string path = indexPath(object.pathOf("fields"), index++);
      FURL_ASSIGN_OR_RETURN(FlattenField field, parseFlattenField(element, path, object.notes()));
      if (names.contains(field.name)) {
        std::string namePath = element.is_string() ? path : childPath(path, "name");
        return specError(namePath, strCat("duplicate flattenSpec field '", field.name, "'; each name may be defined once"));
      }
      names.insert(field.name);
      fields.push_back(std::move(field));
    }
  }
  object.noteUnreadKeys();
  out = FlattenSpec(useFieldDiscovery.value_or(true), std::move(fields));
  return absl::OkStatus();
}

}  // namespace furl::ingest
