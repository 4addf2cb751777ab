"""Crawl results onto Kafka through the topic registry: envelopes on the raw topic keyed by
account, dead letters on the dead-letter topic, crawl status events on their own topic.

kafka-python's producer is synchronous: sends and the flush that waits for the broker's
acknowledgements run in a thread, so the event loop keeps crawling other accounts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from kafka import KafkaProducer
from pydantic import BaseModel

from pipeline.crawlers.publisher import make_producer
from schemas.events import CrawlEnvelope, CrawlStatus, DeadLetter
from schemas.topics import CRAWL_STATUS, DEAD_LETTERS, RAW_CRAWL, TopicSpec


class KafkaOutput:
    """:class:`pipeline.crawlers.crawl.CrawlOutput` on a Kafka producer."""

    def __init__(self, producer: KafkaProducer, flush_timeout_s: float = 60.0) -> None:
        self.producer = producer
        self.flush_timeout_s = flush_timeout_s
        self._lock = asyncio.Lock()  # one flush at a time: each waits for its own sends

    @classmethod
    def connect(cls, bootstrap: str) -> KafkaOutput:
        """A producer on ``bootstrap`` (acks=all)."""
        return cls(make_producer(bootstrap))

    def _send_all(self, spec: TopicSpec, values: Sequence[BaseModel], keys: Sequence[str]) -> None:
        futures = [self.producer.send(spec.name, key=key.encode(),
                                      value=value.model_dump_json().encode())
                   for value, key in zip(values, keys, strict=True)]
        self.producer.flush(timeout=self.flush_timeout_s)
        for future in futures:  # raise the broker's error, if any, for this batch
            future.get(timeout=self.flush_timeout_s)

    async def _send(self, spec: TopicSpec, values: Sequence[BaseModel],
                    keys: Sequence[str]) -> None:
        if not values:
            return
        async with self._lock:
            await asyncio.to_thread(self._send_all, spec, values, keys)

    async def pages(self, envelopes: Sequence[CrawlEnvelope]) -> None:
        """Crawl envelopes on the raw topic, acknowledged when this returns."""
        await self._send(RAW_CRAWL, envelopes, [e.account_key for e in envelopes])

    async def dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Dead letters of stage ``crawl``."""
        await self._send(DEAD_LETTERS, letters, [d.account_key for d in letters])

    async def status(self, status: CrawlStatus) -> None:
        """One crawl status event."""
        await self._send(CRAWL_STATUS, [status], [status.account_key])

    def close(self) -> None:
        """Flush and close the producer."""
        self.producer.flush(timeout=self.flush_timeout_s)
        self.producer.close(timeout=self.flush_timeout_s)
