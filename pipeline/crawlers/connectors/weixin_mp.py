"""WeChat Official Account (微信公众号) API: published articles, article and follower statistics.

A credential is one Official Account's own ``appid`` + ``appsecret`` (``Credential.app_id`` /
``app_secret``, bound to that account with ``Credential.accounts``): the API answers for the
account the token belongs to and takes no account id, so it serves the bank's own accounts only
(a competitor's account would need the competitor's secret). Every call sends ``access_token``
as a query parameter (https://developers.weixin.qq.com/doc/offiaccount/):

- ``GET cgi-bin/token?grant_type=client_credential&appid=&secret=`` →
  ``{access_token, expires_in: 7200}``: the refresh flow. It runs before the first call when no
  token is stored (or the stored one expires within five minutes) and once after an
  expired-token answer; the token is persisted in the checkpoint store. Getting a new token
  ends the old one after a short grace period, so one credential should be used by one crawler
  process only (``cgi-bin/stable_token`` would avoid that; not used here).
- ``POST cgi-bin/freepublish/batchget`` ``{offset, count ≤ 20, no_content: 0}`` →
  ``{total_count, item_count, item: [{article_id, update_time, content: {news_item: [...]}}]}``
  (api_freepublish_batchget): newest first. The cursor is the next ``offset``; the end is an
  empty page or ``offset ≥ total_count``. Every ``news_item`` becomes one post
  ``"{article_id}_{n}"`` (``n`` counts from 1, as the datacube ``msgid`` does), kind
  ``article`` (``image`` for an ``article_type`` of ``newspic``, the draft API's picture
  message); text = ``digest`` + the plain text of the HTML ``content``. ``update_time`` is
  the only time listed, so it is the publication time: an article edited after the crawler's
  overlap window comes back as a new post (its new text is then scored again).
  News items with ``is_deleted: true`` are skipped.
- ``POST datacube/getarticlesummary`` ``{begin_date, end_date}`` (one day per call; the latest
  day allowed is yesterday, China time) → ``list: [{ref_date, msgid, title,
  int_page_read_count, share_count, add_to_fav_count, ...}]``: the reads, shares and
  favourites of that day of every mass-sent (群发) article read that day. Asked for yesterday
  and the day before, once per crawl; each article keeps its latest day. So a post's metrics
  are the counts of the latest reported day, not lifetime totals, and an article that was only
  published (发表, not mass-sent) gets none. ``msgid`` is ``"<msg_data_id>_<n>"``, and
  ``msg_data_id`` is not the ``article_id``: a row is matched to a post (1) by the ``mid`` and
  ``idx`` of the post's URL (``mp.weixin.qq.com/s?__biz=…&mid=…&idx=…``; the assumption is
  that the article URL's ``mid`` is the ``msg_data_id``), else (2) by the title, taking the
  one ``msgid`` with that title, or the one whose ``n`` equals the post's when several share
  it. A post that is still ambiguous keeps zero metrics: a guess would credit the wrong
  article. Rows that do not fit the documented shape are logged and left out (they are not
  posts, so they are not dead letters).
- ``POST datacube/getusercumulate`` ``{begin_date, end_date}`` (at most 7 days) →
  ``list: [{ref_date, cumulate_user}]``: the followers of the latest day listed. The account
  has no plain "my profile" call for its own token (``api_get_authorizer_info`` needs a
  third-party platform), so the snapshot's name is the registry's ``display_name``; avatar,
  bio and verification stay empty, and ``post_count`` stays 0 (no extra call for it).
  ``datacube/getusersummary`` (daily new/cancelled followers) is not called: the snapshot has
  no field for it, and follower changes show in ``cumulate_user``.
- Comments (``cgi-bin/comment/list``) need the mass-send ``msg_data_id`` and an index, which
  ``freepublish/batchget`` does not give: not crawled (the default: no comments).

Errors come as ``{"errcode": N, "errmsg": "..."}`` with HTTP 200; ``errcode`` 0 is success
(offiaccount/en/Getting_Started/Global_Return_Code.html):

- 42001 access_token expired, 40001/40014 invalid credential or token → :class:`TokenExpired`
  (one refresh, then the call again);
- 40013 invalid appid, 40125 invalid appsecret, 40164 IP not in the whitelist →
  :class:`AuthError`; on ``cgi-bin/token`` 40001 means a wrong AppSecret, so every error there
  is an :class:`AuthError` except -1 and the quotas;
- 45009 daily quota, 45011 minute quota → :class:`RateLimited` (45011: retry in a minute);
- -1 system busy → :class:`TransientError`;
- 48001 api unauthorized, 61500/61501 date format/range, any other code, and an ``errcode``
  that is not a number → :class:`PermanentError`;
- 61503 "data not ready, please try later" (in SDK tables of WeChat's codes, not on the
  datacube pages, which say a day's statistics come out after 08:00 China time) →
  :class:`DataNotReady`: that day is left out of the article statistics, and the follower
  count is asked for the window ending a day earlier;
- 50002 "user limited" (用户受限，可能是违规后接口被封禁), what a banned or frozen account's own
  token gets → :class:`AccountGone` (banned); 48004 "api forbidden for irregularities"
  (api 接口被封禁) → :class:`AccountGone` (restricted). The global code list has no separate
  "account banned" code; these two are the documented nearest ones (an assumption).

A failing statistics call fails the crawl like any other call: datacube needs a verified
account, and a person should see that rather than posts without metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import Credential
from pipeline.crawlers.connectors.base import (
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
    TokenExpired,
    TransientError,
)
from pipeline.crawlers.http import PlatformHttp
from pipeline.logs import get_logger
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

log = get_logger(__name__)

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # datacube dates are China dates
PAGE_SIZE = 20  # the documented maximum of freepublish/batchget
SUMMARY_DAYS = 2  # getarticlesummary: yesterday and the day before, one call each
CUMULATE_DAYS = 7  # getusercumulate: the documented maximum span
TOKEN_MARGIN = timedelta(minutes=5)  # refresh a stored token this long before it expires
DEFAULT_EXPIRES_S = 7200

TOKEN_EXPIRED_CODES = {42001, 40001, 40014}
AUTH_CODES = {40013, 40125, 40164}
RATE_LIMIT_CODES = {45009, 45011}
MINUTE_QUOTA = 45011
BUSY = -1
USER_LIMITED = 50002
API_FORBIDDEN = 48004
UNREADABLE = -999  # an errcode that is not a number: a permanent error
DATA_NOT_READY = 61503

TOKEN = "cgi-bin/token"
PUBLISHED = "cgi-bin/freepublish/batchget"
ARTICLE_SUMMARY = "datacube/getarticlesummary"
USER_CUMULATE = "datacube/getusercumulate"


# --- payload shapes -----------------------------------------------------------------------
class _Content(BaseModel):
    news_item: list[Any]


class _Article(BaseModel):
    """One entry of ``item``: the article envelope; its news items are checked one by one."""

    article_id: str = Field(min_length=1)
    update_time: int
    content: _Content


class ArticleSummary(BaseModel):
    """One row of ``getarticlesummary``'s ``list`` (the fields used)."""

    model_config = ConfigDict(extra="ignore")

    ref_date: date
    msgid: str = Field(min_length=1)
    title: str = ""
    int_page_read_count: NonNegativeInt = 0
    share_count: NonNegativeInt = 0
    add_to_fav_count: NonNegativeInt = 0

    @property
    def msg_data_id(self) -> str:
        """The mass-send id part of ``msgid``."""
        return self.msgid.rpartition("_")[0] or self.msgid

    @property
    def index(self) -> int | None:
        """The article's place in its message (from 1), if ``msgid`` has one."""
        head, _, tail = self.msgid.rpartition("_")
        return int(tail) if head and tail.isdigit() else None

    def metrics(self) -> PostMetrics:
        """The row as post metrics."""
        return PostMetrics(views=self.int_page_read_count, shares=self.share_count,
                           favorites=self.add_to_fav_count)


