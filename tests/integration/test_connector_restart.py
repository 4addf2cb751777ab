"""A crawl stopped mid-way and restarted publishes every post and comment exactly once
(graceful stop); after a SIGKILL nothing is missed and the warehouse still holds one row each.

The site is a generated Weibo (``bench.crawl.GeneratedWeibo``): 6 accounts × 120 posts × 2
comments, answered slowly enough that the stop lands in the middle of the crawl.
"""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer

from bench.crawl import GeneratedWeibo
from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.checkpoints import CheckpointStore
from schemas.topics import RAW_CRAWL
from tests.connectors.site import write_roster
from tests.connectors.weibo_site import TOKEN
from tests.harness import CLI, WorkerProcess, cli_env, read_topic, run_cli, wait_for

pytestmark = pytest.mark.integration

ACCOUNTS, POSTS, COMMENTS = 6, 120, 2
SITE = GeneratedWeibo(ACCOUNTS, POSTS, COMMENTS, delay_s=0.01)


def setup(broker: EmbeddedBroker, server: HTTPServer, tmp_path: Path) -> tuple[
        dict[str, str], list[str]]:
    accounts = SITE.install(server)
    roster = write_roster(accounts, tmp_path / "roster.csv")
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env.update({
        "MATRIXGUARD_CRAWL__BASE_URLS": orjson.dumps({"weibo": server.url_for("/2")}).decode(),
        "MATRIXGUARD_CRAWL__CREDENTIALS": orjson.dumps(
            {"weibo": [{"name": "app", "access_token": TOKEN}]}).decode(),
        "MATRIXGUARD_CRAWL__FIRST_CRAWL_DAYS": "36500",
        "MATRIXGUARD_CRAWL__METRICS_REFRESH_HOURS": "0",
        "MATRIXGUARD_CRAWL__COMMENT_POSTS_MAX": "1000",
        "MATRIXGUARD_CRAWL__CONCURRENCY": "1",
        "MATRIXGUARD_CRAWL__RATES": orjson.dumps({"weibo": {
            "platform_per_min": 60000, "credential_per_min": 60000}}).decode(),
    })
    run_cli(["registry", "import", str(roster)], env)
    return env, ["crawl", "run", "--platform", "weibo", "--roster", str(roster), "--once"]


def stop_mid_way(env: dict[str, str], args: list[str], tmp_path: Path, sig: int) -> None:
    proc = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def some_marks() -> bool:
        path = tmp_path / "crawl" / "checkpoints.sqlite"
        if not path.is_file():
            return False
        store = CheckpointStore(path)
        try:
            return any(a.posts_total > 0 for a in store.accounts("weibo")) or any(
                store.mark("weibo", a.account_key).recent for a in SITE.roster())
        finally:
            store.close()

    wait_for(some_marks, 120, "the first envelopes acknowledged")
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL)


def published(broker: EmbeddedBroker) -> tuple[Counter[str], Counter[str], int]:
    posts: Counter[str] = Counter()
    comments: Counter[str] = Counter()
    envelopes = read_topic(broker.bootstrap, RAW_CRAWL.name)
    for _, value in envelopes:
        for item in orjson.loads(value)["items"]:
            if item["type"] == "post":
                posts[item["data"]["post_id"]] += 1
            else:
                comments[item["data"]["comment_id"]] += 1
    return posts, comments, len(envelopes)


def test_stopped_crawl_resumes_exactly_once(broker: EmbeddedBroker, httpserver: HTTPServer,
                                            tmp_path: Path) -> None:
    env, args = setup(broker, httpserver, tmp_path)
    stop_mid_way(env, args, tmp_path, signal.SIGTERM)
    posts, _, _ = published(broker)
    assert 0 < len(posts) < ACCOUNTS * POSTS, "the stop did not land mid-way"
    run_cli(args, env)
    posts, comments, _ = published(broker)
    assert len(posts) == ACCOUNTS * POSTS and set(posts.values()) == {1}
    assert len(comments) == ACCOUNTS * POSTS * COMMENTS and set(comments.values()) == {1}


def test_killed_crawl_misses_nothing_and_the_warehouse_has_one_row_each(
        broker: EmbeddedBroker, httpserver: HTTPServer, tmp_path: Path) -> None:
    env, args = setup(broker, httpserver, tmp_path)
    stop_mid_way(env, args, tmp_path, signal.SIGKILL)
    run_cli(args, env)
    posts, comments, envelopes = published(broker)
    assert len(posts) == ACCOUNTS * POSTS
    assert len(comments) == ACCOUNTS * POSTS * COMMENTS
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    try:
        worker.wait_drained(envelopes, timeout=240)
        assert worker.count("posts") == ACCOUNTS * POSTS
        assert worker.count("comments") == ACCOUNTS * POSTS * COMMENTS
        assert worker.sql("SELECT count() FROM (SELECT post_id FROM posts FINAL "
                          "GROUP BY post_id HAVING count() > 1)") == [[0]]
    finally:
        worker.stop()
