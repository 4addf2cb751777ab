"""The ``matrixguard`` command line. Errors are one clear line and a non-zero exit."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import httpx
import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline import logs
from pipeline.settings import Settings

if TYPE_CHECKING:
    from agents.health.warehouse import HealthRun

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="MatrixGuard: real-time risk monitor for a bank's new-media account matrix.",
)
crawl_app = typer.Typer(no_args_is_help=True, help="Publish crawl pages on the raw topic.")
registry_app = typer.Typer(no_args_is_help=True, help="The account registry (花名册).")
schemas_app = typer.Typer(no_args_is_help=True, help="Event contracts.")
lexicon_app = typer.Typer(no_args_is_help=True, help="The sensitivity lexicon (敏感词库).")
health_app = typer.Typer(no_args_is_help=True, help="Health check of own accounts (矩阵体检).")
app.add_typer(crawl_app, name="crawl")
app.add_typer(registry_app, name="registry")
app.add_typer(schemas_app, name="schemas")
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(health_app, name="health")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

DataDir = Annotated[Path | None, typer.Option(help="Embedded state directory [default: var]")]
BrokerUrl = Annotated[str | None, typer.Option(help="kafka://host:port (default: settings)")]
WarehouseUrl = Annotated[
    str | None, typer.Option(help="chdb:///path or http(s)://user:pass@host:8123/db")]


class CliError(Exception):
    """An error whose message is meant for the user as is."""


def _settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**values)
    logs.configure(settings.log_format, settings.log_level)
    return settings


def _bootstrap(settings: Settings) -> str:
    from pipeline.broker import bootstrap_servers

    if not settings.broker_url:
        raise CliError("no broker: set MATRIXGUARD_BROKER_URL or pass --broker-url "
                       "(only `matrixguard run` starts an embedded broker)")
    return bootstrap_servers(settings.broker_url)


def _guard(fn: Callable[[], T]) -> T:
    """Run ``fn``; turn any failure into one line on stderr and exit code 1."""
    from clickhouse_connect.driver.exceptions import ClickHouseError
    from kafka.errors import KafkaError

    from agents.alerting.config import ConfigError
    from agents.sensitivity.lexicon import LexiconError
    from agents.sensitivity.matcher import PatternError
    from pipeline.broker import BrokerError
    from pipeline.grafana_publish import PublishError
    from pipeline.registry.roster import RosterError
    from pipeline.warehouse.client import WarehouseError
    from pipeline.warehouse.migrations import MigrationError
    from pipeline.worker import WorkerBusyError

    known = (CliError, BrokerError, RosterError, WarehouseError, MigrationError, WorkerBusyError,
             ClickHouseError, KafkaError, OSError, LexiconError, PatternError, ConfigError,
             PublishError)
    try:
        return fn()
    except known as exc:
        err.print(f"[red]error:[/red] {escape(_one_line(exc))}", highlight=False, soft_wrap=True)
    except Exception as exc:
        if os.environ.get("MATRIXGUARD_DEBUG"):
            raise
        err.print(f"[red]error:[/red] {type(exc).__name__}: {escape(_one_line(exc))} "
                  "(set MATRIXGUARD_DEBUG=1 for the traceback)", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _one_line(exc: BaseException) -> str:
    from pipeline.warehouse.client import redact_url

    text = " ".join(str(exc).split()) or type(exc).__name__
    for word in text.split():
        if "://" in word and "@" in word:
            text = text.replace(word, redact_url(word))
    return text[:600]


@app.command()
def run(
    events: Annotated[int | None, typer.Option(help="Stop after publishing N events")] = None,
    duration: Annotated[float | None, typer.Option(help="Stop publishing after S seconds")] = None,
    rate: Annotated[float | None, typer.Option(help="Events per second (default: max)")] = None,
    seed: Annotated[int, typer.Option(help="Simulator seed")] = 7,
    backfill_days: Annotated[int, typer.Option(help="Generate D days of history first")] = 0,
    malformed_share: Annotated[float, typer.Option(help="Share of malformed events")] = 0.01,
    data_dir: DataDir = None,
    roster: Annotated[Path | None, typer.Option(help="Roster imported on first run")] = None,
) -> None:
    """Run broker + migrations + worker + simulator, embedded, until done or Ctrl-C."""
    from pipeline.runner import RunOptions, run_embedded, summary_table

    settings = _settings(data_dir=data_dir, roster=roster)
    if events is None and duration is None and rate is None:
        rate = 500.0  # an endless run: a steady, watchable stream
    opts = RunOptions(events=events, duration_s=duration, rate=rate, seed=seed,
                      backfill_days=backfill_days, malformed_share=malformed_share)
    summary = _guard(lambda: run_embedded(settings, opts))
    out.print(summary_table(summary))
    out.print(f"summary written to {Path(summary['data_dir']) / 'last-run.json'}")
    if not summary["complete"]:
        err.print("[yellow]warning:[/yellow] stopped at once (second Ctrl-C) before everything "
                  "published was written; the embedded broker's in-memory topics went with it")


@app.command()
def worker(broker_url: BrokerUrl = None, warehouse_url: WarehouseUrl = None,
           data_dir: DataDir = None) -> None:
    """The production worker: ingest + sinks against MATRIXGUARD_BROKER_URL/WAREHOUSE_URL."""
    from pipeline.warehouse.store import Warehouse
    from pipeline.worker import WorkerBusyError, read_lock, run_worker

    settings = _settings(broker_url=broker_url, warehouse_url=warehouse_url, data_dir=data_dir)

    def go() -> None:
        bootstrap = _bootstrap(settings)
        url = settings.resolved_warehouse_url()
        other = read_lock(url)
        if other:
            raise WorkerBusyError(f"a worker (pid {other['pid']}) already owns this warehouse")
        warehouse = Warehouse(url)
        try:
            run_worker(settings, bootstrap, warehouse)
        finally:
            warehouse.close()

    _guard(go)


@app.command()
def migrate(warehouse_url: WarehouseUrl = None, data_dir: DataDir = None) -> None:
    """Apply pending ClickHouse migrations."""
    from pipeline.warehouse.migrations import migrate as apply
    from pipeline.warehouse.store import Warehouse

    settings = _settings(warehouse_url=warehouse_url, data_dir=data_dir)

    def go() -> None:
        _refuse_if_worker_owns(settings.resolved_warehouse_url())
        warehouse = Warehouse(settings.resolved_warehouse_url())
        try:
            ran = apply(warehouse.client)
        finally:
            warehouse.close()
        out.print(f"applied {len(ran)} migration(s)"
                  + (": " + ", ".join(f"{m.version:04d}_{m.name}" for m in ran) if ran else ""))

    _guard(go)


def _refuse_if_worker_owns(url: str) -> None:
    from pipeline.worker import read_lock

    other = read_lock(url)
    if other:
        raise CliError(f"the worker (pid {other['pid']}) owns this embedded warehouse; "
                       "stop it first (chDB allows one process per data directory)")


class Format(StrEnum):
    """Output formats of ``sql``."""

    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    warehouse_url: WarehouseUrl = None, data_dir: DataDir = None,
) -> None:
    """Run a read-only query (works whether or not a worker is running on the warehouse)."""
    settings = _settings(warehouse_url=warehouse_url, data_dir=data_dir)

    def go() -> tuple[list[str], list[list[Any]]]:
        return run_sql(settings, query)

    columns, rows = _guard(go)
    if format is Format.json:
        sys.stdout.write(orjson.dumps(
            [dict(zip(columns, r, strict=True)) for r in rows], default=str).decode() + "\n")
    elif format is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        table = Table(*columns, header_style="bold")
        for r in rows:
            table.add_row(*(str(v) for v in r))
        out.print(table)


def run_sql(settings: Settings, query: str) -> tuple[list[str], list[list[Any]]]:
    """Query through the live worker that owns an embedded warehouse, or directly.

    A worker that is starting holds the directory before its lock file says so: while the
    warehouse is busy, look for the worker again rather than fail.
    """
    from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

    from pipeline.warehouse.client import WarehouseBusyError

    for attempt in Retrying(
        retry=retry_if_exception_type(WarehouseBusyError), stop=stop_after_delay(30),
        wait=wait_exponential(multiplier=0.05, max=1.0), reraise=True,
    ):
        with attempt:
            return _sql_once(settings, query)
    raise AssertionError("unreachable: tenacity re-raises the last error")


def _sql_once(settings: Settings, query: str) -> tuple[list[str], list[list[Any]]]:
    from pipeline.warehouse.store import Warehouse
    from pipeline.worker import read_lock

    url = settings.resolved_warehouse_url()
    lock = read_lock(url)
    if lock:
        try:
            resp = httpx.post(f"http://127.0.0.1:{lock['port']}/sql/",
                              content=orjson.dumps({"query": query}), timeout=60)
        except httpx.HTTPError as exc:
            raise CliError(f"the worker (pid {lock['pid']}) owns the warehouse but did not "
                           f"answer: {exc}") from exc
        body = orjson.loads(resp.content)
        if resp.status_code != 200:
            raise CliError(str(body.get("error", resp.text)))
        return list(body["columns"]), [list(r) for r in body["rows"]]
    from pipeline.warehouse.client import chdb_path

    path = chdb_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no warehouse at {path}: run `matrixguard run` or `matrixguard migrate`")
    warehouse = Warehouse(url, wait_s=0)
    try:
        rows = warehouse.query(query, readonly=True)
    finally:
        warehouse.close()
    return rows.columns, [list(r) for r in rows.rows]


@app.command()
def doctor(broker_url: BrokerUrl = None, warehouse_url: WarehouseUrl = None,
           data_dir: DataDir = None) -> None:
    """Check what this machine and these settings need; one line per check."""
    from pipeline.doctor import run_checks

    settings = _settings(broker_url=broker_url, warehouse_url=warehouse_url, data_dir=data_dir)
    results = _guard(lambda: run_checks(settings))
    table = Table("check", "status", "detail", header_style="bold")
    for check in results:
        table.add_row(check.name, "[green]ok[/green]" if check.ok else "[red]FAIL[/red]",
                      check.detail)
    out.print(table)
    if not all(c.ok for c in results):
        raise typer.Exit(1)


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="Roster: .csv, .xlsx or .yaml")],
    broker_url: BrokerUrl = None, warehouse_url: WarehouseUrl = None, data_dir: DataDir = None,
) -> None:
    """Validate a roster; land it in ClickHouse and on the compacted registry topic."""
    from pipeline.registry.publish import publish_accounts, write_accounts
    from pipeline.registry.roster import read_roster
    from pipeline.warehouse.migrations import migrate as apply
    from pipeline.warehouse.store import Warehouse

    settings = _settings(broker_url=broker_url, warehouse_url=warehouse_url, data_dir=data_dir)

    def go() -> int:
        accounts = read_roster(file)  # validate everything before touching anything
        url = settings.resolved_warehouse_url()
        _refuse_if_worker_owns(url)
        warehouse = Warehouse(url)
        try:
            apply(warehouse.client)
            write_accounts(warehouse, accounts, str(file))
        finally:
            warehouse.close()
        if settings.broker_url:
            publish_accounts(_bootstrap(settings), accounts)
        return len(accounts)

    n = _guard(go)
    target = "warehouse and registry topic" if settings.broker_url else "warehouse"
    out.print(f"imported {n} accounts from {file} into the {target}")


@crawl_app.command("simulate")
def crawl_simulate(
    broker_url: BrokerUrl = None,
    roster: Annotated[Path | None, typer.Option(help="Roster to simulate")] = None,
    events: Annotated[int | None, typer.Option(help="Stop after N events")] = None,
    rate: Annotated[float | None, typer.Option(help="Events per second (default: max)")] = None,
    seed: Annotated[int, typer.Option()] = 7,
    backfill_days: Annotated[int, typer.Option()] = 0,
    malformed_share: Annotated[float, typer.Option()] = 0.01,
    report: Annotated[Path | None, typer.Option(help="Write the final counts as JSON")] = None,
) -> None:
    """Publish simulated crawl pages (until N events, or until Ctrl-C)."""
    from pipeline.crawlers.publisher import make_producer, publish
    from pipeline.crawlers.simulator import Simulator, SimulatorConfig
    from pipeline.registry.roster import read_roster

    settings = _settings(broker_url=broker_url, roster=roster)
    stop = _stop_flag()

    def go() -> dict[str, Any]:
        accounts = read_roster(settings.roster)
        sim = Simulator(accounts, SimulatorConfig(seed=seed, malformed_share=malformed_share))
        pages = (sim.take(events, backfill_days=backfill_days) if events is not None
                 else sim.messages(backfill_days=backfill_days))
        producer = make_producer(_bootstrap(settings))
        try:
            result = publish(producer, pages, rate=rate, should_stop=stop)
        finally:
            producer.close(timeout=10)
        return result.as_dict()

    result = _guard(go)
    if report is not None:
        tmp = report.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(result))
        tmp.replace(report)
    logs.get_logger("crawl").info("simulator done", **result)


@crawl_app.command("replay")
def crawl_replay(
    file: Annotated[Path, typer.Argument(help="JSONL file, one crawl page per line")],
    broker_url: BrokerUrl = None,
    rate: Annotated[float | None, typer.Option(help="Events per second (default: max)")] = None,
) -> None:
    """Publish a JSONL file of crawl pages on the raw topic, line by line."""
    from pipeline.crawlers.publisher import make_producer, publish
    from pipeline.crawlers.replay import read_jsonl

    settings = _settings(broker_url=broker_url)

    def go() -> dict[str, Any]:
        if not file.is_file():
            raise CliError(f"{file}: file not found")
        producer = make_producer(_bootstrap(settings))
        try:
            return publish(producer, read_jsonl(file), rate=rate,
                           should_stop=_stop_flag()).as_dict()
        finally:
            producer.close(timeout=10)

    result = _guard(go)
    out.print(f"published {result['messages']:,} pages ({result['events']:,} events) from {file}")


@schemas_app.command("export")
def schemas_export(directory: Annotated[Path, typer.Argument(help="Output directory")]) -> None:
    """Write JSON Schema of the event contracts for connector authors."""
    from schemas.export import export_json_schema

    _settings()
    written = _guard(lambda: export_json_schema(directory))
    for path in written:
        out.print(str(path))


LexiconDir = Annotated[Path | None, typer.Option("--lexicon", help="Lexicon directory "
                                                 "[default: the shipped default lexicon]")]


@lexicon_app.command("validate")
def lexicon_validate(directory: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Check rule files: schema errors with file:line, duplicate ids, patterns that fail."""
    from agents.sensitivity.lexicon import DEFAULT_DIR, load_lexicon
    from agents.sensitivity.matcher import Matcher

    _settings()
    path = directory or DEFAULT_DIR

    def go() -> tuple[str, int, int]:
        lexicon = load_lexicon(path)
        matcher = Matcher(lexicon, None)  # compiles every pattern with Hyperscan
        return lexicon.version, len(lexicon.rules), len(matcher.entries)

    version, rules, patterns = _guard(go)
    out.print(f"{path}: valid — {rules} rules, {patterns} patterns, version {version}")


