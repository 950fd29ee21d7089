// evaluate() of a function of one dictionary string: results computed per
// dictionary entry (first for the entries that live rows meet, then for the
// whole dictionary at once) must equal the function run on the flat rows.

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

// length(), empty(), notEmpty() and comparisons with '' read the entries'
// sizes instead of calling the function. The dictionary has an empty entry,
// and the constant may come first.
TEST(DictionaryEvaluation, LengthFunctionsMatchFlat) {
  checkAgainstFlat(callOn("LENGTH", {}));
  checkAgainstFlat(callOn("empty", {}));
  checkAgainstFlat(callOn("notEmpty", {}));
  checkAgainstFlat(callOn("equals", {Value::string("")}));
  checkAgainstFlat(callOn("notEquals", {Value::string("vbb")}));
  checkAgainstFlat(callOn("equals", {Value::string("vbb")}));
  checkAgainstFlat(callOn("length", {}), kEntries * 3);

  auto constantFirst = [](const std::string& name) {
    BoundExprPtr constant = BoundExpr::literal(Value::string(""), DataType(TypeId::kString));
    std::vector<FunctionArgument> arguments = {{constant->type, &constant->constant}, {DataType(TypeId::kString), nullptr}};
    std::vector<BoundExprPtr> args = {constant, BoundExpr::column(0, DataType(TypeId::kString))};
    return BoundExpr::call(name, (*FunctionRegistry::instance().find(name))(arguments), std::move(args));
  };
  checkAgainstFlat(constantFirst("notEquals"));
  checkAgainstFlat(constantFirst("equals"));
}

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

// A sorted dictionary of URLs numbered first..first+count-1 on 97 hosts.
std::shared_ptr<StringDictionary> makeSortedUrls(size_t first, size_t count) {
  std::vector<std::string> urls;
  for (size_t n = first; n < first + count; ++n) {
    urls.push_back("http://www.host" + std::to_string(n % 97) + ".example/p/" + std::to_string(n));
  }
  std::sort(urls.begin(), urls.end());
  auto dictionary = std::make_shared<StringDictionary>();
  for (const std::string& url : urls) dictionary->add(url);
  dictionary->sorted = true;
  return dictionary;
}

// Runs `expr` over sorted dictionaries whose values partly recur in the one
// before. Each block holds every code twice, so the whole dictionary is
// computed at once. Checks each result against the flat rows, and again
// once the dictionaries and the per-thread results are gone.
void checkSortedSequence(const BoundExprPtr& expr) {
  clearEvaluationCache();
  std::vector<std::shared_ptr<StringDictionary>> dictionaries = {
      makeSortedUrls(0, 600), makeSortedUrls(300, 600), makeSortedUrls(0, 1200), makeSortedUrls(1150, 100)};
  std::vector<ColumnPtr> expected;
  std::vector<ColumnPtr> actual;
  for (size_t d = 0; d < dictionaries.size(); ++d) {
    const size_t entries = dictionaries[d]->values.size();
    ColumnPtr codes = Column::makeDictionary(DataType(TypeId::kString), dictionaries[d], 2 * entries);
    for (size_t i = 0; i < 2 * entries; ++i) codes->codes()[i] = static_cast<uint32_t>((7 * i) % entries);
    Batch onDictionary;
    onDictionary.numRows = 2 * entries;
    onDictionary.columns = {codes};
    Batch flat = onDictionary;
    flat.columns = {Column::flatten(codes)};
    expected.push_back(evaluate(*expr, flat));
    actual.push_back(evaluate(*expr, onDictionary));
  }
  auto compare = [&](const char* when) {
    for (size_t d = 0; d < actual.size(); ++d) {
      for (size_t row = 0; row < actual[d]->size(); ++row) {
        ASSERT_EQ(actual[d]->isNull(row), expected[d]->isNull(row))
            << expr->functionName << " " << when << " dictionary " << d << " row " << row;
        if (expected[d]->isNull(row)) continue;
        ASSERT_EQ(actual[d]->getValue(row), expected[d]->getValue(row))
            << expr->functionName << " " << when << " dictionary " << d << " row " << row;
      }
    }
  };
  compare("while cached");
  dictionaries.clear();
  clearEvaluationCache();
  compare("after the dictionaries are freed");
}

TEST(DictionaryEvaluation, RegexpResultsReusedAcrossSortedDictionaries) {
  checkSortedSequence(
      callOn("replaceRegexpOne", {Value::string("^https?://(?:www\\.)?([^/]+)/.*$"), Value::string("\\1")}));
  checkSortedSequence(callOn("replaceRegexpAll", {Value::string("[0-9]"), Value::string("#")}));
  checkSortedSequence(callOn("extract", {Value::string("p/(\\d+)")}));
  checkSortedSequence(callOn("match", {Value::string("host1\\d\\.")}));
}

}  // namespace
}  // namespace furl::query
