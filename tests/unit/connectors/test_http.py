"""PlatformHttp against a real local HTTP server: what is retried, what is not, refresh,
timeouts, Retry-After, limits and redaction."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.crawlers.config import CrawlSettings
from pipeline.crawlers.errors import (
    AuthError,
    BadPayload,
    PermanentError,
    RateLimited,
    TokenExpired,
    TransientError,
)
from pipeline.crawlers.http import CURRENT_STATS, CallStats, PlatformHttp
from pipeline.ratelimit import RateRule, SlidingWindowLimiter

SECRET = "tok-5ecret-123"


def classify(endpoint: str, status: int, body: Any) -> None:
    code = body.get("code", 0) if isinstance(body, dict) else 0
    if code == 1:
        raise TokenExpired(endpoint, "token expired")
    if code == 2:
        raise RateLimited(endpoint, "too fast")


class Harness:
    def __init__(self, server: HTTPServer, **settings: Any) -> None:
        self.server = server
        self.sleeps: list[float] = []
        self.settings = CrawlSettings.model_validate(
            {"max_attempts": 4, "retry_initial_s": 0.5, "retry_max_s": 10, **settings})

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def call(self, path: str = "/api", refresh: Callable[[], Any] | None = None,
             limiter: SlidingWindowLimiter | None = None) -> tuple[Any, CallStats]:
        stats = CallStats()

        async def go() -> Any:
            CURRENT_STATS.set(stats)
            async with httpx.AsyncClient(timeout=httpx.Timeout(
                    self.settings.timeout_s, connect=self.settings.connect_timeout_s)) as client:
                http = PlatformHttp(client, self.settings, platform_limiter=limiter,
                                    credential_limiter=None, secrets=[SECRET],
                                    sleep=self._sleep)
                return await http.call(
                    "things/list",
                    lambda: client.build_request("GET", self.server.url_for(path),
                                                 params={"access_token": SECRET}),
                    classify, refresh)

        return asyncio.run(go()), stats


def sequence(server: HTTPServer, answers: list[Response]) -> None:
    """Answer the n-th request with answers[n] (the last one repeats)."""
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        answer = answers[min(calls["n"], len(answers) - 1)]
        calls["n"] += 1
        return answer

    server.expect_request("/api").respond_with_handler(handler)


def json(body: str, status: int = 200, **headers: str) -> Response:
    return Response(body, status=status, content_type="application/json", headers=headers)


def test_5xx_is_retried_with_growing_backoff(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json("{}", 503), json("{}", 502), json('{"ok": 1}')])
    h = Harness(httpserver)
    body, stats = h.call()
    assert body == {"ok": 1}
    assert (stats.requests, stats.retries) == (3, 2)
    assert len(h.sleeps) == 2 and h.sleeps[0] > 0 and h.sleeps[1] >= 1.0  # 0.5·2 + jitter


def test_transient_errors_give_up_after_max_attempts(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json("{}", 500)])
    with pytest.raises(TransientError, match="HTTP 500"):
        Harness(httpserver).call()
    assert len(httpserver.log) == 4


def test_429_honours_retry_after(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json("{}", 429, **{"Retry-After": "7"}), json('{"ok": 1}')])
    h = Harness(httpserver)
    assert h.call()[0] == {"ok": 1}
    assert h.sleeps[0] >= 7


def test_platform_rate_limit_code_is_retried(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"code": 2}'), json('{"ok": 1}')])
    body, stats = Harness(httpserver).call()
    assert body == {"ok": 1} and stats.retries == 1


@pytest.mark.parametrize(("status", "error"), [(401, AuthError), (403, AuthError),
                                                (400, PermanentError), (404, PermanentError)])
def test_auth_and_permanent_errors_are_not_retried(httpserver: HTTPServer, status: int,
                                                   error: type[Exception]) -> None:
    sequence(httpserver, [json("{}", status)])
    with pytest.raises(error):
        Harness(httpserver).call()
    assert len(httpserver.log) == 1


def test_expired_token_is_refreshed_once(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"code": 1}'), json('{"ok": 1}')])
    refreshed: list[bool] = []

    async def refresh() -> None:
        refreshed.append(True)

    body, stats = Harness(httpserver).call(refresh=refresh)
    assert body == {"ok": 1} and refreshed == [True] and stats.refreshes == 1


def test_token_still_expired_after_refresh_is_an_auth_error(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"code": 1}')])

    async def refresh() -> None:
        return None

    with pytest.raises(AuthError, match="after a refresh"):
        Harness(httpserver).call(refresh=refresh)
    assert len(httpserver.log) == 2


def test_expired_token_without_refresh_flow_is_an_auth_error(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"code": 1}')])
    with pytest.raises(AuthError):
        Harness(httpserver).call()


def test_html_page_is_a_bad_payload_and_secrets_are_redacted(httpserver: HTTPServer) -> None:
    page = f"<html><body>login again, token {SECRET} is not valid</body></html>"
    sequence(httpserver, [Response(page, status=200, content_type="text/html")])
    with pytest.raises(BadPayload) as info:
        Harness(httpserver).call()
    assert "not JSON (text/html)" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in info.value.raw
    assert "***" in info.value.raw


def test_timeouts_are_transient(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return json("{}")

    httpserver.expect_request("/api").respond_with_handler(slow)
    with pytest.raises(TransientError, match="timed out"):
        Harness(httpserver, timeout_s=0.1, max_attempts=2).call()


def test_network_errors_are_transient_and_name_no_secret() -> None:
    server = HTTPServer()  # never started: nothing listens on its port
    h = Harness(server, max_attempts=2, connect_timeout_s=1)
    with pytest.raises(TransientError, match="network error") as info:
        h.call()
    assert SECRET not in str(info.value)


def test_requests_wait_for_the_limiter(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"ok": 1}')])
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = SlidingWindowLimiter([RateRule(2, 60.0)], clock=lambda: now[0], sleep=fake_sleep)
    h = Harness(httpserver)
    for _ in range(3):
        h.call(limiter=limiter)
    assert slept == [60.0]  # the third request waited for the window


def test_a_refresh_that_fails_transiently_is_retried(httpserver: HTTPServer) -> None:
    sequence(httpserver, [json('{"code": 1}'), json('{"code": 1}'), json('{"ok": 1}')])
    calls: list[int] = []

    async def refresh() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise TransientError("token", "refresh endpoint busy")

    body, stats = Harness(httpserver).call(refresh=refresh)
    assert body == {"ok": 1} and len(calls) == 2 and stats.refreshes == 2