# --- text -----------------------------------------------------------------------------------
class _TextOf(HTMLParser):
    """The visible text of an article's HTML, one line per block."""

    BLOCKS: ClassVar[frozenset[str]] = frozenset({
        "p", "div", "section", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
        "blockquote", "table", "ul", "ol", "figure", "figcaption", "pre"})
    HIDDEN: ClassVar[frozenset[str]] = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def plain_text(html: Any) -> str:
    """The text of an HTML fragment: tags stripped, entities decoded, blank lines dropped."""
    if not isinstance(html, str):
        raise TypeError(f"content is {type(html).__name__}, not a string")
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _article_text(news: dict[str, Any]) -> str:
    digest = news.get("digest") or ""
    if not isinstance(digest, str):
        raise TypeError(f"digest is {type(digest).__name__}, not a string")
    body = plain_text(news.get("content") or "")
    digest = " ".join(digest.split())
    if digest and not body.startswith(digest.rstrip("…. ")):
        return f"{digest}\n{body}" if body else digest
    return body


def url_msgid(url: str) -> str | None:
    """``"<mid>_<idx>"`` of a long-form article URL (``…/s?__biz=…&mid=…&idx=…``), else None."""
    query = parse_qs(urlsplit(url).query)
    mid, idx = query.get("mid", [""])[0], query.get("idx", [""])[0]
    return f"{mid}_{idx}" if mid.isdigit() and idx.isdigit() else None


