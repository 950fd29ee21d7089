#include "query/group_table.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <thread>

#include <sys/mman.h>

#include "absl/strings/match.h"
#include "common/error.h"

namespace furl::query {
namespace {

constexpr uint32_t kNoId = UINT32_MAX;
// A dictionary code queued for interning within the current batch.
constexpr uint32_t kPendingId = UINT32_MAX - 1;
constexpr size_t kInitialCapacity = 256;
// In a parallel merge, marks a group that is new to this table until the
// new groups are numbered: a gid map entry equal to kNewGroupTag, and in a
// slot's group word bit 63 above the group's index among the partition's
// new groups.
constexpr uint32_t kNewGroupTag = uint32_t{1} << 31;
constexpr uint64_t kNewSlotTag = uint64_t{1} << 63;
// Rows ahead whose hash table slot is prefetched.
constexpr size_t kPrefetchDistance = 8;
constexpr size_t kHugePageBytes = size_t{2} << 20;
// Slot arrays from this size on are advised to use transparent huge pages.
constexpr size_t kHugePageAdviceBytes = size_t{4} << 20;
// The largest slot arena. Every arena is a fresh mapping that the kernel
// zeroes, while calloc may reuse freed memory, but arrays from calloc take
// one page fault per 4 KiB and miss the TLB. When ClickBench Q33 (10M
// groups) grew its sub-tables step by step, arenas past 128 MiB cost more
// than they saved. Sized once from the estimate, its 400 MB of sub-tables
// per thread from an arena took about 15% less furld CPU than from calloc.
constexpr size_t kMaxArenaBytes = size_t{1024} << 20;
// Live rows per run of equal keys, on average over a batch, from which the
// aggregate states are updated run by run. It is an estimate of where one
// branch misprediction per run costs less than the per-row updates.
constexpr size_t kMinRunRows = 4;
// Groups per row read from which a table estimating its final size treats
// its keys as close to unique.
constexpr double kUniqueKeysPerRow = 0.9;

template <size_t N>
inline uint64_t hashWords(const uint64_t* w) {
  uint64_t h = mix64(w[0]);
  for (size_t i = 1; i < N; ++i) h = mix64(h ^ (w[i] + 0x9e3779b97f4a7c15ULL * i));
  return h;
}

template <size_t N>
inline bool equalWords(const uint64_t* a, const uint64_t* b) {
  bool same = true;
  for (size_t i = 0; i < N; ++i) same &= a[i] == b[i];
  return same;
}

void appendKey(std::string& out, const Column& column, size_t row) {
  if (column.isNull(row)) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  TypeId id = column.type().id;
  if (id == TypeId::kNull) return;
  if (isByteString(id)) {
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
  if (isByteString(id)) {
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

// True when `expr` is deterministic and reads only scanned columns marked
// in `columnIsKey`, so equal values of those columns give equal results.
bool isFunctionOfKeys(const BoundExpr& expr, const std::vector<bool>& columnIsKey) {
  switch (expr.kind) {
    case BoundExpr::Kind::kConstant:
      return true;
    case BoundExpr::Kind::kColumn:
      return expr.columnIndex < columnIsKey.size() && columnIsKey[expr.columnIndex];
    case BoundExpr::Kind::kFunction:
      for (const char* name : {"rand", "rand64", "generateUUIDv4"}) {
        if (absl::EqualsIgnoreCase(expr.functionName, name)) return false;
      }
      for (const auto& arg : expr.args) {
        if (!isFunctionOfKeys(*arg, columnIsKey)) return false;
      }
      return true;
  }
  return false;
}

// Runs fn(worker, task) for every task below `tasks` on up to `threads`
// threads (the caller's among them), which claim tasks from a shared
// counter. `worker` is below `threads` and differs between threads running
// at once, so it can index per-thread scratch memory. Rethrows the first
// error once every thread has stopped.
void parallelFor(size_t tasks, size_t threads, const std::function<void(size_t, size_t)>& fn) {
  threads = std::min(threads, tasks);
  if (threads <= 1) {
    for (size_t task = 0; task < tasks; ++task) fn(0, task);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex errorMutex;
  auto work = [&](size_t worker) {
    try {
      for (size_t task = next.fetch_add(1); task < tasks; task = next.fetch_add(1)) fn(worker, task);
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!error) error = std::current_exception();
      next.store(tasks);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

GroupTable::GroupTable(const SelectPlan& plan) : plan_(plan) {
  std::vector<std::string> stateKeys;
  for (const auto& spec : plan.aggregates) {
    AggregateSpec stateSpec = spec;
    Output output;
    if (auto split = splitShiftedSum(spec)) {
      stateSpec.arg = split->first;
      output.shift = split->second;
    }
    // Only plain column arguments are recognised as equal.
    std::string key;
    if (!stateSpec.key && (!stateSpec.arg || stateSpec.arg->kind == BoundExpr::Kind::kColumn)) {
      key = std::to_string(static_cast<int>(stateSpec.kind)) + ":" +
            (stateSpec.arg ? std::to_string(stateSpec.arg->columnIndex) : "*") + ":" + stateSpec.resultType.toString() +
            ":" + std::to_string(stateSpec.lgK) + ":" + std::to_string(stateSpec.level);
    }
    auto found = key.empty() ? stateKeys.end() : std::find(stateKeys.begin(), stateKeys.end(), key);
    if (found != stateKeys.end()) {
      output.state = static_cast<size_t>(found - stateKeys.begin());
    } else {
      output.state = states_.size();
      states_.push_back(makeAggregateState(stateSpec));
      stateSpecs_.push_back(stateSpec);
      stateKeys.push_back(key.empty() ? "#" + std::to_string(output.state) : key);
    }
    outputs_.push_back(output);
  }
  dictionaryIds_.resize(plan.groupKeys.size());
  std::vector<bool> columnIsKey(plan.scanColumns.size(), false);
  for (const auto& expr : plan.groupKeys) {
    if (expr->kind == BoundExpr::Kind::kColumn && expr->columnIndex < columnIsKey.size()) {
      columnIsKey[expr->columnIndex] = true;
    }
  }
  size_t bytes = 0;
  size_t variableParts = 0;
  for (const auto& expr : plan.groupKeys) {
    KeyPart part;
    part.type = expr->type;
    part.isString = isByteString(expr->type.id);
    part.offset = static_cast<uint32_t>(bytes);
    if (expr->isConstant()) {
      part.isConstant = true;
      parts_.push_back(part);
      continue;
    }
    if (expr->kind == BoundExpr::Kind::kFunction && isFunctionOfKeys(*expr, columnIsKey)) {
      part.isDerived = true;
      parts_.push_back(part);
      continue;
    }
    if (part.isString) stringPart_ = parts_.size();
    ++variableParts;
    part.width = part.isString ? sizeof(uint32_t)
                 : expr->type.id == TypeId::kNull ? 0
                                                   : static_cast<uint32_t>(physicalWidth(expr->type.id));
    bytes += part.width + (part.type.nullable || part.type.id == TypeId::kNull ? 1 : 0);
    parts_.push_back(part);
  }
  words_ = std::max<size_t>(1, (bytes + 7) / 8);
  if (plan.groupKeys.empty()) {
    // A global aggregate has exactly one group, even over no rows.
    mode_ = Mode::kGlobal;
    numGroups_ = 1;
    resizeStates();
  } else if (variableParts == 1 && parts_[stringPart_].isString && !parts_[stringPart_].isConstant) {
    mode_ = Mode::kSingleString;
  } else if (bytes <= 2) {
    mode_ = Mode::kDirect;
    direct_.assign(size_t{1} << (8 * bytes), 0);
  } else if (words_ <= kMaxPackedWords) {
    mode_ = Mode::kPacked;
    subTables_.resize(1);
    switch (words_) {
      case 1:
        grow<1>(subTables_[0], kInitialCapacity);
        break;
      case 2:
        grow<2>(subTables_[0], kInitialCapacity);
        break;
      case 3:
        grow<3>(subTables_[0], kInitialCapacity);
        break;
      default:
        grow<4>(subTables_[0], kInitialCapacity);
        break;
    }
  } else {
    mode_ = Mode::kSerialized;
  }
}

void GroupTable::resizeStates() {
  for (auto& state : states_) state->resize(numGroups_);
}

uint32_t GroupTable::addGroup() { return static_cast<uint32_t>(numGroups_++); }

uint32_t GroupTable::findOrAddSerialized(std::string_view key) {
  absl::string_view lookup(key.data(), key.size());
  auto it = groups_.find(lookup);
  if (it != groups_.end()) return it->second;
  std::string_view stored = keyBytes_.add(key);
  uint32_t gid = addGroup();
  groups_.emplace(absl::string_view(stored.data(), stored.size()), gid);
  serializedKeys_.push_back(stored);
  return gid;
}

void GroupTable::internStrings(const Column& column, size_t part, size_t n, uint32_t* out) {
  const bool nullAsId = mode_ == Mode::kSingleString;
  const bool nulls = column.mayHaveNulls();
  if (column.isConstant()) {
    uint32_t id = column.isNull(0) ? (nullAsId ? strings_.internNull() : 0) : strings_.intern(column.stringAt(0));
    std::fill(out, out + n, id);
    return;
  }
  if (column.isDictionary()) {
    DictionaryIds& cache = dictionaryIds_[part];
    const StringDictionary& dictionary = column.dictionary();
    if (cache.dictionary != column.dictionaryPtr()) {
      cache.dictionary = column.dictionaryPtr();
      cache.ids.assign(dictionary.values.size(), kNoId);
    }
    const uint32_t* codes = column.codes();
    uint32_t* ids = cache.ids.data();
    // Codes met for the first time are interned together, so the slot of
    // each can be prefetched a few strings ahead.
    newCodes_.clear();
    for (size_t k = 0; k < n; ++k) {
      uint32_t row = rows_[k];
      if (nulls && column.isNull(row)) continue;
      uint32_t code = codes[row];
      if (ids[code] == kNoId) {
        ids[code] = kPendingId;
        newCodes_.push_back(code);
      }
    }
    // The dictionary computes each entry's hash once for every query.
    const size_t m = newCodes_.size();
    const std::vector<uint64_t>& entryHashes = dictionary.hashes();
    for (size_t j = 0; j < m; ++j) {
      if (j + kPrefetchDistance < m) strings_.prefetch(entryHashes[newCodes_[j + kPrefetchDistance]]);
      ids[newCodes_[j]] = strings_.intern(dictionary.values[newCodes_[j]], entryHashes[newCodes_[j]]);
    }
    for (size_t k = 0; k < n; ++k) {
      uint32_t row = rows_[k];
      if (nulls && column.isNull(row)) {
        out[k] = nullAsId ? strings_.internNull() : 0;
        continue;
      }
      out[k] = ids[codes[row]];
    }
    return;
  }
  // A flat column: every row's string is hashed first, so the interner's
  // slots can be prefetched a few rows ahead.
  const auto* values = column.data<std::string_view>();
  hashes_.resize(n);
  for (size_t k = 0; k < n; ++k) hashes_[k] = StringInterner::hashOf(values[rows_[k]]);
  for (size_t k = 0; k < n; ++k) {
    uint32_t row = rows_[k];
    if (k + kPrefetchDistance < n) strings_.prefetch(hashes_[k + kPrefetchDistance]);
    if (nulls && column.isNull(row)) {
      out[k] = nullAsId ? strings_.internNull() : 0;
      continue;
    }
    out[k] = strings_.intern(values[row], hashes_[k]);
  }
}

bool GroupTable::packSingleIntegerKey(const std::vector<ColumnPtr>& keys, size_t n) {
  if (words_ != 1) return false;
  size_t keyPart = SIZE_MAX;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (parts_[p].isConstant || parts_[p].isDerived) continue;
    if (keyPart != SIZE_MAX) return false;
    keyPart = p;
  }
  if (keyPart == SIZE_MAX) return false;
  const KeyPart& part = parts_[keyPart];
  const Column& column = *keys[keyPart];
  if (part.isString || part.type.nullable || part.offset != 0 || column.encoding() != Column::Encoding::kFlat ||
      column.mayHaveNulls() || physicalWidth(column.type().id) != part.width) {
    return false;
  }
  bool packed = false;
  dispatchPhysical(column.type().id, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      // The value zero-extended is the word that copying its bytes into a
      // zeroed word gives on a little-endian host, so no zeroing comes first.
      using Unsigned = std::make_unsigned_t<T>;
      keyWords_.resize(n);
      const T* values = column.data<T>();
      uint64_t* words = keyWords_.data();
      for (size_t k = 0; k < n; ++k) words[k] = static_cast<Unsigned>(values[rows_[k]]);
      packed = true;
    }
  });
  return packed;
}

void GroupTable::packKeys(const std::vector<ColumnPtr>& keys, size_t n) {
  if (packSingleIntegerKey(keys, n)) return;
  keyWords_.assign(n * words_, 0);
  const size_t stride = words_ * sizeof(uint64_t);
  auto* base = reinterpret_cast<char*>(keyWords_.data());
  ids_.resize(n);
  for (size_t p = 0; p < parts_.size(); ++p) {
    const KeyPart& part = parts_[p];
    if (part.isConstant || part.isDerived) continue;
    const Column& column = *keys[p];
    char* out = base + part.offset;
    const bool hasFlag = part.type.nullable || part.type.id == TypeId::kNull;
    if (part.type.id == TypeId::kNull || column.type().id == TypeId::kNull) {
      for (size_t k = 0; k < n; ++k) out[k * stride + part.width] = 1;
      continue;
    }
    if (part.isString) {
      internStrings(column, p, n, ids_.data());
      for (size_t k = 0; k < n; ++k) std::memcpy(out + k * stride, &ids_[k], sizeof(uint32_t));
    } else {
      if (physicalWidth(column.type().id) != part.width) {
        throw QueryError(ErrorCode::kLogicalError, "group key column has type " + column.type().toString() +
                                                       ", expected " + part.type.toString());
      }
      dispatchPhysical(column.type().id, [&]<typename T>() {
        if constexpr (!std::is_same_v<T, std::string_view>) {
          const T* values = column.data<T>();
          if (column.isConstant()) {
            for (size_t k = 0; k < n; ++k) std::memcpy(out + k * stride, values, sizeof(T));
          } else {
            for (size_t k = 0; k < n; ++k) std::memcpy(out + k * stride, values + rows_[k], sizeof(T));
          }
        }
      });
    }
    if (hasFlag && column.mayHaveNulls()) {
      for (size_t k = 0; k < n; ++k) {
        if (!column.isNull(rows_[k])) continue;
        std::memset(out + k * stride, 0, part.width);
        out[k * stride + part.width] = 1;
      }
    }
  }
}

// Zero-initialised words from calloc: large blocks come straight from mmap,
// already zero, so no page is written before the table uses it.
std::unique_ptr<uint64_t[], void (*)(void*)> allocateZeroedWords(size_t count) {
  void* memory = std::calloc(count, sizeof(uint64_t));
  if (memory == nullptr) throw std::bad_alloc();
  size_t bytes = count * sizeof(uint64_t);
  if (bytes >= kHugePageAdviceBytes) {
    // Ask for transparent huge pages over the 2 MiB-aligned part, so that
    // random probes over a large table miss the TLB less often.
    auto begin = (reinterpret_cast<uintptr_t>(memory) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    auto end = (reinterpret_cast<uintptr_t>(memory) + bytes) & ~(kHugePageBytes - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  return {static_cast<uint64_t*>(memory), &std::free};
}

GroupTable::SlotArena::SlotArena(size_t bytes) {
  mappedBytes = bytes + kHugePageBytes;
  mapping = mmap(nullptr, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) {
    mapping = nullptr;
    throw std::bad_alloc();
  }
  auto begin = (reinterpret_cast<uintptr_t>(mapping) + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  words = reinterpret_cast<uint64_t*>(begin);
  madvise(words, bytes, MADV_HUGEPAGE);
}

GroupTable::SlotArena::~SlotArena() {
  if (mapping != nullptr) munmap(mapping, mappedBytes);
}

std::unique_ptr<uint64_t[], void (*)(void*)> GroupTable::arenaSlots(size_t words, size_t partition, int& level) {
  // A table's slots all have N + 1 words, so the trailing zero bits of
  // `words` tell the capacities apart.
  level = std::countr_zero(words);
  std::lock_guard<std::mutex> lock(arenaMutex_);
  if (arenas_.size() <= static_cast<size_t>(level)) arenas_.resize(level + 1);
  auto& arena = arenas_[level];
  if (!arena) arena = std::make_unique<SlotArena>((words << kSubTableBits) * sizeof(uint64_t));
  ++arena->users;
  // The arena owns the memory: the pointer's deleter does nothing.
  return {arena->words + partition * words, +[](void*) {}};
}

void GroupTable::releaseArenaSlots(SubTable& table) {
  if (table.arena < 0) return;
  table.slots.reset();
  std::lock_guard<std::mutex> lock(arenaMutex_);
  auto& arena = arenas_[table.arena];
  if (--arena->users == 0) arena.reset();
  table.arena = -1;
}

template <size_t N>
void GroupTable::grow(SubTable& table, size_t capacity, size_t partition) {
  int level = -1;
  // Sub-tables of a split table take their arrays from the arena of their
  // capacity.
  const size_t words = capacity * (N + 1);
  const bool fromArena = partition != SIZE_MAX && (words << kSubTableBits) * sizeof(uint64_t) <= kMaxArenaBytes;
  auto slots = fromArena ? arenaSlots(words, partition, level) : allocateZeroedWords(words);
  const size_t mask = capacity - 1;
  for (size_t s = 0; s < table.capacity; ++s) {
    const uint64_t* old = &table.slots[s * (N + 1)];
    if (old[N] == 0) continue;
    size_t i = hashWords<N>(old) & mask;
    while (slots[i * (N + 1) + N] != 0) i = (i + 1) & mask;
    std::memcpy(&slots[i * (N + 1)], old, (N + 1) * sizeof(uint64_t));
  }
  releaseArenaSlots(table);
  table.slots = std::move(slots);
  table.capacity = capacity;
  table.arena = level;
}

size_t GroupTable::estimateGroups(uint64_t rowsRead) const {
  if (rowsRead == 0 || expectedRows_ <= rowsRead) return numGroups_;
  // Groups per row so far, extrapolated to all expected rows, overestimate
  // when keys repeat more as rows go on, so half of that is the estimate.
  // When at least 9 in 10 rows so far started a group, the keys are close
  // to unique, so the extrapolation itself is the estimate. Halving it cost
  // ClickBench Q33 (10M distinct keys) two growth steps of every sub-table
  // and of the per-group arrays.
  double perRow = static_cast<double>(numGroups_) / static_cast<double>(rowsRead);
  double share = perRow >= kUniqueKeysPerRow ? 1.0 : 0.5;
  auto estimate = static_cast<size_t>(perRow * static_cast<double>(expectedRows_) * share);
  return std::max(numGroups_, estimate);
}

template <size_t N>
void GroupTable::splitWhenLarge(uint64_t rowsRead) {
  if (!twoLevel_ && numGroups_ > kTwoLevelGroups) splitIntoSubTables<N>(estimateGroups(rowsRead));
}

template <size_t N>
void GroupTable::splitIntoSubTables(size_t expectedGroups) {
  std::vector<SubTable> tables(size_t{1} << kSubTableBits);
  // Room for twice the current groups, and for the expected ones, per
  // sub-table before the first growth.
  size_t perTable = std::max<size_t>(1, numGroups_ >> kSubTableBits);
  size_t expectedPerTable = expectedGroups >> kSubTableBits;
  size_t capacity = kInitialCapacity;
  while (capacity < perTable * 4 || capacity < expectedPerTable * 2) capacity *= 2;
  if (expectedGroups > numGroups_) {
    // Allocate the per-group arrays once for the expected groups instead of
    // doubling them (and copying) as groups come. A state resized down keeps
    // its memory.
    keysByGroup_.reserve(expectedGroups * N);
    for (auto& state : states_) {
      state->resize(expectedGroups);
      state->resize(numGroups_);
    }
  }
  for (size_t p = 0; p < tables.size(); ++p) grow<N>(tables[p], capacity, p);
  subTables_ = std::move(tables);
  twoLevel_ = true;
  for (size_t g = 0; g < numGroups_; ++g) {
    const uint64_t* key = &keysByGroup_[g * N];
    uint64_t hash = hashWords<N>(key);
    SubTable& table = subTableOf(hash);
    const size_t mask = table.capacity - 1;
    size_t i = hash & mask;
    while (table.slots[i * (N + 1) + N] != 0) i = (i + 1) & mask;
    uint64_t* slot = &table.slots[i * (N + 1)];
    std::memcpy(slot, key, N * sizeof(uint64_t));
    slot[N] = g + 1;
    ++table.size;
  }
}

template <size_t N>
uint32_t GroupTable::findOrAddPacked(const uint64_t* key, uint64_t hash) {
  SubTable& table = subTableOf(hash);
  const size_t mask = table.capacity - 1;
  size_t i = hash & mask;
  for (;;) {
    uint64_t* slot = &table.slots[i * (N + 1)];
    uint64_t g = slot[N];
    if (g == 0) {
      uint32_t gid = addGroup();
      std::memcpy(slot, key, N * sizeof(uint64_t));
      slot[N] = uint64_t{gid} + 1;
      keysByGroup_.insert(keysByGroup_.end(), key, key + N);
      if (++table.size * 2 > table.capacity) {
        grow<N>(table, table.capacity * 2, twoLevel_ ? static_cast<size_t>(&table - subTables_.data()) : SIZE_MAX);
      }
      return gid;
    }
    if (equalWords<N>(slot, key)) return static_cast<uint32_t>(g - 1);
    i = (i + 1) & mask;
  }
}

template <size_t N>
void GroupTable::lookupPacked(size_t n, uint64_t rowsBefore, uint64_t batchRows) {
  const uint64_t* keys = keyWords_.data();
  // Rows sorted by the group key (a prefix of the table's sort key) repeat
  // the key of the row before them. Only the first row of each run of equal
  // keys is hashed and probed, and the rest of the run takes its group.
  runStarts_.resize(n);
  size_t runs = 0;
  for (size_t k = 0; k < n; ++k) {
    runStarts_[runs] = static_cast<uint32_t>(k);
    runs += k == 0 || !equalWords<N>(keys + k * N, keys + (k - 1) * N) ? 1 : 0;
  }
  runs_ = runs;
  hashes_.resize(runs);
  for (size_t r = 0; r < runs; ++r) hashes_[r] = hashWords<N>(keys + size_t{runStarts_[r]} * N);
  for (size_t r = 0; r < runs; ++r) {
    if (r + kPrefetchDistance < runs) {
      uint64_t ahead = hashes_[r + kPrefetchDistance];
      const SubTable& table = subTableOf(ahead);
      __builtin_prefetch(&table.slots[(ahead & (table.capacity - 1)) * (N + 1)]);
    }
    const size_t k = runStarts_[r];
    const size_t end = r + 1 < runs ? runStarts_[r + 1] : n;
    const uint32_t gid = findOrAddPacked<N>(keys + k * N, hashes_[r]);
    for (size_t j = k; j < end; ++j) gids_[j] = gid;
    // Rows read so far: the earlier batches', and this batch's share up
    // to live row k, the only row of the run that may add a group.
    if (!twoLevel_) splitWhenLarge<N>(rowsBefore + (k + 1) * batchRows / n);
  }
}

// Merges two tables without string keys: the groups of other's sub-table p
// can only be in this table's sub-table p, so each step probes one small
// table.
template <size_t N>
void GroupTable::mergeSubTables(GroupTable& other, uint32_t* gidMap) {
  if (!twoLevel_) splitIntoSubTables<N>(numGroups_);
  for (const SubTable& from : other.subTables_) {
    for (size_t s = 0; s < from.capacity; ++s) {
      const uint64_t* slot = &from.slots[s * (N + 1)];
      if (slot[N] == 0) continue;
      gidMap[slot[N] - 1] = findOrAddPacked<N>(slot, hashWords<N>(slot));
    }
  }
}

template <size_t N>
GroupTable::TranslatedGroups GroupTable::translateGroups(GroupTable& other) {
  // Each of other's strings is interned here once, not once per group.
  std::vector<uint32_t> ids(other.strings_.size());
  for (size_t id = 0; id < ids.size(); ++id) {
    auto from = static_cast<uint32_t>(id);
    ids[id] = other.strings_.isNull(from) ? strings_.internNull()
                                          : strings_.intern(other.strings_.at(from), other.strings_.hashAt(from));
  }
  TranslatedGroups out;
  out.keys = other.keysByGroup_;
  const size_t groups = other.numGroups_;
  for (size_t g = 0; g < groups; ++g) {
    auto* bytes = reinterpret_cast<char*>(&out.keys[g * N]);
    for (const KeyPart& part : parts_) {
      if (!part.storesStringId(bytes)) continue;
      uint32_t id;
      std::memcpy(&id, bytes + part.offset, sizeof(id));
      std::memcpy(bytes + part.offset, &ids[id], sizeof(id));
    }
  }
  // A counting sort of the groups by partition.
  const size_t partitions = subTables_.size();
  std::vector<uint64_t> hashes(groups);
  std::vector<size_t> next(partitions + 1, 0);
  for (size_t g = 0; g < groups; ++g) {
    hashes[g] = hashWords<N>(&out.keys[g * N]);
    ++next[(hashes[g] >> (64 - kSubTableBits)) + 1];
  }
  for (size_t p = 0; p < partitions; ++p) next[p + 1] += next[p];
  out.groups.resize(groups);
  out.hashes.resize(groups);
  for (size_t g = 0; g < groups; ++g) {
    size_t at = next[hashes[g] >> (64 - kSubTableBits)]++;
    out.groups[at] = static_cast<uint32_t>(g);
    out.hashes[at] = hashes[g];
  }
  next.pop_back();
  out.partitionEnd = std::move(next);
  return out;
}

// Merges split tables. Partition p of every table can only hold groups of
// partition p of the others, so the partitions merge independently, in
// parallel:
//   1. each partition probes its sub-table (or a scratch table when that
//      could get too full) with the others' groups. A new group gets its
//      index among the partition's new groups, and its gid map entry is
//      tagged.
//   2. the new groups are numbered after this table's groups, in the order
//      of the other tables and their group ids, and their keys are stored;
//   3. the entries of groups that two other tables share take the number
//      of the first.
// The sub-tables are then dropped: only finish() may follow.
template <size_t N>
void GroupTable::mergePartitioned(const std::vector<GroupTable*>& others,
                                  const std::vector<TranslatedGroups>* translated,
                                  std::vector<std::vector<uint32_t>>& gidMaps, size_t threads) {
  if (!twoLevel_) splitIntoSubTables<N>(numGroups_);
  for (GroupTable* other : others) {
    if (!translated && !other->twoLevel_) other->splitIntoSubTables<N>(other->numGroups_);
  }
  // The number of groups of other table t in partition p.
  auto incomingGroups = [&](size_t t, size_t p) {
    if (!translated) return others[t]->subTables_[p].size;
    const TranslatedGroups& from = (*translated)[t];
    return from.partitionEnd[p] - (p == 0 ? 0 : from.partitionEnd[p - 1]);
  };
  constexpr size_t kWords = N + 1;
  const size_t partitions = subTables_.size();
  // Per partition: the groups new to this table, as (other table, group)
  // where each was met first, and the gid map entries of later tables'
  // equal groups with the index of that first entry.
  struct NewGroup {
    uint32_t table;
    uint32_t group;
  };
  std::vector<std::vector<NewGroup>> added(partitions);
  std::vector<std::vector<std::pair<uint32_t*, uint32_t>>> repeated(partitions);
  std::vector<std::vector<uint64_t>> scratch(std::min(threads, partitions));
  parallelFor(partitions, threads, [&](size_t worker, size_t p) {
    SubTable& table = subTables_[p];
    // The index is dropped after the merge, so the probes may fill the
    // sub-table up to 3/4. If the incoming groups could pass that, the
    // probes go to a scratch table with room for all of them instead of a
    // grown copy. The worker reuses it for each of its partitions, so it
    // stays in the cache and needs no new pages.
    size_t atMost = table.size;
    for (size_t t = 0; t < others.size(); ++t) atMost += incomingGroups(t, p);
    uint64_t* slots = table.slots.get();
    size_t capacity = table.capacity;
    if (atMost * 4 > capacity * 3) {
      capacity = kInitialCapacity;
      while (atMost * 4 > capacity * 3) capacity *= 2;
      scratch[worker].assign(capacity * kWords, 0);
      slots = scratch[worker].data();
      const size_t mask = capacity - 1;
      // This table's keys are distinct: each goes to the first free slot.
      for (size_t s = 0; s < table.capacity; ++s) {
        const uint64_t* slot = &table.slots[s * kWords];
        if (slot[N] == 0) continue;
        size_t i = hashWords<N>(slot) & mask;
        while (slots[i * kWords + N] != 0) i = (i + 1) & mask;
        std::memcpy(&slots[i * kWords], slot, kWords * sizeof(uint64_t));
      }
    }
    const size_t mask = capacity - 1;
    std::vector<const uint64_t*> keys;
    std::vector<uint64_t> hashes;
    std::vector<uint32_t> groups;
    for (size_t t = 0; t < others.size(); ++t) {
      uint32_t* gidMap = gidMaps[t].data();
      keys.clear();
      hashes.clear();
      groups.clear();
      if (translated) {
        const TranslatedGroups& from = (*translated)[t];
        for (size_t i = p == 0 ? 0 : from.partitionEnd[p - 1]; i < from.partitionEnd[p]; ++i) {
          keys.push_back(&from.keys[size_t{from.groups[i]} * N]);
          hashes.push_back(from.hashes[i]);
          groups.push_back(from.groups[i]);
        }
      } else {
        const SubTable& from = others[t]->subTables_[p];
        for (size_t s = 0; s < from.capacity; ++s) {
          const uint64_t* slot = &from.slots[s * kWords];
          if (slot[N] == 0) continue;
          keys.push_back(slot);
          hashes.push_back(hashWords<N>(slot));
          groups.push_back(static_cast<uint32_t>(slot[N] - 1));
        }
      }
      for (size_t k = 0; k < keys.size(); ++k) {
        if (k + kPrefetchDistance < keys.size()) {
          __builtin_prefetch(&slots[(hashes[k + kPrefetchDistance] & mask) * kWords]);
        }
        const uint64_t* key = keys[k];
        uint32_t& mapped = gidMap[groups[k]];
        for (size_t i = hashes[k] & mask;; i = (i + 1) & mask) {
          uint64_t* slot = &slots[i * kWords];
          if (slot[N] == 0) {
            std::memcpy(slot, key, N * sizeof(uint64_t));
            slot[N] = kNewSlotTag | added[p].size();
            added[p].push_back({static_cast<uint32_t>(t), groups[k]});
            mapped = kNewGroupTag;
            break;
          }
          if (equalWords<N>(slot, key)) {
            uint64_t g = slot[N];
            if ((g & kNewSlotTag) != 0) {
              repeated[p].emplace_back(&mapped, static_cast<uint32_t>(g));
              mapped = 0;
            } else {
              mapped = static_cast<uint32_t>(g - 1);
            }
            break;
          }
        }
      }
    }
  });
  scratch.clear();
  dropIndex();

  // New groups are numbered in the order of the others' group ids, so the
  // aggregate states and keys of groups that only one other table has
  // merge in one sequential pass instead of one random access each.
  size_t total = numGroups_;
  for (size_t p = 0; p < partitions; ++p) total += added[p].size();
  if (total >= kNewGroupTag) {
    throw QueryError(ErrorCode::kLogicalError, "GROUP BY has " + std::to_string(total) + " groups, more than the " +
                                                   std::to_string(kNewGroupTag) + " a query can hold");
  }
  keysByGroup_.resize(total * N);
  size_t next = numGroups_;
  for (size_t t = 0; t < others.size(); ++t) {
    const uint64_t* keys = translated ? (*translated)[t].keys.data() : others[t]->keysByGroup_.data();
    uint32_t* gidMap = gidMaps[t].data();
    const size_t groups = gidMaps[t].size();
    for (size_t g = 0; g < groups; ++g) {
      if (gidMap[g] != kNewGroupTag) continue;
      gidMap[g] = static_cast<uint32_t>(next);
      std::memcpy(&keysByGroup_[next * N], keys + g * N, N * sizeof(uint64_t));
      ++next;
    }
  }
  numGroups_ = total;
  for (size_t p = 0; p < partitions; ++p) {
    for (const auto& [mapped, index] : repeated[p]) {
      const NewGroup& first = added[p][index];
      *mapped = gidMaps[first.table][first.group];
    }
  }
}

void GroupTable::dropIndex() {
  for (SubTable& table : subTables_) {
    releaseArenaSlots(table);
    table.slots.reset();
  }
  subTables_.clear();
  twoLevel_ = false;
  indexDropped_ = true;
}

void GroupTable::checkIndex() const {
  if (indexDropped_) {
    throw QueryError(ErrorCode::kLogicalError, "a group table cannot take rows or groups after mergeAll()");
  }
}

void GroupTable::mergeStates(const std::vector<GroupTable*>& others, const std::vector<std::vector<uint32_t>>& gidMaps,
                             size_t threads) {
  parallelFor(states_.size(), threads, [&](size_t, size_t a) {
    states_[a]->resize(numGroups_);
    for (size_t t = 0; t < others.size(); ++t) {
      states_[a]->merge(*others[t]->states_[a], gidMaps[t].data(), others[t]->numGroups_);
    }
  });
}

bool GroupTable::hasStringKeys() const {
  return std::any_of(parts_.begin(), parts_.end(),
                     [](const KeyPart& part) { return part.isString && !part.isConstant && !part.isDerived; });
}

void GroupTable::mergeAll(const std::vector<GroupTable*>& others, size_t threads) {
  checkIndex();
  size_t total = numGroups_;
  for (const GroupTable* other : others) total += other->numGroups_;
  if (mode_ != Mode::kPacked || total <= kTwoLevelGroups) {
    for (GroupTable* other : others) merge(*other);
    return;
  }
  std::vector<std::vector<uint32_t>> gidMaps(others.size());
  for (size_t t = 0; t < others.size(); ++t) gidMaps[t].resize(others[t]->numGroups_);
  auto run = [&]<size_t N>() {
    if (!hasStringKeys()) {
      mergePartitioned<N>(others, nullptr, gidMaps, threads);
      return;
    }
    // String ids differ between tables, so the others' keys are rewritten
    // to this table's ids first (one interner, so one thread), and that
    // changes their hashes and partitions.
    if (!twoLevel_) splitIntoSubTables<N>(numGroups_);
    std::vector<TranslatedGroups> translated;
    for (GroupTable* other : others) translated.push_back(translateGroups<N>(*other));
    mergePartitioned<N>(others, &translated, gidMaps, threads);
  };
  switch (words_) {
    case 1:
      run.template operator()<1>();
      break;
    case 2:
      run.template operator()<2>();
      break;
    case 3:
      run.template operator()<3>();
      break;
    default:
      run.template operator()<4>();
      break;
  }
  mergeStates(others, gidMaps, threads);
}

void GroupTable::consume(const Batch& batch) {
  checkIndex();
  size_t live = batch.liveRows();
  if (live == 0) return;
  const uint64_t rowsBefore = consumedRows_;
  consumedRows_ += batch.numRows;  // read rows, like expectedRows_, not only those that passed the filters
  if (mode_ == Mode::kGlobal) {
    // One group: no keys to evaluate and no row or group id arrays to fill.
    const uint32_t* rows = batch.sel ? batch.sel->data() : nullptr;
    for (size_t a = 0; a < states_.size(); ++a) {
      const AggregateSpec& spec = stateSpecs_[a];
      ColumnPtr arg = spec.arg ? evaluate(*spec.arg, batch) : nullptr;
      if (spec.key) {
        states_[a]->updateSingleGroupWithKey(arg.get(), evaluate(*spec.key, batch).get(), rows, live);
        continue;
      }
      states_[a]->updateSingleGroup(arg.get(), rows, live);
    }
    return;
  }
  rows_.resize(live);
  if (batch.sel) {
    std::memcpy(rows_.data(), batch.sel->data(), live * sizeof(uint32_t));
  } else {
    for (size_t i = 0; i < live; ++i) rows_[i] = static_cast<uint32_t>(i);
  }
  gids_.resize(live);

  std::vector<ColumnPtr> keys;
  keys.reserve(plan_.groupKeys.size());
  for (size_t p = 0; p < parts_.size(); ++p) {
    keys.push_back(parts_[p].isDerived ? nullptr : evaluate(*plan_.groupKeys[p], batch));
  }
  switch (mode_) {
    case Mode::kGlobal:
      break;  // handled above
    case Mode::kSingleString:
      internStrings(*keys[stringPart_], stringPart_, live, gids_.data());
      numGroups_ = strings_.size();
      break;
    case Mode::kDirect: {
      packKeys(keys, live);
      for (size_t k = 0; k < live; ++k) {
        uint64_t key = keyWords_[k];
        uint32_t g = direct_[key];
        if (g == 0) {
          g = addGroup() + 1;
          direct_[key] = g;
          keysByGroup_.push_back(key);
        }
        gids_[k] = g - 1;
      }
      break;
    }
    case Mode::kPacked:
      packKeys(keys, live);
      switch (words_) {
        case 1:
          lookupPacked<1>(live, rowsBefore, batch.numRows);
          break;
        case 2:
          lookupPacked<2>(live, rowsBefore, batch.numRows);
          break;
        case 3:
          lookupPacked<3>(live, rowsBefore, batch.numRows);
          break;
        default:
          lookupPacked<4>(live, rowsBefore, batch.numRows);
          break;
      }
      break;
    case Mode::kSerialized:
      for (size_t k = 0; k < live; ++k) {
        keyBuffer_.clear();
        for (const auto& key : keys) {
          if (key) appendKey(keyBuffer_, *key, rows_[k]);
        }
        gids_[k] = findOrAddSerialized(keyBuffer_);
      }
      break;
  }
  resizeStates();

  // Runs of at least kMinRunRows rows on average repay the states' loops
  // per run, whose ends the branch predictor cannot foresee.
  const bool inRuns = mode_ == Mode::kPacked && runs_ * kMinRunRows <= live;
  for (size_t a = 0; a < states_.size(); ++a) {
    const AggregateSpec& spec = stateSpecs_[a];
    ColumnPtr arg = spec.arg ? evaluate(*spec.arg, batch) : nullptr;
    if (spec.key) {
      states_[a]->updateWithKey(arg.get(), evaluate(*spec.key, batch).get(), rows_.data(), gids_.data(), live);
      continue;
    }
    if (inRuns) {
      states_[a]->updateRuns(arg.get(), rows_.data(), gids_.data(), runStarts_.data(), runs_, live);
    } else {
      states_[a]->update(arg.get(), rows_.data(), gids_.data(), live);
    }
  }
}

void GroupTable::merge(GroupTable& other) {
  checkIndex();
  std::vector<uint32_t> gidMap(other.numGroups_);
  switch (mode_) {
    case Mode::kGlobal:
      gidMap[0] = 0;
      break;
    case Mode::kSingleString:
      for (size_t g = 0; g < other.numGroups_; ++g) {
        auto id = static_cast<uint32_t>(g);
        gidMap[g] = other.strings_.isNull(id) ? strings_.internNull()
                                              : strings_.intern(other.strings_.at(id), other.strings_.hashAt(id));
      }
      numGroups_ = strings_.size();
      break;
    case Mode::kDirect:
    case Mode::kPacked: {
      if (mode_ == Mode::kPacked && other.twoLevel_ && !hasStringKeys()) {
        switch (words_) {
          case 1:
            mergeSubTables<1>(other, gidMap.data());
            break;
          case 2:
            mergeSubTables<2>(other, gidMap.data());
            break;
          case 3:
            mergeSubTables<3>(other, gidMap.data());
            break;
          default:
            mergeSubTables<4>(other, gidMap.data());
            break;
        }
        break;
      }
      std::vector<uint64_t> key(words_);
      auto* bytes = reinterpret_cast<char*>(key.data());
      for (size_t g = 0; g < other.numGroups_; ++g) {
        std::memcpy(key.data(), &other.keysByGroup_[g * words_], words_ * sizeof(uint64_t));
        for (const KeyPart& part : parts_) {
          if (!part.storesStringId(bytes)) continue;
          uint32_t id;
          std::memcpy(&id, bytes + part.offset, sizeof(id));
          id = strings_.intern(other.strings_.at(id), other.strings_.hashAt(id));
          std::memcpy(bytes + part.offset, &id, sizeof(id));
        }
        if (mode_ == Mode::kDirect) {
          uint32_t& slot = direct_[key[0]];
          if (slot == 0) {
            slot = addGroup() + 1;
            keysByGroup_.push_back(key[0]);
          }
          gidMap[g] = slot - 1;
          continue;
        }
        switch (words_) {
          case 1:
            gidMap[g] = findOrAddPacked<1>(key.data(), hashWords<1>(key.data()));
            splitWhenLarge<1>(consumedRows_);
            break;
          case 2:
            gidMap[g] = findOrAddPacked<2>(key.data(), hashWords<2>(key.data()));
            splitWhenLarge<2>(consumedRows_);
            break;
          case 3:
            gidMap[g] = findOrAddPacked<3>(key.data(), hashWords<3>(key.data()));
            splitWhenLarge<3>(consumedRows_);
            break;
          default:
            gidMap[g] = findOrAddPacked<4>(key.data(), hashWords<4>(key.data()));
            splitWhenLarge<4>(consumedRows_);
            break;
        }
      }
      break;
    }
    case Mode::kSerialized:
      for (size_t g = 0; g < other.numGroups_; ++g) gidMap[g] = findOrAddSerialized(other.serializedKeys_[g]);
      break;
  }
  resizeStates();
  for (size_t a = 0; a < states_.size(); ++a) states_[a]->merge(*other.states_[a], gidMap.data(), other.numGroups_);
}

ColumnPtr GroupTable::constantKey(size_t part, size_t numRows) const {
  const BoundExpr& expr = *plan_.groupKeys[part];
  return Column::flatten(Column::makeConstant(expr.type, expr.constant, numRows));
}

void GroupTable::computeDerivedKeys(Batch& out, const std::vector<bool>* columns) const {
  // The plain column keys, placed where the scanned batch has their column.
  Batch source;
  source.numRows = out.numRows;
  source.columns.resize(plan_.scanColumns.size());
  bool anyDerived = false;
  for (size_t p = 0; p < parts_.size(); ++p) {
    const BoundExpr& expr = *plan_.groupKeys[p];
    if (parts_[p].isDerived && (!columns || (*columns)[p])) anyDerived = true;
    if (expr.kind == BoundExpr::Kind::kColumn && expr.columnIndex < source.columns.size()) {
      source.columns[expr.columnIndex] = out.columns[p];
    }
  }
  if (!anyDerived) return;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (!parts_[p].isDerived || (columns && !(*columns)[p])) continue;
    ColumnPtr column = evaluate(*plan_.groupKeys[p], source);
    if (column->encoding() != Column::Encoding::kFlat) column = Column::flatten(column);
    out.columns[p] = std::move(column);
  }
}

Batch GroupTable::finish() { return finishGroups(nullptr, nullptr); }

Batch GroupTable::finishColumns(const std::vector<bool>& columns) { return finishGroups(nullptr, &columns); }

Batch GroupTable::finishGroups(const std::vector<uint32_t>& groups) { return finishGroups(&groups, nullptr); }

Batch GroupTable::finishGroups(const std::vector<uint32_t>* groups, const std::vector<bool>* columns) {
  const size_t n = groups ? groups->size() : numGroups_;
  auto groupAt = [&](size_t r) { return groups ? (*groups)[r] : r; };
  // A derived key is computed from the plain column keys, so those are
  // built whenever a derived key is needed.
  bool derivedNeeded = false;
  for (size_t p = 0; p < parts_.size(); ++p) {
    if (parts_[p].isDerived && (!columns || (*columns)[p])) derivedNeeded = true;
  }
  auto isNeeded = [&](size_t c) {
    if (!columns || (*columns)[c]) return true;
    return c < parts_.size() && derivedNeeded && !parts_[c].isDerived;
  };
  Batch out;
  out.numRows = n;
  out.columns.resize(parts_.size());
  for (size_t p = 0; p < parts_.size(); ++p) {
    const KeyPart& part = parts_[p];
    if (!isNeeded(p) || part.isDerived) continue;
    if (part.isConstant || (mode_ == Mode::kSingleString && p != stringPart_)) {
      out.columns[p] = constantKey(p, n);
      continue;
    }
    switch (mode_) {
      case Mode::kGlobal:
        break;
      case Mode::kSingleString: {
        auto column = Column::makeFlat(part.type, n);
        auto* values = column->data<std::string_view>();
        for (size_t r = 0; r < n; ++r) {
          auto id = static_cast<uint32_t>(groupAt(r));
          if (strings_.isNull(id)) {
            column->setNull(r);
          } else {
            values[r] = strings_.at(id);
          }
        }
        column->keepAlive(strings_.heap());
        out.columns[p] = column;
        break;
      }
      case Mode::kDirect:
      case Mode::kPacked: {
        auto column = Column::makeFlat(part.type, n);
        const bool hasFlag = part.type.nullable || part.type.id == TypeId::kNull;
        auto* dst = reinterpret_cast<char*>(column->data<uint8_t>());
        for (size_t r = 0; r < n; ++r) {
          const auto* key = reinterpret_cast<const char*>(&keysByGroup_[groupAt(r) * words_]);
          if (hasFlag && key[part.offset + part.width] != 0) {
            column->setNull(r);
            continue;
          }
          if (part.isString) {
            uint32_t id;
            std::memcpy(&id, key + part.offset, sizeof(id));
            column->data<std::string_view>()[r] = strings_.at(id);
          } else {
            std::memcpy(dst + r * part.width, key + part.offset, part.width);
          }
        }
        if (part.isString) column->keepAlive(strings_.heap());
        out.columns[p] = column;
        break;
      }
      case Mode::kSerialized:
        break;  // below, all key columns at once
    }
  }
  if (mode_ == Mode::kSerialized) finishSerializedKeys(out, groupAt, isNeeded);
  computeDerivedKeys(out, columns);
  for (size_t a = 0; a < outputs_.size(); ++a) {
    if (!isNeeded(parts_.size() + a)) {
      out.columns.push_back(nullptr);
      continue;
    }
    const Output& output = outputs_[a];
    AggregateState& state = *states_[output.state];
    if (groups) {
      out.columns.push_back(state.finalizeGroups(numGroups_, groups->data(), n, output.shift));
    } else {
      out.columns.push_back(output.shift ? state.finalizeShifted(numGroups_, *output.shift)
                                         : state.finalize(numGroups_));
    }
  }
  return out;
}

template <typename GroupAt, typename IsNeeded>
void GroupTable::finishSerializedKeys(Batch& out, const GroupAt& groupAt, const IsNeeded& isNeeded) const {
  const size_t n = out.numRows;
  std::vector<ColumnPtr> keyColumns;
  for (size_t p = 0; p < parts_.size(); ++p) {
    keyColumns.push_back(parts_[p].isDerived ? nullptr : Column::makeFlat(parts_[p].type, n));
  }
  for (size_t r = 0; r < n; ++r) {
    size_t pos = 0;
    for (auto& column : keyColumns) {
      if (column) decodeKey(serializedKeys_[groupAt(r)], pos, *column, r);
    }
  }
  for (size_t p = 0; p < parts_.size(); ++p) {
    ColumnPtr& column = keyColumns[p];
    if (!column || !isNeeded(p)) continue;
    // Key strings point into keyBytes_, which this table owns; copy them
    // so the batch outlives the table.
    if (isByteString(column->type().id)) {
      auto* values = column->data<std::string_view>();
      for (size_t r = 0; r < n; ++r) {
        if (!column->isNull(r)) values[r] = column->heap().add(values[r]);
      }
    }
    out.columns[p] = column;
  }
}

}  // namespace furl::query
