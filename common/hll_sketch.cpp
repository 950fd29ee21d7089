#include "common/hll_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <utility>
#include <variant>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_format.h"

// Header-only use of xxHash, so no library needs linking for it.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace furl {
namespace {

constexpr char kMagic[4] = {'F', 'H', 'L', 'L'};
constexpr uint8_t kSparseMode = 0;
constexpr uint8_t kDenseMode = 1;

// Fixed seeds: changing either changes every stored sketch, so they are part
// of format version 1.
constexpr uint64_t kNumberSeed = 0x6675726c2d6e756dULL;  // "furl-num"
constexpr uint64_t kStringSeed = 0x6675726c2d737472ULL;  // "furl-str"

// Type tags of the 9-byte numeric encoding: tag byte, then 8 value bytes.
constexpr uint8_t kSignedTag = 0;    // any integer in the int64 range
constexpr uint8_t kUnsignedTag = 1;  // an integer in (INT64_MAX, UINT64_MAX]
constexpr uint8_t kDoubleTag = 2;    // a double that is not an integer

uint64_t hashNumber(uint8_t tag, uint64_t bits) {
  unsigned char encoded[9];
  encoded[0] = tag;
  for (int i = 0; i < 8; ++i) encoded[1 + i] = static_cast<unsigned char>(bits >> (8 * i));
  return XXH3_64bits_withSeed(encoded, sizeof(encoded), kNumberSeed);
}

void appendLittleEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

void writeLittleEndian64(char* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (8 * i));
}

uint64_t readLittleEndian(const char* data, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(static_cast<unsigned char>(data[i])) << (8 * i);
  return value;
}

// The largest register value: every one of the 64 - lgK rank bits is zero.
int maxRank(int lgK) { return 64 - lgK + 1; }

uint8_t rankOf(uint64_t hash, int lgK) {
  uint64_t rest = hash << lgK;
  if (rest == 0) return static_cast<uint8_t>(maxRank(lgK));
  return static_cast<uint8_t>(std::countl_zero(rest) + 1);
}

// The sigma and tau functions of Ertl's improved estimator: the corrections
// for empty registers (sigma) and for registers at the maximum rank (tau).
double ertlSigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

double ertlTau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != previous);
  return z / 3.0;
}

absl::Status corrupted(std::string_view what) {
  return absl::DataLossError(absl::StrFormat("invalid HLL sketch: %s", what));
}

}  // namespace

HllSketch::HllSketch() : HllSketch(kDefaultLgK) {}

HllSketch::HllSketch(int lgK) : lgK_(lgK) {}

HllSketch::HllSketch(const HllSketch& other) : lgK_(other.lgK_), sparse_(other.sparse_) {
  if (other.dense_ != nullptr) {
    dense_ = std::make_unique_for_overwrite<uint8_t[]>(registers());
    std::memcpy(dense_.get(), other.dense_.get(), registers());
  }
}

HllSketch& HllSketch::operator=(const HllSketch& other) {
  if (this != &other) *this = HllSketch(other);
  return *this;
}

absl::StatusOr<HllSketch> HllSketch::create(int lgK) {
  if (lgK < kMinLgK || lgK > kMaxLgK) {
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid HLL sketch lgK %d; expected %d..%d", lgK, kMinLgK, kMaxLgK));
  }
  return HllSketch(lgK);
}

size_t HllSketch::sparseCapacity(int lgK) { return std::max<size_t>(16, (size_t{1} << lgK) / 8); }

uint64_t HllSketch::hashInt64(int64_t value) { return hashNumber(kSignedTag, static_cast<uint64_t>(value)); }

uint64_t HllSketch::hashUInt64(uint64_t value) {
  if (value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return hashInt64(static_cast<int64_t>(value));
  }
  return hashNumber(kUnsignedTag, value);
}

