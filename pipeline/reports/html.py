"""The monthly report as one self-contained HTML file: inline CSS, charts as inline SVG.

Nothing is loaded from outside (no JS library, no CDN, no web font), so the file renders offline
and can be mailed as is. Every chart is an ``<svg>`` inside an element with ``data-chart``.
"""

from __future__ import annotations

from html import escape

from agents.health.score import KIND_LABELS, PLATFORM_LABELS
from pipeline.reports.data import Figure, MonthlyReport, Row

PALETTE = ("#2f6fdb", "#e8843c", "#3aa675", "#d64545", "#8a5cd1", "#c9a227", "#2bb3c0")
CHART_W = 560
BAR_H = 22
TOP_N = 15
SEVERITY_LABELS = {"critical": "严重", "high": "高", "medium": "中", "low": "低"}


def category_label(code: str) -> str:
    from agents.sensitivity.rules import CATEGORY_LABELS, Category

    try:
        return CATEGORY_LABELS[Category(code)]
    except (ValueError, KeyError):
        return code


def num(value: float) -> str:
    return f"{value:,.0f}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def short(label: str, n: int = 14) -> str:
    return label if len(label) <= n else "…" + label[-(n - 1):]


def bar_chart(name: str, title: str, labels: list[str], values: list[float],
              *, color: str = PALETTE[0], fmt: str = "num") -> str:
    """Horizontal bars, one per label, value printed at the bar's end."""
    n = max(len(labels), 1)
    height = 16 + n * BAR_H
    left, right = 150, 80
    span = CHART_W - left - right
    top = max((v for v in values if v > 0), default=0.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{height}" '
             f'viewBox="0 0 {CHART_W} {height}" role="img" aria-label="{escape(title)}">']
    if not labels:
        parts.append(f'<text x="{CHART_W // 2}" y="14" text-anchor="middle" fill="#888" '
                     'font-size="12">本月无数据</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + i * BAR_H
        w = max(2.0, span * max(value, 0) / top)
        text = f"{value * 100:.1f}%" if fmt == "pct" else (
            f"{value:.1f}" if fmt == "dec" else num(value))
        parts.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="#333">{escape(short(label))}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{BAR_H - 6}" '
            f'fill="{color}" rx="2"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="11" fill="#555">{text}</text>')
    parts.append("</svg>")
    return chart_box(name, title, "".join(parts))


