"""Weibo open API (open.weibo.com, API v2): user show, user timeline, comments.

Endpoints (``https://api.weibo.com/2``, ``access_token`` as a query parameter):

- ``users/show.json?uid=`` → the profile (``screen_name``, ``description``,
  ``followers_count``, ``friends_count``, ``statuses_count``, ``verified``,
  ``verified_reason``, ``avatar_large``);
- ``statuses/user_timeline.json?uid=&count=&max_id=`` → ``statuses`` newest first; the next
  page asks for ``max_id`` = the oldest id seen − 1 (Weibo ids grow with time);
- ``comments/show.json?id=&count=&max_id=`` → ``comments`` of one post, newest first.

Errors come as ``{"error": "...", "error_code": 21327, "request": "/2/..."}`` (see
open.weibo.com/wiki/Error_code): 21327 expired token (Weibo has no refresh flow for web apps:
a person re-authorises), other 21xxx auth failures, 10022/10023/10024 rate limits, 10001–10003
and 10009–10011 service trouble (retried), 20003 "user does not exist" (Weibo answers it for
banned and deleted accounts alike: reported as banned), 20112 "not authorised to view" (a
private account). Deleted posts come back as ``{"deleted": "1", ...}`` and are skipped.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any, ClassVar

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

TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # "Tue May 31 17:46:55 +0800 2011"
TOPIC = re.compile(r"#([^#\s][^#]{0,40})#")
PAGE_SIZE = 50
RATE_LIMIT_CODES = {10022, 10023, 10024}
TRANSIENT_CODES = {10001, 10002, 10003, 10009, 10010, 10011}


def parse_time(value: Any) -> datetime:
    """Weibo's ``created_at``."""
    if not isinstance(value, str):
        raise ValueError(f"created_at is {type(value).__name__}, not a string")
    return datetime.strptime(value, TIME_FORMAT)


def _count(raw: dict[str, Any], key: str) -> Any:
    return raw.get(key, 0)


def _id(raw: dict[str, Any]) -> str:
    ident = raw.get("idstr") or raw["id"]
    return str(ident)


def normalise_status(raw: dict[str, Any], account: RegisteredAccount, now: datetime) -> Post:
    """One entry of ``statuses`` → :class:`Post`."""
    text = raw.get("longText", {}).get("longTextContent") if raw.get("isLongText") else None
    text = text or raw["text"]
    page_type = str((raw.get("page_info") or {}).get("type", ""))
    kind = (PostKind.video if page_type == "video"
            else PostKind.image if raw.get("pic_ids") else PostKind.text)
    post_id = _id(raw)
    return Post(
        post_id=post_id, account_key=account.account_key, platform=Platform.weibo, kind=kind,
        text=text, tags=TOPIC.findall(text if isinstance(text, str) else ""),
        url=f"https://weibo.com/{account.platform_account_id}/{raw.get('mid', post_id)}",
        published_at=parse_time(raw["created_at"]), captured_at=now,
        metrics=PostMetrics(likes=_count(raw, "attitudes_count"),
                            comments=_count(raw, "comments_count"),
                            shares=_count(raw, "reposts_count")),
    )


def normalise_comment(raw: dict[str, Any], account: RegisteredAccount, post: Post,
                      now: datetime) -> Comment:
    """One entry of ``comments`` → :class:`Comment`."""
    user = raw.get("user") or {}
    reply = raw.get("reply_comment") or {}
    return Comment(
        comment_id=_id(raw), post_id=post.post_id, account_key=account.account_key,
        platform=Platform.weibo, author_id=str(user.get("idstr") or user.get("id") or ""),
        author_name=str(user.get("screen_name", "")), text=raw["text"],
        likes=raw.get("like_counts", 0),
        parent_comment_id=str(reply.get("idstr") or reply.get("id")) if reply else None,
        published_at=parse_time(raw["created_at"]), captured_at=now,
    )


