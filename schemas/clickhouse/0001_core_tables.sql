-- MatrixGuard core tables. Times are UTC DateTime64(3).
-- Every table is a ReplacingMergeTree keyed by the event's natural identity, so a replayed or
-- retried insert never adds a row to what analysts see: query with FINAL (or argMax by the
-- version column) for deduplicated rows. `non_replicated_deduplication_window` also drops a
-- retried identical insert block outright.

CREATE TABLE IF NOT EXISTS accounts
(
    account_key String,
    platform LowCardinality(String),
    platform_account_id String,
    display_name String,
    kind LowCardinality(String),
    org_unit String,
    team String,
    owner String,
    owner_mobile String,
    owner_email String,
    owner_wecom String,
    expected_verification_subject String,
    competitor_group LowCardinality(String),
    imported_at DateTime64(3, 'UTC'),
    source_file String
)
ENGINE = ReplacingMergeTree(imported_at)
ORDER BY account_key
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS account_snapshots
(
    account_key String,
    platform LowCardinality(String),
    platform_account_id String,
    name String,
    avatar_hash String,
    bio String,
    status LowCardinality(String),
    verified Bool,
    verification_subject Nullable(String),
    followers UInt64,
    following UInt64,
    post_count UInt64,
    likes_total UInt64,
    captured_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    org_unit String,
    team String,
    envelope_id String,
    published_at DateTime64(3, 'UTC'),
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(captured_at)
ORDER BY (account_key, captured_at)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS posts
(
    post_id String,
    account_key String,
    platform LowCardinality(String),
    kind LowCardinality(String),
    title String,
    text String,
    tags Array(String),
    url String,
    published_at DateTime64(3, 'UTC'),
    captured_at DateTime64(3, 'UTC'),
    views UInt64,
    likes UInt64,
    comments UInt64,
    shares UInt64,
    favorites UInt64,
    account_kind LowCardinality(String),
    org_unit String,
    team String,
    envelope_id String,
    published_ms Int64,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(captured_at)
ORDER BY (account_key, post_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS post_metrics
(
    post_id String,
    account_key String,
    platform LowCardinality(String),
    captured_at DateTime64(3, 'UTC'),
    views UInt64,
    likes UInt64,
    comments UInt64,
    shares UInt64,
    favorites UInt64,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(captured_at)
ORDER BY (account_key, post_id, captured_at)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS comments
(
    comment_id String,
    post_id String,
    account_key String,
    platform LowCardinality(String),
    author_id String,
    author_name String,
    text String,
    likes UInt64,
    parent_comment_id Nullable(String),
    published_at DateTime64(3, 'UTC'),
    captured_at DateTime64(3, 'UTC'),
    account_kind LowCardinality(String),
    org_unit String,
    envelope_id String,
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(captured_at)
ORDER BY (account_key, post_id, comment_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS dead_letters
(
    dead_letter_id String,
    stage LowCardinality(String),
    reason LowCardinality(String),
    error String,
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    item_index Int32,
    account_key String,
    platform LowCardinality(String),
    raw String,
    failed_at DateTime64(3, 'UTC'),
    written_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
PARTITION BY toYYYYMM(failed_at)
ORDER BY dead_letter_id
SETTINGS non_replicated_deduplication_window = 1000;
