"""Through Tansu and chDB: simulated non-compliant posts produce risk hits whose spans, sliced
from the original text, equal the offending words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline.broker import EmbeddedBroker
from schemas.events import RegisteredAccount
from tests.conftest import ROSTER
from tests.harness import start_worker_on, wait_for
from tests.integration.test_pipeline import simulate

pytestmark = pytest.mark.integration


def test_risk_hits_point_at_the_offending_words(
    broker: EmbeddedBroker, roster: list[RegisteredAccount], tmp_path: Path,
) -> None:
    messages = simulate(roster, 4000, seed=31, malformed_share=0.0)
    noncompliant = {i for m in messages for i in m.noncompliant_ids}
    assert noncompliant
    worker = start_worker_on(broker.url, broker.bootstrap, tmp_path, ROSTER, messages)
    try:
        worker.wait_drained(len(messages))
        posts = worker.count("posts")
        wait_for(lambda: worker.sql(
            "SELECT count() FROM content_scores FINAL WHERE item_type = 'post'")[0][0] >= posts,
            120, "every post scored")
        # a span sliced from the stored original text is exactly the hit's term
        mismatched = worker.sql("""
            SELECT h.item_id, h.term, substringUTF8(p.text, h.span_start + 1,
                                                    h.span_end - h.span_start) AS sliced
            FROM risk_hits AS h FINAL
            INNER JOIN (SELECT post_id, any(text) AS text FROM posts FINAL GROUP BY post_id) AS p
                ON p.post_id = h.item_id
            WHERE h.item_type = 'post' AND h.field = 'text' AND sliced != h.term""")
        assert mismatched == []
        checked = worker.sql("SELECT count() FROM risk_hits FINAL "
                             "WHERE item_type = 'post' AND field = 'text'")[0][0]
        assert checked > 0
        flagged = {r[0] for r in worker.sql(
            "SELECT DISTINCT item_id FROM risk_hits FINAL WHERE category != 'missing_risk_notice'")}
        own_posts = {r[0] for r in worker.sql(
            "SELECT post_id FROM posts FINAL WHERE account_kind != 'competitor'")}
        expected = noncompliant & own_posts
        assert expected
        recall = len(expected & flagged) / len(expected)
        assert recall >= 0.9, sorted(expected - flagged)[:10]
        levels = {r[0] for r in worker.sql("SELECT DISTINCT level FROM content_scores FINAL")}
        assert {"无", "严重"} <= levels
        version = worker.sql("SELECT DISTINCT lexicon_version FROM risk_hits")
        assert len(version) == 1 and len(version[0][0]) == 16
    finally:
        worker.stop()


def test_lexicon_change_takes_effect_in_the_running_worker(
    broker: EmbeddedBroker, tmp_path: Path,
) -> None:
    from pipeline.crawlers.publisher import make_producer
    from schemas.topics import RAW_CRAWL
    from tests.harness import WorkerProcess, cli_env, run_cli
    from tests.unit.sensitivity.conftest import SMALL, write_lexicon
    from tests.unit.test_ingest_core import page, post

    lexicon = write_lexicon(tmp_path / "lexicon")
    env = cli_env(broker.url, tmp_path / "wh", tmp_path)
    env.update(MATRIXGUARD_LEXICON_DIR=str(lexicon), MATRIXGUARD_LEXICON_RELOAD_S="0.5")
    run_cli(["migrate"], env)
    worker = WorkerProcess(env, tmp_path / "wh", tmp_path / "worker.log").start()
    producer = make_producer(broker.bootstrap)
    try:
        def send(n: int, text: str) -> None:
            producer.send(RAW_CRAWL.name, key=b"weibo:100", value=page(
                [post(n, text=text)], envelope_id=f"env-{n}", snapshot=None))
            producer.flush()

        def hits_of(post_id: str) -> list[list[object]]:
            return worker.sql("SELECT rule_id, term, lexicon_version FROM risk_hits FINAL "
                              f"WHERE item_id = '{post_id}' ORDER BY rule_id")

        send(1, "零风险，高收益")
        wait_for(lambda: worker.sql("SELECT count() FROM content_scores FINAL "
                                    "WHERE item_id = 'p1'")[0][0] == 1, 60, "p1 scored")
        assert hits_of("p1") == []
        (lexicon / "rules.yaml").write_text(
            SMALL.replace("      - literal: 保本\n", "      - literal: 保本\n"
                                                    "      - literal: 零风险\n"),
            encoding="utf-8")
        time.sleep(2)  # two reload periods
        send(2, "零风险，高收益")
        rows = wait_for(lambda: hits_of("p2"), 60, "p2 scored with the new lexicon")
        assert [(r[0], r[1]) for r in rows] == [("FIN-GUAR-001", "零风险")]
        versions = {r[0] for r in worker.sql("SELECT DISTINCT lexicon_version FROM content_scores")}
        assert len(versions) == 2
    finally:
        producer.close()
        worker.stop()
