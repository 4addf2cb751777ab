"""The Kuaishou connector against its fixture site on a real local HTTP server."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.connectors.kuaishou import (
    PAGE_SIZE,
    classify_result,
    next_cursor,
    normalise_photo,
    normalise_user,
    parse_create_time,
)
from pipeline.crawlers.errors import (
    AccountGone,
    AuthError,
    PermanentError,
    RateLimited,
    TokenExpired,
    TransientError,
)
from schemas.events import AccountStatus
from tests.connectors import kuaishou_site as site
from tests.unit.connectors.scenario import check_scenario, crawl_scenario

KEY = {uid: f"kuaishou:{uid}" for uid in (site.GOOD, site.BANNED, site.EXPIRED,
                                         site.DEAD_REFRESH, site.LIMITED, site.BROKEN)}


def _requests(server: HTTPServer, path: str) -> list[dict[str, str]]:
    """The query parameters of every request the site got on ``path``, in order."""
    return [dict(request.args) for request, _ in server.log if request.path == path]


def test_scenario(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    output, statuses = crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    check_scenario(scenario, output, statuses, httpserver)
    by_key = {s.account_key: s for s in statuses}

    limited = by_key[KEY[site.LIMITED]]
    assert limited.retries >= 1 and limited.posts_new == 1
    refreshed = by_key[KEY[site.EXPIRED]]
    assert refreshed.outcome.value == "ok" and refreshed.posts_new == 1
    assert scenario.hits["refresh:ok"] == 1
    dead = by_key[KEY[site.DEAD_REFRESH]]
    assert dead.endpoint == "oauth2/refresh_token" and "100200113" in dead.error
    assert scenario.hits["refresh:dead"] == 1
    banned = by_key[KEY[site.BANNED]]
    assert banned.endpoint == "openapi/user_info" and "100100402" in banned.error
    broken = by_key[KEY[site.BROKEN]]
    assert broken.endpoint == "openapi/photo/list" and "not JSON" in broken.error

    html_letter = next(d for d in output.letters if d.reason == "bad_payload")
    assert "系统繁忙" in html_letter.raw
    missing = next(d for d in output.letters if "3xt2bq9sx6hfk8u" in d.raw)
    assert "video_list[2]" in missing.error and "create_time" in missing.error
    wrong_type = next(d for d in output.letters if "3xw4fe7ky5nbs3c" in d.raw)
    assert "video_list[1]" in wrong_type.error and "likes" in wrong_type.error

    posts = {p["post_id"]: p for p in output.items("post")}
    newest = posts["3xq8mzkfa4jbc2e"]
    assert newest["url"] == "https://www.kuaishou.com/short-video/3xq8mzkfa4jbc2e"
    assert newest["published_at"].startswith("2026-11-20T10:30:00")
    assert newest["metrics"]["views"] == 25310 and newest["metrics"]["likes"] == 187
    assert newest["kind"] == "video" and newest["tags"] == ["杭银理财", "双十一"]


def test_refreshed_token_is_persisted_and_reused(httpserver: HTTPServer,
                                                 tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    url = site.base_url(httpserver)
    before = datetime.now(UTC)
    crawl_scenario(scenario, url, tmp_path)

    store = CheckpointStore(tmp_path / "checkpoints.sqlite")
    try:
        kept = store.token("kuaishou", "ks-zhang")
        assert kept is not None
        assert (kept.access_token, kept.refresh_token) == (site.NEW_TOKEN, site.NEW_REFRESH)
        assert kept.expires_at is not None
        assert before + timedelta(hours=47) < kept.expires_at < before + timedelta(hours=49)
        assert store.token("kuaishou", "ks-wang") is None  # its refresh failed
    finally:
        store.close()

    _, statuses = crawl_scenario(scenario, url, tmp_path)
    outcomes = {s.account_key: s.outcome.value for s in statuses}
    assert outcomes[KEY[site.EXPIRED]] == "ok"
    assert outcomes[KEY[site.DEAD_REFRESH]] == "auth_failed"
    # the second run started with the stored token: no second refresh, the old token once
    assert scenario.hits["refresh:ok"] == 1
    assert scenario.hits["refresh:dead"] == 2
    used = [r["access_token"] for r in _requests(httpserver, "/openapi/user_info")]
    assert used.count(site.OLD_TOKEN) == 1 and used.count(site.NEW_TOKEN) == 2


def test_pagination_by_cursor(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    crawl_scenario(scenario, site.base_url(httpserver), tmp_path)
    good = [r for r in _requests(httpserver, "/openapi/photo/list")
            if r["access_token"] == site.TOKEN_OF[site.GOOD]]
    # first page without a cursor, then the photo_id of the oldest video of the page before
    # (page 1's oldest is its last; page 2's oldest is the one that fails normalisation)
    assert [r.get("cursor") for r in good] == [None, "3xu5wn4ce8pzr1g", "3xw4fe7ky5nbs3c"]
    assert {r["count"] for r in good} == {str(PAGE_SIZE)}
    assert all(r["app_id"] == site.APP_ID for r in good)


def test_next_cursor_rule() -> None:
    page: list[Any] = [
        {"photo_id": "a", "create_time": 1_795_170_600_000},
        {"photo_id": "b", "create_time": 1_795_089_600_000, "pending": True},
        {"photo_id": "c"},  # no create_time: not a candidate
        {"photo_id": "d", "create_time": 1_795_147_200_000},
        "not an object",
    ]
    assert next_cursor(page, None) == "b"  # the oldest, even pending and not last
    assert next_cursor([], "b") is None  # an empty page ends the list
    assert next_cursor(page, "b") is None  # a cursor that does not move ends it too
    assert next_cursor([{"photo_id": "x"}, {"photo_id": "y"}], None) == "y"
    assert next_cursor([{"caption": "无 id"}], None) is None


def test_normaliser_fields() -> None:
    account = site._account(site.GOOD, "official")
    now = datetime(2026, 11, 21, tzinfo=UTC)
    post = normalise_photo({
        "photo_id": "3xtest0000001", "caption": "#存款 年末冲刺 #杭州银行",
        "cover": "https://p1.a.yximgs.com/x.jpg", "play_url": "https://v2.kwaicdn.com/x.mp4",
        "create_time": 1_795_170_600_123, "like_count": 3, "comment_count": 2,
        "view_count": 1000, "pending": False}, account, now)
    assert post.published_at == datetime(2026, 11, 20, 10, 30, 0, 123_000, tzinfo=UTC)
    assert (post.kind.value, post.title, post.text) == ("video", "", "#存款 年末冲刺 #杭州银行")
    assert post.tags == ["存款", "杭州银行"]
    assert (post.metrics.views, post.metrics.likes, post.metrics.comments) == (1000, 3, 2)
    assert post.url == "https://www.kuaishou.com/short-video/3xtest0000001"
    assert post.platform.value == "kuaishou" and post.account_key == KEY[site.GOOD]

    bare = normalise_photo({"photo_id": "3xtest0000002", "create_time": 1_795_170_600_000},
                           account, now)
    assert bare.text == "" and bare.metrics.views == 0

    assert parse_create_time(1_795_170_600_000) == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    for bad in (1_795_170_600, "1795170600000", True, None):  # seconds, text, bool, none
        with pytest.raises(ValueError, match="create_time"):
            parse_create_time(bad)
    with pytest.raises(ValueError, match="photo_id"):
        normalise_photo({"photo_id": 42, "create_time": 1_795_170_600_000}, account, now)

    snapshot = normalise_user({"name": "杭州银行", "sex": "M", "fan": 128650, "follow": 36,
                               "head": "https://p2.a.yximgs.com/h.jpg", "bigHead": "",
                               "city": "浙江省杭州市"}, account, now)
    assert snapshot.platform_account_id == site.GOOD
    assert (snapshot.name, snapshot.followers, snapshot.following) == ("杭州银行", 128650, 36)
    assert len(snapshot.avatar_hash) == 16 and snapshot.status.value == "active"


@pytest.mark.parametrize(("code", "message", "expected"), [
    (100200108, "access_token过期", TokenExpired),
    (100200101, "无效的client", AuthError),
    (100200102, "请求被拒绝", AuthError),
    (100200107, "无效的 openid", AuthError),
    (100200109, "用户取消该 app 授权", AuthError),
    (100200113, "refresh_token过期", AuthError),
    (100100402, "请求超限", RateLimited),
    (100200500, "服务内部错误", TransientError),
    (100200100, "参数为空", PermanentError),
    (120001, "视频不存在", PermanentError),
    (1026, "[1026] 404 NOT FOUND", PermanentError),
])
def test_error_codes(code: int, message: str, expected: type[Exception]) -> None:
    with pytest.raises(expected) as caught:
        classify_result("openapi/photo/list", {"result": code, "error_msg": message})
    assert type(caught.value) is expected
    assert str(code) in str(caught.value) and message in str(caught.value)


def test_banned_told_apart_from_rate_limit() -> None:
    with pytest.raises(AccountGone) as gone:
        classify_result("openapi/user_info", {"result": 100100402,
                                              "error_msg": "请求超限：该用户已被封禁"})
    assert gone.value.status is AccountStatus.banned
    classify_result("openapi/user_info", {"result": 1, "user_info": {}})  # success
    classify_result("openapi/user_info", {"user_info": {}})  # no result: the shape decides


def test_unbound_credential_is_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    scenario = site.install(httpserver)
    unbound = dataclasses.replace(
        scenario, accounts=[site._account(site.GOOD, "official")],
        credentials=[{**scenario.credentials[0], "accounts": []}])
    _, statuses = crawl_scenario(unbound, site.base_url(httpserver), tmp_path)
    [status] = statuses
    assert status.outcome.value == "auth_failed" and status.endpoint == "credentials"
    assert "bound" in status.error
    assert not httpserver.log  # no request with a token of unknown owner
