"""The health check's scoring: every finding type triggers, costs what the policy says, adds up,
stays within 0–100, and reads in Chinese; ranking is worst first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.anomaly.naming import NamingRule
from agents.health.facts import (
    AccountFacts,
    OpenAnomaly,
    PeerGroup,
    PeerStats,
    Percentiles,
    ProfileHit,
    Snapshot,
    compute_peers,
)
from agents.health.score import (
    DEFAULT_POLICY,
    Dimension,
    HealthReport,
    assess,
    level_of,
    rank,
)
from schemas.events import AccountKind, Severity

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RULE = NamingRule()
BRAND = "江南"
CJK = re.compile(r"[\u4e00-\u9fff]")


def snapshot(**kw: Any) -> Snapshot:
    base: dict[str, Any] = dict(
        name="江南银行", avatar_hash="a1", bio="江南银行官方账号", status="active",
        verified=True, verification_subject="江南银行股份有限公司", followers=10_000,
        captured_at=NOW - timedelta(hours=2))
    base.update(kw)
    return Snapshot(**base)


def facts(**kw: Any) -> AccountFacts:
    """A healthy official account; keyword arguments change what a test needs."""
    base: dict[str, Any] = dict(
        account_key="douyin:1", platform="douyin", kind=AccountKind.official,
        org_unit="总行/办公室", team="品牌传播团队", owner="罗浩瑶", owner_reachable=True,
        display_name="江南银行", expected_verification_subject="江南银行股份有限公司",
        snapshot=snapshot(), followers_30d_ago=9_800, posts_30d=20, posts_90d=60,
        last_post_at=NOW - timedelta(days=1), median_gap_h=36.0, interactions_30d=500,
        views_30d=10_000)
    base.update(kw)
    return AccountFacts(**base)


def peers(**kw: Any) -> PeerStats:
    """douyin/official and douyin/employee: engagement p10 2 %, p25 3 %, p50 5 %; posts p25 10."""
    group = dict(accounts=10,
                 engagement_rate=Percentiles(n=10, p10=0.02, p25=0.03, p50=0.05, p75=0.07,
                                             p90=0.09),
                 posts_30d=Percentiles(n=10, p10=5, p25=10, p50=15, p75=20, p90=30))
    group.update(kw)
    return PeerStats(groups={
        "douyin/official": PeerGroup(platform="douyin", kind=AccountKind.official, **group),
        "douyin/employee": PeerGroup(platform="douyin", kind=AccountKind.employee, **group),
    })


def run(f: AccountFacts, p: PeerStats | None = None) -> HealthReport:
    return assess(f, p if p is not None else peers(), NOW, RULE, BRAND)


def codes(report: HealthReport) -> list[str]:
    return [f.code for f in report.findings]


def check_consistent(report: HealthReport) -> None:
    """Every dimension is 100 minus its findings' points, 0–100; text is Chinese."""
    for dim in Dimension:
        lost = sum(f.points for f in report.findings if f.dimension is dim)
        assert report.score(dim) == 100 - lost
        assert 0 <= report.score(dim) <= 100
    assert 0 <= report.overall <= 100
    assert [f.points for f in report.findings] == sorted(
        (f.points for f in report.findings), reverse=True)
    for f in report.findings:
        assert CJK.search(f.title) and CJK.search(f.message) and CJK.search(f.suggestion), f


def test_a_healthy_account_has_no_findings_and_full_marks() -> None:
    report = run(facts())
    assert report.findings == []
    assert [report.score(d) for d in Dimension] == [100, 100, 100, 100]
    assert report.overall == 100 and report.level == "优秀" and report.overall_note == ""


EMPLOYEE = dict(kind=AccountKind.employee, display_name="阿悦的银行日常",
                expected_verification_subject="",
                snapshot=snapshot(name="阿悦的银行日常", verified=False,
                                  verification_subject=None, bio=""))
