"""Inhibition: a firing source alert mutes target alerts that agree with it on ``equal`` labels
(a banned account's status alert inhibits its follower-drop alert)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.alerting.matchers import Matcher, all_match, parse_matcher
from schemas.alerts import Alert


class InhibitRule(BaseModel):
    """Source matchers, target matchers, and the labels both must share."""

    model_config = ConfigDict(frozen=True)

    source_matchers: list[Matcher] = Field(min_length=1)
    target_matchers: list[Matcher] = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)

    @field_validator("source_matchers", "target_matchers", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, list):
            return [parse_matcher(v) if isinstance(v, str) else v for v in value]
        return value


def inhibited(alert: Alert, firing: Iterable[Alert], rules: list[InhibitRule]) -> bool:
    """Whether a firing source alert inhibits ``alert`` (an alert never inhibits itself)."""
    sources = [a for a in firing if a.status == "firing" and a.fingerprint != alert.fingerprint]
    for rule in rules:
        if not all_match(rule.target_matchers, alert.labels):
            continue
        for source in sources:
            if all_match(rule.source_matchers, source.labels) and all(
                    source.labels.get(k, "") == alert.labels.get(k, "") for k in rule.equal):
                return True
    return False
