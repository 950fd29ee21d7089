#include "query/functions/function_util.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "fmt/format.h"
#include "query/functions/cast.h"

namespace furl::query {

void checkArgumentCount(std::string_view function, const FunctionArgs& args, size_t min, size_t max) {
  if (args.size() >= min && args.size() <= max) return;
  std::string expected;
  if (min == max) {
    expected = fmt::format("{}", min);
  } else if (max == std::numeric_limits<size_t>::max()) {
    expected = fmt::format("at least {}", min);
  } else {
    expected = fmt::format("{} to {}", min, max);
  }
  throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                   fmt::format("function {} expects {} arguments, got {}", function, expected,
                               args.size()));
}

void throwArgumentType(std::string_view function, const FunctionArgs& args, size_t index,
                       std::string_view expected) {
  throw QueryError(ErrorCode::kIllegalTypeOfArgument,
                   fmt::format("illegal type {} of argument {} of function {}: expected {}",
                               args[index].type.toString(), index + 1, function, expected));
}

const Value& requireConstant(std::string_view function, const FunctionArgs& args, size_t index,
                             std::string_view what) {
  if (args[index].constant == nullptr) {
    throw QueryError(ErrorCode::kIllegalColumn,
                     fmt::format("argument {} of function {} ({}) must be a constant", index + 1,
                                 function, what));
  }
  return *args[index].constant;
}

const std::string& requireConstantString(std::string_view function, const FunctionArgs& args,
                                         size_t index, std::string_view what) {
  const Value& value = requireConstant(function, args, index, what);
  if (value.isNull() || args[index].type.id != TypeId::kString) {
    throwArgumentType(function, args, index, fmt::format("a String constant ({})", what));
  }
  return value.asString();
}

int64_t requireConstantInteger(std::string_view function, const FunctionArgs& args, size_t index,
                               std::string_view what) {
  const Value& value = requireConstant(function, args, index, what);
  TypeId id = args[index].type.id;
  if (value.isNull() || !(isInteger(id) || id == TypeId::kBool)) {
    throwArgumentType(function, args, index, fmt::format("an integer constant ({})", what));
  }
  if (std::holds_alternative<uint64_t>(value.storage())) {
    uint64_t u = value.asUInt64();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw QueryError(ErrorCode::kArgumentOutOfBound,
                       fmt::format("argument {} of function {} ({}) is out of range: {}", index + 1,
                                   function, what, u));
    }
    return static_cast<int64_t>(u);
  }
  return value.asInt64();
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(a[i])) != absl::ascii_tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string toLowerAscii(std::string_view s) {
  std::string result(s);
  for (char& c : result) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return result;
}

bool hasNullLiteral(const FunctionArgs& args) {
  return std::any_of(args.begin(), args.end(), [](const FunctionArgument& a) { return a.type.id == TypeId::kNull; });
}

bool anyNullable(const FunctionArgs& args) {
  return std::any_of(args.begin(), args.end(),
                     [](const FunctionArgument& a) { return a.type.nullable || a.type.id == TypeId::kNull; });
}

bool isNumberLike(TypeId id) { return id != TypeId::kNull && isNumeric(id); }

