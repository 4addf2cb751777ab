"""The Bilibili fixture site: nav, space acc/info, relation stat, space videos, replies.

The site hands out WBI keys on ``x/web-interface/nav`` and checks every signed request with
its own implementation of the documented algorithm: a wrong or stale ``w_rid`` (or a ``wts``
more than ten minutes off) is refused with ``code -403`` (:meth:`Site.rotate` changes the
keys mid-test). A SESSDATA cookie equal to :data:`EXPIRED_SESSDATA` is "not logged in"
(-101) everywhere, including nav.

Roster:
- 1934567801 (official): three video pages (the last empty); an entry under review
  (``state -1``, skipped), one without ``created`` and one whose ``comment`` is not a number
  (two dead letters); comments on the newest video over two pages, with a preview sub-reply
  and one reply with an empty message (a third dead letter); the second video answers 62004
  (under review) on replies and the oldest has its comments disabled (``replies: null``);
- 1934567802 (official): banned (``silence: 1``);
- 1934567803 (employee): deleted (-404 on acc/info);
- 1934567804 (employee): its credential's SESSDATA expired (-101 on nav although sent);
- 1934567805 (competitor): rate limited (-799) once on the video list, then one video;
- 1934567806 (employee): the video list answers an HTML page with status 200.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "bilibili"
GOOD, BANNED, DELETED, EXPIRED, LIMITED, BROKEN = (
    "1934567801", "1934567802", "1934567803", "1934567804", "1934567805", "1934567806")
SESSDATA = "7f3a9c21%2C1810000000%2Cb1c2d%2AB1-good-sessdata-secret"
EXPIRED_SESSDATA = "expired%2C1700000000%2Cdeadbeef-old-sessdata-secret"

#: the keys of the documented example (docs/misc/sign/wbi.md) and their mixin key
DOC_IMG_KEY, DOC_SUB_KEY = "7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45"
DOC_MIXIN_KEY = "ea1db124af3c7062474693fa704f4ff8"
_TABLE = (46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9,
          42, 19, 29, 28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1,
          60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52)

#: aids of the official account's videos, as listed in the fixtures
NEWEST_AID, REVIEW_AID, DISABLED_AID = "1655487302", "1356012301", "1505338812"


def _account(mid: str, kind: str, name: str) -> RegisteredAccount:
    extra: dict[str, Any] = ({"competitor_group": "全国性银行"} if kind == "competitor"
                             else {"org_unit": "杭州分行/网络金融部", "team": "新媒体组",
                                   "owner": "张三"})
    return RegisteredAccount.model_validate({
        "account_key": key(mid), "platform": P, "platform_account_id": mid,
        "display_name": name, "kind": kind, **extra})


def key(mid: str) -> str:
    """The account key of a Bilibili mid."""
    return f"bilibili:{mid}"


def site_mixin_key(img_key: str, sub_key: str) -> str:
    """The fixture site's own mixin key computation."""
    both = img_key + sub_key
    return "".join(both[i] for i in _TABLE)[:32]


@dataclass
class Site:
    """What the fixture site hands out and what it saw."""

    scenario: Scenario
    img_key: str = DOC_IMG_KEY
    sub_key: str = DOC_SUB_KEY
    refuse_all: bool = False  # refuse every signature (an algorithm Bilibili changed)
    limited_once: bool = False
    pages: list[tuple[str, str]] = field(default_factory=list)  # arc/search (mid, pn) served
    reply_oids: list[tuple[str, str]] = field(default_factory=list)  # replies (oid, pn) served
    refused: int = 0
    cookies: set[str] = field(default_factory=set)
    referers: set[str] = field(default_factory=set)

    def rotate(self, img_key: str, sub_key: str) -> None:
        """Hand out new keys; signatures made with the old ones are refused from now on."""
        self.img_key, self.sub_key = img_key, sub_key

    def signature_ok(self, request: Request) -> bool:
        if self.refuse_all:
            return False
        args = dict(request.args.items())
        w_rid, wts = args.pop("w_rid", ""), args.get("wts", "")
        if not wts.isdigit() or abs(time.time() - int(wts)) > 600:
            return False
        cleaned = sorted((k, re.sub(r"[!'()*]", "", v)) for k, v in args.items())
        query = urlencode(cleaned, quote_via=quote)
        mixin = site_mixin_key(self.img_key, self.sub_key)
        return hashlib.md5((query + mixin).encode()).hexdigest() == w_rid

    def guard(self, request: Request, signed: bool) -> Response | None:
        """The error answer due before any content, or None."""
        cookie = request.cookies.get("SESSDATA", "")
        self.cookies.add(cookie)
        self.referers.add(request.headers.get("Referer", ""))
        if cookie == EXPIRED_SESSDATA:
            return reply(fixture(P, "error_not_logged_in.json"))
        if signed and not self.signature_ok(request):
            self.refused += 1
            return reply(fixture(P, "error_forbidden.json"))
        return None


