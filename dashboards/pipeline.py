"""管道运行 (matrixguard-pipeline): rows written per minute per table, dead letters by stage and
reason, the sink's write latency, each table's data freshness, and the platform connectors'
crawls (outcome per platform, the accounts whose last crawl failed and why).

ClickHouse sees no Kafka consumer lag; the stand-in is "seconds since the last write" per table
(from the write rollup, minute resolution), titled as what it is. Throughput, dead-letter trends
and freshness are pipeline-wide (``v_pipeline_minutely`` has no account dimensions); the
dead-letter list and the latency follow the platform and account variables."""

from __future__ import annotations

from typing import Any

from dashboards.board import (
    PLATFORM_CN,
    UID_PIPELINE,
    Board,
    bar_panel,
    board_links,
    cn,
    filter_variables,
    filters,
    stat_panel,
    table_panel,
    ts_panel,
)

TABLE_CN = {"account_snapshots": "账号快照", "posts": "作品", "post_metrics": "作品指标",
            "comments": "评论", "dead_letters": "死信", "content_scores": "内容评分",
            "risk_hits": "风险命中", "account_anomalies": "账号异常", "alerts": "告警"}
STAGE_CN = {"crawl": "平台采集", "ingest": "采集入口", "sink": "入库",
            "sensitivity": "敏感词检测", "anomaly": "异常检测", "alerting": "告警"}
OUTCOME_CN = {"ok": "成功", "partial": "部分成功", "account_gone": "账号不可用",
              "rate_limited": "被限流", "auth_failed": "授权失败", "network_error": "网络错误",
              "http_error": "接口错误", "bad_payload": "返回格式错误", "error": "程序错误"}
FAILED_OUTCOMES = "('rate_limited', 'auth_failed', 'network_error', 'http_error', " \
                  "'bad_payload', 'error')"

# a write row: stage 'sink' with events (a dead letter of the sink stage has events = 0)
WRITES = "v_pipeline_minutely WHERE stage = 'sink' AND events > 0 AND $__timeFilter(minute)"
FAILURES = "v_pipeline_minutely WHERE dead_letters > 0 AND $__timeFilter(minute)"
DEAD = (f"dead_letters FINAL WHERE $__timeFilter(failed_at) AND "
        f"{filters(org=None, team=None, kind=None)}")
# write latency: written_at − the envelope's publish time (Kafka produce), per written row
LATENCY = f"""
SELECT written_at, dateDiff('millisecond', published_at, written_at) / 1000 AS latency_s
FROM account_snapshots
WHERE $__timeFilter(written_at) AND {filters(kind='kind')}
UNION ALL
SELECT written_at, (toUnixTimestamp64Milli(written_at) - published_ms) / 1000
FROM posts
WHERE $__timeFilter(written_at) AND published_ms > 0 AND {filters()}"""
# one row per account crawl of a platform connector (pipeline/crawlers)
CRAWLS = (f"crawl_status FINAL WHERE $__timeFilter(started_at) AND "
          f"{filters(org=None, team=None, kind=None)}")
# minute resolution: the rollup's last minute with writes (the true age is up to 59 s less)
FRESHNESS = """
SELECT table_or_topic, max(minute) AS last_minute,
       greatest(0, dateDiff('second', max(minute), now())) AS age_s
FROM v_pipeline_minutely
WHERE stage = 'sink' AND events > 0
GROUP BY table_or_topic"""


