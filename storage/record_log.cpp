#include "storage/record_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "storage/byte_io.h"
#include "storage/codec.h"
#include "storage/file_io.h"

namespace furl::storage {
namespace {

constexpr char kMagic[8] = {'F', 'U', 'R', 'L', 'R', 'L', 'O', 'G'};
constexpr size_t kHeaderBytes = 16;
constexpr size_t kRecordHeaderBytes = 12;  // u64 checksum, u32 length
constexpr char kExtension[] = ".rlog";

std::string fileHeader() {
  ByteWriter writer;
  writer.putBytes(kMagic, sizeof(kMagic));
  writer.putU32(kRecordLogFormatVersion);
  writer.putU32(0);
  return writer.take();
}

void appendRecord(std::string& out, const std::string& payload) {
  ByteWriter writer;
  writer.putU64(checksum64(payload));
  writer.putString(payload);
  out += writer.take();
}

uint64_t framedBytes(const std::string& payload) { return kRecordHeaderBytes + payload.size(); }

// The file number of `name` (`<number>.rlog`), or nullopt for other names.
std::optional<uint64_t> fileNumberOf(const std::string& name) {
  size_t extensionBytes = sizeof(kExtension) - 1;
  if (name.size() <= extensionBytes || name.compare(name.size() - extensionBytes, extensionBytes, kExtension) != 0) {
    return std::nullopt;
  }
  uint64_t number = 0;
  const char* end = name.data() + name.size() - extensionBytes;
  auto [parsed, error] = std::from_chars(name.data(), end, number);
  if (error != std::errc() || parsed != end) return std::nullopt;
  return number;
}

// Writes `data` at `offset` of `path` after cutting the file there, and
// fsyncs it. Creates the file when missing.
absl::Status writeAt(const std::string& path, uint64_t offset, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("open", path, errno);
  absl::Status status;
  if (::ftruncate(fd, static_cast<off_t>(offset)) != 0) status = ioError("truncate", path, errno);
  size_t written = 0;
  while (status.ok() && written < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + written, data.size() - written, static_cast<off_t>(offset + written));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) status = ioError("write", path, errno);
    if (n > 0) written += static_cast<size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0) status = ioError("fsync", path, errno);
  ::close(fd);
  return status;
}

absl::Status truncateFile(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return ioError("truncate", path, errno);
  return absl::OkStatus();
}

}  // namespace

RecordLog::RecordLog(std::string dir, RecordLogPosition position, uint64_t maxBytes)
    : dir_(std::move(dir)), maxBytes_(maxBytes), committed_(position) {}

std::string RecordLog::pathOf(uint64_t file) const { return absl::StrCat(dir_, "/", file, kExtension); }

absl::StatusOr<std::unique_ptr<RecordLog>> RecordLog::open(const std::string& dir, RecordLogPosition position,
                                                           uint64_t maxBytes) {
  if (absl::Status created = createDirectories(dir); !created.ok()) return created;
  std::unique_ptr<RecordLog> log(new RecordLog(dir, position, maxBytes));

  // Cut the current file back to the committed end, because a longer file
  // contains records staged by a commit that never happened.
  if (position.file != 0) {
    auto file = RandomAccessFile::open(log->pathOf(position.file));
    if (!file.ok()) {
      return absl::DataLossError(absl::StrCat("the record log file of ", dir, " is missing: ", file.status().message()));
    }
    if ((*file)->sizeBytes() < position.endOffset) {
      return absl::DataLossError(absl::StrCat("record log ", log->pathOf(position.file), " has ",
                                              (*file)->sizeBytes(), " bytes, the catalog records ",
                                              position.endOffset));
    }
    if ((*file)->sizeBytes() > position.endOffset) {
      if (absl::Status cut = truncateFile(log->pathOf(position.file), position.endOffset); !cut.ok()) return cut;
    }
  }

  // Remove files of rotations that were not committed or not cleaned up.
  auto names = listDirectory(dir);
  if (!names.ok()) return names.status();
  bool removed = false;
  for (const auto& name : *names) {
    auto number = fileNumberOf(name);
    if (!number || *number == position.file) continue;
    if (absl::Status status = removeFile(absl::StrCat(dir, "/", name)); !status.ok()) return status;
    removed = true;
  }
  if (removed) {
    if (absl::Status synced = syncDirectory(dir); !synced.ok()) return synced;
  }

  // Check every committed record now rather than on the first read.
  std::lock_guard lock(log->mutex_);
  if (auto records = log->readLocked(position.file, position.endOffset); !records.ok()) return records.status();
  return log;
}

absl::StatusOr<RecordLogPosition> RecordLog::stage(const std::vector<std::string>& records) {
  RecordLogPosition base = committed();
  staged_ = base;
  if (records.empty()) return base;

  uint64_t newBytes = 0;
  for (const auto& record : records) newBytes += framedBytes(record);
  uint64_t start = base.file == 0 ? kHeaderBytes : base.endOffset;
  if (base.file == 0 || start + newBytes > maxBytes_) {
    auto rotated = rotate(records);
    if (rotated.ok()) staged_ = *rotated;
    return rotated;
  }

  std::string data;
  data.reserve(newBytes);
  for (const auto& record : records) appendRecord(data, record);
  if (absl::Status written = writeAt(pathOf(base.file), base.endOffset, data); !written.ok()) return written;
  staged_ = RecordLogPosition{base.file, base.endOffset + newBytes};
  return *staged_;
}

