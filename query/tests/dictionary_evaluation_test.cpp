// evaluate() of a function of one dictionary string: results computed per
// dictionary entry (first for the entries that live rows meet, then for the
// whole dictionary at once) must equal the function run on the flat rows.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/expression.h"
#include "query/function.h"

namespace furl::query {
namespace {

constexpr size_t kEntries = 4000;
constexpr size_t kBlockRows = 512;

// A bound call of `name` on column 0 (a String) and the given constants.
BoundExprPtr callOn(const std::string& name, const std::vector<Value>& constants) {
  std::vector<FunctionArgument> arguments = {{DataType(TypeId::kString), nullptr}};
  std::vector<BoundExprPtr> args = {BoundExpr::column(0, DataType(TypeId::kString))};
  for (const Value& constant : constants) {
    args.push_back(BoundExpr::literal(constant, DataType(constant.type())));
  }
  for (size_t a = 1; a < args.size(); ++a) arguments.push_back({args[a]->type, &args[a]->constant});
  const ScalarFunctionFactory* factory = FunctionRegistry::instance().find(name);
  EXPECT_NE(factory, nullptr) << name;
  return BoundExpr::call(name, (*factory)(arguments), std::move(args));
}

// Entries "", "v1", "v22", ...: lengths differ and one entry is empty.
std::shared_ptr<StringDictionary> makeDictionary() {
  auto dictionary = std::make_shared<StringDictionary>();
  for (size_t e = 0; e < kEntries; ++e) {
    dictionary->add(e == 0 ? std::string() : "v" + std::string(e % 37, 'a' + static_cast<char>(e % 26)));
  }
  return dictionary;
}

// Runs `expr` over blocks of `blockRows` random codes, each with every
// third row live, through the dictionary column and through the same rows
// flattened, and checks that the live rows agree. Enough blocks run to pass
// the point where the whole dictionary is computed at once. With blocks as
// large as the dictionary, that happens at the first block.
void checkAgainstFlat(const BoundExprPtr& expr, size_t blockRows = kBlockRows) {
  clearEvaluationCache();
  std::shared_ptr<StringDictionary> dictionary = makeDictionary();
  std::mt19937_64 rng(11);
  auto selection = std::make_shared<SelectionVector>();
  for (size_t i = 0; i < blockRows; i += 3) selection->push_back(static_cast<uint32_t>(i));
  for (size_t block = 0; block < 12; ++block) {
    ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString), dictionary, blockRows);
    for (size_t i = 0; i < blockRows; ++i) codes->codes()[i] = static_cast<uint32_t>(rng() % kEntries);
    Batch onDictionary;
    onDictionary.numRows = blockRows;
    onDictionary.columns = {codes};
    onDictionary.sel = selection;
    Batch flat = onDictionary;
    flat.columns = {Column::flatten(codes)};

    ColumnPtr expected = evaluate(*expr, flat);
    ColumnPtr actual = evaluate(*expr, onDictionary);
    for (uint32_t row : *selection) {
      ASSERT_EQ(actual->isNull(row), expected->isNull(row)) << expr->functionName << " block " << block << " row " << row;
      if (expected->isNull(row)) continue;
      ASSERT_EQ(actual->getValue(row), expected->getValue(row))
          << expr->functionName << " block " << block << " row " << row;
    }
  }
  clearEvaluationCache();
}

TEST(DictionaryEvaluation, LengthMatchesFlat) { checkAgainstFlat(callOn("length", {})); }

TEST(DictionaryEvaluation, WholeDictionaryAtFirstBlock) {
  checkAgainstFlat(callOn("length", {}), kEntries * 3);
  checkAgainstFlat(callOn("nullIf", {Value::string("vbb")}), kEntries * 3);
}

TEST(DictionaryEvaluation, NotEqualsMatchesFlat) { checkAgainstFlat(callOn("notEquals", {Value::string("")})); }

TEST(DictionaryEvaluation, StringResultMatchesFlat) { checkAgainstFlat(callOn("upper", {})); }

TEST(DictionaryEvaluation, NullResultsMatchFlat) { checkAgainstFlat(callOn("nullIf", {Value::string("vbb")})); }

TEST(DictionaryEvaluation, StringResultOutlivesCache) {
  clearEvaluationCache();
  BoundExprPtr expr = callOn("upper", {});
  ColumnPtr result;
  {
    std::shared_ptr<StringDictionary> dictionary = makeDictionary();
    ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString), dictionary, kEntries);
    for (size_t i = 0; i < kEntries; ++i) codes->codes()[i] = static_cast<uint32_t>(kEntries - 1 - i);
    Batch batch;
    batch.numRows = kEntries;
    batch.columns = {codes};
    result = evaluate(*expr, batch);
  }
  clearEvaluationCache();  // the result alone must keep its strings alive
  EXPECT_EQ(result->stringAt(kEntries - 1), "");
  EXPECT_EQ(result->stringAt(kEntries - 2), "VB");
  EXPECT_EQ(result->stringAt(0), "V" + std::string((kEntries - 1) % 37, 'A' + static_cast<char>((kEntries - 1) % 26)));
}

}  // namespace
}  // namespace furl::query
