"""Thin Faust module of ``ingest``: raw crawl pages in, canonical batches and dead letters out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import faust
import orjson

from agents.deadletters import SourceRef
from agents.ingest.core import ingest
from pipeline.registry.cache import RegistryCache
from pipeline.stats import PipelineStats
from schemas.topics import COMMENTS, DEAD_LETTERS, POSTS, RAW_CRAWL, REGISTRY, SNAPSHOTS


def register(app: faust.App, registry: RegistryCache, stats: PipelineStats) -> None:
    """Attach the ingest and registry-follower agents to ``app``."""
    raw_topic = app.topic(RAW_CRAWL.name, value_serializer="raw", key_serializer="raw")
    registry_topic = app.topic(REGISTRY.name, value_serializer="raw", key_serializer="raw")
    out = {
        spec.name: app.topic(spec.name, value_serializer="raw", key_serializer="raw")
        for spec in (SNAPSHOTS, POSTS, COMMENTS, DEAD_LETTERS)
    }

    async def send(topic: str, key: bytes, value: Any) -> None:
        await out[topic].send(key=key, value=orjson.dumps(value.model_dump()))
        stats.sent_messages[topic] += 1

    @app.agent(raw_topic, name="ingest")
    async def ingest_agent(stream: faust.StreamT[bytes]) -> None:
        await registry.ready.wait()
        async for event in stream.events():
            # Hold an extra reference until everything is handed to the producer: a cancel in
            # between must not let Faust mark the page done.
            event.message.incref()
            msg = event.message
            src = SourceRef(msg.topic, msg.partition, msg.offset, int(msg.timestamp * 1000))
            result = ingest(msg.value or b"", src, registry, datetime.now(UTC))
            key = msg.key or b""
            stats.raw_messages += 1
            for batch, topic, kind in (
                (result.snapshots, SNAPSHOTS.name, "snapshot"),
                (result.posts, POSTS.name, "post"),
                (result.comments, COMMENTS.name, "comment"),
            ):
                if batch is not None:
                    await send(topic, key, batch)
                    stats.accepted[kind] += len(getattr(batch, f"{kind}s"))
            for dead in result.dead_letters:
                await send(DEAD_LETTERS.name, key, dead)
                stats.dead_letters[dead.reason] += 1
            await stream.ack(event)

    @app.agent(registry_topic, name="registry-follower")
    async def follow_registry(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            registry.apply(event.message.key, event.message.value)
