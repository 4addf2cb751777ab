"""矩阵总览 (matrixguard-overview): accounts, followers, posts and interactions of the matrix over
the time range, their trends by org unit and by platform, growth, the best and worst accounts,
and the per-account detail (明细数据). The risk and health boards link here with
``?var-account=…``: every panel reads ``v_account_daily`` filtered by all five variables, so a
set account narrows every panel to it."""

from __future__ import annotations

from typing import Any

from dashboards.board import (
    KIND_CN,
    PLATFORM_CN,
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

STATUS_CN = {"active": "正常", "restricted": "受限", "banned": "封禁", "deleted": "已注销",
             "private": "私密", "": "未采集"}

# the days of the time range (the view is per day: a day counts when it overlaps the range)
DAILY = (f"v_account_daily WHERE day >= toDate($__fromTime) AND day <= toDate($__toTime)"
         f" AND {filters()}")
# per account over the range: followers at the first and last snapshot day, posts, interactions
PER_ACCOUNT = f"""
SELECT account_key, any(platform) AS platform, any(account_kind) AS account_kind,
       any(org_unit) AS org_unit, any(team) AS team,
       toInt64(argMaxIf(assumeNotNull(followers), day, followers IS NOT NULL)) AS followers_end,
       toInt64(argMinIf(assumeNotNull(followers), day, followers IS NOT NULL)) AS followers_start,
       followers_end - followers_start AS growth,
       sum(posts) AS posts, sum(interactions) AS interactions,
       sum(risk_hits_critical + risk_hits_high + risk_hits_medium + risk_hits_low) AS risk_hits,
       sum(anomalies) AS anomalies
FROM {DAILY}
GROUP BY account_key"""
ACCOUNT_LINK = "${__data.fields[\"账号\"]}"


def _series(title: str, value: str, by: str, label: str, *, axis: str,
            where: str = "", bars: bool = False) -> Any:
    return ts_panel(title, f"""
SELECT toDateTime(day) AS time, {by} AS `{label}`, {value} AS `{axis}`
FROM {DAILY}{where}
GROUP BY time, `{label}` ORDER BY time""", axis=axis, stack=True, bars=bars,
                    description="按天汇总（v_account_daily）")


def _ranking(title: str, column: str, label: str, order: str, description: str) -> Any:
    return bar_panel(title, f"""
SELECT account_key AS `账号`, {column} AS `{label}`
FROM ({PER_ACCOUNT})
ORDER BY `{label}` {order}, account_key LIMIT 10""", description=description)


def build() -> dict[str, Any]:
    b = Board(UID_OVERVIEW, "矩阵总览",
              description="矩阵账号的粉丝、作品、互动：趋势、增长、排行与明细",
              time_from="now-30d", refresh="5m", tags=["总览"])
    b.builder.variables(filter_variables()).links(board_links())

    b.row("概况")
    b.add(stat_panel("账号数", f"SELECT uniqExact(account_key) AS `账号数` FROM {DAILY}",
                     description="时间范围内有快照、作品、命中或异常的账号"), 4, 4)
    b.add(stat_panel("粉丝数（期末）",
                     f"SELECT sum(followers_end) AS `粉丝数` FROM ({PER_ACCOUNT})",
                     description="各账号时间范围内最后一次快照的粉丝数之和"), 5, 4)
    b.add(stat_panel("粉丝净增", f"SELECT sum(growth) AS `净增` FROM ({PER_ACCOUNT})",
                     description="各账号期末粉丝数减期初粉丝数（范围内首末快照日）之和"), 5, 4)
    b.add(stat_panel("发布作品", f"SELECT sum(posts) AS `作品数` FROM {DAILY}",
                     description="按发布日计"), 5, 4)
    b.add(stat_panel("互动量", f"SELECT sum(interactions) AS `互动量` FROM {DAILY}",
                     description="点赞+评论+转发+收藏（作品最近一次采集）"), 5, 4)

    org = "splitByChar('/', org_unit)[1]"
    plat = cn("platform", PLATFORM_CN)
    b.row("趋势（按机构 / 按平台）")
    b.add(_series("粉丝数（按机构）", "sum(followers)", org, "机构", axis="粉丝数",
                  where=" AND followers IS NOT NULL"), 12, 8)
    b.add(_series("粉丝数（按平台）", "sum(followers)", plat, "平台", axis="粉丝数",
                  where=" AND followers IS NOT NULL"), 12, 8)
    b.add(_series("发布作品（按机构）", "sum(posts)", org, "机构", axis="作品数", bars=True), 12, 8)
    b.add(_series("发布作品（按平台）", "sum(posts)", plat, "平台", axis="作品数",
                  bars=True), 12, 8)
    b.add(_series("互动量（按机构）", "sum(interactions)", org, "机构", axis="互动量",
                  bars=True), 12, 8)
    b.add(_series("互动量（按平台）", "sum(interactions)", plat, "平台", axis="互动量",
                  bars=True), 12, 8)

    b.row("增长与排行")
    b.add(bar_panel("粉丝净增（按机构）", f"""
SELECT {org} AS `机构`, sum(growth) AS `净增`
FROM ({PER_ACCOUNT})
GROUP BY `机构` ORDER BY `净增` DESC LIMIT 20""", description="期末减期初粉丝数"), 8, 10)
    b.add(bar_panel("粉丝净增（按平台）", f"""
SELECT {plat} AS `平台`, sum(growth) AS `净增`, sum(followers_start) AS `期初`,
       sum(followers_end) AS `期末`
FROM ({PER_ACCOUNT})
GROUP BY `平台` ORDER BY `净增` DESC""", description="期末减期初粉丝数"), 8, 10)
    b.add(_ranking("粉丝增长最多 10 个账号", "growth", "净增", "DESC",
                   "期末减期初粉丝数最大的账号"), 8, 10)
    b.add(_ranking("粉丝增长最少 10 个账号", "growth", "净增", "ASC",
                   "期末减期初粉丝数最小（含掉粉）的账号"), 8, 10)
    b.add(_ranking("互动量最高 10 个账号", "interactions", "互动量", "DESC",
                   "时间范围内发布作品的互动量合计"), 8, 10)
    b.add(_ranking("互动量最低 10 个账号", "interactions", "互动量", "ASC",
                   "时间范围内发布作品的互动量合计（含零互动）"), 8, 10)

    b.row("明细数据")
    b.add(table_panel("明细数据", f"""
WITH d AS ({PER_ACCOUNT})
SELECT d.account_key AS `账号`, if(a.display_name != '', a.display_name, a.name) AS `名称`,
       {cn('d.platform', PLATFORM_CN)} AS `平台`, {cn('d.account_kind', KIND_CN)} AS `账号类型`,
       d.org_unit AS `机构`, d.team AS `团队`, a.owner AS `负责人`,
       {cn('a.status', STATUS_CN)} AS `状态`, if(a.verified, '是', '否') AS `认证`,
       d.followers_start AS `期初粉丝`, d.followers_end AS `期末粉丝`, d.growth AS `粉丝净增`,
       round(100 * d.growth / greatest(d.followers_start, 1), 2) AS `增长率%`,
       d.posts AS `作品数`, d.interactions AS `互动量`,
       round(d.interactions / greatest(d.posts, 1), 1) AS `篇均互动`,
       d.risk_hits AS `风险命中`, d.anomalies AS `异常数`, a.captured_at AS `最近采集`
FROM d
LEFT JOIN (SELECT account_key, display_name, name, owner, status, verified, captured_at
           FROM v_accounts_latest
           WHERE {filters(kind='kind')}) AS a ON a.account_key = d.account_key
ORDER BY `互动量` DESC, `账号` LIMIT 1000""",
                      description="每个账号在时间范围内的汇总；点击账号查看风险雷达、矩阵体检或只看该账号",
                      links=[link("只看此账号", f"/d/{UID_OVERVIEW}?var-account={ACCOUNT_LINK}"
                                  "&${__url_time_range}"),
                             link("风险雷达", f"/d/{UID_RISK}?var-account={ACCOUNT_LINK}"),
                             link("矩阵体检", f"/d/{UID_HEALTH}?var-account={ACCOUNT_LINK}")]),
          24, 12)
    return b.build()
