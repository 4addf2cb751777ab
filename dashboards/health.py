"""矩阵体检 (matrixguard-health): the four dimension scores and overall, their distribution,
the worst accounts, findings and suggestions, and the trend per org unit."""

from __future__ import annotations

from typing import Any

from dashboards.board import (
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

LATEST = f"account_health_latest WHERE {filters()}"
DIMENSION_CN = {"brand": "品牌", "authorization": "授权", "compliance": "合规",
                "operations": "运营"}


def build() -> dict[str, Any]:
    b = Board(UID_HEALTH, "矩阵体检", description="自有账号四维体检：品牌、授权、合规、运营",
              time_from="now-30d", refresh="5m", tags=["体检"])
    b.builder.variables(filter_variables()).links(board_links())

    b.row("最新体检")
    for title, col in (("综合得分", "overall"), ("品牌", "brand_score"),
                       ("授权", "authorization_score"), ("合规", "compliance_score"),
                       ("运营", "operations_score")):
        b.add(stat_panel(f"平均{title}" if title != "综合得分" else "平均综合得分",
                         f"SELECT round(avg({col}), 1) AS `{title}` FROM {LATEST}"), 4, 4)
    b.add(stat_panel("问题账号", f"SELECT countIf(finding_count > 0) AS `账号数` FROM {LATEST}"),
          4, 4)

    b.add(bar_panel("得分分布", f"""
SELECT multiIf(overall >= 90, '90-100', overall >= 80, '80-89', overall >= 60, '60-79',
               '0-59') AS `分段`, count() AS `账号数`
FROM {LATEST}
GROUP BY `分段` ORDER BY `分段` DESC"""), 8, 8)
    b.add(bar_panel("四维平均分", f"""
SELECT round(avg(brand_score), 1) AS `品牌`, round(avg(authorization_score), 1) AS `授权`,
       round(avg(compliance_score), 1) AS `合规`, round(avg(operations_score), 1) AS `运营`,
       round(avg(overall), 1) AS `综合`
FROM {LATEST}""", max_val=100), 8, 8)
    b.add(bar_panel("各机构平均综合得分（最低 10 个）", f"""
SELECT org_unit AS `机构`, round(avg(overall), 1) AS `综合得分`
FROM {LATEST}
GROUP BY org_unit ORDER BY `综合得分` LIMIT 10""", max_val=100), 8, 8)

    b.row("账号与问题")
    b.add(table_panel("得分最低账号", f"""
SELECT account_key AS `账号`, display_name AS `名称`, {cn('platform', PLATFORM_CN)} AS `平台`,
       {cn('account_kind', KIND_CN)} AS `账号类型`, org_unit AS `机构`, owner AS `负责人`,
       overall AS `综合`, brand_score AS `品牌`, authorization_score AS `授权`,
       compliance_score AS `合规`, operations_score AS `运营`, level AS `等级`,
       finding_count AS `问题数`, overall_note AS `说明`, run_at AS `体检时间`
FROM {LATEST}
ORDER BY overall, finding_count DESC LIMIT 50""",
                            links=[link("风险雷达", f"/d/{UID_RISK}?var-account=${{__data.fields"
                                   "[\"账号\"]}"),
                                   link("账号详情", f"/d/{UID_OVERVIEW}?var-account=${{__data"
                                   ".fields[\"账号\"]}")]), 24, 9)
    b.add(table_panel("问题与整改建议", f"""
SELECT account_key AS `账号`, display_name AS `名称`, org_unit AS `机构`, owner AS `负责人`,
       {cn("JSONExtractString(f, 'dimension')", DIMENSION_CN)} AS `维度`,
       {cn("JSONExtractString(f, 'severity')", SEVERITY_CN)} AS `等级`,
       JSONExtractInt(f, 'points') AS `扣分`, JSONExtractString(f, 'title') AS `问题`,
       JSONExtractString(f, 'message') AS `详情`, JSONExtractString(f, 'suggestion') AS `整改建议`
FROM (SELECT * FROM {LATEST})
ARRAY JOIN JSONExtractArrayRaw(findings) AS f
ORDER BY `扣分` DESC, overall LIMIT 500"""), 24, 10)

    b.row("趋势")
    b.add(ts_panel("各机构综合得分趋势", f"""
SELECT $__timeInterval(run_at) AS time, splitByChar('/', org_unit)[1] AS `机构`,
       round(avg(overall), 1) AS `综合得分`
FROM account_health
WHERE $__timeFilter(run_at) AND {filters()}
GROUP BY time, `机构` ORDER BY time""", axis="综合得分"), 12, 9)
    b.add(ts_panel("四维得分趋势", f"""
SELECT $__timeInterval(run_at) AS time, round(avg(brand_score), 1) AS `品牌`,
       round(avg(authorization_score), 1) AS `授权`, round(avg(compliance_score), 1) AS `合规`,
       round(avg(operations_score), 1) AS `运营`, round(avg(overall), 1) AS `综合`
FROM account_health
WHERE $__timeFilter(run_at) AND {filters()}
GROUP BY time ORDER BY time""", axis="得分"), 12, 9)
    return b.build()
