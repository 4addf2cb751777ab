"""Kuaishou open platform (open.kuaishou.com): user info, the user's videos, token refresh.

Kuaishou's open platform only serves data of a user who authorised the bank's app: every
access token belongs to one user (``open_id``), so every credential is bound to exactly one
account with ``Credential.accounts`` and the account's ``platform_account_id`` is that user's
``open_id``. A credential that is not bound that way is refused (``auth_failed``) rather than
risk publishing one user's videos under another account. Competitors cannot be crawled here.

Endpoints (``https://open.kuaishou.com``, ``app_id`` and ``access_token`` as query parameters;
answers are HTTP 200, errors included, with ``result`` = 1 on success; 404 for unknown paths):

- ``GET /openapi/user_info`` (scope ``user_info``) → ``user_info``: ``name``, ``sex``,
  ``fan`` (followers), ``follow`` (following), ``head``, ``bigHead``, ``city``. It has no bio,
  no verification and no video count: the snapshot leaves them empty;
- ``GET /openapi/photo/list?cursor=&count=`` (scope ``user_video_info``) → ``video_list`` of
  ``photo_id``, ``caption``, ``cover``, ``play_url``, ``create_time`` (epoch milliseconds),
  ``like_count``, ``comment_count``, ``view_count``, ``pending`` (the item shape of
  ``/openapi/photo/info``), newest first (implied by the cursor). ``count`` defaults to 20,
  at most 200. The documented cursor is a request parameter only: "the photo_id of the
  previous page's item with the smallest create_time; omitted on the first page". No response
  cursor and no ``has_more`` are documented, so the next page is asked with that photo_id,
  and the list ends on an empty ``video_list`` (or a page naming no photo_id, or a cursor
  that would not move). A short page is not taken as the end: the platform may leave out
  videos under review or private ones. Videos with ``pending`` true are still being
  processed or reviewed and cannot be watched: skipped;
- ``GET /oauth2/refresh_token?app_id=&app_secret=&refresh_token=&grant_type=refresh_token``
  → ``access_token``, ``expires_in``, ``refresh_token``, ``refresh_token_expires_in``,
  ``open_id``, ``scopes``. The old refresh token is void once used, so the new pair is
  persisted at once (``keep_token``); old and new access tokens stay valid side by side.

There is no comment API for the authorised user's videos (the content APIs are create,
delete and query video): this connector publishes no comments.

Errors are ``{"result": <code>, "error_msg": "...", "request_id": "..."}`` (``/oauth2/*`` also
carry an OAuth ``error``). Codes and their handling:

- 100200108 ``access_token`` expired → :class:`TokenExpired` (refreshed once, then resent);
- 100200101 invalid app (check ``app_id``/``app_secret``), 100200102 request refused (invalid
  token), 100200103–100200106 (response type, grant type, code, scope), 100200107 invalid
  ``open_id``, 100200109 the user revoked the authorisation, 100200110 authorisation expired,
  100200111 never authorised, 100200112 bad bundle token, 100200113 ``refresh_token`` expired
  → :class:`AuthError`: a person acts (mostly: the user authorises the app again);
- 100200500 internal error → :class:`TransientError` (retried);
- 100100402 "请求超限" → :class:`RateLimited` (retried). Its documented causes: the user is
  banned, the user called the interface more than 1,000 times that day, or the app more than
  100,000 times. ASSUMPTION: a ban is told apart by an ``error_msg`` naming it
  (:data:`BANNED_HINTS`) → :class:`AccountGone` (banned);
- 100200100 missing/bad parameter, 100400 / 100100400 bad parameter, 120001–120003 /
  100120001–100120003 (video not found, not uploaded, not published), and any other code
  (e.g. 1026 unknown path) → :class:`PermanentError`.

ASSUMPTION: the platform documents no "user not found" code; a user who deleted their
account can no longer use their token, so that shows up as one of the auth codes above.

Posts: ``post_id`` = ``photo_id``, kind ``video``, no title, ``text`` = ``caption`` (its
``#话题`` become tags), ``url`` = ``https://www.kuaishou.com/short-video/<photo_id>`` (the
web share page), metrics views/likes/comments = ``view_count``/``like_count``/
``comment_count``.

Sources: the open.kuaishou.com docs as mirrored at apifox.com/apidoc/project-462993:
api-7075071 (refreshToken), api-7075072 (GetUserInfo), api-7075083 (photo/info, the video
item), api-7075082 (photo/list), doc-355272 (error codes: 1002001xx, 120001–120003, 100400).
The photo/list ``cursor``/``count`` text, 100100402 and its causes, and 100100400 /
1001200xx are quoted from the same docs by open-source SDKs (github.com/zhuovi/
XiaoFeng.KuaiShou ``OpenAPI.cs`` and ``Enum/ErrorCode.cs``); the error envelope, the 200
status of errors and 1026 from live probes recorded in github.com/api-evangelist/kuaishou
(``errors/kuaishou-error-codes.yml``).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import Credential
from pipeline.crawlers.connectors.base import (
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
from pipeline.crawlers.http import PlatformHttp
from pipeline.ratelimit import RateRule
from schemas.events import (
    AccountSnapshot,
    AccountStatus,
    Platform,
    Post,
    PostKind,
    PostMetrics,
    RegisteredAccount,
)

USER_INFO = "openapi/user_info"
PHOTO_LIST = "openapi/photo/list"
REFRESH = "oauth2/refresh_token"

PAGE_SIZE = 50  # documented default 20, at most 200
SUCCESS = 1
TOKEN_EXPIRED = 100200108
INVALID_APP = 100200101
AUTH_CODES = frozenset(range(100200101, 100200114)) - {TOKEN_EXPIRED}
RATE_LIMITED = 100100402
TRANSIENT_CODES = frozenset({100200500})
#: words of an ``error_msg`` of 100100402 that say the user is banned, not too fast
BANNED_HINTS = ("封禁", "封号", "banned")
#: epoch milliseconds below this (1973-03) are taken for seconds: a unit error, not a date
MIN_EPOCH_MS = 100_000_000_000
TOPIC = re.compile(r"#([^#\s]{1,40})")
SHARE_URL = "https://www.kuaishou.com/short-video/{photo_id}"


def classify_result(endpoint: str, body: Any) -> None:
    """Raise the :mod:`errors` class for a Kuaishou ``result`` code; return on success."""
    if not isinstance(body, dict) or "result" not in body:
        return
    try:
        code = int(body["result"])
    except (TypeError, ValueError):
        code = -1
    if code == SUCCESS:
        return
    message = f"result {code}: {body.get('error_msg', '')}"
    if body.get("error"):
        message += f" ({body['error']})"
    if code == TOKEN_EXPIRED:
        raise TokenExpired(endpoint, message)
    if code == INVALID_APP:
        raise AuthError(endpoint, message + " (check the credential's app_id and app_secret)")
    if code in AUTH_CODES:
        raise AuthError(endpoint, message + " (the user must authorise the app again)")
    if code == RATE_LIMITED:
        text = str(body.get("error_msg", "")).lower()
        if any(hint in text for hint in BANNED_HINTS):
            raise AccountGone(endpoint, message, AccountStatus.banned)
        raise RateLimited(endpoint, message)
    if code in TRANSIENT_CODES:
        raise TransientError(endpoint, message)
    raise PermanentError(endpoint, message)


def parse_create_time(value: Any) -> datetime:
    """Kuaishou's ``create_time``: epoch milliseconds → an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"create_time is {type(value).__name__}, not epoch milliseconds")
    if value < MIN_EPOCH_MS:
        raise ValueError(f"create_time {value} is not in epoch milliseconds")
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def normalise_photo(raw: dict[str, Any], account: RegisteredAccount, now: datetime) -> Post:
    """One entry of ``video_list`` → :class:`Post`."""
    photo_id = raw["photo_id"]
    if not isinstance(photo_id, str) or not photo_id:
        raise ValueError(f"photo_id is {photo_id!r}, not a non-empty string")
    caption = raw.get("caption") or ""
    if not isinstance(caption, str):
        raise ValueError(f"caption is {type(caption).__name__}, not a string")
    return Post(
        post_id=photo_id, account_key=account.account_key, platform=Platform.kuaishou,
        kind=PostKind.video, title="", text=caption, tags=TOPIC.findall(caption),
        url=SHARE_URL.format(photo_id=photo_id),
        published_at=parse_create_time(raw["create_time"]), captured_at=now,
        metrics=PostMetrics(views=raw.get("view_count", 0), likes=raw.get("like_count", 0),
                            comments=raw.get("comment_count", 0)),
    )


