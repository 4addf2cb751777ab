"""The warehouse as the worker uses it: one client, serialised, async-friendly.

clickhouse-connect clients are synchronous and a chDB session belongs to one process, so the
worker holds exactly one :class:`Warehouse` and every call goes through its lock, in a thread,
never blocking Faust's event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from pipeline.warehouse.client import INSERT_SETTINGS, WarehouseError, connect, redact_url

READONLY_SETTINGS: dict[str, Any] = {"readonly": 1}


@dataclass(frozen=True)
class QueryRows:
    """A query's result: column names and rows."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


class Warehouse:
    """A locked clickhouse-connect client for one warehouse URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.safe_url = redact_url(url)
        self._client: Client = connect(url)
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
        """Run a query; read-only unless told otherwise."""
        settings = READONLY_SETTINGS if readonly else {}
        with self._lock:
            try:
                result = self._client.query(sql, settings=settings)
            except Exception as exc:
                raise WarehouseError(_first_line(exc)) from exc
        return QueryRows(list(result.column_names), [tuple(r) for r in result.result_rows])

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
