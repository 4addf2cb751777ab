"""The Kafka-free core of the sensitivity agent: canonical batches in, content scores out.

Posts are scored on title, text and tags; comments on their text; profiles (from account
snapshots) on name and bio. A :class:`LexiconHolder` keeps the compiled lexicon and swaps in a
new one when the lexicon's files change, without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agents.sensitivity.lexicon import content_version, load_lexicon
from agents.sensitivity.matcher import Matcher
from agents.sensitivity.rules import AccountKindName, ItemKind
from agents.sensitivity.scorer import Scored, score_item
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


def score_posts(matcher: Matcher, page: Page, now: str) -> list[ScoreDoc]:
    """Scores of a page's posts (a PostBatch as JSON)."""
    kind = _kind(page)
    return [
        _score_doc(score_item(matcher, {"title": p["title"], "text": p["text"],
                                        "tags": " ".join(p["tags"])}, "post", kind),
                   "post", p["post_id"], page, p["captured_at"], now)
        for p in page["posts"]
    ]


def score_comments(matcher: Matcher, page: Page, now: str) -> list[ScoreDoc]:
    """Scores of a page's comments (a CommentBatch as JSON)."""
    kind = _kind(page)
    return [
        _score_doc(score_item(matcher, {"text": c["text"]}, "comment", kind), "comment",
                   c["comment_id"], page, c["captured_at"], now)
        for c in page["comments"]
    ]


def score_profiles(matcher: Matcher, page: Page, now: str) -> list[ScoreDoc]:
    """Scores of account profiles, name and bio (a SnapshotBatch as JSON)."""
    kind = _kind(page)
    return [
        _score_doc(score_item(matcher, {"name": s["name"], "bio": s["bio"]}, "profile", kind),
                   "profile", s["account_key"], page, s["captured_at"], now)
        for s in page["snapshots"]
    ]