absl::StatusOr<RecordLogPosition> RecordLog::rotate(const std::vector<std::string>& records) {
  RecordLogPosition base = committed();

  // New records may fill the whole file; older ones only the first half,
  // so that the next rotation is many commits away.
  uint64_t capacity = maxBytes_ > kHeaderBytes ? maxBytes_ - kHeaderBytes : 0;
  uint64_t oldCapacity = maxBytes_ / 2 > kHeaderBytes ? maxBytes_ / 2 - kHeaderBytes : 0;
  std::vector<const std::string*> kept;
  uint64_t keptBytes = 0;
  for (auto it = records.rbegin(); it != records.rend() && keptBytes + framedBytes(*it) <= capacity; ++it) {
    kept.push_back(&*it);
    keptBytes += framedBytes(*it);
  }
  std::vector<std::string> old;
  if (kept.size() == records.size() && base.file != 0) {
    std::lock_guard lock(mutex_);
    auto read = readLocked(base.file, base.endOffset);
    if (!read.ok()) return read.status();
    old = std::move(*read);
  }
  for (auto it = old.rbegin(); it != old.rend() && keptBytes + framedBytes(*it) <= oldCapacity; ++it) {
    kept.push_back(&*it);
    keptBytes += framedBytes(*it);
  }

  std::string data = fileHeader();
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) appendRecord(data, **it);
  RecordLogPosition next{base.file + 1, data.size()};
  if (absl::Status written = writeAt(pathOf(next.file), 0, data); !written.ok()) return written;
  if (absl::Status synced = syncDirectory(dir_); !synced.ok()) return synced;
  return next;
}

void RecordLog::finish(bool committed) {
  if (!staged_) return;
  RecordLogPosition staged = *staged_;
  staged_.reset();
  RecordLogPosition previous = this->committed();
  if (staged == previous) return;

  absl::Status status;
  if (committed) {
    {
      std::lock_guard lock(mutex_);
      committed_ = staged;
    }
    if (staged.file != previous.file && previous.file != 0) status = removeFile(pathOf(previous.file));
  } else if (staged.file != previous.file) {
    status = removeFile(pathOf(staged.file));
  } else {
    status = truncateFile(pathOf(staged.file), previous.endOffset);
  }
  if (!status.ok()) {
    // open() removes the leftover, and the next stage() writes from the
    // committed end, so only disk space is at stake until then.
    logger("storage.record_log")
        ->warn("record log cleanup failed dir={} committed={} error={}", dir_, committed, std::string(status.message()));
  }
}

absl::StatusOr<std::vector<std::string>> RecordLog::readCommitted() const {
  std::lock_guard lock(mutex_);
  return readLocked(committed_.file, committed_.endOffset);
}

RecordLogPosition RecordLog::committed() const {
  std::lock_guard lock(mutex_);
  return committed_;
}

absl::StatusOr<std::vector<std::string>> RecordLog::readLocked(uint64_t file, uint64_t endOffset) const {
  std::vector<std::string> records;
  if (file == 0) return records;
  std::string path = pathOf(file);
  auto opened = RandomAccessFile::open(path);
  if (!opened.ok()) return opened.status();
  if (endOffset < kHeaderBytes || (*opened)->sizeBytes() < endOffset) {
    return absl::DataLossError(absl::StrCat("record log ", path, " has ", (*opened)->sizeBytes(),
                                            " bytes, the committed end is ", endOffset));
  }
  std::string bytes(endOffset, '\0');
  if (absl::Status read = (*opened)->readAt(0, endOffset, bytes.data()); !read.ok()) return read;

  ByteReader reader(bytes);
  uint64_t magic = 0;
  uint32_t version = 0;
  uint32_t reserved = 0;
  reader.getU64(magic);
  reader.getU32(version);
  reader.getU32(reserved);
  if (std::memcmp(&magic, kMagic, sizeof(kMagic)) != 0 || version != kRecordLogFormatVersion) {
    return absl::DataLossError(absl::StrCat("record log ", path, " has no valid header (expected version ",
                                            kRecordLogFormatVersion, ", found ", version, ")"));
  }
  while (reader.remaining() > 0) {
    size_t at = reader.position();
    uint64_t checksum = 0;
    std::string_view payload;
    if (!reader.getU64(checksum) || !reader.getString(payload)) {
      return absl::DataLossError(absl::StrCat("record log ", path, " has a truncated record at byte ", at));
    }
    if (checksum64(payload) != checksum) {
      return absl::DataLossError(absl::StrCat("record log ", path, " has a checksum mismatch in the record at byte ", at));
    }
    records.emplace_back(payload);
  }
  return records;
}

}  // namespace furl::storage
