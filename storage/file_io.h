#pragma once

// Thin POSIX file helpers for furl_storage: durable writes (fsync of the
// file and of its directory) and positional reads. Private to the module.
// Every function returns a Status whose message names the path.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace furl::storage {

/// A Status for a failed system call: `<operation> <path>: <strerror>`,
/// with the code absl derives from errno (NotFound, ResourceExhausted, ...).
absl::Status ioError(std::string_view operation, const std::string& path, int errorNumber);

/// The directory part of `path` ("." when it has none).
std::string parentDirectory(const std::string& path);

/// Creates `dir` and its missing parents.
absl::Status createDirectories(const std::string& dir);

/// Flushes the directory entry table of `dir`, which makes creates, renames
/// and unlinks inside it durable.
absl::Status syncDirectory(const std::string& dir);

/// Names of the entries of `dir`, without "." and "..".
absl::StatusOr<std::vector<std::string>> listDirectory(const std::string& dir);

/// Removes `path`; a missing file is not an error.
absl::Status removeFile(const std::string& path);

/// Renames `from` to `to` (replacing `to`) and syncs the directory of `to`.
absl::Status renameDurably(const std::string& from, const std::string& to);

/// Writes `data` to `path` so that a crash leaves either the old file or
/// the complete new one: write `path.tmp`, fsync, rename, fsync the directory.
absl::Status writeFileDurably(const std::string& path, std::string_view data);

/// Reads a whole file.
absl::StatusOr<std::string> readWholeFile(const std::string& path);

/// A file opened for sequential writing (created or truncated).
/// Not thread-safe.
class WritableFile {
 public:
  static absl::StatusOr<std::unique_ptr<WritableFile>> create(const std::string& path);
  ~WritableFile();
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  absl::Status append(std::string_view data);
  /// fsync of the file's data and metadata.
  absl::Status sync();
  absl::Status close();

  uint64_t sizeBytes() const { return sizeBytes_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_ = -1;
  uint64_t sizeBytes_ = 0;
};

/// A read-only file read with pread, so one instance serves many threads.
class RandomAccessFile {
 public:
  static absl::StatusOr<std::unique_ptr<RandomAccessFile>> open(const std::string& path);
  ~RandomAccessFile();
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;

  /// Reads exactly `size` bytes at `offset` into `out`. Thread-safe.
  /// Returns DataLoss when the file ends first, an I/O error otherwise.
  absl::Status readAt(uint64_t offset, size_t size, char* out) const;

  /// Size when the file was opened.
  uint64_t sizeBytes() const { return sizeBytes_; }
  const std::string& path() const { return path_; }

 private:
  RandomAccessFile(std::string path, int fd, uint64_t sizeBytes)
      : path_(std::move(path)), fd_(fd), sizeBytes_(sizeBytes) {}

  std::string path_;
  int fd_ = -1;
  uint64_t sizeBytes_ = 0;
};

}  // namespace furl::storage
