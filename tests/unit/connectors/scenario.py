"""Crawl a fixture site's scenario with the real connector and HTTP stack (no broker)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pytest_httpserver import HTTPServer

from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings
from pipeline.crawlers.service import PlatformCrawler
from schemas.events import CrawlStatus
from tests.connectors.site import ListOutput, Scenario


def crawl_scenario(scenario: Scenario, base_url: str, state: Path,
                   **overrides: object) -> tuple[ListOutput, list[CrawlStatus]]:
    """One ``--once`` crawl of every scenario account; the output and the statuses."""
    settings = CrawlSettings.model_validate({**scenario.settings(base_url), **overrides})
    output = ListOutput()
    store = CheckpointStore(state / "checkpoints.sqlite")

    async def go() -> list[CrawlStatus]:
        async with PlatformCrawler(scenario.platform, settings, store, output) as crawler:
            return await crawler.crawl(scenario.accounts)

    try:
        statuses = asyncio.run(go())
    finally:
        store.close()
    return output, statuses


def check_scenario(scenario: Scenario, output: ListOutput, statuses: list[CrawlStatus],
                   server: HTTPServer) -> None:
    """The published items, snapshots, dead letters and outcomes are the scenario's."""
    assert not server.assertions, server.assertions
    post_ids = [p["post_id"] for p in output.items("post")]
    assert set(post_ids) == scenario.posts
    assert len(post_ids) == len(set(post_ids)), "a post was published twice"
    assert not scenario.absent_posts & set(post_ids)
    comment_ids = [c["comment_id"] for c in output.items("comment")]
    assert set(comment_ids) == scenario.comments
    assert output.snapshots() == scenario.snapshots
    assert {s.account_key: s.outcome.value for s in statuses} == scenario.outcomes
    assert sorted((d.reason, d.source_topic) for d in output.letters) == sorted(
        (reason, f"{scenario.platform}:{endpoint}") for reason, endpoint in scenario.dead_letters)
    for letter in output.letters:
        assert letter.platform == scenario.platform and letter.stage == "crawl"
        assert letter.error.startswith(f"{scenario.platform} "), letter.error
    posts = {p["post_id"]: p for p in output.items("post")}
    for post_id, fragment in scenario.post_text.items():
        assert fragment in posts[post_id]["text"] + posts[post_id]["title"], post_id
    for envelope in output.envelopes:
        if envelope.snapshot and envelope.account_key in scenario.followers:
            assert envelope.snapshot["followers"] == scenario.followers[envelope.account_key]
    # posts are published oldest first per account, each comment after its post
    for key in {e.account_key for e in output.envelopes}:
        times = [i.data["published_at"] for e in output.envelopes if e.account_key == key
                 for i in e.items if i.type == "post"]
        assert times == sorted(times), key
    seen: set[str] = set()
    for envelope in output.envelopes:
        for item in envelope.items:
            if item.type == "post":
                seen.add(item.data["post_id"])
            else:
                assert item.data["post_id"] in seen
    secrets = [str(v) for c in scenario.credentials for k, v in c.items()
               if k in ("access_token", "refresh_token", "app_secret") and v]
    for status in statuses:
        assert not any(secret in status.model_dump_json() for secret in secrets)
    for letter in output.letters:
        assert not any(secret in letter.model_dump_json() for secret in secrets)
