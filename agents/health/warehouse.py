"""The health check's I/O edge: facts from ClickHouse, runs back to ClickHouse.

:func:`build_facts` reads every own account's facts with seven set-based queries (registry,
latest snapshots with the follower baseline, posts, post risk hits, personal-data hits, profile
hits, open anomalies), each an aggregation over all accounts at once, never a query per
account; :func:`run_check` adds one for the official names the brand is derived from.
Rows are read deduplicated (``FINAL`` on the ReplacingMergeTree tables, ``argMax`` where the
latest row of a group is wanted). Every window is computed against one ``now`` passed in as a
literal, so a run is reproducible. :func:`run_check` assesses the accounts, ranks them worst
first and writes one row per account to ``account_health`` and one row to ``health_runs``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson
from clickhouse_connect.driver.binding import format_query_value
from pydantic import BaseModel, ConfigDict, Field

from agents.anomaly.naming import NamingRule, derive_brand
from agents.health.facts import (
    HISTORY_DAYS,
    WINDOW_DAYS,
    AccountFacts,
    OpenAnomaly,
    ProfileHit,
    Snapshot,
    compute_peers,
)
from agents.health.score import (
    DEFAULT_POLICY,
    HealthPolicy,
    HealthReport,
    assess,
    level_counts,
    rank,
)
from pipeline.logs import get_logger
from pipeline.settings import Settings
from pipeline.warehouse.store import Warehouse
from schemas.events import AccountKind

log = get_logger(__name__)

Trigger = Literal["scheduled", "cli"]
HEALTH_COLUMNS = (
    "run_id", "run_at", "trigger", "account_key", "platform", "account_kind", "org_unit",
    "team", "owner", "display_name", "brand_score", "authorization_score", "compliance_score",
    "operations_score", "overall", "level", "overall_note", "finding_count", "finding_codes",
    "findings",
)
RUN_COLUMNS = (
    "run_id", "run_at", "trigger", "org_filter", "kind_filter", "accounts", "mean_overall",
    "findings", "seconds",
)


class HealthRun(BaseModel):
    """One health check run: its reports, worst first, and how long it took."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    run_at: datetime
    trigger: Trigger
    org_filter: str = ""
    kind_filter: str = ""
    brand: str = Field(default="", description="the brand the naming rule looked for")
    reports: list[HealthReport]
    facts_s: float = Field(default=0.0, description="seconds to read the facts")
    assess_s: float = Field(default=0.0, description="seconds to score and rank")
    write_s: float = Field(default=0.0, description="seconds to write the run")

    @property
    def seconds(self) -> float:
        """The whole run."""
        return self.facts_s + self.assess_s + self.write_s

    @property
    def levels(self) -> dict[str, int]:
        """Accounts per level."""
        return level_counts(self.reports)


def _ts(value: datetime) -> str:
    """A UTC ``DateTime64(3)`` literal."""
    ms = int(value.astimezone(UTC).timestamp() * 1000)
    return f"fromUnixTimestamp64Milli(toInt64({ms}), 'UTC')"


def own_filter(org: str | None = None, kind: str | None = None) -> str:
    """SQL condition on ``accounts`` selecting the own accounts to check."""
    cond = ["kind IN ('official', 'employee')"]
    if org:
        cond.append(f"startsWith(org_unit, {format_query_value(org)})")
    if kind:
        cond.append(f"kind = {format_query_value(AccountKind(kind).value)}")
    return " AND ".join(cond)


