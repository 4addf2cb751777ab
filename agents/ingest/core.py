"""The Kafka-free core of ``ingest``: one raw crawl page in, canonical batches and dead letters out.

Rules:
- bytes that are not JSON, or a page header that does not validate, are one dead letter holding
  the original bytes;
- the snapshot and each item are validated on their own; a bad one is one dead letter (holding
  the item as JSON) and the rest of the page goes on;
- an item that claims another account or platform than its page is rejected: a connector bug
  must not file one account's posts under another;
- accepted events are enriched with what the registry says about the account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from agents.deadletters import SourceRef, dead_letter
from agents.validation import describe
from schemas.events import (
    AccountContext,
    AccountSnapshot,
    Comment,
    CommentBatch,
    CrawlEnvelope,
    DeadLetter,
    Post,
    PostBatch,
    RegisteredAccount,
    SnapshotBatch,
)

STAGE = "ingest"
UNREGISTERED = AccountContext()
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class IngestResult:
    """What one raw message became."""

    snapshots: SnapshotBatch | None = None
    posts: PostBatch | None = None
    comments: CommentBatch | None = None
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Events accepted from this message."""
        return sum(
            len(items)
            for items in (
                self.snapshots.snapshots if self.snapshots else (),
                self.posts.posts if self.posts else (),
                self.comments.comments if self.comments else (),
            )
        )


@dataclass
class Bundles:
    """Canonical batches of many pages grouped by (topic kind, partition)."""

    snapshots: dict[int, list[SnapshotBatch]] = field(default_factory=dict)
    posts: dict[int, list[PostBatch]] = field(default_factory=dict)
    comments: dict[int, list[CommentBatch]] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)


def bundle(results: Iterable[IngestResult], partition_of: Callable[[str], int]) -> Bundles:
    """Group the pages' canonical batches by the partition of their account, keeping order."""
    out = Bundles()
    for result in results:
        if result.snapshots is not None:
            part = partition_of(result.snapshots.account_key)
            out.snapshots.setdefault(part, []).append(result.snapshots)
        if result.posts is not None:
            out.posts.setdefault(partition_of(result.posts.account_key), []).append(result.posts)
        if result.comments is not None:
            part = partition_of(result.comments.account_key)
            out.comments.setdefault(part, []).append(result.comments)
        out.dead_letters.extend(result.dead_letters)
    return out


def context_for(account: RegisteredAccount | None) -> AccountContext:
    """The enrichment attached to every event of an account."""
    if account is None:
        return UNREGISTERED
    return AccountContext(
        registered=True,
        kind=account.kind,
        org_unit=account.org_unit,
        team=account.team,
        owner=account.owner,
        competitor_group=account.competitor_group.value if account.competitor_group else "",
    )


def _validate_item(
    model: type[_M], data: dict[str, Any], page: CrawlEnvelope, where: str, reason: str,
) -> tuple[_M | None, str, str]:
    """(event, reason, error): the event when valid, else why not."""
    try:
        event = model.model_validate(data)
    except ValidationError as exc:
        return None, reason, describe(exc, where)
    key = getattr(event, "account_key", page.account_key)
    platform = getattr(event, "platform", page.platform)
    if key != page.account_key or platform != page.platform:
        return None, "account_mismatch", (
            f"{where} belongs to {platform}/{key} but its page is "
            f"{page.platform.value}/{page.account_key}"
        )
    return event, "", ""


def ingest(
    raw: bytes, src: SourceRef, registry: Mapping[str, RegisteredAccount], now: datetime,
) -> IngestResult:
    """Validate and enrich one raw crawl page."""
    result = IngestResult()
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        result.dead_letters.append(dead_letter(
            STAGE, src, now, "invalid_json", f"message is not valid JSON: {exc}", raw))
        return result
    try:
        page = CrawlEnvelope.model_validate(doc)
    except ValidationError as exc:
        account_key = doc.get("account_key", "") if isinstance(doc, dict) else ""
        result.dead_letters.append(dead_letter(
            STAGE, src, now, "invalid_envelope", f"crawl page header: {describe(exc)}", raw,
            account_key=str(account_key)[:200]))
        return result

    header: dict[str, Any] = {
        "envelope_id": page.envelope_id, "account_key": page.account_key,
        "platform": page.platform, "context": context_for(registry.get(page.account_key)),
        "published_ms": src.timestamp_ms,
    }
    where_bad = {"account_key": page.account_key, "platform": page.platform.value}

    if page.snapshot is not None:
        snap, reason, error = _validate_item(
            AccountSnapshot, page.snapshot, page, "snapshot", "invalid_snapshot")
        if snap is not None:
            result.snapshots = SnapshotBatch(**header, snapshots=[snap])
        else:
            result.dead_letters.append(dead_letter(
                STAGE, src, now, reason, error, orjson.dumps(page.snapshot), item_index=-2,
                **where_bad))

    posts: list[Post] = []
    comments: list[Comment] = []
    for index, item in enumerate(page.items):
        where = f"items[{index}]"
        if item.type == "post":
            post, reason, error = _validate_item(Post, item.data, page, where, "invalid_post")
            if post is not None:
                posts.append(post)
                continue
        else:
            comment, reason, error = _validate_item(
                Comment, item.data, page, where, "invalid_comment")
            if comment is not None:
                comments.append(comment)
                continue
        result.dead_letters.append(dead_letter(
            STAGE, src, now, reason, error, orjson.dumps(item.model_dump()), item_index=index,
            **where_bad))
    if posts:
        result.posts = PostBatch(**header, posts=posts)
    if comments:
        result.comments = CommentBatch(**header, comments=comments)
    return result
