"""The monthly operations report (HTML + XLSX) and detail exports."""

from __future__ import annotations

from pathlib import Path

from pipeline.reports.data import MonthlyReport, QueryFn, build_report

FORMATS = ("html", "xlsx")


def write_report(report: MonthlyReport, out_dir: Path, formats: tuple[str, ...] = FORMATS,
                 stem: str | None = None) -> list[Path]:
    """Write the report in each format to ``out_dir``; the files written."""
    from pipeline.reports.html import render_html
    from pipeline.reports.xlsx import write_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem or f"matrix-report-{report.month}" + (
        f"-{report.org.replace('/', '_')}" if report.org else "")
    written: list[Path] = []
    for fmt in formats:
        path = out_dir / f"{name}.{fmt}"
        if fmt == "html":
            path.write_text(render_html(report), encoding="utf-8")
        elif fmt == "xlsx":
            write_xlsx(report, path)
        else:
            raise ValueError(f"--format takes html and/or xlsx, not {fmt!r}")
        written.append(path)
    return written


__all__ = ["FORMATS", "MonthlyReport", "QueryFn", "build_report", "write_report"]
