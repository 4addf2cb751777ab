"""竞品对比 on chDB: every figure of the three axes equals what the inserted rows give when
computed directly (in Python, from the same rows), and the normalised interaction rate in SQL
equals the Python one."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agents.competitors.compare import (
    FORMATS,
    WEEKDAYS,
    Scope,
    content_sql,
    hours_sql,
    performance_sql,
    series_sql,
    tags_sql,
    weekdays_sql,
)
from agents.competitors.engagement import interaction_rate, rate_sql

T0 = datetime(2026, 11, 1, tzinfo=UTC)
T1 = datetime(2026, 11, 7, 23, 59, 59, tzinfo=UTC)
CST = timedelta(hours=8)
# (account_key, kind, org_unit, team, competitor_group)
ACCOUNTS = [
    ("douyin:o1", "official", "总行/办公室", "品牌团队", ""),
    ("weibo:o2", "official", "总行/办公室", "品牌团队", ""),
    ("douyin:e1", "employee", "分行01/支行1", "零售团队", ""),
    ("xiaohongshu:e2", "employee", "分行01/支行1", "零售团队", ""),
    ("douyin:c1", "competitor", "", "", "全国性银行"),
    ("weibo:c2", "competitor", "", "", "全国性银行"),
    ("douyin:c3", "competitor", "", "", "优质地方银行"),
    ("kuaishou:c4", "competitor", "", "", "本地金融机构"),
]
TAGS = ["理财", "信用卡", "房贷", "数字人民币", "养老金"]
SERIES = ["周末理财课", "信用卡小课堂", "财经早报"]


@dataclass
class P:
    post_id: str
    account: str
    kind: str
    title: str
    text: str
    tags: list[str]
    published_at: datetime
    interactions: int


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[P],
                                                                 dict[tuple[str, int], int]]]:
    from pipeline.warehouse.migrations import migrate
    from pipeline.warehouse.store import Warehouse

    tmp: Path = tmp_path_factory.mktemp("competitors-chdb")
    w = Warehouse(f"chdb://{tmp}")
    migrate(w.client)
    rng = random.Random(3)
    cols = list(zip(*ACCOUNTS, strict=True))
    n = len(ACCOUNTS)
    w.insert("accounts", [cols[0], [k.split(":")[0] for k in cols[0]], cols[0], cols[0],
                          cols[1], cols[2], cols[3], ["负责人"] * n, cols[4],
                          [_ms(T0) - 86_400_000] * n],
             ["account_key", "platform", "platform_account_id", "display_name", "kind",
              "org_unit", "team", "owner", "competitor_group", "imported_at"])
    # a snapshot a day from 3 days before to 3 days after the range (followers grow)
    followers: dict[tuple[str, int], int] = {}
    snaps: list[list[Any]] = [[] for _ in range(7)]
    for key, kind, org, team, _ in ACCOUNTS:
        base = rng.randint(500, 500_000)
        for d in range(-3, 11):
            f = base + d * rng.randint(0, 300) - (d * 50 if key.endswith("2") else 0)
            followers[(key, d)] = f
            for col, v in zip(snaps, (key, key.split(":")[0], f, _ms(T0 + timedelta(
                    days=d, hours=12)), kind, org, team), strict=True):
                col.append(v)
    w.insert("account_snapshots", snaps,
             ["account_key", "platform", "followers", "captured_at", "kind", "org_unit", "team"])
    posts: list[P] = []
    for key, _kind, _org, _team, _ in ACCOUNTS:
        for i in range(rng.randint(6, 14)):
            published = T0 + timedelta(seconds=rng.randint(-3 * 86_400, 10 * 86_400))
            title = (f"【{rng.choice(SERIES)}】第{i}期" if rng.random() < 0.5 else f"作品{i}")
            posts.append(P(f"{key}-{i}", key, rng.choice(list(FORMATS)), title,
                           "字" * rng.randint(5, 400), rng.sample(TAGS, rng.randint(0, 3)),
                           published, rng.randint(0, 5_000)))
    kinds = {a[0]: a for a in ACCOUNTS}

    def insert(ps: list[P], captured: datetime, factor: float) -> None:
        rows = [[p.post_id for p in ps], [p.account for p in ps],
                [p.account.split(":")[0] for p in ps], [p.kind for p in ps],
                [p.title for p in ps], [p.text for p in ps], [p.tags for p in ps],
                [_ms(p.published_at) for p in ps], [_ms(captured) for p in ps],
                [int(p.interactions * factor) for p in ps], [kinds[p.account][1] for p in ps],
                [kinds[p.account][2] for p in ps], [kinds[p.account][3] for p in ps]]
        w.insert("posts", rows, ["post_id", "account_key", "platform", "kind", "title", "text",
                                 "tags", "published_at", "captured_at", "likes",
                                 "account_kind", "org_unit", "team"])

    # an early capture with fewer interactions, then the latest one (what the views keep)
    insert(posts, T0 + timedelta(days=20), 0.5)
    insert(posts, T0 + timedelta(days=21), 1.0)
    yield w, posts, followers
    w.close()


def _scope(**kw: Any) -> Scope:
    return Scope(time_from=f"toDateTime({int(T0.timestamp())})",
                 time_to=f"toDateTime({int(T1.timestamp())})", **kw)


def _group(key: str, by: str) -> tuple[str, str]:
    _, kind, org, team, cg = next(a for a in ACCOUNTS if a[0] == key)
    if kind == "competitor":
        return "竞品", cg or "未分组"
    own = {"org": org.split("/")[0], "org_unit": org, "team": team, "all": "本行"}[by]
    return "本行", own or "未分配"


def _rows(w: Any, sql: str) -> dict[tuple[str, str], dict[str, Any]]:
    res = w.client.query(sql)
    names = list(res.column_names)
    return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in res.result_rows}


def _in_range(posts: list[P], keep: set[str]) -> dict[tuple[str, str], list[P]]:
    out: dict[tuple[str, str], list[P]] = defaultdict(list)
    for p in posts:
        if T0 <= p.published_at <= T1 and p.account in keep:
            out[_group(p.account, "org")].append(p)
    return out


def _all_keys() -> set[str]:
    return {a[0] for a in ACCOUNTS}


@pytest.mark.parametrize("by", ["org", "team", "all"])
def test_performance_equals_the_rows(wh: Any, by: str) -> None:
    w, posts, followers = wh
    got = _rows(w, performance_sql(_scope(by=by)))
    last = (T1 - T0).days  # snapshot days 0..last are in the range
    want: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key in _all_keys():
        g = want[_group(key, by)]
        fe, fs = followers[(key, last)], followers[(key, 0)]
        mine = [p for p in posts if p.account == key and T0.date() <= p.published_at.date()
                <= T1.date()]
        g["账号数"] += 1
        g["粉丝数"] += fe
        g["期初"] += fs
        g["作品数"] += len(mine)
        g["互动量"] += sum(p.interactions for p in mine)
        g["reach"] += len(mine) * fe
    assert set(got) == set(want)
    for k, g in want.items():
        row = got[k]
        assert row["账号数"] == g["账号数"]
        assert row["粉丝数"] == g["粉丝数"]
        assert row["粉丝净增"] == g["粉丝数"] - g["期初"]
        assert row["增长率%"] == pytest.approx(
            100 * (g["粉丝数"] - g["期初"]) / max(g["期初"], 1), abs=0.006)
        assert row["作品数"] == g["作品数"]
        assert row["互动量"] == g["互动量"]
        assert row["篇均互动"] == pytest.approx(g["互动量"] / max(g["作品数"], 1), abs=0.051)
        assert row["互动率‰"] == pytest.approx(1000 * g["互动量"] / max(g["reach"], 1),
                                             abs=0.00051)
    # own first, then competitors
    res = w.client.query(performance_sql(_scope(by=by)))
    sides = [r[0] for r in res.result_rows]
    assert sides == sorted(sides, key=lambda s: s == "竞品")


def test_filters_narrow_each_side(wh: Any) -> None:
    w, _, _ = wh
    got = _rows(w, performance_sql(_scope(by="team", own_where="team = '零售团队'",
                                          competitor_where="competitor_group = '全国性银行'")))
    assert set(got) == {("本行", "零售团队"), ("竞品", "全国性银行")}
    assert got[("竞品", "全国性银行")]["账号数"] == 2


def test_content_equals_the_rows(wh: Any) -> None:
    w, posts, _ = wh
    got = _rows(w, content_sql(_scope()))
    want = _in_range(posts, _all_keys())
    assert set(got) == set(want)
    weeks = (T1 - T0).total_seconds() / 604_800
    for k, ps in want.items():
        row = got[k]
        accounts = len({p.account for p in ps})
        assert row["作品数"] == len(ps)
        assert row["发文账号"] == accounts
        assert row["周均发文/账号"] == pytest.approx(len(ps) / accounts / weeks, abs=0.006)
        for code, label in FORMATS.items():
            share = 100 * sum(p.kind == code for p in ps) / len(ps)
            assert row[f"{label}%"] == pytest.approx(share, abs=0.051)
        lengths = sorted(len(p.text) for p in ps)
        assert row["平均字数"] == pytest.approx(statistics.mean(lengths), abs=0.051)
        assert row["字数中位数"] == lengths[len(lengths) // 2]


def test_hours_and_weekdays_equal_the_rows(wh: Any) -> None:
    w, posts, _ = wh
    hours = _rows(w, hours_sql(_scope()))
    days = _rows(w, weekdays_sql(_scope()))
    for k, ps in _in_range(posts, _all_keys()).items():
        local = [p.published_at + CST for p in ps]
        for h in range(24):
            want = 100 * sum(t.hour == h for t in local) / len(ps)
            assert hours[k][f"{h}时"] == pytest.approx(want, abs=0.051), (k, h)
        for i, d in enumerate(WEEKDAYS):
            want = 100 * sum(t.weekday() == i for t in local) / len(ps)
            assert days[k][d] == pytest.approx(want, abs=0.051), (k, d)
        assert hours[k]["作品数"] == days[k]["作品数"] == len(ps)


def test_tags_and_series_equal_the_rows(wh: Any) -> None:
    w, posts, _ = wh
    res = w.client.query(tags_sql(_scope(), top=3))
    got_tags: dict[tuple[str, str], list[tuple[str, int, float]]] = defaultdict(list)
    for side, grp, tag, n, share in res.result_rows:
        got_tags[(side, grp)].append((tag, n, share))
    res = w.client.query(series_sql(_scope()))
    got_series: dict[tuple[str, str], list[tuple[str, int, float]]] = defaultdict(list)
    for side, grp, series, n, mean in res.result_rows:
        got_series[(side, grp)].append((series, n, mean))
    for k, ps in _in_range(posts, _all_keys()).items():
        counts = Counter(t for p in ps for t in set(p.tags))
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        assert [(t, n) for t, n, _ in got_tags[k]] == top, k
        for _, n, share in got_tags[k]:
            assert share == pytest.approx(100 * n / len(ps), abs=0.051)
        by_series: dict[str, list[int]] = defaultdict(list)
        for p in ps:
            if p.title.startswith("【"):
                by_series[p.title[1:p.title.index("】")]].append(p.interactions)
        want = sorted(((s, len(v), sum(v) / len(v)) for s, v in by_series.items()),
                      key=lambda x: (-x[1], x[0]))
        assert [(s, n) for s, n, _ in got_series[k]] == [(s, n) for s, n, _ in want]
        for (_, _, m1), (_, _, m2) in zip(got_series[k], want, strict=True):
            assert m1 == pytest.approx(m2, abs=0.051)


def test_rate_sql_equals_python(wh: Any) -> None:
    w, posts, _ = wh
    now = T0 + timedelta(days=12)
    rate = rate_sql("interactions", "1234", "published_at", f"toDateTime({int(now.timestamp())})")
    sql = f"SELECT post_id, interactions, {rate} FROM v_posts_latest ORDER BY post_id"
    rows = w.client.query(sql).result_rows
    by_id = {p.post_id: p for p in posts}
    assert len(rows) == len(posts)
    for pid, inter, rate in rows:
        p = by_id[pid]
        assert inter == p.interactions
        hours = (now - p.published_at).total_seconds() / 3600
        assert rate == pytest.approx(interaction_rate(inter, 1234, hours), rel=1e-9)
