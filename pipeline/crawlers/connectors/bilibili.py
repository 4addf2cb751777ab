"""Bilibili web API (``api.bilibili.com``): space info, relation stat, space videos, replies.

The de-facto documentation is the community-maintained bilibili-API-collect
(github.com/SocialSisterYi/bilibili-API-collect, ``docs/``); every answer is
``{"code": 0, "message": "0", "ttl": 1, "data": {...}}``.

Endpoints (``https://api.bilibili.com``):

- ``x/web-interface/nav`` → ``data.wbi_img.img_url`` / ``sub_url``: the WBI keys (the file
  names of the two URLs). Anonymous callers get ``code -101`` *with* the keys (documented);
  a caller that sent a SESSDATA cookie and still gets -101 holds an expired cookie.
- ``x/space/wbi/acc/info?mid=`` (WBI-signed) → ``name``, ``face``, ``sign``,
  ``official{role,title,type}`` (type -1 none, 0 personal, 1 organisation), ``silence``
  (1 = banned); ``docs/user/info.md``;
- ``x/relation/stat?vmid=`` → ``follower``, ``following``; ``docs/user/status_number.md``;
- ``x/space/wbi/arc/search?mid=&pn=&ps=&order=pubdate`` (WBI-signed) → ``data.list.vlist``
  newest first (``aid``, ``bvid``, ``title``, ``description``, ``created`` epoch s, ``play``,
  ``comment``, ``length``, ``pic``) and ``data.page{pn,ps,count}``; the next page is ``pn+1``
  while ``pn*ps < count`` and the page was not empty; ``docs/user/space.md``;
- ``x/v2/reply?type=1&oid=<aid>&pn=&ps=&sort=0`` → ``data.replies`` newest first (``rpid``,
  ``mid``, ``ctime``, ``like``, ``member{mid,uname}``, ``content{message}``, ``parent``,
  ``root``, and up to three preview sub-replies in ``replies``) and ``data.page{num,size,
  count}``; ``docs/comment/list.md``.

WBI signing (``docs/misc/sign/wbi.md``): ``mixin_key`` = the characters of
``img_key + sub_key`` picked by ``MIXIN_KEY_ENC_TAB``, first 32; add ``wts`` (epoch s), sort
the parameters by name, drop ``!'()*`` from the values, percent-encode (upper-case hex, space
as ``%20``), append ``mixin_key``, md5 → ``w_rid``. The keys change daily: they are cached
for :data:`WBI_KEY_TTL_S`, and a refused signature (``-403`` on a signed endpoint, or
``code 0`` with only ``data.v_voucher``) fetches them again once before giving up.

Comments need the video's ``aid`` while posts are keyed by ``bvid``: :meth:`timeline`
remembers ``bvid → aid`` from each ``vlist`` entry (a bounded map; the crawl always lists a
post before it reads its comments). Videos whose listing says ``comment: 0`` are not asked
for replies.

Error codes (``docs/misc/errcode.md`` and the endpoint pages), by the class they raise:

- -101 not logged in, -111 csrf, -102 the credential's account is banned, -658 token
  expired → :class:`AuthError` (no refresh flow: a person logs in and replaces SESSDATA);
- -412 request intercepted (IP risk control), -799 请求过于频繁, -509 over the limit →
  :class:`RateLimited`; -352 风控校验失败 (``docs/misc/sign/v_voucher.md``: too many
  requests from one user/IP/UA) → :class:`RateLimited` as well, so it backs off and retries;
  if it persists the crawl ends ``rate_limited`` and a person checks cookie and egress IP;
- -500, -503, -504, -8888, -112 (system upgrade) and HTTP 5xx → :class:`TransientError`;
- -403 on a WBI endpoint → the signature was refused (see above); elsewhere
  :class:`PermanentError`;
- -404 / -626 on the account endpoints → :class:`AccountGone` (deleted); ``silence == 1``
  in acc/info → :class:`AccountGone` (banned);
- on ``x/v2/reply``: -404 (no such video), 12002 (comments closed), 62002 (video invisible)
  and 62004 (under review) → the video's comments are skipped (an empty page). 62002/62004
  are documented for ``x/web-interface/view``; that replies answer them too is assumed;
- a ``vlist`` entry with a negative ``state`` (the view endpoint's table: -1 under review,
  -100 deleted…) is skipped. The documented ``vlist`` has no ``state``: this is defensive;
- any other non-zero code → :class:`PermanentError`.

``play`` is ``"--"`` when the uploader hides the play count (reported by clients, not in the
docs): read as 0 views. ``like``/``favorite``/``share`` are not in the documented ``vlist``;
they are read when present (names of the video ``stat`` object).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import ValidationError

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import Credential
from pipeline.crawlers.connectors.base import (
    CommentPage,
    Connector,
    ItemError,
    TimelinePage,
    describe,
    field_of,
    normalise_items,
)
from pipeline.crawlers.errors import (
    AccountGone,
    AuthError,
    BadPayload,
    PermanentError,
    RateLimited,
    TransientError,
)
from pipeline.crawlers.http import PlatformHttp
from pipeline.logs import get_logger
from pipeline.ratelimit import RateRule
from schemas.events import (
    AccountSnapshot,
    AccountStatus,
    Comment,
    Platform,
    Post,
    PostKind,
    PostMetrics,
    RegisteredAccount,
)

log = get_logger(__name__)

NAV = "x/web-interface/nav"
ACC_INFO = "x/space/wbi/acc/info"
RELATION_STAT = "x/relation/stat"
ARC_SEARCH = "x/space/wbi/arc/search"
REPLY = "x/v2/reply"

WBI_ENDPOINTS = frozenset({ACC_INFO, ARC_SEARCH})
ACCOUNT_ENDPOINTS = frozenset({ACC_INFO, RELATION_STAT, ARC_SEARCH})

#: docs/misc/sign/wbi.md
MIXIN_KEY_ENC_TAB: tuple[int, ...] = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49,
    33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40,
    61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11,
    36, 20, 34, 44, 52,
)
WBI_FILTERED = re.compile(r"[!'()*]")
WBI_KEY = re.compile(r"[0-9A-Za-z]{32}")
WBI_KEY_TTL_S = 3600.0  # the keys change daily; a refused signature refreshes them anyway

BVID = re.compile(r"BV[0-9A-Za-z]{10}")
HIDDEN_COUNT = "--"
PAGE_SIZE = 30  # arc/search: documented default
REPLY_PAGE_SIZE = 20  # x/v2/reply: documented range 1-20
AID_MEMORY = 10_000  # bvid → aid entries kept for comments

AUTH_CODES = {
    -101: "not logged in: the SESSDATA cookie expired or was revoked (log in again and "
          "replace the credential)",
    -102: "the credential's account is banned",
    -111: "csrf check failed",
    -658: "token expired",
}
RATE_LIMIT_CODES = {-352, -412, -509, -799}
TRANSIENT_CODES = {-112, -500, -503, -504, -8888}
GONE_CODES = {-404, -626}
NO_COMMENTS_CODES = {-404, 12002, 62002, 62004}


class SignatureRejected(AuthError):
    """Bilibili refused the WBI signature (stale keys, or the algorithm changed)."""


# --- WBI signing -------------------------------------------------------------------------
def wbi_key_of(url: Any) -> str:
    """The key in an ``img_url``/``sub_url``: its file name without extension."""
    if not isinstance(url, str):
        raise ValueError(f"wbi_img url is {type(url).__name__}, not a string")
    key = url.rsplit("/", 1)[-1].split(".", 1)[0]
    if not WBI_KEY.fullmatch(key):
        raise ValueError(f"wbi_img url {url[:120]!r} does not end in a 32-character key")
    return key


def mixin_key(img_key: str, sub_key: str) -> str:
    """``img_key + sub_key`` reordered by the mixin table, first 32 characters."""
    raw = img_key + sub_key
    return "".join(raw[i] for i in MIXIN_KEY_ENC_TAB)[:32]


def wbi_query(params: Mapping[str, Any]) -> str:
    """The canonical query a WBI signature is computed over (sorted, filtered, %20)."""
    return "&".join(f"{quote(str(k), safe='')}={quote(WBI_FILTERED.sub('', str(v)), safe='')}"
                    for k, v in sorted(params.items()))


def sign_params(params: Mapping[str, Any], mixin: str, wts: int) -> dict[str, str]:
    """``params`` plus ``wts`` and ``w_rid``; values are sent filtered, as they were signed."""
    signed = {str(k): WBI_FILTERED.sub("", str(v)) for k, v in params.items()}
    signed["wts"] = str(wts)
    signed["w_rid"] = hashlib.md5((wbi_query(signed) + mixin).encode()).hexdigest()
    return signed


# --- normalisers -------------------------------------------------------------------------
def epoch_time(value: Any, name: str) -> datetime:
    """Bilibili's epoch seconds (``created``, ``ctime``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is {type(value).__name__}, not epoch seconds")
    return datetime.fromtimestamp(value, tz=UTC)