def _rows(warehouse: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    return warehouse.query(sql, readonly=True).rows


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def official_names(warehouse: Warehouse) -> list[str]:
    """Display names of every official account in the registry (the brand is derived from them).
    """
    return [str(r[0]) for r in _rows(
        warehouse, "SELECT display_name FROM accounts FINAL WHERE kind = 'official'")]


def build_facts(
    warehouse: Warehouse, now: datetime, *, org: str | None = None, kind: str | None = None,
) -> list[AccountFacts]:
    """The facts of every own account (optionally those under ``org`` and of ``kind``)."""
    now = _utc(now)
    at, cut30, cut90 = (_ts(now), _ts(now - timedelta(days=WINDOW_DAYS)),
                        _ts(now - timedelta(days=HISTORY_DAYS)))
    where = own_filter(org, kind)
    own = f"account_key IN (SELECT account_key FROM accounts FINAL WHERE {where})"

    registry = _rows(warehouse, f"""
        SELECT account_key, platform, kind, org_unit, team, owner,
               owner_mobile != '' OR owner_email != '' OR owner_wecom != '',
               display_name, expected_verification_subject
        FROM accounts FINAL WHERE {where} ORDER BY account_key""")

    snapshots = {r[0]: r for r in _rows(warehouse, f"""
        SELECT account_key,
               argMax(tuple(name, avatar_hash, bio, status, verified, verification_subject,
                            followers, captured_at), captured_at),
               argMaxIf(followers, captured_at, captured_at <= {cut30}),
               countIf(captured_at <= {cut30})
        FROM account_snapshots
        WHERE {own} AND captured_at <= {at}
        GROUP BY account_key""")}

    posts = {r[0]: r for r in _rows(warehouse, f"""
        SELECT account_key,
               countIf(published_at >= {cut30}),
               countIf(published_at >= {cut90}),
               max(published_at),
               sumIf(likes + comments + shares + favorites, published_at >= {cut30}),
               sumIf(views, published_at >= {cut30}),
               arraySort(groupArrayIf(toUnixTimestamp64Milli(published_at),
                                      published_at >= {cut90})) AS times,
               if(length(times) >= 2,
                  arrayReduce('quantileExactInclusive(0.5)',
                              arrayPopFront(arrayDifference(times))) / 3600000, NULL),
               if(countIf(captured_at <= {at}) > 0, maxIf(captured_at, captured_at <= {at}),
                  NULL)
        FROM posts FINAL
        WHERE {own} AND published_at <= {at}
        GROUP BY account_key""")}

    # risk hits on own posts, personal data apart: distinct (post, rule) per category/severity
    hits: dict[str, list[tuple[str, str, int]]] = {}
    for key, category, severity, n in _rows(warehouse, f"""
            SELECT account_key, category, severity, uniqExact(item_id, rule_id)
            FROM risk_hits FINAL
            WHERE {own} AND item_type = 'post' AND category != 'personal_data'
              AND detected_at >= {cut30} AND detected_at <= {at}
            GROUP BY account_key, category, severity"""):
        hits.setdefault(key, []).append((str(category), str(severity), int(n)))

    personal = {r[0]: r for r in _rows(warehouse, f"""
        SELECT account_key, uniqExactIf(item_id, item_type = 'post'),
               uniqExactIf(item_id, item_type = 'comment')
        FROM risk_hits FINAL
        WHERE {own} AND category = 'personal_data' AND item_type IN ('post', 'comment')
          AND detected_at >= {cut30} AND detected_at <= {at}
        GROUP BY account_key""")}

    # hits on the profile under the lexicon that scored its latest capture; whether the term
    # still stands in the current name or bio is checked against the snapshot below
    profile: dict[str, list[ProfileHit]] = {}
    for key, rule_id, category, severity, field, term, suggestion in _rows(warehouse, f"""
            SELECT account_key, rule_id, any(category), any(severity), field, term,
                   any(suggestion)
            FROM risk_hits FINAL
            WHERE {own} AND item_type = 'profile'
              AND (account_key, lexicon_version) IN (
                  SELECT account_key, argMax(lexicon_version, (observed_at, scored_at))
                  FROM content_scores FINAL
                  WHERE {own} AND item_type = 'profile' AND observed_at <= {at}
                  GROUP BY account_key)
            GROUP BY account_key, rule_id, field, term
            ORDER BY account_key, rule_id, field, term"""):
        profile.setdefault(key, []).append(ProfileHit(
            rule_id=rule_id, category=category, severity=severity, field=field, term=term,
            suggestion=suggestion))

    # open anomalies: the latest transition of each (type, subject) is 'firing', within 30 days
    anomalies: dict[str, list[OpenAnomaly]] = {}
    for key, a_type, subject, severity, title, observed in _rows(warehouse, f"""
            SELECT account_key, anomaly_type, subject,
                   argMax(severity, (observed_at, state = 'resolved')),
                   argMax(title, (observed_at, state = 'resolved')),
                   max(observed_at) AS last_at
            FROM account_anomalies FINAL
            WHERE {own} AND observed_at <= {at}
            GROUP BY account_key, anomaly_type, subject
            HAVING argMax(state, (observed_at, state = 'resolved')) = 'firing'
               AND last_at >= {cut30}
            ORDER BY account_key, last_at, anomaly_type, subject"""):
        anomalies.setdefault(key, []).append(OpenAnomaly(
            anomaly_type=a_type, subject=subject, severity=severity, title=title,
            observed_at=observed))

    facts: list[AccountFacts] = []
    for (key, platform, kind_, org_unit, team, owner, reachable, display_name,
         expected) in registry:
        snap: Snapshot | None = None
        followers_before: int | None = None
        if key in snapshots:
            _, latest, before, n_before = snapshots[key]
            name, avatar, bio, status, verified, subject, followers, captured = latest
            snap = Snapshot(name=name, avatar_hash=avatar, bio=bio, status=status,
                            verified=bool(verified), verification_subject=subject,
                            followers=int(followers), captured_at=captured)
            followers_before = int(before) if n_before else None
        p = posts.get(key)
        by_sev: dict[str, int] = {}
        by_cat: dict[str, int] = {}
        for category, severity, n in hits.get(key, ()):
            by_sev[severity] = by_sev.get(severity, 0) + n
            by_cat[category] = by_cat.get(category, 0) + n
        pd = personal.get(key)
        crawls = [t for t in (snap.captured_at if snap else None, p[8] if p else None) if t]
        current = {"name": snap.name, "bio": snap.bio} if snap is not None else {}
        facts.append(AccountFacts(
            account_key=key, platform=platform, kind=AccountKind(kind_), org_unit=org_unit,
            team=team, owner=owner, owner_reachable=bool(reachable), display_name=display_name,
            expected_verification_subject=expected, snapshot=snap,
            followers_30d_ago=followers_before,
            last_crawled_at=max(_utc(t) for t in crawls) if crawls else None,
            posts_30d=int(p[1]) if p else 0, posts_90d=int(p[2]) if p else 0,
            last_post_at=p[3] if p else None,
            median_gap_h=float(p[7]) if p and p[7] is not None else None,
            interactions_30d=int(p[4]) if p else 0, views_30d=int(p[5]) if p else 0,
            post_hits_by_severity=by_sev, post_hits_by_category=by_cat,
            personal_data_posts=int(pd[1]) if pd else 0,
            personal_data_comments=int(pd[2]) if pd else 0,
            profile_hits=tuple(h for h in profile.get(key, ())
                               if h.term and h.term in current.get(h.field, "")),
            open_anomalies=tuple(anomalies.get(key, ())),
        ))
    return facts


def new_run_id(run_at: datetime, trigger: str) -> str:
    """Sortable and unique: ``20261123T101500Z-cli-1a2b3c4d``."""
    return f"{run_at:%Y%m%dT%H%M%SZ}-{trigger}-{uuid.uuid4().hex[:8]}"


def run_check(
    warehouse: Warehouse, *, trigger: Trigger, rule: NamingRule,
    policy: HealthPolicy = DEFAULT_POLICY, org: str | None = None, kind: str | None = None,
    now: datetime | None = None, write: bool = True,
) -> HealthRun:
    """Check the own accounts (under ``org``, of ``kind``), worst first; write the run.

    Peers are always the whole matrix (every own account of the same platform and kind), and
    the brand is derived from every official name in the registry, whatever the filter.
    """
    now = _utc(now or datetime.now(UTC))
    kind = AccountKind(kind).value if kind else None
    t0 = time.perf_counter()
    everyone = build_facts(warehouse, now)
    brand = rule.brand or derive_brand(official_names(warehouse))
    t1 = time.perf_counter()
    peers = compute_peers(everyone)
    chosen = [f for f in everyone
              if (not org or f.org_unit.startswith(org)) and (not kind or f.kind.value == kind)]
    reports = rank(assess(f, peers, now, rule, brand, policy) for f in chosen)
    t2 = time.perf_counter()
    run = HealthRun(run_id=new_run_id(now, trigger), run_at=now, trigger=trigger,
                    org_filter=org or "", kind_filter=kind or "", brand=brand, reports=reports,
                    facts_s=t1 - t0, assess_s=t2 - t1)
    if write:
        write_run(warehouse, run)
        run = run.model_copy(update={"write_s": time.perf_counter() - t2})
        write_run_summary(warehouse, run)
    return run


def findings_json(report: HealthReport) -> str:
    """The findings as a JSON array (what ``account_health.findings`` holds)."""
    return orjson.dumps([f.model_dump(mode="json") for f in report.findings]).decode()


def health_rows(run: HealthRun) -> list[Sequence[Any]]:
    """Columns of ``account_health`` for a run (column-oriented, in HEALTH_COLUMNS order)."""
    rs = run.reports
    n = len(rs)
    return [
        [run.run_id] * n, [run.run_at] * n, [run.trigger] * n,
        [r.account_key for r in rs], [r.platform for r in rs], [r.kind.value for r in rs],
        [r.org_unit for r in rs], [r.team for r in rs], [r.owner for r in rs],
        [r.display_name for r in rs], [r.brand_score for r in rs],
        [r.authorization_score for r in rs], [r.compliance_score for r in rs],
        [r.operations_score for r in rs], [r.overall for r in rs], [r.level for r in rs],
        [r.overall_note for r in rs], [len(r.findings) for r in rs],
        [[f.code for f in r.findings] for r in rs],
        [findings_json(r) for r in rs],
    ]


def write_run(warehouse: Warehouse, run: HealthRun) -> None:
    """One ``account_health`` row per report of the run."""
    if run.reports:
        warehouse.insert("account_health", health_rows(run), HEALTH_COLUMNS)


def write_run_summary(warehouse: Warehouse, run: HealthRun) -> None:
    """The run's row in ``health_runs``."""
    n = len(run.reports)
    mean = sum(r.overall for r in run.reports) / n if n else 0.0
    warehouse.insert("health_runs", [
        [run.run_id], [run.run_at], [run.trigger], [run.org_filter], [run.kind_filter], [n],
        [mean], [sum(len(r.findings) for r in run.reports)], [round(run.seconds, 3)],
    ], RUN_COLUMNS)


def policy_from(settings: Settings) -> HealthPolicy:
    """The scoring policy, with the dormancy thresholds the anomaly detectors use."""
    return HealthPolicy(dormant_days_official=settings.anomaly.dormant_days_official,
                        dormant_days_employee=settings.anomaly.dormant_days_employee)


def check(
    warehouse: Warehouse, settings: Settings, trigger: Trigger, *, org: str | None = None,
    kind: str | None = None,
) -> HealthRun:
    """One run with the settings' naming rule and policy, written and logged in one line."""
    run = run_check(warehouse, trigger=trigger, rule=settings.anomaly.naming,
                    policy=policy_from(settings), org=org, kind=kind)
    n = len(run.reports)
    log.info("health check run", run_id=run.run_id, trigger=trigger, org=org or "",
             account_kind=kind or "", accounts=n,
             mean_overall=round(sum(r.overall for r in run.reports) / n, 1) if n else None,
             poor=run.levels["较差"], findings=sum(len(r.findings) for r in run.reports),
             seconds=round(run.seconds, 3))
    return run
