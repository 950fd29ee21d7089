// furl-ingest-latency: produce-to-visible latency of Kafka ingestion.
//
// Produces the lines of a JSON file to one Kafka partition at a fixed rate
// with a connected librdkafka producer, and in a second thread runs
// `SELECT count(*) FROM <table>` over HTTP every --poll-ms (2 ms). With
// one partition the consumer reads the events in the order they were
// produced, so when a count of c is returned, events 0 .. c-1 are visible.
// An event's latency is the time from the produce call to the end of the
// first query whose count includes it (so the query's own time is counted
// against Furl, and the poll interval adds up to --poll-ms). The delivery report time (broker acknowledgement) is kept
// too, to separate the producer and broker's part from furld's.
//
// Prints the percentiles and one JSON object on the last line. A benchmark
// driver, bench/ingest/latency.py, starts the broker and furld around it.

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string brokers;
  std::string topic;
  std::string http;  // host:port
  std::string table;
  std::string input;
  size_t events = 1000;
  double rate = 100;  // events per second
  int lingerMs = 0;
  double timeoutSeconds = 60;
  double pollMs = 2;  // pause between two count queries
  std::string dump;   // optional CSV of every event's times
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr,
               "furl-ingest-latency: %s\n"
               "usage: furl-ingest-latency --brokers HOST:PORT --topic TOPIC --http HOST:PORT --table TABLE\n"
               "         --input FILE.jsonl [--events N] [--rate EVENTS_PER_S] [--linger-ms MS] [--poll-ms MS]\n"
               "         [--timeout S] [--dump FILE.csv]\n",
               message);
  std::exit(2);
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + name).c_str());
    std::string value = argv[++i];
    if (name == "--brokers") options.brokers = value;
    else if (name == "--topic") options.topic = value;
    else if (name == "--http") options.http = value;
    else if (name == "--table") options.table = value;
    else if (name == "--input") options.input = value;
    else if (name == "--events") options.events = std::stoul(value);
    else if (name == "--rate") options.rate = std::stod(value);
    else if (name == "--linger-ms") options.lingerMs = std::stoi(value);
    else if (name == "--timeout") options.timeoutSeconds = std::stod(value);
    else if (name == "--poll-ms") options.pollMs = std::stod(value);
    else if (name == "--dump") options.dump = value;
    else usage(("unknown option " + name).c_str());
  }
  if (options.brokers.empty() || options.topic.empty() || options.http.empty() || options.table.empty() ||
      options.input.empty()) {
    usage("--brokers, --topic, --http, --table and --input are required");
  }
  if (options.rate <= 0) usage("--rate must be positive");
  return options;
}

double millisBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

struct Shared {
  std::vector<Clock::time_point> sent;
  std::vector<Clock::time_point> acked;
  std::vector<Clock::time_point> visible;
  std::vector<char> ackedOk;
  std::atomic<size_t> produced{0};
  std::atomic<size_t> seen{0};
  std::atomic<bool> stop{false};
  std::atomic<long> queries{0};
  std::atomic<long> queryErrors{0};
  std::string lastError;
};

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* shared = static_cast<Shared*>(opaque);
  size_t index = reinterpret_cast<uintptr_t>(message->_private);
  shared->acked[index] = Clock::now();
  shared->ackedOk[index] = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t appendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Runs SELECT count(*) until every event is visible or `stop` is set, and
// stamps the events that each new count makes visible.
void pollCounts(const Options& options, Shared& shared) {
  CURL* curl = curl_easy_init();
  std::string url = "http://" + options.http + "/";
  std::string query = "SELECT count(*) FROM " + options.table;
  std::string body;

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, query.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);

  while (!shared.stop.load() && shared.seen.load() < options.events) {
    body.clear();
    CURLcode code = curl_easy_perform(curl);
    Clock::time_point now = Clock::now();
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    shared.queries.fetch_add(1);
    if (code != CURLE_OK || status != 200) {
      shared.queryErrors.fetch_add(1);
      shared.lastError = code != CURLE_OK ? curl_easy_strerror(code) : body;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }

    size_t count = std::strtoull(body.c_str(), nullptr, 10);
    count = std::min(count, shared.produced.load());
    for (size_t i = shared.seen.load(); i < count; ++i) shared.visible[i] = now;
    if (count > shared.seen.load()) shared.seen.store(count);
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(options.pollMs));
  }
  curl_easy_cleanup(curl);
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

