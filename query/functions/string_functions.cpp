// String functions. Positions and lengths count bytes, as ClickHouse's
// functions without the UTF8 suffix do; lengthUTF8 counts code points.
// Functions that cut a string (substring, trim*) return views into the
// input and keep it alive instead of copying.

#include <algorithm>
#include <cstring>

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"

namespace furl::query {

namespace {

void requireString(std::string_view name, const FunctionArgs& args, size_t index) {
  if (args[index].type.id != TypeId::kString) throwArgumentType(name, args, index, "String");
}

void requireInteger(std::string_view name, const FunctionArgs& args, size_t index) {
  TypeId id = args[index].type.id;
  if (!isInteger(id) && id != TypeId::kBool) throwArgumentType(name, args, index, "an integer");
}

/// Result column with the merged validity of every argument.
ColumnPtr makeOutput(DataType type, const std::vector<ColumnPtr>& args, size_t numRows) {
  ColumnPtr out = Column::makeFlat(type, numRows);
  for (const ColumnPtr& arg : args) mergeValidity(*out, *arg, numRows);
  return out;
}

// --- one string in, one value out -------------------------------------------------------------

/// A function of one string computed per row (or per dictionary entry).
/// Out is the physical result type; for String results the function writes
/// into the output heap or returns a view into the input.
template <typename Out, typename Fn>
class StringMap final : public ScalarFunction {
 public:
  StringMap(std::string name, DataType type, Fn fn, bool viewsIntoInput)
      : ScalarFunction(std::move(name), type), fn_(std::move(fn)), viewsIntoInput_(viewsIntoInput) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    Out* o = out->data<Out>();
    if constexpr (std::is_same_v<Out, std::string_view>) {
      StringHeap& heap = out->heap();
      mapStrings<Out>(*args[0], o, numRows, sel, [&](std::string_view s) { return fn_(s, heap); });
      if (viewsIntoInput_) keepStringsAlive(*out, args[0]);
    } else {
      mapStrings<Out>(*args[0], o, numRows, sel, fn_);
    }
    return out;
  }

 private:
  Fn fn_;
  bool viewsIntoInput_;
};

/// Registers `name(String) -> type` computed by fn.
template <typename Out, typename Fn>
void addStringMap(FunctionRegistry& registry, std::string name, TypeId type, Fn fn, bool viewsIntoInput = false) {
  registry.add(name, [name, type, fn, viewsIntoInput](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 1);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    return std::make_unique<StringMap<Out, Fn>>(name, DataType(type, args[0].type.nullable), fn, viewsIntoInput);
  });
}

