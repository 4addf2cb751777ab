"""The Kafka-free core of ``sink``: canonical batches in, columnar table blocks out.

Each canonical topic maps to one or more tables; :class:`TableBlock` accumulates rows column by
column so a whole Faust ``take()`` batch becomes one insert per table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from agents.deadletters import SourceRef, dead_letter
from agents.validation import describe
from schemas.events import CommentBatch, DeadLetter, PostBatch, SnapshotBatch
from schemas.topics import COMMENTS, DEAD_LETTERS, POSTS, SNAPSHOTS

SNAPSHOT_COLUMNS = (
    "account_key", "platform", "platform_account_id", "name", "avatar_hash", "bio", "status",
    "verified", "verification_subject", "followers", "following", "post_count", "likes_total",
    "captured_at", "kind", "org_unit", "team", "envelope_id", "published_at", "written_at",
)
POST_COLUMNS = (
    "post_id", "account_key", "platform", "kind", "title", "text", "tags", "url", "published_at",
    "captured_at", "views", "likes", "comments", "shares", "favorites", "account_kind",
    "org_unit", "team", "envelope_id", "published_ms", "written_at",
)
METRIC_COLUMNS = (
    "post_id", "account_key", "platform", "captured_at", "views", "likes", "comments", "shares",
    "favorites", "written_at",
)
COMMENT_COLUMNS = (
    "comment_id", "post_id", "account_key", "platform", "author_id", "author_name", "text",
    "likes", "parent_comment_id", "published_at", "captured_at", "account_kind", "org_unit",
    "envelope_id", "written_at",
)
STAGE = "sink"
DEAD_LETTER_COLUMNS = (
    "dead_letter_id", "stage", "reason", "error", "source_topic", "source_partition",
    "source_offset", "item_index", "account_key", "platform", "raw", "failed_at", "written_at",
)


@dataclass
class TableBlock:
    """Rows for one table, held column-wise."""

    table: str
    column_names: tuple[str, ...]
    columns: list[list[Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = [[] for _ in self.column_names]

    def add(self, row: Iterable[Any]) -> None:
        """Append one row (values in ``column_names`` order)."""
        for column, value in zip(self.columns, row, strict=True):
            column.append(value)

    def __len__(self) -> int:
        return len(self.columns[0])


def _ms(published_ms: int) -> datetime:
    return datetime.fromtimestamp(published_ms / 1000, UTC)


def _snapshot_rows(batch: SnapshotBatch, out: dict[str, TableBlock], now: datetime) -> int:
    ctx = batch.context
    kind = ctx.kind.value if ctx.kind else ""
    block = out["account_snapshots"]
    for s in batch.snapshots:
        block.add((
            s.account_key, s.platform.value, s.platform_account_id, s.name, s.avatar_hash, s.bio,
            s.status.value, s.verified, s.verification_subject, s.followers, s.following,
            s.post_count, s.likes_total, s.captured_at, kind, ctx.org_unit, ctx.team,
            batch.envelope_id, _ms(batch.published_ms), now,
        ))
    return len(batch.snapshots)


def _post_rows(batch: PostBatch, out: dict[str, TableBlock], now: datetime) -> int:
    ctx = batch.context
    kind = ctx.kind.value if ctx.kind else ""
    posts, metrics = out["posts"], out["post_metrics"]
    for p in batch.posts:
        m = p.metrics
        posts.add((
            p.post_id, p.account_key, p.platform.value, p.kind.value, p.title, p.text, p.tags,
            p.url, p.published_at, p.captured_at, m.views, m.likes, m.comments, m.shares,
            m.favorites, kind, ctx.org_unit, ctx.team, batch.envelope_id, batch.published_ms, now,
        ))
        metrics.add((
            p.post_id, p.account_key, p.platform.value, p.captured_at, m.views, m.likes,
            m.comments, m.shares, m.favorites, now,
        ))
    return len(batch.posts)


def _comment_rows(batch: CommentBatch, out: dict[str, TableBlock], now: datetime) -> int:
    ctx = batch.context
    kind = ctx.kind.value if ctx.kind else ""
    block = out["comments"]
    for c in batch.comments:
        block.add((
            c.comment_id, c.post_id, c.account_key, c.platform.value, c.author_id, c.author_name,
            c.text, c.likes, c.parent_comment_id, c.published_at, c.captured_at, kind,
            ctx.org_unit, batch.envelope_id, now,
        ))
    return len(batch.comments)


def _dead_letter_rows(dl: DeadLetter, out: dict[str, TableBlock], now: datetime) -> int:
    out["dead_letters"].add((
        dl.dead_letter_id, dl.stage, dl.reason, dl.error, dl.source_topic, dl.source_partition,
        dl.source_offset, dl.item_index, dl.account_key, dl.platform, dl.raw, dl.failed_at, now,
    ))
    return 1


@dataclass(frozen=True)
class TopicMapping:
    """How one canonical topic becomes table rows."""

    model: type[BaseModel]
    tables: tuple[tuple[str, tuple[str, ...]], ...]
    to_rows: Callable[[Any, dict[str, TableBlock], datetime], int]


MAPPINGS: dict[str, TopicMapping] = {
    SNAPSHOTS.name: TopicMapping(
        SnapshotBatch, (("account_snapshots", SNAPSHOT_COLUMNS),), _snapshot_rows),
    POSTS.name: TopicMapping(
        PostBatch, (("posts", POST_COLUMNS), ("post_metrics", METRIC_COLUMNS)), _post_rows),
    COMMENTS.name: TopicMapping(
        CommentBatch, (("comments", COMMENT_COLUMNS),), _comment_rows),
    DEAD_LETTERS.name: TopicMapping(
        DeadLetter, (("dead_letters", DEAD_LETTER_COLUMNS),), _dead_letter_rows),
}


@dataclass
class Blocks:
    """The insert blocks for one sink batch of one topic, plus bookkeeping."""

    tables: dict[str, TableBlock]
    events: int = 0
    published_ms: list[int] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)


def build_blocks(
    topic: str, messages: Iterable[tuple[SourceRef, bytes]], now: datetime,
) -> Blocks:
    """Decode a batch of canonical messages of ``topic`` into per-table column blocks.

    A message that does not decode (only a bug upstream can cause it) is not retried forever:
    it becomes a dead letter of stage ``sink`` and the batch goes on.
    """
    mapping = MAPPINGS[topic]
    blocks = Blocks({name: TableBlock(name, cols) for name, cols in mapping.tables})
    for src, raw in messages:
        try:
            batch = mapping.model.model_validate(orjson.loads(raw))
        except orjson.JSONDecodeError as exc:
            blocks.rejected.append(dead_letter(
                STAGE, src, now, "invalid_json", f"canonical message is not JSON: {exc}", raw))
            continue
        except ValidationError as exc:
            blocks.rejected.append(dead_letter(
                STAGE, src, now, "invalid_canonical", describe(exc, topic), raw))
            continue
        blocks.events += mapping.to_rows(batch, blocks.tables, now)
        blocks.published_ms.append(int(getattr(batch, "published_ms", src.timestamp_ms)))
    return blocks
