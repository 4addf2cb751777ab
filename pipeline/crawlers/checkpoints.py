"""Crawl state that must survive a restart, in one SQLite file per data dir.

- ``marks``: the high-water mark of every stream (an account's timeline, a post's comments);
- ``accounts``: the last crawl of every account (for the schedule and ``crawl status``) and its
  last good snapshot (republished with the new status when the account is gone);
- ``tokens``: access tokens obtained by a refresh (the configured token is only the first).

SQLite in WAL mode with ``synchronous=FULL``: a mark written after the broker's acknowledgement
is on disk before the next page is sent.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from pipeline.crawlers.marks import Mark

SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (
    platform TEXT NOT NULL, stream TEXT NOT NULL, newest_ms INTEGER NOT NULL,
    recent TEXT NOT NULL, PRIMARY KEY (platform, stream));
CREATE TABLE IF NOT EXISTS accounts (
    platform TEXT NOT NULL, account_key TEXT NOT NULL, last_started TEXT, last_finished TEXT,
    outcome TEXT, endpoint TEXT, error TEXT, last_success TEXT,
    posts_total INTEGER NOT NULL DEFAULT 0, comments_total INTEGER NOT NULL DEFAULT 0,
    last_snapshot TEXT, PRIMARY KEY (platform, account_key));
CREATE TABLE IF NOT EXISTS tokens (
    platform TEXT NOT NULL, credential TEXT NOT NULL, access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL, expires_at TEXT, PRIMARY KEY (platform, credential));
"""


@dataclass(frozen=True)
class AccountState:
    """One row of ``accounts``."""

    platform: str
    account_key: str
    last_started: datetime | None
    last_finished: datetime | None
    outcome: str
    endpoint: str
    error: str
    last_success: datetime | None
    posts_total: int
    comments_total: int
    last_snapshot: dict[str, Any] | None


@dataclass(frozen=True)
class StoredToken:
    """A refreshed token pair."""

    access_token: str
    refresh_token: str
    expires_at: datetime | None


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class CheckpointStore:
    """The crawler's durable state (one process writes it; ``crawl status`` reads it)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        os.chmod(path, 0o600)  # refreshed tokens live here

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    # marks -----------------------------------------------------------------------------
    def mark(self, platform: str, stream: str) -> Mark:
        """The mark of a stream (a fresh one if never crawled)."""
        row = self._db.execute("SELECT newest_ms, recent FROM marks WHERE platform=? AND "
                               "stream=?", (platform, stream)).fetchone()
        if row is None:
            return Mark()
        return Mark(int(row[0]), {str(k): int(v) for k, v in orjson.loads(row[1]).items()})

    def save_marks(self, platform: str, marks: dict[str, Mark]) -> None:
        """Write several marks in one transaction."""
        if not marks:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT INTO marks VALUES (?, ?, ?, ?) ON CONFLICT (platform, stream) DO UPDATE "
                "SET newest_ms = excluded.newest_ms, recent = excluded.recent",
                [(platform, stream, m.newest_ms, orjson.dumps(m.recent).decode())
                 for stream, m in marks.items()])

    # accounts --------------------------------------------------------------------------
    def started(self, platform: str, account_key: str, at: datetime) -> None:
        """An account crawl began."""
        self._db.execute(
            "INSERT INTO accounts (platform, account_key, last_started) VALUES (?, ?, ?) "
            "ON CONFLICT (platform, account_key) DO UPDATE SET last_started = excluded."
            "last_started", (platform, account_key, _ts(at)))

    def finished(self, platform: str, account_key: str, *, at: datetime, outcome: str,
                 endpoint: str, error: str, success: bool, posts: int, comments: int,
                 snapshot: dict[str, Any] | None) -> None:
        """An account crawl ended."""
        self._db.execute(
            "UPDATE accounts SET last_finished=?, outcome=?, endpoint=?, error=?, "
            "last_success=CASE WHEN ? THEN ? ELSE last_success END, "
            "posts_total=posts_total+?, comments_total=comments_total+?, "
            "last_snapshot=COALESCE(?, last_snapshot) WHERE platform=? AND account_key=?",
            (_ts(at), outcome, endpoint, error, success, _ts(at), posts, comments,
             orjson.dumps(snapshot).decode() if snapshot else None, platform, account_key))

    _ACCOUNT_COLUMNS = ("SELECT platform, account_key, last_started, last_finished, outcome, "
                        "endpoint, error, last_success, posts_total, comments_total, "
                        "last_snapshot FROM accounts")

    @staticmethod
    def _state(r: tuple[Any, ...]) -> AccountState:
        return AccountState(r[0], r[1], _dt(r[2]), _dt(r[3]), r[4] or "", r[5] or "",
                            r[6] or "", _dt(r[7]), int(r[8]), int(r[9]),
                            orjson.loads(r[10]) if r[10] else None)

    def accounts(self, platform: str | None = None) -> list[AccountState]:
        """Every account crawled (of one platform), by platform and key."""
        sql = self._ACCOUNT_COLUMNS
        args: tuple[str, ...] = ()
        if platform:
            sql, args = sql + " WHERE platform = ?", (platform,)
        rows = self._db.execute(sql + " ORDER BY platform, account_key", args).fetchall()
        return [self._state(r) for r in rows]

    def account(self, platform: str, account_key: str) -> AccountState | None:
        """One account's state (its own row, by primary key)."""
        row = self._db.execute(self._ACCOUNT_COLUMNS + " WHERE platform = ? AND account_key = ?",
                               (platform, account_key)).fetchone()
        return self._state(row) if row else None

    # tokens ----------------------------------------------------------------------------
    def token(self, platform: str, credential: str) -> StoredToken | None:
        """The refreshed token of a credential, if one was refreshed."""
        row = self._db.execute("SELECT access_token, refresh_token, expires_at FROM tokens "
                               "WHERE platform=? AND credential=?",
                               (platform, credential)).fetchone()
        return StoredToken(row[0], row[1], _dt(row[2])) if row else None

    def save_token(self, platform: str, credential: str, token: StoredToken) -> None:
        """Keep a refreshed token for the next run."""
        self._db.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, credential) DO "
            "UPDATE SET access_token=excluded.access_token, refresh_token=excluded."
            "refresh_token, expires_at=excluded.expires_at",
            (platform, credential, token.access_token, token.refresh_token,
             _ts(token.expires_at)))

    def _transaction(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
