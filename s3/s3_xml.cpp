#include "s3/s3_xml.h"

#include <charconv>
#include <cstdint>

#include "common/utf8.h"

namespace furl::s3 {
namespace {

/// Decodes the entity `entity` (the text between '&' and ';'); false when
/// it is not one this reader knows.
bool decodeEntity(std::string_view entity, std::string& out) {
  if (entity == "amp") {
    out.push_back('&');
  } else if (entity == "lt") {
    out.push_back('<');
  } else if (entity == "gt") {
    out.push_back('>');
  } else if (entity == "quot") {
    out.push_back('"');
  } else if (entity == "apos") {
    out.push_back('\'');
  } else if (entity.size() > 1 && entity[0] == '#') {
    bool hex = entity[1] == 'x' || entity[1] == 'X';
    std::string_view digits = entity.substr(hex ? 2 : 1);
    uint32_t codePoint = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), codePoint, hex ? 16 : 10);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || codePoint > 0x10FFFF) {
      return false;
    }
    appendUtf8(out, codePoint);
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string_view> xmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> result;
  std::string open = "<" + std::string(name);
  std::string close = "</" + std::string(name) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t afterName = pos + open.size();
    if (afterName >= xml.size()) break;
    char next = xml[afterName];

    // "<Key>" or "<Key attr=...>", but not "<KeyMarker>".
    if (next != '>' && next != ' ' && next != '/') {
      pos = afterName;
      continue;
    }
    size_t tagEnd = xml.find('>', afterName);
    if (tagEnd == std::string_view::npos) break;
    if (xml[tagEnd - 1] == '/') {
      result.emplace_back();
      pos = tagEnd + 1;
      continue;
    }
    size_t end = xml.find(close, tagEnd + 1);
    if (end == std::string_view::npos) break;
    result.push_back(xml.substr(tagEnd + 1, end - tagEnd - 1));
    pos = end + close.size();
  }
  return result;
}

std::optional<std::string> xmlText(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> elements = xmlElements(xml, name);
  if (elements.empty()) return std::nullopt;
  return xmlUnescape(elements.front());
}

std::string xmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '&') {
      size_t semicolon = text.find(';', i + 1);
      if (semicolon != std::string_view::npos && decodeEntity(text.substr(i + 1, semicolon - i - 1), out)) {
        i = semicolon + 1;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace furl::s3
