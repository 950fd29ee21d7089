#include "common/hll_sketch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace furl {
namespace {

HllSketch makeSketch(int lgK) {
  absl::StatusOr<HllSketch> sketch = HllSketch::create(lgK);
  EXPECT_TRUE(sketch.ok()) << sketch.status();
  return *std::move(sketch);
}

// Rewrites the trailing checksum so that a deliberately edited payload
// reaches the field checks behind the checksum check.
void resealChecksum(std::string& bytes) {
  uint64_t checksum = XXH3_64bits(bytes.data(), bytes.size() - HllSketch::kChecksumBytes);
  for (size_t i = 0; i < 8; ++i) {
    bytes[bytes.size() - 8 + i] = static_cast<char>(checksum >> (8 * i));
  }
}

TEST(HllSketchTest, CreateRejectsLgKOutOfRange) {
  EXPECT_FALSE(HllSketch::create(HllSketch::kMinLgK - 1).ok());
  EXPECT_FALSE(HllSketch::create(HllSketch::kMaxLgK + 1).ok());
  EXPECT_TRUE(HllSketch::create(HllSketch::kMinLgK).ok());
  EXPECT_TRUE(HllSketch::create(HllSketch::kMaxLgK).ok());
  EXPECT_EQ(HllSketch().lgK(), 12);
}

TEST(HllSketchTest, EmptySketchEstimatesZero) {
  HllSketch sketch;
  EXPECT_TRUE(sketch.isEmpty());
  EXPECT_EQ(sketch.estimate(), 0.0);
}

TEST(HllSketchTest, ExactBelowSparseCapacity) {
  for (int lgK : {4, 8, 12}) {
    HllSketch sketch = makeSketch(lgK);
    size_t capacity = HllSketch::sparseCapacity(lgK);
    for (size_t n = 1; n <= capacity; ++n) {
      sketch.updateInt64(static_cast<int64_t>(n));
      sketch.updateInt64(static_cast<int64_t>(n));  // duplicates do not count
      ASSERT_TRUE(sketch.isSparse()) << "lgK=" << lgK << " n=" << n;
      ASSERT_EQ(sketch.estimate(), static_cast<double>(n)) << "lgK=" << lgK << " n=" << n;
    }
    sketch.updateInt64(static_cast<int64_t>(capacity + 1));
    EXPECT_FALSE(sketch.isSparse()) << "lgK=" << lgK << ": one past the capacity must switch to dense";
  }
}

// The accuracy sweep. A single estimate falls outside 2 standard errors
// about 5% of the time by design, so the test requires every estimate within
// 3 standard errors, at least 85% of them within 2, and a root-mean-square
// error below 1.5 standard errors. Values are disjoint across seeds.
TEST(HllSketchTest, AccuracyAcrossCardinalities) {
  constexpr int kLgK = 12;
  const std::vector<int64_t> checkpoints = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  constexpr int kSeeds = 8;
  const double standardError = 1.04 / std::sqrt(double{1 << kLgK});

  int denseTrials = 0;
  int withinTwo = 0;
  double squaredErrorSum = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    HllSketch sketch = makeSketch(kLgK);
    int64_t base = static_cast<int64_t>(seed) << 40;
    int64_t added = 0;
    for (int64_t target : checkpoints) {
      for (; added < target; ++added) sketch.updateInt64(base + added);
      double estimate = sketch.estimate();
      double relativeError = (estimate - static_cast<double>(target)) / static_cast<double>(target);
      if (sketch.isSparse()) {
        EXPECT_EQ(estimate, static_cast<double>(target)) << "seed=" << seed << " n=" << target;
        continue;
      }
      EXPECT_LE(std::abs(relativeError), 3 * standardError)
          << "seed=" << seed << " n=" << target << " estimate=" << estimate;
      ++denseTrials;
      withinTwo += std::abs(relativeError) <= 2 * standardError;
      squaredErrorSum += relativeError * relativeError;
    }
  }

