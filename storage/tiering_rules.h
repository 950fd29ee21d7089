#pragma once

// Per-table tiering rules, stored as table settings whose values are
// ISO-8601 periods (docs/tiered-storage.md):
//
//   hot_period   segments whose time chunk ends within it are pinned in memory
//   cold_after   segments whose chunk ended longer ago move to the object store
//   retention    segments whose chunk ended longer ago are dropped

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/period.h"
#include "storage/database.h"

namespace furl::storage {

inline constexpr std::string_view kHotPeriodSetting = "hot_period";
inline constexpr std::string_view kColdAfterSetting = "cold_after";
inline constexpr std::string_view kRetentionSetting = "retention";

/// True for the three setting names above.
bool isTieringSetting(std::string_view name);

struct TieringRules {
  std::optional<Period> hotPeriod;
  std::optional<Period> coldAfter;
  std::optional<Period> retention;

  bool empty() const { return !hotPeriod && !coldAfter && !retention; }
};

/// The rules in a table's settings. InvalidArgument names the setting and
/// its value when a value is not a positive ISO-8601 period, or when the
/// periods are not ordered hot_period <= cold_after <= retention at
/// `nowMs`.
absl::StatusOr<TieringRules> parseTieringRules(const std::map<std::string, std::string>& settings, int64_t nowMs);

enum class Tier : uint8_t { kHot, kWarm, kCold, kDrop };

/// The tier of `info` at `nowMs` under `rules`, honouring its pin. A
/// pinned segment keeps its tier (a segment pinned warm may still be hot)
/// unless retention drops it.
Tier desiredTier(const TieringRules& rules, const SegmentInfo& info, int64_t nowMs);

std::string_view tierName(Tier tier);

}  // namespace furl::storage
