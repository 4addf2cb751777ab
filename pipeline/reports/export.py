"""One-click export of detail data: posts with their account's context over a time filter.

Rows are read in keyset-paginated chunks (``published_at, account_key, post_id`` after the
last row of the previous chunk), so memory stays at one chunk whatever the range, and written
as they come: CSV (UTF-8 with BOM, so Excel reads the Chinese) or XLSX in openpyxl's
write-only mode (a new sheet every 1,000,000 rows, under Excel's 1,048,576-row limit).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.reports.data import QueryFn, own_filter, q

COLUMNS: list[tuple[str, str, str | None]] = [
    # (header, SQL expression, number format)
    ("发布时间(UTC)", "formatDateTime(p.published_at, '%Y-%m-%d %H:%i:%S')", None),
    ("平台", "toString(p.platform)", None),
    ("账号标识", "p.account_key", None),
    ("账号", "a.display_name", None),
    ("类型", "toString(p.account_kind)", None),
    ("机构", "p.org_unit", None),
    ("团队", "p.team", None),
    ("作品ID", "p.post_id", None),
    ("标题", "p.title", None),
    ("播放/阅读", "toUInt64(p.views)", "#,##0"),
    ("点赞", "toUInt64(p.likes)", "#,##0"),
    ("评论", "toUInt64(p.comments)", "#,##0"),
    ("分享", "toUInt64(p.shares)", "#,##0"),
    ("收藏", "toUInt64(p.favorites)", "#,##0"),
    ("互动", "toUInt64(p.interactions)", "#,##0"),
    ("链接", "p.url", None),
]
HEADERS = [h for h, _, _ in COLUMNS]
CHUNK = 200_000
XLSX_SHEET_ROWS = 1_000_000


def parse_time(value: str) -> str:
    """``YYYY-MM-DD`` or an ISO time → a ClickHouse DateTime64 literal (UTC)."""
    try:
        t = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a date or ISO time: {value!r}") from exc
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return f"toDateTime64('{t.strftime('%Y-%m-%d %H:%M:%S.%f')[:23]}', 3, 'UTC')"


def where(since: str, until: str, org: str = "", *, competitors: bool = False) -> str:
    """The export's filter: published in [since, until), own accounts (and competitors)."""
    kinds = own_filter(org, "p.account_kind", "p.org_unit")
    if competitors:
        kinds = f"(({kinds}) OR p.account_kind = 'competitor')"
    return (f"p.published_at >= {parse_time(since)} AND p.published_at < {parse_time(until)}"
            f" AND {kinds}")


def count_sql(since: str, until: str, org: str = "", *, competitors: bool = False) -> str:
    return (f"SELECT count() FROM v_posts_latest AS p "
            f"WHERE {where(since, until, org, competitors=competitors)}")


def iter_rows(query: QueryFn, since: str, until: str, org: str = "", *,
              competitors: bool = False, chunk: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Every detail row, ordered by publication time, in chunks of ``chunk``."""
    cond = where(since, until, org, competitors=competitors)
    select = ", ".join(f"{expr} AS c{i}" for i, (_, expr, _) in enumerate(COLUMNS))
    key = ("toUnixTimestamp64Milli(p.published_at) AS k_t, p.account_key AS k_a, "
           "p.post_id AS k_p")
    after = ""
    while True:
        sql = (f"SELECT {select}, {key} FROM v_posts_latest AS p LEFT JOIN "
               "(SELECT account_key, display_name FROM accounts FINAL) AS a "
               f"ON a.account_key = p.account_key WHERE {cond}{after} "
               f"ORDER BY k_t, k_a, k_p LIMIT {int(chunk)}")
        _, rows = query(sql)
        n = len(COLUMNS)
        for r in rows:
            yield r[:n]
        if len(rows) < chunk:
            return
        t, a, p = rows[-1][n:]
        after = (f" AND (toUnixTimestamp64Milli(p.published_at), p.account_key, p.post_id)"
                 f" > ({int(t)}, {q(str(a))}, {q(str(p))})")


def export_csv(rows: Iterator[Sequence[Any]], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for r in rows:
            w.writerow(r)
            n += 1
    return n


def export_xlsx(rows: Iterator[Sequence[Any]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="2F6FDB")
    widths = [19, 10, 24, 24, 9, 22, 14, 16, 36, 12, 10, 10, 10, 10, 12, 30]

    def new_sheet(index: int) -> Any:
        ws = wb.create_sheet("明细" if index == 0 else f"明细{index + 1}")
        ws.freeze_panes = "A2"
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        header = []
        for h in HEADERS:
            c = WriteOnlyCell(ws, value=h)
            c.font, c.fill = font, fill
            header.append(c)
        ws.append(header)
        return ws

    # number formats through one styled cell per numeric column, reused (write-only mode
    # serialises each cell as it is appended)
    numeric = [i for i, (_, _, fmt) in enumerate(COLUMNS) if fmt]
    n = 0
    ws = new_sheet(0)
    cells: dict[int, Any] = {}
    for i in numeric:
        cells[i] = WriteOnlyCell(ws, value=0)
        cells[i].number_format = COLUMNS[i][2]
    for r in rows:
        if n and n % XLSX_SHEET_ROWS == 0:
            ws = new_sheet(n // XLSX_SHEET_ROWS)
        out = list(r)
        for i, cell in cells.items():
            cell.value = out[i]
            out[i] = cell
        ws.append(out)
        n += 1
    wb.save(path)
    return n


def export_details(query: QueryFn, path: Path, *, since: str, until: str, org: str = "",
                   fmt: str = "csv", competitors: bool = False) -> int:
    """Write the detail rows to ``path`` as ``fmt`` (csv | xlsx); the number of rows."""
    rows = iter_rows(query, since, until, org, competitors=competitors)
    if fmt == "csv":
        return export_csv(rows, path)
    if fmt == "xlsx":
        return export_xlsx(rows, path)
    raise ValueError(f"--format must be csv or xlsx, not {fmt!r}")
