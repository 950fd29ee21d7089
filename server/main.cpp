// furld: the Furl server process. Opens the database, serves the HTTP API
// and shuts down cleanly on SIGTERM or SIGINT.

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/logging.h"
#include "ingest/supervisor_manager.h"
#include "protocol/native_server.h"
#include "query/process_list.h"
#include "query/query_engine.h"
#include "server/http_api.h"
#include "server/cold_store.h"
#include "server/http_server.h"
#include "server/server_config.h"
#include "server/supervisor_handler.h"
#include "server/supervisor_system_tables.h"
#include "storage/database_impl.h"

namespace {

// Threads that read and write HTTP sockets; queries run on their own pool,
// so two are enough to serve health checks at once.
constexpr uint32_t kHttpIoThreads = 2;

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "furl";
  return buffer;
}

/// Test hook for crash tests of the mover: with FURL_TEST_TIERING_CRASH_AT
/// set to a step name (uploaded, verified, committed, downloaded,
/// local_verified, local_committed, drop_committed), furld sends itself
/// SIGKILL the first time a move reaches that step.
furl::storage::StorageTuning storageTuningFromEnvironment() {
  furl::storage::StorageTuning tuning;
  const char* crashAt = std::getenv("FURL_TEST_TIERING_CRASH_AT");
  if (crashAt == nullptr || *crashAt == '\0') return tuning;
  std::string step = crashAt;
  furl::logger("server")->warn("test hook on: furld ends with SIGKILL when a segment move reaches step={}", step);
  tuning.tieringFault = [step](furl::storage::TieringStep reached, const std::string& segmentId) {
    if (furl::storage::tieringStepName(reached) == step) {
      furl::logger("server")->warn("test hook: SIGKILL at step={} segment={}", step, segmentId);
      std::raise(SIGKILL);
    }
    return absl::OkStatus();
  };
  return tuning;
}

