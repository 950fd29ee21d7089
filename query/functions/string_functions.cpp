// String functions. Positions and lengths count bytes, as ClickHouse's
// functions without the UTF8 suffix do; the *UTF8 variants (lengthUTF8,
// substringUTF8, leftUTF8, leftPadUTF8, ...) count code points.
// Functions that cut a string (substring, left, right, trim*) return views
// into the input and keep it alive instead of copying.

#include <algorithm>
#include <cstring>

#include "fmt/format.h"
#include "query/functions/builtin_functions.h"
#include "query/functions/cast.h"
#include "query/functions/function_util.h"
#include "query/functions/utf8.h"

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

// --- substring -----------------------------------------------------------------------------------

/// Computes the [start, end) range that ClickHouse's substring takes from a string of
/// `size` units (bytes or code points): offset is 1-based, negative counts
/// from the end, 0 gives ''; a negative length drops that many units at the
/// end.
std::pair<size_t, size_t> substringRange(size_t size, int64_t offset, bool hasLength, int64_t length) {
  if (offset == 0) return {0, 0};
  __int128 total = static_cast<__int128>(size);
  __int128 start = offset > 0 ? static_cast<__int128>(offset) - 1 : total + offset;
  __int128 end = total;
  if (hasLength) end = length >= 0 ? start + length : total + length;
  start = std::clamp<__int128>(start, 0, total);
  end = std::clamp<__int128>(end, start, total);
  return {static_cast<size_t>(start), static_cast<size_t>(end)};
}

std::string_view substringBytes(std::string_view s, int64_t offset, bool hasLength, int64_t length) {
  auto [start, end] = substringRange(s.size(), offset, hasLength, length);
  return s.substr(start, end - start);
}

std::string_view substringCodePoints(std::string_view s, int64_t offset, bool hasLength, int64_t length) {
  size_t startByte = 0;
  size_t endByte = 0;
  if (offset > 0 && (!hasLength || length >= 0)) {
    // Counting from the start needs no total, so long strings are walked once.
    startByte = skipCodePointsForward(s, 0, static_cast<size_t>(offset - 1));
    endByte = hasLength ? skipCodePointsForward(s, startByte, static_cast<size_t>(length)) : s.size();
  } else {
    auto [start, end] = substringRange(countCodePoints(s), offset, hasLength, length);
    startByte = skipCodePointsForward(s, 0, start);
    endByte = skipCodePointsForward(s, startByte, end - start);
  }
  return s.substr(startByte, endByte - startByte);
}

/// substring(s, offset[, length]) on bytes, or substringUTF8 on code points.
template <bool Utf8>
class Substring final : public ScalarFunction {
 public:
  Substring(std::string name, DataType type, std::optional<int64_t> offset, std::optional<int64_t> length,
            bool hasLength)
      : ScalarFunction(std::move(name), type), offset_(offset), length_(length), hasLength_(hasLength) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    constexpr auto cut = Utf8 ? substringCodePoints : substringBytes;
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    std::string_view* o = out->data<std::string_view>();
    bool hasLength = hasLength_;
    if (offset_ && (!hasLength || length_)) {
      int64_t offset = *offset_;
      int64_t length = length_.value_or(0);
      mapStrings<std::string_view>(*args[0], o, numRows, sel,
                                   [=](std::string_view s) { return cut(s, offset, hasLength, length); });
    } else {
      StringReader str(*args[0]);
      Int64Reader offsets(args[1], numRows, sel);
      if (hasLength) {
        Int64Reader lengths(args[2], numRows, sel);
        forEachRow(numRows, sel, [&](size_t i) { o[i] = cut(str(i), offsets(i), true, lengths(i)); });
      } else {
        forEachRow(numRows, sel, [&](size_t i) { o[i] = cut(str(i), offsets(i), false, 0); });
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

template <bool Utf8>
void addSubstring(FunctionRegistry& registry, std::string name) {
  registry.add(name, [name](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, 3);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    requireInteger(name, args, 1);
    if (args.size() == 3) requireInteger(name, args, 2);
    auto constantOf = [&](size_t index) -> std::optional<int64_t> {
      if (index >= args.size() || args[index].constant == nullptr || args[index].constant->isNull()) {
        return std::nullopt;
      }
      return requireConstantInteger(name, args, index, index == 1 ? "the offset" : "the length");
    };
    return std::make_unique<Substring<Utf8>>(name, DataType(TypeId::kString, anyNullable(args)), constantOf(1),
                                             constantOf(2), args.size() == 3);
  });
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

// --- UTF-8 case mapping -------------------------------------------------------------------------

/// upperUTF8 and lowerUTF8. The output may be longer or shorter than the
/// input, so each row goes through one buffer reused for the whole batch.
template <bool Upper>
class CaseMapUtf8 final : public ScalarFunction {
 public:
  CaseMapUtf8(std::string name, DataType type) : ScalarFunction(std::move(name), type) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), args, numRows);
    StringHeap& heap = out->heap();
    std::string buffer;
    mapStrings<std::string_view>(*args[0], out->data<std::string_view>(), numRows, sel, [&](std::string_view s) {
      if constexpr (Upper) {
        toUpperUtf8(s, buffer);
      } else {
        toLowerUtf8(s, buffer);
      }
      return heap.add(buffer);
    });
    return out;
  }
};

