"""End-to-end benchmark: posts/s through ingest + sink on one worker, publish→ClickHouse latency
at a fixed rate, and raw aiokafka consumption of the same topic as the ceiling — one run, JSON.

    python -m bench.e2e [--posts 200000] [--latency-rate 2000] [--latency-seconds 20]

Everything is real: a Tansu broker, ``matrixguard worker`` as a subprocess, chDB on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline import logs
from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer, publish
from pipeline.crawlers.simulator import SimulatedMessage, Simulator, SimulatorConfig
from pipeline.registry.roster import read_roster
from pipeline.worker import LOCK_NAME
from schemas.topics import RAW_CRAWL

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "roster.csv"


def pages_for_posts(posts: int, seed: int) -> list[SimulatedMessage]:
    """Simulated crawl pages until ``posts`` valid posts are in them."""
    sim = Simulator(read_roster(ROSTER), SimulatorConfig(seed=seed), start=None)
    out: list[SimulatedMessage] = []
    have = 0
    for message in sim.messages(backfill_days=30):
        out.append(message)
        have += message.valid.get("post", 0)
        if have >= posts:
            break
    return out


def rss_peak_mb(pid: int) -> float | None:
    """Peak resident set size of a process (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Worker:
    """``matrixguard worker`` in a subprocess, observed through its /stats/ view."""

    def __init__(self, broker: EmbeddedBroker, workdir: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        self.warehouse = workdir / "wh"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIXGUARD_")}
        env.update(MATRIXGUARD_BROKER_URL=broker.url,
                   MATRIXGUARD_WAREHOUSE_URL=f"chdb://{self.warehouse}",
                   MATRIXGUARD_DATA_DIR=str(workdir), MATRIXGUARD_LOG_FORMAT="json",
                   MATRIXGUARD_LOG_LEVEL="WARNING")
        env.update(extra_env or {})
        self.log = open(workdir / "worker.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "worker"], env=env,
                                     stdout=self.log, stderr=self.log)
        self.port = 0

    def stats(self) -> dict[str, Any]:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited with {self.proc.returncode}")
        if not self.port:
            lock = orjson.loads((self.warehouse / LOCK_NAME).read_bytes())
            self.port = int(lock["port"])
        data: dict[str, Any] = httpx.get(f"http://127.0.0.1:{self.port}/stats/",
                                         timeout=5).json()
        return data

    def wait(self, predicate: Any, timeout: float, every: float = 0.1) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                stats = self.stats()
                if predicate(stats):
                    return stats
            except (OSError, httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(every)
        raise TimeoutError("worker did not get there in time")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def drained(expected_pages: int) -> Any:
    def check(s: dict[str, Any]) -> bool:
        return bool(s["raw_messages"] >= expected_pages and s["drained"])
    return check


def aiokafka_ceiling(bootstrap: str, pages: int) -> dict[str, Any]:
    """Raw aiokafka ``getmany`` over the whole raw topic: the consumption ceiling."""
    async def consume() -> tuple[int, int, float]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                    enable_auto_commit=False, max_partition_fetch_bytes=8 << 20,
                                    fetch_max_bytes=32 << 20)
        await consumer.start()
        try:
            await consumer.topics()
            tps = [TopicPartition(RAW_CRAWL.name, p)
                   for p in sorted(consumer.partitions_for_topic(RAW_CRAWL.name) or {0})]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            count = nbytes = 0
            t0 = time.perf_counter()
            while count < pages:
                for records in (await consumer.getmany(timeout_ms=1000,
                                                       max_records=50_000)).values():
                    count += len(records)
                    nbytes += sum(len(r.value or b"") for r in records)
            return count, nbytes, time.perf_counter() - t0
        finally:
            await consumer.stop()

    count, nbytes, seconds = asyncio.run(consume())
    return {"messages": count, "seconds": round(seconds, 3),
            "messages_per_s": round(count / seconds), "mb_per_s": round(nbytes / seconds / 1e6, 1)}


def throughput(posts: int, seed: int) -> dict[str, Any]:
    """Pre-publish a backlog, then time one worker through ingest + sink to ClickHouse."""
    t0 = time.perf_counter()
    pages = pages_for_posts(posts, seed)
    generate_s = time.perf_counter() - t0
    valid: Counter[str] = Counter()
    for page in pages:
        valid.update(page.valid)
    events = sum(p.events for p in pages)
    with tempfile.TemporaryDirectory(prefix="mg-bench-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        producer = make_producer(broker.bootstrap)
        published = publish(producer, pages)
        producer.close()
        ceiling = aiokafka_ceiling(broker.bootstrap, len(pages))
        worker = Worker(broker, Path(tmp))
        try:
            worker.wait(lambda s: True, 60)
            first = worker.wait(lambda s: s["raw_messages"] > 0, 120, every=0.02)
            t_first = time.perf_counter()
            done = worker.wait(drained(len(pages)), 900, every=0.05)
            seconds = time.perf_counter() - t_first
            rss = rss_peak_mb(worker.proc.pid)
        finally:
            worker.stop()
    del first
    posts_done = done["accepted"].get("post", 0)
    events_done = sum(done["accepted"].values()) + sum(done["dead_letters"].values())
    return {
        "pages": len(pages), "events": events, "valid": dict(valid),
        "generate_seconds": round(generate_s, 3),
        "publish_events_per_s": published.as_dict()["events_per_s"],
        "seconds": round(seconds, 3),
        "posts_per_s": round(posts_done / seconds),
        "events_per_s": round(events_done / seconds),
        "pages_per_s": round(len(pages) / seconds),
        "worker_rss_peak_mb": rss,
        "aiokafka_ceiling": {**ceiling,
                             "posts_per_s": round(ceiling["messages_per_s"] * valid["post"]
                                                  / max(len(pages), 1))},
    }


def latency(rate_posts: float, seconds: float, seed: int) -> dict[str, Any]:
    """Publish at a fixed posts/s and read publish→ClickHouse latency off the worker."""
    posts_per_page = 20
    pages = pages_for_posts(int(rate_posts * seconds * 1.1) + posts_per_page * 10, seed)
    with tempfile.TemporaryDirectory(prefix="mg-bench-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        worker = Worker(broker, Path(tmp))
        try:
            worker.wait(lambda s: True, 60)
            time.sleep(2 * 6.0)  # let the group settle before the clock starts
            producer = make_producer(broker.bootstrap)
            producer.config["linger_ms"] = 0
            sent_posts = 0
            sent_pages = 0
            t0 = time.perf_counter()
            for page in pages:
                if time.perf_counter() - t0 >= seconds:
                    break
                producer.send(RAW_CRAWL.name, key=page.key, value=page.value)
                producer.flush()
                sent_pages += 1
                sent_posts += page.valid.get("post", 0)
                ahead = sent_posts / rate_posts - (time.perf_counter() - t0)
                if ahead > 0:
                    time.sleep(ahead)
            wall = time.perf_counter() - t0
            producer.close()
            done = worker.wait(drained(sent_pages), 300, every=0.1)
            rss = rss_peak_mb(worker.proc.pid)
        finally:
            worker.stop()
    return {
        "target_posts_per_s": rate_posts, "achieved_posts_per_s": round(sent_posts / wall),
        "seconds": round(wall, 2), "pages": sent_pages, "posts": sent_posts,
        "p50_s": done["latency_p50_s"], "p99_s": done["latency_p99_s"],
        "worker_rss_peak_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--latency-rate", type=float, default=2000.0)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = {
        "benchmark": "matrixguard.e2e",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "throughput": throughput(args.posts, args.seed),
        "latency": latency(args.latency_rate, args.latency_seconds, args.seed + 1),
        "goals": {"posts_per_s": 25_000, "p99_s_at_2000_posts_per_s": 2.0},
    }
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