template <bool Upper>
std::string_view changeCase(std::string_view s, StringHeap& heap) {
  char* p = heap.allocate(s.size());
  for (size_t j = 0; j < s.size(); ++j) {
    char c = s[j];
    if constexpr (Upper) {
      p[j] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    } else {
      p[j] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
  }
  return std::string_view(p, s.size());
}

uint64_t countCodePoints(std::string_view s) {
  uint64_t count = 0;
  for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// --- substring -----------------------------------------------------------------------------------

/// ClickHouse substring on bytes: offset is 1-based, negative counts from
/// the end, 0 gives ''; a negative length drops that many bytes at the end.
std::string_view substringBytes(std::string_view s, int64_t offset, bool hasLength, int64_t length) {
  __int128 size = static_cast<__int128>(s.size());
  if (offset == 0) return {};
  __int128 start = offset > 0 ? static_cast<__int128>(offset) - 1 : size + offset;
  __int128 end = size;
  if (hasLength) end = length >= 0 ? start + length : size + length;
  start = std::clamp<__int128>(start, 0, size);
  end = std::clamp<__int128>(end, start, size);
  return s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
}

class Substring final : public ScalarFunction {
 public:
  Substring(DataType type, std::optional<int64_t> offset, std::optional<int64_t> length, bool hasLength)
      : ScalarFunction("substring", type), offset_(offset), length_(length), hasLength_(hasLength) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    std::string_view* o = out->data<std::string_view>();
    bool hasLength = hasLength_;
    if (offset_ && (!hasLength || length_)) {
      int64_t offset = *offset_;
      int64_t length = length_.value_or(0);
      mapStrings<std::string_view>(*args[0], o, numRows, sel,
                                   [=](std::string_view s) { return substringBytes(s, offset, hasLength, length); });
    } else {
      StringReader str(*args[0]);
      Int64Reader offsets(args[1], numRows, sel);
      if (hasLength) {
        Int64Reader lengths(args[2], numRows, sel);
        forEachRow(numRows, sel, [&](size_t i) { o[i] = substringBytes(str(i), offsets(i), true, lengths(i)); });
      } else {
        forEachRow(numRows, sel, [&](size_t i) { o[i] = substringBytes(str(i), offsets(i), false, 0); });
      }
    }
    keepStringsAlive(*out, args[0]);
    return out;
  }

 private:
  std::optional<int64_t> offset_;
  std::optional<int64_t> length_;
  bool hasLength_;
};

std::unique_ptr<BoundScalarFunction> bindSubstring(const FunctionArgs& args) {
  const char* name = "substring";
  checkArgumentCount(name, args, 2, 3);
  if (hasNullLiteral(args)) return makeNullResult(name);
  requireString(name, args, 0);
  requireInteger(name, args, 1);
  if (args.size() == 3) requireInteger(name, args, 2);
  auto constantOf = [&](size_t index) -> std::optional<int64_t> {
    if (index >= args.size() || args[index].constant == nullptr || args[index].constant->isNull()) return std::nullopt;
    return requireConstantInteger(name, args, index, index == 1 ? "the offset" : "the length");
  };
  return std::make_unique<Substring>(DataType(TypeId::kString, anyNullable(args)), constantOf(1), constantOf(2),
                                     args.size() == 3);
}

// --- concat --------------------------------------------------------------------------------------

class Concat final : public ScalarFunction {
 public:
  explicit Concat(DataType type) : ScalarFunction("concat", type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    std::vector<ColumnPtr> strings;
    for (const ColumnPtr& arg : args) strings.push_back(castColumn(arg, DataType(TypeId::kString), numRows, sel, name()));
    ColumnPtr out = makeOutput(resultType(), strings, numRows);
    std::string_view* o = out->data<std::string_view>();
    std::vector<StringReader> readers;
    for (const ColumnPtr& s : strings) readers.emplace_back(*s);
    StringHeap& heap = out->heap();
    forEachRow(numRows, sel, [&](size_t i) {
      size_t total = 0;
      for (const StringReader& r : readers) total += r(i).size();
      char* p = heap.allocate(total);
      size_t at = 0;
      for (const StringReader& r : readers) {
        std::string_view part = r(i);
        if (!part.empty()) std::memcpy(p + at, part.data(), part.size());
        at += part.size();
      }
      o[i] = std::string_view(p, total);
    });
    return out;
  }
};

// --- search ----------------------------------------------------------------------------------------

enum class SearchOp : uint8_t { kPosition, kStartsWith, kEndsWith };

template <SearchOp Op>
inline auto search(std::string_view haystack, std::string_view needle) {
  if constexpr (Op == SearchOp::kPosition) {
    size_t at = haystack.find(needle);
    return static_cast<uint64_t>(at == std::string_view::npos ? 0 : at + 1);
  } else if constexpr (Op == SearchOp::kStartsWith) {
    return static_cast<uint8_t>(haystack.starts_with(needle));
  } else {
    return static_cast<uint8_t>(haystack.ends_with(needle));
  }
}

/// position(haystack, needle), startsWith, endsWith. `swapped` binds the
/// MySQL order locate(needle, haystack).
template <SearchOp Op>
class Search final : public ScalarFunction {
 public:
  Search(std::string name, DataType type, bool swapped) : ScalarFunction(std::move(name), type), swapped_(swapped) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    using Out = decltype(search<Op>({}, {}));
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    Out* o = out->data<Out>();
    const Column& haystack = *args[swapped_ ? 1 : 0];
    const Column& needle = *args[swapped_ ? 0 : 1];
    if (needle.isConstant()) {
      std::string_view n = needle.data<std::string_view>()[0];
      mapStrings<Out>(haystack, o, numRows, sel, [n](std::string_view h) { return search<Op>(h, n); });
    } else {
      StringReader h(haystack);
      StringReader n(needle);
      forEachRow(numRows, sel, [&](size_t i) { o[i] = search<Op>(h(i), n(i)); });
    }
    return out;
  }

 private:
  bool swapped_;
};

template <SearchOp Op>
void addSearch(FunctionRegistry& registry, std::string name, TypeId type, bool swapped) {
  registry.add(name, [name, type, swapped](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    requireString(name, args, 1);
    return std::make_unique<Search<Op>>(name, DataType(type, anyNullable(args)), swapped);
  });
}

// --- trim ------------------------------------------------------------------------------------------

class Trim final : public ScalarFunction {
 public:
  Trim(std::string name, DataType type, bool left, bool right, std::string characters)
      : ScalarFunction(std::move(name), type), left_(left), right_(right) {
    for (unsigned char c : characters) trimmed_[c] = true;
  }

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), {args[0]}, numRows);
    mapStrings<std::string_view>(*args[0], out->data<std::string_view>(), numRows, sel, [this](std::string_view s) {
      if (left_) {
        while (!s.empty() && trimmed_[static_cast<unsigned char>(s.front())]) s.remove_prefix(1);
      }
      if (right_) {
        while (!s.empty() && trimmed_[static_cast<unsigned char>(s.back())]) s.remove_suffix(1);
      }
      return s;
    });
    keepStringsAlive(*out, args[0]);
    return out;
  }

 private:
  bool left_;
  bool right_;
  bool trimmed_[256] = {};
};

/// trimBoth(s[, characters]): ClickHouse trims spaces only; the optional
/// second argument (from SQL `TRIM(BOTH 'xy' FROM s)`) names other bytes.
void addTrim(FunctionRegistry& registry, std::string name, bool left, bool right) {
  registry.add(name, [name, left, right](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 2);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    std::string characters = " ";
    if (args.size() == 2) characters = requireConstantString(name, args, 1, "the characters to trim");
    return std::make_unique<Trim>(name, DataType(TypeId::kString, args[0].type.nullable), left, right, characters);
  });
}