template <bool Upper>
void addCaseMapUtf8(FunctionRegistry& registry, std::string name) {
  registry.add(name, [name](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 1, 1);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    return std::make_unique<CaseMapUtf8<Upper>>(name, DataType(TypeId::kString, args[0].type.nullable));
  });
}

// --- repeat, left, right, leftPad, rightPad ------------------------------------------------------

/// A String function of a string and an integer count. Op::apply(s, n,
/// heap, result) returns false when the row is invalid (a result too long);
/// Op::raise(name, s, n) then throws for the first such row that is live
/// and not NULL, because NULL rows carry placeholder counts.
template <typename Op>
class StringCountFunction final : public ScalarFunction {
 public:
  StringCountFunction(std::string name, DataType type, Op op) : ScalarFunction(std::move(name), type), op_(std::move(op)) {}

 protected:
  ColumnPtr compute(const std::vector<ColumnPtr>& args, size_t numRows, const SelectionVector* sel) const override {
    ColumnPtr out = makeOutput(resultType(), {args[0], args[1]}, numRows);
    std::string_view* o = out->data<std::string_view>();
    StringHeap& heap = out->heap();
    StringReader strings(*args[0]);
    Int64Reader counts(args[1], numRows, sel);
    size_t firstBad = kNoRow;
    forEachRow(numRows, sel, [&](size_t i) {
      if (!op_.apply(strings(i), counts(i), heap, o[i]) && firstBad == kNoRow && !out->isNull(i)) firstBad = i;
    });
    if (firstBad != kNoRow) op_.raise(name(), strings(firstBad), counts(firstBad));
    keepStringsAlive(*out, args[0]);
    return out;
  }

 private:
  Op op_;
};

/// The magnitude of a negative count, without overflow at INT64_MIN.
size_t magnitudeOf(int64_t n) { return static_cast<size_t>(-(n + 1)) + 1; }

/// repeat(s, n): s written n times; a negative n gives ''. ClickHouse's
/// limits apply: at most 1000000 repetitions and 1 GiB of result per row.
struct RepeatOp {
  static constexpr int64_t kMaxRepetitions = 1'000'000;
  static constexpr size_t kMaxResultBytes = size_t{1} << 30;

  bool apply(std::string_view s, int64_t n, StringHeap& heap, std::string_view& result) const {
    if (n <= 0 || s.empty()) {
      result = {};
      return n <= kMaxRepetitions;
    }
    if (n > kMaxRepetitions || s.size() * static_cast<size_t>(n) > kMaxResultBytes) {
      result = {};
      return false;
    }
    size_t total = s.size() * static_cast<size_t>(n);
    char* p = heap.allocate(total);
    std::memcpy(p, s.data(), s.size());
    // Doubling copies: O(log n) memcpy calls.
    size_t filled = s.size();
    while (filled < total) {
      size_t chunk = std::min(filled, total - filled);
      std::memcpy(p + filled, p, chunk);
      filled += chunk;
    }
    result = std::string_view(p, total);
    return true;
  }

  [[noreturn]] void raise(std::string_view name, std::string_view s, int64_t n) const {
    if (n > kMaxRepetitions) {
      throw QueryError(ErrorCode::kArgumentOutOfBound,
                       fmt::format("too many repetitions ({}) in function {}; the maximum is {}", n, name,
                                   kMaxRepetitions));
    }
    throw QueryError(ErrorCode::kArgumentOutOfBound,
                     fmt::format("result of function {} would be {} bytes long; the maximum is {}", name,
                                 s.size() * static_cast<size_t>(n), kMaxResultBytes));
  }
};

/// left(s, n): the first n units of s; a negative n drops the last |n|.
/// right(s, n): the last n units; a negative n drops the first |n|. Units
/// are bytes, or code points for leftUTF8 and rightUTF8.
template <bool Right, bool Utf8>
struct SideOp {
  bool apply(std::string_view s, int64_t n, StringHeap&, std::string_view& result) const {
    size_t count = n >= 0 ? static_cast<size_t>(n) : magnitudeOf(n);
    bool fromStart = Right ? n < 0 : n >= 0;  // whether `count` is measured from the start
    size_t at = 0;
    if constexpr (Utf8) {
      at = fromStart ? skipCodePointsForward(s, 0, count) : skipCodePointsBackward(s, s.size(), count);
    } else {
      count = std::min(count, s.size());
      at = fromStart ? count : s.size() - count;
    }
    result = Right ? s.substr(at) : s.substr(0, at);
    return true;
  }

  [[noreturn]] void raise(std::string_view, std::string_view, int64_t) const {
    throw QueryError(ErrorCode::kLogicalError, "left and right have no invalid rows");
  }
};

/// leftPad(s, length[, pad]) and rightPad: s padded with repeats of `pad`
/// (default ' ') to `length` units, or cut to its first `length` units when
/// longer. Units are bytes, or code points for the UTF8 variants. As in
/// ClickHouse, a length above 1000000 or below 0 is an error and an empty
/// pad string means ' '.
template <bool Right, bool Utf8>
struct PadOp {
  static constexpr int64_t kMaxLength = 1'000'000;

