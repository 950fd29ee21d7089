#include "client/native_client.h"

#include <thrift/TConfiguration.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/error.h"
#include "common/status.h"
#include "protocol/batch_codec.h"
#include "protocol/gen-cpp/FurlNative.h"
#include "protocol/gen-cpp/furl_constants.h"

namespace furl::client {
namespace {

namespace wire = furl::protocol::wire;
using apache::thrift::TConfiguration;

constexpr const char* kClientVersion = "0.1.0";
// Frames a client accepts: a single result row may exceed the 8 MiB batch
// bound, so allow more than the server's 16,384,000-byte cap on requests.
constexpr int kMaxFrameBytes = 64 << 20;

absl::Status statusFromException(const wire::QueryException& error) {
  std::string message = error.message;
  // Parser messages name the position already; others get it appended.
  if (error.line > 0 && message.find("line ") == std::string::npos) absl::StrAppend(&message, " (line ", error.line, ", column ", error.column, ")");
  return statusFromError(static_cast<ErrorCode>(error.code), message);
}

Progress progressFrom(const wire::Progress& progress) {
  Progress out;
  out.readRows = static_cast<uint64_t>(progress.readRows);
  out.readBytes = static_cast<uint64_t>(progress.readBytes);
  out.elapsedNs = static_cast<uint64_t>(progress.elapsedNs);
  out.totalRowsEstimate = static_cast<uint64_t>(progress.totalRowsEstimate);
  out.resultRows = static_cast<uint64_t>(progress.resultRowsSent);
  out.resultBytes = static_cast<uint64_t>(progress.resultBytesSent);
  return out;
}

Summary summaryFrom(const wire::QuerySummary& summary) {
  Summary out;
  out.readRows = static_cast<uint64_t>(summary.readRows);
  out.readBytes = static_cast<uint64_t>(summary.readBytes);
  out.writtenRows = static_cast<uint64_t>(summary.writtenRows);
  out.writtenBytes = static_cast<uint64_t>(summary.writtenBytes);
  out.resultRows = static_cast<uint64_t>(summary.resultRows);
  out.resultBytes = static_cast<uint64_t>(summary.resultBytes);
  out.elapsedNs = static_cast<uint64_t>(summary.elapsedNs);
  out.warnings = summary.warnings;
  return out;
}

absl::StatusOr<std::vector<DataType>> typesOf(const std::vector<wire::ColumnInfo>& columns,
                                              std::vector<std::string>* names) {
  std::vector<DataType> types;
  for (const auto& column : columns) {
    auto type = protocol::dataTypeOf(column);
    if (!type.ok()) return type.status();
    types.push_back(*type);
    if (names != nullptr) names->push_back(column.name);
  }
  return types;
}

}  // namespace

struct NativeClient::Connection {
  ClientOptions options;
  std::shared_ptr<apache::thrift::transport::TSocket> socket;
  std::shared_ptr<apache::thrift::transport::TTransport> transport;
  std::unique_ptr<wire::FurlNativeClient> stub;
  wire::HandshakeResponse handshake;
  size_t maxBatchBytes = 0;

