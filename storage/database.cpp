#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "common/time_util.h"
#include "storage/database.h"
#include "storage/database_impl.h"

namespace furl::storage {

namespace {

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMsPerHour = 3'600'000;
constexpr int64_t kMsPerDay = 86'400'000;

constexpr int64_t kMinMs = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max();

/// `ms` rounded down to a multiple of `unit`; saturates at INT64_MIN.
int64_t floorToMultiple(int64_t ms, int64_t unit) {
  int64_t quotient = ms / unit;
  if (ms % unit < 0) --quotient;
  int64_t result = 0;
  if (__builtin_mul_overflow(quotient, unit, &result)) return kMinMs;
  return result;
}

/// `startMs + stepMs`, saturating at INT64_MAX.
int64_t addSaturating(int64_t startMs, int64_t stepMs) {
  int64_t result = 0;
  if (__builtin_add_overflow(startMs, stepMs, &result)) return kMaxMs;
  return result;
}

int64_t daysToMs(int64_t days) { return days * kMsPerDay; }

}  // namespace

int64_t chunkStartMs(Granularity granularity, int64_t ms) {
  switch (granularity) {
    case Granularity::kAll:
      return kMinMs;
    case Granularity::kMinute:
      return floorToMultiple(ms, kMsPerMinute);
    case Granularity::kHour:
      return floorToMultiple(ms, kMsPerHour);
    case Granularity::kDay:
      return floorToMultiple(ms, kMsPerDay);
    case Granularity::kWeek: {
      int32_t days = daysFromMs(ms);
      return daysToMs(int64_t{days} - (isoWeekday(days) - 1));
    }
    case Granularity::kMonth: {
      CivilDate date = civilFromDays(daysFromMs(ms));
      return daysToMs(daysFromCivil(date.year, date.month, 1));
    }
    case Granularity::kYear: {
      CivilDate date = civilFromDays(daysFromMs(ms));
      return daysToMs(daysFromCivil(date.year, 1, 1));
    }
  }
  return kMinMs;
}

int64_t chunkEndMs(Granularity granularity, int64_t startMs) {
  switch (granularity) {
    case Granularity::kAll:
      return kMaxMs;
    case Granularity::kMinute:
      return addSaturating(startMs, kMsPerMinute);
    case Granularity::kHour:
      return addSaturating(startMs, kMsPerHour);
    case Granularity::kDay:
      return addSaturating(startMs, kMsPerDay);
    case Granularity::kWeek:
      return addSaturating(startMs, 7 * kMsPerDay);
    case Granularity::kMonth: {
      CivilDate date = civilFromDays(daysFromMs(startMs));
      if (date.month == 12) return daysToMs(daysFromCivil(date.year + 1, 1, 1));
      return daysToMs(daysFromCivil(date.year, date.month + 1, 1));
    }
    case Granularity::kYear: {
      CivilDate date = civilFromDays(daysFromMs(startMs));
      return daysToMs(daysFromCivil(date.year + 1, 1, 1));
    }
  }
  return kMaxMs;
}

std::string_view granularityName(Granularity granularity) {
  switch (granularity) {
    case Granularity::kAll:
      return "ALL";
    case Granularity::kMinute:
      return "MINUTE";
    case Granularity::kHour:
      return "HOUR";
    case Granularity::kDay:
      return "DAY";
    case Granularity::kWeek:
      return "WEEK";
    case Granularity::kMonth:
      return "MONTH";
    case Granularity::kYear:
      return "YEAR";
  }
  return "UNKNOWN";
}

std::optional<Granularity> parseGranularity(std::string_view name) {
  std::string upper = absl::AsciiStrToUpper(std::string(name));
  for (Granularity granularity : {Granularity::kAll, Granularity::kMinute, Granularity::kHour, Granularity::kDay,
                                  Granularity::kWeek, Granularity::kMonth, Granularity::kYear}) {
    if (upper == granularityName(granularity)) return granularity;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<Database>> Database::open(const std::string& dataDir, const DatabaseOptions& options) {
  auto database = DatabaseImpl::open(dataDir, options, StorageTuning{});
  if (!database.ok()) return database.status();
  return std::unique_ptr<Database>(std::move(*database));
}

std::optional<size_t> TableDef::findColumn(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace furl::storage