CASES: list[tuple[str, dict[str, Any], str, Dimension, Severity, int]] = [
    # brand image
    ("official name without the brand", dict(display_name="财富小助手",
                                            snapshot=snapshot(name="财富小助手")),
     "naming_rule", Dimension.brand, Severity.high, 40),
    ("employee posing as official", {**EMPLOYEE, "display_name": "江南银行官方客服小王",
                                     "snapshot": snapshot(name="江南银行官方客服小王",
                                                          verified=False,
                                                          verification_subject=None)},
     "naming_rule", Dimension.brand, Severity.high, 40),
    ("renamed away from the registry", dict(snapshot=snapshot(name="江南银行理财")),
     "name_not_registered", Dimension.brand, Severity.medium, 15),
    ("critical term in the bio", dict(
        snapshot=snapshot(bio="本号产品保本保息"),
        profile_hits=(ProfileHit(rule_id="guarantee_principal", category="guarantee",
                                 severity="critical", field="bio", term="保本保息",
                                 suggestion="删除保本保息等承诺"),)),
     "profile_risk", Dimension.brand, Severity.critical, 40),
    ("no avatar", dict(snapshot=snapshot(avatar_hash="")),
     "no_avatar", Dimension.brand, Severity.low, 10),
    ("official with an empty bio", dict(snapshot=snapshot(bio=" ")),
     "empty_bio", Dimension.brand, Severity.low, 10),
    ("renamed, alert still open", dict(open_anomalies=(OpenAnomaly(
        anomaly_type="renamed", title="账号改名：江南银行 → 江南银行理财",
        observed_at=NOW - timedelta(days=2)),)),
     "profile_changed", Dimension.brand, Severity.low, 5),
    # authorization
    ("never crawled", dict(snapshot=None, followers_30d_ago=None),
     "no_snapshot", Dimension.authorization, Severity.medium, 30),
    ("official not verified", dict(snapshot=snapshot(verified=False, verification_subject=None)),
     "unverified", Dimension.authorization, Severity.high, 50),
    ("verified to someone else", dict(snapshot=snapshot(verification_subject="某某科技有限公司")),
     "subject_mismatch", Dimension.authorization, Severity.critical, 60),
    ("official without a registered subject", dict(expected_verification_subject=""),
     "subject_not_registered", Dimension.authorization, Severity.medium, 15),
    ("no owner", dict(owner=""), "no_owner", Dimension.authorization, Severity.high, 30),
    ("owner without contact", dict(owner_reachable=False),
     "owner_unreachable", Dimension.authorization, Severity.low, 10),
    # security & compliance
    ("banned", dict(snapshot=snapshot(status="banned")),
     "account_status", Dimension.compliance, Severity.critical, 60),
    ("restricted", dict(snapshot=snapshot(status="restricted")),
     "account_status", Dimension.compliance, Severity.high, 30),
    ("private", dict(snapshot=snapshot(status="private")),
     "account_status", Dimension.compliance, Severity.low, 10),
    ("two high content hits", dict(post_hits_by_severity={"high": 2},
                                   post_hits_by_category={"hidden_risk": 2}),
     "content_risk", Dimension.compliance, Severity.high, 20),
    ("personal data in a post", dict(personal_data_posts=1),
     "personal_data_post", Dimension.compliance, Severity.high, 15),
    ("personal data in comments", dict(personal_data_comments=2),
     "personal_data_comment", Dimension.compliance, Severity.medium, 10),
    ("negative comment surge open", dict(open_anomalies=(OpenAnomaly(
        anomaly_type="negative_comment_surge", severity="high", title="负面评论激增",
        observed_at=NOW - timedelta(days=1)),)),
     "open_alert", Dimension.compliance, Severity.high, 10),
    # operations
    ("official silent 8 days", dict(last_post_at=NOW - timedelta(days=8), posts_30d=12),
     "dormant", Dimension.operations, Severity.medium, 25),
    ("silent 40 days", dict(last_post_at=NOW - timedelta(days=40), posts_30d=0),
     "dormant", Dimension.operations, Severity.high, 40),
    ("never posted", dict(last_post_at=None, posts_30d=0, posts_90d=0, median_gap_h=None,
                          interactions_30d=0, views_30d=0),
     "dormant", Dimension.operations, Severity.high, 40),
    ("posts less than the peers' p25", dict(posts_30d=6),
     "low_frequency", Dimension.operations, Severity.low, 15),
    ("engagement below the peers' p25", dict(interactions_30d=250),  # 2.5 %
     "low_engagement", Dimension.operations, Severity.low, 10),
    ("engagement below the peers' p10", dict(interactions_30d=100),  # 1 %
     "low_engagement", Dimension.operations, Severity.medium, 20),
    ("followers -3 %", dict(followers_30d_ago=10_310),
     "follower_decline", Dimension.operations, Severity.low, 5),
    ("followers -20 %", dict(followers_30d_ago=12_500),
     "follower_decline", Dimension.operations, Severity.medium, 15),
]


