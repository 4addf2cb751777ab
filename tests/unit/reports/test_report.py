"""The monthly report and the detail export: every figure against SQL computed here."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bench.report import history
from pipeline.reports import build_report, write_report
from pipeline.reports.data import MonthlyReport, QueryFn
from pipeline.reports.export import count_sql, export_details
from pipeline.warehouse.store import Warehouse

MONTH = "2026-10"
M0, M1, MP = "'2026-10-01 00:00:00'", "'2026-11-01 00:00:00'", "'2026-09-01 00:00:00'"
OWN = "kind IN ('official', 'employee')"
MONTH_START = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    w = Warehouse(f"chdb://{tmp_path_factory.mktemp('report') / 'wh'}")
    # September and October in full, and one day of November
    history(w, accounts=60, competitors=12, days=62, now=MONTH_START + timedelta(days=32),
            health_at=MONTH_START + timedelta(days=30, hours=12))
    yield w
    w.close()


@pytest.fixture(scope="module")
def query(wh: Warehouse) -> QueryFn:
    def run(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        r = wh.query(sql)
        return r.columns, r.rows
    return run


@pytest.fixture(scope="module")
def report(query: QueryFn) -> MonthlyReport:
    return build_report(query, MONTH)


def rows(wh: Warehouse, sql: str) -> dict[str, Any]:
    return {str(r[0]): r[1] for r in wh.query(sql).rows}


def scalar(wh: Warehouse, sql: str) -> Any:
    return wh.scalar(sql)


def posts_sql(start: str, end: str, extra: str = "") -> str:
    return (f"FROM posts FINAL WHERE published_at >= {start} AND published_at < {end} "
            f"AND account_kind IN ('official', 'employee') {extra}")


def followers_sql(start: str, end: str, group: str = "'all'", where: str = OWN) -> str:
    """Sum of each account's last followers in [start, end), from the raw snapshots."""
    return (f"SELECT g, sum(f) FROM (SELECT account_key, any({group}) AS g, "
            "argMax(followers, captured_at) AS f FROM account_snapshots AS s FINAL "
            "INNER JOIN (SELECT account_key, org_unit AS r_org, competitor_group FROM accounts "
            f"FINAL WHERE {where}) AS r USING (account_key) "
            f"WHERE captured_at >= {start} AND captured_at < {end} GROUP BY account_key) "
            "GROUP BY g")


def test_headline_equals_sql(wh: Warehouse, report: MonthlyReport) -> None:
    assert report.month == MONTH and report.previous_month == "2026-09"
    posts = scalar(wh, f"SELECT count() {posts_sql(M0, M1)}")
    posts_prev = scalar(wh, f"SELECT count() {posts_sql(MP, M0)}")
    inter = scalar(wh, f"SELECT sum(likes + comments + shares + favorites) {posts_sql(M0, M1)}")
    followers = rows(wh, followers_sql(M0, M1))["all"]
    followers_prev = rows(wh, followers_sql(MP, M0))["all"]
    active = scalar(wh, f"SELECT uniqExact(account_key) {posts_sql(M0, M1)}")
    assert posts > 1000 and followers > 0
    assert report.figure("posts").value == posts
    assert report.figure("posts").previous == posts_prev
    assert report.figure("posts").change == pytest.approx((posts - posts_prev) / posts_prev)
    assert report.figure("interactions").value == inter
    assert report.figure("followers").value == followers
    assert report.figure("followers").previous == followers_prev
    assert report.figure("growth").value == followers - followers_prev
    assert report.figure("interaction_rate").value == pytest.approx(inter / followers)
    assert report.figure("active_accounts").value == active