  ASSERT_GT(denseTrials, 0);
  double rmsError = std::sqrt(squaredErrorSum / denseTrials);
  std::printf("HLL lgK=%d: rms relative error %.4f (standard error %.4f), %d of %d estimates within 2 standard errors\n",
              kLgK, rmsError, standardError, withinTwo, denseTrials);
  EXPECT_GE(withinTwo, static_cast<int>(std::ceil(0.85 * denseTrials)))
      << withinTwo << " of " << denseTrials << " estimates within 2 standard errors";
  EXPECT_LE(rmsError, 1.5 * standardError) << "rms relative error " << rmsError;
}

TEST(HllSketchTest, AccuracyAtOtherLgK) {
  for (int lgK : {4, 8, 16, 21}) {
    HllSketch sketch = makeSketch(lgK);
    constexpr int64_t kCount = 300000;
    for (int64_t i = 0; i < kCount; ++i) sketch.updateString("user-" + std::to_string(i));
    double relativeError = (sketch.estimate() - kCount) / kCount;
    EXPECT_LE(std::abs(relativeError), 3 * sketch.relativeStandardError())
        << "lgK=" << lgK << " estimate=" << sketch.estimate();
  }
}

TEST(HllSketchTest, NumericTypesHashAlike) {
  EXPECT_EQ(HllSketch::hashInt64(42), HllSketch::hashUInt64(42));
  EXPECT_EQ(HllSketch::hashInt64(42), HllSketch::hashDouble(42.0));
  EXPECT_EQ(HllSketch::hashInt64(-7), HllSketch::hashDouble(-7.0));
  EXPECT_EQ(HllSketch::hashInt64(0), HllSketch::hashDouble(-0.0));
  EXPECT_EQ(HllSketch::hashUInt64(uint64_t{1} << 63), HllSketch::hashDouble(9223372036854775808.0));
  EXPECT_EQ(HllSketch::hashDouble(std::nan("1")), HllSketch::hashDouble(-std::nan("2")));

  EXPECT_NE(HllSketch::hashInt64(42), HllSketch::hashString("42"));
  EXPECT_NE(HllSketch::hashInt64(0), HllSketch::hashDouble(0.5));
  EXPECT_NE(HllSketch::hashInt64(INT64_MIN), HllSketch::hashUInt64(uint64_t{1} << 63));
  EXPECT_NE(HllSketch::hashInt64(-1), HllSketch::hashUInt64(UINT64_MAX));
}

TEST(HllSketchTest, UpdateFromValues) {
  HllSketch sketch;
  sketch.update(Value::int64(5, TypeId::kInt8));
  sketch.update(Value::uint64(5, TypeId::kUInt32));
  sketch.update(Value::float64(5.0));
  sketch.update(Value::null(TypeId::kString));
  sketch.update(Value::string("5"));
  sketch.update(Value::boolean(true));
  EXPECT_EQ(sketch.estimate(), 3.0) << "5 in three numeric types, \"5\" and true (1) are three distinct values";
}

// The format is stable: these bytes must not change within version 1.
TEST(HllSketchTest, SerializedBytesAreStable) {
  HllSketch sketch = makeSketch(4);
  sketch.updateInt64(1);
  std::string bytes = sketch.serialize();
  ASSERT_EQ(bytes.size(), HllSketch::kHeaderBytes + 8 + HllSketch::kChecksumBytes);
  EXPECT_EQ(bytes.substr(0, 12), std::string("FHLL\x01\x04\x00\x00\x01\x00\x00\x00", 12));
  uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[12 + i])) << (8 * i);
  EXPECT_EQ(hash, HllSketch::hashInt64(1));
  EXPECT_EQ(HllSketch::hashInt64(1), 0xc7b10b5fda57e7fdULL) << std::hex << HllSketch::hashInt64(1);
  EXPECT_EQ(HllSketch::hashString("furl"), 0x56685b7ac27dafb6ULL) << std::hex << HllSketch::hashString("furl");
}

