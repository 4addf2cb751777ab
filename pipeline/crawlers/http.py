"""One platform credential's HTTP access: limits, timeouts, retries, token refresh.

Every connector request goes through :meth:`PlatformHttp.call`:

1. wait for the platform's and the credential's rate limiters (sliding windows, FIFO);
2. send with timeouts on connect, read, write and pool;
3. read the body as JSON; let the connector's ``classify`` turn the platform's own error
   shape (``error_code``, ``errcode``, ``code``, ``result``…) into a :mod:`errors` class;
4. retry transient failures (network errors, timeouts, 5xx, 429, platform "too fast" codes)
   with exponential backoff and full jitter, honouring ``Retry-After``; on an expired token
   call the connector's refresh once and resend; never retry auth or permanent errors.

The request is built again for every attempt, so a refreshed token is used at once.
Messages are redacted: a credential's secrets never reach an exception, a log or an event.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from pipeline.crawlers.config import CrawlSettings
from pipeline.crawlers.errors import (
    AuthError,
    BadPayload,
    CrawlError,
    PermanentError,
    RateLimited,
    TokenExpired,
    TransientError,
)
from pipeline.logs import get_logger
from pipeline.ratelimit import SlidingWindowLimiter

log = get_logger(__name__)

Classify = Callable[[str, int, Any], None]
"""``classify(endpoint, http_status, json_body)``: raise the platform's error, or return."""
Refresh = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

RAW_KEEP = 2000  # characters of an unreadable body kept for the dead letter


@dataclass
class CallStats:
    """Requests made for one account crawl (set per task through a context variable)."""

    requests: int = 0
    retries: int = 0
    refreshes: int = 0
    waited_s: float = 0.0


CURRENT_STATS: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar(
    "crawl_call_stats", default=None)


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


class PlatformHttp:
    """HTTP for one credential of one platform (the client and platform limiter are shared)."""

    def __init__(
        self, client: httpx.AsyncClient, settings: CrawlSettings, *,
        platform_limiter: SlidingWindowLimiter | None,
        credential_limiter: SlidingWindowLimiter | None,
        secrets: Sequence[str] = (), sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.settings = settings
        self.limiters = [lim for lim in (platform_limiter, credential_limiter) if lim]
        self.secrets = list(secrets)
        self._sleep = sleep

    def add_secret(self, secret: str) -> None:
        """Redact a secret learnt later (a refreshed token)."""
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(
            multiplier=self.settings.retry_initial_s, max=self.settings.retry_max_s,
            jitter=self.settings.retry_initial_s)(state)
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            return max(backoff, min(error.retry_after_s, self.settings.retry_max_s))
        return float(backoff)

    async def call(self, endpoint: str, build: Callable[[], httpx.Request], classify: Classify,
                   refresh: Refresh | None = None) -> Any:
        """Send the request ``build()`` makes until it succeeds or fails for good."""
        stats = CURRENT_STATS.get()
        refreshed = False
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.settings.max_attempts), wait=self._wait,
            sleep=self._sleep, reraise=True,
            before_sleep=lambda s: self._before_retry(endpoint, s, stats),
        )
        async for attempt in retrying:
            with attempt:
                try:
                    return await self._send(endpoint, build(), classify, stats)
                except TokenExpired as exc:
                    if refresh is None or refreshed:
                        raise AuthError(endpoint, exc.message
                                        + ("" if refresh is None else " (after a refresh)")
                                        ) from None
                    if stats is not None:
                        stats.refreshes += 1
                    log.info("refreshing token", endpoint=endpoint)
                    # a refresh that fails transiently is retried as a whole on the next
                    # attempt: only a refresh that succeeded counts
                    await refresh()
                    refreshed = True
                    try:
                        return await self._send(endpoint, build(), classify, stats)
                    except TokenExpired as again:
                        raise AuthError(endpoint, again.message + " (after a refresh)") from None
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _before_retry(self, endpoint: str, state: RetryCallState,
                      stats: CallStats | None) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.upcoming_sleep
        if stats is not None:
            stats.retries += 1
            stats.waited_s += wait
        log.warning("crawl request retry", endpoint=endpoint, attempt=state.attempt_number,
                    wait_s=round(wait, 2), error=str(error))

    async def _send(self, endpoint: str, request: httpx.Request, classify: Classify,
                    stats: CallStats | None) -> Any:
        for limiter in self.limiters:
            waited = await limiter.acquire()
            if stats is not None:
                stats.waited_s += waited
        if stats is not None:
            stats.requests += 1
        try:
            resp = await self.client.send(request)
        except httpx.TimeoutException as exc:
            raise TransientError(endpoint, f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransientError(endpoint, redact(
                f"network error: {type(exc).__name__}: {_one_line(str(exc))}", self.secrets),
            ) from None
        return self._read(endpoint, resp, classify)

    def _read(self, endpoint: str, resp: httpx.Response, classify: Classify) -> Any:
        status = resp.status_code
        try:
            body = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            body = None
        if body is None:
            self._raise_for_status(endpoint, resp)
            snippet = redact(_one_line(resp.text, 80), self.secrets)
            kind = resp.headers.get("content-type", "no content type").split(";")[0]
            raise BadPayload(endpoint, f"HTTP {status}, not JSON ({kind}): {snippet!r}",
                             raw=redact(resp.text[:RAW_KEEP], self.secrets))
        try:
            classify(endpoint, status, body)
        except CrawlError as exc:
            exc.args = (redact(str(exc), self.secrets),)
            exc.message = redact(exc.message, self.secrets)
            raise
        self._raise_for_status(endpoint, resp)
        return body

    def _raise_for_status(self, endpoint: str, resp: httpx.Response) -> None:
        status = resp.status_code
        if status == 429:
            raise RateLimited(endpoint, "HTTP 429 Too Many Requests",
                              _retry_after(resp.headers.get("retry-after")))
        if status >= 500:
            raise TransientError(endpoint, f"HTTP {status}")
        if status in (401, 403):
            raise AuthError(endpoint, f"HTTP {status}")
        if status >= 400:
            raise PermanentError(endpoint, f"HTTP {status}")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
