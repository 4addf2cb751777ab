"""Dead letters, shared by every stage: where a message came from and why it was refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from schemas.events import DeadLetter


@dataclass(frozen=True)
class SourceRef:
    """Where a message came from."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int


def dead_letter(
    stage: str, src: SourceRef, now: datetime, reason: str, error: str, raw: bytes, *,
    item_index: int = -1, account_key: str = "", platform: str = "",
) -> DeadLetter:
    """A dead letter whose id depends only on its source, so a replay yields the same row."""
    ident = hashlib.blake2b(
        f"{stage}|{src.topic}|{src.partition}|{src.offset}|{item_index}".encode(), digest_size=16
    ).hexdigest()
    return DeadLetter(
        dead_letter_id=ident, stage=stage, reason=reason, error=error,
        source_topic=src.topic, source_partition=src.partition, source_offset=src.offset,
        item_index=item_index, account_key=account_key, platform=platform,
        raw=raw.decode("utf-8", errors="replace"), failed_at=now, published_ms=src.timestamp_ms,
    )
