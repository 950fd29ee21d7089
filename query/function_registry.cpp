#include <algorithm>

#include "common/error.h"
#include "fmt/format.h"
#include "query/function.h"
#include "query/functions/function_util.h"

namespace furl::query {

const FunctionRegistry& FunctionRegistry::instance() {
  static const FunctionRegistry* registry = [] {
    auto* built = new FunctionRegistry();
    registerBuiltinFunctions(*built);
    return built;
  }();
  return *registry;
}

void FunctionRegistry::add(std::string name, ScalarFunctionFactory factory) {
  if (find(name) != nullptr) {
    throw QueryError(ErrorCode::kLogicalError, fmt::format("function {} is registered twice", name));
  }
  entries_.emplace_back(std::move(name), std::move(factory));
}

void FunctionRegistry::addAlias(std::string alias, std::string_view name) {
  const ScalarFunctionFactory* factory = find(name);
  if (factory == nullptr) {
    throw QueryError(ErrorCode::kLogicalError,
                     fmt::format("alias {} refers to unregistered function {}", alias, name));
  }
  add(std::move(alias), *factory);
}

const ScalarFunctionFactory* FunctionRegistry::find(std::string_view name) const {
  // A linear scan over about 200 names, at bind time only.
  for (const auto& [key, factory] : entries_) {
    if (key.size() == name.size() && equalsIgnoreCase(key, name)) return &factory;
  }
  return nullptr;
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> result;
  result.reserve(entries_.size());
  for (const auto& entry : entries_) result.push_back(entry.first);
  return result;
}

}  // namespace furl::query
