-- The table for examples/wikiticker-2015-09-12-sampled.json.gz, one row per
-- Wikipedia edit. Location fields and metroCode are null except on anonymous
-- edits, so they are Nullable; the is* flags are JSON booleans.
CREATE TABLE wikipedia
(
    time DateTime64(3),
    channel LowCardinality(String),
    cityName Nullable(String),
    comment String,
    countryIsoCode Nullable(String),
    countryName Nullable(String),
    isAnonymous Bool,
    isMinor Bool,
    isNew Bool,
    isRobot Bool,
    isUnpatrolled Bool,
    metroCode Nullable(Int64),
    namespace LowCardinality(String),
    page String,
    regionIsoCode Nullable(String),
    regionName Nullable(String),
    user String,
    delta Int64,
    added Int64,
    deleted Int64
)
ENGINE = MergeTree
PARTITION BY toDate(time)
ORDER BY (time, channel)
