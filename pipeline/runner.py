"""``matrixguard run``: the whole pipeline on one machine, embedded.

Tansu broker (child process) → migrations and registry → simulated crawler (child process) →
Faust worker (this process, owning the chDB warehouse) → live progress → summary in
``<data dir>/last-run.json``. With ``--events`` or ``--duration`` the run ends by itself once
everything published has been written; otherwise it runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.live import Live
from rich.table import Table

from pipeline.app import Pipeline
from pipeline.broker import EmbeddedBroker
from pipeline.children import die_with_parent
from pipeline.logs import get_logger
from pipeline.registry.publish import publish_accounts, write_accounts
from pipeline.registry.roster import read_roster
from pipeline.settings import Settings
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse
from pipeline.worker import WorkerBusyError, read_lock, run_worker
from schemas.events import RegisteredAccount
from schemas.topics import RAW_CRAWL

log = get_logger(__name__)

SUMMARY_TABLES = ("accounts", "account_snapshots", "posts", "post_metrics", "comments",
                  "content_scores", "risk_hits", "account_anomalies", "alerts",
                  "notification_log", "dead_letters")


@dataclass(frozen=True)
class RunOptions:
    """What ``matrixguard run`` was asked to do."""

    events: int | None = None
    duration_s: float | None = None
    rate: float | None = None
    seed: int = 7
    backfill_days: int = 0
    malformed_share: float = 0.01


def ensure_registry(warehouse: Warehouse, roster: Path) -> list[RegisteredAccount]:
    """The registry in the warehouse; imported from ``roster`` when the warehouse has none."""
    rows = warehouse.query(
        "SELECT * EXCEPT (imported_at, source_file) FROM accounts FINAL ORDER BY account_key")
    if rows.rows:
        return [
            RegisteredAccount.model_validate(
                {k: (v if v != "" or k != "competitor_group" else None)
                 for k, v in zip(rows.columns, row, strict=True)})
            for row in rows.rows
        ]
    accounts = read_roster(roster)
    write_accounts(warehouse, accounts, str(roster))
    log.info("registry imported", accounts=len(accounts), file=str(roster))
    return accounts


def warehouse_counts(warehouse: Warehouse) -> dict[str, int]:
    """Deduplicated row counts of the analyst tables (the form analysts query: FINAL)."""
    sql = " UNION ALL ".join(
        f"SELECT '{t}' AS t, count() AS n FROM {t} FINAL" for t in SUMMARY_TABLES)
    return {str(t): int(n) for t, n in warehouse.query(sql).rows}


def _simulator_command(settings: Settings, broker: EmbeddedBroker, opts: RunOptions,
                       report: Path) -> list[str]:
    cmd = [sys.executable, "-m", "pipeline.cli", "crawl", "simulate",
           "--broker-url", broker.url, "--roster", str(settings.roster), "--seed", str(opts.seed),
           "--backfill-days", str(opts.backfill_days), "--report", str(report),
           "--malformed-share", str(opts.malformed_share)]
    if opts.events is not None:
        cmd += ["--events", str(opts.events)]
    if opts.rate is not None:
        cmd += ["--rate", str(opts.rate)]
    return cmd


def _progress_table(stats: dict[str, Any], published: int | None, lag: int | None,
                    eps: float) -> Table:
    table = Table(title="MatrixGuard — embedded run", show_header=True, header_style="bold")
    for col in ("events/s in", "raw pages", "accepted", "dead letters", "rows written", "lag",
                "p99 latency"):
        table.add_column(col, justify="right")
    accepted = sum(stats["accepted"].values())
    p99 = stats["latency_p99_s"]
    table.add_row(
        f"{eps:,.0f}", f"{stats['raw_messages']:,}" + (f"/{published:,}" if published else ""),
        f"{accepted:,}", f"{sum(stats['dead_letters'].values()):,}",
        f"{sum(stats['rows_written'].values()):,}", "-" if lag is None else f"{lag:,}",
        "-" if p99 is None else f"{p99:.3f}s",
    )
    return table


def _raw_lag(pipeline: Pipeline) -> int | None:
    consumer = pipeline.app.consumer
    try:
        tps = [tp for tp in consumer.assignment() if tp.topic == RAW_CRAWL.name]
        high = sum(consumer.highwater(tp) or 0 for tp in tps)
    except Exception:  # the consumer is not assigned yet
        return None
    return max(high - pipeline.stats.raw_messages, 0) if tps else None


class Monitor:
    """Runs inside the worker: shows progress, ends the run once everything is written."""

    def __init__(self, sim: subprocess.Popen[bytes], report: Path, opts: RunOptions) -> None:
        self.sim = sim
        self.report_path = report
        self.opts = opts
        self.published: dict[str, Any] | None = None
        self.console = Console(stderr=True)
        self.interrupted = 0
        self.pipeline: Pipeline | None = None

    def _on_stop_signal(self) -> None:
        """First Ctrl-C/SIGTERM: stop crawling, finish writing what is in flight. Second: stop.

        The embedded broker keeps topics in memory, so stopping before the sink has written
        an accepted event would lose it with the broker.
        """
        self.interrupted += 1
        if self.interrupted == 1:
            log.warning("stopping: crawler stopped, writing what is in flight "
                        "(Ctrl-C again to stop at once)")
            if self.sim.poll() is None:
                self.sim.send_signal(signal.SIGINT)
        elif self.pipeline is not None:
            self.pipeline.request_stop()

    def read_report(self) -> dict[str, Any] | None:
        if self.sim.poll() is None or not self.report_path.is_file():
            return None
        data: dict[str, Any] = orjson.loads(self.report_path.read_bytes())
        return data

    async def __call__(self, pipeline: Pipeline) -> None:
        stats = pipeline.stats
        self.pipeline = pipeline
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_stop_signal)
        started = time.monotonic()
        last_events, last_t = 0, started
        live = Live(console=self.console, refresh_per_second=2, transient=False) \
            if self.console.is_terminal else None
        last_log = started
        with live or contextlib.nullcontext():
            while True:
                await asyncio.sleep(0.5)
                now = time.monotonic()
                if (self.opts.duration_s is not None and now - started >= self.opts.duration_s
                        and self.sim.poll() is None):
                    self.sim.send_signal(signal.SIGINT)
                if self.sim.poll() is not None and self.published is None:
                    self.published = self.read_report()
                    if self.published is None:
                        log.error("simulator failed", returncode=self.sim.returncode)
                        break
                snap = stats.snapshot()
                events = sum(snap["accepted"].values()) + sum(snap["dead_letters"].values())
                eps = (events - last_events) / max(now - last_t, 1e-6)
                last_events, last_t = events, now
                published = self.published["messages"] if self.published else None
                if live is not None:
                    live.update(_progress_table(snap, published, _raw_lag(pipeline), eps))
                elif now - last_log >= 5:
                    last_log = now
                    log.info("progress", events_per_s=round(eps), raw_pages=snap["raw_messages"],
                             accepted=sum(snap["accepted"].values()),
                             dead_letters=sum(snap["dead_letters"].values()),
                             rows_written=sum(snap["rows_written"].values()),
                             lag=_raw_lag(pipeline))
                if (self.published is not None
                        and stats.raw_messages >= self.published["messages"]
                        and stats.drained()):
                    break
        pipeline.request_stop()


def run_embedded(settings: Settings, opts: RunOptions) -> dict[str, Any]:
    """Run everything embedded; return the summary (also written to last-run.json)."""
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_warehouse_url()
    other = read_lock(url)
    if other:
        raise WorkerBusyError(f"a worker (pid {other['pid']}) is already running on {data_dir}")
    started_at = datetime.now(UTC)
    t0 = time.monotonic()
    report = data_dir / "simulator-report.json"
    report.unlink(missing_ok=True)
    warehouse = Warehouse(url)
    try:
        migrate(warehouse.client)
        accounts = ensure_registry(warehouse, settings.roster)
        with EmbeddedBroker(log_path=data_dir / "broker.log") as broker:
            publish_accounts(broker.bootstrap, accounts)
            sim = subprocess.Popen(
                _simulator_command(settings, broker, opts, report),
                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent(own_group=False),
                env={**os.environ, "MATRIXGUARD_LOG_FORMAT": "json"},
            )
            monitor = Monitor(sim, report, opts)
            try:
                pipeline = run_worker(settings, broker.bootstrap, warehouse, hook=monitor)
            finally:
                if sim.poll() is None:
                    sim.send_signal(signal.SIGINT)
                    try:
                        sim.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        sim.kill()
            published = monitor.published or monitor.read_report() or {}
        summary: dict[str, Any] = {
            "started_at": started_at.isoformat(),
            "seconds": round(time.monotonic() - t0, 3),
            "data_dir": str(data_dir),
            "published": published,
            "pipeline": pipeline.stats.snapshot(),
            "warehouse": warehouse_counts(warehouse),
            "complete": bool(published) and pipeline.stats.raw_messages >= int(
                published.get("messages", 0)) and pipeline.stats.drained(),
        }
    finally:
        warehouse.close()
    (data_dir / "last-run.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return summary


def summary_table(summary: dict[str, Any]) -> Table:
    """The end-of-run summary as a rich table."""
    table = Table(title="MatrixGuard — run summary", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    published = summary.get("published") or {}
    pipe = summary["pipeline"]
    table.add_row("events published", f"{published.get('events', 0):,}")
    table.add_row("crawl pages published", f"{published.get('messages', 0):,}")
    for kind, n in sorted(pipe["accepted"].items()):
        table.add_row(f"accepted {kind}s", f"{n:,}")
    for kind, n in sorted(pipe.get("scored", {}).items()):
        table.add_row(f"scored {kind}", f"{n:,}")
    table.add_row("dead letters", f"{sum(pipe['dead_letters'].values()):,}")
    for name, n in summary["warehouse"].items():
        table.add_row(f"warehouse {name} (FINAL)", f"{n:,}")
    table.add_row("seconds", f"{summary['seconds']:.1f}")
    return table
