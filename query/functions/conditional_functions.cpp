// Logical operators and the functions that treat NULL specially: and, or,
// not, xor, isNull, isNotNull, if, multiIf, coalesce, ifNull, nullIf,
// assumeNotNull.
//
// and/or follow SQL three-valued logic: `false AND NULL` is false and
// `true OR NULL` is true; otherwise a NULL operand makes the result NULL.
// A NULL condition in if/multiIf counts as false. Any number is accepted
// where a condition is expected (non-zero is true), as in ClickHouse.

#include <algorithm>
#include <mutex>

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

bool isConditionType(TypeId id) { return id == TypeId::kNull || isNumberLike(id); }

void checkConditions(std::string_view name, const FunctionArgs& args, size_t first, size_t step, size_t end) {
  for (size_t i = first; i < end; i += step) {
    if (!isConditionType(args[i].type.id)) throwArgumentType(name, args, i, "Bool or a number");
  }
}

/// Writes x != 0 for every live row; NULL rows get an unspecified value.
void truthOf(const Column& column, uint8_t* t, size_t numRows, const SelectionVector* sel) {
  if (column.type().id == TypeId::kNull) {
    forEachRow(numRows, sel, [&](size_t i) { t[i] = 0; });
    return;
  }
  dispatchPhysical(column.type().id, [&]<typename T>() {
    if constexpr (std::is_arithmetic_v<T>) {
      unaryLoop<T>(column, t, numRows, sel, [](T v) -> uint8_t { return v != 0; });
    }
  });
}

/// Like truthOf, with NULL counted as false.
void conditionOf(const Column& column, uint8_t* t, size_t numRows, const SelectionVector* sel) {
  truthOf(column, t, numRows, sel);
  if (column.type().id == TypeId::kNull) return;
  if (column.mayHaveNulls()) {
    forEachRow(numRows, sel, [&](size_t i) {
      if (column.isNull(i)) t[i] = 0;
    });
  }
}

// --- and, or, xor, not -----------------------------------------------------------------

enum class LogicOp : uint8_t { kAnd, kOr, kXor };

class LogicalFunction final : public ScalarFunction {
 public:
  LogicalFunction(std::string name, DataType resultType, LogicOp op)
      : ScalarFunction(std::move(name), resultType), op_(op) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    uint8_t* o = out->data<uint8_t>();
    std::vector<uint8_t> t(numRows);
    std::vector<uint8_t> unknown;

    uint8_t init = op_ == LogicOp::kAnd ? 1 : 0;
    forEachRow(numRows, sel, [&](size_t i) { o[i] = init; });
    for (const ColumnPtr& arg : args) {
      const Column& c = *arg;
      truthOf(c, t.data(), numRows, sel);
      bool allNull = c.type().id == TypeId::kNull;
      if (allNull || c.mayHaveNulls()) {
        if (unknown.empty()) unknown.assign(numRows, 0);
        forEachRow(numRows, sel, [&](size_t i) {
          if (allNull || c.isNull(i)) {
            unknown[i] = 1;
            t[i] = init;  // neutral for and/or; xor results become NULL anyway
          }
        });
      }
      switch (op_) {
        case LogicOp::kAnd:
          forEachRow(numRows, sel, [&](size_t i) { o[i] &= t[i]; });
          break;
        case LogicOp::kOr:
          forEachRow(numRows, sel, [&](size_t i) { o[i] |= t[i]; });
          break;
        case LogicOp::kXor:
          forEachRow(numRows, sel, [&](size_t i) { o[i] ^= t[i]; });
          break;
      }
    }
    if (!unknown.empty()) {
      // and: NULL unless some operand was false; or: unless one was true.
      forEachRow(numRows, sel, [&](size_t i) {
        if (!unknown[i]) return;
        bool decided = op_ == LogicOp::kAnd ? o[i] == 0 : (op_ == LogicOp::kOr && o[i] == 1);
        if (!decided) out->setNull(i);
      });
    }
    return out;
  }

 private:
  LogicOp op_;
};

ScalarFunctionFactory logicalFactory(std::string name, LogicOp op) {
  return [name, op](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, std::numeric_limits<size_t>::max());
    checkConditions(name, args, 0, 1, args.size());
    return std::make_unique<LogicalFunction>(name, DataType(TypeId::kBool, anyNullable(args)), op);
  };
}

class NotFunction final : public ScalarFunction {
 public:
  explicit NotFunction(DataType type) : ScalarFunction("not", type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    mergeValidity(*out, *args[0], numRows);
    uint8_t* o = out->data<uint8_t>();
    truthOf(*args[0], o, numRows, sel);
    forEachRow(numRows, sel, [&](size_t i) { o[i] ^= 1; });
    return out;
  }
};

