"""SIGKILL the worker mid-stream, restart it: nothing lost, nothing duplicated."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer, publish
from schemas.events import RegisteredAccount
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, run_cli, wait_for
from tests.integration.test_pipeline import expected, simulate

pytestmark = pytest.mark.integration


def test_sigkill_mid_stream_loses_and_duplicates_nothing(
    broker: EmbeddedBroker, roster: list[RegisteredAccount], tmp_path: Path,
) -> None:
    messages = simulate(roster, 40_000, seed=23)
    valid, dead = expected(messages)
    head = len(messages) // 10
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    run_cli(["registry", "import", str(ROSTER)], env)
    producer = make_producer(broker.bootstrap)
    publish(producer, messages[:head])

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker-1.log").start()
    # the rest arrives while the worker runs, paced so the kill lands mid-stream
    rest = threading.Thread(target=publish, args=(producer, messages[head:]),
                            kwargs={"rate": 4_000.0})
    rest.start()
    wait_for(lambda: sum(worker.stats()["rows_written"].values()) > 5_000, 120,
             "the first rows in the warehouse")
    progress = worker.stats()
    worker.kill()
    assert progress["raw_messages"] < len(messages), "the kill must land mid-stream"
    rest.join()
    producer.close()

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker-2.log").start()
    try:
        def caught_up() -> bool:
            return (worker.count("post_metrics") == valid["post"]
                    and worker.count("comments") == valid["comment"]
                    and worker.count("account_snapshots") == valid["snapshot"]
                    and worker.count("dead_letters") == dead)
        wait_for(caught_up, 300, "every accepted event in the warehouse after the restart")
        # and the restarted worker drains without adding anything beyond the expected rows
        worker.wait_drained(0)
        assert worker.count("post_metrics") == valid["post"]
        assert worker.count("comments") == valid["comment"]
        assert worker.count("account_snapshots") == valid["snapshot"]
        assert worker.count("dead_letters") == dead
        # distinct identities, independent of FINAL: no event is present twice
        distinct = worker.sql(
            "SELECT uniqExact(account_key, post_id, captured_at) FROM post_metrics")[0][0]
        assert distinct == valid["post"]
    finally:
        assert worker.stop() == 0
