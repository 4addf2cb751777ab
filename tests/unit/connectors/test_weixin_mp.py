"""The WeChat Official Account connector against its fixture site on a real local HTTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors.weixin_mp import (
    ArticleSummary,
    DataNotReady,
    WeixinMpConnector,
    match_summaries,
    normalise_articles,
    plain_text,
    url_msgid,
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
from schemas.events import AccountStatus, Platform, Post, PostKind, RegisteredAccount
from tests.connectors import weixin_mp_site as site
from tests.unit.connectors.scenario import check_scenario, crawl_scenario

P = "weixin_mp"
PUBLISHED = "weixin_mp:cgi-bin/freepublish/batchget"
ARTICLE_A = "PkV1Yb8Qw3Z0mRgT5nXc2HsJ4dLf6aEoUq7iW9yB0t"
ARTICLE_B = "Rz4cN7vB2xM9kQ1wE5tY8uI0oP3aS6dF2gH5jK8lZx"
ARTICLE_D = "Vb6nM3cX0zL8kJ5hG2fD9sA6pO3iU0yT7rE4wQ1aSd"
ARTICLE_E = "Xe1rT4yU7iO0pA3sD6fG9hJ2kL5zX8cV1bN4mQ7wEr"


def _key(gh_id: str) -> str:
    return f"{P}:{gh_id}"


def _app_id(gh_id: str) -> str:
    return next(a.app_id for a in site.APPS.values() if a.gh_id == gh_id)


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    output, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    by_key = {s.account_key: s for s in statuses}

    limited = by_key[_key(site.LIMITED)]
    assert limited.retries >= 1 and limited.posts_new == 1
    expired = by_key[_key(site.EXPIRED)]
    assert expired.posts_new == 1 and expired.error == ""
    bad_secret = by_key[_key(site.BAD_SECRET)]
    assert bad_secret.endpoint == "cgi-bin/token" and "40001" in bad_secret.error
    assert "AppSecret" in bad_secret.error
    banned = by_key[_key(site.BANNED)]
    assert banned.endpoint == "datacube/getusercumulate" and "50002" in banned.error
    broken = by_key[_key(site.BROKEN)]
    assert broken.endpoint == "cgi-bin/freepublish/batchget" and "not JSON" in broken.error

    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "系统繁忙" in html_letter.raw
    bad_items = sorted((d for d in output.letters if d.reason == "bad_item"),
                       key=lambda d: d.error)
    assert [d.source_topic for d in bad_items] == [PUBLISHED, PUBLISHED]
    number_title, no_time = bad_items
    assert "item[1].content.news_item[1]: title" in number_title.error
    assert number_title.item_index == 1 and ARTICLE_E in number_title.raw
    assert "item[2]: update_time" in no_time.error and no_time.item_index == 2

    # a token is fetched where none is configured or the configured one expired; a configured
    # valid token is used as it is
    assert scenario.hits[f"cgi-bin/token:{_app_id(site.GOOD)}"] == 1
    assert scenario.hits[f"cgi-bin/token:{_app_id(site.EXPIRED)}"] == 1
    assert scenario.hits[f"cgi-bin/token:{_app_id(site.BAD_SECRET)}"] == 1
    assert scenario.hits[f"cgi-bin/token:{_app_id(site.BANNED)}"] == 0
    assert scenario.hits["cgi-bin/freepublish/batchget"] == 3 + 1 + 2 + 1  # good, exp, lim, br
    # two summary days per account with posts, fetched once per crawl (not per page)
    assert scenario.hits["datacube/getarticlesummary"] == 2 * 3


def test_metrics_come_from_the_matching_summary_rows(httpserver: HTTPServer,
                                                     tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    output, _ = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    metrics = {p["post_id"]: p["metrics"] for p in output.items("post")}
    # by the URL's mid/idx, the latest day (yesterday), not the day before
    assert metrics[f"{ARTICLE_A}_1"] == {
        "views": 9876, "likes": 0, "comments": 0, "shares": 245, "favorites": 90}
    assert metrics[f"{ARTICLE_A}_3"]["views"] == 3311
    assert metrics[f"{ARTICLE_E}_1"]["views"] == 433
    # a short URL: matched by title, on the only day it was read (the day before)
    assert metrics[f"{ARTICLE_B}_1"]["views"] == 1688
    assert metrics[f"{ARTICLE_B}_1"]["favorites"] == 70
    # no row: zero metrics
    assert metrics[f"{ARTICLE_D}_1"]["views"] == 0


def test_token_fetched_when_none_is_configured_and_kept(httpserver: HTTPServer,
                                                        tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    url = site.base_url(httpserver)
    before = datetime.now(UTC)
    crawl_scenario(scenario, url, tmp_path)
    store = CheckpointStore(tmp_path / "checkpoints.sqlite")
    try:
        kept = store.token(P, "hz-mp")
        assert kept is not None and kept.access_token.startswith("89_")
        assert kept.refresh_token == ""
        assert kept.expires_at is not None
        assert before + timedelta(seconds=7100) < kept.expires_at < (
            datetime.now(UTC) + timedelta(seconds=7201))
        refreshed = store.token(P, "sh-mp")  # the expired token was replaced and kept
        assert refreshed is not None and refreshed.access_token not in site.STALE_TOKENS
        assert store.token(P, "nj-mp") is None  # the failed refresh kept nothing
        assert store.token(P, "hz-card-mp") is None  # a configured token is used as is
    finally:
        store.close()
    # the next crawl uses the kept tokens: no new token calls
    calls = sum(n for k, n in scenario.hits.items() if k.startswith("cgi-bin/token:"))
    again, statuses = crawl_scenario(scenario, url, tmp_path)
    outcomes = {s.account_key: s.outcome.value for s in statuses}
    assert outcomes[_key(site.GOOD)] == "partial" and outcomes[_key(site.EXPIRED)] == "ok"
    assert again.items("post") == []
    after = sum(n for k, n in scenario.hits.items() if k.startswith("cgi-bin/token:"))
    assert after == calls + 1  # only the credential with the wrong secret tries again


def test_expired_token_is_refreshed_once_then_the_call_succeeds(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    scenario.accounts = [a for a in scenario.accounts if a.platform_account_id == site.EXPIRED]
    output, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    (status,) = statuses
    assert status.outcome.value == "ok" and status.retries == 0
    # the profile twice (42001, then with the new token), the token call, one timeline page,
    # two summary days
    assert status.requests == 2 + 1 + 1 + 2
    assert scenario.hits[f"cgi-bin/token:{_app_id(site.EXPIRED)}"] == 1
    assert [p["post_id"] for p in output.items("post")] == [site.branch_post(site.EXPIRED)]
    assert output.snapshots() == {_key(site.EXPIRED): "active"}


def _account() -> RegisteredAccount:
    return site._account(site.GOOD, "杭州银行")


def test_normaliser_maps_every_news_item_of_an_article() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    article = {
        "article_id": "AbC123", "update_time": 1795170600,
        "content": {"news_item": [
            {"title": "头条", "author": "杭州银行", "digest": "摘要一句。",
             "content": "<section><p>第一段&amp;说明</p><style>p{}</style><p>第二段</p>"
                        "</section>", "url": "https://mp.weixin.qq.com/s?mid=11&idx=1",
             "is_deleted": False},
            {"title": "已删除", "content": "", "url": "u", "is_deleted": True},
            {"title": "次条", "digest": "", "content": "<p>正文</p>",
             "url": "https://mp.weixin.qq.com/s/xyz", "article_type": "newspic"},
            {"title": "无链接", "content": "<p>缺少 url</p>"},
            {"title": "内容错误", "content": ["不是字符串"], "url": "u"},
        ]}}
    posts, errors = normalise_articles("cgi-bin/freepublish/batchget", [article],
                                       _account(), now)
    assert [p.post_id for p in posts] == ["AbC123_1", "AbC123_3"]
    first, third = posts
    assert first.title == "头条" and first.kind.value == "article"
    assert first.text == "摘要一句。\n第一段&说明\n第二段"
    assert first.url == "https://mp.weixin.qq.com/s?mid=11&idx=1"
    assert first.published_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert first.captured_at == now and first.platform.value == P
    assert third.kind.value == "image" and third.text == "正文"
    assert [(e.index, e.message) for e in errors] == [
        (0, "item[0].content.news_item[3]: missing field 'url'"),
        (0, "item[0].content.news_item[4]: content is list, not a string")]
    assert errors[0].raw["article_id"] == "AbC123" and errors[0].raw["index"] == 4


def test_normaliser_reports_a_broken_article_and_keeps_the_others() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    good = {"article_id": "ok1", "update_time": 1795170600,
            "content": {"news_item": [{"title": "好", "content": "", "url": "u"}]}}
    posts, errors = normalise_articles("e", [
        {"article_id": "x", "update_time": "昨天", "content": {"news_item": []}},
        "不是对象", {"article_id": "y", "update_time": 1, "content": {"news_item": "?"}},
        good], _account(), now)
    assert [p.post_id for p in posts] == ["ok1_1"]
    assert [e.index for e in errors] == [0, 1, 2]
    assert errors[0].message.startswith("item[0]: update_time")
    assert errors[2].message.startswith("item[2]: content.news_item")


def test_plain_text_and_url_msgid() -> None:
    assert plain_text("<p>甲&nbsp;乙</p><br/><script>x()</script><p>  丙 </p>") == "甲 乙\n丙"
    with pytest.raises(TypeError):
        plain_text(3)
    assert url_msgid("http://mp.weixin.qq.com/s?__biz=Mz==&mid=2247483701&idx=3&sn=a#rd") == (
        "2247483701_3")
    assert url_msgid("https://mp.weixin.qq.com/s/Xb3kQ9nVw2Lr8tYc5ZaE1g") is None


def _post(post_id: str, title: str, url: str = "https://mp.weixin.qq.com/s/x") -> Post:
    return Post(post_id=post_id, account_key=f"{P}:{site.GOOD}", platform=Platform.weixin_mp,
                kind=PostKind.article, title=title, url=url,
                published_at=datetime(2026, 11, 20, tzinfo=UTC),
                captured_at=datetime(2026, 11, 23, tzinfo=UTC))


def _row(msgid: str, title: str, day: int, views: int) -> ArticleSummary:
    return ArticleSummary(ref_date=date(2026, 11, day), msgid=msgid, title=title,
                          int_page_read_count=views, share_count=1, add_to_fav_count=2)


def test_summaries_are_matched_to_articles() -> None:
    rows = [
        _row("100_1", "理财早知道", 21, 50), _row("100_1", "理财早知道", 22, 70),
        _row("200_1", "今日提示", 22, 5), _row("200_2", "今日提示", 22, 6),
        _row("300_1", "重名", 22, 7), _row("301_1", "重名", 22, 8),
        _row("400_2", "随便什么标题", 22, 9),
    ]
    posts = [
        _post("a_1", "理财早知道"),  # by title, the latest day
        _post("b_2", "今日提示"),  # two rows share the title: the index decides
        _post("c_1", "重名"),  # two messages, same index: ambiguous, no metrics
        _post("d_1", "标题改过了", "http://mp.weixin.qq.com/s?mid=400&idx=2"),  # by URL
        _post("e_1", "没有数据"),
    ]
    matched = match_summaries(posts, rows)
    assert {k: v.int_page_read_count for k, v in matched.items()} == {
        "a_1": 70, "b_2": 6, "d_1": 9}
    assert matched["a_1"].metrics().model_dump() == {
        "views": 70, "likes": 0, "comments": 0, "shares": 1, "favorites": 2}


@pytest.mark.parametrize(("code", "error", "extra"), [
    (42001, TokenExpired, None), (40001, TokenExpired, None), (40014, TokenExpired, None),
    (40013, AuthError, None), (40125, AuthError, None), (40164, AuthError, None),
    (45009, RateLimited, None), (45011, RateLimited, 60.0), (-1, TransientError, None),
    (48001, PermanentError, None), (61500, PermanentError, None),
    (61501, PermanentError, None), (50002, AccountGone, AccountStatus.banned),
    (48004, AccountGone, AccountStatus.restricted), (61503, DataNotReady, None),
    (99999, PermanentError, None),
    ("x", PermanentError, None),
])
def test_error_codes(code: Any, error: type[CrawlError], extra: Any) -> None:
    classify = WeixinMpConnector.classify
    with pytest.raises(error) as raised:
        classify(None, "e", 200, {"errcode": code, "errmsg": "m"})  # type: ignore[arg-type]
    assert type(raised.value) is error
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after_s == extra
    if isinstance(raised.value, AccountGone):
        assert raised.value.status is extra
    classify(None, "e", 200, {"errcode": 0, "errmsg": "ok"})  # type: ignore[arg-type]
    classify(None, "e", 200, {"list": []})  # type: ignore[arg-type]


@pytest.mark.parametrize(("code", "error"), [
    (40001, AuthError), (40125, AuthError), (40013, AuthError), (40164, AuthError),
    (42001, AuthError), (-1, TransientError), (45009, RateLimited)])
def test_token_endpoint_errors(code: int, error: type[CrawlError]) -> None:
    connector: Any = WeixinMpConnector.__new__(WeixinMpConnector)
    with pytest.raises(error) as raised:
        connector.classify_token("cgi-bin/token", 200, {"errcode": code, "errmsg": "m"})
    assert type(raised.value) is error


def test_statistics_not_out_yet_fall_back_a_day(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Before 08:00 China time yesterday's statistics may answer 61503 (data not ready)."""
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # 07:30 on the 23rd in China
    not_ready = {"errcode": 61503, "errmsg": "data not ready, please try later"}
    asked: list[tuple[str, str, str]] = []

    def answer(request: Request) -> Response:
        body = orjson.loads(request.get_data())
        asked.append((request.path, body["begin_date"], body["end_date"]))
        if body["end_date"] == "2026-11-22":
            return Response(orjson.dumps(not_ready), content_type="application/json")
        if request.path.endswith("getusercumulate"):
            rows = [{"ref_date": "2026-11-21", "cumulate_user": 4321}]
        else:
            rows = [{"ref_date": "2026-11-21", "msgid": "1_1", "title": "标题",
                     "int_page_read_count": 12, "share_count": 1, "add_to_fav_count": 0}]
        return Response(orjson.dumps({"list": rows}), content_type="application/json")

    httpserver.expect_request("/datacube/getusercumulate").respond_with_handler(answer)
    httpserver.expect_request("/datacube/getarticlesummary").respond_with_handler(answer)
    account = _account()

    async def go() -> tuple[int, list[ArticleSummary]]:
        store = CheckpointStore(tmp_path / "checkpoints.sqlite")
        try:
            async with httpx.AsyncClient() as client:
                http = PlatformHttp(client, CrawlSettings(max_attempts=1),
                                    platform_limiter=None, credential_limiter=None)
                connector = WeixinMpConnector(
                    http, Credential.model_validate({"name": "t", "access_token": "tok"}),
                    site.base_url(httpserver), store)
                snapshot = await connector.profile(account, now)
                return snapshot.followers, await connector._article_summaries(account, now)
        finally:
            store.close()

    followers, rows = asyncio.run(go())
    assert followers == 4321
    assert [r.msgid for r in rows] == ["1_1"]
    assert asked == [
        ("/datacube/getusercumulate", "2026-11-16", "2026-11-22"),
        ("/datacube/getusercumulate", "2026-11-15", "2026-11-21"),
        ("/datacube/getarticlesummary", "2026-11-22", "2026-11-22"),
        ("/datacube/getarticlesummary", "2026-11-21", "2026-11-21")]