// Small sparse sets keep their first hashes in place and move to a hash set
// past that. The state, the bytes and equality must not depend on which.
TEST(HllSketchTest, SmallSparseSetsAcrossTheInlineLimit) {
  for (int count = 0; count <= 12; ++count) {
    HllSketch forward = makeSketch(12);
    HllSketch backward = makeSketch(12);
    HllSketch merged = makeSketch(12);
    for (int i = 0; i < count; ++i) {
      forward.updateInt64(i);
      forward.updateInt64(i);  // repeats change nothing
      backward.updateInt64(count - 1 - i);
      HllSketch single = makeSketch(12);
      single.updateInt64(i);
      merged.merge(single);
    }
    SCOPED_TRACE(count);
    EXPECT_EQ(forward.estimate(), count);
    // The first four hashes need no memory outside the sketch.
    EXPECT_EQ(forward.heapBytes(), count <= 4 ? 0u : 16u * count);
    EXPECT_EQ(forward, backward);
    EXPECT_EQ(forward, merged);
    EXPECT_EQ(forward.serialize(), backward.serialize());
    EXPECT_EQ(forward.serialize(), merged.serialize());
    absl::StatusOr<HllSketch> read = HllSketch::deserialize(forward.serialize());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, forward);
    EXPECT_EQ(read->serialize(), forward.serialize());
    if (count > 0) {
      HllSketch other = forward;
      other.updateInt64(1000);
      EXPECT_FALSE(other == forward);
      // Same size, one hash different.
      HllSketch shifted = makeSketch(12);
      for (int i = 1; i <= count; ++i) shifted.updateInt64(i);
      EXPECT_FALSE(shifted == forward);
    }
  }
}

TEST(HllSketchTest, CopiesAreIndependentInEveryMode) {
  // 3 hashes stay in place, 40 need the hash set, 2,000 make lgK 10 dense.
  for (int count : {3, 40, 2000}) {
    SCOPED_TRACE(count);
    HllSketch original = makeSketch(10);
    for (int i = 0; i < count; ++i) original.updateInt64(i);
    std::string before = original.serialize();

    HllSketch copy = original;
    EXPECT_EQ(copy, original);
    for (int i = 0; i < 5000; ++i) copy.updateInt64(100000 + i);
    EXPECT_NE(copy, original);
    EXPECT_EQ(original.serialize(), before);

    HllSketch assigned = makeSketch(10);
    assigned.updateInt64(-1);
    assigned = original;
    EXPECT_EQ(assigned, original);
    assigned.updateInt64(-2);
    EXPECT_EQ(original.serialize(), before);

    const HllSketch& self = assigned;
    assigned = self;
    EXPECT_EQ(assigned.serialize(), self.serialize());

    HllSketch moved = std::move(copy);
    EXPECT_GT(moved.estimate(), 4000.0);
  }
}

TEST(HllSketchTest, MovedFromSketchesAreUsable) {
  // In every mode the source of a move is left as a valid sketch that
  // serializes, reads back and takes new values.
  for (int count : {3, 40, 2000}) {
    SCOPED_TRACE(count);
    HllSketch source = makeSketch(10);
    for (int i = 0; i < count; ++i) source.updateInt64(i);
    HllSketch target = std::move(source);
    EXPECT_GT(target.estimate(), 0.0);

    // NOLINTNEXTLINE(bugprone-use-after-move): reusing the source is the point
    absl::StatusOr<HllSketch> read = HllSketch::deserialize(source.serialize());
    ASSERT_TRUE(read.ok()) << read.status();
    source.updateInt64(-5);
    source.updateInt64(-6);
    HllSketch expected = *read;
    expected.updateInt64(-5);
    expected.updateInt64(-6);
    EXPECT_EQ(source, expected);

    HllSketch assigned = makeSketch(10);
    assigned = std::move(target);
    // NOLINTNEXTLINE(bugprone-use-after-move): reusing the source is the point
    absl::StatusOr<HllSketch> readTarget = HllSketch::deserialize(target.serialize());
    ASSERT_TRUE(readTarget.ok()) << readTarget.status();
  }
}

