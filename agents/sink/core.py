"""The Kafka-free core of ``sink``: canonical batches in, columnar table blocks out.

Each canonical topic maps to one or more tables; :class:`TableBlock` accumulates rows column by
column so a whole Faust ``take()`` batch becomes one insert per table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel

from agents.deadletters import SourceRef, dead_letter
from schemas.alerts import AlertBundle
from schemas.events import (
    AnomalyBundle,
    CommentBundle,
    CrawlStatus,
    DeadLetter,
    PostBundle,
    ScoreBundle,
    SnapshotBundle,
)
from schemas.topics import (
    ALERTS,
    ANOMALIES,
    COMMENTS,
    CRAWL_STATUS,
    DEAD_LETTERS,
    POSTS,
    SCORES,
    SNAPSHOTS,
)

SNAPSHOT_COLUMNS = (
    "account_key", "platform", "platform_account_id", "name", "avatar_hash", "bio", "status",
    "verified", "verification_subject", "followers", "following", "post_count", "likes_total",
    "captured_at", "kind", "org_unit", "team", "envelope_id", "published_at", "written_at",
)
POST_COLUMNS = (
    "post_id", "account_key", "platform", "kind", "title", "text", "tags", "url", "published_at",
    "captured_at", "views", "likes", "comments", "shares", "favorites", "account_kind",
    "org_unit", "team", "envelope_id", "published_ms", "written_at",
)
METRIC_COLUMNS = (
    "post_id", "account_key", "platform", "captured_at", "views", "likes", "comments", "shares",
    "favorites", "written_at",
)
COMMENT_COLUMNS = (
    "comment_id", "post_id", "account_key", "platform", "author_id", "author_name", "text",
    "likes", "parent_comment_id", "published_at", "captured_at", "account_kind", "org_unit",
    "envelope_id", "written_at",
)
SCORE_COLUMNS = (
    "item_type", "item_id", "account_key", "platform", "account_kind", "org_unit", "team",
    "owner", "score", "level", "hit_count", "categories", "lexicon_version", "observed_at",
    "scored_at",
)
HIT_COLUMNS = (
    "item_type", "item_id", "account_key", "platform", "account_kind", "org_unit", "team",
    "owner", "category", "rule_id", "severity", "field", "span_start", "span_end", "term",
    "points", "citation", "suggestion", "lexicon_version", "detected_at",
)
ANOMALY_COLUMNS = (
    "anomaly_id", "anomaly_type", "state", "severity", "account_key", "platform",
    "account_kind", "org_unit", "team", "owner", "subject", "title", "before", "after",
    "evidence", "observed_at", "detected_at",
)
ALERT_COLUMNS = (
    "fingerprint", "status", "alertname", "severity", "account_key", "org_unit", "owner",
    "labels", "title", "summary", "board_url", "starts_at", "ends_at", "received_at",
)
STAGE = "sink"
DEAD_LETTER_COLUMNS = (
    "dead_letter_id", "stage", "reason", "error", "source_topic", "source_partition",
    "source_offset", "item_index", "account_key", "platform", "raw", "failed_at", "written_at",
)

CRAWL_STATUS_COLUMNS = (
    "status_id", "platform", "account_key", "connector", "credential", "outcome", "endpoint",
    "error", "requests", "retries", "pages", "posts_new", "posts_refreshed", "comments_new",
    "dead_letters", "started_at", "finished_at", "written_at",
)


@dataclass
class TableBlock:
    """Rows for one table, held column-wise."""

    table: str
    column_names: tuple[str, ...]
    columns: list[list[Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.columns = [[] for _ in self.column_names]

    def add(self, row: Iterable[Any]) -> None:
        """Append one row (values in ``column_names`` order)."""
        for column, value in zip(self.columns, row, strict=True):
            column.append(value)

    def __len__(self) -> int:
        return len(self.columns[0])


def _ms(published_ms: int) -> datetime:
    return datetime.fromtimestamp(published_ms / 1000, UTC)


_dt = datetime.fromisoformat
Row = tuple[str, tuple[Any, ...]]


# The canonical topics are written by ``ingest`` from validated models (schemas.events); the
# sink reads their JSON straight into rows instead of validating every event a second time.
# A message that does not have the shape raises KeyError/TypeError/ValueError and becomes a
# dead letter.

def _pages(
    bundle: dict[str, Any], page_rows: Callable[[dict[str, Any], datetime], list[Row]],
    now: datetime,
) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    published: list[int] = []
    for page in bundle["pages"]:
        rows.extend(page_rows(page, now))
        published.append(page["published_ms"])
    return rows, published


def _snapshot_rows(page: dict[str, Any], now: datetime) -> list[Row]:
    ctx = page["context"]
    kind, published = ctx["kind"] or "", _ms(page["published_ms"])
    return [("account_snapshots", (
        s["account_key"], s["platform"], s["platform_account_id"], s["name"], s["avatar_hash"],
        s["bio"], s["status"], s["verified"], s["verification_subject"], s["followers"],
        s["following"], s["post_count"], s["likes_total"], _dt(s["captured_at"]), kind,
        ctx["org_unit"], ctx["team"], page["envelope_id"], published, now,
    )) for s in page["snapshots"]]


def _post_rows(page: dict[str, Any], now: datetime) -> list[Row]:
    ctx = page["context"]
    kind, org_unit, team = ctx["kind"] or "", ctx["org_unit"], ctx["team"]
    envelope_id, published_ms = page["envelope_id"], page["published_ms"]
    rows: list[Row] = []
    for p in page["posts"]:
        m = p["metrics"]
        captured = _dt(p["captured_at"])
        counts = (m["views"], m["likes"], m["comments"], m["shares"], m["favorites"])
        rows.append(("posts", (
            p["post_id"], p["account_key"], p["platform"], p["kind"], p["title"], p["text"],
            p["tags"], p["url"], _dt(p["published_at"]), captured, *counts, kind, org_unit,
            team, envelope_id, published_ms, now,
        )))
        rows.append(("post_metrics", (
            p["post_id"], p["account_key"], p["platform"], captured, *counts, now,
        )))
    return rows


def _comment_rows(page: dict[str, Any], now: datetime) -> list[Row]:
    ctx = page["context"]
    kind, org_unit, envelope_id = ctx["kind"] or "", ctx["org_unit"], page["envelope_id"]
    return [("comments", (
        c["comment_id"], c["post_id"], c["account_key"], c["platform"], c["author_id"],
        c["author_name"], c["text"], c["likes"], c["parent_comment_id"],
        _dt(c["published_at"]), _dt(c["captured_at"]), kind, org_unit, envelope_id, now,
    )) for c in page["comments"]]


def _snapshot_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    return _pages(doc, _snapshot_rows, now)


def _post_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    return _pages(doc, _post_rows, now)


def _comment_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    return _pages(doc, _comment_rows, now)


def _score_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    for s in doc["scores"]:
        ctx = s["context"]
        who = (s["item_type"], s["item_id"], s["account_key"], s["platform"], ctx["kind"] or "",
               ctx["org_unit"], ctx["team"], ctx["owner"])
        version, scored_at = s["lexicon_version"], _dt(s["scored_at"])
        hits = s["hits"]
        rows.append(("content_scores", (
            *who, s["score"], s["level"], len(hits), sorted({h["category"] for h in hits}),
            version, _dt(s["observed_at"]), scored_at,
        )))
        rows.extend(("risk_hits", (
            *who, h["category"], h["rule_id"], h["severity"], h["field"], h["start"], h["end"],
            h["term"], h["points"], h["citation"], h["suggestion"], version, scored_at,
        )) for h in hits)
    return rows, []


def _anomaly_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    for a in doc["anomalies"]:
        ctx = a["context"]
        rows.append(("account_anomalies", (
            a["anomaly_id"], a["type"], a["state"], a["severity"], a["account_key"],
            a["platform"], ctx["kind"] or "", ctx["org_unit"], ctx["team"], ctx["owner"],
            a["subject"], a["title"], a["before"], a["after"],
            orjson.dumps(a["evidence"]).decode(), _dt(a["observed_at"]), _dt(a["detected_at"]),
        )))
    return rows, []


def _alert_bundle(doc: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    for a in doc["alerts"]:
        labels, notes = a["labels"], a["annotations"]
        rows.append(("alerts", (
            a["fingerprint"], a["status"], labels.get("alertname", ""),
            labels.get("severity", ""), labels.get("account", ""), labels.get("org_unit", ""),
            labels.get("owner", ""), labels, notes.get("title", ""), notes.get("summary", ""),
            a.get("generator_url", ""), _dt(a["starts_at"]),
            _dt(a["ends_at"]) if a.get("ends_at") else None, now,
        )))
    return rows, []


def _dead_letter(dl: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    return [("dead_letters", (
        dl["dead_letter_id"], dl["stage"], dl["reason"], dl["error"], dl["source_topic"],
        dl["source_partition"], dl["source_offset"], dl["item_index"], dl["account_key"],
        dl["platform"], dl["raw"], _dt(dl["failed_at"]), now,
    ))], [dl["published_ms"]]


def _crawl_status(st: dict[str, Any], now: datetime) -> tuple[list[Row], list[int]]:
    return [("crawl_status", (
        st["status_id"], st["platform"], st["account_key"], st["connector"], st["credential"],
        st["outcome"], st["endpoint"], st["error"], st["requests"], st["retries"], st["pages"],
        st["posts_new"], st["posts_refreshed"], st["comments_new"], st["dead_letters"],
        _dt(st["started_at"]), _dt(st["finished_at"]), now,
    ))], []


@dataclass(frozen=True)
class TopicMapping:
    """How one canonical topic (whose values are ``model``) becomes table rows."""

    model: type[BaseModel]
    tables: tuple[tuple[str, tuple[str, ...]], ...]
    to_rows: Callable[[dict[str, Any], datetime], tuple[list[Row], list[int]]]


MAPPINGS: dict[str, TopicMapping] = {
    SNAPSHOTS.name: TopicMapping(
        SnapshotBundle, (("account_snapshots", SNAPSHOT_COLUMNS),), _snapshot_bundle),
    POSTS.name: TopicMapping(
        PostBundle, (("posts", POST_COLUMNS), ("post_metrics", METRIC_COLUMNS)), _post_bundle),
    COMMENTS.name: TopicMapping(
        CommentBundle, (("comments", COMMENT_COLUMNS),), _comment_bundle),
    SCORES.name: TopicMapping(
        ScoreBundle, (("content_scores", SCORE_COLUMNS), ("risk_hits", HIT_COLUMNS)),
        _score_bundle),
    ANOMALIES.name: TopicMapping(
        AnomalyBundle, (("account_anomalies", ANOMALY_COLUMNS),), _anomaly_bundle),
    ALERTS.name: TopicMapping(AlertBundle, (("alerts", ALERT_COLUMNS),), _alert_bundle),
    DEAD_LETTERS.name: TopicMapping(
        DeadLetter, (("dead_letters", DEAD_LETTER_COLUMNS),), _dead_letter),
    CRAWL_STATUS.name: TopicMapping(
        CrawlStatus, (("crawl_status", CRAWL_STATUS_COLUMNS),), _crawl_status),
}


@dataclass
class Blocks:
    """The insert blocks for one sink batch of one topic, plus bookkeeping."""

    tables: dict[str, TableBlock]
    events: int = 0
    published_ms: list[int] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)


def build_blocks(
    topic: str, messages: Iterable[tuple[SourceRef, bytes]], now: datetime,
) -> Blocks:
    """Decode a batch of canonical messages of ``topic`` into per-table column blocks.

    A message that does not decode (only a bug upstream can cause it) is not retried forever:
    it becomes a dead letter of stage ``sink`` and the batch goes on; its rows are added only
    once the whole message has been read, so a bad message leaves no partial rows behind.
    """
    mapping = MAPPINGS[topic]
    blocks = Blocks({name: TableBlock(name, cols) for name, cols in mapping.tables})
    primary = mapping.tables[0][0]  # one row here per event
    for src, raw in messages:
        try:
            doc = orjson.loads(raw)
            rows, published = mapping.to_rows(doc, now)
        except orjson.JSONDecodeError as exc:
            blocks.rejected.append(dead_letter(
                STAGE, src, now, "invalid_json", f"canonical message is not JSON: {exc}", raw))
            continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            blocks.rejected.append(dead_letter(
                STAGE, src, now, "invalid_canonical",
                f"{topic}: not a {mapping.model.__name__}: {type(exc).__name__}: {exc}", raw))
            continue
        for table, row in rows:
            blocks.tables[table].add(row)
        blocks.events += sum(1 for table, _ in rows if table == primary)
        blocks.published_ms.extend(published)
    return blocks
