"""Upsert MatrixGuard's folder, ClickHouse data source and boards into a Grafana, through
grafana-client (the maintained fork of grafana-api, which stopped receiving updates in 2020).

The boards are the committed JSON in ``dashboards/json/`` (generated from ``dashboards/``); each
is written with ``overwrite: true`` into the MatrixGuard folder, so publishing twice changes
nothing the second time. The data source password is never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson
from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException

BOARDS_DIR = Path(__file__).resolve().parent.parent / "dashboards" / "json"
FOLDER_UID, FOLDER_TITLE = "matrixguard", "MatrixGuard 新媒体矩阵风控"
DATASOURCE_UID = "matrixguard-clickhouse"


class PublishError(RuntimeError):
    """Grafana refused something (one line, no secret)."""


@dataclass(frozen=True)
class ClickHouseSource:
    """Where Grafana reaches ClickHouse, as the ``grafana`` user."""

    host: str
    port: int = 8123
    protocol: str = "http"
    username: str = "grafana"
    password: str = ""
    database: str = "matrixguard"

    def payload(self) -> dict[str, Any]:
        return {"name": "MatrixGuard ClickHouse", "uid": DATASOURCE_UID,
                "type": "grafana-clickhouse-datasource", "access": "proxy",
                "isDefault": True,
                "jsonData": {"host": self.host, "port": self.port, "protocol": self.protocol,
                             "username": self.username, "defaultDatabase": self.database},
                "secureJsonData": {"password": self.password}}


def boards(directory: Path = BOARDS_DIR) -> list[dict[str, Any]]:
    """The committed board JSON files."""
    return [orjson.loads(p.read_bytes()) for p in sorted(directory.glob("*.json"))]


def connect(url: str, token: str, timeout: float = 10.0) -> GrafanaApi:
    """A client for ``url`` (http(s)://host[:port][/prefix]) with a service-account token."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(f"not a Grafana URL: {url!r} (use http(s)://host:port)")
    return GrafanaApi(auth=token, host=parts.hostname, port=parts.port,
                      protocol=parts.scheme, url_path_prefix=parts.path.rstrip("/"),
                      timeout=timeout)


def publish(api: GrafanaApi, source: ClickHouseSource,
            directory: Path = BOARDS_DIR) -> dict[str, Any]:
    """Upsert folder, data source and every board; what was done."""
    try:
        folder = _upsert_folder(api)
        datasource = _upsert_datasource(api, source)
        published = []
        for board in boards(directory):
            board = {**board, "id": None}
            api.dashboard.update_dashboard({"dashboard": board, "folderUid": FOLDER_UID,
                                            "overwrite": True,
                                            "message": "matrixguard dashboards publish"})
            published.append(board.get("uid", ""))
    except GrafanaException as exc:
        raise PublishError(f"Grafana answered {exc.status_code}: {exc.message}"[:300]) from None
    except OSError as exc:
        raise PublishError(f"cannot reach Grafana: {exc}"[:300]) from None
    return {"folder": folder, "datasource": datasource, "boards": published}


def _upsert_folder(api: GrafanaApi) -> str:
    try:
        api.folder.get_folder(FOLDER_UID)
        return "kept"
    except GrafanaClientError as exc:
        if exc.status_code != 404:
            raise
    api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID)
    return "created"


def _upsert_datasource(api: GrafanaApi, source: ClickHouseSource) -> str:
    try:
        api.datasource.get_datasource_by_uid(DATASOURCE_UID)
    except GrafanaClientError as exc:
        if exc.status_code != 404:
            raise
        api.datasource.create_datasource(source.payload())
        return "created"
    api.datasource.update_datasource_by_uid(DATASOURCE_UID, source.payload())
    return "updated"
