"""One account crawl, start to end: profile, new posts, their comments, published in order.

1. The profile becomes the snapshot; a banned/deleted/private account publishes its last good
   snapshot with the new status and stops there.
2. The timeline is read newest first until it reaches the account's mark (minus the overlap
   window), or the first-crawl/backfill horizon, or ``max_pages``.
3. New posts and posts still inside the metrics-refresh window get their new comments.
4. Everything is published oldest first in envelopes of at most 50 items, each post with its
   new comments; after the broker acknowledged an envelope, the marks of what it carried
   advance (``checkpoints``). A crawl stopped between two envelopes resumes with the next one:
   nothing missed, nothing twice. (A process killed inside a post's group publishes that post
   again on restart; its rows stay one in the warehouse.)
5. Items the normaliser rejects and unreadable answers become dead letters naming platform
   and endpoint; the crawl status event says how it ended. Nothing here raises: one account's
   failure never stops the others.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings
from pipeline.crawlers.connectors.base import Connector, ItemError, Page
from pipeline.crawlers.errors import (
    AccountGone,
    AuthError,
    BadPayload,
    CrawlError,
    TransientError,
)
from pipeline.crawlers.http import CURRENT_STATS, CallStats, redact
from pipeline.crawlers.marks import Mark
from pipeline.logs import get_logger
from schemas.events import (
    MAX_ITEMS_PER_PAGE,
    AccountSnapshot,
    Comment,
    CrawlEnvelope,
    CrawlOutcome,
    CrawlStatus,
    DeadLetter,
    Post,
    RawItem,
    RegisteredAccount,
)

log = get_logger(__name__)

ITEM_RAW_KEEP = 16_000  # characters of a rejected item kept in its dead letter


class CrawlOutput(Protocol):
    """Where a crawl's results go (the Kafka topics, in ``output.py``). Each call returns once
    what it was given is durable (acknowledged by the broker)."""

    async def pages(self, envelopes: Sequence[CrawlEnvelope]) -> None: ...

    async def dead_letters(self, letters: Sequence[DeadLetter]) -> None: ...

    async def status(self, status: CrawlStatus) -> None: ...


def epoch_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000)


def timeline_stream(account_key: str) -> str:
    """The mark name of an account's timeline."""
    return account_key


def comments_stream(post_id: str) -> str:
    """The mark name of a post's comments."""
    return f"comments:{post_id}"


def crawl_dead_letter(platform: str, endpoint: str, account_key: str, reason: str, error: str,
                      raw: str, index: int, now: datetime) -> DeadLetter:
    """A dead letter of stage ``crawl``: the platform and endpoint are in source and error."""
    raw = raw[:ITEM_RAW_KEEP]
    digest = hashlib.sha256("\x00".join(
        ("crawl", platform, endpoint, account_key, str(index), raw)).encode()).hexdigest()
    return DeadLetter(
        dead_letter_id=digest[:32], stage="crawl", reason=reason,
        error=f"{platform} {endpoint}: {error}", source_topic=f"{platform}:{endpoint}",
        source_partition=-1, source_offset=-1, item_index=index, account_key=account_key,
        platform=platform, raw=raw, failed_at=now, published_ms=epoch_ms(now))


@dataclass
class _Item:
    raw: RawItem
    new: bool  # False: a metrics refresh of a known post
    # marks to advance once this item is acknowledged: a comment advances its post's comment
    # stream; a post advances the timeline only with the last item of its group, so a crawl
    # killed inside a group re-reads the post's comments next time
    advances: list[tuple[str, tuple[str, int]]] = field(default_factory=list)


