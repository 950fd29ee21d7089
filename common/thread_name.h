#pragma once

#include <pthread.h>

#include <string>

namespace furl {

/// Names the calling thread as `top -H`, perf and /proc/PID/task/TID/comm
/// show it. Linux keeps the first 15 bytes.
inline void setThreadName(const std::string& name) {
  std::string shortName = name.substr(0, 15);
  pthread_setname_np(pthread_self(), shortName.c_str());
}

}  // namespace furl
