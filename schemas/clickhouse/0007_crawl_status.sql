-- Platform connectors: one row per account crawl (pipeline/crawlers), for the 管道运行 board
-- and `matrixguard crawl status`. Replays of the status topic keep one row per status_id.

CREATE TABLE IF NOT EXISTS crawl_status
(
    status_id String,
    platform LowCardinality(String),
    account_key String,
    connector LowCardinality(String),
    credential LowCardinality(String),
    outcome LowCardinality(String),
    endpoint LowCardinality(String),
    error String,
    requests UInt32,
    retries UInt32,
    pages UInt32,
    posts_new UInt32,
    posts_refreshed UInt32,
    comments_new UInt32,
    dead_letters UInt32,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (platform, account_key, started_at, status_id)
TTL toDateTime(started_at) + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 1000;