# --- normalisers ----------------------------------------------------------------------------
def normalise_news_item(entry: dict[str, Any], account: RegisteredAccount,
                        now: datetime) -> Post:
    """One news item with its article's id and time → :class:`Post`.

    ``entry`` is ``{"article_id", "update_time", "index" (from 1), "news_item"}``.
    """
    news = entry["news_item"]
    if not isinstance(news, dict):
        raise TypeError(f"a news item is {type(news).__name__}, not an object")
    kind = PostKind.image if news.get("article_type") == "newspic" else PostKind.article
    return Post(
        post_id=f"{entry['article_id']}_{entry['index']}", account_key=account.account_key,
        platform=Platform.weixin_mp, kind=kind, title=news["title"], text=_article_text(news),
        url=news["url"], published_at=datetime.fromtimestamp(entry["update_time"], UTC),
        captured_at=now,
    )


def _deleted(entry: dict[str, Any]) -> bool:
    news = entry.get("news_item")
    return isinstance(news, dict) and news.get("is_deleted") is True


def normalise_articles(endpoint: str, raw_items: Any, account: RegisteredAccount,
                       now: datetime) -> tuple[list[Post], list[ItemError]]:
    """``item`` of ``freepublish/batchget`` → posts (one per news item) and item errors.

    An article whose envelope does not fit is one error (``item[2]: update_time: …``); a news
    item that does not fit is one error (``item[0].content.news_item[1]: title: …``) and its
    siblings go on. Errors carry the index of the article in ``item``.
    """
    if not isinstance(raw_items, list):
        raise BadPayload(endpoint, f"'item' is {type(raw_items).__name__}, not a list",
                         raw=str(raw_items)[:2000])
    posts: list[Post] = []
    errors: list[ItemError] = []
    for i, raw in enumerate(raw_items):
        try:
            article = _Article.model_validate(raw)
        except ValidationError as exc:
            errors.append(ItemError(i, f"item[{i}]: {describe(exc)}", raw))
            continue
        entries = [{"article_id": article.article_id, "update_time": article.update_time,
                    "index": n, "news_item": news}
                   for n, news in enumerate(article.content.news_item, start=1)]
        good, bad = normalise_items(
            endpoint, entries, lambda e: normalise_news_item(e, account, now),
            f"item[{i}].content.news_item", skip=_deleted)
        posts.extend(good)
        errors.extend(ItemError(i, err.message, err.raw) for err in bad)
    return posts, errors


def parse_summaries(endpoint: str, body: Any) -> list[ArticleSummary]:
    """The rows of a ``getarticlesummary`` answer; rows off the documented shape are logged."""
    rows = field_of(body, endpoint, "list")
    if not isinstance(rows, list):
        raise BadPayload(endpoint, f"'list' is {type(rows).__name__}, not a list",
                         raw=str(body)[:2000])
    good: list[ArticleSummary] = []
    for index, row in enumerate(rows):
        try:
            good.append(ArticleSummary.model_validate(row))
        except ValidationError as exc:
            log.warning("article summary row left out", endpoint=endpoint,
                        error=f"list[{index}]: {describe(exc)}")
    return good


def match_summaries(posts: Iterable[Post], rows: Iterable[ArticleSummary]
                    ) -> dict[str, ArticleSummary]:
    """post_id → the summary row of its latest day (see the module docstring for how)."""
    latest: dict[str, ArticleSummary] = {}
    for row in rows:
        if row.msgid not in latest or row.ref_date > latest[row.msgid].ref_date:
            latest[row.msgid] = row
    by_title: dict[str, list[ArticleSummary]] = {}
    for row in latest.values():
        by_title.setdefault(" ".join(row.title.split()), []).append(row)
    matched: dict[str, ArticleSummary] = {}
    for post in posts:
        msgid = url_msgid(post.url)
        if msgid is not None and msgid in latest:
            matched[post.post_id] = latest[msgid]
            continue
        candidates = by_title.get(" ".join(post.title.split()), [])
        if len(candidates) > 1:
            index = int(post.post_id.rpartition("_")[2])
            candidates = [row for row in candidates if row.index == index]
        if len(candidates) == 1:
            matched[post.post_id] = candidates[0]
    return matched


