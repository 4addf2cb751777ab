"""The Weibo fixture site: users/show, statuses/user_timeline, comments/show.

Roster:
- 5012345678 (official): two timeline pages then an empty one; a deleted post, a post without
  ``created_at`` and one with a non-numeric count (two dead letters); comments on the newest
  post, one of them without text (a third dead letter);
- 5012345679 (official): banned (error 20003 on users/show);
- 5012345680 (employee): its credential's token expired (21327) — Weibo has no refresh;
- 5012345681 (competitor): rate limited (10023) once on the timeline, then one post;
- 5012345682 (employee): the timeline answers an HTML page with status 200.
"""

from __future__ import annotations

from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "weibo"
GOOD, BANNED, EXPIRED, LIMITED, BROKEN = (
    "5012345678", "5012345679", "5012345680", "5012345681", "5012345682")
TOKEN, OLD_TOKEN = "2.00good_token_secret", "2.00expired_token_secret"


def _account(uid: str, kind: str, name: str) -> RegisteredAccount:
    extra: dict[str, Any] = ({"competitor_group": "全国性银行"} if kind == "competitor"
                             else {"org_unit": "杭州分行/网络金融部", "team": "新媒体组",
                                   "owner": "张三"})
    return RegisteredAccount(account_key=f"weibo:{uid}", platform="weibo",
                             platform_account_id=uid, display_name=name, kind=kind, **extra)


def _user(uid: str) -> bytes:
    return fixture(P, "users_show.json").replace(b"5012345678", uid.encode())


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    scenario = Scenario(
        platform=P,
        accounts=[_account(GOOD, "official", "杭州银行官方微博"),
                  _account(BANNED, "official", "杭州银行信用卡"),
                  _account(EXPIRED, "employee", "杭银小张"),
                  _account(LIMITED, "competitor", "某国有大行"),
                  _account(BROKEN, "employee", "杭银小李")],
        credentials=[{"name": "hz-app", "access_token": TOKEN,
                      "accounts": [f"weibo:{u}" for u in (GOOD, BANNED, LIMITED, BROKEN)]},
                     {"name": "hz-app-old", "access_token": OLD_TOKEN,
                      "accounts": [f"weibo:{EXPIRED}"]}],
        posts={"5104000000000003", "5104000000000000", "5103000000000001",
               "5103000000000099"},
        comments={"5104000000100003", "5104000000100002"},
        absent_posts={"5104000000000002", "5104000000000001", "5103000000000000"},
        snapshots={f"weibo:{GOOD}": "active", f"weibo:{BANNED}": "banned",
                   f"weibo:{LIMITED}": "active", f"weibo:{BROKEN}": "active"},
        outcomes={f"weibo:{GOOD}": "partial", f"weibo:{BANNED}": "account_gone",
                  f"weibo:{EXPIRED}": "auth_failed", f"weibo:{LIMITED}": "ok",
                  f"weibo:{BROKEN}": "bad_payload"},
        dead_letters=[("bad_item", "statuses/user_timeline"),
                      ("bad_item", "statuses/user_timeline"),
                      ("bad_item", "comments/show"),
                      ("bad_payload", "statuses/user_timeline")],
        post_text={"5104000000000000": "如遇可疑情况请拨打96110",  # the long text
                   "5104000000000003": "理财非存款"},
        followers={f"weibo:{GOOD}": 284531},
    )
    limited_once = {"done": False}

    def users_show(request: Request) -> Response:
        scenario.hits["users/show"] += 1
        if arg(request, "access_token") == OLD_TOKEN:
            return reply(fixture(P, "error_expired_token.json"))
        if arg(request, "access_token") != TOKEN:
            return reply({"error": "invalid_access_token", "error_code": 21332}, 401)
        uid = arg(request, "uid")
        if uid == BANNED:
            return reply(fixture(P, "error_user_not_exist.json"), 400)
        return reply(_user(uid))

    def timeline(request: Request) -> Response:
        scenario.hits["statuses/user_timeline"] += 1
        uid, max_id = arg(request, "uid"), arg(request, "max_id")
        if uid == GOOD:
            name = {"": "user_timeline_page1.json",
                    "5103999999999999": "user_timeline_page2.json"}.get(
                max_id, "user_timeline_empty.json")
            return reply(fixture(P, name))
        if uid == LIMITED:
            if not limited_once["done"]:
                limited_once["done"] = True
                return reply(fixture(P, "error_rate_limited.json"), 403)
            if max_id:
                return reply(fixture(P, "user_timeline_empty.json"))
            return reply({"statuses": [{
                "created_at": "Sat Nov 21 10:00:00 +0800 2026", "id": 5103000000000099,
                "idstr": "5103000000000099", "mid": "5103000000000099",
                "text": "国有大行数字人民币红包活动", "pic_ids": [],
                "reposts_count": 3, "comments_count": 0, "attitudes_count": 50}],
                "previous_cursor": 0, "next_cursor": 0, "total_number": 1})
        if uid == BROKEN:
            return html(fixture(P, "error_page.html"))
        return reply(fixture(P, "user_timeline_empty.json"))

    def comments(request: Request) -> Response:
        scenario.hits["comments/show"] += 1
        if arg(request, "id") == "5104000000000003" and not arg(request, "max_id"):
            return reply(fixture(P, "comments_show.json"))
        return reply(fixture(P, "comments_empty.json"))

    server.expect_request("/2/users/show.json").respond_with_handler(users_show)
    server.expect_request("/2/statuses/user_timeline.json").respond_with_handler(timeline)
    server.expect_request("/2/comments/show.json").respond_with_handler(comments)
    return scenario


def base_url(server: HTTPServer) -> str:
    """The API base the connector is pointed at."""
    return server.url_for("/2")
