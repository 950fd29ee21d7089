// S3ObjectStore against a real S3 server (s3rver) and a fault-injecting
// proxy in front of it. Run by tests/integration/s3_object_store.py, which
// starts both and sets FURL_S3_ENDPOINT (s3rver), FURL_S3_PROXY_ENDPOINT
// (the proxy, whose /faults and /stats control API these tests call),
// FURL_S3_VHOST_ENDPOINT, FURL_S3_CLOSED_ENDPOINT (nothing listens there),
// FURL_S3_BUCKET and the AWS_* credentials.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "s3/s3_object_store.h"

namespace furl::s3 {
namespace {

std::string requireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set; run this binary through tests/integration/s3_object_store.py";
    return "";
  }
  return value;
}

size_t appendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

/// Sends a request to the fault proxy's control API and returns the body.
std::string controlProxy(const std::string& method, const std::string& target) {
  std::string url = requireEnv("FURL_S3_PROXY_ENDPOINT") + target;
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  EXPECT_EQ(code, CURLE_OK) << url;
  EXPECT_EQ(status, 200) << url << ": " << body;
  return body;
}

/// Adds a fault rule; `query` is the rule in the proxy's query syntax.
void injectFault(const std::string& query) { controlProxy("POST", "/faults?" + query); }

struct ProxyStats {
  int requests = 0;
  int injected = 0;
  int pending = 0;
};

ProxyStats proxyStats() {
  std::string text = controlProxy("GET", "/stats");
  ProxyStats stats;
  std::sscanf(text.c_str(), "requests=%d injected=%d pending=%d", &stats.requests, &stats.injected, &stats.pending);
  return stats;
}

std::string randomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(random());
  return data;
}

std::string readLocalFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

bool contains(const absl::Status& status, const std::string& text) {
  return status.message().find(text) != absl::string_view::npos;
}

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("it/") + info->name() + "-" + std::to_string(std::random_device{}()) + "/";
    localDir_ = std::filesystem::temp_directory_path() / ("furl-s3-test-" + prefix_.substr(3, prefix_.size() - 4));
    std::filesystem::create_directories(localDir_);
    controlProxy("DELETE", "/faults");
  }

  void TearDown() override {
    controlProxy("DELETE", "/faults");
    std::filesystem::remove_all(localDir_);
  }

  /// Builds a config with small retry delays, so fault tests stay short.
  S3Config config(const std::string& endpointVariable = "FURL_S3_ENDPOINT") const {
    S3Config config;
    config.endpoint = requireEnv(endpointVariable.c_str());
    config.bucket = requireEnv("FURL_S3_BUCKET");
    config.prefix = prefix_;
    config.maxAttempts = 3;
    config.baseBackoffMs = 10;
    config.maxBackoffMs = 50;
    config.requestTimeoutMs = 10000;
    return config;
  }

  std::unique_ptr<S3ObjectStore> open(const S3Config& config) const {
    auto store = S3ObjectStore::open(config);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::unique_ptr<S3ObjectStore> direct() const { return open(config()); }
  std::unique_ptr<S3ObjectStore> proxied() const { return open(config("FURL_S3_PROXY_ENDPOINT")); }

  std::string prefix_;
  std::filesystem::path localDir_;
};

TEST_F(S3ObjectStoreTest, PutHeadReadRemove) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  auto put = store->put("seg.seg", "hello, segment");
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->size, 14u);
  EXPECT_FALSE(put->etag.empty());

  auto head = store->head("seg.seg");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, 14u);
  EXPECT_EQ(head->etag, put->etag);

  auto range = store->read("seg.seg", 7, 7);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, "segment");
  auto first = store->read("seg.seg", 0, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "h");

  ASSERT_TRUE(store->remove("seg.seg").ok());
  EXPECT_EQ(store->head("seg.seg").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store->remove("seg.seg").ok()) << "deleting a missing key is OK";
}

