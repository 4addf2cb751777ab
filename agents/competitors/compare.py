"""竞品对比: own accounts (by org unit or team) against competitor groups, side by side on the
three axes the seed names. Each function returns one ClickHouse query over the analysts' views
(``v_account_daily``, ``v_posts_latest``) and the registry (``accounts FINAL``); the 竞品监测
board runs them with Grafana's macros, the tests with literal times.

Every query has one row per compared group: ``方`` is 本行 or 竞品, ``对象`` the group —
for own accounts the first level of the org unit (``by="org"``), the whole org unit
(``"org_unit"``), the team (``"team"``) or everything (``"all"``); for competitors their
``competitor_group`` (全国性银行 / 优质地方银行 / 本地金融机构). The registry decides which
side an account is on (``kind = 'competitor'``).

- data performance: accounts, followers at the range's last snapshot day, net growth (last
  minus first snapshot day in the range) and growth %, posts and interactions published in the
  range, interactions per post, and the interaction rate ‰ = 1000 × interactions / Σ(posts ×
  followers) over the group's accounts — interactions per post per follower;
- content production: posts, posting accounts, posts per posting account per week, the share
  of each format (``posts.kind``), mean and median text length (characters of the text);
- operating preference: share of posts per hour of day and per weekday (China time,
  Asia/Shanghai), top tags, and top series (a title's leading 【…】, the usual series mark).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TZ = "Asia/Shanghai"
FORMATS = {"video": "视频", "image": "图文", "article": "文章", "text": "纯文字", "live": "直播"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
By = Literal["org", "org_unit", "team", "all"]

_OWN_GROUP = {
    "org": "splitByChar('/', org_unit)[1]",
    "org_unit": "org_unit",
    "team": "team",
    "all": "'本行'",
}


@dataclass(frozen=True)
class Scope:
    """What is compared: the own grouping, a filter on own accounts and one on competitors
    (SQL conditions on ``accounts`` columns: kind, org_unit, team, platform, account_key,
    competitor_group), and the time range (SQL expressions)."""

    by: By = "org"
    own_where: str = "1=1"
    competitor_where: str = "1=1"
    time_from: str = "$__fromTime"
    time_to: str = "$__toTime"


def dims_sql(s: Scope) -> str:
    """One row per compared account: account_key, side (本行/竞品), grp."""
    own = _OWN_GROUP[s.by]
    return f"""
SELECT account_key,
       if(kind = 'competitor', '竞品', '本行') AS side,
       if(kind = 'competitor', if(competitor_group != '', toString(competitor_group), '未分组'),
          if({own} != '', {own}, '未分配')) AS grp
FROM accounts FINAL
WHERE (kind = 'competitor' AND ({s.competitor_where}))
   OR (kind != 'competitor' AND ({s.own_where}))"""


def _label() -> str:
    return "side AS `方`, grp AS `对象`"


def _order() -> str:
    return "ORDER BY side = '竞品', grp"


def performance_sql(s: Scope) -> str:
    """数据表现: followers, growth, posts, interactions, interaction rate per group."""
    return f"""
SELECT {_label()},
       count() AS `账号数`,
       sum(followers_end) AS `粉丝数`,
       sum(followers_end) - sum(followers_start) AS `粉丝净增`,
       round(100 * `粉丝净增` / greatest(sum(followers_start), 1), 2) AS `增长率%`,
       sum(posts) AS `作品数`,
       sum(interactions) AS `互动量`,
       round(`互动量` / greatest(`作品数`, 1), 1) AS `篇均互动`,
       round(1000 * `互动量` / greatest(sum(posts * followers_end), 1), 3) AS `互动率‰`
