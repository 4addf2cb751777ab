"""Silences: matchers, a time window, who made it and why. An alert all of whose labels match a
silence's matchers is muted while the silence is active (``starts_at <= now < ends_at``)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.alerting.matchers import Matcher, all_match, parse_matcher
from schemas.events import UtcDatetime


class Silence(BaseModel):
    """One silence (expiring one sets ``ends_at`` to now)."""

    model_config = ConfigDict(frozen=True)

    silence_id: str
    matchers: list[Matcher] = Field(min_length=1)
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    created_by: str = Field(min_length=1)
    comment: str = Field(min_length=1)
    updated_at: UtcDatetime

    @field_validator("matchers", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, list):
            return [parse_matcher(v) if isinstance(v, str) else v for v in value]
        return value

    def active(self, now: datetime) -> bool:
        """In force at ``now``."""
        return self.starts_at <= now < self.ends_at

    def state(self, now: datetime) -> str:
        """pending, active or expired (Alertmanager's words)."""
        if now < self.starts_at:
            return "pending"
        return "active" if now < self.ends_at else "expired"

    def mutes(self, labels: dict[str, str], now: datetime) -> bool:
        """Whether this silence mutes an alert with ``labels`` at ``now``."""
        return self.active(now) and all_match(self.matchers, labels)


def new_silence_id(matchers: list[Matcher], starts_at: datetime, created_by: str) -> str:
    """A short id, stable for the same request."""
    raw = f"{','.join(map(str, matchers))}|{starts_at.isoformat()}|{created_by}".encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def muting(silences: list[Silence], labels: dict[str, str], now: datetime) -> list[str]:
    """Ids of the silences that mute ``labels`` now."""
    return [s.silence_id for s in silences if s.mutes(labels, now)]