@dataclass
class AccountCrawl:
    """The state of one account crawl while it runs."""

    connector: Connector
    account: RegisteredAccount
    store: CheckpointStore
    output: CrawlOutput
    settings: CrawlSettings
    now: datetime
    backfill_days: float | None = None
    should_stop: Callable[[], bool] = lambda: False
    stats: CallStats = field(default_factory=CallStats)
    letters: list[DeadLetter] = field(default_factory=list)
    problems: list[CrawlError] = field(default_factory=list)
    pages_published: int = 0
    posts_new: int = 0
    posts_refreshed: int = 0
    comments_new: int = 0

    @property
    def platform(self) -> str:
        return self.connector.platform.value

    @property
    def overlap_ms(self) -> int:
        return int(self.settings.overlap_hours * 3_600_000)

    def _letters_from(self, page: Page) -> None:
        for err in page.errors:
            self.letters.append(self._item_letter(page.endpoint, err))

    def _letter(self, endpoint: str, reason: str, error: str, raw: Any,
                index: int) -> DeadLetter:
        """A crawl dead letter; the credential's secrets are cut out of error and raw."""
        secrets = self.connector.http.secrets
        raw_text = raw if isinstance(raw, str) else orjson.dumps(raw, default=str).decode()
        return crawl_dead_letter(self.platform, endpoint, self.account.account_key, reason,
                                 redact(error, secrets), redact(raw_text, secrets), index,
                                 self.now)

    def _item_letter(self, endpoint: str, err: ItemError) -> DeadLetter:
        return self._letter(endpoint, "bad_item", err.message, err.raw, err.index)

    def _bad_payload(self, exc: BadPayload) -> None:
        self.letters.append(self._letter(exc.endpoint, "bad_payload", exc.message, exc.raw, -1))

    # -- steps ---------------------------------------------------------------------------
    def _gone_snapshot(self, gone: AccountGone) -> dict[str, Any]:
        state = self.store.account(self.platform, self.account.account_key)
        last = dict(state.last_snapshot) if state and state.last_snapshot else {
            "account_key": self.account.account_key, "platform": self.platform,
            "platform_account_id": self.account.platform_account_id,
            "name": self.account.display_name, "followers": 0,
        }
        last.update(status=gone.status.value, captured_at=self.now.isoformat())
        return AccountSnapshot.model_validate(last).model_dump(mode="json")

    async def _timeline(self, mark: Mark) -> tuple[list[Post], list[Post]]:
        """New posts and posts to refresh, read newest first."""
        s = self.settings
        now_ms = epoch_ms(self.now)
        horizon_ms: int | None = None
        if self.backfill_days is not None:
            horizon_ms = now_ms - int(self.backfill_days * 86_400_000)
        elif mark.fresh:
            horizon_ms = now_ms - int(s.first_crawl_days * 86_400_000)
        refresh_floor = now_ms - int(s.metrics_refresh_hours * 3_600_000)
        stop_floor = horizon_ms if horizon_ms is not None else min(
            mark.floor_ms(self.overlap_ms), refresh_floor)
        new: dict[str, Post] = {}
        refresh: dict[str, Post] = {}
        cursor: Any = None
        for number in range(1, s.max_pages + 1):
            page = await self.connector.timeline(self.account, cursor, self.now)
            self._letters_from(page)
            oldest: int | None = None
            for post in page.items:
                ms = epoch_ms(post.published_at)
                oldest = ms if oldest is None else min(oldest, ms)
                if mark.is_new(post.post_id, ms, self.overlap_ms, horizon_ms):
                    new[post.post_id] = post
                elif ms >= refresh_floor and post.post_id not in new:
                    refresh[post.post_id] = post
            if page.next_cursor is None or oldest is None or oldest < stop_floor:
                break
            if number == s.max_pages and horizon_ms is None:
                self.problems.append(CrawlError(page.endpoint, (
                    f"more than {s.max_pages} pages of new posts: older ones are left out "
                    "(raise MATRIXGUARD_CRAWL__MAX_PAGES or run a backfill)")))
            cursor = page.next_cursor
        order = lambda p: (epoch_ms(p.published_at), p.post_id)  # noqa: E731
        return sorted(new.values(), key=order), sorted(refresh.values(), key=order)

    async def _comments(self, post: Post, mark: Mark) -> list[Comment]:
        """The post's new comments, oldest first."""
        found: dict[str, Comment] = {}
        cursor: Any = None
        for _ in range(self.settings.comment_pages):
            page = await self.connector.comments(self.account, post, cursor, self.now)
            self._letters_from(page)
            oldest: int | None = None
            for comment in page.items:
                ms = epoch_ms(comment.published_at)
                oldest = ms if oldest is None else min(oldest, ms)
                if mark.is_new(comment.comment_id, ms, self.overlap_ms):
                    found[comment.comment_id] = comment
            if page.next_cursor is None or oldest is None or (
                    not mark.fresh and oldest < mark.floor_ms(self.overlap_ms)):
                break
            cursor = page.next_cursor
        return sorted(found.values(), key=lambda c: (epoch_ms(c.published_at), c.comment_id))

    async def _all_comments(self, posts: list[Post], marks: dict[str, Mark]
                            ) -> dict[str, list[Comment]]:
        wanted = sorted(posts, key=lambda p: p.published_at, reverse=True)
        out: dict[str, list[Comment]] = {}
        for post in wanted[:self.settings.comment_posts_max]:
            stream = comments_stream(post.post_id)
            marks[stream] = self.store.mark(self.platform, stream)
            try:
                out[post.post_id] = await self._comments(post, marks[stream])
            except BadPayload as exc:
                self._bad_payload(exc)
                self.problems.append(exc)
            except (AuthError, TransientError) as exc:  # the next posts would fail alike
                self.problems.append(exc)
                break
            except CrawlError as exc:
                self.problems.append(exc)
        return out

    def _groups(self, new: list[Post], refresh: list[Post],
                comments: dict[str, list[Comment]]) -> list[list[_Item]]:
        """One group per post: the post, then its new comments, oldest first."""
        groups: list[list[_Item]] = []
        for post, is_new in [(p, True) for p in new] + [(p, False) for p in refresh]:
            group = [_Item(RawItem(type="post", data=post.model_dump(mode="json")), is_new)]
            for c in comments.get(post.post_id, []):
                group.append(_Item(
                    RawItem(type="comment", data=c.model_dump(mode="json")), True,
                    [(comments_stream(post.post_id), (c.comment_id, epoch_ms(c.published_at)))]))
            if is_new:
                group[-1].advances.append((timeline_stream(self.account.account_key),
                                           (post.post_id, epoch_ms(post.published_at))))
            groups.append(group)
        return groups

    @staticmethod
    def _pack(groups: list[list[_Item]]) -> list[tuple[bool, list[_Item]]]:
        """Envelopes of at most 50 items, whole groups where they fit; the flag says whether
        the envelope starts at a group boundary (the only place a stop may happen)."""
        envelopes: list[tuple[bool, list[_Item]]] = []
        current: list[_Item] = []
        starts_clean = True
        for group in groups:
            if current and len(current) + len(group) > MAX_ITEMS_PER_PAGE:
                envelopes.append((starts_clean, current))
                current, starts_clean = [], True
            for item in group:
                if len(current) == MAX_ITEMS_PER_PAGE:  # a group bigger than an envelope
                    envelopes.append((starts_clean, current))
                    current, starts_clean = [], False
                current.append(item)
        if current or not envelopes:
            envelopes.append((starts_clean, current))
        return envelopes

    def _envelope(self, snapshot: dict[str, Any] | None, items: list[_Item]) -> CrawlEnvelope:
        return CrawlEnvelope(
            envelope_id=f"{self.platform}-{uuid.uuid4().hex}", source=self.connector.name,
            account_key=self.account.account_key, platform=self.connector.platform,
            crawled_at=self.now, snapshot=snapshot, items=[i.raw for i in items])

    async def _publish(self, snapshot: dict[str, Any] | None, groups: list[list[_Item]],
                       marks: dict[str, Mark]) -> None:
        """Envelopes oldest first; marks advance after each acknowledged envelope. A stop
        request is honoured between groups, never inside one."""
        envelopes = self._pack(groups)
        for number, (clean, items) in enumerate(envelopes):
            if number and clean and self.should_stop():
                self.problems.append(CrawlError("publish", (
                    f"stopped after {number} of {len(envelopes)} envelopes; the rest follows "
                    "on the next crawl")))
                return
            await self.output.pages([self._envelope(snapshot if number == 0 else None, items)])
            self.pages_published += 1
            touched: dict[str, Mark] = {}
            for item in items:
                if item.raw.type == "post":
                    if item.new:
                        self.posts_new += 1
                    else:
                        self.posts_refreshed += 1
                else:
                    self.comments_new += 1
                for stream, ident in item.advances:
                    touched[stream] = marks[stream]
                    marks[stream].advance([ident], self.overlap_ms)
            self.store.save_marks(self.platform, touched)

    async def run(self) -> CrawlStatus:
        """Crawl the account; never raises (except cancellation)."""
        started = datetime.now(UTC)
        ctx = CURRENT_STATS.set(self.stats)
        key = self.account.account_key
        self.store.started(self.platform, key, started)
        outcome, failed, snapshot = CrawlOutcome.ok, None, None
        try:
            outcome, failed, snapshot = await self._crawl()
        except CrawlError as exc:
            if isinstance(exc, BadPayload):
                self._bad_payload(exc)
            outcome, failed = CrawlOutcome(exc.outcome), exc
        except Exception as exc:  # a bug in a normaliser must not stop the other accounts
            log.exception("account crawl failed", platform=self.platform, account=key)
            outcome = CrawlOutcome.error
            failed = CrawlError("crawler", f"{type(exc).__name__}: {exc}")
        finally:
            CURRENT_STATS.reset(ctx)
        return await self._finish(outcome, failed, started, snapshot)

    async def _crawl(self) -> tuple[CrawlOutcome, CrawlError | None, dict[str, Any] | None]:
        """The steps; returns the outcome, the first problem, and the snapshot to remember."""
        key = self.account.account_key
        try:
            snapshot = (await self.connector.profile(self.account, self.now)).model_dump(
                mode="json")
        except AccountGone as gone:
            await self._publish(self._gone_snapshot(gone), [], {})
            return CrawlOutcome.account_gone, gone, None
        marks = {timeline_stream(key): self.store.mark(self.platform, timeline_stream(key))}
        try:
            new, refresh = await self._timeline(marks[timeline_stream(key)])
        except CrawlError:
            # publish the snapshot alone: the unread timeline is read on the next crawl
            await self._publish(snapshot, [], {})
            raise
        comments = await self._all_comments(new + refresh, marks)
        await self._publish(snapshot, self._groups(new, refresh, comments), marks)
        if self.problems or self.letters:
            return (CrawlOutcome.partial, self.problems[0] if self.problems else None,
                    snapshot)
        return CrawlOutcome.ok, None, snapshot

    def _status(self, outcome: CrawlOutcome, failed: CrawlError | None,
                started: datetime) -> CrawlStatus:
        secrets = self.connector.http.secrets
        return CrawlStatus(
            status_id=uuid.uuid4().hex, platform=self.connector.platform,
            account_key=self.account.account_key, connector=self.connector.name,
            credential=self.connector.credential.name, outcome=outcome,
            endpoint=failed.endpoint if failed else "",
            error=redact(" ".join(failed.message.split())[:500], secrets) if failed else "",
            requests=self.stats.requests, retries=self.stats.retries,
            pages=self.pages_published, posts_new=self.posts_new,
            posts_refreshed=self.posts_refreshed, comments_new=self.comments_new,
            dead_letters=len(self.letters), started_at=started,
            finished_at=datetime.now(UTC))

    async def _finish(self, outcome: CrawlOutcome, failed: CrawlError | None,
                      started: datetime, snapshot: dict[str, Any] | None) -> CrawlStatus:
        status = self._status(outcome, failed, started)
        try:
            if self.letters:
                await self.output.dead_letters(self.letters)
            await self.output.status(status)
        except Exception as exc:  # the broker is down: the status stays local
            log.error("crawl status not published", platform=self.platform,
                      account=self.account.account_key, error=str(exc))
        self.store.finished(
            self.platform, self.account.account_key, at=status.finished_at,
            outcome=status.outcome.value, endpoint=status.endpoint, error=status.error,
            success=outcome in (CrawlOutcome.ok, CrawlOutcome.partial,
                                CrawlOutcome.account_gone),
            posts=self.posts_new, comments=self.comments_new, snapshot=snapshot)
        log.info("account crawled", platform=self.platform, account=self.account.account_key,
                 outcome=status.outcome.value, posts_new=self.posts_new,
                 comments_new=self.comments_new, pages=self.pages_published,
                 dead_letters=len(self.letters), requests=self.stats.requests,
                 **({"endpoint": status.endpoint, "error": status.error} if failed else {}))
        return status