// --- replace -----------------------------------------------------------------------------------------

/// Appends `s` with `needle` replaced by `replacement` (all or the first).
void replaceInto(std::string& buffer, std::string_view s, std::string_view needle, std::string_view replacement,
                 bool all) {
  buffer.clear();
  if (needle.empty()) {
    buffer.append(s);
    return;
  }
  size_t from = 0;
  while (true) {
    size_t at = s.find(needle, from);
    if (at == std::string_view::npos) break;
    buffer.append(s.substr(from, at - from));
    buffer.append(replacement);
    from = at + needle.size();
    if (!all) break;
  }
  buffer.append(s.substr(from));
}

class Replace final : public ScalarFunction {
 public:
  Replace(std::string name, DataType type, bool all) : ScalarFunction(std::move(name), type), all_(all) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    std::string_view* o = out->data<std::string_view>();
    StringHeap& heap = out->heap();
    std::string buffer;
    bool all = all_;
    if (args[1]->isConstant() && args[2]->isConstant()) {
      std::string_view needle = args[1]->data<std::string_view>()[0];
      std::string_view replacement = args[2]->data<std::string_view>()[0];
      mapStrings<std::string_view>(*args[0], o, numRows, sel, [&](std::string_view s) -> std::string_view {
        if (needle.empty() || s.find(needle) == std::string_view::npos) return s;
        replaceInto(buffer, s, needle, replacement, all);
        return heap.add(buffer);
      });
      keepStringsAlive(*out, args[0]);  // unchanged rows are views into the input
      return out;
    }
    StringReader s(*args[0]);
    StringReader needle(*args[1]);
    StringReader replacement(*args[2]);
    forEachRow(numRows, sel, [&](size_t i) {
      replaceInto(buffer, s(i), needle(i), replacement(i), all);
      o[i] = heap.add(buffer);
    });
    return out;
  }

 private:
  bool all_;
};

void addReplace(FunctionRegistry& registry, std::string name, bool all) {
  registry.add(name, [name, all](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 3, 3);
    if (hasNullLiteral(args)) return makeNullResult(name);
    for (size_t i = 0; i < 3; ++i) requireString(name, args, i);
    return std::make_unique<Replace>(name, DataType(TypeId::kString, anyNullable(args)), all);
  });
}

}  // namespace

void registerStringFunctions(FunctionRegistry& registry) {
  addStringMap<std::string_view>(registry, "lower", TypeId::kString, changeCase<false>);
  addStringMap<std::string_view>(registry, "upper", TypeId::kString, changeCase<true>);
  registry.addAlias("lcase", "lower");
  registry.addAlias("ucase", "upper");
  addStringMap<uint64_t>(registry, "length", TypeId::kUInt64, [](std::string_view s) { return uint64_t{s.size()}; });
  addStringMap<uint64_t>(registry, "lengthUTF8", TypeId::kUInt64, countCodePoints);
  registry.addAlias("char_length", "lengthUTF8");
  registry.addAlias("character_length", "lengthUTF8");
  addStringMap<uint8_t>(registry, "empty", TypeId::kBool, [](std::string_view s) -> uint8_t { return s.empty(); });
  addStringMap<uint8_t>(registry, "notEmpty", TypeId::kBool, [](std::string_view s) -> uint8_t { return !s.empty(); });
  addStringMap<std::string_view>(registry, "reverse", TypeId::kString, [](std::string_view s, StringHeap& heap) {
    char* p = heap.allocate(s.size());
    std::reverse_copy(s.begin(), s.end(), p);
    return std::string_view(p, s.size());
  });

  registry.add("substring", bindSubstring);
  registry.addAlias("substr", "substring");
  registry.addAlias("mid", "substring");

  registry.add("concat", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("concat", args, 1, std::numeric_limits<size_t>::max());
    if (hasNullLiteral(args)) return makeNullResult("concat");
    return std::make_unique<Concat>(DataType(TypeId::kString, anyNullable(args)));
  });

  addSearch<SearchOp::kPosition>(registry, "position", TypeId::kUInt64, false);
  // MySQL argument order: locate(needle, haystack).
  addSearch<SearchOp::kPosition>(registry, "locate", TypeId::kUInt64, true);
  addSearch<SearchOp::kStartsWith>(registry, "startsWith", TypeId::kBool, false);
  addSearch<SearchOp::kEndsWith>(registry, "endsWith", TypeId::kBool, false);

  addTrim(registry, "trimBoth", true, true);
  addTrim(registry, "trimLeft", true, false);
  addTrim(registry, "trimRight", false, true);
  registry.addAlias("trim", "trimBoth");
  registry.addAlias("ltrim", "trimLeft");
  registry.addAlias("rtrim", "trimRight");

  addReplace(registry, "replaceAll", true);
  addReplace(registry, "replaceOne", false);
  registry.addAlias("replace", "replaceAll");
}

}  // namespace furl::query
