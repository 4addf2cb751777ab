"""竞品监测 (matrixguard-competitors): 竞品动态 — competitors' new posts, high-interaction posts
(interaction rate normalised by followers and age, ``agents.competitors.engagement``) and the
tags rising against the previous period; 竞品对比 — own accounts by org unit (and by team)
against the competitor groups on data performance, content production and operating preference
(``agents.competitors.compare``).

Hot topics from the posts' text need Chinese segmentation, which SQL cannot do: the jieba-based
words and phrases rising against their baseline, with the posts behind each, are computed by
``agents.competitors.topics.hot_topics`` (reports, CLI). The board shows the tags (``tags``)
rising in competitor posts against the previous period of the same length instead, scored with
the same smoothed log-ratio.

The 竞品分组 variable narrows the competitor side; 机构/团队/账号 narrow the own side; 平台
narrows both."""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.models import common as mcommon
from grafana_foundation_sdk.models import dashboard as mdash

from agents.competitors.compare import (
    FORMATS,
    Scope,
    content_sql,
    hours_sql,
    performance_sql,
    series_sql,
    tags_sql,
    weekdays_sql,
)
from agents.competitors.engagement import rate_sql
from dashboards.board import (
    PLATFORM_CN,
    Board,
    bar_panel,
    board_links,
    cn,
    filter_variables,
    filters,
    stat_panel,
    table_panel,
)
from dashboards.clickhouse_query import DATASOURCE

UID_COMPETITORS = "matrixguard-competitors"

GROUP_FILTER = ("$__conditionalAll(competitor_group IN (${competitor_group:singlequote}),"
                " $competitor_group)")
PLATFORM_FILTER = "$__conditionalAll(platform IN (${platform:singlequote}), $platform)"
# competitor accounts of the chosen groups and platforms (the registry decides)
COMPETITORS = (f"SELECT account_key FROM accounts FINAL WHERE kind = 'competitor'"
               f" AND {GROUP_FILTER} AND {PLATFORM_FILTER}")
IN_RANGE = "published_at >= $__fromTime AND published_at <= $__toTime"
SCOPE = Scope(by="org", own_where=filters(kind="kind"),
              competitor_where=f"{GROUP_FILTER} AND {PLATFORM_FILTER}")
SCOPE_TEAM = Scope(by="team", own_where=filters(kind="kind"),
                   competitor_where=f"{GROUP_FILTER} AND {PLATFORM_FILTER}")
# competitor posts with their account's registry row and latest followers
COMPETITOR_POSTS = f"""
SELECT p.*, a.display_name AS display_name, a.name AS name,
       toString(a.competitor_group) AS competitor_group, a.followers AS followers
FROM (SELECT * FROM v_posts_latest
      WHERE {IN_RANGE} AND account_key IN ({COMPETITORS})) AS p
LEFT JOIN (SELECT account_key, display_name, name, competitor_group, followers
           FROM v_accounts_latest WHERE kind = 'competitor') AS a
       ON a.account_key = p.account_key"""
ACCOUNT_NAME = "if(display_name != '', display_name, name)"
RATE = rate_sql("interactions", "followers", "published_at")
# tags of competitor posts: this period against the previous one of the same length, scored as
# agents.competitors.topics scores words: recent × ln(rate_recent / rate_previous), smoothed
RISING_TAGS = f"""
WITH p AS (
    SELECT post_id, tags, published_at >= $__fromTime AS recent
    FROM v_posts_latest
    WHERE published_at >= $__fromTime - toIntervalSecond(dateDiff('second', $__fromTime, $__toTime))
      AND published_at <= $__toTime AND account_key IN ({COMPETITORS})
),
n AS (SELECT countIf(recent) AS n_r, countIf(NOT recent) AS n_b FROM p)
SELECT tag AS `话题标签`, r AS `本期作品`, b AS `上期作品`,
       round(r * log(((r + 0.5) / (n.n_r + 1)) / ((b + 0.5) / (n.n_b + 1))), 2) AS `上升得分`,
       round(((r + 0.5) / (n.n_r + 1)) / ((b + 0.5) / (n.n_b + 1)), 2) AS `倍数`
FROM (
    SELECT tag, countIf(recent) AS r, countIf(NOT recent) AS b
    FROM p ARRAY JOIN arrayDistinct(tags) AS tag
    WHERE tag != ''
    GROUP BY tag
) AS t CROSS JOIN n
WHERE r >= 2 AND `上升得分` > 0
ORDER BY `上升得分` DESC, tag LIMIT 30"""


def _group_variable() -> dashboard.QueryVariable:
    return (dashboard.QueryVariable("competitor_group").label("竞品分组").datasource(DATASOURCE)
            .query("SELECT DISTINCT toString(competitor_group) FROM accounts FINAL"
                   " WHERE kind = 'competitor' AND competitor_group != '' ORDER BY 1")
            .multi(True).include_all(True).allow_custom_value(True)
            .refresh(mdash.VariableRefresh.ON_DASHBOARD_LOAD)
            .sort(mdash.VariableSort.ALPHABETICAL_ASC)
            .current(mdash.VariableOption(text="All", value="$__all", selected=True)))


def _heat(panel: Any) -> Any:
    """A table coloured like a heatmap: each cell's background by its value."""
    return (panel.cell_options(mcommon.TableColoredBackgroundCellOptions(
        mode=mcommon.TableCellBackgroundDisplayMode.GRADIENT))
        .color_scheme(dashboard.FieldColor().mode(mdash.FieldColorModeId.CONTINUOUS_BLUES)))


