#include "ingest/supervisor.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <charconv>
#include <chrono>

#include "common/logging.h"
#include "common/thread_name.h"
#include "ingest/event.h"
#include "ingest/json_row.h"
#include "ingest/target_table.h"
#include "ingest/text_util.h"
#include "simdjson.h"

namespace furl::ingest {
namespace {

/// Time a broker request made from the rebalance callback may take.
constexpr int kWatermarkTimeoutMs = 5000;
/// Longest single consume() wait, so that stop() is noticed quickly.
constexpr int kMaxPollMs = 100;
/// Bytes of the next message's value loaded ahead into the cache.
constexpr size_t kPrefetchBytes = 4096;
/// Messages a consumer processes between two clock reads while messages
/// keep arriving. The status and the offset commit can be that many
/// messages late.
constexpr int kMessagesPerClockRead = 16;
/// Repeated librdkafka errors are logged at most once per this interval.
constexpr int64_t kErrorLogIntervalMs = 10'000;
// A supervisor whose last three errors all fell within 30 seconds, with no
// message counted since, reports itself unhealthy (Druid's supervisors turn
// unhealthy after three failed runs by default).
constexpr size_t kUnhealthyErrors = 3;
constexpr int64_t kUnhealthyWindowMs = 30'000;

// Returns the number of messages whose outcome the table counted, whatever it was.
uint64_t messagesCounted(const IngestCounters& counters) {
  return counters.processed + counters.processedWithError + counters.thrownAway + counters.unparseable;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Asks the CPU to load the start of a message's value into the L2 cache.
void prefetchPayload(const rd_kafka_message_t& message) {
  const char* payload = static_cast<const char*>(message.payload);
  if (payload == nullptr) return;
  size_t bytes = std::min(message.len, kPrefetchBytes);
  for (size_t at = 0; at < bytes; at += 64) {
#if defined(__x86_64__)
    // GCC 12 at -O2 deletes this loop when its body is __builtin_prefetch():
    // objdump showed no prefetch in Supervisor::run. asm volatile stays.
    // Into L2, not L1 (prefetcht0): on an AMD EPYC the 32 L1 prefetches of
    // a hits message stalled the loop, and the consumer thread took 3% more
    // CPU time per event.
    asm volatile("prefetcht1 %0" : : "m"(payload[at]));
#else
    __builtin_prefetch(payload + at, 0, 2);
#endif
  }
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

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

struct Supervisor::Worker {
  size_t index = 0;
  std::unique_ptr<RebalanceHandler> rebalanceHandler;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::thread thread;

  // Owned by the worker's thread while it runs.
  simdjson::dom::parser parser;
  /// Null unless the input format is JSON and the spec names its input fields.
  std::unique_ptr<JsonRowParser> fastParser;
  std::vector<FieldProblem> problems;
  std::map<int32_t, Partition> partitions;
  /// The entry of `partitions` processMessage() used last, or null; reset
  /// where entries are erased.
  Partition* lastPartition = nullptr;
  int32_t lastPartitionId = -1;
  /// The hot table generation this worker's offsets belong to.
  uint64_t generation = 0;
  /// Offsets changed since the last updateStatus().
  bool statusPending = false;
  /// The number of moves of read positions: assignments, revocations, seeks.
  /// A message read before its partition moved is not processed (see run()).
  uint64_t moves = 0;
  /// The last move of every partition at once (Partition::movedAt for one).
  uint64_t allMovedAt = 0;
  /// The partitions assigned at a logical offset that still wait for their
  /// first message (see resolveStart()).
  size_t unresolvedPartitions = 0;
};

class Supervisor::RebalanceHandler : public RdKafka::RebalanceCb {
 public:
  RebalanceHandler(Supervisor& supervisor, Worker& worker) : supervisor_(supervisor), worker_(worker) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode error,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (error == RdKafka::ERR__ASSIGN_PARTITIONS) {
      supervisor_.onAssign(worker_, partitions);
    } else {
      supervisor_.onRevoke(worker_, partitions);
    }
  }

 private:
  Supervisor& supervisor_;
  Worker& worker_;
};

/// Receives librdkafka's errors and logs, from librdkafka's threads too.
/// It may outlive its supervisor: see detach().
class Supervisor::EventHandler : public RdKafka::EventCb {
 public:
  explicit EventHandler(Supervisor& supervisor) : supervisor_(&supervisor) {}

  void event_cb(RdKafka::Event& event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (supervisor_ == nullptr) return;
    auto log = logger("ingest.kafka");
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) supervisor_->brokersDown_.store(true);
        supervisor_->setLastError(strCat("kafka: ", RdKafka::err2str(event.err()), ": ", event.str()));
        break;
      case RdKafka::Event::EVENT_LOG:
        log->debug("librdkafka table={} facility={} message={}", supervisor_->spec_.dataSource, event.fac(),
                   event.str());
        break;
      default:
        break;
    }
  }

  /// Ignores every later event, once the callbacks running now have
  /// returned, so that a consumer destroyed on a thread of its own may
  /// outlive the supervisor.
  void detach() {
    std::lock_guard<std::mutex> lock(mutex_);
    supervisor_ = nullptr;
  }

