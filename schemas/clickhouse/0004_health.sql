-- Health check (矩阵体检): one row per own account per run, and one row per run.
-- Plain MergeTree: every run is history (scores over time), never replaced. Ordered by org unit
-- first so "trend of one org unit" reads a key range (startsWith(org_unit, '杭州分行') uses the
-- primary key); "latest per account" is account_health_latest (LIMIT 1 BY account_key).
-- overall = weighted mean of the four scores, capped at 59 with a critical finding and at 89
-- with a high one (overall_note says so). `findings` is a JSON array of {dimension, code,
-- severity, points, title, message, suggestion} (read it with
-- arrayJoin(JSONExtractArrayRaw(findings)) and JSONExtract…); `finding_codes` lists the codes
-- for has(finding_codes, 'subject_mismatch') filters.

CREATE TABLE IF NOT EXISTS account_health
(
    run_id String,
    run_at DateTime64(3, 'UTC'),
    trigger LowCardinality(String),
    account_key String,
    platform LowCardinality(String),
    account_kind LowCardinality(String),
    org_unit String,
    team String,
    owner String,
    display_name String,
    brand_score UInt8,
    authorization_score UInt8,
    compliance_score UInt8,
    operations_score UInt8,
    overall UInt8,
    level LowCardinality(String),
    overall_note String,
    finding_count UInt16,
    finding_codes Array(LowCardinality(String)),
    findings String,
    INDEX run_id_idx run_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(run_at)
ORDER BY (org_unit, account_key, run_at)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS health_runs
(
    run_id String,
    run_at DateTime64(3, 'UTC'),
    trigger LowCardinality(String),
    org_filter String,
    kind_filter LowCardinality(String),
    accounts UInt32,
    mean_overall Float64,
    findings UInt32,
    seconds Float64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(run_at)
ORDER BY (run_at, run_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS account_health_latest AS
SELECT *
FROM account_health
ORDER BY run_at DESC
LIMIT 1 BY account_key;
