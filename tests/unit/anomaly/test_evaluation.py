"""A simulated month with injected anomalies of every type: recall ≥ 0.95 per type, and at most
1 % of normal accounts flagged (the issue's bar), measured on the pure core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.evaluation import EXPECTED, Replayer, evaluate
from agents.anomaly.sentiment import default_model
from pipeline.crawlers.simulator import INCIDENT_KINDS, Simulator, SimulatorConfig
from schemas.events import RegisteredAccount

START = datetime(2026, 11, 1, tzinfo=UTC)
WARMUP_DAYS, MONTH_DAYS = 14, 30


def run_month(roster: list[RegisteredAccount]) -> dict[str, object]:
    config = SimulatorConfig(seed=2026, malformed_share=0.0, crawl_interval=timedelta(hours=3),
                             posts_per_page=12, comments_per_page=8, incident_accounts=0.5,
                             status_change_rate=0.03,
                             # rarer kinds weighted up so each has enough cases in one month
                             incident_weights={"dormant": 30, "subject_changed": 14,
                                               "deleted": 12, "verification_lost": 14})
    sim = Simulator(roster, config, start=START)
    days = WARMUP_DAYS + MONTH_DAYS
    crawls = days * 8 * len(roster)
    model = default_model()
    replayer = Replayer(roster, AnomalyConfig(),
                        lambda texts: [v.negative for v in model.classify_many(texts)])
    messages = (m for _, m in zip(range(crawls), sim.messages(backfill_days=days), strict=False))
    report = evaluate(messages, replayer, sim.incident_eligible(),
                      START - timedelta(days=MONTH_DAYS))
    summary = report.summary()
    print("anomaly evaluation:", orjson.dumps(
        {k: summary[k] for k in ("recall", "incidents", "normal_accounts", "normal_flagged",
                                 "normal_flagged_share", "normal_flags")}).decode())
    return summary


def test_every_injected_type_is_found_and_normal_accounts_stay_quiet(
    roster: list[RegisteredAccount],
) -> None:
    assert set(EXPECTED) == set(INCIDENT_KINDS)
    summary = run_month(roster)
    recall: dict[str, float] = summary["recall"]  # type: ignore[assignment]
    incidents: dict[str, int] = summary["incidents"]  # type: ignore[assignment]
    assert set(recall) == set(INCIDENT_KINDS), "every kind must be injected in the month"
    assert min(incidents.values()) >= 5
    assert {k: v for k, v in recall.items() if v < 0.95} == {}
    assert summary["normal_accounts"] >= 150  # type: ignore[operator]
    assert summary["normal_flagged_share"] <= 0.01  # type: ignore[operator]