FROM
(
    SELECT account_key,
           toInt64(argMaxIf(assumeNotNull(followers), day, followers IS NOT NULL))
               AS followers_end,
           toInt64(argMinIf(assumeNotNull(followers), day, followers IS NOT NULL))
               AS followers_start,
           toInt64(sum(posts)) AS posts, toInt64(sum(interactions)) AS interactions
    FROM v_account_daily
    WHERE day >= toDate({s.time_from}) AND day <= toDate({s.time_to})
      AND account_key IN (SELECT account_key FROM ({dims_sql(s)}))
    GROUP BY account_key
) AS a
INNER JOIN ({dims_sql(s)}) AS d ON d.account_key = a.account_key
GROUP BY side, grp
{_order()}"""


def _posts(s: Scope) -> str:
    """Posts published in the range with their account's side and group."""
    return f"""
(
    SELECT p.post_id AS post_id, p.account_key AS account_key, p.kind AS format,
           p.title AS title, p.text AS text, p.tags AS tags, p.published_at AS published_at,
           p.interactions AS interactions, d.side AS side, d.grp AS grp
    FROM v_posts_latest AS p
    INNER JOIN ({dims_sql(s)}) AS d ON d.account_key = p.account_key
    WHERE p.published_at >= {s.time_from} AND p.published_at <= {s.time_to}
)"""


def content_sql(s: Scope) -> str:
    """内容生产: posts, formats, text length and posting frequency per group."""
    weeks = f"greatest(dateDiff('second', {s.time_from}, {s.time_to}) / 604800, 1 / 7)"
    shares = ",\n       ".join(
        f"round(100 * countIf(format = '{k}') / count(), 1) AS `{v}%`"
        for k, v in FORMATS.items())
    return f"""
SELECT {_label()},
       count() AS `作品数`,
       uniqExact(account_key) AS `发文账号`,
       round(count() / uniqExact(account_key) / {weeks}, 2) AS `周均发文/账号`,
       {shares},
       round(avg(lengthUTF8(text)), 1) AS `平均字数`,
       toFloat64(quantileExact(0.5)(lengthUTF8(text))) AS `字数中位数`
FROM {_posts(s)}
GROUP BY side, grp
{_order()}"""


def hours_sql(s: Scope) -> str:
    """运营偏好 — posting hours: % of each group's posts per hour of day (China time)."""
    cols = ",\n       ".join(
        f"round(100 * countIf(toHour(published_at, '{TZ}') = {h}) / count(), 1) AS `{h}时`"
        for h in range(24))
    return f"""
SELECT {_label()}, count() AS `作品数`,
       {cols}
FROM {_posts(s)}
GROUP BY side, grp
{_order()}"""


def weekdays_sql(s: Scope) -> str:
    """运营偏好 — weekdays: % of each group's posts per weekday (China time)."""
    cols = ",\n       ".join(
        f"round(100 * countIf(toDayOfWeek(published_at, 0, '{TZ}') = {i + 1}) / count(), 1)"
        f" AS `{d}`" for i, d in enumerate(WEEKDAYS))
    return f"""
SELECT {_label()}, count() AS `作品数`,
       {cols}
FROM {_posts(s)}
GROUP BY side, grp
{_order()}"""


def tags_sql(s: Scope, top: int = 10) -> str:
    """运营偏好 — topics: each group's ``top`` tags by posts, with their share of its posts."""
    return f"""
SELECT {_label()}, tag AS `话题标签`, n AS `作品数`, round(100 * n / total, 1) AS `占比%`
FROM
(
    SELECT side, grp, tag, count() AS n, any(total) AS total
    FROM
    (
        SELECT side, grp, tags, count() OVER (PARTITION BY side, grp) AS total
        FROM {_posts(s)}
    )
    ARRAY JOIN arrayDistinct(tags) AS tag
    WHERE tag != ''
    GROUP BY side, grp, tag
)
{_order()}, n DESC, tag
LIMIT {int(top)} BY side, grp"""


SERIES = "extract(title, '^\\\\s*【([^】]+)】')"


def series_sql(s: Scope, top: int = 10) -> str:
    """运营偏好 — series: each group's ``top`` series (a title's leading 【…】) by posts,
    with their mean interactions."""
    return f"""
SELECT {_label()}, series AS `系列`, count() AS `作品数`,
       round(avg(interactions), 1) AS `篇均互动`
FROM (SELECT *, {SERIES} AS series FROM {_posts(s)})
WHERE series != ''
GROUP BY side, grp, series
{_order()}, count() DESC, series
LIMIT {int(top)} BY side, grp"""
