#pragma once

// Hash aggregation state of one thread: group keys mapped to dense group
// ids, plus one AggregateState per aggregate.
//
// Keys are packed into a fixed number of 64-bit words whenever they fit
// (up to kMaxPackedWords): each key column takes its physical width, a
// string takes the 4-byte id of the string in the table's StringInterner,
// and a nullable column adds one flag byte. Strings from a segment's
// dictionary are interned once per distinct code, so the rows themselves
// are grouped by integers. The packed form picks the lookup:
//   - no key: one group;
//   - one string key: the interned id is the group id (no hash table);
//   - up to 2 bytes: a direct array indexed by the key;
//   - up to kMaxPackedWords words: an open-addressing hash table with the
//     key words stored in the slots, probed with prefetching. Past
//     kTwoLevelGroups groups the table splits into 256 sub-tables chosen by
//     the top hash bits, so growing rehashes one small sub-table at a time
//     and tables without string keys merge sub-table by sub-table;
//   - wider keys: keys serialised into byte strings in a hash map.

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/column.h"
#include "query/aggregate.h"
#include "query/hashing.h"
#include "query/select_plan.h"

namespace furl::query {

class GroupTable {
 public:
  static constexpr size_t kMaxPackedWords = 4;

  explicit GroupTable(const SelectPlan& plan);

  /// Sets the number of rows the table is expected to consume in all, so
  /// that it can size itself once the rate of new groups is known.
  void expectRows(uint64_t rows) { expectedRows_ = rows; }
  /// Adds the live rows of a scanned, filtered batch.
  void consume(const Batch& batch);
  /// Moves every group of `other` into this table.
  void merge(GroupTable& other);
  /// Moves every group of each of `others` into this table, on up to
  /// `threads` threads. Past kTwoLevelGroups groups in all, packed keys
  /// merge partition by partition in parallel, and the aggregate states in
  /// parallel by state. The table then drops its hash index, so only
  /// finish() may follow: consume(), merge() and mergeAll() throw
  /// kLogicalError. Other tables merge one after another as merge() does.
  void mergeAll(const std::vector<GroupTable*>& others, size_t threads);
  /// The aggregated batch: group key columns, then aggregate columns.
  Batch finish();
  /// finish() with only the columns c where columns[c] is set; the others
  /// are null. Key columns that a requested derived key is computed from are
  /// built too.
  Batch finishColumns(const std::vector<bool>& columns);
  /// The rows of finish() for the group ids `groups`, in that order.
  /// Aggregates that finalize() would reject (a sum out of range) throw
  /// even when their group is left out.
  Batch finishGroups(const std::vector<uint32_t>& groups);

  size_t numGroups() const { return numGroups_; }

 private:
  enum class Mode : uint8_t { kGlobal, kSingleString, kDirect, kPacked, kSerialized };

  // Where one key column lives in the packed key.
  struct KeyPart {
    DataType type;
    bool isString = false;
    bool isConstant = false;  // a literal key takes no bytes and cannot split groups
    // A deterministic function of columns that are themselves group keys
    // (`ClientIP - 1` next to `ClientIP`) cannot split groups either: it
    // takes no bytes and is computed once per group by finish().
    bool isDerived = false;
    uint32_t offset = 0;  // byte offset of the value
    uint32_t width = 0;   // value bytes; the NULL flag byte follows when nullable

    /// Returns whether the packed key `key` stores an interned string id for
    /// this part: a string key that is not constant, derived or NULL.
    bool storesStringId(const char* key) const {
      return isString && !isConstant && !isDerived && !(type.nullable && key[offset + width] != 0);
    }
  };

  // Interned ids of one dictionary's codes, filled as codes are met.
  struct DictionaryIds {
    std::shared_ptr<const StringDictionary> dictionary;
    std::vector<uint32_t> ids;
  };

