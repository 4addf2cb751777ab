"""The Kafka-free core of the sensitivity agent: canonical batches in, content scores out.

Posts are scored on title, text and tags; comments on their text; profiles (from account
snapshots) on name and bio. A :class:`LexiconHolder` keeps the compiled lexicon and swaps in a
new one when the lexicon's files change, without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agents.sensitivity.lexicon import content_version, load_lexicon
from agents.sensitivity.matcher import Matcher
from agents.sensitivity.rules import AccountKindName, ItemKind
from agents.sensitivity.scorer import ItemToScore, Scored, score_items
from pipeline.logs import get_logger

log = get_logger(__name__)


class LexiconHolder:
    """The matcher in force; :meth:`refresh` reloads it when the lexicon's content changed."""

    def __init__(self, directory: Path, cache_dir: Path | None) -> None:
        self.directory = directory
        self.cache_dir = cache_dir
        self.matcher = Matcher(load_lexicon(directory), cache_dir)
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Version of the lexicon in force."""
        return self.matcher.version

    def refresh(self) -> bool:
        """Reload if the files changed; True if a new lexicon is now in force.

        A lexicon that fails to load or compile is logged and ignored: the running one stays.
        """
        with self._lock:
            try:
                if content_version(self.directory) == self.matcher.version:
                    return False
                matcher = Matcher(load_lexicon(self.directory), self.cache_dir)
            except Exception as exc:
                log.error("lexicon reload failed; keeping the running lexicon",
                          version=self.matcher.version, error=" ".join(str(exc).split())[:500])
                return False
            old, self.matcher = self.matcher.version, matcher
            log.info("lexicon reloaded", old_version=old, version=matcher.version,
                     rules=len(matcher.lexicon.rules))
            return True


# Canonical pages arrive as JSON written by ``ingest`` from validated models; they are read as
# dicts (no second validation on the hot path) and scores are written in the shape of
# :class:`schemas.events.ContentScore` (the unit tests validate that shape).
Page = Mapping[str, Any]
ScoreDoc = dict[str, Any]


def _score_doc(
    scored: Scored, item_type: ItemKind, item_id: str, page: Page, observed_at: str, now: str,
) -> ScoreDoc:
    return {
        "item_type": item_type, "item_id": item_id, "account_key": page["account_key"],
        "platform": page["platform"], "context": page["context"], "score": scored.score,
        "level": scored.level, "lexicon_version": scored.lexicon_version,
        "observed_at": observed_at, "scored_at": now,
        "hits": [{"rule_id": h.rule_id, "category": h.category.value,
                  "severity": h.severity.value, "field": h.field, "start": h.start,
                  "end": h.end, "term": h.term, "points": h.points, "citation": h.citation,
                  "suggestion": h.suggestion} for h in scored.hits],
    }


def _kind(page: Page) -> AccountKindName | None:
    kind: AccountKindName | None = page["context"]["kind"]
    return kind


def _score_pages(
    matcher: Matcher, pages: Sequence[Page], now: str, list_key: str, item_type: ItemKind,
    fields: Callable[[Mapping[str, Any]], dict[str, str]], id_key: str,
) -> list[list[ScoreDoc]]:
    """Score every item of every page in one batch; the docs come back per page."""
    items: list[ItemToScore] = []
    for page in pages:
        kind = _kind(page)
        items.extend((fields(x), item_type, kind) for x in page[list_key])
    scored = iter(score_items(matcher, items))
    return [[_score_doc(next(scored), item_type, x[id_key], page, x["captured_at"], now)
             for x in page[list_key]] for page in pages]


def score_posts(matcher: Matcher, pages: Sequence[Page], now: str) -> list[list[ScoreDoc]]:
    """Scores of pages of posts (PostBatch JSON): title, text and tags."""
    return _score_pages(matcher, pages, now, "posts", "post", lambda p: {
        "title": p["title"], "text": p["text"], "tags": " ".join(p["tags"])}, "post_id")


def score_comments(matcher: Matcher, pages: Sequence[Page], now: str) -> list[list[ScoreDoc]]:
    """Scores of pages of comments (CommentBatch JSON)."""
    return _score_pages(matcher, pages, now, "comments", "comment",
                        lambda c: {"text": c["text"]}, "comment_id")


def score_profiles(matcher: Matcher, pages: Sequence[Page], now: str) -> list[list[ScoreDoc]]:
    """Scores of account profiles, name and bio (SnapshotBatch JSON)."""
    return _score_pages(matcher, pages, now, "snapshots", "profile",
                        lambda s: {"name": s["name"], "bio": s["bio"]}, "account_key")
