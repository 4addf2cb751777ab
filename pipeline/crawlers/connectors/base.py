"""What a platform connector is: a fetcher (auth, endpoints, pagination) and a normaliser.

A connector answers three questions for one account, one page at a time, and knows nothing of
Kafka, checkpoints or schedules (``pipeline/crawlers/crawl.py`` does that):

- :meth:`Connector.profile` → the account snapshot (or :class:`AccountGone`);
- :meth:`Connector.timeline` → one page of posts, newest first, and the cursor of the next;
- :meth:`Connector.comments` → one page of a post's comments, newest first.

Normalisers turn each raw item into a canonical model on its own: an item that does not fit
becomes an :class:`ItemError` (a dead letter naming platform and endpoint) and its neighbours
go on. An answer that is not the documented shape at all raises :class:`BadPayload`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pipeline.crawlers.checkpoints import CheckpointStore, StoredToken
from pipeline.crawlers.config import Credential
from pipeline.crawlers.errors import AuthError, BadPayload
from pipeline.crawlers.http import Classify, PlatformHttp
from pipeline.ratelimit import RateRule
from schemas.events import AccountSnapshot, Comment, Platform, Post, RegisteredAccount

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ItemError:
    """One raw item the normaliser could not turn into a canonical event."""

    index: int
    message: str
    raw: Any


@dataclass
class Page:
    """One page of a listing endpoint, normalised."""

    endpoint: str
    items: list[Any] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    next_cursor: Any = None  # None: this was the last page


@dataclass
class TimelinePage(Page):
    """A page of an account's posts, newest first."""

    items: list[Post] = field(default_factory=list)


@dataclass
class CommentPage(Page):
    """A page of one post's comments, newest first."""

    items: list[Comment] = field(default_factory=list)


def normalise_items(endpoint: str, raw_items: Any, make: Callable[[dict[str, Any]], M],
                    where: str, skip: Callable[[dict[str, Any]], bool] | None = None,
                    ) -> tuple[list[M], list[ItemError]]:
    """Apply ``make`` to every raw item; failures become :class:`ItemError` s.

    ``where`` names the list in the payload (``statuses``), so an error reads
    ``statuses[3]: created_at: field required``. Items for which ``skip`` is true (deleted
    posts the platform still lists) are left out; indices stay those of the payload.
    """
    if not isinstance(raw_items, list):
        raise BadPayload(endpoint, f"'{where}' is {type(raw_items).__name__}, not a list",
                         raw=str(raw_items)[:2000])
    good: list[M] = []
    errors: list[ItemError] = []
    for index, raw in enumerate(raw_items):
        try:
            if not isinstance(raw, dict):
                raise TypeError(f"an item is {type(raw).__name__}, not an object")
            if skip is not None and skip(raw):
                continue
            good.append(make(raw))
        except ValidationError as exc:
            errors.append(ItemError(index, f"{where}[{index}]: {describe(exc)}", raw))
        except (KeyError, TypeError, ValueError) as exc:
            message = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            errors.append(ItemError(index, f"{where}[{index}]: {message}", raw))
    return good, errors


def describe(exc: ValidationError) -> str:
    """A pydantic error in one short line: ``field: problem; field: problem``."""
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "item"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def field_of(obj: Mapping[str, Any], endpoint: str, *path: str) -> Any:
    """``obj[path[0]][path[1]]…`` or :class:`BadPayload` naming the missing part."""
    current: Any = obj
    for depth, key in enumerate(path):
        if not isinstance(current, Mapping) or key not in current:
            where = ".".join(path[:depth + 1])
            raise BadPayload(endpoint, f"response has no '{where}'", raw=str(obj)[:2000])
        current = current[key]
    return current


class Connector(ABC):
    """One platform's fetcher and normaliser, bound to one credential."""

    platform: ClassVar[Platform]
    name: ClassVar[str]
    default_base_url: ClassVar[str]
    #: documented limits, shared by every credential of the platform and per credential
    platform_rate: ClassVar[tuple[RateRule, ...]] = ()
    credential_rate: ClassVar[tuple[RateRule, ...]] = ()
    #: whether the platform has a refresh flow for access tokens
    refreshes_tokens: ClassVar[bool] = False
    #: endpoint names, for documentation and ``crawl status``
    endpoints: ClassVar[tuple[str, ...]] = ()

    def __init__(self, http: PlatformHttp, credential: Credential, base_url: str,
                 store: CheckpointStore) -> None:
        self.http = http
        self.credential = credential
        self.base_url = base_url.rstrip("/")
        self.store = store
        stored = store.token(self.platform.value, credential.name)
        self.access_token = (stored.access_token if stored
                             else credential.access_token.get_secret_value())
        self.refresh_token = (stored.refresh_token if stored
                              else credential.refresh_token.get_secret_value())
        http.add_secret(self.access_token)
        http.add_secret(self.refresh_token)

    # --- what every connector implements ------------------------------------------------
    @abstractmethod
    def classify(self, endpoint: str, status: int, body: Any) -> None:
        """Raise the :mod:`errors` class for the platform's error answers; return if OK."""

    @abstractmethod
    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        """The account's snapshot; :class:`AccountGone` if banned, deleted or private."""

    @abstractmethod
    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        """One page of the account's posts, newest first (``cursor`` None = first page)."""

    async def comments(self, account: RegisteredAccount, post: Post, cursor: Any,
                       now: datetime) -> CommentPage:
        """One page of the post's comments, newest first. Default: the platform has none."""
        return CommentPage(endpoint="comments")

    async def refresh(self) -> None:
        """Obtain a new access token (platforms with a refresh flow override this)."""
        raise AuthError("token", "the access token expired and this platform has no refresh "
                                 "flow: issue a new token")

    # --- helpers for implementations ----------------------------------------------------
    def url(self, path: str) -> str:
        """Absolute URL of an endpoint path."""
        return f"{self.base_url}/{path.lstrip('/')}"

    async def get(self, endpoint: str, path: str, params: Callable[[], dict[str, Any]],
                  headers: Callable[[], dict[str, str]] | None = None,
                  classify: Classify | None = None) -> Any:
        """GET ``path``; ``params``/``headers`` are called per attempt (fresh tokens)."""
        def build() -> httpx.Request:
            return self.http.client.build_request(
                "GET", self.url(path), params=params(), headers=headers() if headers else None)
        return await self.http.call(endpoint, build, classify or self.classify,
                                    self.refresh if self.refreshes_tokens else None)

    async def post_json(self, endpoint: str, path: str, body: Callable[[], Any],
                        params: Callable[[], dict[str, Any]] | None = None,
                        headers: Callable[[], dict[str, str]] | None = None,
                        classify: Classify | None = None) -> Any:
        """POST a JSON body to ``path``."""
        def build() -> httpx.Request:
            return self.http.client.build_request(
                "POST", self.url(path), json=body(), params=params() if params else None,
                headers=headers() if headers else None)
        return await self.http.call(endpoint, build, classify or self.classify,
                                    self.refresh if self.refreshes_tokens else None)

    def keep_token(self, access_token: str, refresh_token: str,
                   expires_at: datetime | None) -> None:
        """Use and persist a refreshed token pair."""
        self.access_token, self.refresh_token = access_token, refresh_token
        self.http.add_secret(access_token)
        self.http.add_secret(refresh_token)
        self.store.save_token(self.platform.value, self.credential.name,
                              StoredToken(access_token, refresh_token, expires_at))
