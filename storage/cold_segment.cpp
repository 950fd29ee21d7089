#include "storage/cold_segment.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace furl::storage {

absl::Status ColdSegment::prepare(ReadStats* stats) const {
  if (prepared_.load(std::memory_order_acquire)) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mutex_);
  if (reader_ != nullptr) return absl::OkStatus();
  auto reader = SegmentReader::open(source_, id_, stats);
  if (!reader.ok()) return describeError(reader.status());
  if ((*reader)->numRows() != numRows_) {
    return absl::DataLossError(absl::StrCat("segment ", id_, " of table '", table_, "' (cold, ", source_->describe(),
                                            ") has ", (*reader)->numRows(), " rows but the catalog lists ",
                                            numRows_));
  }
  reader_ = std::move(*reader);
  prepared_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

absl::StatusOr<ColumnPtr> ColdSegment::readBlock(size_t column, size_t block) const {
  std::vector<ColumnPtr> out;
  absl::Status status = readBlocks({column}, block, out, nullptr);
  if (!status.ok()) return status;
  return std::move(out[0]);
}

absl::Status ColdSegment::readBlocks(const std::vector<size_t>& columns, size_t block, std::vector<ColumnPtr>& out,
                                     ReadStats* stats) const {
  absl::Status status = prepare(stats);
  if (!status.ok()) return status;
  status = reader_->readBlocks(columns, block, out, stats);
  return status.ok() ? status : describeError(status);
}

int64_t ColdSegment::lastAccessMs() const {
  return prepared_.load(std::memory_order_acquire) ? reader_->lastAccessMs() : 0;
}

const SegmentReader& ColdSegment::reader() const {
  if (!prepared_.load(std::memory_order_acquire)) {
    // Reading metadata of a segment that was never fetched would return
    // nothing, and a query would silently miss its rows.
    logger("storage.segment")->critical("cold segment {} used before prepare()", id_);
    std::abort();
  }
  return *reader_;
}

absl::Status ColdSegment::describeError(const absl::Status& status) const {
  return absl::Status(status.code(), absl::StrCat("segment ", id_, " of table '", table_, "' (cold, ",
                                                  source_->describe(), "): ", status.message()));
}

}  // namespace furl::storage
