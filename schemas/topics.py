"""The topic registry: every Kafka topic, its partitions, key and value model.

Producers (connectors, ``registry import``), the Faust agents and the embedded broker all read
this one table, so a topic is named and shaped in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiokafka.partitioner import murmur2
from pydantic import BaseModel

from schemas.alerts import AlertBundle
from schemas.events import (
    AnomalyBundle,
    CommentBundle,
    CrawlEnvelope,
    CrawlStatus,
    DeadLetter,
    PostBundle,
    RegisteredAccount,
    ScoreBundle,
    SnapshotBundle,
)


@dataclass(frozen=True)
class TopicSpec:
    """One topic: name, partition count, what the key is, and the model of its values."""

    name: str
    partitions: int
    key: str
    value_model: type[BaseModel]
    description: str
    config: dict[str, str] = field(default_factory=dict)

    def partition_of(self, key: str) -> int:
        """The partition Kafka's default partitioner (murmur2) gives ``key`` on this topic."""
        return int(murmur2(key.encode()) & 0x7FFFFFFF) % self.partitions


RAW_CRAWL = TopicSpec(
    "matrixguard.raw.crawl", 4, "account_key", CrawlEnvelope,
    "Crawl pages as connectors publish them (one account, ≤50 items per message).",
)
REGISTRY = TopicSpec(
    "matrixguard.registry.accounts", 1, "account_key", RegisteredAccount,
    "The account registry, compacted: the latest row per account.",
    {"cleanup.policy": "compact"},
)
SNAPSHOTS = TopicSpec(
    "matrixguard.canonical.snapshots", 4, "partition of account_key", SnapshotBundle,
    "Validated, enriched account snapshots, bundled per partition.",
)
POSTS = TopicSpec(
    "matrixguard.canonical.posts", 4, "partition of account_key", PostBundle,
    "Validated, enriched posts, bundled per partition (one PostBatch per crawl page).",
)
COMMENTS = TopicSpec(
    "matrixguard.canonical.comments", 4, "partition of account_key", CommentBundle,
    "Validated, enriched comments, bundled per partition (one CommentBatch per crawl page).",
)
SCORES = TopicSpec(
    "matrixguard.sensitivity.scores", 4, "partition of account_key", ScoreBundle,
    "Sensitivity scores with their risk hits, for every post, comment and profile.",
)
ANOMALIES = TopicSpec(
    "matrixguard.anomaly.accounts", 4, "partition of account_key", AnomalyBundle,
    "Account anomalies (status, verification, identity, followers, engagement, posting, "
    "negative comments), firing and resolved, bundled per partition.",
)
ALERTS = TopicSpec(
    "matrixguard.alerting.alerts", 4, "partition of the account label", AlertBundle,
    "Alerts (firing, resolved) made from anomalies and risk hits by the alert rules.",
)
CRAWL_STATUS = TopicSpec(
    "matrixguard.crawl.status", 1, "account_key", CrawlStatus,
    "One event per account crawl of a platform connector: outcome, counts, failing endpoint.",
)
DEAD_LETTERS = TopicSpec(
    "matrixguard.deadletter", 1, "account_key", DeadLetter,
    "Everything that could not be accepted, with stage, reason and the original bytes.",
)

# ingest bundles a page's snapshot, posts and comments by one partition number: the canonical
# topics must agree on their partition count.
CANONICAL_PARTITIONS = POSTS.partitions
assert SNAPSHOTS.partitions == COMMENTS.partitions == CANONICAL_PARTITIONS

ALL_TOPICS: tuple[TopicSpec, ...] = (
    RAW_CRAWL, REGISTRY, SNAPSHOTS, POSTS, COMMENTS, SCORES, ANOMALIES, ALERTS,
    CRAWL_STATUS, DEAD_LETTERS)


def by_name(name: str) -> TopicSpec:
    """Look a topic up by its name."""
    for spec in ALL_TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)
