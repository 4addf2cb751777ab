"""Douyin open platform (open.douyin.com): user info, fans data, video list, video comments.

Every Douyin token is a *user* access token: one authorised account (its ``open_id``) and
nothing else. A Douyin credential must therefore name its account in ``accounts`` (the
roster's ``platform_account_id`` is the ``open_id``); one without is refused before any request.
The token travels in the ``access-token`` header; ``open_id`` is a query parameter.

Endpoints (``https://open.douyin.com``):

- ``POST /oauth/userinfo/`` (JSON body ``open_id``, ``access_token``) → ``data.nickname``,
  ``avatar``, ``open_id``, ``e_account_role`` (``EAccountS`` / ``EAccountK``, the certified and
  brand enterprise accounts, are reported as verified; Douyin names no verification subject);
- ``GET /data/external/user/fans/?open_id=&date_type=7`` → ``data.result_list[]`` of
  ``{date, total_fans, new_fans}`` (daily, offline data): the latest ``date`` gives
  ``followers``. An empty list (a new authorisation before Douyin's daily job ran) keeps the
  followers of the last snapshot;
- ``GET /video/list/?open_id=&cursor=&count=`` → ``data.list[]`` (``item_id``, ``title`` — the
  caption, ``create_time`` in epoch seconds, ``share_url``, ``cover``, ``is_top``,
  ``media_type`` 2 = image set / 4 = video, ``video_status``, ``statistics{digg_count,
  comment_count, play_count, share_count, forward_count, download_count}``), ``data.cursor``,
  ``data.has_more``;
- ``GET /item/comment/list/?open_id=&item_id=&cursor=&count=&sort_type=time`` →
  ``data.list[]`` (``comment_id``, ``comment_user_id``, ``content``, ``create_time``,
  ``digg_count``, ``reply_comment_total``, ``top``), ``data.cursor``, ``data.has_more``;
- ``POST /oauth/refresh_token/`` (form ``client_key`` = the credential's ``app_id``,
  ``grant_type=refresh_token``, ``refresh_token``) → ``data.access_token``,
  ``refresh_token``, ``expires_in`` (seconds); the pair is kept in the checkpoint store.

Mapping to canonical events: a video is a ``video`` post (an image set, ``media_type`` 2, an
``image`` post) whose ``title`` is the caption and whose url is ``share_url``; its ``#topics``
become tags; views = ``play_count``, likes = ``digg_count``, comments = ``comment_count``,
shares = ``share_count`` + ``forward_count`` (shares out of Douyin plus reposts inside it, like
Weibo's reposts), favorites 0 (the open API has no collect count). ``video_status`` 2 (taken
down as "不适宜公开") and 7 (private) are skipped: the list still returns them to their author, the
public no longer sees them; 1, 4 (in review), 5 and 6 (friends only) are kept, so a video that
passes review late is not lost. Deleted videos are simply no longer listed. Avatars are hashed
on their URL path only: Douyin serves one image from several CDN hosts with changing queries.

Pinned items: Douyin lists pinned videos (``is_top``) and pinned comments (``top``) first
whatever their age. An old pinned video on the first page would make the crawl believe it had
reached known posts and stop. The connector holds pinned items back in the cursor and returns
each one on the first page that reaches its time (or on the last page), so every page it
returns is newest first and no older than what follows.

Docs: open.douyin.com/platform/resource/docs/openapi/ ``account-management/get-account-open-info``
(user info), ``account-permission/refresh-access-token`` (refresh, 10008/2190008, 10010) and
``account-management/get-fans-list`` (the ``data``/``extra`` envelope); the comment list's
fields and its 50-per-page limit: developer.open-douyin.com ``…/comment-management-enterprise/
comment-list`` and ``…/video-review-data/comment-list``. ``video_status``, ``media_type`` and the
2100xxx/2190xxx codes are those of Douyin's common error table as the public SDKs quote it.

Errors come as ``data.error_code`` / ``data.description`` (and ``extra.error_code`` /
``extra.sub_error_code``), with HTTP 200. Documented codes and what they become:

- 2190008, 10008 access token expired → :class:`TokenExpired`: refreshed once, then retried;
- 2190002 invalid token, 2190003 user did not grant the scope, 2190004 app lacks the ability,
  2190015 token and ``open_id`` do not match, 10003/10013/10014 bad client key, 10004 no
  permission, 10010 refresh token expired, 10020 refreshed too often → :class:`AuthError`;
- 2190001 quota used up → :class:`RateLimited`; 2100004 system busy and 10001 system error →
  :class:`TransientError` (both retried with backoff);
- 2100009 "用户被禁封使用该操作" (user banned) → :class:`AccountGone` (banned);
- anything else (2100005 bad parameter, 2111007 failed to get the video…) → :class:`PermanentError`.

Assumptions (the docs are silent): Douyin documents no "user does not exist" code; a
cancelled (注销) account loses its authorisation and shows up as 2190002 (auth_failed), which a
person must look at. 2100009 is read as an account ban wherever it comes. Pinned items are
assumed to come first, as on the profile page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

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
    TokenExpired,
    TransientError,
)
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

VIDEO_PAGE = 20
COMMENT_PAGE = 50  # the comment list takes at most 50 per page
FANS_DAYS = 7  # date_type: 7, 15 or 30 days of daily fans data
TOPIC = re.compile(r"#([^\s#@]{1,40})")

TOKEN_EXPIRED_CODES = {2190008, 10008}
AUTH_CODES: dict[int, str] = {
    2190002: "the access token is invalid (revoked, or the account was cancelled)",
    2190003: "the user did not grant this scope",
    2190004: "the app has not been granted this ability",
    2190015: "the token is not this account's: bind the credential to its own account "
             "(accounts=[\"douyin:<open_id>\"])",
    10003: "client_key (app_id) is not valid",
    10004: "the app lacks the permission",
    10010: "the refresh token expired: the account must authorise the app again",
    10013: "client_key or client_secret is wrong",
    10014: "client_key does not match the one that was authorised",
    10020: "the token was refreshed too often: the account must authorise the app again",
}
RATE_LIMIT_CODES = {2190001}
TRANSIENT_CODES = {2100004, 10001}
BANNED_CODES = {2100009}
#: video_status values the public no longer sees: 2 taken down (不适宜公开), 7 private
HIDDEN_VIDEO_STATUS = {2, 7}
#: e_account_role of certified (认证) and brand (品牌) enterprise accounts
VERIFIED_ROLES = {"EAccountS", "EAccountK"}
IMAGE_SET = 2  # media_type of an image set (图集); 4 is a video

T = TypeVar("T", Post, Comment)


@dataclass(frozen=True)
class DouyinCursor(Generic[T]):
    """Douyin's cursor of the next page, and pinned items held back until their turn."""

    cursor: int
    held: tuple[T, ...] = ()


