"""Thin Faust module of the notifier: alerts in, grouped notifications out to the receivers.

Alerts are grouped per receiver (``agents/alerting/grouper.py``). Each alert message stays
unacknowledged — its offset is not committed — until every group holding it has been flushed:
its notification sent, definitively failed, or found to carry no news (muted, unchanged). After a
crash the uncommitted alerts are read again and regrouped; before sending, the notifier looks
in ``notification_log`` for the same group and alert state sent (or being sent: a ``sending``
row is written before the first request) within the repeat interval and does not send it
twice. The price of "at most once per repeat interval": a crash in the instant between that
row and the request leaving the process loses that one notification. Every attempt on every
channel is a row in ``notification_log``. Each group is delivered in its own task, so a
channel that is down holds up only its own groups.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from clickhouse_connect.driver.binding import format_query_value

from agents.alerting.config import AlertingConfig
from agents.alerting.grouper import Group, flush, mark_sent, state_hash
from agents.alerting.inhibition import inhibited
from agents.alerting.routing import group_key, route_alert
from agents.alerting.silences import Silence
from pipeline.logs import get_logger
from pipeline.notify import Notifier
from pipeline.registry.cache import RegistryCache
from pipeline.stats import PipelineStats
from pipeline.warehouse.store import Warehouse
from schemas.alerts import Alert, Notification, OwnerContact
from schemas.topics import ALERTS

log = get_logger(__name__)
LOG_COLUMNS = ("notification_id", "receiver", "channel", "group_key", "group_status",
               "state_hash", "fingerprints", "alert_count", "status", "error", "attempt", "at")
RETRY_ROUNDS = 6  # rounds of the notifier's own retries before a channel is given up
RETRY_PAUSE_S = 30.0


@dataclass
class Held:
    """A group and the alert messages it keeps from being committed."""

    group: Group
    events: list[Any] = field(default_factory=list)
    inflight: bool = False


def owner_of(registry: RegistryCache, account_key: str) -> OwnerContact:
    """The owner's contact from the registry (empty when the account is not registered)."""
    account = registry.get(account_key)
    if account is None:
        return OwnerContact()
    return OwnerContact(name=account.owner, mobile=account.owner_mobile,
                        email=account.owner_email, wecom=account.owner_wecom)