 private:
  std::mutex mutex_;
  Supervisor* supervisor_;
};

Supervisor::Supervisor(IngestionSpec spec, storage::DatabaseImpl& database, uint64_t offsetsEpoch,
                       SupervisorOptions options)
    : spec_(std::move(spec)), database_(database), offsetsEpoch_(offsetsEpoch), options_(options) {
  if (spec_.inputFields.has_value()) {
    timestampSlot_ = spec_.inputFields->slotOf(spec_.timestampSpec.column);
    if (spec_.transformSpec.filter.has_value()) {
      FieldNameSet filterFields;
      spec_.transformSpec.filter->addInputFields(filterFields);
      for (const std::string& name : filterFields.names()) {
        filterFields_.emplace_back(name, spec_.inputFields->slotOf(name));
      }
    }
  }
}

Supervisor::~Supervisor() { stop(); }

absl::Status Supervisor::start() {
  if (running()) return absl::OkStatus();

  // Create the table, or check that the existing one fits the spec.
  auto def = targetTableDef(spec_);
  if (!def.ok()) return def.status();
  auto existing = database_.snapshot(def->name);
  if (existing.ok()) {
    absl::Status fits = checkTargetTable((*existing)->def, *def);
    if (!fits.ok()) return fits;
    // The spec's tieringSpec replaces the table's rules; without one the
    // rules set with ALTER TABLE stay.
    if (!spec_.tieringSpec.empty()) {
      std::map<std::string, std::optional<std::string>> changes;
      for (const char* key : {"hot_period", "cold_after", "retention"}) changes[key] = std::nullopt;
      for (const auto& [key, value] : spec_.tieringSpec.tableSettings()) changes[key] = value;
      absl::Status altered = database_.alterTableSettings(def->name, changes);
      if (!altered.ok()) return altered;
    }
  } else if (absl::IsNotFound(existing.status())) {
    absl::Status created = database_.createTable(*def, false, true);
    if (!created.ok()) return created;
  } else {
    return existing.status();
  }
  auto current = database_.snapshot(def->name);
  if (!current.ok()) return current.status();

  eventHandler_ = std::make_shared<EventHandler>(*this);
  auto table = std::make_shared<HotTable>(spec_, database_, (*current)->def,
                                          std::map<std::string, std::string>{
                                              {std::string(kOffsetsEpochProperty), std::to_string(offsetsEpoch_)}},
                                          options_.hot);
  // Counters and malformed messages continue from the last commit.
  auto properties = database_.tableProperties(def->name);
  if (!properties.ok()) return properties.status();
  std::shared_ptr<IngestErrorLog> errorLog;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    errorLog = errorLog_;
  }
  if (errorLog == nullptr) {
    auto opened = IngestErrorLog::open(database_.dataDir(), def->name, *properties);
    if (!opened.ok()) return opened.status();
    errorLog = std::move(*opened);
  }
  table->attachLedger(errorLog, countersFromProperties(*properties));
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    errorLog_ = std::move(errorLog);
    table_ = std::move(table);
  }
  stopRequested_.store(false);
  for (int i = 0; i < spec_.ioConfig.taskCount; ++i) {
    absl::Status started = startWorker(static_cast<size_t>(i));
    if (!started.ok()) {
      stop();
      return started;
    }
  }
  table_->start();
  logger("ingest.kafka")
      ->info("supervisor started table={} topic={} group=furl-{} consumers={} offsets_epoch={}", spec_.dataSource,
             spec_.ioConfig.topic, spec_.dataSource, spec_.ioConfig.taskCount, offsetsEpoch_);
  return absl::OkStatus();
}

std::map<std::string, std::string> consumerSettings(const IngestionSpec& spec, size_t index) {
  // Consumer properties from the spec first, then the ones exactly-once needs.
  std::map<std::string, std::string> settings = spec.ioConfig.consumerProperties;
  settings["group.id"] = strCat("furl-", spec.dataSource);
  settings["enable.auto.commit"] = "false";
  settings["enable.auto.offset.store"] = "false";
  // Out-of-range offsets come back as errors instead of a silent jump, so
  // the supervisor applies the spec's reset policy and counts what it skips.
  // Start offsets never depend on this setting: onAssign() sets them.
  settings["auto.offset.reset"] = "error";
  std::string clientId = settings.contains("client.id") ? settings["client.id"] : strCat("furl-", spec.dataSource);
  settings["client.id"] = spec.ioConfig.taskCount > 1 ? strCat(clientId, "-", index) : clientId;
  // librdkafka's default of 500 ms lets the broker hold a fetch that long
  // when a partition has no new data, which would dominate the time from
  // produce to visible; the spec may set another value.
  if (!settings.contains("fetch.wait.max.ms")) settings["fetch.wait.max.ms"] = "20";
  // librdkafka 2.0 stops fetching once a consumer's queue contains more than
  // queued.max.messages.kbytes (default 64 MiB) or queued.min.messages
  // (100,000), and looks at the queue again only once a second. A consumer
  // that drains 64 MiB in a fraction of a second then waits for the rest
  // of that second: 1M hits rows took 12 s with the defaults and 3.6 to
  // 5.3 s with these (docs/ingestion.md). Each consumer of a supervisor
  // has a queue of its own.
  if (!settings.contains("queued.max.messages.kbytes")) settings["queued.max.messages.kbytes"] = "262144";
  if (!settings.contains("queued.min.messages")) settings["queued.min.messages"] = "1000000";
  // librdkafka reads each fetch response (up to fetch.max.bytes, 50 MiB by
  // default) into one buffer, which glibc maps afresh for every response
  // above 32 MiB (see tuneMalloc() in server/main.cpp). librdkafka requires
  // fetch.max.bytes >= message.max.bytes and receive.message.max.bytes >=
  // fetch.max.bytes + 512, so a spec that sets one of them keeps its own.
  if (!settings.contains("fetch.max.bytes") && !settings.contains("message.max.bytes") &&
      !settings.contains("receive.message.max.bytes")) {
    settings["fetch.max.bytes"] = "16777216";
  }
  return settings;
}

