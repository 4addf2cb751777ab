"""Score an item 0–100 and explain it: the score is the sum of its hits' points.

The first hit of a rule in an item earns the rule's weight; further hits of the same rule are
listed (each one is shown to the person fixing the text) but earn nothing, so one repeated word
does not read as many problems. The sum is capped at 100. Levels: 无 0, 低 1–19, 中 20–49,
高 50–79, 严重 80–100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from agents.sensitivity.matcher import Matcher, TextScan
from agents.sensitivity.rules import (
    CATEGORY_LABELS,
    AccountKindName,
    Category,
    ItemKind,
    RiskNoticeRule,
    Rule,
    Severity,
)

Level = Literal["无", "低", "中", "高", "严重"]


def level_of(score: int) -> Level:
    """The level a risk officer reads for a score."""
    if score <= 0:
        return "无"
    if score < 20:
        return "低"
    if score < 50:
        return "中"
    if score < 80:
        return "高"
    return "严重"


@dataclass(frozen=True)
class Hit:
    """One finding, shown on the original text."""

    rule_id: str
    category: Category
    severity: Severity
    field: str                 # which text of the item: title, text, name, bio…
    start: int                 # character offsets into that field's original text
    end: int
    term: str                  # original[start:end]
    points: int
    citation: str
    suggestion: str
    lexicon_version: str

    @property
    def category_label(self) -> str:
        """The category in the users' language."""
        return CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class Scored:
    """An item's score, level and the hits that make it up."""

    score: int
    level: Level
    hits: list[Hit] = field(default_factory=list)
    lexicon_version: str = ""


def _applies(rule: Rule | RiskNoticeRule, item: ItemKind, account: AccountKindName | None) -> bool:
    if item not in rule.applies_to.items:
        return False
    return account is None or account in rule.applies_to.accounts


ItemToScore = tuple[Mapping[str, str], ItemKind, AccountKindName | None]


def score_item(
    matcher: Matcher, fields: Mapping[str, str], item: ItemKind,
    account: AccountKindName | None,
) -> Scored:
    """Scan every text field of one item (post title and text, comment text, name and bio)."""
    return score_items(matcher, [(fields, item, account)])[0]


def score_items(matcher: Matcher, items: Sequence[ItemToScore]) -> list[Scored]:
    """Score a batch of items: every text field of every item in one scan of the batch."""
    texts: list[str] = []
    owners: list[tuple[int, str]] = []
    for index, (fields, _, _) in enumerate(items):
        for name, text in fields.items():
            if text:
                texts.append(text)
                owners.append((index, name))
    scans = matcher.scan_many(texts)
    found: dict[int, list[tuple[str, str, TextScan]]] = {}
    for (index, name), text, scan in zip(owners, texts, scans, strict=True):
        if scan.matches or scan.trigger or scan.notice:
            found.setdefault(index, []).append((name, text, scan))
    version = matcher.version
    out: list[Scored] = []
    for index, (_, item, account) in enumerate(items):
        per_field = found.get(index)
        if per_field is None or _clean(per_field):
            out.append(Scored(0, "无", [], version))
        else:
            out.append(_score(matcher, per_field, item, account))
    return out


def _clean(per_field: list[tuple[str, str, TextScan]]) -> bool:
    """No rule hit, and either no product marketed or its risk notice present."""
    trigger = notice = False
    for _, _, scan in per_field:
        if scan.matches:
            return False
        trigger = trigger or scan.trigger is not None
        notice = notice or scan.notice
    return notice or not trigger


def _score(
    matcher: Matcher, per_field: list[tuple[str, str, TextScan]], item: ItemKind,
    account: AccountKindName | None,
) -> Scored:
    hits: list[Hit] = []
    earned: set[str] = set()
    version = matcher.version
    for name, text, scan in per_field:  # in field order, and by position within a field
        for match in scan.matches:
            rule = match.rule
            if not _applies(rule, item, account):
                continue
            points = 0 if rule.id in earned else rule.weight
            earned.add(rule.id)
            hits.append(Hit(rule.id, rule.category, rule.severity, name, match.start,
                            match.end, text[match.start:match.end], points, rule.citation,
                            rule.suggestion, version))
    notice = matcher.lexicon.risk_notice
    if notice is not None and _applies(notice, item, account):
        hits.extend(_missing_notice(matcher, notice, per_field))
    score = min(100, sum(h.points for h in hits))
    return Scored(score, level_of(score), hits, version)


def _missing_notice(
    matcher: Matcher, notice: RiskNoticeRule, per_field: list[tuple[str, str, TextScan]],
) -> list[Hit]:
    """A post that markets a product (a trigger term) but carries no accepted risk notice in
    any of its fields (punctuation, spacing and repeats in the notice are tolerated)."""
    if any(scan.notice for _, _, scan in per_field):
        return []
    for name, text, scan in per_field:
        if scan.trigger is not None:
            start, end = scan.trigger
            return [Hit(notice.id, Category.missing_risk_notice, notice.severity, name, start,
                        end, text[start:end], notice.weight, notice.citation,
                        notice.suggestion, matcher.version)]
    return []
