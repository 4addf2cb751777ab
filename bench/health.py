"""Health check benchmark: 1,000 own accounts with 90 days of history in chDB.

    python -m bench.health [--accounts 1000] [--days 90] [--posts-per-day 3] [--runs 3]

The history is generated with NumPy and inserted straight into the warehouse tables (no
broker, no worker): a registry row per account, a snapshot per account per day, a few posts
per account per day each captured twice (the second capture is what ``posts FINAL`` keeps),
risk hits on ~2 % of posts, personal-data hits on posts and comments, profile scores and hits,
and account anomalies (firing and resolved), with a realistic share of problem accounts
(unverified, wrong verification subject, no owner, banned, restricted, dormant, off-brand
names). The timed part is what the worker's timer and ``matrixguard health check`` do: build
the facts of every own account (seven set-based queries), assess and rank them, and write the
run (``account_health`` + ``health_runs``). The same is measured on the example roster (368
accounts, 249 of them own) with the same history generator.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from agents.anomaly.naming import NamingRule
from agents.health.warehouse import run_check
from pipeline import logs
from pipeline.registry.roster import read_roster
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("douyin", "xiaohongshu", "weixin_channels", "weixin_mp", "weibo", "bilibili",
             "kuaishou")
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
SEVERITIES = np.array(["critical", "high", "medium", "low"], dtype=object)
SEVERITY_P = (0.1, 0.3, 0.4, 0.2)
CATEGORY_OF = {"critical": "guarantee", "high": "hidden_risk", "medium": "absolute_terms",
               "low": "pressure_selling"}
ANOMALY_TYPES = np.array(["follower_drop", "negative_comment_surge", "posting_burst",
                          "engagement_spike", "renamed", "status_changed"], dtype=object)


@dataclass
class Registry:
    """Registry columns of the accounts to generate history for."""

    key: np.ndarray
    platform: np.ndarray
    kind: np.ndarray
    org_unit: np.ndarray
    team: np.ndarray
    owner: np.ndarray
    display_name: np.ndarray
    subject: np.ndarray
    competitor_group: np.ndarray

    def __len__(self) -> int:
        return len(self.key)


def synthetic_registry(n: int, rng: np.random.Generator) -> Registry:
    """n own accounts: 35 % official, the rest employees, 40 org units, 7 platforms."""
    idx = np.arange(n)
    platform = np.array(PLATFORMS, dtype=object)[idx % len(PLATFORMS)]
    official = rng.random(n) < 0.35
    units = np.array([f"总行/部门{i:02d}" for i in range(8)]
                     + [f"分行{i // 4:02d}/支行{i % 4}" for i in range(32)], dtype=object)
    org_unit = units[rng.integers(0, len(units), n)]
    names = np.where(official, [f"江南银行{u.split('/')[-1]}" for u in org_unit],
                     [f"员工{i:04d}的理财日记" for i in idx]).astype(object)
    owner = np.array([f"负责人{i:04d}" for i in idx], dtype=object)
    owner[rng.random(n) < 0.02] = ""  # no owner
    subject = np.where(official, "江南银行股份有限公司", "").astype(object)
    subject[official & (rng.random(n) < 0.01)] = ""  # official without a registered subject
    return Registry(
        key=np.array([f"{p}:bench{i:05d}" for p, i in zip(platform, idx, strict=True)],
                     dtype=object),
        platform=platform, kind=np.where(official, "official", "employee").astype(object),
        org_unit=org_unit, team=np.full(n, "新媒体团队", dtype=object), owner=owner,
        display_name=names, subject=subject, competitor_group=np.full(n, "", dtype=object))


def roster_registry(path: Path) -> Registry:
    """The example roster's accounts (own and competitors)."""
    accounts = read_roster(path)

    def col(values: list[Any]) -> np.ndarray:
        return np.array(values, dtype=object)

    return Registry(
        key=col([a.account_key for a in accounts]), platform=col([a.platform.value
                                                                  for a in accounts]),
        kind=col([a.kind.value for a in accounts]), org_unit=col([a.org_unit for a in accounts]),
        team=col([a.team for a in accounts]), owner=col([a.owner for a in accounts]),
        display_name=col([a.display_name for a in accounts]),
        subject=col([a.expected_verification_subject for a in accounts]),
        competitor_group=col([a.competitor_group.value if a.competitor_group else ""
                              for a in accounts]))


def _ins(wh: Warehouse, table: str, cols: dict[str, Any]) -> int:
    names = list(cols)
    data = [c.tolist() if isinstance(c, np.ndarray) else c for c in cols.values()]
    wh.insert(table, data, names)
    return len(data[0])


