"""Fixture sites: a real local HTTP server (pytest-httpserver) answering like a platform.

Each platform has a module ``tests/connectors/<platform>_site.py`` with
``install(server) -> Scenario``: it registers handlers that serve the recorded-shape fixtures
of ``tests/data/connectors/<platform>/`` and returns what a crawl of the scenario's roster
must produce. The same scenario drives the connector's unit tests and the integration test
through Tansu into chDB (``tests/integration/test_connectors.py``).

Recorded dates are fixed, so scenarios crawl with ``first_crawl_days`` large enough to reach
them and ``metrics_refresh_hours = 0``: what a crawl publishes is exactly the new items.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from werkzeug import Request, Response

from pipeline.registry.roster import COLUMNS
from schemas.events import RegisteredAccount

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "connectors"

#: crawl settings every scenario runs with (JSON values of MATRIXGUARD_CRAWL__*)
SCENARIO_SETTINGS: dict[str, Any] = {
    "first_crawl_days": 36500, "metrics_refresh_hours": 0, "retry_initial_s": 0.01,
    "retry_max_s": 0.05, "max_attempts": 3, "concurrency": 2, "timeout_s": 5,
}


def fixture(platform: str, name: str) -> bytes:
    """The bytes of a recorded fixture."""
    return (FIXTURES / platform / name).read_bytes()


def reply(body: bytes | dict[str, Any] | list[Any], status: int = 200,
          content_type: str = "application/json; charset=utf-8") -> Response:
    """An HTTP answer."""
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(data, status=status, content_type=content_type)


def html(body: bytes, status: int = 200) -> Response:
    """An HTML error page (what gateways and login walls answer)."""
    return Response(body, status=status, content_type="text/html; charset=utf-8")


@dataclass
class Scenario:
    """What crawling ``accounts`` with ``credentials`` against the fixture site must give."""

    platform: str
    accounts: list[RegisteredAccount]
    credentials: list[dict[str, Any]]
    posts: set[str]
    comments: set[str]
    absent_posts: set[str]
    snapshots: dict[str, str]  # account_key -> status of its snapshot
    outcomes: dict[str, str]  # account_key -> crawl outcome
    dead_letters: list[tuple[str, str]]  # (reason, endpoint) of every crawl dead letter
    post_text: dict[str, str] = field(default_factory=dict)  # post_id -> fragment of text
    followers: dict[str, int] = field(default_factory=dict)  # account_key -> followers
    hits: Counter[str] = field(default_factory=Counter)  # requests per path, for tests

    def settings(self, base_url: str) -> dict[str, Any]:
        """``CrawlSettings`` values pointing the connector at the fixture site."""
        return {**SCENARIO_SETTINGS, "base_urls": {self.platform: base_url},
                "credentials": {self.platform: self.credentials},
                # the documented limits are tested on their own; scenarios run unthrottled
                "rates": {self.platform: {"platform_per_min": 60_000,
                                          "credential_per_min": 60_000}}}

    def env(self, base_url: str) -> dict[str, str]:
        """The same as ``MATRIXGUARD_CRAWL__*`` environment variables."""
        return {f"MATRIXGUARD_CRAWL__{k.upper()}": (orjson.dumps(v).decode()
                                                    if isinstance(v, dict | list) else str(v))
                for k, v in self.settings(base_url).items()}


def write_roster(accounts: list[RegisteredAccount], path: Path) -> Path:
    """A roster CSV of ``accounts``."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for account in accounts:
            row = account.model_dump(mode="json")
            writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return path


def arg(request: Request, name: str) -> str:
    """A query parameter (empty if absent)."""
    return str(request.args.get(name, ""))


class ListOutput:
    """A crawl output that keeps what it was given (for tests of the crawl logic only; the
    integration tests publish to a real broker)."""

    def __init__(self) -> None:
        from schemas.events import CrawlEnvelope, CrawlStatus, DeadLetter

        self.envelopes: list[CrawlEnvelope] = []
        self.letters: list[DeadLetter] = []
        self.statuses: list[CrawlStatus] = []

    async def pages(self, envelopes: Any) -> None:
        self.envelopes.extend(envelopes)

    async def dead_letters(self, letters: Any) -> None:
        self.letters.extend(letters)

    async def status(self, status: Any) -> None:
        self.statuses.append(status)

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every published item of ``kind`` (post or comment), in publication order."""
        return [i.data for e in self.envelopes for i in e.items if i.type == kind]

    def snapshots(self) -> dict[str, str]:
        """account_key -> status of its last published snapshot."""
        return {e.account_key: str(e.snapshot["status"]) for e in self.envelopes if e.snapshot}
