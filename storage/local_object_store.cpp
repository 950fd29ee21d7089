// The ObjectStore of a local directory: each key is a file below the root.
//
//   root/<escaped key>        one object; '/' in a key makes subdirectories
//   root/.tmp/<n>.part        an upload in progress; removed on open
//
// Writes go to .tmp first and are renamed into place after an fsync, so an
// object is either absent or complete. Escaping writes each byte outside
// [A-Za-z0-9._-/] as %XX, and a '.' that starts a path component as %2E,
// so no key can name .tmp, "." or "..".

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "storage/file_io.h"
#include "storage/object_store.h"

namespace furl::storage {

namespace {

constexpr char kTempDir[] = ".tmp";
constexpr size_t kCopyBufferBytes = 1 << 20;

bool isPlainByte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '/';
}

std::string escapeKey(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    bool startsComponent = i == 0 || key[i - 1] == '/';
    if (isPlainByte(c) && !(c == '.' && startsComponent)) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// The key of an escaped relative path, or nullopt for a name this store
/// did not write.
std::optional<std::string> unescapeKey(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out.push_back(path[i]);
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    int high = hexValue(path[i + 1]);
    int low = hexValue(path[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

/// Copies all of `from` into the open descriptor `toFd`; returns bytes copied.
absl::StatusOr<uint64_t> copyInto(const std::string& from, int toFd, const std::string& toPath) {
  int fromFd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fromFd < 0) return ioError("open", from, errno);
  std::string buffer(kCopyBufferBytes, '\0');
  uint64_t total = 0;
  absl::Status status;
  while (true) {
    ssize_t n = ::read(fromFd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ioError("read", from, errno);
      break;
    }
    if (n == 0) break;
    size_t written = 0;
    while (written < static_cast<size_t>(n)) {
      ssize_t w = ::write(toFd, buffer.data() + written, static_cast<size_t>(n) - written);
      if (w < 0) {
        if (errno == EINTR) continue;
        status = ioError("write", toPath, errno);
        break;
      }
      written += static_cast<size_t>(w);
    }
    if (!status.ok()) break;
    total += static_cast<uint64_t>(n);
  }
  ::close(fromFd);
  if (!status.ok()) return status;
  return total;
}

class LocalObjectStore final : public ObjectStore {
 public:
  explicit LocalObjectStore(std::string root) : root_(std::move(root)), tempDir_(root_ + "/" + kTempDir) {}

  std::string describe() const override { return absl::StrCat("file://", root_); }

  absl::StatusOr<ObjectInfo> putFile(const std::string& key, const std::string& localPath) override {
    return writeObject(key, [&](int fd, const std::string& tempPath) { return copyInto(localPath, fd, tempPath); });
  }

  absl::StatusOr<ObjectInfo> put(const std::string& key, const std::string& data) override {
    return writeObject(key, [&](int fd, const std::string& tempPath) -> absl::StatusOr<uint64_t> {
      size_t written = 0;
      while (written < data.size()) {
        ssize_t w = ::write(fd, data.data() + written, data.size() - written);
        if (w < 0) {
          if (errno == EINTR) continue;
          return ioError("write", tempPath, errno);
        }
        written += static_cast<size_t>(w);
      }
      return static_cast<uint64_t>(data.size());
    });
  }

  absl::StatusOr<std::string> read(const std::string& key, uint64_t offset, uint64_t length) override {
    auto file = RandomAccessFile::open(pathOf(key));
    if (!file.ok()) return keyError(key, file.status());
    if (offset + length > (*file)->sizeBytes()) {
      return absl::DataLossError(absl::StrCat("object '", key, "' in ", describe(), " has ", (*file)->sizeBytes(),
                                              " bytes; cannot read ", length, " bytes at offset ", offset));
    }
    std::string out(length, '\0');
    absl::Status status = (*file)->readAt(offset, out.size(), out.data());
    if (!status.ok()) return keyError(key, status);
    return out;
  }

  absl::Status getFile(const std::string& key, const std::string& localPath) override {
    std::string tempPath = localPath + ".tmp";
    FURL_ASSIGN_OR_RETURN(auto out, WritableFile::create(tempPath));
    out.reset();
    int fd = ::open(tempPath.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return ioError("open", tempPath, errno);
    auto copied = copyInto(pathOf(key), fd, tempPath);
    absl::Status status = copied.ok() ? absl::OkStatus() : copied.status();
    if (status.ok() && ::fsync(fd) != 0) status = ioError("fsync", tempPath, errno);
    ::close(fd);
    if (status.ok()) status = renameDurably(tempPath, localPath);
    if (!status.ok()) {
      removeFile(tempPath).IgnoreError();
      return keyError(key, status);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ObjectInfo> head(const std::string& key) override {
    struct stat info {};
    if (::stat(pathOf(key).c_str(), &info) != 0) return keyError(key, ioError("stat", pathOf(key), errno));
    return ObjectInfo{key, static_cast<uint64_t>(info.st_size), ""};
  }

  absl::Status remove(const std::string& key) override {
    absl::Status status = removeFile(pathOf(key));
    return status.ok() ? status : keyError(key, status);
  }

  absl::StatusOr<std::vector<ObjectInfo>> list(const std::string& prefix) override {
    std::vector<ObjectInfo> objects;
    std::error_code error;
    std::filesystem::recursive_directory_iterator it(root_, error), end;
    if (error) return ioError("list", root_, error.value());
    for (; it != end; it.increment(error)) {
      if (error) return ioError("list", root_, error.value());
      if (it->is_directory() && it->path().filename() == kTempDir) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      std::string relative = std::filesystem::relative(it->path(), root_).generic_string();
      std::optional<std::string> key = unescapeKey(relative);
      if (!key || !key->starts_with(prefix)) continue;
      objects.push_back({*key, static_cast<uint64_t>(it->file_size()), ""});
    }
    std::sort(objects.begin(), objects.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return objects;
  }

  absl::Status clearTemporaryFiles() {
    std::error_code error;
    std::filesystem::remove_all(tempDir_, error);
    if (error) return ioError("remove", tempDir_, error.value());
    return createDirectories(tempDir_);
  }

 private:
  std::string pathOf(const std::string& key) const { return absl::StrCat(root_, "/", escapeKey(key)); }

  absl::Status keyError(const std::string& key, const absl::Status& status) const {
    return absl::Status(status.code(), absl::StrCat("object '", key, "' in ", describe(), ": ", status.message()));
  }

  /// Writes through `fill` into a temporary file, then renames it to the
  /// key's path, so a reader never sees a partial object.
  template <typename Fill>
  absl::StatusOr<ObjectInfo> writeObject(const std::string& key, Fill fill) {
    if (key.empty()) return absl::InvalidArgumentError("object key is empty");
    std::string path = pathOf(key);
    std::string tempPath = absl::StrCat(tempDir_, "/", nextTemp_.fetch_add(1), "-", ::getpid(), ".part");
    int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return keyError(key, ioError("create", tempPath, errno));
    auto size = fill(fd, tempPath);
    absl::Status status = size.ok() ? absl::OkStatus() : size.status();
    if (status.ok() && ::fsync(fd) != 0) status = ioError("fsync", tempPath, errno);
    ::close(fd);
    if (status.ok()) status = createDirectories(parentDirectory(path));
    if (status.ok()) status = renameDurably(tempPath, path);
    if (!status.ok()) {
      removeFile(tempPath).IgnoreError();
      return keyError(key, status);
    }
    return ObjectInfo{key, *size, ""};
  }

  const std::string root_;
  const std::string tempDir_;
  std::atomic<uint64_t> nextTemp_{1};
};

}  // namespace

absl::StatusOr<std::unique_ptr<ObjectStore>> openLocalObjectStore(const std::string& root) {
  if (root.empty()) return absl::InvalidArgumentError("object store directory is empty; pass a directory path");
  FURL_RETURN_IF_ERROR(createDirectories(root));
  std::error_code error;
  std::string absolute = std::filesystem::absolute(root, error).lexically_normal().string();
  if (error) return ioError("resolve", root, error.value());
  while (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  auto store = std::make_unique<LocalObjectStore>(absolute);
  FURL_RETURN_IF_ERROR(store->clearTemporaryFiles());
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace furl::storage
