"""Aggregation groups with Alertmanager's timing: group_wait, group_interval, repeat_interval.

A group is one receiver × the alert's ``group_by`` labels. Its first notification goes out
``group_wait`` after its first alert (so alerts arriving together travel together); after that
the group is looked at every ``group_interval`` and notified only if something changed (a new
alert, or one resolved); an unchanged group with firing alerts is re-notified after
``repeat_interval``. Resolved alerts leave the group once they have been notified; an empty
group is dropped. Silenced and inhibited alerts are left out of what is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from schemas.alerts import Alert, AlertStatus, Notification, OwnerContact


class Group(BaseModel):
    """One aggregation group and what was last sent for it (kept in a changelogged table)."""

    receiver: str
    group_key: str
    group_labels: dict[str, str]
    group_wait: float
    group_interval: float
    repeat_interval: float
    alerts: dict[str, Alert] = Field(default_factory=dict, description="by fingerprint")
    owner: OwnerContact | None = None
    created_ms: int
    next_flush_ms: int
    last_sent_ms: int = 0
    last_sent_hash: str = ""
    notified_firing: list[str] = Field(default_factory=list,
                                       description="fingerprints last notified as firing")

    def add(self, alert: Alert) -> None:
        """Add or update an alert (a resolved one replaces its firing self)."""
        self.alerts[alert.fingerprint] = alert


def state_hash(alerts: list[Alert]) -> str:
    """What a receiver has seen: the alerts and their status."""
    raw = ";".join(f"{a.fingerprint}:{a.status}" for a in sorted(
        alerts, key=lambda a: a.fingerprint))
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()


Muted = Callable[[Alert], bool]


def flush(group: Group, now: datetime, muted: Muted) -> Notification | None:
    """If the group is due, the notification to send now (None if nothing to say).

    As Alertmanager decides it: a notification is due when a firing alert is not among those
    last notified, when an alert the receiver was told about has resolved, or when the group
    still fires and ``repeat_interval`` has passed. Alerts that became muted simply drop out.
    """
    now_ms = int(now.timestamp() * 1000)
    if now_ms < group.next_flush_ms:
        return None
    group.next_flush_ms = now_ms + int(group.group_interval * 1000)
    told = set(group.notified_firing)
    visible = [a for a in group.alerts.values() if not muted(a)]
    firing = [a for a in visible if a.status == "firing"]
    resolved = [a for a in visible if a.status == "resolved" and a.fingerprint in told]
    for fp, alert in list(group.alerts.items()):  # resolved before anyone was told: not news
        if alert.status == "resolved" and fp not in told:
            del group.alerts[fp]
    new_firing = any(a.fingerprint not in told for a in firing)
    due_repeat = bool(firing) and now_ms - group.last_sent_ms >= group.repeat_interval * 1000
    if not (new_firing or resolved or due_repeat):
        return None
    news = firing + resolved
    digest = state_hash(news)
    status: AlertStatus = "firing" if firing else "resolved"
    return Notification(
        notification_id=hashlib.blake2b(
            f"{group.group_key}|{digest}|{now_ms if due_repeat else ''}".encode(),
            digest_size=12).hexdigest(),
        receiver=group.receiver, group_key=group.group_key, group_labels=group.group_labels,
        status=status, alerts=sorted(news, key=lambda a: (a.status != "firing", a.starts_at)),
        owner=group.owner, created_at=now)


def mark_sent(group: Group, notification: Notification, now: datetime) -> None:
    """Record that ``notification`` reached the receiver; resolved alerts leave the group."""
    group.last_sent_ms = int(now.timestamp() * 1000)
    _forget_resolved(group, {a.fingerprint for a in notification.alerts})
    group.notified_firing = sorted(a.fingerprint for a in notification.alerts
                                   if a.status == "firing")
    group.last_sent_hash = state_hash(notification.alerts)


def _forget_resolved(group: Group, told: set[str] | None = None) -> None:
    for fp, alert in list(group.alerts.items()):
        if alert.status == "resolved" and (told is None or fp in told):
            del group.alerts[fp]
