"""The Kafka-free core of ``anomaly``: canonical pages in, state updated, anomalies out.

Each function takes one account's state and one page of a canonical bundle (snapshot, posts or
comments of one crawl page), applies it, and returns the anomalies it showed. Event time (the
page's ``captured_at``) drives every window, so a backfill is judged as if it were live.
``source`` is (topic, position) with position = offset × 10,000 + the page's index in its
bundle: a page already applied to this account (position not newer) is skipped, so a replay
after a crash changes nothing and emits nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agents.anomaly.comments import observe_comments
from agents.anomaly.config import AnomalyConfig
from agents.anomaly.emit import AccountInfo, Emitter
from agents.anomaly.followers import check_followers
from agents.anomaly.identity import check_profile, check_status, check_verification
from agents.anomaly.posting import check_dormant, check_post_count, observe_posts
from agents.anomaly.state import AccountState
from schemas.events import Anomaly

PAGES_PER_OFFSET = 10_000


def position(offset: int, page_index: int) -> int:
    """Order of a page among all pages of a topic partition."""
    return offset * PAGES_PER_OFFSET + page_index


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _fresh(st: AccountState, topic: str, position: int) -> bool:
    """True (and remembered) if this page has not been applied to this account yet."""
    if st.offsets.get(topic, -1) >= position:
        return False
    st.offsets[topic] = position
    return True


def apply_snapshots(st: AccountState, page: dict[str, Any], info: AccountInfo,
                    cfg: AnomalyConfig, source: tuple[str, int], now: datetime) -> list[Anomaly]:
    """Judge the snapshot(s) of one page against the account's previous one."""
    out: list[Anomaly] = []
    if not _fresh(st, *source):
        return out
    em = Emitter(st, info, now, out)
    for snap in page["snapshots"]:
        at_ms = _ms(snap["captured_at"])
        if at_ms <= st.captured_ms:
            continue  # older than what we have: a late duplicate
        check_status(em, snap, at_ms)
        check_verification(em, snap, at_ms)
        check_profile(em, snap, at_ms, cfg)
        check_followers(em, int(snap["followers"]), at_ms, cfg)
        post_count = int(snap.get("post_count") or 0)
        check_post_count(em, post_count, st.post_count, at_ms - st.captured_ms, at_ms, cfg)
        st.post_count = post_count
        st.status, st.verified = snap["status"], bool(snap["verified"])
        st.subject = snap.get("verification_subject")
        st.name, st.avatar, st.bio = snap["name"], snap.get("avatar_hash") or "", snap.get(
            "bio") or ""
        st.followers = int(snap["followers"])
        st.snapshots += 1
        st.captured_ms = at_ms
        check_dormant(em, at_ms, cfg)
    return out


def apply_posts(st: AccountState, page: dict[str, Any], info: AccountInfo, cfg: AnomalyConfig,
                source: tuple[str, int], now: datetime) -> list[Anomaly]:
    """Follow the posts of one page: engagement spikes, bursts, the end of dormancy."""
    out: list[Anomaly] = []
    posts = page["posts"]
    if not posts or not _fresh(st, *source):
        return out
    at_ms = max(_ms(p["captured_at"]) for p in posts)
    observe_posts(Emitter(st, info, now, out), posts, at_ms, cfg)
    return out


def apply_comments(st: AccountState, page: dict[str, Any], negative: Sequence[bool],
                   info: AccountInfo, cfg: AnomalyConfig, source: tuple[str, int],
                   now: datetime) -> list[Anomaly]:
    """Count the comments of one page (``negative`` says which are) and judge the window."""
    out: list[Anomaly] = []
    comments = page["comments"]
    if not comments or not _fresh(st, *source):
        return out
    at_ms = max(_ms(c["captured_at"]) for c in comments)
    observe_comments(Emitter(st, info, now, out), comments, list(negative), at_ms, cfg)
    return out