@pytest.mark.parametrize(("name", "change", "code", "dimension", "severity", "points"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_finding_triggers_and_costs_its_points(
    name: str, change: dict[str, Any], code: str, dimension: Dimension, severity: Severity,
    points: int,
) -> None:
    report = run(facts(**change))
    check_consistent(report)
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, (name, codes(report))
    f = found[0]
    assert (f.dimension, f.severity, f.points) == (dimension, severity, points)
    assert report.score(dimension) <= 100 - points


def test_messages_carry_the_figures() -> None:
    report = run(facts(snapshot=snapshot(verification_subject="某某科技有限公司"),
                       followers_30d_ago=12_500, interactions_30d=100))
    text = {f.code: f.message for f in report.findings}
    assert "某某科技有限公司" in text["subject_mismatch"]
    assert "江南银行股份有限公司" in text["subject_mismatch"]
    assert "12,500 → 10,000" in text["follower_decline"] and "-20.0%" in text["follower_decline"]
    assert "1.00%" in text["low_engagement"] and "2.00%" in text["low_engagement"]


def test_dormancy_is_judged_as_of_the_latest_crawl() -> None:
    # last crawled 10 days ago, it had posted the day before: not dormant, but the data is old
    report = run(facts(last_crawled_at=NOW - timedelta(days=10),
                       last_post_at=NOW - timedelta(days=11)))
    assert codes(report) == ["stale_data"]
    [stale] = report.findings
    assert (stale.points, stale.severity) == (0, Severity.info) and "10 天前" in stale.message
    assert report.overall == 100
    # crawled yesterday, last post 9 days before that
    report = run(facts(last_crawled_at=NOW - timedelta(days=1),
                       last_post_at=NOW - timedelta(days=10)))
    [dormant] = report.findings
    assert dormant.code == "dormant" and dormant.message.startswith(
        "截至最近一次采集（2026-11-19）已 9 天未发布作品")


def test_employee_accounts_need_no_verification_but_must_not_pose_as_official() -> None:
    assert run(facts(**EMPLOYEE)).findings == []
    # an employee registered with a subject must be verified to it
    assert "unverified" in codes(run(facts(**{**EMPLOYEE,
                                              "expected_verification_subject": "江南银行"})))
    # employees have 14 days before they count as dormant, officials 7
    assert codes(run(facts(**EMPLOYEE, last_post_at=NOW - timedelta(days=8)))) == []
    assert codes(run(facts(**EMPLOYEE, last_post_at=NOW - timedelta(days=15)))) == ["dormant"]


def test_alerts_judged_from_the_facts_are_not_counted_twice() -> None:
    covered = tuple(OpenAnomaly(anomaly_type=t, severity="high", observed_at=NOW)
                    for t in ("status_changed", "verification_lost", "subject_mismatch",
                              "name_rule_violation", "dormant"))
    assert run(facts(open_anomalies=covered)).findings == []


def test_caps_bound_groups_of_findings_and_dimensions_never_go_below_zero() -> None:
    hits = dict(post_hits_by_severity={"critical": 5, "high": 4, "low": 3},
                post_hits_by_category={"guarantee": 5, "hidden_risk": 4, "pressure_selling": 3})
    report = run(facts(**hits))
    [content] = [f for f in report.findings if f.code == "content_risk"]
    assert content.severity is Severity.critical and content.title == "内容风险（严重）"
    assert content.points == DEFAULT_POLICY.content_hit_cap == 60  # 5×20 + 4×10 + 3×1 = 143
    assert content.message == (
        "近30天作品命中风险规则 严重 5 条（每条 -20）、高 4 条（每条 -10）、低 3 条（每条 -1），"
        "封顶 -60；类别：承诺保本收益 5、隐瞒风险 4、诱导销售 3")
    alerts = tuple(OpenAnomaly(anomaly_type="follower_drop", subject=str(i), severity="critical",
                               observed_at=NOW) for i in range(4))
    report = run(facts(open_anomalies=alerts, personal_data_posts=5, personal_data_comments=9,
                       snapshot=snapshot(status="banned")))
    check_consistent(report)
    assert report.compliance_score == 0
    assert sum(f.points for f in report.findings if f.code == "open_alert") <= 30
    # everything wrong at once: still within 0–100 and adding up
    worst = facts(
        display_name="财富小助手", expected_verification_subject="江南银行股份有限公司", owner="",
        snapshot=snapshot(name="理财官方", avatar_hash="", bio="", status="banned",
                          verification_subject="别家公司", followers=100),
        followers_30d_ago=10_000, posts_30d=0, last_post_at=None, interactions_30d=0,
        views_30d=0, profile_hits=tuple(
            ProfileHit(rule_id=f"r{i}", category="guarantee", severity="critical",
                       field="name", term="理财") for i in range(3)), **hits)
    report = run(worst)
    check_consistent(report)
    assert report.overall <= 59 and report.level == "较差"


def test_overall_is_the_weighted_mean_capped_by_severity() -> None:
    # operations 60 only: 0.2 * 60 + 0.8 * 100 = 92, but never posting is a high finding and
    # 优秀 means no high or critical problem
    report = run(facts(last_post_at=None, posts_30d=0, views_30d=0, interactions_30d=0))
    assert report.operations_score == 60 and report.overall == 89 and report.level == "良好"
    assert report.overall_note == "加权分 92，因存在高风险问题（长期停更）封顶 89"
    # authorization 40 (subject of someone else): weighted 85, capped at 59 as critical
    report = run(facts(snapshot=snapshot(verification_subject="某某科技有限公司")))
    assert report.authorization_score == 40 and report.overall == 59
    assert report.level == "较差" and "认证主体不一致" in report.overall_note
    # low findings only: the weighted mean stands
    report = run(facts(snapshot=snapshot(avatar_hash="")))
    assert report.overall == 98 and report.overall_note == "" and report.level == "优秀"


def test_levels() -> None:
    assert [level_of(x) for x in (100, 90, 89, 75, 74, 60, 59, 0)] == [
        "优秀", "优秀", "良好", "良好", "一般", "一般", "较差", "较差"]


def test_rank_is_worst_first() -> None:
    good = run(facts(account_key="douyin:good"))
    low = run(facts(account_key="douyin:low", snapshot=snapshot(avatar_hash="")))
    bad = run(facts(account_key="douyin:bad", snapshot=snapshot(status="banned")))
    worse = run(facts(account_key="douyin:worse", snapshot=snapshot(status="banned"), owner=""))
    ranked = rank([good, low, bad, worse])
    assert [r.account_key for r in ranked] == ["douyin:worse", "douyin:bad", "douyin:low",
                                               "douyin:good"]
    assert [r.overall for r in ranked] == sorted(r.overall for r in ranked)


def test_no_peer_comparison_without_enough_peers() -> None:
    small = peers(accounts=3)
    report = run(facts(posts_30d=1, interactions_30d=10), small)
    assert "low_frequency" not in codes(report) and "low_engagement" not in codes(report)
    other_platform = run(facts(platform="weibo", posts_30d=1, interactions_30d=10))
    assert codes(other_platform) == []


def test_competitors_are_not_health_checked() -> None:
    with pytest.raises(ValueError, match="competitor"):
        run(facts(kind=AccountKind.competitor))


def test_compute_peers_percentiles_per_platform_and_kind() -> None:
    group = [facts(account_key=f"douyin:{i}", posts_30d=i, interactions_30d=i * 100,
                   views_30d=10_000) for i in range(1, 11)]
    banned = facts(account_key="douyin:x", posts_30d=0, views_30d=10_000, interactions_30d=0,
                   snapshot=snapshot(status="banned"))
    no_views = facts(account_key="douyin:y", posts_30d=0, views_30d=0, interactions_30d=0)
    employee = facts(account_key="douyin:e", kind=AccountKind.employee, posts_30d=3)
    stats = compute_peers([*group, banned, no_views, employee])
    g = stats.group("douyin", "official")
    assert g is not None and g.accounts == 11  # banned left out, no_views in (posts only)
    assert g.posts_30d is not None and g.posts_30d.p50 == 5.0 and g.posts_30d.n == 11
    assert g.engagement_rate is not None and g.engagement_rate.n == 10
    assert g.engagement_rate.p50 == pytest.approx(0.055)
    assert g.engagement_rate.p10 == pytest.approx(0.019)
    assert stats.group("douyin", "employee") is None  # one account is no yardstick
    assert stats.group("weibo", "official") is None
