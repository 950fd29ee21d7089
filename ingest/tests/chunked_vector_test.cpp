#include "ingest/chunked_vector.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace furl::ingest {
namespace {

/// Counts its live instances, so the tests see every element destroyed.
struct Tracked {
  static inline int live = 0;
  std::string text;
  explicit Tracked(std::string t) : text(std::move(t)) { ++live; }
  Tracked(const Tracked& other) : text(other.text) { ++live; }
  ~Tracked() { --live; }
};

TEST(ChunkedVectorTest, KeepsElementsInPlaceAcrossChunks) {
  ChunkedVector<Tracked, 3> values;  // chunks of 8
  EXPECT_TRUE(values.empty());
  values.push_back(Tracked("0"));
  const Tracked* first = &values[0];
  for (int i = 1; i < 50; ++i) values.push_back(Tracked(std::to_string(i)));
  ASSERT_EQ(values.size(), 50u);
  EXPECT_EQ(Tracked::live, 50);
  EXPECT_EQ(&values[0], first) << "growth moved an element";
  for (int i = 0; i < 50; ++i) EXPECT_EQ(values[static_cast<size_t>(i)].text, std::to_string(i));
  values[49].text = "changed";
  EXPECT_EQ(std::as_const(values)[49].text, "changed");

  values.clear();
  EXPECT_EQ(values.size(), 0u);
  EXPECT_EQ(Tracked::live, 0);
  values.push_back(Tracked("again"));
  EXPECT_EQ(values[0].text, "again");
  values.clear();
  EXPECT_EQ(Tracked::live, 0);
}

TEST(ChunkedVectorTest, MovesAndDestroysTheElements) {
  {
    ChunkedVector<Tracked, 2> source;
    for (int i = 0; i < 9; ++i) source.push_back(Tracked(std::to_string(i)));
    ChunkedVector<Tracked, 2> moved(std::move(source));
    EXPECT_EQ(source.size(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    ASSERT_EQ(moved.size(), 9u);
    EXPECT_EQ(moved[8].text, "8");

    ChunkedVector<Tracked, 2> assigned;
    assigned.push_back(Tracked("old"));
    assigned = std::move(moved);
    ASSERT_EQ(assigned.size(), 9u);
    EXPECT_EQ(assigned[0].text, "0");
    EXPECT_EQ(Tracked::live, 9);
  }
  EXPECT_EQ(Tracked::live, 0);
}

}  // namespace
}  // namespace furl::ingest
