"""The thin Faust module of ``sink``: canonical topics → warehouse, batch by batch.

Offsets advance only after a batch is in ClickHouse (:mod:`pipeline.held_batches`): an
unwritten batch is never committed. Warehouse errors are retried here, with backoff, for as
long as it takes.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import faust
import orjson
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from agents.deadletters import SourceRef
from agents.sink.core import MAPPINGS, Blocks, build_blocks
from pipeline.held_batches import held_batches
from pipeline.logs import get_logger
from pipeline.stats import PipelineStats
from pipeline.warehouse.store import Warehouse
from schemas.topics import DEAD_LETTERS

log = get_logger(__name__)


async def write_blocks(
    warehouse: Warehouse, blocks: Blocks, stats: PipelineStats, max_wait_s: float,
) -> None:
    """Insert every non-empty table block, retrying warehouse errors until they succeed."""
    for block in blocks.tables.values():
        if not len(block):
            continue
        async for attempt in AsyncRetrying(
            wait=wait_exponential_jitter(initial=0.2, max=max_wait_s),
            retry=retry_if_exception_type(Exception),
            reraise=True,
        ):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number > 1:
                    stats.sink_retries += 1
                    failure = attempt.retry_state.outcome
                    error = failure.exception() if failure is not None else None
                    log.warning("warehouse insert retry", table=block.table, attempt=number,
                                rows=len(block), error=" ".join(str(error).split())[:300])
                await warehouse.ainsert(block.table, block.columns, block.column_names)
        stats.rows_written[block.table] += len(block)


def register(
    app: faust.App, warehouse: Warehouse, stats: PipelineStats, *,
    batch_max: int, within_s: float, retry_max_wait_s: float,
) -> None:
    """Attach one sink agent per canonical topic to ``app``."""
    dead_topic = app.topic(DEAD_LETTERS.name, value_serializer="raw", key_serializer="raw")

    def make(topic_name: str) -> None:
        topic = app.topic(topic_name, value_serializer="raw", key_serializer="raw")
        short = topic_name.rsplit(".", 1)[-1]

        @app.agent(topic, name=f"sink-{short}")
        async def sink(stream: faust.StreamT[bytes]) -> None:
            async for events in held_batches(stream, batch_max, within_s):
                messages = [
                    (SourceRef(e.message.topic, e.message.partition, e.message.offset,
                               int(e.message.timestamp * 1000)), e.message.value or b"")
                    for e in events
                ]
                blocks = build_blocks(topic_name, messages, datetime.now(UTC))
                await write_blocks(warehouse, blocks, stats, retry_max_wait_s)
                for dead in blocks.rejected:
                    await dead_topic.send(key=dead.account_key.encode(),
                                          value=orjson.dumps(dead.model_dump()))
                    stats.sent_messages[DEAD_LETTERS.name] += 1
                    stats.dead_letters[dead.reason] += 1
                stats.record_latencies(blocks.published_ms, time.time())
                stats.sunk_messages[topic_name] += len(events)

    for name in MAPPINGS:
        make(name)
