"""Turning a detector's finding into an :class:`~schemas.events.Anomaly`, firing or resolved.

Ids are deterministic (account, type, subject, state, event time), so a replayed event yields
the same anomaly and the warehouse keeps one row. ``state.open`` remembers what is firing, so a
standing condition fires once and resolves once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agents.anomaly.state import AccountState, OpenAnomaly
from schemas.events import AccountContext, Anomaly, AnomalyType, Platform, Severity

STATUS_ZH = {"active": "正常", "restricted": "限流", "banned": "封禁", "deleted": "注销",
             "private": "私密"}


@dataclass(frozen=True)
class AccountInfo:
    """What the registry says about the account, resolved at the edge."""

    account_key: str
    platform: Platform
    context: AccountContext
    expected_subject: str = ""
    brand: str = ""


def _ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def anomaly_id(account_key: str, kind: AnomalyType, subject: str, state: str, at_ms: int) -> str:
    """Deterministic id of one anomaly transition."""
    raw = f"{account_key}|{kind.value}|{subject}|{state}|{at_ms}".encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


@dataclass
class Emitter:
    """Builds anomalies for one account and keeps ``st.open`` in step."""

    st: AccountState
    info: AccountInfo
    detected_at: datetime
    out: list[Anomaly]

    def is_open(self, kind: AnomalyType, subject: str = "") -> OpenAnomaly | None:
        """The firing anomaly of this type and subject, if any."""
        return self.st.open.get(f"{kind.value}:{subject}")

    def fire(self, kind: AnomalyType, severity: Severity, title: str, at_ms: int, *,
             before: str = "", after: str = "", evidence: dict[str, Any] | None = None,
             subject: str = "", standing: bool = True, level: float = 0.0) -> None:
        """Emit a firing anomaly; a ``standing`` one stays open until :meth:`resolve`."""
        aid = anomaly_id(self.info.account_key, kind, subject, "firing", at_ms)
        self._emit(aid, kind, "firing", severity, title, at_ms, before, after, evidence, subject)
        if standing:
            self.st.open[f"{kind.value}:{subject}"] = OpenAnomaly(
                anomaly_id=aid, since_ms=at_ms, before=before, level=level)

    def resolve(self, kind: AnomalyType, severity: Severity, title: str, at_ms: int, *,
                before: str = "", after: str = "", evidence: dict[str, Any] | None = None,
                subject: str = "") -> None:
        """Emit the resolution of an open anomaly and forget it."""
        opened = self.st.open.pop(f"{kind.value}:{subject}", None)
        if opened is None:
            return
        aid = anomaly_id(self.info.account_key, kind, subject, "resolved", at_ms)
        evidence = {"fired_anomaly_id": opened.anomaly_id,
                    "open_hours": round((at_ms - opened.since_ms) / 3_600_000, 2),
                    **(evidence or {})}
        self._emit(aid, kind, "resolved", severity, title, at_ms, before, after, evidence,
                   subject)

    def _emit(self, aid: str, kind: AnomalyType, state: str, severity: Severity, title: str,
              at_ms: int, before: str, after: str, evidence: dict[str, Any] | None,
              subject: str) -> None:
        self.out.append(Anomaly(
            anomaly_id=aid, type=kind, state=state, severity=severity,  # type: ignore[arg-type]
            account_key=self.info.account_key, platform=self.info.platform,
            context=self.info.context, subject=subject, title=title, before=before, after=after,
            evidence=evidence or {}, observed_at=_ms_to_dt(at_ms), detected_at=self.detected_at))