void printRow(const char* name, const std::vector<double>& values) {
  std::printf("%-22s p50 %8.2f  p90 %8.2f  p99 %8.2f  max %8.2f ms\n", name, percentile(values, 0.5),
              percentile(values, 0.9), percentile(values, 0.99),
              values.empty() ? 0.0 : *std::max_element(values.begin(), values.end()));
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parseOptions(argc, argv);
  std::vector<std::string> lines;
  {
    std::ifstream in(options.input);
    if (!in) usage(("cannot read --input " + options.input).c_str());
    std::string line;
    while (lines.size() < options.events && std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  if (lines.size() < options.events) {
    std::fprintf(stderr, "furl-ingest-latency: %s has %zu lines, fewer than --events %zu; using %zu\n",
                 options.input.c_str(), lines.size(), options.events, lines.size());
    options.events = lines.size();
  }
  if (options.events == 0) usage("no events to produce");

  Shared shared;
  shared.sent.resize(options.events);
  shared.acked.resize(options.events);
  shared.visible.resize(options.events);
  shared.ackedOk.assign(options.events, 0);

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::string linger = std::to_string(options.lingerMs);
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", options.brokers.c_str()}, {"linger.ms", linger.c_str()}, {"acks", "all"}};
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key, value, error, sizeof error) != RD_KAFKA_CONF_OK) usage(error);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, onDelivery);
  rd_kafka_conf_set_opaque(conf, &shared);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer == nullptr) usage(error);

  // Connect and learn the partition leader before the clock starts, so the
  // first events do not pay for the producer's start-up.
  rd_kafka_topic_t* topic = rd_kafka_topic_new(producer, options.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t metadataError = rd_kafka_metadata(producer, 0, topic, &metadata, 10000);
  if (metadataError != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "furl-ingest-latency: no metadata for topic %s from %s: %s\n", options.topic.c_str(),
                 options.brokers.c_str(), rd_kafka_err2str(metadataError));
    return 1;
  }
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(topic);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::thread poller(pollCounts, std::cref(options), std::ref(shared));

  Clock::time_point start = Clock::now();
  auto interval = std::chrono::duration<double>(1.0 / options.rate);
  for (size_t i = 0; i < options.events; ++i) {
    Clock::time_point due = start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    while (Clock::now() < due) {
      rd_kafka_poll(producer, 0);
      std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::microseconds(200)));
    }
    shared.sent[i] = Clock::now();
    shared.produced.store(i + 1);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_VALUE(lines[i].data(), lines[i].size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(i))), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "furl-ingest-latency: produce of event %zu failed: %s; check the broker at %s\n", i,
                   rd_kafka_err2str(err), options.brokers.c_str());
      shared.stop.store(true);
      poller.join();
      return 1;
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 30000);

  Clock::time_point deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(options.timeoutSeconds));
  while (shared.seen.load() < options.events && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  shared.stop.store(true);
  poller.join();
  rd_kafka_destroy(producer);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  size_t visibleCount = shared.seen.load();
  if (visibleCount < options.events) {
    std::fprintf(stderr, "furl-ingest-latency: only %zu of %zu events visible after %.0f s (last query error: %s); "
                 "check furld's log and the supervisor status\n",
                 visibleCount, options.events, options.timeoutSeconds, shared.lastError.c_str());
    return 1;
  }
  std::vector<double> toVisible;
  std::vector<double> toAck;
  std::vector<double> ackToVisible;
  for (size_t i = 0; i < options.events; ++i) {
    if (!shared.ackedOk[i]) {
      std::fprintf(stderr, "furl-ingest-latency: event %zu was not acknowledged by the broker at %s; check its log\n", i,
                   options.brokers.c_str());
      return 1;
    }
    toVisible.push_back(millisBetween(shared.sent[i], shared.visible[i]));
    toAck.push_back(millisBetween(shared.sent[i], shared.acked[i]));
    ackToVisible.push_back(std::max(0.0, millisBetween(shared.acked[i], shared.visible[i])));
  }
  if (!options.dump.empty()) {
    std::ofstream out(options.dump);
    out << "event,sent_ms,ack_ms,visible_ms\n";
    for (size_t i = 0; i < options.events; ++i) {
      out << i << ',' << millisBetween(start, shared.sent[i]) << ',' << millisBetween(start, shared.acked[i]) << ','
          << millisBetween(start, shared.visible[i]) << '\n';
    }
  }
  std::printf("%zu events at %.0f events/s, %ld count queries (%ld failed), %.1f s\n", options.events,
              options.rate, shared.queries.load(), shared.queryErrors.load(), elapsed);
  printRow("produce to visible", toVisible);
  printRow("produce to broker ack", toAck);
  printRow("broker ack to visible", ackToVisible);
  std::printf(
      "{\"events\": %zu, \"rate\": %.1f, \"queries\": %ld, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
      "\"max_ms\": %.3f, \"ack_p50_ms\": %.3f, \"ack_p99_ms\": %.3f}\n",
      options.events, options.rate, shared.queries.load(), percentile(toVisible, 0.5), percentile(toVisible, 0.9),
      percentile(toVisible, 0.99), *std::max_element(toVisible.begin(), toVisible.end()), percentile(toAck, 0.5),
      percentile(toAck, 0.99));
  curl_global_cleanup();
  return 0;
}
