"""High-interaction posts (高互动作品): an interaction rate normalised by followers and age.

Raw interactions favour big accounts and old posts. The normalised rate is::

    rate = interactions / max(followers, FOLLOWER_FLOOR) / log2(1 + max(age_hours, 1))

- per follower: a post is judged against the audience its account can reach; the floor keeps
  a near-empty account's first likes from looking viral;
- per log-age: a post gathers most of its interactions in its first hours and then slowly, so
  its count grows roughly with the log of its age. ``log2(1 + age)`` is 1 for a post up to an
  hour old, 4.6 at a day, 7.4 at a week: a week-old post needs 7.4 × the interactions of a
  one-hour-old post to rank the same.

``rate_sql`` is the same formula in ClickHouse SQL (the 竞品监测 board's 高互动作品 panel), so
the board and Python rank alike. Shown per mille (‰) on the board.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

FOLLOWER_FLOOR = 100


class PostEngagement(NamedTuple):
    """What the rate needs of a post: its latest interactions (likes + comments + shares +
    favorites), its account's followers, and when it was published."""

    post_id: str
    account_key: str
    interactions: int
    followers: int
    published_at: datetime


class RankedPost(NamedTuple):
    post: PostEngagement
    rate: float


def age_hours(published_at: datetime, now: datetime) -> float:
    return max(0.0, (now - published_at).total_seconds() / 3600)


def interaction_rate(interactions: float, followers: float, hours: float) -> float:
    """Interactions per follower per log2-hour of age (see the module docstring)."""
    return (interactions / max(followers, FOLLOWER_FLOOR)
            / math.log2(1 + max(hours, 1.0)))


def rank_posts(posts: Iterable[PostEngagement], now: datetime, top_n: int = 20,
               ) -> list[RankedPost]:
    """The ``top_n`` posts by normalised rate, highest first (ties: post id)."""
    ranked = [RankedPost(p, interaction_rate(p.interactions, p.followers,
                                             age_hours(p.published_at, now)))
              for p in posts]
    ranked.sort(key=lambda r: (-r.rate, r.post.post_id, r.post.account_key))
    return ranked[:top_n] if top_n >= 0 else ranked


def rate_sql(interactions: str, followers: str, published_at: str, now: str = "now()") -> str:
    """The rate as a ClickHouse expression over the given column expressions."""
    hours = f"greatest(dateDiff('second', {published_at}, {now}) / 3600, 1)"
    return (f"(toFloat64({interactions}) / greatest(toFloat64({followers}), {FOLLOWER_FLOOR})"
            f" / log2(1 + {hours}))")
