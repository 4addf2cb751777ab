-- Sensitivity scoring: one row per scored item, one row per risk hit.
-- Rescoring the same text (a post re-crawled, a replay) lands on the same key: read with FINAL.
-- A hit keeps the time it was first detected: the version is the inverted detection time, so
-- ReplacingMergeTree keeps the earliest.

CREATE TABLE IF NOT EXISTS content_scores
(
    item_type LowCardinality(String),
    item_id String,
    account_key String,
    platform LowCardinality(String),
    account_kind LowCardinality(String),
    org_unit String,
    team String,
    owner String,
    score UInt8,
    level LowCardinality(String),
    hit_count UInt16,
    categories Array(LowCardinality(String)),
    lexicon_version LowCardinality(String),
    observed_at DateTime64(3, 'UTC'),
    scored_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(observed_at)
ORDER BY (account_key, item_type, item_id, lexicon_version)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS risk_hits
(
    item_type LowCardinality(String),
    item_id String,
    account_key String,
    platform LowCardinality(String),
    account_kind LowCardinality(String),
    org_unit String,
    team String,
    owner String,
    category LowCardinality(String),
    rule_id LowCardinality(String),
    severity LowCardinality(String),
    field LowCardinality(String),
    span_start UInt32,
    span_end UInt32,
    term String,
    points UInt8,
    citation String,
    suggestion String,
    lexicon_version LowCardinality(String),
    detected_at DateTime64(3, 'UTC'),
    -- 2100-01-01 minus the detection time: the earliest detection has the highest version
    first_seen_version UInt64 MATERIALIZED toUInt64(4102444800000 - toUnixTimestamp64Milli(detected_at))
)
ENGINE = ReplacingMergeTree(first_seen_version)
ORDER BY (account_key, item_type, item_id, rule_id, field, span_start, lexicon_version)
SETTINGS non_replicated_deduplication_window = 1000;