absl::Status Supervisor::startWorker(size_t index) {
  auto worker = std::make_unique<Worker>();
  worker->index = index;
  if (spec_.ioConfig.inputFormat.type == InputFormatType::kJson && spec_.inputFields.has_value()) {
    worker->fastParser = std::make_unique<JsonRowParser>(*spec_.inputFields);
  }
  worker->rebalanceHandler = std::make_unique<RebalanceHandler>(*this, *worker);

  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  std::map<std::string, std::string> settings = consumerSettings(spec_, index);
  for (const auto& [key, value] : settings) {
    if (conf->set(key, value, error) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(
          strCat("spec.ioConfig.consumerProperties.", key, ": librdkafka rejected '", value, "': ", error));
    }
  }
  if (conf->set("rebalance_cb", worker->rebalanceHandler.get(), error) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", eventHandler_.get(), error) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError(strCat("cannot set the consumer callbacks: ", error));
  }
  worker->consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (worker->consumer == nullptr) {
    return absl::InvalidArgumentError(strCat("cannot create the Kafka consumer: ", error));
  }
  RdKafka::ErrorCode subscribed = worker->consumer->subscribe({spec_.ioConfig.topic});
  if (subscribed != RdKafka::ERR_NO_ERROR) {
    return absl::UnavailableError(
        strCat("cannot subscribe to topic '", spec_.ioConfig.topic, "': ", RdKafka::err2str(subscribed)));
  }
  worker->generation = table_->generation();
  Worker& ref = *worker;
  workers_.push_back(std::move(worker));
  ref.thread = std::thread([this, &ref] {
    setThreadName(strCat("furl-ingest-", ref.index));
    run(ref);
  });
  return absl::OkStatus();
}

void Supervisor::stop() {
  if (workers_.empty() && table_ == nullptr) return;
  stopRequested_.store(true);
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  if (table_ != nullptr) {
    table_->stop();
    absl::Status persisted = table_->persist("stop");
    if (!persisted.ok()) {
      logger("ingest.kafka")
          ->warn("persist at stop failed; the rows are read again at the next start table={} error={}",
                 spec_.dataSource, persisted.ToString());
    }
  }
  // close() leaves the group, and its revoke callback finds nothing more to
  // persist. With every broker unreachable, librdkafka 2.0 waits for the
  // group coordinator up to session.timeout.ms (45 s by default), in close()
  // and also when it destroys the consumer (measured here: 45.1 s). So such
  // a consumer is destroyed without close() on a thread of its own, which
  // keeps the event handler alive. That destruction skips the rebalance
  // callbacks, and the group notices the member's absence when its session
  // times out.
  bool unreachable = brokersDown_.load();
  for (auto& worker : workers_) {
    if (worker->consumer == nullptr) continue;
    if (unreachable) {
      logger("ingest.kafka")
          ->warn("kafka brokers unreachable, consumer stopped without leaving the group table={} consumer={}",
                 spec_.dataSource, worker->index);
      std::thread([consumer = std::move(worker->consumer), handler = eventHandler_]() mutable {
        setThreadName("furl-kafka-end");
        consumer.reset();
      }).detach();
      continue;
    }
    commitKafkaOffsets(*worker);
    worker->consumer->close();
  }
  workers_.clear();
  if (eventHandler_ != nullptr) eventHandler_->detach();
  brokersDown_.store(false);
  std::shared_ptr<HotTable> table;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    if (table_ != nullptr) lastCounters_ = table_->counters();
    table = std::move(table_);
    partitions_.clear();
  }
  table.reset();
  logger("ingest.kafka")->info("supervisor stopped table={}", spec_.dataSource);
}

void Supervisor::run(Worker& worker) {
  const int64_t statusIntervalUs = options_.statusIntervalMs * 1000;
  int64_t lastStatusUs = nowUs();
  int64_t lastCommitMs = nowMs();
  // Read after an idle poll and once per kMessagesPerClockRead messages: at
  // one read per message, clock_gettime took about 2% of the CPU time of the
  // hits ingest benchmark.
  int64_t currentUs = nowUs();
  int messagesSinceClockRead = 0;
  rd_kafka_t* consumer = worker.consumer->c_ptr();
  // The worker polls one message ahead, so that the next value is on its way
  // into the cache while the current one is parsed. Replaying hits messages
  // from memory, loading the next one ahead took 5% less CPU time. A
  // rebalance callback or a seek may move a partition between the two
  // polls, and then `current` is dropped: the moved partition reads it
  // again, or another consumer owns it now.
  MessagePtr current;
  uint64_t currentAt = 0;  // the move count when `current` was polled
  while (!stopRequested_.load()) {
    // While the status lags, wait no longer than until its update is due.
    int waitMs = kMaxPollMs;
    if (worker.statusPending) {
      int64_t dueInUs = lastStatusUs + statusIntervalUs - currentUs;
      waitMs = dueInUs <= 0 ? 0 : static_cast<int>(std::min<int64_t>(kMaxPollMs, (dueInUs + 999) / 1000));
    }
    // A poll that does not wait reads the clock once less in librdkafka,
    // and messages are usually waiting.
    MessagePtr next(rd_kafka_consumer_poll(consumer, 0));
    if (next == nullptr && current == nullptr && waitMs > 0) next.reset(rd_kafka_consumer_poll(consumer, waitMs));
    uint64_t nextAt = worker.moves;
    if (next != nullptr) {
      prefetchPayload(*next);
      if (next->err == RD_KAFKA_RESP_ERR_NO_ERROR && brokersDown_.load(std::memory_order_relaxed)) {
        brokersDown_.store(false);
      }
      if (worker.unresolvedPartitions > 0 && next->err == RD_KAFKA_RESP_ERR_NO_ERROR) resolveStart(worker, *next);
    }

    bool idle = current == nullptr;
    if (current != nullptr && !readBeforeMove(worker, *current, currentAt)) {
      if (current->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        processMessage(worker, current->partition, current->offset,
                       std::string_view(static_cast<const char*>(current->payload), current->len));
      } else {
        idle = true;
        handleMessageError(worker, *current);
      }
    }
    current = std::move(next);
    currentAt = nextAt;

    if (worker.generation != table_->generation()) {
      rewind(worker);
      continue;
    }
    if (idle || ++messagesSinceClockRead >= kMessagesPerClockRead) {
      currentUs = nowUs();
      messagesSinceClockRead = 0;
    }
    if (worker.statusPending && (idle || currentUs - lastStatusUs >= statusIntervalUs)) {
      updateStatus(worker);
      lastStatusUs = currentUs;
    }
    int64_t now = currentUs / 1000;
    if (now - lastCommitMs >= 1000) {
      if (spec_.tuningConfig.resetOffsetAutomatically) retryOffsetResets(worker);
      commitKafkaOffsets(worker);
      refreshWatermarks(worker);
      publishPartitions(worker);
      lastCommitMs = now;
    }
  }
  updateStatus(worker);
}