def test_org_and_platform_rows_equal_sql(wh: Warehouse, report: MonthlyReport) -> None:
    by_org = rows(wh, f"SELECT org_unit, count() {posts_sql(M0, M1)} GROUP BY org_unit")
    assert {r.name: r.posts for r in report.by_org if r.posts} == by_org
    inter = rows(wh, "SELECT toString(platform), sum(likes + comments + shares + favorites) "
                     f"{posts_sql(M0, M1)} GROUP BY platform")
    assert {r.name: r.interactions for r in report.by_platform} == inter
    followers = rows(wh, followers_sql(M0, M1, "r_org"))
    assert {r.name: r.followers for r in report.by_org if r.followers} == followers
    assert sum(r.accounts for r in report.by_org) == scalar(
        wh, f"SELECT count() FROM accounts FINAL WHERE {OWN}")


def test_risk_alerts_health_competitors_top_posts(wh: Warehouse,
                                                  report: MonthlyReport) -> None:
    hits = rows(wh, (
        "SELECT category, count() FROM (SELECT any(category) AS category, "
        "min(detected_at) AS first FROM risk_hits FINAL "
        "WHERE account_kind IN ('official', 'employee') GROUP BY account_key, item_type, "
        "item_id, rule_id, field, span_start, lexicon_version) "
        f"WHERE first >= {M0} AND first < {M1} GROUP BY category"))
    assert hits and {c.category: c.total for c in report.risk_by_category} == hits
    assert report.figure("risk_hits").value == sum(hits.values()) == len(report.risk_hits)
    fired = scalar(wh, "SELECT uniqExact(fingerprint) FROM alerts FINAL WHERE status = "
                       f"'firing' AND starts_at >= {M0} AND starts_at < {M1}")
    resolved = scalar(wh, "SELECT uniqExact(fingerprint) FROM alerts FINAL WHERE status = "
                          f"'resolved' AND ends_at >= {M0} AND ends_at < {M1}")
    assert fired > 0 and resolved > 0
    assert (report.alerts_fired, report.alerts_resolved) == (fired, resolved)
    assert report.figure("alerts_fired").value == fired
    worst = scalar(wh, "SELECT min(overall) FROM account_health_latest")
    assert report.health_worst[0].overall == worst
    means = rows(wh, "SELECT org_unit, avg(overall) FROM account_health_latest GROUP BY org_unit")
    assert {h.org_unit: pytest.approx(h.mean_overall) for h in report.health_by_org} == means
    groups = rows(wh, followers_sql(M0, M1, "competitor_group", "kind = 'competitor'"))
    assert len(groups) == 3
    assert {g.name: g.followers for g in report.competitors[1:]} == groups
    assert report.competitors[0].name == "本行"
    assert report.competitors[0].followers == report.figure("followers").value
    top = wh.query("SELECT post_id, likes + comments + shares + favorites AS i "
                   f"{posts_sql(M0, M1)} ORDER BY i DESC, post_id LIMIT 10").rows
    assert [(t.post_id, t.interactions) for t in report.top_posts] == [tuple(t) for t in top]
    daily = rows(wh, f"SELECT toString(toDate(published_at)) AS d, count() {posts_sql(M0, M1)} "
                     "GROUP BY d")
    assert {d.day: d.posts for d in report.daily} == daily and len(daily) == 31


def test_org_filter(wh: Warehouse, query: QueryFn) -> None:
    r = build_report(query, MONTH, "分行01")
    where = posts_sql(M0, M1, "AND startsWith(org_unit, '分行01')")
    posts = scalar(wh, f"SELECT count() {where}")
    assert posts > 0 and r.figure("posts").value == posts
    assert all(o.name.startswith("分行01") for o in r.by_org)
    assert all(a.org_unit.startswith("分行01") for a in r.accounts)
    assert r.competitors[1].accounts > 0  # competitors are never filtered by org


