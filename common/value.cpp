#include "common/value.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "common/time_util.h"
#include "fmt/format.h"

namespace furl {

double Value::toDouble() const {
  if (auto* i = std::get_if<int64_t>(&storage_)) return static_cast<double>(*i);
  if (auto* u = std::get_if<uint64_t>(&storage_)) return static_cast<double>(*u);
  if (auto* d = std::get_if<double>(&storage_)) return *d;
  return std::nan("");
}

std::string Value::toString() const {
  if (isNull()) return "NULL";
  if (auto* s = std::get_if<std::string>(&storage_)) {
    return type_ == TypeId::kHllSketch ? absl::Base64Escape(*s) : *s;
  }
  if (auto* d = std::get_if<double>(&storage_)) return fmt::format("{}", *d);
  if (auto* u = std::get_if<uint64_t>(&storage_)) return std::to_string(*u);
  int64_t i = std::get<int64_t>(storage_);
  switch (type_) {
    case TypeId::kBool:
      return i != 0 ? "true" : "false";
    case TypeId::kDate:
      return formatDate(static_cast<int32_t>(i));
    case TypeId::kDateTime:
      return formatTimestamp(i, false);
    case TypeId::kDateTime64:
      return formatTimestamp(i, true);
    default:
      return std::to_string(i);
  }
}

int Value::compare(const Value& other) const {
  bool aNull = isNull();
  bool bNull = other.isNull();
  if (aNull || bNull) return aNull == bNull ? 0 : (aNull ? -1 : 1);

  auto* as = std::get_if<std::string>(&storage_);
  auto* bs = std::get_if<std::string>(&other.storage_);
  if (as != nullptr || bs != nullptr) {
    if (as == nullptr) return -1;  // numbers sort before strings
    if (bs == nullptr) return 1;
    int c = as->compare(*bs);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }

  auto* ai = std::get_if<int64_t>(&storage_);
  auto* bi = std::get_if<int64_t>(&other.storage_);
  auto* au = std::get_if<uint64_t>(&storage_);
  auto* bu = std::get_if<uint64_t>(&other.storage_);
  if (ai != nullptr && bi != nullptr) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
  if (au != nullptr && bu != nullptr) return *au < *bu ? -1 : (*au > *bu ? 1 : 0);
  if (ai != nullptr && bu != nullptr) {
    if (*ai < 0) return -1;
    uint64_t a = static_cast<uint64_t>(*ai);
    return a < *bu ? -1 : (a > *bu ? 1 : 0);
  }
  if (au != nullptr && bi != nullptr) return -other.compare(*this);

  double a = toDouble();
  double b = other.toDouble();
  return a < b ? -1 : (a > b ? 1 : 0);
}

}  // namespace furl
