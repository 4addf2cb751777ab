"""The Bilibili connector against its fixture site on a real local HTTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors.base import Connector
from pipeline.crawlers.connectors.bilibili import (
    BilibiliConnector,
    SignatureRejected,
    mixin_key,
    next_page,
    normalise_account,
    normalise_reply,
    normalise_video,
    sign_params,
    wbi_key_of,
    wbi_query,
)
from pipeline.crawlers.errors import (
    AccountGone,
    AuthError,
    BadPayload,
    CrawlError,
    PermanentError,
    RateLimited,
    TransientError,
)
from pipeline.crawlers.http import PlatformHttp
from pipeline.crawlers.service import PlatformCrawler
from schemas.events import AccountStatus, Platform, Post, PostKind, PostMetrics
from tests.connectors import bilibili_site
from tests.connectors.bilibili_site import Site
from tests.connectors.site import FIXTURES, ListOutput, Scenario
from tests.unit.connectors.scenario import check_scenario, crawl_scenario

KEY = "bilibili:1934567801"
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / "bilibili" / name).read_text(encoding="utf-8"))


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario, site = bilibili_site.install_site(httpserver)
    output, statuses = crawl_scenario(scenario, bilibili_site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    by_key = {s.account_key: s for s in statuses}

    limited = by_key["bilibili:1934567805"]
    assert limited.retries == 1 and limited.posts_new == 1
    expired = by_key["bilibili:1934567804"]
    assert expired.endpoint == "x/web-interface/nav" and "-101" in expired.error
    assert "expired" in expired.error
    broken = by_key["bilibili:1934567806"]
    assert broken.endpoint == "x/space/wbi/arc/search" and "not JSON" in broken.error
    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "服务器开小差了" in html_letter.raw
    errors = sorted(d.error for d in output.letters if d.reason == "bad_item")
    assert any("vlist[2]" in e and "created" in e for e in errors), errors
    assert any("vlist[1]" in e and "comments" in e for e in errors), errors  # "很多"
    assert any("x/v2/reply" in e and "replies[2]" in e and "text" in e for e in errors), errors

    # the WBI keys were fetched once per credential and every signature was accepted
    assert scenario.hits["x/web-interface/nav"] == 2 and site.refused == 0
    # three video pages, the last empty; no page 4
    assert [pn for mid, pn in site.pages if mid == "1934567801"] == ["1", "2", "3"]
    # replies: the newest video over two pages, the one under review, the disabled one;
    # none for the videos listed with 0 comments
    assert sorted(site.reply_oids) == sorted([
        (bilibili_site.NEWEST_AID, "1"), (bilibili_site.NEWEST_AID, "2"),
        (bilibili_site.REVIEW_AID, "1"), (bilibili_site.DISABLED_AID, "1")])
    assert site.cookies == {bilibili_site.SESSDATA}
    assert site.referers == {"https://www.bilibili.com/"}

    snapshot = next(e.snapshot for e in output.envelopes if e.account_key == KEY and e.snapshot)
    assert (snapshot["name"], snapshot["verified"], snapshot["verification_subject"],
            snapshot["following"], snapshot["platform_account_id"]) == (
        "杭州银行", True, "杭州银行股份有限公司官方账号", 48, "1934567801")
    assert "95398" in snapshot["bio"] and len(snapshot["avatar_hash"]) == 16

    posts = {p["post_id"]: p for p in output.items("post")}
    newest = posts["BV1ww4C1u71H"]
    assert newest["url"] == "https://www.bilibili.com/video/BV1ww4C1u71H"
    assert newest["title"] == "理财小课堂｜年底理财怎么选" and newest["kind"] == "video"
    assert newest["metrics"]["views"] == 15234 and newest["metrics"]["comments"] == 23
    assert datetime.fromisoformat(newest["published_at"]) == datetime(
        2026, 11, 22, 10, 0, tzinfo=UTC)  # created 1795341600 = 18:00 Beijing time
    comments = {c["comment_id"]: c for c in output.items("comment")}
    assert comments["246812399901"]["parent_comment_id"] == "246812345601"
    assert comments["246812399901"]["author_name"] == "杭州银行"
    assert comments["246812345601"]["parent_comment_id"] is None
    assert comments["246812345601"]["author_id"] == "402118765"
    assert comments["246812345601"]["likes"] == 12
    assert {c["post_id"] for c in comments.values()} == {"BV1ww4C1u71H"}


def test_second_crawl_publishes_nothing_new(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = bilibili_site.install(httpserver)
    url = bilibili_site.base_url(httpserver)
    crawl_scenario(scenario, url, tmp_path)
    again, statuses = crawl_scenario(scenario, url, tmp_path)
    assert {s.account_key: s.outcome.value for s in statuses}[KEY] == "partial"
    assert again.items("post") == [] and again.items("comment") == []
    assert set(again.snapshots()) == set(scenario.snapshots)


# --- WBI signing -------------------------------------------------------------------------
def test_wbi_signature_matches_the_documented_example() -> None:
    # docs/misc/sign/wbi.md: keys → mixin key, then {foo, bar, zab} at wts 1702204169
    img = wbi_key_of("https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png")
    sub = wbi_key_of("https://i0.hdslb.com/bfs/wbi/4932caff0ff746eab6f01bf08b70ac45.png")
    assert (img, sub) == (bilibili_site.DOC_IMG_KEY, bilibili_site.DOC_SUB_KEY)
    mixin = mixin_key(img, sub)
    assert mixin == "ea1db124af3c7062474693fa704f4ff8"
    signed = sign_params({"foo": "114", "bar": "514", "zab": 1919810}, mixin, 1702204169)
    assert signed == {"foo": "114", "bar": "514", "zab": "1919810", "wts": "1702204169",
                      "w_rid": "8f6f2b5b3d485fe1886cec6a0be8c5d4"}
    # the fixture site's own implementation agrees (so the scenario checks something real)
    assert bilibili_site.site_mixin_key(img, sub) == mixin == bilibili_site.DOC_MIXIN_KEY


def test_wbi_query_encoding_and_filter() -> None:
    # documented: upper-case hex, space as %20, sorted by name
    assert wbi_query({"foo": "one one four", "bar": "五一四", "baz": 1919810}) == (
        "bar=%E4%BA%94%E4%B8%80%E5%9B%9B&baz=1919810&foo=one%20one%20four")
    # "!'()*" are dropped from values before signing, and sent dropped
    signed = sign_params({"keyword": "理财(稳健)!*'"}, "x" * 32, 1)
    assert signed["keyword"] == "理财稳健"
    assert signed == sign_params({"keyword": "理财稳健"}, "x" * 32, 1)
    with pytest.raises(ValueError, match="32-character key"):
        wbi_key_of("https://i0.hdslb.com/bfs/wbi/short.png")


def _with_connector(httpserver: HTTPServer, tmp_path: Path,
                    body: Callable[[Connector, Scenario, Site], Awaitable[None]],
                    ) -> tuple[Scenario, Site]:
    """Run ``body`` with the connector of the scenario's first credential."""
    scenario, site = bilibili_site.install_site(httpserver)
    settings = CrawlSettings.model_validate(scenario.settings(
        bilibili_site.base_url(httpserver)))
    store = CheckpointStore(tmp_path / "checkpoints.sqlite")

    async def go() -> None:
        async with PlatformCrawler("bilibili", settings, store, ListOutput()) as crawler:
            connector = crawler.connector_for(scenario.accounts[0])
            assert connector is not None
            await body(connector, scenario, site)

    try:
        asyncio.run(go())
    finally:
        store.close()
    return scenario, site


