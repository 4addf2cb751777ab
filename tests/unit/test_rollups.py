"""Rollups (0006): every v_* view equals the same figure computed from FINAL base tables, and
replays, re-crawls, retried blocks and late events change nothing but what they should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agents.sink.core import (
    ANOMALY_COLUMNS,
    DEAD_LETTER_COLUMNS,
    HIT_COLUMNS,
    POST_COLUMNS,
    SNAPSHOT_COLUMNS,
)
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse

D1 = datetime(2026, 11, 1, tzinfo=UTC)
D2 = D1 + timedelta(days=1)
D3 = D1 + timedelta(days=2)
WRITTEN = datetime(2026, 11, 5, 8, 30, 15, tzinfo=UTC)
ORG = {"douyin:a": ("douyin", "official", "总行/网络金融部", "新媒体组"),
       "weibo:b": ("weibo", "employee", "杭州分行/西湖支行", "零售组")}

VIEWS = {
    "v_account_daily": ["day", "account_key", "platform", "account_kind", "org_unit", "team",
                        "followers", "posts", "interactions", "risk_hits_critical",
                        "risk_hits_high", "risk_hits_medium", "risk_hits_low", "anomalies"],
    "v_org_daily": ["day", "org_unit", "team", "platform", "account_kind", "accounts",
                    "followers", "posts", "interactions", "risk_hits", "anomalies"],
    "v_risk_hits_hourly": ["hour", "category", "severity", "org_unit", "account_kind", "hits"],
    "v_pipeline_minutely": ["minute", "stage", "table_or_topic", "events", "dead_letters",
                            "reason"],
    "v_accounts_latest": ["account_key", "platform", "platform_account_id", "display_name",
                          "kind", "org_unit", "team", "owner", "expected_verification_subject",
                          "competitor_group", "imported_at", "name", "status", "verified",
                          "followers", "captured_at"],
    "v_posts_latest": ["post_id", "account_key", "platform", "kind", "title", "text", "tags",
                       "url", "published_at", "captured_at", "views", "likes", "comments",
                       "shares", "favorites", "interactions", "account_kind", "org_unit",
                       "team"],
}


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    w = Warehouse(f"chdb://{tmp_path / 'wh'}")
    migrate(w.client)
    yield w
    w.close()


def _insert(wh: Warehouse, table: str, columns: tuple[str, ...],
            rows: list[tuple[Any, ...]]) -> None:
    wh.insert(table, [list(c) for c in zip(*rows, strict=True)], columns)


def _snapshot(key: str, at: datetime, followers: int, name: str = "招行官方",
              status: str = "active", written: datetime = WRITTEN) -> tuple[Any, ...]:
    platform, kind, org, team = ORG[key]
    return (key, platform, key.split(":")[1], name, "h", "", status, True, None, followers, 1,
            10, 100, at, kind, org, team, f"env-{at.isoformat()}", at, written)


def _post(key: str, post_id: str, published: datetime, captured: datetime, likes: int,
          written: datetime = WRITTEN) -> tuple[Any, ...]:
    platform, kind, org, team = ORG[key]
    return (post_id, key, platform, "video", "t", "text", ["x"], "u", published, captured,
            likes * 10, likes, 2, 1, 0, kind, org, team, "env", 0, written)


def _hit(key: str, item: str, rule: str, severity: str, detected: datetime,
         span: int = 0, category: str = "promise") -> tuple[Any, ...]:
    platform, kind, org, team = ORG[key]
    return ("post", item, key, platform, kind, org, team, "张三", category, rule, severity,
            "text", span, span + 2, "保本", 10, "cite", "fix", "lex1", detected)


def _anomaly(key: str, anomaly_id: str, state: str, observed: datetime) -> tuple[Any, ...]:
    platform, kind, org, team = ORG[key]
    return (anomaly_id, "status_changed", state, "high", key, platform, kind, org, team, "张三",
            "", "封禁", "active", "banned", "{}", observed, observed + timedelta(minutes=1))


def _dead_letter(dl_id: str, failed: datetime, reason: str = "invalid_post",
                 written: datetime = WRITTEN) -> tuple[Any, ...]:
    return (dl_id, "ingest", reason, "bad", "matrixguard.raw.posts", 0, 1, -1, "douyin:a",
            "douyin", "{}", failed, written)


def _base_load(wh: Warehouse, written: datetime = WRITTEN) -> None:
    """Day 1 and 2 of two accounts, with re-crawls, rescored hits and a resolved anomaly."""
    _insert(wh, "accounts", ("account_key", "platform", "platform_account_id", "display_name",
                             "kind", "org_unit", "team", "owner", "imported_at"),
            [("douyin:a", "douyin", "a", "招行官方", "official", ORG["douyin:a"][2],
              ORG["douyin:a"][3], "张三", D1)])
    _insert(wh, "account_snapshots", SNAPSHOT_COLUMNS, [
        _snapshot("douyin:a", D1 + timedelta(hours=3), 1000, written=written),
        _snapshot("douyin:a", D1 + timedelta(hours=9), 1100, written=written),
        _snapshot("douyin:a", D2 + timedelta(hours=9), 1200, name="招行", written=written),
        _snapshot("weibo:b", D1 + timedelta(hours=5), 50, written=written),
    ])
    _insert(wh, "posts", POST_COLUMNS, [
        _post("douyin:a", "p1", D1 + timedelta(hours=1), D1 + timedelta(hours=3), 5, written),
        _post("douyin:a", "p2", D1 + timedelta(hours=2), D1 + timedelta(hours=3), 7, written),
        _post("weibo:b", "p3", D2 + timedelta(hours=1), D2 + timedelta(hours=2), 1, written),
    ])
    # a re-crawl of p1 the next day, metrics grown: p1 still counts on day 1, once
    _insert(wh, "posts", POST_COLUMNS, [
        _post("douyin:a", "p1", D1 + timedelta(hours=1), D2 + timedelta(hours=3), 40, written),
    ])
    _insert(wh, "risk_hits", HIT_COLUMNS, [
        _hit("douyin:a", "p1", "r1", "critical", D1 + timedelta(hours=3, minutes=1)),
        _hit("douyin:a", "p1", "r1", "critical", D1 + timedelta(hours=3, minutes=1), span=9),
        _hit("douyin:a", "p1", "r2", "high", D1 + timedelta(hours=3, minutes=1)),
        _hit("douyin:a", "p2", "r3", "medium", D1 + timedelta(hours=4)),
        _hit("weibo:b", "p3", "r4", "low", D2 + timedelta(hours=2), category="privacy"),
    ])
    # p1 rescored on its re-crawl: the hits' first detection stays on day 1
    _insert(wh, "risk_hits", HIT_COLUMNS, [
        _hit("douyin:a", "p1", "r1", "critical", D2 + timedelta(hours=3, minutes=1)),
        _hit("douyin:a", "p1", "r2", "high", D2 + timedelta(hours=3, minutes=1)),
    ])
    _insert(wh, "account_anomalies", ANOMALY_COLUMNS, [
        _anomaly("douyin:a", "an1", "firing", D1 + timedelta(hours=9)),
        _anomaly("douyin:a", "an2", "resolved", D2 + timedelta(hours=9)),
        _anomaly("weibo:b", "an3", "firing", D2 + timedelta(hours=1)),
    ])
    _insert(wh, "dead_letters", DEAD_LETTER_COLUMNS, [
        _dead_letter("dl1", D1 + timedelta(minutes=5, seconds=1), written=written),
        _dead_letter("dl2", D1 + timedelta(minutes=5, seconds=40), reason="invalid_json",
                     written=written),
    ])


def _rows(wh: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    return sorted(wh.query(sql).rows, key=repr)


def _views(wh: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    return {v: _rows(wh, f"SELECT * FROM {v}") for v in VIEWS}


ACCOUNT_DAILY_FROM_BASE = """
SELECT day, account_key, max(platform), max(kind), max(org), max(tm), max(followers),
       sum(posts), sum(inter), sum(c), sum(h), sum(m), sum(l), sum(an)
