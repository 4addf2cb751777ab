"""``matrixguard alerts …`` and ``matrixguard silence …`` (amtool's verbs, in Chinese output)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from clickhouse_connect.driver.binding import format_query_value
from rich.table import Table

alerts_app = typer.Typer(no_args_is_help=True, help="Alerts (告警): list, show, test a route.")
silence_app = typer.Typer(no_args_is_help=True, help="Silences (静默): add, list, expire.")

SILENCE_COLUMNS = ("silence_id", "matchers", "starts_at", "ends_at", "created_by", "comment",
                   "updated_at")


@alerts_app.command("list")
def alerts_list(
    state: Annotated[str, typer.Option(help="firing | resolved | all")] = "firing",
    limit: Annotated[int, typer.Option(help="rows to show")] = 50,
) -> None:
    """Alerts by their latest state, newest first."""
    from pipeline.cli import CliError, _guard, _settings, out, run_sql

    def refuse() -> None:
        raise CliError("--state must be firing, resolved or all")

    if state not in ("firing", "resolved", "all"):
        _guard(refuse)
    where = "" if state == "all" else f"WHERE status = {format_query_value(state)}"
    query = ("SELECT fingerprint, status, severity, alertname, account_key, org_unit, owner, "
             "title, starts_at FROM (SELECT fingerprint, argMax(status, received_at) AS status, "
             "any(severity) AS severity, any(alertname) AS alertname, "
             "any(account_key) AS account_key, any(org_unit) AS org_unit, any(owner) AS owner, "
             "argMax(title, received_at) AS title, min(starts_at) AS starts_at "
             f"FROM alerts FINAL GROUP BY fingerprint) {where} "
             f"ORDER BY starts_at DESC LIMIT {int(limit)}")
    settings = _settings()
    _, rows = _guard(lambda: run_sql(settings, query))
    table = Table(header_style="bold")
    table.add_column("指纹", no_wrap=True, min_width=16)
    for name in ("状态", "级别", "告警", "账号", "机构", "负责人", "标题", "开始"):
        table.add_column(name)
    for r in rows:
        table.add_row(*(str(v) for v in r))
    out.print(table)


@alerts_app.command("show")
def alerts_show(fingerprint: Annotated[str, typer.Argument(help="the alert's fingerprint")]
                ) -> None:
    """An alert's transitions and every notification attempt that carried it."""
    from pipeline.cli import CliError, _guard, _settings, out, run_sql

    settings = _settings()

    def go() -> tuple[list[list[Any]], list[list[Any]]]:
        fp = format_query_value(fingerprint)
        _, alerts = run_sql(settings, (
            "SELECT status, severity, alertname, account_key, title, summary, starts_at, "
            f"ends_at, received_at FROM alerts FINAL WHERE fingerprint = {fp} "
            "ORDER BY received_at"))
        if not alerts:
            raise CliError(f"no alert with fingerprint {fingerprint}")
        _, sent = run_sql(settings, (
            "SELECT at, receiver, channel, status, attempt, error, group_key "
            f"FROM notification_log FINAL WHERE has(fingerprints, {fp}) "
            "ORDER BY at"))
        return alerts, sent

    alerts, sent = _guard(go)
    table = Table("状态", "级别", "告警", "账号", "标题", "摘要", "开始", "结束", "收到",
                  header_style="bold")
    for r in alerts:
        table.add_row(*(str(v) for v in r))
    out.print(table)
    log = Table("时间", "接收方", "渠道", "结果", "尝试", "错误", "分组", header_style="bold")
    for r in sent:
        log.add_row(*(str(v) for v in r))
    out.print(log)