TEST(HllSketchTest, MergeOrderIndependent) {
  // Sixty per-minute sketches of overlapping users; each minute alone stays
  // sparse while their union is dense.
  constexpr int kMinutes = 60;
  std::mt19937_64 random(20240611);
  std::vector<HllSketch> minutes;
  HllSketch all;
  for (int minute = 0; minute < kMinutes; ++minute) {
    HllSketch sketch;
    for (int event = 0; event < 300; ++event) {
      std::string user = "user-" + std::to_string(random() % 20000);
      sketch.updateString(user);
      all.updateString(user);
    }
    minutes.push_back(std::move(sketch));
  }
  ASSERT_TRUE(minutes[0].isSparse());
  ASSERT_FALSE(all.isSparse());
  const std::string expected = all.serialize();

  HllSketch forward;
  for (const HllSketch& sketch : minutes) forward.merge(sketch);
  EXPECT_EQ(forward.serialize(), expected) << "forward order";

  HllSketch backward;
  for (auto it = minutes.rbegin(); it != minutes.rend(); ++it) backward.merge(*it);
  EXPECT_EQ(backward.serialize(), expected) << "reverse order";

  for (int trial = 0; trial < 5; ++trial) {
    std::vector<HllSketch> shuffled = minutes;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    while (shuffled.size() > 1) {
      // Merge pairs, a tree of merges rather than a chain.
      std::vector<HllSketch> next;
      for (size_t i = 0; i + 1 < shuffled.size(); i += 2) {
        shuffled[i].merge(shuffled[i + 1]);
        next.push_back(std::move(shuffled[i]));
      }
      if (shuffled.size() % 2 == 1) next.push_back(std::move(shuffled.back()));
      shuffled = std::move(next);
    }
    EXPECT_EQ(shuffled[0].serialize(), expected) << "shuffled tree, trial " << trial;
  }
}

TEST(HllSketchTest, MergeOfSparseSketchesStaysExact) {
  HllSketch a;
  HllSketch b;
  for (int i = 0; i < 100; ++i) a.updateInt64(i);
  for (int i = 50; i < 200; ++i) b.updateInt64(i);
  a.merge(b);
  EXPECT_TRUE(a.isSparse());
  EXPECT_EQ(a.estimate(), 200.0);
}

TEST(HllSketchTest, MergeDownsizesToSmallerLgK) {
  HllSketch large = makeSketch(14);
  HllSketch small = makeSketch(11);
  HllSketch expected = makeSketch(11);
  for (int i = 0; i < 50000; ++i) {
    HllSketch& target = i % 3 == 0 ? small : large;
    target.updateInt64(i);
    expected.updateInt64(i);
  }

  HllSketch largeFirst = large;
  largeFirst.merge(small);
  EXPECT_EQ(largeFirst.lgK(), 11);
  EXPECT_EQ(largeFirst, expected);

  HllSketch smallFirst = small;
  smallFirst.merge(large);
  EXPECT_EQ(smallFirst.lgK(), 11);
  EXPECT_EQ(smallFirst, expected);
}

TEST(HllSketchTest, DownsizedEqualsBuiltAtSmallerLgK) {
  for (int count : {10, 3000, 100000}) {
    HllSketch large = makeSketch(16);
    HllSketch direct = makeSketch(6);
    for (int i = 0; i < count; ++i) {
      large.updateString(std::to_string(i));
      direct.updateString(std::to_string(i));
    }
    EXPECT_EQ(large.downsized(6), direct) << "count=" << count;
  }
}

TEST(HllSketchTest, SerializationRoundTrip) {
  for (int lgK = HllSketch::kMinLgK; lgK <= HllSketch::kMaxLgK; ++lgK) {
    for (int count : {0, 7, 5000}) {
      HllSketch sketch = makeSketch(lgK);
      for (int i = 0; i < count; ++i) sketch.updateInt64(i * 7919);
      std::string bytes = sketch.serialize();
      absl::StatusOr<HllSketch> decoded = HllSketch::deserialize(bytes);
      ASSERT_TRUE(decoded.ok()) << "lgK=" << lgK << " count=" << count << ": " << decoded.status();
      EXPECT_EQ(*decoded, sketch) << "lgK=" << lgK << " count=" << count;
      EXPECT_EQ(decoded->estimate(), sketch.estimate()) << "lgK=" << lgK << " count=" << count;
    }
  }
}

