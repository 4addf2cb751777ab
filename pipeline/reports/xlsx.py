"""The monthly report's 明细数据 workbook (openpyxl): 概览, 按账号, 按机构, 按平台, 风险命中."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from agents.health.score import KIND_LABELS, PLATFORM_LABELS
from pipeline.reports.data import MonthlyReport, Row
from pipeline.reports.html import SEVERITY_LABELS, category_label

INT = "#,##0"
SIGNED = "+#,##0;-#,##0;0"
PCT = "0.0%"
PCT2 = "0.00%"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F6FDB")

GROUP_COLUMNS: list[tuple[str, str, str | None, int]] = [
    ("账号数", "accounts", INT, 8), ("活跃账号", "active_accounts", INT, 9),
    ("月末粉丝", "followers", INT, 12), ("上月末粉丝", "followers_prev", INT, 12),
    ("粉丝净增", "growth", SIGNED, 11), ("发帖", "posts", INT, 9),
    ("上月发帖", "posts_prev", INT, 9), ("互动", "interactions", INT, 12),
    ("上月互动", "interactions_prev", INT, 12), ("互动率", "interaction_rate", PCT2, 9),
    ("风险命中", "risk_hits", INT, 9), ("异常", "anomalies", INT, 7),
]


def _sheet(wb: Workbook, title: str, headers: list[tuple[str, str | None, int]],
           rows: list[list[Any]], freeze: str = "B2") -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append([h for h, _, _ in headers])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        ws.append(row)
    for i, (_, fmt, width) in enumerate(headers, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = width
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
    ws.freeze_panes = freeze
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    return ws


def _group(rows: list[Row], label: dict[str, str] | None = None) -> list[list[Any]]:
    return [[(label or {}).get(r.name, r.name), *(getattr(r, attr) for _, attr, _, _ in
                                                  GROUP_COLUMNS)] for r in rows]


def write_xlsx(r: MonthlyReport, path: Path) -> Path:
    """Write the workbook; returns ``path``."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "概览", [("指标", None, 14), ("本月", None, 16), ("上月", None, 16),
                        ("环比", PCT, 10)],
           [[f.label, f.value, f.previous, f.change] for f in r.headline]
           + [["告警解除", r.alerts_resolved, r.alerts_resolved_prev,
               (r.alerts_resolved - r.alerts_resolved_prev) / r.alerts_resolved_prev
               if r.alerts_resolved_prev else None]])
    ws = wb["概览"]
    for row in ws.iter_rows(min_row=2, max_col=3):
        fig = next((f for f in r.headline if f.label == row[0].value), None)
        for cell in row[1:]:
            cell.number_format = PCT2 if fig is not None and fig.is_rate else INT
    ws.insert_rows(1)
    ws["A1"] = f"{r.org or '全行'} 新媒体矩阵运营月报 {r.month}（对比 {r.previous_month}）"
    ws["A1"].font = Font(bold=True, size=13)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = None

    _sheet(wb, "按账号", [("账号", None, 28), ("账号标识", None, 26), ("平台", None, 9),
                         ("类型", None, 7), ("机构", None, 22),
                         *((h, f, w) for h, _, f, w in GROUP_COLUMNS[2:])],
           [[a.name, a.account_key, PLATFORM_LABELS.get(a.platform, a.platform),
             KIND_LABELS.get(a.kind, a.kind), a.org_unit,
             *(getattr(a, attr) for _, attr, _, _ in GROUP_COLUMNS[2:])]
            for a in r.accounts])
    _sheet(wb, "按机构", [("机构", None, 24), *((h, f, w) for h, _, f, w in GROUP_COLUMNS)],
           _group(r.by_org))
    _sheet(wb, "按平台", [("平台", None, 10), *((h, f, w) for h, _, f, w in GROUP_COLUMNS)],
           _group(r.by_platform, PLATFORM_LABELS))
    _sheet(wb, "竞品对比", [("分组", None, 16),
                          *((h, f, w) for h, _, f, w in GROUP_COLUMNS)], _group(r.competitors))
    _sheet(wb, "竞品热点", [("话题", None, 20), ("本月相关作品", INT, 12), ("上月占比", PCT, 10),
                          ("热度", "0.0", 8), ("作品（部分）", None, 60)],
           [[t.phrase, t.posts, t.baseline_share, t.score, "、".join(t.post_ids)]
            for t in r.hot_topics])
    _sheet(wb, "风险命中", [("首次发现(UTC)", None, 19), ("账号", None, 24),
                          ("账号标识", None, 24), ("平台", None, 9), ("机构", None, 22),
                          ("内容类型", None, 9), ("内容ID", None, 16), ("类别", None, 14),
                          ("级别", None, 6), ("规则", None, 20), ("命中词", None, 14),
                          ("整改建议", None, 30)],
           [[h.detected_at, h.display_name, h.account_key,
             PLATFORM_LABELS.get(h.platform, h.platform), h.org_unit, h.item_type, h.item_id,
             category_label(h.category), SEVERITY_LABELS.get(h.severity, h.severity),
             h.rule_id, h.term, h.suggestion] for h in r.risk_hits])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
