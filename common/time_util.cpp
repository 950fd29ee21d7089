#include "common/time_util.h"

#include <chrono>

namespace furl {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain
// algorithms, http://howardhinnant.github.io/date_algorithms.html).
int64_t daysFromCivil64(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

void appendDigits(std::string& out, int64_t value, int width) {
  char buf[24];
  int n = 0;
  bool negative = value < 0;
  uint64_t v = negative ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) buf[n++] = '0';
  if (negative) out.push_back('-');
  while (n > 0) out.push_back(buf[--n]);
}

// Reads exactly `count` digits at `pos`.
bool readDigits(std::string_view s, size_t& pos, size_t count, int64_t& out) {
  if (pos + count > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

}  // namespace

int32_t daysFromCivil(int32_t year, uint32_t month, uint32_t day) {
  return static_cast<int32_t>(daysFromCivil64(year, month, day));
}

CivilDate civilFromDays(int32_t days) {
  int64_t z = static_cast<int64_t>(days) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int32_t>(y + (m <= 2)), m, d};
}

uint32_t isoWeekday(int32_t days) {
  // 1970-01-01 was a Thursday (ISO weekday 4).
  int64_t w = (static_cast<int64_t>(days) + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<uint32_t>(w + 1);
}

void appendDate(std::string& out, int32_t days) {
  CivilDate c = civilFromDays(days);
  appendDigits(out, c.year, 4);
  out.push_back('-');
  appendDigits(out, c.month, 2);
  out.push_back('-');
  appendDigits(out, c.day, 2);
}

void appendTimestamp(std::string& out, int64_t ms, bool withMillis) {
  int32_t days = daysFromMs(ms);
  int64_t msOfDay = ms - static_cast<int64_t>(days) * 86400000;
  appendDate(out, days);
  out.push_back(' ');
  int64_t secOfDay = msOfDay / 1000;
  appendDigits(out, secOfDay / 3600, 2);
  out.push_back(':');
  appendDigits(out, secOfDay / 60 % 60, 2);
  out.push_back(':');
  appendDigits(out, secOfDay % 60, 2);
  if (withMillis) {
    out.push_back('.');
    appendDigits(out, msOfDay % 1000, 3);
  }
}

std::string formatDate(int32_t days) {
  std::string out;
  appendDate(out, days);
  return out;
}

std::string formatTimestamp(int64_t ms, bool withMillis) {
  std::string out;
  appendTimestamp(out, ms, withMillis);
  return out;
}

std::optional<int32_t> parseDate(std::string_view text) {
  size_t pos = 0;
  int64_t y, m, d;
  if (!readDigits(text, pos, 4, y)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!readDigits(text, pos, 2, m)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!readDigits(text, pos, 2, d)) return std::nullopt;
  if (pos != text.size()) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, static_cast<unsigned>(m))) return std::nullopt;
  return static_cast<int32_t>(daysFromCivil64(y, static_cast<unsigned>(m), static_cast<unsigned>(d)));
}

std::optional<int64_t> parseTimestampMs(std::string_view text) {
  size_t pos = 0;
  int64_t y, mo, d;
  if (!readDigits(text, pos, 4, y)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!readDigits(text, pos, 2, mo)) return std::nullopt;
  if (pos >= text.size() || text[pos++] != '-') return std::nullopt;
  if (!readDigits(text, pos, 2, d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, static_cast<unsigned>(mo))) return std::nullopt;
  int64_t days = daysFromCivil64(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t h = 0, mi = 0, s = 0, millis = 0, offsetMinutes = 0;

  if (pos < text.size()) {
    if (text[pos] != ' ' && text[pos] != 'T') return std::nullopt;
    ++pos;
    if (!readDigits(text, pos, 2, h)) return std::nullopt;
    if (pos >= text.size() || text[pos++] != ':') return std::nullopt;
    if (!readDigits(text, pos, 2, mi)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!readDigits(text, pos, 2, s)) return std::nullopt;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (digits < 3) millis = millis * 10 + (text[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (size_t i = digits; i < 3; ++i) millis *= 10;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return std::nullopt;
    if (pos < text.size()) {
      char c = text[pos];
      if (c == 'Z' || c == 'z') {
        ++pos;
      } else if (c == '+' || c == '-') {
        ++pos;
        int64_t oh, om = 0;
        if (!readDigits(text, pos, 2, oh)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !readDigits(text, pos, 2, om)) return std::nullopt;
        offsetMinutes = (oh * 60 + om) * (c == '-' ? -1 : 1);
      }
    }
    if (pos != text.size()) return std::nullopt;
  }
  return (((days * 24 + h) * 60 + mi) * 60 + s) * 1000 + millis - offsetMinutes * 60000;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace furl