TEST(HllSketchTest, SerializeToAppendsSameBytes) {
  // Sparse sketches below and above 16 hashes, and a dense one.
  for (int count : {3, 40, 5000}) {
    HllSketch sketch = makeSketch(12);
    for (int i = 0; i < count; ++i) sketch.updateInt64(i * 7919);
    std::string bytes = "prefix";
    sketch.serializeTo(bytes);
    EXPECT_EQ(bytes, "prefix" + sketch.serialize()) << "count=" << count;
    absl::StatusOr<HllSketch> decoded = HllSketch::deserialize(std::string_view(bytes).substr(6));
    ASSERT_TRUE(decoded.ok()) << "count=" << count << ": " << decoded.status();
    EXPECT_EQ(*decoded, sketch) << "count=" << count;
  }
}

TEST(HllSketchTest, RejectsTruncatedAndFlippedBytes) {
  for (int count : {5, 2000}) {
    HllSketch sketch = makeSketch(8);
    for (int i = 0; i < count; ++i) sketch.updateInt64(i);
    const std::string bytes = sketch.serialize();

    for (size_t length = 0; length < bytes.size(); ++length) {
      EXPECT_FALSE(HllSketch::deserialize(bytes.substr(0, length)).ok()) << "count=" << count << " length=" << length;
    }
    EXPECT_FALSE(HllSketch::deserialize(bytes + "x").ok()) << "count=" << count << ": trailing byte";
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
      absl::StatusOr<HllSketch> decoded = HllSketch::deserialize(flipped);
      EXPECT_FALSE(decoded.ok()) << "count=" << count << " flipped byte " << i;
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << "flipped byte " << i;
      }
    }
  }
}

TEST(HllSketchTest, RejectsInvalidFieldsBehindValidChecksum) {
  HllSketch sparse = makeSketch(8);
  for (int i = 0; i < 3; ++i) sparse.updateInt64(i);
  HllSketch dense = makeSketch(4);
  for (int i = 0; i < 100; ++i) dense.updateInt64(i);

  struct Case {
    const char* name;
    const HllSketch* sketch;
    size_t offset;
    char value;
    const char* messagePart;
  };
  const Case cases[] = {
      {"version 2", &sparse, 4, 2, "unsupported format version 2"},
      {"lgK 3", &sparse, 5, 3, "lgK 3"},
      {"lgK 22", &sparse, 5, 22, "lgK 22"},
      {"mode 7", &sparse, 6, 7, "unknown mode 7"},
      {"reserved byte", &sparse, 7, 1, "reserved"},
      {"sparse count", &sparse, 8, 2, "expected"},
      {"register above the maximum", &dense, 12, 62, "register 0"},
  };
  for (const Case& c : cases) {
    std::string bytes = c.sketch->serialize();
    bytes[c.offset] = c.value;
    resealChecksum(bytes);
    absl::StatusOr<HllSketch> decoded = HllSketch::deserialize(bytes);
    ASSERT_FALSE(decoded.ok()) << c.name;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss) << c.name;
    EXPECT_NE(decoded.status().message().find(c.messagePart), std::string::npos)
        << c.name << ": " << decoded.status().message();
  }

  // Hashes out of order: swap the first two.
  std::string bytes = sparse.serialize();
  std::swap_ranges(bytes.begin() + 12, bytes.begin() + 20, bytes.begin() + 20);
  resealChecksum(bytes);
  absl::StatusOr<HllSketch> decoded = HllSketch::deserialize(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("not greater"), std::string::npos) << decoded.status().message();
}

}  // namespace
}  // namespace furl
