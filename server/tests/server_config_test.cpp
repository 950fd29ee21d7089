#include "server/server_config.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

namespace furl::server {
namespace {

TEST(ServerConfigTest, FlagsOverrideConfigFile) {
  std::string path = ::testing::TempDir() + "furld_test.conf";
  {
    std::ofstream file(path);
    file << "# comment\n data-dir = /tmp/from-file\nhttp-port=9000 # trailing\nlog-level = \"debug\"\n\n";
  }
  std::string configFlag = "--config=" + path;
  const char* argv[] = {"furld", configFlag.c_str(), "--http-port", "9100", "--max-threads", "3"};
  auto config = parseServerConfig(6, argv);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->dataDir, "/tmp/from-file");
  EXPECT_EQ(config->httpPort, 9100);
  EXPECT_EQ(config->logLevel, "debug");
  EXPECT_EQ(config->maxThreads, 3u);
  EXPECT_EQ(config->listenHost, "127.0.0.1");
  std::remove(path.c_str());
}

TEST(ServerConfigTest, RejectsBadInput) {
  const char* missingDir[] = {"furld", "--http-port", "1"};
  auto noDir = parseServerConfig(3, missingDir);
  ASSERT_FALSE(noDir.ok());
  EXPECT_NE(noDir.status().message().find("missing --data-dir"), std::string_view::npos) << noDir.status();

  const char* badPort[] = {"furld", "--data-dir", "/tmp/x", "--http-port", "70000"};
  EXPECT_FALSE(parseServerConfig(5, badPort).ok());

  const char* unknown[] = {"furld", "--data-dir", "/tmp/x", "--colour", "red"};
  auto unknownFlag = parseServerConfig(5, unknown);
  ASSERT_FALSE(unknownFlag.ok());
  EXPECT_NE(unknownFlag.status().message().find("unknown option 'colour'"), std::string_view::npos);

  ServerConfig config;
  auto badLine = applyConfigText("data-dir /x\n", "test.conf", config);
  EXPECT_NE(badLine.message().find("test.conf:1: expected 'key = value'"), std::string_view::npos) << badLine;
}

TEST(ServerConfigTest, HelpListsEveryOption) {
  const char* argv[] = {"furld", "--help"};
  auto config = parseServerConfig(2, argv);
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->helpRequested);
  std::string help = serverHelpText();
  for (const char* option : {"--data-dir", "--http-port", "--listen-host", "--config", "--log-level",
                             "--max-threads", "--max-body-bytes", "--shutdown-timeout-ms", "--display-name"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace furl::server
