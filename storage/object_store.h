#pragma once

// ObjectStore: where cold segments live. One interface for S3 (s3/, over
// libcurl with SigV4) and for a directory on the local file system (the
// embedded default when no S3 is configured, and the store most storage
// tests use).
//
// Keys are opaque byte strings chosen by the caller ("segments/<id>.seg");
// implementations escape them as their transport needs, so keys with
// spaces, unicode or '+' work. Every method is thread-safe and may block on
// the network; callers run them off the ingestion path.
//
// Errors: NotFound for a missing key, Unavailable for transient failures
// that remain after the implementation's own retries (connection refused,
// timeouts, 5xx, throttling), PermissionDenied for rejected credentials,
// DataLoss when a read returns fewer bytes than asked for, Internal for
// the rest. Messages name the key and the cause.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace furl::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  /// Entity tag as the store reports it (S3: quoted hex MD5 for single-part
  /// uploads); may be empty.
  std::string etag;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  /// A short description for logs and errors, such as
  /// "s3://bucket/prefix at http://127.0.0.1:9000" or "file:///data/cold".
  virtual std::string describe() const = 0;

  /// Uploads the whole local file `localPath` as `key`, replacing any
  /// object of that name. Large files go up in parts (multipart upload) so
  /// a failed part is retried alone. Returns the stored object's info.
  virtual absl::StatusOr<ObjectInfo> putFile(const std::string& key, const std::string& localPath) = 0;

  /// Uploads `data` as `key`.
  virtual absl::StatusOr<ObjectInfo> put(const std::string& key, const std::string& data) = 0;

  /// Reads `length` bytes at `offset` of `key` (a range request). Fails with
  /// DataLoss when the object is shorter than offset + length.
  virtual absl::StatusOr<std::string> read(const std::string& key, uint64_t offset, uint64_t length) = 0;

  /// Downloads the whole object into `localPath` (written to a temporary
  /// name, then renamed).
  virtual absl::Status getFile(const std::string& key, const std::string& localPath) = 0;

  /// Size and etag of `key`; NotFound when it does not exist.
  virtual absl::StatusOr<ObjectInfo> head(const std::string& key) = 0;

  /// Deletes `key`; deleting a missing key is OK.
  virtual absl::Status remove(const std::string& key) = 0;

  /// Every object whose key starts with `prefix`, in key order.
  virtual absl::StatusOr<std::vector<ObjectInfo>> list(const std::string& prefix) = 0;
};

/// An ObjectStore over the directory `root` (created if missing). Keys map
/// to paths below it, with each byte outside [A-Za-z0-9._-/] written as
/// %XX, so any key is a valid file name.
absl::StatusOr<std::unique_ptr<ObjectStore>> openLocalObjectStore(const std::string& root);

}  // namespace furl::storage
