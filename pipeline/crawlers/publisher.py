"""Publish crawl pages on the raw topic, keyed by account, optionally paced to a rate."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaProducer

from schemas.topics import RAW_CRAWL


class Page(Protocol):
    """What the publisher needs of a page: key, value and its number of events."""

    @property
    def key(self) -> bytes: ...

    @property
    def value(self) -> bytes: ...

    @property
    def events(self) -> int: ...


@dataclass
class PublishReport:
    """What was published."""

    messages: int = 0
    events: int = 0
    expected_valid: Counter[str] = field(default_factory=Counter)
    expected_dead_letters: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "messages": self.messages, "events": self.events,
            "expected_valid": dict(self.expected_valid),
            "expected_dead_letters": self.expected_dead_letters,
            "seconds": round(self.seconds, 3),
            "events_per_s": round(self.events / self.seconds, 1) if self.seconds else None,
        }


def make_producer(bootstrap: str) -> KafkaProducer:
    """A producer tuned for throughput: batches, lz4-free (Tansu speaks plain batches)."""
    return KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, batch_size=512 * 1024,
        max_request_size=4 * 1024 * 1024, client_id="matrixguard-crawler",
    )


def publish(
    producer: KafkaProducer, pages: Iterable[Page], *, rate: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[PublishReport], None] | None = None,
) -> PublishReport:
    """Send pages to the raw topic; ``rate`` caps events per second (None = as fast as possible)."""
    report = PublishReport()
    start = time.monotonic()
    last_progress = start
    for page in pages:
        if should_stop():
            break
        producer.send(RAW_CRAWL.name, key=page.key, value=page.value)
        report.messages += 1
        report.events += page.events
        valid = getattr(page, "valid", None)
        if valid:
            report.expected_valid.update(valid)
        report.expected_dead_letters += int(getattr(page, "dead_letters", 0))
        if rate:
            ahead = report.events / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        now = time.monotonic()
        if on_progress is not None and now - last_progress >= 1.0:
            last_progress = now
            report.seconds = now - start
            on_progress(report)
    producer.flush(timeout=60)
    report.seconds = time.monotonic() - start
    return report