@lexicon_app.command("check")
def lexicon_check(
    text: Annotated[str, typer.Argument(help="Text to check")],
    item: Annotated[str, typer.Option(help="post | comment | profile")] = "post",
    account: Annotated[str, typer.Option(help="official | employee | competitor")] = "official",
    lexicon: LexiconDir = None,
) -> None:
    """Show the hits on the text, highlighted, with rule, category, citation and suggestion."""
    from rich.text import Text

    from agents.sensitivity.lexicon import DEFAULT_DIR, load_lexicon
    from agents.sensitivity.matcher import Matcher
    from agents.sensitivity.scorer import score_item

    settings = _settings()
    if item not in ("post", "comment", "profile") or account not in (
            "official", "employee", "competitor"):
        err.print("[red]error:[/red] --item is post|comment|profile and --account is "
                  "official|employee|competitor", highlight=False)
        raise typer.Exit(1)

    def go() -> Any:
        path = lexicon or settings.lexicon_dir or DEFAULT_DIR
        matcher = Matcher(load_lexicon(path), settings.data_dir / "lexicon-cache")
        return score_item(matcher, {"text": text}, item, account)  # type: ignore[arg-type]

    scored = _guard(go)
    shown = Text(text)
    for hit in scored.hits:
        shown.stylize("bold reverse red", hit.start, hit.end)
    out.print(shown)
    out.print(f"风险分 {scored.score}（{scored.level}） · 词库版本 {scored.lexicon_version}")
    if scored.hits:
        table = Table("规则", "类别", "命中", "位置", "分值", "依据", "建议",
                      header_style="bold")
        for hit in scored.hits:
            table.add_row(hit.rule_id, hit.category_label, hit.term, f"{hit.start}-{hit.end}",
                          str(hit.points), hit.citation, hit.suggestion)
        out.print(table)