uint64_t HllSketch::hashDouble(double value) {
  if (std::isnan(value)) return hashNumber(kDoubleTag, 0x7ff8000000000000ULL);

  // Whole numbers hash as integers; 2^63 and 2^64 are exact doubles, so the
  // range checks are exact too.
  if (value == std::trunc(value)) {
    if (value >= -9223372036854775808.0 && value < 9223372036854775808.0) {
      return hashInt64(static_cast<int64_t>(value));
    }
    if (value >= 0 && value < 18446744073709551616.0) return hashUInt64(static_cast<uint64_t>(value));
  }
  return hashNumber(kDoubleTag, std::bit_cast<uint64_t>(value));
}

uint64_t HllSketch::hashString(std::string_view value) {
  return XXH3_64bits_withSeed(value.data(), value.size(), kStringSeed);
}

void HllSketch::updateHash(uint64_t hash) {
  if (isSparse()) {
    insertSparse(hash);
  } else {
    updateDense(hash);
  }
}

void HllSketch::update(const Value& value) {
  const Value::Storage& storage = value.storage();
  if (const auto* i = std::get_if<int64_t>(&storage)) {
    updateInt64(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&storage)) {
    updateUInt64(*u);
  } else if (const auto* d = std::get_if<double>(&storage)) {
    updateDouble(*d);
  } else if (const auto* s = std::get_if<std::string>(&storage)) {
    updateString(*s);
  }
}

HllSketch::SparseHashes::SparseHashes(const SparseHashes& other) : size_(other.size_) {
  std::copy(std::begin(other.inline_), std::end(other.inline_), inline_);
  if (other.set_ != nullptr) set_ = std::make_unique<absl::flat_hash_set<uint64_t>>(*other.set_);
}

HllSketch::SparseHashes& HllSketch::SparseHashes::operator=(const SparseHashes& other) {
  if (this != &other) *this = SparseHashes(other);
  return *this;
}

HllSketch::SparseHashes::SparseHashes(SparseHashes&& other) noexcept
    : size_(std::exchange(other.size_, 0)), set_(std::move(other.set_)) {
  std::copy(std::begin(other.inline_), std::end(other.inline_), inline_);
}

HllSketch::SparseHashes& HllSketch::SparseHashes::operator=(SparseHashes&& other) noexcept {
  if (this != &other) {
    size_ = std::exchange(other.size_, 0);
    std::copy(std::begin(other.inline_), std::end(other.inline_), inline_);
    set_ = std::move(other.set_);
  }
  return *this;
}

bool HllSketch::SparseHashes::insert(uint64_t hash) {
  if (set_ == nullptr) {
    for (uint32_t i = 0; i < size_; ++i) {
      if (inline_[i] == hash) return false;
    }
    if (size_ < kInline) {
      inline_[size_++] = hash;
      return true;
    }
    reserve(2 * kInline);
  }
  if (!set_->insert(hash).second) return false;
  ++size_;
  return true;
}

bool HllSketch::SparseHashes::contains(uint64_t hash) const {
  if (set_ != nullptr) return set_->contains(hash);
  for (uint32_t i = 0; i < size_; ++i) {
    if (inline_[i] == hash) return true;
  }
  return false;
}

void HllSketch::SparseHashes::reserve(size_t count) {
  if (count <= kInline) return;
  if (set_ == nullptr) {
    set_ = std::make_unique<absl::flat_hash_set<uint64_t>>();
    set_->reserve(count);
    set_->insert(inline_, inline_ + size_);
  } else {
    set_->reserve(count);
  }
}

void HllSketch::SparseHashes::release() {
  size_ = 0;
  set_.reset();
}

bool HllSketch::SparseHashes::operator==(const SparseHashes& other) const {
  if (size() != other.size()) return false;
  bool equal = true;
  forEach([&](uint64_t hash) { equal = equal && other.contains(hash); });
  return equal;
}

void HllSketch::insertSparse(uint64_t hash) {
  if (sparse_.insert(hash) && sparse_.size() > sparseCapacity(lgK_)) convertToDense();
}

void HllSketch::convertToDense() {
  dense_ = std::make_unique<uint8_t[]>(registers());  // zeroed
  sparse_.forEach([&](uint64_t hash) { updateDense(hash); });
  sparse_.release();
}

