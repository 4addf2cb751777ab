"""Follower drop or spike beyond what the account's own history explains.

The baseline is the account's recent snapshot-to-snapshot changes (log ratios). A change is a
jump when its robust z-score (median / MAD) is extreme *and* it is large in relative and
absolute terms; jumps are kept out of the baseline. A drop resolves when followers come back
(the platform restored purged followers), a spike when they fall back (bought followers purged)
— that return is not itself a new jump.
"""

from __future__ import annotations

import math

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.emit import Emitter
from agents.anomaly.robust import median, robust_z
from schemas.events import AnomalyType, Severity

T = AnomalyType


def check_followers(em: Emitter, followers: int, at_ms: int, cfg: AnomalyConfig) -> None:
    """Judge the change from the previous snapshot's followers to ``followers``."""
    st = em.st
    before = st.followers
    if before <= 0 or followers <= 0:
        return
    if _resolved(em, before, followers, at_ms, cfg):
        return
    change = math.log(followers / before)
    history = st.follower_changes
    if len(history) >= cfg.follower_min_history:
        z = robust_z(change, history, cfg.follower_mad_floor)
        rel, diff = followers / before - 1.0, followers - before
        evidence = {"z": round(z, 1), "relative": round(rel, 4), "baseline_median":
                    round(median(history), 5), "history": len(history)}
        if (z <= -cfg.follower_z and -rel >= cfg.follower_min_drop
                and -diff >= cfg.follower_min_abs and not em.is_open(T.follower_drop)):
            severity = Severity.high if -rel >= 0.2 else Severity.medium
            em.fire(T.follower_drop, severity, f"粉丝数异常下降 {-rel:.1%}（{before:,} → "
                    f"{followers:,}）", at_ms, before=str(before), after=str(followers),
                    evidence=evidence, level=before)
            return
        if (z >= cfg.follower_z and rel >= cfg.follower_min_spike
                and diff >= cfg.follower_min_abs and not em.is_open(T.follower_spike)):
            em.fire(T.follower_spike, Severity.medium, f"粉丝数异常增长 {rel:.1%}（{before:,} → "
                    f"{followers:,}，疑似刷粉）", at_ms, before=str(before),
                    after=str(followers), evidence=evidence, level=before)
            return
    history.append(change)
    del history[: max(0, len(history) - cfg.follower_window)]


def _resolved(em: Emitter, before: int, followers: int, at_ms: int, cfg: AnomalyConfig) -> bool:
    """Resolve an open drop or spike whose level is restored; True if the change was that."""
    drop, spike = em.is_open(T.follower_drop), em.is_open(T.follower_spike)
    if drop and followers > before and followers >= drop.level * cfg.follower_recover_share:
        em.resolve(T.follower_drop, Severity.medium, f"粉丝数已恢复（{followers:,}）", at_ms,
                   before=str(before), after=str(followers))
        return True
    if spike and followers < before and followers <= spike.level / cfg.follower_recover_share:
        em.resolve(T.follower_spike, Severity.medium, f"粉丝数已回落（{followers:,}）", at_ms,
                   before=str(before), after=str(followers))
        return True
    return False
