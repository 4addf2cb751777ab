"""The per-robot limiter, in virtual time: it waits (never drops) and stays under the rate."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.notify.ratelimit import (
    DEFAULT_RULES,
    RateLimiters,
    RateRule,
    SlidingWindowLimiter,
    robot_identity,
)
from tests.unit.notify import FakeClock


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


def grant_times(limiter: SlidingWindowLimiter, clock: FakeClock, n: int) -> list[float]:
    granted: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        granted.append(clock.now)

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(n)))

    asyncio.run(main())
    return granted


def test_defaults_have_a_margin_under_the_platform_limits() -> None:
    assert DEFAULT_RULES["wecom"] == (RateRule(18, 60.0),)
    assert DEFAULT_RULES["dingtalk"] == (RateRule(18, 60.0),)
    assert DEFAULT_RULES["feishu"] == (RateRule(90, 60.0), RateRule(4, 1.0))


def test_per_minute_rule_waits_and_never_drops() -> None:
    clock = FakeClock(start=1000.0)
    limiter = SlidingWindowLimiter([RateRule(18, 60.0)], clock, clock.sleep)
    granted = grant_times(limiter, clock, 40)
    assert len(granted) == 40  # every caller got through
    assert max_in_window(granted, 60.0) == 18
    assert granted[:18] == [1000.0] * 18 and granted[18] == 1060.0 and granted[-1] == 1120.0


def test_two_rules_at_once() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowLimiter([RateRule(90, 60.0), RateRule(4, 1.0)], clock, clock.sleep)
    granted = grant_times(limiter, clock, 100)
    assert max_in_window(granted, 1.0) <= 4
    assert max_in_window(granted, 60.0) <= 90
    assert granted[90] >= 60.0  # the 91st waits for the minute window


def test_waiters_are_served_in_arrival_order() -> None:
    clock = FakeClock(start=0.0)
    limiter = SlidingWindowLimiter([RateRule(2, 10.0)], clock, clock.sleep)
    order: list[int] = []

    async def one(i: int) -> None:
        await limiter.acquire()
        order.append(i)

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(7)))

    asyncio.run(main())
    assert order == list(range(7))


def test_registry_one_limiter_per_robot() -> None:
    limiters = RateLimiters()
    a = limiters.get("wecom", robot_identity("key-a"))
    assert a is not None and a is limiters.get("wecom", robot_identity("key-a"))
    assert a is not limiters.get("wecom", robot_identity("key-b"))
    assert limiters.get("webhook", "x") is None and limiters.get("email", "y") is None
    assert "key-a" not in robot_identity("key-a")


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        SlidingWindowLimiter([RateRule(0, 60.0)])
