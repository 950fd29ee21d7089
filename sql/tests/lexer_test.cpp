#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sql/lexer.h"

namespace furl::sql {
namespace {

std::vector<Token> tokenize(std::string_view sql) {
  Lexer lexer(sql);
  std::vector<Token> tokens;
  while (true) {
    tokens.push_back(lexer.next());
    if (tokens.back().type == TokenType::kEnd || tokens.back().type == TokenType::kError) return tokens;
  }
}

std::vector<TokenType> typesOf(std::string_view sql) {
  std::vector<TokenType> types;
  for (const Token& token : tokenize(sql)) types.push_back(token.type);
  return types;
}

TEST(LexerTest, Operators) {
  using T = TokenType;
  EXPECT_EQ(typesOf("= == != <> < <= > >= || :: + - * / % ( ) [ ] , . ;"),
            (std::vector<T>{T::kEqual, T::kEqual, T::kNotEqual, T::kNotEqual, T::kLess, T::kLessOrEqual,
                            T::kGreater, T::kGreaterOrEqual, T::kConcat, T::kDoubleColon, T::kPlus, T::kMinus,
                            T::kStar, T::kSlash, T::kPercent, T::kLeftParen, T::kRightParen, T::kLeftBracket,
                            T::kRightBracket, T::kComma, T::kDot, T::kSemicolon, T::kEnd}));
}

TEST(LexerTest, NumbersAndWords) {
  std::vector<Token> tokens = tokenize("12 1.5 .5 1e-3 0xFF t.1 abc_1$ x1");
  ASSERT_EQ(tokens.size(), 10u);
  EXPECT_EQ(tokens[0].type, TokenType::kInteger);
  EXPECT_EQ(tokens[1].type, TokenType::kFloat);
  EXPECT_EQ(tokens[2].type, TokenType::kFloat);
  EXPECT_EQ(tokens[3].type, TokenType::kFloat);
  EXPECT_EQ(tokens[4].type, TokenType::kInteger);
  EXPECT_EQ(tokens[4].text, "0xFF");
  EXPECT_EQ(tokens[5].type, TokenType::kBareWord);
  // Tuple element access is not supported, so `.1` after a name is a float.
  EXPECT_EQ(tokens[6].type, TokenType::kFloat);
  EXPECT_EQ(tokens[7].text, "abc_1$");
  EXPECT_EQ(tokens[8].text, "x1");
}

TEST(LexerTest, QuotedTokens) {
  std::vector<Token> tokens = tokenize(R"('a''b' "c""d" `e\`f` 'tab\there')");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].type, TokenType::kString);
  EXPECT_EQ(tokens[0].value, "a'b");
  EXPECT_EQ(tokens[1].type, TokenType::kQuotedIdentifier);
  EXPECT_EQ(tokens[1].value, "c\"d");
  EXPECT_EQ(tokens[2].type, TokenType::kQuotedIdentifier);
  EXPECT_EQ(tokens[2].value, "e`f");
  EXPECT_EQ(tokens[3].value, "tab\there");
}

TEST(LexerTest, KeywordMatchIgnoresCase) {
  std::vector<Token> tokens = tokenize("select SeLeCt selects");
  EXPECT_TRUE(tokens[0].isKeyword("SELECT"));
  EXPECT_TRUE(tokens[1].isKeyword("SELECT"));
  EXPECT_FALSE(tokens[2].isKeyword("SELECT"));
  EXPECT_FALSE(tokenize("'SELECT'")[0].isKeyword("SELECT"));
}

TEST(LexerTest, PositionsTrackLinesAndCharacters) {
  std::vector<Token> tokens = tokenize("a\n  bb -- c\n/* é\n */ 'é' d");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[1].position.line, 2u);
  EXPECT_EQ(tokens[1].position.column, 3u);
  EXPECT_EQ(tokens[1].position.offset, 4u);
  EXPECT_EQ(tokens[2].position.line, 4u);
  EXPECT_EQ(tokens[2].position.column, 5u);
  EXPECT_EQ(tokens[3].position.line, 4u);
  EXPECT_EQ(tokens[3].position.column, 9u);
  EXPECT_EQ(tokens[4].type, TokenType::kEnd);
}

TEST(LexerTest, ErrorsBecomeTokens) {
  std::vector<Token> unterminated = tokenize("a 'open");
  EXPECT_EQ(unterminated.back().type, TokenType::kError);
  EXPECT_EQ(unterminated.back().position.column, 3u);
  EXPECT_NE(unterminated.back().value.find("unterminated string literal"), std::string::npos);

  Lexer lexer("'x");
  EXPECT_EQ(lexer.next().type, TokenType::kError);
  EXPECT_EQ(lexer.next().type, TokenType::kEnd);
}

}  // namespace
}  // namespace furl::sql
