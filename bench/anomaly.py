"""Anomaly benchmark: latency from a snapshot to its anomaly on the topic, and worker memory
with 10,000 accounts of detector state — one run, JSON.

    python -m bench.anomaly [--accounts 10000] [--flips 2000] [--rate 100]

Everything is real: a Tansu broker, ``matrixguard worker`` as a subprocess, chDB on disk.

* latency: snapshot-only crawl pages whose status alternates active ↔ restricted, published at
  ``--rate`` pages/s over 200 accounts while simulated traffic (1,000 posts/s) runs alongside;
  every page after an account's first yields an anomaly. Figure: Kafka timestamp of the anomaly
  message minus the publish time of the raw page (so it includes ``ingest`` and the canonical
  topic hop on top of the anomaly agent; the snapshot is consumed somewhere in between).
* memory: the worker's RSS (VmRSS) once it holds the state of ``--accounts`` accounts (each fed
  four simulated crawl pages: snapshot, posts, comments), against the same worker's RSS before
  any account arrived, in the same run; and the size of that state (the table's JSON values).
  The RSS difference also holds what processing the pages left behind (buffers, chDB caches).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.e2e import ROSTER, Worker, drained
from pipeline import logs
from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer
from pipeline.crawlers.simulator import Simulator, SimulatorConfig
from pipeline.registry.roster import read_roster
from schemas.events import RegisteredAccount
from schemas.topics import ANOMALIES, RAW_CRAWL

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def rss_now_mb(pid: int) -> float | None:
    """Resident set size of a process now (VmRSS), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def flip_page(account: int, n: int) -> tuple[bytes, bytes]:
    """The n-th snapshot of a synthetic account: restricted on odd n, active on even n."""
    key = f"weibo:77{account:08d}"
    at = (T0 + timedelta(minutes=n)).isoformat()
    snapshot = {"account_key": key, "platform": "weibo", "platform_account_id": key[6:],
                "name": f"江南银行测试{account}", "status": "restricted" if n % 2 else "active",
                "followers": 1000 + n, "captured_at": at}
    return key.encode(), orjson.dumps({
        "envelope_id": f"flip-{account}-{n}", "source": "bench", "account_key": key,
        "platform": "weibo", "crawled_at": at, "snapshot": snapshot, "items": []})


def read_anomaly_times(bootstrap: str) -> dict[str, float]:
    """observed_at (ISO) of every anomaly on the topic → its Kafka timestamp (s)."""
    async def read() -> dict[str, float]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await consumer.start()
        try:
            await consumer.topics()
            tps = [TopicPartition(ANOMALIES.name, p)
                   for p in sorted(consumer.partitions_for_topic(ANOMALIES.name) or {0})]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            out: dict[str, float] = {}
            idle = 0
            while idle < 3:
                batch = await consumer.getmany(timeout_ms=1000)
                idle = 0 if batch else idle + 1
                for records in batch.values():
                    for r in records:
                        for a in orjson.loads(r.value or b"{}")["anomalies"]:
                            out[f"{a['account_key']}|{a['observed_at']}"] = r.timestamp / 1000
            return out
        finally:
            await consumer.stop()
    return asyncio.run(read())


def latency(flips: int, rate: float) -> dict[str, Any]:
    """Snapshot → anomaly latency percentiles at ``rate`` flip pages/s with traffic alongside."""
    roster = read_roster(ROSTER)
    traffic = Simulator(roster, SimulatorConfig(seed=41)).messages(backfill_days=5)
    accounts = 200
    with tempfile.TemporaryDirectory(prefix="mg-bench-anomaly-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        worker = Worker(broker, Path(tmp))
        try:
            worker.wait(lambda s: True, 60)
            time.sleep(12)  # let the group settle before the clock starts
            producer = make_producer(broker.bootstrap)
            producer.config["linger_ms"] = 0
            sent: dict[str, float] = {}
            pages = 0
            traffic_posts = 0
            t0 = time.perf_counter()
            for i in range(flips + accounts):
                account, n = i % accounts, i // accounts
                key, value = flip_page(account, n)
                producer.send(RAW_CRAWL.name, key=key, value=value)
                producer.flush()
                if n:  # the first snapshot of an account is a baseline, not an anomaly
                    observed = (T0 + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
                    sent[f"{key.decode()}|{observed}"] = time.time()
                pages += 1
                while traffic_posts < (time.perf_counter() - t0) * 1000:  # 1,000 posts/s
                    message = next(traffic)
                    producer.send(RAW_CRAWL.name, key=message.key, value=message.value)
                    traffic_posts += message.valid.get("post", 0)
                    pages += 1
                ahead = (i + 1) / rate - (time.perf_counter() - t0)
                if ahead > 0:
                    time.sleep(ahead)
            producer.flush()
            producer.close()
            worker.wait(drained(pages), 300, every=0.2)
            seen = read_anomaly_times(broker.bootstrap)
        finally:
            worker.stop()
    delays = sorted(seen[k] - t for k, t in sent.items() if k in seen)
    q = statistics.quantiles(delays, n=100) if len(delays) >= 2 else [float("nan")] * 99
    return {"flip_pages": len(sent), "anomalies_matched": len(delays),
            "traffic_posts_per_s": 1000, "rate_flip_pages_per_s": rate,
            "p50_s": round(q[49], 4), "p99_s": round(q[98], 4),
            "max_s": round(delays[-1], 4) if delays else None, "goal_p99_s": 1.0}


def synthetic_roster(n: int) -> list[RegisteredAccount]:
    """n registered accounts cloned from the example roster with new ids."""
    base = read_roster(ROSTER)
    out: list[RegisteredAccount] = []
    for i in range(n):
        a = base[i % len(base)]
        pid = f"9{i:09d}"
        out.append(a.model_copy(update={"platform_account_id": pid,
                                        "account_key": f"{a.platform.value}:{pid}"}))
    return out


def memory(accounts: int) -> dict[str, Any]:
    """Worker RSS holding ``accounts`` accounts of anomaly state, and before any."""
    roster = synthetic_roster(accounts)
    config = SimulatorConfig(seed=43, malformed_share=0.0, posts_per_page=12,
                             comments_per_page=6, crawl_interval=timedelta(hours=6))
    messages = list(islice(Simulator(roster, config, start=T0).messages(backfill_days=1),
                           accounts * 4))
    with tempfile.TemporaryDirectory(prefix="mg-bench-anomaly-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        worker = Worker(broker, Path(tmp))
        try:
            worker.wait(lambda s: True, 60)
            time.sleep(12)
            before = rss_now_mb(worker.proc.pid)
            producer = make_producer(broker.bootstrap)
            for m in messages:
                producer.send(RAW_CRAWL.name, key=m.key, value=m.value)
            producer.flush()
            producer.close()
            stats = worker.wait(drained(len(messages)), 900, every=0.5)
            after = rss_now_mb(worker.proc.pid)
        finally:
            worker.stop()
    return {"accounts": stats["anomaly_accounts"], "pages": len(messages),
            "events": sum(m.events for m in messages),
            "worker_rss_before_mb": before, "worker_rss_with_state_mb": after,
            "state_json_mb": round(stats["anomaly_state_bytes"] / 2**20, 1),
            "state_bytes_per_account": round(stats["anomaly_state_bytes"]
                                             / max(1, stats["anomaly_accounts"]))}


def run(accounts: int, flips: int, rate: float) -> dict[str, Any]:
    """The whole anomaly benchmark as a dict."""
    return {"latency": latency(flips, rate), "memory": memory(accounts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--flips", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = {"benchmark": "matrixguard.anomaly", **run(args.accounts, args.flips, args.rate)}
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
