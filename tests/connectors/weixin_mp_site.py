"""The WeChat Official Account fixture site: cgi-bin/token, freepublish/batchget, datacube.

The API knows the account only by its token, so the site maps every token it issued (or that a
credential is configured with) to an appid, and the appid to the account. Requests are checked
against the documented shapes (POST JSON bodies, ``count`` 1–20, one-day article summaries,
follower spans of at most 7 days ending yesterday, China time); a request off the shape gets
the platform's "invalid args" or date error, which fails the scenario's outcomes.

Roster (every credential is one account's appid + appsecret):
- gh_5f2a8c31d0e7 (official): no token configured, so one is fetched first; two timeline pages
  then an empty one; a multi-article message with a deleted news item, an article without
  ``update_time`` and a news item whose title is a number (two dead letters); article
  statistics for yesterday and the day before (one summary row is malformed and left out);
- gh_6a3b9d42e1f8 (official): a configured token; banned (errcode 50002 "user limited");
- gh_7b4c0e53f2a9 (official): its configured token expired (42001): refreshed, then one post;
- gh_8c5d1f64a3b0 (official): expired token and a wrong appsecret: the refresh fails (40001);
- gh_9d6e2a75b4c1 (official): rate limited (45011) once on freepublish/batchget, then one post;
- gh_0e7f3b86c5d2 (official): freepublish/batchget answers an HTML page with status 200.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "weixin_mp"
CHINA = timezone(timedelta(hours=8))
GOOD, BANNED, EXPIRED, BAD_SECRET, LIMITED, BROKEN = (
    "gh_5f2a8c31d0e7", "gh_6a3b9d42e1f8", "gh_7b4c0e53f2a9", "gh_8c5d1f64a3b0",
    "gh_9d6e2a75b4c1", "gh_0e7f3b86c5d2")
BRANCH_ID = b"Cn5vB8nM1qW4eR7tY0uI3o"  # the article of freepublish_batchget_branch.json
BRANCH_IDS = {EXPIRED: "Sh2pQ8wE5rT1yU4iO7aS0d", LIMITED: "Nb6gH3jK9lZ2xC5vB8nM1q",
              BANNED: "Kd3fG6hJ9kL2zX5cV8bN1m", BAD_SECRET: "Nj4kL7zX0cV3bN6mQ9wE2r"}
ARTICLE_TAIL = "P6aS9dF2gH5jK8lZ1xQw"


@dataclass(frozen=True)
class App:
    """One account's appid and its real appsecret."""

    gh_id: str
    app_id: str
    secret: str


APPS = {a.app_id: a for a in (
    App(GOOD, "wx5f2a8c31d0e7a001", "3f9c2a7e5b1d4c8a9e0f6b2d7a1c5e93"),
    App(BANNED, "wx6a3b9d42e1f8b002", "8e1d5c9a3f7b2e6d0a4c8f1b5d9e3a72"),
    App(EXPIRED, "wx7b4c0e53f2a9c003", "c4a8e2f6b0d3a7c1e5f9b2d6a0c4e8f1"),
    App(BAD_SECRET, "wx8c5d1f64a3b0d004", "d7b1f5a9c3e7b0d4f8a2c6e0b4d8f2a6"),
    App(LIMITED, "wx9d6e2a75b4c1e005", "e0c4a8f2d6b9e3c7a1f5d9b3e7c1a5f9"),
    App(BROKEN, "wx0e7f3b86c5d2f006", "f3d7b1e5a9c2f6d0b4e8a2c6f0d4b8e2"),
)}
BANNED_TOKEN = "89_BannedAccountToken6a3b9d42e1f8Zq0Wm2Lk4Jh6Gf8Ds1Ap3"
EXPIRED_TOKEN = "89_ExpiredToken7b4c0e53f2a9Xc2Vb4Nm6Qw8Er0Ty2Ui4Op6As"
BAD_SECRET_TOKEN = "89_ExpiredToken8c5d1f64a3b0Lk3Jh5Gf7Ds9Ap1Zx3Cv5Bn7Mq"
STALE_TOKENS = {EXPIRED_TOKEN, BAD_SECRET_TOKEN}
WRONG_SECRET = "0000aaaa1111bbbb2222cccc3333dddd"


def _account(gh_id: str, name: str) -> RegisteredAccount:
    return RegisteredAccount.model_validate({
        "account_key": f"{P}:{gh_id}", "platform": P, "platform_account_id": gh_id,
        "display_name": name, "kind": "official", "org_unit": "杭州银行/网络金融部",
        "team": "新媒体组", "owner": "王五"})


