#include "ingest/supervisor_manager.h"

#include <charconv>

#include "common/logging.h"
#include "ingest/target_table.h"
#include "ingest/text_util.h"
#include "simdjson.h"
#include "storage/file_io.h"

namespace furl::ingest {
namespace {

constexpr std::string_view kFileName = "supervisors.json";
constexpr int64_t kFileVersion = 1;

std::string minifiedSpec(std::string_view specJson, absl::Status& status) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(specJson.data(), specJson.size()).get(root) != simdjson::SUCCESS) {
    status = absl::InvalidArgumentError("the spec is not valid JSON");
    return "";
  }
  return simdjson::minify(root);
}

}  // namespace

std::string SupervisorReport::error() const {
  if (!startError.empty()) return startError;
  for (const PartitionStatus& partition : status.partitions) {
    if (!partition.outOfRangeError.empty()) return partition.outOfRangeError;
  }
  return status.lastError;
}

SupervisorManager::SupervisorManager(storage::DatabaseImpl& database, SupervisorOptions options)
    : database_(database), options_(options), path_(strCat(database.dataDir(), "/", kFileName)) {}

SupervisorManager::~SupervisorManager() { stopAll(); }

absl::Status SupervisorManager::startStored() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto text = storage::readWholeFile(path_);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return absl::OkStatus();
    return text.status();
  }

  // Read every entry before starting any, so a damaged file starts nothing.
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array list;
  int64_t version = 0;
  if (parser.parse(*text).get(root) != simdjson::SUCCESS || root["version"].get(version) != simdjson::SUCCESS ||
      root["supervisors"].get(list) != simdjson::SUCCESS) {
    return absl::DataLossError(strCat(path_, ": not a supervisor file; move it away to start without supervisors"));
  }
  if (version != kFileVersion) {
    return absl::DataLossError(strCat(path_, ": unknown version ", version, "; this furld reads version ", kFileVersion));
  }
  for (simdjson::dom::element item : list) {
    std::string_view id;
    bool suspended = false;
    uint64_t epoch = 0;
    simdjson::dom::element spec;
    if (item["id"].get(id) != simdjson::SUCCESS || item["suspended"].get(suspended) != simdjson::SUCCESS ||
        item["offsetsEpoch"].get(epoch) != simdjson::SUCCESS || item["spec"].get(spec) != simdjson::SUCCESS) {
      return absl::DataLossError(strCat(path_, ": an entry lacks id, suspended, offsetsEpoch or spec"));
    }
    Entry& entry = entries_[std::string(id)];
    entry.specJson = simdjson::minify(spec);
    entry.suspended = suspended;
    entry.offsetsEpoch = epoch;
  }

  for (auto& [id, entry] : entries_) {
    if (!entry.suspended) startEntry(id, entry).IgnoreError();
  }
  logger("ingest.kafka")->info("supervisors loaded path={} supervisors={}", path_, entries_.size());
  return absl::OkStatus();
}

absl::Status SupervisorManager::startEntry(const std::string& id, Entry& entry) {
  entry.startError.clear();
  auto spec = parseIngestionSpec(entry.specJson);
  absl::Status status = spec.status();
  if (status.ok()) {
    entry.supervisor = std::make_unique<Supervisor>(std::move(*spec), database_, entry.offsetsEpoch, options_);
    status = entry.supervisor->start();
  }
  if (!status.ok()) {
    entry.supervisor.reset();
    entry.startError = std::string(toStd(status.message()));
    logger("ingest.kafka")->error("supervisor cannot start table={} error={}", id, entry.startError);
  }
  return status;
}

absl::StatusOr<SubmitResult> SupervisorManager::submit(std::string_view specJson) {
  auto spec = parseIngestionSpec(specJson);
  if (!spec.ok()) return spec.status();
  auto def = targetTableDef(*spec);
  if (!def.ok()) return def.status();
  absl::Status minified;
  std::string text = minifiedSpec(specJson, minified);
  if (!minified.ok()) return minified;

  std::lock_guard<std::mutex> lock(mutex_);
  SubmitResult result{spec->dataSource, spec->notes};
  auto existing = entries_.find(result.id);
  Entry replacement;
  replacement.specJson = std::move(text);
  replacement.offsetsEpoch = existing != entries_.end() ? existing->second.offsetsEpoch : storedEpoch(result.id);
  if (existing != entries_.end() && existing->second.supervisor != nullptr) existing->second.supervisor->stop();

  absl::Status started = startEntry(result.id, replacement);
  if (!started.ok()) {
    // The previous spec, if any, keeps running.
    if (existing != entries_.end() && !existing->second.suspended) startEntry(result.id, existing->second).IgnoreError();
    return started;
  }
  entries_[result.id] = std::move(replacement);
  absl::Status persisted = persistLocked();
  if (!persisted.ok()) {
    logger("ingest.kafka")->error("cannot store the supervisor specs path={} error={}", path_, toStd(persisted.message()));
    return persisted;
  }
  return result;
}