class Deliverer:
    """The notifier's in-memory state and its delivery loop (one per worker)."""

    def __init__(self, cfg: AlertingConfig, registry: RegistryCache, warehouse: Warehouse,
                 stats: PipelineStats) -> None:
        self.cfg, self.registry, self.warehouse, self.stats = cfg, registry, warehouse, stats
        self.held: dict[str, Held] = {}
        self.firing: dict[str, Alert] = {}
        self.silences: list[Silence] = []
        self.notifier: Notifier | None = None
        self.stream: Any = None
        self.tasks: set[asyncio.Task[None]] = set()

    # -- alerts in ------------------------------------------------------------------------

    def take(self, alert: Alert, event: Any, now: datetime) -> None:
        """Put an alert into the group of each delivery; hold its message."""
        if alert.status == "firing":
            self.firing[alert.fingerprint] = alert
        else:
            self.firing.pop(alert.fingerprint, None)
        now_ms = int(now.timestamp() * 1000)
        for delivery in route_alert(self.cfg.route, alert.labels):
            key, labels = group_key(delivery, alert.labels)
            held = self.held.get(key)
            if held is None:
                receiver = self.cfg.receiver(delivery.receiver)
                owner = (owner_of(self.registry, alert.labels.get("account", ""))
                         if receiver.owner else None)
                held = self.held[key] = Held(Group(
                    receiver=delivery.receiver, group_key=key, group_labels=labels,
                    group_wait=delivery.group_wait, group_interval=delivery.group_interval,
                    repeat_interval=delivery.repeat_interval, owner=owner, created_ms=now_ms,
                    next_flush_ms=now_ms + int(delivery.group_wait * 1000)))
            held.group.add(alert)
            event.message.incref()
            held.events.append(event)

    def muted(self, alert: Alert) -> bool:
        """Silenced or inhibited now."""
        now = datetime.now(UTC)
        return any(s.mutes(alert.labels, now) for s in self.silences) or inhibited(
            alert, self.firing.values(), self.cfg.inhibit_rules)

    # -- timer ----------------------------------------------------------------------------

    async def tick(self) -> None:
        """Flush every due group that is not being delivered."""
        now = datetime.now(UTC)
        for key, held in list(self.held.items()):
            if held.inflight:
                continue
            _expire(held.group, now, self.firing)
            if now.timestamp() * 1000 < held.group.next_flush_ms:
                continue
            notification = flush(held.group, now, self.muted)
            if notification is None:
                await self._release(held)  # looked at, nothing to say: nothing to hold
                if not held.group.alerts:
                    del self.held[key]
                continue
            held.inflight = True
            # the messages of the alerts in this notification; later ones wait for the next
            events, held.events = held.events, []
            task = asyncio.create_task(self._deliver(held, notification, events))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _release(self, held: Held, events: list[Any] | None = None) -> None:
        if events is None:
            events, held.events = held.events, []
        for event in events:
            await self.stream.ack(event)

    async def _deliver(self, held: Held, notification: Notification, events: list[Any]
                       ) -> None:
        try:
            receiver = self.cfg.receiver(notification.receiver)
            digest = state_hash(notification.alerts)
            if await self._already_sent(held.group, digest):
                self.stats.notifications["duplicate_skipped"] += 1
                await self._record(notification, digest, [("-", "duplicate_skipped", "", 0)])
            else:
                channels = list(receiver.channels)
                # written before the first request: after a crash mid-delivery the group counts
                # as delivered (at most once per repeat interval; see the module docstring)
                await self._record(notification, digest, [
                    (_channel_name(c), "sending", "", 0) for c in channels])
                for round_no in range(RETRY_ROUNDS):
                    assert self.notifier is not None
                    results = await self.notifier.notify(notification, channels)
                    await self._record(notification, digest, [
                        (r.channel, r.status, r.error, r.attempts) for r in results])
                    channels = [c for c, r in zip(channels, results, strict=True)
                                if r.status == "failed_retryable"]
                    for r in results:
                        self.stats.notifications[r.status] += 1
                    if not channels:
                        break
                    if round_no < RETRY_ROUNDS - 1:
                        await asyncio.sleep(RETRY_PAUSE_S)
                if channels:
                    log.warning("notification given up", receiver=notification.receiver,
                                channels=len(channels), group=notification.group_key)
            mark_sent(held.group, notification, datetime.now(UTC))
            await self._release(held, events)
        except Exception as exc:  # never let a delivery task die silently
            held.events = events + held.events  # still uncommitted: tried again next flush
            log.error("delivery failed", group=notification.group_key,
                      error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            held.inflight = False

    async def _already_sent(self, group: Group, digest: str) -> bool:
        """Sent within the repeat interval already (e.g. before a crash)?"""
        if group.last_sent_hash == digest:
            return False  # a repeat the grouper asked for on purpose
        window = int(group.repeat_interval)
        rows = await self.warehouse.aquery(
            "SELECT count() FROM notification_log FINAL WHERE group_key = "
            f"{format_query_value(group.group_key)} AND state_hash = {format_query_value(digest)} "
            "AND status IN ('sent', 'sending') "
            f"AND at > now64(3) - INTERVAL {window} SECOND")
        return bool(rows.rows and rows.rows[0][0])

    async def _record(self, n: Notification, digest: str,
                      outcomes: list[tuple[str, str, str, int]]) -> None:
        now = datetime.now(UTC)
        fps = [a.fingerprint for a in n.alerts]
        columns: list[list[Any]] = [[] for _ in LOG_COLUMNS]
        for channel, status, error, attempts in outcomes:
            row = (n.notification_id, n.receiver, channel, n.group_key, n.status, digest, fps,
                   len(fps), status, error[:500], attempts, now)
            for col, value in zip(columns, row, strict=True):
                col.append(value)
        await self.warehouse.ainsert("notification_log", columns, LOG_COLUMNS)

    async def refresh_silences(self) -> None:
        """Reload the silences that are not over."""
        rows = await self.warehouse.aquery(
            "SELECT silence_id, matchers, starts_at, ends_at, created_by, comment, updated_at "
            "FROM silences FINAL WHERE ends_at > now64(3)")
        self.silences = [Silence(silence_id=r[0], matchers=list(r[1]), starts_at=r[2],
                                 ends_at=r[3], created_by=r[4], comment=r[5], updated_at=r[6])
                         for r in rows.rows]


def _channel_name(channel: Any) -> str:
    name = getattr(channel, "name", "")
    return f"{channel.type}:{name}" if name else str(channel.type)


def _expire(group: Group, now: datetime, firing: dict[str, Alert]) -> None:
    """Event alerts past their end leave quietly (no resolved notification)."""
    for fp, alert in list(group.alerts.items()):
        if alert.status == "firing" and alert.ends_at is not None and alert.ends_at <= now:
            del group.alerts[fp]
            firing.pop(fp, None)


def register(app: faust.App, cfg: AlertingConfig, registry: RegistryCache,
             warehouse: Warehouse, stats: PipelineStats, tick_s: float) -> Deliverer:
    """Attach the notifier agent and its timers to ``app``."""
    deliverer = Deliverer(cfg, registry, warehouse, stats)
    topic = app.topic(ALERTS.name, value_serializer="raw", key_serializer="raw")

    @app.agent(topic, name="notifier")
    async def notifier(stream: faust.StreamT[bytes]) -> None:
        deliverer.stream = stream
        async with Notifier() as client:
            deliverer.notifier = client
            async for event in stream.events():
                now = datetime.now(UTC)
                for raw in orjson.loads(event.message.value or b"{}").get("alerts", ()):
                    deliverer.take(Alert.model_validate(raw), event, now)

    @app.timer(interval=tick_s)  # type: ignore[untyped-decorator]
    async def notify_tick() -> None:
        if deliverer.notifier is not None:
            await deliverer.tick()

    @app.timer(interval=5.0)  # type: ignore[untyped-decorator]
    async def silences_refresh() -> None:
        try:
            await deliverer.refresh_silences()
        except Exception as exc:  # the warehouse may be busy: keep the last known silences
            log.warning("silences not refreshed", error=str(exc).splitlines()[0][:200])

    return deliverer
