#include "ingest/supervisor.h"

#include <librdkafka/rdkafkacpp.h>

#include <charconv>
#include <chrono>

#include "common/logging.h"
#include "ingest/event.h"
#include "ingest/row_buffer.h"
#include "ingest/target_table.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

/// Time a broker request made from the rebalance callback may take.
constexpr int kWatermarkTimeoutMs = 5000;
/// Longest single consume() wait, so that stop() is noticed quickly.
constexpr int kMaxPollMs = 100;
/// Repeated librdkafka errors are logged at most once per this interval.
constexpr int64_t kErrorLogIntervalMs = 10'000;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> parseOffset(const std::map<std::string, std::string>& properties, const std::string& key) {
  auto it = properties.find(key);
  if (it == properties.end() || it->second.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (error != std::errc() || end != it->second.data() + it->second.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::string kafkaOffsetProperty(std::string_view topic, int32_t partition) {
  return strCat("kafka.offset.", topic, ".", partition);
}

struct Supervisor::ThreadState {
  explicit ThreadState(const IngestionSpec& spec) : buffer(spec) {}

  RowBuffer buffer;
  simdjson::dom::parser parser;
  std::vector<FieldProblem> problems;
  std::map<int32_t, Partition> partitions;
  /// Counters and errors of the messages read since the last commit; they
  /// are published only with the commit, so a failed commit that makes the
  /// messages be read again does not count them twice.
  SupervisorStats pendingStats;
  std::vector<ParseErrorRecord> pendingErrors;
};

class Supervisor::RebalanceHandler : public RdKafka::RebalanceCb {
 public:
  explicit RebalanceHandler(Supervisor& supervisor) : supervisor_(supervisor) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode error,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (error == RdKafka::ERR__ASSIGN_PARTITIONS) {
      supervisor_.onAssign(partitions);
    } else {
      supervisor_.onRevoke(partitions);
    }
  }

 private:
  Supervisor& supervisor_;
};

class Supervisor::EventHandler : public RdKafka::EventCb {
 public:
  explicit EventHandler(Supervisor& supervisor) : supervisor_(supervisor) {}

  void event_cb(RdKafka::Event& event) override {
    auto log = logger("ingest.kafka");
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        supervisor_.setLastError(strCat("kafka: ", RdKafka::err2str(event.err()), ": ", event.str()));
        break;
      case RdKafka::Event::EVENT_LOG:
        log->debug("librdkafka table={} facility={} message={}", supervisor_.spec_.dataSource, event.fac(),
                   event.str());
        break;
      default:
        break;
    }
  }

 private:
  Supervisor& supervisor_;
};

Supervisor::Supervisor(IngestionSpec spec, storage::DatabaseImpl& database, uint64_t offsetsEpoch,
                       SupervisorOptions options)
    : spec_(std::move(spec)), database_(database), offsetsEpoch_(offsetsEpoch), options_(options) {}

Supervisor::~Supervisor() { stop(); }