def line_chart(name: str, title: str, x: list[str],
               series: list[tuple[str, list[float]]]) -> str:
    """Lines over days, each series scaled to its own maximum (legend gives the maximum)."""
    height, left, right, top_pad, bottom = 220, 40, 20, 30, 30
    w, h = CHART_W - left - right, height - top_pad - bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{height}" '
             f'viewBox="0 0 {CHART_W} {height}" role="img" aria-label="{escape(title)}">',
             f'<line x1="{left}" y1="{top_pad + h}" x2="{left + w}" y2="{top_pad + h}" '
             'stroke="#bbb"/>']
    n = len(x)
    for k, (label, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        peak = max(values, default=0.0) or 1.0
        pts = " ".join(
            f"{left + (w * i / max(n - 1, 1)):.1f},{top_pad + h - h * v / peak:.1f}"
            for i, v in enumerate(values))
        if pts:
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                         'stroke-width="2.5"/>')
        parts.append(f'<rect x="{left + k * 200}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{left + k * 200 + 16}" y="16" font-size="12" fill="#333">'
                     f'{escape(label)}（峰值 {num(max(values, default=0))}）</text>')
    if not n:
        parts.append(f'<text x="{CHART_W // 2}" y="{height // 2}" text-anchor="middle" '
                     'fill="#888" font-size="12">本月无数据</text>')
    for i in range(0, n, max(1, n // 6)):
        parts.append(f'<text x="{left + w * i / max(n - 1, 1):.1f}" y="{height - 10}" '
                     f'font-size="11" text-anchor="middle" fill="#666">{escape(x[i][5:])}</text>')
    parts.append("</svg>")
    return chart_box(name, title, "".join(parts))


def chart_box(name: str, title: str, svg: str) -> str:
    return (f'<div class="chart"><h3>{escape(title)}</h3>'
            f'<div class="plot" data-chart="{escape(name)}">{svg}</div></div>')


def table(headers: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="{"n" if i >= numeric_from else ""}">{escape(c)}</td>'
            for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(f: Figure) -> str:
    if f.is_rate:
        value, previous = f"{f.value * 100:.2f}%", f"{f.previous * 100:.2f}%"
        delta = "—" if f.change is None else f"{(f.value - f.previous) * 100:+.2f} 个百分点"
    else:
        value, previous, delta = num(f.value), num(f.previous), pct(f.change)
    up = f.change is not None and f.change > 0
    bad = f.key in ("risk_hits", "alerts_fired")
    cls = "flat" if f.change in (None, 0) else ("bad" if up == bad else "good")
    return (f'<div class="card" data-figure="{f.key}" data-value="{f.value}">'
            f'<div class="label">{escape(f.label)}</div><div class="value">{value}</div>'
            f'<div class="delta {cls}">环比 {escape(delta)}</div>'
            f'<div class="prev">上月 {previous}</div></div>')


def group_rows(rows: list[Row], label: dict[str, str] | None = None) -> list[list[str]]:
    return [[(label or {}).get(r.name, r.name), num(r.accounts), num(r.followers),
             f"{r.growth:+,}", num(r.posts), num(r.interactions),
             f"{r.interaction_rate * 100:.2f}%", num(r.risk_hits)] for r in rows]


GROUP_HEADERS = ["名称", "账号数", "月末粉丝", "粉丝净增", "发帖", "互动", "互动率", "风险命中"]

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;
background:#fff;color:#222}
main{width:1160px;margin:0 auto;padding:16px 20px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;border-left:4px solid #2f6fdb;
padding-left:8px;margin:28px 0 10px}h3{font-size:14px;margin:4px 0 6px;color:#444}
.meta{color:#777;font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{width:262px;border:1px solid #e3e6ea;border-radius:6px;padding:10px 12px}
.card .label{color:#666;font-size:13px}.card .value{font-size:24px;font-weight:bold}
.card .prev{color:#888;font-size:12px}.delta{font-size:13px}
.good{color:#2c8a4b}.bad{color:#c0392b}.flat{color:#888}
.grid{display:flex;flex-wrap:wrap;gap:16px}
.chart{width:560px}.plot{width:560px}
table{border-collapse:collapse;font-size:12px;margin:8px 0;width:100%}
th,td{border:1px solid #e3e6ea;padding:4px 6px}th{background:#f3f5f8;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
"""

# Records each chart's box on the element (for layout checks); the charts do not need it.
BOX_SCRIPT = """<script>
for (const el of document.querySelectorAll('[data-chart]')) {
  const r = el.getBoundingClientRect();
  el.dataset.box = [r.left + scrollX, r.top + scrollY, r.width, r.height]
    .map(Math.round).join(',');
}
document.body.dataset.height = Math.ceil(document.documentElement.scrollHeight);
</script>"""


def render_html(r: MonthlyReport) -> str:
    """The whole report as one HTML document."""
    scope = r.org or "全行"
    plat = PLATFORM_LABELS
    orgs = sorted(r.by_org, key=lambda g: -g.followers)[:TOP_N]
    org_posts = sorted(r.by_org, key=lambda g: -g.posts)[:TOP_N]
    org_inter = sorted(r.by_org, key=lambda g: -g.interactions)[:TOP_N]
    platforms = sorted(r.by_platform, key=lambda g: -g.followers)
    cats = r.risk_by_category
    health = r.health_by_org[:TOP_N]
    s: list[str] = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(scope)} 新媒体矩阵运营月报 {r.month}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{escape(scope)} 新媒体矩阵运营月报（{r.month[:4]}年{r.month[5:]}月）</h1>",
        f'<div class="meta">统计口径：UTC 自然月，自有账号（官方、员工）；对比月份 '
        f"{r.previous_month}；生成时间 {escape(r.generated_at)}</div>",
        "<h2>核心指标</h2>", '<div class="cards">',
        *(card(f) for f in r.headline), "</div>",
        "<h2>每日趋势</h2>", '<div class="grid">',
        line_chart("daily", "每日发帖与互动", [d.day for d in r.daily],
                   [("发帖数", [float(d.posts) for d in r.daily]),
                    ("互动量", [float(d.interactions) for d in r.daily])]),
        "</div>",
        "<h2>按机构</h2>", '<div class="grid">',
        bar_chart("org_followers", f"月末粉丝（前 {TOP_N} 个机构）",
                  [g.name for g in orgs], [g.followers for g in orgs]),
        bar_chart("org_posts", f"发帖数（前 {TOP_N} 个机构）",
                  [g.name for g in org_posts], [g.posts for g in org_posts], color=PALETTE[1]),
        bar_chart("org_interactions", f"互动量（前 {TOP_N} 个机构）",
                  [g.name for g in org_inter], [g.interactions for g in org_inter],
                  color=PALETTE[2]),
        "</div>",
        table(GROUP_HEADERS, group_rows(sorted(r.by_org, key=lambda g: -g.followers))),
        "<h2>按平台</h2>", '<div class="grid">',
        bar_chart("platform_followers", "月末粉丝（按平台）",
                  [plat.get(g.name, g.name) for g in platforms], [g.followers for g in platforms]),
        bar_chart("platform_posts", "发帖数（按平台）",
                  [plat.get(g.name, g.name) for g in platforms], [g.posts for g in platforms],
                  color=PALETTE[1]),
        bar_chart("platform_interactions", "互动量（按平台）",
                  [plat.get(g.name, g.name) for g in platforms],
                  [g.interactions for g in platforms], color=PALETTE[2]),
        "</div>",
        table(GROUP_HEADERS, group_rows(platforms, plat)),
        "<h2>风险概况</h2>",
        f'<div class="meta">本月告警触发 <b data-figure="alerts_fired">{r.alerts_fired}</b> 条'
        f"（上月 {r.alerts_fired_prev}），解除 <b data-figure=\"alerts_resolved\">"
        f"{r.alerts_resolved}</b> 条（上月 {r.alerts_resolved_prev}）</div>",
        '<div class="grid">',
        bar_chart("risk_categories", "风险命中（按类别）",
                  [category_label(c.category) for c in cats], [c.total for c in cats],
                  color=PALETTE[3]),
        bar_chart("alerts", "告警触发与解除",
                  ["本月触发", "本月解除", "上月触发", "上月解除"],
                  [r.alerts_fired, r.alerts_resolved, r.alerts_fired_prev,
                   r.alerts_resolved_prev], color=PALETTE[4]),
        "</div>",
        table(["类别", "严重", "高", "中", "低", "合计", "上月"],
              [[category_label(c.category), num(c.critical), num(c.high), num(c.medium),
                num(c.low), num(c.total), num(c.total_prev)] for c in cats]),
        "<h2>矩阵体检排名</h2>", '<div class="grid">',
        bar_chart("health_orgs", f"机构平均体检得分（最低 {TOP_N} 个）",
                  [h.org_unit for h in health], [h.mean_overall for h in health],
                  color=PALETTE[5], fmt="dec"),
        "</div>",
        table(["账号", "平台", "机构", "综合", "等级", "主要问题"],
              [[h.display_name, plat.get(h.platform, h.platform), h.org_unit, str(h.overall),
                h.level, h.top_finding] for h in r.health_worst], numeric_from=3),
        "<h2>竞品对比</h2>", '<div class="grid">',
        bar_chart("competitor_followers", "月末粉丝（本行与竞品）",
                  [g.name for g in r.competitors], [g.followers for g in r.competitors],
                  color=PALETTE[6]),
        bar_chart("competitor_rate", "互动率（互动 ÷ 月末粉丝）",
                  [g.name for g in r.competitors],
                  [g.interaction_rate for g in r.competitors], color=PALETTE[0], fmt="pct"),
        "</div>",
        table(GROUP_HEADERS, group_rows(r.competitors)),
        "<h3>竞品热点话题（本月对比上月）</h3>",
        table(["话题", "本月相关作品", "上月占比", "热度", "作品（部分）"],
              [[t.phrase, str(t.posts), f"{t.baseline_share:.1%}", f"{t.score:.1f}",
                "、".join(t.post_ids)] for t in r.hot_topics] or [["本月无明显上升话题", "", "",
                                                                    "", ""]],
              numeric_from=1),
        "<h2>热门内容</h2>",
        table(["标题", "账号", "平台", "机构", "发布时间", "播放/阅读", "互动"],
              [[t.title, t.display_name, plat.get(t.platform, t.platform), t.org_unit,
                t.published_at, num(t.views), num(t.interactions)] for t in r.top_posts],
              numeric_from=5),
        f'<div class="meta">账号类型：{"、".join(KIND_LABELS.values())}。'
        "明细数据见同名 XLSX。</div>",
        "</main>", BOX_SCRIPT, "</body></html>",
    ]
    return "\n".join(s)
