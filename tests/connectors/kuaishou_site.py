"""The Kuaishou fixture site: openapi/user_info, openapi/photo/list, oauth2/refresh_token.

Every Kuaishou token belongs to one authorised user, so the site knows users by their token
only (as the open platform does) and every account has its own credential.

Roster:
- …6a01 (official): two list pages then an empty one (cursor = the photo_id of the oldest
  video of the page before); a video still under review (``pending``), one without
  ``create_time`` and one with ``like_count`` "1.2万" (two dead letters);
- …6a02 (official): banned (100100402 naming the ban, on user_info);
- …6a03 (employee): its access token expired (100200108); the refresh succeeds, then one
  video;
- …6a04 (employee): its access token expired and so did its refresh token (100200113);
- …6a05 (official): rate limited (100100402) once on the list, then one video;
- …6a06 (employee): the list answers an HTML page with status 200.
"""

from __future__ import annotations

from typing import Any

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "kuaishou"
_PREFIX = "8f3a2c71d9e04b6a95c1e7f20b4d6a0"
GOOD, BANNED, EXPIRED, DEAD_REFRESH, LIMITED, BROKEN = (f"{_PREFIX}{n}" for n in range(1, 7))
APP_ID, APP_SECRET = "ks650123456789012345", "hzbank-ks-app-secret-7f3e"

#: the refreshed pair the site hands out (tests/data/connectors/kuaishou/refresh_token.json)
_REFRESHED = orjson.loads(fixture(P, "refresh_token.json"))
NEW_TOKEN: str = _REFRESHED["access_token"]
NEW_REFRESH: str = _REFRESHED["refresh_token"]

#: the configured token of the accounts whose token works, and every token's user
TOKEN_OF = {uid: f"ChFvYXV0aC5hY2Nlc3NUb2tlbhJgood{uid[-2:]}"
            for uid in (GOOD, BANNED, LIMITED, BROKEN)}
TOKENS = {**{token: uid for uid, token in TOKEN_OF.items()}, NEW_TOKEN: EXPIRED}
OLD_TOKEN = "ChFvYXV0aC5hY2Nlc3NUb2tlbhJexpired03"  # expired, refresh works
DEAD_TOKEN = "ChFvYXV0aC5hY2Nlc3NUb2tlbhJexpired04"  # expired, refresh token expired too
REFRESH_OK = "ChJvYXV0aC5yZWZyZXNoVG9rZW4Svalid03"
REFRESH_DEAD = "ChJvYXV0aC5yZWZyZXNoVG9rZW4Sdead04"

NAMES = {GOOD: "杭州银行", BANNED: "杭州银行信用卡", EXPIRED: "杭银小张说理财",
         DEAD_REFRESH: "杭银小王", LIMITED: "杭州银行萧山支行", BROKEN: "杭银小李"}
FOLLOWERS = {GOOD: 128650, BANNED: 40213, EXPIRED: 2310, DEAD_REFRESH: 512,
             LIMITED: 8804, BROKEN: 1290}

#: the GOOD account's list: request cursor → fixture
GOOD_PAGES = {"": "photo_list_page1.json", "3xu5wn4ce8pzr1g": "photo_list_page2.json",
              "3xw4fe7ky5nbs3c": "photo_list_empty.json"}


def _account(uid: str, kind: str) -> RegisteredAccount:
    return RegisteredAccount.model_validate({
        "account_key": f"kuaishou:{uid}", "platform": "kuaishou", "platform_account_id": uid,
        "display_name": NAMES[uid], "kind": kind, "org_unit": "杭州分行/网络金融部",
        "team": "新媒体组", "owner": "张三"})


def _credential(name: str, uid: str, token: str, refresh: str = "") -> dict[str, Any]:
    refresh = refresh or f"ChJvYXV0aC5yZWZyZXNoVG9rZW4Sgood{uid[-2:]}"
    return {"name": name, "access_token": token, "refresh_token": refresh,
            "app_id": APP_ID, "app_secret": APP_SECRET, "accounts": [f"kuaishou:{uid}"]}