// --- isNull, isNotNull ----------------------------------------------------------------------

class NullTest final : public ScalarFunction {
 public:
  NullTest(std::string name, bool wantNull) : ScalarFunction(std::move(name), DataType(TypeId::kBool)), wantNull_(wantNull) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    const Column& c = *args[0];
    ColumnPtr out = Column::makeFlat(resultType(), numRows);
    uint8_t* o = out->data<uint8_t>();
    bool wantNull = wantNull_;
    if (c.type().id == TypeId::kNull) {
      forEachRow(numRows, sel, [&](size_t i) { o[i] = wantNull; });
    } else if (!c.mayHaveNulls()) {
      forEachRow(numRows, sel, [&](size_t i) { o[i] = !wantNull; });
    } else {
      forEachRow(numRows, sel, [&](size_t i) { o[i] = c.isNull(i) == wantNull; });
    }
    return out;
  }

 private:
  bool wantNull_;
};

// --- choosing among branches -------------------------------------------------------------------

/// Builds a flat column whose live row i is row i of branches[pick[i]].
/// Every branch must already have the result's type id (or be kNull).
ColumnPtr chooseRows(DataType type, const std::vector<ColumnPtr>& branches, const uint8_t* pick, size_t numRows,
                     const SelectionVector* sel) {
  ColumnPtr out = Column::makeFlat(type, numRows);
  size_t count = branches.size();
  dispatchPhysical(type.id, [&]<typename T>() {
    T* o = out->data<T>();
    if constexpr (std::is_same_v<T, std::string_view>) {
      std::vector<StringReader> readers;
      for (const ColumnPtr& b : branches) {
        if (b->type().id == TypeId::kNull) {
          static const std::string_view kEmpty;
          StringReader empty;
          empty.values = &kEmpty;
          empty.constant = true;
          readers.push_back(empty);
        } else {
          readers.emplace_back(*b);
          keepStringsAlive(*out, b);
        }
      }
      if (count == 1) {
        forEachRow(numRows, sel, [&](size_t i) { o[i] = readers[0](i); });
      } else {
        forEachRow(numRows, sel, [&](size_t i) { o[i] = readers[pick[i]](i); });
      }
    } else {
      // Constant branches read index 0: stride 0.
      std::vector<const T*> values(count);
      std::vector<size_t> strides(count);
      static const T kZero{};
      for (size_t k = 0; k < count; ++k) {
        bool isNullType = branches[k]->type().id == TypeId::kNull;
        values[k] = isNullType ? &kZero : branches[k]->template data<T>();
        strides[k] = (isNullType || branches[k]->isConstant()) ? 0 : 1;
      }
      if (count == 2) {
        const T* x = values[0];
        const T* y = values[1];
        size_t sx = strides[0];
        size_t sy = strides[1];
        forEachRow(numRows, sel, [&](size_t i) { o[i] = pick[i] == 0 ? x[i * sx] : y[i * sy]; });
      } else {
        forEachRow(numRows, sel, [&](size_t i) {
          size_t k = pick[i];
          o[i] = values[k][i * strides[k]];
        });
      }
    }
  });

  bool anyNulls = false;
  for (const ColumnPtr& b : branches) anyNulls |= b->type().id == TypeId::kNull || b->mayHaveNulls();
  if (anyNulls) {
    forEachRow(numRows, sel, [&](size_t i) {
      const Column& chosen = *branches[pick[i]];
      if (chosen.type().id == TypeId::kNull || chosen.isNull(i)) out->setNull(i);
    });
  }
  return out;
}

/// Casts the branch arguments to the result type.
std::vector<ColumnPtr> castBranches(const std::vector<ColumnPtr>& args, const std::vector<size_t>& indices,
                                    DataType type, size_t numRows, const SelectionVector* sel,
                                    std::string_view function) {
  std::vector<ColumnPtr> branches;
  branches.reserve(indices.size());
  for (size_t index : indices) {
    const ColumnPtr& arg = args[index];
    branches.push_back(arg->type().id == TypeId::kNull ? arg : castColumn(arg, type, numRows, sel, function));
  }
  return branches;
}

