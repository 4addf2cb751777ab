"""Connector benchmark: a platform connector crawling a generated Weibo into a real broker.

    python -m bench.crawl [--accounts 20] [--posts 300] [--comments 2]

A local HTTP server (werkzeug, threaded) answers like the Weibo open API for ``accounts``
accounts of ``posts`` posts with ``comments`` comments each. ``PlatformCrawler`` crawls them
once (first crawl, every comment page) with 4 accounts at a time and the rate limits lifted:

The server runs in a child process.

* ``broker``: into a Tansu broker through ``KafkaOutput`` (acks=all, one flush per envelope,
  the marks saved after each acknowledgement) — what ``matrixguard crawl run`` does;
* ``baseline``: the same crawl into memory — the cost of HTTP, normalising and checkpoints
  alone, so the difference is the price of waiting for the broker per envelope.

Figures: posts/s, items/s (posts + comments), HTTP requests/s, per-account crawl time p50 and
p99, and this process's peak RSS. The real platforms' rate limits (Weibo: 1,000 requests an
hour per token) bound a production crawl far below these figures: they measure our overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import resource
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline import logs
from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.checkpoints import CheckpointStore
from pipeline.crawlers.config import CrawlSettings
from pipeline.crawlers.crawl import CrawlOutput
from pipeline.crawlers.output import KafkaOutput
from pipeline.crawlers.service import PlatformCrawler
from schemas.events import CrawlStatus, RegisteredAccount

WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"
TOKEN = "2.00bench_token"
BASE = datetime(2026, 11, 1, tzinfo=UTC)


class GeneratedWeibo:
    """``accounts`` × ``posts`` × ``comments`` answered like the Weibo open API v2."""

    def __init__(self, accounts: int, posts: int, comments: int, delay_s: float = 0.0) -> None:
        self.accounts, self.posts, self.comments, self.delay_s = (
            accounts, posts, comments, delay_s)

    def uid(self, a: int) -> str:
        return f"7{a:08d}"

    def post_id(self, a: int, n: int) -> int:
        return (a + 1) * 10**7 + n

    def status(self, a: int, n: int) -> dict[str, Any]:
        created = BASE + timedelta(minutes=10 * n + a % 10)
        return {"created_at": created.astimezone().strftime(WEIBO_TIME),
                "id": self.post_id(a, n), "idstr": str(self.post_id(a, n)),
                "text": f"账号{a}的第{n}条微博：理财非存款，产品有风险，投资须谨慎。",
                "pic_ids": [], "reposts_count": n, "comments_count": self.comments,
                "attitudes_count": 2 * n}

    def install(self, server: HTTPServer) -> list[RegisteredAccount]:
        """Register the handlers; the roster of the generated accounts."""
        by_uid = {self.uid(a): a for a in range(self.accounts)}

        def pause() -> None:
            if self.delay_s:
                time.sleep(self.delay_s)

        def users_show(request: Request) -> Response:
            pause()
            uid = request.args["uid"]
            return _json({"id": int(uid), "idstr": uid, "screen_name": f"江南银行{uid[-3:]}号",
                          "followers_count": 1000 + by_uid[uid], "verified": True})

        def timeline(request: Request) -> Response:
            pause()
            a = by_uid[request.args["uid"]]
            max_id = int(request.args.get("max_id") or 10**15)
            first = min(self.posts - 1, max_id - self.post_id(a, 0))
            page = [self.status(a, n) for n in range(first, max(first - 50, -1), -1)]
            return _json({"statuses": page, "total_number": self.posts})

        def comments(request: Request) -> Response:
            pause()
            if request.args.get("max_id"):
                return _json({"comments": [], "total_number": self.comments})
            pid = int(request.args["id"])
            a, n = pid // 10**7 - 1, pid % 10**7
            created = BASE + timedelta(minutes=10 * n + a % 10)
            return _json({"comments": [{
                "created_at": (created + timedelta(minutes=5 - c)).astimezone().strftime(
                    WEIBO_TIME),
                "id": pid * 100 + c, "idstr": str(pid * 100 + c), "text": f"评论{c}：请问怎么办理",
                "user": {"id": 1, "screen_name": "网友"}} for c in range(self.comments)],
                "total_number": self.comments})

        server.expect_request("/2/users/show.json").respond_with_handler(users_show)
        server.expect_request("/2/statuses/user_timeline.json").respond_with_handler(timeline)
        server.expect_request("/2/comments/show.json").respond_with_handler(comments)
        return self.roster()

    def roster(self) -> list[RegisteredAccount]:
        """The generated accounts as registry rows."""
        return [RegisteredAccount.model_validate({
            "account_key": f"weibo:{self.uid(a)}", "platform": "weibo",
            "platform_account_id": self.uid(a), "display_name": f"江南银行{a}号",
            "kind": "official", "org_unit": "总行/网络金融部"}) for a in range(self.accounts)]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), content_type="application/json")


class MemoryOutput:
    """Keeps counts only: the baseline without a broker."""

    def __init__(self) -> None:
        self.envelopes = 0

    async def pages(self, envelopes: Any) -> None:
        self.envelopes += len(envelopes)

    async def dead_letters(self, letters: Any) -> None:
        return None

    async def status(self, status: Any) -> None:
        return None


def settings(server: HTTPServer) -> CrawlSettings:
    """Unthrottled, first crawl reaches everything, every post's comments."""
    return CrawlSettings.model_validate({
        "base_urls": {"weibo": server.url_for("/2")},
        "credentials": {"weibo": [{"name": "bench", "access_token": TOKEN}]},
        "rates": {"weibo": {"platform_per_min": 10**7, "credential_per_min": 10**7}},
        "first_crawl_days": 36500, "metrics_refresh_hours": 0, "max_pages": 1000,
        "comment_posts_max": 10**6, "concurrency": 4})