@lexicon_app.command("backtest")
def lexicon_backtest(
    since: Annotated[str, typer.Option(help="How far back, e.g. 30d or 12h")] = "30d",
    lexicon: LexiconDir = None,
    warehouse_url: WarehouseUrl = None, data_dir: DataDir = None,
) -> None:
    """Rescore stored content with a candidate lexicon; per category, hits added and removed."""
    from agents.sensitivity.backtest import StoredItem, backtest
    from agents.sensitivity.lexicon import DEFAULT_DIR, load_lexicon
    from agents.sensitivity.matcher import Matcher
    from agents.sensitivity.rules import CATEGORY_LABELS, Category

    settings = _settings(warehouse_url=warehouse_url, data_dir=data_dir)
    match = re.fullmatch(r"(\d+)([dh])", since.strip())
    if not match:
        err.print("[red]error:[/red] --since takes a number of days or hours, e.g. 30d or 12h",
                  highlight=False)
        raise typer.Exit(1)
    hours = int(match.group(1)) * (24 if match.group(2) == "d" else 1)

    def go() -> Any:
        live = Matcher(load_lexicon(settings.lexicon_dir), None)
        candidate = Matcher(load_lexicon(lexicon or DEFAULT_DIR), None)
        window = f"captured_at >= now64(3) - INTERVAL {hours} HOUR"
        items: list[StoredItem] = []
        _, posts = run_sql(settings, "SELECT post_id, account_kind, title, text, "
                           f"arrayStringConcat(tags, ' ') FROM posts FINAL WHERE {window}")
        items += [StoredItem("post", r[0], r[1] or None, {"title": r[2], "text": r[3],
                                                            "tags": r[4]}) for r in posts]
        _, comments = run_sql(settings, "SELECT comment_id, account_kind, text FROM comments "
                              f"FINAL WHERE {window}")
        items += [StoredItem("comment", r[0], r[1] or None, {"text": r[2]}) for r in comments]
        _, profiles = run_sql(settings, "SELECT account_key, argMax(kind, captured_at), "
                              "argMax(name, captured_at), argMax(bio, captured_at) FROM "
                              f"account_snapshots WHERE {window} GROUP BY account_key")
        items += [StoredItem("profile", r[0], r[1] or None, {"name": r[2], "bio": r[3]})
                  for r in profiles]
        return live, candidate, backtest(live, candidate, items)

    live, candidate, report = _guard(go)
    out.print(f"{report.items:,} items since {since}: live lexicon {live.version} vs "
              f"candidate {candidate.version}")
    table = Table("类别", "现行命中", "候选命中", "新增", "减少", "新增示例", "减少示例",
                  header_style="bold")
    for cat in Category:
        key = cat.value
        if not (report.live[key] or report.candidate[key]):
            continue
        table.add_row(CATEGORY_LABELS[cat], str(report.live[key]), str(report.candidate[key]),
                      f"+{report.added[key]}", f"-{report.removed[key]}",
                      "\n".join(report.examples_added.get(key, [])),
                      "\n".join(report.examples_removed.get(key, [])))
    out.print(table)


