"""``matrixguard report monthly`` (运营月报) and ``matrixguard export details`` (明细导出)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

report_app = typer.Typer(no_args_is_help=True, help="Reports (运营月报): the monthly report.")
export_app = typer.Typer(no_args_is_help=True, help="Exports (明细导出): detail data.")


def _last_month() -> str:
    today = datetime.now(UTC).date()
    first = date(today.year, today.month, 1)
    prev = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    return prev.strftime("%Y-%m")


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str | None, typer.Option(help="YYYY-MM [default: last month]")] = None,
    org: Annotated[str, typer.Option(help="org-unit prefix, e.g. 杭州分行")] = "",
    format: Annotated[str, typer.Option(help="html,xlsx (comma-separated)")] = "html,xlsx",
    out_dir: Annotated[Path, typer.Option(help="directory to write to")] = Path("."),
) -> None:
    """The monthly operations report: one self-contained HTML and the 明细数据 XLSX."""
    from pipeline.cli import CliError, _guard, _settings, out, run_sql
    from pipeline.reports import FORMATS, build_report, write_report
    from pipeline.reports.data import parse_month

    settings = _settings()
    formats = tuple(f.strip() for f in format.split(",") if f.strip())

    def go() -> list[Path]:
        if not formats or any(f not in FORMATS for f in formats):
            raise CliError("--format takes html and/or xlsx, e.g. html,xlsx")
        try:
            parse_month(month or _last_month())
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        report = build_report(lambda sql: run_sql(settings, sql), month or _last_month(), org)
        return write_report(report, out_dir, formats)

    for path in _guard(go):
        out.print(str(path))


@export_app.command("details")
def export_details_cmd(
    since: Annotated[str, typer.Option(help="from (inclusive): YYYY-MM-DD or ISO time, UTC")],
    until: Annotated[str, typer.Option(help="to (exclusive): YYYY-MM-DD or ISO time, UTC")],
    org: Annotated[str, typer.Option(help="org-unit prefix, e.g. 杭州分行")] = "",
    format: Annotated[str, typer.Option(help="csv | xlsx")] = "csv",
    output: Annotated[Path | None, typer.Option(help="file [default: details-SINCE-UNTIL.FMT]")
                      ] = None,
    competitors: Annotated[bool, typer.Option(help="include competitor accounts")] = False,
) -> None:
    """Posts with their account's context (org unit, team, platform) for any filter."""
    from pipeline.cli import CliError, _guard, _settings, out, run_sql
    from pipeline.reports.export import export_details, parse_time

    settings = _settings()

    def go() -> tuple[Path, int]:
        if format not in ("csv", "xlsx"):
            raise CliError("--format must be csv or xlsx")
        try:
            parse_time(since)
            parse_time(until)
        except ValueError as exc:
            raise CliError(f"--since/--until: {exc}") from exc
        path = output or Path(f"details-{since[:10]}-{until[:10]}.{format}")
        n = export_details(lambda sql: run_sql(settings, sql), path, since=since, until=until,
                           org=org, fmt=format, competitors=competitors)
        return path, n

    path, n = _guard(go)
    out.print(f"{path}: {n:,} 行")