def install_site(server: HTTPServer) -> tuple[Scenario, Site]:
    """Register the handlers; return the scenario and the site's state."""
    scenario = Scenario(
        platform=P,
        accounts=[_account(GOOD, "official", "杭州银行"),
                  _account(BANNED, "official", "杭州银行信用卡"),
                  _account(DELETED, "employee", "杭银小王"),
                  _account(EXPIRED, "employee", "杭银小张"),
                  _account(LIMITED, "competitor", "某国有大行"),
                  _account(BROKEN, "employee", "杭银小李")],
        credentials=[{"name": "hz-bili", "access_token": SESSDATA,
                      "accounts": [key(m) for m in (GOOD, BANNED, DELETED, LIMITED, BROKEN)]},
                     {"name": "hz-bili-old", "access_token": EXPIRED_SESSDATA,
                      "accounts": [key(EXPIRED)]}],
        posts={"BV1ww4C1u71H", "BV1Jp4C197Pw", "BV1bA4y1j7BC", "BV1Ue4C1W7kx",
               "BV1hh4C1G7qU"},
        comments={"246812345601", "246812399901", "246811230077", "246809871234",
                  "246808760011"},
        absent_posts={"BV1nG4C1v73Q", "BV1it4k1X74A", "BV1jJ4C1z7V1"},
        snapshots={key(GOOD): "active", key(BANNED): "banned", key(DELETED): "deleted",
                   key(LIMITED): "active", key(BROKEN): "active"},
        outcomes={key(GOOD): "partial", key(BANNED): "account_gone",
                  key(DELETED): "account_gone", key(EXPIRED): "auth_failed",
                  key(LIMITED): "ok", key(BROKEN): "bad_payload"},
        dead_letters=[("bad_item", "x/space/wbi/arc/search"),
                      ("bad_item", "x/space/wbi/arc/search"),
                      ("bad_item", "x/v2/reply"),
                      ("bad_payload", "x/space/wbi/arc/search")],
        post_text={"BV1ww4C1u71H": "理财非存款", "BV1Jp4C197Pw": "96110"},
        followers={key(GOOD): 126358},
    )
    site = Site(scenario)

    def nav(request: Request) -> Response:
        scenario.hits["x/web-interface/nav"] += 1
        logged_in = request.cookies.get("SESSDATA") == SESSDATA
        body = fixture(P, "nav.json" if logged_in else "nav_not_logged_in.json")
        return reply(body.replace(DOC_IMG_KEY.encode(), site.img_key.encode())
                     .replace(DOC_SUB_KEY.encode(), site.sub_key.encode()))

    def acc_info(request: Request) -> Response:
        scenario.hits["x/space/wbi/acc/info"] += 1
        if (refused := site.guard(request, signed=True)) is not None:
            return refused
        mid = arg(request, "mid")
        if mid == BANNED:
            return reply(fixture(P, "acc_info_banned.json"))
        if mid == DELETED:
            return reply(fixture(P, "error_user_not_found.json"))
        return reply(fixture(P, "acc_info.json").replace(GOOD.encode(), mid.encode()))

    def relation_stat(request: Request) -> Response:
        scenario.hits["x/relation/stat"] += 1
        if (refused := site.guard(request, signed=False)) is not None:
            return refused
        vmid = arg(request, "vmid")
        return reply(fixture(P, "relation_stat.json").replace(GOOD.encode(), vmid.encode()))

    def arc_search(request: Request) -> Response:
        scenario.hits["x/space/wbi/arc/search"] += 1
        if (refused := site.guard(request, signed=True)) is not None:
            return refused
        if arg(request, "order") != "pubdate" or arg(request, "ps") != "30":
            return reply({"code": -400, "message": "请求错误", "ttl": 1})
        mid, pn = arg(request, "mid"), arg(request, "pn")
        if mid == LIMITED and not site.limited_once:
            site.limited_once = True
            return reply(fixture(P, "error_rate_limited.json"))
        site.pages.append((mid, pn))
        if mid == GOOD:
            return reply(fixture(P, {"1": "arc_search_page1.json",
                                     "2": "arc_search_page2.json"}.get(
                pn, "arc_search_empty.json")))
        if mid == LIMITED:
            return reply(fixture(P, "arc_search_competitor.json"))
        if mid == BROKEN:
            return html(fixture(P, "error_page.html"))
        return reply(fixture(P, "arc_search_empty.json"))

    def replies(request: Request) -> Response:
        scenario.hits["x/v2/reply"] += 1
        if (refused := site.guard(request, signed=False)) is not None:
            return refused
        if arg(request, "type") != "1" or arg(request, "sort") != "0":
            return reply({"code": -400, "message": "请求错误", "ttl": 1})
        oid, pn = arg(request, "oid"), arg(request, "pn")
        site.reply_oids.append((oid, pn))
        if oid == NEWEST_AID:
            return reply(fixture(P, "reply_page1.json" if pn == "1" else "reply_page2.json"))
        if oid == REVIEW_AID:
            return reply(fixture(P, "error_under_review.json"))
        return reply(fixture(P, "reply_disabled.json"))

    server.expect_request("/x/web-interface/nav").respond_with_handler(nav)
    server.expect_request("/x/space/wbi/acc/info").respond_with_handler(acc_info)
    server.expect_request("/x/relation/stat").respond_with_handler(relation_stat)
    server.expect_request("/x/space/wbi/arc/search").respond_with_handler(arc_search)
    server.expect_request("/x/v2/reply").respond_with_handler(replies)
    return scenario, site


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    return install_site(server)[0]


def base_url(server: HTTPServer) -> str:
    """The API base the connector is pointed at."""
    return server.url_for("/").rstrip("/")
