"""Per-robot send limiters: wait (never drop) to stay under each platform's documented rate.

A sliding window of grant times per rule: a send is granted when every rule has fewer than
``limit`` grants in the last ``per_s`` seconds, else the caller waits until the oldest one
leaves the window. A sliding window also satisfies a platform that counts per calendar minute.
Waiters are served in arrival order (``asyncio.Lock`` is FIFO). Limits carry a safety margin
below the platform's (network jitter can bring two sends closer than they were granted):

- WeCom group robot: 20/min documented → 18/min.
- DingTalk custom robot: 20/min documented, and exceeding it blocks the robot for 10 minutes
  → 18/min.
- Feishu custom bot: 100/min and 5/s documented → 90/min and 4/s.

Clock and sleep are injectable so tests exercise the real waiting logic in virtual time.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateRule:
    """At most ``limit`` sends in any ``per_s`` seconds."""

    limit: int
    per_s: float


DEFAULT_RULES: Mapping[str, tuple[RateRule, ...]] = {
    "wecom": (RateRule(18, 60.0),),
    "dingtalk": (RateRule(18, 60.0),),
    "feishu": (RateRule(90, 60.0), RateRule(4, 1.0)),
}


class SlidingWindowLimiter:
    """One robot's limiter: ``await acquire()`` before each HTTP request to it."""

    def __init__(self, rules: Sequence[RateRule], clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        if not rules or any(r.limit < 1 or r.per_s <= 0 for r in rules):
            raise ValueError("a limiter needs rules with limit >= 1 and per_s > 0")
        self.rules = tuple(rules)
        self._clock = clock
        self._sleep = sleep
        self._grants: list[deque[float]] = [deque() for _ in self.rules]
        self._lock = asyncio.Lock()

    def _wait_needed(self, now: float) -> float:
        wait = 0.0
        for rule, grants in zip(self.rules, self._grants, strict=True):
            while grants and grants[0] <= now - rule.per_s:
                grants.popleft()
            if len(grants) >= rule.limit:
                wait = max(wait, grants[0] + rule.per_s - now)
        return wait

    async def acquire(self) -> float:
        """Wait until a send is allowed and record it; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    for grants in self._grants:
                        grants.append(now)
                    return waited
                await self._sleep(wait)
                waited += wait


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
