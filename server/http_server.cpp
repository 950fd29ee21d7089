#include "server/http_server.h"

#include <array>

#include <chrono>
#include <limits>
#include <optional>

#include "boost/asio/ip/address.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "common/logging.h"
#include "common/thread_name.h"
#include "fmt/format.h"
#include "server/worker_pool.h"

namespace furl::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr uint32_t kHeaderLimitBytes = 1 << 20;  // long GET URLs carry whole queries
// Beast's header fields keep offsets in 16 bits and throw std::length_error on
// a longer name or value (Boost 1.74), so RequestParser rejects those first.
constexpr size_t kMaxFieldBytes = std::numeric_limits<uint16_t>::max() - 2;
constexpr int kCancelGraceMs = 5000;

HttpResponse plainResponse(http::status status, std::string body, unsigned version) {
  HttpResponse response(status, version);
  response.set(http::field::content_type, "text/plain; charset=UTF-8");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

/// Beast's request parser, except that a header field too long for Beast's
/// field storage ends the read with header_limit instead of throwing.
class RequestParser : public http::request_parser<http::string_body> {
 public:
  /// The name of the field that was too long, or empty.
  const std::string& oversizedField() const { return oversizedField_; }

 private:
  void on_field_impl(http::field name, beast::string_view nameText, beast::string_view value,
                     beast::error_code& ec) override {
    if (nameText.size() > kMaxFieldBytes || value.size() > kMaxFieldBytes) {
      oversizedField_ = std::string(nameText.substr(0, 64));
      ec = http::error::header_limit;
      return;
    }
    get().insert(name, nameText, value);
  }

  std::string oversizedField_;
};

bool isMalformedRequest(beast::error_code ec) {
  static const boost::system::error_category& kHttpCategory =
      http::make_error_code(http::error::bad_method).category();
  return ec.category() == kHttpCategory && ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more;
}

// Bytes of a pipelined next request kept while a handler runs. Beyond this
// the server stops watching the connection for a close until the response
// is written.
constexpr size_t kMaxPipelinedBytes = 1 << 20;

}  // namespace

void ClientConnection::onClose(std::function<void()> callback) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) {
    lock.unlock();
    if (callback) callback();
    return;
  }
  onClose_ = std::move(callback);
}

void ClientConnection::markClosed() {
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    callback = std::move(onClose_);
  }
  if (callback) callback();
}

bool ClientConnection::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

/// One connection: read a request header, answer `Expect: 100-continue`,
/// read the body, run the handler, write the response, repeat while the
/// client keeps the connection alive.
class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session> {
 public:
  Session(asio::ip::tcp::socket socket, HttpServer& server) : stream_(std::move(socket)), server_(server) {}

  void start() { readHeader(); }

