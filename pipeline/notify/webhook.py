"""Generic webhook: Alertmanager's webhook payload (version 4), HMAC-signed.

The body is Alertmanager's ``webhook_config`` JSON, so any receiver written for Alertmanager
reads it. With a secret, ``X-MatrixGuard-Signature: sha256=<hex HMAC-SHA256(secret, raw
body)>`` lets the receiver check the body came from us; ``X-MatrixGuard-Timestamp`` carries
the send time in Unix seconds (informational: it is not covered by the signature). 2xx is
sent; 5xx, 408 and 429 are retried; any other status is permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from pipeline.notify.config import WebhookConfig
from pipeline.notify.result import (
    DeliveryResult,
    describe_exception,
    http_failure,
    network_failure,
    secret_values,
)
from pipeline.notify.robots import JSON_HEADERS, encode_json
from schemas.alerts import Alert, Notification

CHANNEL = "webhook"
SIGNATURE_HEADER = "X-MatrixGuard-Signature"
TIMESTAMP_HEADER = "X-MatrixGuard-Timestamp"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing


def _rfc3339(value: datetime | None) -> str:
    if value is None:
        return ZERO_TIME
    return value.isoformat().replace("+00:00", "Z")


def _common(maps: list[dict[str, str]]) -> dict[str, str]:
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def _alert(alert: Alert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "startsAt": _rfc3339(alert.starts_at),
        "endsAt": _rfc3339(alert.ends_at),
        "generatorURL": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }


def payload(notification: Notification, config: WebhookConfig) -> dict[str, Any]:
    """Alertmanager's webhook JSON (version 4) for ``notification``."""
    alerts = notification.alerts
    shown = alerts[:config.max_alerts] if config.max_alerts else alerts
    return {
        "version": "4",
        "groupKey": notification.group_key,
        "truncatedAlerts": len(alerts) - len(shown),
        "status": notification.status,
        "receiver": notification.receiver,
        "groupLabels": notification.group_labels,
        "commonLabels": _common([a.labels for a in alerts]),
        "commonAnnotations": _common([a.annotations for a in alerts]),
        "externalURL": config.external_url,
        "alerts": [_alert(a) for a in shown],
    }


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>`` of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


async def send(notification: Notification, config: WebhookConfig, client: httpx.AsyncClient,
               wall_clock: Callable[[], float] = time.time) -> DeliveryResult:
    """One attempt to POST the payload."""
    secrets = secret_values(config.secret)
    body = encode_json(payload(notification, config))
    headers = {**JSON_HEADERS, TIMESTAMP_HEADER: str(int(wall_clock())),
               "User-Agent": "MatrixGuard-notifier/1"}
    if config.secret is not None:
        headers[SIGNATURE_HEADER] = signature(body, config.secret.get_secret_value())
    try:
        response = await client.post(config.url, content=body, headers=headers)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return DeliveryResult(channel=CHANNEL, status="failed_permanent",
                              error=f"{CHANNEL}: bad URL: {describe_exception(exc, secrets)}")
    except httpx.HTTPError as exc:
        return network_failure(CHANNEL, exc, secrets)
    if response.is_success:
        return DeliveryResult(channel=CHANNEL, status="sent", http_status=response.status_code)
    return http_failure(CHANNEL, response)
