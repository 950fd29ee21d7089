// furl_native_testd: a database in a directory plus the native server, for
// the integration tests while they run without furld. Prints
// `listening port=N` on stdout once the port is bound and stops on SIGTERM
// or SIGINT.
//
//   furl_native_testd DATA_DIR [PORT] [PASSWORD]

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "protocol/native_server.h"
#include "query/query_engine.h"
#include "storage/database.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: furl_native_testd DATA_DIR [PORT] [PASSWORD]\n");
    return 2;
  }
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  auto database = furl::storage::Database::open(argv[1]);
  if (!database.ok()) {
    std::fprintf(stderr, "cannot open the database in %s: %s\n", argv[1],
                 std::string(database.status().message()).c_str());
    return 1;
  }
  furl::query::QueryEngine engine(**database);

  furl::protocol::NativeServer::Options options;
  options.port = argc > 2 ? std::atoi(argv[2]) : 0;
  if (argc > 3) options.password = argv[3];
  if (const char* idle = std::getenv("FURL_NATIVE_IDLE_TIMEOUT_MS")) options.idleTimeoutMs = std::atoll(idle);
  furl::protocol::NativeServer server(engine, options);
  absl::Status started = server.start();
  if (!started.ok()) {
    std::fprintf(stderr, "%s\n", std::string(started.message()).c_str());
    return 1;
  }
  std::printf("listening port=%d\n", server.port());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stopSignals, &signal);
  server.stop();
  return 0;
}
