#include "s3/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace furl::s3 {
namespace {

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("furl-credentials-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / ".aws");
    env_["HOME"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  EnvironmentLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  void writeFile(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(CredentialsTest, ConfigWinsOverEnvironment) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "ENVSECRET";
  auto resolved = resolveCredentials(AwsCredentials{"CFGKEY", "CFGSECRET", ""}, lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->credentials.accessKeyId, "CFGKEY");
  EXPECT_EQ(resolved->source, "config");
}

TEST_F(CredentialsTest, EnvironmentWinsOverFile) {
  writeFile(dir_ / ".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "ENVSECRET";
  env_["AWS_SESSION_TOKEN"] = "ENVTOKEN";
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->credentials.accessKeyId, "ENVKEY");
  EXPECT_EQ(resolved->credentials.secretAccessKey, "ENVSECRET");
  EXPECT_EQ(resolved->credentials.sessionToken, "ENVTOKEN");
  EXPECT_EQ(resolved->source, "environment");
}

TEST_F(CredentialsTest, DefaultProfileFromHome) {
  writeFile(dir_ / ".aws/credentials",
            "# comment\n[other]\naws_access_key_id=OTHER\naws_secret_access_key=OTHERSECRET\n\n"
            "[default]\n  aws_access_key_id =  FILEKEY \r\naws_secret_access_key=FILESECRET\n"
            "aws_session_token=FILETOKEN\n");
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->credentials.accessKeyId, "FILEKEY");
  EXPECT_EQ(resolved->credentials.secretAccessKey, "FILESECRET");
  EXPECT_EQ(resolved->credentials.sessionToken, "FILETOKEN");
  EXPECT_EQ(resolved->source, (dir_ / ".aws/credentials").string() + " [default]");
}

TEST_F(CredentialsTest, ProfileAndFileFromEnvironment) {
  writeFile(dir_ / "creds", "[default]\naws_access_key_id=D\naws_secret_access_key=DS\n"
                            "[team]\naws_access_key_id=TEAM\naws_secret_access_key=TEAMSECRET\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "creds").string();
  env_["AWS_PROFILE"] = "team";
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->credentials.accessKeyId, "TEAM");
  EXPECT_EQ(resolved->credentials.secretAccessKey, "TEAMSECRET");
}

TEST_F(CredentialsTest, MissingProfileNamedByAwsProfile) {
  writeFile(dir_ / ".aws/credentials", "[default]\naws_access_key_id=D\naws_secret_access_key=DS\n");
  env_["AWS_PROFILE"] = "absent";
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(resolved.status().message().find("[absent]"), std::string::npos) << resolved.status();
}

TEST_F(CredentialsTest, UnreadableSharedCredentialsFile) {
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "missing").string();
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.status().message().find("AWS_SHARED_CREDENTIALS_FILE"), std::string::npos) << resolved.status();
}

TEST_F(CredentialsTest, HalfSetEnvironmentIsAnError) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos)
      << resolved.status();
}

TEST_F(CredentialsTest, HalfSetConfigIsAnError) {
  auto resolved = resolveCredentials(AwsCredentials{"CFGKEY", "", ""}, lookup());
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CredentialsTest, NoSourceNamesAllThree) {
  auto resolved = resolveCredentials({}, lookup());
  ASSERT_FALSE(resolved.ok());
  std::string message(resolved.status().message());
  EXPECT_NE(message.find("s3-access-key-id"), std::string::npos) << message;
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  EXPECT_NE(message.find("~/.aws/credentials"), std::string::npos) << message;
}

TEST_F(CredentialsTest, ProfileWithoutSecretIsAnError) {
  auto parsed = parseCredentialsFile("[default]\naws_access_key_id=K\n", "default", "file");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("aws_secret_access_key"), std::string::npos) << parsed.status();
}

}  // namespace
}  // namespace furl::s3
