#include "query/process_list.h"

#include <utility>

namespace furl::query {

QueryProcess::QueryProcess(ProcessInfo info, std::function<void()> onCancel)
    : info_(std::move(info)), onCancel_(std::move(onCancel)) {}

double QueryProcess::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void QueryProcess::cancel() {
  cancelled_.store(true);
  std::call_once(cancelOnce_, [this] {
    if (onCancel_) onCancel_();
  });
}

ProcessList::Registration::Registration(ProcessList* list, std::shared_ptr<QueryProcess> process)
    : list_(list), process_(std::move(process)) {}

ProcessList::Registration::Registration(Registration&& other) noexcept
    : list_(std::exchange(other.list_, nullptr)), process_(std::move(other.process_)) {}

ProcessList::Registration& ProcessList::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    reset();
    list_ = std::exchange(other.list_, nullptr);
    process_ = std::move(other.process_);
  }
  return *this;
}

ProcessList::Registration::~Registration() { reset(); }

void ProcessList::Registration::reset() {
  if (list_ != nullptr && process_) list_->remove(process_.get());
  list_ = nullptr;
}

ProcessList::Registration ProcessList::add(ProcessInfo info, std::function<void()> onCancel) {
  auto process = std::make_shared<QueryProcess>(std::move(info), std::move(onCancel));
  bool cancelNow = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    processes_.emplace(nextSerial_++, process);
    cancelNow = cancelNew_;
  }
  if (cancelNow) process->cancel();
  return Registration(this, std::move(process));
}

void ProcessList::remove(const QueryProcess* process) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = processes_.begin(); it != processes_.end(); ++it) {
      if (it->second.get() == process) {
        processes_.erase(it);
        break;
      }
    }
  }
  removed_.notify_all();
}

std::vector<std::shared_ptr<QueryProcess>> ProcessList::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<QueryProcess>> result;
  result.reserve(processes_.size());
  for (const auto& [serial, process] : processes_) result.push_back(process);
  return result;
}

std::vector<std::shared_ptr<QueryProcess>> ProcessList::cancel(std::string_view queryId) {
  std::vector<std::shared_ptr<QueryProcess>> matched;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [serial, process] : processes_) {
      if (process->info().queryId == queryId) matched.push_back(process);
    }
  }
  // Outside the lock: a cancel callback may take other locks.
  for (const auto& process : matched) process->cancel();
  return matched;
}

void ProcessList::cancelAll() {
  std::vector<std::shared_ptr<QueryProcess>> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelNew_ = true;
    for (const auto& [serial, process] : processes_) all.push_back(process);
  }
  for (const auto& process : all) process->cancel();
}

bool ProcessList::waitUntilFinished(const std::vector<std::shared_ptr<QueryProcess>>& processes,
                                    const std::function<bool()>& stopWaiting) {
  auto anyRunning = [&] {
    for (const auto& [serial, process] : processes_) {
      for (const auto& waited : processes) {
        if (process == waited) return true;
      }
    }
    return false;
  };
  std::unique_lock<std::mutex> lock(mutex_);
  while (anyRunning()) {
    if (stopWaiting && stopWaiting()) return false;
    removed_.wait_for(lock, std::chrono::milliseconds(50));
  }
  return true;
}

size_t ProcessList::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return processes_.size();
}

}  // namespace furl::query
