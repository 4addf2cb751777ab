"""In-process pipeline counters: what the run progress bar, the summary and ``/stats`` show."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from schemas.topics import ANOMALIES, COMMENTS, POSTS, SCORES, SNAPSHOTS

_LATENCY_SAMPLES = 200_000
SCORED_TOPICS = (SNAPSHOTS.name, POSTS.name, COMMENTS.name)
ALERTED_TOPICS = (ANOMALIES.name, SCORES.name)


@dataclass
class PipelineStats:
    """Counters of one worker process since it started."""

    started: float = field(default_factory=time.monotonic)
    raw_messages: int = 0
    accepted: Counter[str] = field(default_factory=Counter)
    dead_letters: Counter[str] = field(default_factory=Counter)
    sent_messages: Counter[str] = field(default_factory=Counter)
    sunk_messages: Counter[str] = field(default_factory=Counter)
    rows_written: Counter[str] = field(default_factory=Counter)
    scored: Counter[str] = field(default_factory=Counter)
    scored_messages: Counter[str] = field(default_factory=Counter)
    anomalies: Counter[str] = field(default_factory=Counter)
    anomaly_messages: Counter[str] = field(default_factory=Counter)
    anomaly_accounts: int = 0
    alert_messages: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    notifications: Counter[str] = field(default_factory=Counter)
    anomaly_state_bytes: int = 0
    sink_retries: int = 0
    latencies_s: list[float] = field(default_factory=list)

    def record_latencies(self, published_ms: list[int], written_s: float) -> None:
        """Publish→ClickHouse latency of each sunk message (bounded sample)."""
        room = _LATENCY_SAMPLES - len(self.latencies_s)
        if room > 0:
            self.latencies_s.extend(written_s - ms / 1000 for ms in published_ms[:room] if ms)

    def percentile(self, q: float) -> float | None:
        """Latency percentile in seconds (q in 0..100), or None without samples."""
        if not self.latencies_s:
            return None
        data = sorted(self.latencies_s)
        return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))]

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view."""
        p50, p99 = self.percentile(50), self.percentile(99)
        return {
            "uptime_s": round(time.monotonic() - self.started, 3),
            "raw_messages": self.raw_messages,
            "accepted": dict(self.accepted),
            "dead_letters": dict(self.dead_letters),
            "sent_messages": dict(self.sent_messages),
            "sunk_messages": dict(self.sunk_messages),
            "rows_written": dict(self.rows_written),
            "scored": dict(self.scored),
            "scored_messages": dict(self.scored_messages),
            "anomalies": dict(self.anomalies),
            "anomaly_messages": dict(self.anomaly_messages),
            "anomaly_accounts": self.anomaly_accounts,
            "alert_messages": dict(self.alert_messages),
            "alerts": dict(self.alerts),
            "notifications": dict(self.notifications),
            "anomaly_state_bytes": self.anomaly_state_bytes,
            "sink_retries": self.sink_retries,
            "latency_p50_s": None if p50 is None else round(p50, 4),
            "latency_p99_s": None if p99 is None else round(p99, 4),
            "drained": self.drained(),
        }

    def drained(self) -> bool:
        """Every message the agents sent has been written by the sink, and every canonical
        bundle has also been scored by the sensitivity agent and judged by the anomaly agent,
        and every anomaly and score message has been through the alert rules."""
        return all(self.sunk_messages[t] >= n for t, n in self.sent_messages.items()) and all(
            self.scored_messages[t] >= self.sent_messages[t]
            and self.anomaly_messages[t] >= self.sent_messages[t] for t in SCORED_TOPICS) and all(
            self.alert_messages[t] >= self.sent_messages[t] for t in ALERTED_TOPICS)
