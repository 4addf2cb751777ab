-- Alerting: alert transitions, every notification attempt, silences.

CREATE TABLE IF NOT EXISTS alerts
(
    fingerprint String,
    status LowCardinality(String),
    alertname LowCardinality(String),
    severity LowCardinality(String),
    account_key String,
    org_unit String,
    owner String,
    labels Map(String, String),
    title String,
    summary String,
    board_url String,
    starts_at DateTime64(3, 'UTC'),
    ends_at Nullable(DateTime64(3, 'UTC')),
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(starts_at)
ORDER BY (fingerprint, status, starts_at)
SETTINGS non_replicated_deduplication_window = 1000;

-- one row per delivery attempt of a notification to a channel
CREATE TABLE IF NOT EXISTS notification_log
(
    notification_id String,
    receiver LowCardinality(String),
    channel LowCardinality(String),
    group_key String,
    group_status LowCardinality(String),
    state_hash String,
    fingerprints Array(String),
    alert_count UInt32,
    status LowCardinality(String),
    error String,
    attempt UInt16,
    at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(at)
PARTITION BY toYYYYMM(at)
ORDER BY (group_key, notification_id, channel, attempt)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS silences
(
    silence_id String,
    matchers Array(String),
    starts_at DateTime64(3, 'UTC'),
    ends_at DateTime64(3, 'UTC'),
    created_by String,
    comment String,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY silence_id;