std::vector<std::string> SupervisorManager::ids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  return ids;
}

absl::StatusOr<SupervisorReport> SupervisorManager::report(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  const Entry& entry = it->second;
  SupervisorReport report;
  report.offsetsEpoch = entry.offsetsEpoch;
  report.specJson = entry.specJson;
  report.startError = entry.startError;
  if (entry.supervisor != nullptr) {
    report.status = entry.supervisor->status();
  } else {
    report.status.id = id;
  }
  if (entry.suspended) {
    report.state = "SUSPENDED";
  } else if (!entry.startError.empty() || report.status.offsetsOutOfRange || report.status.failing) {
    report.state = "UNHEALTHY_SUPERVISOR";
  } else {
    report.state = "RUNNING";
  }
  return report;
}

absl::StatusOr<std::vector<IngestError>> SupervisorManager::ingestErrors(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  if (it->second.supervisor == nullptr) return std::vector<IngestError>{};
  return it->second.supervisor->ingestErrors();
}

absl::Status SupervisorManager::suspend(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  Entry& entry = it->second;
  // The stopped supervisor stays, so that its status and counters can
  // still be read; resume() starts a new one.
  if (entry.supervisor != nullptr) entry.supervisor->stop();
  entry.startError.clear();
  entry.suspended = true;
  return persistLocked();
}

absl::Status SupervisorManager::resume(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  Entry& entry = it->second;
  entry.suspended = false;
  absl::Status persisted = persistLocked();
  if (!persisted.ok()) return persisted;
  if (entry.supervisor != nullptr && entry.supervisor->running()) return absl::OkStatus();
  return startEntry(id, entry);
}

absl::Status SupervisorManager::reset(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  Entry& entry = it->second;
  if (entry.supervisor != nullptr) entry.supervisor->stop();
  entry.supervisor.reset();

  // The new epoch is stored before reading starts again, so a crash cannot
  // bring the old offsets back.
  ++entry.offsetsEpoch;
  absl::Status persisted = persistLocked();
  if (!persisted.ok()) return persisted;
  logger("ingest.kafka")->info("supervisor reset table={} offsets_epoch={}", id, entry.offsetsEpoch);
  if (entry.suspended) return absl::OkStatus();
  return startEntry(id, entry);
}

absl::Status SupervisorManager::terminate(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(strCat("supervisor '", id, "' not found"));
  if (it->second.supervisor != nullptr) it->second.supervisor->stop();
  entries_.erase(it);
  logger("ingest.kafka")->info("supervisor terminated table={}", id);
  return persistLocked();
}

void SupervisorManager::stopAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, entry] : entries_) {
    if (entry.supervisor != nullptr) entry.supervisor->stop();
  }
}

absl::Status SupervisorManager::persistLocked() const {
  std::string text = strCat("{\"version\":", kFileVersion, ",\"supervisors\":[");
  bool first = true;
  for (const auto& [id, entry] : entries_) {
    if (!first) text += ',';
    first = false;
    text += "\n{\"id\":";
    appendJsonString(text, id);
    strAppend(&text, ",\"suspended\":", entry.suspended ? "true" : "false", ",\"offsetsEpoch\":", entry.offsetsEpoch,
              ",\"spec\":", entry.specJson, "}");
  }
  text += "\n]}\n";
  return storage::writeFileDurably(path_, text);
}

uint64_t SupervisorManager::storedEpoch(const std::string& table) const {
  auto properties = database_.tableProperties(table);
  if (!properties.ok()) return 1;
  auto it = properties->find(std::string(kOffsetsEpochProperty));
  if (it == properties->end()) return 1;
  uint64_t epoch = 0;
  auto [end, error] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), epoch);
  if (error != std::errc() || epoch == 0) return 1;
  return epoch;
}

}  // namespace furl::ingest
