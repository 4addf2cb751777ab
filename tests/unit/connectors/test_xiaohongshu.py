"""The Xiaohongshu partner-feed connector against its fixture site on a real local server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors import connector_class
from pipeline.crawlers.connectors.xiaohongshu import (
    XiaohongshuConnector,
    canonical_request,
    next_cursor,
    normalise_account,
    normalise_comment,
    normalise_note,
    parse_count,
    parse_ms,
    signature,
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
from schemas.events import AccountStatus
from tests.connectors import xiaohongshu_site as site
from tests.unit.connectors.scenario import check_scenario, crawl_scenario

GOOD_KEY = f"xiaohongshu:{site.GOOD}"
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    output, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    assert scenario.hits["bad_signature"] == 0
    by_key = {s.account_key: s for s in statuses}
    assert {s.connector for s in statuses} == {"xiaohongshu-partner-feed"}
    limited = by_key[f"xiaohongshu:{site.LIMITED}"]
    assert limited.retries == 1 and limited.posts_new == 1
    expired = by_key[f"xiaohongshu:{site.EXPIRED}"]
    assert expired.endpoint == "accounts" and "4011" in expired.error
    assert expired.credential == "hz-xhs-feed-2025"
    deleted = by_key[f"xiaohongshu:{site.DELETED}"]
    assert deleted.endpoint == "accounts" and "user not found" in deleted.error
    broken = by_key[f"xiaohongshu:{site.BROKEN}"]
    assert broken.endpoint == "accounts/notes" and "not JSON" in broken.error
    good = by_key[GOOD_KEY]
    assert (good.posts_new, good.comments_new, good.dead_letters) == (3, 3, 3)
    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "数据服务维护中" in html_letter.raw
    errors = sorted(d.error for d in output.letters if d.reason == "bad_item")
    assert errors == [
        "xiaohongshu accounts/notes: notes[1]: time is str, not epoch milliseconds",
        "xiaohongshu accounts/notes: notes[2]: missing field 'time'",
        "xiaohongshu notes/comments: comments[2]: missing field 'content'",
    ]
    posts = {p["post_id"]: p for p in output.items("post")}
    video = posts["6740a1b2000000001f00a002"]
    assert (video["kind"], video["metrics"]["likes"], video["tags"]) == (
        "video", 12_000, ["个人养老金"])
    snapshot = next(e.snapshot for e in output.envelopes
                    if e.account_key == GOOD_KEY and e.snapshot)
    assert (snapshot["verified"], snapshot["verification_subject"], snapshot["likes_total"],
            snapshot["post_count"]) == (True, "杭州银行股份有限公司", 215_804, 1287)
    reply = next(c for c in output.items("comment")
                 if c["comment_id"] == "6740a9f1000000001d00c004")
    assert reply["parent_comment_id"] == "6740a9f1000000001d00c003"


def test_cursor_pagination(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Each page asks for the cursor the previous one returned, until ``has_more`` is false."""
    scenario = site.install(httpserver)
    crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    notes = sorted(k for k in scenario.hits if k.startswith(f"accounts/notes {site.GOOD}"))
    assert notes == [f"accounts/notes {site.GOOD} cursor={c} limit=30"
                     for c in ("", "6740a1b2000000001f00a001", "6740a1b2000000001f00a003")]
    assert all(scenario.hits[k] == 1 for k in notes)
    comments = sorted(k for k in scenario.hits if k.startswith(f"notes/comments {site.NEWEST}"))
    assert comments == [f"notes/comments {site.NEWEST} cursor={c}"
                        for c in ("", "6740a9f1000000001d00c002")]