def _credential(name: str, gh_id: str, **extra: str) -> dict[str, Any]:
    app = next(a for a in APPS.values() if a.gh_id == gh_id)
    return {"name": name, "app_id": app.app_id, "app_secret": app.secret,
            "accounts": [f"{P}:{gh_id}"], **extra}


def _day(value: Any) -> date | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d").date()
    except ValueError:
        return None


def _yesterday() -> date:
    return datetime.now(UTC).astimezone(CHINA).date() - timedelta(days=1)


def _branch_page(gh_id: str) -> bytes:
    return fixture(P, "freepublish_batchget_branch.json").replace(
        BRANCH_ID, BRANCH_IDS[gh_id].encode())


def branch_post(gh_id: str) -> str:
    """The post id of an account's one branch article."""
    return f"{BRANCH_IDS[gh_id]}{ARTICLE_TAIL}_1"


INVALID_ARGS = {"errcode": 40097, "errmsg": "invalid args rid: 6741e2a3-0000-0000"}
DATE_FORMAT = {"errcode": 61500, "errmsg": "date format error rid: 6741e2a3-0000-0001"}
DATE_RANGE = {"errcode": 61501, "errmsg": "date range error rid: 6741e2a3-0000-0002"}


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    scenario = Scenario(
        platform=P,
        accounts=[_account(GOOD, "杭州银行"), _account(BANNED, "杭州银行信用卡"),
                  _account(EXPIRED, "杭州银行上海分行"), _account(BAD_SECRET, "杭州银行南京分行"),
                  _account(LIMITED, "杭州银行宁波分行"), _account(BROKEN, "杭州银行温州分行")],
        credentials=[
            _credential("hz-mp", GOOD),
            _credential("hz-card-mp", BANNED, access_token=BANNED_TOKEN),
            _credential("sh-mp", EXPIRED, access_token=EXPIRED_TOKEN),
            {**_credential("nj-mp", BAD_SECRET, access_token=BAD_SECRET_TOKEN),
             "app_secret": WRONG_SECRET},
            _credential("nb-mp", LIMITED),
            _credential("wz-mp", BROKEN),
        ],
        posts={"PkV1Yb8Qw3Z0mRgT5nXc2HsJ4dLf6aEoUq7iW9yB0t_1",
               "PkV1Yb8Qw3Z0mRgT5nXc2HsJ4dLf6aEoUq7iW9yB0t_3",
               "Rz4cN7vB2xM9kQ1wE5tY8uI0oP3aS6dF2gH5jK8lZx_1",
               "Vb6nM3cX0zL8kJ5hG2fD9sA6pO3iU0yT7rE4wQ1aSd_1",
               "Xe1rT4yU7iO0pA3sD6fG9hJ2kL5zX8cV1bN4mQ7wEr_1",
               branch_post(EXPIRED), branch_post(LIMITED)},
        comments=set(),
        absent_posts={"PkV1Yb8Qw3Z0mRgT5nXc2HsJ4dLf6aEoUq7iW9yB0t_2",  # is_deleted
                      "Tm8dW2qL5nB7vC0xZ3kJ6hG9fD1sA4pO7iU0yT3rEw_1",  # no update_time
                      "Xe1rT4yU7iO0pA3sD6fG9hJ2kL5zX8cV1bN4mQ7wEr_2"},  # numeric title
        snapshots={f"{P}:{GOOD}": "active", f"{P}:{BANNED}": "banned",
                   f"{P}:{EXPIRED}": "active", f"{P}:{LIMITED}": "active",
                   f"{P}:{BROKEN}": "active"},
        outcomes={f"{P}:{GOOD}": "partial", f"{P}:{BANNED}": "account_gone",
                  f"{P}:{EXPIRED}": "ok", f"{P}:{BAD_SECRET}": "auth_failed",
                  f"{P}:{LIMITED}": "ok", f"{P}:{BROKEN}": "bad_payload"},
        dead_letters=[("bad_item", "cgi-bin/freepublish/batchget"),
                      ("bad_item", "cgi-bin/freepublish/batchget"),
                      ("bad_payload", "cgi-bin/freepublish/batchget")],
        post_text={"PkV1Yb8Qw3Z0mRgT5nXc2HsJ4dLf6aEoUq7iW9yB0t_3": "请拨打96110",
                   "Rz4cN7vB2xM9kQ1wE5tY8uI0oP3aS6dF2gH5jK8lZx_1": "三分钟了解个人养老金账户",
                   branch_post(LIMITED): "营业时间调整"},
        followers={f"{P}:{GOOD}": 1283456, f"{P}:{EXPIRED}": 1283456},
    )
    tokens: dict[str, str] = {BANNED_TOKEN: next(
        a.app_id for a in APPS.values() if a.gh_id == BANNED)}
    limited_once = {"done": False}

    def account_of(request: Request) -> tuple[str, Response | None]:
        """The account a request's token belongs to, or the error answer."""
        token = arg(request, "access_token")
        if token in STALE_TOKENS:
            return "", reply(fixture(P, "error_access_token_expired.json"))
        if token not in tokens:
            return "", reply(fixture(P, "error_invalid_credential.json"))
        return APPS[tokens[token]].gh_id, None

    def body_of(request: Request) -> dict[str, Any] | None:
        if request.method != "POST":
            return None
        try:
            body = orjson.loads(request.get_data())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    def token(request: Request) -> Response:
        app = APPS.get(arg(request, "appid"))
        scenario.hits[f"cgi-bin/token:{arg(request, 'appid')}"] += 1
        if request.method != "GET" or arg(request, "grant_type") != "client_credential":
            return reply({"errcode": 40002, "errmsg": "invalid grant_type"})
        if app is None:
            return reply({"errcode": 40013, "errmsg": "invalid appid"})
        if arg(request, "secret") != app.secret:
            return reply(fixture(P, "error_invalid_credential.json"))
        issued = "89_" + hashlib.sha256(
            f"{app.app_id}:{len(tokens)}".encode()).hexdigest()[:48]
        tokens[issued] = app.app_id
        return reply(fixture(P, "token.json").replace(b"ACCESS_TOKEN", issued.encode()))

    def cumulate(request: Request) -> Response:
        scenario.hits["datacube/getusercumulate"] += 1
        gh_id, error = account_of(request)
        if error is not None:
            return error
        body = body_of(request)
        if body is None:
            return reply(INVALID_ARGS)
        begin, end = _day(body.get("begin_date")), _day(body.get("end_date"))
        if begin is None or end is None:
            return reply(DATE_FORMAT)
        if not begin <= end <= _yesterday() or (end - begin).days > 6:
            return reply(DATE_RANGE)
        if gh_id == BANNED:
            return reply(fixture(P, "error_user_limited.json"))
        rows = orjson.loads(fixture(P, "datacube_getusercumulate.json"))["list"]
        span = (end - begin).days + 1
        rows = rows[-span:]
        for offset, row in enumerate(rows):
            row["ref_date"] = (begin + timedelta(days=offset)).isoformat()
        return reply({"list": rows})

    def published(request: Request) -> Response:
        scenario.hits["cgi-bin/freepublish/batchget"] += 1
        gh_id, error = account_of(request)
        if error is not None:
            return error
        body = body_of(request)
        if (body is None or not isinstance(body.get("offset"), int)
                or not isinstance(body.get("count"), int) or not 1 <= body["count"] <= 20
                or body.get("no_content", 0) not in (0, 1)):
            return reply(INVALID_ARGS)
        offset = body["offset"]
        if gh_id == GOOD:
            name = {0: "freepublish_batchget_page1.json",
                    3: "freepublish_batchget_page2.json"}.get(
                offset, "freepublish_batchget_empty.json")
            return reply(fixture(P, name))
        if gh_id == BROKEN:
            return html(fixture(P, "error_page.html"))
        if gh_id == LIMITED and not limited_once["done"]:
            limited_once["done"] = True
            return reply(fixture(P, "error_minute_quota.json"))
        if offset:
            return reply({"total_count": 1, "item_count": 0, "item": []})
        return reply(_branch_page(gh_id))

    def summary(request: Request) -> Response:
        scenario.hits["datacube/getarticlesummary"] += 1
        gh_id, error = account_of(request)
        if error is not None:
            return error
        body = body_of(request)
        if body is None:
            return reply(INVALID_ARGS)
        begin, end = _day(body.get("begin_date")), _day(body.get("end_date"))
        if begin is None or end is None:
            return reply(DATE_FORMAT)
        if begin != end or end > _yesterday():  # at most one day, at the latest yesterday
            return reply(DATE_RANGE)
        if gh_id != GOOD:
            return reply(fixture(P, "datacube_getarticlesummary_empty.json"))
        name = ("datacube_getarticlesummary_latest.json" if end == _yesterday()
                else "datacube_getarticlesummary_earlier.json")
        answer = orjson.loads(fixture(P, name))
        for row in answer["list"]:
            row["ref_date"] = end.isoformat()
        return reply(answer)

    server.expect_request("/cgi-bin/token").respond_with_handler(token)
    server.expect_request("/datacube/getusercumulate").respond_with_handler(cumulate)
    server.expect_request("/cgi-bin/freepublish/batchget").respond_with_handler(published)
    server.expect_request("/datacube/getarticlesummary").respond_with_handler(summary)
    return scenario


def base_url(server: HTTPServer) -> str:
    """The API base the connector is pointed at."""
    return server.url_for("/").rstrip("/")
