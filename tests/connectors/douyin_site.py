"""The Douyin fixture site: oauth/userinfo, fans data, video list, comment list, token refresh.

Every Douyin token belongs to one authorised account (``open_id``); the site checks the
``access-token`` header against the ``open_id`` asked for, as Douyin does (2190015).

Roster (one credential per account):
- GOOD (official): fans data; a pinned brand film from March first on page 1, then two pages
  of videos (a taken-down video and a private one, skipped; one without ``create_time`` and one
  with ``digg_count`` "1.2万": two dead letters) and an empty last page (``has_more`` false);
  comments on the newest video: a pinned reply, a question and one without ``content`` (a
  third dead letter);
- BANNED (official): ``oauth/userinfo`` answers 2100009 (user banned);
- REFRESHED (employee): its access token expired (2190008); the refresh succeeds and the
  crawl goes on with the new token (one video);
- DEAD (employee): its access token expired and so did its refresh token (10010);
- LIMITED (competitor): the video list answers 2190001 (quota used up) once, then one video;
- BROKEN (employee): the video list answers an HTML page with status 200.
"""

from __future__ import annotations

from typing import Any

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import AccountKind, Platform, RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "douyin"
_OPEN_ID = "0da22181-d833-447f-995f-1beefea5b1{:02d}"
GOOD, BANNED, REFRESHED, DEAD, LIMITED, BROKEN = (_OPEN_ID.format(n) for n in range(1, 7))
APP_ID = "awhzbank2026client"

# access tokens the site accepts, and whose they are
TOKENS = {"act.good0001secretQ1w2E3r4": GOOD, "act.banned0002secretT5y6U7i8": BANNED,
          "act.renewed0003secretA1b2C3d4E5f6G7h8": REFRESHED,
          "act.limited0005secretO9p0A1s2": LIMITED, "act.broken0006secretD3f4G5h6": BROKEN}
EXPIRED = {"act.expired0003secretJ7k8L9z0": REFRESHED, "act.expired0004secretX1c2V3b4": DEAD}
REFRESH_OK = {"rft.refresh0003secretN5m6Q7w8", "rft.renewed0003secretZ9y8X7w6V5u4T3s2"}
RENEWED_ACCESS = "act.renewed0003secretA1b2C3d4E5f6G7h8"
RENEWED_REFRESH = "rft.renewed0003secretZ9y8X7w6V5u4T3s2"

_ITEM = ("@9VwL2uGkT5FlL2OkLaN0Hs791GnuPfGCOpR3rguuLlQZYf36uHzdRmYqig357zEB"
         "{}xq3mG7vHQ+j3Nms/AQ==")  # open item ids: base64, with '+', '/' and '='
PINNED, NEWEST, TAKEN_DOWN, NO_TIME, IMAGE_SET = (
    _ITEM.format(s) for s in ("Top1", "vA01", "vT02", "vM03", "vB04"))
OLDER, WRONG_TYPE, PRIVATE = (_ITEM.format(s) for s in ("vC05", "vW06", "vP07"))
REFRESHED_VIDEO, LIMITED_VIDEO = _ITEM.format("rF01"), _ITEM.format("cL01")
_COMMENT = ("@9VwW0qOBUN9mJyD3bNxvGc791GzgOPqBPZZyoA+lKVcaZ/P860zdRmYqig357zEB"
            "{}TPAmauvAUsItTqnHsp+cJw==")
QUESTION, PINNED_REPLY, NO_CONTENT = (_COMMENT.format(s) for s in ("c001", "c002", "c003"))
PAGE2_CURSOR, PAGE3_CURSOR = "1795082400000", "1794787200000"


def key(open_id: str) -> str:
    """The account key of an ``open_id``."""
    return f"{P}:{open_id}"


def _account(open_id: str, kind: str, name: str) -> RegisteredAccount:
    extra: dict[str, Any] = ({"competitor_group": "全国性银行"} if kind == "competitor"
                             else {"org_unit": "杭州分行/网络金融部", "team": "新媒体组",
                                   "owner": "张三"})
    return RegisteredAccount(account_key=key(open_id), platform=Platform.douyin,
                             platform_account_id=open_id, display_name=name,
                             kind=AccountKind(kind), **extra)


