"""Chinese templates, escaping of crawled text, and cutting to a byte limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.notify.render import (
    beijing_time,
    build_view,
    cut_to_bytes,
    md_escape,
    render_html,
    render_markdown,
    render_subject,
    render_text,
    severity_zh,
)
from tests.unit.notify import BOARD, make_alert, make_notification


def test_cut_to_bytes_leaves_short_text_alone() -> None:
    assert cut_to_bytes("告警", 6) == "告警"


@pytest.mark.parametrize("limit", range(52, 120))
def test_cut_to_bytes_cuts_on_a_character_boundary(limit: int) -> None:
    text = "敏感词命中a" * 50
    out = cut_to_bytes(text, limit, total_alerts=300)
    data = out.encode("utf-8")  # would raise if a character had been split
    assert len(data) <= limit
    assert out.endswith("…（内容过长已截断，共 300 条告警）")
    assert text.startswith(out.removesuffix("…（内容过长已截断，共 300 条告警）"))


def test_cut_to_bytes_limit_smaller_than_the_note() -> None:
    out = cut_to_bytes("告" * 100, 10)
    assert len(out.encode()) <= 10
    out.encode("utf-8")


def test_chinese_labels_and_beijing_time() -> None:
    assert [severity_zh(s) for s in ("critical", "high", "medium", "low", "info")] == [
        "严重", "高", "中", "低", "提示"]
    assert severity_zh("严重") == "严重"
    assert beijing_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == "2027-01-01 00:30:00"


def test_view_headline_uses_most_severe_firing_alert() -> None:
    n = make_notification(0)
    n = n.model_copy(update={"alerts": [
        make_alert(1, severity="low"), make_alert(2, severity="high"),
        make_alert(3, severity="critical", status="resolved")]})
    view = build_view(n)
    assert view.severity_zh == "高"  # the resolved critical one no longer counts
    assert view.headline == "【触发·高】招商银行深圳分行：敏感词命中：保本保息 #2 等 3 条告警"
    assert view.firing_count == 2 and view.resolved_count == 1
    assert [a.title for a in view.alerts][-1] == "敏感词命中：保本保息 #3"  # resolved last


def test_resolved_notification() -> None:
    view = build_view(make_notification(1, status="resolved"))
    text = render_text(view)
    assert view.headline.startswith("【已恢复·严重】")
    assert "恢复：2026-05-01 11:00:00" in text


def test_accounts_that_differ_are_shown_per_alert() -> None:
    n = make_notification(0)
    n = n.model_copy(update={"alerts": [make_alert(1, account="甲账号"),
                                        make_alert(2, account="乙账号")]})
    md = render_markdown(build_view(n), "wecom", 4000)
    assert "**账号**" not in md
    assert "> 账号：甲账号（抖音）" in md and "> 账号：乙账号（抖音）" in md


def test_link_falls_back_to_generator_url() -> None:
    n = make_notification(0)
    n = n.model_copy(update={"alerts": [make_alert(1, board_url="")]})
    md = render_markdown(build_view(n), "feishu", 4000)
    assert "(http://grafana.test/alerting/grafana/abc/view)" in md
    assert BOARD not in md


def test_crawled_text_cannot_mention_or_link() -> None:
    hostile = "<@all> <at id=all></at> [点我](http://evil.test) **粗体**\n### 标题"
    out = md_escape(hostile)
    assert "<" not in out and "[" not in out and "*" not in out and "\n" not in out
    n = make_notification(0)
    n = n.model_copy(update={"alerts": [make_alert(1, title=hostile)]})
    md = render_markdown(build_view(n), "wecom", 4000, mention="<@zhangsan>")
    assert "<@all>" not in md and "](http://evil.test)" not in md
    assert "<@zhangsan>" in md  # the trusted mention stays


def test_dingtalk_flavor_separates_lines_with_blank_lines() -> None:
    md = render_markdown(build_view(make_notification(1)), "dingtalk", 18_000,
                         mention="@13800138000")
    assert "\n\n**状态**" in md and "\n**状态**" not in md.replace("\n\n**状态**", "")
    assert md.startswith("### 【触发·严重】")


def test_feishu_flavor_has_no_heading() -> None:
    md = render_markdown(build_view(make_notification(1)), "feishu", 18_000)
    assert not md.startswith("###") and md.startswith("**状态**")


@pytest.mark.parametrize("limit", [1500, 4000, 18_000])
def test_markdown_drops_whole_alerts_to_fit(limit: int) -> None:
    view = build_view(make_notification(300))
    md = render_markdown(view, "wecom", limit, mention="<@zhangsan>")
    assert len(md.encode()) <= limit
    shown = md.count("**（严重·触发）")
    assert f"共 300 条告警，仅显示前 {shown} 条" in md
    # one more alert would not have fitted
    bigger = render_markdown(view, "wecom", 10**6)
    assert f"{shown + 1}. **" in bigger
    assert md.startswith("### 【触发·严重】") and "<@zhangsan>" in md


def test_subject_and_html() -> None:
    view = build_view(make_notification(1))
    assert render_subject(view) == (
        "[MatrixGuard][触发][严重] 招商银行深圳分行 · 敏感词命中：保本保息 #1")
    html = render_html(view)
    assert html.startswith("<!DOCTYPE html>") and "负责人" in html and "张三" in html