bool Supervisor::readBeforeMove(const Worker& worker, const rd_kafka_message_t& message, uint64_t readAt) {
  // Only data and out-of-range errors belong to a read position. Other
  // errors, such as a failed commit, are reported whatever moved.
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR && message.err != RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) return false;
  // When nothing moved since the poll, the common case, no partition lookup
  // is needed. It took 1.5% of furld's CPU time in the hits ingest benchmark.
  if (worker.moves == readAt) return false;
  if (worker.allMovedAt > readAt) return true;
  auto found = worker.partitions.find(message.partition);
  return found == worker.partitions.end() || found->second.movedAt > readAt;
}

void Supervisor::resolveStart(Worker& worker, const rd_kafka_message_t& message) {
  auto found = worker.partitions.find(message.partition);
  if (found == worker.partitions.end() || found->second.currentOffset >= 0) return;
  // The first message of a partition assigned at a logical offset fixes its
  // start before it is processed. A persist, a rewind or an eager offset
  // reset then starts from it, even if run() drops the message.
  found->second.startOffset = message.offset;
  found->second.currentOffset = message.offset;
  table_->assign(message.partition, message.offset, false);
  countUnresolved(worker);
}

void Supervisor::countUnresolved(Worker& worker) {
  worker.unresolvedPartitions = 0;
  for (const auto& [partition, entry] : worker.partitions) {
    if (entry.currentOffset < 0) ++worker.unresolvedPartitions;
  }
}

void Supervisor::markMoved(Worker& worker, std::optional<int32_t> partition) {
  ++worker.moves;
  if (!partition.has_value()) {
    worker.allMovedAt = worker.moves;
    return;
  }
  auto found = worker.partitions.find(*partition);
  if (found != worker.partitions.end()) found->second.movedAt = worker.moves;
}

void Supervisor::handleMessageError(Worker& worker, const rd_kafka_message_t& message) {
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      break;
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      onOffsetOutOfRange(worker, message.partition, message.offset, rd_kafka_message_errstr(&message));
      break;
    default:
      setLastError(strCat("kafka: ", rd_kafka_message_errstr(&message)));
      break;
  }
}

void Supervisor::processMessage(Worker& worker, int32_t partition, int64_t offset, std::string_view payload) {
  // Messages come in runs from one partition.
  if (worker.lastPartition == nullptr || worker.lastPartitionId != partition) {
    auto found = worker.partitions.find(partition);
    // A message of a partition revoked since it was read belongs to the
    // partition's next owner.
    if (found == worker.partitions.end()) return;
    worker.lastPartition = &found->second;
    worker.lastPartitionId = partition;
  }
  // A message before the next offset was read before a seek back or a new
  // assignment, and is counted already or read again.
  if (offset < worker.lastPartition->currentOffset) return;
  worker.lastPartition->currentOffset = offset + 1;
  worker.statusPending = true;
  auto advance = [&](MessageOutcome outcome) {
    table_->advance(worker.generation, partition, offset + 1, outcome, nullptr);
  };
  auto drop = [&](std::string_view reason, std::string error) {
    IngestError record = recordError(worker, partition, offset, reason, std::move(error), payload);
    table_->advance(worker.generation, partition, offset + 1, MessageOutcome::kUnparseable, &record);
  };

  if (payload.empty()) {
    drop("empty", "the message has no value");
    return;
  }

  if (worker.fastParser != nullptr && processJsonFast(worker, partition, offset, payload)) return;

  // Decode per the input format.
  absl::StatusOr<Event> event = absl::InvalidArgumentError("");
  const InputFormat& format = spec_.ioConfig.inputFormat;
  std::string_view reason;
  if (format.type == InputFormatType::kJson) {
    event = parseJsonEvent(payload, worker.parser, spec_.inputFieldsOrAll(), &format.flattenSpec);
    reason = "invalid_json";
  } else {
    std::string_view line = payload;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    event = parseDelimitedEvent(line, format.columns, format.delimiter, format.listDelimiter);
    reason = "invalid_row";
  }
  if (!event.ok()) {
    drop(reason, std::string(toStd(event.status().message())));
    return;
  }

  auto timeMs = spec_.eventTimeMs(*event);
  if (!timeMs.ok()) {
    drop("invalid_timestamp", std::string(toStd(timeMs.status().message())));
    return;
  }
  // Druid's order: timestampSpec, then transforms, then the filter.
  timeMs = spec_.applyTransforms(*event, *timeMs);
  if (!timeMs.ok()) {
    drop("invalid_timestamp", std::string(toStd(timeMs.status().message())));
    return;
  }
  if (!spec_.passesFilter(*event)) {
    advance(MessageOutcome::kThrownAway);
    return;
  }

  // The table counts the message and keeps its record under the same lock
  // as the row and the offset.
  auto recordProblems = [&](const std::vector<FieldProblem>& problems) {
    std::string error;
    for (const FieldProblem& problem : problems) {
      if (!error.empty()) error += "; ";
      strAppend(&error, "field '", problem.field, "': ", problem.message);
    }
    return recordError(worker, partition, offset, "invalid_field", std::move(error), payload);
  };
  absl::Status added =
      table_->add(worker.generation, partition, offset + 1, *event, *timeMs, worker.problems, recordProblems);
  if (!added.ok()) {
    // The hot rows were discarded; run() rewinds this worker.
    if (!absl::IsFailedPrecondition(added)) setLastError(strCat("cannot add rows: ", toStd(added.message())));
  }
}

