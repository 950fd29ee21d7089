#pragma once

// A fixed set of threads that run tasks from a bounded queue. The HTTP
// server runs queries here, apart from the threads that do socket I/O, so
// long queries never keep /ping or a new connection waiting.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace furl::server {

class WorkerPool {
 public:
  /// Starts `numThreads` threads (at least one). At most `maxQueued` tasks
  /// wait for a free thread; trySubmit() rejects the task beyond that.
  WorkerPool(uint32_t numThreads, uint32_t maxQueued);
  /// Calls stop().
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues `task`. Returns false, without queuing, when `maxQueued` tasks
  /// are waiting already or the pool is stopping.
  bool trySubmit(std::function<void()> task);

  /// Rejects new tasks, runs the tasks already queued, then joins the
  /// threads. Safe to call more than once.
  void stop();

  uint32_t numThreads() const { return static_cast<uint32_t>(threads_.size()); }
  uint32_t maxQueued() const { return maxQueued_; }
  /// Tasks running now.
  uint32_t running() const;
  /// Tasks waiting for a thread.
  uint32_t queued() const;

 private:
  void runThread();
  uint32_t idleThreadsLocked() const;

  const uint32_t maxQueued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  uint32_t running_ = 0;                     // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace furl::server
