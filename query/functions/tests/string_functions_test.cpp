#include <gtest/gtest.h>

#include "query/functions/tests/function_test_util.h"
#include "re2/re2.h"

namespace furl::query::testing {
namespace {

TEST(StringFunctionsTest, LowerUpperLength) {
  ColumnPtr s = strings({"Hello", "ÉCOLE", ""});
  EXPECT_EQ(eval("lower", {s}), (Rows{"hello", "École", ""}));  // ASCII only, as ClickHouse's lower
  EXPECT_EQ(eval("UPPER", {s}), (Rows{"HELLO", "ÉCOLE", ""}));
  EXPECT_EQ(eval("length", {s}), (Rows{"5", "6", "0"}));
  EXPECT_EQ(eval("lengthUTF8", {s}), (Rows{"5", "5", "0"}));
  EXPECT_EQ(eval("empty", {s}), (Rows{"false", "false", "true"}));
  EXPECT_EQ(eval("notEmpty", {s}), (Rows{"true", "true", "false"}));
}

TEST(StringFunctionsTest, DictionaryInputWithSelection) {
  ColumnPtr dict = dictionaryColumn({"Alpha", "beta"}, {0, 1, -1, 1, 0});
  SelectionVector sel{0, 2, 3};
  EXPECT_EQ(eval("upper", {dict}, &sel), (Rows{"ALPHA", "NULL", "BETA"}));
  EXPECT_EQ(eval("length", {dict}), (Rows{"5", "4", "NULL", "4", "5"}));
  EXPECT_EQ(eval("substring", {dict, constInt(2, 5), constInt(2, 5)}), (Rows{"lp", "et", "NULL", "et", "lp"}));
}

TEST(StringFunctionsTest, SubstringClickHouseSemantics) {
  ColumnPtr s = strings({"Hello"});
  auto sub = [&](int64_t offset, std::optional<int64_t> length) {
    std::vector<ColumnPtr> args{s, constInt(offset, 1)};
    if (length) args.push_back(constInt(*length, 1));
    return eval("substring", args).at(0);
  };
  EXPECT_EQ(sub(1, 2), "He");
  EXPECT_EQ(sub(2, std::nullopt), "ello");
  EXPECT_EQ(sub(0, 3), "");
  EXPECT_EQ(sub(-3, std::nullopt), "llo");
  EXPECT_EQ(sub(-3, 2), "ll");
  EXPECT_EQ(sub(-7, 4), "He");
  EXPECT_EQ(sub(-10, 3), "");
  EXPECT_EQ(sub(2, -1), "ell");
  EXPECT_EQ(sub(10, 2), "");
  EXPECT_EQ(sub(1, 100), "Hello");
  // Offsets from a column.
  EXPECT_EQ(eval("substr", {strings({"abc", "abc"}), ints({i64(1), i64(3)})}), (Rows{"abc", "c"}));
  EXPECT_EQ(errorOf([&] { FunctionCall("substring", {s, constString("1", 1)}); }), ErrorCode::kIllegalTypeOfArgument);
}

TEST(StringFunctionsTest, Concat) {
  EXPECT_EQ(eval("concat", {strings({"a", "b"}), constString("-", 2), ints({i64(1), Value::null()})}),
            (Rows{"a-1", "NULL"}));
  EXPECT_EQ(eval("concat", {dictionaryColumn({"x", "y"}, {1, 0}), strings({"1", "2"})}), (Rows{"y1", "x2"}));
}

TEST(StringFunctionsTest, PositionAndPrefixes) {
  ColumnPtr s = strings({"hello world", "xyz", ""});
  EXPECT_EQ(eval("position", {s, constString("o", 3)}), (Rows{"5", "0", "0"}));
  EXPECT_EQ(eval("position", {s, constString("", 3)}), (Rows{"1", "1", "1"}));
  EXPECT_EQ(eval("locate", {constString("world", 3), s}), (Rows{"7", "0", "0"}));
  EXPECT_EQ(eval("startsWith", {s, constString("hell", 3)}), (Rows{"true", "false", "false"}));
  EXPECT_EQ(eval("endsWith", {s, strings({"world", "z", "a"})}), (Rows{"true", "true", "false"}));
}

TEST(StringFunctionsTest, Trim) {
  ColumnPtr s = strings({"  a b  ", "", "   "});
  EXPECT_EQ(eval("trim", {s}), (Rows{"a b", "", ""}));
  EXPECT_EQ(eval("ltrim", {s}), (Rows{"a b  ", "", ""}));
  EXPECT_EQ(eval("trimRight", {s}), (Rows{"  a b", "", ""}));
  EXPECT_EQ(eval("trimBoth", {strings({"xxaxx"}), constString("x", 1)}), Rows{"a"});
}

TEST(StringFunctionsTest, Replace) {
  ColumnPtr s = strings({"aXbXc", "none"});
  EXPECT_EQ(eval("replaceAll", {s, constString("X", 2), constString("--", 2)}), (Rows{"a--b--c", "none"}));
  EXPECT_EQ(eval("replaceOne", {s, constString("X", 2), constString("", 2)}), (Rows{"abXc", "none"}));
  EXPECT_EQ(eval("replace", {s, constString("", 2), constString("y", 2)}), (Rows{"aXbXc", "none"}));
}

TEST(StringFunctionsTest, LikeWildcardsAndEscapes) {
  ColumnPtr s = strings({"abc", "abcd", "xabc", "a_c", "a%c", "", "ab\nc"});
  auto like = [&](const std::string& pattern) { return eval("like", {s, constString(pattern, s->size())}); };
  EXPECT_EQ(like("abc"), (Rows{"true", "false", "false", "false", "false", "false", "false"}));
  EXPECT_EQ(like("abc%"), (Rows{"true", "true", "false", "false", "false", "false", "false"}));
  EXPECT_EQ(like("%abc"), (Rows{"true", "false", "true", "false", "false", "false", "false"}));
  EXPECT_EQ(like("%bc%"), (Rows{"true", "true", "true", "false", "false", "false", "false"}));
  EXPECT_EQ(like("a%c"), (Rows{"true", "false", "false", "true", "true", "false", "true"}));
  EXPECT_EQ(like("a_c"), (Rows{"true", "false", "false", "true", "true", "false", "false"}));
  EXPECT_EQ(like("a\\_c"), (Rows{"false", "false", "false", "true", "false", "false", "false"}));
  EXPECT_EQ(like("a\\%c"), (Rows{"false", "false", "false", "false", "true", "false", "false"}));
  EXPECT_EQ(like("%"), (Rows{"true", "true", "true", "true", "true", "true", "true"}));
  EXPECT_EQ(like(""), (Rows{"false", "false", "false", "false", "false", "true", "false"}));
  EXPECT_EQ(like("a%b%c"), (Rows{"true", "false", "false", "false", "false", "false", "true"}));
  EXPECT_EQ(like("___"), (Rows{"true", "false", "false", "true", "true", "false", "false"}));
  EXPECT_EQ(eval("notLike", {s, constString("%c", s->size())}),
            (Rows{"false", "true", "false", "false", "false", "true", "false"}));
}

TEST(StringFunctionsTest, LikeUnderscoreMatchesOneCharacter) {
  EXPECT_EQ(eval("like", {strings({"é", "ab"}), constString("_", 2)}), (Rows{"true", "false"}));
}

TEST(StringFunctionsTest, IlikeFoldsUtf8) {
  ColumnPtr s = strings({"École Normale", "ÉCOLE", "ecole", "Straße"});
  EXPECT_EQ(eval("ilike", {s, constString("école%", 4)}), (Rows{"true", "true", "false", "false"}));
  EXPECT_EQ(eval("ilike", {s, constString("%STRASSE%", 4)}), (Rows{"false", "false", "false", "false"}));
  EXPECT_EQ(eval("ilike", {s, constString("straße", 4)}), (Rows{"false", "false", "false", "true"}));
  EXPECT_EQ(eval("notILike", {s, constString("%LE", 4)}), (Rows{"false", "false", "false", "true"}));
}

TEST(StringFunctionsTest, LikeOnDictionaryWithSelection) {
  ColumnPtr dict = dictionaryColumn({"Main_Page", "Talk:Main", "Special:Search"}, {0, 1, 2, 1, -1, 0});
  SelectionVector sel{1, 2, 4, 5};
  EXPECT_EQ(eval("like", {dict, constString("%Main%", 6)}, &sel), (Rows{"true", "false", "NULL", "true"}));
}

TEST(StringFunctionsTest, LikeWithPatternColumn) {
  EXPECT_EQ(eval("like", {strings({"abc", "abc", "xyz"}), strings({"a%", "b%", "x_z"})}), (Rows{"true", "false", "true"}));
}

TEST(StringFunctionsTest, RegularExpressions) {
  ColumnPtr s = strings({"user=42;", "none", "user=7"});
  EXPECT_EQ(eval("match", {s, constString("user=\\d+", 3)}), (Rows{"true", "false", "true"}));
  EXPECT_EQ(eval("extract", {s, constString("user=(\\d+)", 3)}), (Rows{"42", "", "7"}));
  EXPECT_EQ(eval("extract", {s, constString("\\d+", 3)}), (Rows{"42", "", "7"}));
  EXPECT_EQ(eval("replaceRegexpAll", {s, constString("\\d", 3), constString("#", 3)}),
            (Rows{"user=##;", "none", "user=#"}));
  EXPECT_EQ(eval("replaceRegexpOne", {s, constString("(\\w+)=(\\d+)", 3), constString("\\2:\\1", 3)}),
            (Rows{"42:user;", "none", "7:user"}));
  std::string message;
  EXPECT_EQ(errorOf([&] { FunctionCall("match", {s, constString("(", 3)}); }, &message), ErrorCode::kCannotCompile);
  EXPECT_NE(message.find("match"), std::string::npos) << message;
  EXPECT_EQ(errorOf([&] { FunctionCall("match", {s, s}); }), ErrorCode::kIllegalColumn);
}

// Values with one match are rewritten without RE2::Replace and
// RE2::GlobalReplace, the others go through them. Both paths must give what
// RE2 gives, empty matches and multi-byte characters included.
TEST(StringFunctionsTest, ReplaceRegexpMatchesRe2) {
  std::vector<std::string> values = {"http://www.site.example/p/1", "https://other.example/x", "no match", "",
                                     "aXbXc", "ééé", "x", "abc", "user=42;user=7", "line1\nline2",
                                     "http://a.example/b\nc", "http://\xC3.example/x", "h\xC3/x", "é/é",
                                     "aaa.b", "x..y",
                                     // Non-ASCII bytes and newlines in each 8-byte word and in the
                                     // tail, which decide whether a final `.*$` may be dropped.
                                     "http://www.site.example/p/1\n", "http://www.site.example/\np",
                                     "http://w\nw.site.example/p", "http://www.site.example/\xC3\xA9",
                                     "http://www.sit\xC3\xA9.example/x", "http://\xC3\xA9.example/x12345678",
                                     "http://", "http://a.b/c/de", "http://a.b/cdef"};
  struct Case {
    const char* pattern;
    const char* rewrite;
  };
  std::vector<Case> cases = {{"^https?://(?:www\\.)?([^/]+)/.*$", "\\1"}, {"X", "-"},     {"x*", "-"},
                             {"", "<>"},                                   {"é", "e"},      {"(\\w+)=(\\d+)", "\\2:\\1"},
                             {"^", "^"},                                   {"$", "$"},      {"b|$", "[\\0]"},
                             // Patterns that end in `.*$`, some of which run without the suffix.
                             {"^(a+?).*$", "<\\1>"},  {"(\\w+).*$", "<\\1|\\0>"}, {".*$", "-"},
                             {"a|b.*$", "-"},  {"x\\.*$", "-"},  {"[.*$].*$", "-"},  {"(?s)^(h).*$", "\\1"},
                             {"(?m)^(l\\w+).*$", "\\1"},  {"(?:é|h)(t*).*$", "\\1"},  {"([^/]+)/.*$", "\\1"},
                             // A rewrite that is one group, the match covering all or part of the
                             // text, the group matched or not.
                             {"^(x)?h.*$", "\\1"},  {"^.*$", "\\0"},  {"(\\w+)=", "\\1"},  {"=(\\d+)$", "\\1"},
                             {"^(?:(http)|h)(t*)", "\\2"},  {"^https?://(?:www\\.)?([^/]+)/.*$", "\\0"}};
  for (const Case& c : cases) {
    for (bool all : {false, true}) {
      const char* name = all ? "replaceRegexpAll" : "replaceRegexpOne";
      std::vector<std::string> expected;
      RE2 regex(c.pattern);
      for (std::string value : values) {
        if (all) {
          RE2::GlobalReplace(&value, regex, c.rewrite);
        } else {
          RE2::Replace(&value, regex, c.rewrite);
        }
        expected.push_back(value);
      }
      auto n = values.size();
      EXPECT_EQ(eval(name, {strings(values), constString(c.pattern, n), constString(c.rewrite, n)}), expected)
          << name << " " << c.pattern << " -> " << c.rewrite;
    }
  }
}

TEST(StringFunctionsTest, SubstringUtf8CountsCodePoints) {
  ColumnPtr s = strings({"привет", "aé", ""});
  auto sub = [&](int64_t offset, std::optional<int64_t> length) {
    std::vector<ColumnPtr> args{s, constInt(offset, 3)};
    if (length) args.push_back(constInt(*length, 3));
    return eval("substringUTF8", args);
  };
  EXPECT_EQ(sub(2, 3), (Rows{"рив", "é", ""}));
  EXPECT_EQ(sub(-2, std::nullopt), (Rows{"ет", "aé", ""}));
  EXPECT_EQ(sub(1, -1), (Rows{"приве", "a", ""}));
  EXPECT_EQ(sub(-10, 7), (Rows{"при", "", ""}));
  EXPECT_EQ(sub(0, 2), (Rows{"", "", ""}));
  EXPECT_EQ(eval("substringUTF8", {strings({"жук", "жук"}), ints({i64(2), i64(3)})}), (Rows{"ук", "к"}));
}

TEST(StringFunctionsTest, CaseMappingUtf8) {
  ColumnPtr s = strings({"Straße École", "ПРИВЕТ, Мир", "ÀÿĳΣς", "ıİ", "ǅ", "abc\xC3"});
  EXPECT_EQ(eval("lowerUTF8", {s}), (Rows{"straße école", "привет, мир", "àÿĳσς", "ıi", "ǆ", "abc\xC3"}));
  // 'ß' has no one-code-point upper case and 'İ' is already upper case, so both stay.
  EXPECT_EQ(eval("upperUTF8", {s}), (Rows{"STRAßE ÉCOLE", "ПРИВЕТ, МИР", "ÀŸĲΣΣ", "Iİ", "Ǆ", "ABC\xC3"}));
  EXPECT_EQ(eval("upperUTF8", {dictionaryColumn({"ä", "ö"}, {1, -1, 0})}), (Rows{"Ö", "NULL", "Ä"}));
}

TEST(StringFunctionsTest, RepeatClickHouseSemantics) {
  ColumnPtr s = strings({"ab", "", "x"});
  EXPECT_EQ(eval("repeat", {s, constInt(3, 3)}), (Rows{"ababab", "", "xxx"}));
  EXPECT_EQ(eval("repeat", {s, ints({i64(0), i64(5), i64(-2)})}), (Rows{"", "", ""}));
  EXPECT_EQ(eval("repeat", {s, ints({i64(1), Value::null(), i64(2)})}), (Rows{"ab", "NULL", "xx"}));
  EXPECT_EQ(eval("repeat", {strings({"abc"}), constInt(7, 1)}), Rows{"abcabcabcabcabcabcabc"});
  EXPECT_EQ(errorOf([&] { FunctionCall("repeat", {s, constInt(1'000'001, 3)}).execute(); }),
            ErrorCode::kArgumentOutOfBound);
  std::string message;
  ColumnPtr big = strings({std::string(2000, 'a')});
  EXPECT_EQ(errorOf([&] { FunctionCall("repeat", {big, constInt(1'000'000, 1)}).execute(); }, &message),
            ErrorCode::kArgumentOutOfBound);
  EXPECT_NE(message.find("bytes"), std::string::npos) << message;
  EXPECT_EQ(errorOf([&] { FunctionCall("repeat", {s, constString("2", 3)}); }), ErrorCode::kIllegalTypeOfArgument);
}

TEST(StringFunctionsTest, LeftAndRight) {
  ColumnPtr s = strings({"Hello", ""});
  auto call = [&](const std::string& name, int64_t n) { return eval(name, {s, constInt(n, 2)}); };
  EXPECT_EQ(call("left", 2), (Rows{"He", ""}));
  EXPECT_EQ(call("left", 10), (Rows{"Hello", ""}));
  EXPECT_EQ(call("left", -3), (Rows{"He", ""}));
  EXPECT_EQ(call("left", -10), (Rows{"", ""}));
  EXPECT_EQ(call("left", 0), (Rows{"", ""}));
  EXPECT_EQ(call("right", 3), (Rows{"llo", ""}));
  EXPECT_EQ(call("right", 10), (Rows{"Hello", ""}));
  EXPECT_EQ(call("right", -3), (Rows{"lo", ""}));
  EXPECT_EQ(call("right", 0), (Rows{"", ""}));
  EXPECT_EQ(eval("left", {s, constInt(std::numeric_limits<int64_t>::min(), 2)}), (Rows{"", ""}));
  // Byte functions cut through a code point; the UTF8 variants do not.
  ColumnPtr word = strings({"привет"});
  EXPECT_EQ(eval("left", {word, constInt(2, 1)}), Rows{"п"});
  EXPECT_EQ(eval("leftUTF8", {word, constInt(2, 1)}), Rows{"пр"});
  EXPECT_EQ(eval("rightUTF8", {word, constInt(3, 1)}), Rows{"вет"});
  EXPECT_EQ(eval("leftUTF8", {word, constInt(-4, 1)}), Rows{"пр"});
  EXPECT_EQ(eval("rightUTF8", {word, constInt(-4, 1)}), Rows{"ет"});
  EXPECT_EQ(eval("right", {strings({"abc", "abc"}), ints({i64(1), i64(2)})}), (Rows{"c", "bc"}));
}

TEST(StringFunctionsTest, LeftPadAndRightPad) {
  ColumnPtr s = strings({"abc", "abcdefgh", ""});
  EXPECT_EQ(eval("leftPad", {s, constInt(7, 3), constString("*", 3)}), (Rows{"****abc", "abcdefg", "*******"}));
  EXPECT_EQ(eval("rightPad", {s, constInt(5, 3)}), (Rows{"abc  ", "abcde", "     "}));
  EXPECT_EQ(eval("lpad", {s, constInt(8, 3), constString("xy", 3)}), (Rows{"xyxyxabc", "abcdefgh", "xyxyxyxy"}));
  EXPECT_EQ(eval("rpad", {s, constInt(4, 3), constString("", 3)}), (Rows{"abc ", "abcd", "    "}));
  EXPECT_EQ(eval("leftPad", {s, ints({i64(0), i64(3), Value::null()})}), (Rows{"", "abc", "NULL"}));

  ColumnPtr word = strings({"абвг"});
  EXPECT_EQ(eval("leftPadUTF8", {word, constInt(7, 1), constString("*", 1)}), Rows{"***абвг"});
  EXPECT_EQ(eval("rightPadUTF8", {word, constInt(7, 1), constString("жз", 1)}), Rows{"абвгжзж"});
  EXPECT_EQ(eval("rightPadUTF8", {word, constInt(2, 1)}), Rows{"аб"});
  EXPECT_EQ(eval("leftPad", {word, constInt(10, 1), constString("-", 1)}), Rows{"--абвг"});

  EXPECT_EQ(errorOf([&] { FunctionCall("leftPad", {s, constInt(-1, 3)}).execute(); }),
            ErrorCode::kArgumentOutOfBound);
  EXPECT_EQ(errorOf([&] { FunctionCall("rightPad", {s, constInt(1'000'001, 3)}).execute(); }),
            ErrorCode::kArgumentOutOfBound);
  EXPECT_EQ(errorOf([&] { FunctionCall("leftPad", {s, constInt(5, 3), strings({"a", "b", "c"})}); }),
            ErrorCode::kIllegalColumn);
}

TEST(StringFunctionsTest, NullLiteralGivesNull) {
  FunctionCall call("lower", {constNull(2)});
  EXPECT_EQ(call.rows(), (Rows{"NULL", "NULL"}));
  EXPECT_EQ(errorOf([] { FunctionCall("lower", {ints({i64(1)})}); }), ErrorCode::kIllegalTypeOfArgument);
}

}  // namespace
}  // namespace furl::query::testing