  // Interned ids of rows rows_[0..n) of a string key column.
  void internStrings(const Column& column, size_t part, size_t n, uint32_t* out);
  void packKeys(const std::vector<ColumnPtr>& keys, size_t n);
  // packKeys() for a key of one flat integer column without NULLs in the
  // low bytes of one word. Returns false, packing nothing, for other keys.
  bool packSingleIntegerKey(const std::vector<ColumnPtr>& keys, size_t n);
  // Looks up the packed keys of live rows rows_[0..n) of a batch of
  // `batchRows` rows, read after `rowsBefore` rows of earlier batches.
  template <size_t N>
  void lookupPacked(size_t n, uint64_t rowsBefore, uint64_t batchRows);
  template <size_t N>
  uint32_t findOrAddPacked(const uint64_t* key, uint64_t hash);
  // One open-addressing table of the packed mode: `capacity` slots of N key
  // words and then group id + 1, zero-initialised. A slot whose last word
  // is 0 is free.
  struct SubTable {
    std::unique_ptr<uint64_t[], void (*)(void*)> slots{nullptr, &std::free};
    size_t capacity = 0;
    size_t size = 0;
    int arena = -1;  // the arena level that contains the slots; -1 for their own allocation
  };
  // The slot arrays of one capacity for all sub-tables of a split table, in
  // one mapping aligned to 2 MiB and advised to use transparent huge pages.
  // Sub-tables grow at about the same time, so their arrays of one capacity
  // are alive together. A piece of 4 KiB pages could not get a huge page,
  // and random probes over many small pages miss the TLB and fault one page
  // at a time.
  struct SlotArena {
    SlotArena(size_t bytes);
    ~SlotArena();
    SlotArena(const SlotArena&) = delete;
    SlotArena& operator=(const SlotArena&) = delete;
    void* mapping = nullptr;
    size_t mappedBytes = 0;
    uint64_t* words = nullptr;
    size_t users = 0;  // sub-tables whose slots are in the arena
  };
  SubTable& subTableOf(uint64_t hash) {
    return twoLevel_ ? subTables_[hash >> (64 - kSubTableBits)] : subTables_[0];
  }
  // Moves the table's slots to a new array of `capacity` slots. `partition`
  // is the table's index in subTables_ of a split table; its array then
  // comes from the arena of that capacity.
  template <size_t N>
  void grow(SubTable& table, size_t capacity, size_t partition = SIZE_MAX);
  std::unique_ptr<uint64_t[], void (*)(void*)> arenaSlots(size_t words, size_t partition, int& level);
  void releaseArenaSlots(SubTable& table);
  // Splits the table into sub-tables with room for `expectedGroups`.
  template <size_t N>
  void splitIntoSubTables(size_t expectedGroups);
  // The groups the table will likely hold after all expected rows, once
  // `rowsRead` of them have been read.
  size_t estimateGroups(uint64_t rowsRead) const;
  // Splits the table once it has more than kTwoLevelGroups groups.
  template <size_t N>
  void splitWhenLarge(uint64_t rowsRead);
  template <size_t N>
  void mergeSubTables(GroupTable& other, uint32_t* gidMap);
  // The groups of one other table with string keys, their string ids
  // rewritten to this table's, ordered by the partition of this table
  // their keys belong to.
  struct TranslatedGroups {
    std::vector<uint64_t> keys;        // key words by group id
    std::vector<uint32_t> groups;      // group ids, partition after partition
    std::vector<uint64_t> hashes;      // the hash of each entry of `groups`
    std::vector<size_t> partitionEnd;  // end of each partition in `groups`
  };
  template <size_t N>
  TranslatedGroups translateGroups(GroupTable& other);
  // Merges `others` into this split table partition by partition. With
  // `translated`, the others' groups come from it (tables with string
  // keys); otherwise from their own sub-tables.
  template <size_t N>
  void mergePartitioned(const std::vector<GroupTable*>& others, const std::vector<TranslatedGroups>* translated,
                        std::vector<std::vector<uint32_t>>& gidMaps, size_t threads);
  // Merges the aggregate states of `others` through their gid maps, one
  // state per task.
  void mergeStates(const std::vector<GroupTable*>& others, const std::vector<std::vector<uint32_t>>& gidMaps,
                   size_t threads);
  // Frees the sub-tables of the packed keys after a partitioned merge.
  void dropIndex();
  // Throws kLogicalError once dropIndex() has run.
  void checkIndex() const;
  bool hasStringKeys() const;
  uint32_t addGroup();
  uint32_t findOrAddSerialized(std::string_view key);
  void resizeStates();
  // The column of a literal key: its value in each of `numRows` rows.
  ColumnPtr constantKey(size_t part, size_t numRows) const;
  // finish() for the groups `groups` (all when null) and the columns c
  // with (*columns)[c] set (all when null).
  Batch finishGroups(const std::vector<uint32_t>* groups, const std::vector<bool>* columns);
  // The key columns of kSerialized mode.
  template <typename GroupAt, typename IsNeeded>
  void finishSerializedKeys(Batch& out, const GroupAt& groupAt, const IsNeeded& isNeeded) const;
  // Replaces the placeholder columns of derived keys in `out` by their
  // values, computed from the finished plain column keys. With `columns`,
  // only the derived keys c with (*columns)[c] set.
  void computeDerivedKeys(Batch& out, const std::vector<bool>* columns) const;

