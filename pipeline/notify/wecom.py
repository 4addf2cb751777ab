"""WeCom (企业微信) group robot: a markdown message.

``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with
``{"msgtype": "markdown", "markdown": {"content": "..."}}``; the answer is
``{"errcode": 0, "errmsg": "ok"}``. Content is at most 4096 UTF-8 bytes (cut here at 4000);
``<@userid>`` in the content mentions a member. 20 messages a minute per robot (limited here to
18); errcode 45009 = over the limit (retried), 93000 = invalid webhook key (permanent).
"""

from __future__ import annotations

import re
import urllib.parse

import httpx

from pipeline.notify.config import WeComConfig
from pipeline.notify.render import build_view, render_markdown
from pipeline.notify.result import DeliveryResult, secret_values
from pipeline.notify.robots import CodeTable, encode_json, post_json
from schemas.alerts import Notification

CHANNEL = "wecom"
CONTENT_LIMIT_BYTES = 4000  # documented: 4096 bytes
CODES = CodeTable(
    code_fields=("errcode",),
    message_fields=("errmsg",),
    retryable=frozenset({-1}),  # system busy
    rate_limited=frozenset({45009}),
    meanings={
        "-1": "系统繁忙",
        "45009": "接口调用超过限制 (rate limited)",
        "93000": "invalid webhook key",
        "40058": "invalid parameter",
    },
    rate_limited_wait_s=10.0,
)
_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def mention(notification: Notification, config: WeComConfig) -> str:
    """``<@userid>`` of the owner's WeCom id, when asked for and well-formed."""
    owner = notification.owner
    if config.mention_owner and owner and _USERID.match(owner.wecom):
        return f"<@{owner.wecom}>"
    return ""


def build_body(notification: Notification, config: WeComConfig) -> bytes:
    """The JSON body of the robot request."""
    content = render_markdown(build_view(notification), "wecom", CONTENT_LIMIT_BYTES,
                              mention=mention(notification, config))
    return encode_json({"msgtype": "markdown", "markdown": {"content": content}})


def url(config: WeComConfig) -> str:
    """The webhook URL (it carries the key: never log it)."""
    key = urllib.parse.quote(config.key.get_secret_value(), safe="")
    return f"{config.base_url.rstrip('/')}/cgi-bin/webhook/send?key={key}"


async def send(notification: Notification, config: WeComConfig,
               client: httpx.AsyncClient) -> DeliveryResult:
    """One attempt to deliver ``notification`` to the robot."""
    return await post_json(CHANNEL, client, url(config), build_body(notification, config), CODES,
                           secret_values(config.key))
