"""Open the warehouse from its URL: ``chdb:///path`` (embedded) or ``http(s)://…`` (server).

One code path for both modes: clickhouse-connect's built-in chDB backend serves ``chdb://``
URLs and its HTTP client serves server URLs; nothing downstream knows which it got.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

# The sink batches itself: server-side async inserts would only add latency and hide errors.
INSERT_SETTINGS: dict[str, Any] = {"async_insert": 0}


class WarehouseError(RuntimeError):
    """The warehouse could not be opened or answered with an error."""


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


def connect(url: str) -> Client:
    """A clickhouse-connect client for the warehouse URL."""
    try:
        path = chdb_path(url)
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            return clickhouse_connect.get_client(dsn=f"chdb://{path}")
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
