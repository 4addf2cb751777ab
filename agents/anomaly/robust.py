"""Robust statistics for baselines: median, MAD and the robust z-score."""

from __future__ import annotations

import math
from collections.abc import Sequence

MAD_TO_SIGMA = 1.4826  # MAD × this estimates σ for normally distributed data


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def mad(values: Sequence[float], centre: float | None = None) -> float:
    """Median absolute deviation from ``centre`` (the median by default)."""
    centre = median(values) if centre is None else centre
    return median([abs(v - centre) for v in values])


def robust_z(value: float, values: Sequence[float], mad_floor: float = 0.0) -> float:
    """How many robust standard deviations ``value`` lies from the median of ``values``."""
    centre = median(values)
    spread = max(mad(values, centre), mad_floor) * MAD_TO_SIGMA
    if spread == 0.0:
        return 0.0 if value == centre else float("inf") if value > centre else float("-inf")
    return (value - centre) / spread


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p): how likely ``k`` or more successes are by chance."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
             + i * log_p + (n - i) * log_q for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))
