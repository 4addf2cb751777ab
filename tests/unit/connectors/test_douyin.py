"""The Douyin connector against its fixture site on a real local HTTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors.base import Page
from pipeline.crawlers.connectors.douyin import (
    DouyinConnector,
    DouyinCursor,
    avatar_hash,
    latest_fans,
    normalise_comment,
    normalise_user,
    normalise_video,
)
from pipeline.crawlers.errors import (
    AccountGone,
    AuthError,
    CrawlError,
    PermanentError,
    RateLimited,
    TokenExpired,
    TransientError,
)
from pipeline.crawlers.http import PlatformHttp
from schemas.events import AccountStatus, Platform, Post, PostKind
from tests.connectors import douyin_site as site
from tests.connectors.site import SCENARIO_SETTINGS
from tests.unit.connectors.scenario import check_scenario, crawl_scenario

CN = timedelta(hours=8)


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    output, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    by_key = {s.account_key: s for s in statuses}

    limited = by_key[site.key(site.LIMITED)]
    assert limited.retries == 1 and limited.posts_new == 1

    refreshed = by_key[site.key(site.REFRESHED)]
    assert refreshed.posts_new == 1 and scenario.hits[f"expired:{site.REFRESHED}"] == 1
    assert scenario.hits["oauth/refresh_token ok"] == 1

    dead = by_key[site.key(site.DEAD)]
    assert dead.endpoint == "oauth/refresh_token" and "10010" in dead.error
    assert "authorise" in dead.error

    broken = by_key[site.key(site.BROKEN)]
    assert broken.endpoint == "video/list" and "not JSON" in broken.error
    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "系统繁忙" in html_letter.raw and html_letter.account_key == site.key(site.BROKEN)

    good = by_key[site.key(site.GOOD)]
    assert good.posts_new == 4 and good.comments_new == 2
    items = {d.error.split(": ", 1)[1]: d for d in output.letters if d.reason == "bad_item"}
    assert items["list[3]: missing field 'create_time'"].source_topic == "douyin:video/list"
    assert items["list[1]: statistics.digg_count is '1.2万', not a count"].item_index == 1
    assert items["list[2]: missing field 'content'"].source_topic == "douyin:item/comment/list"

    posts = {p["post_id"]: p for p in output.items("post")}
    assert posts[site.IMAGE_SET]["kind"] == "image" and posts[site.NEWEST]["kind"] == "video"
    assert posts[site.NEWEST]["url"].startswith("https://www.iesdouyin.com/share/video/")
    snapshot = next(e.snapshot for e in output.envelopes
                    if e.snapshot and e.account_key == site.key(site.GOOD))
    assert snapshot["verified"] is True and snapshot["name"] == "杭州银行"
    banned = next(e.snapshot for e in output.envelopes
                  if e.snapshot and e.account_key == site.key(site.BANNED))
    assert banned["name"] == "杭州银行信用卡"  # the roster's name: never crawled before

    # the refreshed pair is a secret too: never in a status or a dead letter
    for text in [s.model_dump_json() for s in statuses] + [
            d.model_dump_json() for d in output.letters]:
        assert site.RENEWED_ACCESS not in text and site.RENEWED_REFRESH not in text


def test_refreshed_token_is_kept_for_the_next_run(httpserver: HTTPServer,
                                                  tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    url = site.base_url(httpserver)
    crawl_scenario(scenario, url, tmp_path)
    store = CheckpointStore(tmp_path / "checkpoints.sqlite")
    try:
        token = store.token("douyin", "dy-zhang")
        assert store.token("douyin", "dy-wang") is None  # a failed refresh keeps nothing
    finally:
        store.close()
    assert token is not None
    assert (token.access_token, token.refresh_token) == (site.RENEWED_ACCESS,
                                                         site.RENEWED_REFRESH)
    assert token.expires_at is not None
    left = token.expires_at - datetime.now(UTC)
    assert timedelta(days=14, hours=23) < left <= timedelta(days=15)  # expires_in 1296000

    again, statuses = crawl_scenario(scenario, url, tmp_path)
    outcomes = {s.account_key: s.outcome.value for s in statuses}
    assert outcomes[site.key(site.REFRESHED)] == "ok"
    # the second run started with the stored token: no expired answer, no second refresh
    assert scenario.hits[f"expired:{site.REFRESHED}"] == 1
    assert scenario.hits["oauth/refresh_token ok"] == 1
    assert outcomes[site.key(site.DEAD)] == "auth_failed"
    assert again.items("post") == [] and again.items("comment") == []


def _connector(url: str, store: CheckpointStore, client: httpx.AsyncClient,
               **credential: Any) -> DouyinConnector:
    settings = CrawlSettings.model_validate(SCENARIO_SETTINGS)
    http = PlatformHttp(client, settings, platform_limiter=None, credential_limiter=None)
    values = {"name": "dy-hzbank", "access_token": "act.good0001secretQ1w2E3r4",
              "accounts": [site.key(site.GOOD)], **credential}
    return DouyinConnector(http, Credential.model_validate(values), url, store)


def test_pagination_holds_pinned_videos_until_their_time(httpserver: HTTPServer,
                                                         tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    account = site.ACCOUNTS[0]
    now = datetime(2026, 11, 23, tzinfo=UTC)

    async def pages() -> list[Page]:
        store = CheckpointStore(tmp_path / "checkpoints.sqlite")
        try:
            async with httpx.AsyncClient() as client:
                conn = _connector(site.base_url(httpserver), store, client)
                out: list[Page] = []
                cursor: Any = None
                while True:
                    page = await conn.timeline(account, cursor, now)
                    out.append(page)
                    if page.next_cursor is None:
                        return out
                    cursor = page.next_cursor
        finally:
            store.close()

    first, second, last = asyncio.run(pages())
    assert [p.post_id for p in first.items] == [site.NEWEST, site.IMAGE_SET]
    assert isinstance(first.next_cursor, DouyinCursor)
    assert first.next_cursor.cursor == int(site.PAGE2_CURSOR)
    assert [p.post_id for p in first.next_cursor.held] == [site.PINNED]
    assert [p.post_id for p in second.items] == [site.OLDER]
    assert [p.post_id for p in last.items] == [site.PINNED] and last.next_cursor is None
    assert [e.index for e in first.errors] == [3] and [e.index for e in second.errors] == [1]
    for page in (first, second):  # newest first, and never older than what follows
        times = [p.published_at for p in page.items]
        assert times == sorted(times, reverse=True)
    assert min(p.published_at for p in first.items) >= second.items[0].published_at
    assert [scenario.hits[f"video/list cursor={c}"] for c in
            ("0", site.PAGE2_CURSOR, site.PAGE3_CURSOR)] == [1, 1, 1]
    assert not httpserver.assertions


def test_pinned_old_video_does_not_stop_a_short_first_crawl(httpserver: HTTPServer,
                                                            tmp_path: Path) -> None:
    """A first crawl reaching back past the page-2 video but not to the pinned March film:
    a pinned video on page 1 would make the crawl stop there and miss page 2."""
    scenario = site.install(httpserver)
    scenario.accounts = [site.ACCOUNTS[0]]
    older = datetime(2026, 11, 18, 9, 30, tzinfo=UTC) - CN
    days = (datetime.now(UTC) - older).total_seconds() / 86_400 + 1
    output, _ = crawl_scenario(scenario, site.base_url(httpserver), tmp_path,
                               first_crawl_days=days)
    published = {p["post_id"] for p in output.items("post")}
    assert published == {site.NEWEST, site.IMAGE_SET, site.OLDER}


def test_comments_pinned_reply_and_paging(httpserver: HTTPServer, tmp_path: Path) -> None:
    site.install(httpserver)
    account = site.ACCOUNTS[0]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    post = Post(post_id=site.NEWEST, account_key=account.account_key, platform=Platform.douyin,
                kind=PostKind.video, published_at=now, captured_at=now)

    async def go() -> tuple[Page, Page]:
        store = CheckpointStore(tmp_path / "checkpoints.sqlite")
        try:
            async with httpx.AsyncClient() as client:
                conn = _connector(site.base_url(httpserver), store, client)
                return (await conn.comments(account, post, None, now),
                        await conn.comments(account, post, DouyinCursor(3), now))
        finally:
            store.close()

    page, later = asyncio.run(go())
    assert [c.comment_id for c in page.items] == [site.QUESTION, site.PINNED_REPLY]
    assert page.next_cursor is None and [e.index for e in page.errors] == [2]
    assert later.items == [] and later.next_cursor is None
    assert not httpserver.assertions


def test_credential_without_account_is_refused(httpserver: HTTPServer,
                                               tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    scenario.accounts = [site.ACCOUNTS[0]]
    scenario.credentials = [{**scenario.credentials[0], "accounts": []}]
    _, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    assert [(s.outcome.value, s.endpoint) for s in statuses] == [("auth_failed", "credentials")]
    assert "accounts" in statuses[0].error and sum(scenario.hits.values()) == 0


def test_token_of_another_account(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    scenario.accounts = [site.ACCOUNTS[0]]
    scenario.credentials = [{**scenario.credentials[0],
                             "access_token": "act.limited0005secretO9p0A1s2"}]
    _, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    assert statuses[0].outcome.value == "auth_failed"
    assert "2190015" in statuses[0].error and "bind the credential" in statuses[0].error


def test_normaliser_fields() -> None:
    account = site.ACCOUNTS[0]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    post = normalise_video({
        "item_id": "@abc+/=", "title": "#杭银理财 双十一福利 #金融知识 @杭州银行",
        "create_time": 1795176000, "share_url": "https://www.iesdouyin.com/share/video/9/",
        "media_type": 4, "is_top": False, "video_status": 5,
        "statistics": {"play_count": 1000, "digg_count": 30, "comment_count": 4,
                       "share_count": 5, "forward_count": 7, "download_count": 2}},
        account, now)
    assert post.published_at == datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 +08:00
    assert (post.kind.value, post.title, post.tags) == (
        "video", "#杭银理财 双十一福利 #金融知识 @杭州银行", ["杭银理财", "金融知识"])
    assert post.url == "https://www.iesdouyin.com/share/video/9/"
    assert post.metrics.model_dump() == {"views": 1000, "likes": 30, "comments": 4,
                                         "shares": 12, "favorites": 0}
    assert (post.platform.value, post.account_key) == ("douyin", account.account_key)
    with pytest.raises(ValueError, match="create_time"):
        normalise_video({"item_id": "x", "create_time": "2026-11-20", "statistics": {}},
                        account, now)
    with pytest.raises(ValueError, match="share_count"):
        normalise_video({"item_id": "x", "create_time": 1, "statistics": {"share_count": -1}},
                        account, now)

    comment = normalise_comment({
        "comment_id": "@c1", "comment_user_id": "u-1", "content": "保本吗？",
        "create_time": 1795179900, "digg_count": 3, "top": False}, account, post, now)
    assert (comment.comment_id, comment.post_id, comment.author_id, comment.text,
            comment.likes) == ("@c1", post.post_id, "u-1", "保本吗？", 3)
    assert comment.published_at == datetime(2026, 11, 20, 13, 5, tzinfo=UTC)

    assert latest_fans([{"date": "2026-11-21", "total_fans": 9},
                        {"date": "2026-11-22", "total_fans": 11},
                        {"date": "2026-11-20", "total_fans": 7}]) == 11
    assert latest_fans([]) is None
    snap = normalise_user({"open_id": site.GOOD, "nickname": "杭州银行",
                           "avatar": "https://p3.douyinpic.com/a/b.jpeg?from=1",
                           "e_account_role": "EAccountM"}, 11, account, now)
    assert (snap.name, snap.followers, snap.verified, snap.platform_account_id) == (
        "杭州银行", 11, False, site.GOOD)
    assert snap.avatar_hash == avatar_hash("https://p26.douyinpic.com/a/b.jpeg?from=2")
    assert snap.avatar_hash != avatar_hash("https://p3.douyinpic.com/a/c.jpeg")


@pytest.mark.parametrize(("code", "error"), [
    (2190008, TokenExpired), (10008, TokenExpired), (2190002, AuthError),
    (2190015, AuthError), (10010, AuthError), (2190001, RateLimited),
    (2100004, TransientError), (2100009, AccountGone), (2100005, PermanentError),
])
def test_classify(code: int, error: type[CrawlError], tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "checkpoints.sqlite")

    async def check() -> None:
        async with httpx.AsyncClient() as client:
            conn = _connector("http://unused", store, client)
            for body in ({"data": {"error_code": code, "description": "x"}},
                         {"data": {"error_code": 0}, "extra": {"error_code": str(code)}}):
                with pytest.raises(error) as caught:
                    conn.classify("video/list", 200, body)
                assert type(caught.value) is error and str(code) in caught.value.message
                if isinstance(caught.value, AccountGone):
                    assert caught.value.status is AccountStatus.banned
            conn.classify("video/list", 200, {"data": {"error_code": "0", "list": []},
                                              "extra": {"error_code": 0}})

    try:
        asyncio.run(check())
    finally:
        store.close()
