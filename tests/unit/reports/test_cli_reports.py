"""``report monthly`` and ``export details`` as a user runs them (Typer sub-apps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from bench.report import history
from pipeline.cli_reports import export_app, report_app
from pipeline.warehouse.store import Warehouse


@pytest.fixture
def posts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A warehouse for the CLI's settings; own posts published 2026-10-01 … 2026-10-10."""
    url = f"chdb://{tmp_path / 'wh'}"
    start = datetime(2026, 10, 1, tzinfo=UTC)
    wh = Warehouse(url)
    try:
        history(wh, accounts=20, competitors=6, days=40, now=start + timedelta(days=32),
                health_at=start + timedelta(days=30))
        posts = wh.scalar("SELECT count() FROM posts FINAL WHERE published_at >= '2026-10-01' "
                          "AND published_at < '2026-10-11' "
                          "AND account_kind IN ('official', 'employee')")
    finally:
        wh.close()
    monkeypatch.setenv("MATRIXGUARD_WAREHOUSE_URL", url)
    monkeypatch.setenv("MATRIXGUARD_DATA_DIR", str(tmp_path / "var"))
    return int(posts)


def test_report_monthly_and_export_details(posts: int, tmp_path: Path) -> None:
    app = typer.Typer()  # registered as pipeline/cli.py does
    app.add_typer(report_app, name="report")
    app.add_typer(export_app, name="export")
    runner = CliRunner()
    out = tmp_path / "out"
    done = runner.invoke(app, ["report", "monthly", "--month", "2026-10", "--out-dir", str(out)])
    assert done.exit_code == 0, done.output
    html, xlsx = out / "matrix-report-2026-10.html", out / "matrix-report-2026-10.xlsx"
    assert "新媒体矩阵运营月报" in html.read_text(encoding="utf-8")
    assert load_workbook(xlsx).sheetnames[:4] == ["概览", "按账号", "按机构", "按平台"]

    done = runner.invoke(app, ["report", "monthly", "--month", "2026-13"])
    assert done.exit_code == 1 and "YYYY-MM" in done.output
    done = runner.invoke(app, ["report", "monthly", "--month", "2026-10", "--format", "pdf"])
    assert done.exit_code == 1 and "html" in done.output

    target = tmp_path / "d.xlsx"
    done = runner.invoke(app, ["export", "details", "--since", "2026-10-01", "--until",
                               "2026-10-11", "--format", "xlsx", "--output", str(target)])
    assert done.exit_code == 0, done.output
    assert f"{posts:,} 行" in done.output
    assert load_workbook(target)["明细"].max_row == posts + 1
