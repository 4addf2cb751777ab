"""风险雷达 (matrixguard-risk): live risk hits and alerts, abnormal accounts, the offending
text with the matched words, open alerts and silences. Alert pushes link here with
``?var-account=…&var-item=…``; ``viewPanel=HITS_PANEL_ID`` opens the hit list."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import dashboard

from dashboards.board import (
    CATEGORY_CN,
    ITEM_CN,
    KIND_CN,
    PLATFORM_CN,
    SEVERITY_CN,
    UID_HEALTH,
    UID_OVERVIEW,
    UID_RISK,
    Board,
    bar_panel,
    board_links,
    cn,
    filter_variables,
    filters,
    link,
    stat_panel,
    table_panel,
    ts_panel,
)

ITEM = "(${item:singlequote} = '' OR item_id = ${item:singlequote})"
HITS = f"risk_hits FINAL WHERE $__timeFilter(detected_at) AND {filters()} AND {ITEM}"
ANOMALIES = (f"account_anomalies FINAL WHERE $__timeFilter(observed_at) AND {filters()}"
             " AND (${item:singlequote} = '' OR subject = ${item:singlequote})")
OPEN_ALERTS = f"""
SELECT fingerprint, argMax(status, received_at) AS status, any(alertname) AS alertname,
       any(severity) AS severity, any(account_key) AS account_key, any(org_unit) AS org_unit,
       any(owner) AS owner, argMax(title, received_at) AS title,
       argMax(summary, received_at) AS summary, argMax(board_url, received_at) AS board_url,
       min(starts_at) AS starts_at
FROM alerts FINAL
WHERE {filters(team=None, platform=None, kind=None)}
GROUP BY fingerprint
HAVING status = 'firing'"""

HITS_PANEL_ID = 12  # 违规内容明细 (asserted by the tests)


def build() -> dict[str, Any]:
    b = Board(UID_RISK, "风险雷达", description="实时风险命中、账号异常、违规原文与告警",
              time_from="now-24h", refresh="30s", tags=["风险"])
    b.builder.variables([
        *filter_variables(),
        dashboard.TextBoxVariable("item").label("内容ID")
        .description("作品、评论或主页资料的ID（告警推送带入）").default_value(""),
    ]).links(board_links())

    b.row("实时概况")
    b.add(stat_panel("风险命中", f"SELECT count() AS `命中数` FROM {HITS}"), 5, 4)
    b.add(stat_panel("严重/高风险命中", f"SELECT countIf(severity IN ('critical', 'high'))"
                     f" AS `严重及高风险` FROM {HITS}"), 5, 4)
    b.add(stat_panel("涉险账号", f"SELECT uniqExact(account_key) AS `账号数` FROM {HITS}"), 4, 4)
    b.add(stat_panel("异常账号", "SELECT uniqExactIf(account_key, state = 'firing') AS `账号数`"
                     f" FROM {ANOMALIES}"), 5, 4)
    b.add(stat_panel("未恢复告警", f"SELECT count() AS `告警数` FROM ({OPEN_ALERTS})"), 5, 4)

    b.row("趋势")
    b.add(ts_panel("风险命中趋势（按类别）", f"""
SELECT $__timeInterval(detected_at) AS time, {cn('category', CATEGORY_CN)} AS `类别`,
       count() AS `命中数`
FROM {HITS}
GROUP BY time, `类别` ORDER BY time""", axis="命中数", stack=True, bars=True), 12, 8)
    b.add(ts_panel("账号异常趋势（按类型）", f"""
SELECT $__timeInterval(observed_at) AS time, anomaly_type AS `异常类型`, count() AS `异常数`
FROM {ANOMALIES} AND state = 'firing'
GROUP BY time, `异常类型` ORDER BY time""", axis="异常数", stack=True, bars=True), 12, 8)

    b.row("账号与原文")
    b.add(bar_panel("风险最高账号", f"""
SELECT account_key AS `账号`, sum(points) AS `风险分`
FROM {HITS}
GROUP BY account_key ORDER BY `风险分` DESC LIMIT 10""",
                    description="时间范围内命中分值合计最高的 10 个账号"), 8, 10)
    pid = b.add(table_panel("违规内容明细", f"""
