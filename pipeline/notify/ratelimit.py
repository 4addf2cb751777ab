"""Per-robot send limiters: wait (never drop) to stay under each platform's documented rate.

The limiter itself is :mod:`pipeline.ratelimit`. Limits carry a safety margin
below the platform's (network jitter can bring two sends closer than they were granted):

- WeCom group robot: 20/min documented → 18/min.
- DingTalk custom robot: 20/min documented, and exceeding it blocks the robot for 10 minutes
  → 18/min.
- Feishu custom bot: 100/min and 5/s documented → 90/min and 4/s.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping, Sequence

from pipeline.ratelimit import Clock, RateRule, Sleep, SlidingWindowLimiter

__all__ = ["DEFAULT_RULES", "Clock", "RateLimiters", "RateRule", "Sleep",
           "SlidingWindowLimiter", "robot_identity"]

DEFAULT_RULES: Mapping[str, tuple[RateRule, ...]] = {
    "wecom": (RateRule(18, 60.0),),
    "dingtalk": (RateRule(18, 60.0),),
    "feishu": (RateRule(90, 60.0), RateRule(4, 1.0)),
}


def robot_identity(*parts: str) -> str:
    """A stable, non-reversible id of a robot (its key or token must not sit in memory dumps
    of limiter tables or in logs)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:16]


class RateLimiters:
    """One limiter per (channel type, robot identity), created on first use."""

    def __init__(self, rules: Mapping[str, Sequence[RateRule]] | None = None,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.rules: Mapping[str, Sequence[RateRule]] = (
            DEFAULT_RULES if rules is None else rules)
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[tuple[str, str], SlidingWindowLimiter] = {}

    def get(self, channel: str, identity: str) -> SlidingWindowLimiter | None:
        """The limiter of this robot, or None when the channel has no rate rules."""
        rules = self.rules.get(channel)
        if not rules:
            return None
        key = (channel, identity)
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = SlidingWindowLimiter(rules, self._clock, self._sleep)
        return limiter
