"""What the three chat robots share: POST a JSON body once, classify the platform's answer.

The robots answer HTTP 200 with an error code in the body (``errcode`` for WeCom and DingTalk,
``code`` — or the older ``StatusCode`` — for Feishu), so a delivery is classified by that code:
0 is sent; the platform's rate-limit and busy codes are retryable; any other code is permanent
(bad key, bad signature, keyword missing, bad payload: resending the same request cannot help).
HTTP 5xx, 429 and transport errors are retryable whatever the body says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from pipeline.notify.result import (
    DeliveryResult,
    describe_exception,
    http_failure,
    network_failure,
    parse_json,
    retry_after,
    scrub,
)

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class CodeTable:
    """A platform's result codes: where the code is, which are retryable, what they mean."""

    code_fields: tuple[str, ...]
    message_fields: tuple[str, ...]
    retryable: frozenset[int]
    rate_limited: frozenset[int]
    meanings: Mapping[str, str] = field(default_factory=dict)
    rate_limited_wait_s: float = 0.0

    def code_of(self, body: dict[str, Any] | None) -> int | None:
        """The result code of a response body, or None if it carries none."""
        if body is None:
            return None
        for name in self.code_fields:
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lstrip("-").isdigit():
                return int(value)
        return None

    def message_of(self, body: dict[str, Any] | None) -> str:
        """The platform's error message (untrusted: scrubbed and cut by the caller)."""
        if body is None:
            return ""
        for name in self.message_fields:
            value = body.get(name)
            if isinstance(value, str) and value:
                return value
        return ""


def encode_json(payload: Any) -> bytes:
    """UTF-8 JSON (Chinese stays 3 bytes a character, not a 6-byte ``\\uXXXX`` escape)."""
    return orjson.dumps(payload)


def classify(channel: str, response: httpx.Response, table: CodeTable,
             secrets: Iterable[str]) -> DeliveryResult:
    """Turn a robot's response into a delivery result."""
    secrets = list(secrets)
    body = parse_json(response)
    code = table.code_of(body)
    status = response.status_code
    if code == 0 and response.is_success:
        return DeliveryResult(channel=channel, status="sent", http_status=status, platform_code=0)
    if code is None:
        if response.is_success:
            return DeliveryResult(
                channel=channel, status="failed_permanent", http_status=status,
                error=f"{channel}: HTTP {status} without a result code in the response")
        return http_failure(channel, response)
    meaning = table.meanings.get(str(code), "")
    platform_msg = scrub(table.message_of(body), secrets)[:200]
    detail = "; ".join(x for x in (meaning, platform_msg) if x)
    error = f"{channel}: HTTP {status}, code {code}" + (f" ({detail})" if detail else "")
    retryable = code in table.retryable or code in table.rate_limited or status >= 500 \
        or status == 429
    hint = retry_after(response)
    if code in table.rate_limited and table.rate_limited_wait_s:
        hint = max(hint or 0.0, table.rate_limited_wait_s)
    return DeliveryResult(
        channel=channel,
        status="failed_retryable" if retryable else "failed_permanent",
        error=error, http_status=status, platform_code=code, retry_after_s=hint)


async def post_json(channel: str, client: httpx.AsyncClient, url: str, body: bytes,
                    table: CodeTable, secrets: Iterable[str]) -> DeliveryResult:
    """POST ``body`` once and classify the answer; never raises for network or HTTP errors."""
    secrets = list(secrets)
    try:
        response = await client.post(url, content=body, headers=JSON_HEADERS)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # configuration: permanent
        return DeliveryResult(channel=channel, status="failed_permanent",
                              error=f"{channel}: bad URL: {describe_exception(exc, secrets)}")
    except httpx.HTTPError as exc:  # transport errors and timeouts
        return network_failure(channel, exc, secrets)
    return classify(channel, response, table, secrets)
