#pragma once

// The table that a Kafka supervisor writes to, derived from its ingestion
// spec: `__time`, then the dimensions, then the metrics, in spec order.

#include "absl/status/statusor.h"
#include "ingest/ingestion_spec.h"
#include "storage/database.h"

namespace furl::ingest {

/// The column type that stores a metric: count UInt64; longSum Int64;
/// doubleSum and floatSum Float64; min, max, first and last Nullable of the
/// input type, because an event may lack the field; HLL sketches HLLSketch.
DataType metricColumnType(const MetricSpec& metric);

/// The column type that stores a dimension: string Nullable(String), long
/// Nullable(Int64), float and double Nullable(Float64).
DataType dimensionColumnType(DimensionType type);

/// Builds the table definition for `spec`: named after the dataSource, time
/// column `__time` DateTime64(3), sorted by `__time`. InvalidArgument when the
/// spec relies on schema discovery, because the dimension columns must be
/// known when the table is created.
absl::StatusOr<storage::TableDef> targetTableDef(const IngestionSpec& spec);

/// Checks that an existing table can take the rows of `spec`: the same
/// column names and types in the same order. FailedPrecondition names the
/// first column that differs.
absl::Status checkTargetTable(const storage::TableDef& existing, const storage::TableDef& expected);

}  // namespace furl::ingest
