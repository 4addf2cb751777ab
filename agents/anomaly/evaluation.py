"""Recall and false alarms of the anomaly detectors on simulated history with known incidents.

The simulator injects incidents of every kind on a share of the accounts (the others stay
normal) and says on which crawl page each started and ended. The pages are fed to the pure core
exactly as the agent feeds it (snapshot, then posts, then comments of each page), without Kafka.
An incident is detected when an anomaly of its type fires on its account between its start and
its end (plus a grace of a few crawls). A normal account is flagged when anything fires on it
after the warm-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.core import apply_comments, apply_posts, apply_snapshots
from agents.anomaly.emit import AccountInfo
from agents.anomaly.naming import derive_brand
from agents.anomaly.state import AccountState
from agents.ingest.core import context_for
from pipeline.crawlers.simulator import SimulatedMessage
from schemas.events import AccountKind, Anomaly, Platform, RegisteredAccount

# simulator incident kind → the anomaly type that must report it
EXPECTED = {
    "restricted": "status_changed", "banned": "status_changed", "private": "status_changed",
    "deleted": "status_changed", "verification_lost": "verification_lost",
    "subject_changed": "subject_mismatch", "renamed": "renamed",
    "avatar_changed": "avatar_changed", "bio_changed": "bio_changed",
    "follower_drop": "follower_drop", "follower_spike": "follower_spike",
    "engagement_spike": "engagement_spike", "dormant": "dormant",
    "posting_burst": "posting_burst", "negative_surge": "negative_comment_surge",
}
# kinds decided late: a dormancy counts once it is over, or once it has lasted this long by the
# end of the run (the simulator's shortest; the detector decides within it for every account the
# simulator makes dormant)
DECIDED_AT_END = {"dormant": timedelta(days=21)}
Classify = Callable[[Sequence[str]], list[bool]]


@dataclass
class Incident:
    """One injected incident and whether it was seen."""

    account_key: str
    kind: str
    start: datetime
    end: datetime | None = None
    detected_at: datetime | None = None


@dataclass
class Report:
    """The evaluation's figures."""

    incidents: dict[str, list[Incident]] = field(default_factory=dict)
    normal_accounts: int = 0
    normal_flagged: dict[str, list[str]] = field(default_factory=dict)
    anomalies: Counter[str] = field(default_factory=Counter)

    def recall(self) -> dict[str, float]:
        """Detected share of incidents, by incident kind."""
        return {kind: sum(1 for i in found if i.detected_at) / len(found)
                for kind, found in sorted(self.incidents.items()) if found}

    def flagged_share(self) -> float:
        """Share of normal accounts with any anomaly after the warm-up."""
        return len(self.normal_flagged) / self.normal_accounts if self.normal_accounts else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "recall": {k: round(v, 4) for k, v in self.recall().items()},
            "incidents": {k: len(v) for k, v in sorted(self.incidents.items())},
            "normal_accounts": self.normal_accounts,
            "normal_flagged": len(self.normal_flagged),
            "normal_flagged_share": round(self.flagged_share(), 4),
            "normal_flags": {k: v for k, v in sorted(self.normal_flagged.items())},
            "anomalies": dict(sorted(self.anomalies.items())),
        }


class Replayer:
    """Feeds simulated pages to the core, one account state each, as the agent does."""

    def __init__(self, roster: Iterable[RegisteredAccount], cfg: AnomalyConfig,
                 classify: Classify) -> None:
        self.registry = {a.account_key: a for a in roster}
        self.cfg, self.classify = cfg, classify
        self.brand = cfg.naming.brand or derive_brand(
            a.display_name for a in self.registry.values() if a.kind is AccountKind.official)
        self.states: dict[str, AccountState] = {}
        self.offset = 0

    def feed(self, message: SimulatedMessage) -> list[Anomaly]:
        """Apply one crawl page; the anomalies it showed."""
        doc = orjson.loads(message.value)
        key = doc["account_key"]
        registered = self.registry.get(key)
        info = AccountInfo(key, Platform(doc["platform"]), context_for(registered),
                           registered.expected_verification_subject if registered else "",
                           self.brand)
        st = self.states.setdefault(key, AccountState(account_key=key))
        now = datetime.now(UTC)
        self.offset += 1
        at = self.offset
        posts = [i["data"] for i in doc["items"] if i["type"] == "post"]
        comments = [i["data"] for i in doc["items"] if i["type"] == "comment"]
        out: list[Anomaly] = []
        if doc.get("snapshot"):
            out += apply_snapshots(st, {"snapshots": [doc["snapshot"]]}, info, self.cfg,
                                   ("snapshots", at), now)
        if posts:
            out += apply_posts(st, {"posts": posts}, info, self.cfg, ("posts", at), now)
        if comments:
            negative = self.classify([c["text"] for c in comments])
            out += apply_comments(st, {"comments": comments}, negative, info, self.cfg,
                                  ("comments", at), now)
        return out


def evaluate(messages: Iterable[SimulatedMessage], replayer: Replayer,
             eligible: frozenset[str], warmup_until: datetime,
             grace: timedelta = timedelta(hours=6)) -> Report:
    """Replay ``messages`` and score the anomalies against the incidents they carry."""
    report = Report()
    open_incidents: dict[str, Incident] = {}
    fired: dict[str, list[Anomaly]] = {}
    last = warmup_until
    for message in messages:
        key = message.key.decode()
        last = message.crawled_at
        for label in message.incidents:
            if label.startswith("recovered:"):
                incident = open_incidents.pop(key, None)
                if incident is not None:
                    incident.end = message.crawled_at
                    if incident.kind in DECIDED_AT_END and incident.start >= warmup_until:
                        report.incidents.setdefault(incident.kind, []).append(incident)
                continue
            incident = Incident(key, label, message.crawled_at)
            if (label in EXPECTED and label not in DECIDED_AT_END
                    and message.crawled_at >= warmup_until):
                report.incidents.setdefault(label, []).append(incident)
            open_incidents[key] = incident
        for anomaly in replayer.feed(message):
            if anomaly.state != "firing":
                continue
            report.anomalies[anomaly.type.value] += 1
            fired.setdefault(key, []).append(anomaly)
            if key not in eligible and anomaly.observed_at >= warmup_until:
                report.normal_flagged.setdefault(key, []).append(anomaly.type.value)
    for incident in open_incidents.values():
        decidable = DECIDED_AT_END.get(incident.kind)
        if (decidable is not None and incident.start >= warmup_until
                and last - incident.start >= decidable):
            report.incidents.setdefault(incident.kind, []).append(incident)
    report.normal_accounts = sum(1 for k in replayer.states if k not in eligible)
    for incidents in report.incidents.values():
        for incident in incidents:
            until = incident.end + grace if incident.end else datetime.max.replace(tzinfo=UTC)
            expected = EXPECTED[incident.kind]
            for anomaly in fired.get(incident.account_key, ()):
                if (anomaly.type.value == expected
                        and incident.start - grace <= anomaly.observed_at <= until):
                    incident.detected_at = anomaly.observed_at
                    break
    return report
