-- Rollups the boards read, and the analysts' views (the contract: v_* names and columns).
--
-- A materialized view sees every insert block, replays and re-crawls included, and only that
-- block. So no rollup here counts rows: each keeps a state that the same row inserted again
-- cannot change —
--   argMax(value, event time)  for "last" (followers, a post's latest interactions),
--   min(event time) per identity for "first detected" (risk hits, dead letters),
--   uniqExact(identity)         for counts of distinct things (anomalies),
-- and is keyed by the event's own time (captured_at, published_at, detected_at, observed_at,
-- failed_at), never by insert time, so a late event lands in its own day or hour.
-- Where a count must follow the base table's "first detection wins" (risk hits, dead letters)
-- the rollup keeps one slim row per identity and the view buckets it; everything else is
-- merged per account per day. The v_* views do the final merge (…Merge / GROUP BY) and are what
-- boards and analysts read. The one exception is pipeline throughput (rollup_pipeline_writes):
-- it counts writes, so a replay's rows are counted again there, on purpose (they are load).
-- Every target sets its own non_replicated_deduplication_window: a retried identical block is
-- dropped by the base table and never reaches the views.

-- per account × day: the last snapshot's followers (argMax by captured_at)
CREATE TABLE IF NOT EXISTS rollup_account_followers_daily
(
    day Date,
    account_key String,
    platform SimpleAggregateFunction(max, LowCardinality(String)),
    account_kind SimpleAggregateFunction(max, LowCardinality(String)),
    org_unit SimpleAggregateFunction(max, String),
    team SimpleAggregateFunction(max, String),
    followers AggregateFunction(argMax, UInt64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (account_key, day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_account_followers_daily
TO rollup_account_followers_daily AS
SELECT
    toDate(captured_at) AS day,
    account_key,
    max(platform) AS platform,
    max(kind) AS account_kind,
    max(org_unit) AS org_unit,
    max(team) AS team,
    argMaxState(followers, captured_at) AS followers
FROM account_snapshots
GROUP BY day, account_key;

-- per account: the latest snapshot (argMax by captured_at), for v_accounts_latest
CREATE TABLE IF NOT EXISTS rollup_account_latest
(
    account_key String,
    platform SimpleAggregateFunction(max, LowCardinality(String)),
    account_kind SimpleAggregateFunction(max, LowCardinality(String)),
    org_unit SimpleAggregateFunction(max, String),
    team SimpleAggregateFunction(max, String),
    name AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    status AggregateFunction(argMax, LowCardinality(String), DateTime64(3, 'UTC')),
    verified AggregateFunction(argMax, Bool, DateTime64(3, 'UTC')),
    followers AggregateFunction(argMax, UInt64, DateTime64(3, 'UTC')),
    last_captured_at SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY account_key
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_account_latest
TO rollup_account_latest AS
SELECT
    account_key,
    max(platform) AS platform,
    max(kind) AS account_kind,
    max(org_unit) AS org_unit,
    max(team) AS team,
    argMaxState(name, captured_at) AS name,
    argMaxState(status, captured_at) AS status,
    argMaxState(verified, captured_at) AS verified,
    argMaxState(followers, captured_at) AS followers,
    max(captured_at) AS last_captured_at
FROM account_snapshots
GROUP BY account_key;

-- per account × publication day × post: interactions at the post's latest capture
-- (argMax by captured_at). Re-crawls update the state; the views count and sum per post.
CREATE TABLE IF NOT EXISTS rollup_post_daily
(
    day Date,
    account_key String,
    post_id String,
    platform SimpleAggregateFunction(max, LowCardinality(String)),
    account_kind SimpleAggregateFunction(max, LowCardinality(String)),
    org_unit SimpleAggregateFunction(max, String),
    team SimpleAggregateFunction(max, String),
    interactions AggregateFunction(argMax, UInt64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (account_key, day, post_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_post_daily
TO rollup_post_daily AS
SELECT
    toDate(published_at) AS day,
    account_key,
    post_id,
    max(platform) AS platform,
    max(account_kind) AS account_kind,
    max(org_unit) AS org_unit,
    max(team) AS team,
    argMaxState(toUInt64(likes + comments + shares + favorites), captured_at) AS interactions
FROM posts
GROUP BY day, account_key, post_id;

-- one slim row per risk-hit identity (risk_hits' own key) with its first detection.
-- A rescoring (every re-crawl) re-emits the hit with a later detected_at: min() keeps the first,
-- as risk_hits FINAL does, so the hit is counted once, in the hour it was first detected.
CREATE TABLE IF NOT EXISTS rollup_risk_hits
(
    account_key String,
    item_type LowCardinality(String),
    item_id String,
    rule_id LowCardinality(String),
    field LowCardinality(String),
    span_start UInt32,
    lexicon_version LowCardinality(String),
    platform SimpleAggregateFunction(max, LowCardinality(String)),
    account_kind SimpleAggregateFunction(max, LowCardinality(String)),
    org_unit SimpleAggregateFunction(max, String),
    team SimpleAggregateFunction(max, String),
    category SimpleAggregateFunction(max, LowCardinality(String)),
    severity SimpleAggregateFunction(max, LowCardinality(String)),
    first_detected_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY tuple()
ORDER BY (account_key, item_type, item_id, rule_id, field, span_start, lexicon_version)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_risk_hits
TO rollup_risk_hits AS
SELECT
    account_key, item_type, item_id, rule_id, field, span_start, lexicon_version,
    max(platform) AS platform,
    max(account_kind) AS account_kind,
    max(org_unit) AS org_unit,
    max(team) AS team,
    max(category) AS category,
    max(severity) AS severity,
    min(detected_at) AS first_detected_at
FROM risk_hits
GROUP BY account_key, item_type, item_id, rule_id, field, span_start, lexicon_version;

-- per account × day of observed_at: distinct firing anomaly transitions (anomaly_id is
-- deterministic, so a replayed transition is the same id)
CREATE TABLE IF NOT EXISTS rollup_anomalies_daily
(
    day Date,
    account_key String,
    platform SimpleAggregateFunction(max, LowCardinality(String)),
    account_kind SimpleAggregateFunction(max, LowCardinality(String)),
    org_unit SimpleAggregateFunction(max, String),
    team SimpleAggregateFunction(max, String),
    anomalies AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (account_key, day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_anomalies_daily
TO rollup_anomalies_daily AS
SELECT
    toDate(observed_at) AS day,
    account_key,
    max(platform) AS platform,
    max(account_kind) AS account_kind,
    max(org_unit) AS org_unit,
    max(team) AS team,
    uniqExactState(anomaly_id) AS anomalies
FROM account_anomalies
WHERE state = 'firing'
GROUP BY day, account_key;

-- one slim row per dead letter (dead_letter_id is deterministic) with its first failure
CREATE TABLE IF NOT EXISTS rollup_dead_letters
(
    dead_letter_id String,
    stage SimpleAggregateFunction(max, LowCardinality(String)),
    reason SimpleAggregateFunction(max, LowCardinality(String)),
    source_topic SimpleAggregateFunction(max, LowCardinality(String)),
    first_failed_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY dead_letter_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_dead_letters
TO rollup_dead_letters AS
SELECT
    dead_letter_id,
    max(stage) AS stage,
    max(reason) AS reason,
    max(source_topic) AS source_topic,
    min(failed_at) AS first_failed_at
FROM dead_letters
GROUP BY dead_letter_id;

-- rows written per table per minute of written_at (tables without it: their processing time,
-- scored_at / detected_at / received_at). Counts writes: a replay's rows are written again.
CREATE TABLE IF NOT EXISTS rollup_pipeline_writes
(
    minute DateTime('UTC'),
    table_name LowCardinality(String),
    events SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (table_name, minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_account_snapshots TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(written_at, 'UTC')) AS minute,
       'account_snapshots' AS table_name, count() AS events
FROM account_snapshots GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_posts TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(written_at, 'UTC')) AS minute,
       'posts' AS table_name, count() AS events
FROM posts GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_post_metrics TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(written_at, 'UTC')) AS minute,
       'post_metrics' AS table_name, count() AS events
FROM post_metrics GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_comments TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(written_at, 'UTC')) AS minute,
       'comments' AS table_name, count() AS events
FROM comments GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_dead_letters TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(written_at, 'UTC')) AS minute,
       'dead_letters' AS table_name, count() AS events
FROM dead_letters GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_content_scores TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(scored_at, 'UTC')) AS minute,
       'content_scores' AS table_name, count() AS events
FROM content_scores GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_risk_hits TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(detected_at, 'UTC')) AS minute,
       'risk_hits' AS table_name, count() AS events
FROM risk_hits GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_account_anomalies TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(detected_at, 'UTC')) AS minute,
       'account_anomalies' AS table_name, count() AS events
FROM account_anomalies GROUP BY minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS mv_writes_alerts TO rollup_pipeline_writes AS
SELECT toStartOfMinute(toDateTime(received_at, 'UTC')) AS minute,
       'alerts' AS table_name, count() AS events
FROM alerts GROUP BY minute;

-- ───────────────────────── views: the contract ─────────────────────────

-- one row per account × day with any snapshot, post, risk hit or anomaly that day.
-- followers is NULL on a day without a snapshot. The dimensions are the enrichment the day's
-- events carried (the greatest value if it changed within the day).
CREATE VIEW IF NOT EXISTS v_account_daily AS
SELECT
    day,
    account_key,
    toString(max(platform)) AS platform,
    toString(max(account_kind)) AS account_kind,
    toString(max(org_unit)) AS org_unit,
    toString(max(team)) AS team,
    max(followers) AS followers,
    sum(posts) AS posts,
    sum(interactions) AS interactions,
    sum(hits_critical) AS risk_hits_critical,
    sum(hits_high) AS risk_hits_high,
    sum(hits_medium) AS risk_hits_medium,
    sum(hits_low) AS risk_hits_low,
    sum(anomaly_count) AS anomalies
FROM
(
    SELECT day, account_key, toString(max(platform)) AS platform, toString(max(account_kind)) AS account_kind,
           toString(max(org_unit)) AS org_unit, toString(max(team)) AS team,
           toNullable(argMaxMerge(followers)) AS followers,
           toUInt64(0) AS posts, toUInt64(0) AS interactions,
           toUInt64(0) AS hits_critical, toUInt64(0) AS hits_high, toUInt64(0) AS hits_medium,
           toUInt64(0) AS hits_low, toUInt64(0) AS anomaly_count
    FROM rollup_account_followers_daily
    GROUP BY day, account_key
    UNION ALL
    SELECT day, account_key, max(platform), max(account_kind), max(org_unit), max(team),
           CAST(NULL AS Nullable(UInt64)), count(), sum(post_interactions),
           0, 0, 0, 0, 0
    FROM
    (
        SELECT day, account_key, post_id, toString(max(platform)) AS platform,
               toString(max(account_kind)) AS account_kind, toString(max(org_unit)) AS org_unit, toString(max(team)) AS team,
               argMaxMerge(interactions) AS post_interactions
        FROM rollup_post_daily
        GROUP BY day, account_key, post_id
    )
    GROUP BY day, account_key
    UNION ALL
    SELECT toDate(first) AS day, account_key, max(platform), max(account_kind), max(org_unit),
           max(team), CAST(NULL AS Nullable(UInt64)), 0, 0,
           uniqExactIf((item_type, item_id, rule_id), severity = 'critical'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'high'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'medium'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'low'),
           0
    FROM
    (
        SELECT account_key, item_type, item_id, rule_id, field, span_start, lexicon_version,
               toString(max(platform)) AS platform, toString(max(account_kind)) AS account_kind,
               toString(max(org_unit)) AS org_unit, toString(max(team)) AS team, toString(max(severity)) AS severity,
               min(first_detected_at) AS first
        FROM rollup_risk_hits
        GROUP BY account_key, item_type, item_id, rule_id, field, span_start, lexicon_version
    )
    GROUP BY day, account_key
    UNION ALL
    SELECT day, account_key, max(platform), max(account_kind), max(org_unit), max(team),
           CAST(NULL AS Nullable(UInt64)), 0, 0, 0, 0, 0, 0, uniqExactMerge(anomalies)
    FROM rollup_anomalies_daily
    GROUP BY day, account_key
)
GROUP BY day, account_key;

-- v_account_daily summed per org unit × team × platform × account kind × day.
-- accounts = accounts with any activity that day; followers = sum of each account's last
-- followers that day (accounts without a snapshot that day add 0).
CREATE VIEW IF NOT EXISTS v_org_daily AS
SELECT
    day, org_unit, team, platform, account_kind,
    count() AS accounts,
    sum(ifNull(followers, 0)) AS followers,
    sum(posts) AS posts,
    sum(interactions) AS interactions,
    sum(risk_hits_critical + risk_hits_high + risk_hits_medium + risk_hits_low) AS risk_hits,
    sum(anomalies) AS anomalies
FROM v_account_daily
GROUP BY day, org_unit, team, platform, account_kind;

-- distinct risk hits (item × rule × field × span) per hour of first detection
CREATE VIEW IF NOT EXISTS v_risk_hits_hourly AS
SELECT
    toStartOfHour(toDateTime(first, 'UTC')) AS hour,
    category, severity, org_unit, account_kind,
    uniqExact(item_type, item_id, rule_id, field, span_start) AS hits
FROM
(
    SELECT account_key, item_type, item_id, rule_id, field, span_start, lexicon_version,
           toString(max(category)) AS category, toString(max(severity)) AS severity, toString(max(org_unit)) AS org_unit,
           toString(max(account_kind)) AS account_kind, min(first_detected_at) AS first
    FROM rollup_risk_hits
    GROUP BY account_key, item_type, item_id, rule_id, field, span_start, lexicon_version
)
GROUP BY hour, category, severity, org_unit, account_kind;

-- one shape for both: writes (stage 'sink', table_or_topic = table, reason '', events = rows
-- written that minute) and dead letters (stage and reason of the failure, table_or_topic =
-- the source topic, dead_letters = distinct dead letters first failing that minute)
CREATE VIEW IF NOT EXISTS v_pipeline_minutely AS
SELECT minute, stage, table_or_topic, sum(events) AS events, sum(dls) AS dead_letters, reason
FROM
(
    SELECT minute, 'sink' AS stage, toString(table_name) AS table_or_topic,
           sum(events) AS events, toUInt64(0) AS dls, '' AS reason
    FROM rollup_pipeline_writes
    GROUP BY minute, table_name
    UNION ALL
    SELECT toStartOfMinute(toDateTime(first, 'UTC')), toString(stage), toString(source_topic),
           toUInt64(0), count(), toString(reason)
    FROM
    (
        SELECT dead_letter_id, max(stage) AS stage, max(reason) AS reason,
               max(source_topic) AS source_topic, min(first_failed_at) AS first
        FROM rollup_dead_letters
        GROUP BY dead_letter_id
    )
    GROUP BY 1, 2, 3, 6
)
GROUP BY minute, stage, table_or_topic, reason;

-- the registry row and the latest snapshot, one row per account (registered or seen).
-- An account without a snapshot yet has status '' and captured_at 1970-01-01; an account seen
-- but not registered has imported_at 1970-01-01 and the enrichment its snapshots carried.
-- Owner contact fields (mobile, e-mail, WeCom) stay in `accounts`.
CREATE VIEW IF NOT EXISTS v_accounts_latest AS
SELECT
    account_key,
    if(r.platform != '', r.platform, s.platform) AS platform,
    r.platform_account_id AS platform_account_id,
    r.display_name AS display_name,
    if(r.account_key != '', r.kind, s.account_kind) AS kind,
    if(r.account_key != '', r.org_unit, s.org_unit) AS org_unit,
    if(r.account_key != '', r.team, s.team) AS team,
    r.owner AS owner,
    r.expected_verification_subject AS expected_verification_subject,
    r.competitor_group AS competitor_group,
    r.imported_at AS imported_at,
    s.name AS name,
    s.status AS status,
    s.verified AS verified,
    s.followers AS followers,
    s.captured_at AS captured_at
FROM (SELECT * FROM accounts FINAL) AS r
FULL OUTER JOIN
(
    SELECT account_key, toString(max(platform)) AS platform, toString(max(account_kind)) AS account_kind,
           toString(max(org_unit)) AS org_unit, toString(max(team)) AS team,
           argMaxMerge(name) AS name, toString(argMaxMerge(status)) AS status,
           argMaxMerge(verified) AS verified, argMaxMerge(followers) AS followers,
           CAST(max(last_captured_at) AS DateTime64(3, 'UTC')) AS captured_at
    FROM rollup_account_latest
    GROUP BY account_key
) AS s USING (account_key)
SETTINGS join_use_nulls = 0;

-- the latest capture of every post (posts FINAL), with interactions = likes + comments +
-- shares + favorites
CREATE VIEW IF NOT EXISTS v_posts_latest AS
SELECT
    post_id, account_key, platform, kind, title, text, tags, url, published_at, captured_at,
    views, likes, comments, shares, favorites,
    toUInt64(likes + comments + shares + favorites) AS interactions,
    account_kind, org_unit, team
FROM posts FINAL;
