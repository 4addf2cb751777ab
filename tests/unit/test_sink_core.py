"""The sink core: canonical batches become column blocks; undecodable ones become dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from agents.deadletters import SourceRef
from agents.ingest.core import ingest
from agents.sink.core import MAPPINGS, build_blocks
from schemas.events import CrawlStatus
from schemas.topics import (
    ALERTS,
    ANOMALIES,
    COMMENTS,
    CRAWL_STATUS,
    DEAD_LETTERS,
    POSTS,
    SCORES,
    SNAPSHOTS,
    by_name,
)
from tests.unit.test_ingest_core import ACCOUNT, SRC, comment, page, post

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def canonical(topic: str, pages: int = 1) -> bytes:
    """A canonical message as ingest publishes it, checked against its contract model."""
    result = ingest(page([post(0), post(1, metrics={"likes": -1}), comment(0)]), SRC,
                    {"weibo:100": ACCOUNT}, NOW)
    if topic == DEAD_LETTERS.name:
        return orjson.dumps(result.dead_letters[0].model_dump())
    batch = {SNAPSHOTS.name: result.snapshots, POSTS.name: result.posts,
             COMMENTS.name: result.comments}[topic]
    assert batch is not None
    raw = orjson.dumps({"pages": [batch.model_dump()] * pages})
    by_name(topic).value_model.model_validate(orjson.loads(raw))  # the contract holds
    return raw


def test_every_topic_maps_to_its_tables() -> None:
    assert set(MAPPINGS) == {SNAPSHOTS.name, POSTS.name, COMMENTS.name, SCORES.name, ANOMALIES.name,
                             ALERTS.name, CRAWL_STATUS.name, DEAD_LETTERS.name}
    src = SourceRef(POSTS.name, 0, 7, SRC.timestamp_ms)
    blocks = build_blocks(POSTS.name, [(src, canonical(POSTS.name))], NOW)
    assert blocks.events == 1 and blocks.rejected == []
    posts, metrics = blocks.tables["posts"], blocks.tables["post_metrics"]
    assert len(posts) == 1 and len(metrics) == 1
    row = dict(zip(posts.column_names, (c[0] for c in posts.columns), strict=True))
    assert row["post_id"] == "p0" and row["org_unit"] == "总行/网络金融部"
    assert row["account_kind"] == "official" and row["likes"] == 2
    assert row["published_ms"] == SRC.timestamp_ms and row["written_at"] == NOW
    assert blocks.published_ms == [SRC.timestamp_ms]


def test_snapshots_comments_and_dead_letters() -> None:
    for topic, table, per_message in ((SNAPSHOTS.name, "account_snapshots", 3),
                                      (COMMENTS.name, "comments", 3),
                                      (DEAD_LETTERS.name, "dead_letters", 1)):
        src = SourceRef(topic, 1, 3, SRC.timestamp_ms)
        raw = canonical(topic, pages=3) if per_message == 3 else canonical(topic)
        blocks = build_blocks(topic, [(src, raw)] * 2, NOW)
        assert len(blocks.tables[table]) == 2 * per_message
        assert blocks.events == 2 * per_message
        assert len(blocks.published_ms) == 2 * per_message


def test_crawl_status_row() -> None:
    status = CrawlStatus(
        status_id="s1", platform="weibo", account_key="weibo:1", connector="weibo-openapi",
        credential="app1", outcome="rate_limited", endpoint="statuses/user_timeline",
        error="error_code 10023", requests=4, retries=3, started_at=NOW, finished_at=NOW)
    src = SourceRef(CRAWL_STATUS.name, 0, 1, SRC.timestamp_ms)
    blocks = build_blocks(CRAWL_STATUS.name, [(src, status.model_dump_json().encode())], NOW)
    block = blocks.tables["crawl_status"]
    row = dict(zip(block.column_names, (c[0] for c in block.columns), strict=True))
    assert (row["outcome"], row["endpoint"], row["retries"], row["credential"]) == (
        "rate_limited", "statuses/user_timeline", 3, "app1")
    assert blocks.rejected == []


def test_undecodable_canonical_message_is_a_sink_dead_letter() -> None:
    src = SourceRef(POSTS.name, 0, 9, 0)
    good = (SourceRef(POSTS.name, 0, 10, 0), canonical(POSTS.name))
    partial = orjson.dumps({"pages": [orjson.loads(canonical(POSTS.name))["pages"][0],
                                      {"posts": 1}]})
    blocks = build_blocks(POSTS.name, [(src, b"{nope"), (src, partial), good], NOW)
    assert [d.reason for d in blocks.rejected] == ["invalid_json", "invalid_canonical"]
    assert all(d.stage == "sink" for d in blocks.rejected)
    assert len(blocks.tables["posts"]) == 1  # the half-good message left no rows behind
    assert len(blocks.tables["post_metrics"]) == 1


def test_scores_become_content_scores_and_risk_hits() -> None:
    from schemas.events import AccountContext, ContentScore, RiskHit, ScoreBundle

    hit = RiskHit(rule_id="FIN-GUAR-001", category="guarantee", severity="critical",
                  field="text", start=3, end=7, term="稳赚不赔", points=80, citation="c",
                  suggestion="s")
    score = ContentScore(item_type="post", item_id="p1", account_key="weibo:100",
                         platform="weibo", context=AccountContext(org_unit="总行"), score=80,
                         level="严重", lexicon_version="abc", hits=[hit, hit], observed_at=NOW,
                         scored_at=NOW)
    clean = score.model_copy(update={"item_id": "p2", "score": 0, "level": "无", "hits": []})
    raw = orjson.dumps(ScoreBundle(scores=[score, clean]).model_dump())
    blocks = build_blocks(SCORES.name, [(SourceRef(SCORES.name, 0, 1, 0), raw)], NOW)
    assert len(blocks.tables["content_scores"]) == 2 and len(blocks.tables["risk_hits"]) == 2
    scores = blocks.tables["content_scores"]
    row = dict(zip(scores.column_names, (c[0] for c in scores.columns), strict=True))
    assert row["hit_count"] == 2 and row["categories"] == ["guarantee"]
    assert row["org_unit"] == "总行" and row["level"] == "严重"
    hits = blocks.tables["risk_hits"]
    hit_row = dict(zip(hits.column_names, (c[0] for c in hits.columns), strict=True))
    assert (hit_row["span_start"], hit_row["span_end"], hit_row["term"]) == (3, 7, "稳赚不赔")
