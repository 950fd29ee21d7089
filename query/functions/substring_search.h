#pragma once

// Substring search for LIKE '%needle%' and similar patterns, called once
// per row, so it must be fast on short strings such as URLs.
//
// With SSE2 (every x86-64 CPU) it compares 16 candidate positions at a
// time: a position is a candidate when the haystack byte there equals the
// needle's first byte and the byte k - 1 further equals its last byte. Only
// candidates get a memcmp of the bytes in between. Rare first/last byte
// pairs leave few candidates, so most 16-byte steps cost two loads, two
// compares and a movemask. Haystacks shorter than 15 bytes plus the needle,
// and builds without SSE2, use std::string_view::find.
//
// NOTE: when the needle's first byte is rare in the data ('Google' in URLs
// and titles), std::string_view::find, which calls glibc's memchr, crosses
// a short string in one call and measured about 20% faster than this loop.

#include <cstddef>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace furl::query {

/// Returns the offset of the first occurrence of `needle` in `haystack`, or
/// std::string_view::npos; an empty needle is found at offset 0.
inline size_t findSubstring(std::string_view haystack, std::string_view needle) {
  const size_t k = needle.size();
  const size_t n = haystack.size();
  if (k == 0) return 0;
  if (n < k) return std::string_view::npos;
  if (k == 1) {
    const void* at = std::memchr(haystack.data(), needle[0], n);
    return at == nullptr ? std::string_view::npos : static_cast<const char*>(at) - haystack.data();
  }

#if defined(__SSE2__)
  if (n >= 15 + k) {
    const char* s = haystack.data();
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[k - 1]);
    // Tests candidate positions at..at+15, all of which fit: at + 15 + k <= n.
    auto scan = [&](size_t at) -> size_t {
      __m128i atFirst = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at));
      __m128i atLast = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + at + k - 1));
      auto mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(atFirst, first), _mm_cmpeq_epi8(atLast, last))));
      while (mask != 0) {
        unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
        if (std::memcmp(s + at + bit + 1, needle.data() + 1, k - 2) == 0) return at + bit;
        mask &= mask - 1;
      }
      return std::string_view::npos;
    };
    size_t at = 0;
    for (; at + 15 + k <= n; at += 16) {
      if (size_t found = scan(at); found != std::string_view::npos) return found;
    }
    // The last window overlaps the previous one so that it ends exactly at
    // the last candidate position, n - k.
    return at == n - k + 1 ? std::string_view::npos : scan(n - k - 15);
  }
#endif
  return haystack.find(needle);
}

inline bool containsSubstring(std::string_view haystack, std::string_view needle) {
  return findSubstring(haystack, needle) != std::string_view::npos;
}

}  // namespace furl::query