/// glibc's malloc maps every block above a threshold (128 KiB, rising to
/// the largest block freed) with mmap and gives free memory at the top of
/// a heap back to the kernel. Kafka ingest allocates and frees a fetch
/// response and a decompressed batch of up to a few MiB many times a
/// second, so each one came from fresh pages: 235,000 page faults for 1M
/// hits rows. Blocks up to 32 MiB now come from the heaps, up to 256 MiB
/// of free heap memory is kept for reuse, and heaps grow 64 MiB at a time.
/// That left about 140,000 faults and gave 6% more events per CPU second
/// (docs/ingestion.md). A GLIBC_TUNABLES setting in the environment leaves
/// glibc's own choices.
void tuneMalloc() {
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace furl;
  tuneMalloc();

  auto config = server::parseServerConfig(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "furld: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (config->helpRequested) {
    std::fputs(server::serverHelpText().c_str(), stdout);
    return 0;
  }
  setLogLevel(config->logLevel);
  auto log = logger("server");

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  uint32_t queryThreads =
      config->maxThreads > 0 ? config->maxThreads : std::max(2u, std::thread::hardware_concurrency());
  log->info("starting furld version={} data_dir={} http={}:{} query_threads={} max_queued_queries={}", FURL_VERSION,
            config->dataDir, config->listenHost, config->httpPort, queryThreads, config->maxQueuedQueries);

  auto coldStore = server::openColdStore(*config);
  if (!coldStore.ok()) {
    log->error("cannot configure the S3 store for cold segments error={}", std::string(coldStore.status().message()));
    return 2;
  }
  storage::DatabaseOptions databaseOptions;
  databaseOptions.objectStore = *coldStore;

  // DatabaseImpl rather than Database: Kafka supervisors commit rows and
  // offsets together through its insert-with-properties.
  databaseOptions.coldDir = config->coldDir;
  databaseOptions.coldCacheDir = config->coldCacheDir;
  databaseOptions.coldCacheBytes = config->coldCacheBytes;
  databaseOptions.tieringIntervalMs = config->tieringIntervalMs;
  auto database = storage::DatabaseImpl::open(config->dataDir, databaseOptions, storageTuningFromEnvironment());
  if (!database.ok()) {
    log->error("cannot open the database data_dir={} error={}", config->dataDir,
               std::string(database.status().message()));
    return 1;
  }
  query::QueryEngine engine(**database);
  ingest::SupervisorManager supervisors(**database);
  server::registerSupervisorSystemTables(engine.systemTables(), supervisors);
  // Queries of both servers, for system.processes and KILL QUERY.
  query::ProcessList processes;
  query::registerProcessesTable(engine.systemTables(), processes);

  server::HttpApiOptions apiOptions;
  apiOptions.displayName = config->displayName.empty() ? hostName() : config->displayName;
  apiOptions.maxBodyBytes = config->maxBodyBytes;
  apiOptions.credentials = server::Credentials{config->user, config->password};
  apiOptions.queryThreads = queryThreads;
  apiOptions.maxQueuedQueries = config->maxQueuedQueries;
  server::HttpApi api(engine, apiOptions, processes);

  auto isSupervisorRequest = [](const server::HttpRequest& request) {
    std::string_view target(request.target().data(), request.target().size());
    return server::isSupervisorPath(target.substr(0, target.find('?')));
  };
  server::HttpServerOptions serverOptions;
  serverOptions.listenHost = config->listenHost;
  serverOptions.port = config->httpPort;
  serverOptions.numThreads = kHttpIoThreads;
  serverOptions.workerThreads = queryThreads;
  serverOptions.maxQueuedRequests = config->maxQueuedQueries;
  serverOptions.maxBodyBytes = config->maxBodyBytes;
  // Health checks and supervisor status reads are served while every
  // query thread is busy.
  serverOptions.runsOnIoThread = [isSupervisorRequest](const server::HttpRequest& request) {
    return server::HttpApi::isLightweight(request) ||
           (isSupervisorRequest(request) && request.method() == boost::beast::http::verb::get);
  };
  serverOptions.runsOnControlThread = server::HttpApi::isControlQuery;
  serverOptions.overloadedResponse = [&api](const server::HttpRequest& request) {
    return api.overloadedResponse(request);
  };
  server::HttpServer httpServer(serverOptions, [&api, &supervisors, isSupervisorRequest](
                                                   server::HttpRequest& request, server::ClientConnection& connection) {
    if (isSupervisorRequest(request)) {
      if (auto rejected = server::rejectUnauthenticatedJson(api.credentials(), request)) return std::move(*rejected);
      return server::handleSupervisorRequest(supervisors, request);
    }
    return api.handle(request, connection);
  });
  // The stored supervisors are loaded before the server accepts requests, so a
  // client that sees /ping also sees every supervisor in the list.
  absl::Status supervisorsStarted = supervisors.startStored();
  if (!supervisorsStarted.ok()) {
    log->error("cannot load the Kafka supervisors error={}", std::string(supervisorsStarted.message()));
    return 1;
  }
  absl::Status started = httpServer.start();
  if (!started.ok()) {
    log->error("cannot start the HTTP server error={}", std::string(started.message()));
    return 1;
  }

  protocol::NativeServer::Options nativeOptions;
  nativeOptions.host = config->listenHost;
  nativeOptions.port = config->nativePort;
  nativeOptions.user = config->user;
  nativeOptions.password = config->password;
  nativeOptions.idleTimeoutMs = config->nativeIdleTimeoutMs;
  nativeOptions.processes = &processes;
  protocol::NativeServer nativeServer(engine, nativeOptions);
  absl::Status nativeStarted = nativeServer.start();
  if (!nativeStarted.ok()) {
    log->error("cannot start the native protocol server error={}", std::string(nativeStarted.message()));
    httpServer.stop(0, [] {});
    return 1;
  }
  log->info("listening http={}:{} native={}:{}", config->listenHost, httpServer.port(), config->listenHost,
            nativeServer.port());


  int signal = 0;
  sigwait(&stopSignals, &signal);
  log->info("shutting down signal={} running_requests={} timeout_ms={}", strsignal(signal),
            httpServer.activeRequests(), config->shutdownTimeoutMs);
  nativeServer.stop();
  httpServer.stop(config->shutdownTimeoutMs, [&] {
    log->warn("cancelling queries still running after {} ms running_requests={}", config->shutdownTimeoutMs,
              httpServer.activeRequests());
    processes.cancelAll();
  });
  supervisors.stopAll();
  database->reset();
  log->info("stopped");
  return 0;
}
