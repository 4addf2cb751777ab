"""The monthly operations report's figures: a few set-based ClickHouse queries → ``MonthlyReport``.

Every query goes through a ``query(sql) -> (columns, rows)`` callable, so the same code runs on
``Warehouse.query`` and on ``pipeline.cli.run_sql`` (through a running worker). Values are
cast to plain numbers and strings in SQL so both paths give the same Python types.

Definitions (UTC calendar months, own accounts = kind official or employee, ``--org`` = org
units starting with the prefix; competitors are never filtered by org):

- 月末粉丝: per account the last followers of the month (``v_account_daily``), summed;
  粉丝净增 = 月末粉丝 this month − last month (an account without a snapshot counts 0);
- 发帖 / 互动: posts published in the month and their interactions (``v_account_daily``);
- 互动率 = 互动 ÷ 月末粉丝;
- 风险命中: distinct item × rule × field × span first detected in the month
  (``v_risk_hits_hourly``); 告警触发 / 告警解除: distinct fingerprints firing with ``starts_at``
  in the month / resolved with ``ends_at`` (or ``received_at``) in the month;
- 体检: the latest health row of each account before the month's end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from clickhouse_connect.driver.binding import format_query_value
from pydantic import BaseModel

QueryFn = Callable[[str], tuple[Sequence[str], Sequence[Sequence[Any]]]]

OWN_KINDS = ("official", "employee")
OWN_GROUP = "本行"
TOP_POSTS = 10
WORST_ACCOUNTS = 10


q = format_query_value  # a ClickHouse literal (clickhouse-connect's own quoting)


def parse_month(month: str) -> date:
    """``YYYY-MM`` → the month's first day."""
    try:
        y, m = month.split("-")
        first = date(int(y), int(m), 1)
    except ValueError as exc:
        raise ValueError(f"--month must be YYYY-MM, not {month!r}") from exc
    return first


def add_months(first: date, n: int) -> date:
    """The first day of the month ``n`` months after ``first``'s."""
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def change(now: float, before: float) -> float | None:
    """Relative change, None when there was nothing before."""
    return None if before == 0 else (now - before) / before


def rate(interactions: float, followers: float) -> float:
    return interactions / followers if followers else 0.0


class Figure(BaseModel):
    """A headline figure this month and last month."""

    key: str
    label: str
    value: float
    previous: float
    change: float | None
    is_rate: bool = False


class Row(BaseModel):
    """Totals of a group of accounts (org unit, platform, competitor group) or one account."""

    name: str
    accounts: int = 0
    active_accounts: int = 0
    followers: int = 0
    followers_prev: int = 0
    growth: int = 0
    posts: int = 0
    posts_prev: int = 0
    interactions: int = 0
    interactions_prev: int = 0
    interaction_rate: float = 0.0
    risk_hits: int = 0
    anomalies: int = 0


class AccountRow(Row):
    account_key: str
    platform: str
    kind: str
    org_unit: str
    competitor_group: str = ""


class CategoryRow(BaseModel):
    category: str
    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    total: int = 0
    total_prev: int = 0


class HealthOrg(BaseModel):
    org_unit: str
    accounts: int
    mean_overall: float
    poor: int


class HealthAccount(BaseModel):
    display_name: str
    account_key: str
    platform: str
    org_unit: str
    overall: int
    level: str
    top_finding: str


class TopPost(BaseModel):
    post_id: str
    account_key: str
    display_name: str
    platform: str
    org_unit: str
    title: str
    published_at: str
    views: int
    interactions: int
    url: str


class DayRow(BaseModel):
    day: str
    posts: int
    interactions: int


class RiskHit(BaseModel):
    detected_at: str
    account_key: str
    display_name: str
    platform: str
    org_unit: str
    item_type: str
    item_id: str
    category: str
    severity: str
    rule_id: str
    term: str
    suggestion: str


class HotTopic(BaseModel):
    phrase: str
    posts: int
    baseline_share: float
    score: float
    post_ids: list[str]


class MonthlyReport(BaseModel):
    month: str
    previous_month: str
    org: str
    generated_at: str
    headline: list[Figure]
    daily: list[DayRow]
    by_org: list[Row]
    by_platform: list[Row]
    accounts: list[AccountRow]
    risk_by_category: list[CategoryRow]
    alerts_fired: int
    alerts_resolved: int
    alerts_fired_prev: int
    alerts_resolved_prev: int
    health_by_org: list[HealthOrg]
    health_worst: list[HealthAccount]
    competitors: list[Row]
    top_posts: list[TopPost]
    risk_hits: list[RiskHit]
    hot_topics: list[HotTopic] = []

    def figure(self, key: str) -> Figure:
        return next(f for f in self.headline if f.key == key)


