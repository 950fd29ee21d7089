// furl-ingest-replay: the CPU cost of the supervisor's fast path per event,
// without Kafka.
//
//   furl-ingest-replay --spec SPEC.json --input EVENTS.json [--limit N] [--repeat R] [--parse-only]
//                      [--partitions P]
//
// Reads the first N lines of a JSONEachRow file into one buffer, back to
// back as in a fetched Kafka batch. Then replays them R times through what a
// supervisor does per JSON message: JsonRowParser, the timestamp, the
// spec's filter and RowBuffer::tryAdd into one buffer per segment chunk.
// Not included: Kafka (fetching, decompression, the consumer queue), the
// hot table's lock and offsets, persists. Messages the fast path declines
// are counted and skipped, not parsed again.
// --parse-only stops after the parser and the timestamp, which measures
// the JSON decoding alone.
// --partitions P replays the events in the order a consumer reads them from
// a topic of P partitions when the producer picked a random partition for
// each event: the partitions take turns with runs of kRunLength events.
// The file's time order is then scattered, and rollup lookups hit rows all
// over the buffer.
//
// Prints one line per repeat and a summary:
//
//   ingest-replay events=... rows=... declined=... cpu_s=... ns_per_event=... events_per_cpu_s=...
//
// cpu_s is this thread's CPU time over the replays (best repeat and median
// are printed). Run it under `valgrind --tool=callgrind` with a small
// --limit for instruction counts that do not depend on the machine's load.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/event.h"
#include "ingest/ingestion_spec.h"
#include "ingest/json_row.h"
#include "ingest/row_buffer.h"
#include "ingest/target_table.h"
#include "storage/database.h"

namespace {

using furl::ingest::FieldNameSet;
using furl::ingest::IngestionSpec;
using furl::ingest::JsonRowParser;
using furl::ingest::RowBuffer;
using furl::ingest::ScalarField;

struct Options {
  std::string spec;
  std::string input;
  size_t limit = 100000;
  int repeat = 3;
  bool parseOnly = false;
  size_t partitions = 1;
};

/// Events of one partition in a row in --partitions order: about what one
/// fetch of 1 MiB per partition brings of hits events.
constexpr size_t kRunLength = 2000;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "furl-ingest-replay: %s\n"
               "usage: furl-ingest-replay --spec SPEC.json --input EVENTS.json [--limit N] [--repeat R] [--parse-only]\n"
               "                          [--partitions P]\n",
               problem.c_str());
  std::exit(2);
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--parse-only") {
      options.parseOnly = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value after " + arg);
    std::string value = argv[++i];
    if (arg == "--spec") {
      options.spec = value;
    } else if (arg == "--input") {
      options.input = value;
    } else if (arg == "--limit") {
      options.limit = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--repeat") {
      options.repeat = std::atoi(value.c_str());
    } else if (arg == "--partitions") {
      options.partitions = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      usage("unknown option " + arg);
    }
  }
  if (options.spec.empty() || options.input.empty()) usage("--spec and --input are required");
  if (options.limit == 0 || options.repeat < 1 || options.partitions == 0) {
    usage("--limit, --repeat and --partitions must be at least 1");
  }
  return options;
}

double threadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

