"""Xiaohongshu (小红书) through "MatrixGuard partner feed v1": profile, notes, comments.

Xiaohongshu has no public open API that reads an account's notes, followers and comments:
its open platform serves e-commerce, and the 聚光 (ads) and 蒲公英 (creator marketing) APIs
serve advertisers, not account monitoring. A bank gets this data from a licensed data vendor
or from its own 专业号 data export service, which exposes it in the contract this connector
reads and ``docs/connectors/xiaohongshu-feed.md`` documents (the vendor implements it).
There is no default vendor: the operator sets the base URL, e.g.
``MATRIXGUARD_CRAWL__BASE_URLS='{"xiaohongshu": "https://feed.vendor.example/xhs"}'``.

What follows real shapes and what is ours:

- Real (Xiaohongshu's web note model, as in its ``user_posted``/``feed``/``comment/page``
  answers and common data exports): the item field names ``note_id``, ``type``
  (``normal`` | ``video``), ``title``, ``desc``, ``tag_list[{id, name, type}]``, ``time``
  (epoch ms), ``interact_info{liked_count, collected_count, comment_count, share_count}``,
  ``user{user_id, nickname}``; comments ``id``, ``note_id``, ``content``, ``create_time`` (ms),
  ``like_count``, ``user_info{user_id, nickname}``, ``target_comment{id}``; profile
  ``nickname``, ``desc``, ``red_id``, ``fans``, ``follows``, ``interaction`` (获赞与收藏),
  the ``cursor``/``has_more`` pagination and the ``{code, msg, data}`` envelope. Counts may
  come as Xiaohongshu displays them: ``"187"`` or ``"1.2万"`` (read as 12000, approximate).
- Ours (the contract): the paths below, HMAC request signing, the flat profile object with
  ``notes``, ``verification`` and ``status``, deleted notes and comments listed with
  ``"status": "deleted"``, the flat comment list (Xiaohongshu nests replies under root
  comments), and the error codes.

Endpoints (base URL from settings; every request signed, see :func:`signature`):

- ``GET v1/accounts/{user_id}`` → ``data`` = the profile; ``status`` ``normal`` or
  ``restricted`` (published, crawl goes on), ``banned``/``deleted``/``private`` →
  :class:`AccountGone` with that status;
- ``GET v1/accounts/{user_id}/notes?cursor=&limit=`` → ``data{notes, cursor, has_more}``
  newest first; deleted notes (``"status": "deleted"``) are skipped;
- ``GET v1/notes/{note_id}/comments?cursor=&limit=`` → ``data{comments, cursor, has_more}``
  newest first, replies flat with ``target_comment.id``.

``user_id`` is the 24-hex id of the profile URL (``/user/profile/<user_id>``), not the
小红书号 (``red_id``). Auth: ``Credential.app_id`` is the key id (``X-Partner-Key``) and
``app_secret`` signs; keys do not expire by token, so there is no refresh flow.

Errors come as ``{"code": <int>, "msg": "..."}``, ``code`` 0 meaning success:
401 bad key, signature or timestamp → :class:`AuthError`; 4011 the key's validity ended →
:class:`AuthError` (the vendor issues a new key); 403 key not licensed for the account →
:class:`AuthError`; 429 (HTTP 429 with ``Retry-After``, or ``retry_after`` in the body) →
:class:`RateLimited`; 500/503 → :class:`TransientError` (retried); 404 user not found →
:class:`AccountGone` (deleted); 4041 note not found (comments of a removed note) and 400 bad
parameter → :class:`PermanentError`; any other code → :class:`PermanentError`. An answer that
is not JSON (a gateway's HTML page, even with HTTP 200) is a :class:`BadPayload`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from pipeline.crawlers.connectors.base import (
    CommentPage,
    Connector,
    TimelinePage,
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

PAGE_SIZE = 30  # the contract allows 1–50; Xiaohongshu's own web pages use 30 notes
AUTH_CODES = {401, 403, 4011}
TRANSIENT_CODES = {500, 503}
#: profile ``status`` → account status; the crawl stops for the gone ones
GONE_STATUSES = {"banned": AccountStatus.banned, "deleted": AccountStatus.deleted,
                 "private": AccountStatus.private}
LIVE_STATUSES = {"normal": AccountStatus.active, "restricted": AccountStatus.restricted}
#: epoch ms below this (March 1973) are taken to be seconds sent by mistake
MIN_EPOCH_MS = 100_000_000_000
COUNT = re.compile(r"^(\d+(?:\.\d+)?)([万亿])$")
UNITS = {"万": 10_000, "亿": 100_000_000}
UNRESERVED = "-_.~"  # RFC 3986: the characters never percent-encoded when signing


# --- signing ------------------------------------------------------------------------------
def canonical_request(timestamp: int, method: str, path: str,
                      params: Iterable[tuple[str, str]]) -> str:
    """The string a request's signature covers (see the contract, "Authentication")::

        <timestamp>\\n<METHOD>\\n<percent-encoded path>\\n<sorted, percent-encoded query>

    The path is the decoded URL path including the base URL's prefix, encoded with ``/`` kept;
    the query is every ``key=value`` pair sorted by key then value, both percent-encoded
    (RFC 3986 unreserved characters kept), joined by ``&``; empty without parameters.
    """
    query = "&".join(f"{quote(k, safe=UNRESERVED)}={quote(v, safe=UNRESERVED)}"
                     for k, v in sorted(params))
    return f"{timestamp}\n{method.upper()}\n{quote(path, safe='/' + UNRESERVED)}\n{query}"


def signature(secret: str, timestamp: int, method: str, path: str,
              params: Iterable[tuple[str, str]]) -> str:
    """Hex HMAC-SHA256 of :func:`canonical_request` under the key's secret."""
    message = canonical_request(timestamp, method, path, params)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_request(request: httpx.Request, key: str, secret: str, now: float) -> None:
    """Add ``X-Partner-Key``, ``X-Timestamp`` and ``X-Signature`` to a built request."""
    timestamp = int(now)
    request.headers["X-Partner-Key"] = key
    request.headers["X-Timestamp"] = str(timestamp)
    request.headers["X-Signature"] = signature(
        secret, timestamp, request.method, request.url.path, request.url.params.multi_items())


