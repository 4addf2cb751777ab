"""竞品热点 in the monthly report: jieba hot topics over competitors' posts, this month
against last month, find a seeded rising topic first (its own warehouse: chDB holds one data
directory per process, so this cannot share the report tests' module warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.warehouse.store import Warehouse


def test_competitor_hot_topics_find_a_seeded_rising_topic(tmp_path: Path) -> None:
    from agents.sink.core import POST_COLUMNS
    from pipeline.reports.data import competitor_topics
    from pipeline.warehouse.migrations import migrate

    w = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        migrate(w.client)
        ordinary = ["信用卡积分兑换好礼，快来看看", "手机银行转账更便捷安全",
                    "理财知识小课堂：基金定投", "防范电信诈骗，守护钱袋子", "存款利率调整说明"]
        rows = []
        for i in range(40):  # September: ordinary posts only
            rows.append((f"s{i}", ordinary[i % 5], datetime(2026, 9, 1 + i % 28, tzinfo=UTC)))
        for i in range(30):  # October: the same, plus a burst about 养老金账户
            text = ("个人养老金账户开户指南，税优政策解读" if i % 3 == 0 else ordinary[i % 5])
            rows.append((f"o{i}", text, datetime(2026, 10, 1 + i % 28, tzinfo=UTC)))
        values = {c: [] for c in POST_COLUMNS}  # type: ignore[var-annotated]
        for pid, text, at in rows:
            row = {"post_id": pid, "account_key": "weibo:9001", "platform": "weibo",
                   "kind": "text", "title": "", "text": text, "tags": [], "url": "",
                   "published_at": at, "captured_at": at, "views": 100, "likes": 5,
                   "comments": 1, "shares": 0, "favorites": 0, "account_kind": "competitor",
                   "org_unit": "", "team": "", "envelope_id": "e", "published_ms": 0,
                   "written_at": at}
            for c in POST_COLUMNS:
                values[c].append(row[c])
        w.insert("posts", [values[c] for c in POST_COLUMNS], POST_COLUMNS)

        def run(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
            r = w.query(sql)
            return r.columns, r.rows

        topics = competitor_topics(run, "toDate('2026-10-01')", "toDate('2026-11-01')",
                                   "toDate('2026-09-01')")
        assert topics and "养老金" in topics[0].phrase
        assert topics[0].posts == 10 and all(p.startswith("o") for p in topics[0].post_ids)
    finally:
        w.close()