void HllSketch::updateDense(uint64_t hash) {
  uint8_t& reg = dense_[hash >> (64 - lgK_)];
  reg = std::max(reg, rankOf(hash, lgK_));
}

void HllSketch::merge(const HllSketch& other) {
  if (other.lgK_ > lgK_) {
    merge(other.downsized(lgK_));
    return;
  }
  if (other.lgK_ < lgK_) *this = downsized(other.lgK_);

  if (other.isSparse()) {
    if (&other == this) return;
    other.sparse_.forEach([&](uint64_t hash) { updateHash(hash); });
    return;
  }

  if (isSparse()) convertToDense();
  for (size_t i = 0; i < registers(); ++i) dense_[i] = std::max(dense_[i], other.dense_[i]);
}

HllSketch HllSketch::downsized(int lgK) const {
  HllSketch result(lgK);
  if (isSparse()) {
    result.sparse_ = sparse_;
    if (result.sparse_.size() > sparseCapacity(lgK)) result.convertToDense();
    return result;
  }

  // Register i of this sketch covers hashes whose top lgK_ bits are i. In
  // the smaller sketch its low `shift` bits become the first rank bits: when
  // they are not all zero they alone decide the rank, else the old rank
  // grows by `shift`. Folding is exact, not an approximation.
  int shift = lgK_ - lgK;
  result.dense_ = std::make_unique<uint8_t[]>(result.registers());  // zeroed
  uint64_t lowMask = (uint64_t{1} << shift) - 1;
  for (size_t i = 0; i < registers(); ++i) {
    uint8_t oldRank = dense_[i];
    if (oldRank == 0) continue;
    uint64_t low = i & lowMask;
    int newRank = low != 0 ? shift - std::bit_width(low) + 1 : oldRank + shift;
    uint8_t& reg = result.dense_[i >> shift];
    reg = std::max(reg, static_cast<uint8_t>(newRank));
  }
  return result;
}

double HllSketch::estimate() const {
  if (isSparse()) return static_cast<double>(sparse_.size());

  int q = 64 - lgK_;
  std::vector<uint32_t> histogram(q + 2, 0);
  for (size_t i = 0; i < registers(); ++i) ++histogram[dense_[i]];

  double m = static_cast<double>(registers());
  double z = m * ertlTau(1.0 - histogram[q + 1] / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + histogram[k]);
  z += m * ertlSigma(histogram[0] / m);
  constexpr double kAlphaInfinity = 0.5 / 0.6931471805599453;  // 1 / (2 ln 2)
  return kAlphaInfinity * m * m / z;
}

double HllSketch::relativeStandardError() const { return 1.04 / std::sqrt(static_cast<double>(size_t{1} << lgK_)); }

std::string HllSketch::serialize() const {
  std::string out;
  serializeTo(out);
  return out;
}

void HllSketch::serializeTo(std::string& out) const {
  size_t start = out.size();
  size_t entries = isSparse() ? sparse_.size() : registers();
  out.reserve(start + kHeaderBytes + (isSparse() ? entries * 8 : entries) + kChecksumBytes);

  out.append(kMagic, sizeof(kMagic));
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(lgK_));
  out.push_back(static_cast<char>(isSparse() ? kSparseMode : kDenseMode));
  out.push_back(0);
  appendLittleEndian(out, entries, 4);
  if (isSparse()) {
    // Sorted, so equal sketches serialize to equal bytes.
    absl::InlinedVector<uint64_t, 16> hashes;
    hashes.reserve(entries);
    sparse_.forEach([&](uint64_t hash) { hashes.push_back(hash); });
    std::sort(hashes.begin(), hashes.end());
    size_t offset = out.size();
    out.resize(offset + hashes.size() * 8);
    for (uint64_t hash : hashes) {
      writeLittleEndian64(out.data() + offset, hash);
      offset += 8;
    }
  } else {
    out.append(reinterpret_cast<const char*>(dense_.get()), registers());
  }

  uint64_t checksum = XXH3_64bits(out.data() + start, out.size() - start);
  appendLittleEndian(out, checksum, 8);
}