# --- field readers --------------------------------------------------------------------------
def parse_count(value: Any, name: str) -> int:
    """A counter: an integer, a decimal string (``"187"``) or Xiaohongshu's display form
    (``"1.2万"`` → 12000, ``"3亿"``); anything else is an error (a bad item)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name} is {type(value).__name__}, not a count")
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    match = COUNT.match(text)
    if match is None:
        raise ValueError(f"{name} is {value!r}, not a count")
    return int(Decimal(match[1]) * UNITS[match[2]])


def parse_ms(value: Any, name: str) -> datetime:
    """Epoch milliseconds → an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} is {type(value).__name__}, not epoch milliseconds")
    if value < MIN_EPOCH_MS:
        raise ValueError(f"{name} {value} looks like epoch seconds, not milliseconds")
    return datetime.fromtimestamp(value // 1000, UTC) + timedelta(milliseconds=value % 1000)


def _object(raw: dict[str, Any], key: str, required: bool = True) -> dict[str, Any]:
    value = raw[key] if required else raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{key} is {type(value).__name__}, not an object")
    return value


def _id(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise TypeError(f"{key} is {value!r}, not an id")
    return str(value)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key) or ""
    if not isinstance(value, str):
        raise TypeError(f"{key} is {type(value).__name__}, not a string")
    return value


def topic_tags(raw: Any) -> list[str]:
    """Names of ``tag_list`` topics (untyped tags count as topics; locations, brands and
    mentions do not)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TypeError(f"tag_list is {type(raw).__name__}, not a list")
    names = []
    for tag in raw:
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            raise TypeError("tag_list holds an entry without a string name")
        if tag.get("type", "topic") == "topic" and tag["name"].strip():
            names.append(tag["name"].strip())
    return names


def is_deleted(raw: dict[str, Any]) -> bool:
    """A note or comment the feed still lists after its deletion."""
    return raw.get("status") == "deleted"


# --- normalisers ----------------------------------------------------------------------------
def normalise_note(raw: dict[str, Any], account: RegisteredAccount, now: datetime) -> Post:
    """One entry of ``notes`` → :class:`Post`."""
    note_id = _id(raw, "note_id")
    note_type = raw["type"]
    interact = _object(raw, "interact_info")
    return Post(
        post_id=note_id, account_key=account.account_key, platform=Platform.xiaohongshu,
        kind=PostKind.video if note_type == "video" else PostKind.image,
        title=_text(raw, "title"), text=_text(raw, "desc"), tags=topic_tags(raw.get("tag_list")),
        url=f"https://www.xiaohongshu.com/explore/{note_id}",
        published_at=parse_ms(raw["time"], "time"), captured_at=now,
        metrics=PostMetrics(
            likes=parse_count(interact["liked_count"], "interact_info.liked_count"),
            favorites=parse_count(interact["collected_count"], "interact_info.collected_count"),
            comments=parse_count(interact["comment_count"], "interact_info.comment_count"),
            shares=parse_count(interact["share_count"], "interact_info.share_count")),
    )


def normalise_comment(raw: dict[str, Any], account: RegisteredAccount, post: Post,
                      now: datetime) -> Comment:
    """One entry of ``comments`` → :class:`Comment`."""
    note_id = raw.get("note_id")
    if note_id is not None and note_id != post.post_id:
        raise ValueError(f"note_id {note_id!r} is not the note asked for ({post.post_id})")
    user = _object(raw, "user_info", required=False)
    target = _object(raw, "target_comment", required=False)
    parent = target.get("id")
    return Comment(
        comment_id=_id(raw, "id"), post_id=post.post_id, account_key=account.account_key,
        platform=Platform.xiaohongshu, author_id=str(user.get("user_id") or ""),
        author_name=str(user.get("nickname") or ""), text=raw["content"],
        likes=parse_count(raw.get("like_count", 0), "like_count"),
        parent_comment_id=str(parent) if parent else None,
        published_at=parse_ms(raw["create_time"], "create_time"), captured_at=now,
    )


def normalise_account(raw: dict[str, Any], account: RegisteredAccount,
                      now: datetime) -> AccountSnapshot:
    """``data`` of ``v1/accounts/{user_id}`` (a live account) → :class:`AccountSnapshot`."""
    user_id = _id(raw, "user_id")
    if user_id != account.platform_account_id:
        raise ValueError(f"user_id {user_id!r} is not the account asked for "
                         f"({account.platform_account_id})")
    status = raw.get("status", "normal")
    if status not in LIVE_STATUSES:
        raise ValueError(f"status {status!r} is none of normal, restricted, banned, deleted, "
                         "private")
    verification = _object(raw, "verification", required=False)
    avatar = _text(raw, "avatar")
    return AccountSnapshot(
        account_key=account.account_key, platform=Platform.xiaohongshu,
        platform_account_id=user_id, name=raw["nickname"],
        avatar_hash=hashlib.sha1(avatar.encode()).hexdigest()[:16] if avatar else "",
        bio=_text(raw, "desc"), status=LIVE_STATUSES[status],
        verified=verification.get("verified") is True,
        verification_subject=verification.get("subject") or None,
        followers=parse_count(raw["fans"], "fans"),
        following=parse_count(raw.get("follows", 0), "follows"),
        post_count=parse_count(raw.get("notes", 0), "notes"),
        likes_total=parse_count(raw.get("interaction", 0), "interaction"),
        captured_at=now,
    )


def next_cursor(data: dict[str, Any], endpoint: str, current: Any) -> str | None:
    """The cursor of the next page, or None on the last one."""
    has_more = data.get("has_more", False)
    if not isinstance(has_more, bool):
        raise BadPayload(endpoint, f"has_more is {type(has_more).__name__}, not a boolean",
                         raw=str(data)[:2000])
    if not has_more:
        return None
    cursor = data.get("cursor")
    if not isinstance(cursor, str) or not cursor:
        raise BadPayload(endpoint, "has_more is true but there is no cursor",
                         raw=str(data)[:2000])
    if cursor == current:
        log.warning("partner feed cursor did not advance; stopping", endpoint=endpoint)
        return None
    return cursor


def _list_data(body: Any, endpoint: str, where: str) -> tuple[dict[str, Any], Any]:
    data = field_of(body, endpoint, "data")
    return data, field_of(body, endpoint, "data", where)


class XiaohongshuConnector(Connector):
    """Xiaohongshu through MatrixGuard partner feed v1 (a vendor's or a 专业号 export)."""

    platform: ClassVar[Platform] = Platform.xiaohongshu
    name: ClassVar[str] = "xiaohongshu-partner-feed"
    default_base_url: ClassVar[str] = "https://partner-feed.example.com/xhs"
    """A placeholder: no vendor is the default. Set MATRIXGUARD_CRAWL__BASE_URLS."""
    # the contract: at most 10 requests/s per key and 20/s per bank (all its keys)
    platform_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(20, 1.0),)
    credential_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(10, 1.0),)
    refreshes_tokens: ClassVar[bool] = False
    endpoints: ClassVar[tuple[str, ...]] = ("accounts", "accounts/notes", "notes/comments")
    #: seconds since the epoch for ``X-Timestamp`` (a class attribute so tests can pin it)
    clock: ClassVar[Callable[[], float]] = time.time

    def classify(self, endpoint: str, status: int, body: Any) -> None:
        if not isinstance(body, dict) or "code" not in body:
            return
        try:
            code = int(body["code"])
        except (TypeError, ValueError):
            code = -1
        if code == 0:
            return
        message = f"code {code}: {body.get('msg', '')}"
        if code == 4011:
            raise AuthError(endpoint, message + " (the key's validity ended: ask the vendor "
                                                "for a new key)")
        if code in AUTH_CODES:
            raise AuthError(endpoint, message)
        if code == 429:
            retry_after = body.get("retry_after")
            if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
                raise RateLimited(endpoint, message, max(float(retry_after), 0.0))
            if status == 429:
                return  # the HTTP layer raises RateLimited with the Retry-After header
            raise RateLimited(endpoint, message)
        if code in TRANSIENT_CODES:
            raise TransientError(endpoint, message)
        if code == 404 and endpoint.startswith("accounts"):
            raise AccountGone(endpoint, message, AccountStatus.deleted)
        raise PermanentError(endpoint, message)

    async def _get(self, endpoint: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """A signed GET; the signature is computed from the request as built, per attempt."""
        key, secret = self.credential.app_id, self.credential.app_secret.get_secret_value()
        if not key or not secret:
            raise AuthError(endpoint, f"credential {self.credential.name!r} needs app_id (the "
                                      "partner key id) and app_secret")
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}

        def build() -> httpx.Request:
            request = self.http.client.build_request("GET", self.url(path), params=query)
            sign_request(request, key, secret, type(self).clock())
            return request
        return await self.http.call(endpoint, build, self.classify)

    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        endpoint = "accounts"
        user_id = quote(account.platform_account_id, safe="")
        body = await self._get(endpoint, f"v1/accounts/{user_id}")
        data = field_of(body, endpoint, "data")
        if isinstance(data, dict) and data.get("status") in GONE_STATUSES:
            status = str(data["status"])
            raise AccountGone(endpoint, f"the feed reports the account {status}",
                              GONE_STATUSES[status])
        users, errors = normalise_items(endpoint, [data], lambda raw: normalise_account(
            raw, account, now), "data")
        if errors:
            raise BadPayload(endpoint, errors[0].message, raw=str(body)[:2000])
        return users[0]

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        endpoint = "accounts/notes"
        user_id = quote(account.platform_account_id, safe="")
        body = await self._get(endpoint, f"v1/accounts/{user_id}/notes",
                               {"cursor": cursor, "limit": PAGE_SIZE})
        data, raw_items = _list_data(body, endpoint, "notes")
        posts, errors = normalise_items(endpoint, raw_items, lambda raw: normalise_note(
            raw, account, now), "notes", skip=is_deleted)
        return TimelinePage(endpoint, posts, errors, next_cursor(data, endpoint, cursor))

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        endpoint = "notes/comments"
        body = await self._get(endpoint, f"v1/notes/{quote(post.post_id, safe='')}/comments",
                               {"cursor": cursor, "limit": PAGE_SIZE})
        data, raw_items = _list_data(body, endpoint, "comments")
        comments, errors = normalise_items(endpoint, raw_items, lambda raw: normalise_comment(
            raw, account, post, now), "comments", skip=is_deleted)
        return CommentPage(endpoint, comments, errors, next_cursor(data, endpoint, cursor))
