#include "ingest/ingest_error_log.h"

#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ingest/text_util.h"

namespace furl::ingest {
namespace {

constexpr uint8_t kRecordVersion = 1;

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void putString(std::string& out, std::string_view text) {
  put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}

// Reads little-endian values; every read fails once the input is short.
class Reader {
 public:
  explicit Reader(std::string_view input) : input_(input) {}

  template <typename T>
  bool get(T& value) {
    if (input_.size() < sizeof(T)) return false;
    std::memcpy(&value, input_.data(), sizeof(T));
    input_.remove_prefix(sizeof(T));
    return true;
  }

  bool getString(std::string& text) {
    uint32_t length = 0;
    if (!get(length) || input_.size() < length) return false;
    text.assign(input_.substr(0, length));
    input_.remove_prefix(length);
    return true;
  }

  bool done() const { return input_.empty(); }

 private:
  std::string_view input_;
};

std::optional<uint64_t> numberProperty(const std::map<std::string, std::string>& properties, std::string_view key) {
  auto it = properties.find(std::string(key));
  if (it == properties.end()) return std::nullopt;
  uint64_t value = 0;
  const std::string& text = it->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string encodeIngestError(const IngestError& error) {
  std::string out;
  put<uint8_t>(out, kRecordVersion);
  put<int64_t>(out, error.wallTimeMs);
  putString(out, error.topic);
  put<int32_t>(out, error.partition);
  put<int64_t>(out, error.offset);
  putString(out, error.reason);
  putString(out, error.error);
  put<uint32_t>(out, error.rawBytes);
  putString(out, std::string_view(error.raw).substr(0, kMaxRawBytes));
  return out;
}

absl::StatusOr<IngestError> decodeIngestError(std::string_view payload, std::string_view source) {
  Reader reader(payload);
  IngestError error;
  uint8_t version = 0;
  if (!reader.get(version) || version != kRecordVersion) {
    return absl::InvalidArgumentError(
        strCat("ingest error record in ", source, " has version ", int{version}, ", expected ", int{kRecordVersion}));
  }
  bool complete = reader.get(error.wallTimeMs) && reader.getString(error.topic) && reader.get(error.partition) &&
                  reader.get(error.offset) && reader.getString(error.reason) && reader.getString(error.error) &&
                  reader.get(error.rawBytes) && reader.getString(error.raw) && reader.done();
  if (!complete) return absl::InvalidArgumentError(strCat("ingest error record in ", source, " is malformed"));
  return error;
}

std::string ingestErrorDir(const std::string& dataDir, const std::string& table) {
  std::string name;
  for (unsigned char c : table) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-';
    if (safe) {
      name += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      name += '%';
      name += kHex[c >> 4];
      name += kHex[c & 15];
    }
  }
  return absl::StrCat(dataDir, "/ingest_errors/", name);
}

absl::StatusOr<std::unique_ptr<IngestErrorLog>> IngestErrorLog::open(
    const std::string& dataDir, const std::string& table, const std::map<std::string, std::string>& properties,
    uint64_t maxBytes) {
  storage::RecordLogPosition position;
  auto file = numberProperty(properties, kErrorsFileProperty);
  auto end = numberProperty(properties, kErrorsEndProperty);
  if (file && end) position = {*file, *end};
  auto log = storage::RecordLog::open(ingestErrorDir(dataDir, table), position, maxBytes);
  if (!log.ok()) return log.status();
  return std::unique_ptr<IngestErrorLog>(new IngestErrorLog(std::move(*log)));
}

absl::Status IngestErrorLog::stage(const std::vector<IngestError>& errors,
                                   std::map<std::string, std::string>& properties) {
  std::vector<std::string> records;
  records.reserve(errors.size());
  for (const IngestError& error : errors) records.push_back(encodeIngestError(error));
  auto position = log_->stage(records);
  if (!position.ok()) return position.status();
  if (position->file != 0) {
    properties[std::string(kErrorsFileProperty)] = std::to_string(position->file);
    properties[std::string(kErrorsEndProperty)] = std::to_string(position->endOffset);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<IngestError>> IngestErrorLog::read() const {
  auto records = log_->readCommitted();
  if (!records.ok()) return records.status();
  std::vector<IngestError> errors;
  errors.reserve(records->size());
  for (const std::string& record : *records) {
    auto error = decodeIngestError(record, log_->dir());
    if (!error.ok()) return error.status();
    errors.push_back(std::move(*error));
  }
  return errors;
}

}  // namespace furl::ingest
