"""Rollup benchmark: what migration 0006 (materialized views) costs on insert, and what the
boards' views cost to query.

    python -m bench.rollups [--accounts 300] [--days 90] [--posts 200000] [--metrics 100000]
                            [--hits 20000]

The same rows (snapshots twice a day per account, posts, post metrics, risk hits, anomalies,
dead letters) are inserted into two fresh chDB directories, one migrated up to 0005 and one with
0006 too. chDB allows one data directory per process, so each runs in a child process. Prints
JSON: insert seconds per table and in total for both, the overhead, and the time of a typical
query on each view (plus the same figures computed from FINAL base tables, for comparison).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from agents.sink.core import (
    ANOMALY_COLUMNS,
    DEAD_LETTER_COLUMNS,
    HIT_COLUMNS,
    METRIC_COLUMNS,
    POST_COLUMNS,
    SNAPSHOT_COLUMNS,
)
from pipeline import logs
from pipeline.warehouse.migrations import default_dir, migrate
from pipeline.warehouse.store import Warehouse

START = datetime(2026, 8, 1, tzinfo=UTC)
BLOCK = 20_000
QUERIES = {
    "v_account_daily": "SELECT day, sum(followers), sum(posts), sum(interactions) "
                       "FROM v_account_daily WHERE day >= '{d30}' GROUP BY day ORDER BY day",
    "v_org_daily": "SELECT org_unit, sum(posts), sum(risk_hits) FROM v_org_daily "
                   "GROUP BY org_unit ORDER BY 2 DESC LIMIT 10",
    "v_risk_hits_hourly": "SELECT toDate(hour) AS d, severity, sum(hits) FROM v_risk_hits_hourly "
                          "GROUP BY d, severity ORDER BY d",
    "v_pipeline_minutely": "SELECT table_or_topic, sum(events), sum(dead_letters) "
                           "FROM v_pipeline_minutely GROUP BY table_or_topic",
    "v_accounts_latest": "SELECT status, count(), sum(followers) FROM v_accounts_latest "
                         "GROUP BY status",
    "v_posts_latest": "SELECT account_key, sum(interactions) FROM v_posts_latest "
                      "WHERE published_at >= '{d30}' GROUP BY account_key ORDER BY 2 DESC "
                      "LIMIT 20",
}
FINAL_QUERIES = {
    "account_daily_from_final": "SELECT d, sum(f), sum(p), sum(i) FROM ("
        "SELECT toDate(captured_at) AS d, account_key, argMax(followers, captured_at) AS f, "
        "0 AS p, 0 AS i FROM account_snapshots FINAL WHERE captured_at >= '{d30}' GROUP BY 1, 2 "
        "UNION ALL SELECT toDate(published_at), account_key, 0, count(), "
        "sum(likes + comments + shares + favorites) FROM posts FINAL "
        "WHERE published_at >= '{d30}' GROUP BY 1, 2) GROUP BY d ORDER BY d",
    "risk_hits_hourly_from_final": "SELECT toDate(detected_at) AS d, severity, "
        "uniqExact(item_type, item_id, rule_id, field, span_start) FROM risk_hits FINAL "
        "GROUP BY d, severity ORDER BY d",
}


def _times(rng: np.random.Generator, n: int, days: int) -> list[datetime]:
    ms = rng.integers(0, days * 86_400_000, n)
    return [START + timedelta(milliseconds=int(m)) for m in ms]


def _blocks(args: argparse.Namespace) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    rng = np.random.default_rng(2026)
    keys = [f"douyin:{i:04d}" for i in range(args.accounts)]
    orgs = [f"分行{i % 31:02d}/支行{i % 7}" for i in range(args.accounts)]
    kinds = ["official", "employee", "competitor"]
    now = datetime.now(UTC)
    out: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = []

    snaps = []
    for a, key in enumerate(keys):
        for d in range(args.days):
            for h in (3, 15):
                at = START + timedelta(days=d, hours=h, minutes=a % 60)
                snaps.append((key, "douyin", key[7:], f"账号{a}", "h", "", "active", True, None,
                               1000 + a * 10 + d, 5, d, 100, at, kinds[a % 3], orgs[a], "组",
                               "env", at, now))
    out.append(("account_snapshots", SNAPSHOT_COLUMNS, snaps))

    acct = rng.integers(0, args.accounts, args.posts)
    published = _times(rng, args.posts, args.days)
    likes = rng.integers(0, 500, args.posts)
    posts = []
    for i in range(args.posts):
        a = int(acct[i])
        cap = published[i] + timedelta(hours=3)
        posts.append((f"p{i}", keys[a], "douyin", "video", "标题", "正文" * 20, ["tag"], "u",
                      published[i], cap, int(likes[i]) * 10, int(likes[i]), 3, 2, 1,
                      kinds[a % 3], orgs[a], "组", "env", 0, now))
    out.append(("posts", POST_COLUMNS, posts))

    metrics = []
    for i in range(args.metrics):
        j = i % args.posts
        metrics.append((f"p{j}", posts[j][1], "douyin", posts[j][9] + timedelta(hours=6),
                        20, 2, 1, 1, 0, now))
    out.append(("post_metrics", METRIC_COLUMNS, metrics))

    hit_posts = rng.integers(0, args.posts, args.hits)
    sev = ["critical", "high", "medium", "low"]
    hits = []
    for i in range(args.hits):
        j = int(hit_posts[i])
        a = int(acct[j])
        hits.append(("post", f"p{j}", keys[a], "douyin", kinds[a % 3], orgs[a], "组", "张三",
                     "promise", f"r{i % 40}", sev[i % 4], "text", i % 5, i % 5 + 2, "保本", 10,
                     "c", "s", "lex1", posts[j][9] + timedelta(seconds=1)))
    out.append(("risk_hits", HIT_COLUMNS, hits))

    anomalies = [(f"an{i}", "follower_drop", "firing", "high", keys[i % args.accounts],
                  "douyin", kinds[i % 3], orgs[i % args.accounts], "组", "张三", "", "掉粉", "",
                  "", "{}", t, t) for i, t in enumerate(_times(rng, 1000, args.days))]
    out.append(("account_anomalies", ANOMALY_COLUMNS, anomalies))
    dead = [(f"dl{i}", "ingest", "invalid_post", "bad", "matrixguard.raw.posts", 0, i, -1, "", "",
             "{}", t, now) for i, t in enumerate(_times(rng, 500, args.days))]
    out.append(("dead_letters", DEAD_LETTER_COLUMNS, dead))
    return out


def _child(args: argparse.Namespace) -> dict[str, Any]:
    logs.configure("json", "WARNING")
    workdir = Path(args.child)
    mig_dir = workdir / "migrations"
    mig_dir.mkdir(parents=True)
    for path in sorted(default_dir().glob("*.sql")):
        if args.rollups or int(path.name[:4]) <= 5:
            shutil.copy(path, mig_dir / path.name)
    wh = Warehouse(f"chdb://{workdir / 'wh'}")
    migrate(wh.client, mig_dir)
    blocks = _blocks(args)
    result: dict[str, Any] = {"rows": {}, "insert_s": {}}
    total = 0.0
    for table, columns, rows in blocks:
        t0 = time.perf_counter()
        for start in range(0, len(rows), BLOCK):
            chunk = rows[start:start + BLOCK]
            wh.insert(table, [list(c) for c in zip(*chunk, strict=True)], columns)
        took = time.perf_counter() - t0
        total += took
        result["rows"][table] = len(rows)
        result["insert_s"][table] = round(took, 3)
    result["insert_total_s"] = round(total, 3)
    d30 = (START + timedelta(days=args.days - 30)).date().isoformat()
    queries = dict(FINAL_QUERIES)
    if args.rollups:
        queries.update(QUERIES)
    result["query_s"] = {}
    for name, sql in queries.items():
        sql = sql.format(d30=d30)
        wh.query(sql)  # warm
        t0 = time.perf_counter()
        runs = 3
        for _ in range(runs):
            wh.query(sql)
        result["query_s"][name] = round((time.perf_counter() - t0) / runs, 4)
    if args.rollups:
        result["rollup_rows"] = {t: wh.scalar(f"SELECT count() FROM {t}") for t in (
            "rollup_account_followers_daily", "rollup_post_daily", "rollup_risk_hits",
            "rollup_anomalies_daily", "rollup_pipeline_writes")}
    wh.close()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--metrics", type=int, default=100_000)
    parser.add_argument("--hits", type=int, default=20_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rollups", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args)))
        return
    sizes = ["--accounts", str(args.accounts), "--days", str(args.days), "--posts",
             str(args.posts), "--metrics", str(args.metrics), "--hits", str(args.hits)]
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="mg-bench-rollups-") as tmp:
        for label, extra in (("up_to_0005", []), ("with_0006", ["--rollups"])):
            out = subprocess.run(
                [sys.executable, "-m", "bench.rollups", *sizes, "--child",
                 str(Path(tmp) / label), *extra],
                check=True, capture_output=True, text=True).stdout
            runs[label] = json.loads(out.strip().splitlines()[-1])
    base, roll = runs["up_to_0005"]["insert_total_s"], runs["with_0006"]["insert_total_s"]
    print(json.dumps({
        "accounts": args.accounts, "days": args.days,
        "rows": runs["with_0006"]["rows"],
        "insert_s": {"up_to_0005": base, "with_0006": roll,
                     "overhead_pct": round(100 * (roll - base) / base, 1) if base else None},
        "insert_s_per_table": {k: v["insert_s"] for k, v in runs.items()},
        "query_s": runs["with_0006"]["query_s"],
        "rollup_rows": runs["with_0006"].get("rollup_rows"),
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
