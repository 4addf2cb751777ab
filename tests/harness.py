"""Drive real processes the way an operator would: ``matrixguard worker`` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from pipeline.worker import LOCK_NAME

CLI = [sys.executable, "-m", "pipeline.cli"]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.3) -> Any:
    """Poll until ``predicate`` returns something truthy; fail with ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # not ready yet
            last_exc = exc
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} ({last_exc!r})")


def cli_env(broker_url: str, warehouse: Path, data_dir: Path) -> dict[str, str]:
    """Environment for a CLI subprocess, production style."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIXGUARD_")}
    env.update({
        "MATRIXGUARD_BROKER_URL": broker_url,
        "MATRIXGUARD_WAREHOUSE_URL": f"chdb://{warehouse}",
        "MATRIXGUARD_DATA_DIR": str(data_dir),
        "MATRIXGUARD_LOG_FORMAT": "json",
        # MG_TEST_WORKER_LOG_LEVEL=DEBUG: every Kafka request of the workers in their logs
        "MATRIXGUARD_LOG_LEVEL": os.environ.get("MG_TEST_WORKER_LOG_LEVEL", "INFO"),
    })
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``matrixguard ARGS`` to completion."""
    proc = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"matrixguard {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc


class WorkerProcess:
    """``matrixguard worker`` as a child process, reachable through its local HTTP port."""

    def __init__(self, env: dict[str, str], warehouse: Path, log_path: Path) -> None:
        self.env = env
        self.warehouse = warehouse
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen([*CLI, "worker"], env=self.env, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        wait_for(lambda: self._stats_now()["ready"], 90,
                 "the worker ready (partitions assigned, tables recovered, registry loaded)")
        return self

    @property
    def port(self) -> int:
        lock = orjson.loads((self.warehouse / LOCK_NAME).read_bytes())
        assert self.proc is not None and lock["pid"] == self.proc.pid
        return int(lock["port"])

    def _stats_now(self) -> dict[str, Any]:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"worker exited with {self.proc.returncode}: "
                                 f"{self.log_path.read_text()[-3000:]}")
        resp = httpx.get(f"http://127.0.0.1:{self.port}/stats/", timeout=5)
        resp.raise_for_status()
        data: dict[str, Any] = resp.json()
        return data

    def stats(self) -> dict[str, Any]:
        """The worker's live counters."""
        return self._stats_now()

    def wait_for(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        """``wait_for`` that, on timeout, also shows the worker's counters and log tail."""
        try:
            return wait_for(predicate, timeout, what)
        except AssertionError as exc:
            try:
                counters = self.stats()
            except Exception as stats_exc:  # the worker is gone
                counters = {"unavailable": repr(stats_exc)}
            tail = self.log_path.read_text(errors="replace").splitlines()[-40:]
            raise AssertionError(f"{exc}\nworker stats: {counters}\nworker log tail:\n"
                                 + "\n".join(tail)) from None

    def sql(self, query: str) -> list[list[Any]]:
        """A read-only query through the worker (it owns the chDB directory)."""
        resp = httpx.post(f"http://127.0.0.1:{self.port}/sql/",
                          content=orjson.dumps({"query": query}), timeout=60)
        body = orjson.loads(resp.content)
        assert resp.status_code == 200, body
        return [list(r) for r in body["rows"]]

    def count(self, table: str, final: bool = True) -> int:
        return int(self.sql(f"SELECT count() FROM {table}{' FINAL' if final else ''}")[0][0])

    def wait_drained(self, raw_messages: int, timeout: float = 240) -> dict[str, Any]:
        """Until this worker has ingested ``raw_messages`` pages and written all it sent."""
        def done() -> dict[str, Any] | None:
            s = self.stats()
            return s if s["raw_messages"] >= raw_messages and s["drained"] else None
        result: dict[str, Any] = wait_for(done, timeout, f"{raw_messages} pages drained")
        return result

    def stop(self) -> int:
        """Graceful stop (SIGTERM); returns the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL: no flush, no commit, no goodbye."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=30)


def read_topic(bootstrap: str, topic: str, timeout: float = 30) -> list[tuple[bytes, bytes]]:
    """Every (key, value) on ``topic`` right now, read without a consumer group."""
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def read() -> list[tuple[bytes, bytes]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()
            tps = [TopicPartition(topic, p)
                   for p in sorted(consumer.partitions_for_topic(topic) or {0})]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            out: list[tuple[bytes, bytes]] = []
            async with asyncio.timeout(timeout):
                while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        out.extend((r.key or b"", r.value or b"") for r in records)
            return out
        finally:
            await consumer.stop()

    return asyncio.run(read())


def start_worker_on(broker_url: str, bootstrap: str, tmp_path: Path, roster: Path,
                    pages: list[Any]) -> WorkerProcess:
    """Import the roster, publish ``pages`` on the raw topic, start a worker on them."""
    from pipeline.crawlers.publisher import make_producer, publish

    env = cli_env(broker_url, tmp_path / "wh", tmp_path)
    run_cli(["registry", "import", str(roster)], env)
    producer = make_producer(bootstrap)
    publish(producer, pages)
    producer.close()
    return WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
