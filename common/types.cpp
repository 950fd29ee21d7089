#include "common/types.h"

namespace furl {

size_t physicalWidth(TypeId id) {
  switch (id) {
    case TypeId::kNull:
      return 0;
    case TypeId::kBool:
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 1;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      return 2;
    case TypeId::kInt32:
    case TypeId::kUInt32:
    case TypeId::kFloat32:
    case TypeId::kDate:
      return 4;
    case TypeId::kInt64:
    case TypeId::kUInt64:
    case TypeId::kFloat64:
    case TypeId::kDateTime:
    case TypeId::kDateTime64:
      return 8;
    case TypeId::kString:
    case TypeId::kHllSketch:
      return sizeof(std::string_view);
  }
  return 0;
}

bool isSignedInteger(TypeId id) {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}

bool isUnsignedInteger(TypeId id) {
  return id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 || id == TypeId::kUInt64;
}

bool isInteger(TypeId id) { return isSignedInteger(id) || isUnsignedInteger(id); }

bool isFloat(TypeId id) { return id == TypeId::kFloat32 || id == TypeId::kFloat64; }

bool isNumeric(TypeId id) { return isInteger(id) || isFloat(id) || id == TypeId::kBool; }

bool isTemporal(TypeId id) {
  return id == TypeId::kDate || id == TypeId::kDateTime || id == TypeId::kDateTime64;
}

std::string_view typeName(TypeId id) {
  switch (id) {
    case TypeId::kNull:
      return "Nothing";
    case TypeId::kBool:
      return "Bool";
    case TypeId::kInt8:
      return "Int8";
    case TypeId::kInt16:
      return "Int16";
    case TypeId::kInt32:
      return "Int32";
    case TypeId::kInt64:
      return "Int64";
    case TypeId::kUInt8:
      return "UInt8";
    case TypeId::kUInt16:
      return "UInt16";
    case TypeId::kUInt32:
      return "UInt32";
    case TypeId::kUInt64:
      return "UInt64";
    case TypeId::kFloat32:
      return "Float32";
    case TypeId::kFloat64:
      return "Float64";
    case TypeId::kDate:
      return "Date";
    case TypeId::kDateTime:
      return "DateTime";
    case TypeId::kDateTime64:
      return "DateTime64(3)";
    case TypeId::kString:
      return "String";
    case TypeId::kHllSketch:
      return "HLLSketch";
  }
  return "Unknown";
}

std::string DataType::toString() const {
  std::string name(typeName(id));
  if (nullable && id != TypeId::kNull) return "Nullable(" + name + ")";
  return name;
}

}  // namespace furl
