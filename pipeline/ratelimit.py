"""Sliding-window rate limiters: wait (never drop) to stay under a documented rate.

A sliding window of grant times per rule: a request is granted when every rule has fewer than
``limit`` grants in the last ``per_s`` seconds, else the caller waits until the oldest one
leaves the window. A sliding window also satisfies a platform that counts per calendar minute.
Waiters are served in arrival order (``asyncio.Lock`` is FIFO). Used by the notification
robots (``pipeline/notify``) and the platform connectors (``pipeline/crawlers``).

Clock and sleep are injectable so tests exercise the real waiting logic in virtual time.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RateRule:
    """At most ``limit`` sends in any ``per_s`` seconds."""

    limit: int
    per_s: float


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
