"""Reload a Faust table from its whole changelog after Faust's own recovery.

Tansu (the embedded broker) reports a partition's end offset as the base offset of its last
record batch + 1, not the offset after its last record. Faust's recovery reads a changelog up to
that end offset, so with batched changelog writes it stops early and a restarted worker would
resume with stale state. After each recovery this reads the changelog partitions the worker
now owns to their true end (until fetches come back empty, not trusting end offsets) and puts
the latest value of every key into the table's store. On a Kafka cluster it finds nothing
Faust had not already restored, at the cost of one read of the changelog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline.logs import get_logger

log = get_logger(__name__)
EMPTY_FETCHES_AT_END = 2


async def read_partitions(bootstrap: str, topic: str, partitions: set[int]
                          ) -> dict[bytes, bytes | None]:
    """Latest value of every key in ``partitions`` of ``topic`` (None = deleted)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, client_id="matrixguard-changelog")
    await consumer.start()
    latest: dict[bytes, bytes | None] = {}
    try:
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return latest
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        empty = 0
        while empty < EMPTY_FETCHES_AT_END:
            batch = await consumer.getmany(timeout_ms=300, max_records=50_000)
            empty = 0 if batch else empty + 1
            for records in batch.values():
                for record in records:
                    if record.key is not None:
                        latest[record.key] = record.value
    finally:
        await consumer.stop()
    return latest


def reload_after_recovery(app: Any, table: Any, bootstrap: str
                          ) -> Callable[[], Awaitable[None]]:
    """An ``on_recover`` callback for ``table``."""
    async def reload() -> None:
        topic = table.changelog_topic.get_topic_name()
        mine = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}
        started = asyncio.get_running_loop().time()
        latest = await read_partitions(bootstrap, topic, mine)
        store = table.data
        for key, value in latest.items():
            if value is None:
                store.pop(key, None)
            else:
                store[key] = value
        log.info("table reloaded from its changelog", table=table.name, entries=len(latest),
                 partitions=sorted(mine),
                 seconds=round(asyncio.get_running_loop().time() - started, 3))
    return reload
