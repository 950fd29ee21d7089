// furl-kafka-broker: librdkafka's mock cluster (rdkafka_mock.h) run as a
// process of its own, so that integration tests, kcat and furld can talk to a
// Kafka-protocol broker on this machine without a real Kafka installation.
//
//   furl-kafka-broker --port N [--brokers 1] [--topic name:partitions ...]
//                     [--port-file FILE] [--request-errors API:COUNT:ERROR ...]
//
// The brokers listen on 127.0.0.1:N, 127.0.0.1:N+1, ... The bootstrap address
// list goes to stdout (one line) and, when --port-file is given, to FILE,
// which appears complete (written to a temporary name, then renamed). The
// process runs until SIGINT or SIGTERM and then exits with status 0.
//
// The mock cluster keeps everything in memory and drops the oldest batches of
// a partition past about 5 MiB, so a restart loses all messages.

#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "common/logging.h"

namespace {

// The next port that an interposed bind() hands out; 0 leaves bind() alone.
// Only the thread that creates the mock cluster sets it, and librdkafka binds
// the broker listeners from that thread inside rd_kafka_mock_cluster_new().
std::atomic<int> nextListenerPort{0};

}  // namespace

// bind() interposer. librdkafka's mock brokers listen on 127.0.0.1 port 0,
// which the kernel turns into a random port. While nextListenerPort is set,
// a loopback IPv4 bind to port 0 gets that port instead, and the counter
// moves on to the next port for the next broker. SO_REUSEADDR lets a port in
// TIME_WAIT from an earlier run be reused. Every other bind() goes to the C
// library unchanged.
extern "C" __attribute__((visibility("default"))) int bind(int fd, const struct sockaddr* addr,
                                                          socklen_t len) {
  using BindFn = int (*)(int, const struct sockaddr*, socklen_t);
  static BindFn realBind = reinterpret_cast<BindFn>(dlsym(RTLD_NEXT, "bind"));
  if (realBind == nullptr) {
    errno = ENOSYS;
    return -1;
  }

  int port = nextListenerPort.load();
  if (port == 0 || addr == nullptr || addr->sa_family != AF_INET || len < sizeof(sockaddr_in)) {
    return realBind(fd, addr, len);
  }
  sockaddr_in chosen;
  std::memcpy(&chosen, addr, sizeof(chosen));
  if (chosen.sin_port != 0 || chosen.sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
    return realBind(fd, addr, len);
  }

  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  chosen.sin_port = htons(static_cast<uint16_t>(port));
  nextListenerPort.store(port + 1);
  return realBind(fd, reinterpret_cast<const sockaddr*>(&chosen), sizeof(chosen));
}

namespace {

// Errors the cluster returns to the next COUNT requests of one Kafka API,
// for tests of a client's error paths.
struct RequestErrors {
  int apiKey = 0;
  int count = 0;
  int error = 0;
};

struct TopicOption {
  std::string name;
  int partitions = 1;
};

struct Options {
  int port = 0;
  int brokers = 1;
  std::vector<TopicOption> topics;
  std::string portFile;
  std::vector<RequestErrors> requestErrors;
};

constexpr std::string_view kUsage =
    "usage: furl-kafka-broker --port N [--brokers COUNT] [--topic NAME:PARTITIONS ...]\n"
    "                         [--port-file FILE] [--request-errors API:COUNT:ERROR ...]\n"
    "  --port N          TCP port of the first broker on 127.0.0.1; broker i listens on N+i\n"
    "  --brokers COUNT   number of brokers in the mock cluster (default 1)\n"
    "  --topic T:P       create topic T with P partitions (replication factor 1);\n"
    "                    repeat for more topics\n"
    "  --port-file FILE  also write the bootstrap address list to FILE\n"
    "  --request-errors API:COUNT:ERROR\n"
    "                    fail the next COUNT requests of Kafka API key API (2 is\n"
    "                    ListOffsets) with error code ERROR (29 is\n"
    "                    TOPIC_AUTHORIZATION_FAILED); repeat for more APIs\n";

bool parseInt(std::string_view text, int minValue, int maxValue, int& out) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < minValue || value > maxValue) return false;
  out = value;
  return true;
}

