#include "s3/sigv4.h"

#include <gtest/gtest.h>

namespace furl::s3 {
namespace {

TEST(SigV4Test, UriEncodeKeepsUnreservedAndSlash) {
  EXPECT_EQ(uriEncode("a-b_c.d~e/f", false), "a-b_c.d~e/f");
  EXPECT_EQ(uriEncode("a/b", true), "a%2Fb");
}

TEST(SigV4Test, UriEncodeEscapesSpacePlusAndUnicode) {
  EXPECT_EQ(uriEncode("a b+c", false), "a%20b%2Bc");
  EXPECT_EQ(uriEncode("é", false), "%C3%A9");
  EXPECT_EQ(uriEncode("=&?#%", false), "%3D%26%3F%23%25");
}

TEST(SigV4Test, CanonicalQuerySortsAndEncodes) {
  HeaderList query = {{"prefix", "a b/c+"}, {"list-type", "2"}, {"continuation-token", "x=y"}, {"uploads", ""}};
  EXPECT_EQ(canonicalQueryString(query), "continuation-token=x%3Dy&list-type=2&prefix=a%20b%2Fc%2B&uploads=");
}

TEST(SigV4Test, Sha256OfEmptyString) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Test, FormatAmzDate) { EXPECT_EQ(formatAmzDate(1369353600), "20130524T000000Z"); }

// The GET Object example of the AWS S3 API reference ("Signature
// Calculations for the Authorization Header: Transferring Payload in a
// Single Chunk"), which botocore reproduces.
TEST(SigV4Test, MatchesAwsDocumentationExample) {
  SigV4Request request;
  request.method = "GET";
  request.canonicalUri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  request.payloadSha256 = sha256Hex("");
  AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  signSigV4(request, credentials, "us-east-1", "s3", "20130524T000000Z");

  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
  }
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, ResigningReplacesOwnHeaders) {
  SigV4Request request;
  request.method = "PUT";
  request.canonicalUri = "/b/k";
  request.headers = {{"Host", "h"}};
  request.payloadSha256 = sha256Hex("x");
  AwsCredentials credentials{"AK", "SK", "TOKEN"};
  signSigV4(request, credentials, "us-east-1", "s3", "20240101T000000Z");
  signSigV4(request, credentials, "us-east-1", "s3", "20240101T000001Z");

  int authorizations = 0;
  int dates = 0;
  int tokens = 0;
  for (const auto& [name, value] : request.headers) {
    authorizations += name == "Authorization";
    dates += name == "x-amz-date";
    tokens += name == "x-amz-security-token";
  }
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(tokens, 1);
}

TEST(SigV4Test, CanonicalRequestCollapsesHeaderSpaces) {
  SigV4Request request;
  request.method = "GET";
  request.canonicalUri = "/b";
  request.headers = {{"Host", "h"}, {"X-Custom", "  a   b  "}, {"User-Agent", "furl"}};
  request.payloadSha256 = "p";
  EXPECT_EQ(canonicalRequest(request), "GET\n/b\n\nhost:h\nx-custom:a b\n\nhost;x-custom\np");
}

}  // namespace
}  // namespace furl::s3
