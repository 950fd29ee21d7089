#pragma once

#include <cstdlib>
#include <string_view>

namespace furl {

template <typename Fn>
decltype(auto) dispatchPhysical(TypeId id, Fn&& fn) {
  switch (id) {
    case TypeId::kBool:
    case TypeId::kUInt8:
      return fn.template operator()<uint8_t>();
    case TypeId::kInt8:
      return fn.template operator()<int8_t>();
    case TypeId::kInt16:
      return fn.template operator()<int16_t>();
    case TypeId::kInt32:
    case TypeId::kDate:
      return fn.template operator()<int32_t>();
    case TypeId::kInt64:
    case TypeId::kDateTime:
    case TypeId::kDateTime64:
      return fn.template operator()<int64_t>();
    case TypeId::kUInt16:
      return fn.template operator()<uint16_t>();
    case TypeId::kUInt32:
      return fn.template operator()<uint32_t>();
    case TypeId::kUInt64:
      return fn.template operator()<uint64_t>();
    case TypeId::kFloat32:
      return fn.template operator()<float>();
    case TypeId::kFloat64:
      return fn.template operator()<double>();
    case TypeId::kString:
    case TypeId::kHllSketch:
      return fn.template operator()<std::string_view>();
    case TypeId::kNull:
      break;
  }
  std::abort();  // kNull has no physical type; callers must handle it first.
}

}  // namespace furl