def test_second_crawl_publishes_nothing_new(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    url = site.base_url(httpserver)
    crawl_scenario(scenario, url, tmp_path)
    again, statuses = crawl_scenario(scenario, url, tmp_path)
    assert {s.account_key: s.outcome.value for s in statuses}[GOOD_KEY] == "partial"
    assert again.items("post") == [] and again.items("comment") == []
    assert set(again.snapshots()) == set(scenario.snapshots)


def test_signature_vector() -> None:
    """The canonical string and its HMAC, computed by hand from the contract."""
    params = [("limit", "30"), ("cursor", "a b/c")]
    expected_text = "1795170600\nGET\n/xhs/v1/accounts/5f0a/notes\ncursor=a%20b%2Fc&limit=30"
    assert canonical_request(1795170600, "get", "/xhs/v1/accounts/5f0a/notes",
                             params) == expected_text
    expected = hmac.new(b"s3cret", expected_text.encode(), hashlib.sha256).hexdigest()
    assert signature("s3cret", 1795170600, "GET", "/xhs/v1/accounts/5f0a/notes",
                     params) == expected
    assert canonical_request(1, "GET", "/xhs/v1/accounts/5f0a", []) == (
        "1\nGET\n/xhs/v1/accounts/5f0a\n")


@pytest.mark.parametrize("change", ["wrong_secret", "stale_clock"])
def test_fixture_site_rejects_bad_signatures(httpserver: HTTPServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             change: str) -> None:
    scenario = site.install(httpserver)
    if change == "wrong_secret":
        scenario.credentials[0]["app_secret"] = "not-the-secret"
    else:  # a clock ten minutes behind: outside the five-minute window
        monkeypatch.setattr(XiaohongshuConnector, "clock", lambda: time.time() - 600)
    _, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    rejected = (set(scenario.credentials[0]["accounts"]) if change == "wrong_secret"
                else {a.account_key for a in scenario.accounts})
    for status in statuses:
        if status.account_key in rejected:
            assert status.outcome.value == "auth_failed", status
            assert status.endpoint == "accounts" and "invalid signature" in status.error
            assert status.requests == 1 and status.retries == 0
    # one refused profile request per account; nothing else was asked
    assert scenario.hits["bad_signature"] == scenario.hits["accounts"] - (
        len(scenario.accounts) - len(rejected)) == len(rejected)
    assert scenario.hits["accounts/notes"] == 0


def test_credential_without_key_fails_before_any_request(httpserver: HTTPServer,
                                                         tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    scenario.credentials[0]["app_id"] = ""
    _, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    good = next(s for s in statuses if s.account_key == GOOD_KEY)
    assert good.outcome.value == "auth_failed" and good.requests == 0
    assert "app_id" in good.error


def test_registry_and_documented_limits() -> None:
    cls = connector_class("xiaohongshu")
    assert cls is XiaohongshuConnector and not cls.refreshes_tokens
    assert [(r.limit, r.per_s) for r in cls.credential_rate] == [(10, 1.0)]
    assert [(r.limit, r.per_s) for r in cls.platform_rate] == [(20, 1.0)]


# --- normalisers ------------------------------------------------------------------------------
def _note(**changes: Any) -> dict[str, Any]:
    note: dict[str, Any] = {
        "note_id": "6740a1b2000000001f00a0ff", "type": "normal", "title": "标题",
        "desc": "正文 #杭银理财[话题]#", "time": 1795170600123,
        "tag_list": [{"id": "1", "name": "杭银理财", "type": "topic"},
                     {"id": "2", "name": "杭州·西湖", "type": "location"},
                     {"id": "3", "name": "无类型话题"}],
        "interact_info": {"liked_count": "1.2万", "collected_count": 7, "comment_count": "3",
                          "share_count": "2亿"}}
    note.update(changes)
    return note


def test_note_mapping() -> None:
    account = site._account(site.GOOD, "official", "杭州银行")
    post = normalise_note(_note(), account, NOW)
    assert post.kind.value == "image" and post.post_id == "6740a1b2000000001f00a0ff"
    assert (post.title, post.text) == ("标题", "正文 #杭银理财[话题]#")
    assert post.tags == ["杭银理财", "无类型话题"]
    assert post.published_at == datetime(2026, 11, 20, 10, 30, 0, 123_000, tzinfo=UTC)
    assert post.url == "https://www.xiaohongshu.com/explore/6740a1b2000000001f00a0ff"
    metrics = post.metrics
    assert (metrics.likes, metrics.favorites, metrics.comments, metrics.shares) == (
        12_000, 7, 3, 200_000_000)
    assert normalise_note(_note(type="video"), account, NOW).kind.value == "video"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"time": 1795170600}, "epoch seconds"),
    ({"time": "1795170600000"}, "not epoch milliseconds"),
    ({"interact_info": {"liked_count": "很多", "collected_count": 0, "comment_count": 0,
                        "share_count": 0}}, "not a count"),
    ({"interact_info": {"liked_count": True, "collected_count": 0, "comment_count": 0,
                        "share_count": 0}}, "not a count"),
    ({"interact_info": {"liked_count": 1.5, "collected_count": 0, "comment_count": 0,
                        "share_count": 0}}, "not a count"),
    ({"tag_list": "杭银理财"}, "not a list"),
    ({"note_id": None}, "not an id"),
])
def test_note_rejections(changes: dict[str, Any], problem: str) -> None:
    account = site._account(site.GOOD, "official", "杭州银行")
    with pytest.raises((TypeError, ValueError), match=problem):
        normalise_note(_note(**changes), account, NOW)


