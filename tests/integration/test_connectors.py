"""Every connector against its fixture site (a real local HTTP server), through a real Tansu
broker into chDB: the canonical rows, the crawl dead letters and the crawl status rows."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.connectors import CONNECTORS
from schemas.topics import RAW_CRAWL
from tests.connectors.site import write_roster
from tests.harness import WorkerProcess, cli_env, read_topic, run_cli

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("platform", sorted(CONNECTORS))
def test_connector_through_the_pipeline(platform: str, broker: EmbeddedBroker,
                                        httpserver: HTTPServer, tmp_path: Path) -> None:
    site = importlib.import_module(f"tests.connectors.{platform}_site")
    scenario = site.install(httpserver)
    roster = write_roster(scenario.accounts, tmp_path / "roster.csv")
    env = {**cli_env(broker.url, tmp_path / "wh", tmp_path), **scenario.env(
        site.base_url(httpserver))}
    run_cli(["registry", "import", str(roster)], env)
    crawl = run_cli(["crawl", "run", "--platform", platform, "--roster", str(roster), "--once"],
                    {**env, "COLUMNS": "300"})
    assert "crawl results" in crawl.stdout
    envelopes = read_topic(broker.bootstrap, RAW_CRAWL.name)
    assert envelopes, "nothing published"

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    try:
        worker.wait_drained(len(envelopes), timeout=180)
        keys = ", ".join(f"'{a.account_key}'" for a in scenario.accounts)
        posts = {r[0] for r in worker.sql(
            f"SELECT post_id FROM posts FINAL WHERE account_key IN ({keys})")}
        assert posts == scenario.posts
        assert worker.sql(f"SELECT count() FROM post_metrics WHERE account_key IN ({keys})") == [
            [len(scenario.posts)]], "a post was published twice"
        comments = {r[0] for r in worker.sql(
            f"SELECT comment_id FROM comments FINAL WHERE account_key IN ({keys})")}
        assert comments == scenario.comments
        snapshots = {r[0]: r[1] for r in worker.sql(
            "SELECT account_key, argMax(status, captured_at) FROM account_snapshots FINAL "
            f"WHERE account_key IN ({keys}) GROUP BY account_key")}
        assert snapshots == scenario.snapshots
        for key, followers in scenario.followers.items():
            assert worker.sql("SELECT argMax(followers, captured_at) FROM account_snapshots "
                              f"FINAL WHERE account_key = '{key}'") == [[followers]]
        for post_id, fragment in scenario.post_text.items():
            [[text]] = worker.sql(f"SELECT concat(title, text) FROM posts FINAL "
                                  f"WHERE post_id = '{post_id}'")
            assert fragment in text
        letters = Counter((r[0], r[1]) for r in worker.sql(
            "SELECT reason, source_topic FROM dead_letters FINAL WHERE stage = 'crawl'"))
        assert letters == Counter((reason, f"{platform}:{endpoint}")
                                  for reason, endpoint in scenario.dead_letters)
        for error, in worker.sql("SELECT error FROM dead_letters FINAL WHERE stage = 'crawl'"):
            assert error.startswith(f"{platform} ")
        outcomes = {r[0]: r[1] for r in worker.sql(
            "SELECT account_key, outcome FROM crawl_status FINAL")}
        assert outcomes == scenario.outcomes
    finally:
        worker.stop()

    status = orjson.loads(run_cli(["crawl", "status", "--platform", platform, "-f", "json"],
                                  env).stdout)
    assert {r["account_key"]: r["outcome"] for r in status} == scenario.outcomes