def is_hidden(raw: Mapping[str, Any]) -> bool:
    """A ``vlist`` entry that is under review, locked or deleted (negative ``state``)."""
    state = raw.get("state")
    return isinstance(state, int) and not isinstance(state, bool) and state < 0


def normalise_video(raw: dict[str, Any], account: RegisteredAccount, now: datetime) -> Post:
    """One entry of ``data.list.vlist`` → :class:`Post` (id: the ``bvid``)."""
    bvid = raw["bvid"]
    if not isinstance(bvid, str) or not BVID.fullmatch(bvid):
        raise ValueError(f"bvid {bvid!r} is not a BV id")
    play = raw.get("play", 0)
    return Post(
        post_id=bvid, account_key=account.account_key, platform=Platform.bilibili,
        kind=PostKind.video, title=raw["title"], text=raw.get("description") or "",
        url=f"https://www.bilibili.com/video/{bvid}",
        published_at=epoch_time(raw["created"], "created"), captured_at=now,
        metrics=PostMetrics(views=0 if play == HIDDEN_COUNT else play,
                            comments=raw.get("comment", 0), likes=raw.get("like", 0),
                            favorites=raw.get("favorite", 0), shares=raw.get("share", 0)),
    )


def _id_of(raw: Mapping[str, Any], key: str) -> str | None:
    """``<key>_str`` or ``<key>`` as a string; None for Bilibili's "none" (0)."""
    value = raw.get(f"{key}_str") or raw.get(key)
    return None if value in (None, 0, "0", "") else str(value)