def test_wbi_keys_fetched_again_when_the_site_rotates_them(httpserver: HTTPServer,
                                                           tmp_path: Path) -> None:
    async def body(connector: Connector, scenario: Scenario, site: Site) -> None:
        account = scenario.accounts[0]
        await connector.profile(account, NOW)
        site.rotate("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")
        page = await connector.timeline(account, None, NOW)
        assert [p.post_id for p in page.items] == ["BV1ww4C1u71H", "BV1Jp4C197Pw"]
        assert page.next_cursor == 2
        await connector.timeline(account, page.next_cursor, NOW)  # the fresh keys are cached

    scenario, site = _with_connector(httpserver, tmp_path, body)
    assert site.refused == 1  # the first video-list request, signed with the old keys
    assert scenario.hits["x/web-interface/nav"] == 2
    assert scenario.hits["x/space/wbi/arc/search"] == 3


def test_a_signature_refused_twice_is_an_auth_error(httpserver: HTTPServer,
                                                   tmp_path: Path) -> None:
    caught: list[CrawlError] = []

    async def body(connector: Connector, scenario: Scenario, site: Site) -> None:
        site.refuse_all = True
        with pytest.raises(SignatureRejected) as error:
            await connector.profile(scenario.accounts[0], NOW)
        caught.append(error.value)

    scenario, site = _with_connector(httpserver, tmp_path, body)
    error = caught[0]
    assert isinstance(error, AuthError) and error.outcome == "auth_failed"
    assert error.endpoint == "x/space/wbi/acc/info" and "-403" in error.message
    assert site.refused == 2 and scenario.hits["x/web-interface/nav"] == 2  # one refetch