@health_app.command("check")
def health_check(
    org: Annotated[str | None, typer.Option(
        help="Only accounts whose org unit starts with this, e.g. 杭州分行")] = None,
    kind: Annotated[str | None, typer.Option(help="official | employee")] = None,
    limit: Annotated[int | None, typer.Option(
        help="Show the N worst accounts (every checked account is written)")] = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    warehouse_url: WarehouseUrl = None, data_dir: DataDir = None,
) -> None:
    """Check own accounts on four dimensions, worst first; write the run to ClickHouse."""
    from agents.health.score import DIMENSION_LABELS, KIND_LABELS, PLATFORM_LABELS, Dimension

    settings = _settings(warehouse_url=warehouse_url, data_dir=data_dir)
    if kind is not None and kind not in ("official", "employee"):
        err.print("[red]error:[/red] --kind is official|employee (competitor accounts are not "
                  "health-checked)", highlight=False)
        raise typer.Exit(1)
    if limit is not None and limit < 1:
        err.print("[red]error:[/red] --limit must be at least 1", highlight=False)
        raise typer.Exit(1)
    run = _guard(lambda: run_health_check(settings, org, kind))
    reports = run.reports[:limit] if limit else run.reports
    if format is Format.json:
        doc = run.model_dump(mode="json", exclude={"reports"})
        doc.update(accounts=len(run.reports), seconds=round(run.seconds, 3), levels=run.levels,
                   reports=[r.model_dump(mode="json") for r in reports])
        sys.stdout.write(orjson.dumps(doc).decode() + "\n")
        return
    dims = list(Dimension)
    if format is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["account_key", "display_name", "platform", "kind", "org_unit",
                         *(f"{d.value}_score" for d in dims), "overall", "level",
                         "finding_count", "main_issues"])
        writer.writerows([r.account_key, r.display_name, r.platform, r.kind.value, r.org_unit,
                          *(r.score(d) for d in dims), r.overall, r.level, len(r.findings),
                          r.main_issues()] for r in reports)
        sys.stdout.write(buf.getvalue())
        return
    if not run.reports:
        out.print("没有符合条件的自有账号（官方、员工）：请先导入花名册，或检查 --org / --kind")
        return
    colours = {"优秀": "green", "良好": "cyan", "一般": "yellow", "较差": "red"}

    def cell(score: int) -> str:
        return f"[red]{score}[/red]" if score < 60 else str(score)

    table = Table("账号", "平台", "类型", "机构", *(DIMENSION_LABELS[d] for d in dims), "综合",
                  "等级", "主要问题", header_style="bold")
    for r in reports:
        table.add_row(escape(r.display_name), PLATFORM_LABELS.get(r.platform, r.platform),
                      KIND_LABELS.get(r.kind.value, r.kind.value), escape(r.org_unit),
                      *(cell(r.score(d)) for d in dims), f"[bold]{cell(r.overall)}[/bold]",
                      f"[{colours.get(r.level, 'white')}]{r.level}[/]",
                      escape(r.main_issues()) or "—")
    view = out if out.is_terminal else Console(width=200)  # piped: no squeezed columns
    view.print(table)
    shown = f"，显示最差 {len(reports)} 个" if len(reports) < len(run.reports) else ""
    view.print(f"体检 {len(run.reports)} 个账号{shown}，用时 {run.seconds:.2f} 秒：" + " · ".join(
        f"{level} {n}" for level, n in run.levels.items()) + f"（run {run.run_id}）",
        highlight=False, soft_wrap=True)


