"""One entry point for every channel: ``send(notification, config, client)`` — one attempt.

Each channel module also exposes its own ``send``; retries, rate limits and attempt reporting
are the Notifier's (``pipeline.notify.notifier``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import httpx

from pipeline.notify import dingtalk, feishu, local, mail, webhook, wecom
from pipeline.notify.config import (
    ChannelConfig,
    ConsoleConfig,
    DingTalkConfig,
    EmailConfig,
    FeishuConfig,
    FileConfig,
    WebhookConfig,
    WeComConfig,
)
from pipeline.notify.ratelimit import robot_identity
from pipeline.notify.result import DeliveryResult, secret_values
from schemas.alerts import Notification


def label(config: ChannelConfig) -> str:
    """The channel's name in results, callbacks and logs: ``type`` or ``type:name``."""
    return f"{config.type}:{config.name}" if config.name else config.type


def secrets_of(config: ChannelConfig) -> list[str]:
    """Every secret value of a channel config (to scrub from any text)."""
    if isinstance(config, WeComConfig):
        return secret_values(config.key)
    if isinstance(config, DingTalkConfig):
        return secret_values(config.access_token, config.secret)
    if isinstance(config, FeishuConfig):
        return secret_values(config.hook_token, config.secret)
    if isinstance(config, WebhookConfig):
        return secret_values(config.secret)
    if isinstance(config, EmailConfig):
        return secret_values(config.password)
    return []


def robot_of(config: ChannelConfig) -> str:
    """A hashed identity of the robot a config posts to (the rate-limit unit)."""
    if isinstance(config, WeComConfig):
        return robot_identity(config.base_url, config.key.get_secret_value())
    if isinstance(config, DingTalkConfig):
        return robot_identity(config.base_url, config.access_token.get_secret_value())
    if isinstance(config, FeishuConfig):
        return robot_identity(config.base_url, config.hook_token.get_secret_value())
    if isinstance(config, WebhookConfig):
        return robot_identity(config.url)
    if isinstance(config, EmailConfig):
        return robot_identity(config.host, str(config.port))
    return config.type


async def send(notification: Notification, config: ChannelConfig, client: httpx.AsyncClient,
               console_stream: TextIO | None = None,
               wall_clock: Callable[[], float] = time.time) -> DeliveryResult:
    """One attempt on the channel ``config`` describes; never raises for delivery failures.

    ``wall_clock`` (Unix seconds) dates the signatures and the webhook timestamp header.
    """
    result: DeliveryResult
    if isinstance(config, WeComConfig):
        result = await wecom.send(notification, config, client)
    elif isinstance(config, DingTalkConfig):
        result = await dingtalk.send(notification, config, client, wall_clock)
    elif isinstance(config, FeishuConfig):
        result = await feishu.send(notification, config, client, wall_clock)
    elif isinstance(config, WebhookConfig):
        result = await webhook.send(notification, config, client, wall_clock)
    elif isinstance(config, EmailConfig):
        result = await mail.send(notification, config)
    elif isinstance(config, ConsoleConfig):
        result = await local.send_console(notification, config, console_stream)
    elif isinstance(config, FileConfig):
        result = await local.send_file(notification, config)
    else:  # pragma: no cover - the union is exhaustive
        raise TypeError(f"unknown channel config {type(config).__name__}")
    return result.model_copy(update={"channel": label(config)})
