"""``dashboards publish`` against a real local HTTP server that answers like Grafana's API:
folder, data source and boards are upserted with the token; the password is never printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from pytest_httpserver import HTTPServer

from pipeline.grafana_publish import ClickHouseSource, connect, publish

ROOT = Path(__file__).resolve().parents[2]


def boards_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "boards"
    folder.mkdir(parents=True)
    for uid, title in (("matrixguard-risk", "风险雷达"), ("matrixguard-health", "矩阵体检")):
        (folder / f"{uid}.json").write_bytes(orjson.dumps({"uid": uid, "title": title,
                                                           "id": 7, "panels": []}))
    return folder


def test_publish_creates_then_updates(httpserver: HTTPServer, tmp_path: Path) -> None:
    auth = {"Authorization": "Bearer glsa_token"}
    httpserver.expect_request("/api/folders/matrixguard", headers=auth).respond_with_json(
        {"message": "folder not found"}, status=404)
    httpserver.expect_request("/api/folders", method="POST", headers=auth).respond_with_json(
        {"uid": "matrixguard"})
    httpserver.expect_request("/api/datasources/uid/matrixguard-clickhouse",
                              method="GET").respond_with_json({"message": "nope"}, status=404)
    httpserver.expect_request("/api/datasources", method="POST").respond_with_json({"id": 1})
    httpserver.expect_request("/api/dashboards/db", method="POST").respond_with_json(
        {"status": "success"})
    api = connect(httpserver.url_for("/"), "glsa_token")
    done = publish(api, ClickHouseSource(host="clickhouse", password="pw-secret"),
                   boards_dir(tmp_path))
    assert done == {"folder": "created", "datasource": "created",
                    "boards": ["matrixguard-health", "matrixguard-risk"]}
    bodies: dict[str, list[Any]] = {}
    for request, _ in httpserver.log:
        if request.method == "POST":
            bodies.setdefault(request.path, []).append(orjson.loads(request.get_data()))
    [folder] = bodies["/api/folders"]
    assert folder == {"title": "MatrixGuard 新媒体矩阵风控", "uid": "matrixguard"}
    [source] = bodies["/api/datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    assert source["secureJsonData"]["password"] == "pw-secret"
    boards = bodies["/api/dashboards/db"]
    assert all(b["overwrite"] and b["folderUid"] == "matrixguard" and b["dashboard"]["id"]
               is None for b in boards)

    # a second publish finds both and updates the data source in place
    httpserver.clear()
    httpserver.expect_request("/api/folders/matrixguard").respond_with_json({"uid": "x"})
    httpserver.expect_request("/api/datasources/uid/matrixguard-clickhouse",
                              method="GET").respond_with_json({"uid": "matrixguard-clickhouse"})
    httpserver.expect_request("/api/datasources/uid/matrixguard-clickhouse",
                              method="PUT").respond_with_json({"message": "updated"})
    httpserver.expect_request("/api/dashboards/db", method="POST").respond_with_json({})
    again = publish(api, ClickHouseSource(host="clickhouse"), boards_dir(tmp_path / "2"))
    assert (again["folder"], again["datasource"]) == ("kept", "updated")


def test_cli_errors_are_one_line_and_keep_secrets(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "dashboards", "publish", "--url",
         "http://127.0.0.1:9", "--token", "glsa_token", "--clickhouse-password", "pw-secret",
         "--boards", str(boards_dir(tmp_path))],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    assert "Traceback" not in proc.stderr and "pw-secret" not in proc.stderr
    assert "glsa_token" not in proc.stderr