def latest_followers(endpoint: str, body: Any) -> int:
    """``cumulate_user`` of the latest ``ref_date`` of a ``getusercumulate`` answer."""
    rows = field_of(body, endpoint, "list")
    if not isinstance(rows, list):
        raise BadPayload(endpoint, f"'list' is {type(rows).__name__}, not a list",
                         raw=str(body)[:2000])
    best: tuple[str, int] | None = None
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadPayload(endpoint, f"list[{index}] is not an object", raw=str(body)[:2000])
        ref_date, followers = row.get("ref_date"), row.get("cumulate_user")
        if (not isinstance(ref_date, str) or not isinstance(followers, int)
                or isinstance(followers, bool) or followers < 0):
            raise BadPayload(endpoint, f"list[{index}] has no date or follower count",
                             raw=str(body)[:2000])
        if best is None or ref_date > best[0]:
            best = (ref_date, followers)
    if best is None:
        raise BadPayload(endpoint, "no follower count in the last "
                                   f"{CUMULATE_DAYS} days (a new account?)", raw=str(body)[:2000])
    return best[1]


class DataNotReady(PermanentError):
    """errcode 61503 "data not ready, please try later": a day's statistics are not out yet."""


def _code_of(body: Any) -> int | None:
    """The non-zero ``errcode`` of an answer, or None for a success."""
    if not isinstance(body, dict) or "errcode" not in body:
        return None
    try:
        code = int(body["errcode"])
    except (TypeError, ValueError):
        return UNREADABLE
    return code or None


def _day(value: date) -> str:
    return value.strftime("%Y-%m-%d")


