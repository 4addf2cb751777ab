"""Panel query benchmark: every panel of every registered board on chDB.

    python -m bench.panels [--accounts 300] [--days 90] [--posts-per-day 3] [--runs 20]

The history is ``bench.health.generate`` (a snapshot per account per day, posts captured twice,
risk hits, anomalies) for synthetic own accounts, plus what the boards' tests add (recent
anomalies, alerts, a silence, dead letters, six hours of sink writes) and 30 days of health
runs. Each panel's SQL is expanded as Grafana would (macros, every variable "All", the board's
default time range, 500 points) and run ``--runs`` times after one warm-up run. Prints JSON:
p50/p95/max milliseconds and rows per panel, the slowest panels, and those over the goal.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from agents.anomaly.naming import NamingRule
from agents.health.warehouse import run_check
from bench.health import DAY_MS, Registry, generate, synthetic_registry
from pipeline import logs
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse

P95_GOAL_MS = 300.0


def extra(wh: Warehouse, reg: Registry, now_ms: int) -> None:
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
    # the sink's writes over the last 6 hours (the bench history is written all at once):
    # posts published to Kafka 0.2–5 s before they are written
    k = 720
    written = now_ms - rng.integers(0, 6 * 3_600_000, k)
    produced = written - rng.integers(200, 5_000, k)
    acc = rng.integers(0, len(reg), k)
    wh.insert("posts", [
        [f"live{i}" for i in range(k)], reg.key[acc].tolist(), reg.platform[acc].tolist(),
        ["video"] * k, ["直播预告"] * k, ["今晚八点理财直播"] * k, produced.tolist(),
        produced.tolist(), [100] * k, [10] * k, [1] * k, [1] * k, [1] * k,
        reg.kind[acc].tolist(), reg.org_unit[acc].tolist(), reg.team[acc].tolist(),
        ["live"] * k, produced.tolist(), written.tolist()],
        ["post_id", "account_key", "platform", "kind", "title", "text", "published_at",
         "captured_at", "views", "likes", "comments", "shares", "favorites", "account_kind",
         "org_unit", "team", "envelope_id", "published_ms", "written_at"])
    crawl_history(wh, reg, now_ms)


def crawl_history(wh: Warehouse, reg: Registry, now_ms: int) -> None:
    """Every account crawled every 30 minutes for 6 hours; the last crawl of every tenth
    account failed (token expired)."""
    n = len(reg)
    rows: list[list[object]] = []
    for step in range(12):
        started = now_ms - (12 - step) * 1_800_000 + 60_000
        for i in range(n):
            failed = step == 11 and i % 10 == 0
            rows.append([
                f"crawl{step}-{i}", reg.platform[i], reg.key[i], "bench", "app",
                "auth_failed" if failed else "ok", "users/show" if failed else "",
                "error_code 21327: expired_token" if failed else "", 2 + step % 3, 0,
                0 if failed else 1, 0 if failed else step % 3, 0, 0 if failed else 2, 0,
                started, started + 800])
    wh.insert("crawl_status", [list(c) for c in zip(*rows, strict=True)], [
        "status_id", "platform", "account_key", "connector", "credential", "outcome",
        "endpoint", "error", "requests", "retries", "pages", "posts_new", "posts_refreshed",
        "comments_new", "dead_letters", "started_at", "finished_at"])


def history(wh: Warehouse, *, accounts: int, days: int, posts_per_day: float,
            now: datetime) -> dict[str, int]:
    """Migrate and fill the warehouse; rows inserted per table (generator tables)."""
    migrate(wh.client)
    now_ms = int(now.timestamp() * 1000)
    reg = synthetic_registry(accounts, np.random.default_rng(11))
    rows = generate(wh, reg, now_ms=now_ms, days=days, posts_per_day=posts_per_day, seed=12)
    extra(wh, reg, now_ms)
    run_check(wh, trigger="cli", rule=NamingRule(), now=now)
    wh.query("INSERT INTO account_health SELECT * REPLACE (concat(run_id, toString(d)) AS run_id,"
             " run_at - toIntervalDay(d) AS run_at,"
             " toUInt8(greatest(0, toInt32(overall) - d % 7)) AS overall)"
             " FROM account_health ARRAY JOIN range(1, 30) AS d", readonly=False)
    return rows


def board_range(board: dict[str, Any], now_s: int) -> tuple[int, int]:
    """The board's default time range (``now-6h``, ``now-24h``, ``now-30d``) in Unix seconds."""
    spec = board["time"]["from"]
    n, unit = int(spec[4:-1]), spec[-1]
    return now_s - n * {"m": 60, "h": 3600, "d": 86_400}[unit], now_s + 60


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for panel in board["panels"]:
        out.extend(panel.get("panels", []) if panel["type"] == "row" else [panel])
    return out