std::optional<int64_t> Supervisor::fastEventTimeMs(const std::vector<ScalarField>& fields) const {
  return scalarEventTimeMs(spec_.timestampSpec, fields[static_cast<size_t>(timestampSlot_)]);
}

bool Supervisor::processJsonFast(Worker& worker, int32_t partition, int64_t offset, std::string_view payload) {
  if (!worker.fastParser->parse(payload)) return false;
  const std::vector<ScalarField>& fields = worker.fastParser->fields();
  std::optional<int64_t> timeMs = fastEventTimeMs(fields);
  if (!timeMs.has_value()) return false;

  if (spec_.transformSpec.filter.has_value()) {
    // The filter reads an Event, so it gets one with only its own fields.
    Event event;
    for (const auto& [name, slot] : filterFields_) {
      const ScalarField& field = fields[static_cast<size_t>(slot)];
      if (field.kind != ScalarField::Kind::kAbsent) event.set(name, field.toValue());
    }
    if (!spec_.transformSpec.filter->matches(event)) {
      table_->advance(worker.generation, partition, offset + 1, MessageOutcome::kThrownAway, nullptr);
      return true;
    }
  }

  absl::StatusOr<bool> added = table_->tryAdd(worker.generation, partition, offset + 1, fields, *timeMs);
  if (!added.ok()) {
    // The hot rows were discarded; run() rewinds this worker.
    if (!absl::IsFailedPrecondition(added.status())) {
      setLastError(strCat("cannot add rows: ", toStd(added.status().message())));
    }
    return true;
  }
  return *added;
}

IngestError Supervisor::recordError(Worker& worker, int32_t partition, int64_t offset, std::string_view reason,
                                    std::string error, std::string_view payload) {
  IngestError record;
  record.wallTimeMs = wallNowMs();
  record.topic = spec_.ioConfig.topic;
  record.partition = partition;
  record.offset = offset;
  record.reason = std::string(reason);
  record.error = std::move(error);
  record.rawBytes = static_cast<uint32_t>(std::min<size_t>(payload.size(), UINT32_MAX));
  record.raw = std::string(payload.substr(0, kMaxRawBytes));

  // The status keeps a shorter copy of the newest errors.
  ParseErrorRecord recent;
  recent.wallTimeMs = record.wallTimeMs;
  recent.partition = partition;
  recent.offset = offset;
  recent.reason = record.reason;
  recent.error = record.error;
  recent.rawPrefix = std::string(payload.substr(0, options_.rawPrefixBytes));
  // Into the status at once: a query may see the rows after this message
  // before the next updateStatus(). NOTE: after a discard the messages
  // read again are recorded again, so the list may show an error twice.
  std::lock_guard<std::mutex> lock(statusMutex_);
  recentErrors_.push_back(std::move(recent));
  while (recentErrors_.size() > options_.maxRecentErrors) recentErrors_.pop_front();
  return record;
}

void Supervisor::updateStatus(Worker& worker) {
  worker.statusPending = false;

  std::lock_guard<std::mutex> lock(statusMutex_);
  partitions_[worker.index] = worker.partitions;
}