def error_of(body: Any) -> tuple[int, str] | None:
    """The first non-zero ``error_code`` of ``data`` or ``extra``, with its description."""
    if not isinstance(body, dict):
        return None
    for section in ("data", "extra"):
        part = body.get(section)
        if not isinstance(part, dict) or part.get("error_code") in (None, "", 0, "0"):
            continue
        try:
            code = int(part["error_code"])
        except (TypeError, ValueError):
            code = -1
        if code == 0:
            continue
        message = f"error_code {code}: {part.get('description') or ''}".rstrip(": ")
        sub = part.get("sub_error_code")
        if sub not in (None, "", 0, "0"):
            message += f" (sub_error_code {sub}: {part.get('sub_description') or ''})"
        return code, message
    return None


def parse_time(value: Any, name: str = "create_time") -> datetime:
    """Epoch seconds → an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is {value!r}, not epoch seconds")
    return datetime.fromtimestamp(value, UTC)


def count_of(obj: dict[str, Any], key: str, where: str = "") -> int:
    """A documented counter (absent = 0); anything but a non-negative integer is an error."""
    value = obj.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}{key} is {value!r}, not a count")
    return value


def avatar_hash(url: str) -> str:
    """A short hash of an avatar URL's path (CDN host and signed query vary per request)."""
    if not url:
        return ""
    path = urlsplit(url).path or url
    return hashlib.sha1(path.encode()).hexdigest()[:16]


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, int) and not isinstance(value, bool)
                             and value == 1)


