"""Monthly report and detail export benchmark.

    python -m bench.report [--accounts 300] [--days 31] [--export-rows 1000000]

The history is ``bench.health.generate`` (a snapshot per account per day, posts captured twice,
risk hits, anomalies) for synthetic own accounts plus competitor accounts of the three groups,
alerts fired and resolved over the months, and a health run at the end of the month. Timed:
building the report (every query) and writing its HTML and XLSX for the last full month; then
exporting ``--export-rows`` detail rows (posts generated vectorised inside chDB with
``numbers()``) to CSV and to XLSX. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from agents.anomaly.naming import NamingRule
from agents.health.warehouse import run_check
from bench.health import DAY_MS, PLATFORMS, Registry, generate, synthetic_registry
from pipeline import logs
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse

GOAL_S = 10.0
GROUPS = ("全国性银行", "优质地方银行", "本地金融机构")


def competitor_registry(n: int, rng: np.random.Generator) -> Registry:
    """n competitor accounts spread over the three competitor groups and the platforms."""
    idx = np.arange(n)
    platform = np.array(PLATFORMS, dtype=object)[idx % len(PLATFORMS)]
    group = np.array(GROUPS, dtype=object)[rng.integers(0, len(GROUPS), n)]
    return Registry(
        key=np.array([f"{p}:rival{i:04d}" for p, i in zip(platform, idx, strict=True)],
                     dtype=object),
        platform=platform, kind=np.full(n, "competitor", dtype=object),
        org_unit=np.full(n, "竞品", dtype=object), team=np.full(n, "", dtype=object),
        owner=np.full(n, "", dtype=object),
        display_name=np.array([f"{g}{i:03d}" for g, i in zip(group, idx, strict=True)],
                              dtype=object),
        subject=np.full(n, "", dtype=object), competitor_group=group)


def concat(a: Registry, b: Registry) -> Registry:
    return Registry(**{f: np.concatenate([getattr(a, f), getattr(b, f)])
                       for f in Registry.__dataclass_fields__})


def alerts(wh: Warehouse, reg: Registry, *, now_ms: int, days: int, seed: int) -> int:
    """~0.5 alerts per own account over ``days``, 60 % of them resolved 1–3 days later."""
    rng = np.random.default_rng(seed)
    own = np.flatnonzero(reg.kind != "competitor")
    n = len(own) // 2 + 1
    acc = own[rng.integers(0, len(own), n)]
    start = now_ms - rng.integers(DAY_MS, days * DAY_MS, n)
    resolved = rng.random(n) < 0.6
    end = start + rng.integers(DAY_MS, 3 * DAY_MS, n)
    r = np.flatnonzero(resolved)
    ix = np.concatenate([np.arange(n), r])
    status = ["firing"] * n + ["resolved"] * len(r)
    ends: list[Any] = [None] * n + end[r].tolist()
    received = np.concatenate([start, end[r]])
    wh.insert("alerts", [
        [f"fp{i}" for i in ix], status, ["RiskHitHigh"] * len(ix), ["high"] * len(ix),
        reg.key[acc[ix]].tolist(), reg.org_unit[acc[ix]].tolist(),
        reg.owner[acc[ix]].tolist(), [{"rule": "x"}] * len(ix), ["高风险命中"] * len(ix),
        ["发现违规表述"] * len(ix), [""] * len(ix), start[ix].tolist(), ends,
        received.tolist()],
        ["fingerprint", "status", "alertname", "severity", "account_key", "org_unit", "owner",
         "labels", "title", "summary", "board_url", "starts_at", "ends_at", "received_at"])
    return len(ix)


def history(wh: Warehouse, *, accounts: int, competitors: int, days: int, now: datetime,
            health_at: datetime, posts_per_day: float = 3.0, seed: int = 21) -> dict[str, int]:
    """Migrate and fill the warehouse; rows inserted per table."""
    migrate(wh.client)
    rng = np.random.default_rng(seed)
    reg = concat(synthetic_registry(accounts, rng), competitor_registry(competitors, rng))
    now_ms = int(now.timestamp() * 1000)
    rows = generate(wh, reg, now_ms=now_ms, days=days, posts_per_day=posts_per_day,
                    seed=seed + 1)
    rows["alerts"] = alerts(wh, reg, now_ms=now_ms, days=days, seed=seed + 2)
    run_check(wh, trigger="cli", rule=NamingRule(), now=health_at)
    return rows


def detail_rows(wh: Warehouse, n: int, *, since: datetime, days: int) -> None:
    """``n`` posts of 300 own accounts spread over ``days``, generated inside chDB."""
    t0 = int(since.timestamp() * 1000)
    span = days * DAY_MS
    wh.query(
        "INSERT INTO posts (post_id, account_key, platform, kind, title, text, url,"
        " published_at, captured_at, views, likes, comments, shares, favorites, account_kind,"
        " org_unit, team, envelope_id, published_ms)"
        " SELECT concat('x', toString(number)), concat('douyin:acc', toString(number % 300)),"
        " 'douyin', 'video', concat('理财小课堂第', toString(number), '期'), '',"
        " concat('https://example.invalid/', toString(number)),"
        f" fromUnixTimestamp64Milli(toInt64({t0} + intHash32(number) % {span}), 'UTC'),"
        f" fromUnixTimestamp64Milli(toInt64({t0} + {span}), 'UTC'),"
        " 1000 + number % 5000, number % 300, number % 40, number % 20, number % 30,"
        " if(number % 3 = 0, 'official', 'employee'),"
        " concat('分行', toString(number % 300 % 10), '/支行', toString(number % 300 % 4)),"
        f" '新媒体团队', 'bench', 0 FROM numbers({int(n)})", readonly=False)


def run(accounts: int = 300, days: int = 31, export_rows: int = 1_000_000) -> dict[str, Any]:
    """The benchmark document."""
    from pipeline.reports import build_report, write_report
    from pipeline.reports.export import export_details

    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-report-"))
    month_start = datetime(2026, 10, 1, tzinfo=UTC)
    now = month_start + timedelta(days=days + 1)  # the month and one day of the next
    result: dict[str, Any] = {"accounts": accounts, "competitors": accounts // 10,
                              "days": days + 31, "goal_s": GOAL_S}
    wh = Warehouse(f"chdb://{tmp / 'wh'}")
    try:
        t0 = time.perf_counter()
        result["rows_generated"] = history(
            wh, accounts=accounts, competitors=accounts // 10, days=days + 31, now=now,
            health_at=month_start + timedelta(days=30, hours=12))
        result["generate_s"] = round(time.perf_counter() - t0, 2)

        def query(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
            r = wh.query(sql)
            return r.columns, r.rows

        timings = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = build_report(query, "2026-10")
            t1 = time.perf_counter()
            html_path, xlsx_path = write_report(report, tmp / "out")
            t2 = time.perf_counter()
            timings.append({"queries_s": t1 - t0, "write_s": t2 - t1, "total_s": t2 - t0})
        best = min(timings, key=lambda t: t["total_s"])
        result["report"] = {
            **{k: round(v, 3) for k, v in best.items()},
            "runs_total_s": [round(t["total_s"], 3) for t in timings],
            "html_bytes": html_path.stat().st_size, "xlsx_bytes": xlsx_path.stat().st_size,
            "accounts_in_report": len(report.accounts), "risk_hit_rows": len(report.risk_hits),
            "within_goal": best["total_s"] <= GOAL_S}

        since = datetime(2030, 1, 1, tzinfo=UTC)
        t0 = time.perf_counter()
        detail_rows(wh, export_rows, since=since, days=30)
        result["export_generate_s"] = round(time.perf_counter() - t0, 2)
        exports: dict[str, Any] = {"rows": export_rows}
        for fmt in ("csv", "xlsx"):
            path = tmp / f"details.{fmt}"
            t0 = time.perf_counter()
            n = export_details(query, path, since="2030-01-01", until="2030-02-01", fmt=fmt)
            exports[fmt] = {"seconds": round(time.perf_counter() - t0, 2), "rows": n,
                            "bytes": path.stat().st_size}
        result["export"] = exports
    finally:
        wh.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = run(args.accounts, args.days, args.export_rows)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
