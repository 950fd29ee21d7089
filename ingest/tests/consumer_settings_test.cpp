#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include "ingest/ingestion_spec.h"
#include "ingest/supervisor.h"

namespace furl::ingest {
namespace {

IngestionSpec specWith(const std::string& consumerProperties, int taskCount = 1) {
  std::string json = R"({"type":"kafka","spec":{
    "dataSchema":{"dataSource":"events","timestampSpec":{"column":"ts","format":"iso"},
                  "dimensionsSpec":{"dimensions":["page"]}},
    "ioConfig":{"topic":"events","inputFormat":{"type":"json"},"taskCount":TASKS,
                "consumerProperties":PROPERTIES},
    "tuningConfig":{"type":"kafka"}}})";
  json.replace(json.find("TASKS"), 5, std::to_string(taskCount));
  json.replace(json.find("PROPERTIES"), 10, consumerProperties);
  absl::StatusOr<IngestionSpec> spec = parseIngestionSpec(json);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *std::move(spec) : IngestionSpec{};
}

// Every setting must be one librdkafka accepts, or no consumer starts.
void expectLibrdkafkaAccepts(const std::map<std::string, std::string>& settings) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  for (const auto& [key, value] : settings) {
    EXPECT_EQ(conf->set(key, value, error), RdKafka::Conf::CONF_OK) << key << "=" << value << ": " << error;
  }
}

TEST(ConsumerSettingsTest, AddsFetchDefaultsTheSpecLeavesOut) {
  std::map<std::string, std::string> settings =
      consumerSettings(specWith(R"({"bootstrap.servers":"127.0.0.1:9092"})"), 0);
  EXPECT_EQ(settings.at("bootstrap.servers"), "127.0.0.1:9092");
  EXPECT_EQ(settings.at("fetch.wait.max.ms"), "20");
  EXPECT_EQ(settings.at("queued.max.messages.kbytes"), "262144");
  EXPECT_EQ(settings.at("queued.min.messages"), "1000000");
  EXPECT_EQ(settings.at("fetch.max.bytes"), "16777216");
  EXPECT_EQ(settings.at("group.id"), "furl-events");
  EXPECT_EQ(settings.at("client.id"), "furl-events");
  EXPECT_EQ(settings.at("enable.auto.commit"), "false");
  EXPECT_EQ(settings.at("enable.auto.offset.store"), "false");
  EXPECT_EQ(settings.at("auto.offset.reset"), "error");
  expectLibrdkafkaAccepts(settings);
}

TEST(ConsumerSettingsTest, KeepsTheSpecsFetchSettings) {
  std::map<std::string, std::string> settings = consumerSettings(
      specWith(R"({"bootstrap.servers":"127.0.0.1:9092","fetch.wait.max.ms":"100",
                   "queued.max.messages.kbytes":"65536","queued.min.messages":"100000"})"),
      0);
  EXPECT_EQ(settings.at("fetch.wait.max.ms"), "100");
  EXPECT_EQ(settings.at("queued.max.messages.kbytes"), "65536");
  EXPECT_EQ(settings.at("queued.min.messages"), "100000");
  expectLibrdkafkaAccepts(settings);
}

// librdkafka checks these sizes against each other when the consumer is
// created, so a spec's own message size keeps librdkafka's fetch size.
TEST(ConsumerSettingsTest, KeepsSpecMessageSizes) {
  for (const char* properties : {R"({"bootstrap.servers":"127.0.0.1:9092","message.max.bytes":"33554432"})",
                                 R"({"bootstrap.servers":"127.0.0.1:9092","fetch.max.bytes":"1048576"})",
                                 R"({"bootstrap.servers":"127.0.0.1:9092","receive.message.max.bytes":"67108864"})"}) {
    IngestionSpec spec = specWith(properties);
    std::map<std::string, std::string> settings = consumerSettings(spec, 0);
    for (const auto& [key, value] : spec.ioConfig.consumerProperties) EXPECT_EQ(settings.at(key), value) << key;
    if (!spec.ioConfig.consumerProperties.contains("fetch.max.bytes")) {
      EXPECT_FALSE(settings.contains("fetch.max.bytes")) << properties;
    }
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    for (const auto& [key, value] : settings) ASSERT_EQ(conf->set(key, value, error), RdKafka::Conf::CONF_OK) << error;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), error));
    EXPECT_NE(consumer, nullptr) << properties << ": " << error;
    if (consumer != nullptr) consumer->close();
  }
}

TEST(ConsumerSettingsTest, ExactlyOnceSettingsOverrideTheSpec) {
  std::map<std::string, std::string> settings = consumerSettings(
      specWith(R"({"bootstrap.servers":"127.0.0.1:9092","group.id":"mine","enable.auto.commit":"true",
                   "enable.auto.offset.store":"true","auto.offset.reset":"earliest","client.id":"ingest"})",
               2),
      1);
  EXPECT_EQ(settings.at("group.id"), "furl-events");
  EXPECT_EQ(settings.at("enable.auto.commit"), "false");
  EXPECT_EQ(settings.at("enable.auto.offset.store"), "false");
  EXPECT_EQ(settings.at("auto.offset.reset"), "error");
  // One client.id per consumer when there are several.
  EXPECT_EQ(settings.at("client.id"), "ingest-1");
  expectLibrdkafkaAccepts(settings);
}

}  // namespace
}  // namespace furl::ingest
