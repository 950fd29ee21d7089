#include "common/logging.h"

#include <mutex>

#include "spdlog/sinks/stdout_color_sinks.h"

namespace furl {
namespace {

std::mutex& registryMutex() {
  static std::mutex mutex;
  return mutex;
}

spdlog::level::level_enum& currentLevel() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  std::lock_guard<std::mutex> lock(registryMutex());
  if (auto existing = spdlog::get(component)) return existing;
  auto created = spdlog::stderr_color_mt(component);
  created->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v");
  created->set_level(currentLevel());
  return created;
}

void setLogLevel(const std::string& level) {
  std::lock_guard<std::mutex> lock(registryMutex());
  currentLevel() = spdlog::level::from_str(level);
  spdlog::set_level(currentLevel());
}

}  // namespace furl
