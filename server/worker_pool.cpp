#include "server/worker_pool.h"

#include <algorithm>
#include <exception>

#include "common/logging.h"
#include "common/thread_name.h"

namespace furl::server {

WorkerPool::WorkerPool(uint32_t numThreads, uint32_t maxQueued) : maxQueued_(maxQueued) {
  numThreads = std::max<uint32_t>(1, numThreads);
  threads_.reserve(numThreads);
  for (uint32_t i = 0; i < numThreads; ++i) threads_.emplace_back([this] {
    setThreadName("furl-query");
    runThread();
  });
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::trySubmit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || tasks_.size() >= maxQueued_ + idleThreadsLocked()) return false;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

uint32_t WorkerPool::idleThreadsLocked() const {
  // A task handed to an idle thread does not wait, so it does not count
  // against maxQueued_.
  return static_cast<uint32_t>(threads_.size()) - running_;
}

void WorkerPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.clear();
}

uint32_t WorkerPool::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

uint32_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<uint32_t>(tasks_.size());
}

void WorkerPool::runThread() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and the queue is drained
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    ++running_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      logger("server.http")->error("a worker task failed with an unexpected exception: {}", e.what());
    }
    lock.lock();
    --running_;
  }
}

}  // namespace furl::server
