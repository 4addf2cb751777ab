"""``matrixguard crawl run`` (the platform connectors) and ``matrixguard crawl status``.

Plain functions: ``pipeline.cli`` registers them on its ``crawl`` group (so they exist when
the CLI runs as ``python -m pipeline.cli`` too).
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from pipeline.settings import Settings
from schemas.events import CrawlStatus

DataDir = Annotated[Path | None, typer.Option(help="Embedded state directory [default: var]")]
BrokerUrl = Annotated[str | None, typer.Option(help="kafka://host:port (default: settings)")]


def checkpoint_path(settings: Settings) -> Path:
    """Where the crawler keeps its marks, account states and refreshed tokens."""
    return settings.data_dir / "crawl" / "checkpoints.sqlite"


def _status_table(statuses: list[CrawlStatus]) -> Table:
    table = Table("account", "outcome", "new posts", "refreshed", "new comments", "pages",
                  "dead letters", "requests", "problem", header_style="bold",
                  title="crawl results")
    for s in sorted(statuses, key=lambda s: s.account_key):
        table.add_row(s.account_key, s.outcome.value, str(s.posts_new), str(s.posts_refreshed),
                      str(s.comments_new), str(s.pages), str(s.dead_letters), str(s.requests),
                      f"{s.endpoint}: {s.error}" if s.error else "")
    return table


def crawl_run(
    platform: Annotated[str, typer.Option(help="weibo, douyin, bilibili, weixin_mp, kuaishou, "
                                               "xiaohongshu")],
    roster: Annotated[Path | None, typer.Option(help="Roster CSV [default: settings]")] = None,
    once: Annotated[bool, typer.Option("--once", help="Crawl every account once, then exit")
                    ] = False,
    backfill_days: Annotated[float | None, typer.Option(
        help="Re-read this many days of history (with --once)")] = None,
    broker_url: BrokerUrl = None, data_dir: DataDir = None,
) -> None:
    """Crawl a platform's accounts of the roster, publishing crawl envelopes on the raw topic.

    Without --once it runs until Ctrl-C, crawling each account when its tier is due
    (MATRIXGUARD_CRAWL__INTERVALS). Credentials: MATRIXGUARD_CRAWL__CREDENTIALS.
    """
    from pipeline.cli import CliError, _bootstrap, _guard, _settings, out
    from pipeline.crawlers.checkpoints import CheckpointStore
    from pipeline.crawlers.connectors import CONNECTORS
    from pipeline.crawlers.output import KafkaOutput
    from pipeline.registry.roster import read_roster

    settings = _settings(broker_url=broker_url, roster=roster, data_dir=data_dir)

    def go() -> list[CrawlStatus]:
        if platform not in CONNECTORS:
            raise CliError(f"no connector for platform {platform!r}; "
                           f"connectors: {', '.join(CONNECTORS)}")
        if backfill_days is not None and not once:
            raise CliError("--backfill-days needs --once (a backfill is one pass)")
        if not settings.roster.is_file():
            raise CliError(f"{settings.roster}: file not found")
        accounts = [a for a in read_roster(settings.roster) if a.platform.value == platform]
        if not accounts:
            raise CliError(f"the roster {settings.roster} has no {platform} accounts")
        output = KafkaOutput.connect(_bootstrap(settings))
        store = CheckpointStore(checkpoint_path(settings))
        try:
            return asyncio.run(_crawl(platform, settings, store, output, accounts, once,
                                      backfill_days))
        finally:
            store.close()
            output.close()

    statuses = _guard(go)
    if once:
        out.print(_status_table(statuses))


async def _crawl(platform: str, settings: Settings, store: Any, output: Any,
                 accounts: list[Any], once: bool, backfill_days: float | None
                 ) -> list[CrawlStatus]:
    from pipeline.crawlers.service import PlatformCrawler

    async with PlatformCrawler(platform, settings.crawl, store, output) as crawler:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, crawler.stop_requested.set)
        if once:
            return await crawler.crawl(accounts, backfill_days=backfill_days)
        await crawler.run_forever(accounts)
        return []


def crawl_status(
    platform: Annotated[str | None, typer.Option(help="Only this platform")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
    data_dir: DataDir = None,
) -> None:
    """The last crawl of every account: when, how it ended, what failed, totals."""
    from pipeline.cli import CliError, _guard, _settings, out
    from pipeline.crawlers.checkpoints import CheckpointStore

    settings = _settings(data_dir=data_dir)

    def go() -> list[dict[str, Any]]:
        if format not in ("table", "json"):
            raise CliError("--format takes table or json")
        path = checkpoint_path(settings)
        if not path.is_file():
            raise CliError(f"no crawl state at {path}: run `matrixguard crawl run` first")
        store = CheckpointStore(path)
        try:
            return [{
                "platform": a.platform, "account_key": a.account_key,
                "last_started": a.last_started, "last_finished": a.last_finished,
                "outcome": a.outcome, "endpoint": a.endpoint, "error": a.error,
                "last_success": a.last_success, "posts_total": a.posts_total,
                "comments_total": a.comments_total,
            } for a in store.accounts(platform)]
        finally:
            store.close()

    rows = _guard(go)
    if format == "json":
        typer.echo(orjson.dumps(rows).decode())
        return
    now = datetime.now(UTC)

    def ago(value: datetime | None) -> str:
        if value is None:
            return "never"
        seconds = int((now - value).total_seconds())
        return (f"{seconds}s ago" if seconds < 120 else f"{seconds // 60}m ago"
                if seconds < 7200 else f"{seconds // 3600}h ago")

    table = Table("platform", "account", "last crawl", "outcome", "last success", "posts",
                  "comments", "problem", header_style="bold", title="crawl status")
    for r in rows:
        table.add_row(r["platform"], r["account_key"], ago(r["last_started"]),
                      r["outcome"] or "running", ago(r["last_success"]), str(r["posts_total"]),
                      str(r["comments_total"]),
                      f"{r['endpoint']}: {r['error']}" if r["error"] else "")
    out.print(table)