def _one_video(photo_id: str, caption: str, create_time: int) -> dict[str, Any]:
    return {"result": 1, "video_list": [{
        "photo_id": photo_id, "caption": caption,
        "cover": f"https://p1.a.yximgs.com/upic/2026/11/21/{photo_id}_ccc_B.jpg",
        "play_url": f"https://v2.kwaicdn.com/upic/2026/11/21/{photo_id}_b_B.mp4",
        "create_time": create_time, "like_count": 50, "comment_count": 0, "view_count": 1200,
        "pending": False}]}


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    scenario = Scenario(
        platform=P,
        accounts=[_account(GOOD, "official"), _account(BANNED, "official"),
                  _account(EXPIRED, "employee"), _account(DEAD_REFRESH, "employee"),
                  _account(LIMITED, "official"), _account(BROKEN, "employee")],
        credentials=[
            _credential("ks-hz-main", GOOD, TOKEN_OF[GOOD]),
            _credential("ks-hz-card", BANNED, TOKEN_OF[BANNED]),
            _credential("ks-zhang", EXPIRED, OLD_TOKEN, REFRESH_OK),
            _credential("ks-wang", DEAD_REFRESH, DEAD_TOKEN, REFRESH_DEAD),
            _credential("ks-xiaoshan", LIMITED, TOKEN_OF[LIMITED]),
            _credential("ks-li", BROKEN, TOKEN_OF[BROKEN])],
        posts={"3xq8mzkfa4jbc2e", "3xu5wn4ce8pzr1g", "3xv9ha3tj2mdq6y", "3xa6gm8rv2ctw7k",
               "3xb3np5qx9duy4h"},
        comments=set(),
        absent_posts={"3xr7kd2nmwe9v5s", "3xt2bq9sx6hfk8u", "3xw4fe7ky5nbs3c"},
        snapshots={f"kuaishou:{GOOD}": "active", f"kuaishou:{BANNED}": "banned",
                   f"kuaishou:{EXPIRED}": "active", f"kuaishou:{LIMITED}": "active",
                   f"kuaishou:{BROKEN}": "active"},
        outcomes={f"kuaishou:{GOOD}": "partial", f"kuaishou:{BANNED}": "account_gone",
                  f"kuaishou:{EXPIRED}": "ok", f"kuaishou:{DEAD_REFRESH}": "auth_failed",
                  f"kuaishou:{LIMITED}": "ok", f"kuaishou:{BROKEN}": "bad_payload"},
        dead_letters=[("bad_item", "openapi/photo/list"), ("bad_item", "openapi/photo/list"),
                      ("bad_payload", "openapi/photo/list")],
        post_text={"3xu5wn4ce8pzr1g": "如遇可疑情况请拨打96110",
                   "3xq8mzkfa4jbc2e": "理财非存款"},
        followers={f"kuaishou:{GOOD}": 128650},
    )
    limited_once = {"done": False}

    def user(request: Request) -> tuple[str | None, Response | None]:
        """The user a request's token belongs to, or the platform's refusal."""
        if arg(request, "app_id") != APP_ID:
            return None, reply({"result": 100200101, "error_msg": "无效的client",
                                "request_id": "6c2f0a1e9b7d4c40"})
        token = arg(request, "access_token")
        if token in (OLD_TOKEN, DEAD_TOKEN):
            return None, reply(fixture(P, "error_token_expired.json"))
        if token not in TOKENS:
            return None, reply(fixture(P, "error_invalid_token.json"))
        return TOKENS[token], None

    def user_info(request: Request) -> Response:
        scenario.hits["openapi/user_info"] += 1
        uid, refused = user(request)
        if refused is not None or uid is None:
            return refused or reply({}, 500)
        if uid == BANNED:
            return reply(fixture(P, "error_user_banned.json"))
        body = orjson.loads(fixture(P, "user_info.json"))
        body["user_info"].update(name=NAMES[uid], fan=FOLLOWERS[uid])
        return reply(body)

    def photo_list(request: Request) -> Response:
        scenario.hits["openapi/photo/list"] += 1
        uid, refused = user(request)
        if refused is not None or uid is None:
            return refused or reply({}, 500)
        cursor = arg(request, "cursor")
        if uid == GOOD and cursor in GOOD_PAGES:
            return reply(fixture(P, GOOD_PAGES[cursor]))
        if uid == LIMITED:
            if not limited_once["done"]:
                limited_once["done"] = True
                return reply(fixture(P, "error_rate_limited.json"))
            if not cursor:
                return reply(_one_video("3xa6gm8rv2ctw7k", "萧山支行开业十周年，到店有礼 #杭州银行",
                                        1795226400000))
            if cursor == "3xa6gm8rv2ctw7k":
                return reply(fixture(P, "photo_list_empty.json"))
        if uid == EXPIRED:
            if not cursor:
                return reply(_one_video("3xb3np5qx9duy4h", "小张带你看懂大额存单 #理财小知识",
                                        1795261500000))
            if cursor == "3xb3np5qx9duy4h":
                return reply(fixture(P, "photo_list_empty.json"))
        if uid == BROKEN:
            return html(fixture(P, "error_page.html"))
        # a cursor the scenario does not expect: fail loudly
        return reply({"result": 100100400, "error_msg": f"参数错误: cursor {cursor!r}",
                      "request_id": "6c2f0a1e9b7d4c41"})

    def refresh_token(request: Request) -> Response:
        scenario.hits["oauth2/refresh_token"] += 1
        if (arg(request, "app_id"), arg(request, "app_secret"),
                arg(request, "grant_type")) != (APP_ID, APP_SECRET, "refresh_token"):
            return reply({"result": 100200101, "error": "invalid_client",
                          "error_msg": "无效的client", "request_id": "6c2f0a1e9b7d4c42"})
        token = arg(request, "refresh_token")
        if token == REFRESH_OK:
            scenario.hits["refresh:ok"] += 1
            return reply(fixture(P, "refresh_token.json"))
        if token == REFRESH_DEAD:
            scenario.hits["refresh:dead"] += 1
            return reply(fixture(P, "error_refresh_token_expired.json"))
        return reply({"result": 100200102, "error": "invalid_grant",
                      "error_msg": "请求被拒绝", "request_id": "6c2f0a1e9b7d4c43"})

    server.expect_request("/openapi/user_info").respond_with_handler(user_info)
    server.expect_request("/openapi/photo/list").respond_with_handler(photo_list)
    server.expect_request("/oauth2/refresh_token").respond_with_handler(refresh_token)
    return scenario


def base_url(server: HTTPServer) -> str:
    """The API base the connector is pointed at."""
    return server.url_for("/").rstrip("/")
