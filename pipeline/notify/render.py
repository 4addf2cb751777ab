"""Render a notification in Chinese for each channel format, cut to the platform's size limit.

The view (``NotificationView``) is computed once: status and severity in Chinese, the fields all
alerts share (account, platform, org unit, owner), each alert's title, summary, start and end in
Beijing time and its link (``annotations["board_url"]``, else ``generator_url``). Messages too
long for a platform first drop trailing alerts (keeping the header, the @mention and the board
link) and say so; ``cut_to_bytes`` is the last guarantee, cutting on a UTF-8 boundary.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

import jinja2

from pipeline.notify import templates
from schemas.alerts import Alert, Notification

try:
    from zoneinfo import ZoneInfo

    BEIJING: timezone | ZoneInfo = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tzdata: China has had no DST since 1991
    BEIJING = timezone(timedelta(hours=8), "CST")

MarkdownFlavor = Literal["wecom", "dingtalk", "feishu"]

STATUS_LABELS: dict[str, str] = {"firing": "触发", "resolved": "已恢复"}
SEVERITY_LABELS: dict[str, str] = {
    "critical": "严重", "high": "高", "medium": "中", "warning": "中", "low": "低", "info": "提示",
    "none": "提示",
}
SEVERITY_RANK: dict[str, int] = {"info": 0, "none": 0, "low": 1, "medium": 2, "warning": 2,
                                 "high": 3, "critical": 4}
_ZH_RANK: dict[str, int] = {"提示": 0, "低": 1, "中": 2, "高": 3, "严重": 4}
PLATFORM_LABELS: dict[str, str] = {
    "douyin": "抖音", "xiaohongshu": "小红书", "weixin_channels": "视频号",
    "weixin_mp": "公众号", "weibo": "微博", "bilibili": "B站", "kuaishou": "快手",
}
# Card header template (Feishu) and HTML heading colour, by severity rank.
FEISHU_COLORS: dict[int, str] = {4: "red", 3: "orange", 2: "yellow", 1: "blue", 0: "grey"}
_HEX_COLORS: dict[int, str] = {4: "#d93026", 3: "#e8710a", 2: "#c49000", 1: "#1a73e8",
                               0: "#5f6368"}
RESOLVED_COLOR = "green"

TRUNCATED_NOTE = "…（内容过长已截断，共 {total} 条告警）"
TRUNCATED_NOTE_PLAIN = "…（内容过长已截断）"


def severity_zh(value: str) -> str:
    """The Chinese severity word of a label value (Chinese values pass through)."""
    return SEVERITY_LABELS.get(value.lower(), value or "提示")


def severity_rank(value: str) -> int:
    """0 (提示) … 4 (严重) for English or Chinese severity values; unknown = 0."""
    return SEVERITY_RANK.get(value.lower(), _ZH_RANK.get(value, 0))


def beijing_time(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class AlertView:
    """One alert as the templates show it."""

    title: str
    summary: str
    status_zh: str
    severity_zh: str
    rank: int
    account: str
    platform: str
    item: str
    starts_at: str
    ends_at: str
    link: str


@dataclass(frozen=True)
class NotificationView:
    """A notification as the templates show it; shared fields are empty when alerts differ."""

    status: str
    status_zh: str
    severity_zh: str
    rank: int
    headline: str
    first_title: str
    count: int
    firing_count: int
    resolved_count: int
    account: str
    platform: str
    org_unit: str
    owner: str
    board_url: str
    alerts: list[AlertView] = field(default_factory=list)

    @property
    def feishu_color(self) -> str:
        """Feishu card header template colour."""
        return RESOLVED_COLOR if self.status == "resolved" else FEISHU_COLORS[self.rank]

    @property
    def color_hex(self) -> str:
        """HTML heading colour."""
        return "#188038" if self.status == "resolved" else _HEX_COLORS[self.rank]


def _account(labels: dict[str, str]) -> str:
    return labels.get("account_name") or labels.get("account", "")


def _alert_view(alert: Alert) -> AlertView:
    ann, labels = alert.annotations, alert.labels
    sev = labels.get("severity", "")
    return AlertView(
        title=ann.get("title") or labels.get("alertname", "告警"),
        summary=ann.get("summary") or ann.get("description", ""),
        status_zh=STATUS_LABELS[alert.status],
        severity_zh=severity_zh(sev),
        rank=severity_rank(sev),
        account=_account(labels),
        platform=PLATFORM_LABELS.get(labels.get("platform", ""), labels.get("platform", "")),
        item=ann.get("item", ""),
        starts_at=beijing_time(alert.starts_at),
        ends_at=beijing_time(alert.ends_at) if alert.status == "resolved" and alert.ends_at
        else "",
        link=ann.get("board_url") or alert.generator_url,
    )


def _common(values: list[str]) -> str:
    """The value every alert shares, else empty."""
    return values[0] if values and all(v == values[0] for v in values) else ""


def build_view(notification: Notification) -> NotificationView:
    """Compute what the templates show, once per notification."""
    # Firing alerts first, most severe first, then oldest first; resolved ones after.
    alerts = sorted(notification.alerts,
                    key=lambda a: (a.status != "firing",
                                   -severity_rank(a.labels.get("severity", "")), a.starts_at))
    views = [_alert_view(a) for a in alerts]
    firing = [v for v, a in zip(views, alerts, strict=True) if a.status == "firing"]
    ranked = firing or views
    rank = max((v.rank for v in ranked), default=0)
    sev = next((v.severity_zh for v in ranked if v.rank == rank), "提示")
    owner = notification.owner.name if notification.owner and notification.owner.name else ""
    owner = owner or _common([a.labels.get("owner", "") for a in alerts])
    account = _common([v.account for v in views])
    first_title = views[0].title if views else "告警"
    status_zh = STATUS_LABELS[notification.status]
    count = len(views)
    headline = (f"【{status_zh}·{sev}】" + (f"{account}：" if account else "") + first_title
                + (f" 等 {count} 条告警" if count > 1 else ""))
    return NotificationView(
        status=notification.status,
        status_zh=status_zh,
        severity_zh=sev,
        rank=rank,
        headline=headline,
        first_title=first_title,
        count=count,
        firing_count=len(firing),
        resolved_count=count - len(firing),
        account=account,
        platform=_common([v.platform for v in views]),
        org_unit=_common([a.labels.get("org_unit", "") for a in alerts]),
        owner=owner,
        board_url=next((a.annotations["board_url"] for a in alerts
                        if a.annotations.get("board_url")), "")
        or next((a.generator_url for a in alerts if a.generator_url), ""),
        alerts=views,
    )


_MD_UNSAFE = str.maketrans({
    "<": "＜", ">": "＞", "[": "［", "]": "］", "`": "'", "*": "＊",
    "\r": " ", "\n": " ",
})


def md_escape(text: str) -> str:
    """Defuse markdown and mention syntax in untrusted text (fullwidth look-alikes, one line).

    A crawled title such as ``<@all>`` or ``<at id=all></at>`` must not ping a whole group,
    and ``[x](y)`` must not become a link.
    """
    return str(text).translate(_MD_UNSAFE)


def md_url(url: str) -> str:
    """A URL safe inside ``[text](url)``: spaces and parentheses percent-encoded."""
    return urllib.parse.quote(str(url), safe=":/?#&=%+@;,!~*'.-_$")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({
            "markdown.md": templates.MARKDOWN,
            "text.txt": templates.TEXT,
            "subject.txt": templates.SUBJECT,
            "email.html": templates.HTML,
        }),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.filters["mdurl"] = md_url
    return env


ENV = _env()


def cut_to_bytes(text: str, limit: int, total_alerts: int | None = None) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut on a character boundary, with a Chinese note.

    Text already within the limit is returned unchanged. Otherwise it ends with
    "…（内容过长已截断，共 N 条告警）" (or without the count when ``total_alerts`` is None).
    """
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    note = (TRUNCATED_NOTE.format(total=total_alerts) if total_alerts is not None
            else TRUNCATED_NOTE_PLAIN)
    note_bytes = note.encode("utf-8")
    if len(note_bytes) >= limit:
        return note_bytes[:max(limit, 0)].decode("utf-8", errors="ignore")
    head = data[:limit - len(note_bytes)].decode("utf-8", errors="ignore")
    return head.rstrip() + note


