"""Generic webhook against a real local HTTP server that checks the HMAC signature header and
Alertmanager's webhook payload (version 4)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.notify import Notifier, WebhookConfig
from pipeline.notify.result import DeliveryResult
from schemas.alerts import Notification
from tests.unit.notify import BOARD, FakeClock, make_notification

SECRET = "whsec-4d1c9a7e0b2f"


class Receiver:
    """A webhook receiver that verifies ``X-MatrixGuard-Signature`` over the raw body."""

    def __init__(self, statuses: list[int] | None = None, secret: str = SECRET) -> None:
        self.statuses = list(statuses or [])
        self.secret = secret
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        raw = request.get_data()
        expected = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-MatrixGuard-Signature", ""), expected):
            return Response("bad signature", status=401)
        self.bodies.append(json.loads(raw))
        self.headers.append(dict(request.headers))
        status = self.statuses.pop(0) if self.statuses else 200
        headers = {"Retry-After": "7"} if status == 429 else {}
        return Response("", status=status, headers=headers)


def send(notification: Notification, config: WebhookConfig,
         max_attempts: int = 4) -> tuple[DeliveryResult, FakeClock]:
    clock = FakeClock()

    async def main() -> DeliveryResult:
        async with Notifier(clock=clock, sleep=clock.sleep, wall_clock=clock, trust_env=False,
                            max_attempts=max_attempts) as notifier:
            return await notifier.send(notification, config)

    return asyncio.run(main()), clock


def config(server: HTTPServer, secret: str = SECRET, **kw: Any) -> WebhookConfig:
    return WebhookConfig(url=server.url_for("/hook"), secret=SecretStr(secret), **kw)


def test_alertmanager_payload_and_signature(httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    n = make_notification(3)
    result, clock = send(n, config(httpserver, external_url="http://grafana.test"))
    assert result.status == "sent" and result.http_status == 200, result.error
    body = receiver.bodies[0]
    assert body["version"] == "4" and body["status"] == "firing"
    assert body["receiver"] == "owner-shenzhen" and body["groupKey"] == n.group_key
    assert body["groupLabels"] == {"account": "douyin:acct1"}
    assert body["truncatedAlerts"] == 0 and body["externalURL"] == "http://grafana.test"
    assert body["commonLabels"]["org_unit"] == "深圳分行"
    assert "account" not in body["commonLabels"]  # differs between the alerts
    assert body["commonAnnotations"]["board_url"] == BOARD
    alert = body["alerts"][0]
    assert set(alert) == {"status", "labels", "annotations", "startsAt", "endsAt",
                          "generatorURL", "fingerprint"}
    assert alert["startsAt"] == "2026-05-01T02:03:04Z"
    assert alert["endsAt"] == "0001-01-01T00:00:00Z"  # still firing, as Alertmanager says it
    assert alert["annotations"]["title"] == "敏感词命中：保本保息 #1"
    assert receiver.headers[0]["X-Matrixguard-Timestamp"] == str(int(clock.now))


def test_max_alerts_counts_truncated(httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    result, _ = send(make_notification(5), config(httpserver, max_alerts=2))
    assert result.status == "sent"
    assert len(receiver.bodies[0]["alerts"]) == 2 and receiver.bodies[0]["truncatedAlerts"] == 3


def test_wrong_secret_is_a_permanent_4xx(httpserver: HTTPServer) -> None:
    receiver = Receiver()
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    result, clock = send(make_notification(), config(httpserver, secret="not-it"))
    assert result.status == "failed_permanent" and result.http_status == 401
    assert result.attempts == 1 and clock.sleeps == []
    assert "not-it" not in result.error


def test_5xx_and_429_are_retried_honouring_retry_after(httpserver: HTTPServer) -> None:
    receiver = Receiver(statuses=[503, 429])
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    result, clock = send(make_notification(), config(httpserver))
    assert result.status == "sent" and result.attempts == 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] >= 7.0  # Retry-After: 7


def test_retryable_until_max_attempts(httpserver: HTTPServer) -> None:
    receiver = Receiver(statuses=[500] * 10)
    httpserver.expect_request("/hook").respond_with_handler(receiver)
    result, _ = send(make_notification(), config(httpserver), max_attempts=3)
    assert result.status == "failed_retryable" and result.attempts == 3
    assert result.http_status == 500 and len(receiver.bodies) == 3


def test_unsigned_without_secret(httpserver: HTTPServer) -> None:
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(handler)
    result, _ = send(make_notification(), WebhookConfig(url=httpserver.url_for("/hook")))
    assert result.status == "sent"
    assert "X-Matrixguard-Signature" not in seen[0] and "X-Matrixguard-Timestamp" in seen[0]
