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
                             "--max-threads", "--max-body-bytes", "--shutdown-timeout-ms", "--display-name",
                             "--s3-bucket", "--s3-endpoint", "--s3-prefix", "--s3-region", "--s3-addressing",
                             "--s3-access-key-id", "--s3-secret-access-key", "--s3-session-token",
                             "--s3-part-size-bytes", "--s3-max-attempts", "--s3-connect-timeout-ms",
                             "--s3-request-timeout-ms"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

TEST(ServerConfigTest, S3Settings) {
  std::string path = ::testing::TempDir() + "furld_s3_test.conf";
  {
    std::ofstream file(path);
    file << "s3-bucket = cold\ns3-secret-access-key = \"from file\"\ns3-access-key-id = AK\n";
  }
  std::string configFlag = "--config=" + path;
  const char* argv[] = {"furld",         "--data-dir",         "/tmp/x",          configFlag.c_str(),
                        "--s3-endpoint", "http://127.0.0.1:9", "--s3-prefix",     "furl/",
                        "--s3-region",   "eu-west-3",          "--s3-addressing", "virtual",
                        "--s3-max-attempts", "7"};
  auto config = parseServerConfig(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->s3Bucket, "cold");
  EXPECT_EQ(config->s3Endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(config->s3Prefix, "furl/");
  EXPECT_EQ(config->s3Region, "eu-west-3");
  EXPECT_EQ(config->s3Addressing, "virtual");
  EXPECT_EQ(config->s3AccessKeyId, "AK");
  EXPECT_EQ(config->s3SecretAccessKey, "from file");
  EXPECT_EQ(config->s3MaxAttempts, 7u);
  EXPECT_EQ(config->s3PartSizeBytes, uint64_t{16} << 20);
  std::remove(path.c_str());
}

TEST(ServerConfigTest, RejectsBadS3Settings) {
  const char* noBucket[] = {"furld", "--data-dir", "/tmp/x", "--s3-endpoint", "http://127.0.0.1:9"};
  auto missing = parseServerConfig(5, noBucket);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("s3-endpoint is set but s3-bucket is not"), std::string_view::npos)
      << missing.status();

  const char* badAddressing[] = {"furld", "--data-dir", "/tmp/x", "--s3-bucket", "b", "--s3-addressing", "dns"};
  auto addressing = parseServerConfig(7, badAddressing);
  ASSERT_FALSE(addressing.ok());
  EXPECT_NE(addressing.status().message().find("expected path or virtual"), std::string_view::npos)
      << addressing.status();

  const char* smallPart[] = {"furld", "--data-dir", "/tmp/x", "--s3-bucket", "b", "--s3-part-size-bytes", "1024"};
  auto part = parseServerConfig(7, smallPart);
  ASSERT_FALSE(part.ok());
  EXPECT_NE(part.status().message().find("s3-part-size-bytes"), std::string_view::npos) << part.status();

  const char* unknown[] = {"furld", "--data-dir", "/tmp/x", "--s3-bukket", "b"};
  auto typo = parseServerConfig(5, unknown);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("unknown option 's3-bukket'"), std::string_view::npos) << typo.status();
}

}  // namespace
}  // namespace furl::server
