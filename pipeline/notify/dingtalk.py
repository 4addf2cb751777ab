"""DingTalk (钉钉) custom robot with signing (加签): a markdown message with @mobiles.

``POST https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=MS&sign=S`` where
``S = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{MS}\\n{secret}")))`` and MS is the time in
milliseconds (within an hour of DingTalk's clock). Body ``{"msgtype": "markdown", "markdown":
{"title", "text"}, "at": {"atMobiles": [...], "isAtAll": false}}``; an @-ed mobile must also
appear in the text as ``@138…``. 20 messages a minute per robot, and going over blocks the
robot for 10 minutes, so the limiter allows 18. errcode 130101 = sent too fast (retried),
310000 = signature, keyword or IP check failed and 300001 = invalid token (permanent).

The markdown ``text`` limit is not stated in DingTalk's documentation (about 20,000 bytes is
what users report); it is cut here at 18,000 UTF-8 bytes, the title at 120.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import urllib.parse
from collections.abc import Callable

import httpx

from pipeline.notify.config import DingTalkConfig
from pipeline.notify.render import build_view, cut_to_bytes, render_markdown
from pipeline.notify.result import DeliveryResult, secret_values
from pipeline.notify.robots import CodeTable, encode_json, post_json
from schemas.alerts import Notification

CHANNEL = "dingtalk"
TEXT_LIMIT_BYTES = 18_000
TITLE_LIMIT_BYTES = 120
CODES = CodeTable(
    code_fields=("errcode",),
    message_fields=("errmsg",),
    retryable=frozenset({-1}),  # system busy
    rate_limited=frozenset({130101}),
    meanings={
        "-1": "系统繁忙",
        "130101": "send too fast (rate limited)",
        "310000": "signature, keyword or IP check failed",
        "300001": "invalid access token",
    },
    rate_limited_wait_s=30.0,
)
_MOBILE = re.compile(r"^\+?[0-9][0-9-]{4,19}$")


def sign(timestamp_ms: int, secret: str) -> str:
    """The documented signature, Base64 (not yet URL-encoded)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def mobiles(notification: Notification, config: DingTalkConfig) -> list[str]:
    """The mobiles to @: the configured ones, then the owner's (well-formed, no duplicates)."""
    wanted = list(config.at_mobiles)
    if config.at_owner_mobile and notification.owner and notification.owner.mobile:
        wanted.append(notification.owner.mobile)
    out: list[str] = []
    for m in (m.strip() for m in wanted):
        if _MOBILE.match(m) and m not in out:
            out.append(m)
    return out


def build_body(notification: Notification, config: DingTalkConfig) -> bytes:
    """The JSON body of the robot request."""
    view = build_view(notification)
    at = mobiles(notification, config)
    text = render_markdown(view, "dingtalk", TEXT_LIMIT_BYTES,
                           mention=" ".join(f"@{m}" for m in at))
    return encode_json({
        "msgtype": "markdown",
        "markdown": {"title": cut_to_bytes(view.headline, TITLE_LIMIT_BYTES), "text": text},
        "at": {"atMobiles": at, "isAtAll": False},
    })


def url(config: DingTalkConfig, timestamp_ms: int) -> str:
    """The signed webhook URL (it carries the token and signature: never log it)."""
    token = urllib.parse.quote(config.access_token.get_secret_value(), safe="")
    signature = urllib.parse.quote_plus(sign(timestamp_ms, config.secret.get_secret_value()))
    return (f"{config.base_url.rstrip('/')}/robot/send?access_token={token}"
            f"&timestamp={timestamp_ms}&sign={signature}")


async def send(notification: Notification, config: DingTalkConfig, client: httpx.AsyncClient,
               wall_clock: Callable[[], float] = time.time) -> DeliveryResult:
    """One attempt to deliver ``notification`` to the robot (signed now)."""
    timestamp_ms = round(wall_clock() * 1000)
    return await post_json(CHANNEL, client, url(config, timestamp_ms),
                           build_body(notification, config), CODES,
                           secret_values(config.access_token, config.secret))
