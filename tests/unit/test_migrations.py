"""Migrations run once each against a real chDB, are recorded, and refuse edited history."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.warehouse.client import WarehouseError
from pipeline.warehouse.migrations import MigrationError, discover, migrate
from pipeline.warehouse.store import Warehouse

CORE_TABLES = {"accounts", "account_snapshots", "posts", "post_metrics", "comments",
               "dead_letters", "schema_migrations"}


def test_shipped_migrations_apply_once(tmp_path: Path) -> None:
    wh = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        first = migrate(wh.client)
        assert [m.version for m in first] == [m.version for m in discover()]
        assert migrate(wh.client) == []
        tables = {r[0] for r in wh.query("SHOW TABLES").rows}
        assert tables >= CORE_TABLES
        recorded = wh.query("SELECT version FROM schema_migrations FINAL ORDER BY version").rows
        assert [r[0] for r in recorded] == [m.version for m in first]
        # every time column analysts see is UTC DateTime64(3)
        types = wh.query(
            "SELECT DISTINCT type FROM system.columns WHERE database = currentDatabase() "
            "AND name IN ('captured_at', 'published_at', 'failed_at', 'imported_at')").rows
        assert {t for (t,) in types} == {"DateTime64(3, 'UTC')"}
    finally:
        wh.close()


def test_edited_migration_is_an_error_and_new_ones_apply(tmp_path: Path) -> None:
    mig_dir = tmp_path / "migs"
    mig_dir.mkdir()
    (mig_dir / "0001_first.sql").write_text(
        "-- a comment; with a semicolon\nCREATE TABLE a (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
        "CREATE TABLE b (x UInt8) ENGINE = MergeTree ORDER BY x;\n", encoding="utf-8")
    wh = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        assert len(migrate(wh.client, mig_dir)) == 1
        (mig_dir / "0002_second.sql").write_text(
            "CREATE TABLE c (x UInt8) ENGINE = MergeTree ORDER BY x", encoding="utf-8")
        assert [m.name for m in migrate(wh.client, mig_dir)] == ["second"]
        (mig_dir / "0001_first.sql").write_text("CREATE TABLE z (x UInt8) ENGINE = Log",
                                                encoding="utf-8")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            migrate(wh.client, mig_dir)
    finally:
        wh.close()


def test_bad_names_and_failures_are_clear(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1", encoding="utf-8")
    with pytest.raises(MigrationError, match="NNNN_snake_case"):
        discover(tmp_path)
    (tmp_path / "first.sql").unlink()
    (tmp_path / "0001_broken.sql").write_text("CREATE TABLE oops (", encoding="utf-8")
    wh = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        with pytest.raises(MigrationError, match="0001_broken failed"):
            migrate(wh.client, tmp_path)
        assert wh.query("SELECT count() FROM schema_migrations").rows == [(0,)]
    finally:
        wh.close()


def test_readonly_queries_cannot_write(tmp_path: Path) -> None:
    wh = Warehouse(f"chdb://{tmp_path / 'wh'}")
    try:
        migrate(wh.client)
        for statement in ("INSERT INTO accounts (account_key) VALUES ('x')", "DROP TABLE posts",
                          "OPTIMIZE TABLE posts FINAL", "SELECT 1 INTO OUTFILE '/tmp/x.csv'"):
            with pytest.raises(WarehouseError, match="read-only"):
                wh.query(statement)
        with pytest.raises(WarehouseError, match=r"position 7 \(nonsense\) \(line 1, col 7\)"):
            wh.query("SELEC nonsense")
        assert wh.query("SHOW TABLES").rows and wh.query("EXISTS TABLE posts").rows == [(1,)]
        # a refused statement must not leave the session read-only for the sink's inserts
        wh.insert("schema_migrations", [[99], ["later"], ["x"]], ["version", "name", "checksum"])
        assert wh.query("SELECT count() FROM schema_migrations WHERE version = 99").rows == [(1,)]
    finally:
        wh.close()
