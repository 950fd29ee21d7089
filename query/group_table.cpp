#include "query/group_table.h"

#include <cstring>

#include "common/error.h"

namespace furl::query {
namespace {

void appendKey(std::string& out, const Column& column, size_t row) {
  if (column.isNull(row)) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  TypeId id = column.type().id;
  if (id == TypeId::kNull) return;
  if (id == TypeId::kString) {
    std::string_view s = column.stringAt(row);
    uint32_t len = static_cast<uint32_t>(s.size());
    out.append(reinterpret_cast<const char*>(&len), sizeof(len));
    out.append(s.data(), s.size());
    return;
  }
  size_t width = physicalWidth(id);
  size_t index = column.isConstant() ? 0 : row;
  const char* base = reinterpret_cast<const char*>(column.data<uint8_t>());
  out.append(base + index * width, width);
}

// Decodes one key column value at `pos` into row `row` of `out`.
void decodeKey(std::string_view key, size_t& pos, Column& out, size_t row) {
  bool valid = key[pos++] != '\0';
  if (!valid) {
    out.setNull(row);
    return;
  }
  TypeId id = out.type().id;
  if (id == TypeId::kNull) return;
  if (id == TypeId::kString) {
    uint32_t len;
    std::memcpy(&len, key.data() + pos, sizeof(len));
    pos += sizeof(len);
    out.data<std::string_view>()[row] = std::string_view(key.data() + pos, len);
    pos += len;
    return;
  }
  size_t width = physicalWidth(id);
  std::memcpy(reinterpret_cast<char*>(out.data<uint8_t>()) + row * width, key.data() + pos, width);
  pos += width;
}

}  // namespace

GroupTable::GroupTable(const SelectPlan& plan) : plan_(plan) {
  for (const auto& spec : plan.aggregates) states_.push_back(makeAggregateState(spec));
  if (plan.groupKeys.empty()) {
    // A global aggregate has exactly one group, even over no rows.
    findOrAdd(std::string_view());
  }
}

uint32_t GroupTable::findOrAdd(std::string_view key) {
  absl::string_view lookup(key.data(), key.size());
  auto it = groups_.find(lookup);
  if (it != groups_.end()) return it->second;
  std::string_view stored = keyBytes_.add(key);
  uint32_t gid = static_cast<uint32_t>(numGroups_++);
  groups_.emplace(absl::string_view(stored.data(), stored.size()), gid);
  keysByGroup_.push_back(stored);
  for (auto& state : states_) state->resize(numGroups_);
  return gid;
}

void GroupTable::consume(const Batch& batch) {
  size_t live = batch.liveRows();
  if (live == 0) return;
  rows_.resize(live);
  if (batch.sel) {
    std::memcpy(rows_.data(), batch.sel->data(), live * sizeof(uint32_t));
  } else {
    for (size_t i = 0; i < live; ++i) rows_[i] = static_cast<uint32_t>(i);
  }
  gids_.resize(live);

  if (plan_.groupKeys.empty()) {
    std::fill(gids_.begin(), gids_.end(), 0);
  } else {
    std::vector<ColumnPtr> keys;
    keys.reserve(plan_.groupKeys.size());
    for (const auto& expr : plan_.groupKeys) keys.push_back(evaluate(*expr, batch));
    for (size_t k = 0; k < live; ++k) {
      keyBuffer_.clear();
      for (const auto& key : keys) appendKey(keyBuffer_, *key, rows_[k]);
      gids_[k] = findOrAdd(keyBuffer_);
    }
  }

  for (size_t a = 0; a < states_.size(); ++a) {
    const AggregateSpec& spec = plan_.aggregates[a];
    ColumnPtr arg = spec.arg ? evaluate(*spec.arg, batch) : nullptr;
    states_[a]->update(arg.get(), rows_.data(), gids_.data(), live);
  }
}

void GroupTable::merge(GroupTable& other) {
  std::vector<uint32_t> gidMap(other.numGroups_);
  for (size_t g = 0; g < other.numGroups_; ++g) gidMap[g] = findOrAdd(other.keysByGroup_[g]);
  for (size_t a = 0; a < states_.size(); ++a) states_[a]->merge(*other.states_[a], gidMap.data(), other.numGroups_);
}

Batch GroupTable::finish() {
  Batch out;
  out.numRows = numGroups_;
  std::vector<ColumnPtr> keyColumns;
  for (const auto& expr : plan_.groupKeys) {
    auto column = Column::makeFlat(expr->type, numGroups_);
    // Key strings point into keyBytes_, which this table owns; copy them so
    // the batch outlives the table.
    keyColumns.push_back(column);
  }
  for (size_t g = 0; g < numGroups_; ++g) {
    size_t pos = 0;
    for (auto& column : keyColumns) decodeKey(keysByGroup_[g], pos, *column, g);
  }
  for (auto& column : keyColumns) {
    if (column->type().id == TypeId::kString) {
      auto* values = column->data<std::string_view>();
      for (size_t g = 0; g < numGroups_; ++g) {
        if (!column->isNull(g)) values[g] = column->heap().add(values[g]);
      }
    }
    out.columns.push_back(column);
  }
  for (auto& state : states_) out.columns.push_back(state->finalize(numGroups_));
  return out;
}

}  // namespace furl::query
