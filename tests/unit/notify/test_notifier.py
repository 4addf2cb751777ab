"""The Notifier: console and file channels, fan-out, attempt callbacks, and secrets kept out of
results, logs and reprs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.notify import (
    ChannelConfig,
    ConsoleConfig,
    DeliveryResult,
    DingTalkConfig,
    FeishuConfig,
    FileConfig,
    Notifier,
    ReceiverConfig,
    WebhookConfig,
    WeComConfig,
)
from pipeline.notify import wecom as wecom_module
from schemas.alerts import Notification
from tests.unit.notify import FakeClock, make_notification

KEY = "wecom-KEY-5f0e0c1d"
TOKEN = "ding-TOKEN-77aa21"
DING_SECRET = "SEC-ding-SECRET-9d8c"
HOOK = "feishu-HOOK-3b2a"
FEISHU_SECRET = "feishu-SECRET-1f1f"
WEBHOOK_SECRET = "webhook-SECRET-0c0c"
SECRETS = [KEY, TOKEN, DING_SECRET, HOOK, FEISHU_SECRET, WEBHOOK_SECRET]


def run(notification: Notification, configs: list[ChannelConfig], **kw: Any
        ) -> list[DeliveryResult]:
    clock = FakeClock()

    async def main() -> list[DeliveryResult]:
        async with Notifier(clock=clock, sleep=clock.sleep, trust_env=False, **kw) as notifier:
            return await notifier.notify(notification, configs)

    return asyncio.run(main())


def test_console_prints_chinese_text() -> None:
    out = io.StringIO()
    [result] = run(make_notification(), [ConsoleConfig()], console_stream=out)
    assert result.status == "sent" and result.channel == "console"
    text = out.getvalue()
    assert "[MatrixGuard] 【触发·严重】招商银行深圳分行" in text
    assert "状态：触发　级别：严重　告警：2 条" in text and "负责人：张三" in text


def test_file_channel_text_and_jsonl(tmp_path: Path) -> None:
    text_file, jsonl_file = tmp_path / "out" / "alerts.txt", tmp_path / "alerts.jsonl"
    configs: list[ChannelConfig] = [FileConfig(path=text_file),
                                    FileConfig(path=jsonl_file, format="jsonl", name="archive")]
    results = run(make_notification(), configs)
    assert [r.channel for r in results] == ["file", "file:archive"]
    assert all(r.status == "sent" for r in results)
    run(make_notification(nid="n-0002"), configs)
    assert text_file.read_text(encoding="utf-8").count("[MatrixGuard]") == 2
    records = [json.loads(line) for line in jsonl_file.read_text(encoding="utf-8").splitlines()]
    assert [r["notification_id"] for r in records] == ["n-0001", "n-0002"]
    assert "敏感词命中：保本保息 #1" in records[0]["text"]


def test_receiver_config_parses_channels_by_type(tmp_path: Path) -> None:
    receiver = ReceiverConfig.model_validate({"name": "ops", "channels": [
        {"type": "wecom", "key": KEY},
        {"type": "dingtalk", "access_token": TOKEN, "secret": DING_SECRET},
        {"type": "feishu", "hook_token": HOOK},
        {"type": "webhook", "url": "http://x.test/hook", "secret": WEBHOOK_SECRET},
        {"type": "email", "host": "smtp.test", "sender": "a@b.test", "password": "pw-123456"},
        {"type": "console"},
        {"type": "file", "path": str(tmp_path / "f.txt")},
    ]})
    assert [c.type for c in receiver.channels] == [
        "wecom", "dingtalk", "feishu", "webhook", "email", "console", "file"]
    dumped = repr(receiver) + str(receiver) + receiver.model_dump_json()
    for secret in [*SECRETS, "pw-123456"]:
        assert secret not in dumped
    with pytest.raises(ValueError):
        TypeAdapter(ChannelConfig).validate_python({"type": "sms"})


def test_fan_out_keeps_order_and_isolates_failures(tmp_path: Path) -> None:
    configs: list[ChannelConfig] = [
        ConsoleConfig(),
        WeComConfig(key=SecretStr(KEY), base_url="ftp://nowhere.test"),  # unsupported: permanent
        FileConfig(path=tmp_path / "a.txt"),
    ]
    results = run(make_notification(), configs, console_stream=io.StringIO())
    assert [r.status for r in results] == ["sent", "failed_permanent", "sent"]
    assert KEY not in results[1].error


def test_async_callback_and_a_failing_callback() -> None:
    seen: list[tuple[str, str, str, int, str, str]] = []

    async def record(*args: Any) -> None:
        seen.append(args)

    [result] = run(make_notification(), [ConsoleConfig()], on_attempt=record,
                   console_stream=io.StringIO())
    assert result.status == "sent"
    assert seen == [("n-0001", "owner-shenzhen", "console", 1, "sent", "")]

    def broken(*args: Any) -> None:
        raise RuntimeError("ClickHouse is down")

    [result] = run(make_notification(), [ConsoleConfig()], on_attempt=broken,
                   console_stream=io.StringIO())
    assert result.status == "sent"


def test_internal_error_is_permanent_and_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    async def explode(*args: Any, **kw: Any) -> DeliveryResult:
        raise RuntimeError(f"template blew up near key={KEY} and {KEY}")

    monkeypatch.setattr(wecom_module, "send", explode)
    [result] = run(make_notification(), [WeComConfig(key=SecretStr(KEY))])
    assert result.status == "failed_permanent" and result.attempts == 1
    assert "internal error" in result.error and KEY not in result.error


def _fake_platforms(request: Request) -> Response:
    """Every robot refuses: bad key, bad signature; the webhook fails with 500."""
    path = request.path
    if path == "/cgi-bin/webhook/send":
        body: dict[str, Any] = {"errcode": 93000, "errmsg": f"invalid webhook url {request.url}"}
    elif path == "/robot/send":
        body = {"errcode": 310000, "errmsg": "sign not match"}
    elif path.startswith("/open-apis/bot/v2/hook/"):
        body = {"code": 19021, "msg": "sign match fail"}
    else:
        return Response("upstream down", status=500)
    return Response(json.dumps(body), content_type="application/json")


def test_secrets_never_in_errors_or_logs(httpserver: HTTPServer, caplog: pytest.LogCaptureFixture,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    for name in ("", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(_fake_platforms)
    base = httpserver.url_for("").rstrip("/")
    configs: list[ChannelConfig] = [
        WeComConfig(key=SecretStr(KEY), base_url=base),
        DingTalkConfig(access_token=SecretStr(TOKEN), secret=SecretStr(DING_SECRET),
                       base_url=base),
        FeishuConfig(hook_token=SecretStr(HOOK), secret=SecretStr(FEISHU_SECRET),
                     base_url=base),
        WebhookConfig(url=f"{base}/hook", secret=SecretStr(WEBHOOK_SECRET)),
        WeComConfig(key=SecretStr(KEY), base_url="http://127.0.0.1:9", name="down"),
    ]
    attempts: list[tuple[Any, ...]] = []
    results = run(make_notification(), configs, max_attempts=2,
                  on_attempt=lambda *a: attempts.append(a))
    assert [r.status for r in results] == [
        "failed_permanent", "failed_permanent", "failed_permanent", "failed_retryable",
        "failed_retryable"]
    assert all(r.error for r in results)
    # The platform (werkzeug) logs its own access lines with the key: those are not ours.
    ours = [r for r in caplog.records if r.name != "werkzeug"]
    assert any(r.name == "httpx" and "key=***" in r.getMessage() for r in ours)
    assert any("notify_attempt_failed" in r.getMessage() for r in ours)
    text = "\n".join(r.getMessage() for r in ours)
    stderr = "\n".join(line for line in capfd.readouterr().err.splitlines()
                       if "werkzeug" not in line)
    for secret in SECRETS:
        for where in (text, stderr, *(r.error for r in results), repr(attempts),
                      *(repr(c) for c in configs)):
            assert secret not in where
