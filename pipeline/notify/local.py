"""Console and file channels: the embedded default, where no chat robot is configured."""

from __future__ import annotations

import sys
from typing import TextIO

import orjson

from pipeline.notify.config import ConsoleConfig, FileConfig
from pipeline.notify.render import build_view, render_text
from pipeline.notify.result import DeliveryResult, describe_exception
from schemas.alerts import Notification

SEPARATOR = "─" * 40


async def send_console(notification: Notification, config: ConsoleConfig,
                       stream: TextIO | None = None) -> DeliveryResult:
    """Print the plain-text rendering."""
    out = stream if stream is not None else sys.stdout
    out.write(f"{SEPARATOR}\n{render_text(build_view(notification))}")
    out.flush()
    return DeliveryResult(channel="console", status="sent")


async def send_file(notification: Notification, config: FileConfig) -> DeliveryResult:
    """Append the rendering (a text block, or one JSON object a line) to ``config.path``."""
    text = render_text(build_view(notification))
    if config.format == "jsonl":
        record = {
            "notification_id": notification.notification_id,
            "receiver": notification.receiver,
            "group_key": notification.group_key,
            "status": notification.status,
            "created_at": notification.created_at.isoformat(),
            "alerts": len(notification.alerts),
            "text": text,
        }
        chunk = orjson.dumps(record).decode() + "\n"
    else:
        chunk = f"{SEPARATOR}\n{text}"
    try:
        config.path.parent.mkdir(parents=True, exist_ok=True)
        with config.path.open("a", encoding="utf-8") as fh:
            fh.write(chunk)
    except OSError as exc:
        return DeliveryResult(channel="file", status="failed_retryable",
                              error=f"file: {describe_exception(exc, [])}")
    return DeliveryResult(channel="file", status="sent")