absl::Status Supervisor::start() {
  if (running()) return absl::OkStatus();
  auto log = logger("ingest.kafka");

  // Create the table, or check that the existing one fits the spec.
  auto def = targetTableDef(spec_);
  if (!def.ok()) return def.status();
  auto existing = database_.snapshot(def->name);
  if (existing.ok()) {
    absl::Status fits = checkTargetTable((*existing)->def, *def);
    if (!fits.ok()) return fits;
  } else if (absl::IsNotFound(existing.status())) {
    absl::Status created = database_.createTable(*def, false, true);
    if (!created.ok()) return created;
  } else {
    return existing.status();
  }

  // Consumer properties from the spec first, then the ones exactly-once needs.
  rebalanceHandler_ = std::make_unique<RebalanceHandler>(*this);
  eventHandler_ = std::make_unique<EventHandler>(*this);
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  std::map<std::string, std::string> settings = spec_.ioConfig.consumerProperties;
  settings["group.id"] = strCat("furl-", spec_.dataSource);
  settings["enable.auto.commit"] = "false";
  settings["enable.auto.offset.store"] = "false";
  settings["auto.offset.reset"] = spec_.ioConfig.useEarliestOffset ? "earliest" : "latest";
  if (!settings.contains("client.id")) settings["client.id"] = strCat("furl-", spec_.dataSource);
  // librdkafka's default of 500 ms lets the broker hold a fetch that long
  // when a partition has no new data, which would dominate the time from
  // produce to visible; the spec may set another value.
  if (!settings.contains("fetch.wait.max.ms")) settings["fetch.wait.max.ms"] = "20";
  for (const auto& [key, value] : settings) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(
          strCat("spec.ioConfig.consumerProperties.", key, ": librdkafka rejected '", value, "': ", error));
    }
  }
  if (conf->set("rebalance_cb", rebalanceHandler_.get(), error) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", eventHandler_.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(strCat("cannot set the consumer callbacks: ", error));
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (consumer_ == nullptr) return absl::InvalidArgumentError(strCat("cannot create the Kafka consumer: ", error));
  RdKafka::ErrorCode subscribed = consumer_->subscribe({spec_.ioConfig.topic});
  if (subscribed != RdKafka::ERR_NO_ERROR) {
    consumer_.reset();
    return absl::UnavailableError(
        strCat("cannot subscribe to topic '", spec_.ioConfig.topic, "': ", RdKafka::err2str(subscribed)));
  }

  threadState_ = std::make_unique<ThreadState>(spec_);
  stopRequested_.store(false);
  thread_ = std::thread([this] { run(); });
  log->info("supervisor started table={} topic={} group=furl-{} offsets_epoch={}", spec_.dataSource,
            spec_.ioConfig.topic, spec_.dataSource, offsetsEpoch_);
  return absl::OkStatus();
}

void Supervisor::stop() {
  if (!thread_.joinable()) return;
  stopRequested_.store(true);
  thread_.join();
  consumer_.reset();
  threadState_.reset();
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    partitions_.clear();
  }
  logger("ingest.kafka")->info("supervisor stopped table={}", spec_.dataSource);
}

void Supervisor::run() {
  ThreadState& state = *threadState_;
  int64_t nextFlushMs = nowMs() + options_.flushIntervalMs;
  int64_t maxRows = std::max<int64_t>(1, spec_.tuningConfig.maxRowsInMemory);

  while (!stopRequested_.load()) {
    int64_t waitMs = std::clamp<int64_t>(nextFlushMs - nowMs(), 0, kMaxPollMs);
    std::unique_ptr<RdKafka::Message> message(consumer_->consume(static_cast<int>(waitMs)));
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        processMessage(message->partition(), message->offset(),
                       std::string_view(static_cast<const char*>(message->payload()), message->len()));
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        break;
      default:
        setLastError(strCat("kafka: ", message->errstr()));
        break;
    }

    bool full = static_cast<int64_t>(state.buffer.numRows()) >= maxRows;
    if (full || nowMs() >= nextFlushMs) {
      if (!flush()) {
        // Wait before reading the rewound messages again, unless stopping.
        for (int64_t waited = 0; waited < options_.retryDelayMs && !stopRequested_.load(); waited += 50) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      nextFlushMs = nowMs() + options_.flushIntervalMs;
    }
  }

  flush();
  // close() leaves the group; it runs the revoke callback, which flushes
  // nothing more because the buffer is empty.
  consumer_->close();
}