def _rows(query: QueryFn, sql: str) -> list[dict[str, Any]]:
    columns, rows = query(sql)
    return [dict(zip(columns, r, strict=True)) for r in rows]


def own_filter(org: str, kind_col: str = "kind", org_col: str = "org_unit") -> str:
    cond = f"{kind_col} IN ('official', 'employee')"
    if org:
        cond += f" AND startsWith({org_col}, {q(org)})"
    return cond


def build_report(query: QueryFn, month: str, org: str = "", *,
                 now: datetime | None = None) -> MonthlyReport:
    """Compute every figure of the monthly report for ``month`` (``YYYY-MM``)."""
    first = parse_month(month)
    prev, prev2, end = add_months(first, -1), add_months(first, -2), add_months(first, 1)
    d0, d1, dp, dp2 = (f"toDate('{x.isoformat()}')" for x in (first, end, prev, prev2))
    own = own_filter(org)
    scope = f"({own}) OR kind = 'competitor'"

    registry = _rows(query, (
        "SELECT account_key, toString(platform) AS platform, display_name, toString(kind) AS kind,"
        " org_unit, toString(competitor_group) AS competitor_group FROM accounts FINAL"
        f" WHERE {scope} ORDER BY org_unit, account_key"))
    per_month = _rows(query, (
        "SELECT account_key, toString(toStartOfMonth(day)) AS month,"
        " toUInt64(argMaxIf(assumeNotNull(followers), day, isNotNull(followers))) AS followers,"
        " toUInt64(sum(posts)) AS posts, toUInt64(sum(interactions)) AS interactions,"
        " toUInt64(sum(risk_hits_critical + risk_hits_high + risk_hits_medium"
        " + risk_hits_low)) AS risk_hits, toUInt64(sum(anomalies)) AS anomalies"
        f" FROM v_account_daily WHERE day >= {dp2} AND day < {d1} AND account_key IN"
        f" (SELECT account_key FROM accounts FINAL WHERE {scope})"
        " GROUP BY account_key, month"))
    stats: dict[tuple[str, str], dict[str, Any]] = {
        (r["account_key"], r["month"]): r for r in per_month}
    zero = {"followers": 0, "posts": 0, "interactions": 0, "risk_hits": 0, "anomalies": 0}

    accounts: list[AccountRow] = []
    for a in registry:
        cur = stats.get((a["account_key"], first.isoformat()), zero)
        last = stats.get((a["account_key"], prev.isoformat()), zero)
        accounts.append(AccountRow(
            name=a["display_name"] or a["account_key"], account_key=a["account_key"],
            platform=a["platform"], kind=a["kind"], org_unit=a["org_unit"],
            competitor_group=a["competitor_group"], accounts=1,
            active_accounts=int(int(cur["posts"]) > 0),
            followers=int(cur["followers"]), followers_prev=int(last["followers"]),
            growth=int(cur["followers"]) - int(last["followers"]),
            posts=int(cur["posts"]), posts_prev=int(last["posts"]),
            interactions=int(cur["interactions"]), interactions_prev=int(last["interactions"]),
            interaction_rate=rate(int(cur["interactions"]), int(cur["followers"])),
            risk_hits=int(cur["risk_hits"]), anomalies=int(cur["anomalies"])))
    own_accounts = [a for a in accounts if a.kind in OWN_KINDS]
    # the month before last: growth of last month, for the headline
    prev2_followers = sum(int(stats.get((a.account_key, prev2.isoformat()), zero)["followers"])
                          for a in own_accounts)

    risk = _rows(query, (
        "SELECT toString(category) AS category, toString(severity) AS severity,"
        f" toUInt64(sum(hits)) AS hits, toDate(hour) >= {d0} AS this_month"
        f" FROM v_risk_hits_hourly WHERE hour >= {dp} AND hour < {d1}"
        f" AND {own_filter(org, 'account_kind')} GROUP BY category, severity, this_month"))
    categories: dict[str, CategoryRow] = {}
    for r in risk:
        row = categories.setdefault(r["category"], CategoryRow(category=r["category"]))
        if r["this_month"]:
            if r["severity"] in ("critical", "high", "medium", "low"):
                setattr(row, r["severity"], getattr(row, r["severity"]) + int(r["hits"]))
            row.total += int(r["hits"])
        else:
            row.total_prev += int(r["hits"])
    risk_rows = sorted(categories.values(), key=lambda c: (-c.total, c.category))

    org_cond = f" AND startsWith(org_unit, {q(org)})" if org else ""
    alerts = _rows(query, (
        "SELECT"
        f" uniqExactIf(fingerprint, status = 'firing' AND starts_at >= {d0}"
        f" AND starts_at < {d1}) AS fired,"
        f" uniqExactIf(fingerprint, status = 'resolved' AND ifNull(ends_at, received_at) >= {d0}"
        f" AND ifNull(ends_at, received_at) < {d1}) AS resolved,"
        f" uniqExactIf(fingerprint, status = 'firing' AND starts_at >= {dp}"
        f" AND starts_at < {d0}) AS fired_prev,"
        f" uniqExactIf(fingerprint, status = 'resolved' AND ifNull(ends_at, received_at) >= {dp}"
        f" AND ifNull(ends_at, received_at) < {d0}) AS resolved_prev"
        f" FROM alerts FINAL WHERE 1{org_cond}"))[0]

    health = _rows(query, (
        "SELECT account_key, display_name, toString(platform) AS platform, org_unit,"
        " toUInt32(overall) AS overall, toString(level) AS level,"
        " JSONExtractString(findings, 1, 'title') AS top_finding"
        f" FROM (SELECT * FROM account_health WHERE run_at < {d1}"
        f" AND {own_filter(org, 'account_kind')}"
        " ORDER BY run_at DESC LIMIT 1 BY account_key)"
        " ORDER BY overall, account_key"))
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for h in health:
        by_unit[h["org_unit"]].append(h)
    health_by_org = sorted(
        (HealthOrg(org_unit=u, accounts=len(hs),
                   mean_overall=sum(int(h["overall"]) for h in hs) / len(hs),
                   poor=sum(1 for h in hs if h["level"] == "较差"))
         for u, hs in by_unit.items()), key=lambda h: (h.mean_overall, h.org_unit))
    health_worst = [HealthAccount(
        display_name=h["display_name"], account_key=h["account_key"], platform=h["platform"],
        org_unit=h["org_unit"], overall=int(h["overall"]), level=h["level"],
        top_finding=h["top_finding"]) for h in health[:WORST_ACCOUNTS]]

    top = _rows(query, (
        "SELECT p.post_id AS post_id, p.account_key AS account_key,"
        " a.display_name AS display_name, toString(p.platform) AS platform,"
        " p.org_unit AS org_unit, if(p.title != '', p.title, substring(p.text, 1, 40)) AS title,"
        " formatDateTime(p.published_at, '%Y-%m-%d %H:%i') AS published_at,"
        " toUInt64(p.views) AS views, toUInt64(p.interactions) AS interactions, p.url AS url"
        f" FROM v_posts_latest AS p LEFT JOIN (SELECT account_key, display_name FROM accounts"
        " FINAL) AS a ON a.account_key = p.account_key"
        f" WHERE p.published_at >= {d0} AND p.published_at < {d1}"
        f" AND {own_filter(org, 'p.account_kind', 'p.org_unit')}"
        f" ORDER BY interactions DESC, post_id LIMIT {TOP_POSTS}"))
    daily = _rows(query, (
        "SELECT toString(day) AS d, toUInt64(sum(posts)) AS posts,"
        " toUInt64(sum(interactions)) AS interactions FROM v_account_daily"
        f" WHERE day >= {d0} AND day < {d1} AND account_key IN"
        f" (SELECT account_key FROM accounts FINAL WHERE {own}) GROUP BY day ORDER BY day"))
    daily = [{**d, "day": d.pop("d")} for d in daily]
    hits = _rows(query, (
        "SELECT formatDateTime(min(h.detected_at), '%Y-%m-%d %H:%i:%S') AS detected_at,"
        " h.account_key AS account_key, any(a.display_name) AS display_name,"
        " toString(any(h.platform)) AS platform, any(h.org_unit) AS org_unit,"
        " toString(h.item_type) AS item_type, h.item_id AS item_id,"
        " toString(any(h.category)) AS category, toString(any(h.severity)) AS severity,"
        " toString(h.rule_id) AS rule_id, any(h.term) AS term, any(h.suggestion) AS suggestion"
        " FROM risk_hits AS h FINAL LEFT JOIN (SELECT account_key, display_name FROM accounts"
        " FINAL) AS a ON a.account_key = h.account_key"
        f" WHERE {own_filter(org, 'h.account_kind', 'h.org_unit')}"
        " GROUP BY h.account_key, h.item_type, h.item_id, h.rule_id, h.field, h.span_start,"
        f" h.lexicon_version HAVING min(h.detected_at) >= {d0} AND min(h.detected_at) < {d1}"
        " ORDER BY detected_at, account_key, item_id, rule_id"))

    def group(rows: list[AccountRow], name: str) -> Row:
        g = Row(name=name, accounts=len(rows),
                active_accounts=sum(r.active_accounts for r in rows),
                followers=sum(r.followers for r in rows),
                followers_prev=sum(r.followers_prev for r in rows),
                posts=sum(r.posts for r in rows), posts_prev=sum(r.posts_prev for r in rows),
                interactions=sum(r.interactions for r in rows),
                interactions_prev=sum(r.interactions_prev for r in rows),
                risk_hits=sum(r.risk_hits for r in rows),
                anomalies=sum(r.anomalies for r in rows))
        g.growth = g.followers - g.followers_prev
        g.interaction_rate = rate(g.interactions, g.followers)
        return g

    def grouped(rows: list[AccountRow], key: Callable[[AccountRow], str]) -> list[Row]:
        groups: dict[str, list[AccountRow]] = defaultdict(list)
        for r in rows:
            groups[key(r)].append(r)
        return [group(rs, name) for name, rs in sorted(groups.items())]

    total = group(own_accounts, OWN_GROUP)
    competitors = [total, *grouped([a for a in accounts if a.kind == "competitor"],
                                   lambda a: a.competitor_group or "未分组")]
    risk_now = sum(c.total for c in risk_rows)
    risk_prev = sum(c.total_prev for c in risk_rows)
    active_prev = sum(1 for a in own_accounts if a.posts_prev > 0)

    def fig(key: str, label: str, value: float, previous: float,
            is_rate: bool = False) -> Figure:
        return Figure(key=key, label=label, value=value, previous=previous,
                      change=change(value, previous), is_rate=is_rate)

    headline = [
        fig("active_accounts", "活跃账号", total.active_accounts, active_prev),
        fig("followers", "月末粉丝", total.followers, total.followers_prev),
        fig("growth", "粉丝净增", total.growth, total.followers_prev - prev2_followers),
        fig("posts", "发帖数", total.posts, total.posts_prev),
        fig("interactions", "互动量", total.interactions, total.interactions_prev),
        fig("interaction_rate", "互动率", total.interaction_rate,
            rate(total.interactions_prev, total.followers_prev), is_rate=True),
        fig("risk_hits", "风险命中", risk_now, risk_prev),
        fig("alerts_fired", "告警触发", int(alerts["fired"]), int(alerts["fired_prev"])),
    ]
    topics = competitor_topics(query, d0, d1, dp)
    return MonthlyReport(
        month=first.strftime("%Y-%m"), previous_month=prev.strftime("%Y-%m"), org=org,
        generated_at=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        headline=headline, daily=[DayRow(**d) for d in daily],
        by_org=grouped(own_accounts, lambda a: a.org_unit),
        by_platform=grouped(own_accounts, lambda a: a.platform),
        accounts=own_accounts, risk_by_category=risk_rows,
        alerts_fired=int(alerts["fired"]), alerts_resolved=int(alerts["resolved"]),
        alerts_fired_prev=int(alerts["fired_prev"]),
        alerts_resolved_prev=int(alerts["resolved_prev"]),
        health_by_org=health_by_org, health_worst=health_worst, competitors=competitors,
        top_posts=[TopPost(**t) for t in top], risk_hits=[RiskHit(**h) for h in hits],
        hot_topics=topics)


def competitor_topics(query: QueryFn, d0: str, d1: str, dp: str) -> list[HotTopic]:
    """竞品热点: words and phrases rising in competitors' posts this month against last month
    (``agents.competitors.topics``: jieba segmentation, document-frequency lift)."""
    from agents.competitors.topics import Doc, hot_topics

    docs = _rows(query, (
        "SELECT post_id, concat(title, ' ', text, ' ', arrayStringConcat(tags, ' ')) AS body,"
        " published_at, toDate(published_at) >= " + d0 + " AS recent"
        " FROM v_posts_latest WHERE account_kind = 'competitor'"
        f" AND toDate(published_at) >= {dp} AND toDate(published_at) < {d1}"))
    recent = [Doc(d["post_id"], d["body"], d["published_at"]) for d in docs if d["recent"]]
    baseline = [Doc(d["post_id"], d["body"], d["published_at"]) for d in docs if not d["recent"]]
    return [HotTopic(phrase=t.phrase, posts=t.recent_count, baseline_share=t.baseline_rate,
                     score=round(t.score, 2), post_ids=list(t.post_ids[:5]))
            for t in hot_topics(recent, baseline, top_n=10)]
