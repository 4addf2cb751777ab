"""Through Tansu and chDB: a banned status in a snapshot becomes an anomaly row, and a restarted
worker keeps every account's baseline (no re-learning, no duplicate anomaly)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer
from schemas.topics import ANOMALIES, RAW_CRAWL
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, read_topic, run_cli, wait_for

pytestmark = pytest.mark.integration

KEY = "douyin:449371618530"  # 江南银行 on Douyin, official, subject 江南银行股份有限公司
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def snapshot_page(n: int, followers: int, status: str = "active") -> bytes:
    at = (T0 + timedelta(hours=n)).isoformat()
    return orjson.dumps({
        "envelope_id": f"anomaly-test-{n}", "source": "test", "account_key": KEY,
        "platform": "douyin", "crawled_at": at, "items": [],
        "snapshot": {"account_key": KEY, "platform": "douyin",
                     "platform_account_id": "449371618530", "name": "江南银行",
                     "avatar_hash": "a1", "bio": "江南银行官方抖音", "status": status,
                     "verified": True, "verification_subject": "江南银行股份有限公司",
                     "followers": followers, "captured_at": at}})


def steady(n: int) -> int:
    return 200_000 + 60 * n + (9 if n % 2 else -4)


def test_banned_snapshot_becomes_an_anomaly_and_a_restart_keeps_the_baseline(
    broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env["MATRIXGUARD_LOG_LEVEL"] = os.environ.get("MG_TEST_WORKER_LOG_LEVEL", "INFO")
    run_cli(["registry", "import", str(ROSTER)], env)
    producer = make_producer(broker.bootstrap)

    def publish(*values: bytes) -> None:
        for value in values:
            producer.send(RAW_CRAWL.name, key=KEY.encode(), value=value)
        producer.flush()

    def anomalies(worker: WorkerProcess) -> list[list[object]]:
        return worker.sql("SELECT anomaly_type, state, before, after, severity, org_unit, owner "
                          "FROM account_anomalies FINAL ORDER BY observed_at, anomaly_type")

    # 20 hours of an ordinary account: the follower baseline is learnt, nothing fires
    publish(*(snapshot_page(n, steady(n)) for n in range(20)))
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker1.log").start()
    try:
        worker.wait_drained(20)
        assert anomalies(worker) == []
    finally:
        assert worker.stop() == 0

    # a new worker process: the baseline comes back from the table's changelog
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker2.log").start()
    try:
        publish(snapshot_page(20, int(steady(19) * 0.6), status="banned"))
        worker.wait_for(lambda: len(anomalies(worker)) >= 2, 120,
                        "the anomalies of the banned snapshot")
        rows = anomalies(worker)
        assert rows == [
            ["follower_drop", "firing", str(steady(19)), str(int(steady(19) * 0.6)), "high",
             "总行/办公室", rows[0][6]],
            ["status_changed", "firing", "active", "banned", "critical", "总行/办公室",
             rows[0][6]],
        ]
        assert rows[0][6]  # the owner from the registry travels with the anomaly
        # the 20 earlier snapshots were not re-judged (no re-learning, no duplicate anomaly)
        on_topic = [orjson.loads(v) for _, v in read_topic(broker.bootstrap, ANOMALIES.name)]
        sent = [(a["type"], a["state"]) for m in on_topic for a in m["anomalies"]]
        assert sorted(sent) == [("follower_drop", "firing"), ("status_changed", "firing")]
        assert worker.count("account_anomalies", final=False) == 2

        publish(snapshot_page(21, steady(19)))  # unbanned, followers back
        wait_for(lambda: len(anomalies(worker)) >= 4, 120, "the recovery")
        assert [r[:2] for r in anomalies(worker)[2:]] == [
            ["follower_drop", "resolved"], ["status_changed", "resolved"]]
    finally:
        assert worker.stop() == 0
        producer.close()