void Supervisor::rewind(Worker& worker) {
  // The messages read since the last persist are read again.
  markMoved(worker, std::nullopt);
  worker.statusPending = false;
  worker.generation = table_->generation();
  std::map<int32_t, int64_t> committed = table_->committedOffsets();
  for (auto& [partition, offsets] : worker.partitions) {
    // A partition stopped at an out-of-range offset is not being fetched, and
    // its committed offset is the one that was out of range.
    if (offsets.outOfRangeOffset >= 0) continue;
    auto it = committed.find(partition);
    int64_t target = it != committed.end() ? it->second : offsets.startOffset;
    if (target < 0) continue;
    std::unique_ptr<RdKafka::TopicPartition> position(
        RdKafka::TopicPartition::create(spec_.ioConfig.topic, partition, target));
    RdKafka::ErrorCode sought = worker.consumer->seek(*position, kWatermarkTimeoutMs);
    if (sought != RdKafka::ERR_NO_ERROR) {
      // Without the seek, the messages since the last persist would be lost;
      // leaving the group makes the next assignment start from the catalog.
      logger("ingest.kafka")
          ->error("cannot seek back after the hot rows were discarded, rejoining the group table={} partition={} "
                  "error={}",
                  spec_.dataSource, partition, RdKafka::err2str(sought));
      worker.consumer->unsubscribe();
      worker.consumer->subscribe({spec_.ioConfig.topic});
      return;
    }
    offsets.currentOffset = target;
    table_->assign(partition, target, it != committed.end());
  }
  for (int64_t waited = 0; waited < options_.retryDelayMs && !stopRequested_.load(); waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Supervisor::onAssign(Worker& worker, std::vector<RdKafka::TopicPartition*>& partitions) {
  auto log = logger("ingest.kafka");
  // A consumer without partitions starts afresh from the catalog. One that
  // keeps some (cooperative rebalancing) keeps its generation, so that
  // run() still rewinds them after a discard.
  if (worker.partitions.empty()) worker.generation = table_->generation();

  // Stored offsets count only when they belong to the current epoch.
  std::map<std::string, std::string> properties;
  auto stored = database_.tableProperties(spec_.dataSource);
  if (stored.ok()) properties = std::move(*stored);
  auto epoch = parseOffset(properties, std::string(kOffsetsEpochProperty));
  bool offsetsValid = epoch.has_value() && static_cast<uint64_t>(*epoch) == offsetsEpoch_;

  bool newStart = false;
  for (RdKafka::TopicPartition* tp : partitions) {
    std::optional<int64_t> start;
    if (offsetsValid) start = parseOffset(properties, kafkaOffsetProperty(tp->topic(), tp->partition()));
    std::string_view source = "catalog";
    if (!start.has_value()) {
      int64_t low = 0;
      int64_t high = 0;
      RdKafka::ErrorCode queried =
          worker.consumer->query_watermark_offsets(tp->topic(), tp->partition(), &low, &high, kWatermarkTimeoutMs);
      if (queried == RdKafka::ERR_NO_ERROR) {
        start = spec_.ioConfig.useEarliestOffset ? low : high;
        source = spec_.ioConfig.useEarliestOffset ? "earliest" : "latest";
      }
    }
    Partition& entry = worker.partitions[tp->partition()];
    markMoved(worker, tp->partition());
    if (start.has_value()) {
      tp->set_offset(*start);
      entry.startOffset = *start;
      entry.currentOffset = *start;
      table_->assign(tp->partition(), *start, source == "catalog");
      newStart = newStart || source != "catalog";
    } else {
      // The logical offset is resolved by the broker on the first fetch,
      // and run() records it when the first message arrives.
      tp->set_offset(spec_.ioConfig.useEarliestOffset ? RdKafka::Topic::OFFSET_BEGINNING
                                                      : RdKafka::Topic::OFFSET_END);
      entry.startOffset = -1;
      entry.currentOffset = -1;
      source = "unresolved";
    }
    log->info("partition assigned table={} topic={} partition={} consumer={} offset={} source={}",
              spec_.dataSource, tp->topic(), tp->partition(), worker.index, tp->offset(), source);
  }
  countUnresolved(worker);

  // Make the start offsets durable before reading, so that a crash before
  // the first persist reads again from them rather than from a later
  // "latest" offset.
  if (newStart) {
    absl::Status persisted = table_->persist("assign");
    if (!persisted.ok()) setLastError(strCat("cannot store the start offsets: ", toStd(persisted.message())));
  }

  RdKafka::Error* error = nullptr;
  RdKafka::ErrorCode code = RdKafka::ERR_NO_ERROR;
  if (worker.consumer->rebalance_protocol() == "COOPERATIVE") {
    error = worker.consumer->incremental_assign(partitions);
  } else {
    code = worker.consumer->assign(partitions);
  }
  if (error != nullptr) {
    setLastError(strCat("cannot assign partitions: ", error->str()));
    delete error;
  } else if (code != RdKafka::ERR_NO_ERROR) {
    setLastError(strCat("cannot assign partitions: ", RdKafka::err2str(code)));
  }
  publishPartitions(worker);
}

void Supervisor::onRevoke(Worker& worker, std::vector<RdKafka::TopicPartition*>& partitions) {
  // Persist what was read from these partitions before another member reads
  // them. If that fails, every consumer goes back to the committed offsets,
  // so the new owner and the hot rows cannot both hold a message.
  updateStatus(worker);
  absl::Status persisted = table_->persist("revoke");
  if (!persisted.ok()) {
    setLastError(strCat("persist before giving up partitions failed: ", toStd(persisted.message())));
    table_->discard("persist before a partition revoke failed");
  }
  commitKafkaOffsets(worker);
  std::vector<int32_t> revoked;
  for (RdKafka::TopicPartition* tp : partitions) {
    revoked.push_back(tp->partition());
    worker.lastPartition = nullptr;
    // Counted as a move, so that readBeforeMove() looks the partition up.
    markMoved(worker, tp->partition());
    worker.partitions.erase(tp->partition());
    logger("ingest.kafka")
        ->info("partition revoked table={} topic={} partition={} consumer={}", spec_.dataSource, tp->topic(),
               tp->partition(), worker.index);
  }
  table_->release(revoked);
  countUnresolved(worker);
  if (worker.consumer->rebalance_protocol() == "COOPERATIVE") {
    RdKafka::Error* error = worker.consumer->incremental_unassign(partitions);
    delete error;
  } else {
    worker.consumer->unassign();
  }
  publishPartitions(worker);
}

void Supervisor::onOffsetOutOfRange(Worker& worker, int32_t partition, int64_t offset, const std::string& detail) {
  auto found = worker.partitions.find(partition);
  if (found == worker.partitions.end()) return;  // revoked meanwhile
  Partition& entry = found->second;
  entry.outOfRangeOffset = offset >= 0 ? offset : entry.currentOffset;
  entry.resetRetryMs = 0;
  if (spec_.tuningConfig.resetOffsetAutomatically && resetOutOfRange(worker, partition, entry)) return;

  if (!spec_.tuningConfig.resetOffsetAutomatically) {
    // Druid's behaviour without resetOffsetAutomatically: stop and wait for the operator.
    int64_t low = -1;
    int64_t high = -1;
    RdKafka::ErrorCode queried =
        worker.consumer->query_watermark_offsets(spec_.ioConfig.topic, partition, &low, &high, kWatermarkTimeoutMs);
    std::string range = queried == RdKafka::ERR_NO_ERROR
                            ? strCat("the partition holds offsets ", low, " to ", high)
                            : strCat("the partition's offsets cannot be read: ", RdKafka::err2str(queried));
    entry.outOfRangeError =
        strCat("offset ", entry.outOfRangeOffset, " of partition ", partition, " of topic '", spec_.ioConfig.topic,
               "' is out of range (", range, "), so reading the partition stopped; POST /druid/indexer/v1/supervisor/",
               spec_.dataSource, "/reset to go on from the ", spec_.ioConfig.useEarliestOffset ? "earliest" : "latest",
               " offset, or set tuningConfig.resetOffsetAutomatically to reset by itself");
    logger("ingest.kafka")
        ->error("kafka offset out of range, partition stopped table={} topic={} partition={} offset={} "
                "earliest={} latest={} error={}",
                spec_.dataSource, spec_.ioConfig.topic, partition, entry.outOfRangeOffset, low, high, detail);
  }
  publishPartitions(worker);
}

bool Supervisor::resetOutOfRange(Worker& worker, int32_t partition, Partition& entry) {
  auto log = logger("ingest.kafka");
  int64_t stored = entry.outOfRangeOffset;
  int64_t low = -1;
  int64_t high = -1;
  RdKafka::ErrorCode queried =
      worker.consumer->query_watermark_offsets(spec_.ioConfig.topic, partition, &low, &high, kWatermarkTimeoutMs);
  if (queried != RdKafka::ERR_NO_ERROR) {
    entry.outOfRangeError = strCat("offset ", stored, " of partition ", partition, " of topic '", spec_.ioConfig.topic,
                                   "' is out of range and the partition's offsets cannot be read (",
                                   RdKafka::err2str(queried), "); the reset is tried again every ",
                                   options_.retryDelayMs, " ms");
    entry.resetRetryMs = nowMs() + options_.retryDelayMs;
    log->warn("kafka offset out of range, reset failed table={} topic={} partition={} offset={} error={}",
              spec_.dataSource, spec_.ioConfig.topic, partition, stored, RdKafka::err2str(queried));
    return false;
  }

  int64_t target = spec_.ioConfig.useEarliestOffset ? low : high;
  // Past the end of the partition the log was truncated or recreated, so
  // how many messages were lost is unknown.
  std::optional<uint64_t> skipped;
  if (stored <= high) skipped = static_cast<uint64_t>(std::max<int64_t>(0, target - stored));
  if (!restartPartition(worker, partition, target)) {
    entry.outOfRangeError = strCat("offset ", stored, " of partition ", partition, " of topic '", spec_.ioConfig.topic,
                                   "' is out of range and the consumer cannot be moved to offset ", target,
                                   "; the reset is tried again every ", options_.retryDelayMs, " ms");
    entry.resetRetryMs = nowMs() + options_.retryDelayMs;
    return false;
  }
  if (!table_->resetOffset(worker.generation, partition, target, skipped)) {
    // The hot rows were discarded, so run() seeks every partition back to
    // its committed offset. This one then meets the out-of-range offset
    // again and is reset and counted at that point.
    entry.outOfRangeOffset = -1;
    entry.outOfRangeError.clear();
    entry.currentOffset = target;
    return true;
  }

  entry.outOfRangeOffset = -1;
  entry.outOfRangeError.clear();
  entry.resetRetryMs = 0;
  entry.currentOffset = target;
  entry.highWatermark = high;
  entry.lastReset = OffsetReset{stored, target, skipped, wallNowMs()};
  log->warn("kafka offset out of range, offset reset table={} topic={} partition={} stored_offset={} earliest={} "
            "latest={} new_offset={} skipped_offsets={}",
            spec_.dataSource, spec_.ioConfig.topic, partition, stored, low, high, target,
            skipped.has_value() ? std::to_string(*skipped) : std::string("unknown"));
  absl::Status persisted = table_->persist("offset reset");
  if (!persisted.ok()) setLastError(strCat("cannot commit the reset offset: ", toStd(persisted.message())));
  return true;
}

void Supervisor::retryOffsetResets(Worker& worker) {
  // NOTE: no test makes the watermark query or the re-assignment fail, so
  // this retry path has not run.
  int64_t now = nowMs();
  bool changed = false;
  for (auto& [partition, entry] : worker.partitions) {
    if (entry.outOfRangeOffset < 0 || entry.resetRetryMs == 0 || now < entry.resetRetryMs) continue;
    resetOutOfRange(worker, partition, entry);
    changed = true;
  }
  if (changed) publishPartitions(worker);
}

bool Supervisor::restartPartition(Worker& worker, int32_t partition, int64_t offset) {
  auto log = logger("ingest.kafka");
  std::vector<RdKafka::TopicPartition*> partitions;
  if (worker.consumer->rebalance_protocol() == "COOPERATIVE") {
    // NOTE: the tests run the default eager protocol; this branch is untested.
    markMoved(worker, partition);
    partitions.push_back(RdKafka::TopicPartition::create(spec_.ioConfig.topic, partition, offset));
    RdKafka::Error* error = worker.consumer->incremental_unassign(partitions);
    if (error == nullptr) error = worker.consumer->incremental_assign(partitions);
    RdKafka::TopicPartition::destroy(partitions);
    if (error == nullptr) return true;
    log->error("cannot assign the partition again after an offset reset table={} partition={} error={}",
               spec_.dataSource, partition, error->str());
    delete error;
    return false;
  }

  // An eager assign() replaces the whole assignment, so every other
  // partition goes on from its next offset.
  markMoved(worker, std::nullopt);
  for (const auto& [number, entry] : worker.partitions) {
    int64_t position = entry.currentOffset;
    if (number == partition) {
      position = offset;
    } else if (entry.outOfRangeOffset >= 0) {
      position = entry.outOfRangeOffset;
    } else if (position < 0) {
      position = spec_.ioConfig.useEarliestOffset ? RdKafka::Topic::OFFSET_BEGINNING : RdKafka::Topic::OFFSET_END;
    }
    partitions.push_back(RdKafka::TopicPartition::create(spec_.ioConfig.topic, number, position));
  }
  RdKafka::ErrorCode code = worker.consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  if (code == RdKafka::ERR_NO_ERROR) return true;
  log->error("cannot assign the partitions again after an offset reset table={} partition={} error={}",
             spec_.dataSource, partition, RdKafka::err2str(code));
  return false;
}

void Supervisor::commitKafkaOffsets(Worker& worker) {
  // Kafka's committed offsets serve lag monitoring only; failures do not matter.
  std::map<int32_t, int64_t> committed = table_->committedOffsets();
  std::vector<RdKafka::TopicPartition*> positions;
  for (const auto& [partition, offsets] : worker.partitions) {
    auto it = committed.find(partition);
    if (it != committed.end()) {
      positions.push_back(RdKafka::TopicPartition::create(spec_.ioConfig.topic, partition, it->second));
    }
  }
  if (!positions.empty()) worker.consumer->commitAsync(positions);
  RdKafka::TopicPartition::destroy(positions);
}

void Supervisor::refreshWatermarks(Worker& worker) {
  for (auto& [partition, offsets] : worker.partitions) {
    int64_t low = 0;
    int64_t high = 0;
    if (worker.consumer->get_watermark_offsets(spec_.ioConfig.topic, partition, &low, &high) ==
            RdKafka::ERR_NO_ERROR &&
        high >= 0) {
      offsets.highWatermark = high;
    }
  }
}

void Supervisor::publishPartitions(Worker& worker) {
  std::lock_guard<std::mutex> lock(statusMutex_);
  partitions_[worker.index] = worker.partitions;
}

void Supervisor::setLastError(std::string error) {
  bool log = false;
  uint64_t suppressed = 0;
  std::shared_ptr<HotTable> table;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    table = table_;
  }
  // No caller holds the table's lock here, so reading its counters is safe.
  IngestCounters counters = table != nullptr ? table->counters() : IngestCounters{};
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    lastError_ = error;
    int64_t now = nowMs();
    errorTimesMs_.push_back(now);
    messagesAtLastError_ = messagesCounted(counters);
    if (errorTimesMs_.size() > kUnhealthyErrors) errorTimesMs_.pop_front();
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

absl::StatusOr<std::vector<IngestError>> Supervisor::ingestErrors() const {
  std::shared_ptr<HotTable> table;
  std::shared_ptr<IngestErrorLog> errorLog;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    table = table_;
    errorLog = errorLog_;
  }
  std::vector<IngestError> errors;
  if (errorLog != nullptr) {
    auto committed = errorLog->read();
    if (!committed.ok()) return committed.status();
    errors = std::move(*committed);
  }
  if (table != nullptr) {
    for (IngestError& error : table->uncommittedErrors()) errors.push_back(std::move(error));
  }
  return errors;
}

SupervisorStatus Supervisor::status() const {
  SupervisorStatus status;
  status.id = spec_.dataSource;
  status.topic = spec_.ioConfig.topic;
  std::shared_ptr<HotTable> table;
  {
    std::lock_guard<std::mutex> lock(statusMutex_);
    table = table_;
  }
  std::map<int32_t, int64_t> committed;
  IngestCounters counters;
  if (table != nullptr) {
    committed = table->committedOffsets();
    counters = table->counters();
  }
  std::lock_guard<std::mutex> lock(statusMutex_);
  for (const auto& [index, partitions] : partitions_) {
    for (const auto& [partition, offsets] : partitions) {
      auto it = committed.find(partition);
      PartitionStatus entry;
      entry.partition = partition;
      entry.committedOffset = it != committed.end() ? it->second : -1;
      entry.currentOffset = offsets.currentOffset;
      entry.highWatermark = offsets.highWatermark;
      entry.outOfRangeOffset = offsets.outOfRangeOffset;
      entry.outOfRangeError = offsets.outOfRangeError;
      entry.lastReset = offsets.lastReset;
      status.offsetsOutOfRange = status.offsetsOutOfRange || offsets.outOfRangeOffset >= 0;
      status.partitions.push_back(std::move(entry));
    }
  }
  std::sort(status.partitions.begin(), status.partitions.end(),
            [](const PartitionStatus& a, const PartitionStatus& b) { return a.partition < b.partition; });
  if (table == nullptr) counters = lastCounters_;
  status.stats.processed = counters.processed;
  status.stats.processedWithError = counters.processedWithError;
  status.stats.thrownAway = counters.thrownAway;
  status.stats.unparseable = counters.unparseable;
  status.stats.unparseableByReason = counters.unparseableByReason;
  status.stats.rowsCommitted = counters.rowsCommitted;
  status.stats.commits = counters.commits;
  status.stats.offsetResets = counters.offsetResets;
  status.stats.offsetsSkipped = counters.offsetsSkipped;
  status.stats.offsetResetsSkipUnknown = counters.offsetResetsSkipUnknown;
  status.recentErrors.assign(recentErrors_.begin(), recentErrors_.end());
  status.lastError = lastError_;
  status.failing = errorTimesMs_.size() == kUnhealthyErrors &&
                   nowMs() - errorTimesMs_.front() <= kUnhealthyWindowMs &&
                   messagesCounted(counters) == messagesAtLastError_;
  return status;
}

}  // namespace furl::ingest