void Supervisor::processMessage(int32_t partition, int64_t offset, std::string_view payload) {
  ThreadState& state = *threadState_;
  state.partitions[partition].currentOffset = offset + 1;

  if (payload.empty()) {
    dropMessage(partition, offset, "empty", "the message has no value", payload);
    return;
  }

  // Decode per the input format.
  absl::StatusOr<Event> event = absl::InvalidArgumentError("");
  const InputFormat& format = spec_.ioConfig.inputFormat;
  std::string_view reason;
  if (format.type == InputFormatType::kJson) {
    event = parseJsonEvent(payload, state.parser);
    reason = "invalid_json";
  } else {
    std::string_view line = payload;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    event = parseDelimitedEvent(line, format.columns, format.delimiter, format.listDelimiter);
    reason = "invalid_row";
  }
  if (!event.ok()) {
    dropMessage(partition, offset, reason, std::string(toStd(event.status().message())), payload);
    return;
  }

  auto timeMs = spec_.eventTimeMs(*event);
  if (!timeMs.ok()) {
    dropMessage(partition, offset, "invalid_timestamp", std::string(toStd(timeMs.status().message())), payload);
    return;
  }
  if (!spec_.passesFilter(*event)) {
    ++state.pendingStats.thrownAway;
    return;
  }

  state.buffer.add(*event, *timeMs, state.problems);
  if (state.problems.empty()) {
    ++state.pendingStats.processed;
    return;
  }
  ++state.pendingStats.processedWithError;
  std::string error;
  for (const FieldProblem& problem : state.problems) {
    if (!error.empty()) error += "; ";
    strAppend(&error, "field '", problem.field, "': ", problem.message);
  }
  recordError(partition, offset, "invalid_field", std::move(error), payload);
}

void Supervisor::dropMessage(int32_t partition, int64_t offset, std::string_view reason, std::string error,
                             std::string_view payload) {
  ThreadState& state = *threadState_;
  ++state.pendingStats.unparseable;
  ++state.pendingStats.unparseableByReason[std::string(reason)];
  recordError(partition, offset, reason, std::move(error), payload);
}

void Supervisor::recordError(int32_t partition, int64_t offset, std::string_view reason, std::string error,
                             std::string_view payload) {
  ThreadState& state = *threadState_;
  ParseErrorRecord record;
  record.wallTimeMs = wallNowMs();
  record.partition = partition;
  record.offset = offset;
  record.reason = std::string(reason);
  record.error = std::move(error);
  record.rawPrefix = std::string(payload.substr(0, options_.rawPrefixBytes));
  state.pendingErrors.push_back(std::move(record));
  if (state.pendingErrors.size() > options_.maxRecentErrors) {
    state.pendingErrors.erase(state.pendingErrors.begin());
  }
}

bool Supervisor::flush() {
  ThreadState& state = *threadState_;
  size_t numRows = state.buffer.numRows();

  // Rows and the offsets they came from go into one catalog commit.
  if (numRows > 0) {
    std::map<std::string, std::string> properties;
    properties[std::string(kOffsetsEpochProperty)] = std::to_string(offsetsEpoch_);
    for (const auto& [partition, offsets] : state.partitions) {
      if (offsets.currentOffset < 0) continue;
      properties[kafkaOffsetProperty(spec_.ioConfig.topic, partition)] = std::to_string(offsets.currentOffset);
    }
    std::vector<Batch> batches = state.buffer.takeBatches();
    auto written = database_.insert(spec_.dataSource, batches, properties);
    if (!written.ok()) {
      std::string message = strCat("commit failed: ", toStd(written.status().message()));
      logger("ingest.kafka")
          ->warn("commit failed, reading again from the committed offsets table={} rows={} error={}",
                 spec_.dataSource, numRows, toStd(written.status().message()));
      setLastError(std::move(message));
      state.pendingStats = SupervisorStats();
      state.pendingErrors.clear();
      rewindToCommitted();
      return false;
    }
    for (auto& [partition, offsets] : state.partitions) {
      if (offsets.currentOffset >= 0) offsets.committedOffset = offsets.currentOffset;
    }
    state.pendingStats.rowsCommitted += numRows;
    ++state.pendingStats.commits;

    // Kafka's committed offsets serve lag monitoring only; failures do not matter.
    std::vector<RdKafka::TopicPartition*> committed;
    for (const auto& [partition, offsets] : state.partitions) {
      if (offsets.committedOffset >= 0) {
        committed.push_back(RdKafka::TopicPartition::create(spec_.ioConfig.topic, partition, offsets.committedOffset));
      }
    }
    if (!committed.empty()) consumer_->commitAsync(committed);
    RdKafka::TopicPartition::destroy(committed);
  }

  // Publish the counters with the commit.
  refreshWatermarks();
  std::lock_guard<std::mutex> lock(statusMutex_);
  SupervisorStats& pending = state.pendingStats;
  stats_.processed += pending.processed;
  stats_.processedWithError += pending.processedWithError;
  stats_.thrownAway += pending.thrownAway;
  stats_.unparseable += pending.unparseable;
  for (const auto& [reason, count] : pending.unparseableByReason) stats_.unparseableByReason[reason] += count;
  stats_.rowsCommitted += pending.rowsCommitted;
  stats_.commits += pending.commits;
  pending = SupervisorStats();
  for (ParseErrorRecord& record : state.pendingErrors) recentErrors_.push_back(std::move(record));
  state.pendingErrors.clear();
  while (recentErrors_.size() > options_.maxRecentErrors) recentErrors_.pop_front();
  partitions_ = state.partitions;
  return true;
}

