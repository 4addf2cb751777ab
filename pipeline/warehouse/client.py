"""Open the warehouse from its URL: ``chdb:///path`` (embedded) or ``http(s)://…`` (server).

One code path for both modes: clickhouse-connect's built-in chDB backend serves ``chdb://``
URLs and its HTTP client serves server URLs; nothing downstream knows which it got.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

# The sink batches itself: server-side async inserts would only add latency and hide errors.
INSERT_SETTINGS: dict[str, Any] = {"async_insert": 0}


class WarehouseError(RuntimeError):
    """The warehouse could not be opened or answered with an error."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the embedded warehouse (chDB allows one process per directory)."""


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def chdb_path(url: str) -> Path | None:
    """The data directory of a ``chdb://`` URL, or None for a server URL."""
    if not url.startswith("chdb://"):
        return None
    return Path(url.removeprefix("chdb://"))


def chdb_busy(path: Path) -> bool:
    """Whether another process holds the chDB directory (it keeps ``status`` flock-ed)."""
    status = path / "status"
    try:
        fh = status.open("rb")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def _connect_chdb(path: Path) -> Client:
    busy = WarehouseBusyError(
        f"another process holds the embedded warehouse {path} (a worker or a CLI command); "
        "query through the running worker or wait for the command to finish")
    if chdb_busy(path):  # asking chDB would print its own lock error on stderr
        raise busy
    try:
        return clickhouse_connect.get_client(dsn=f"chdb://{path}")
    except Exception as exc:
        if chdb_busy(path):
            raise busy from exc
        raise


def connect(url: str, *, wait_s: float = 30.0) -> Client:
    """A clickhouse-connect client for the warehouse URL.

    An embedded warehouse held by another process (a short ``sql`` or ``health check`` run) is
    waited for up to ``wait_s`` seconds before :class:`WarehouseBusyError` is raised.
    """
    try:
        path = chdb_path(url)
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            for attempt in Retrying(
                retry=retry_if_exception_type(WarehouseBusyError),
                stop=stop_after_delay(wait_s), wait=wait_exponential(multiplier=0.05, max=1.0),
                reraise=True,
            ):
                with attempt:
                    return _connect_chdb(path)
        if not url.startswith(("http://", "https://")):
            raise WarehouseError(
                f"unsupported warehouse URL {redact_url(url)!r}: use chdb:///path or http(s)://"
            )
        return clickhouse_connect.get_client(dsn=url, compress=True)
    except WarehouseError:
        raise
    except Exception as exc:
        raise WarehouseError(
            f"cannot open warehouse {redact_url(url)}: {str(exc).splitlines()[0][:300]}"
        ) from exc
    raise AssertionError("unreachable: tenacity re-raises the last error")