/// Returns the common type of the arguments at `indices`, nullable when any is.
DataType branchType(std::string_view name, const FunctionArgs& args, const std::vector<size_t>& indices) {
  TypeId common = TypeId::kNull;
  bool nullable = false;
  for (size_t index : indices) {
    std::optional<TypeId> next = commonSupertype(common, args[index].type.id);
    if (!next) {
      throw QueryError(ErrorCode::kTypeMismatch,
                       fmt::format("function {} has no common type for {} and {} (argument {}); cast the "
                                   "arguments to one type",
                                   name, typeName(common), args[index].type.toString(), index + 1));
    }
    common = *next;
    nullable |= args[index].type.nullable || args[index].type.id == TypeId::kNull;
  }
  return DataType(common, nullable || common == TypeId::kNull);
}

/// multiIf(c1, v1, ..., cN, vN, else); if(c, a, b) is the case N = 1.
class MultiIf final : public ScalarFunction {
 public:
  MultiIf(std::string name, DataType type) : ScalarFunction(std::move(name), type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    size_t conditions = args.size() / 2;
    std::vector<size_t> valueIndices;
    for (size_t k = 0; k < conditions; ++k) valueIndices.push_back(2 * k + 1);
    valueIndices.push_back(args.size() - 1);
    if (resultType().id == TypeId::kNull) return Column::makeConstant(resultType(), Value::null(), numRows);

    std::vector<uint8_t> pick(numRows);
    std::vector<uint8_t> t(numRows);
    uint8_t last = static_cast<uint8_t>(conditions);
    forEachRow(numRows, sel, [&](size_t i) { pick[i] = last; });
    for (size_t k = conditions; k-- > 0;) {
      conditionOf(*args[2 * k], t.data(), numRows, sel);
      uint8_t branch = static_cast<uint8_t>(k);
      forEachRow(numRows, sel, [&](size_t i) { pick[i] = t[i] ? branch : pick[i]; });
    }
    if (ColumnPtr out = chooseDictionaryCodes(args, valueIndices, pick.data(), numRows, sel)) return out;
    std::vector<ColumnPtr> branches = castBranches(args, valueIndices, resultType(), numRows, sel, name());
    return chooseRows(resultType(), branches, pick.data(), numRows, sel);
  }

 private:
  // The dictionary of a call whose value branches are one dictionary column
  // and string constants: the column's entries, then the constants that are
  // not among them.
  struct ExtendedDictionary {
    std::shared_ptr<const StringDictionary> source;
    std::shared_ptr<const StringDictionary> dictionary;
    std::vector<uint32_t> branchCodes;  // per value branch; the code of a constant branch
  };

  // When one value branch is a dictionary column without NULLs and the others
  // are String constants, returns a dictionary column: grouping by
  // `CASE WHEN ... THEN Referer ELSE '' END` then interns each entry once per
  // segment instead of every row's string. Returns null otherwise.
  ColumnPtr chooseDictionaryCodes(const std::vector<ColumnPtr>& args, const std::vector<size_t>& valueIndices,
                                  const uint8_t* pick, size_t numRows, const SelectionVector* sel) const {
    if (resultType().id != TypeId::kString) return nullptr;
    size_t dictionaryBranch = valueIndices.size();
    for (size_t b = 0; b < valueIndices.size(); ++b) {
      const Column& arg = *args[valueIndices[b]];
      if (arg.type().id != TypeId::kString) return nullptr;
      if (arg.isDictionary() && !arg.mayHaveNulls() && dictionaryBranch == valueIndices.size()) {
        dictionaryBranch = b;
      } else if (!arg.isConstant() || arg.isNull(0)) {
        return nullptr;
      }
    }
    if (dictionaryBranch == valueIndices.size()) return nullptr;
    const Column& input = *args[valueIndices[dictionaryBranch]];
    std::shared_ptr<const ExtendedDictionary> extended = extend(input.dictionaryPtr(), args, valueIndices, dictionaryBranch);

    auto out = Column::makeDictionary(resultType(), extended->dictionary, numRows);
    uint32_t* codes = out->codes();
    const uint32_t* inputCodes = input.codes();
    const uint32_t* branchCodes = extended->branchCodes.data();
    const auto dictionaryPick = static_cast<uint8_t>(dictionaryBranch);
    forEachRow(numRows, sel, [&](size_t i) {
      codes[i] = pick[i] == dictionaryPick ? inputCodes[i] : branchCodes[pick[i]];
    });
    return out;
  }

