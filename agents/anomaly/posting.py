"""Detectors on posts: engagement spike on a post, posting burst, dormant account.

Posts are re-crawled while they are recent; a post's interactions are followed until it is
``engagement_mature_h`` old, then they join the account's baseline (the last
``engagement_window`` matured posts). Publish times of distinct posts give the posting rate.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.emit import Emitter
from agents.anomaly.robust import median
from agents.anomaly.state import PostTrack
from schemas.events import AccountKind, AnomalyType, Severity

T = AnomalyType
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
PUBLISH_HISTORY = 40  # distinct publish times kept


def interactions(metrics: dict[str, Any]) -> int:
    """Likes + comments + shares + favorites of a post."""
    return int(metrics["likes"] + metrics["comments"] + metrics["shares"]
               + metrics["favorites"])


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def observe_posts(em: Emitter, posts: list[dict[str, Any]], at_ms: int,
                  cfg: AnomalyConfig) -> None:
    """Take one page of posts: new posts, engagement, burst, dormancy's end."""
    st = em.st
    mature_ms = cfg.engagement_mature_h * HOUR_MS
    known = set(st.matured_ids)
    new_publish: list[int] = []
    for post in posts:
        pid, published = post["post_id"], _ms(post["published_at"])
        count = interactions(post["metrics"])
        track = st.young.get(pid)
        if track is None:
            if pid in known:
                continue
            new_publish.append(published)
            if at_ms - published >= mature_ms:  # history seen for the first time
                _mature(st.matured, st.matured_ids, pid, count, cfg)
                known.add(pid)
                continue
            track = st.young[pid] = PostTrack(published_ms=published)
        track.interactions = max(track.interactions, count)
        if not track.flagged:
            _check_engagement(em, pid, track, at_ms, cfg)
    for pid, track in list(st.young.items()):
        if at_ms - track.published_ms >= mature_ms:
            del st.young[pid]
            if not track.flagged:  # a spike does not become the account's normal
                _mature(st.matured, st.matured_ids, pid, track.interactions, cfg)
    if new_publish:
        _record_publish(em, sorted(new_publish), at_ms, cfg)


def _mature(values: list[int], ids: list[str], pid: str, count: int,
            cfg: AnomalyConfig) -> None:
    values.append(count)
    ids.append(pid)
    del values[: max(0, len(values) - cfg.engagement_window)]
    del ids[: max(0, len(ids) - 2 * cfg.engagement_window)]


def p90(values: list[int]) -> float:
    """90th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)])


def _check_engagement(em: Emitter, pid: str, track: PostTrack, at_ms: int,
                      cfg: AnomalyConfig) -> None:
    base = em.st.matured
    if len(base) < cfg.engagement_min_history or track.interactions < cfg.engagement_min:
        return
    high = max(p90(base), 1.0)
    if track.interactions < cfg.engagement_factor * high:
        return
    track.flagged = True
    typical = median([float(v) for v in base])
    em.fire(T.engagement_spike, Severity.medium,
            f"作品互动异常激增：{track.interactions:,} 次互动，约为该账号常态的 "
            f"{track.interactions / max(typical, 1.0):.0f} 倍", at_ms, subject=pid,
            before=str(round(typical)), after=str(track.interactions), standing=False,
            evidence={"p90": high, "typical": round(typical), "history": len(base),
                      "ratio_to_p90": round(track.interactions / high, 1)})


def _record_publish(em: Emitter, published: list[int], at_ms: int, cfg: AnomalyConfig) -> None:
    st = em.st
    dormant = em.is_open(T.dormant)
    if dormant and published[-1] > dormant.level:  # a post newer than the last one before
        em.resolve(T.dormant, Severity.low, "账号已恢复更新", at_ms,
                   after=_iso(published[-1]))
    merged = sorted(set(st.publish_ms) | set(published))
    st.publish_ms = merged[-PUBLISH_HISTORY:]
    window = cfg.burst_window_min * 60_000
    recent = [p for p in st.publish_ms if p > at_ms - window and p <= at_ms + window]
    if len(recent) < cfg.burst_min_posts or at_ms < st.burst_until_ms:
        return
    older = [p for p in st.publish_ms if p <= at_ms - window]
    gap = _mean_gap_ms(older)
    usual = window / gap if gap else 0.0
    if len(recent) >= cfg.burst_factor * usual:
        st.burst_until_ms = at_ms + int(window)
        em.fire(T.posting_burst, Severity.high,
                f"短时集中发帖：{cfg.burst_window_min:.0f} 分钟内 {len(recent)} 条（疑似账号被盗）",
                at_ms, after=str(len(recent)), standing=False,
                evidence={"posts_in_window": len(recent), "usual_per_window": round(usual, 3)})


def check_post_count(em: Emitter, post_count: int, previous: int, elapsed_ms: int,
                     at_ms: int, cfg: AnomalyConfig) -> None:
    """A burst seen in the profile's post count between two snapshots (larger than a page)."""
    st = em.st
    added = post_count - previous
    if (previous < 0 or added < cfg.burst_min_posts or elapsed_ms <= 0
            or elapsed_ms > cfg.burst_max_gap_h * HOUR_MS or at_ms < st.burst_until_ms):
        return
    gap = _mean_gap_ms(st.publish_ms)
    usual = max(elapsed_ms, cfg.burst_window_min * 60_000) / gap if gap else 0.0
    if added >= cfg.burst_factor * usual:
        st.burst_until_ms = at_ms + int(cfg.burst_window_min * 60_000)
        hours = elapsed_ms / HOUR_MS
        em.fire(T.posting_burst, Severity.high,
                f"短时集中发帖：{hours:.1f} 小时内新增 {added} 条（疑似账号被盗）", at_ms,
                before=str(previous), after=str(post_count), standing=False,
                evidence={"posts_added": added, "hours": round(hours, 2),
                          "usual": round(usual, 3)})


def _mean_gap_ms(times: list[int]) -> float:
    if len(times) < 2:
        return 0.0
    return (times[-1] - times[0]) / (len(times) - 1)


def _dormant_after_ms(times: list[int], kind: AccountKind | None,
                      cfg: AnomalyConfig) -> float | None:
    """How long without a post makes this account dormant; None if it cannot be judged."""
    if len(times) < cfg.dormant_min_posts:
        return None
    days = {AccountKind.official: cfg.dormant_days_official,
            AccountKind.employee: cfg.dormant_days_employee}.get(
        kind, cfg.dormant_days_competitor)  # type: ignore[arg-type]
    return max(days * DAY_MS, cfg.dormant_gap_factor * _mean_gap_ms(times))


def check_dormant(em: Emitter, at_ms: int, cfg: AnomalyConfig) -> None:
    """Dormant: no post for the account kind's days and for many of its usual gaps."""
    st = em.st
    after = _dormant_after_ms(st.publish_ms, em.info.context.kind, cfg)
    if after is None or em.is_open(T.dormant):
        return
    silent = at_ms - st.last_post_ms
    if silent >= after:
        days = silent / DAY_MS
        em.fire(T.dormant, Severity.low, f"账号已 {days:.0f} 天未更新", at_ms,
                before=_iso(st.last_post_ms), level=st.last_post_ms,
                evidence={"silent_days": round(days, 1), "threshold_days":
                          round(after / DAY_MS, 1), "last_post_ms": st.last_post_ms})
