"""A lexicon change takes effect without a restart; a broken change is refused, not applied."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from agents.sensitivity.core import LexiconHolder, score_comments, score_posts, score_profiles
from schemas.events import (
    AccountContext,
    AccountKind,
    AccountSnapshot,
    Comment,
    CommentBatch,
    ContentScore,
    Post,
    PostBatch,
    SnapshotBatch,
)
from tests.unit.sensitivity.conftest import SMALL, write_lexicon

NOW = datetime(2026, 11, 22, tzinfo=UTC)
STAMP = NOW.isoformat()
CTX = AccountContext(registered=True, kind=AccountKind.employee, org_unit="杭州分行/西湖支行")
HEADER = {"envelope_id": "e1", "account_key": "weibo:1", "platform": "weibo", "context": CTX,
          "published_ms": 0}


def as_json(batch: BaseModel) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(orjson.dumps(batch.model_dump()))
    return data


def scores(per_page: list[list[dict[str, Any]]]) -> list[ContentScore]:
    """The scores of one page as the contract model (the agent writes exactly this shape)."""
    [docs] = per_page
    return [ContentScore.model_validate(d) for d in docs]


def post(text: str) -> dict[str, Any]:
    return as_json(PostBatch(**HEADER, posts=[Post(
        post_id="p1", account_key="weibo:1", platform="weibo", kind="text", title="", text=text,
        published_at=NOW, captured_at=NOW)]))


def test_new_rules_apply_after_refresh_and_hits_carry_the_version(tmp_path: Path) -> None:
    directory = write_lexicon(tmp_path / "lex")
    holder = LexiconHolder(directory, tmp_path / "cache")
    first = holder.version
    assert scores(score_posts(holder.matcher, [post("零风险高收益")], STAMP))[0].hits == []
    assert holder.refresh() is False  # nothing changed

    (directory / "rules.yaml").write_text(SMALL.replace("      - literal: 保本\n",
                                                        "      - literal: 保本\n"
                                                        "      - literal: 零风险\n"),
                                          encoding="utf-8")
    assert holder.refresh() is True and holder.version != first
    [scored] = scores(score_posts(holder.matcher, [post("零风险高收益")], STAMP))
    assert [(h.rule_id, h.term) for h in scored.hits] == [("FIN-GUAR-001", "零风险")]
    assert scored.lexicon_version == holder.version and scored.level == "严重"

    (directory / "rules.yaml").write_text("rules: [{id: broken}]", encoding="utf-8")
    assert holder.refresh() is False
    assert scores(score_posts(holder.matcher, [post("零风险")], STAMP))[0].score == 80


def test_comments_and_profiles_are_scored(tmp_path: Path) -> None:
    holder = LexiconHolder(write_lexicon(tmp_path / "lex"), None)
    comments = CommentBatch(**HEADER, comments=[Comment(
        comment_id="c1", post_id="p1", account_key="weibo:1", platform="weibo",
        text="乱收费，我要投诉", published_at=NOW, captured_at=NOW)])
    [scored] = scores(score_comments(holder.matcher, [as_json(comments)], STAMP))
    assert scored.item_type == "comment" and scored.item_id == "c1"
    assert [h.term for h in scored.hits] == ["投诉"]
    profiles = SnapshotBatch(**HEADER, snapshots=[AccountSnapshot(
        account_key="weibo:1", platform="weibo", platform_account_id="1", name="小江理财",
        bio="专注保本理财十年", followers=10, captured_at=NOW)])
    [profile] = scores(score_profiles(holder.matcher, [as_json(profiles)], STAMP))
    assert profile.item_type == "profile" and profile.item_id == "weibo:1"
    assert [(h.field, h.term) for h in profile.hits] == [("bio", "保本")]
    assert profile.context.org_unit == "杭州分行/西湖支行"