def _bars(title: str, sql: str, column: str, description: str) -> Any:
    return bar_panel(title, f"""
SELECT concat(`方`, '·', `对象`) AS `对象`, `{column}`
FROM ({sql}) ORDER BY `{column}` DESC""", description=description)


def build() -> dict[str, Any]:
    b = Board(UID_COMPETITORS, "竞品监测",
              description="竞品动态（新作品、高互动作品、上升话题）与竞品对比（数据表现、内容生产、运营偏好）",
              time_from="now-7d", refresh="1m", tags=["竞品"])
    b.builder.variables([*filter_variables(), _group_variable()]).links(board_links())

    b.row("竞品动态")
    b.add(stat_panel("竞品新作品", f"SELECT count() AS `作品数` FROM ({COMPETITOR_POSTS})",
                     description="时间范围内竞品账号发布的作品"), 6, 4)
    b.add(stat_panel("发文竞品账号", "SELECT uniqExact(account_key) AS `账号数`"
                     f" FROM ({COMPETITOR_POSTS})"), 6, 4)
    b.add(stat_panel("竞品互动量",
                     f"SELECT sum(interactions) AS `互动量` FROM ({COMPETITOR_POSTS})",
                     description="点赞+评论+转发+收藏（作品最近一次采集）"), 6, 4)
    b.add(stat_panel("竞品篇均互动", "SELECT round(avg(interactions), 1) AS `篇均互动`"
                     f" FROM ({COMPETITOR_POSTS})"), 6, 4)
    b.add(table_panel("竞品最新作品", f"""
SELECT published_at AS `发布时间`, competitor_group AS `竞品分组`, {ACCOUNT_NAME} AS `账号`,
       {cn('platform', PLATFORM_CN)} AS `平台`, {cn('kind', FORMATS)} AS `形式`,
       title AS `标题`, substringUTF8(text, 1, 80) AS `正文`,
       arrayStringConcat(tags, ' ') AS `标签`, interactions AS `互动量`, url AS `链接`
FROM ({COMPETITOR_POSTS})
ORDER BY published_at DESC, post_id LIMIT 200""",
                      description="竞品账号新发布的作品，最新在前（随采集实时到达）"), 24, 10)
    b.add(table_panel("高互动作品（归一化）", f"""
SELECT {ACCOUNT_NAME} AS `账号`, competitor_group AS `竞品分组`,
       {cn('platform', PLATFORM_CN)} AS `平台`, title AS `标题`,
       substringUTF8(text, 1, 60) AS `正文`, published_at AS `发布时间`,
       interactions AS `互动量`, followers AS `粉丝数`,
       round(1000 * {RATE}, 3) AS `归一化互动率‰`, url AS `链接`
FROM ({COMPETITOR_POSTS})
ORDER BY `归一化互动率‰` DESC, post_id LIMIT 50""",
                      description="互动量 ÷ 粉丝数（至少100）÷ log2(1+发布小时数，至少1)，"
                                  "小号的爆款排在大号的普通作品之前"
                                  "（agents/competitors/engagement.py）"), 14, 10)
    b.add(table_panel("上升话题标签（对比上一周期）", RISING_TAGS,
                      description="竞品作品的话题标签：本期与上一等长周期的作品数，"
                                  "得分 = 本期作品 × ln(本期占比 ÷ 上期占比)（平滑）。"
                                  "基于正文分词（jieba）的热点词与短语及其作品见 "
                                  "agents/competitors/topics.py（报表、命令行）"), 10, 10)

    b.row("竞品对比 · 数据表现")
    b.add(table_panel("数据表现（本行按机构 vs 竞品分组）", performance_sql(SCOPE),
                      description="粉丝数为范围内最后快照日；互动率‰ = 1000 × 互动量 ÷ "
                                  "Σ(各账号作品数 × 粉丝数)，即每篇每粉丝互动"), 24, 8)
    b.add(_bars("互动率‰", performance_sql(SCOPE), "互动率‰", "每篇每千粉丝互动"), 8, 9)
    b.add(_bars("篇均互动", performance_sql(SCOPE), "篇均互动", "互动量 ÷ 作品数"), 8, 9)
    b.add(_bars("粉丝增长率%", performance_sql(SCOPE), "增长率%", "粉丝净增 ÷ 期初粉丝数"), 8, 9)
    b.add(table_panel("数据表现（本行按团队 vs 竞品分组）", performance_sql(SCOPE_TEAM)), 24, 8)

    b.row("竞品对比 · 内容生产")
    b.add(table_panel("内容生产（作品数、形式、篇幅、频率）", content_sql(SCOPE),
                      description="形式占比为作品数百分比；字数为正文字符数"), 16, 8)
    b.add(_bars("周均发文/账号", content_sql(SCOPE), "周均发文/账号",
                "作品数 ÷ 发文账号数 ÷ 周数"), 8, 8)

    b.row("竞品对比 · 运营偏好")
    b.add(_heat(table_panel("发布时段（各小时作品占比%，北京时间）", hours_sql(SCOPE),
                            description="各对象作品按发布小时的占比，颜色越深越集中")), 24, 8)
    b.add(_heat(table_panel("发布星期（作品占比%）", weekdays_sql(SCOPE))), 12, 8)
    b.add(table_panel("常用话题标签", tags_sql(SCOPE), description="各对象作品最多的标签"), 12, 8)
    b.add(table_panel("系列栏目", series_sql(SCOPE),
                      description="标题开头【…】标记的系列，各对象作品最多的前10个"), 24, 8)
    return b.build()
