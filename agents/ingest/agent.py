"""Thin Faust module of ``ingest``: raw crawl pages in, canonical bundles and dead letters out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import faust
import orjson
from pydantic import BaseModel

from agents.deadletters import SourceRef
from agents.ingest.core import bundle, ingest
from pipeline.held_batches import held_batches
from pipeline.registry.cache import RegistryCache
from pipeline.stats import PipelineStats
from schemas.topics import COMMENTS, DEAD_LETTERS, POSTS, RAW_CRAWL, REGISTRY, SNAPSHOTS


def register(
    app: faust.App, registry: RegistryCache, stats: PipelineStats, *,
    batch_max: int, within_s: float,
) -> None:
    """Attach the ingest and registry-follower agents to ``app``."""
    raw_topic = app.topic(RAW_CRAWL.name, value_serializer="raw", key_serializer="raw")
    registry_topic = app.topic(REGISTRY.name, value_serializer="raw", key_serializer="raw")
    out = {
        spec.name: app.topic(spec.name, value_serializer="raw", key_serializer="raw")
        for spec in (SNAPSHOTS, POSTS, COMMENTS, DEAD_LETTERS)
    }

    async def send_bundles(
        spec_name: str, per_partition: Mapping[int, Sequence[BaseModel]],
    ) -> None:
        for partition, pages in per_partition.items():
            value = orjson.dumps({"pages": [page.model_dump() for page in pages]})
            key = str(getattr(pages[0], "account_key", "")).encode()
            await out[spec_name].send(key=key, value=value, partition=partition)
            stats.sent_messages[spec_name] += 1

    @app.agent(raw_topic, name="ingest")
    async def ingest_agent(stream: faust.StreamT[bytes]) -> None:
        await registry.ready.wait()
        # Each page is held until its output is handed to the producer (which Faust flushes
        # before any commit): a cancel in between must not mark it done.
        async for events in held_batches(stream, batch_max, within_s):
            now = datetime.now(UTC)
            results = []
            for event in events:
                msg = event.message
                src = SourceRef(msg.topic, msg.partition, msg.offset, int(msg.timestamp * 1000))
                results.append(ingest(msg.value or b"", src, registry, now))
            stats.raw_messages += len(events)
            bundles = bundle(results, POSTS.partition_of)
            await send_bundles(SNAPSHOTS.name, bundles.snapshots)
            await send_bundles(POSTS.name, bundles.posts)
            await send_bundles(COMMENTS.name, bundles.comments)
            for dead in bundles.dead_letters:
                await out[DEAD_LETTERS.name].send(key=dead.account_key.encode(),
                                                  value=orjson.dumps(dead.model_dump()))
                stats.sent_messages[DEAD_LETTERS.name] += 1
                stats.dead_letters[dead.reason] += 1
            for result in results:
                if result.snapshots:
                    stats.accepted["snapshot"] += len(result.snapshots.snapshots)
                if result.posts:
                    stats.accepted["post"] += len(result.posts.posts)
                if result.comments:
                    stats.accepted["comment"] += len(result.comments.comments)

    @app.agent(registry_topic, name="registry-follower")
    async def follow_registry(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            registry.apply(event.message.key, event.message.value)