 private:
  void readHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimitBytes);
    parser_->body_limit(server_.options_.maxBodyBytes);
    stream_.expires_after(std::chrono::seconds(server_.options_.keepAliveTimeoutSeconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(beast::error_code ec) {
    if (ec) return failRead(ec);
    stream_.expires_after(std::chrono::seconds(server_.options_.requestTimeoutSeconds));
    const auto& header = parser_->get();
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto continueResponse = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *continueResponse,
                        [self = shared_from_this(), continueResponse](beast::error_code writeEc, size_t) {
                          if (writeEc) return self->close();
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->onRequest(ec); });
  }

  void failRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      auto body = fmt::format("request body exceeds the limit of {} bytes; raise max-body-bytes or send "
                              "less data per request\n",
                              server_.options_.maxBodyBytes);
      send(plainResponse(http::status::payload_too_large, std::move(body), 11), false, false, true);
      return;
    }
    if (ec == http::error::header_limit && !parser_->oversizedField().empty()) {
      auto body = fmt::format("request header field '{}' is longer than {} bytes; send long values such as "
                              "queries in the POST body\n",
                              parser_->oversizedField(), kMaxFieldBytes);
      send(plainResponse(http::status::request_header_fields_too_large, std::move(body), 11), false, false, true);
      return;
    }
    if (ec == http::error::header_limit) {
      send(plainResponse(http::status::request_header_fields_too_large,
                         "request header exceeds 1 MiB; send the query in the POST body\n", 11),
           false);
      return;
    }
    if (isMalformedRequest(ec)) {
      logger("server.http")->info("malformed request from {}: {}", remoteAddress(), ec.message());
      send(plainResponse(http::status::bad_request,
                         fmt::format("malformed HTTP request: {}; send an HTTP/1.1 request with a valid request "
                                     "line, headers and Content-Length or chunked body\n",
                                     ec.message()),
                         11),
           false, false, true);
      return;
    }
    if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted && ec != beast::error::timeout &&
        ec != asio::error::connection_reset && ec != asio::error::eof) {
      logger("server.http")->debug("read failed: {}", ec.message());
    }
    close();
  }

  void onRequest(beast::error_code ec) {
    if (ec) return failRead(ec);
    auto request = std::make_shared<HttpRequest>(parser_->release());
    keepAlive_ = request->keep_alive();

    // The request counts as active until its response is written, so a
    // draining stop() does not cut the write short.
    server_.activeRequests_.fetch_add(1);
    const HttpServerOptions& options = server_.options_;
    if (!server_.workers_ || (options.runsOnIoThread && options.runsOnIoThread(*request))) {
      ClientConnection connection(remoteHost(), remotePort());
      HttpResponse response = runHandler(*request, connection);
      send(std::move(response), keepAlive_ && !server_.stopping_.load(), true);
      return;
    }

    connection_ = std::make_shared<ClientConnection>(remoteHost(), remotePort());
    responseReady_ = false;
    clientGone_ = false;
    WorkerPool& pool = options.runsOnControlThread && options.runsOnControlThread(*request) ? *server_.controlWorkers_
                                                                                            : *server_.workers_;
    bool queued = pool.trySubmit([self = shared_from_this(), request, connection = connection_] {
      HttpResponse response = self->runHandler(*request, *connection);
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->onResponseReady(std::move(response));
      });
    });
    if (!queued) {
      connection_.reset();
      HttpResponse response = options.overloadedResponse
                                  ? options.overloadedResponse(*request)
                                  : plainResponse(http::status::service_unavailable,
                                                  "every worker thread is busy and the request queue is full; "
                                                  "retry later\n",
                                                  request->version());
      send(std::move(response), keepAlive_ && !server_.stopping_.load(), true);
      return;
    }
    watchForClose();
  }

  HttpResponse runHandler(HttpRequest& request, ClientConnection& connection) {
    try {
      return server_.handler_(request, connection);
    } catch (const std::exception& e) {
      logger("server.http")->error("request {} {} failed with an unexpected exception: {}",
                                   std::string(request.method_string()), std::string(request.target().substr(0, 200)),
                                   e.what());
      return plainResponse(http::status::internal_server_error,
                           fmt::format("internal error: {}; the server keeps running, please report this\n", e.what()),
                           request.version());
    }
  }

  /// Reads from the socket while a worker runs the handler: a read that
  /// fails means the client closed the connection (or reset it), and bytes
  /// that arrive are the start of a pipelined next request, kept in buffer_.
  void watchForClose() {
    watching_ = true;
    stream_.expires_never();
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t bytes) {
      self->onWatchRead(ec, bytes);
    });
  }

  void onWatchRead(beast::error_code ec, size_t bytes) {
    watching_ = false;
    if (!ec) {
      buffer_.commit(bytes);
      if (responseReady_) return sendReadyResponse();
      if (buffer_.size() < kMaxPipelinedBytes) watchForClose();
      return;
    }
    if (ec != asio::error::operation_aborted) {
      clientGone_ = true;
      logger("server.http")->debug("client {} closed the connection while its request was running", remoteAddress());
      connection_->markClosed();
    }
    if (responseReady_) sendReadyResponse();
  }

  void onResponseReady(HttpResponse response) {
    readyResponse_ = std::move(response);
    responseReady_ = true;
    if (watching_) {
      // onWatchRead sends the response once the read is cancelled.
      beast::error_code ignored;
      stream_.socket().cancel(ignored);
      return;
    }
    sendReadyResponse();
  }

  /// Writes the response of a request a worker ran. After the client closed
  /// its side the response is still written (a client that only shut down
  /// sending reads it), and the connection is then closed.
  void sendReadyResponse() {
    connection_.reset();
    send(std::move(readyResponse_), keepAlive_ && !clientGone_ && !server_.stopping_.load(), true);
  }

  /// Writes `response`. With `drainInput` the connection then reads and
  /// discards what the client still sends before closing: closing with
  /// unread data makes the kernel reset the connection, and the client
  /// would lose the response (a 413 sent before the body was read).
  void send(HttpResponse response, bool keepAlive, bool countedActive = false, bool drainInput = false) {
    response.keep_alive(keepAlive);
    if (keepAlive) {
      response.set(http::field::keep_alive, fmt::format("timeout={}", server_.options_.keepAliveTimeoutSeconds));
    }
    auto shared = std::make_shared<HttpResponse>(std::move(response));
    http::async_write(stream_, *shared,
                      [self = shared_from_this(), shared, keepAlive, countedActive, drainInput](beast::error_code ec,
                                                                                                size_t) {
      if (countedActive) self->server_.activeRequests_.fetch_sub(1);
      if (!ec && drainInput) return self->drainThenClose();
      if (ec || !keepAlive) return self->close();
      self->readHeader();
    });
  }

  void drainThenClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    // At most this long, then the connection is closed anyway.
    stream_.expires_after(std::chrono::seconds(5));
    drainSome();
  }

  void drainSome() {
    auto scratch = std::make_shared<std::array<char, 65536>>();
    stream_.async_read_some(asio::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->drainSome();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  std::string remoteAddress() { return fmt::format("{}:{}", remoteHost(), remotePort()); }

  std::string remoteHost() {
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    return ignored ? std::string("unknown") : endpoint.address().to_string();
  }

  uint16_t remotePort() {
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    return ignored ? 0 : endpoint.port();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  HttpServer& server_;

  // The request a worker runs; touched on the connection's strand only.
  bool keepAlive_ = false;
  std::shared_ptr<ClientConnection> connection_;
  bool watching_ = false;
  bool responseReady_ = false;
  bool clientGone_ = false;
  HttpResponse readyResponse_;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)), acceptor_(ioContext_) {}

HttpServer::~HttpServer() { stop(0); }

absl::Status HttpServer::start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.listenHost, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("invalid listen host '{}': {}; pass an IP address such as 127.0.0.1", options_.listenHost,
                    ec.message()));
  }
  asio::ip::tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(fmt::format("cannot listen on {}:{}: {}; pick another port with --http-port",
                                              options_.listenHost, options_.port, ec.message()));
  }
  boundPort_ = acceptor_.local_endpoint().port();

  if (options_.workerThreads > 0) {
    workers_ = std::make_unique<WorkerPool>(options_.workerThreads, options_.maxQueuedRequests);
    controlWorkers_ = std::make_unique<WorkerPool>(options_.controlThreads, options_.maxQueuedRequests);
  }
  accept();
  uint32_t numThreads = std::max<uint32_t>(1, options_.numThreads);
  for (uint32_t i = 0; i < numThreads; ++i) {
    threads_.emplace_back([this] {
      setThreadName("furl-http");
      runThread();
    });
  }
  return absl::OkStatus();
}

void HttpServer::runThread() {
  // An exception that escapes a handler closes only the connection involved.
  while (true) {
    try {
      ioContext_.run();
      return;
    } catch (const std::exception& e) {
      logger("server.http")->error("an HTTP connection failed with an unexpected exception: {}", e.what());
    }
  }
}

void HttpServer::accept() {
  acceptor_.async_accept(asio::make_strand(ioContext_), [this](beast::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) {
      if (stopping_.load() || !acceptor_.is_open()) return;
      logger("server.http")->warn("accept failed: {}", ec.message());
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    accept();
  });
}

void HttpServer::stop(uint32_t drainTimeoutMs, const std::function<void()>& onDrainTimeout) {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  asio::post(ioContext_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });

  auto waitForRequests = [this](int timeoutMs) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (activeRequests_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  waitForRequests(static_cast<int>(drainTimeoutMs));
  if (activeRequests_.load() > 0) {
    if (onDrainTimeout) onDrainTimeout();
    waitForRequests(kCancelGraceMs);
  }

  ioContext_.stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  // Handlers still running after the grace period finish here; their
  // responses are dropped with the stopped I/O context.
  if (workers_) workers_->stop();
  if (controlWorkers_) controlWorkers_->stop();
}

}  // namespace furl::server
