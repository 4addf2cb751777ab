"""The health check against real chDB: a small known dataset in the real tables, the facts the
set-based SQL computes, the scores, and the run written back (account_health, health_runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from agents.anomaly.naming import NamingRule
from agents.health.facts import AccountFacts
from agents.health.warehouse import build_facts, run_check
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse
from pipeline.worker import LOCK_NAME
from tests.conftest import ROOT
from tests.harness import CLI, run_cli, wait_for

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SUBJECT = "江南银行股份有限公司"


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def insert(wh: Warehouse, table: str, rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    wh.insert(table, [[r[n] for r in rows] for n in names], names)


ACCOUNTS = [  # key, kind, name, org unit, owner, expected subject
    ("douyin:good", "official", "江南银行", "总行/办公室", "罗浩瑶", SUBJECT),
    ("xiaohongshu:unverified", "official", "江南银行信用卡", "总行/办公室", "陈悦", SUBJECT),
    ("weibo:wrongsubj", "official", "江南银行杭州分行", "杭州分行", "何洋", SUBJECT),
    ("douyin:noowner", "employee", "小王理财日记", "杭州分行/西湖支行", "", ""),
    ("kuaishou:banned", "official", "江南财富说", "总行/零售银行部", "俞浩", SUBJECT),
    ("douyin:risky", "employee", "阿杰说钱", "南京分行", "何杰", ""),
    ("douyin:dormant", "employee", "小李的日常", "南京分行/鼓楼支行", "李娟", ""),
    ("bilibili:offbrand", "official", "江南银行理财", "总行/网络金融部", "蒋瑶", SUBJECT),
    ("xiaohongshu:profile", "official", "江南银行", "总行/办公室", "罗浩瑶", SUBJECT),
    ("weibo:nosnap", "employee", "小张看财经", "杭州分行/西湖支行", "张帆", ""),
    ("douyin:rival", "competitor", "某某银行", "", "", ""),
]
OWN = [a[0] for a in ACCOUNTS if a[1] != "competitor"]


def snap(key: str, at: datetime, *, name: str, followers: int = 10_000, verified: bool = True,
         subject: str | None = SUBJECT, status: str = "active",
         bio: str = "江南银行官方账号") -> dict[str, Any]:
    return {"account_key": key, "platform": key.split(":")[0], "platform_account_id": key,
            "name": name, "avatar_hash": "a1b2", "bio": bio, "status": status,
            "verified": verified, "verification_subject": subject, "followers": followers,
            "captured_at": at}


def post(key: str, post_id: str, published: datetime, *, views: int = 1000, likes: int = 30,
         captured: datetime | None = None) -> dict[str, Any]:
    return {"post_id": post_id, "account_key": key, "platform": key.split(":")[0],
            "kind": "video", "published_at": published,
            "captured_at": captured or published + timedelta(hours=30), "views": views,
            "likes": likes, "comments": 5, "shares": 3, "favorites": 2}


def hit(key: str, item_type: str, item_id: str, category: str, rule_id: str, severity: str,
        detected: datetime, *, version: str = "v2", field: str = "text", term: str = "保本",
        start: int = 0) -> dict[str, Any]:
    return {"item_type": item_type, "item_id": item_id, "account_key": key,
            "platform": key.split(":")[0], "category": category, "rule_id": rule_id,
            "severity": severity, "field": field, "span_start": start, "span_end": start + 2,
            "term": term, "points": 30, "citation": "", "suggestion": "删除违规表述",
            "lexicon_version": version, "detected_at": detected}


def anomaly(key: str, a_type: str, state: str, at: datetime, severity: str = "high",
            title: str = "") -> dict[str, Any]:
    return {"anomaly_id": f"{key}|{a_type}|{state}|{at.isoformat()}", "anomaly_type": a_type,
            "state": state, "severity": severity, "account_key": key,
            "platform": key.split(":")[0], "subject": "", "title": title or a_type,
            "observed_at": at, "detected_at": at}


def load(wh: Warehouse, now: datetime) -> None:
    """Migrate and insert the known dataset, every time relative to ``now``."""

    def ago(days: float = 0, hours: float = 0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    def every_three_days(key: str, first: float, count: int,
                         prefix: str) -> list[dict[str, Any]]:
        return [post(key, f"{prefix}{i}", ago(first + 3 * i)) for i in range(count)]

    migrate(wh.client)
    insert(wh, "accounts", [{
        "account_key": k, "platform": k.split(":")[0], "platform_account_id": k.split(":")[1],
        "display_name": name, "kind": kind, "org_unit": org, "team": "新媒体", "owner": owner,
        "owner_mobile": "13800000000" if owner else "", "expected_verification_subject": subj,
        "competitor_group": "全国性银行" if kind == "competitor" else "", "imported_at": ago(100),
    } for k, kind, name, org, owner, subj in ACCOUNTS])
    snaps = [
        # good: followers 9,000 (40 d ago) → 9,500 (31 d ago, the 30-day baseline) → 10,000
        snap("douyin:good", ago(40), name="江南银行", followers=9_000),
        snap("douyin:good", ago(31), name="江南银行", followers=9_500),
        snap("douyin:good", ago(1), name="江南银行", followers=10_000),
        snap("douyin:good", ago(1), name="江南银行", followers=10_000),  # a replayed duplicate
        snap("xiaohongshu:unverified", ago(35), name="江南银行信用卡", followers=12_000),
        snap("xiaohongshu:unverified", ago(1), name="江南银行信用卡", verified=False,
             subject=None),
        snap("weibo:wrongsubj", ago(1), name="江南银行杭州分行", subject="某某网络科技有限公司"),
        snap("douyin:noowner", ago(1), name="小王理财日记", verified=False, subject=None),
        snap("kuaishou:banned", ago(3), name="江南财富说"),
        snap("kuaishou:banned", ago(1), name="江南财富说", status="banned"),
        snap("douyin:risky", ago(1), name="阿杰说钱", verified=False, subject=None),
        snap("douyin:dormant", ago(1), name="小李的日常", verified=False, subject=None),
        snap("bilibili:offbrand", ago(1), name="财富小助手"),
        snap("xiaohongshu:profile", ago(hours=1), name="江南银行",
             bio="本行理财保本保息，欢迎咨询"),
        snap("douyin:rival", ago(1), name="某某银行", status="banned"),
        snap("douyin:good", ago(-1), name="未来的名字"),  # after `now`: not seen
    ]
    insert(wh, "account_snapshots", snaps)
    posts = every_three_days("douyin:good", 1, 15, "g")  # 1, 4, …, 43 days ago
    # the first capture of g0 had fewer views: posts FINAL keeps the latest capture
    posts.append(post("douyin:good", "g0", ago(1), views=500, likes=10, captured=ago(1) +
                      timedelta(hours=2)))
    posts.append(post("douyin:good", "future", ago(-2)))  # published after `now`: not seen
    for key, prefix in (("xiaohongshu:unverified", "u"), ("weibo:wrongsubj", "w"),
                        ("douyin:noowner", "n"), ("kuaishou:banned", "b"), ("douyin:risky", "r"),
                        ("bilibili:offbrand", "o"), ("xiaohongshu:profile", "p"),
                        ("douyin:rival", "x")):
        posts += every_three_days(key, 2, 4, prefix)
    posts += [post("douyin:dormant", f"d{i}", ago(d)) for i, d in enumerate((40, 45, 50))]
    insert(wh, "posts", posts)
    insert(wh, "risk_hits", [
        hit("douyin:risky", "post", "r0", "guarantee", "guarantee_principal", "critical", ago(5)),
        # the same hit rescored under a newer lexicon: still one hit
        hit("douyin:risky", "post", "r0", "guarantee", "guarantee_principal", "critical", ago(1),
            version="v3"),
        hit("douyin:risky", "post", "r1", "absolute_terms", "absolute_most", "medium", ago(3)),
        hit("douyin:risky", "post", "r9", "hidden_risk", "deposit_like", "high", ago(40)),  # old
        # one post leaking two kinds of personal data is one leaking post
        hit("douyin:risky", "post", "r2", "personal_data", "id_card", "high", ago(2)),
        hit("douyin:risky", "post", "r2", "personal_data", "mobile", "medium", ago(2), start=30),
        hit("douyin:risky", "comment", "c1", "personal_data", "mobile", "medium", ago(2)),
        hit("douyin:risky", "comment", "c2", "personal_data", "bank_card", "high", ago(4)),
        hit("douyin:risky", "comment", "c3", "complaint", "complaint", "medium", ago(4)),
        hit("douyin:rival", "post", "x0", "guarantee", "guarantee_principal", "critical", ago(1)),
        # profile: the current bio's hit counts; a term no longer there and an old lexicon don't
        hit("xiaohongshu:profile", "profile", "xiaohongshu:profile", "guarantee",
            "guarantee_principal", "critical", ago(hours=1), field="bio", term="保本保息",
            start=4),
        hit("xiaohongshu:profile", "profile", "xiaohongshu:profile", "guarantee",
            "guarantee_steady", "critical", ago(20), field="bio", term="稳赚不赔"),
        hit("xiaohongshu:profile", "profile", "xiaohongshu:profile", "hidden_risk",
            "deposit_like", "high", ago(20), field="bio", term="保本保息", version="v1"),
    ])
    insert(wh, "content_scores", [{
        "item_type": "profile", "item_id": key, "account_key": key, "platform": "xiaohongshu",
        "score": score, "level": "高", "hit_count": 1, "lexicon_version": version,
        "observed_at": at, "scored_at": at,
    } for key, version, at, score in (("xiaohongshu:profile", "v1", ago(20), 30),
                                      ("xiaohongshu:profile", "v2", ago(hours=1), 40))])
    insert(wh, "account_anomalies", [
        anomaly("douyin:good", "follower_drop", "firing", ago(10)),
        anomaly("douyin:good", "follower_drop", "resolved", ago(9)),
        anomaly("douyin:good", "negative_comment_surge", "firing", ago(2), title="负面评论激增"),
        anomaly("douyin:good", "renamed", "firing", ago(45)),  # older than the window
        anomaly("bilibili:offbrand", "renamed", "firing", ago(3), "low", "账号改名"),
        anomaly("bilibili:offbrand", "name_rule_violation", "firing", ago(3)),  # judged directly
    ])


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = Warehouse(f"chdb://{tmp_path_factory.mktemp('health') / 'wh'}")
    try:
        load(wh, NOW)
        yield wh
    finally:
        wh.close()


@pytest.fixture(scope="module")
def facts(warehouse: Warehouse) -> dict[str, AccountFacts]:
    return {f.account_key: f for f in build_facts(warehouse, NOW)}


def test_facts_cover_own_accounts_only(facts: dict[str, AccountFacts]) -> None:
    assert sorted(facts) == sorted(OWN)


def test_posting_and_engagement_figures(facts: dict[str, AccountFacts]) -> None:
    good = facts["douyin:good"]
    # published 1, 4, …, 28 days ago in 30 days; 15 in 90; the future post is not counted
    assert (good.posts_30d, good.posts_90d) == (10, 15)
    assert good.last_post_at == ago(1)
    assert good.median_gap_h == 72.0
    # latest capture of each post: 1,000 views and 30 + 5 + 3 + 2 interactions
    assert (good.interactions_30d, good.views_30d) == (400, 10_000)
    assert good.engagement_rate == pytest.approx(0.04)
    dormant = facts["douyin:dormant"]
    assert (dormant.posts_30d, dormant.posts_90d) == (0, 3)
    assert dormant.last_post_at == ago(40) and dormant.median_gap_h == 120.0
    # dormancy is judged as of the latest crawl (the snapshot a day ago)
    assert dormant.last_crawled_at == ago(1) and dormant.days_since_last_post(NOW) == 39.0
    nosnap = facts["weibo:nosnap"]
    assert nosnap.snapshot is None and nosnap.last_post_at is None and nosnap.posts_90d == 0


def test_snapshot_figures(facts: dict[str, AccountFacts]) -> None:
    good = facts["douyin:good"]
    assert good.snapshot is not None
    assert (good.snapshot.name, good.snapshot.followers) == ("江南银行", 10_000)
    assert good.snapshot.captured_at == ago(1)
    assert good.last_crawled_at == ago(1)  # the snapshot; posts were last captured earlier
    assert good.followers_30d_ago == 9_500
    assert good.follower_change == pytest.approx(500 / 9_500)
    unverified = facts["xiaohongshu:unverified"]
    assert unverified.snapshot is not None and unverified.snapshot.verified is False
    assert unverified.snapshot.verification_subject is None
    assert unverified.followers_30d_ago == 12_000
    banned = facts["kuaishou:banned"]
    assert banned.snapshot is not None and banned.snapshot.status == "banned"
    assert banned.followers_30d_ago is None  # no snapshot that old
    wrong = facts["weibo:wrongsubj"].snapshot
    assert wrong is not None and wrong.verification_subject == "某某网络科技有限公司"
    assert facts["douyin:noowner"].owner == "" and not facts["douyin:noowner"].owner_reachable


def test_risk_hit_figures(facts: dict[str, AccountFacts]) -> None:
    risky = facts["douyin:risky"]
    assert risky.post_hits_by_severity == {"critical": 1, "medium": 1}
    assert risky.post_hits_by_category == {"guarantee": 1, "absolute_terms": 1}
    assert (risky.personal_data_posts, risky.personal_data_comments) == (1, 2)
    assert facts["douyin:good"].post_hits_by_severity == {}
    [profile_hit] = facts["xiaohongshu:profile"].profile_hits
    assert (profile_hit.rule_id, profile_hit.field, profile_hit.term, profile_hit.severity) == (
        "guarantee_principal", "bio", "保本保息", "critical")


def test_open_anomalies(facts: dict[str, AccountFacts]) -> None:
    assert facts["douyin:good"].open_anomalies_by_type == {"negative_comment_surge": 1}
    assert facts["bilibili:offbrand"].open_anomalies_by_type == {
        "renamed": 1, "name_rule_violation": 1}


def test_run_scores_writes_and_ranks(warehouse: Warehouse) -> None:
    run = run_check(warehouse, trigger="cli", rule=NamingRule(), now=NOW)
    assert run.brand == "江南"
    by_key = {r.account_key: r for r in run.reports}
    assert sorted(by_key) == sorted(OWN)
    assert [r.overall for r in run.reports] == sorted(r.overall for r in run.reports)

    def codes(key: str) -> set[str]:
        return {f.code for f in by_key[key].findings}

    assert codes("douyin:good") == {"open_alert"}
    assert by_key["douyin:good"].compliance_score == 90
    assert codes("xiaohongshu:unverified") == {"unverified", "follower_decline"}
    assert by_key["xiaohongshu:unverified"].authorization_score == 50
    assert by_key["xiaohongshu:unverified"].operations_score == 85  # 12,000 → 10,000
    assert codes("weibo:wrongsubj") == {"subject_mismatch"}
    assert by_key["weibo:wrongsubj"].overall == 59
    assert codes("douyin:noowner") == {"no_owner"}
    assert codes("kuaishou:banned") == {"account_status"}
    assert by_key["kuaishou:banned"].compliance_score == 40
    assert by_key["kuaishou:banned"].level == "较差"
    # risky: critical 20 + medium 4 + personal data 15 + comments 2 × 5
    assert codes("douyin:risky") == {"content_risk", "personal_data_post",
                                     "personal_data_comment"}
    assert by_key["douyin:risky"].compliance_score == 100 - 20 - 4 - 15 - 10
    assert codes("douyin:dormant") == {"dormant"}
    assert by_key["douyin:dormant"].operations_score == 60
    assert codes("bilibili:offbrand") == {"naming_rule", "name_not_registered",
                                          "profile_changed"}
    assert by_key["bilibili:offbrand"].brand_score == 100 - 40 - 15 - 5
    assert codes("xiaohongshu:profile") == {"profile_risk"}
    assert codes("weibo:nosnap") == {"no_snapshot", "dormant"}

    rows = warehouse.query(
        f"SELECT account_key, overall, level, finding_count, finding_codes, findings, trigger "
        f"FROM account_health WHERE run_id = '{run.run_id}' ORDER BY account_key").rows
    assert [r[0] for r in rows] == sorted(OWN)
    for key, overall, level, count, codes_, findings, trigger in rows:
        assert (overall, level, trigger) == (by_key[key].overall, by_key[key].level, "cli")
        parsed = orjson.loads(findings)
        assert count == len(parsed) and codes_ == [f["code"] for f in parsed]
        assert sum(f["points"] for f in parsed if f["dimension"] == "compliance") == (
            100 - by_key[key].compliance_score)
    [summary] = warehouse.query(
        f"SELECT trigger, accounts, org_filter, kind_filter, seconds FROM health_runs "
        f"WHERE run_id = '{run.run_id}'").rows
    assert summary[:4] == ("cli", len(OWN), "", "")
    assert 0 < summary[4] < 60


def test_filters_and_latest_view(warehouse: Warehouse) -> None:
    everyone = run_check(warehouse, trigger="scheduled", rule=NamingRule(), now=NOW)
    later = NOW + timedelta(minutes=5)
    run = run_check(warehouse, trigger="scheduled", rule=NamingRule(), org="杭州分行",
                    kind="employee", now=later)
    assert sorted(r.account_key for r in run.reports) == ["douyin:noowner", "weibo:nosnap"]
    assert run.org_filter == "杭州分行" and run.kind_filter == "employee"
    latest = dict(warehouse.query(
        "SELECT account_key, run_id FROM account_health_latest").rows)
    assert latest["douyin:noowner"] == run.run_id
    assert latest["douyin:good"] == everyone.run_id  # not in the filtered run
    [(trigger, accounts)] = warehouse.query(
        f"SELECT trigger, accounts FROM health_runs WHERE run_id = '{run.run_id}'").rows
    assert (trigger, accounts) == ("scheduled", 2)
    # a filter is a value, never SQL
    odd = run_check(warehouse, trigger="cli", rule=NamingRule(), org="x') OR 1=1 --",
                    now=later, write=False)
    assert odd.reports == []
    assert len(build_facts(warehouse, later, org="x') OR 1=1 --")) == 0


# ---------------------------------------------------------------- the CLI, as a user runs it

def user_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIXGUARD_")}
    env["MATRIXGUARD_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


PREPARE = """
import sys
from datetime import UTC, datetime
from pipeline.warehouse.store import Warehouse
from tests.integration.test_health import load
wh = Warehouse("chdb://" + sys.argv[1])
load(wh, datetime.now(UTC))
wh.close()
"""


@pytest.mark.e2e
def test_cli_health_check_on_a_prepared_warehouse(tmp_path: Path) -> None:
    env = user_env(tmp_path / "var")
    missing = run_cli(["health", "check"], env, check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"error: no warehouse at {tmp_path / 'var' / 'warehouse'}: run `matrixguard run` or "
        "`matrixguard registry import FILE`"]
    # the dataset above, relative to now, written by another process (chDB: one per directory)
    subprocess.run([sys.executable, "-c", PREPARE, str(tmp_path / "var" / "warehouse")],
                   cwd=ROOT, check=True, timeout=120)

    doc = orjson.loads(run_cli(["health", "check", "--format", "json"], env).stdout)
    assert doc["trigger"] == "cli" and doc["accounts"] == len(OWN) == len(doc["reports"])
    overall = [r["overall"] for r in doc["reports"]]
    assert overall == sorted(overall)  # worst first
    by_key = {r["account_key"]: r for r in doc["reports"]}
    assert {f["code"] for f in by_key["weibo:wrongsubj"]["findings"]} == {"subject_mismatch"}
    assert by_key["kuaishou:banned"]["level"] == "较差"
    [finding] = by_key["douyin:noowner"]["findings"]
    assert (finding["title"], finding["points"]) == ("未指定负责人", 30)
    assert "负责人" in finding["suggestion"]

    table = run_cli(["health", "check", "--org", "杭州分行", "--kind", "employee",
                     "--limit", "1"], env).stdout
    for header in ("账号", "平台", "类型", "机构", "品牌形象", "企业授权", "安全合规", "运营能力",
                   "综合", "等级", "主要问题"):
        assert header in table
    assert "体检 2 个账号，显示最差 1 个" in table
    assert "小张看财经" in table and "小王理财日记" not in table  # never crawled is worse
    assert "未采集到账号资料" in table or "长期停更" in table

    runs = orjson.loads(run_cli(["sql", "SELECT trigger, org_filter, kind_filter, accounts "
                                 "FROM health_runs ORDER BY run_at", "-f", "json"], env).stdout)
    assert runs == [
        {"trigger": "cli", "org_filter": "", "kind_filter": "", "accounts": len(OWN)},
        {"trigger": "cli", "org_filter": "杭州分行", "kind_filter": "employee", "accounts": 2}]

    bad = run_cli(["health", "check", "--kind", "competitor"], env, check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "error: --kind is official|employee (competitor accounts are not health-checked)"]


@pytest.mark.e2e
def test_cli_health_check_goes_through_a_running_worker(tmp_path: Path) -> None:
    """While `run` owns the chDB directory, `health check` asks the worker; the worker's timer
    writes scheduled runs on its own."""
    env = user_env(tmp_path / "var", MATRIXGUARD_HEALTH_INTERVAL_S="2")
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - owned by the child
    run = subprocess.Popen([*CLI, "run", "--rate", "300"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    try:
        def scheduled() -> int:
            proc = run_cli(["sql", "SELECT count() AS n FROM health_runs "
                            "WHERE trigger = 'scheduled' AND accounts > 0", "-f", "json"], env,
                           check=False)
            return int(orjson.loads(proc.stdout)[0]["n"]) if proc.returncode == 0 else 0
        wait_for(scheduled, 120, "a scheduled health check run", every=1)
        assert (tmp_path / "var" / "warehouse" / LOCK_NAME).exists()
        doc = orjson.loads(run_cli(["health", "check", "--kind", "official", "-f", "json"],
                                   env).stdout)
        assert doc["trigger"] == "cli" and doc["kind_filter"] == "official"
        assert doc["accounts"] == 85  # the example roster's official accounts
        assert {r["kind"] for r in doc["reports"]} == {"official"}
        bad = run_cli(["health", "check", "--kind", "boss"], env, check=False)
        assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    finally:
        run.send_signal(signal.SIGINT)
        code = run.wait(timeout=60)
        assert code == 0, (tmp_path / "run.log").read_text()[-3000:]
    rows = orjson.loads(run_cli(["sql", "SELECT trigger, count() AS n FROM health_runs "
                                 "GROUP BY trigger ORDER BY trigger", "-f", "json"], env).stdout)
    assert [r["trigger"] for r in rows] == ["cli", "scheduled"]
    latest = orjson.loads(run_cli(["sql", "SELECT count() AS n FROM account_health_latest",
                                   "-f", "json"], env).stdout)
    assert latest[0]["n"] == 249  # every own account of the roster has a latest row