void Supervisor::rewindToCommitted() {
  ThreadState& state = *threadState_;
  for (auto& [partition, offsets] : state.partitions) {
    int64_t target = offsets.committedOffset >= 0 ? offsets.committedOffset : offsets.startOffset;
    if (target < 0 || target == offsets.currentOffset) continue;
    std::unique_ptr<RdKafka::TopicPartition> position(
        RdKafka::TopicPartition::create(spec_.ioConfig.topic, partition, target));
    RdKafka::ErrorCode sought = consumer_->seek(*position, kWatermarkTimeoutMs);
    if (sought != RdKafka::ERR_NO_ERROR) {
      // Without the seek, the messages since the last commit would be lost;
      // leaving the group makes the next assignment start from the catalog.
      logger("ingest.kafka")
          ->error("cannot seek back after a failed commit, rejoining the group table={} partition={} error={}",
                  spec_.dataSource, partition, RdKafka::err2str(sought));
      consumer_->unsubscribe();
      consumer_->subscribe({spec_.ioConfig.topic});
      return;
    }
    offsets.currentOffset = target;
  }
}

void Supervisor::onAssign(std::vector<RdKafka::TopicPartition*>& partitions) {
  ThreadState& state = *threadState_;
  auto log = logger("ingest.kafka");

  // Stored offsets count only when they belong to the current epoch.
  std::map<std::string, std::string> properties;
  auto stored = database_.tableProperties(spec_.dataSource);
  if (stored.ok()) properties = std::move(*stored);
  auto epoch = parseOffset(properties, std::string(kOffsetsEpochProperty));
  bool offsetsValid = epoch.has_value() && static_cast<uint64_t>(*epoch) == offsetsEpoch_;

  for (RdKafka::TopicPartition* tp : partitions) {
    std::optional<int64_t> start;
    if (offsetsValid) start = parseOffset(properties, kafkaOffsetProperty(tp->topic(), tp->partition()));
    std::string_view source = "catalog";
    if (!start.has_value()) {
      int64_t low = 0;
      int64_t high = 0;
      RdKafka::ErrorCode queried =
          consumer_->query_watermark_offsets(tp->topic(), tp->partition(), &low, &high, kWatermarkTimeoutMs);
      if (queried == RdKafka::ERR_NO_ERROR) {
        start = spec_.ioConfig.useEarliestOffset ? low : high;
        source = spec_.ioConfig.useEarliestOffset ? "earliest" : "latest";
      }
    }
    Partition& entry = state.partitions[tp->partition()];
    if (start.has_value()) {
      tp->set_offset(*start);
      entry.startOffset = *start;
      entry.currentOffset = *start;
      entry.committedOffset = source == "catalog" ? *start : -1;
    } else {
      // The logical offset is resolved by the broker on the first fetch.
      tp->set_offset(spec_.ioConfig.useEarliestOffset ? RdKafka::Topic::OFFSET_BEGINNING
                                                      : RdKafka::Topic::OFFSET_END);
      source = "unresolved";
    }
    log->info("partition assigned table={} topic={} partition={} offset={} source={}", spec_.dataSource,
              tp->topic(), tp->partition(), tp->offset(), source);
  }

  RdKafka::Error* error = nullptr;
  RdKafka::ErrorCode code = RdKafka::ERR_NO_ERROR;
  if (consumer_->rebalance_protocol() == "COOPERATIVE") {
    error = consumer_->incremental_assign(partitions);
  } else {
    code = consumer_->assign(partitions);
  }
  if (error != nullptr) {
    setLastError(strCat("cannot assign partitions: ", error->str()));
    delete error;
  } else if (code != RdKafka::ERR_NO_ERROR) {
    setLastError(strCat("cannot assign partitions: ", RdKafka::err2str(code)));
  }
  std::lock_guard<std::mutex> lock(statusMutex_);
  partitions_ = state.partitions;
}

