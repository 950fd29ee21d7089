#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "query/hashing.h"

namespace furl::query {
namespace {

TEST(StringInterner, SameStringSameId) {
  StringInterner strings;
  uint32_t a = strings.intern("alpha");
  uint32_t b = strings.intern("beta");
  EXPECT_NE(a, b);
  EXPECT_EQ(strings.intern("alpha"), a);
  EXPECT_EQ(strings.intern(std::string("beta")), b);
  EXPECT_EQ(strings.at(a), "alpha");
  EXPECT_EQ(strings.at(b), "beta");
  EXPECT_EQ(strings.size(), 2u);
}

TEST(StringInterner, EmptyStringIsNotNull) {
  StringInterner strings;
  uint32_t empty = strings.intern("");
  uint32_t null = strings.internNull();
  EXPECT_NE(empty, null);
  EXPECT_TRUE(strings.isNull(null));
  EXPECT_FALSE(strings.isNull(empty));
  EXPECT_EQ(strings.internNull(), null);
  EXPECT_EQ(strings.intern(""), empty);
}

// Strings given the same hash must still get ids of their own, before and
// after the table grows.
TEST(StringInterner, EqualHashesKeepStringsApart) {
  StringInterner strings;
  std::vector<uint32_t> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(strings.intern("s" + std::to_string(i), 42));
  ASSERT_EQ(strings.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(strings.intern("s" + std::to_string(i), 42), ids[i]) << i;
    EXPECT_EQ(strings.at(ids[i]), "s" + std::to_string(i));
    EXPECT_EQ(strings.hashAt(ids[i]), 42u);
  }
}

// Growing past the initial capacity keeps every id, and an id's hash can be
// passed to another interner.
TEST(StringInterner, GrowKeepsIdsAndHashes) {
  StringInterner first;
  StringInterner second;
  std::vector<uint32_t> ids;
  for (int i = 0; i < 100000; ++i) ids.push_back(first.intern("value-" + std::to_string(i)));
  second.intern("value-7");
  for (int i = 0; i < 100000; ++i) {
    std::string s = "value-" + std::to_string(i);
    ASSERT_EQ(first.intern(s), ids[i]) << s;
    ASSERT_EQ(first.hashAt(ids[i]), StringInterner::hashOf(s)) << s;
    uint32_t copied = second.intern(first.at(ids[i]), first.hashAt(ids[i]));
    ASSERT_EQ(second.at(copied), s);
  }
  EXPECT_EQ(second.size(), 100000u);
  EXPECT_EQ(second.intern("value-7"), 0u);
}

}  // namespace
}  // namespace furl::query

namespace furl::query {
namespace {

// Interning a dictionary entry with its precomputed hash must find the
// same string interned from elsewhere, so both hashes must agree.
TEST(StringDictionaryHashesTest, EqualInternerHashes) {
  auto dictionary = std::make_shared<StringDictionary>();
  for (const char* value : {"", "a", "ü", "http://example.com/", "\xC3"}) dictionary->add(value);
  const std::vector<uint64_t>& hashes = dictionary->hashes();
  ASSERT_EQ(hashes.size(), dictionary->values.size());
  for (size_t k = 0; k < hashes.size(); ++k) EXPECT_EQ(hashes[k], StringInterner::hashOf(dictionary->values[k])) << k;
  EXPECT_EQ(&dictionary->hashes(), &hashes);  // computed once
}

}  // namespace
}  // namespace furl::query