// Returns an error message, or an empty string when the arguments are valid.
std::string parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage.data(), stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return "missing value after " + std::string(arg);
    std::string_view value = argv[++i];

    if (arg == "--port") {
      if (!parseInt(value, 1, 65535, options.port)) {
        return "invalid --port '" + std::string(value) + "'; expected 1..65535";
      }
    } else if (arg == "--brokers") {
      if (!parseInt(value, 1, 16, options.brokers)) {
        return "invalid --brokers '" + std::string(value) + "'; expected 1..16";
      }
    } else if (arg == "--topic") {
      TopicOption topic;
      size_t colon = value.rfind(':');
      topic.name = std::string(value.substr(0, colon));
      if (colon != std::string_view::npos &&
          !parseInt(value.substr(colon + 1), 1, 1000, topic.partitions)) {
        return "invalid --topic '" + std::string(value) + "'; expected NAME:PARTITIONS with 1..1000 partitions";
      }
      if (topic.name.empty()) return "invalid --topic '" + std::string(value) + "'; the topic name is empty";
      options.topics.push_back(std::move(topic));
    } else if (arg == "--port-file") {
      options.portFile = std::string(value);
    } else if (arg == "--request-errors") {
      RequestErrors errors;
      size_t first = value.find(':');
      size_t second = first == std::string_view::npos ? first : value.find(':', first + 1);
      if (second == std::string_view::npos || !parseInt(value.substr(0, first), 0, 1000, errors.apiKey) ||
          !parseInt(value.substr(first + 1, second - first - 1), 1, 1000, errors.count) ||
          !parseInt(value.substr(second + 1), 1, 1000, errors.error)) {
        return "invalid --request-errors '" + std::string(value) +
               "'; expected API:COUNT:ERROR, e.g. 2:1:29 for one failed ListOffsets request";
      }
      options.requestErrors.push_back(errors);
    } else {
      return "unknown option " + std::string(arg);
    }
  }
  if (options.port == 0) return "missing --port";
  if (options.port + options.brokers - 1 > 65535) return "--port plus --brokers runs past port 65535";
  return "";
}

// Returns 0 when a listener could bind 127.0.0.1:port, else the errno.
// librdkafka 2.0.2 fails an assertion when a mock broker cannot bind, so the
// ports are probed before the cluster is created.
int probePort(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int result = 0;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 || listen(fd, 1) != 0) {
    result = errno;
  }
  close(fd);
  return result;
}

bool writePortFile(const std::string& path, const std::string& bootstraps) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << bootstraps << '\n';
    if (!out.flush()) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string optionError = parseOptions(argc, argv, options);
  if (!optionError.empty()) {
    std::fprintf(stderr, "furl-kafka-broker: %s\n%s", optionError.c_str(), kUsage.data());
    return 2;
  }
  auto log = furl::logger("tools.kafka_broker");
  for (int port = options.port; port < options.port + options.brokers; ++port) {
    if (int err = probePort(port); err != 0) {
      log->error("cannot listen on 127.0.0.1:{}: {}; choose another --port", port, std::strerror(err));
      return 1;
    }
  }

  // Block the stop signals in this thread before librdkafka starts its
  // threads, so they inherit the mask and only sigwait() below receives them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  char errorText[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "4", errorText, sizeof(errorText)) != RD_KAFKA_CONF_OK) {
    log->warn("failed to set log_level: {}", errorText);
  }
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errorText, sizeof(errorText));
  if (handle == nullptr) {
    log->error("rd_kafka_new failed: {}", errorText);
    return 1;
  }

  nextListenerPort.store(options.port);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, options.brokers);
  int portAfterBind = nextListenerPort.exchange(0);
  if (cluster == nullptr || portAfterBind != options.port + options.brokers) {
    log->error("cannot start the mock cluster on 127.0.0.1 ports {}..{}: a port is in use or bind() failed",
               options.port, options.port + options.brokers - 1);
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    return 1;
  }

  for (const TopicOption& topic : options.topics) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, topic.name.c_str(), topic.partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log->error("cannot create topic={} partitions={}: {}", topic.name, topic.partitions, rd_kafka_err2str(err));
      rd_kafka_mock_cluster_destroy(cluster);
      rd_kafka_destroy(handle);
      return 1;
    }
  }

  for (const RequestErrors& errors : options.requestErrors) {
    std::vector<rd_kafka_resp_err_t> codes(static_cast<size_t>(errors.count),
                                           static_cast<rd_kafka_resp_err_t>(errors.error));
    rd_kafka_mock_push_request_errors_array(cluster, static_cast<int16_t>(errors.apiKey), codes.size(), codes.data());
    log->info("request errors queued: api={} count={} error={}", errors.apiKey, errors.count,
              rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(errors.error)));
  }

  std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
  if (!options.portFile.empty() && !writePortFile(options.portFile, bootstraps)) {
    log->error("cannot write port file {}: {}", options.portFile, std::strerror(errno));
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    return 1;
  }
  std::printf("%s\n", bootstraps.c_str());
  std::fflush(stdout);
  log->info("broker started: bootstrap={} brokers={} topics={}", bootstraps, options.brokers,
            options.topics.size());

  int received = 0;
  sigwait(&stopSignals, &received);
  log->info("broker stopping: signal={}", received);

  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  if (!options.portFile.empty()) std::remove(options.portFile.c_str());
  return 0;
}
