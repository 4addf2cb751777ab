"""The 竞品监测 board on chDB: its rising-tags panel puts a tag seeded to rise in competitor
posts first (and ignores own accounts' tags), its high-interaction panel ranks a small
account's viral post above a big account's ordinary ones, and the 竞品分组 variable narrows
the competitor side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboards.competitors import UID_COMPETITORS, build
from dashboards.macros import ALL, expand

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
# (account_key, kind, competitor_group, followers)
ACCOUNTS = [("douyin:own1", "official", "", 50_000), ("douyin:own2", "employee", "", 800),
            ("douyin:big", "competitor", "全国性银行", 3_000_000),
            ("weibo:small", "competitor", "本地金融机构", 1_500)]
ORDINARY = [["理财"], ["信用卡"], ["房贷", "理财"], ["存款"]]


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from pipeline.warehouse.migrations import migrate
    from pipeline.warehouse.store import Warehouse

    w = Warehouse(f"chdb://{tmp_path_factory.mktemp('competitor-board')}")
    migrate(w.client)
    n = len(ACCOUNTS)
    keys = [a[0] for a in ACCOUNTS]
    w.insert("accounts", [keys, [k.split(":")[0] for k in keys], [a[1] for a in ACCOUNTS],
                          ["总行/办公室" if a[1] != "competitor" else "" for a in ACCOUNTS],
                          [a[2] for a in ACCOUNTS], [_ms(NOW - 30 * DAY)] * n],
             ["account_key", "platform", "kind", "org_unit", "competitor_group", "imported_at"])
    w.insert("account_snapshots", [keys, [k.split(":")[0] for k in keys],
                                   [a[3] for a in ACCOUNTS], [_ms(NOW - DAY)] * n,
                                   [a[1] for a in ACCOUNTS]],
             ["account_key", "platform", "followers", "captured_at", "kind"])
    rows: list[tuple[str, str, list[str], datetime, int]] = []
    for i in range(56):  # 14 days, every 6 hours, each account: ordinary tags
        t = NOW - timedelta(hours=6 * i + 1)
        for key, _kind, _, followers in ACCOUNTS:
            rows.append((f"{key}-{i}", key, ORDINARY[i % 4], t, followers // 500))
    for i in range(12):  # the last 7 days: competitors' rising tag, own accounts' own tag
        t = NOW - timedelta(hours=12 * i + 2)
        rows.append((f"rise-big-{i}", "douyin:big", ["数字人民币红包"], t, 100))
        rows.append((f"rise-small-{i}", "weibo:small", ["数字人民币红包"], t, 3))
        rows.append((f"own-{i}", "douyin:own1", ["养老金账户"], t, 10))
    rows.append(("viral", "weibo:small", ["理财"], NOW - 5 * timedelta(hours=1), 3_000))
    kind = {a[0]: a[1] for a in ACCOUNTS}
    w.insert("posts", [[r[0] for r in rows], [r[1] for r in rows],
                       [r[1].split(":")[0] for r in rows], ["video"] * len(rows),
                       [f"第{r[0]}期" for r in rows], [r[2] for r in rows],
                       [_ms(r[3]) for r in rows], [_ms(NOW) for r in rows],
                       [r[4] for r in rows], [kind[r[1]] for r in rows]],
             ["post_id", "account_key", "platform", "kind", "title", "tags", "published_at",
              "captured_at", "likes", "account_kind"])
    yield w
    w.close()


def _run(w: Any, title: str, **narrow: list[str]) -> Any:
    board = build()
    panel = next(p for p in board["panels"] if p.get("title") == title)
    variables: dict[str, list[str] | None] = {
        v["name"]: ALL for v in board["templating"]["list"]}
    variables.update(narrow)
    now = int(NOW.timestamp())
    sql = expand(panel["targets"][0]["rawSql"], time_from=now - 7 * 86_400, time_to=now + 60,
                 interval_s=600, variables=variables)
    return w.client.query(sql)


def test_board_identity() -> None:
    board = build()
    assert board["uid"] == UID_COMPETITORS == "matrixguard-competitors"
    assert "competitor_group" in {v["name"] for v in board["templating"]["list"]}


def test_the_seeded_rising_tag_comes_first(wh: Any) -> None:
    res = _run(wh, "上升话题标签（对比上一周期）")
    tags = [r[0] for r in res.result_rows]
    assert tags[0] == "数字人民币红包", res.result_rows
    assert "养老金账户" not in tags  # own accounts are not competitors
    assert "理财" not in tags  # steady: as frequent as the previous period
    first = res.result_rows[0]
    assert (first[1], first[2]) == (24, 0)


def test_high_interaction_posts_are_normalised(wh: Any) -> None:
    res = _run(wh, "高互动作品（归一化）")
    names = list(res.column_names)
    ids = [r[names.index("标题")] for r in res.result_rows]
    assert ids[0] == "第viral期"
    # the big account's ordinary posts have twice its interactions, yet rank lower
    inter = dict(zip(ids, (r[names.index("互动量")] for r in res.result_rows), strict=True))
    big = [v for t, v in inter.items() if t.startswith("第douyin:big-")]
    assert big and min(big) == 6_000 > inter["第viral期"] == 3_000


def test_group_variable_narrows_the_competitor_side(wh: Any) -> None:
    res = _run(wh, "数据表现（本行按机构 vs 竞品分组）", competitor_group=["全国性银行"])
    groups = {(r[0], r[1]) for r in res.result_rows}
    assert groups == {("本行", "总行"), ("竞品", "全国性银行")}
    posts = _run(wh, "竞品新作品", competitor_group=["本地金融机构"]).result_rows[0][0]
    every = _run(wh, "竞品新作品").result_rows[0][0]
    assert 0 < posts < every