absl::StatusOr<HllSketch> HllSketch::deserialize(std::string_view bytes) {
  // Header.
  if (bytes.size() < kHeaderBytes + kChecksumBytes) {
    return corrupted(absl::StrFormat("%d bytes is shorter than the %d-byte minimum", bytes.size(),
                                     kHeaderBytes + kChecksumBytes));
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) return corrupted("the magic is not \"FHLL\"");
  uint8_t version = static_cast<uint8_t>(bytes[4]);
  if (version != kFormatVersion) {
    return corrupted(absl::StrFormat("unsupported format version %d; this build reads version %d", version,
                                     kFormatVersion));
  }
  int lgK = static_cast<uint8_t>(bytes[5]);
  if (lgK < kMinLgK || lgK > kMaxLgK) {
    return corrupted(absl::StrFormat("lgK %d is outside %d..%d", lgK, kMinLgK, kMaxLgK));
  }
  uint8_t mode = static_cast<uint8_t>(bytes[6]);
  if (mode != kSparseMode && mode != kDenseMode) return corrupted(absl::StrFormat("unknown mode %d", mode));
  if (bytes[7] != 0) return corrupted("the reserved byte is not 0");
  uint64_t entries = readLittleEndian(bytes.data() + 8, 4);

  // Size and checksum.
  uint64_t registers = uint64_t{1} << lgK;
  if (mode == kSparseMode && entries > sparseCapacity(lgK)) {
    return corrupted(absl::StrFormat("%d sparse hashes exceed the capacity %d for lgK %d", entries,
                                     sparseCapacity(lgK), lgK));
  }
  if (mode == kDenseMode && entries != registers) {
    return corrupted(absl::StrFormat("%d dense registers; expected %d for lgK %d", entries, registers, lgK));
  }
  uint64_t payloadBytes = mode == kSparseMode ? entries * 8 : entries;
  uint64_t expectedBytes = kHeaderBytes + payloadBytes + kChecksumBytes;
  if (bytes.size() != expectedBytes) {
    return corrupted(absl::StrFormat("%d bytes; expected %d", bytes.size(), expectedBytes));
  }
  uint64_t storedChecksum = readLittleEndian(bytes.data() + bytes.size() - kChecksumBytes, 8);
  if (XXH3_64bits(bytes.data(), bytes.size() - kChecksumBytes) != storedChecksum) {
    return corrupted("checksum mismatch");
  }

  // Payload.
  HllSketch sketch(lgK);
  const char* payload = bytes.data() + kHeaderBytes;
  if (mode == kSparseMode) {
    sketch.sparse_.reserve(entries);
    uint64_t previous = 0;
    for (uint64_t i = 0; i < entries; ++i) {
      uint64_t hash = readLittleEndian(payload + 8 * i, 8);
      if (i > 0 && hash <= previous) {
        return corrupted(absl::StrFormat("sparse hash %d is not greater than the one before it", i));
      }
      sketch.sparse_.insert(hash);
      previous = hash;
    }
    return sketch;
  }
  sketch.dense_ = std::make_unique_for_overwrite<uint8_t[]>(registers);
  std::memcpy(sketch.dense_.get(), payload, registers);
  for (uint64_t i = 0; i < registers; ++i) {
    if (sketch.dense_[i] > maxRank(lgK)) {
      return corrupted(absl::StrFormat("register %d holds %d; the maximum for lgK %d is %d", i, sketch.dense_[i],
                                       lgK, maxRank(lgK)));
    }
  }
  return sketch;
}

bool HllSketch::operator==(const HllSketch& other) const {
  if (lgK_ != other.lgK_ || isSparse() != other.isSparse()) return false;
  if (isSparse()) return sparse_ == other.sparse_;
  return std::memcmp(dense_.get(), other.dense_.get(), registers()) == 0;
}

}  // namespace furl
