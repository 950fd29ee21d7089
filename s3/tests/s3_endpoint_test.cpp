#include "s3/s3_endpoint.h"

#include <gtest/gtest.h>

namespace furl::s3 {
namespace {

TEST(S3EndpointTest, PathStyleTarget) {
  auto endpoint = S3Endpoint::parse("http://127.0.0.1:9000", "bucket", S3Addressing::kPath);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  S3Target target = endpoint->target("cold/seg 1+ü.seg");
  EXPECT_EQ(target.host, "127.0.0.1:9000");
  EXPECT_EQ(target.path, "/bucket/cold/seg%201%2B%C3%BC.seg");
  EXPECT_EQ(endpoint->url(target, {{"partNumber", "2"}, {"uploadId", "a+b"}}),
            "http://127.0.0.1:9000/bucket/cold/seg%201%2B%C3%BC.seg?partNumber=2&uploadId=a%2Bb");
}

TEST(S3EndpointTest, PathStyleBucketTarget) {
  auto endpoint = S3Endpoint::parse("http://localhost:9000/", "bucket", S3Addressing::kPath);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->target("").path, "/bucket");
}

TEST(S3EndpointTest, VirtualHostedTarget) {
  auto endpoint = S3Endpoint::parse("https://s3.eu-west-3.amazonaws.com:443", "logs", S3Addressing::kVirtualHosted);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->authority(), "s3.eu-west-3.amazonaws.com");
  S3Target object = endpoint->target("a/b");
  EXPECT_EQ(object.host, "logs.s3.eu-west-3.amazonaws.com");
  EXPECT_EQ(object.path, "/a/b");
  EXPECT_EQ(endpoint->target("").path, "/");
}

TEST(S3EndpointTest, KeepsNonDefaultPort) {
  auto endpoint = S3Endpoint::parse("http://minio:443", "b", S3Addressing::kPath);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->authority(), "minio:443");
}

TEST(S3EndpointTest, RejectsBadEndpoints) {
  for (const char* bad : {"127.0.0.1:9000", "ftp://host", "http://", "http://host/path", "http://u@host",
                          "http://host?x=1"}) {
    auto endpoint = S3Endpoint::parse(bad, "b", S3Addressing::kPath);
    EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(S3EndpointTest, RejectsBadBuckets) {
  EXPECT_FALSE(S3Endpoint::parse("http://h", "", S3Addressing::kPath).ok());
  EXPECT_FALSE(S3Endpoint::parse("http://h", "a/b", S3Addressing::kPath).ok());
  EXPECT_FALSE(S3Endpoint::parse("https://h", "a.b", S3Addressing::kVirtualHosted).ok());
}

}  // namespace
}  // namespace furl::s3
