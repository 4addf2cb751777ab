"""The sink core: canonical batches become column blocks; undecodable ones become dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from agents.deadletters import SourceRef
from agents.ingest.core import ingest
from agents.sink.core import MAPPINGS, build_blocks
from schemas.topics import COMMENTS, DEAD_LETTERS, POSTS, SNAPSHOTS
from tests.unit.test_ingest_core import ACCOUNT, SRC, comment, page, post

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def canonical(topic: str) -> bytes:
    result = ingest(page([post(0), post(1, metrics={"likes": -1}), comment(0)]), SRC,
                    {"weibo:100": ACCOUNT}, NOW)
    batch = {SNAPSHOTS.name: result.snapshots, POSTS.name: result.posts,
             COMMENTS.name: result.comments, DEAD_LETTERS.name: result.dead_letters[0]}[topic]
    assert batch is not None
    return orjson.dumps(batch.model_dump())


def test_every_topic_maps_to_its_tables() -> None:
    assert set(MAPPINGS) == {SNAPSHOTS.name, POSTS.name, COMMENTS.name, DEAD_LETTERS.name}
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
    for topic, table in ((SNAPSHOTS.name, "account_snapshots"), (COMMENTS.name, "comments"),
                         (DEAD_LETTERS.name, "dead_letters")):
        src = SourceRef(topic, 1, 3, SRC.timestamp_ms)
        blocks = build_blocks(topic, [(src, canonical(topic))] * 2, NOW)
        assert len(blocks.tables[table]) == 2 and blocks.events == 2


def test_undecodable_canonical_message_is_a_sink_dead_letter() -> None:
    src = SourceRef(POSTS.name, 0, 9, 0)
    good = (SourceRef(POSTS.name, 0, 10, 0), canonical(POSTS.name))
    blocks = build_blocks(POSTS.name, [(src, b"{nope"), (src, b'{"posts": 1}'), good], NOW)
    assert [d.reason for d in blocks.rejected] == ["invalid_json", "invalid_canonical"]
    assert all(d.stage == "sink" for d in blocks.rejected)
    assert len(blocks.tables["posts"]) == 1