FROM (
    SELECT toDate(captured_at) AS day, account_key, max(toString(platform)) AS platform,
           max(toString(kind)) AS kind, max(org_unit) AS org, max(team) AS tm,
           toNullable(argMax(followers, captured_at)) AS followers, 0 AS posts, 0 AS inter,
           0 AS c, 0 AS h, 0 AS m, 0 AS l, 0 AS an
    FROM account_snapshots FINAL GROUP BY day, account_key
    UNION ALL
    SELECT toDate(published_at), account_key, max(toString(platform)),
           max(toString(account_kind)), max(org_unit), max(team), NULL, count(),
           sum(likes + comments + shares + favorites), 0, 0, 0, 0, 0
    FROM posts FINAL GROUP BY 1, 2
    UNION ALL
    SELECT toDate(detected_at), account_key, max(toString(platform)),
           max(toString(account_kind)), max(org_unit), max(team), NULL, 0, 0,
           uniqExactIf((item_type, item_id, rule_id), severity = 'critical'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'high'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'medium'),
           uniqExactIf((item_type, item_id, rule_id), severity = 'low'), 0
    FROM risk_hits FINAL GROUP BY 1, 2
    UNION ALL
    SELECT toDate(observed_at), account_key, max(toString(platform)),
           max(toString(account_kind)), max(org_unit), max(team), NULL, 0, 0, 0, 0, 0, 0,
           uniqExact(anomaly_id)
    FROM account_anomalies FINAL WHERE state = 'firing' GROUP BY 1, 2
) GROUP BY day, account_key
"""
HOURLY_FROM_BASE = """
SELECT toStartOfHour(toDateTime(detected_at, 'UTC')) AS hour, toString(category),
       toString(severity), org_unit, toString(account_kind),
       uniqExact(item_type, item_id, rule_id, field, span_start)