def generate(wh: Warehouse, reg: Registry, *, now_ms: int, days: int, posts_per_day: float,
             seed: int) -> dict[str, int]:
    """Insert ``days`` of history for the registry's accounts; rows inserted per table."""
    rng = np.random.default_rng(seed)
    n = len(reg)
    rows: dict[str, int] = {}
    start = now_ms - days * DAY_MS
    rows["accounts"] = _ins(wh, "accounts", {
        "account_key": reg.key, "platform": reg.platform,
        "platform_account_id": [k.split(":", 1)[1] for k in reg.key],
        "display_name": reg.display_name, "kind": reg.kind, "org_unit": reg.org_unit,
        "team": reg.team, "owner": reg.owner,
        "owner_mobile": np.where((reg.owner != "") & (rng.random(n) > 0.03), "13800000000", ""),
        "expected_verification_subject": reg.subject, "competitor_group": reg.competitor_group,
        "imported_at": np.full(n, start), "source_file": np.full(n, "bench", dtype=object),
    })

    # per-account traits
    official = reg.kind == "official"
    verified = official | (reg.subject != "")
    verified &= ~(official & (rng.random(n) < 0.04))  # unverified officials
    subject = np.where(verified, reg.subject, np.full(n, None, dtype=object)).astype(object)
    subject[verified & (rng.random(n) < 0.02)] = "某某网络科技有限公司"  # someone else's
    status = np.full(n, "active", dtype=object)
    roll = rng.random(n)
    status[roll < 0.035] = "private"
    status[roll < 0.03] = "restricted"
    status[roll < 0.01] = "banned"
    name = reg.display_name.copy()
    off = rng.random(n) < 0.03
    name[off & official] = "财富小助手"
    name[off & ~official] = [f"{x}官方" for x in name[off & ~official]]
    bio = np.where(rng.random(n) < 0.02, "本号产品保本保息，稳赚不赔", "江南银行，服务每一位客户")
    followers0 = np.exp(rng.uniform(np.log(500), np.log(500_000), n))
    growth = np.where(rng.random(n) < 0.05, -0.003, rng.uniform(0.0, 0.004, n))
    stop_at = np.full(n, now_ms + DAY_MS, dtype=np.int64)  # dormant accounts stop posting
    dormant = rng.random(n) < 0.05
    stop_at[dormant] = now_ms - rng.integers(10, 60, dormant.sum()) * DAY_MS
    rate = np.exp(rng.normal(np.log(0.04), 0.5, n))  # interactions per view

    # one snapshot per account per day
    acc = np.repeat(np.arange(n), days)
    day = np.tile(np.arange(days), n)
    captured = start + day * DAY_MS + rng.integers(0, DAY_MS, n * days)
    followers = (followers0[acc] * np.exp(growth[acc] * day)).astype(np.int64)
    rows["account_snapshots"] = _ins(wh, "account_snapshots", {
        "account_key": reg.key[acc], "platform": reg.platform[acc],
        "platform_account_id": np.array([k.split(":", 1)[1] for k in reg.key],
                                        dtype=object)[acc],
        "name": name[acc], "avatar_hash": np.full(n * days, "a1b2c3", dtype=object),
        "bio": bio[acc], "status": status[acc], "verified": verified[acc],
        "verification_subject": subject[acc], "followers": followers, "captured_at": captured,
        "kind": reg.kind[acc], "org_unit": reg.org_unit[acc], "team": reg.team[acc],
        "envelope_id": np.full(n * days, "bench", dtype=object), "published_at": captured,
    })

    # posts: Poisson per account per day, each captured twice (an early and a later capture)
    per_day = rng.poisson(posts_per_day, n * days)
    p_acc = np.repeat(acc, per_day)
    published = np.repeat(start + day * DAY_MS, per_day) + rng.integers(0, DAY_MS, len(p_acc))
    keep = (published < stop_at[p_acc]) & (published <= now_ms)
    p_acc, published = p_acc[keep], published[keep]
    m = len(p_acc)
    post_id = np.array([f"p{i:07d}" for i in range(m)], dtype=object)
    views = (followers0[p_acc] * rng.uniform(0.05, 0.8, m)).astype(np.int64) + 20
    inter = (views * rate[p_acc] * rng.lognormal(0.0, 0.5, m)).astype(np.int64)
    likes = (inter * 0.7).astype(np.int64)
    comments = (inter * 0.1).astype(np.int64)
    shares = (inter * 0.1).astype(np.int64)
    favorites = inter - likes - comments - shares
    first = published + HOUR_MS
    later = np.minimum(published + 48 * HOUR_MS, now_ms)
    both = np.concatenate
    pk = both([p_acc, p_acc])
    rows["posts"] = _ins(wh, "posts", {
        "post_id": both([post_id, post_id]), "account_key": reg.key[pk],
        "platform": reg.platform[pk], "kind": np.full(2 * m, "video", dtype=object),
        "published_at": both([published, published]), "captured_at": both([first, later]),
        "views": both([views // 2, views]), "likes": both([likes // 2, likes]),
        "comments": both([comments // 2, comments]), "shares": both([shares // 2, shares]),
        "favorites": both([favorites // 2, favorites]), "account_kind": reg.kind[pk],
        "org_unit": reg.org_unit[pk], "team": reg.team[pk],
        "envelope_id": np.full(2 * m, "bench", dtype=object),
        "published_ms": both([published, published]),
    })

    # risk hits on ~2 % of posts, personal data on 0.3 %, on comments of 0.5 %
    hit = rng.random(m) < 0.02
    sev = SEVERITIES[rng.choice(4, hit.sum(), p=SEVERITY_P)]
    pd_post = rng.random(m) < 0.003
    pd_comment = rng.random(m) < 0.005
    h_acc = both([p_acc[hit], p_acc[pd_post], p_acc[pd_comment]])
    k = len(h_acc)
    hit_cols = {
        "item_type": both([np.full(hit.sum() + pd_post.sum(), "post", dtype=object),
                           np.full(pd_comment.sum(), "comment", dtype=object)]),
        "item_id": both([post_id[hit], post_id[pd_post],
                         np.array([f"c{i}" for i in range(pd_comment.sum())], dtype=object)]),
        "account_key": reg.key[h_acc], "platform": reg.platform[h_acc],
        "account_kind": reg.kind[h_acc], "org_unit": reg.org_unit[h_acc],
        "team": reg.team[h_acc], "owner": reg.owner[h_acc],
        "category": both([np.array([CATEGORY_OF[s] for s in sev], dtype=object),
                          np.full(pd_post.sum() + pd_comment.sum(), "personal_data",
                                  dtype=object)]),
        "rule_id": both([np.array([f"rule_{s}" for s in sev], dtype=object),
                         np.full(pd_post.sum() + pd_comment.sum(), "mobile", dtype=object)]),
        "severity": both([sev, np.full(pd_post.sum() + pd_comment.sum(), "high",
                                       dtype=object)]),
        "field": np.full(k, "text", dtype=object), "span_start": np.zeros(k, dtype=np.int64),
        "span_end": np.full(k, 4, dtype=np.int64), "term": np.full(k, "保本保息", dtype=object),
        "points": np.full(k, 30, dtype=np.int64), "citation": np.full(k, "", dtype=object),
        "suggestion": np.full(k, "删除违规表述", dtype=object),
        "lexicon_version": np.full(k, "bench0000000000", dtype=object),
        "detected_at": both([first[hit], first[pd_post], first[pd_comment]]),
    }
    rows["risk_hits"] = _ins(wh, "risk_hits", hit_cols)
    # profiles: one score per account; a hit where the bio carries a promise of principal
    bad = np.flatnonzero(bio != "江南银行，服务每一位客户")
    rows["content_scores"] = _ins(wh, "content_scores", {
        "item_type": np.full(n, "profile", dtype=object), "item_id": reg.key,
        "account_key": reg.key, "platform": reg.platform, "account_kind": reg.kind,
        "org_unit": reg.org_unit, "team": reg.team, "owner": reg.owner,
        "score": np.where(bio != "江南银行，服务每一位客户", 40, 0), "level": np.full(n, "无",
                                                                              dtype=object),
        "hit_count": (bio != "江南银行，服务每一位客户").astype(np.int64),
        "categories": [[] for _ in range(n)],
        "lexicon_version": np.full(n, "bench0000000000", dtype=object),
        "observed_at": np.full(n, now_ms - HOUR_MS), "scored_at": np.full(n, now_ms - HOUR_MS),
    })
    rows["risk_hits"] += _ins(wh, "risk_hits", {
        "item_type": np.full(len(bad), "profile", dtype=object), "item_id": reg.key[bad],
        "account_key": reg.key[bad], "platform": reg.platform[bad],
        "account_kind": reg.kind[bad], "org_unit": reg.org_unit[bad], "team": reg.team[bad],
        "owner": reg.owner[bad], "category": np.full(len(bad), "guarantee", dtype=object),
        "rule_id": np.full(len(bad), "guarantee_principal", dtype=object),
        "severity": np.full(len(bad), "critical", dtype=object),
        "field": np.full(len(bad), "bio", dtype=object),
        "span_start": np.full(len(bad), 5), "span_end": np.full(len(bad), 9),
        "term": np.full(len(bad), "保本保息", dtype=object), "points": np.full(len(bad), 40),
        "citation": np.full(len(bad), "", dtype=object),
        "suggestion": np.full(len(bad), "删除保本保息等承诺", dtype=object),
        "lexicon_version": np.full(len(bad), "bench0000000000", dtype=object),
        "detected_at": np.full(len(bad), now_ms - HOUR_MS),
    })
    # anomalies: ~0.4 per account, a third of them resolved a day later
    a = rng.integers(0, n, int(n * 0.4))
    at = now_ms - rng.integers(1, days, len(a)) * DAY_MS
    a_type = ANOMALY_TYPES[rng.integers(0, len(ANOMALY_TYPES), len(a))]
    resolved = rng.random(len(a)) < 0.33
    ra = np.concatenate([a, a[resolved]])
    cols = {
        "anomaly_id": [f"an{i}" for i in range(len(ra))],
        "anomaly_type": both([a_type, a_type[resolved]]),
        "state": both([np.full(len(a), "firing", dtype=object),
                       np.full(resolved.sum(), "resolved", dtype=object)]),
        "severity": np.full(len(ra), "high", dtype=object), "account_key": reg.key[ra],
        "platform": reg.platform[ra], "account_kind": reg.kind[ra],
        "org_unit": reg.org_unit[ra], "team": reg.team[ra], "owner": reg.owner[ra],
        "subject": np.full(len(ra), "", dtype=object),
        "title": np.full(len(ra), "异常", dtype=object),
        "observed_at": both([at, at[resolved] + DAY_MS]),
        "detected_at": both([at, at[resolved] + DAY_MS]),
    }
    rows["account_anomalies"] = _ins(wh, "account_anomalies", cols)
    return rows


def measure(directory: Path, reg: Registry, *, days: int, posts_per_day: float, runs: int,
            seed: int) -> dict[str, Any]:
    """Generate the history in a fresh chDB directory, then time ``runs`` health checks."""
    now = datetime.now(UTC).replace(microsecond=0)
    wh = Warehouse(f"chdb://{directory}")
    try:
        migrate(wh.client)
        t0 = time.perf_counter()
        rows = generate(wh, reg, now_ms=int(now.timestamp() * 1000), days=days,
                        posts_per_day=posts_per_day, seed=seed)
        generate_s = time.perf_counter() - t0
        timings: list[dict[str, float]] = []
        levels: dict[str, int] = {}
        checked = 0
        for _ in range(runs):
            run = run_check(wh, trigger="cli", rule=NamingRule(), now=now)
            timings.append({"facts_s": run.facts_s, "assess_s": run.assess_s,
                            "write_s": run.write_s, "total_s": run.seconds})
            levels, checked = run.levels, len(run.reports)
        written = wh.scalar("SELECT count() FROM account_health")
    finally:
        wh.close()
    median = {k: round(statistics.median(t[k] for t in timings), 3) for k in timings[0]}
    return {
        "accounts": len(reg), "own_accounts_checked": checked, "days": days,
        "rows_generated": rows, "rows_generated_total": sum(rows.values()),
        "generate_s": round(generate_s, 2),
        "first_run": {k: round(v, 3) for k, v in timings[0].items()},
        "median_of_runs": median, "runs": runs, "levels": levels,
        "account_health_rows_written": int(written),
    }


def run(accounts: int = 1000, days: int = 90, posts_per_day: float = 3.0, runs: int = 3,
        roster: bool = True) -> dict[str, Any]:
    """The benchmark document."""
    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-health-"))
    try:
        result: dict[str, Any] = {
            "synthetic": measure(tmp / "synthetic", synthetic_registry(
                accounts, np.random.default_rng(11)), days=days, posts_per_day=posts_per_day,
                runs=runs, seed=12),
            "goal_s": 5.0,
        }
        if roster:
            result["example_roster"] = measure(
                tmp / "roster", roster_registry(ROOT / "examples" / "roster.csv"), days=days,
                posts_per_day=posts_per_day, runs=runs, seed=13)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--posts-per-day", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-roster", action="store_true", help="skip the example roster")
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = run(args.accounts, args.days, args.posts_per_day, args.runs, not args.no_roster)
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
