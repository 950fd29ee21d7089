#include "storage/tiering_rules.h"

#include "absl/strings/str_cat.h"

namespace furl::storage {

namespace {

/// True when a chunk ending at `chunkEndMs` ended after `nowMs - period`.
bool within(const Period& period, int64_t chunkEndMs, int64_t nowMs) {
  std::optional<int64_t> cutoff = period.subtractFrom(nowMs);
  return !cutoff || chunkEndMs > *cutoff;
}

}  // namespace

bool isTieringSetting(std::string_view name) {
  return name == kHotPeriodSetting || name == kColdAfterSetting || name == kRetentionSetting;
}

absl::StatusOr<TieringRules> parseTieringRules(const std::map<std::string, std::string>& settings, int64_t nowMs) {
  TieringRules rules;
  for (auto [name, field] : {std::pair{kHotPeriodSetting, &rules.hotPeriod},
                             std::pair{kColdAfterSetting, &rules.coldAfter},
                             std::pair{kRetentionSetting, &rules.retention}}) {
    auto it = settings.find(std::string(name));
    if (it == settings.end()) continue;
    absl::StatusOr<Period> period = parsePeriod(it->second);
    if (!period.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("setting ", std::string(name), ": ", period.status().message()));
    }
    if (period->isZero()) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting ", std::string(name), " = '", it->second, "' is zero; use a positive period such as P7D"));
    }
    *field = *period;
  }

  // Longer periods reach further back: each cutoff must not be later than
  // the one before it.
  std::optional<std::pair<std::string_view, int64_t>> previous;
  for (auto [name, field] : {std::pair{kHotPeriodSetting, &rules.hotPeriod},
                             std::pair{kColdAfterSetting, &rules.coldAfter},
                             std::pair{kRetentionSetting, &rules.retention}}) {
    if (!*field) continue;
    int64_t cutoff = (*field)->subtractFrom(nowMs).value_or(INT64_MIN);
    if (previous && cutoff > previous->second) {
      return absl::InvalidArgumentError(absl::StrCat("setting ", std::string(name), " = '", (*field)->toString(),
                                                     "' is shorter than ", std::string(previous->first),
                                                     "; order them hot_period <= cold_after <= retention"));
    }
    previous = {name, cutoff};
  }
  return rules;
}

Tier desiredTier(const TieringRules& rules, const SegmentInfo& info, int64_t nowMs) {
  if (rules.retention && !within(*rules.retention, info.chunkEndMs, nowMs)) return Tier::kDrop;
  if (info.pinnedTier == PinnedTier::kCold) return Tier::kCold;
  bool cold = rules.coldAfter && !within(*rules.coldAfter, info.chunkEndMs, nowMs);
  if (cold && info.pinnedTier != PinnedTier::kWarm) return Tier::kCold;
  if (rules.hotPeriod && within(*rules.hotPeriod, info.chunkEndMs, nowMs)) return Tier::kHot;
  return Tier::kWarm;
}

std::string_view tierName(Tier tier) {
  switch (tier) {
    case Tier::kHot:
      return "hot";
    case Tier::kWarm:
      return "warm";
    case Tier::kCold:
      return "cold";
    case Tier::kDrop:
      return "drop";
  }
  return "unknown";
}

}  // namespace furl::storage
