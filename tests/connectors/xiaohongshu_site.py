"""The Xiaohongshu fixture site: a vendor's MatrixGuard partner feed v1 (signed requests).

Every request must carry a valid ``X-Partner-Key`` / ``X-Timestamp`` / ``X-Signature`` (the
site checks the HMAC on its own, from the contract, not with the connector's code); a bad one
gets HTTP 401 ``{"code": 401}`` and counts in ``scenario.hits["bad_signature"]``.

Roster:
- 5f0a…e001 (official): three notes pages, the last one empty; a deleted note (skipped), a
  note without ``time`` and one whose ``time`` is a string (two dead letters); a note with
  ``"1.2万"`` likes; two comment pages on the newest note, one comment without ``content``
  (a third dead letter) and a deleted one (skipped);
- 5f0a…e002 (official): the profile says ``"status": "banned"``;
- 5f0a…e003 (employee): the feed answers 404 ``user not found`` (deleted);
- 5f0a…e004 (employee): its credential's key expired (4011) — keys are not refreshable;
- 5e9d…f001 (competitor): rate limited once (HTTP 429, ``Retry-After``), then one note;
- 5f0a…e005 (employee): the notes endpoint answers an HTML page with status 200.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from schemas.events import AccountKind, Platform, RegisteredAccount
from tests.connectors.site import Scenario, arg, fixture, html, reply

P = "xiaohongshu"
PREFIX = "/xhs"
GOOD, BANNED, DELETED, EXPIRED, LIMITED, BROKEN = (
    "5f0a1b2c000000000100e001", "5f0a1b2c000000000100e002", "5f0a1b2c000000000100e003",
    "5f0a1b2c000000000100e004", "5e9d8c7b000000000100f001", "5f0a1b2c000000000100e005")
KEY, SECRET = "hzbank-xhs-2026", "xhs-partner-secret-9c41d7"
OLD_KEY, OLD_SECRET = "hzbank-xhs-2025", "xhs-partner-secret-expired-51aa"
SECRETS = {KEY: SECRET, OLD_KEY: OLD_SECRET}
Handle = Callable[[Request, str], Response]
WINDOW_S = 300  # the contract: X-Timestamp within five minutes of the vendor's clock

NEWEST = "6740a1b2000000001f00a006"  # the good account's newest note (has comments)
NOTE_PAGES = {"": "notes_page1.json", "6740a1b2000000001f00a003": "notes_page2.json"}
COMMENT_PAGES = {"": "comments_page1.json", "6740a9f1000000001d00c002": "comments_page2.json"}


def _account(uid: str, kind: str, name: str) -> RegisteredAccount:
    extra: dict[str, Any] = ({"competitor_group": "全国性银行"} if kind == "competitor"
                             else {"org_unit": "杭州分行/网络金融部", "team": "新媒体组",
                                   "owner": "张三"})
    return RegisteredAccount(account_key=f"{P}:{uid}", platform=Platform.xiaohongshu,
                             platform_account_id=uid, display_name=name, kind=AccountKind(kind),
                             **extra)


def _profile(uid: str) -> bytes:
    return fixture(P, "account.json").replace(GOOD.encode(), uid.encode())


def signature_ok(request: Request) -> bool:
    """Whether the request is signed as the contract says (checked independently)."""
    key = request.headers.get("X-Partner-Key", "")
    stamp = request.headers.get("X-Timestamp", "")
    given = request.headers.get("X-Signature", "")
    secret = SECRETS.get(key)
    if secret is None or not stamp.isdigit() or abs(time.time() - int(stamp)) > WINDOW_S:
        return False
    keep = "-_.~"
    query = "&".join(f"{quote(k, safe=keep)}={quote(v, safe=keep)}"
                     for k, v in sorted(request.args.items(multi=True)))
    message = "\n".join((stamp, request.method, quote(request.path, safe="/" + keep), query))
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def install(server: HTTPServer) -> Scenario:
    """Register the handlers; return the scenario."""
    scenario = Scenario(
        platform=P,
        accounts=[_account(GOOD, "official", "杭州银行"),
                  _account(BANNED, "official", "杭州银行信用卡"),
                  _account(DELETED, "employee", "杭银理财小周"),
                  _account(EXPIRED, "employee", "杭银小张"),
                  _account(LIMITED, "competitor", "某国有大行"),
                  _account(BROKEN, "employee", "杭银小李")],
        credentials=[{"name": "hz-xhs-feed", "app_id": KEY, "app_secret": SECRET,
                      "accounts": [f"{P}:{u}" for u in (GOOD, BANNED, DELETED, LIMITED,
                                                        BROKEN)]},
                     {"name": "hz-xhs-feed-2025", "app_id": OLD_KEY, "app_secret": OLD_SECRET,
                      "accounts": [f"{P}:{EXPIRED}"]}],
        posts={"6740a1b2000000001f00a006", "6740a1b2000000001f00a003",
               "6740a1b2000000001f00a002", "6740c3d4000000001e00b001"},
        comments={"6740a9f1000000001d00c004", "6740a9f1000000001d00c003",
                  "6740a9f1000000001d00c001"},
        absent_posts={"6740a1b2000000001f00a005", "6740a1b2000000001f00a004",
                      "6740a1b2000000001f00a001"},
        snapshots={f"{P}:{GOOD}": "active", f"{P}:{BANNED}": "banned",
                   f"{P}:{DELETED}": "deleted", f"{P}:{LIMITED}": "active",
                   f"{P}:{BROKEN}": "active"},
        outcomes={f"{P}:{GOOD}": "partial", f"{P}:{BANNED}": "account_gone",
                  f"{P}:{DELETED}": "account_gone", f"{P}:{EXPIRED}": "auth_failed",
                  f"{P}:{LIMITED}": "ok", f"{P}:{BROKEN}": "bad_payload"},
        dead_letters=[("bad_item", "accounts/notes"), ("bad_item", "accounts/notes"),
                      ("bad_item", "notes/comments"), ("bad_payload", "accounts/notes")],
        post_text={"6740a1b2000000001f00a006": "理财非存款",
                   "6740a1b2000000001f00a003": "96110",
                   "6740a1b2000000001f00a002": "个人养老金"},
        followers={f"{P}:{GOOD}": 36218},
    )
    limited_once = {"done": False}

    def guarded(name: str, handle: Handle, segment: int) -> Callable[[Request], Response]:
        """``handle(request, path segment)`` behind the signature and key checks."""
        def handler(request: Request) -> Response:
            scenario.hits[name] += 1
            if not signature_ok(request):
                scenario.hits["bad_signature"] += 1
                return reply(fixture(P, "error_signature.json"), 401)
            if request.headers.get("X-Partner-Key") == OLD_KEY:
                return reply(fixture(P, "error_key_expired.json"), 401)
            return handle(request, request.path.split("/")[segment])
        return handler

    def profile(request: Request, uid: str) -> Response:
        if uid == BANNED:
            return reply(fixture(P, "account_banned.json"))
        if uid == DELETED:
            return reply(fixture(P, "error_user_not_found.json"), 404)
        return reply(_profile(uid))

    def notes(request: Request, uid: str) -> Response:
        cursor = arg(request, "cursor")
        scenario.hits[f"accounts/notes {uid} cursor={cursor} limit={arg(request, 'limit')}"] += 1
        if uid == GOOD:
            return reply(fixture(P, NOTE_PAGES.get(cursor, "notes_empty.json")))
        if uid == LIMITED:
            if not limited_once["done"]:
                limited_once["done"] = True
                response = reply(fixture(P, "error_rate_limited.json"), 429)
                response.headers["Retry-After"] = "1"
                return response
            return reply(fixture(P, "notes_competitor.json"))
        if uid == BROKEN:
            return html(fixture(P, "error_page.html"))
        return reply(fixture(P, "notes_empty.json"))

    def comments(request: Request, note_id: str) -> Response:
        cursor = arg(request, "cursor")
        scenario.hits[f"notes/comments {note_id} cursor={cursor}"] += 1
        if note_id == NEWEST:
            return reply(fixture(P, COMMENT_PAGES.get(cursor, "comments_empty.json")))
        return reply(fixture(P, "comments_empty.json"))

    ident = r"[0-9a-f]{24}"
    for pattern, handler in (
            (rf"^{PREFIX}/v1/accounts/{ident}$", guarded("accounts", profile, -1)),
            (rf"^{PREFIX}/v1/accounts/{ident}/notes$", guarded("accounts/notes", notes, -2)),
            (rf"^{PREFIX}/v1/notes/{ident}/comments$", guarded("notes/comments", comments, -2))):
        server.expect_request(re.compile(pattern), method="GET").respond_with_handler(handler)
    return scenario


def base_url(server: HTTPServer) -> str:
    """The partner feed base the connector is pointed at."""
    return server.url_for(PREFIX)
