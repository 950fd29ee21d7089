#include "server/supervisor_handler.h"

#include <algorithm>
#include <chrono>

#include "boost/beast/http/field.hpp"
#include "common/logging.h"
#include "common/time_util.h"
#include "fmt/format.h"
#include "format/value_text.h"
#include "server/request_util.h"

namespace furl::server {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kPrefix = "/druid/indexer/v1/supervisor";

/// `text` with every byte sequence that is not valid UTF-8 replaced by
/// U+FFFD, so that raw Kafka message prefixes can go into a JSON response.
std::string validUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void appendString(std::string& out, std::string_view text) { format::appendJsonString(out, validUtf8(text)); }

HttpResponse jsonResponse(const HttpRequest& request, http::status status, std::string body) {
  HttpResponse response(status, request.version());
  response.set(http::field::content_type, "application/json");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

HttpResponse errorResponse(const HttpRequest& request, http::status status, std::string_view message) {
  std::string body = "{\"error\":";
  appendString(body, message);
  body += "}";
  return jsonResponse(request, status, std::move(body));
}

HttpResponse statusError(const HttpRequest& request, const absl::Status& status) {
  std::string_view message(status.message().data(), status.message().size());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return errorResponse(request, http::status::bad_request, message);
    case absl::StatusCode::kNotFound:
      return errorResponse(request, http::status::not_found, message);
    default:
      logger("server.supervisor")->error("supervisor request failed target={} error={}",
                                         std::string_view(request.target().data(), request.target().size()), message);
      return errorResponse(request, http::status::internal_server_error, message);
  }
}

HttpResponse idResponse(const HttpRequest& request, const std::string& id) {
  std::string body = "{\"id\":";
  appendString(body, id);
  body += "}";
  return jsonResponse(request, http::status::ok, std::move(body));
}

/// ISO-8601 in UTC with milliseconds, as Druid writes times: 2026-12-05T14:41:40.942Z.
std::string isoTime(int64_t ms) {
  std::string text = formatTimestamp(ms, /*withMillis=*/true);
  std::replace(text.begin(), text.end(), ' ', 'T');
  return text + "Z";
}

/// Druid's detailed state: the state, or CONNECTING_TO_STREAM while a
/// running supervisor waits for Kafka to assign it partitions.
std::string detailedState(const ingest::SupervisorReport& report) {
  bool connecting = report.state == "RUNNING" && report.status.partitions.empty();
  return connecting ? "CONNECTING_TO_STREAM" : report.state;
}

/// Appends the `"state"`, `"detailedState"`, `"healthy"` and
/// `"suspended"` members of a status and of the list with `?state=true`.
void appendStateMembers(std::string& body, const ingest::SupervisorReport& report) {
  body += ",\"state\":";
  appendString(body, report.state);
  body += ",\"detailedState\":";
  appendString(body, detailedState(report));
  fmt::format_to(std::back_inserter(body), ",\"healthy\":{},\"suspended\":{}",
                 report.state != "UNHEALTHY_SUPERVISOR", report.state == "SUSPENDED");
}

/// Returns true when the query parameter is given without a value or with one other than "false".
bool flagSet(const RequestTarget& target, const std::string& name) {
  auto it = target.params.find(name);
  return it != target.params.end() && it->second != "false";
}

std::string statusBody(const ingest::SupervisorReport& report) {
  const ingest::SupervisorStatus& status = report.status;
  int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string body = "{\"id\":";
  appendString(body, status.id);
  body += ",\"generationTime\":";
  appendString(body, isoTime(nowMs));
  body += ",\"payload\":{\"dataSource\":";
  appendString(body, status.id);
  body += ",\"stream\":";
  appendString(body, status.topic);
  fmt::format_to(std::back_inserter(body), ",\"partitions\":{}", status.partitions.size());
  appendStateMembers(body, report);
  fmt::format_to(std::back_inserter(body), ",\"offsetsEpoch\":{}", report.offsetsEpoch);

  // Offsets per partition: read, committed with the rows, and the end of the log.
  auto offsetMap = [&](std::string_view name, auto value) {
    fmt::format_to(std::back_inserter(body), ",\"{}\":{{", name);
    bool first = true;
    for (const ingest::PartitionStatus& partition : status.partitions) {
      int64_t number = value(partition);
      if (number < 0) continue;
      fmt::format_to(std::back_inserter(body), "{}\"{}\":{}", first ? "" : ",", partition.partition, number);
      first = false;
    }
    body += "}";
  };
  offsetMap("currentOffsets", [](const ingest::PartitionStatus& p) { return p.currentOffset; });
  offsetMap("committedOffsets", [](const ingest::PartitionStatus& p) { return p.committedOffset; });
  offsetMap("latestOffsets", [](const ingest::PartitionStatus& p) { return p.highWatermark; });
  offsetMap("minimumLag", [](const ingest::PartitionStatus& p) -> int64_t {
    if (p.highWatermark < 0 || p.currentOffset < 0) return -1;
    return std::max<int64_t>(0, p.highWatermark - p.currentOffset);
  });
  int64_t aggregateLag = 0;
  for (const ingest::PartitionStatus& p : status.partitions) {
    if (p.highWatermark >= 0 && p.currentOffset >= 0) aggregateLag += std::max<int64_t>(0, p.highWatermark - p.currentOffset);
  }
  fmt::format_to(std::back_inserter(body), ",\"aggregateLag\":{}", aggregateLag);

  // Partitions stopped at an out-of-range offset, and the last automatic reset of each.
  offsetMap("offsetsOutOfRange", [](const ingest::PartitionStatus& p) { return p.outOfRangeOffset; });
  body += ",\"lastOffsetResets\":[";
  bool firstReset = true;
  for (const ingest::PartitionStatus& partition : status.partitions) {
    if (!partition.lastReset.has_value()) continue;
    const ingest::OffsetReset& reset = *partition.lastReset;
    if (!firstReset) body += ",";
    firstReset = false;
    body += "{\"timestamp\":";
    appendString(body, isoTime(reset.wallTimeMs));
    fmt::format_to(std::back_inserter(body), ",\"partition\":{},\"fromOffset\":{},\"toOffset\":{},\"skippedOffsets\":",
                   partition.partition, reset.fromOffset, reset.toOffset);
    if (reset.skipped.has_value()) {
      fmt::format_to(std::back_inserter(body), "{}", *reset.skipped);
    } else {
      body += "\"unknown\"";
    }
    body += "}";
  }
  body += "]";
  const ingest::SupervisorStats& stats = status.stats;
  fmt::format_to(std::back_inserter(body),
                 ",\"offsetResets\":{},\"offsetsSkipped\":{},\"offsetResetsSkipUnknown\":{}", stats.offsetResets,
                 stats.offsetsSkipped, stats.offsetResetsSkipUnknown);

  body += ",\"lastError\":";
  std::string lastError = report.error();
  if (lastError.empty()) {
    body += "null";
  } else {
    appendString(body, lastError);
  }
  body += ",\"recentErrors\":[";
  for (size_t i = 0; i < status.recentErrors.size(); ++i) {
    const ingest::ParseErrorRecord& record = status.recentErrors[i];
    if (i > 0) body += ",";
    body += "{\"timestamp\":";
    appendString(body, isoTime(record.wallTimeMs));
    fmt::format_to(std::back_inserter(body), ",\"partition\":{},\"offset\":{},\"reason\":", record.partition,
                   record.offset);
    appendString(body, record.reason);
    body += ",\"error\":";
    appendString(body, record.error);
    body += ",\"raw\":";
    appendString(body, record.rawPrefix);
    body += "}";
  }
  body += "]}}";
  return body;
}

std::string statsBody(const ingest::SupervisorReport& report) {
  const ingest::SupervisorStats& stats = report.status.stats;
  std::string body = "{\"id\":";
  appendString(body, report.status.id);
  fmt::format_to(std::back_inserter(body),
                 ",\"totals\":{{\"buildSegments\":{{\"processed\":{},\"processedWithError\":{},\"thrownAway\":{},"
                 "\"unparseable\":{}}}}},\"unparseableByReason\":{{",
                 stats.processed, stats.processedWithError, stats.thrownAway, stats.unparseable);
  bool first = true;
  for (const auto& [reason, count] : stats.unparseableByReason) {
    if (!first) body += ",";
    first = false;
    appendString(body, reason);
    fmt::format_to(std::back_inserter(body), ":{}", count);
  }
  fmt::format_to(std::back_inserter(body),
                 "}},\"rowsCommitted\":{},\"commits\":{},\"offsetResets\":{},\"offsetsSkipped\":{},"
                 "\"offsetResetsSkipUnknown\":{}}}",
                 stats.rowsCommitted, stats.commits, stats.offsetResets, stats.offsetsSkipped,
                 stats.offsetResetsSkipUnknown);
  return body;
}

}  // namespace