def test_comments_need_the_timeline_and_skip_uncommented_videos(httpserver: HTTPServer,
                                                                tmp_path: Path) -> None:
    async def body(connector: Connector, scenario: Scenario, site: Site) -> None:
        account = scenario.accounts[0]
        post = Post(post_id="BV1ww4C1u71H", account_key=account.account_key,
                    platform=Platform.bilibili, kind=PostKind.video, published_at=NOW,
                    captured_at=NOW, metrics=PostMetrics(comments=23))
        with pytest.raises(PermanentError, match="no aid known"):
            await connector.comments(account, post, None, NOW)
        silent = post.model_copy(update={"metrics": PostMetrics()})
        assert (await connector.comments(account, silent, None, NOW)).items == []
        await connector.timeline(account, None, NOW)  # learns bvid -> aid
        page = await connector.comments(account, post, None, NOW)
        assert [c.comment_id for c in page.items] == [  # newest first, sub-reply included
            "246812399901", "246812345601", "246811230077"]
        assert page.next_cursor == 2 and len(page.errors) == 1

    _, site = _with_connector(httpserver, tmp_path, body)
    assert site.reply_oids == [(bilibili_site.NEWEST_AID, "1")]


# --- error codes -------------------------------------------------------------------------
@pytest.fixture
def make_connector(tmp_path: Path) -> Iterator[Callable[[str], BilibiliConnector]]:
    """Connectors for classify tests (no requests); closed afterwards."""
    made: list[BilibiliConnector] = []

    def make(access_token: str = "sessdata") -> BilibiliConnector:
        http = PlatformHttp(httpx.AsyncClient(), CrawlSettings(), platform_limiter=None,
                            credential_limiter=None)
        store = CheckpointStore(tmp_path / f"checkpoints{len(made)}.sqlite")
        credential = Credential.model_validate({"name": "t", "access_token": access_token})
        made.append(BilibiliConnector(http, credential, "https://api.bilibili.com", store))
        return made[-1]

    yield make
    for connector in made:
        connector.store.close()
        asyncio.run(connector.http.client.aclose())


@pytest.mark.parametrize(("endpoint", "code", "expected"), [
    ("x/space/wbi/acc/info", -101, AuthError),
    ("x/v2/reply", -111, AuthError),
    ("x/space/wbi/arc/search", -412, RateLimited),
    ("x/space/wbi/arc/search", -799, RateLimited),
    ("x/space/wbi/acc/info", -352, RateLimited),
    ("x/relation/stat", -509, RateLimited),
    ("x/space/wbi/arc/search", -500, TransientError),
    ("x/space/wbi/arc/search", -503, TransientError),
    ("x/space/wbi/acc/info", -403, SignatureRejected),
    ("x/relation/stat", -403, PermanentError),
    ("x/space/wbi/acc/info", -404, AccountGone),
    ("x/relation/stat", -626, AccountGone),
    ("x/v2/reply", -404, PermanentError),  # the video, not the account (comments skip it)
    ("x/space/wbi/arc/search", -400, PermanentError),
    ("x/v2/reply", 62002, PermanentError),
])
def test_classify(make_connector: Callable[[str], BilibiliConnector], endpoint: str, code: int,
                  expected: type[CrawlError]) -> None:
    connector = make_connector("sessdata")
    with pytest.raises(expected) as caught:
        connector.classify(endpoint, 200, {"code": code, "message": "m", "ttl": 1})
    assert type(caught.value) is expected
    if isinstance(caught.value, AccountGone):
        assert caught.value.status is AccountStatus.deleted
    assert f"code {code}" in caught.value.message


def test_classify_accepts_success_and_refuses_a_voucher(
        make_connector: Callable[[str], BilibiliConnector]) -> None:
    connector = make_connector("sessdata")
    connector.classify("x/relation/stat", 200, {"code": 0, "data": {"follower": 1}})
    connector.classify("x/relation/stat", 200, [1, 2])  # not the envelope: left to field_of
    voucher = {"code": 0, "message": "0", "ttl": 1, "data": {"v_voucher": "voucher_1"}}
    with pytest.raises(SignatureRejected):
        connector.classify("x/space/wbi/arc/search", 200, voucher)
    with pytest.raises(RateLimited):
        connector.classify("x/v2/reply", 200, voucher)
    with pytest.raises(BadPayload):
        connector.classify("x/v2/reply", 200, {"code": "oops"})


def test_nav_minus_101_is_an_error_only_with_a_cookie(
        make_connector: Callable[[str], BilibiliConnector]) -> None:
    anonymous = _fixture("nav_not_logged_in.json")
    make_connector("")._classify_nav("x/web-interface/nav", 200, anonymous)  # keys are there
    with pytest.raises(AuthError, match="expired"):
        make_connector("sessdata")._classify_nav("x/web-interface/nav", 200, anonymous)
    with pytest.raises(RateLimited):
        make_connector("")._classify_nav("x/web-interface/nav", 200, {"code": -412})