  const SelectPlan& plan_;
  Mode mode_ = Mode::kGlobal;
  std::vector<KeyPart> parts_;
  size_t words_ = 0;  // packed key words per group
  size_t stringPart_ = 0;  // kSingleString: the key column that is not a constant
  // One state per distinct (kind, argument); aggregates that differ only by
  // a shift, like sum(x + 1) and sum(x + 2), share the state of sum(x).
  std::vector<std::unique_ptr<AggregateState>> states_;
  std::vector<AggregateSpec> stateSpecs_;
  struct Output {
    size_t state = 0;
    std::optional<int64_t> shift;
  };
  std::vector<Output> outputs_;  // one per plan aggregate
  size_t numGroups_ = 0;
  uint64_t expectedRows_ = 0;
  uint64_t consumedRows_ = 0;

  StringInterner strings_;
  std::vector<DictionaryIds> dictionaryIds_;  // one per key column

  // kDirect: group id + 1 per key value, 0 when absent.
  std::vector<uint32_t> direct_;
  // kPacked: one table, or 2^kSubTableBits of them once the table has
  // more than kTwoLevelGroups groups.
  static constexpr size_t kSubTableBits = 8;
  static constexpr size_t kTwoLevelGroups = 65536;
  std::vector<SubTable> subTables_;
  bool twoLevel_ = false;
  bool indexDropped_ = false;
  std::vector<std::unique_ptr<SlotArena>> arenas_;  // by trailing zero bits of the slot words per sub-table
  std::mutex arenaMutex_;  // guards arenas_ and their user counts
  // kDirect and kPacked: the key words of each group.
  std::vector<uint64_t> keysByGroup_;

  // kSerialized: per key column a NULL flag byte, then the fixed width value
  // (or, for a string, a 4-byte length and the bytes).
  StringHeap keyBytes_;
  absl::flat_hash_map<absl::string_view, uint32_t> groups_;
  std::vector<std::string_view> serializedKeys_;

  // Reused per batch.
  std::string keyBuffer_;
  std::vector<uint32_t> rows_;
  std::vector<uint32_t> gids_;
  std::vector<uint32_t> ids_;
  std::vector<uint64_t> keyWords_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> runStarts_;  // kPacked: the first live row of each run of equal keys
  size_t runs_ = 0;                  // the runs in runStarts_
  std::vector<uint32_t> newCodes_;
};

}  // namespace furl::query
