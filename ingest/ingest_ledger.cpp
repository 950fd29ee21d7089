#include "ingest/ingest_ledger.h"

#include <charconv>
#include <string_view>

namespace furl::ingest {
namespace {

constexpr std::string_view kPrefix = "ingest.counters.";
constexpr std::string_view kReasonPrefix = "ingest.counters.unparseable.";

uint64_t parseCount(const std::string& text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : 0;
}

}  // namespace

void IngestCounters::add(const IngestCounters& other) {
  processed += other.processed;
  processedWithError += other.processedWithError;
  thrownAway += other.thrownAway;
  unparseable += other.unparseable;
  for (const auto& [reason, count] : other.unparseableByReason) unparseableByReason[reason] += count;
  offsetResets += other.offsetResets;
  offsetsSkipped += other.offsetsSkipped;
  offsetResetsSkipUnknown += other.offsetResetsSkipUnknown;
  rowsCommitted += other.rowsCommitted;
  commits += other.commits;
}

void IngestLedger::record(MessageOutcome outcome, IngestError* error) {
  switch (outcome) {
    case MessageOutcome::kProcessed:
      ++counters.processed;
      break;
    case MessageOutcome::kProcessedWithError:
      ++counters.processedWithError;
      break;
    case MessageOutcome::kThrownAway:
      ++counters.thrownAway;
      break;
    case MessageOutcome::kUnparseable:
      ++counters.unparseable;
      if (error != nullptr) ++counters.unparseableByReason[error->reason];
      break;
  }
  if (error != nullptr) errors.push_back(std::move(*error));
}

void IngestLedger::recordReset(std::optional<uint64_t> skipped) {
  ++counters.offsetResets;
  if (skipped.has_value()) {
    counters.offsetsSkipped += *skipped;
  } else {
    ++counters.offsetResetsSkipUnknown;
  }
}

void IngestLedger::prepend(IngestLedger older) {
  older.counters.add(counters);
  counters = std::move(older.counters);
  older.errors.insert(older.errors.end(), std::make_move_iterator(errors.begin()),
                      std::make_move_iterator(errors.end()));
  errors = std::move(older.errors);
}

bool IngestLedger::empty() const {
  return counters.processed == 0 && counters.processedWithError == 0 && counters.thrownAway == 0 &&
         counters.unparseable == 0 && counters.offsetResets == 0 && errors.empty();
}

void addCounterProperties(const IngestCounters& counters, std::map<std::string, std::string>& properties) {
  std::string prefix(kPrefix);
  properties[prefix + "processed"] = std::to_string(counters.processed);
  properties[prefix + "processedWithError"] = std::to_string(counters.processedWithError);
  properties[prefix + "thrownAway"] = std::to_string(counters.thrownAway);
  properties[prefix + "unparseable"] = std::to_string(counters.unparseable);
  properties[prefix + "offsetResets"] = std::to_string(counters.offsetResets);
  properties[prefix + "offsetsSkipped"] = std::to_string(counters.offsetsSkipped);
  properties[prefix + "offsetResetsSkipUnknown"] = std::to_string(counters.offsetResetsSkipUnknown);
  properties[prefix + "rowsCommitted"] = std::to_string(counters.rowsCommitted);
  properties[prefix + "commits"] = std::to_string(counters.commits);
  for (const auto& [reason, count] : counters.unparseableByReason) {
    properties[std::string(kReasonPrefix) + reason] = std::to_string(count);
  }
}

IngestCounters countersFromProperties(const std::map<std::string, std::string>& properties) {
  IngestCounters counters;
  std::string prefix(kPrefix);
  auto get = [&](const char* name) {
    auto it = properties.find(prefix + name);
    return it == properties.end() ? 0 : parseCount(it->second);
  };
  counters.processed = get("processed");
  counters.processedWithError = get("processedWithError");
  counters.thrownAway = get("thrownAway");
  counters.unparseable = get("unparseable");
  counters.offsetResets = get("offsetResets");
  counters.offsetsSkipped = get("offsetsSkipped");
  counters.offsetResetsSkipUnknown = get("offsetResetsSkipUnknown");
  counters.rowsCommitted = get("rowsCommitted");
  counters.commits = get("commits");
  for (auto it = properties.lower_bound(std::string(kReasonPrefix));
       it != properties.end() && it->first.starts_with(kReasonPrefix); ++it) {
    counters.unparseableByReason[it->first.substr(kReasonPrefix.size())] = parseCount(it->second);
  }
  return counters;
}

}  // namespace furl::ingest