def normalise_user(raw: dict[str, Any], account: RegisteredAccount,
                   now: datetime) -> AccountSnapshot:
    """``user_info`` → :class:`AccountSnapshot` (the open_id is the account's own)."""
    avatar = str(raw.get("bigHead") or raw.get("head") or "")
    return AccountSnapshot(
        account_key=account.account_key, platform=Platform.kuaishou,
        platform_account_id=account.platform_account_id, name=raw["name"],
        avatar_hash=hashlib.sha1(avatar.encode()).hexdigest()[:16] if avatar else "",
        status=AccountStatus.active, followers=raw["fan"], following=raw.get("follow", 0),
        captured_at=now,
    )


def next_cursor(raw_items: list[Any], asked: str | None) -> str | None:
    """The documented cursor of the next page: the photo_id of the page's oldest video.

    None (the end) on an empty page, or when the page names no usable photo_id, or when the
    cursor would not move (a platform repeating a page must not loop the crawler).
    """
    oldest: tuple[float, str] | None = None
    last_id: str | None = None
    for raw in raw_items:
        if not isinstance(raw, dict):
            continue
        photo_id = raw.get("photo_id")
        if not isinstance(photo_id, str) or not photo_id:
            continue
        last_id = photo_id
        created = raw.get("create_time")
        if isinstance(created, bool) or not isinstance(created, int | float):
            continue
        if oldest is None or created < oldest[0]:
            oldest = (created, photo_id)
    cursor = oldest[1] if oldest else last_id
    return None if cursor is None or cursor == asked else cursor