def measure(wh: Warehouse, *, now_s: int, runs: int) -> list[dict[str, Any]]:
    """Time every panel query of every registered board (variables All)."""
    from dashboards.boards import BOARDS
    from dashboards.macros import ALL, expand

    results: list[dict[str, Any]] = []
    for build in BOARDS:
        board = build()
        t0, t1 = board_range(board, now_s)
        variables: dict[str, list[str] | None] = {
            v["name"]: ALL if v.get("includeAll") else [""] for v in board["templating"]["list"]}
        for panel in panels(board):
            for target in panel["targets"]:
                sql = expand(target["rawSql"], time_from=t0, time_to=t1,
                             interval_s=max(1, (t1 - t0) // 500), variables=variables)
                rows = len(wh.client.query(sql).result_rows)  # warm-up
                ms = []
                for _ in range(runs):
                    started = time.perf_counter()
                    wh.client.query(sql)
                    ms.append((time.perf_counter() - started) * 1000)
                results.append({
                    "board": board["uid"], "panel_id": panel["id"], "title": panel["title"],
                    "type": panel["type"], "rows": rows,
                    "p50_ms": round(float(np.percentile(ms, 50)), 1),
                    "p95_ms": round(float(np.percentile(ms, 95)), 1),
                    "max_ms": round(max(ms), 1)})
    return results


def run(accounts: int = 300, days: int = 90, posts_per_day: float = 3.0,
        runs: int = 20) -> dict[str, Any]:
    """The benchmark document."""
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-panels-"))
    now = datetime.now(UTC).replace(microsecond=0)
    wh = Warehouse(f"chdb://{tmp}")
    try:
        t0 = time.perf_counter()
        rows = history(wh, accounts=accounts, days=days, posts_per_day=posts_per_day, now=now)
        generate_s = time.perf_counter() - t0
        results = measure(wh, now_s=int(now.timestamp()), runs=runs)
    finally:
        wh.close()
        shutil.rmtree(tmp, ignore_errors=True)
    slowest = sorted(results, key=lambda r: r["p95_ms"], reverse=True)
    return {
        "accounts": accounts, "days": days, "posts_per_day": posts_per_day, "runs": runs,
        "rows_generated": rows, "generate_s": round(generate_s, 2),
        "p95_goal_ms": P95_GOAL_MS, "panels": len(results),
        "over_goal": [f"{r['board']} #{r['panel_id']} {r['title']} ({r['p95_ms']} ms)"
                      for r in slowest if r["p95_ms"] > P95_GOAL_MS],
        "slowest": slowest[:10],
        "p95_ms_all_panels_max": slowest[0]["p95_ms"] if slowest else 0.0,
        "by_board": {uid: {"panels": sum(1 for r in results if r["board"] == uid),
                           "p95_ms_max": max(r["p95_ms"] for r in results if r["board"] == uid),
                           "p50_ms_sum": round(sum(r["p50_ms"] for r in results
                                                   if r["board"] == uid), 1)}
                     for uid in dict.fromkeys(r["board"] for r in results)},
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--posts-per-day", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = run(args.accounts, args.days, args.posts_per_day, args.runs)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