def normalise_user(raw: dict[str, Any], account: RegisteredAccount,
                   now: datetime) -> AccountSnapshot:
    """``users/show`` → :class:`AccountSnapshot`."""
    avatar = str(raw.get("avatar_large") or raw.get("profile_image_url") or "")
    return AccountSnapshot(
        account_key=account.account_key, platform=Platform.weibo,
        platform_account_id=str(raw.get("idstr") or raw["id"]), name=raw["screen_name"],
        avatar_hash=hashlib.sha1(avatar.encode()).hexdigest()[:16] if avatar else "",
        bio=raw.get("description", ""), status=AccountStatus.active,
        verified=bool(raw.get("verified", False)),
        verification_subject=raw.get("verified_reason") or None,
        followers=raw["followers_count"], following=raw.get("friends_count", 0),
        post_count=raw.get("statuses_count", 0), captured_at=now,
    )


def _next_max_id(items: list[dict[str, Any]]) -> int | None:
    ids = []
    for raw in items:
        try:
            ids.append(int(raw.get("idstr") or raw.get("id") or ""))
        except (TypeError, ValueError, AttributeError):
            continue
    return min(ids) - 1 if ids else None


class WeiboConnector(Connector):
    """Weibo open API v2."""

    platform: ClassVar[Platform] = Platform.weibo
    name: ClassVar[str] = "weibo-openapi"
    default_base_url: ClassVar[str] = "https://api.weibo.com/2"
    # Weibo limits requests per app and user token per hour (test apps 150/h; audited apps
    # more): stay at 1,000/h and 5/s per token, 20/s for the app.
    platform_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(20, 1.0),)
    credential_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(1000, 3600.0), RateRule(5, 1.0))
    endpoints: ClassVar[tuple[str, ...]] = (
        "users/show", "statuses/user_timeline", "comments/show")

    def classify(self, endpoint: str, status: int, body: Any) -> None:
        if not isinstance(body, dict) or "error_code" not in body:
            return
        try:
            code = int(body["error_code"])
        except (TypeError, ValueError):
            code = -1
        message = f"error_code {code}: {body.get('error', '')}"
        if code == 21327:
            raise TokenExpired(endpoint, message)
        if 21300 <= code < 21400:
            raise AuthError(endpoint, message)
        if code in RATE_LIMIT_CODES:
            raise RateLimited(endpoint, message)
        if code in TRANSIENT_CODES:
            raise TransientError(endpoint, message)
        if code == 20003:
            raise AccountGone(endpoint, message + " (Weibo says this for banned and deleted "
                                                  "accounts alike)", AccountStatus.banned)
        if code == 20112:
            raise AccountGone(endpoint, message, AccountStatus.private)
        raise PermanentError(endpoint, message)

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {"access_token": self.access_token,
                **{k: v for k, v in extra.items() if v is not None}}

    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        endpoint = "users/show"
        body = await self.get(endpoint, "users/show.json",
                              lambda: self._params(uid=account.platform_account_id))
        users, errors = normalise_items(endpoint, [body], lambda raw: normalise_user(
            raw, account, now), "user")
        if errors:
            raise BadPayload(endpoint, errors[0].message, raw=str(body)[:2000])
        return users[0]

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        endpoint = "statuses/user_timeline"
        body = await self.get(endpoint, "statuses/user_timeline.json", lambda: self._params(
            uid=account.platform_account_id, count=PAGE_SIZE, max_id=cursor))
        raw_items = field_of(body, endpoint, "statuses")
        posts, errors = normalise_items(
            endpoint, raw_items, lambda raw: normalise_status(raw, account, now), "statuses",
            skip=lambda raw: str(raw.get("deleted")) == "1")
        nxt = _next_max_id(raw_items) if raw_items else None
        return TimelinePage(endpoint, posts, errors, nxt)

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        endpoint = "comments/show"
        body = await self.get(endpoint, "comments/show.json", lambda: self._params(
            id=post.post_id, count=PAGE_SIZE, max_id=cursor))
        raw_items = field_of(body, endpoint, "comments")
        comments, errors = normalise_items(endpoint, raw_items, lambda raw: normalise_comment(
            raw, account, post, now), "comments")
        nxt = _next_max_id(raw_items) if raw_items else None
        return CommentPage(endpoint, comments, errors, nxt)