TEST_F(S3ObjectStoreTest, ReadPastEndIsDataLoss) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put("ten", "0123456789").ok());

  auto overlapping = store->read("ten", 5, 10);
  EXPECT_EQ(overlapping.status().code(), absl::StatusCode::kDataLoss) << overlapping.status();
  EXPECT_TRUE(contains(overlapping.status(), "'ten'")) << overlapping.status();

  auto beyond = store->read("ten", 20, 1);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kDataLoss) << beyond.status();

  auto empty = store->read("ten", 10, 0);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, "");
  EXPECT_EQ(store->read("ten", 11, 0).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(S3ObjectStoreTest, MissingKeyIsNotFound) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  auto head = store->head("absent.seg");
  EXPECT_EQ(head.status().code(), absl::StatusCode::kNotFound) << head.status();
  EXPECT_TRUE(contains(head.status(), "'absent.seg'")) << head.status();

  auto read = store->read("absent.seg", 0, 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
  EXPECT_TRUE(contains(read.status(), "NoSuchKey")) << read.status();

  std::filesystem::path target = localDir_ / "absent.seg";
  absl::Status download = store->getFile("absent.seg", target.string());
  EXPECT_EQ(download.code(), absl::StatusCode::kNotFound) << download;
  EXPECT_TRUE(std::filesystem::is_empty(localDir_)) << "no file or temporary file is left behind";
}

TEST_F(S3ObjectStoreTest, KeysWithSpacesUnicodeAndPlus) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys = {
      "dir with space/seg 1.seg", "unicode/données-日本語-😀.seg", "plus/a+b+c.seg",
      "mixed/a b+c=d&e%20f~!'()*,;:@$.seg",
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string data = "payload " + std::to_string(i);
    auto put = store->put(keys[i], data);
    ASSERT_TRUE(put.ok()) << keys[i] << ": " << put.status();
    auto head = store->head(keys[i]);
    ASSERT_TRUE(head.ok()) << keys[i] << ": " << head.status();
    EXPECT_EQ(head->size, data.size()) << keys[i];
    auto read = store->read(keys[i], 8, data.size() - 8);
    ASSERT_TRUE(read.ok()) << keys[i] << ": " << read.status();
    EXPECT_EQ(*read, std::to_string(i)) << keys[i];

    std::filesystem::path local = localDir_ / ("download-" + std::to_string(i));
    ASSERT_TRUE(store->getFile(keys[i], local.string()).ok()) << keys[i];
    EXPECT_EQ(readLocalFile(local), data) << keys[i];
  }

  auto listed = store->list("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> listedKeys;
  for (const auto& info : *listed) listedKeys.push_back(info.key);
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listedKeys, expected);

  for (const auto& key : keys) EXPECT_TRUE(store->remove(key).ok()) << key;
  auto after = store->list("");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->empty());
}

TEST_F(S3ObjectStoreTest, PutFileSmallIsOnePut) {
  auto store = proxied();
  ASSERT_NE(store, nullptr);
  std::filesystem::path local = localDir_ / "small.seg";
  std::string data = randomBytes(1000, 1);
  std::ofstream(local, std::ios::binary) << data;

  ProxyStats before = proxyStats();
  auto put = store->putFile("small.seg", local.string());
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->size, 1000u);
  EXPECT_EQ(proxyStats().requests - before.requests, 1);
}

TEST_F(S3ObjectStoreTest, PutFileMultipartAndGetFile) {
  S3Config cfg = config("FURL_S3_PROXY_ENDPOINT");
  cfg.partSizeBytes = 64 << 10;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  std::filesystem::path local = localDir_ / "big.seg";
  std::string data = randomBytes((64 << 10) * 4 + 123, 2);
  std::ofstream(local, std::ios::binary) << data;

  // Part 2 fails twice and is retried alone.
  injectFault("method=PUT&match=partNumber%3D2%26&action=status&status=503&code=SlowDown&count=2");
  ProxyStats before = proxyStats();
  auto put = store->putFile("big seg+1.seg", local.string());
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->size, data.size());
  ProxyStats after = proxyStats();
  EXPECT_EQ(after.injected - before.injected, 2);
  // Start, five parts, two retries of part 2, complete.
  EXPECT_EQ(after.requests - before.requests, 1 + 5 + 2 + 1);

  auto head = store->head("big seg+1.seg");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, data.size());

  std::filesystem::path downloaded = localDir_ / "downloaded.seg";
  ASSERT_TRUE(store->getFile("big seg+1.seg", downloaded.string()).ok());
  EXPECT_TRUE(readLocalFile(downloaded) == data) << "downloaded bytes differ from the uploaded file";

  // A range across the boundary of parts 1 and 2.
  auto range = store->read("big seg+1.seg", (64 << 10) - 10, 20);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(*range, data.substr((64 << 10) - 10, 20));
}