  // Runs one call and turns every exception into a status.
  template <typename Fn>
  absl::Status call(Fn&& fn) {
    try {
      fn();
      return absl::OkStatus();
    } catch (const wire::QueryException& error) {
      return statusFromException(error);
    } catch (const apache::thrift::transport::TTransportException& error) {
      std::string message =
          absl::StrCat("connection to ", options.host, ":", options.port, " failed: ", error.what());
      // An HTTP server replies to the handshake with a text status line, which
      // Thrift's framed transport reads as a huge frame length.
      if (absl::StrContains(error.what(), "oversized frame")) {
        absl::StrAppend(&message, "; is ", options.port,
                        " furld's HTTP port? furl connects to its native port (furld --native-port, 9100 by default)");
      }
      return absl::UnavailableError(message);
    } catch (const apache::thrift::TException& error) {
      return absl::InternalError(absl::StrCat("native protocol error from ", options.host, ":", options.port,
                                              ": ", error.what()));
    }
  }
};

NativeClient::NativeClient(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}

NativeClient::~NativeClient() {
  if (connection_ && connection_->transport) {
    try {
      connection_->transport->close();
    } catch (const apache::thrift::TException&) {
      // Closing a broken connection has nothing left to report.
    }
  }
}

absl::StatusOr<std::unique_ptr<NativeClient>> NativeClient::connect(const ClientOptions& options) {
  // Thrift also prints transport errors to stderr. The status returned
  // below reports each of them once.
  apache::thrift::GlobalOutput.setOutputFunction([](const char*) {});
  auto connection = std::make_unique<Connection>();
  connection->options = options;
  auto config = std::make_shared<TConfiguration>(TConfiguration::DEFAULT_MAX_MESSAGE_SIZE, kMaxFrameBytes);
  config->setMaxMessageSize(kMaxFrameBytes);
  connection->socket = std::make_shared<apache::thrift::transport::TSocket>(options.host, options.port, config);
  connection->socket->setConnTimeout(options.connectTimeoutMs);
  connection->socket->setRecvTimeout(options.receiveTimeoutMs);
  connection->socket->setSendTimeout(options.receiveTimeoutMs);
  connection->transport = std::make_shared<apache::thrift::transport::TFramedTransport>(connection->socket, config);
  auto protocol = std::make_shared<apache::thrift::protocol::TCompactProtocol>(connection->transport);
  connection->stub = std::make_unique<wire::FurlNativeClient>(protocol);

  wire::HandshakeRequest request;
  request.clientName = options.clientName;
  request.clientVersion = kClientVersion;
  request.protocolVersion = wire::g_furl_constants.PROTOCOL_VERSION;
  request.user = options.user;
  request.password = options.password;
  request.database = options.database;
  request.acceptedCompression = options.compression
                                    ? std::vector<wire::Compression::type>{wire::Compression::LZ4, wire::Compression::NONE}
                                    : std::vector<wire::Compression::type>{wire::Compression::NONE};
  request.settings = options.settings;
  request.maxBatchBytes = options.maxBatchBytes;

  Connection& c = *connection;
  absl::Status status = c.call([&] {
    c.transport->open();
    c.stub->handshake(c.handshake, request);
  });
  if (!status.ok()) return status;
  c.maxBatchBytes = static_cast<size_t>(c.handshake.maxBatchBytes);
  return std::unique_ptr<NativeClient>(new NativeClient(std::move(connection)));
}

const std::string& NativeClient::serverVersion() const { return connection_->handshake.serverVersion; }
const std::string& NativeClient::sessionId() const { return connection_->handshake.sessionId; }
int32_t NativeClient::protocolVersion() const { return connection_->handshake.protocolVersion; }

absl::StatusOr<Summary> NativeClient::execute(std::string_view sql, const QueryCallbacks& callbacks,
                                              const ExecuteOptions& options) {
  Connection& c = *connection_;
  wire::ExecuteRequest request;
  request.sessionId = c.handshake.sessionId;
  request.sql = std::string(sql);
  if (!options.queryId.empty()) request.__set_queryId(options.queryId);
  request.settings = options.settings;
  if (!options.insertData.empty()) request.__set_insertData(options.insertData);

  std::string queryId;
  absl::Status status = c.call([&] { c.stub->executeQuery(queryId, request); });
  if (!status.ok()) return status;

  wire::FetchRequest fetch;
  fetch.sessionId = c.handshake.sessionId;
  fetch.queryId = queryId;
  fetch.maxWaitMs = c.options.pollIntervalMs;

  std::vector<DataType> types;
  bool cancelSent = false;
  absl::Status callbackError;
  while (true) {
    wire::FetchResult result;
    status = c.call([&] { c.stub->fetchBatch(result, fetch); });
    if (!status.ok()) return callbackError.ok() ? status : callbackError;

    if (result.__isset.columns) {
      Schema schema;
      auto decodedTypes = typesOf(result.columns, &schema.names);
      if (!decodedTypes.ok()) return decodedTypes.status();
      types = *decodedTypes;
      schema.types = types;
      schema.format = result.format;
      if (callbacks.onSchema) callbacks.onSchema(schema);
    }
    if (callbacks.onProgress) callbacks.onProgress(progressFrom(result.progress));

    if (result.status == wire::FetchStatus::BATCH && callbackError.ok()) {
      auto batch = protocol::decodeBatch(result.batch, types);
      if (!batch.ok()) {
        callbackError = batch.status();
      } else if (callbacks.onBatch) {
        callbackError = callbacks.onBatch(*batch);
      }
    } else if (result.status == wire::FetchStatus::FINISHED) {
      if (!callbackError.ok()) return callbackError;
      return summaryFrom(result.summary);
    }

    bool wantCancel = !callbackError.ok() || (callbacks.shouldCancel && callbacks.shouldCancel());
    if (wantCancel && !cancelSent) {
      status = c.call([&] { c.stub->cancelQuery(c.handshake.sessionId, queryId); });
      if (!status.ok()) return status;
      cancelSent = true;
    }
  }
}

absl::StatusOr<bool> NativeClient::cancel(const std::string& queryId) {
  Connection& c = *connection_;
  bool cancelled = false;
  absl::Status status = c.call([&] { cancelled = c.stub->cancelQuery(c.handshake.sessionId, queryId); });
  if (!status.ok()) return status;
  return cancelled;
}

absl::Status NativeClient::setSettings(const std::map<std::string, std::string>& settings) {
  Connection& c = *connection_;
  return c.call([&] { c.stub->setSettings(c.handshake.sessionId, settings); });
}

absl::StatusOr<InsertTarget> NativeClient::beginInsert(std::string_view sql, const std::string& queryId) {
  Connection& c = *connection_;
  wire::InsertHandle handle;
  absl::Status status = c.call([&] { c.stub->beginInsert(handle, c.handshake.sessionId, std::string(sql), queryId, {}); });
  if (!status.ok()) return status;
  InsertTarget target;
  target.queryId = handle.queryId;
  target.format = handle.format;
  auto types = typesOf(handle.columns, &target.names);
  if (!types.ok()) return types.status();
  target.types = *types;
  return target;
}

absl::Status NativeClient::sendInsertBatch(const InsertTarget& target, const Batch& batch) {
  Connection& c = *connection_;
  if (batch.columns.size() != target.types.size()) {
    return absl::InvalidArgumentError(absl::StrCat("insert batch has ", batch.columns.size(),
                                                   " columns but the table expects ", target.types.size()));
  }
  Batch dense = batch.sel ? batch.compact() : batch;
  protocol::EncodeOptions encodeOptions;
  encodeOptions.compression = c.options.compression ? wire::Compression::LZ4 : wire::Compression::NONE;
  for (const auto& [begin, end] : protocol::splitRows(dense, c.maxBatchBytes)) {
    wire::ColumnBatch encoded = protocol::encodeBatch(dense, begin, end, encodeOptions);
    FURL_RETURN_IF_ERROR(c.call([&] { c.stub->insertBatch(c.handshake.sessionId, target.queryId, encoded); }));
  }
  return absl::OkStatus();
}

absl::StatusOr<Summary> NativeClient::endInsert(const InsertTarget& target) {
  Connection& c = *connection_;
  wire::QuerySummary summary;
  absl::Status status = c.call([&] { c.stub->endInsert(summary, c.handshake.sessionId, target.queryId); });
  if (!status.ok()) return status;
  return summaryFrom(summary);
}

absl::Status NativeClient::ping() {
  Connection& c = *connection_;
  return c.call([&] { c.stub->ping(); });
}

}  // namespace furl::client
