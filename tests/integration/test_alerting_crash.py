"""SIGKILL the worker while notifications are in flight: after a restart every alert group has
been delivered at least once, and none twice within its repeat interval."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer
from pipeline.registry.roster import read_roster
from schemas.topics import RAW_CRAWL
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, run_cli, wait_for

pytestmark = pytest.mark.integration
SLOW_S = 3.0  # the receiver answers this late: notifications are in flight when the kill comes


class SlowHook:
    """A real local webhook receiver that records each request on arrival, answers late."""

    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(orjson.loads(body))
                time.sleep(SLOW_S)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def per_account(self) -> Counter[str]:
        return Counter(str(n["groupLabels"]["account"])  # type: ignore[index]
                       for n in self.received if n["status"] == "firing")


@pytest.fixture
def hook() -> Iterator[SlowHook]:
    server = SlowHook()
    yield server
    server.server.shutdown()


def banned_pages(key: str, now: datetime) -> list[bytes]:
    platform, pid = key.split(":", 1)
    out = []
    for n, status in enumerate(("active", "banned")):
        at = (now + timedelta(seconds=n)).isoformat()
        out.append(orjson.dumps({
            "envelope_id": f"crash-{key}-{n}", "source": "test", "account_key": key,
            "platform": platform, "crawled_at": at, "items": [],
            "snapshot": {"account_key": key, "platform": platform, "platform_account_id": pid,
                         "name": "员工号", "status": status, "followers": 800,
                         "captured_at": at}}))
    return out


def test_sigkill_mid_delivery_delivers_each_group_once(
    broker: EmbeddedBroker, tmp_path: Path, hook: SlowHook,
) -> None:
    config = tmp_path / "alerting.yaml"
    config.write_text(f"""
route:
  receiver: owner
  group_by: [account]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: owner
    owner: true
    channels:
      - {{type: webhook, url: "{hook.url}"}}
""", encoding="utf-8")
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env.update(MATRIXGUARD_ALERTING_CONFIG=str(config), MATRIXGUARD_ALERTING_TICK_S="0.2")
    run_cli(["registry", "import", str(ROSTER)], env)
    employees = [a.account_key for a in read_roster(ROSTER) if a.kind.value == "employee"][:8]
    producer = make_producer(broker.bootstrap)
    now = datetime.now(UTC).replace(microsecond=0)

    def publish(keys: list[str]) -> None:
        for key in keys:
            for value in banned_pages(key, now):
                producer.send(RAW_CRAWL.name, key=key.encode(), value=value)
        producer.flush()

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker-1.log").start()
    try:
        publish(employees[:4])
        wait_for(lambda: hook.received, 90, "the first notification")
        publish(employees[4:])  # these are still in group_wait or in flight at the kill
        time.sleep(1.2)
    finally:
        worker.kill()
    before = hook.per_account()
    assert sum(before.values()) < len(employees), "the kill came too late to prove anything"

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker-2.log").start()
    try:
        wait_for(lambda: set(hook.per_account()) >= set(employees), 120,
                 "every group delivered after the restart")
        time.sleep(3 * SLOW_S)  # anything sent twice would have arrived by now
        counts = hook.per_account()
        assert {k: counts[k] for k in employees} == dict.fromkeys(employees, 1)
    finally:
        worker.stop()
        producer.close()


def test_a_channel_that_is_down_does_not_hold_up_the_others(
    broker: EmbeddedBroker, tmp_path: Path, hook: SlowHook,
) -> None:
    config = tmp_path / "alerting.yaml"
    config.write_text(f"""
route:
  receiver: alive
  group_by: [account]
  group_wait: 0s
  group_interval: 1s
  routes:
    - {{matchers: ["account_kind=employee"], receiver: dead, continue: true}}
    - {{matchers: ["account_kind=employee"], receiver: alive}}
receivers:
  - name: dead
    channels: [{{type: webhook, url: "http://127.0.0.1:9/nobody-listens"}}]
  - name: alive
    channels: [{{type: webhook, url: "{hook.url}"}}]
""", encoding="utf-8")
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env.update(MATRIXGUARD_ALERTING_CONFIG=str(config), MATRIXGUARD_ALERTING_TICK_S="0.2")
    run_cli(["registry", "import", str(ROSTER)], env)
    employees = [a.account_key for a in read_roster(ROSTER) if a.kind.value == "employee"][:3]
    producer = make_producer(broker.bootstrap)
    now = datetime.now(UTC).replace(microsecond=0)
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    try:
        for key in employees:
            for value in banned_pages(key, now):
                producer.send(RAW_CRAWL.name, key=key.encode(), value=value)
        producer.flush()
        # the dead receiver is still retrying (backoff) while the live one gets every group
        wait_for(lambda: set(hook.per_account()) >= set(employees), 60,
                 "every group at the live receiver")
        failed = worker.sql("SELECT count() FROM notification_log FINAL "
                            "WHERE receiver = 'dead' AND status = 'sent'")[0][0]
        assert failed == 0
    finally:
        worker.stop()
        producer.close()
