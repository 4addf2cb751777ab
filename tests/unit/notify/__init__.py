"""Helpers of the notification channel tests: alerts, notifications, a virtual clock."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from schemas.alerts import Alert, Notification, OwnerContact

BOARD = "http://grafana.test/d/matrix-risk/risk?var-item=post:7f3a&viewPanel=4"
OWNER = OwnerContact(name="张三", mobile="13800138000", email="zhangsan@bank.test",
                     wecom="zhangsan")


class FakeClock:
    """Virtual time for the limiters and retry backoff: ``sleep`` advances it at once.

    It starts at the real Unix time, so it can also date signatures (platforms accept a
    timestamp within an hour of theirs) while sends are spread over virtual minutes.
    """

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(time.time())) if start is None else start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def make_alert(i: int = 1, *, severity: str = "critical", status: str = "firing",
               title: str = "敏感词命中：保本保息", account: str = "招商银行深圳分行",
               board_url: str = BOARD) -> Alert:
    return Alert(
        fingerprint=f"fp{i:04d}",
        status=status,  # type: ignore[arg-type]
        labels={"alertname": "sensitive_post", "severity": severity, "org_unit": "深圳分行",
                "owner": "张三", "platform": "douyin", "account": f"douyin:acct{i}",
                "account_name": account, "category": "违规承诺", "rule": "R-0012"},
        annotations={"title": f"{title} #{i}",
                     "summary": "作品《稳健理财》宣称“保本保息、年化 8%”，涉嫌违规承诺收益",
                     "item": "稳健理财，保本保息", "board_url": board_url},
        starts_at=datetime(2026, 5, 1, 2, 3, 4, tzinfo=UTC),
        ends_at=datetime(2026, 5, 1, 3, 0, 0, tzinfo=UTC) if status == "resolved" else None,
        generator_url="http://grafana.test/alerting/grafana/abc/view",
    )


def make_notification(n_alerts: int = 2, *, status: str = "firing",
                      owner: OwnerContact | None = OWNER, nid: str = "n-0001") -> Notification:
    alerts = [make_alert(i, status=status) for i in range(1, n_alerts + 1)]
    return Notification(
        notification_id=nid, receiver="owner-shenzhen", group_key='{}:{account="acct"}',
        group_labels={"account": "douyin:acct1"}, status=status,  # type: ignore[arg-type]
        alerts=alerts, owner=owner, created_at=datetime(2026, 5, 1, 2, 4, tzinfo=UTC))