TEST_F(S3ObjectStoreTest, MultipartPartFailingForeverAborts) {
  S3Config cfg = config("FURL_S3_PROXY_ENDPOINT");
  cfg.partSizeBytes = 64 << 10;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  std::filesystem::path local = localDir_ / "big.seg";
  std::ofstream(local, std::ios::binary) << randomBytes((64 << 10) * 3, 3);

  injectFault("method=PUT&match=partNumber%3D2%26&action=status&status=500&code=InternalError&count=100");
  ProxyStats before = proxyStats();
  auto put = store->putFile("doomed.seg", local.string());
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable) << put.status();
  EXPECT_TRUE(contains(put.status(), "'doomed.seg' (part 2 of 3)")) << put.status();
  EXPECT_TRUE(contains(put.status(), "after 3 attempts")) << put.status();
  // Start, part 1, three tries of part 2, then the abort (which s3rver
  // 3.7.1 rejects with 405 MethodNotAllowed; the part's error comes back).
  EXPECT_EQ(proxyStats().requests - before.requests, 1 + 1 + 3 + 1);
  EXPECT_EQ(store->head("doomed.seg").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(S3ObjectStoreTest, ListWithContinuation) {
  S3Config cfg = config("FURL_S3_PROXY_ENDPOINT");
  cfg.listPageSize = 2;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys = {"t/a", "t/b b", "t/c+", "t/d", "t/é", "t/f", "t/g"};
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(store->put(keys[i], std::string(i + 1, 'x')).ok()) << keys[i];
  }
  ASSERT_TRUE(store->put("other/z", "z").ok());

  ProxyStats before = proxyStats();
  auto listed = store->list("t/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(proxyStats().requests - before.requests, 4) << "7 keys in pages of 2";
  // Byte order: "t/é" (0xC3 0xA9) comes after "t/g".
  std::vector<std::pair<std::string, uint64_t>> expected = {{"t/a", 1}, {"t/b b", 2}, {"t/c+", 3}, {"t/d", 4},
                                                            {"t/f", 6}, {"t/g", 7},   {"t/é", 5}};
  ASSERT_EQ(listed->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*listed)[i].key, expected[i].first);
    EXPECT_EQ((*listed)[i].size, expected[i].second) << expected[i].first;
  }

  auto all = store->list("");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), keys.size() + 1);
  auto none = store->list("nothing/");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

TEST_F(S3ObjectStoreTest, RetriesServerErrorsAndThrottling) {
  auto store = proxied();
  ASSERT_NE(store, nullptr);
  struct Case {
    std::string fault;
    std::string method;
  };
  std::vector<Case> cases = {
      {"action=status&status=503&code=SlowDown&count=2", "PUT"},
      {"action=status&status=500&code=InternalError&count=2", "GET"},
      {"action=status&status=429&code=TooManyRequests&count=2", "HEAD"},
      {"action=status&status=400&code=RequestTimeout&count=2", "GET"},
      {"action=reset&count=2", "GET"},
      {"action=reset&count=2", "PUT"},
      {"action=drop_body&count=2", "GET"},
  };
  ASSERT_TRUE(store->put("k", "retried body").ok());
  for (const auto& c : cases) {
    injectFault("method=" + c.method + "&" + c.fault);
    ProxyStats before = proxyStats();
    if (c.method == "PUT") {
      EXPECT_TRUE(store->put("k", "retried body").ok()) << c.fault;
    } else if (c.method == "HEAD") {
      auto head = store->head("k");
      ASSERT_TRUE(head.ok()) << c.fault << ": " << head.status();
      EXPECT_EQ(head->size, 12u) << c.fault;
    } else {
      auto read = store->read("k", 0, 12);
      ASSERT_TRUE(read.ok()) << c.fault << ": " << read.status();
      EXPECT_EQ(*read, "retried body") << c.fault;
    }
    ProxyStats after = proxyStats();
    EXPECT_EQ(after.injected - before.injected, 2) << c.fault;
    EXPECT_EQ(after.pending, 0) << c.fault;
    EXPECT_EQ(after.requests - before.requests, 3) << c.fault;
  }
}

TEST_F(S3ObjectStoreTest, GetFileRetriesDroppedBody) {
  auto store = proxied();
  ASSERT_NE(store, nullptr);
  std::string data = randomBytes(200000, 4);
  ASSERT_TRUE(store->put("dropped.seg", data).ok());
  injectFault("method=GET&action=drop_body&count=2");
  std::filesystem::path local = localDir_ / "dropped.seg";
  absl::Status status = store->getFile("dropped.seg", local.string());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(readLocalFile(local) == data) << "the retried download must start over, not append";
  EXPECT_EQ(proxyStats().pending, 0);
}

TEST_F(S3ObjectStoreTest, SlowResponseTimesOutThenSucceeds) {
  auto setup = proxied();
  ASSERT_NE(setup, nullptr);
  ASSERT_TRUE(setup->put("slow", "slow body").ok());

  // Generous margins: a loaded machine must not make the retry time out too.
  S3Config cfg = config("FURL_S3_PROXY_ENDPOINT");
  cfg.requestTimeoutMs = 1000;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  injectFault("method=GET&action=delay&delay_ms=3000&count=1");
  auto read = store->read("slow", 0, 9);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "slow body");
}

