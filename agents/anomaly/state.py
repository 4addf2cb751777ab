"""Per-account state of the anomaly detectors: what the account looked like and its baselines.

One :class:`AccountState` per account lives in a Faust table (changelogged, so a restarted
worker resumes with every baseline instead of re-learning). Every list is bounded, so state per
account stays a few kilobytes whatever the account's history.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class OpenAnomaly(BaseModel):
    """An anomaly that fired and has not resolved yet."""

    anomaly_id: str
    since_ms: int
    before: str = ""
    level: float = 0.0  # e.g. followers before a drop, to know when it has recovered


class PostTrack(BaseModel):
    """A post younger than the maturity age: its publish time and latest interactions."""

    published_ms: int
    interactions: int = 0
    flagged: bool = False


class AccountState(BaseModel):
    """Everything the detectors remember about one account."""

    account_key: str
    offsets: dict[str, int] = Field(
        default_factory=dict, description="topic → offset of the last message applied here; "
                                          "a replayed message is not applied twice")
    # identity, from the latest snapshot
    snapshots: int = 0
    captured_ms: int = 0
    status: str = ""
    verified: bool = False
    subject: str | None = None
    name: str = ""
    avatar: str = ""
    bio: str = ""
    # followers
    followers: int = -1
    post_count: int = -1
    follower_changes: list[float] = Field(
        default_factory=list, description="log ratios between consecutive snapshots (baseline)")
    # posts
    young: dict[str, PostTrack] = Field(default_factory=dict)
    matured: list[int] = Field(default_factory=list, description="interactions of matured posts")
    matured_ids: list[str] = Field(default_factory=list)
    publish_ms: list[int] = Field(default_factory=list, description="distinct posts, sorted")
    burst_until_ms: int = 0
    # comments: [hour index, total, negative] buckets, and the surge window's comments
    comment_hours: list[tuple[int, int, int]] = Field(default_factory=list)
    window: list[tuple[int, str, bool]] = Field(
        default_factory=list, description="(published ms, post id, negative) within the window")
    surge_spans: list[tuple[int, int]] = Field(
        default_factory=list, description="[first hour, last hour] of surges (last -1 = still "
                                          "going): kept out of the baseline share")
    # what is firing now, by "type:subject"
    open: dict[str, OpenAnomaly] = Field(default_factory=dict)

    @property
    def last_post_ms(self) -> int:
        """Publish time of the newest post seen, 0 if none."""
        return self.publish_ms[-1] if self.publish_ms else 0