def _credential(name: str, open_id: str, access: str, refresh: str = "") -> dict[str, Any]:
    return {"name": name, "access_token": access, "refresh_token": refresh, "app_id": APP_ID,
            "app_secret": "hzbank-douyin-app-secret-0001", "accounts": [key(open_id)]}


ACCOUNTS = [_account(GOOD, "official", "杭州银行"),
            _account(BANNED, "official", "杭州银行信用卡"),
            _account(REFRESHED, "employee", "杭银小张"),
            _account(DEAD, "employee", "杭银小王"),
            _account(LIMITED, "competitor", "某国有大行"),
            _account(BROKEN, "employee", "杭银小李")]
NAMES = {a.platform_account_id: a.display_name for a in ACCOUNTS}


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(fixture(P, name))
    return data


def _error(code: int, description: str) -> dict[str, Any]:
    return {"data": {"error_code": code, "description": description},
            "extra": {"error_code": code, "description": description, "sub_error_code": 0,
                      "sub_description": "", "logid": "202611231729170102", "now": 0}}


def _one_video(item_id: str, when: int, title: str) -> dict[str, Any]:
    return {"data": {"cursor": 0, "has_more": False, "error_code": 0, "description": "",
                     "list": [{"item_id": item_id, "title": title, "create_time": when,
                               "cover": "", "is_top": False, "is_reviewed": True,
                               "media_type": 4, "video_status": 5,
                               "share_url": "https://www.iesdouyin.com/share/video/1/",
                               "statistics": {"comment_count": 0, "digg_count": 50,
                                              "download_count": 0, "forward_count": 1,
                                              "play_count": 3000, "share_count": 2}}]},
            "extra": {"error_code": 0, "description": "", "sub_error_code": 0}}


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    scenario = Scenario(
        platform=P,
        accounts=ACCOUNTS,
        credentials=[
            _credential("dy-hzbank", GOOD, "act.good0001secretQ1w2E3r4"),
            _credential("dy-hzbank-card", BANNED, "act.banned0002secretT5y6U7i8"),
            _credential("dy-zhang", REFRESHED, "act.expired0003secretJ7k8L9z0",
                        "rft.refresh0003secretN5m6Q7w8"),
            _credential("dy-wang", DEAD, "act.expired0004secretX1c2V3b4",
                        "rft.dead0004secretM1n2B3v4"),
            _credential("dy-competitor", LIMITED, "act.limited0005secretO9p0A1s2"),
            _credential("dy-li", BROKEN, "act.broken0006secretD3f4G5h6")],
        posts={PINNED, NEWEST, IMAGE_SET, OLDER, REFRESHED_VIDEO, LIMITED_VIDEO},
        comments={QUESTION, PINNED_REPLY},
        absent_posts={TAKEN_DOWN, NO_TIME, WRONG_TYPE, PRIVATE},
        snapshots={key(GOOD): "active", key(BANNED): "banned", key(REFRESHED): "active",
                   key(LIMITED): "active", key(BROKEN): "active"},
        outcomes={key(GOOD): "partial", key(BANNED): "account_gone",
                  key(REFRESHED): "ok", key(DEAD): "auth_failed", key(LIMITED): "ok",
                  key(BROKEN): "bad_payload"},
        dead_letters=[("bad_item", "video/list"), ("bad_item", "video/list"),
                      ("bad_item", "item/comment/list"), ("bad_payload", "video/list")],
        post_text={NEWEST: "理财非存款", IMAGE_SET: "96110", PINNED: "品牌宣传片"},
        followers={key(GOOD): 518706},
    )
    limited_once = {"done": False}

    def owner(request: Request, open_id: str) -> Response | None:
        """The error answer when the token does not open ``open_id``; None when it does."""
        token = request.headers.get("access-token", "")
        if token in EXPIRED:
            scenario.hits[f"expired:{EXPIRED[token]}"] += 1
            return reply(fixture(P, "error_access_token_expired.json"))
        if token not in TOKENS:
            return reply(_error(2190002, "access_token无效"))
        if TOKENS[token] != open_id:
            return reply(_error(2190015, "请求参数access_token openid不匹配"))
        return None

    def userinfo(request: Request) -> Response:
        scenario.hits["oauth/userinfo"] += 1
        body = request.get_json(silent=True) or {}
        open_id = str(body.get("open_id", ""))
        if body.get("access_token") != request.headers.get("access-token"):
            return reply(_error(2100005, "参数不合法"))
        if (refused := owner(request, open_id)) is not None:
            return refused
        if open_id == BANNED:
            return reply(fixture(P, "error_user_banned.json"))
        info = _json("oauth_userinfo.json")
        info["data"].update(open_id=open_id, nickname=NAMES[open_id])
        if open_id != GOOD:
            info["data"]["e_account_role"] = ""
        return reply(info)

    def fans(request: Request) -> Response:
        scenario.hits["data/external/user/fans"] += 1
        if (refused := owner(request, arg(request, "open_id"))) is not None:
            return refused
        if arg(request, "date_type") not in ("7", "15", "30"):
            return reply(_error(2100005, "参数不合法"))
        return reply(fixture(P, "fans_data.json"))

    def video_list(request: Request) -> Response:
        scenario.hits["video/list"] += 1
        open_id, cursor = arg(request, "open_id"), arg(request, "cursor")
        if (refused := owner(request, open_id)) is not None:
            return refused
        if not arg(request, "count").isdigit() or int(arg(request, "count")) > 20:
            return reply(_error(2100005, "参数不合法"))
        if open_id == GOOD:
            name = {"0": "video_list_page1.json", PAGE2_CURSOR: "video_list_page2.json"}.get(
                cursor, "video_list_empty.json")
            scenario.hits[f"video/list cursor={cursor}"] += 1
            return reply(fixture(P, name))
        if open_id == LIMITED:
            if not limited_once["done"]:
                limited_once["done"] = True
                return reply(fixture(P, "error_quota.json"))
            return reply(_one_video(LIMITED_VIDEO, 1795230000, "国有大行数字人民币红包活动"))
        if open_id == REFRESHED:
            return reply(_one_video(REFRESHED_VIDEO, 1795309200, "杭银小张带你了解大额存单"))
        if open_id == BROKEN:
            return html(fixture(P, "error_page.html"))
        return reply(fixture(P, "video_list_empty.json"))

    def comment_list(request: Request) -> Response:
        scenario.hits["item/comment/list"] += 1
        open_id = arg(request, "open_id")
        if (refused := owner(request, open_id)) is not None:
            return refused
        if arg(request, "sort_type") != "time":
            return reply(_error(2100005, "参数不合法"))
        if arg(request, "item_id") == NEWEST and arg(request, "cursor") == "0":
            return reply(fixture(P, "comment_list.json"))
        return reply(fixture(P, "comment_list_empty.json"))

    def refresh_token(request: Request) -> Response:
        scenario.hits["oauth/refresh_token"] += 1
        form = request.form
        if form.get("client_key") != APP_ID or form.get("grant_type") != "refresh_token":
            return reply(_error(10013, "client_key 或者 client_secret 报错"))
        if form.get("refresh_token") in REFRESH_OK:
            scenario.hits["oauth/refresh_token ok"] += 1
            return reply(fixture(P, "refresh_token.json"))
        return reply(fixture(P, "error_refresh_token_expired.json"))

    server.expect_request("/oauth/userinfo/", method="POST").respond_with_handler(userinfo)
    server.expect_request("/data/external/user/fans/", method="GET").respond_with_handler(fans)
    server.expect_request("/video/list/", method="GET").respond_with_handler(video_list)
    server.expect_request("/item/comment/list/", method="GET").respond_with_handler(
        comment_list)
    server.expect_request("/oauth/refresh_token/", method="POST").respond_with_handler(
        refresh_token)
    return scenario


def base_url(server: HTTPServer) -> str:
    """The API base the connector is pointed at (the site serves Douyin's paths at its root)."""
    return server.url_for("/").rstrip("/")
