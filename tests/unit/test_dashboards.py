"""The Grafana boards: the committed JSON is what the Python builds, and every panel's SQL runs
on chDB (macros and template variables expanded as Grafana does) against 90 days of simulated
history, returning rows in the shape its panel type needs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboards.boards import BOARDS, JSON_DIR, render
from dashboards.clickhouse_query import PLUGIN_TYPE, ClickHouseQuery
from dashboards.macros import ALL, expand
from dashboards.risk import HITS_PANEL_ID

ROOT = Path(__file__).resolve().parents[2]


def _boards() -> list[dict[str, Any]]:
    return [build() for build in BOARDS]


def _panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def test_committed_json_is_what_the_python_builds() -> None:
    for board in _boards():
        path = JSON_DIR / f"{board['uid']}.json"
        assert path.exists(), f"{path} missing: run python -m dashboards"
        assert path.read_text(encoding="utf-8") == render(board), (
            f"{path} is stale: run python -m dashboards")


def test_building_twice_gives_the_same_text() -> None:
    assert [render(b) for b in _boards()] == [render(b) for b in _boards()]


def test_ids_are_unique_and_alert_links_resolve() -> None:
    boards = {b["uid"]: b for b in _boards()}
    for board in boards.values():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), board["uid"]
        names = {v["name"] for v in board["templating"]["list"]}
        assert {"org_unit", "team", "platform", "account_kind", "account"} <= names
    risk = boards["matrixguard-risk"]
    assert {"account", "item"} <= {v["name"] for v in risk["templating"]["list"]}
    hits = next(p for p in risk["panels"] if p["id"] == HITS_PANEL_ID)
    assert hits["title"] == "违规内容明细"
    assert "${item:singlequote}" in hits["targets"][0]["rawSql"]


def test_clickhouse_target_round_trips() -> None:
    q = ClickHouseQuery(ref_id="B", raw_sql="SELECT 1", query_format="timeseries")
    data = q.to_json()
    assert data["datasource"] == {"type": PLUGIN_TYPE, "uid": "matrixguard-clickhouse"}
    back = ClickHouseQuery.from_json(data)
    assert (back.ref_id, back.raw_sql, back.query_format) == ("B", "SELECT 1", "timeseries")
    from grafana_foundation_sdk.cog.runtime import dataquery_from_json

    assert isinstance(dataquery_from_json(data, ""), ClickHouseQuery)


# ───────────────────────── panel SQL on chDB ─────────────────────────

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int]]:
    from agents.anomaly.naming import NamingRule
    from agents.health.warehouse import run_check
    from bench.health import generate, roster_registry
    from bench.panels import extra
    from pipeline.warehouse.migrations import migrate
    from pipeline.warehouse.store import Warehouse

    tmp = tmp_path_factory.mktemp("dashboards-chdb")
    wh = Warehouse(f"chdb://{tmp}")
    migrate(wh.client)
    now = datetime.now(UTC).replace(microsecond=0)
    now_ms = int(now.timestamp() * 1000)
    reg = roster_registry(ROOT / "examples" / "roster.csv")
    generate(wh, reg, now_ms=now_ms, days=90, posts_per_day=1.0, seed=7)
    extra(wh, reg, now_ms)
    run_check(wh, trigger="cli", rule=NamingRule(), now=now)
    # the health history: earlier runs (scores over time), a day apart
    wh.query("INSERT INTO account_health SELECT * REPLACE (concat(run_id, toString(d)) AS run_id,"
             " run_at - toIntervalDay(d) AS run_at,"
             " toUInt8(greatest(0, toInt32(overall) - d % 7)) AS overall)"
             " FROM account_health ARRAY JOIN range(1, 30) AS d", readonly=False)
    _tagged_posts(wh, reg, now_ms)
    yield wh, now_ms // 1000
    wh.close()


def _tagged_posts(wh: Any, reg: Any, now_ms: int) -> None:
    """Posts with text, tags and series titles over the last 14 days (the competitor board's
    tags, rising tags and series panels): every account posts; competitors' posts of the last
    7 days carry a rising tag."""
    import numpy as np

    rng = np.random.default_rng(17)
    k = 2 * len(reg)
    acc = np.tile(np.arange(len(reg)), 2)
    published = now_ms - rng.integers(0, 14 * 86_400_000, k)
    tags = [["理财", "信用卡", "房贷", "养老金"][i % 4:i % 4 + 2] for i in range(k)]
    for i in range(k):
        if reg.kind[acc[i]] == "competitor" and published[i] > now_ms - 7 * 86_400_000:
            tags[i] = [*tags[i], "数字人民币红包"]
    series = ["【周末理财课】", "【信用卡小课堂】", ""]
    wh.insert("posts", [
        [f"tagged{i}" for i in range(k)], reg.key[acc].tolist(), reg.platform[acc].tolist(),
        [["video", "image", "article", "text"][i % 4] for i in range(k)],
        [f"{series[i % 3]}第{i}期" for i in range(k)],
        [f"第{i}期：今天聊聊{'、'.join(t)}" for i, t in enumerate(tags)], tags,
        published.tolist(), (published + 3_600_000).tolist(),
        rng.integers(0, 2_000, k).tolist(), reg.kind[acc].tolist(),
        reg.org_unit[acc].tolist(), reg.team[acc].tolist()],
        ["post_id", "account_key", "platform", "kind", "title", "text", "tags",
         "published_at", "captured_at", "likes", "account_kind", "org_unit", "team"])


def _range(board: dict[str, Any], now_s: int) -> tuple[int, int]:
    spec = board["time"]["from"]  # now-24h, now-30d, now-6h
    n, unit = int(spec[4:-1]), spec[-1]
    return now_s - n * {"m": 60, "h": 3600, "d": 86_400}[unit], now_s + 60


def _check(wh: Any, panel: dict[str, Any], sql: str) -> None:
    result = wh.client.query(sql)
    where = f"{panel['title']!r}"
    assert result.result_rows, f"{where}: no rows\n{sql}"
    names = list(result.column_names)
    types = [t.name for t in result.column_types]
    numeric = [n for n, t in zip(names, types, strict=True)
               if any(k in t for k in ("Int", "Float", "Decimal"))]
    kind = panel["type"]
    if kind == "timeseries":
        assert "time" in names, f"{where}: no time column"
        assert types[names.index("time")].startswith(("DateTime", "Date")), where
        assert numeric, f"{where}: no numeric column"
    elif kind in ("stat", "bargauge"):
        assert numeric, f"{where}: no numeric column ({types})"
    else:
        assert names, where


def test_every_panel_runs_on_chdb(warehouse: tuple[Any, int]) -> None:
    wh, now_s = warehouse
    started = time.perf_counter()
    checked = 0
    for board in _boards():
        t0, t1 = _range(board, now_s)
        variables: dict[str, list[str] | None] = {
            v["name"]: ALL if v.get("includeAll") else [""] for v in board["templating"]["list"]}
        interval = max(1, (t1 - t0) // 500)
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                sql = expand(var["query"], time_from=t0, time_to=t1, interval_s=interval,
                             variables=variables)
                assert wh.client.query(sql).result_rows, var["name"]
        for panel in _panels(board):
            for target in panel["targets"]:
                sql = expand(target["rawSql"], time_from=t0, time_to=t1, interval_s=interval,
                             variables=variables)
                _check(wh, panel, sql)
                checked += 1
    assert checked >= 10
    assert time.perf_counter() - started < 30


def test_risk_board_follows_an_alert_link(warehouse: tuple[Any, int]) -> None:
    """?var-account=…&var-item=… narrows the hit list to that item."""
    wh, now_s = warehouse
    account, item = wh.client.query(
        "SELECT account_key, item_id FROM risk_hits FINAL WHERE item_type = 'post' "
        "ORDER BY detected_at DESC LIMIT 1").result_rows[0]
    board = next(b for b in _boards() if b["uid"] == "matrixguard-risk")
    hits = next(p for p in board["panels"] if p["id"] == HITS_PANEL_ID)
    variables: dict[str, list[str] | None] = {
        "org_unit": ALL, "team": ALL, "platform": ALL, "account_kind": ALL,
        "account": [account], "item": [item]}
    sql = expand(hits["targets"][0]["rawSql"], time_from=now_s - 90 * 86_400,
                 time_to=now_s + 60, interval_s=3600, variables=variables)
    rows = wh.client.query(sql).result_rows
    assert rows and {r[7] for r in rows} == {item}


def _run_board(wh: Any, board: dict[str, Any], variables: dict[str, list[str] | None],
               now_s: int) -> dict[str, Any]:
    t0, t1 = _range(board, now_s)
    out = {}
    for panel in _panels(board):
        sql = expand(panel["targets"][0]["rawSql"], time_from=t0, time_to=t1,
                     interval_s=max(1, (t1 - t0) // 500), variables=variables)
        out[panel["title"]] = wh.client.query(sql)
    return out


def test_overview_narrows_to_an_account(warehouse: tuple[Any, int]) -> None:
    """?var-account=… (the risk and health boards' links): every panel shows that account."""
    wh, now_s = warehouse
    board = next(b for b in _boards() if b["uid"] == "matrixguard-overview")
    every: dict[str, list[str] | None] = {
        "org_unit": ALL, "team": ALL, "platform": ALL, "account_kind": ALL, "account": ALL}
    whole = _run_board(wh, board, every, now_s)
    account = whole["明细数据"].result_rows[0][0]
    one = _run_board(wh, board, {**every, "account": [account]}, now_s)
    assert one["账号数"].result_rows == [(1,)]
    assert len(whole["明细数据"].result_rows) > 100
    assert [r[0] for r in one["明细数据"].result_rows] == [account]
    assert {r[0] for r in one["互动量最高 10 个账号"].result_rows} == {account}
    assert one["互动量"].result_rows[0][0] == whole["明细数据"].result_rows[0][14]
    assert 0 < one["粉丝数（期末）"].result_rows[0][0] < whole["粉丝数（期末）"].result_rows[0][0]


def test_pipeline_board_shows_writes_dead_letters_latency_freshness(
        warehouse: tuple[Any, int]) -> None:
    wh, now_s = warehouse
    board = next(b for b in _boards() if b["uid"] == "matrixguard-pipeline")
    every: dict[str, list[str] | None] = {
        "org_unit": ALL, "team": ALL, "platform": ALL, "account_kind": ALL, "account": ALL}
    res = _run_board(wh, board, every, now_s)
    # 300 dead letters in the last 6 h (the minute rollup may leave the oldest minute out)
    assert 290 <= res["死信数"].result_rows[0][0] <= 300
    assert 290 <= len(res["死信明细"].result_rows) <= 300
    tables = {r[1] for r in res["每分钟写入行数（按表）"].result_rows}
    assert {"作品", "账号快照", "死信"} <= tables
    assert len({r[0] for r in res["每分钟写入行数（按表）"].result_rows}) > 100  # 6 h of minutes
    fresh = dict(res["数据新鲜度（距最近写入秒数）"].result_rows)
    assert "matrixguard.raw.crawl" not in fresh  # dead letters are not writes
    # written just now, and an hour ago (content scores are dated by scored_at)
    assert 0 <= fresh["作品"] < 300 and 0 <= fresh["账号快照"] < 300, fresh
    assert 3_000 < fresh["内容评分"] < 4_000, fresh
    failing = (len(reg_keys := wh.query("SELECT DISTINCT account_key FROM crawl_status").rows)
               + 9) // 10
    assert res["采集失败账号数"].result_rows == [(failing,)]
    failed_rows = res["最近采集失败的账号"].result_rows
    assert len(failed_rows) == failing and len(reg_keys) > failing
    assert {r[2] for r in failed_rows} == {"授权失败"} and {r[3] for r in failed_rows} == {
        "users/show"}
    p50, p99 = zip(*[r[1:] for r in res["写入延迟 p50 / p99"].result_rows[:-2]], strict=True)
    assert all(0.2 <= v <= 5 for v in p50 + p99), (p50, p99)  # the live posts' 0.2–5 s