@alerts_app.command("test-route")
def alerts_test_route(
    labels: Annotated[str, typer.Option(help="k=v,k=v … e.g. severity=critical,"
                                             "account_kind=employee,org_unit=杭州分行")],
    config: Annotated[Path | None, typer.Option(help="alerting config file")] = None,
) -> None:
    """Which receivers an alert with these labels would reach (like amtool's)."""
    from agents.alerting.config import load_config
    from agents.alerting.routing import group_key, route_alert
    from pipeline.cli import CliError, _guard, _settings, out

    settings = _settings()

    def go() -> list[tuple[str, ...]]:
        pairs = [p.split("=", 1) for p in labels.split(",") if p.strip()]
        if any(len(p) != 2 or not p[0].strip() for p in pairs):
            raise CliError("--labels must be k=v pairs separated by commas")
        found = {k.strip(): v.strip() for k, v in pairs}
        cfg = load_config(config or settings.alerting_config, settings.secrets())
        rows: list[tuple[str, ...]] = []
        for d in route_alert(cfg.route, found):
            key, _ = group_key(d, found)
            rows.append((d.receiver, ",".join(d.group_by), f"{d.group_wait:g}s",
                         f"{d.group_interval:g}s", f"{d.repeat_interval:g}s", key))
        return rows

    rows = _guard(go)
    table = Table("接收方", "分组依据", "group_wait", "group_interval", "repeat_interval",
                  "分组键", header_style="bold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _write_silence(row: dict[str, Any]) -> None:
    """Insert a silence row through the worker that owns the warehouse, or directly."""
    from pipeline.cli import CliError, _settings
    from pipeline.warehouse.store import Warehouse
    from pipeline.worker import read_lock

    settings = _settings()
    url = settings.resolved_warehouse_url()
    lock = read_lock(url)
    if lock:
        try:
            resp = httpx.post(f"http://127.0.0.1:{lock['port']}/silences/",
                              content=orjson.dumps(row, default=str), timeout=30)
        except httpx.HTTPError as exc:
            raise CliError(f"the worker (pid {lock['pid']}) did not answer: {exc}") from exc
        if resp.status_code != 200:
            raise CliError(str(orjson.loads(resp.content).get("error", resp.text)))
        return
    warehouse = Warehouse(url)
    try:
        warehouse.insert("silences", [[row[c]] for c in SILENCE_COLUMNS], SILENCE_COLUMNS)
    finally:
        warehouse.close()


@silence_app.command("add")
def silence_add(
    matchers: Annotated[str, typer.Option(help="e.g. account=douyin:1,alertname=ContentRisk")],
    author: Annotated[str, typer.Option(help="who silences")],
    comment: Annotated[str, typer.Option(help="why")],
    duration: Annotated[str, typer.Option(help="how long, e.g. 2h, 30m, 1d")] = "2h",
    starts_at: Annotated[str | None, typer.Option(
        help="when it starts (ISO 8601, e.g. 2026-11-24T09:00+08:00); default now")] = None,
) -> None:
    """Mute matching alerts for a while (now, or from --starts-at)."""
    from agents.alerting.matchers import parse_matchers
    from agents.alerting.routing import parse_duration
    from agents.alerting.silences import new_silence_id
    from pipeline.cli import _guard, out

    def go() -> str:
        parsed = parse_matchers(matchers)
        if not parsed:
            raise ValueError("--matchers needs at least one matcher")
        now = datetime.now(UTC)
        try:
            start = _dt(starts_at) if starts_at else now
        except ValueError:
            raise ValueError(f"--starts-at is not an ISO 8601 time: {starts_at!r}") from None
        ends = start + timedelta(seconds=parse_duration(duration))
        sid = new_silence_id(parsed, start, author)
        _write_silence({"silence_id": sid, "matchers": [str(m) for m in parsed],
                        "starts_at": start, "ends_at": ends, "created_by": author,
                        "comment": comment, "updated_at": now})
        return sid

    out.print(_guard(go))


@silence_app.command("list")
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="expired ones too")] = False,
) -> None:
    """Silences in force (or all)."""
    from pipeline.cli import _guard, _settings, out, run_sql

    where = "" if all_ else "WHERE ends_at > now64(3)"
    settings = _settings()
    _, rows = _guard(lambda: run_sql(settings, (
        "SELECT silence_id, arrayStringConcat(matchers, ','), starts_at, ends_at, created_by, "
        f"comment FROM silences FINAL {where} ORDER BY starts_at DESC")))
    table = Table(header_style="bold")
    table.add_column("ID", no_wrap=True, min_width=16)
    for name in ("匹配", "开始", "结束", "创建人", "说明"):
        table.add_column(name)
    for r in rows:
        table.add_row(*(str(v) for v in r))
    out.print(table)


@silence_app.command("expire")
def silence_expire(silence_id: Annotated[str, typer.Argument(help="the silence's id")]) -> None:
    """End a silence now."""
    from pipeline.cli import CliError, _guard, _settings, out, run_sql

    settings = _settings()

    def go() -> None:
        _, rows = run_sql(settings, (
            "SELECT silence_id, matchers, starts_at, ends_at, created_by, comment "
            f"FROM silences FINAL WHERE silence_id = {format_query_value(silence_id)}"))
        if not rows:
            raise CliError(f"no silence {silence_id}")
        sid, matchers, starts, _, author, comment = rows[0]
        now = datetime.now(UTC)
        _write_silence({"silence_id": sid, "matchers": list(matchers),
                        "starts_at": _dt(starts), "ends_at": now, "created_by": author,
                        "comment": comment, "updated_at": now})

    _guard(go)
    out.print(f"expired {silence_id}")


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
