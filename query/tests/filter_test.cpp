// filterRows(): the direct paths (an integer column compared with a
// constant, a predicate on a dictionary string) must select the same rows as
// evaluating the predicate into a Bool column and keeping its true rows.

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/expression.h"
#include "query/function.h"

namespace furl::query {
namespace {

constexpr size_t kRows = 3000;

// A bound call of `name` on the given arguments.
BoundExprPtr callOf(const std::string& name, std::vector<BoundExprPtr> args) {
  std::vector<FunctionArgument> arguments;
  for (const BoundExprPtr& arg : args) arguments.push_back({arg->type, arg->isConstant() ? &arg->constant : nullptr});
  const ScalarFunctionFactory* factory = FunctionRegistry::instance().find(name);
  EXPECT_NE(factory, nullptr) << name;
  return BoundExpr::call(name, (*factory)(arguments), std::move(args));
}

// The live rows where `predicate`, evaluated into a column, is true.
SelectionVector expectedRows(const BoundExpr& predicate, const Batch& batch) {
  ColumnPtr result = Column::flatten(evaluate(predicate, batch));
  SelectionVector rows;
  forEachRow(batch.numRows, batch.sel.get(), [&](size_t i) {
    if (!result->isNull(i) && result->data<uint8_t>()[i] != 0) rows.push_back(static_cast<uint32_t>(i));
  });
  return rows;
}

// Small values around 0 and the extremes of T, so equality hits and
// every comparison splits the rows.
template <typename T>
ColumnPtr integerColumn(TypeId type) {
  std::mt19937_64 rng(5);
  ColumnPtr column = Column::makeFlat(DataType(type), kRows);
  for (size_t i = 0; i < kRows; ++i) {
    switch (rng() % 4) {
      case 0:
        column->data<T>()[i] = std::numeric_limits<T>::min();
        break;
      case 1:
        column->data<T>()[i] = std::numeric_limits<T>::max();
        break;
      default:
        column->data<T>()[i] = static_cast<T>(rng() % 7);
        break;
    }
  }
  return column;
}

template <typename T>
void checkComparisons(TypeId type) {
  ColumnPtr column = integerColumn<T>(type);
  auto selection = std::make_shared<SelectionVector>();
  for (uint32_t i = 0; i < kRows; i += 2) selection->push_back(i);
  // In range, out of range for narrow or unsigned types, and negative.
  const std::vector<Value> constants = {Value::int64(3, TypeId::kUInt8), Value::int64(0, TypeId::kUInt8),
                                        Value::int64(-1, TypeId::kInt8), Value::int64(300, TypeId::kInt16),
                                        Value::uint64(std::numeric_limits<uint64_t>::max(), TypeId::kUInt64),
                                        Value::int64(std::numeric_limits<int64_t>::min())};
  for (const char* name : {"equals", "notEquals", "less", "lessOrEquals", "greater", "greaterOrEquals"}) {
    for (const Value& constant : constants) {
      for (bool constantFirst : {false, true}) {
        BoundExprPtr columnArg = BoundExpr::column(0, DataType(type));
        BoundExprPtr constantArg = BoundExpr::literal(constant, DataType(constant.type()));
        BoundExprPtr predicate =
            constantFirst ? callOf(name, {constantArg, columnArg}) : callOf(name, {columnArg, constantArg});
        for (bool selected : {false, true}) {
          Batch batch;
          batch.numRows = kRows;
          batch.columns = {column};
          if (selected) batch.sel = selection;
          SelectionVector expected = expectedRows(*predicate, batch);
          EXPECT_EQ(*filterRows(*predicate, batch), expected)
              << DataType(type).toString() << " " << name << " " << constant.toString()
              << (constantFirst ? " (constant first)" : "") << (selected ? " with a selection" : "");
        }
      }
    }
  }
}

TEST(FilterRows, IntegerComparisonsMatchEvaluate) {
  checkComparisons<int8_t>(TypeId::kInt8);
  checkComparisons<int16_t>(TypeId::kInt16);
  checkComparisons<int32_t>(TypeId::kInt32);
  checkComparisons<int64_t>(TypeId::kInt64);
  checkComparisons<uint8_t>(TypeId::kUInt8);
  checkComparisons<uint16_t>(TypeId::kUInt16);
  checkComparisons<uint32_t>(TypeId::kUInt32);
  checkComparisons<uint64_t>(TypeId::kUInt64);
}

TEST(FilterRows, DateComparisonMatchesEvaluate) {
  ColumnPtr column = Column::makeFlat(DataType(TypeId::kDate), kRows);
  for (size_t i = 0; i < kRows; ++i) column->data<int32_t>()[i] = static_cast<int32_t>(15887 + i % 40);
  Batch batch;
  batch.numRows = kRows;
  batch.columns = {column};
  BoundExprPtr predicate = callOf("greaterOrEquals", {BoundExpr::column(0, DataType(TypeId::kDate)),
                                                      BoundExpr::literal(Value::date(15900), DataType(TypeId::kDate))});
  SelectionVector expected = expectedRows(*predicate, batch);
  EXPECT_EQ(expected.size(), kRows / 40 * 27);
  EXPECT_EQ(*filterRows(*predicate, batch), expected);
}

TEST(FilterRows, NullableColumnMatchesEvaluate) {
  ColumnPtr column = integerColumn<int32_t>(TypeId::kInt32);
  ColumnPtr nullable = Column::makeFlat(DataType(TypeId::kInt32, true), kRows);
  std::copy(column->data<int32_t>(), column->data<int32_t>() + kRows, nullable->data<int32_t>());
  for (size_t i = 0; i < kRows; i += 5) nullable->setNull(i);
  Batch batch;
  batch.numRows = kRows;
  batch.columns = {nullable};
  BoundExprPtr predicate = callOf("notEquals", {BoundExpr::column(0, DataType(TypeId::kInt32, true)),
                                                BoundExpr::literal(Value::int64(3), DataType(TypeId::kInt64))});
  EXPECT_EQ(*filterRows(*predicate, batch), expectedRows(*predicate, batch));
}

TEST(FilterRows, DictionaryPredicateMatchesFlat) {
  clearEvaluationCache();
  auto dictionary = std::make_shared<StringDictionary>();
  for (int e = 0; e < 500; ++e) dictionary->add(e % 3 == 0 ? std::string() : "value" + std::to_string(e));
  std::mt19937_64 rng(3);
  auto selection = std::make_shared<SelectionVector>();
  for (uint32_t i = 1; i < kRows; i += 3) selection->push_back(i);
  BoundExprPtr predicate = callOf("notEquals", {BoundExpr::column(0, DataType(TypeId::kString)),
                                                BoundExpr::literal(Value::string(""), DataType(TypeId::kString))});
  for (size_t block = 0; block < 4; ++block) {
    ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString), dictionary, kRows);
    for (size_t i = 0; i < kRows; ++i) codes->codes()[i] = static_cast<uint32_t>(rng() % 500);
    Batch onDictionary;
    onDictionary.numRows = kRows;
    onDictionary.columns = {codes};
    if (block % 2 == 1) onDictionary.sel = selection;
    Batch flat = onDictionary;
    flat.columns = {Column::flatten(codes)};
    EXPECT_EQ(*filterRows(*predicate, onDictionary), expectedRows(*predicate, flat)) << "block " << block;
  }
  clearEvaluationCache();
}

