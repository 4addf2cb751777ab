"""Backtest a candidate lexicon: rescore stored content with it and with the live lexicon, and
say per category which hits the candidate adds and which it removes — before anyone deploys it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from agents.sensitivity.matcher import Matcher
from agents.sensitivity.rules import AccountKindName, ItemKind
from agents.sensitivity.scorer import score_item


@dataclass(frozen=True)
class StoredItem:
    """One stored item to rescore."""

    item_type: ItemKind
    item_id: str
    account_kind: AccountKindName | None
    fields: dict[str, str]


HitKey = tuple[str, str, str, int, int]  # item id, category, field, start, end


@dataclass
class BacktestReport:
    """Hits per category under each lexicon, and the differences."""

    items: int = 0
    live: Counter[str] = field(default_factory=Counter)
    candidate: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    examples_added: dict[str, list[str]] = field(default_factory=dict)
    examples_removed: dict[str, list[str]] = field(default_factory=dict)


def _keys(matcher: Matcher, item: StoredItem) -> dict[HitKey, str]:
    scored = score_item(matcher, item.fields, item.item_type, item.account_kind)
    return {(item.item_id, h.category.value, h.field, h.start, h.end): h.term for h in scored.hits}


def backtest(live: Matcher, candidate: Matcher, items: Iterable[StoredItem],
             examples: int = 3) -> BacktestReport:
    """Rescore ``items`` under both lexicons and compare the hits."""
    report = BacktestReport()
    for item in items:
        report.items += 1
        old, new = _keys(live, item), _keys(candidate, item)
        for key in old:
            report.live[key[1]] += 1
        for key in new:
            report.candidate[key[1]] += 1
        for key in new.keys() - old.keys():
            report.added[key[1]] += 1
            report.examples_added.setdefault(key[1], [])
            if len(report.examples_added[key[1]]) < examples:
                report.examples_added[key[1]].append(f"{item.item_id}: {new[key]}")
        for key in old.keys() - new.keys():
            report.removed[key[1]] += 1
            report.examples_removed.setdefault(key[1], [])
            if len(report.examples_removed[key[1]]) < examples:
                report.examples_removed[key[1]].append(f"{item.item_id}: {old[key]}")
    return report