def test_xlsx_cells_equal_sql(wh: Warehouse, report: MonthlyReport, tmp_path: Path) -> None:
    _, xlsx = write_report(report, tmp_path)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["概览", "按账号", "按机构", "按平台", "竞品对比", "竞品热点",
                             "风险命中"]
    overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=3, values_only=True)}
    assert overview["发帖数"] == scalar(wh, f"SELECT count() {posts_sql(M0, M1)}")
    assert overview["月末粉丝"] == rows(wh, followers_sql(M0, M1))["all"]
    ws = wb["按账号"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["账号", "账号标识", "平台", "类型", "机构"]
    assert ws.freeze_panes == "B2"
    col = {h: i for i, h in enumerate(header)}
    body = list(ws.iter_rows(min_row=2, values_only=True))
    per_account = rows(wh, f"SELECT account_key, count() {posts_sql(M0, M1)} GROUP BY account_key")
    assert {r[1]: r[col["发帖"]] for r in body if r[col["发帖"]]} == per_account
    assert ws.cell(2, col["月末粉丝"] + 1).number_format == "#,##0"
    assert ws.cell(2, col["互动率"] + 1).number_format == "0.00%"
    org = wb["按机构"]
    assert org.freeze_panes == "B2"
    oh = [c.value for c in org[1]]
    inter = rows(wh, "SELECT org_unit, sum(likes + comments + shares + favorites) "
                     f"{posts_sql(M0, M1)} GROUP BY org_unit")
    assert {r[0]: r[oh.index("互动")] for r in org.iter_rows(min_row=2, values_only=True)
            if r[oh.index("互动")]} == inter
    plat = wb["按平台"]
    assert sum(r[1] for r in plat.iter_rows(min_row=2, values_only=True)) == scalar(
        wh, f"SELECT count() FROM accounts FINAL WHERE {OWN}")
    assert plat["B2"].value and plat[2][0].value in ("抖音", "小红书", "视频号", "公众号", "微博",
                                                     "B站", "快手")
    hits = wb["风险命中"]
    assert hits.max_row - 1 == report.figure("risk_hits").value
    assert hits.freeze_panes == "B2"


def test_export_row_counts_equal_sql(wh: Warehouse, query: QueryFn, tmp_path: Path) -> None:
    since, until = "2026-10-03", "2026-10-20T12:00:00+00:00"
    n = scalar(wh, count_sql(since, until))
    direct = scalar(wh, "SELECT count() FROM posts FINAL WHERE published_at >= '2026-10-03' "
                        "AND published_at < '2026-10-20 12:00:00' "
                        "AND account_kind IN ('official', 'employee')")
    assert n == direct and n > 1000
    out = tmp_path / "d.csv"
    assert export_details(query, out, since=since, until=until) == n
    with out.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][:3] == ["发布时间(UTC)", "平台", "账号标识"]
    assert len(lines) - 1 == n and len({(r[2], r[7]) for r in lines[1:]}) == n

    # XLSX, several keyset pages, an org filter
    org = "分行02"
    m = scalar(wh, count_sql(since, until, org))
    assert m > 0
    from pipeline.reports import export

    x = tmp_path / "d.xlsx"
    rows_iter = export.iter_rows(query, since, until, org, chunk=37)
    assert export.export_xlsx(rows_iter, x) == m
    ws = load_workbook(x, read_only=True)["明细"]
    got = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(got) == m and all(str(r[5]).startswith(org) for r in got)
    assert len({(r[2], r[7]) for r in got}) == m
    assert sorted(r[0] for r in got) == [r[0] for r in got]
    assert export_details(query, tmp_path / "c.csv", since=since, until=until,
                          competitors=True) == scalar(wh, count_sql(since, until,
                                                                    competitors=True)) > n


def test_xlsx_export_rolls_over_to_a_new_sheet(query: QueryFn, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.reports import export

    monkeypatch.setattr(export, "XLSX_SHEET_ROWS", 50)
    path = tmp_path / "r.xlsx"
    n = export.export_xlsx(export.iter_rows(query, "2026-10-01", "2026-10-02"), path)
    wb = load_workbook(path)
    assert n > 100 and wb.sheetnames[:3] == ["明细", "明细2", "明细3"]
    assert sum(ws.max_row - 1 for ws in wb.worksheets) == n
    assert all(ws.freeze_panes == "A2" and ws["A1"].value == "发布时间(UTC)"
               for ws in wb.worksheets)
    assert wb["明细"]["J2"].number_format == "#,##0"