// A sorted dictionary of `entries` strings, the first one '' when
// `withEmpty`.
std::shared_ptr<StringDictionary> sortedDictionary(size_t entries, bool withEmpty) {
  std::vector<std::string> values;
  if (withEmpty) values.emplace_back();
  while (values.size() < entries) values.push_back("value" + std::to_string(1000 + values.size()));
  std::sort(values.begin(), values.end());
  auto dictionary = std::make_shared<StringDictionary>();
  for (const std::string& value : values) dictionary->add(value);
  dictionary->sorted = true;
  return dictionary;
}

// Comparisons with '', empty() and notEmpty() on a sorted dictionary select
// rows by code alone. They must keep the rows the functions keep, with and
// without an empty entry, with and without a selection, and with NULL rows
// (which take the general path).
TEST(FilterRows, EmptinessOnSortedDictionaryMatchesFlat) {
  const BoundExprPtr empty = BoundExpr::literal(Value::string(""), DataType(TypeId::kString));
  std::mt19937_64 rng(7);
  auto selection = std::make_shared<SelectionVector>();
  for (uint32_t i = 2; i < kRows; i += 3) selection->push_back(i);
  for (bool withEmpty : {true, false}) {
    for (bool nulls : {false, true}) {
      clearEvaluationCache();
      const DataType type(TypeId::kString, nulls);
      const BoundExprPtr column = BoundExpr::column(0, type);
      const std::vector<std::pair<std::string, BoundExprPtr>> predicates = {
          {"s <> ''", callOf("notEquals", {column, empty})}, {"'' <> s", callOf("notEquals", {empty, column})},
          {"s = ''", callOf("equals", {column, empty})},     {"'' = s", callOf("equals", {empty, column})},
          {"empty(s)", callOf("empty", {column})},           {"notEmpty(s)", callOf("notEmpty", {column})}};
      std::shared_ptr<StringDictionary> dictionary = sortedDictionary(200, withEmpty);
      for (size_t block = 0; block < 4; ++block) {
        ColumnPtr codes = Column::makeDictionary(type, dictionary, kRows);
        for (size_t i = 0; i < kRows; ++i) {
          // Every fourth row takes code 0, the empty entry when there is one.
          codes->codes()[i] = i % 4 == 0 ? 0 : static_cast<uint32_t>(rng() % 200);
          if (nulls && i % 7 == 0) codes->setNull(i);
        }
        Batch onDictionary;
        onDictionary.numRows = kRows;
        onDictionary.columns = {codes};
        if (block % 2 == 1) onDictionary.sel = selection;
        Batch flat = onDictionary;
        flat.columns = {Column::flatten(codes)};
        for (const auto& [text, predicate] : predicates) {
          SelectionVector want = expectedRows(*predicate, flat);
          EXPECT_EQ(*filterRows(*predicate, onDictionary), want)
              << text << " withEmpty " << withEmpty << " nulls " << nulls << " block " << block;
          if (withEmpty && block == 0) {
            EXPECT_FALSE(want.empty()) << text;
            EXPECT_LT(want.size(), kRows) << text;
          }
        }
      }
    }
  }
  clearEvaluationCache();
}

}  // namespace
}  // namespace furl::query