def normalise_video(raw: dict[str, Any], account: RegisteredAccount, now: datetime) -> Post:
    """One entry of ``video/list`` ``data.list`` → :class:`Post`."""
    item_id = raw["item_id"]
    if not isinstance(item_id, str) or not item_id:
        raise ValueError(f"item_id is {item_id!r}, not an id")
    stats = raw["statistics"]
    if not isinstance(stats, dict):
        raise TypeError(f"statistics is {type(stats).__name__}, not an object")
    caption = raw.get("title") or ""
    if not isinstance(caption, str):
        raise TypeError(f"title is {type(caption).__name__}, not a string")
    where = "statistics."
    return Post(
        post_id=item_id, account_key=account.account_key, platform=Platform.douyin,
        kind=PostKind.image if raw.get("media_type") == IMAGE_SET else PostKind.video,
        title=caption, tags=TOPIC.findall(caption), url=str(raw.get("share_url") or ""),
        published_at=parse_time(raw["create_time"]), captured_at=now,
        metrics=PostMetrics(
            views=count_of(stats, "play_count", where),
            likes=count_of(stats, "digg_count", where),
            comments=count_of(stats, "comment_count", where),
            shares=count_of(stats, "share_count", where)
            + count_of(stats, "forward_count", where)),
    )


def normalise_comment(raw: dict[str, Any], account: RegisteredAccount, post: Post,
                      now: datetime) -> Comment:
    """One entry of ``item/comment/list`` ``data.list`` → :class:`Comment`."""
    return Comment(
        comment_id=raw["comment_id"], post_id=post.post_id, account_key=account.account_key,
        platform=Platform.douyin, author_id=str(raw.get("comment_user_id") or ""),
        text=raw["content"], likes=count_of(raw, "digg_count"),
        published_at=parse_time(raw["create_time"]), captured_at=now,
    )


def latest_fans(result_list: Any) -> Any:
    """``total_fans`` of the latest ``date`` (``yyyy-MM-dd``) in the fans data, or None."""
    if not isinstance(result_list, list):
        raise TypeError(f"result_list is {type(result_list).__name__}, not a list")
    days = [row for row in result_list if isinstance(row, dict) and row.get("date")]
    if not days:
        return None
    return max(days, key=lambda row: str(row["date"]))["total_fans"]


def normalise_user(info: dict[str, Any], followers: Any, account: RegisteredAccount,
                   now: datetime) -> AccountSnapshot:
    """``oauth/userinfo`` ``data`` and the followers count → :class:`AccountSnapshot`."""
    role = str(info.get("e_account_role") or "")
    return AccountSnapshot(
        account_key=account.account_key, platform=Platform.douyin,
        platform_account_id=str(info.get("open_id") or account.platform_account_id),
        name=info["nickname"], avatar_hash=avatar_hash(str(info.get("avatar") or "")),
        status=AccountStatus.active, verified=role in VERIFIED_ROLES,
        followers=followers, captured_at=now,
    )


def hold_pinned(items: list[T], pinned: set[str], held: tuple[T, ...], has_more: bool,
                ident: Callable[[T], str]) -> tuple[list[T], tuple[T, ...]]:
    """Items to return newest first, and pinned items to hold for a later page.

    A pinned item is returned on the first page whose oldest regular item is no newer than it,
    or on the last page (or a page without regular items), so a page is never older than what
    follows it.
    """
    regular: list[T] = [i for i in items if ident(i) not in pinned]
    waiting: list[T] = list(held) + [i for i in items if ident(i) in pinned]
    keep: tuple[T, ...] = ()
    if has_more and regular:
        floor = min(i.published_at for i in regular)
        out = regular + [i for i in waiting if i.published_at >= floor]
        keep = tuple(i for i in waiting if i.published_at < floor)
    else:
        out = regular + waiting

    def newest_first(item: T) -> tuple[datetime, str]:
        return item.published_at, ident(item)

    out.sort(key=newest_first, reverse=True)
    return out, keep


