#include "storage/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace furl::storage {

absl::Status ioError(std::string_view operation, const std::string& path, int errorNumber) {
  return absl::ErrnoToStatus(errorNumber, absl::StrCat(std::string(operation), " ", path));
}

std::string parentDirectory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

absl::Status createDirectories(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return ioError("create directory", dir, error.value());
  return absl::OkStatus();
}

absl::Status syncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("open directory", dir, errno);
  int rc = ::fsync(fd);
  int savedErrno = errno;
  ::close(fd);
  if (rc != 0) return ioError("fsync directory", dir, savedErrno);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> listDirectory(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return ioError("list directory", dir, errno);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(handle)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int savedErrno = errno;
  ::closedir(handle);
  if (savedErrno != 0) return ioError("list directory", dir, savedErrno);
  return names;
}

absl::Status removeFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ioError("remove", path, errno);
  return absl::OkStatus();
}

absl::Status renameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ioError("rename", absl::StrCat(from, " to ", to), errno);
  }
  return syncDirectory(parentDirectory(to));
}

absl::Status writeFileDurably(const std::string& path, std::string_view data) {
  std::string tempPath = path + ".tmp";
  {
    auto file = WritableFile::create(tempPath);
    if (!file.ok()) return file.status();
    absl::Status status = (*file)->append(data);
    if (status.ok()) status = (*file)->sync();
    if (status.ok()) status = (*file)->close();
    if (!status.ok()) {
      removeFile(tempPath).IgnoreError();
      return status;
    }
  }
  return renameDurably(tempPath, path);
}

absl::StatusOr<std::string> readWholeFile(const std::string& path) {
  auto file = RandomAccessFile::open(path);
  if (!file.ok()) return file.status();
  std::string data((*file)->sizeBytes(), '\0');
  absl::Status status = (*file)->readAt(0, data.size(), data.data());
  if (!status.ok()) return status;
  return data;
}

// --- WritableFile ----------------------------------------------------------

absl::StatusOr<std::unique_ptr<WritableFile>> WritableFile::create(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("create", path, errno);
  return std::unique_ptr<WritableFile>(new WritableFile(path, fd));
}

WritableFile::~WritableFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status WritableFile::append(std::string_view data) {
  const char* cursor = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t written = ::write(fd_, cursor, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return ioError("write", path_, errno);
    }
    cursor += written;
    left -= static_cast<size_t>(written);
  }
  sizeBytes_ += data.size();
  return absl::OkStatus();
}

absl::Status WritableFile::sync() {
  if (::fsync(fd_) != 0) return ioError("fsync", path_, errno);
  return absl::OkStatus();
}

absl::Status WritableFile::close() {
  int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) return ioError("close", path_, errno);
  return absl::OkStatus();
}

// --- RandomAccessFile ------------------------------------------------------

absl::StatusOr<std::unique_ptr<RandomAccessFile>> RandomAccessFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("open", path, errno);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int savedErrno = errno;
    ::close(fd);
    return ioError("stat", path, savedErrno);
  }
  return std::unique_ptr<RandomAccessFile>(new RandomAccessFile(path, fd, static_cast<uint64_t>(info.st_size)));
}

RandomAccessFile::~RandomAccessFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status RandomAccessFile::readAt(uint64_t offset, size_t size, char* out) const {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("read", path_, errno);
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat("read ", path_, ": file ends at byte ", offset + done, ", expected ",
                                              size, " bytes at offset ", offset));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace furl::storage
