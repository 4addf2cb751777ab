"""The ingest core: every bad input becomes a dead letter with a reason; good input goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from agents.deadletters import SourceRef
from agents.ingest.core import bundle, ingest
from schemas.events import AccountKind, RegisteredAccount
from schemas.topics import POSTS

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SRC = SourceRef("matrixguard.raw.crawl", 2, 41, 1_763_812_800_000)
ACCOUNT = RegisteredAccount(
    account_key="weibo:100", platform="weibo", platform_account_id="100",
    display_name="江南银行", kind="official", org_unit="总行/网络金融部", team="新媒体组",
    owner="张伟",
)


def post(i: int, **over: Any) -> dict[str, Any]:
    data = {"post_id": f"p{i}", "account_key": "weibo:100", "platform": "weibo",
            "kind": "video", "title": "开户有礼", "text": "手机银行开户送积分",
            "published_at": "2026-11-22T08:00:00+08:00", "captured_at": "2026-11-22T11:00:00Z",
            "metrics": {"views": 10, "likes": 2}}
    data.update(over)
    return {"type": "post", "data": data}


def comment(i: int, **over: Any) -> dict[str, Any]:
    data = {"comment_id": f"c{i}", "post_id": "p0", "account_key": "weibo:100",
            "platform": "weibo", "text": "客服电话打不通，投诉！",
            "published_at": "2026-11-22T09:00:00Z", "captured_at": "2026-11-22T11:00:00Z"}
    data.update(over)
    return {"type": "comment", "data": data}


def page(items: list[dict[str, Any]] | None = None, **over: Any) -> bytes:
    doc = {"envelope_id": "env-1", "source": "test", "account_key": "weibo:100",
           "platform": "weibo", "crawled_at": "2026-11-22T11:00:00Z",
           "snapshot": {"account_key": "weibo:100", "platform": "weibo",
                        "platform_account_id": "100", "name": "江南银行", "followers": 1200,
                        "captured_at": "2026-11-22T11:00:00Z"},
           "items": items or []}
    doc.update(over)
    return orjson.dumps(doc)


def test_valid_page_is_enriched_and_split_by_kind() -> None:
    result = ingest(page([post(0), post(1), comment(0)]), SRC, {"weibo:100": ACCOUNT}, NOW)
    assert result.dead_letters == []
    assert result.posts is not None and [p.post_id for p in result.posts.posts] == ["p0", "p1"]
    assert result.comments is not None and len(result.comments.comments) == 1
    assert result.snapshots is not None and result.snapshots.snapshots[0].followers == 1200
    ctx = result.posts.context
    assert ctx.registered and ctx.kind is AccountKind.official
    assert ctx.org_unit == "总行/网络金融部" and ctx.owner == "张伟"
    # times are normalised to UTC
    assert result.posts.posts[0].published_at == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    assert result.posts.published_ms == SRC.timestamp_ms
    assert result.accepted == 4


def test_unregistered_account_passes_without_enrichment() -> None:
    result = ingest(page([post(0)]), SRC, {}, NOW)
    assert result.posts is not None
    assert not result.posts.context.registered and result.posts.context.kind is None


def test_broken_json_is_one_dead_letter_with_original_bytes() -> None:
    raw = b'{"envelope_id": "x", "items": [tru'
    result = ingest(raw, SRC, {}, NOW)
    assert result.accepted == 0
    [dead] = result.dead_letters
    assert dead.reason == "invalid_json" and "not valid JSON" in dead.error
    assert dead.raw == raw.decode() and dead.item_index == -1
    assert (dead.source_topic, dead.source_partition, dead.source_offset) == (
        SRC.topic, SRC.partition, SRC.offset)


@pytest.mark.parametrize(("over", "fragment"), [
    ({"account_key": None}, "account_key"),
    ({"platform": "myspace"}, "platform"),
    ({"items": [post(i) for i in range(51)]}, "items"),
])
def test_bad_page_header_rejects_the_page(over: dict[str, Any], fragment: str) -> None:
    result = ingest(page(**{"items": [post(0)], **over}), SRC, {}, NOW)
    [dead] = result.dead_letters
    assert dead.reason == "invalid_envelope"
    assert fragment in dead.error and dead.error.startswith("crawl page header:")
    assert result.accepted == 0


def test_one_bad_item_costs_only_itself() -> None:
    items = [post(0), post(1, metrics={"likes": -5}), post(2, kind="hologram"),
             comment(0, text=""), post(3, published_at="yesterday"), post(4)]
    result = ingest(page(items), SRC, {}, NOW)
    assert result.posts is not None and [p.post_id for p in result.posts.posts] == ["p0", "p4"]
    by_index = {d.item_index: d for d in result.dead_letters}
    assert set(by_index) == {1, 2, 3, 4}
    assert by_index[1].reason == "invalid_post"
    assert "items[1].metrics.likes" in by_index[1].error and "-5" in by_index[1].error
    assert "items[2].kind" in by_index[2].error
    assert by_index[3].reason == "invalid_comment" and "items[3].text" in by_index[3].error
    assert "items[4].published_at" in by_index[4].error
    assert orjson.loads(by_index[1].raw)["data"]["post_id"] == "p1"
    assert all(d.account_key == "weibo:100" for d in result.dead_letters)


def test_item_of_another_account_is_rejected() -> None:
    result = ingest(page([post(0, account_key="weibo:999")]), SRC, {}, NOW)
    [dead] = result.dead_letters
    assert dead.reason == "account_mismatch" and "weibo:999" in dead.error
    assert result.posts is None


def test_bad_snapshot_keeps_the_items() -> None:
    snap = {"account_key": "weibo:100", "platform": "weibo", "platform_account_id": "100",
            "name": "江南银行", "followers": "很多", "captured_at": "2026-11-22T11:00:00Z"}
    result = ingest(page([post(0)], snapshot=snap), SRC, {}, NOW)
    [dead] = result.dead_letters
    assert dead.reason == "invalid_snapshot" and "snapshot.followers" in dead.error
    assert result.snapshots is None and result.posts is not None


def test_dead_letter_ids_are_stable_across_replays() -> None:
    raw = page([post(0, metrics={"likes": -1}), post(1, metrics={"likes": -1})])
    first = [d.dead_letter_id for d in ingest(raw, SRC, {}, NOW).dead_letters]
    again = [d.dead_letter_id for d in ingest(raw, SRC, {}, datetime.now(UTC)).dead_letters]
    assert first == again and len(set(first)) == 2


def test_bundles_group_pages_by_partition_in_order() -> None:
    other = ACCOUNT.model_copy(update={"account_key": "weibo:7", "platform_account_id": "7"})
    registry = {"weibo:100": ACCOUNT, "weibo:7": other}
    pages = []
    for n, key in enumerate(["weibo:100", "weibo:7", "weibo:100"]):
        items = [post(n, account_key=key)]
        pages.append(ingest(page(items, account_key=key, envelope_id=f"env-{n}",
                                 snapshot=None), SRC, registry, NOW))
    pages.append(ingest(b"{bad", SRC, registry, NOW))
    bundles = bundle(pages, POSTS.partition_of)
    assert bundles.snapshots == {} and len(bundles.dead_letters) == 1
    flat = [(part, b.envelope_id) for part, batches in bundles.posts.items() for b in batches]
    assert sorted(e for _, e in flat) == ["env-0", "env-1", "env-2"]
    for part, batches in bundles.posts.items():
        assert all(POSTS.partition_of(b.account_key) == part for b in batches)
    same = bundles.posts[POSTS.partition_of("weibo:100")]
    assert [b.envelope_id for b in same if b.account_key == "weibo:100"] == ["env-0", "env-2"]


def test_partition_of_matches_kafkas_default_partitioner() -> None:
    from aiokafka.partitioner import DefaultPartitioner

    parts = list(range(POSTS.partitions))
    for key in ("weibo:100", "douyin:abc", "weixin_mp:gh_0123456789ab"):
        assert POSTS.partition_of(key) == DefaultPartitioner()(key.encode(), parts, parts)
