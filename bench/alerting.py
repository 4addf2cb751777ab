"""Alerting benchmark: crawl event → webhook latency, and notifications/s with 1,000 receivers.

    python -m bench.alerting [--seconds 20] [--receivers 1000]

Everything is real: a Tansu broker, ``matrixguard worker`` as a subprocess, chDB on disk, and a
local HTTP server as the webhook receiver (it answers at once and records the arrival time).

* latency: simulated crawl pages at 1,000 events/s, and alongside them crawl pages that ban or
  unban one of 200 synthetic accounts (4 per second); the route has ``group_wait: 0s`` and
  groups per account. Figure: webhook arrival minus the publish time of the crawl page whose
  status change the notification carries.
* throughput: one status change on each of ``--receivers`` accounts, each routed to its own
  receiver (a config with that many receivers and routes); notifications/s from the first
  arrival to the last, and the time from the first publish to the last arrival.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

from bench.e2e import ROSTER, Worker, drained
from pipeline import logs
from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer
from pipeline.crawlers.simulator import Simulator, SimulatorConfig
from pipeline.registry.roster import read_roster
from schemas.topics import RAW_CRAWL

T0 = datetime(2026, 11, 1, tzinfo=UTC)


class Hook:
    """A local webhook receiver: (arrival time, payload) of every notification."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.arrivals.append((time.time(), orjson.loads(body)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def flip(account: int, n: int, now: datetime) -> tuple[bytes, bytes]:
    """The n-th status page of a synthetic account: banned on odd n."""
    key = f"weibo:66{account:08d}"
    at = (now + timedelta(milliseconds=n)).isoformat()
    return key.encode(), orjson.dumps({
        "envelope_id": f"alert-flip-{account}-{n}-{now.timestamp()}", "source": "bench",
        "account_key": key, "platform": "weibo", "crawled_at": at, "items": [],
        "snapshot": {"account_key": key, "platform": "weibo", "platform_account_id": key[6:],
                     "name": f"江南银行测试{account}", "status": "banned" if n % 2 else "active",
                     "followers": 1000, "captured_at": at}})


def _worker(broker: EmbeddedBroker, tmp: Path, config: str) -> Worker:
    path = tmp / "alerting.yaml"
    path.write_text(config, encoding="utf-8")
    return Worker(broker, tmp, {"MATRIXGUARD_ALERTING_CONFIG": str(path),
                                "MATRIXGUARD_ALERTING_TICK_S": "0.1"})


def latency(seconds: float) -> dict[str, Any]:
    """Crawl page published → webhook received, at 1,000 events/s with group_wait 0."""
    hook = Hook()
    config = f"""
route: {{receiver: hook, group_by: [account], group_wait: 0s, group_interval: 1s,
        repeat_interval: 4h}}
receivers: [{{name: hook, channels: [{{type: webhook, url: "{hook.url}"}}]}}]
"""
    traffic = Simulator(read_roster(ROSTER), SimulatorConfig(seed=51)).messages(backfill_days=3)
    now = datetime.now(UTC).replace(microsecond=0)
    sent: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory(prefix="mg-bench-alert-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        worker = _worker(broker, Path(tmp), config)
        try:
            worker.wait(lambda s: True, 60)
            time.sleep(12)
            producer = make_producer(broker.bootstrap)
            producer.config["linger_ms"] = 0
            events = pages = flips = 0
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                elapsed = time.perf_counter() - t0
                while flips < elapsed * 4:
                    account, n = flips % 200, flips // 200 + 1
                    key, value = flip(account, n, now)
                    producer.send(RAW_CRAWL.name, key=key, value=value)
                    producer.flush()
                    sent[(key.decode(), "banned" if n % 2 else "active")] = time.time()
                    flips += 1
                    pages += 1
                while events < elapsed * 1000:
                    message = next(traffic)
                    producer.send(RAW_CRAWL.name, key=message.key, value=message.value)
                    events += message.events
                    pages += 1
                time.sleep(0.005)
            producer.flush()
            producer.close()
            worker.wait(drained(pages), 300, every=0.2)
            time.sleep(3)
        finally:
            worker.stop()
            hook.server.shutdown()
    delays = []
    for arrived, payload in hook.arrivals:
        account = payload["groupLabels"]["account"]
        for alert in payload["alerts"]:
            if alert["labels"].get("alertname") != "AccountStatusChanged":
                continue
            state = "banned" if alert["status"] == "firing" else "active"
            published = sent.pop((account, state), None)
            if published is not None:
                delays.append(arrived - published)
    q = statistics.quantiles(delays, n=100) if len(delays) >= 2 else [float("nan")] * 99
    return {"events_per_s": round(events / seconds), "status_changes": flips,
            "notifications_matched": len(delays), "p50_s": round(q[49], 3),
            "p99_s": round(q[98], 3), "goal_p99_s": 3.0}


def throughput(receivers: int) -> dict[str, Any]:
    """One status change on each of ``receivers`` accounts, each its own receiver."""
    hook = Hook()
    routes = "\n".join(f'    - {{matchers: ["account=weibo:66{i:08d}"], receiver: r{i}}}'
                       for i in range(receivers))
    recv = "\n".join(f'  - {{name: r{i}, channels: [{{type: webhook, url: "{hook.url}"}}]}}'
                     for i in range(receivers))
    config = f"""
route:
  receiver: r0
  group_by: [account]
  group_wait: 0s
  group_interval: 1s
  routes:
{routes}
receivers:
{recv}
"""
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="mg-bench-alert-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "broker.log") as broker:
        worker = _worker(broker, Path(tmp), config)
        try:
            worker.wait(lambda s: True, 60)
            time.sleep(12)
            producer = make_producer(broker.bootstrap)
            for account in range(receivers):  # a baseline status for every account first
                key, value = flip(account, 0, now)
                producer.send(RAW_CRAWL.name, key=key, value=value)
            producer.flush()
            worker.wait(drained(receivers), 300, every=0.2)
            t0 = time.time()
            for account in range(receivers):
                key, value = flip(account, 1, now)
                producer.send(RAW_CRAWL.name, key=key, value=value)
            producer.flush()
            producer.close()
            deadline = time.time() + 300
            while len(hook.arrivals) < receivers and time.time() < deadline:
                time.sleep(0.2)
            rss = _rss(worker.proc.pid)
        finally:
            worker.stop()
            hook.server.shutdown()
    times = sorted(t for t, _ in hook.arrivals)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {"receivers": receivers, "notifications": len(times),
            "notifications_per_s": round(len(times) / span, 1) if span else None,
            "first_publish_to_last_arrival_s": round(times[-1] - t0, 2) if times else None,
            "worker_rss_mb": rss}


def _rss(pid: int) -> float | None:
    try:
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True,
                             text=True, check=True).stdout.strip()
        return round(int(out) / 1024, 1)
    except (OSError, ValueError, subprocess.CalledProcessError):
        return None


def run(seconds: float, receivers: int) -> dict[str, Any]:
    """The whole alerting benchmark as a dict."""
    return {"latency": latency(seconds), "throughput": throughput(receivers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--receivers", type=int, default=1000)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = {"benchmark": "matrixguard.alerting", **run(args.seconds, args.receivers)}
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
