"""Feishu / Lark (飞书) custom bot: an interactive card with a markdown element.

``POST https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN`` with ``{"timestamp": "<seconds>",
"sign": S, "msg_type": "interactive", "card": {...}}`` where, when signing (签名校验) is on,
``S = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))``. There is no markdown
``msg_type``: markdown lives in a card element. The answer is ``{"code": 0, ...}`` (older
deployments: ``{"StatusCode": 0, ...}``). 100 requests a minute and 5 a second per bot (limited
here to 90 and 4); code 11232 = frequency limited (retried), 19021 = signature mismatch or
timestamp off, 19022 = IP not allowed, 19024 = keyword missing (permanent). The request body
is at most 20 KB: the card is cut so the whole body stays within 19,000 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx

from pipeline.notify.config import FeishuConfig
from pipeline.notify.render import NotificationView, build_view, cut_to_bytes, render_markdown
from pipeline.notify.result import DeliveryResult, secret_values
from pipeline.notify.robots import CodeTable, encode_json, post_json
from schemas.alerts import Notification

CHANNEL = "feishu"
BODY_LIMIT_BYTES = 19_000  # documented: 20 KB request body
HEADER_LIMIT_BYTES = 300
CODES = CodeTable(
    code_fields=("code", "StatusCode"),
    message_fields=("msg", "StatusMessage"),
    retryable=frozenset(),
    rate_limited=frozenset({11232}),
    meanings={
        "11232": "frequency limited",
        "19021": "sign match fail or timestamp not within one hour",
        "19022": "IP not allowed",
        "19024": "key words not found",
    },
    rate_limited_wait_s=1.0,
)


def sign(timestamp_s: int, secret: str) -> str:
    """The documented signature: HMAC-SHA256 keyed by ``timestamp\\nsecret`` over nothing."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _card(view: NotificationView, content: str) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": content}]
    if view.board_url:
        elements.append({"tag": "action", "actions": [{
            "tag": "button", "type": "primary", "url": view.board_url,
            "text": {"tag": "plain_text", "content": "打开 Grafana 看板"},
        }]})
    return {
        "config": {"wide_screen_mode": True},
        "header": {
            "title": {"tag": "plain_text",
                      "content": cut_to_bytes(view.headline, HEADER_LIMIT_BYTES)},
            "template": view.feishu_color,
        },
        "elements": elements,
    }


def build_body(notification: Notification, config: FeishuConfig, timestamp_s: int) -> bytes:
    """The JSON body, signed when a secret is set, within ``BODY_LIMIT_BYTES``."""
    view = build_view(notification)
    envelope: dict[str, Any] = {}
    if config.secret is not None:
        envelope = {"timestamp": str(timestamp_s),
                    "sign": sign(timestamp_s, config.secret.get_secret_value())}
    budget = BODY_LIMIT_BYTES - len(encode_json({**envelope, "msg_type": "interactive",
                                                 "card": _card(view, "")}))
    while True:
        content = render_markdown(view, "feishu", max(budget, 200))
        body = encode_json({**envelope, "msg_type": "interactive", "card": _card(view, content)})
        over = len(body) - BODY_LIMIT_BYTES
        if over <= 0 or budget <= 200:
            return body
        budget -= over + 16  # JSON escapes (\n, \") made the content longer than its bytes


def url(config: FeishuConfig) -> str:
    """The hook URL (it carries the hook token: never log it)."""
    token = urllib.parse.quote(config.hook_token.get_secret_value(), safe="")
    return f"{config.base_url.rstrip('/')}/open-apis/bot/v2/hook/{token}"


async def send(notification: Notification, config: FeishuConfig, client: httpx.AsyncClient,
               wall_clock: Callable[[], float] = time.time) -> DeliveryResult:
    """One attempt to deliver ``notification`` to the bot (signed now)."""
    body = build_body(notification, config, int(wall_clock()))
    return await post_json(CHANNEL, client, url(config), body, CODES,
                           secret_values(config.hook_token, config.secret))