FROM risk_hits FINAL GROUP BY hour, category, severity, org_unit, account_kind
"""
DEAD_LETTERS_FROM_BASE = """
SELECT toStartOfMinute(toDateTime(first, 'UTC')) AS minute, stage, topic, count(), reason
FROM (SELECT dead_letter_id, min(failed_at) AS first, any(toString(stage)) AS stage,
             any(toString(source_topic)) AS topic, any(toString(reason)) AS reason
      FROM dead_letters GROUP BY dead_letter_id)
GROUP BY minute, stage, topic, reason
"""


def _check_against_base(wh: Warehouse) -> None:
    assert _rows(wh, "SELECT * FROM v_account_daily") == _rows(wh, ACCOUNT_DAILY_FROM_BASE)
    org = _rows(wh, "SELECT * FROM v_org_daily")
    org_ref = _rows(wh, f"""
        SELECT day, o, t, p, k, count(), sum(ifNull(f, 0)), sum(po), sum(i), sum(c + h + m + l),
               sum(an)
        FROM ({ACCOUNT_DAILY_FROM_BASE.replace("max(platform), max(kind), max(org), max(tm), "
                                               "max(followers),",
                                               "max(platform) AS p, max(kind) AS k, max(org) AS o,"
                                               " max(tm) AS t, max(followers) AS f,")
              .replace("sum(posts), sum(inter), sum(c), sum(h), sum(m), sum(l), sum(an)",
                       "sum(posts) AS po, sum(inter) AS i, sum(c) AS c, sum(h) AS h, "
                       "sum(m) AS m, sum(l) AS l, sum(an) AS an")})
        GROUP BY day, o, t, p, k""")
    assert org == org_ref
    assert _rows(wh, "SELECT * FROM v_risk_hits_hourly") == _rows(wh, HOURLY_FROM_BASE)
    assert _rows(wh, "SELECT minute, stage, table_or_topic, dead_letters, reason "
                     "FROM v_pipeline_minutely WHERE dead_letters > 0") == \
        _rows(wh, DEAD_LETTERS_FROM_BASE)
    assert _rows(wh, "SELECT * EXCEPT interactions FROM v_posts_latest") == _rows(wh, """
        SELECT post_id, account_key, platform, kind, title, text, tags, url, published_at,
               captured_at, views, likes, comments, shares, favorites, account_kind, org_unit,
               team FROM posts FINAL""")
    assert _rows(wh, "SELECT account_key, name, status, verified, followers, captured_at "
                     "FROM v_accounts_latest") == _rows(wh, """
        SELECT account_key, argMax(name, captured_at), toString(argMax(status, captured_at)),
               argMax(verified, captured_at), argMax(followers, captured_at), max(captured_at)
        FROM account_snapshots FINAL GROUP BY account_key""")


def test_views_exist_with_the_contracted_columns(wh: Warehouse) -> None:
    for view, columns in VIEWS.items():
        got = wh.query(f"SELECT name FROM system.columns WHERE database = currentDatabase() "
                       f"AND table = '{view}' ORDER BY position").rows
        assert [c for (c,) in got] == columns, view
        assert wh.scalar(f"SELECT engine FROM system.tables WHERE database = currentDatabase() "
                         f"AND name = '{view}'") == "View"
    assert wh.query("SELECT * FROM v_account_daily").rows == []


def test_views_equal_final_base_tables_and_expected_figures(wh: Warehouse) -> None:
    _base_load(wh)
    _check_against_base(wh)
    daily = {(r[0].day, r[1]): r for r in wh.query("SELECT * FROM v_account_daily").rows}
    a1, a2, b2 = daily[(1, "douyin:a")], daily[(2, "douyin:a")], daily[(2, "weibo:b")]
    # followers last of day; p1 at its latest capture (40+2+1), p2 (7+2+1); hits r1, r2, r3
    assert a1[2:] == ("douyin", "official", "总行/网络金融部", "新媒体组", 1100, 2, 43 + 10,
                      1, 1, 1, 0, 1)
    assert a2[6:] == (1200, 0, 0, 0, 0, 0, 0, 0)  # rescored hits and resolved anomaly: none
    assert b2[6:] == (None, 1, 4, 0, 0, 0, 1, 1)
    org = {(r[0].day, r[1]): r[5:] for r in wh.query("SELECT * FROM v_org_daily").rows}
    assert org[(1, "杭州分行/西湖支行")] == (1, 50, 0, 0, 0, 0)
    assert org[(1, "总行/网络金融部")] == (1, 1100, 2, 53, 3, 1)
    hourly = _rows(wh, "SELECT hour, severity, hits FROM v_risk_hits_hourly")
    assert [(h.hour, s, n) for h, s, n in hourly] == [
        (3, "critical", 2), (3, "high", 1), (4, "medium", 1), (2, "low", 1)]
    pipe = _rows(wh, "SELECT table_or_topic, events, dead_letters, reason, minute "
                     "FROM v_pipeline_minutely")
    assert ("posts", 4, 0, "", WRITTEN.replace(second=0, tzinfo=None)) in pipe
    dl_minute = (D1 + timedelta(minutes=5)).replace(tzinfo=None)
    assert ("matrixguard.raw.posts", 0, 1, "invalid_json", dl_minute) in pipe
    latest = {r[0]: r for r in wh.query("SELECT * FROM v_accounts_latest").rows}
    assert latest["douyin:a"][-5:-1] == ("招行", "active", True, 1200)
    assert latest["weibo:b"][10].year == 1970  # seen, not registered
    # merges change nothing
    for table in ("rollup_account_followers_daily", "rollup_post_daily", "rollup_risk_hits",
                  "rollup_anomalies_daily", "rollup_dead_letters", "rollup_pipeline_writes",
                  "rollup_account_latest"):
        wh.client.command(f"OPTIMIZE TABLE {table} FINAL")
    _check_against_base(wh)


def test_replays_and_retries_change_nothing_but_throughput(wh: Warehouse) -> None:
    _base_load(wh)
    before = _views(wh)
    # a retried identical block (same written_at) is dropped: not even throughput moves
    _insert(wh, "posts", POST_COLUMNS, [
        _post("douyin:a", "p1", D1 + timedelta(hours=1), D2 + timedelta(hours=3), 40),
    ])
    assert _views(wh) == before
    # a replay after a crash: the same events written again later
    replayed_at = WRITTEN + timedelta(hours=1)
    _base_load(wh, written=replayed_at)
    after = _views(wh)
    _check_against_base(wh)
    for view in VIEWS:
        if view != "v_pipeline_minutely":
            assert after[view] == before[view], view
    new = set(after["v_pipeline_minutely"]) - set(before["v_pipeline_minutely"])
    # only the replay's own writes, in the minute they were written
    assert {r[0] for r in new} == {replayed_at.replace(second=0, tzinfo=None)}


def test_late_events_land_in_their_own_day(wh: Warehouse) -> None:
    _base_load(wh)
    # day 3 first, then a late snapshot and hit of day 1 and an older post capture
    _insert(wh, "account_snapshots", SNAPSHOT_COLUMNS,
            [_snapshot("douyin:a", D3 + timedelta(hours=1), 1300)])
    _insert(wh, "account_snapshots", SNAPSHOT_COLUMNS, [
        _snapshot("douyin:a", D1 + timedelta(hours=23), 1150),
        _snapshot("douyin:a", D1 + timedelta(hours=1), 900),
    ])
    _insert(wh, "risk_hits", HIT_COLUMNS,
            [_hit("douyin:a", "p2", "r9", "low", D1 + timedelta(hours=20))])
    _insert(wh, "posts", POST_COLUMNS,
            [_post("douyin:a", "p1", D1 + timedelta(hours=1), D1 + timedelta(hours=2), 3)])
    _check_against_base(wh)
    daily = {(r[0].day, r[1]): r for r in wh.query("SELECT * FROM v_account_daily").rows}
    assert daily[(1, "douyin:a")][6:] == (1150, 2, 53, 1, 1, 1, 1, 1)
    assert daily[(3, "douyin:a")][6] == 1300
    assert wh.scalar("SELECT followers FROM v_accounts_latest "
                     "WHERE account_key = 'douyin:a'") == 1300
