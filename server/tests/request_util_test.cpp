#include "server/request_util.h"

#include "gtest/gtest.h"

namespace furl::server {
namespace {

TEST(RequestUtilTest, ParsesTargetParameters) {
  RequestTarget target = parseTarget("/?query=SELECT%201%2B1&query_id=a+b&flag&empty=");
  EXPECT_EQ(target.path, "/");
  EXPECT_EQ(target.params["query"], "SELECT 1+1");
  EXPECT_EQ(target.params["query_id"], "a b");
  EXPECT_EQ(target.params.count("flag"), 1u);
  EXPECT_EQ(target.params["empty"], "");
  EXPECT_EQ(parseTarget("/ping").path, "/ping");
}

TEST(RequestUtilTest, SplitsInsertData) {
  auto split = splitInsertData("  insert into t (a, `format`) format JSONEachRow  \r\n{\"a\":1}\n");
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->statement, "  insert into t (a, `format`) format JSONEachRow");
  EXPECT_EQ(split->data, "{\"a\":1}\n");

  auto sameLine = splitInsertData("INSERT INTO t FORMAT CSV 1,2");
  ASSERT_TRUE(sameLine.has_value());
  EXPECT_EQ(sameLine->data, "1,2");

  auto commented = splitInsertData("/* FORMAT x */ INSERT INTO t -- FORMAT y\nFORMAT TSV\n1\n");
  ASSERT_TRUE(commented.has_value());
  EXPECT_EQ(commented->data, "1\n");

  EXPECT_FALSE(splitInsertData("INSERT INTO t VALUES (1, 'FORMAT')").has_value());
  EXPECT_FALSE(splitInsertData("INSERT INTO t SELECT * FROM s FORMAT TSV").has_value());
  EXPECT_FALSE(splitInsertData("SELECT 1 FORMAT JSON").has_value());
  EXPECT_FALSE(splitInsertData("INSERTED").has_value());
}

TEST(RequestUtilTest, GzipRoundTripAndErrors) {
  std::string text(10000, 'a');
  auto decoded = decodeBody("gzip", gzipCompress(text), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, text);

  std::string truncated = gzipCompress(text);
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(decodeBody("gzip", truncated, 1 << 20).ok());

  auto tooLarge = decodeBody("gzip", gzipCompress(text), 100);
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_NE(tooLarge.status().message().find("exceeds 100 bytes"), std::string_view::npos) << tooLarge.status();

  EXPECT_EQ(*decodeBody("", "plain", 100), "plain");
  EXPECT_FALSE(decodeBody("zstd", "x", 100).ok());
}

TEST(RequestUtilTest, QueryIdsAreUuids) {
  std::string id = generateQueryId();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, generateQueryId());
}

TEST(RequestUtilTest, ErrorStatusesAndBody) {
  EXPECT_EQ(httpStatusFor(ErrorCode::kSyntaxError), 400u);
  EXPECT_EQ(httpStatusFor(ErrorCode::kUnknownTable), 404u);
  EXPECT_EQ(httpStatusFor(ErrorCode::kLogicalError), 500u);
  EXPECT_EQ(clickhouseErrorBody(ErrorCode::kSyntaxError, "bad."),
            "Code: 62. DB::Exception: bad. (SYNTAX_ERROR) (version " FURL_VERSION ")\n");
}

}  // namespace
}  // namespace furl::server