/// `messages` in the order of a consumer of `partitions` partitions (see --partitions).
std::vector<std::pair<size_t, size_t>> consumerOrder(const std::vector<std::pair<size_t, size_t>>& messages,
                                                     size_t partitions) {
  std::vector<std::vector<std::pair<size_t, size_t>>> byPartition(partitions);
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  for (const auto& message : messages) {
    // splitmix64: a fixed pseudo-random partition per event.
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    byPartition[(z ^ (z >> 31)) % partitions].push_back(message);
  }
  std::vector<std::pair<size_t, size_t>> ordered;
  ordered.reserve(messages.size());
  for (size_t start = 0; ordered.size() < messages.size(); start += kRunLength) {
    for (const auto& partition : byPartition) {
      size_t end = std::min(partition.size(), start + kRunLength);
      for (size_t i = start; i < end; ++i) ordered.push_back(partition[i]);
    }
  }
  return ordered;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parseOptions(argc, argv);

  std::ifstream specFile(options.spec);
  if (!specFile) usage("cannot read " + options.spec);
  std::stringstream specText;
  specText << specFile.rdbuf();
  absl::StatusOr<IngestionSpec> parsed = furl::ingest::parseIngestionSpec(specText.str());
  if (!parsed.ok()) usage(options.spec + ": " + std::string(parsed.status().message()));
  const IngestionSpec& spec = *parsed;
  if (!spec.inputFields.has_value()) usage("the spec reads every field (schemaless), so it has no fast path");

  // The messages back to back in one buffer, as in a fetched Kafka batch.
  std::ifstream input(options.input);
  if (!input) usage("cannot read " + options.input);
  std::string buffer;
  std::vector<std::pair<size_t, size_t>> messages;
  std::string line;
  while (messages.size() < options.limit && std::getline(input, line)) {
    if (line.empty()) continue;
    messages.emplace_back(buffer.size(), line.size());
    buffer += line;
    buffer += '\n';
  }
  if (messages.empty()) usage(options.input + " has no events");
  if (options.partitions > 1) messages = consumerOrder(messages, options.partitions);

  // The hot table's chunks: the storage granularity of segmentGranularity.
  absl::StatusOr<furl::storage::TableDef> table = furl::ingest::targetTableDef(spec);
  if (!table.ok()) usage(options.spec + ": " + std::string(table.status().message()));
  const furl::storage::Granularity chunkGranularity = table->segmentGranularity;

  const FieldNameSet& fields = *spec.inputFields;
  int timestampSlot = fields.slotOf(spec.timestampSpec.column);
  std::vector<std::pair<std::string, int>> filterFields;
  if (spec.transformSpec.filter.has_value()) {
    FieldNameSet names;
    spec.transformSpec.filter->addInputFields(names);
    for (const std::string& name : names.names()) filterFields.emplace_back(name, fields.slotOf(name));
  }

  std::vector<double> seconds;
  size_t rows = 0;
  size_t declined = 0;
  for (int r = 0; r < options.repeat; ++r) {
    JsonRowParser parser(fields);
    std::map<int64_t, std::unique_ptr<RowBuffer>> chunks;
    RowBuffer* lastChunk = nullptr;
    int64_t lastChunkStart = 0;
    declined = 0;
    double start = threadCpuSeconds();
    for (size_t m = 0; m < messages.size(); ++m) {
      const auto& [offset, size] = messages[m];
      std::string_view json(buffer.data() + offset, size);
      // The next message on its way into L2, as Supervisor::run() does.
      if (m + 1 < messages.size()) {
        const char* next = buffer.data() + messages[m + 1].first;
        size_t bytes = std::min<size_t>(messages[m + 1].second, 4096);
        for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(next + at, 0, 2);
      }
      if (!parser.parse(json)) {
        ++declined;
        continue;
      }
      const std::vector<ScalarField>& values = parser.fields();
      std::optional<int64_t> timeMs = spec.timestampSpec.missingValueMs;
      if (timestampSlot >= 0) {
        timeMs = furl::ingest::scalarEventTimeMs(spec.timestampSpec, values[static_cast<size_t>(timestampSlot)]);
      }
      if (!timeMs.has_value()) {
        ++declined;
        continue;
      }
      if (options.parseOnly) continue;
      if (spec.transformSpec.filter.has_value()) {
        furl::ingest::Event event;
        for (const auto& [name, slot] : filterFields) {
          const ScalarField& field = values[static_cast<size_t>(slot)];
          if (field.kind != ScalarField::Kind::kAbsent) event.set(name, field.toValue());
        }
        if (!spec.transformSpec.filter->matches(event)) continue;
      }
      int64_t chunkStart = furl::storage::chunkStartMs(chunkGranularity, *timeMs);
      if (lastChunk == nullptr || chunkStart != lastChunkStart) {
        std::unique_ptr<RowBuffer>& chunk = chunks[chunkStart];
        if (chunk == nullptr) chunk = std::make_unique<RowBuffer>(spec);
        lastChunk = chunk.get();
        lastChunkStart = chunkStart;
      }
      if (!lastChunk->tryAdd(values, *timeMs)) ++declined;
    }
    double elapsed = threadCpuSeconds() - start;
    seconds.push_back(elapsed);
    rows = 0;
    for (const auto& [chunkStart, chunk] : chunks) rows += chunk->numRows();
    std::printf("repeat %d: %.3f s, %.0f ns per event\n", r + 1, elapsed,
                elapsed * 1e9 / static_cast<double>(messages.size()));
  }
  std::sort(seconds.begin(), seconds.end());
  double median = seconds[seconds.size() / 2];
  double events = static_cast<double>(messages.size());
  std::printf(
      "ingest-replay events=%zu rows=%zu declined=%zu cpu_s=%.3f best_cpu_s=%.3f ns_per_event=%.0f "
      "events_per_cpu_s=%.0f\n",
      messages.size(), rows, declined, median, seconds.front(), median * 1e9 / events, events / median);
  return 0;
}
