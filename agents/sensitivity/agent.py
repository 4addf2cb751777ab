"""Thin Faust module of ``sensitivity``: posts, comments and profiles in, scores out.

Scores are published in per-partition bundles on the scores topic; the sink writes them to
``content_scores`` and ``risk_hits``. A timer reloads the lexicon when its files change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import faust
import orjson

from agents.sensitivity.core import (
    LexiconHolder,
    Page,
    ScoreDoc,
    score_comments,
    score_posts,
    score_profiles,
)
from agents.sensitivity.matcher import Matcher
from pipeline.held_batches import held_batches
from pipeline.stats import PipelineStats
from schemas.topics import COMMENTS, POSTS, SCORES, SNAPSHOTS

Scorer = Callable[[Matcher, Sequence[Page], str], list[list[ScoreDoc]]]


def register(
    app: faust.App, holder: LexiconHolder, stats: PipelineStats, *,
    batch_max: int, within_s: float, reload_every_s: float,
) -> None:
    """Attach the sensitivity agents and the lexicon reload timer to ``app``."""
    scores_topic = app.topic(SCORES.name, value_serializer="raw", key_serializer="raw")

    def make(topic_name: str, score: Scorer, short: str) -> None:
        topic = app.topic(topic_name, value_serializer="raw", key_serializer="raw")

        @app.agent(topic, name=f"sensitivity-{short}")
        async def sensitivity(stream: faust.StreamT[bytes]) -> None:
            async for events in held_batches(stream, batch_max, within_s):
                matcher = holder.matcher  # one lexicon version for the whole batch
                now = datetime.now(UTC).isoformat()
                pages: list[Page] = []
                for event in events:
                    pages.extend(orjson.loads(event.message.value or b"{}").get("pages", ()))
                per_partition: dict[int, list[ScoreDoc]] = {}
                # every item of the batch in one scan (see Matcher.scan_many)
                for page, scored in zip(pages, score(matcher, pages, now), strict=True):
                    part = SCORES.partition_of(page["account_key"])
                    per_partition.setdefault(part, []).extend(scored)
                for part, scores in per_partition.items():
                    value = orjson.dumps({"scores": scores})
                    await scores_topic.send(key=str(scores[0]["account_key"]).encode(),
                                            value=value, partition=part)
                    stats.sent_messages[SCORES.name] += 1
                    stats.scored[short] += len(scores)
                stats.scored_messages[topic_name] += len(events)

    make(POSTS.name, score_posts, "posts")
    make(COMMENTS.name, score_comments, "comments")
    make(SNAPSHOTS.name, score_profiles, "profiles")

    @app.timer(interval=reload_every_s)  # type: ignore[untyped-decorator]
    async def reload_lexicon() -> None:
        await asyncio.to_thread(holder.refresh)