  std::string pad;
  /// Byte offset of each code point of `pad` (bytes when not Utf8), plus
  /// pad.size() at the end: the first k units of the pad are padOffsets[k] bytes.
  std::vector<size_t> padOffsets;

  explicit PadOp(std::string padString) : pad(padString.empty() ? " " : std::move(padString)) {
    for (size_t i = 0; i < pad.size(); i = Utf8 ? skipCodePointsForward(pad, i, 1) : i + 1) padOffsets.push_back(i);
    padOffsets.push_back(pad.size());
  }

  bool apply(std::string_view s, int64_t n, StringHeap& heap, std::string_view& result) const {
    if (n < 0 || n > kMaxLength) {
      result = {};
      return false;
    }
    size_t length = static_cast<size_t>(n);
    size_t current = Utf8 ? countCodePoints(s) : s.size();
    if (length <= current) {
      result = s.substr(0, Utf8 ? skipCodePointsForward(s, 0, length) : length);
      return true;
    }

    size_t padUnits = padOffsets.size() - 1;
    size_t missing = length - current;
    size_t padBytes = missing / padUnits * pad.size() + padOffsets[missing % padUnits];
    char* p = heap.allocate(s.size() + padBytes);
    char* padAt = Right ? p + s.size() : p;
    if (!s.empty()) std::memcpy(Right ? p : p + padBytes, s.data(), s.size());
    for (size_t written = 0; written < padBytes;) {
      size_t chunk = std::min(pad.size(), padBytes - written);
      std::memcpy(padAt + written, pad.data(), chunk);
      written += chunk;
    }
    result = std::string_view(p, s.size() + padBytes);
    return true;
  }

  [[noreturn]] void raise(std::string_view name, std::string_view, int64_t n) const {
    std::string problem = n < 0 ? "is negative" : fmt::format("is above the maximum of {}", kMaxLength);
    throw QueryError(ErrorCode::kArgumentOutOfBound,
                     fmt::format("length {} in function {} {}", n, name, problem));
  }
};

/// Registers name(String, integer) computed by `op`.
template <typename Op>
void addStringCount(FunctionRegistry& registry, std::string name, Op op) {
  registry.add(name, [name, op](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, 2);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    requireInteger(name, args, 1);
    return std::make_unique<StringCountFunction<Op>>(name, DataType(TypeId::kString, anyNullable(args)), op);
  });
}

/// Registers leftPad-style name(String, length[, pad]); the pad must be a constant.
template <bool Right, bool Utf8>
void addPad(FunctionRegistry& registry, std::string name) {
  registry.add(name, [name](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount(name, args, 2, 3);
    if (hasNullLiteral(args)) return makeNullResult(name);
    requireString(name, args, 0);
    requireInteger(name, args, 1);
    std::string pad = args.size() == 3 ? requireConstantString(name, args, 2, "the pad string") : " ";
    bool nullable = args[0].type.nullable || args[1].type.nullable;
    return std::make_unique<StringCountFunction<PadOp<Right, Utf8>>>(name, DataType(TypeId::kString, nullable),
                                                                     PadOp<Right, Utf8>(std::move(pad)));
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

  addSubstring<false>(registry, "substring");
  addSubstring<true>(registry, "substringUTF8");
  registry.addAlias("substr", "substring");
  registry.addAlias("mid", "substring");

  registry.add("concat", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("concat", args, 1, std::numeric_limits<size_t>::max());
    if (hasNullLiteral(args)) return makeNullResult("concat");
    return std::make_unique<Concat>(DataType(TypeId::kString, anyNullable(args)));
  });

  // The server's version, as ClickHouse's version() returns it; clients such
  // as benchmark scripts print it next to their results.
  registry.add("version", [](const FunctionArgs& args) -> std::unique_ptr<BoundScalarFunction> {
    checkArgumentCount("version", args, 0, 0);
    return makeConstantResult("version", DataType(TypeId::kString), Value::string(FURL_VERSION));
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

  addCaseMapUtf8<false>(registry, "lowerUTF8");
  addCaseMapUtf8<true>(registry, "upperUTF8");

  addStringCount(registry, "repeat", RepeatOp{});
  addStringCount(registry, "left", SideOp<false, false>{});
  addStringCount(registry, "right", SideOp<true, false>{});
  addStringCount(registry, "leftUTF8", SideOp<false, true>{});
  addStringCount(registry, "rightUTF8", SideOp<true, true>{});
  addPad<false, false>(registry, "leftPad");
  addPad<true, false>(registry, "rightPad");
  addPad<false, true>(registry, "leftPadUTF8");
  addPad<true, true>(registry, "rightPadUTF8");
  registry.addAlias("lpad", "leftPad");
  registry.addAlias("rpad", "rightPad");

  addReplace(registry, "replaceAll", true);
  addReplace(registry, "replaceOne", false);
  registry.addAlias("replace", "replaceAll");
}

}  // namespace furl::query