  // The extended dictionary of `source` for this call's constants, built once
  // per query and dictionary.
  std::shared_ptr<const ExtendedDictionary> extend(const std::shared_ptr<const StringDictionary>& source,
                                                   const std::vector<ColumnPtr>& args,
                                                   const std::vector<size_t>& valueIndices,
                                                   size_t dictionaryBranch) const {
    {
      std::lock_guard lock(mutex_);
      for (const auto& known : extended_) {
        if (known->source == source) return known;
      }
    }
    auto built = std::make_shared<ExtendedDictionary>();
    built->source = source;
    auto dictionary = std::make_shared<StringDictionary>();
    dictionary->values = source->values;
    dictionary->keepAlive = source;
    built->branchCodes.assign(valueIndices.size(), 0);
    for (size_t b = 0; b < valueIndices.size(); ++b) {
      if (b == dictionaryBranch) continue;
      std::string_view constant = args[valueIndices[b]]->stringAt(0);
      const std::vector<std::string_view>& values = dictionary->values;
      size_t code = values.size();
      if (source->sorted) {
        auto it = std::lower_bound(values.begin(), values.begin() + static_cast<ptrdiff_t>(source->values.size()),
                                   constant);
        if (it != values.begin() + static_cast<ptrdiff_t>(source->values.size()) && *it == constant) {
          code = static_cast<size_t>(it - values.begin());
        }
        // A constant appended for an earlier branch lies past the sorted part.
        for (size_t k = source->values.size(); code == values.size() && k < values.size(); ++k) {
          if (values[k] == constant) code = k;
        }
      } else {
        code = static_cast<size_t>(std::find(values.begin(), values.end(), constant) - values.begin());
      }
      built->branchCodes[b] = code < values.size() ? static_cast<uint32_t>(code) : dictionary->add(constant);
    }
    dictionary->sorted = source->sorted && dictionary->values.size() == source->values.size();
    built->dictionary = std::move(dictionary);

    std::lock_guard lock(mutex_);
    // NOTE: a query over more than kExtendedDictionaries dictionaries rebuilds
    // the oldest ones when it meets them again.
    if (extended_.size() >= kExtendedDictionaries) extended_.erase(extended_.begin());
    extended_.push_back(built);
    return built;
  }

  static constexpr size_t kExtendedDictionaries = 64;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<const ExtendedDictionary>> extended_;
};

std::unique_ptr<BoundScalarFunction> bindMultiIf(std::string name, const FunctionArgs& args) {
  if (args.size() < 3 || args.size() % 2 == 0 || args.size() > 255) {
    throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch,
                     fmt::format("function {} expects an odd number of arguments, at least 3 "
                                 "(condition, then-value, ..., else-value), got {}",
                                 name, args.size()));
  }
  checkConditions(name, args, 0, 2, args.size() - 1);
  std::vector<size_t> valueIndices;
  for (size_t k = 1; k < args.size(); k += 2) valueIndices.push_back(k);
  valueIndices.push_back(args.size() - 1);
  return std::make_unique<MultiIf>(name, branchType(name, args, valueIndices));
}

/// coalesce(a, b, ...): the first non-NULL argument.
class Coalesce final : public ScalarFunction {
 public:
  Coalesce(std::string name, DataType type) : ScalarFunction(std::move(name), type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    if (resultType().id == TypeId::kNull) return Column::makeConstant(resultType(), Value::null(), numRows);
    std::vector<size_t> indices(args.size());
    for (size_t k = 0; k < args.size(); ++k) indices[k] = k;
    std::vector<ColumnPtr> branches = castBranches(args, indices, resultType(), numRows, sel, name());

    std::vector<uint8_t> pick(numRows);
    uint8_t last = static_cast<uint8_t>(args.size() - 1);
    forEachRow(numRows, sel, [&](size_t i) { pick[i] = last; });
    for (size_t k = args.size() - 1; k-- > 0;) {
      const Column& c = *branches[k];
      if (c.type().id == TypeId::kNull) continue;
      uint8_t branch = static_cast<uint8_t>(k);
      if (!c.mayHaveNulls()) {
        forEachRow(numRows, sel, [&](size_t i) { pick[i] = branch; });
      } else {
        forEachRow(numRows, sel, [&](size_t i) {
          if (!c.isNull(i)) pick[i] = branch;
        });
      }
    }
    ColumnPtr out = chooseRows(resultType(), branches, pick.data(), numRows, sel);
    if (!resultType().nullable) out->compactValidity();
    return out;
  }
};

