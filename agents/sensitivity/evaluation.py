"""Precision and recall of a lexicon on a labelled corpus, per category and overall."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from agents.sensitivity.matcher import Matcher
from agents.sensitivity.scorer import score_item


@dataclass(frozen=True)
class LabelledItem:
    """One corpus line: a text and the exact set of categories it should be flagged for."""

    id: str
    text: str
    item: Any
    account: Any
    categories: frozenset[str]
    note: str = ""


@dataclass
class Evaluation:
    """Counts per category; an item counts once per category (found or not)."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 1.0

    def precision(self, category: str | None = None) -> float:
        tp = self.tp[category] if category else sum(self.tp.values())
        fp = self.fp[category] if category else sum(self.fp.values())
        return self._ratio(tp, tp + fp)

    def recall(self, category: str | None = None) -> float:
        tp = self.tp[category] if category else sum(self.tp.values())
        fn = self.fn[category] if category else sum(self.fn.values())
        return self._ratio(tp, tp + fn)

    def report(self) -> dict[str, Any]:
        """JSON-ready figures."""
        cats = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        return {
            "overall": {"precision": self.precision(), "recall": self.recall(),
                        "tp": sum(self.tp.values()), "fp": sum(self.fp.values()),
                        "fn": sum(self.fn.values())},
            "per_category": {c: {"precision": self.precision(c), "recall": self.recall(c),
                                 "tp": self.tp[c], "fp": self.fp[c], "fn": self.fn[c]}
                             for c in cats},
        }


def read_corpus(path: Path) -> list[LabelledItem]:
    """The JSONL corpus."""
    items = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            d = orjson.loads(line)
            items.append(LabelledItem(d["id"], d["text"], d["item"], d["account"],
                                      frozenset(d["categories"]), d.get("note", "")))
    return items


def evaluate(matcher: Matcher, items: Iterable[LabelledItem]) -> Evaluation:
    """Score every item and compare the categories found with the labels."""
    result = Evaluation()
    for item in items:
        found = {h.category.value for h in
                 score_item(matcher, {"text": item.text}, item.item, item.account).hits}
        for cat in found & item.categories:
            result.tp[cat] += 1
        for cat in found - item.categories:
            result.fp[cat] += 1
            result.false_alarms.append(f"{item.id} [{cat}] {item.text[:60]}")
        for cat in item.categories - found:
            result.fn[cat] += 1
            result.misses.append(f"{item.id} [{cat}] {item.note} {item.text[:60]}")
    return result
