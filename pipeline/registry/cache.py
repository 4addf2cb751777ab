"""The registry as ``ingest`` sees it: a dict filled from the compacted topic.

On start the whole topic is read (no consumer group: assign, seek to beginning, read to the end
offsets) before ingest handles its first event; a Faust agent then follows live updates.
"""

from __future__ import annotations

import asyncio

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from pipeline.logs import get_logger
from schemas.events import RegisteredAccount
from schemas.topics import REGISTRY

log = get_logger(__name__)


class RegistryCache(dict[str, RegisteredAccount]):
    """account_key → account; ``ready`` is set once the topic has been read to its end."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = asyncio.Event()

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one registry record (a null value is a tombstone: the account is removed)."""
        if value is None:
            if key is not None:
                self.pop(key.decode(), None)
            return
        try:
            account = RegisteredAccount.model_validate(orjson.loads(value))
        except (ValidationError, orjson.JSONDecodeError) as exc:
            log.warning("registry record ignored", error=str(exc).splitlines()[0])
            return
        self[account.account_key] = account

    async def load(self, bootstrap: str, timeout_s: float = 60.0) -> int:
        """Read the registry topic from the beginning to its current end."""
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                    group_id=None, client_id="matrixguard-registry-loader")
        await consumer.start()
        try:
            parts = await consumer.topics() and consumer.partitions_for_topic(REGISTRY.name)
            tps = [TopicPartition(REGISTRY.name, p) for p in sorted(parts or {0})]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            async with asyncio.timeout(timeout_s):
                while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
                    batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
                    for records in batches.values():
                        for record in records:
                            self.apply(record.key, record.value)
        finally:
            await consumer.stop()
        self.ready.set()
        log.info("registry loaded", accounts=len(self))
        return len(self)
