"""Numbered SQL migrations (``schemas/clickhouse/NNNN_name.sql``), applied once each, recorded.

A migration whose file changed after it was applied is an error, not a silent re-run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from clickhouse_connect.driver.client import Client

from pipeline.logs import get_logger

log = get_logger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version
"""


class MigrationError(RuntimeError):
    """A migration file is malformed, changed after being applied, or failed."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, comments dropped, split on ``;`` at the end of a line."""
        body = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [s.strip() for s in re.split(r";\s*$", body, flags=re.M) if s.strip()]


def default_dir() -> Path:
    """The migrations shipped with the ``schemas`` package."""
    return Path(str(resources.files("schemas") / "clickhouse"))


def discover(directory: Path | None = None) -> list[Migration]:
    """All migrations in version order; two files with one version number is an error."""
    directory = directory or default_dir()
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path}: name must be NNNN_snake_case.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path}: version {version} used twice")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def applied(client: Client) -> dict[int, str]:
    """version → checksum of the migrations already applied."""
    client.command(LEDGER_DDL)
    rows = client.query("SELECT version, checksum FROM schema_migrations FINAL").result_rows
    return {int(v): str(c) for v, c in rows}


def migrate(client: Client, directory: Path | None = None) -> list[Migration]:
    """Apply every pending migration in order; return the ones applied now."""
    done = applied(client)
    ran: list[Migration] = []
    for mig in discover(directory):
        if mig.version in done:
            if done[mig.version] != mig.checksum:
                raise MigrationError(
                    f"migration {mig.version:04d}_{mig.name} changed after it was applied; "
                    "add a new migration instead of editing an applied one"
                )
            continue
        for statement in mig.statements():
            try:
                client.command(statement)
            except Exception as exc:
                first = str(exc).strip().splitlines()[0][:300]
                raise MigrationError(f"migration {mig.version:04d}_{mig.name} failed: {first}") \
                    from exc
        client.insert(
            "schema_migrations", [[mig.version, mig.name, mig.checksum]],
            column_names=["version", "name", "checksum"],
        )
        log.info("migration applied", version=mig.version, name=mig.name)
        ran.append(mig)
    return ran
