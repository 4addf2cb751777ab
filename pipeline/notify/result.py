"""The outcome of one delivery, and the helpers every channel uses to build a secret-free one."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

DeliveryStatus = Literal["sent", "failed_permanent", "failed_retryable"]


class DeliveryResult(BaseModel):
    """What became of one notification on one channel.

    ``failed_retryable`` after the Notifier's last attempt means "may succeed later" (network,
    5xx, rate limited): the caller decides whether to re-queue. ``failed_permanent`` means
    retrying cannot help (bad key, bad signature, 4xx, refused recipients). ``error`` never
    holds a secret: channels build it from fixed words, codes and scrubbed exception text.
    """

    model_config = ConfigDict(frozen=True)

    channel: str
    status: DeliveryStatus
    error: str = ""
    attempts: int = 1
    http_status: int | None = None
    platform_code: int | None = None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the platform accepted the message."""
        return self.status == "sent"


_REDACT_URL = re.compile(
    r"((?:key|access_token|token|sign|secret|password)=)[^&\s\"']+"
    r"|(/bot/v2/hook/)[^/?\s\"']+"
    r"|(//[^/@\s:]+:)[^@/\s]+(@)",
    re.IGNORECASE,
)


def redact_urls(text: str) -> str:
    """Mask credential-looking parts of any URL in ``text``: query keys, hook tokens, userinfo."""

    def _sub(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)}***"
        if m.group(2):
            return f"{m.group(2)}***"
        return f"{m.group(3)}***{m.group(4)}"

    return _REDACT_URL.sub(_sub, text)


def secret_values(*secrets: SecretStr | str | None) -> list[str]:
    """The non-empty plain values of ``secrets`` (to scrub them from text)."""
    out: list[str] = []
    for s in secrets:
        value = s.get_secret_value() if isinstance(s, SecretStr) else s
        if value:
            out.append(value)
    return out


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (plain, URL-quoted or form-quoted) and URL credential masked."""
    for value in sorted(set(secrets), key=len, reverse=True):
        if not value:
            continue
        for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}:
            text = text.replace(form, "***")
    return redact_urls(text)


def describe_exception(exc: BaseException, secrets: Iterable[str]) -> str:
    """``Type: message`` of an exception, scrubbed (httpx messages may quote the URL)."""
    msg = str(exc) or repr(exc)
    return scrub(f"{type(exc).__name__}: {msg}", secrets)[:500]


def parse_json(response: httpx.Response) -> dict[str, Any] | None:
    """The response body as a JSON object, or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def http_failure(channel: str, response: httpx.Response) -> DeliveryResult:
    """Classify a non-2xx response without a platform code: 5xx/429/408 retry, 4xx permanent."""
    status = response.status_code
    retryable = status >= 500 or status in (408, 429)
    return DeliveryResult(
        channel=channel,
        status="failed_retryable" if retryable else "failed_permanent",
        error=f"{channel}: HTTP {status}",
        http_status=status,
        retry_after_s=retry_after(response),
    )


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After: <seconds>`` header (the HTTP-date form is ignored)."""
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def network_failure(channel: str, exc: BaseException, secrets: Iterable[str]) -> DeliveryResult:
    """A transport error (connect, timeout, reset): always retryable."""
    return DeliveryResult(
        channel=channel, status="failed_retryable",
        error=f"{channel}: network error: {describe_exception(exc, secrets)}")
