#include "server/query_parameters.h"

#include <cctype>
#include <charconv>

#include "common/error.h"
#include "fmt/format.h"

namespace furl::server {
namespace {

void appendQuotedLiteral(std::string& out, std::string_view value) {
  out.push_back('\'');
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
}

bool isNumericType(std::string_view type) {
  if (type.rfind("Nullable(", 0) == 0) type = type.substr(9, type.size() - 10);
  return type.rfind("Int", 0) == 0 || type.rfind("UInt", 0) == 0 || type.rfind("Float", 0) == 0 ||
         type.rfind("Decimal", 0) == 0;
}

bool isNumberText(std::string_view text) {
  if (text.empty()) return false;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

/// Decodes ClickHouse's escaped text form of a parameter value.
std::string unescapeParameter(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    char e = text[++i];
    switch (e) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case '0': out.push_back('\0'); break;
      default: out.push_back(e); break;
    }
  }
  return out;
}

/// Copies SQL text to `out`, calling onPlaceholder(pos) at each character
/// outside literals and comments; it returns how many characters it
/// consumed (0 when the character is not a placeholder).
template <typename Fn>
absl::Status rewriteOutsideLiterals(std::string_view sql, std::string& out, Fn&& onPlaceholder) {
  size_t pos = 0;
  while (pos < sql.size()) {
    char c = sql[pos];
    if (c == '\'' || c == '"' || c == '`') {
      size_t end = pos + 1;
      while (end < sql.size()) {
        if (sql[end] == '\\') {
          end += 2;
          continue;
        }
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, sql.size());
      out.append(sql.substr(pos, end - pos));
      pos = end;
      continue;
    }
    if (sql.substr(pos, 2) == "--") {
      size_t end = sql.find('\n', pos);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(pos, end - pos));
      pos = end;
      continue;
    }
    if (sql.substr(pos, 2) == "/*") {
      size_t end = sql.find("*/", pos + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(pos, end - pos));
      pos = end;
      continue;
    }
    absl::StatusOr<size_t> consumed = onPlaceholder(pos);
    if (!consumed.ok()) return consumed.status();
    if (*consumed > 0) {
      pos += *consumed;
    } else {
      out.push_back(c);
      ++pos;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> bindClickHouseParameters(std::string_view sql,
                                                     const std::map<std::string, std::string>& params) {
  std::string out;
  out.reserve(sql.size());
  absl::Status status = rewriteOutsideLiterals(sql, out, [&](size_t pos) -> absl::StatusOr<size_t> {
    if (sql[pos] != '{') return size_t{0};
    size_t close = sql.find('}', pos);
    size_t colon = sql.find(':', pos);
    if (close == std::string_view::npos || colon == std::string_view::npos || colon > close) return size_t{0};
    std::string_view name = sql.substr(pos + 1, colon - pos - 1);
    std::string_view type = sql.substr(colon + 1, close - colon - 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    bool validName = !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    });
    if (!validName || type.empty()) return size_t{0};

    auto it = params.find("param_" + std::string(name));
    if (it == params.end()) {
      return statusFromError(ErrorCode::kBadArguments,
                             fmt::format("query parameter '{}' has no value; send it as the URL parameter param_{}",
                                         name, name));
    }
    std::string value = unescapeParameter(it->second);
    if (isNumericType(type)) {
      if (!isNumberText(value)) {
        return statusFromError(ErrorCode::kBadArguments,
                               fmt::format("value '{}' of query parameter '{}' is not a number of type {}", value,
                                           name, type));
      }
      out.append(value);
    } else {
      appendQuotedLiteral(out, value);
    }
    return close - pos + 1;
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::string> bindDruidParameters(std::string_view sql, const std::vector<DruidParameter>& params) {
  std::string out;
  out.reserve(sql.size());
  size_t next = 0;
  absl::Status status = rewriteOutsideLiterals(sql, out, [&](size_t pos) -> absl::StatusOr<size_t> {
    if (sql[pos] != '?') return size_t{0};
    if (next >= params.size()) {
      return statusFromError(ErrorCode::kBadArguments,
                             fmt::format("the query has more '?' placeholders than the {} parameters given",
                                         params.size()));
    }
    const DruidParameter& param = params[next++];
    if (param.isNull) {
      out.append("NULL");
    } else if (param.isString) {
      appendQuotedLiteral(out, param.value);
    } else {
      out.append(param.value);
    }
    return size_t{1};
  });
  if (!status.ok()) return status;
  if (next != params.size()) {
    return statusFromError(ErrorCode::kBadArguments,
                           fmt::format("{} parameters were given but the query has {} '?' placeholders",
                                       params.size(), next));
  }
  return out;
}

}  // namespace furl::server