def build() -> dict[str, Any]:
    b = Board(UID_PIPELINE, "管道运行", description="入库吞吐、死信、写入延迟与数据新鲜度",
              time_from="now-6h", refresh="30s", tags=["管道"])
    b.builder.variables(filter_variables()).links(board_links())

    b.row("概况")
    b.add(stat_panel("写入行数", f"SELECT sum(events) AS `行数` FROM {WRITES}",
                     description="时间范围内各表写入行数（重放的行再计一次）"), 6, 4)
    b.add(stat_panel("死信数", f"SELECT sum(dead_letters) AS `死信数` FROM {FAILURES}",
                     description="时间范围内首次失败的死信（去重）"), 6, 4)
    b.add(stat_panel("写入延迟 p99", f"SELECT round(quantile(0.99)(latency_s), 2) AS `p99`"
                     f" FROM ({LATENCY})", unit="s",
                     description="账号快照与作品：写入时间 − 消息发布时间"), 6, 4)
    b.add(stat_panel("数据新鲜度（最久未写入秒数）",
                     f"SELECT max(age_s) AS `秒` FROM ({FRESHNESS})", unit="s",
                     description="ClickHouse 看不到 Kafka 消费积压；以各表距最近写入的秒数代替"
                                 "（分钟粒度），取最久的一张表"), 6, 4)

    b.row("吞吐与死信")
    b.add(ts_panel("每分钟写入行数（按表）", f"""
SELECT $__timeInterval(minute) AS time, {cn('table_or_topic', TABLE_CN)} AS `表`,
       sum(events) / greatest(1, $__interval_s / 60) AS `行/分钟`
FROM {WRITES}
GROUP BY time, `表` ORDER BY time""", axis="行/分钟", stack=True,
                   description="写入汇总（v_pipeline_minutely），按写入时间计"), 12, 9)
    b.add(ts_panel("死信（按环节与原因）", f"""
SELECT $__timeInterval(minute) AS time,
       concat({cn('stage', STAGE_CN)}, ' / ', reason) AS `环节/原因`,
       sum(dead_letters) AS `死信数`
FROM {FAILURES}
GROUP BY time, `环节/原因` ORDER BY time""", axis="死信数", stack=True, bars=True,
                   description="按首次失败时间计，同一死信重放不重复计数"), 12, 9)
    b.add(bar_panel("死信（按环节与原因）汇总", f"""
SELECT concat({cn('stage', STAGE_CN)}, ' / ', reason) AS `环节/原因`,
       sum(dead_letters) AS `死信数`
FROM {FAILURES}
GROUP BY `环节/原因` ORDER BY `死信数` DESC LIMIT 20"""), 8, 10)
    b.add(table_panel("死信明细", f"""
SELECT failed_at AS `失败时间`, {cn('stage', STAGE_CN)} AS `环节`, reason AS `原因`,
       error AS `错误`, source_topic AS `来源主题`, source_partition AS `分区`,
       source_offset AS `偏移量`, item_index AS `条目序号`, account_key AS `账号`,
       {cn('platform', PLATFORM_CN)} AS `平台`, substringUTF8(raw, 1, 200) AS `原始消息（前200字）`
FROM {DEAD}
ORDER BY failed_at DESC LIMIT 500""",
                      description="可按平台、账号筛选；原始消息截取前 200 字"), 16, 10)

    b.row("延迟与新鲜度")
    b.add(ts_panel("写入延迟 p50 / p99", f"""
SELECT $__timeInterval(written_at) AS time, round(quantile(0.5)(latency_s), 3) AS `p50`,
       round(quantile(0.99)(latency_s), 3) AS `p99`
FROM ({LATENCY})
GROUP BY time ORDER BY time""", unit="s", axis="秒",
                   description="账号快照与作品：写入时间 − 消息发布时间（Kafka 生产时间）"), 12, 9)
    b.add(bar_panel("数据新鲜度（距最近写入秒数）", f"""
SELECT {cn('table_or_topic', TABLE_CN)} AS `表`, age_s AS `距最近写入（秒）`
FROM ({FRESHNESS})
ORDER BY age_s DESC""", unit="s",
                    description="不是 Kafka 消费积压（ClickHouse 无法看到）：各表距最近一次写入的"
                                "秒数，分钟粒度（实际值最多小 59 秒）；不随时间范围变化"), 12, 9)

    b.row("平台采集")
    b.add(stat_panel("采集失败账号数", f"""
SELECT countIf(outcome IN {FAILED_OUTCOMES}) AS `账号数`
FROM (SELECT account_key, argMax(outcome, started_at) AS outcome FROM {CRAWLS}
      GROUP BY account_key)""", description="最近一次采集失败（限流、授权、网络、接口、格式、"
                                           "程序错误）的账号数；账号不可用单列在风险雷达"), 6, 5)
    b.add(ts_panel("采集次数（按平台与结果）", f"""
SELECT $__timeInterval(started_at) AS time,
       concat({cn('platform', PLATFORM_CN)}, ' / ', {cn('outcome', OUTCOME_CN)}) AS `平台/结果`,
       count() AS `次数`
FROM {CRAWLS}
GROUP BY time, `平台/结果` ORDER BY time""", axis="次数", stack=True, bars=True,
                   description="每个账号每次采集一行：成功、部分成功（含死信）或失败的原因"), 18, 9)
    b.add(table_panel("最近采集失败的账号", f"""
SELECT account_key AS `账号`, {cn('platform', PLATFORM_CN)} AS `平台`,
       {cn('outcome', OUTCOME_CN)} AS `结果`, endpoint AS `接口`, error AS `错误`,
       finished_at AS `时间`, requests AS `请求数`, retries AS `重试数`
FROM (SELECT account_key, argMax(platform, started_at) AS platform,
             argMax(outcome, started_at) AS outcome, argMax(endpoint, started_at) AS endpoint,
             argMax(error, started_at) AS error, max(finished_at) AS finished_at,
             argMax(requests, started_at) AS requests, argMax(retries, started_at) AS retries
      FROM {CRAWLS} GROUP BY account_key)
WHERE outcome != 'ok'
ORDER BY finished_at DESC LIMIT 500""",
                      description="每个账号最近一次采集的结果（不含完全成功的）；"
                                  "接口与错误说明失败在哪、怎么处理"), 16, 10)
    b.add(bar_panel("新采集作品与评论（按平台）", f"""
SELECT {cn('platform', PLATFORM_CN)} AS `平台`, sum(posts_new) AS `新作品`,
       sum(comments_new) AS `新评论`
FROM {CRAWLS}
GROUP BY `平台` ORDER BY `新作品` DESC"""), 8, 10)
    return b.build()