# --- normalisers and pagination ----------------------------------------------------------
def test_video_normaliser_fields() -> None:
    account = bilibili_site._account("1934567801", "official", "杭州银行")
    raw = _fixture("arc_search_page1.json")["data"]["list"]["vlist"][3]
    post = normalise_video(raw, account, NOW)
    assert (post.post_id, post.kind, post.platform) == (
        "BV1Jp4C197Pw", PostKind.video, Platform.bilibili)
    assert post.title == "防范电信网络诈骗，守护您的钱袋子" and "96110" in post.text
    assert post.published_at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert (post.metrics.views, post.metrics.comments, post.metrics.likes) == (8870, 5, 0)
    extra = normalise_video({**raw, "play": "--", "like": 7, "favorite": 3, "share": 2},
                            account, NOW)
    assert (extra.metrics.views, extra.metrics.likes, extra.metrics.favorites,
            extra.metrics.shares) == (0, 7, 3, 2)
    with pytest.raises(ValueError, match="created"):
        normalise_video({**raw, "created": "2026-11-21"}, account, NOW)
    with pytest.raises(ValueError, match="BV id"):
        normalise_video({**raw, "bvid": "av1356012301"}, account, NOW)


def test_account_and_reply_normalisers() -> None:
    account = bilibili_site._account("1934567801", "official", "杭州银行")
    info = _fixture("acc_info.json")["data"]
    stat = _fixture("relation_stat.json")["data"]
    snap = normalise_account(info, stat, account, NOW)
    assert (snap.followers, snap.following, snap.verified, snap.verification_subject) == (
        126358, 48, True, "杭州银行股份有限公司官方账号")
    unverified = normalise_account(
        {**info, "official": {"role": 0, "title": "", "desc": "", "type": -1}}, stat,
        account, NOW)
    assert (unverified.verified, unverified.verification_subject) == (False, None)
    personal = normalise_account(
        {**info, "official": {"role": 1, "title": "知名财经UP主", "desc": "", "type": 0}},
        stat, account, NOW)
    assert (personal.verified, personal.verification_subject) == (True, "知名财经UP主")

    post = Post(post_id="BV1ww4C1u71H", account_key=account.account_key,
                platform=Platform.bilibili, kind=PostKind.video, published_at=NOW,
                captured_at=NOW)
    root = _fixture("reply_page1.json")["data"]["replies"][0]
    child = root["replies"][0]
    comment = normalise_reply(child, account, post, NOW)
    assert (comment.comment_id, comment.parent_comment_id, comment.author_id,
            comment.likes) == ("246812399901", "246812345601", "1934567801", 3)
    assert comment.published_at == datetime(2026, 11, 22, 12, 5, tzinfo=UTC)
    assert normalise_reply(root, account, post, NOW).parent_comment_id is None
    with pytest.raises(KeyError, match="message"):
        normalise_reply({**root, "content": {}}, account, post, NOW)


def test_profile_blames_the_endpoint_that_answered_badly(httpserver: HTTPServer,
                                                         tmp_path: Path) -> None:
    """A bad follower count is relation/stat's fault, a missing name acc/info's."""
    caught: list[BadPayload] = []

    async def body(connector: Connector, scenario: Scenario, site: Site) -> None:
        for bad in ({"data": {"mid": 1, "following": 1, "follower": "很多"}},
                    {"data": {"mid": 1, "following": 1}}):
            # a one-shot handler answers before the site's permanent one
            httpserver.expect_oneshot_request("/x/relation/stat").respond_with_json(
                {"code": 0, "message": "0", "ttl": 1, **bad})
            with pytest.raises(BadPayload) as error:
                await connector.profile(scenario.accounts[0], NOW)
            caught.append(error.value)

    _with_connector(httpserver, tmp_path, body)
    assert [(e.endpoint, "follower" in e.message) for e in caught] == [
        ("x/relation/stat", True), ("x/relation/stat", True)]
    assert "很多" in caught[0].raw


@pytest.mark.parametrize(("page", "got", "expected"), [
    ({"pn": 1, "ps": 30, "count": 67}, 30, 2),
    ({"pn": 2, "ps": 30, "count": 67}, 30, 3),
    ({"pn": 3, "ps": 30, "count": 67}, 7, None),  # 90 >= 67: the last page
    ({"pn": 3, "ps": 30, "count": 95}, 0, None),  # empty page: the end, whatever count says
    ({"pn": 1, "ps": 30, "count": 30}, 30, None),
])
def test_next_page(page: dict[str, int], got: int, expected: int | None) -> None:
    assert next_page(page, "x/space/wbi/arc/search", "pn", "ps", got) == expected


def test_next_page_needs_numbers() -> None:
    with pytest.raises(BadPayload, match=r"page\.count"):
        next_page({"num": 1, "size": 20, "count": "22"}, "x/v2/reply", "num", "size", 3)
