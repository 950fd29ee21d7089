#pragma once

// An HTTP/1.1 server on Boost.Beast. A pool of threads runs one asio
// io_context, each connection reads requests in turn (keep-alive) and the
// handler runs on the pool thread that read the request, so the pool size
// bounds the number of requests served at once.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"

namespace furl::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// Builds the response to one request. Called concurrently from pool
/// threads; it must not throw.
using HttpHandler = std::function<HttpResponse(HttpRequest& request)>;

struct HttpServerOptions {
  std::string listenHost = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
  uint32_t numThreads = 4;
  uint64_t maxBodyBytes = uint64_t{1} << 30;
  /// Idle time after which a keep-alive connection is closed.
  uint32_t keepAliveTimeoutSeconds = 10;
  /// Time allowed to receive one request once its first byte arrived.
  uint32_t requestTimeoutSeconds = 600;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();

  /// Binds, listens and starts the pool threads. Errors: the bind or listen
  /// failure, with the address.
  absl::Status start();

  /// The bound port (useful when options.port was 0). Valid after start().
  uint16_t port() const { return boundPort_; }

  /// Stops accepting, lets requests being served finish for up to
  /// `drainTimeoutMs`, then stops the pool and closes every connection.
  /// `onDrainTimeout` runs when requests are still running at the deadline
  /// (furld cancels their queries there), after which stop waits a few
  /// seconds more. Safe to call more than once.
  void stop(uint32_t drainTimeoutMs, const std::function<void()>& onDrainTimeout = {});

  /// Requests being handled right now.
  uint32_t activeRequests() const { return activeRequests_.load(); }

 private:
  class Session;

  void accept();
  /// Runs the I/O context on one of the server's threads until it stops.
  void runThread();

  HttpServerOptions options_;
  HttpHandler handler_;
  boost::asio::io_context ioContext_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t boundPort_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> activeRequests_{0};
  bool stopped_ = false;
};

}  // namespace furl::server
