"""The Grafana boards: the committed JSON is what the Python builds, and every panel's SQL runs
on chDB (macros and template variables expanded as Grafana does) against 90 days of simulated
history, returning rows in the shape its panel type needs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dashboards.boards import BOARDS, JSON_DIR, render
from dashboards.clickhouse_query import PLUGIN_TYPE, ClickHouseQuery
from dashboards.macros import ALL, expand
from dashboards.risk import HITS_PANEL_ID

ROOT = Path(__file__).resolve().parents[2]
DAY_MS = 86_400_000


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
    from pipeline.warehouse.migrations import migrate
    from pipeline.warehouse.store import Warehouse

    tmp = tmp_path_factory.mktemp("dashboards-chdb")
    wh = Warehouse(f"chdb://{tmp}")
    migrate(wh.client)
    now = datetime.now(UTC).replace(microsecond=0)
    now_ms = int(now.timestamp() * 1000)
    reg = roster_registry(ROOT / "examples" / "roster.csv")
    generate(wh, reg, now_ms=now_ms, days=90, posts_per_day=1.0, seed=7)
    _extra(wh, reg, now_ms)
    run_check(wh, trigger="cli", rule=NamingRule(), now=now)
    # the health history: earlier runs (scores over time), a day apart
    wh.query("INSERT INTO account_health SELECT * REPLACE (concat(run_id, toString(d)) AS run_id,"
             " run_at - toIntervalDay(d) AS run_at,"
             " toUInt8(greatest(0, toInt32(overall) - d % 7)) AS overall)"
             " FROM account_health ARRAY JOIN range(1, 30) AS d", readonly=False)
    yield wh, now_ms // 1000
    wh.close()


def _extra(wh: Any, reg: Any, now_ms: int) -> None:
    """Recent anomalies, alerts, a silence and dead letters (the bench history has none)."""
    rng = np.random.default_rng(3)
    n = 40
    acc = rng.integers(0, len(reg), n)
    at = now_ms - rng.integers(60_000, DAY_MS // 2, n)
    wh.insert("account_anomalies", [
        [f"recent{i}" for i in range(n)], ["follower_drop"] * n,
        ["firing"] * (n - 10) + ["resolved"] * 10, ["high"] * n, reg.key[acc].tolist(),
        reg.platform[acc].tolist(), reg.kind[acc].tolist(), reg.org_unit[acc].tolist(),
        reg.team[acc].tolist(), reg.owner[acc].tolist(), [""] * n, ["粉丝数骤降"] * n,
        ["10000"] * n, ["5000"] * n, ["{}"] * n, at.tolist(), at.tolist()],
        ["anomaly_id", "anomaly_type", "state", "severity", "account_key", "platform",
         "account_kind", "org_unit", "team", "owner", "subject", "title", "before", "after",
         "evidence", "observed_at", "detected_at"])
    wh.insert("alerts", [
        [f"fp{i}" for i in range(n)], ["firing"] * (n - 5) + ["resolved"] * 5,
        ["RiskHitCritical"] * n, ["critical"] * n, reg.key[acc].tolist(),
        reg.org_unit[acc].tolist(), reg.owner[acc].tolist(), [{"rule": "x"}] * n,
        ["严重风险命中"] * n, ["发现保本表述"] * n,
        ["http://grafana/d/matrixguard-risk"] * n, at.tolist(), [None] * n, at.tolist()],
        ["fingerprint", "status", "alertname", "severity", "account_key", "org_unit", "owner",
         "labels", "title", "summary", "board_url", "starts_at", "ends_at", "received_at"])
    wh.insert("silences", [["s1"], [["account=douyin:x"]], [now_ms - DAY_MS],
                           [now_ms + DAY_MS], ["张三"], ["演练"], [now_ms - DAY_MS]],
              ["silence_id", "matchers", "starts_at", "ends_at", "created_by", "comment",
               "updated_at"])
    m = 300
    failed = now_ms - rng.integers(0, 6 * 3_600_000, m)
    stages = np.array(["ingest", "sink", "sensitivity"], dtype=object)[rng.integers(0, 3, m)]
    reasons = np.array(["invalid_json", "schema", "unknown_account"],
                       dtype=object)[rng.integers(0, 3, m)]
    wh.insert("dead_letters", [
        [f"dl{i}" for i in range(m)], stages.tolist(), reasons.tolist(), ["字段缺失"] * m,
        ["matrixguard.raw.crawl"] * m, [0] * m, list(range(m)), [0] * m, [""] * m,
        ["douyin"] * m, ["{}"] * m, failed.tolist()],
        ["dead_letter_id", "stage", "reason", "error", "source_topic", "source_partition",
         "source_offset", "item_index", "account_key", "platform", "raw", "failed_at"])


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