namespace {

int integerWidth(TypeId id) {
  switch (id) {
    case TypeId::kBool:
    case TypeId::kInt8:
    case TypeId::kUInt8:
      return 8;
    case TypeId::kInt16:
    case TypeId::kUInt16:
      return 16;
    case TypeId::kInt32:
    case TypeId::kUInt32:
      return 32;
    default:
      return 64;
  }
}

TypeId integerOf(bool isSigned, int width) {
  switch (width) {
    case 8:
      return isSigned ? TypeId::kInt8 : TypeId::kUInt8;
    case 16:
      return isSigned ? TypeId::kInt16 : TypeId::kUInt16;
    case 32:
      return isSigned ? TypeId::kInt32 : TypeId::kUInt32;
    default:
      return isSigned ? TypeId::kInt64 : TypeId::kUInt64;
  }
}

int temporalRank(TypeId id) {
  switch (id) {
    case TypeId::kDate:
      return 0;
    case TypeId::kDateTime:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

std::optional<TypeId> commonSupertype(TypeId a, TypeId b) {
  if (a == b) return a;
  if (a == TypeId::kNull) return b;
  if (b == TypeId::kNull) return a;
  if (isNumberLike(a) && isNumberLike(b)) {
    if (isFloat(a) || isFloat(b)) {
      if (a == TypeId::kFloat32 && b == TypeId::kFloat32) return TypeId::kFloat32;
      return TypeId::kFloat64;
    }
    bool signedA = isSignedInteger(a);
    bool signedB = isSignedInteger(b);
    int widthA = integerWidth(a);
    int widthB = integerWidth(b);
    if (signedA == signedB) return integerOf(signedA, std::max(widthA, widthB));
    int signedWidth = signedA ? widthA : widthB;
    int unsignedWidth = signedA ? widthB : widthA;
    return integerOf(true, std::min(64, std::max(signedWidth, unsignedWidth * 2)));
  }
  if (isTemporal(a) && isTemporal(b)) {
    return temporalRank(a) > temporalRank(b) ? a : b;
  }
  return std::nullopt;
}

ColumnPtr ScalarFunction::execute(const std::vector<ColumnPtr>& args, size_t numRows,
                                  const SelectionVector* sel) const {
  bool allConstant = deterministic_ && std::all_of(args.begin(), args.end(), [](const ColumnPtr& c) {
                       return c->isConstant();
                     });
  if (!allConstant) return compute(args, numRows, sel);

  // Evaluate once on 1-row constants so that no kernel touches numRows rows.
  std::vector<ColumnPtr> oneRow;
  oneRow.reserve(args.size());
  for (const ColumnPtr& arg : args) {
    oneRow.push_back(arg->size() == 1 ? arg : Column::makeConstant(arg->type(), arg->getValue(0), 1));
  }
  ColumnPtr result = compute(oneRow, 1, nullptr);
  if (result->isConstant()) {
    return result->size() == numRows ? result
                                     : Column::makeConstant(result->type(), result->getValue(0), numRows);
  }
  return toConstant(*result, numRows);
}

namespace {

class ConstantResult final : public BoundScalarFunction {
 public:
  ConstantResult(DataType type, Value value) : type_(type), value_(std::move(value)) {}
  DataType resultType() const override { return type_; }
  ColumnPtr execute(const std::vector<ColumnPtr>&, size_t numRows, const SelectionVector*) const override {
    return Column::makeConstant(type_, value_, numRows);
  }

 private:
  DataType type_;
  Value value_;
};

}  // namespace

std::unique_ptr<BoundScalarFunction> makeNullResult(std::string) {
  return std::make_unique<ConstantResult>(DataType(TypeId::kNull, true), Value::null());
}

std::unique_ptr<BoundScalarFunction> makeConstantResult(std::string, DataType type, Value value) {
  return std::make_unique<ConstantResult>(type, std::move(value));
}

ColumnPtr toConstant(const Column& oneRow, size_t numRows) {
  Value value = oneRow.getValue(0);
  DataType type = oneRow.type();
  if (value.isNull()) type.nullable = true;
  return Column::makeConstant(type, value, numRows);
}

void mergeValidity(Column& out, const Column& input, size_t numRows) {
  if (!input.mayHaveNulls()) return;
  if (input.isConstant()) {
    if (input.isNull(0)) setAllNull(out, numRows);
    return;
  }
  std::vector<uint64_t>& dst = out.mutableValidity();
  const std::vector<uint64_t>& src = input.validity();
  size_t words = std::min({dst.size(), src.size(), (numRows + 63) / 64});
  for (size_t w = 0; w < words; ++w) dst[w] &= src[w];
}

void setAllNull(Column& out, size_t numRows) {
  std::vector<uint64_t>& dst = out.mutableValidity();
  size_t words = std::min(dst.size(), (numRows + 63) / 64);
  std::fill(dst.begin(), dst.begin() + static_cast<ptrdiff_t>(words), 0);
}

StringReader::StringReader(const Column& column) {
  if (column.isDictionary()) {
    values = column.dictionary().values.data();
    codes = column.codes();
  } else {
    values = column.data<std::string_view>();
    constant = column.isConstant();
  }
}

void keepStringsAlive(Column& out, const ColumnPtr& in) {
  if (in->isDictionary()) {
    out.keepAlive(in->dictionaryPtr());
  } else {
    out.keepAlive(in);
  }
}

Int64Reader::Int64Reader(const ColumnPtr& column, size_t numRows, const SelectionVector* sel) {
  holder_ = column->type().id == TypeId::kInt64
                ? column
                : castColumn(column, DataType(TypeId::kInt64, column->type().nullable), numRows, sel,
                             "cast");
  values_ = holder_->data<int64_t>();
  constant_ = holder_->isConstant();
}

}  // namespace furl::query
