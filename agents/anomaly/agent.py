"""Thin Faust module of ``anomaly``: canonical snapshots, posts and comments in, anomalies out.

Per-account state (:class:`~agents.anomaly.state.AccountState`) lives in the Faust table
``anomaly-accounts``, changelogged to Kafka: a restarted worker recovers every baseline from
the changelog instead of re-learning (and, on the embedded broker, from a full read of it:
:mod:`pipeline.changelog_reload`). The agent reads the three canonical topics (co-partitioned
with the table: a page's partition is its account's) one bundle at a time, so each table write
goes to the changelog partition of the bundle being processed. Offsets are committed only after
a bundle is done (:func:`pipeline.held_batches.held_events`); a page applied before a crash is
recognised by its position and not applied twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import faust
import orjson

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.core import apply_comments, apply_posts, apply_snapshots, position
from agents.anomaly.emit import AccountInfo
from agents.anomaly.naming import derive_brand
from agents.anomaly.sentiment import SentimentModel
from agents.anomaly.state import AccountState
from pipeline.changelog_reload import reload_after_recovery
from pipeline.held_batches import held_events
from pipeline.logs import get_logger
from pipeline.registry.cache import RegistryCache
from pipeline.stats import PipelineStats
from schemas.events import AccountContext, AccountKind, Anomaly, Platform
from schemas.topics import ANOMALIES, CANONICAL_PARTITIONS, COMMENTS, POSTS, SNAPSHOTS

log = get_logger(__name__)
TABLE = "anomaly-accounts"


class Brand:
    """The org's brand for the naming rule: configured, or derived from the registry."""

    def __init__(self, registry: RegistryCache, configured: str) -> None:
        self.registry, self.configured = registry, configured
        self._derived: tuple[int, str] = (-1, "")

    def __call__(self) -> str:
        if self.configured:
            return self.configured
        if self._derived[0] != len(self.registry):
            names = [a.display_name for a in self.registry.values()
                     if a.kind is AccountKind.official]
            self._derived = (len(self.registry), derive_brand(names))
        return self._derived[1]


def account_info(page: dict[str, Any], registry: RegistryCache, brand: str) -> AccountInfo:
    """What the core needs to know about the page's account."""
    key = page["account_key"]
    registered = registry.get(key)
    return AccountInfo(
        account_key=key, platform=Platform(page["platform"]),
        context=AccountContext.model_validate(page["context"]),
        expected_subject=registered.expected_verification_subject if registered else "",
        brand=brand)


def register(app: faust.App, registry: RegistryCache, stats: PipelineStats,
             cfg: AnomalyConfig, sentiment: Callable[[], SentimentModel], bootstrap: str) -> None:
    """Attach the anomaly agent and its state table to ``app``."""
    table = app.Table(TABLE, default=None, partitions=CANONICAL_PARTITIONS,
                      key_type=bytes, value_type=bytes,  # the app's serializers are raw
                      help="per-account anomaly detector state (AccountState JSON)")
    table.on_recover(reload_after_recovery(app, table, bootstrap))
    source = app.topic(SNAPSHOTS.name, POSTS.name, COMMENTS.name,
                       value_serializer="raw", key_serializer="raw")
    out_topic = app.topic(ANOMALIES.name, value_serializer="raw", key_serializer="raw")
    brand = Brand(registry, cfg.naming.brand)

    @app.agent(source, name="anomaly")
    async def anomaly(stream: faust.StreamT[bytes]) -> None:
        async for event in held_events(stream):
            message = event.message
            topic, offset = message.topic, message.offset
            pages = orjson.loads(message.value or b"{}").get("pages", ())
            now = datetime.now(UTC)
            negatives = _negatives(sentiment(), pages) if topic == COMMENTS.name else None
            found: list[Anomaly] = []
            states: dict[str, AccountState] = {}
            for index, page in enumerate(pages):
                key = page["account_key"]
                st = states.get(key)
                if st is None:
                    raw = table.get(key.encode())
                    st = states[key] = (AccountState.model_validate_json(raw) if raw is not None
                                        else AccountState(account_key=key))
                info = account_info(page, registry, brand())
                where = (topic, position(offset, index))
                if topic == SNAPSHOTS.name:
                    found.extend(apply_snapshots(st, page, info, cfg, where, now))
                elif topic == POSTS.name:
                    found.extend(apply_posts(st, page, info, cfg, where, now))
                else:
                    assert negatives is not None
                    found.extend(apply_comments(st, page, negatives[index], info, cfg, where,
                                                now))
            for key, st in states.items():  # one changelog record per account and bundle
                old = table.get(key.encode())
                new = table[key.encode()] = st.model_dump_json().encode()
                stats.anomaly_state_bytes += len(new) - (len(old) if old is not None else 0)
            stats.anomaly_accounts = len(table)
            if found:
                value = orjson.dumps({"anomalies": [a.model_dump(mode="json") for a in found]})
                await out_topic.send(key=found[0].account_key.encode(), value=value,
                                     partition=message.partition)
                stats.sent_messages[ANOMALIES.name] += 1
                for a in found:
                    stats.anomalies[f"{a.type.value}:{a.state}"] += 1
            stats.anomaly_messages[topic] += 1


def _negatives(model: SentimentModel, pages: list[dict[str, Any]]) -> list[list[bool]]:
    """Which comments of each page are negative, classified in one batch."""
    texts = [c["text"] for page in pages for c in page["comments"]]
    verdicts = iter(model.classify_many(texts))
    return [[next(verdicts).negative for _ in page["comments"]] for page in pages]
