"""Score an item 0–100 and explain it: the score is the sum of its hits' points.

The first hit of a rule in an item earns the rule's weight; further hits of the same rule are
listed (each one is shown to the person fixing the text) but earn nothing, so one repeated word
does not read as many problems. The sum is capped at 100. Levels: 无 0, 低 1–19, 中 20–49,
高 50–79, 严重 80–100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agents.sensitivity.matcher import Matcher
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


def score_item(
    matcher: Matcher, fields: dict[str, str], item: ItemKind,
    account: AccountKindName | None,
) -> Scored:
    """Scan every text field of one item (post title and text, comment text, name and bio)."""
    hits: list[Hit] = []
    earned: set[str] = set()
    version = matcher.version
    canonicals: dict[str, str] = {}
    for name, text in fields.items():  # in field order, and by position within a field
        if not text:
            continue
        matches, canonicals[name] = matcher.scan_with_canonical(text)
        for match in sorted(matches, key=lambda m: (m.start, m.end, m.rule.id)):
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
        hits.extend(_missing_notice(matcher, notice, fields, canonicals))
    score = min(100, sum(h.points for h in hits))
    return Scored(score, level_of(score), hits, version)


def _missing_notice(
    matcher: Matcher, notice: RiskNoticeRule, fields: dict[str, str],
    canonicals: dict[str, str],
) -> list[Hit]:
    """A post that markets a product (a trigger term) but carries no accepted risk notice."""
    for name, canonical in canonicals.items():
        span = matcher.find_trigger(canonical)
        if span is None:
            continue
        if matcher.has_notice("\n".join(canonicals.values())):
            return []
        start, end = span
        return [Hit(notice.id, Category.missing_risk_notice, notice.severity, name, start, end,
                    fields[name][start:end], notice.weight, notice.citation, notice.suggestion,
                    matcher.version)]
    return []
