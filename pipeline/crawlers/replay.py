"""The replay connector: publish a JSONL file of crawl pages (one envelope per line) as is.

Lines are sent byte for byte, malformed ones included: ``ingest`` judges them, and a bad line
becomes a dead letter like any other bad page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True)
class ReplayPage:
    """One line of the file."""

    key: bytes
    value: bytes
    events: int
    line: int


def read_jsonl(path: Path) -> Iterator[ReplayPage]:
    """Pages of a JSONL file; blank lines are skipped."""
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            value = line.rstrip(b"\r\n")
            if not value.strip():
                continue
            key, events = b"", 1
            try:
                doc = orjson.loads(value)
            except orjson.JSONDecodeError:
                doc = None
            if isinstance(doc, dict):
                key = str(doc.get("account_key", "")).encode()
                items = doc.get("items")
                events = (1 if doc.get("snapshot") else 0) + (
                    len(items) if isinstance(items, list) else 0)
            yield ReplayPage(key, value, max(events, 1), line_no)
