"""A crawl stopped mid-way and restarted publishes every post and comment exactly once
(graceful stop); after a SIGKILL nothing is missed and the warehouse still holds one row each.

The site is a generated Weibo: 6 accounts × 120 posts × 2 comments, answered slowly enough
that the stop lands in the middle of the crawl.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.checkpoints import CheckpointStore
from schemas.events import RegisteredAccount
from schemas.topics import RAW_CRAWL
from tests.connectors.site import reply, write_roster
from tests.connectors.weibo_site import TOKEN
from tests.harness import CLI, WorkerProcess, cli_env, read_topic, run_cli, wait_for

pytestmark = pytest.mark.integration

ACCOUNTS, POSTS, COMMENTS = 6, 120, 2
BASE = datetime(2026, 11, 1, tzinfo=UTC)
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"


def uid(a: int) -> str:
    return f"60000000{a}"


def post_id(a: int, n: int) -> int:
    return int(f"{a}{n:06d}")


def status(a: int, n: int) -> dict[str, Any]:
    created = (BASE + timedelta(minutes=10 * n + a)).astimezone()
    return {"created_at": created.strftime(WEIBO_TIME), "id": post_id(a, n),
            "idstr": str(post_id(a, n)), "text": f"账号{a}的第{n}条微博", "pic_ids": [],
            "reposts_count": n, "comments_count": COMMENTS, "attitudes_count": 2 * n}


def install(server: HTTPServer) -> list[RegisteredAccount]:
    def users_show(request: Request) -> Response:
        time.sleep(0.01)
        return reply({"id": int(request.args["uid"]), "idstr": request.args["uid"],
                      "screen_name": f"江南银行{request.args['uid'][-1]}号",
                      "followers_count": 1000, "verified": True})

    def timeline(request: Request) -> Response:
        time.sleep(0.01)
        a = int(request.args["uid"][-1])
        max_id = int(request.args.get("max_id") or 10**12)
        page = [status(a, n) for n in reversed(range(POSTS)) if post_id(a, n) <= max_id][:50]
        return reply({"statuses": page, "total_number": POSTS})

    def comments(request: Request) -> Response:
        time.sleep(0.01)
        pid = int(request.args["id"])
        if request.args.get("max_id"):
            return reply({"comments": [], "total_number": COMMENTS})
        a, n = int(str(pid)[0]), pid % 10**6
        created = BASE + timedelta(minutes=10 * n + a)
        return reply({"comments": [{
            "created_at": (created + timedelta(minutes=5 - c)).astimezone().strftime(WEIBO_TIME),
            "id": pid * 10 + c, "idstr": str(pid * 10 + c), "text": f"评论{c}",
            "user": {"id": 1, "screen_name": "网友"}} for c in range(COMMENTS)],
            "total_number": COMMENTS})

    server.expect_request("/2/users/show.json").respond_with_handler(users_show)
    server.expect_request("/2/statuses/user_timeline.json").respond_with_handler(timeline)
    server.expect_request("/2/comments/show.json").respond_with_handler(comments)
    return [RegisteredAccount(account_key=f"weibo:{uid(a)}", platform="weibo",
                              platform_account_id=uid(a), display_name=f"江南银行{a}号",
                              kind="official", org_unit="总行/网络金融部")
            for a in range(1, ACCOUNTS + 1)]


def setup(broker: EmbeddedBroker, server: HTTPServer, tmp_path: Path) -> tuple[
        dict[str, str], list[str]]:
    accounts = install(server)
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
            return sum(a.posts_total > 0 for a in store.accounts("weibo")) >= 1 or bool(
                store.mark("weibo", f"weibo:{uid(1)}").recent)
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