class KuaishouConnector(Connector):
    """Kuaishou open platform, one authorised user per credential."""

    platform: ClassVar[Platform] = Platform.kuaishou
    name: ClassVar[str] = "kuaishou-openapi"
    default_base_url: ClassVar[str] = "https://open.kuaishou.com"
    # The documented causes of 100100402 "请求超限" (see above): a user may call one interface
    # 1,000 times a day, the app 100,000 times. A crawl calls user_info and photo/list (and
    # rarely refresh): 1,800 a day per user keeps each interface under 1,000 unless list pages
    # outnumber profiles by far; 90,000 a day for the app. No per-second limit is documented:
    # 2/s per user and 10/s for the app are our own caution.
    platform_rate: ClassVar[tuple[RateRule, ...]] = (
        RateRule(10, 1.0), RateRule(90_000, 86_400.0))
    credential_rate: ClassVar[tuple[RateRule, ...]] = (
        RateRule(2, 1.0), RateRule(1_800, 86_400.0))
    refreshes_tokens: ClassVar[bool] = True
    endpoints: ClassVar[tuple[str, ...]] = (USER_INFO, PHOTO_LIST, REFRESH)

    def __init__(self, http: PlatformHttp, credential: Credential, base_url: str,
                 store: CheckpointStore) -> None:
        super().__init__(http, credential, base_url, store)
        self._refresh_lock = asyncio.Lock()

    def classify(self, endpoint: str, status: int, body: Any) -> None:
        classify_result(endpoint, body)

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {"app_id": self.credential.app_id, "access_token": self.access_token,
                **{k: v for k, v in extra.items() if v is not None}}

    def _check_binding(self, account: RegisteredAccount) -> None:
        """A Kuaishou token reads one user's data: the credential must name that account."""
        bound = self.credential.accounts
        if bound != [account.account_key]:
            raise AuthError("credentials", (
                f"Kuaishou credential {self.credential.name!r} must be bound to exactly this "
                f"account (accounts=[{account.account_key!r}]): a Kuaishou token belongs to "
                f"one authorised user, but it lists {bound or 'every account'}"))

    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        self._check_binding(account)
        body = await self.get(USER_INFO, USER_INFO, self._params)
        raw = field_of(body, USER_INFO, "user_info")
        users, errors = normalise_items(USER_INFO, [raw], lambda item: normalise_user(
            item, account, now), "user_info")
        if errors:
            raise BadPayload(USER_INFO, errors[0].message, raw=str(body)[:2000])
        return users[0]

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        self._check_binding(account)
        asked = str(cursor) if cursor else None
        body = await self.get(PHOTO_LIST, PHOTO_LIST, lambda: self._params(
            cursor=asked, count=PAGE_SIZE))
        raw_items = field_of(body, PHOTO_LIST, "video_list")
        posts, errors = normalise_items(
            PHOTO_LIST, raw_items, lambda raw: normalise_photo(raw, account, now),
            "video_list", skip=lambda raw: raw.get("pending") is True)
        return TimelinePage(PHOTO_LIST, posts, errors, next_cursor(raw_items, asked))

    async def refresh(self) -> None:
        """Trade the refresh token for a new pair; persist it before using it."""
        stale = self.access_token
        async with self._refresh_lock:
            if self.access_token != stale:  # a concurrent request refreshed already
                return
            if not (self.refresh_token and self.credential.app_id
                    and self.credential.app_secret.get_secret_value()):
                raise AuthError(REFRESH, "the access token expired and the credential has no "
                                         "refresh_token/app_id/app_secret to refresh it")

            def build() -> httpx.Request:
                return self.http.client.build_request("GET", self.url(REFRESH), params={
                    "app_id": self.credential.app_id,
                    "app_secret": self.credential.app_secret.get_secret_value(),
                    "refresh_token": self.refresh_token, "grant_type": "refresh_token"})

            body = await self.http.call(REFRESH, build, _refresh_classify)
            # not field_of: its dead letter would keep the answer, tokens included
            access = body.get("access_token") if isinstance(body, dict) else None
            renewed = body.get("refresh_token") if isinstance(body, dict) else None
            if not (isinstance(access, str) and access and isinstance(renewed, str)
                    and renewed):
                keys = sorted(body) if isinstance(body, dict) else type(body).__name__
                raise BadPayload(REFRESH, "the answer has no access_token and refresh_token "
                                          f"strings (it has {keys})",
                                 raw="(withheld: a token answer)")
            expires_in = body.get("expires_in")
            expires_at = (datetime.now(UTC) + timedelta(seconds=expires_in)
                          if isinstance(expires_in, int) and not isinstance(expires_in, bool)
                          and expires_in > 0 else None)
            self.keep_token(access, renewed, expires_at)


def _refresh_classify(endpoint: str, status: int, body: Any) -> None:
    """Like :func:`classify_result`, but an "expired" answer to a refresh is final."""
    try:
        classify_result(endpoint, body)
    except TokenExpired as exc:
        raise AuthError(endpoint, exc.message) from None
