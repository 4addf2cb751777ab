"""Backtest: a candidate lexicon's added and removed hits, per category, before deployment."""

from __future__ import annotations

from pathlib import Path

from agents.sensitivity.backtest import StoredItem, backtest
from agents.sensitivity.lexicon import load_lexicon
from agents.sensitivity.matcher import Matcher
from tests.unit.sensitivity.conftest import SMALL, write_lexicon


def test_added_and_removed_hits_per_category(tmp_path: Path) -> None:
    live = Matcher(load_lexicon(write_lexicon(tmp_path / "live")), None)
    candidate_rules = (SMALL.replace("      - literal: 保本\n", "      - literal: 零风险\n")
                       .replace("      - literal: 投诉\n", "      - literal: 投诉\n"
                                                         "      - literal: 维权\n"))
    candidate = Matcher(load_lexicon(write_lexicon(tmp_path / "cand", candidate_rules)), None)
    items = [
        StoredItem("post", "p1", "official", {"text": "保本产品"}),
        StoredItem("post", "p2", "official", {"text": "零风险高收益"}),
        StoredItem("comment", "c1", "official", {"text": "我要投诉还要维权"}),
        StoredItem("post", "p3", "official", {"text": "稳赚不赔"}),
    ]
    report = backtest(live, candidate, items)
    assert report.items == 4
    assert report.removed["guarantee"] == 1 and report.examples_removed["guarantee"] == [
        "p1: 保本"]
    assert report.added["guarantee"] == 1 and report.examples_added["guarantee"] == [
        "p2: 零风险"]
    assert report.added["complaint"] == 1 and report.removed["complaint"] == 0
    assert report.live["guarantee"] == 2 and report.candidate["guarantee"] == 2
