#pragma once

// UTF-8 helpers for the *UTF8 string functions: stepping over code points
// and simple (one code point to one code point) case mapping.
//
// Invalid input is not rejected: a stray continuation byte or a truncated
// sequence counts as one code point and keeps its bytes unchanged, so these
// functions never read past the string and never fail.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace furl::query {

/// True for the bytes 10xxxxxx that continue a multi-byte sequence.
inline bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// Number of code points in `s`: the bytes that are not continuation bytes.
size_t countCodePoints(std::string_view s);

/// Byte offset reached from `from` after stepping over `count` code points
/// forward; s.size() when the string ends first.
size_t skipCodePointsForward(std::string_view s, size_t from, size_t count);

/// Byte offset reached from `from` after stepping over `count` code points
/// backward; 0 when the start is reached first.
size_t skipCodePointsBackward(std::string_view s, size_t from, size_t count);

/// Simple upper- and lower-case mappings of Unicode 15.0; code points
/// without a mapping come back unchanged.
uint32_t toUpperCodePoint(uint32_t codePoint);
uint32_t toLowerCodePoint(uint32_t codePoint);

/// Replaces `out` with `s` case-mapped code point by code point. The byte
/// length may change (U+0131 'ı' becomes 'I'). Mappings to several code
/// points ('ß' to "SS") and context rules (final sigma) are not applied,
/// as in ClickHouse's upperUTF8 and lowerUTF8.
void toUpperUtf8(std::string_view s, std::string& out);
void toLowerUtf8(std::string_view s, std::string& out);

}  // namespace furl::query
