"""Through a real Tansu broker into a real chDB warehouse: every valid event exactly once,
every malformed one a dead letter with a reason, in the topic and in the table."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from pipeline.broker import EmbeddedBroker
from pipeline.crawlers.publisher import make_producer, publish
from pipeline.crawlers.simulator import SimulatedMessage, Simulator, SimulatorConfig
from schemas.events import DeadLetter, RegisteredAccount
from schemas.topics import DEAD_LETTERS
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, read_topic, run_cli, start_worker_on

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 1, tzinfo=UTC)


def simulate(roster: list[RegisteredAccount], events: int, *, seed: int = 11,
             malformed_share: float = 0.01) -> list[SimulatedMessage]:
    sim = Simulator(roster, SimulatorConfig(seed=seed, malformed_share=malformed_share),
                    start=START)
    return list(sim.take(events, backfill_days=3))


def expected(messages: list[SimulatedMessage]) -> tuple[Counter[str], int]:
    valid: Counter[str] = Counter()
    for m in messages:
        valid.update(m.valid)
    return valid, sum(m.dead_letters for m in messages)


def test_valid_events_land_exactly_once_and_bad_ones_as_dead_letters(
    broker: EmbeddedBroker, roster: list[RegisteredAccount], tmp_path: Path,
) -> None:
    messages = simulate(roster, 6000)
    valid, dead = expected(messages)
    assert dead > 0 and valid["post"] > 0 and valid["comment"] > 0

    worker = start_worker_on(broker.url, broker.bootstrap, tmp_path, ROSTER, messages)
    try:
        stats = worker.wait_drained(len(messages))
        assert stats["raw_messages"] == len(messages)
        assert worker.count("post_metrics") == valid["post"]
        assert worker.count("comments") == valid["comment"]
        assert worker.count("account_snapshots") == valid["snapshot"]
        assert worker.count("dead_letters") == dead
        assert worker.count("posts") == int(
            worker.sql("SELECT uniqExact(account_key, post_id) FROM post_metrics")[0][0])
        assert worker.count("accounts") == len(roster)
        # enrichment from the registry reached the rows analysts read
        unenriched = worker.sql(
            "SELECT count() FROM posts FINAL WHERE account_kind = '' OR "
            "(account_kind != 'competitor' AND org_unit = '')")
        assert unenriched == [[0]]
        # every dead letter says what went wrong and keeps the original bytes
        bad = worker.sql("SELECT count() FROM dead_letters FINAL "
                         "WHERE reason = '' OR error = '' OR raw = '' OR stage != 'ingest'")
        assert bad == [[0]]
        reasons = {r[0] for r in worker.sql("SELECT DISTINCT reason FROM dead_letters")}
        assert {"invalid_json", "invalid_envelope", "invalid_post"} <= reasons
    finally:
        assert worker.stop() == 0

    on_topic = [DeadLetter.model_validate(orjson.loads(v))
                for _, v in read_topic(broker.bootstrap, DEAD_LETTERS.name)]
    assert len({d.dead_letter_id for d in on_topic}) == dead
    assert all(d.error and d.raw for d in on_topic)


def test_replaying_the_same_pages_adds_no_rows(
    broker: EmbeddedBroker, roster: list[RegisteredAccount], tmp_path: Path,
) -> None:
    messages = simulate(roster, 1500, seed=5)
    valid, dead = expected(messages)
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    run_cli(["registry", "import", str(ROSTER)], env)
    producer = make_producer(broker.bootstrap)
    publish(producer, messages)
    publish(producer, messages)  # a connector that crawled and published twice
    producer.close()
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    try:
        worker.wait_drained(2 * len(messages))
        assert worker.count("post_metrics") == valid["post"]
        assert worker.count("comments") == valid["comment"]
        assert worker.count("account_snapshots") == valid["snapshot"]
        assert worker.count("dead_letters") == 2 * dead  # each bad message is its own finding
    finally:
        worker.stop()
