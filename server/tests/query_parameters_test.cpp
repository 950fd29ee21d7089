#include "server/query_parameters.h"

#include "gtest/gtest.h"

namespace furl::server {
namespace {

TEST(QueryParametersTest, BindsClickHousePlaceholders) {
  std::map<std::string, std::string> params = {{"param_id", "1"}, {"param_name", "it's\\tok"}};
  auto bound = bindClickHouseParameters(
      "SELECT '{id:UInt64}' -- {name:String}\nWHERE id = {id:UInt64} OR name = { name : String }", params);
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(*bound, "SELECT '{id:UInt64}' -- {name:String}\nWHERE id = 1 OR name = 'it\\'s\tok'");
}

TEST(QueryParametersTest, RejectsMissingAndNonNumericValues) {
  auto missing = bindClickHouseParameters("SELECT {id:UInt64}", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("param_id"), std::string_view::npos) << missing.status();

  auto injected = bindClickHouseParameters("SELECT {id:UInt64}", {{"param_id", "1 OR 1=1"}});
  ASSERT_FALSE(injected.ok());
  EXPECT_NE(injected.status().message().find("is not a number"), std::string_view::npos) << injected.status();
}

TEST(QueryParametersTest, BindsDruidPlaceholdersInOrder) {
  std::vector<DruidParameter> params = {{"VARCHAR", "a'b", true, false}, {"BIGINT", "-10", false, false},
                                        {"VARCHAR", "", false, true}};
  auto bound = bindDruidParameters("SELECT '?' FROM t WHERE a = ? AND b > ? AND c IS NOT ?", params);
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(*bound, "SELECT '?' FROM t WHERE a = 'a\\'b' AND b > -10 AND c IS NOT NULL");

  EXPECT_FALSE(bindDruidParameters("SELECT ?", {}).ok());
  EXPECT_FALSE(bindDruidParameters("SELECT 1", params).ok());
}

}  // namespace
}  // namespace furl::server
