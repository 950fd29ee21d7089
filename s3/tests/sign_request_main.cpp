// s3_sign_request: builds and signs one S3 request the way S3ObjectStore
// does, at a fixed date, and prints what would be sent. Used by
// sigv4_botocore_test.py to compare our signatures with botocore's.
//
//   s3_sign_request --endpoint http://127.0.0.1:9000 --bucket b --addressing path
//     --method GET --key "a b.seg" [--query name=value]... [--header "Name: value"]...
//     [--body TEXT] --date 20240101T000000Z --region us-east-1
//     --access-key AK --secret-key SK [--session-token T]
//
// Output, one per line: "url <url>", then "header <name>: <value>" for each
// header sent.

#include <cstdio>
#include <string>
#include <string_view>

#include "s3/s3_endpoint.h"
#include "s3/sigv4.h"

int main(int argc, char** argv) {
  using namespace furl::s3;

  std::string endpointUrl, bucket, addressing = "path", method = "GET", key, body, date, region = "us-east-1";
  AwsCredentials credentials;
  HeaderList query, headers;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--endpoint") {
      endpointUrl = value;
    } else if (flag == "--bucket") {
      bucket = value;
    } else if (flag == "--addressing") {
      addressing = value;
    } else if (flag == "--method") {
      method = value;
    } else if (flag == "--key") {
      key = value;
    } else if (flag == "--query") {
      size_t eq = value.find('=');
      query.emplace_back(value.substr(0, eq), eq == std::string::npos ? "" : value.substr(eq + 1));
    } else if (flag == "--header") {
      size_t colon = value.find(':');
      std::string headerValue = colon == std::string::npos ? "" : value.substr(colon + 1);
      if (!headerValue.empty() && headerValue.front() == ' ') headerValue.erase(0, 1);
      headers.emplace_back(value.substr(0, colon), headerValue);
    } else if (flag == "--body") {
      body = value;
    } else if (flag == "--date") {
      date = value;
    } else if (flag == "--region") {
      region = value;
    } else if (flag == "--access-key") {
      credentials.accessKeyId = value;
    } else if (flag == "--secret-key") {
      credentials.secretAccessKey = value;
    } else if (flag == "--session-token") {
      credentials.sessionToken = value;
    } else {
      std::fprintf(stderr, "s3_sign_request: unknown flag %s\n", argv[i]);
      return 2;
    }
  }

  auto endpoint = S3Endpoint::parse(endpointUrl, bucket,
                                    addressing == "virtual" ? S3Addressing::kVirtualHosted : S3Addressing::kPath);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "s3_sign_request: %s\n", std::string(endpoint.status().message()).c_str());
    return 2;
  }
  S3Target target = endpoint->target(key);

  SigV4Request request;
  request.method = method;
  request.canonicalUri = target.path;
  request.query = query;
  request.headers = headers;
  request.headers.emplace_back("Host", target.host);
  request.payloadSha256 = sha256Hex(body);
  signSigV4(request, credentials, region, "s3", date);

  std::printf("url %s\n", endpoint->url(target, query).c_str());
  for (const auto& [name, value] : request.headers) std::printf("header %s: %s\n", name.c_str(), value.c_str());
  return 0;
}