def fit(render: Callable[[int], str], total: int, limit: int) -> str:
    """The longest ``render(shown)`` within ``limit`` bytes, ``shown`` in 1..total alerts.

    ``render(total)`` is tried first; if too long, a binary search finds the most alerts that
    fit. If even one alert is too long (a huge summary), that one is cut with ``cut_to_bytes``.
    """
    full = render(total)
    if len(full.encode("utf-8")) <= limit or total <= 1:
        return cut_to_bytes(full, limit, total)
    lo, hi = 1, total - 1  # invariant: the answer is in [lo, hi] if render(lo) fits
    best: str | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        text = render(mid)
        if len(text.encode("utf-8")) <= limit:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best if best is not None else cut_to_bytes(render(1), limit, total)


def _collapse(text: str) -> str:
    """At most one blank line in a row, no trailing whitespace."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_markdown(view: NotificationView, flavor: MarkdownFlavor, limit: int,
                    mention: str = "") -> str:
    """Markdown for a robot, within ``limit`` UTF-8 bytes.

    ``mention`` (``<@userid>`` for WeCom, ``@mobile`` for DingTalk) is trusted and rendered as
    is, in the header so that a cut never loses it. DingTalk's markdown needs blank lines
    between lines, so its flavour doubles every line break.
    """
    tpl = ENV.get_template("markdown.md")

    def render(shown: int) -> str:
        text = _collapse(tpl.render(v=view, alerts=view.alerts[:shown], omitted=shown < view.count,
                                    flavor=flavor, mention=mention,
                                    q="\u3000\u3000" if flavor == "feishu" else "> "))
        if flavor == "dingtalk":
            text = re.sub(r"\n+", "\n\n", text).rstrip() + "\n"
        return text

    return fit(render, view.count, limit)


def render_text(view: NotificationView, limit: int | None = None) -> str:
    """Plain text (console, file, e-mail text part), optionally within ``limit`` bytes."""
    tpl = ENV.get_template("text.txt")

    def render(shown: int) -> str:
        return _collapse(tpl.render(v=view, alerts=view.alerts[:shown],
                                    omitted=shown < view.count))

    return render(view.count) if limit is None else fit(render, view.count, limit)


def render_subject(view: NotificationView, limit: int = 240) -> str:
    """The e-mail subject, one line."""
    subject = " ".join(ENV.get_template("subject.txt").render(v=view).split())
    return cut_to_bytes(subject, limit)


def render_html(view: NotificationView, limit: int | None = None) -> str:
    """The e-mail HTML part (autoescaped), optionally within ``limit`` bytes."""
    tpl = ENV.get_template("email.html")

    def render(shown: int) -> str:
        return tpl.render(v=view, alerts=view.alerts[:shown], omitted=shown < view.count)

    if limit is None:
        return render(view.count)
    full = render(view.count)
    if len(full.encode("utf-8")) <= limit or view.count <= 1:
        return full
    lo, hi, best = 1, view.count - 1, render(1)
    while lo <= hi:
        mid = (lo + hi) // 2
        text = render(mid)
        if len(text.encode("utf-8")) <= limit:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best
