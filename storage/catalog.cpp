#include "storage/catalog.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"
#include "storage/catalog_codec.h"
#include "storage/file_io.h"

namespace furl::storage {

namespace {

constexpr char kCatalogFile[] = "catalog";

}  // namespace

std::vector<SegmentInfo> CatalogState::segmentsOf(const std::string& table) const {
  std::vector<SegmentInfo> result;
  for (const auto& [id, info] : segments) {
    if (info.table == table) result.push_back(info);
  }
  return result;
}

Catalog::Catalog(std::string dataDir, CatalogState state)
    : dataDir_(std::move(dataDir)), path_(absl::StrCat(dataDir_, "/", kCatalogFile)), state_(std::move(state)) {}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::open(const std::string& dataDir) {
  FURL_RETURN_IF_ERROR(createDirectories(dataDir));
  std::string path = absl::StrCat(dataDir, "/", kCatalogFile);

  // A temporary file is a commit that never reached its rename.
  FURL_RETURN_IF_ERROR(removeFile(path + ".tmp"));

  CatalogState state;
  std::error_code error;
  bool exists = std::filesystem::exists(path, error);
  if (error) return ioError("stat", path, error.value());
  if (exists) {
    FURL_ASSIGN_OR_RETURN(std::string bytes, readWholeFile(path));
    FURL_ASSIGN_OR_RETURN(state, decodeCatalog(bytes, path));
    for (const auto& [id, info] : state.segments) {
      if (!state.tables.contains(info.table)) {
        return absl::DataLossError(
            absl::StrCat("catalog file ", path, ": segment ", id, " belongs to unknown table '", info.table, "'"));
      }
    }
  }
  logger("storage.catalog")
      ->info("catalog opened path={} generation={} tables={} segments={}", path, state.generation,
             state.tables.size(), state.segments.size());
  return std::unique_ptr<Catalog>(new Catalog(dataDir, std::move(state)));
}

absl::StatusOr<CatalogState> Catalog::apply(const CatalogState& state, const CatalogChange& change) {
  CatalogState next = state;

  for (const std::string& name : change.dropTables) {
    if (next.tables.erase(name) == 0) return absl::NotFoundError(absl::StrCat("table '", name, "' not found"));
    std::erase_if(next.segments, [&](const auto& entry) { return entry.second.table == name; });
    next.properties.erase(name);
  }
  for (const TableDef& def : change.createTables) {
    if (def.name.empty()) return absl::InvalidArgumentError("table name is empty");
    if (!next.tables.emplace(def.name, def).second) {
      return absl::AlreadyExistsError(absl::StrCat("table '", def.name, "' already exists"));
    }
  }
  for (const TableDef& def : change.alterTables) {
    auto it = next.tables.find(def.name);
    if (it == next.tables.end()) return absl::NotFoundError(absl::StrCat("table '", def.name, "' not found"));
    it->second = def;
  }
  for (const std::string& id : change.removeSegments) {
    if (next.segments.erase(id) == 0) {
      return absl::NotFoundError(absl::StrCat("segment ", id, " not found in the catalog"));
    }
  }
  for (const SegmentInfo& info : change.addSegments) {
    if (!next.tables.contains(info.table)) {
      return absl::NotFoundError(absl::StrCat("table '", info.table, "' of segment ", info.id, " not found"));
    }
    if (info.id.empty()) return absl::InvalidArgumentError("segment id is empty");
    if (!next.segments.emplace(info.id, info).second) {
      return absl::AlreadyExistsError(absl::StrCat("segment ", info.id, " already exists in the catalog"));
    }
  }
  for (const SegmentInfo& info : change.updateSegments) {
    auto it = next.segments.find(info.id);
    if (it == next.segments.end() || it->second.table != info.table) {
      return absl::NotFoundError(absl::StrCat("segment ", info.id, " of table '", info.table,
                                              "' not found in the catalog"));
    }
    it->second = info;
  }
  for (const PropertyChange& property : change.properties) {
    if (!next.tables.contains(property.table)) {
      return absl::NotFoundError(absl::StrCat("table '", property.table, "' of property '", property.key,
                                              "' not found"));
    }
    if (property.value.has_value()) {
      next.properties[property.table][property.key] = *property.value;
    } else if (auto it = next.properties.find(property.table); it != next.properties.end()) {
      it->second.erase(property.key);
      if (it->second.empty()) next.properties.erase(it);
    }
  }
  next.nextSegmentNumber = std::max(next.nextSegmentNumber, change.nextSegmentNumber);
  if (change.databaseId.has_value()) next.databaseId = *change.databaseId;
  ++next.generation;
  return next;
}

absl::Status Catalog::commit(const CatalogChange& change) {
  if (uncertain_) {
    return absl::FailedPreconditionError(
        absl::StrCat("catalog ", path_, " failed to sync an earlier commit; reopen the database"));
  }
  FURL_ASSIGN_OR_RETURN(CatalogState next, apply(state_, change));
  std::string bytes = encodeCatalog(next);
  std::string tempPath = path_ + ".tmp";

  // Write the new file next to the old one.
  {
    FURL_ASSIGN_OR_RETURN(auto file, WritableFile::create(tempPath));
    absl::Status status = file->append(bytes);
    if (status.ok()) status = file->sync();
    if (status.ok()) status = file->close();
    if (!status.ok()) {
      removeFile(tempPath).IgnoreError();
      return status;
    }
  }

  // Publish it: after the rename a reader sees the new state.
  if (::rename(tempPath.c_str(), path_.c_str()) != 0) {
    absl::Status status = ioError("rename", absl::StrCat(tempPath, " to ", path_), errno);
    removeFile(tempPath).IgnoreError();
    return status;
  }
  state_ = std::move(next);
  absl::Status synced = syncDirectory(dataDir_);
  if (!synced.ok()) {
    uncertain_ = true;
    logger("storage.catalog")
        ->error("catalog directory sync failed path={} generation={} error={}; later commits are refused",
                path_, state_.generation, synced.ToString());
    return synced;
  }
  return absl::OkStatus();
}

}  // namespace furl::storage
