#pragma once

// Hash aggregation state of one thread: group keys mapped to dense group
// ids, plus one AggregateState per aggregate.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/column.h"
#include "query/aggregate.h"
#include "query/select_plan.h"

namespace furl::query {

class GroupTable {
 public:
  explicit GroupTable(const SelectPlan& plan);

  /// Adds the live rows of a scanned, filtered batch.
  void consume(const Batch& batch);
  /// Moves every group of `other` into this table.
  void merge(GroupTable& other);
  /// The aggregated batch: group key columns, then aggregate columns.
  Batch finish();

  size_t numGroups() const { return numGroups_; }

 private:
  uint32_t findOrAdd(std::string_view key);

  const SelectPlan& plan_;
  std::vector<std::unique_ptr<AggregateState>> states_;
  size_t numGroups_ = 0;
  // Serialized group keys: per key column a NULL flag byte, then the fixed
  // width value or a 4-byte length and the bytes of a string.
  StringHeap keyBytes_;
  absl::flat_hash_map<absl::string_view, uint32_t> groups_;
  std::vector<std::string_view> keysByGroup_;
  // Reused per batch.
  std::string keyBuffer_;
  std::vector<uint32_t> rows_;
  std::vector<uint32_t> gids_;
};

}  // namespace furl::query