bool isSupervisorPath(std::string_view path) { return path.starts_with("/druid/indexer/"); }

HttpResponse handleSupervisorRequest(ingest::SupervisorManager& manager, HttpRequest& request) {
  RequestTarget target = parseTarget(std::string_view(request.target().data(), request.target().size()));
  std::string_view path = target.path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (!path.starts_with(kPrefix)) {
    return errorResponse(request, http::status::not_found,
                         "unknown path; Furl serves the supervisor API under /druid/indexer/v1/supervisor");
  }
  std::string_view rest = path.substr(kPrefix.size());
  bool isGet = request.method() == http::verb::get;
  bool isPost = request.method() == http::verb::post;

  // The collection: submit and list.
  if (rest.empty()) {
    if (isPost) {
      auto result = manager.submit(request.body());
      if (!result.ok()) return statusError(request, result.status());
      std::string body = "{\"id\":";
      appendString(body, result->id);
      body += ",\"notes\":[";
      for (size_t i = 0; i < result->notes.size(); ++i) {
        if (i > 0) body += ",";
        appendString(body, result->notes[i]);
      }
      body += "]}";
      return jsonResponse(request, http::status::ok, std::move(body));
    }
    if (isGet) {
      // Druid's list: the ids, or with ?full and ?state=true one object
      // per supervisor with its spec and its state.
      bool full = flagSet(target, "full");
      bool state = flagSet(target, "state");
      std::string body = "[";
      std::vector<std::string> ids = manager.ids();
      bool first = true;
      for (const std::string& id : ids) {
        if (!full && !state) {
          if (!first) body += ",";
          first = false;
          appendString(body, id);
          continue;
        }
        auto report = manager.report(id);
        if (!report.ok()) continue;  // terminated meanwhile
        if (!first) body += ",";
        first = false;
        body += "{\"id\":";
        appendString(body, id);
        if (full) body += ",\"spec\":" + report->specJson;
        if (state) appendStateMembers(body, *report);
        body += "}";
      }
      body += "]";
      return jsonResponse(request, http::status::ok, std::move(body));
    }
    return errorResponse(request, http::status::method_not_allowed, "use POST to submit a spec or GET to list");
  }

  // One supervisor: /{id} for its spec, /{id}/{action}.
  size_t slash = rest.find('/', 1);
  if (rest.front() == '/' && slash == std::string_view::npos && rest.size() > 1) {
    if (!isGet) return errorResponse(request, http::status::method_not_allowed, "use GET for a supervisor's spec");
    auto report = manager.report(percentDecode(rest.substr(1)));
    if (!report.ok()) return statusError(request, report.status());
    return jsonResponse(request, http::status::ok, report->specJson);
  }
  if (rest.front() != '/' || slash == std::string_view::npos) {
    return errorResponse(request, http::status::not_found,
                         "unknown path; expected /druid/indexer/v1/supervisor/{id} or "
                         "/druid/indexer/v1/supervisor/{id}/{status|stats|suspend|resume|reset|terminate}");
  }
  std::string id = percentDecode(rest.substr(1, slash - 1));
  std::string_view action = rest.substr(slash + 1);

  if (action == "status" || action == "stats") {
    if (!isGet) return errorResponse(request, http::status::method_not_allowed, "use GET");
    auto report = manager.report(id);
    if (!report.ok()) return statusError(request, report.status());
    return jsonResponse(request, http::status::ok, action == "status" ? statusBody(*report) : statsBody(*report));
  }

  absl::Status done;
  if (action == "suspend") {
    if (!isPost) return errorResponse(request, http::status::method_not_allowed, "use POST");
    done = manager.suspend(id);
  } else if (action == "resume") {
    if (!isPost) return errorResponse(request, http::status::method_not_allowed, "use POST");
    done = manager.resume(id);
  } else if (action == "reset") {
    if (!isPost) return errorResponse(request, http::status::method_not_allowed, "use POST");
    done = manager.reset(id);
  } else if (action == "terminate") {
    if (!isPost) return errorResponse(request, http::status::method_not_allowed, "use POST");
    done = manager.terminate(id);
  } else {
    return errorResponse(request, http::status::not_found,
                         fmt::format("unknown supervisor action '{}'; expected status, stats, suspend, resume, "
                                     "reset or terminate",
                                     action));
  }
  if (!done.ok()) return statusError(request, done);
  return idResponse(request, id);
}

}  // namespace furl::server
