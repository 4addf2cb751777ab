"""What the health check knows about one account, and about its peers: pure models, no I/O.

:class:`AccountFacts` is everything :func:`agents.health.score.assess` needs about one of the
bank's own accounts (the registry row, the latest snapshot, posting and engagement figures,
risk hits, profile hits and open anomalies); ``agents.health.warehouse`` builds them from
ClickHouse with a few set-based queries. :class:`PeerStats` holds the percentiles of the
engagement rate and posting frequency per (platform, kind), the yardstick of 运营能力.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from schemas.events import AccountKind, UtcDatetime

WINDOW_DAYS = 30
"""Risk hits, posting, engagement, follower growth and open alerts look this far back."""
HISTORY_DAYS = 90
"""Posting history (posts in 90 days, median gap) looks this far back."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Snapshot(_Model):
    """The latest account snapshot: what the profile page showed."""

    name: str
    avatar_hash: str = ""
    bio: str = ""
    status: str = "active"
    verified: bool = False
    verification_subject: str | None = None
    followers: int = 0
    captured_at: UtcDatetime


class ProfileHit(_Model):
    """A lexicon hit on the account's current name or bio (brand misuse, non-compliant bio)."""

    rule_id: str
    category: str
    severity: str
    field: str = Field(description="name or bio")
    term: str = Field(description="the text that matched, as it stands in the profile")
    suggestion: str = ""


class OpenAnomaly(_Model):
    """An account anomaly whose latest transition is ``firing``."""

    anomaly_type: str
    subject: str = ""
    severity: str = "medium"
    title: str = ""
    observed_at: UtcDatetime


class AccountFacts(_Model):
    """Everything the health check needs about one own account (official or employee)."""

    # the registry (花名册)
    account_key: str
    platform: str
    kind: AccountKind
    org_unit: str
    team: str = ""
    owner: str = ""
    owner_reachable: bool = Field(
        default=True, description="the registry has a mobile, e-mail or WeCom id for the owner")
    display_name: str
    expected_verification_subject: str = ""
    # the latest snapshot, and followers at or before 30 days ago
    snapshot: Snapshot | None = None
    followers_30d_ago: int | None = None
    # posts (latest capture of each), by publication time
    last_crawled_at: UtcDatetime | None = Field(
        default=None, description="latest capture of the account's snapshot or posts")
    posts_30d: int = 0
    posts_90d: int = 0
    last_post_at: UtcDatetime | None = None
    median_gap_h: float | None = Field(
        default=None, description="median hours between consecutive posts of the last 90 days")
    interactions_30d: int = Field(
        default=0, description="likes + comments + shares + favorites, posts of the last 30 days")
    views_30d: int = Field(default=0, description="views of posts published in the last 30 days")
    # risk hits detected in the last 30 days: distinct (item, rule)
    post_hits_by_severity: dict[str, int] = Field(
        default_factory=dict, description="hits on own posts, personal data excluded")
    post_hits_by_category: dict[str, int] = Field(
        default_factory=dict, description="hits on own posts, personal data excluded")
    personal_data_posts: int = Field(default=0, description="own posts leaking personal data")
    personal_data_comments: int = Field(default=0, description="comments leaking personal data")
    profile_hits: tuple[ProfileHit, ...] = ()
    open_anomalies: tuple[OpenAnomaly, ...] = ()

    @property
    def engagement_rate(self) -> float | None:
        """Interactions per view of the posts of the last 30 days (None without views)."""
        return self.interactions_30d / self.views_30d if self.views_30d > 0 else None

    @property
    def follower_change(self) -> float | None:
        """Relative follower change over 30 days (None without both ends)."""
        if self.snapshot is None or not self.followers_30d_ago:
            return None
        return (self.snapshot.followers - self.followers_30d_ago) / self.followers_30d_ago

    @property
    def open_anomalies_by_type(self) -> dict[str, int]:
        """How many open anomalies of each type."""
        return dict(Counter(a.anomaly_type for a in self.open_anomalies))

    def observed_until(self, now: datetime) -> datetime:
        """The latest crawl of the account (never after ``now``), or ``now`` if never crawled.

        Posting is judged as of what was seen: a crawler outage is not the account's dormancy.
        """
        return min(now, self.last_crawled_at) if self.last_crawled_at is not None else now

    def days_since_last_post(self, now: datetime) -> float | None:
        """Days from the latest post to the latest crawl (None if it never posted)."""
        if self.last_post_at is None:
            return None
        return max(0.0, (self.observed_until(now) - self.last_post_at).total_seconds() / 86_400)


class Percentiles(_Model):
    """Percentiles of one figure over a peer group."""

    n: int
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Percentiles | None:
        """Percentiles (linear interpolation) of the values, None when there are none."""
        arr = np.fromiter(values, dtype=np.float64)
        if arr.size == 0:
            return None
        p10, p25, p50, p75, p90 = (float(v) for v in np.percentile(arr, [10, 25, 50, 75, 90]))
        return cls(n=int(arr.size), p10=p10, p25=p25, p50=p50, p75=p75, p90=p90)


class PeerGroup(_Model):
    """The own accounts of one platform and kind."""

    platform: str
    kind: AccountKind
    accounts: int
    engagement_rate: Percentiles | None = Field(
        default=None, description="over the accounts with views in the last 30 days")
    posts_30d: Percentiles | None = None


class PeerStats(_Model):
    """Peer groups by (platform, kind); a group smaller than ``min_accounts`` is not a yardstick.
    """

    groups: dict[str, PeerGroup] = Field(default_factory=dict)
    min_accounts: int = 5

    @staticmethod
    def key(platform: str, kind: AccountKind | str) -> str:
        """The group key, ``platform/kind``."""
        return f"{platform}/{AccountKind(kind).value}"

    def group(self, platform: str, kind: AccountKind | str) -> PeerGroup | None:
        """The account's peer group, or None if it is too small to compare against."""
        found = self.groups.get(self.key(platform, kind))
        if found is None or found.accounts < self.min_accounts:
            return None
        return found


def compute_peers(facts: Iterable[AccountFacts], min_accounts: int = 5) -> PeerStats:
    """Percentiles of engagement rate and posts in 30 days per (platform, kind).

    Accounts that cannot post (banned, deleted) are left out: they would drag the yardstick
    down for everyone else.
    """
    members: dict[str, list[AccountFacts]] = {}
    for f in facts:
        if f.snapshot is not None and f.snapshot.status in ("banned", "deleted"):
            continue
        members.setdefault(PeerStats.key(f.platform, f.kind), []).append(f)
    groups: dict[str, PeerGroup] = {}
    for key, group in members.items():
        rates = [r for r in (f.engagement_rate for f in group) if r is not None]
        groups[key] = PeerGroup(
            platform=group[0].platform, kind=group[0].kind, accounts=len(group),
            engagement_rate=Percentiles.of(rates),
            posts_30d=Percentiles.of(float(f.posts_30d) for f in group),
        )
    return PeerStats(groups=groups, min_accounts=min_accounts)
