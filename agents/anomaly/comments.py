"""Negative-comment surge on an account or one post (舆情预警).

Comments are counted per hour (total, negative) over ``surge_baseline_days``: that is the
account's baseline negative share. The last ``surge_window_h`` hours are the window. A surge is
a window with many negative comments whose negative share is far above the baseline; it
resolves when the window's share is back near the baseline. Whether a comment is negative is
decided at the edge (:mod:`agents.anomaly.sentiment`), so this stays pure.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.emit import Emitter
from agents.anomaly.robust import binomial_sf
from schemas.events import AnomalyType, Severity

T = AnomalyType
HOUR_MS = 3_600_000
MAX_WINDOW = 5_000  # comments kept in the window, whatever the volume


def observe_comments(em: Emitter, comments: list[dict[str, Any]], negative: list[bool],
                     at_ms: int, cfg: AnomalyConfig) -> None:
    """Count one page of comments and judge the window."""
    st = em.st
    hours = {h: [t, n] for h, t, n in st.comment_hours}
    window_ms = cfg.surge_window_h * HOUR_MS
    for comment, neg in zip(comments, negative, strict=True):
        published = int(datetime.fromisoformat(comment["published_at"]).timestamp() * 1000)
        bucket = hours.setdefault(published // HOUR_MS, [0, 0])
        bucket[0] += 1
        bucket[1] += int(neg)
        if published > at_ms - window_ms:
            st.window.append((published, comment["post_id"], neg))
    oldest_hour = (at_ms - int(cfg.surge_baseline_days * 24 * HOUR_MS)) // HOUR_MS
    st.comment_hours = sorted((h, t, n) for h, (t, n) in hours.items() if h >= oldest_hour)
    st.window = sorted(c for c in st.window if c[0] > at_ms - window_ms)[-MAX_WINDOW:]
    _judge(em, at_ms, cfg)


def _judge(em: Emitter, at_ms: int, cfg: AnomalyConfig) -> None:
    st = em.st
    window_start_hour = (at_ms - int(cfg.surge_window_h * HOUR_MS)) // HOUR_MS
    now_hour = at_ms // HOUR_MS

    def in_surge(hour: int) -> bool:
        return any(a <= hour and (b < 0 or hour <= b) for a, b in st.surge_spans)

    base = [(t, n) for h, t, n in st.comment_hours if h < window_start_hour and not in_surge(h)]
    base_total, base_neg = sum(t for t, _ in base), sum(n for _, n in base)
    total = len(st.window)
    neg = sum(1 for c in st.window if c[2])
    share = neg / total if total else 0.0
    # the baseline share, with a prior while the account has few comments
    base_share = ((base_neg + cfg.surge_prior_share * cfg.surge_prior_comments)
                  / (base_total + cfg.surge_prior_comments))
    threshold = max(cfg.surge_min_share, base_share + cfg.surge_share_margin)
    by_post = Counter(c[1] for c in st.window if c[2])
    prefix = f"{T.negative_comment_surge.value}:"
    for key in [k for k in st.open if k.startswith(prefix) and k != prefix]:
        post_id = key.removeprefix(prefix)
        if by_post.get(post_id, 0) < cfg.surge_post_min_negative / 2:
            em.resolve(T.negative_comment_surge, Severity.high, "单条作品负面评论已回落", at_ms,
                       subject=post_id, evidence={"negative": by_post.get(post_id, 0)})
    open_surge = em.is_open(T.negative_comment_surge)
    if open_surge:
        if share < base_share + cfg.surge_share_margin / 2 or neg < cfg.surge_min_negative / 2:
            em.resolve(T.negative_comment_surge, Severity.high, "负面评论已回落", at_ms,
                       after=f"{share:.0%}", evidence={"negative": neg, "comments": total})
            st.surge_spans = [(a, now_hour if b < 0 else b) for a, b in st.surge_spans]
        return
    if base_total < cfg.surge_min_baseline:
        return
    evidence: dict[str, Any] = {"negative": neg, "comments": total, "share": round(share, 3),
                "baseline_share": round(base_share, 3), "baseline_comments": base_total,
                "window_hours": cfg.surge_window_h,
                "top_posts": [{"post_id": p, "negative": k} for p, k in by_post.most_common(3)]}
    chance = binomial_sf(neg, total, base_share)
    evidence["p_value"] = float(f"{chance:.3g}")
    if neg >= cfg.surge_min_negative and share >= threshold and chance <= cfg.surge_p_value:
        em.fire(T.negative_comment_surge, Severity.high,
                f"负面评论激增（舆情预警）：{cfg.surge_window_h:g} 小时内负面 {neg} 条，"
                f"占比 {share:.0%}（常态 {base_share:.0%}）", at_ms,
                before=f"{base_share:.0%}", after=f"{share:.0%}", evidence=evidence)
        oldest = st.comment_hours[0][0] if st.comment_hours else window_start_hour
        st.surge_spans = [(a, b) for a, b in st.surge_spans if b < 0 or b >= oldest]
        st.surge_spans.append((window_start_hour, -1))
        return
    for post_id, post_neg in by_post.most_common(1):
        post_total = sum(1 for c in st.window if c[1] == post_id)
        post_share = post_neg / post_total
        if (post_neg >= cfg.surge_post_min_negative and post_share >= threshold
                and binomial_sf(post_neg, post_total, base_share) <= cfg.surge_p_value
                and not em.is_open(T.negative_comment_surge, post_id)):
            em.fire(T.negative_comment_surge, Severity.high,
                    f"单条作品负面评论激增（舆情预警）：负面 {post_neg} 条，占比 {post_share:.0%}",
                    at_ms, subject=post_id, before=f"{base_share:.0%}",
                    after=f"{post_share:.0%}",
                    evidence={**evidence, "post_negative": post_neg, "post_comments": post_total})