class DouyinConnector(Connector):
    """Douyin open platform, one authorised account per credential."""

    platform: ClassVar[Platform] = Platform.douyin
    name: ClassVar[str] = "douyin-openapi"
    default_base_url: ClassVar[str] = "https://open.douyin.com"
    # The open platform docs publish no request rate for these user-token APIs (the one figure
    # is /oauth/client_token/: 500 calls per 5 minutes, error 10020; app quotas show in the
    # console and end in 2190001). Assumed, with a wide margin: 10/s for the app, 2/s and
    # 100/min per authorised account (one crawl needs at most ~110 requests).
    platform_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(10, 1.0),)
    credential_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(2, 1.0), RateRule(100, 60.0))
    refreshes_tokens: ClassVar[bool] = True
    endpoints: ClassVar[tuple[str, ...]] = (
        "oauth/userinfo", "data/external/user/fans", "video/list", "item/comment/list",
        "oauth/refresh_token")

    def classify(self, endpoint: str, status: int, body: Any) -> None:
        found = error_of(body)
        if found is None:
            return
        code, message = found
        if code in TOKEN_EXPIRED_CODES:
            raise TokenExpired(endpoint, message)
        if code in AUTH_CODES:
            raise AuthError(endpoint, f"{message} — {AUTH_CODES[code]}")
        if code in RATE_LIMIT_CODES:
            raise RateLimited(endpoint, message)
        if code in TRANSIENT_CODES:
            raise TransientError(endpoint, message)
        if code in BANNED_CODES:
            raise AccountGone(endpoint, message, AccountStatus.banned)
        raise PermanentError(endpoint, message)

    def _classify_refresh(self, endpoint: str, status: int, body: Any) -> None:
        """A refresh that fails for good means a person must authorise the app again."""
        try:
            self.classify(endpoint, status, body)
        except (TokenExpired, PermanentError, AccountGone) as exc:
            raise AuthError(endpoint, exc.message + " — the account must authorise the app "
                                                    "again") from None

    def _headers(self) -> dict[str, str]:
        return {"access-token": self.access_token}

    def _check_bound(self) -> None:
        if not self.credential.accounts:
            raise AuthError("credentials", (
                f"Douyin credential {self.credential.name!r} names no account: a Douyin token "
                "belongs to one authorised account, set accounts=[\"douyin:<open_id>\"]"))

    async def refresh(self) -> None:
        """Exchange the refresh token for a new access token (``/oauth/refresh_token/``)."""
        endpoint = "oauth/refresh_token"
        if not self.refresh_token or not self.credential.app_id:
            raise AuthError(endpoint, (
                "the access token expired and the credential has no refresh_token and app_id "
                "(client_key) to renew it: the account must authorise the app again"))

        def build() -> httpx.Request:
            return self.http.client.build_request("POST", self.url("oauth/refresh_token/"), data={
                "client_key": self.credential.app_id, "grant_type": "refresh_token",
                "refresh_token": self.refresh_token})

        body = await self.http.call(endpoint, build, self._classify_refresh)
        data = body.get("data") if isinstance(body, dict) else None
        access = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(access, str) or not access:
            # no raw kept: a half-readable refresh answer may still hold a token
            raise AuthError(endpoint, "the refresh answer has no data.access_token")
        self.http.add_secret(access)
        refresh = data.get("refresh_token")
        try:
            expires_at: datetime | None = datetime.now(UTC) + timedelta(
                seconds=int(data["expires_in"]))
        except (KeyError, TypeError, ValueError):
            expires_at = None
        self.keep_token(access, refresh if isinstance(refresh, str) and refresh
                        else self.refresh_token, expires_at)

    async def _followers(self, account: RegisteredAccount) -> Any:
        endpoint = "data/external/user/fans"
        body = await self.get(endpoint, "data/external/user/fans/", lambda: {
            "open_id": account.platform_account_id, "date_type": FANS_DAYS},
            headers=self._headers)
        try:
            followers = latest_fans(field_of(body, endpoint, "data", "result_list"))
        except (KeyError, TypeError) as exc:
            raise BadPayload(endpoint, f"data.result_list: {exc}", raw=str(body)[:2000]) from None
        if followers is not None:
            return followers
        state = self.store.account(self.platform.value, account.account_key)
        last = state.last_snapshot if state else None
        if last and "followers" in last:
            return last["followers"]
        raise BadPayload(endpoint, "data.result_list is empty (Douyin's daily fans data is not "
                                   "out yet) and there is no earlier snapshot",
                         raw=str(body)[:2000])

    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        self._check_bound()
        endpoint = "oauth/userinfo"
        open_id = account.platform_account_id
        body = await self.post_json(
            endpoint, "oauth/userinfo/",
            lambda: {"open_id": open_id, "access_token": self.access_token},
            headers=self._headers)
        info = field_of(body, endpoint, "data")
        if not isinstance(info, dict):
            raise BadPayload(endpoint, f"'data' is {type(info).__name__}, not an object",
                             raw=str(body)[:2000])
        if info.get("open_id") and str(info["open_id"]) != open_id:
            raise AuthError(endpoint, (
                f"credential {self.credential.name!r} holds the token of another Douyin user "
                f"(open_id {info['open_id']}), not of {open_id}: fix its accounts"))
        followers = await self._followers(account)
        users, errors = normalise_items(endpoint, [info], lambda raw: normalise_user(
            raw, followers, account, now), "data")
        if errors:
            raise BadPayload(endpoint, errors[0].message, raw=str(body)[:2000])
        return users[0]

    def _listing(self, endpoint: str, body: Any) -> tuple[list[Any], bool, Any]:
        """``data.list`` (absent or null = empty), ``data.has_more`` and ``data.cursor``."""
        has_more = field_of(body, endpoint, "data", "has_more")
        raw_items = body["data"].get("list")
        if not isinstance(has_more, bool | int):
            raise BadPayload(endpoint, f"data.has_more is {has_more!r}", raw=str(body)[:2000])
        nxt = field_of(body, endpoint, "data", "cursor") if _flag(has_more) else None
        if nxt is not None and (isinstance(nxt, bool) or not isinstance(nxt, int)):
            raise BadPayload(endpoint, f"data.cursor is {nxt!r}, not a number",
                             raw=str(body)[:2000])
        return ([] if raw_items is None else raw_items), _flag(has_more), nxt

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        endpoint = "video/list"
        state: DouyinCursor[Post] = cursor if isinstance(cursor, DouyinCursor) \
            else DouyinCursor(0)
        body = await self.get(endpoint, "video/list/", lambda: {
            "open_id": account.platform_account_id, "cursor": state.cursor,
            "count": VIDEO_PAGE}, headers=self._headers)
        raw_items, has_more, nxt = self._listing(endpoint, body)
        posts, errors = normalise_items(
            endpoint, raw_items, lambda raw: normalise_video(raw, account, now), "list",
            skip=lambda raw: raw.get("video_status") in HIDDEN_VIDEO_STATUS)
        pinned = {str(raw.get("item_id")) for raw in raw_items
                  if isinstance(raw, dict) and _flag(raw.get("is_top"))}
        items, held = hold_pinned(posts, pinned, state.held, has_more, lambda p: p.post_id)
        return TimelinePage(endpoint, items, errors,
                            DouyinCursor(nxt, held) if has_more else None)

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        endpoint = "item/comment/list"
        state: DouyinCursor[Comment] = cursor if isinstance(cursor, DouyinCursor) \
            else DouyinCursor(0)
        body = await self.get(endpoint, "item/comment/list/", lambda: {
            "open_id": account.platform_account_id, "item_id": post.post_id,
            "cursor": state.cursor, "count": COMMENT_PAGE, "sort_type": "time"},
            headers=self._headers)
        raw_items, has_more, nxt = self._listing(endpoint, body)
        found, errors = normalise_items(endpoint, raw_items, lambda raw: normalise_comment(
            raw, account, post, now), "list")
        pinned = {str(raw.get("comment_id")) for raw in raw_items
                  if isinstance(raw, dict) and _flag(raw.get("top"))}
        items, held = hold_pinned(found, pinned, state.held, has_more, lambda c: c.comment_id)
        return CommentPage(endpoint, items, errors,
                           DouyinCursor(nxt, held) if has_more else None)
