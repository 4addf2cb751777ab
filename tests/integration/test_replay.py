"""The replay connector publishes a JSONL file byte for byte; bad lines become dead letters."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from pipeline.broker import EmbeddedBroker
from schemas.events import DeadLetter
from schemas.topics import DEAD_LETTERS, RAW_CRAWL
from tests.conftest import ROSTER
from tests.harness import WorkerProcess, cli_env, read_topic, run_cli
from tests.unit.test_ingest_core import comment, page, post

pytestmark = pytest.mark.integration


def test_replay_file_through_the_pipeline(broker: EmbeddedBroker, tmp_path: Path) -> None:
    lines = [
        page([post(1), post(2), comment(1)], envelope_id="r1"),
        b"<html><body>502 Bad Gateway</body></html>",
        b"",
        page([post(3, metrics={"likes": -3})], envelope_id="r2", snapshot=None),
    ]
    jsonl = tmp_path / "pages.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    run_cli(["registry", "import", str(ROSTER)], env)
    out = run_cli(["crawl", "replay", str(jsonl)], env).stdout
    assert "published 3 pages" in out

    raw = [v for _, v in read_topic(broker.bootstrap, RAW_CRAWL.name)]
    assert sorted(raw) == sorted(line for line in lines if line)

    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    try:
        worker.wait_drained(3, timeout=120)
        assert worker.sql("SELECT post_id FROM posts FINAL ORDER BY post_id") == [["p1"], ["p2"]]
        assert worker.count("comments") == 1
        assert sorted(r[0] for r in worker.sql("SELECT reason FROM dead_letters FINAL")) == [
            "invalid_json", "invalid_post"]
    finally:
        worker.stop()
    dead = [DeadLetter.model_validate(orjson.loads(v))
            for _, v in read_topic(broker.bootstrap, DEAD_LETTERS.name)]
    html = next(d for d in dead if d.reason == "invalid_json")
    assert html.raw == lines[1].decode()
    bad_post = next(d for d in dead if d.reason == "invalid_post")
    assert "items[0].metrics.likes" in bad_post.error