def _serve(site: GeneratedWeibo, port: int, ready: Any) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = HTTPServer(port=port, threaded=True)
    site.install(server)
    server.start()
    ready.set()
    while True:
        time.sleep(3600)


def crawl_once(site: GeneratedWeibo, output: CrawlOutput, state: Path) -> dict[str, Any]:
    """One ``--once`` crawl of the generated site (served by a child process, so the server
    does not share this process's interpreter lock); the figures."""
    port = free_port()
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    child = ctx.Process(target=_serve, args=(site, port, ready), daemon=True)
    child.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the generated site did not start")
        server = HTTPServer(port=port)  # not started: only for url_for
        store = CheckpointStore(state / "checkpoints.sqlite")

        async def go() -> list[CrawlStatus]:
            async with PlatformCrawler("weibo", settings(server), store, output) as crawler:
                return await crawler.crawl(site.roster())

        t0 = time.perf_counter()
        statuses = asyncio.run(go())
        seconds = time.perf_counter() - t0
        store.close()
    finally:
        child.kill()
        child.join(10)
    durations = sorted((s.finished_at - s.started_at).total_seconds() for s in statuses)
    posts = sum(s.posts_new for s in statuses)
    comments = sum(s.comments_new for s in statuses)
    requests = sum(s.requests for s in statuses)
    assert {s.outcome.value for s in statuses} == {"ok"}, statuses
    assert posts == site.accounts * site.posts and comments == posts * site.comments
    return {
        "seconds": round(seconds, 2), "posts": posts, "comments": comments,
        "requests": requests, "envelopes": sum(s.pages for s in statuses),
        "posts_per_s": round(posts / seconds), "items_per_s": round((posts + comments) / seconds),
        "requests_per_s": round(requests / seconds),
        "account_crawl_p50_s": round(statistics.median(durations), 3),
        "account_crawl_p99_s": round(durations[min(len(durations) - 1,
                                                   int(0.99 * len(durations)))], 3),
    }


def run(accounts: int = 20, posts: int = 300, comments: int = 2) -> dict[str, Any]:
    """Both crawls; JSON-ready."""
    site = GeneratedWeibo(accounts, posts, comments)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = crawl_once(site, MemoryOutput(), Path(tmp) / "memory")
        with EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
            output = KafkaOutput.connect(broker.bootstrap)
            try:
                real = crawl_once(site, output, Path(tmp) / "broker")
            finally:
                output.close()
    return {
        "site": {"accounts": accounts, "posts_per_account": posts,
                 "comments_per_post": comments},
        "broker": real, "baseline_in_memory": baseline,
        "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--comments", type=int, default=2)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    print(orjson.dumps(run(args.accounts, args.posts, args.comments),
                       option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