TEST_F(S3ObjectStoreTest, RetryBudgetExhaustedIsUnavailable) {
  auto setup = proxied();
  ASSERT_NE(setup, nullptr);
  ASSERT_TRUE(setup->put("busy key.seg", "x").ok());

  S3Config cfg = config("FURL_S3_PROXY_ENDPOINT");
  cfg.requestTimeoutMs = 300;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);

  injectFault("method=GET&action=status&status=503&code=SlowDown&count=100");
  auto throttled = store->read("busy key.seg", 0, 1);
  EXPECT_EQ(throttled.status().code(), absl::StatusCode::kUnavailable) << throttled.status();
  EXPECT_TRUE(contains(throttled.status(), "'busy key.seg'")) << throttled.status();
  EXPECT_TRUE(contains(throttled.status(), "after 3 attempts")) << throttled.status();
  EXPECT_TRUE(contains(throttled.status(), "503 SlowDown")) << throttled.status();
  controlProxy("DELETE", "/faults");

  injectFault("method=HEAD&action=delay&delay_ms=1000&count=100");
  auto slow = store->head("busy key.seg");
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kUnavailable) << slow.status();
  EXPECT_TRUE(contains(slow.status(), "'busy key.seg'")) << slow.status();
  EXPECT_TRUE(contains(slow.status(), "timed out")) << slow.status();
  controlProxy("DELETE", "/faults");

  injectFault("method=PUT&action=reset&count=100");
  auto dropped = store->put("busy key.seg", "y");
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kUnavailable) << dropped.status();
  EXPECT_TRUE(contains(dropped.status(), "'busy key.seg'")) << dropped.status();
}

TEST_F(S3ObjectStoreTest, ClientErrorsAreNotRetried) {
  auto store = proxied();
  ASSERT_NE(store, nullptr);
  injectFault("method=PUT&action=status&status=400&code=InvalidRequest&count=100");
  ProxyStats before = proxyStats();
  auto put = store->put("bad", "x");
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInternal) << put.status();
  EXPECT_TRUE(contains(put.status(), "400 InvalidRequest")) << put.status();
  EXPECT_EQ(proxyStats().requests - before.requests, 1);
}

TEST_F(S3ObjectStoreTest, ConnectionRefusedIsUnavailable) {
  S3Config cfg = config("FURL_S3_CLOSED_ENDPOINT");
  cfg.connectTimeoutMs = 1000;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  auto head = store->head("nowhere.seg");
  EXPECT_EQ(head.status().code(), absl::StatusCode::kUnavailable) << head.status();
  EXPECT_TRUE(contains(head.status(), "'nowhere.seg'")) << head.status();
  EXPECT_FALSE(store->checkBucket().ok());
}

TEST_F(S3ObjectStoreTest, UnknownAccessKeyIsPermissionDenied) {
  S3Config cfg = config();
  cfg.credentials = AwsCredentials{"NOT-A-KEY", "secret", ""};
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  auto put = store->put("denied", "x");
  EXPECT_EQ(put.status().code(), absl::StatusCode::kPermissionDenied) << put.status();
  EXPECT_TRUE(contains(put.status(), "InvalidAccessKeyId")) << put.status();
  EXPECT_TRUE(contains(put.status(), "from config")) << put.status();
}

TEST_F(S3ObjectStoreTest, CheckBucket) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->checkBucket().ok());

  S3Config cfg = config();
  cfg.bucket = "no-such-bucket";
  auto missing = open(cfg);
  ASSERT_NE(missing, nullptr);
  absl::Status status = missing->checkBucket();
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(contains(status, "bucket 'no-such-bucket' does not exist")) << status;
}

TEST_F(S3ObjectStoreTest, VirtualHostedAddressing) {
  S3Config cfg = config("FURL_S3_VHOST_ENDPOINT");
  cfg.addressing = S3Addressing::kVirtualHosted;
  auto store = open(cfg);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->put("vhost key+1.seg", "virtual").ok());
  auto read = store->read("vhost key+1.seg", 0, 7);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "virtual");

  // The same object through path-style addressing.
  auto pathStyle = direct();
  ASSERT_NE(pathStyle, nullptr);
  auto head = pathStyle->head("vhost key+1.seg");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, 7u);
  auto listed = store->list("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().key, "vhost key+1.seg");
}

TEST_F(S3ObjectStoreTest, ConcurrentUse) {
  auto store = direct();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kObjectsPerThread = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        std::string key = "c/" + std::to_string(t) + "/" + std::to_string(i);
        std::string data = randomBytes(1000 + i, t * 100 + i);
        if (!store->put(key, data).ok()) ++failures;
        auto read = store->read(key, 0, data.size());
        if (!read.ok() || *read != data) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto listed = store->list("c/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), static_cast<size_t>(kThreads * kObjectsPerThread));
}

}  // namespace
}  // namespace furl::s3