void Supervisor::onRevoke(std::vector<RdKafka::TopicPartition*>& partitions) {
  ThreadState& state = *threadState_;

  // Commit what was read from these partitions before another member reads them.
  flush();
  for (RdKafka::TopicPartition* tp : partitions) {
    state.partitions.erase(tp->partition());
    logger("ingest.kafka")
        ->info("partition revoked table={} topic={} partition={}", spec_.dataSource, tp->topic(), tp->partition());
  }
  if (consumer_->rebalance_protocol() == "COOPERATIVE") {
    RdKafka::Error* error = consumer_->incremental_unassign(partitions);
    delete error;
  } else {
    consumer_->unassign();
  }
  std::lock_guard<std::mutex> lock(statusMutex_);
  partitions_ = state.partitions;
}

void Supervisor::refreshWatermarks() {
  ThreadState& state = *threadState_;
  for (auto& [partition, offsets] : state.partitions) {
    int64_t low = 0;
    int64_t high = 0;
    if (consumer_->get_watermark_offsets(spec_.ioConfig.topic, partition, &low, &high) == RdKafka::ERR_NO_ERROR &&
        high >= 0) {
      offsets.highWatermark = high;
    }
  }
}

void Supervisor::setLastError(std::string error) {
  bool log = false;
  uint64_t suppressed = 0;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    lastError_ = error;
    int64_t now = nowMs();
    if (now - lastErrorLogMs_ >= kErrorLogIntervalMs) {
      lastErrorLogMs_ = now;
      suppressed = suppressedErrorLogs_;
      suppressedErrorLogs_ = 0;
      log = true;
    } else {
      ++suppressedErrorLogs_;
    }
  }
  if (log) {
    logger("ingest.kafka")
        ->warn("supervisor error table={} error={} repeats_not_logged={}", spec_.dataSource, error, suppressed);
  }
}

SupervisorStatus Supervisor::status() const {
  SupervisorStatus status;
  status.id = spec_.dataSource;
  status.topic = spec_.ioConfig.topic;
  std::lock_guard<std::mutex> lock(statusMutex_);
  for (const auto& [partition, offsets] : partitions_) {
    status.partitions.push_back({partition, offsets.committedOffset, offsets.currentOffset, offsets.highWatermark});
  }
  status.stats = stats_;
  status.recentErrors.assign(recentErrors_.begin(), recentErrors_.end());
  status.lastError = lastError_;
  return status;
}

}  // namespace furl::ingest