def normalise_reply(raw: dict[str, Any], account: RegisteredAccount, post: Post,
                    now: datetime) -> Comment:
    """One entry of ``data.replies`` (or of a reply's ``replies``) → :class:`Comment`."""
    rpid = _id_of(raw, "rpid")
    if rpid is None:
        raise KeyError("rpid")
    member = raw.get("member") or {}
    return Comment(
        comment_id=rpid, post_id=post.post_id, account_key=account.account_key,
        platform=Platform.bilibili, author_id=str(member.get("mid") or raw.get("mid") or ""),
        author_name=str(member.get("uname") or ""), text=raw["content"]["message"],
        likes=raw.get("like", 0), parent_comment_id=_id_of(raw, "parent"),
        published_at=epoch_time(raw["ctime"], "ctime"), captured_at=now,
    )


def is_verified(official: Mapping[str, Any]) -> bool:
    """``official.type`` 0/1 (personal/organisation) or a non-zero ``official.role``."""
    kind, role = official.get("type"), official.get("role")
    return ((isinstance(kind, int) and kind >= 0)
            or (isinstance(role, int) and role > 0))


def normalise_account(info: dict[str, Any], stat: Mapping[str, Any],
                      account: RegisteredAccount, now: datetime) -> AccountSnapshot:
    """acc/info ``data`` and relation/stat ``data`` → :class:`AccountSnapshot`."""
    official = info.get("official") or {}
    verified = is_verified(official)
    face = str(info.get("face") or "")
    return AccountSnapshot(
        account_key=account.account_key, platform=Platform.bilibili,
        platform_account_id=str(info.get("mid") or account.platform_account_id),
        name=info["name"],
        avatar_hash=hashlib.sha1(face.encode()).hexdigest()[:16] if face else "",
        bio=info.get("sign") or "", status=AccountStatus.active, verified=verified,
        verification_subject=(official.get("title") or None) if verified else None,
        followers=stat["follower"], following=stat.get("following", 0), captured_at=now,
    )


