"""The anomaly detectors on hand-made pages: each fires when it must, once, and resolves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.core import apply_comments, apply_posts, apply_snapshots
from agents.anomaly.emit import AccountInfo
from agents.anomaly.state import AccountState
from schemas.events import AccountContext, AccountKind, Anomaly, Platform

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 23, tzinfo=UTC)
CFG = AnomalyConfig()
KEY = "douyin:bank01"


def info(kind: AccountKind = AccountKind.official, subject: str = "江南银行股份有限公司"
         ) -> AccountInfo:
    return AccountInfo(KEY, Platform.douyin, AccountContext(registered=True, kind=kind,
                                                            org_unit="总行/办公室"),
                       expected_subject=subject, brand="江南")


class Account:
    """One account fed page by page, as the agent would."""

    def __init__(self, kind: AccountKind = AccountKind.official) -> None:
        self.st = AccountState(account_key=KEY)
        self.info = info(kind)
        self.position = 0
        self.fired: list[Anomaly] = []

    def _where(self, topic: str) -> tuple[str, int]:
        self.position += 1
        return topic, self.position

    def snapshot(self, at: datetime, **changes: Any) -> list[Anomaly]:
        snap = {"name": "江南银行", "avatar_hash": "a1", "bio": "江南银行官方账号",
                "status": "active", "verified": True,
                "verification_subject": "江南银行股份有限公司", "followers": 100_000,
                "captured_at": at.isoformat(), **changes}
        out = apply_snapshots(self.st, {"snapshots": [snap]}, self.info, CFG,
                              self._where("snapshots"), NOW)
        self.fired += out
        return out

    def posts(self, at: datetime, posts: list[tuple[str, datetime, int]]) -> list[Anomaly]:
        page = {"posts": [{"post_id": pid, "published_at": published.isoformat(),
                           "captured_at": at.isoformat(),
                           "metrics": {"likes": n, "comments": 0, "shares": 0,
                                       "favorites": 0}} for pid, published, n in posts]}
        out = apply_posts(self.st, page, self.info, CFG, self._where("posts"), NOW)
        self.fired += out
        return out

    def comments(self, at: datetime, negative: list[bool], post_id: str = "p1"
                 ) -> list[Anomaly]:
        page = {"comments": [{"post_id": post_id, "published_at": (at - timedelta(
            minutes=i)).isoformat(), "captured_at": at.isoformat(), "text": "x"}
            for i in range(len(negative))]}
        out = apply_comments(self.st, page, negative, self.info, CFG, self._where("comments"),
                             NOW)
        self.fired += out
        return out


def kinds(anomalies: list[Anomaly]) -> list[tuple[str, str]]:
    return [(a.type.value, a.state) for a in anomalies]


def test_status_change_fires_once_and_recovery_resolves_it() -> None:
    acc = Account()
    assert acc.snapshot(T0) == []
    [banned] = acc.snapshot(T0 + timedelta(hours=1), status="banned")
    assert (banned.type.value, banned.state, banned.severity.value) == (
        "status_changed", "firing", "critical")
    assert (banned.before, banned.after) == ("active", "banned") and "封禁" in banned.title
    assert acc.snapshot(T0 + timedelta(hours=2), status="banned") == []
    [back] = acc.snapshot(T0 + timedelta(hours=3))
    assert (back.state, back.evidence["fired_anomaly_id"]) == ("resolved", banned.anomaly_id)
    assert "恢复" in back.title


def test_a_replayed_page_changes_nothing_and_emits_nothing() -> None:
    acc = Account()
    acc.snapshot(T0)
    snap = {"name": "江南银行", "avatar_hash": "a1", "bio": "江南银行官方账号",
            "status": "banned", "verified": True,
            "verification_subject": "江南银行股份有限公司", "followers": 100_000,
            "captured_at": (T0 + timedelta(hours=1)).isoformat()}
    first = apply_snapshots(acc.st, {"snapshots": [snap]}, acc.info, CFG, ("snapshots", 7), NOW)
    again = apply_snapshots(acc.st, {"snapshots": [snap]}, acc.info, CFG, ("snapshots", 7), NOW)
    assert kinds(first) == [("status_changed", "firing")] and again == []


def test_verification_lost_and_subject_mismatch() -> None:
    acc = Account()
    acc.snapshot(T0)
    assert kinds(acc.snapshot(T0 + timedelta(hours=1), verified=False,
                              verification_subject=None)) == [("verification_lost", "firing")]
    assert kinds(acc.snapshot(T0 + timedelta(hours=2))) == [("verification_lost", "resolved")]
    wrong = acc.snapshot(T0 + timedelta(hours=3), verification_subject="星河文化传媒有限公司")
    assert kinds(wrong) == [("subject_mismatch", "firing")]
    assert wrong[0].severity.value == "critical" and "星河文化传媒有限公司" in wrong[0].title
    assert acc.snapshot(T0 + timedelta(hours=4), verification_subject="星河文化传媒有限公司") == []
    assert kinds(acc.snapshot(T0 + timedelta(hours=5))) == [("subject_mismatch", "resolved")]


def test_rename_avatar_bio_and_the_naming_rule() -> None:
    acc = Account()
    acc.snapshot(T0)
    out = acc.snapshot(T0 + timedelta(hours=1), name="每日好物推荐官", avatar_hash="b2",
                       bio="加微信领福利")
    assert sorted(kinds(out)) == [("avatar_changed", "firing"), ("bio_changed", "firing"),
                                  ("name_rule_violation", "firing"), ("renamed", "firing")]
    renamed = next(a for a in out if a.type.value == "renamed")
    assert (renamed.before, renamed.after) == ("江南银行", "每日好物推荐官")
    back = acc.snapshot(T0 + timedelta(hours=2), avatar_hash="b2", bio="加微信领福利")
    assert sorted(kinds(back)) == [("name_rule_violation", "resolved"), ("renamed", "firing")]


def test_employee_posing_as_official_breaks_the_naming_rule() -> None:
    acc = Account(AccountKind.employee)
    out = acc.snapshot(T0, name="江南银行官方客服", verified=False, verification_subject=None)
    assert kinds(out) == [("name_rule_violation", "firing")]


def _steady_followers(acc: Account, snapshots: int, start: int = 100_000) -> tuple[datetime, int]:
    at, followers = T0, start
    for i in range(snapshots):
        at = T0 + timedelta(hours=i)
        followers = start + 40 * i + (7 if i % 3 else -5)
        acc.snapshot(at, followers=followers)
    return at, followers


def test_follower_drop_fires_and_its_return_resolves_it_instead_of_a_spike() -> None:
    acc = Account()
    at, followers = _steady_followers(acc, 30)
    assert acc.fired == []
    [drop] = acc.snapshot(at + timedelta(hours=1), followers=int(followers * 0.7))
    assert (drop.type.value, drop.severity.value) == ("follower_drop", "high")
    assert drop.evidence["z"] < -8 and drop.before == str(followers)
    assert acc.snapshot(at + timedelta(hours=2), followers=int(followers * 0.7) + 20) == []
    assert kinds(acc.snapshot(at + timedelta(hours=3), followers=followers + 30)) == [
        ("follower_drop", "resolved")]


def test_follower_spike_and_no_judgement_before_enough_history() -> None:
    acc = Account()
    _steady_followers(acc, 5)
    assert acc.snapshot(T0 + timedelta(hours=6), followers=50_000) == []  # too new to judge
    acc = Account()
    at, followers = _steady_followers(acc, 30)
    [spike] = acc.snapshot(at + timedelta(hours=1), followers=followers * 2)
    assert spike.type.value == "follower_spike" and "刷粉" in spike.title


def test_engagement_spike_on_one_post_fires_once() -> None:
    acc = Account()
    history = [(f"old{i}", T0 - timedelta(days=30 - i), 100 + 13 * (i % 7)) for i in range(20)]
    assert acc.posts(T0, history) == []
    young = T0 + timedelta(hours=1)
    assert acc.posts(T0 + timedelta(hours=2), [("new1", young, 150)]) == []
    [spike] = acc.posts(T0 + timedelta(hours=5), [("new1", young, 9_000)])
    assert (spike.type.value, spike.subject) == ("engagement_spike", "new1")
    assert acc.posts(T0 + timedelta(hours=8), [("new1", young, 12_000)]) == []


def test_posting_burst() -> None:
    acc = Account()
    history = [(f"old{i}", T0 - timedelta(days=20 - i), 100) for i in range(20)]
    acc.posts(T0, history)
    at = T0 + timedelta(days=1)
    burst = [(f"b{i}", at - timedelta(minutes=5 * i), 10) for i in range(12)]
    out = acc.posts(at, burst)
    assert kinds(out) == [("posting_burst", "firing")] and out[0].severity.value == "high"
    assert acc.posts(at + timedelta(minutes=10), burst) == []


def test_dormant_account_and_its_return() -> None:
    acc = Account()
    acc.posts(T0, [(f"old{i}", T0 - timedelta(days=10 - i), 100) for i in range(10)])
    last = T0 - timedelta(days=1)
    for day in range(1, 12):
        out = acc.snapshot(T0 + timedelta(days=day))
        silent = (T0 + timedelta(days=day) - last).days
        if silent < 8:  # max(7 days, 8 × the 1-day mean gap)
            assert out == []
    assert next(a for a in acc.fired if a.type.value == "dormant").evidence["silent_days"] >= 8
    back = T0 + timedelta(days=12)
    assert kinds(acc.posts(back, [("fresh", back - timedelta(hours=1), 50)])) == [
        ("dormant", "resolved")]


@pytest.mark.parametrize("negative_in_window", [4, 16])
def test_negative_comment_surge(negative_in_window: int) -> None:
    acc = Account()
    for hour in range(0, 48, 2):  # 48 h of baseline, 1 in 10 negative
        acc.comments(T0 + timedelta(hours=hour), [i == 0 for i in range(10)])
    at = T0 + timedelta(hours=50)
    out = acc.comments(at, [i < negative_in_window for i in range(20)])
    if negative_in_window < CFG.surge_min_negative:
        assert out == []
        return
    [surge] = out
    assert (surge.type.value, surge.subject) == ("negative_comment_surge", "")
    assert "舆情" in surge.title and surge.evidence["top_posts"][0]["post_id"] == "p1"
    calm = T0 + timedelta(hours=60)
    assert kinds(acc.comments(calm, [False] * 20)) == [("negative_comment_surge", "resolved")]
