// The bounded queue of the worker pool that runs HTTP queries.

#include "server/worker_pool.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace furl::server {
namespace {

/// Waits up to 3 s for `condition`; returns its last value.
template <typename Condition>
bool waitFor(Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

TEST(WorkerPoolTest, RejectsBeyondQueueBound) {
  WorkerPool pool(2, 3);
  std::atomic<bool> release{false};
  std::atomic<int> finished{0};
  auto blocking = [&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    finished.fetch_add(1);
  };

  // Two tasks occupy both threads, three more fill the queue.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(pool.trySubmit(blocking)) << "task " << i;
  ASSERT_TRUE(waitFor([&] { return pool.running() == 2; }));
  EXPECT_EQ(pool.queued(), 3u);
  EXPECT_FALSE(pool.trySubmit(blocking)) << "the sixth task exceeds 2 threads + 3 queued";

  release.store(true);
  ASSERT_TRUE(waitFor([&] { return finished.load() == 5; }));
  EXPECT_TRUE(pool.trySubmit([&] { finished.fetch_add(1); })) << "room again once the queue drained";
  EXPECT_TRUE(waitFor([&] { return finished.load() == 6; }));
}

TEST(WorkerPoolTest, IdleThreadsDoNotCountAsQueued) {
  WorkerPool pool(3, 0);
  std::atomic<bool> release{false};
  auto blocking = [&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  // With no queue, exactly one task per thread is accepted.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.trySubmit(blocking)) << "task " << i;
  EXPECT_FALSE(pool.trySubmit(blocking));
  release.store(true);
}

TEST(WorkerPoolTest, StopRunsQueuedTasksThenRejects) {
  WorkerPool pool(1, 10);
  std::atomic<int> finished{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pool.trySubmit([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      finished.fetch_add(1);
    }));
  }
  pool.stop();
  EXPECT_EQ(finished.load(), 5);
  EXPECT_FALSE(pool.trySubmit([] {}));
  pool.stop();  // a second stop is a no-op
}

TEST(WorkerPoolTest, ThrowingTaskKeepsThreadAlive) {
  WorkerPool pool(1, 1);
  std::atomic<bool> ran{false};
  ASSERT_TRUE(pool.trySubmit([] { throw std::runtime_error("task failed"); }));
  ASSERT_TRUE(waitFor([&] { return pool.running() == 0 && pool.queued() == 0; }));
  ASSERT_TRUE(pool.trySubmit([&] { ran.store(true); }));
  EXPECT_TRUE(waitFor([&] { return ran.load(); }));
}

}  // namespace
}  // namespace furl::server