def next_page(page: Any, endpoint: str, number: str, size: str, got: int) -> int | None:
    """The next page number, or None: an empty page, or ``number*size >= count``."""
    values: list[int] = []
    for key in (number, size, "count"):
        value = page.get(key) if isinstance(page, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadPayload(endpoint, f"page.{key} is {value!r}, not a number",
                             raw=str(page)[:2000])
        values.append(value)
    current, per_page, count = values
    if got == 0 or current * per_page >= count:
        return None
    return current + 1


class BilibiliConnector(Connector):
    """Bilibili web API with WBI signing and an optional SESSDATA cookie."""

    platform: ClassVar[Platform] = Platform.bilibili
    name: ClassVar[str] = "bilibili-web-api"
    default_base_url: ClassVar[str] = "https://api.bilibili.com"
    # Bilibili publishes no limits; too fast earns -412, which bans the egress IP that all
    # credentials share: 2/s for the platform. Per SESSDATA (its account is risk-scored too,
    # -352/-799): 1/s and 1,800/h.
    platform_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(2, 1.0),)
    credential_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(1, 1.0), RateRule(1800, 3600.0))
    refreshes_tokens: ClassVar[bool] = False
    endpoints: ClassVar[tuple[str, ...]] = (NAV, ACC_INFO, RELATION_STAT, ARC_SEARCH, REPLY)

    def __init__(self, http: PlatformHttp, credential: Credential, base_url: str,
                 store: CheckpointStore) -> None:
        super().__init__(http, credential, base_url, store)
        self._mixin: tuple[str, float] | None = None  # (mixin key, monotonic fetch time)
        self._mixin_lock = asyncio.Lock()
        self._aids: OrderedDict[str, int] = OrderedDict()

    # --- errors ------------------------------------------------------------------------
    def classify(self, endpoint: str, status: int, body: Any) -> None:
        if not isinstance(body, dict) or "code" not in body:
            return
        code = body["code"]
        if isinstance(code, bool) or not isinstance(code, int):
            raise BadPayload(endpoint, f"'code' is {code!r}, not a number", raw=str(body)[:2000])
        message = f"code {code}: {body.get('message', '')}"
        if code == 0:
            data = body.get("data")
            if isinstance(data, dict) and "v_voucher" in data:
                if endpoint in WBI_ENDPOINTS:
                    raise SignatureRejected(endpoint, "code 0 with only a v_voucher: the WBI "
                                                      "signature was refused")
                raise RateLimited(endpoint, "code 0 with only a v_voucher: risk control")
            return
        if code in AUTH_CODES:
            raise AuthError(endpoint, f"{message} ({AUTH_CODES[code]})")
        if code in RATE_LIMIT_CODES:
            raise RateLimited(endpoint, message)
        if code in TRANSIENT_CODES:
            raise TransientError(endpoint, message)
        if code == -403 and endpoint in WBI_ENDPOINTS:
            raise SignatureRejected(endpoint, f"{message} (the WBI signature was refused)")
        if code in GONE_CODES and endpoint in ACCOUNT_ENDPOINTS:
            raise AccountGone(endpoint, message, AccountStatus.deleted)
        raise PermanentError(endpoint, message)

    def _classify_nav(self, endpoint: str, status: int, body: Any) -> None:
        if isinstance(body, dict) and body.get("code") == -101:
            if self.access_token:
                raise AuthError(endpoint, f"code -101: {body.get('message', '')} although a "
                                          "SESSDATA cookie was sent: it expired or was revoked "
                                          "(log in again and replace the credential)")
            return  # anonymous: nav answers -101 with the WBI keys
        self.classify(endpoint, status, body)

    def _classify_reply(self, endpoint: str, status: int, body: Any) -> None:
        if isinstance(body, dict) and body.get("code") in NO_COMMENTS_CODES:
            return  # comments() reads it as "no comments to read"
        self.classify(endpoint, status, body)

    # --- requests ----------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        headers = {"Referer": "https://www.bilibili.com/"}
        if self.access_token:
            headers["Cookie"] = f"SESSDATA={self.access_token}"
        return headers

    async def _mixin_key(self, refused: str | None = None) -> str:
        """The cached mixin key; fetched from nav when absent, old, or just ``refused``."""
        async with self._mixin_lock:
            cached = self._mixin
            if (cached is not None and cached[0] != refused
                    and time.monotonic() - cached[1] < WBI_KEY_TTL_S):
                return cached[0]
            body = await self.get(NAV, NAV, lambda: {}, headers=self._headers,
                                  classify=self._classify_nav)
            urls = [field_of(body, NAV, "data", "wbi_img", k) for k in ("img_url", "sub_url")]
            try:
                key = mixin_key(wbi_key_of(urls[0]), wbi_key_of(urls[1]))
            except ValueError as exc:
                raise BadPayload(NAV, str(exc), raw=str(body)[:2000]) from None
            self._mixin = (key, time.monotonic())
            return key

    async def _signed_once(self, endpoint: str, params: dict[str, Any], mixin: str) -> Any:
        return await self.get(endpoint, endpoint,
                              lambda: sign_params(params, mixin, int(time.time())),
                              headers=self._headers)

    async def _signed_get(self, endpoint: str, params: dict[str, Any]) -> Any:
        """GET a WBI endpoint; a refused signature fetches the keys again, once."""
        mixin = await self._mixin_key()
        try:
            return await self._signed_once(endpoint, params, mixin)
        except SignatureRejected as exc:
            log.info("wbi signature refused, fetching the keys again", endpoint=endpoint,
                     error=exc.message)
            fresh = await self._mixin_key(refused=mixin)
            return await self._signed_once(endpoint, params, fresh)

    def _remember_aids(self, raw_items: list[Any]) -> None:
        for raw in raw_items:
            if not isinstance(raw, dict):
                continue
            bvid, aid = raw.get("bvid"), raw.get("aid")
            if isinstance(bvid, str) and isinstance(aid, int) and not isinstance(aid, bool):
                self._aids[bvid] = aid
                self._aids.move_to_end(bvid)
        while len(self._aids) > AID_MEMORY:
            self._aids.popitem(last=False)

    # --- the three questions -----------------------------------------------------------
    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        mid = account.platform_account_id
        info = field_of(await self._signed_get(ACC_INFO, {"mid": mid}), ACC_INFO, "data")
        if not isinstance(info, dict):
            raise BadPayload(ACC_INFO, f"'data' is {type(info).__name__}, not an object",
                             raw=str(info)[:2000])
        if info.get("silence") == 1:
            raise AccountGone(ACC_INFO, "silence = 1 (封禁)", AccountStatus.banned)
        stat_body = await self.get(RELATION_STAT, RELATION_STAT, lambda: {"vmid": mid},
                                   headers=self._headers)
        field_of(stat_body, RELATION_STAT, "data", "follower")
        stat = stat_body["data"]
        try:
            return normalise_account(info, stat, account, now)
        except ValidationError as exc:
            counts = {"followers", "following"}
            if any(e["loc"] and e["loc"][0] in counts for e in exc.errors()):
                raise BadPayload(RELATION_STAT, describe(exc), raw=str(stat)[:2000]) from None
            raise BadPayload(ACC_INFO, describe(exc), raw=str(info)[:2000]) from None
        except (KeyError, TypeError, ValueError) as exc:
            message = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise BadPayload(ACC_INFO, message, raw=str(info)[:2000]) from None

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        endpoint = ARC_SEARCH
        number = int(cursor) if cursor else 1
        body = await self._signed_get(endpoint, {
            "mid": account.platform_account_id, "pn": number, "ps": PAGE_SIZE,
            "order": "pubdate"})
        raw_items = field_of(body, endpoint, "data", "list", "vlist")
        page = field_of(body, endpoint, "data", "page")
        posts, errors = normalise_items(endpoint, raw_items, lambda raw: normalise_video(
            raw, account, now), "vlist", skip=is_hidden)
        self._remember_aids(raw_items)
        nxt = next_page(page, endpoint, "pn", "ps", len(raw_items))
        return TimelinePage(endpoint, posts, errors, nxt)

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        endpoint = REPLY
        if post.metrics.comments == 0:
            return CommentPage(endpoint)
        aid = self._aids.get(post.post_id)
        if aid is None:
            raise PermanentError(endpoint, f"no aid known for {post.post_id}: its timeline "
                                           "page was not read by this connector")
        number = int(cursor) if cursor else 1
        body = await self.get(endpoint, endpoint, lambda: {
            "type": 1, "oid": aid, "pn": number, "ps": REPLY_PAGE_SIZE, "sort": 0},
            headers=self._headers, classify=self._classify_reply)
        if isinstance(body, dict) and body.get("code") in NO_COMMENTS_CODES:
            log.info("comments not readable, skipped", endpoint=endpoint, post=post.post_id,
                     code=body.get("code"), message=body.get("message"))
            return CommentPage(endpoint)
        raw_items = field_of(body, endpoint, "data", "replies")
        raw_items = [] if raw_items is None else raw_items  # null: comments disabled
        make = lambda raw: normalise_reply(raw, account, post, now)  # noqa: E731
        comments, errors = normalise_items(endpoint, raw_items, make, "replies")
        for index, raw in enumerate(raw_items):  # up to three preview sub-replies each
            nested = raw.get("replies") if isinstance(raw, dict) else None
            if not nested:
                continue
            where = f"replies[{index}].replies"
            if not isinstance(nested, list):
                errors.append(ItemError(index, f"{where} is {type(nested).__name__}, not a "
                                               "list", raw))
                continue
            more, more_errors = normalise_items(endpoint, nested, make, where)
            comments += more
            errors += more_errors
        comments.sort(key=lambda c: c.published_at, reverse=True)
        nxt = next_page(field_of(body, endpoint, "data", "page"), endpoint, "num", "size",
                        len(raw_items))
        return CommentPage(endpoint, comments, errors, nxt)
