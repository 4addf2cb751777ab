"""Incremental crawling without misses or repeats: the high-water mark of one stream.

A stream is an account's timeline or one post's comments. Platforms list newest first and
sometimes publish late (review queues), so a mark is the newest publication time seen plus the
ids seen within an overlap window below it: an item is new when its id is not among those and
it is no older than the window. Items are published oldest first and the mark advances only
after the broker acknowledged them, so a crawl stopped half-way resumes exactly where it
stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Mark:
    """Newest publication time seen (epoch ms, -1 = never crawled) and the recent ids."""

    newest_ms: int = -1
    recent: dict[str, int] = field(default_factory=dict)

    @property
    def fresh(self) -> bool:
        """Never crawled."""
        return self.newest_ms < 0

    def floor_ms(self, overlap_ms: int) -> int:
        """Items older than this are known (only meaningful once crawled)."""
        return self.newest_ms - overlap_ms

    def is_new(self, item_id: str, published_ms: int, overlap_ms: int,
               horizon_ms: int | None = None) -> bool:
        """Not seen before and inside the window (``horizon_ms`` bounds a first or backfill
        crawl)."""
        if item_id in self.recent:
            return False
        if horizon_ms is not None:
            return published_ms >= horizon_ms
        return self.fresh or published_ms >= self.floor_ms(overlap_ms)

    def advance(self, items: Iterable[tuple[str, int]], overlap_ms: int) -> None:
        """Record published items; forget ids that fell out of the overlap window."""
        for item_id, published_ms in items:
            self.recent[item_id] = published_ms
            self.newest_ms = max(self.newest_ms, published_ms)
        floor = self.floor_ms(overlap_ms)
        self.recent = {k: v for k, v in self.recent.items() if v >= floor}
