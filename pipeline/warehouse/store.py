"""The warehouse as the worker uses it: one client, serialised, async-friendly.

clickhouse-connect clients are synchronous and a chDB session belongs to one process, so the
worker holds exactly one :class:`Warehouse` and every call goes through its lock, in a thread,
never blocking Faust's event loop.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.warehouse.client import INSERT_SETTINGS, WarehouseError, connect, redact_url

READONLY_SETTINGS: dict[str, Any] = {"readonly": 1}
# First word of ClickHouse's ``EXPLAIN AST`` for statements that only read.
READ_STATEMENTS = frozenset({
    "SelectWithUnionQuery", "ShowTables", "ShowTablesQuery", "DescribeQuery", "Explain",
    "ExistsTableQuery", "ExistsDatabaseQuery", "ExistsViewQuery", "ExistsDictionaryQuery",
    "ShowCreateTableQuery", "ShowCreateViewQuery", "ShowCreateDatabaseQuery",
})
_EXPLAIN = "EXPLAIN AST "
_INTO_OUTFILE = re.compile(r"\binto\s+outfile\b", re.IGNORECASE)


@dataclass(frozen=True)
class QueryRows:
    """A query's result: column names and rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


class Warehouse:
    """A locked clickhouse-connect client for one warehouse URL."""

    def __init__(self, url: str, *, wait_s: float = 30.0) -> None:
        self.url = url
        self.safe_url = redact_url(url)
        self._client: Client = connect(url, wait_s=wait_s)
        self._lock = threading.Lock()

    @property
    def client(self) -> Client:
        """The underlying client (hold no reference across threads)."""
        return self._client

    def insert(
        self, table: str, columns: Sequence[Sequence[Any]], column_names: Sequence[str],
    ) -> None:
        """Columnar insert of one block, synchronously."""
        with self._lock:
            self._client.insert(
                table, list(columns), column_names=list(column_names), column_oriented=True,
                settings=INSERT_SETTINGS,
            )

    def query(self, sql: str, *, readonly: bool = True) -> QueryRows:
        """Run a query; read-only unless told otherwise.

        Read-only is enforced by ClickHouse's own parser before anything runs (``EXPLAIN AST``
        names the statement kind), then by ``readonly=1`` on SELECTs. The setting alone is not
        enough on chDB: a refused non-SELECT leaves ``readonly`` set on the session, and every
        later insert of the worker would fail.
        """
        settings: dict[str, Any] = {}
        with self._lock:
            try:
                if readonly:
                    settings = self._read_only_settings(sql)
                result = self._client.query(sql, settings=settings)
            except WarehouseError:
                raise
            except Exception as exc:
                raise WarehouseError(_first_line(exc)) from exc
        return QueryRows(list(result.column_names), [tuple(r) for r in result.result_rows])

    def _read_only_settings(self, sql: str) -> dict[str, Any]:
        try:
            ast = self._client.query(f"{_EXPLAIN}{sql}").result_rows
        except Exception as exc:  # a syntax error: report positions in the user's text
            message = _first_line(exc)
            message = re.sub(r"position (\d+)",
                             lambda m: f"position {max(int(m.group(1)) - len(_EXPLAIN), 0)}",
                             message)
            message = re.sub(r"\(line 1, col (\d+)\)",
                             lambda m: f"(line 1, col {max(int(m.group(1)) - len(_EXPLAIN), 1)})",
                             message)
            raise WarehouseError(message) from exc
        kind = str(ast[0][0]).split()[0]
        if kind not in READ_STATEMENTS:
            raise WarehouseError(
                f"read-only: only SELECT, SHOW, DESCRIBE, EXISTS and EXPLAIN run here, "
                f"not {kind.removesuffix('Query')}")
        if _INTO_OUTFILE.search(sql):
            raise WarehouseError("read-only: INTO OUTFILE writes a file; use --format csv")
        return READONLY_SETTINGS if kind == "SelectWithUnionQuery" else {}

    def scalar(self, sql: str) -> Any:
        """The first column of the first row."""
        rows = self.query(sql).rows
        return rows[0][0] if rows else None

    async def ainsert(
        self, table: str, columns: Sequence[Sequence[Any]], column_names: Sequence[str],
    ) -> None:
        """:meth:`insert` in a thread."""
        await asyncio.to_thread(self.insert, table, columns, column_names)

    async def aquery(self, sql: str, *, readonly: bool = True) -> QueryRows:
        """:meth:`query` in a thread."""
        return await asyncio.to_thread(self.query, sql, readonly=readonly)

    def close(self) -> None:
        """Close the client."""
        with self._lock:
            self._client.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        if "DB::Exception" in line or "Code:" in line:
            return line.strip()[:500]
    return (text.splitlines()[0] if text else type(exc).__name__)[:500]