def run_health_check(settings: Settings, org: str | None, kind: str | None) -> HealthRun:
    """A 'cli' health check run: through the live worker that owns an embedded warehouse (its
    ``/health-check/``), or on the warehouse directly."""
    from agents.health.warehouse import HealthRun, check
    from pipeline.warehouse.client import chdb_path
    from pipeline.warehouse.migrations import migrate as apply
    from pipeline.warehouse.store import Warehouse
    from pipeline.worker import read_lock

    url = settings.resolved_warehouse_url()
    lock = read_lock(url)
    if lock:
        try:
            resp = httpx.post(f"http://127.0.0.1:{lock['port']}/health-check/",
                              content=orjson.dumps({"org": org, "kind": kind}), timeout=600)
        except httpx.HTTPError as exc:
            raise CliError(f"the worker (pid {lock['pid']}) owns the warehouse but did not "
                           f"answer: {exc}") from exc
        if resp.status_code != 200:
            try:
                message = str(orjson.loads(resp.content)["error"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                message = f"the worker answered HTTP {resp.status_code}"
            raise CliError(message)
        return HealthRun.model_validate_json(resp.content)
    path = chdb_path(url)
    if path is not None and not path.exists():
        raise CliError(f"no warehouse at {path}: run `matrixguard run` or "
                       "`matrixguard registry import FILE`")
    warehouse = Warehouse(url)
    try:
        apply(warehouse.client)
        return check(warehouse, settings, "cli", org=org, kind=kind)
    finally:
        warehouse.close()


def _stop_flag() -> Callable[[], bool]:
    """A flag set by the first SIGINT/SIGTERM, so a publisher ends cleanly and reports."""
    stopped = {"v": False}

    def handler(signum: int, frame: object) -> None:
        stopped["v"] = True

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return lambda: stopped["v"]

def _add_alerting_commands() -> None:
    from pipeline.cli_alerts import alerts_app, silence_app
    from pipeline.cli_crawl import crawl_run, crawl_status
    from pipeline.cli_dashboards import dashboards_app
    from pipeline.cli_reports import export_app, report_app

    crawl_app.command("run")(crawl_run)
    crawl_app.command("status")(crawl_status)

    app.add_typer(alerts_app, name="alerts")
    app.add_typer(silence_app, name="silence")
    app.add_typer(dashboards_app, name="dashboards")
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")


_add_alerting_commands()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
