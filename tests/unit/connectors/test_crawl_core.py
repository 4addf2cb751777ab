"""The crawl logic on an in-memory platform: marks, order, stop and resume, overlap, gone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors.base import CommentPage, Connector, ItemError, TimelinePage
from pipeline.crawlers.crawl import AccountCrawl
from pipeline.crawlers.errors import AccountGone
from pipeline.crawlers.http import PlatformHttp
from pipeline.crawlers.marks import Mark
from pipeline.crawlers.schedule import due_accounts, next_due_in
from schemas.events import (
    AccountSnapshot,
    AccountStatus,
    Comment,
    Platform,
    Post,
    RegisteredAccount,
)
from tests.connectors.site import ListOutput

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
ACCOUNT = RegisteredAccount(account_key="weibo:1", platform="weibo", platform_account_id="1",
                            display_name="江南银行", kind="official", org_unit="总行")


class MemoryPlatform(Connector):
    """A platform in memory: ``posts`` newest first, 10 per page, 2 comments per post."""

    platform = Platform.weibo
    name = "memory"
    default_base_url = "http://memory"
    posts: list[Post]
    gone: AccountStatus | None

    def classify(self, endpoint: str, status: int, body: Any) -> None:
        return None

    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        if self.gone:
            raise AccountGone("users/show", "gone", self.gone)
        return AccountSnapshot(account_key=account.account_key, platform=Platform.weibo,
                               platform_account_id="1", name="江南银行", followers=1000,
                               captured_at=now)

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        start = cursor or 0
        page = self.posts[start:start + 10]
        nxt = start + 10 if start + 10 < len(self.posts) else None
        errors = [ItemError(3, "statuses[3]: missing field 'id'",
                            {"text": f"echoed token {self.access_token}"})] if start == 0 else []
        return TimelinePage("timeline", page, errors, nxt)

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        return CommentPage("comments", [Comment(
            comment_id=f"{post.post_id}-c{i}", post_id=post.post_id,
            account_key=account.account_key, platform=Platform.weibo, text="好",
            published_at=post.published_at + timedelta(minutes=i + 1), captured_at=now)
            for i in range(2)])


def post(n: int, hours_ago: float) -> Post:
    return Post(post_id=f"p{n}", account_key="weibo:1", platform="weibo", kind="text",
                text=f"第{n}条", published_at=NOW - timedelta(hours=hours_ago), captured_at=NOW)


def crawl(tmp_path: Path, posts: list[Post], *, stop_after: int | None = None,
          gone: AccountStatus | None = None, now: datetime = NOW,
          backfill_days: float | None = None, **settings: Any) -> tuple[ListOutput, Any]:
    output = ListOutput()
    store = CheckpointStore(tmp_path / "state.sqlite")
    cfg = CrawlSettings.model_validate({"metrics_refresh_hours": 0, **settings})

    async def go() -> Any:
        async with httpx.AsyncClient() as client:
            http = PlatformHttp(client, cfg, platform_limiter=None, credential_limiter=None)
            connector = MemoryPlatform(http, Credential(name="c", access_token="s3cret-tok"),
                                       "http://memory", store)
            connector.posts = sorted(posts, key=lambda p: p.published_at, reverse=True)
            connector.gone = gone
            return await AccountCrawl(
                connector, ACCOUNT, store, output, cfg, now=now, backfill_days=backfill_days,
                should_stop=lambda: stop_after is not None
                and len(output.envelopes) >= stop_after).run()

    try:
        return output, asyncio.run(go())
    finally:
        store.close()


def test_oldest_first_comments_after_their_post_and_snapshot_first(tmp_path: Path) -> None:
    output, status = crawl(tmp_path, [post(n, 60 - n) for n in range(30)])
    ids = [p["post_id"] for p in output.items("post")]
    assert ids == [f"p{n}" for n in range(30)]
    assert len(output.items("comment")) == 60
    assert output.envelopes[0].snapshot is not None
    assert all(e.snapshot is None for e in output.envelopes[1:])
    assert all(len(e.items) <= 50 for e in output.envelopes)
    assert (status.posts_new, status.comments_new, status.outcome.value) == (30, 60, "partial")
    [letter] = output.letters  # the bad item, its echoed token cut out
    assert letter.source_topic == "weibo:timeline" and letter.item_index == 3
    assert "s3cret-tok" not in letter.raw and "***" in letter.raw


def test_stopped_crawl_resumes_without_missing_or_repeating(tmp_path: Path) -> None:
    posts = [post(n, 60 - n) for n in range(40)]  # 40 posts + 80 comments = 3 envelopes
    first, status = crawl(tmp_path, posts, stop_after=1, comment_posts_max=100)
    assert len(first.envelopes) == 1 and status.outcome.value == "partial"
    second, status2 = crawl(tmp_path, posts, comment_posts_max=100)
    items = [(i.type, i.data.get("comment_id", i.data["post_id"]))
             for out in (first, second) for e in out.envelopes for i in e.items]
    assert len(items) == len(set(items)) == 120
    assert status2.outcome.value == "partial"  # the bad item is still listed


def test_only_new_posts_on_the_next_crawl_including_late_ones(tmp_path: Path) -> None:
    posts = [post(n, 10 - n) for n in range(5)]
    crawl(tmp_path, posts)
    late = post(99, 5.5)  # published before the newest seen, inside the 6 h overlap
    new = post(100, 0.5)
    output, _ = crawl(tmp_path, [*posts, late, new], now=NOW + timedelta(hours=1))
    assert [p["post_id"] for p in output.items("post")] == ["p99", "p100"]


def test_first_crawl_goes_back_first_crawl_days_only(tmp_path: Path) -> None:
    output, _ = crawl(tmp_path, [post(1, 24 * 10), post(2, 24 * 3)], first_crawl_days=7)
    assert [p["post_id"] for p in output.items("post")] == ["p2"]


def test_backfill_reads_further_back(tmp_path: Path) -> None:
    posts = [post(1, 24 * 10), post(2, 24 * 3)]
    crawl(tmp_path, posts, first_crawl_days=7)
    output, _ = crawl(tmp_path, posts, backfill_days=30)
    assert [p["post_id"] for p in output.items("post")] == ["p1"]  # p2 is a recent id


def test_gone_account_republishes_its_last_snapshot_with_the_status(tmp_path: Path) -> None:
    crawl(tmp_path, [post(1, 1)])
    output, status = crawl(tmp_path, [], gone=AccountStatus.banned)
    [envelope] = output.envelopes
    assert envelope.snapshot is not None
    assert (envelope.snapshot["status"], envelope.snapshot["followers"]) == ("banned", 1000)
    assert status.outcome.value == "account_gone"


def test_mark_window() -> None:
    mark = Mark()
    assert mark.fresh and mark.is_new("a", 0, 10)
    mark.advance([("a", 100), ("b", 95)], overlap_ms=10)
    assert not mark.is_new("a", 100, 10) and mark.is_new("c", 91, 10)
    assert not mark.is_new("d", 89, 10)
    mark.advance([("e", 200)], overlap_ms=10)
    assert set(mark.recent) == {"e"}  # a and b fell out of the window


def test_schedule_by_tier() -> None:
    def acct(n: int, kind: str) -> RegisteredAccount:
        extra = {"competitor_group": "全国性银行"} if kind == "competitor" else {"org_unit": "总行"}
        return RegisteredAccount(account_key=f"weibo:{n}", platform="weibo",
                                 platform_account_id=str(n), display_name="x", kind=kind,
                                 **extra)

    official, employee, rival = acct(1, "official"), acct(2, "employee"), acct(3, "competitor")
    intervals = {"official": 300, "employee": 3600, "competitor": 1800}
    ten_min_ago = NOW - timedelta(minutes=10)
    last = {a.account_key: ten_min_ago for a in (official, employee, rival)}
    assert due_accounts([official, employee, rival], last, intervals, NOW) == [official]
    last[rival.account_key] = None  # type: ignore[assignment]
    assert due_accounts([official, employee, rival], last, intervals, NOW)[0] == rival
    assert next_due_in([employee], {employee.account_key: ten_min_ago}, intervals, NOW) == 3000
