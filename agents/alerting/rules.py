"""Alert rules: which anomalies and risk hits become alerts, with what labels and Chinese text.

Rules live in YAML (``agents/alerting/config/rules.yaml`` is the documented default). An
anomaly that resolves resolves its alert (same fingerprint). A risk hit is an event: its alert
fires once and expires silently after ``expire_after`` (no resolved notification).

The fingerprint is a hash of the alert's identity labels (every label but ``severity``), so a
status alert that fired as critical is resolved by the anomaly's resolution whatever its
severity then.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.alerting.routing import parse_duration
from schemas.alerts import Alert
from schemas.events import Anomaly, Severity

DEFAULT_RULES = Path(__file__).resolve().parent / "config" / "rules.yaml"
SEVERITY_ORDER = [s.value for s in Severity]
SEVERITY_ZH = {"critical": "严重", "high": "高", "medium": "中", "low": "低", "info": "提示"}


class AlertRule(BaseModel):
    """One rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alertname: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    source: Literal["anomaly", "risk_hit"]
    anomaly_types: list[str] = Field(default_factory=list, description="empty = every type")
    categories: list[str] = Field(default_factory=list, description="empty = every category")
    account_kinds: list[str] = Field(default_factory=list, description="empty = every kind")
    min_severity: Severity = Severity.low
    severity: Severity | None = Field(None, description="override the source's severity")
    labels: dict[str, str] = Field(default_factory=dict)
    title: str = Field(description="Chinese, str.format fields of the source (see README)")
    summary: str = ""
    expire_after: float | None = Field(None, description="events only: alert lifetime")

    @field_validator("expire_after", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str | int | float) else value

    def accepts(self, severity: str, kind: str, what: str) -> bool:
        """Whether an event of ``severity``, account ``kind`` and type/category ``what``
        falls under this rule."""
        wanted = self.anomaly_types if self.source == "anomaly" else self.categories
        return (SEVERITY_ORDER.index(severity) >= SEVERITY_ORDER.index(self.min_severity.value)
                and (not self.account_kinds or kind in self.account_kinds)
                and (not wanted or what in wanted))


class RuleSet(BaseModel):
    """A rules file."""

    rules: list[AlertRule]


def load_rules(path: Path = DEFAULT_RULES) -> list[AlertRule]:
    """Read and validate a rules file."""
    return RuleSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).rules


def fingerprint(labels: dict[str, str]) -> str:
    """Identity of an alert: its labels but severity, sorted, hashed."""
    raw = "\x1f".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "severity")
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _make(rule: AlertRule, base: dict[str, str], fields: dict[str, Any], status: str,
          starts: datetime, board_url: str) -> Alert:
    labels = {**base, **rule.labels, "alertname": rule.alertname}
    labels["severity"] = rule.severity.value if rule.severity else base["severity"]
    values = _Fields(fields, severity_zh=SEVERITY_ZH.get(labels["severity"], ""))
    ends = starts + timedelta(seconds=rule.expire_after) if rule.expire_after else None
    link = item_link(board_url, labels.get("account", ""), str(fields.get("item", "")))
    return Alert(
        fingerprint=fingerprint(labels), status=status,  # type: ignore[arg-type]
        labels=labels, starts_at=starts, ends_at=ends, generator_url=link,
        annotations={"title": rule.title.format_map(values),
                     "summary": rule.summary.format_map(values),
                     "item": fields.get("item", ""), "board_url": link})


# the 风险雷达 panel listing the offending texts (dashboards/risk.py asserts the same id)
RISK_HITS_PANEL_ID = 12


def item_link(board_url: str, account: str, item: str) -> str:
    """The risk board filtered to the account and item (Grafana template variables), opened on
    the panel of offending texts when there is an item."""
    if not board_url:
        return ""
    pairs = [("var-account", account), ("var-item", item)]
    if item:
        pairs.append(("viewPanel", str(RISK_HITS_PANEL_ID)))
    query = urlencode([(k, v) for k, v in pairs if v])
    return f"{board_url}?{query}" if query else board_url


def from_anomaly(anomaly: Anomaly, rules: list[AlertRule], board_url: str = "") -> list[Alert]:
    """Alerts of one anomaly transition (firing or resolved)."""
    ctx = anomaly.context
    kind = ctx.kind.value if ctx.kind else ""
    base = {"org_unit": ctx.org_unit, "team": ctx.team, "owner": ctx.owner,
            "platform": anomaly.platform.value, "account": anomaly.account_key,
            "account_kind": kind, "category": anomaly.type.value, "rule": anomaly.type.value,
            "subject": anomaly.subject, "severity": anomaly.severity.value}
    fields = {"title": anomaly.title, "before": anomaly.before, "after": anomaly.after,
              "account": anomaly.account_key, "platform": anomaly.platform.value,
              "org_unit": ctx.org_unit, "owner": ctx.owner, "item": anomaly.subject}
    return [_make(rule, base, fields, anomaly.state, anomaly.observed_at, board_url)
            for rule in rules if rule.source == "anomaly"
            and rule.accepts(anomaly.severity.value, kind, anomaly.type.value)]


def from_score(score: dict[str, Any], rules: list[AlertRule], board_url: str = "") -> list[Alert]:
    """Alerts of one content score (one per hit and rule, first hit of a rule only)."""
    ctx = score["context"]
    kind = ctx.get("kind") or ""
    out: list[Alert] = []
    seen: set[str] = set()
    for hit in score["hits"]:
        if hit["rule_id"] in seen:
            continue
        seen.add(hit["rule_id"])
        base = {"org_unit": ctx["org_unit"], "team": ctx["team"], "owner": ctx["owner"],
                "platform": score["platform"], "account": score["account_key"],
                "account_kind": kind, "category": hit["category"], "rule": hit["rule_id"],
                "subject": f"{score['item_type']}:{score['item_id']}",
                "severity": hit["severity"]}
        fields = {**hit, "item_type": score["item_type"], "item": score["item_id"],
                  "account": score["account_key"], "score": score["score"],
                  "level": score["level"], "org_unit": ctx["org_unit"], "owner": ctx["owner"]}
        observed = datetime.fromisoformat(score["observed_at"])
        out.extend(_make(rule, base, fields, "firing", observed, board_url)
                   for rule in rules if rule.source == "risk_hit"
                   and rule.accepts(hit["severity"], kind, hit["category"]))
    return out
