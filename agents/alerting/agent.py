"""Thin Faust module of ``alerting``: anomalies and content scores in, alerts out.

The alert rules (``agents/alerting/rules.py``) run on every anomaly transition and every content
score with hits; the alerts travel, bundled per partition, on ``matrixguard.alerting.alerts``
(the sink records them in ``alerts``; the notifier groups and delivers them).
"""

from __future__ import annotations

from typing import Any

import faust
import orjson

from agents.alerting.rules import AlertRule, from_anomaly, from_score
from pipeline.held_batches import held_batches
from pipeline.stats import PipelineStats
from schemas.alerts import Alert
from schemas.events import Anomaly
from schemas.topics import ALERTS, ANOMALIES, SCORES


def alerts_of(topic: str, doc: dict[str, Any], rules: list[AlertRule], board: str
              ) -> list[Alert]:
    """The alerts one anomalies or scores message makes."""
    if topic == ANOMALIES.name:
        return [a for raw in doc["anomalies"]
                for a in from_anomaly(Anomaly.model_validate(raw), rules, board)]
    return [a for score in doc["scores"] if score["hits"]
            for a in from_score(score, rules, board)]


def register(app: faust.App, stats: PipelineStats, rules: list[AlertRule], board_url: str, *,
             batch_max: int, within_s: float) -> None:
    """Attach the alert-rule agent to ``app``."""
    source = app.topic(ANOMALIES.name, SCORES.name, value_serializer="raw",
                       key_serializer="raw")
    out = app.topic(ALERTS.name, value_serializer="raw", key_serializer="raw")
    board = board_url.rstrip("/") + "/d/matrixguard-risk" if board_url else ""

    @app.agent(source, name="alert-rules")
    async def alert_rules(stream: faust.StreamT[bytes]) -> None:
        async for events in held_batches(stream, batch_max, within_s):
            per_partition: dict[int, list[Alert]] = {}
            for event in events:
                doc = orjson.loads(event.message.value or b"{}")
                found = alerts_of(event.message.topic, doc, rules, board)
                if found:
                    per_partition.setdefault(event.message.partition, []).extend(found)
                stats.alert_messages[event.message.topic] += 1
            for part, alerts in per_partition.items():
                value = orjson.dumps({"alerts": [a.model_dump(mode="json") for a in alerts]})
                await out.send(key=alerts[0].labels.get("account", "").encode(), value=value,
                               partition=part)
                stats.sent_messages[ALERTS.name] += 1
                stats.alerts["firing"] += sum(a.status == "firing" for a in alerts)
                stats.alerts["resolved"] += sum(a.status == "resolved" for a in alerts)