def test_counts_and_times() -> None:
    assert [parse_count(v, "n") for v in (0, 42, "42", " 1.2万 ", "3万", "1.5亿")] == [
        0, 42, 42, 12_000, 30_000, 150_000_000]
    with pytest.raises(ValueError):
        parse_count("10+", "n")
    assert parse_ms(1795170600000, "t") == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def test_comment_and_profile_mapping() -> None:
    account = site._account(site.GOOD, "official", "杭州银行")
    post = normalise_note(_note(), account, NOW)
    comment = normalise_comment({
        "id": "c1", "note_id": post.post_id, "content": "好", "create_time": 1795171540000,
        "like_count": "1.1万", "user_info": {"user_id": "u1", "nickname": "小王"},
        "target_comment": {"id": "c0"}}, account, post, NOW)
    assert (comment.likes, comment.author_name, comment.parent_comment_id) == (11_000, "小王",
                                                                              "c0")
    with pytest.raises(ValueError, match="not the note asked for"):
        normalise_comment({"id": "c2", "note_id": "other", "content": "x",
                           "create_time": 1795171540000}, account, post, NOW)
    profile = {"user_id": site.GOOD, "nickname": "杭州银行", "fans": "3.6万",
               "status": "restricted"}
    snapshot = normalise_account(profile, account, NOW)
    assert (snapshot.status, snapshot.followers, snapshot.verified) == (
        AccountStatus.restricted, 36_000, False)
    with pytest.raises(ValueError, match="none of normal"):
        normalise_account({**profile, "status": "frozen"}, account, NOW)
    with pytest.raises(ValueError, match="not the account asked for"):
        normalise_account({**profile, "user_id": site.BANNED}, account, NOW)


def test_next_cursor() -> None:
    assert next_cursor({"has_more": False, "cursor": "x"}, "accounts/notes", None) is None
    assert next_cursor({"has_more": True, "cursor": "x"}, "accounts/notes", None) == "x"
    assert next_cursor({"has_more": True, "cursor": "x"}, "accounts/notes", "x") is None
    for data in ({"has_more": True, "cursor": ""}, {"has_more": "yes", "cursor": "x"}):
        with pytest.raises(BadPayload):
            next_cursor(data, "accounts/notes", None)


# --- error codes ------------------------------------------------------------------------------
@pytest.fixture
def connector(tmp_path: Path) -> Iterator[XiaohongshuConnector]:
    store = CheckpointStore(tmp_path / "checkpoints.sqlite")
    client = httpx.AsyncClient()
    http = PlatformHttp(client, CrawlSettings(), platform_limiter=None, credential_limiter=None)
    credential = Credential.model_validate({"name": "t", "app_id": "key", "app_secret": "s"})
    try:
        yield XiaohongshuConnector(http, credential, "https://feed.test/xhs", store)
    finally:
        store.close()
        asyncio.run(client.aclose())


@pytest.mark.parametrize(("endpoint", "status", "body", "error"), [
    ("accounts", 200, {"code": 0, "data": {}}, None),
    ("accounts", 200, {"data": {}}, None),
    ("accounts", 401, {"code": 401, "msg": "invalid signature"}, AuthError),
    ("accounts", 401, {"code": 4011, "msg": "key expired"}, AuthError),
    ("accounts", 403, {"code": 403, "msg": "not licensed"}, AuthError),
    ("accounts/notes", 200, {"code": 429, "msg": "slow down"}, RateLimited),
    ("accounts/notes", 429, {"code": 429, "msg": "slow down"}, None),  # HTTP layer: Retry-After
    ("accounts/notes", 503, {"code": 503, "msg": "busy"}, TransientError),
    ("accounts/notes", 500, {"code": 500, "msg": "oops"}, TransientError),
    ("accounts", 404, {"code": 404, "msg": "user not found"}, AccountGone),
    ("accounts/notes", 404, {"code": 404, "msg": "user not found"}, AccountGone),
    ("notes/comments", 404, {"code": 4041, "msg": "note not found"}, PermanentError),
    ("notes/comments", 400, {"code": 400, "msg": "bad limit"}, PermanentError),
    ("accounts", 200, {"code": "x", "msg": "?"}, PermanentError),
])
def test_classify(connector: XiaohongshuConnector, endpoint: str, status: int,
                  body: dict[str, Any], error: type[CrawlError] | None) -> None:
    if error is None:
        connector.classify(endpoint, status, body)
        return
    with pytest.raises(error) as caught:
        connector.classify(endpoint, status, body)
    assert type(caught.value) is error and caught.value.endpoint == endpoint
    if isinstance(caught.value, AccountGone):
        assert caught.value.status is AccountStatus.deleted


def test_rate_limit_wait_from_body(connector: XiaohongshuConnector) -> None:
    with pytest.raises(RateLimited) as caught:
        connector.classify("accounts/notes", 200, {"code": 429, "retry_after": 2})
    assert caught.value.retry_after_s == 2.0