std::unique_ptr<BoundScalarFunction> bindCoalesce(std::string name, const FunctionArgs& args, size_t min, size_t max) {
  checkArgumentCount(name, args, min, max);
  if (args.size() > 255) throw QueryError(ErrorCode::kNumberOfArgumentsDoesntMatch, "coalesce accepts at most 255 arguments");
  std::vector<size_t> indices(args.size());
  for (size_t k = 0; k < args.size(); ++k) indices[k] = k;
  DataType type = branchType(name, args, indices);
  // Non-NULL as soon as one argument cannot be NULL.
  bool nullable = std::all_of(args.begin(), args.end(), [](const FunctionArgument& a) {
    return a.type.nullable || a.type.id == TypeId::kNull;
  });
  return std::make_unique<Coalesce>(name, type.withNullable(nullable || type.id == TypeId::kNull));
}

/// nullIf(a, b): NULL where a = b, else a.
class NullIf final : public ScalarFunction {
 public:
  NullIf(DataType type, std::unique_ptr<BoundScalarFunction> equals)
      : ScalarFunction("nullIf", type), equals_(std::move(equals)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr equal = equals_->execute(args, numRows, sel);
    std::vector<uint8_t> pick(numRows, 0);
    ColumnPtr out = chooseRows(resultType(), {args[0]}, pick.data(), numRows, sel);
    const uint8_t* eq = equal->data<uint8_t>();
    bool constant = equal->isConstant();
    forEachRow(numRows, sel, [&](size_t i) {
      size_t j = constant ? 0 : i;
      if (eq[j] && !equal->isNull(j)) out->setNull(i);
    });
    return out;
  }

 private:
  std::unique_ptr<BoundScalarFunction> equals_;
};

/// assumeNotNull(x): x with the NULL marks dropped (their values are unspecified).
class AssumeNotNull final : public ScalarFunction {
 public:
  explicit AssumeNotNull(DataType type) : ScalarFunction("assumeNotNull", type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    if (!args[0]->mayHaveNulls()) return args[0];
    std::vector<uint8_t> pick(numRows, 0);
    ColumnPtr out = chooseRows(resultType(), {args[0]}, pick.data(), numRows, sel);
    out->mutableValidity().clear();
    return out;
  }
};

}  // namespace

void registerConditionalFunctions(FunctionRegistry& registry) {
  registry.add("and", logicalFactory("and", LogicOp::kAnd));
  registry.add("or", logicalFactory("or", LogicOp::kOr));
  registry.add("xor", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("xor", args, 2, std::numeric_limits<size_t>::max());
    checkConditions("xor", args, 0, 1, args.size());
    if (hasNullLiteral(args)) return makeNullResult("xor");
    return std::make_unique<LogicalFunction>("xor", DataType(TypeId::kBool, anyNullable(args)), LogicOp::kXor);
  });
  registry.add("not", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("not", args, 1, 1);
    checkConditions("not", args, 0, 1, 1);
    if (hasNullLiteral(args)) return makeNullResult("not");
    return std::make_unique<NotFunction>(DataType(TypeId::kBool, args[0].type.nullable));
  });

  registry.add("isNull", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("isNull", args, 1, 1);
    return std::make_unique<NullTest>("isNull", true);
  });
  registry.add("isNotNull", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("isNotNull", args, 1, 1);
    return std::make_unique<NullTest>("isNotNull", false);
  });

  registry.add("if", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("if", args, 3, 3);
    return bindMultiIf("if", args);
  });
  registry.add("multiIf", [](const FunctionArgs& args) { return bindMultiIf("multiIf", args); });

  registry.add("coalesce", [](const FunctionArgs& args) {
    return bindCoalesce("coalesce", args, 1, std::numeric_limits<size_t>::max());
  });
  registry.add("ifNull", [](const FunctionArgs& args) { return bindCoalesce("ifNull", args, 2, 2); });
  registry.addAlias("nvl", "ifNull");

  registry.add("nullIf", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("nullIf", args, 2, 2);
    if (args[0].type.id == TypeId::kNull) return makeNullResult("nullIf");
    if (args[1].type.id == TypeId::kNull) {
      // a = NULL is never true: the result is a itself.
      return bindCoalesce("nullIf", {args[0]}, 1, 1);
    }
    const ScalarFunctionFactory* equals = FunctionRegistry::instance().find("equals");
    std::unique_ptr<BoundScalarFunction> bound;
    try {
      bound = (*equals)(args);
    } catch (const QueryError& error) {
      throw QueryError(error.code(), fmt::format("in nullIf: {}", error.what()));
    }
    return std::make_unique<NullIf>(args[0].type.withNullable(true), std::move(bound));
  });

  registry.add("assumeNotNull", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("assumeNotNull", args, 1, 1);
    if (args[0].type.id == TypeId::kNull) return makeNullResult("assumeNotNull");
    return std::make_unique<AssumeNotNull>(args[0].type.withNullable(false));
  });
}

}  // namespace furl::query