class WeixinMpConnector(Connector):
    """WeChat Official Account API with the account's own appid and appsecret."""

    platform: ClassVar[Platform] = Platform.weixin_mp
    name: ClassVar[str] = "weixin-mp-api"
    default_base_url: ClassVar[str] = "https://api.weixin.qq.com"
    # Quotas are per account and per API per day (API_Call_Limits: e.g. 2,000 token calls a
    # day for a new account), with a per-minute quota on top (45011). One crawl makes about
    # four calls, so 100 a minute and 5 a second per account are far below; 20/s for all the
    # bank's accounts together keeps the shared egress IP polite.
    platform_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(20, 1.0),)
    credential_rate: ClassVar[tuple[RateRule, ...]] = (RateRule(100, 60.0), RateRule(5, 1.0))
    refreshes_tokens: ClassVar[bool] = True
    endpoints: ClassVar[tuple[str, ...]] = (TOKEN, USER_CUMULATE, PUBLISHED, ARTICLE_SUMMARY)

    def __init__(self, http: PlatformHttp, credential: Credential, base_url: str,
                 store: CheckpointStore) -> None:
        super().__init__(http, credential, base_url, store)
        stored = store.token(self.platform.value, credential.name)
        self.expires_at: datetime | None = stored.expires_at if stored else None
        self._token_lock = asyncio.Lock()
        # getarticlesummary rows of the current crawl, by account: (crawl time, rows)
        self._summaries: dict[str, tuple[datetime, list[ArticleSummary]]] = {}

    # --- errors ---------------------------------------------------------------------------
    def classify(self, endpoint: str, status: int, body: Any) -> None:
        code = _code_of(body)
        if code is None:
            return
        message = f"errcode {code}: {body.get('errmsg', '')}"
        if code in TOKEN_EXPIRED_CODES:
            raise TokenExpired(endpoint, message)
        if code in AUTH_CODES:
            raise AuthError(endpoint, message)
        if code in RATE_LIMIT_CODES:
            raise RateLimited(endpoint, message, 60.0 if code == MINUTE_QUOTA else None)
        if code == BUSY:
            raise TransientError(endpoint, message)
        if code == USER_LIMITED:
            raise AccountGone(endpoint, message + " (the account is banned or frozen)",
                              AccountStatus.banned)
        if code == API_FORBIDDEN:
            raise AccountGone(endpoint, message + " (the account's API access is banned "
                                                  "for irregularities)", AccountStatus.restricted)
        if code == DATA_NOT_READY:
            raise DataNotReady(endpoint, message)
        raise PermanentError(endpoint, message)

    def classify_token(self, endpoint: str, status: int, body: Any) -> None:
        """``cgi-bin/token``: busy and quotas as elsewhere, anything else is an auth error."""
        code = _code_of(body)
        if code is None:
            return
        if code == BUSY or code in RATE_LIMIT_CODES:
            self.classify(endpoint, status, body)
        hint = {40001: " (wrong AppSecret)", 40125: " (wrong AppSecret)",
                40013: " (wrong AppID)", 40164: " (this IP is not in the account's API IP "
                                                "whitelist)"}.get(code, "")
        raise AuthError(endpoint, f"errcode {code}: {body.get('errmsg', '')}{hint}")

    # --- token ----------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Get a new access token with the appid and appsecret, and keep it."""
        stale = self.access_token
        async with self._token_lock:
            if self.access_token and self.access_token != stale:
                return  # another call refreshed it meanwhile
            await self._fetch_token()

    async def _fetch_token(self) -> None:
        app_id, secret = self.credential.app_id, self.credential.app_secret.get_secret_value()
        if not app_id or not secret:
            raise AuthError(TOKEN, f"credential {self.credential.name!r} has no app_id and "
                                   "app_secret: WeChat tokens come only from them")

        def build() -> httpx.Request:
            return self.http.client.build_request("GET", self.url(TOKEN), params={
                "grant_type": "client_credential", "appid": app_id, "secret": secret})

        body = await self.http.call(TOKEN, build, self.classify_token, None)
        token = field_of(body, TOKEN, "access_token")
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_S)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise BadPayload(TOKEN, "access_token or expires_in has the wrong type")
        self.expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        self.keep_token(token, "", self.expires_at)
        log.info("access token obtained", credential=self.credential.name,
                 expires_in=expires_in)

    async def _ready(self) -> None:
        """Make sure there is a token that is not about to expire."""
        if self.access_token and (self.expires_at is None
                                  or datetime.now(UTC) < self.expires_at - TOKEN_MARGIN):
            return
        await self.refresh()

    def _params(self) -> dict[str, Any]:
        return {"access_token": self.access_token}

    async def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        await self._ready()
        return await self.post_json(endpoint, endpoint, lambda: body, params=self._params)

    # --- the three questions ---------------------------------------------------------------
    async def profile(self, account: RegisteredAccount, now: datetime) -> AccountSnapshot:
        yesterday = now.astimezone(CHINA).date() - timedelta(days=1)
        try:
            body = await self._cumulate(yesterday)
        except DataNotReady:  # before 08:00 China time yesterday may not be out yet
            body = await self._cumulate(yesterday - timedelta(days=1))
        followers = latest_followers(USER_CUMULATE, body)
        return AccountSnapshot(
            account_key=account.account_key, platform=Platform.weixin_mp,
            platform_account_id=account.platform_account_id, name=account.display_name,
            status=AccountStatus.active, followers=followers, captured_at=now)

    async def _cumulate(self, end: date) -> Any:
        return await self._post(USER_CUMULATE, {
            "begin_date": _day(end - timedelta(days=CUMULATE_DAYS - 1)), "end_date": _day(end)})

    async def timeline(self, account: RegisteredAccount, cursor: Any,
                       now: datetime) -> TimelinePage:
        offset = int(cursor or 0)
        body = await self._post(PUBLISHED, {"offset": offset, "count": PAGE_SIZE,
                                            "no_content": 0})
        raw_items = field_of(body, PUBLISHED, "item")
        total = field_of(body, PUBLISHED, "total_count")
        if not isinstance(total, int):
            raise BadPayload(PUBLISHED, f"'total_count' is {type(total).__name__}, not a number",
                             raw=str(body)[:2000])
        posts, errors = normalise_articles(PUBLISHED, raw_items, account, now)
        if posts:
            matched = match_summaries(posts, await self._article_summaries(account, now))
            posts = [p.model_copy(update={"metrics": matched[p.post_id].metrics()})
                     if p.post_id in matched else p for p in posts]
        nxt = offset + len(raw_items)
        return TimelinePage(PUBLISHED, posts, errors,
                            nxt if raw_items and nxt < total else None)

    async def _article_summaries(self, account: RegisteredAccount,
                                 now: datetime) -> list[ArticleSummary]:
        """The summary rows of the last :data:`SUMMARY_DAYS` days, fetched once per crawl."""
        cached = self._summaries.get(account.account_key)
        if cached is not None and cached[0] == now:
            return cached[1]
        yesterday = now.astimezone(CHINA).date() - timedelta(days=1)
        rows: list[ArticleSummary] = []
        for back in range(SUMMARY_DAYS):
            day = _day(yesterday - timedelta(days=back))
            try:
                body = await self._post(ARTICLE_SUMMARY, {"begin_date": day, "end_date": day})
            except DataNotReady:
                log.info("article statistics not out yet", day=day)
                continue
            rows.extend(parse_summaries(ARTICLE_SUMMARY, body))
        self._summaries[account.account_key] = (now, rows)
        return rows
