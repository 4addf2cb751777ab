"""Normalised interaction rate: per follower and per log-age, so a small account's viral post
outranks a big account's ordinary one, and an old post needs more to rank the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.competitors.engagement import (
    FOLLOWER_FLOOR,
    PostEngagement,
    age_hours,
    interaction_rate,
    rank_posts,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _post(pid: str, interactions: int, followers: int, hours: float) -> PostEngagement:
    return PostEngagement(pid, f"acc-{pid}", interactions, followers,
                          NOW - timedelta(hours=hours))


def test_small_accounts_viral_post_outranks_big_accounts_ordinary_one() -> None:
    viral = _post("small-viral", interactions=3_000, followers=2_000, hours=10)
    ordinary = _post("big-ordinary", interactions=20_000, followers=2_000_000, hours=10)
    small_ordinary = _post("small-ordinary", interactions=20, followers=2_000, hours=10)
    ranked = rank_posts([ordinary, small_ordinary, viral], NOW)
    assert [r.post.post_id for r in ranked] == ["small-viral", "big-ordinary", "small-ordinary"]
    assert ranked[0].rate > 10 * ranked[1].rate


def test_age_normalisation() -> None:
    fresh = interaction_rate(100, 10_000, 1)
    week = interaction_rate(100, 10_000, 24 * 7)
    assert fresh == pytest.approx(0.01)  # log2(1 + 1) = 1
    assert week < fresh / 7
    # a post younger than an hour counts as an hour old; the future is not negative
    assert interaction_rate(100, 10_000, 0.1) == fresh
    assert age_hours(NOW + timedelta(hours=1), NOW) == 0.0
    # accounts under the floor are judged as if they had the floor
    assert interaction_rate(50, 3, 1) == interaction_rate(50, FOLLOWER_FLOOR, 1)


def test_ranking_is_deterministic_and_cut() -> None:
    posts = [_post(f"p{i}", 10, 1_000, 5) for i in range(5)]
    ranked = rank_posts(reversed(posts), NOW, top_n=3)
    assert [r.post.post_id for r in ranked] == ["p0", "p1", "p2"]
    assert rank_posts(posts, NOW, top_n=0) == []
