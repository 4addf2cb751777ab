"""Logs are JSON off a terminal and never carry secrets; settings come from MATRIXGUARD_*."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from pipeline import logs
from pipeline.settings import Settings
from pipeline.warehouse.client import WarehouseError, connect, redact_url


def test_json_logs_redact_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("json", "INFO")
    try:
        logs.get_logger("test").info("connected", warehouse_url="http://u:hunter2@h:8123/db",
                                     webhook_key="abc123", rows=5)
        logging.getLogger("aiokafka").warning("library says %s", "hi")
        lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        logs.configure("console", "WARNING")
    event = next(line for line in lines if line["event"] == "connected")
    assert event["rows"] == 5 and event["level"] == "info" and event["logger"] == "test"
    assert event["warehouse_url"] == "***" and event["webhook_key"] == "***"
    assert "hunter2" not in str(lines) and "abc123" not in str(lines)
    assert any(line["event"] == "library says hi" for line in lines)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MATRIXGUARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MATRIXGUARD_WAREHOUSE_URL", "http://pipeline:s3cret@ch:8123/matrixguard")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert "s3cret" not in repr(settings)
    assert settings.resolved_warehouse_url().endswith("@ch:8123/matrixguard")
    monkeypatch.delenv("MATRIXGUARD_WAREHOUSE_URL")
    assert Settings().resolved_warehouse_url() == f"chdb://{tmp_path.resolve()}/warehouse"


def test_warehouse_errors_never_show_passwords() -> None:
    assert redact_url("http://pipeline:s3cret@ch:8123/db") == "http://pipeline:***@ch:8123/db"
    with pytest.raises(WarehouseError) as info:
        connect("mysql://root:s3cret@db/x")
    assert "s3cret" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(WarehouseError) as info:
        connect("http://pipeline:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(info.value)
