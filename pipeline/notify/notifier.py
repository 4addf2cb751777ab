"""The Notifier: one HTTP client, the per-robot limiters, and bounded retries with backoff.

``await notifier.send(notification, channel_config)`` delivers to one channel;
``await notifier.notify(notification, receiver.channels)`` to all of a receiver's channels
at once. Each attempt waits for its robot's limiter first (so retries count against the rate
too), then runs one channel attempt. Network errors, 5xx, 429 and the platforms' rate-limit
codes are retried with exponential backoff and jitter (tenacity), at least as long as a
``Retry-After`` or the platform's rate-limit pause; permanent failures are not retried. After
``max_attempts`` a still-retryable failure is returned as ``failed_retryable`` for the caller
to re-queue. Every attempt is reported to ``on_attempt`` (the caller records it in
ClickHouse). Nothing here raises for a delivery failure, and no secret reaches a result, a
log line or the callback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TextIO

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from pipeline.logs import get_logger
from pipeline.notify import channels
from pipeline.notify.config import ChannelConfig
from pipeline.notify.ratelimit import Clock, RateLimiters, RateRule, Sleep
from pipeline.notify.result import DeliveryResult, DeliveryStatus, describe_exception, redact_urls
from schemas.alerts import Notification

log = get_logger(__name__)

AttemptCallback = Callable[[str, str, str, int, DeliveryStatus, str], Awaitable[None] | None]
"""``on_attempt(notification_id, receiver, channel, attempt, status, error)``, sync or async."""


class _RedactUrlFilter(logging.Filter):
    """httpx logs every request URL at INFO (DEBUG for httpcore): mask the keys in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_urls(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Idempotently mask webhook keys and tokens in httpx/httpcore log records."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrlFilter) for f in logger.filters):
            logger.addFilter(_RedactUrlFilter())


class Notifier:
    """Delivers notifications on channels; owns its HTTP client (``async with`` or aclose)."""

    def __init__(
        self,
        *,
        max_attempts: int = 5,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        jitter_s: float = 1.0,
        timeout_s: float = 10.0,
        on_attempt: AttemptCallback | None = None,
        rate_rules: Mapping[str, Sequence[RateRule]] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        client: httpx.AsyncClient | None = None,
        trust_env: bool = True,
        console_stream: TextIO | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.max_attempts = max_attempts
        self.backoff_max_s = backoff_max_s
        self._wait_backoff = wait_exponential_jitter(
            initial=backoff_initial_s, max=backoff_max_s, jitter=jitter_s)
        self.on_attempt = on_attempt
        self.limiters = RateLimiters(rate_rules, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._owns_client = client is None
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
            follow_redirects=False, trust_env=trust_env)
        self._console_stream = console_stream
        self._wall_clock = wall_clock
        install_log_redaction()

    async def __aenter__(self) -> Notifier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this Notifier created it."""
        if self._owns_client:
            await self.client.aclose()

    def _wait(self, state: RetryCallState) -> float:
        base = self._wait_backoff(state)
        outcome = state.outcome
        hint = None
        if outcome is not None and not outcome.failed:
            result = outcome.result()
            if isinstance(result, DeliveryResult):
                hint = result.retry_after_s
        return max(base, min(hint, self.backoff_max_s)) if hint else base

    async def _report(self, notification: Notification, channel: str, attempt: int,
                      result: DeliveryResult) -> None:
        if result.status != "sent":
            log.warning("notify_attempt_failed", notification_id=notification.notification_id,
                        receiver=notification.receiver, channel=channel, attempt=attempt,
                        status=result.status, error=result.error,
                        http_status=result.http_status, platform_code=result.platform_code)
        if self.on_attempt is None:
            return
        try:
            maybe = self.on_attempt(notification.notification_id, notification.receiver,
                                    channel, attempt, result.status, result.error)
            if inspect.isawaitable(maybe):
                await maybe
        except Exception as exc:  # a recorder failure must not stop the delivery
            log.error("notify_on_attempt_failed", channel=channel,
                      error=describe_exception(exc, []))

    async def send(self, notification: Notification, config: ChannelConfig) -> DeliveryResult:
        """Deliver on one channel: rate-limited, retried; returns the final result."""
        channel = channels.label(config)
        limiter = self.limiters.get(config.type, channels.robot_of(config))
        secrets = channels.secrets_of(config)
        attempts = 0

        async def attempt() -> DeliveryResult:
            nonlocal attempts
            attempts += 1
            if limiter is not None:
                await limiter.acquire()
            try:
                result = await channels.send(notification, config, self.client,
                                             self._console_stream, self._wall_clock)
            except Exception as exc:  # a bug (template, payload): do not retry it
                result = DeliveryResult(
                    channel=channel, status="failed_permanent",
                    error=f"{channel}: internal error: {describe_exception(exc, secrets)}")
            result = result.model_copy(update={"attempts": attempts})
            await self._report(notification, channel, attempts, result)
            return result

        def last_result(state: RetryCallState) -> Any:
            assert state.outcome is not None
            return state.outcome.result()

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_result(lambda r: r.status == "failed_retryable"),
            retry_error_callback=last_result,
            sleep=self._sleep,
        )
        result: DeliveryResult = await retrying(attempt)
        return result

    async def notify(self, notification: Notification,
                     configs: Sequence[ChannelConfig]) -> list[DeliveryResult]:
        """Deliver on every channel concurrently; results in the order of ``configs``."""
        return list(await asyncio.gather(*(self.send(notification, c) for c in configs)))
