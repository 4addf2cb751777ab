"""Alert notification channels (Alertmanager's "notify" half).

WeCom, DingTalk and Feishu robots, a generic signed webhook, e-mail, console and file; Chinese
templates, per-robot rate limits and retries. Use ``Notifier``::

    async with Notifier(on_attempt=record) as notifier:
        results = await notifier.notify(notification, receiver.channels)
"""

from pipeline.notify.config import (
    ChannelConfig,
    ConsoleConfig,
    DingTalkConfig,
    EmailConfig,
    FeishuConfig,
    FileConfig,
    ReceiverConfig,
    WebhookConfig,
    WeComConfig,
)
from pipeline.notify.notifier import AttemptCallback, Notifier
from pipeline.notify.ratelimit import RateRule
from pipeline.notify.result import DeliveryResult, DeliveryStatus

__all__ = [
    "AttemptCallback",
    "ChannelConfig",
    "ConsoleConfig",
    "DeliveryResult",
    "DeliveryStatus",
    "DingTalkConfig",
    "EmailConfig",
    "FeishuConfig",
    "FileConfig",
    "Notifier",
    "RateRule",
    "ReceiverConfig",
    "WeComConfig",
    "WebhookConfig",
]
