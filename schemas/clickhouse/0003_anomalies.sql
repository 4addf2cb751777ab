-- Account anomalies: one row per anomaly transition (firing, and resolved where it clears).
-- anomaly_id is deterministic (account, type, subject, state, observed_at): a replayed snapshot
-- produces the same id, and ReplacingMergeTree keeps one row (the first detection) per id.

CREATE TABLE IF NOT EXISTS account_anomalies
(
    anomaly_id String,
    anomaly_type LowCardinality(String),
    state LowCardinality(String),
    severity LowCardinality(String),
    account_key String,
    platform LowCardinality(String),
    account_kind LowCardinality(String),
    org_unit String,
    team String,
    owner String,
    subject String,
    title String,
    before String,
    after String,
    evidence String,
    observed_at DateTime64(3, 'UTC'),
    detected_at DateTime64(3, 'UTC'),
    -- 2100-01-01 minus the detection time: the earliest detection has the highest version
    first_seen_version UInt64 MATERIALIZED toUInt64(4102444800000 - toUnixTimestamp64Milli(detected_at))
)
ENGINE = ReplacingMergeTree(first_seen_version)
PARTITION BY toYYYYMM(observed_at)
ORDER BY (account_key, anomaly_type, subject, anomaly_id)
SETTINGS non_replicated_deduplication_window = 1000;
