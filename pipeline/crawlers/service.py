"""One platform's crawler: connectors per credential, shared limits, the tier schedule.

``crawl run --once`` crawls every account of the roster on that platform once; without it the
crawler loops, crawling each account when its tier's interval has passed (official accounts
every few minutes, competitors every half hour, employees hourly: ``CrawlSettings.intervals``).
Accounts are crawled ``concurrency`` at a time; each credential has its own rate limiter and
all share the platform's. A stop request lets in-flight accounts finish their current
envelope, so the marks on disk match what the broker acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType

import httpx

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings, Credential
from pipeline.crawlers.connectors import connector_class
from pipeline.crawlers.connectors.base import Connector
from pipeline.crawlers.crawl import AccountCrawl, CrawlOutput
from pipeline.crawlers.errors import AuthError
from pipeline.crawlers.http import PlatformHttp, Sleep
from pipeline.crawlers.schedule import due_accounts, next_due_in
from pipeline.logs import get_logger
from pipeline.ratelimit import RateRule, SlidingWindowLimiter
from schemas.events import CrawlOutcome, CrawlStatus, RegisteredAccount

log = get_logger(__name__)

USER_AGENT = "MatrixGuard/0.1 (+https://github.com/matrixguard; bank account monitoring)"


class PlatformCrawler:
    """Crawls the accounts of one platform."""

    def __init__(self, platform: str, settings: CrawlSettings, store: CheckpointStore,
                 output: CrawlOutput, *, sleep: Sleep = asyncio.sleep) -> None:
        self.platform = platform
        self.settings = settings
        self.store = store
        self.output = output
        self.cls = connector_class(platform)
        self.base_url = settings.base_urls.get(platform, self.cls.default_base_url)
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self.connectors: list[Connector] = []
        self.stop_requested = asyncio.Event()

    def _rules(self, per_min: int | None, default: tuple[RateRule, ...]) -> tuple[RateRule, ...]:
        return (RateRule(per_min, 60.0),) if per_min else default

    async def __aenter__(self) -> PlatformCrawler:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.timeout_s,
                                  connect=self.settings.connect_timeout_s),
            headers={"User-Agent": USER_AGENT}, follow_redirects=False)
        override = self.settings.rates.get(self.platform)
        platform_rules = self._rules(override.platform_per_min if override else None,
                                     self.cls.platform_rate)
        platform_limiter = SlidingWindowLimiter(platform_rules) if platform_rules else None
        credentials: Sequence[Credential] = self.settings.credentials.get(self.platform, [])
        for credential in credentials:
            rules = self._rules(override.credential_per_min if override else None,
                                self.cls.credential_rate)
            http = PlatformHttp(
                self._client, self.settings, platform_limiter=platform_limiter,
                credential_limiter=SlidingWindowLimiter(rules) if rules else None,
                secrets=credential.secret_values(), sleep=self._sleep)
            self.connectors.append(self.cls(http, credential, self.base_url, self.store))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._client is not None:
            await self._client.aclose()

    def connector_for(self, account: RegisteredAccount) -> Connector | None:
        """The first credential authorised for the account."""
        return next((c for c in self.connectors if c.credential.serves(account.account_key)),
                    None)

    async def _no_credential(self, account: RegisteredAccount) -> CrawlStatus:
        now = datetime.now(UTC)
        error = AuthError("credentials", (
            f"no {self.platform} credential serves this account: add one to "
            "MATRIXGUARD_CRAWL__CREDENTIALS"))
        status = CrawlStatus(
            status_id=f"nocred-{account.account_key}-{int(now.timestamp())}",
            platform=account.platform, account_key=account.account_key, connector=self.cls.name,
            outcome=CrawlOutcome.auth_failed, endpoint=error.endpoint, error=error.message,
            started_at=now, finished_at=now)
        self.store.started(self.platform, account.account_key, now)
        self.store.finished(self.platform, account.account_key, at=now,
                            outcome=status.outcome.value, endpoint=status.endpoint,
                            error=status.error, success=False, posts=0, comments=0,
                            snapshot=None)
        try:
            await self.output.status(status)
        except Exception as exc:
            log.error("crawl status not published", account=account.account_key, error=str(exc))
        log.warning("no credential", platform=self.platform, account=account.account_key)
        return status

    async def crawl(self, accounts: Sequence[RegisteredAccount],
                    backfill_days: float | None = None) -> list[CrawlStatus]:
        """Crawl ``accounts`` once, ``concurrency`` at a time; one status per account."""
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(account: RegisteredAccount) -> CrawlStatus | None:
            async with gate:
                if self.stop_requested.is_set():
                    return None
                connector = self.connector_for(account)
                if connector is None:
                    return await self._no_credential(account)
                return await AccountCrawl(
                    connector, account, self.store, self.output, self.settings,
                    now=datetime.now(UTC), backfill_days=backfill_days,
                    should_stop=self.stop_requested.is_set).run()

        results = await asyncio.gather(*(one(a) for a in accounts))
        return [r for r in results if r is not None]

    async def run_forever(self, accounts: Sequence[RegisteredAccount]) -> None:
        """Crawl each account whenever its tier's interval has passed, until asked to stop."""
        while not self.stop_requested.is_set():
            started = {s.account_key: s.last_started for s in self.store.accounts(self.platform)}
            last = {a.account_key: started.get(a.account_key) for a in accounts}
            now = datetime.now(UTC)
            due = due_accounts(accounts, last, self.settings.intervals, now)
            if due:
                log.info("crawling due accounts", platform=self.platform, accounts=len(due))
                await self.crawl(due)
                continue
            wait = min(next_due_in(accounts, last, self.settings.intervals, now),
                       self.settings.tick_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_requested.wait(), timeout=max(wait, 0.1))