WITH h AS (
    SELECT detected_at, account_key, platform, account_kind, org_unit, owner, item_type,
           item_id, field, category, severity, term, span_start, span_end, points, citation,
           suggestion
    FROM {HITS}
    ORDER BY detected_at DESC LIMIT 500
),
src AS (
    SELECT 'post' AS item_type, post_id AS item_id, account_key, title, text, '' AS bio
    FROM posts FINAL WHERE post_id IN (SELECT item_id FROM h WHERE item_type = 'post')
    UNION ALL
    SELECT 'comment', comment_id, account_key, '', text, ''
    FROM comments FINAL WHERE comment_id IN (SELECT item_id FROM h WHERE item_type = 'comment')
    UNION ALL
    SELECT 'profile', account_key, account_key, name, '', bio
    FROM account_snapshots FINAL
    WHERE account_key IN (SELECT item_id FROM h WHERE item_type = 'profile')
    ORDER BY captured_at DESC LIMIT 1 BY account_key
)
SELECT h.detected_at AS `发现时间`, h.account_key AS `账号`,
       {cn('h.platform', PLATFORM_CN)} AS `平台`,
       {cn('h.account_kind', KIND_CN)} AS `账号类型`, h.org_unit AS `机构`, h.owner AS `负责人`,
       {cn('h.item_type', ITEM_CN)} AS `内容类型`, h.item_id AS `内容ID`,
       {cn('h.category', CATEGORY_CN)} AS `类别`, {cn('h.severity', SEVERITY_CN)} AS `等级`,
       h.term AS `命中词`,
       multiIf(h.field = 'title', s.title, h.field = 'bio', s.bio,
               h.field = 'name', s.title, s.text) AS full_text,
       if(full_text = '', h.term, concat(
           substringUTF8(full_text, greatest(1, toInt64(h.span_start) - 29),
                         least(toInt64(h.span_start), 30)),
           '【', substringUTF8(full_text, h.span_start + 1, h.span_end - h.span_start), '】',
           substringUTF8(full_text, h.span_end + 1, 30))) AS `原文（【】为命中）`,
       h.points AS `分值`, h.citation AS `依据`, h.suggestion AS `整改建议`
FROM h LEFT JOIN src AS s ON s.item_type = h.item_type AND s.item_id = h.item_id
     AND s.account_key = h.account_key
ORDER BY `发现时间` DESC""", description="命中词在原文中以【】标出；告警推送以 var-item 定位到内容",
                               links=[link("账号详情（矩阵总览）", f"/d/{UID_OVERVIEW}"
                                      "?var-account=${__data.fields[\"账号\"]}&${__url_time_range}"),
                                      link("账号体检", f"/d/{UID_HEALTH}"
                                      "?var-account=${__data.fields[\"账号\"]}")]), 16, 10)
    assert pid == HITS_PANEL_ID, pid

    b.row("异常、告警与静默")
    b.add(table_panel("账号异常", f"""
SELECT observed_at AS `发生时间`, account_key AS `账号`, {cn('platform', PLATFORM_CN)} AS `平台`,
       org_unit AS `机构`, owner AS `负责人`, title AS `异常`, anomaly_type AS `类型`,
       {cn('severity', SEVERITY_CN)} AS `等级`, if(state = 'firing', '发生', '已恢复') AS `状态`,
       before AS `变化前`, after AS `变化后`
FROM {ANOMALIES}
ORDER BY observed_at DESC LIMIT 500"""), 24, 8)
    b.add(table_panel("未恢复告警", f"""
SELECT starts_at AS `开始时间`, alertname AS `告警`, {cn('severity', SEVERITY_CN)} AS `等级`,
       account_key AS `账号`, org_unit AS `机构`, owner AS `负责人`, title AS `标题`,
       summary AS `摘要`, board_url AS `链接`
FROM ({OPEN_ALERTS})
ORDER BY starts_at DESC LIMIT 200"""), 16, 8)
    b.add(table_panel("生效中的静默", """
SELECT silence_id AS `静默ID`, arrayStringConcat(matchers, ', ') AS `匹配条件`,
       starts_at AS `开始`, ends_at AS `结束`, created_by AS `创建人`, comment AS `说明`
FROM silences FINAL
WHERE ends_at > now()
ORDER BY ends_at"""), 8, 8)
    return b.build()
