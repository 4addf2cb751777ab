"""WeCom, DingTalk and Feishu robots against real local HTTP servers that check each request
the way the platform documents it (key, signature, payload shape, size, rate) and answer with
the platform's codes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.notify import DingTalkConfig, FeishuConfig, Notifier, WeComConfig
from pipeline.notify.config import ChannelConfig
from pipeline.notify.result import DeliveryResult
from schemas.alerts import Notification
from tests.unit.notify import BOARD, FakeClock, make_notification

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "ff6cd723bdb4455fe18b1c2a9ba30dbeff007f5a"
DING_SECRET = "SECd1b0f5a1e2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b"
FEISHU_TOKEN = "1c2b3a4d-5e6f-7a8b-9c0d-e1f2a3b4c5d6"
FEISHU_SECRET = "qYwYHmD7uNfe2yGQFkR0xb"


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


class _Bot:
    """Common part of the fake platforms: a script of codes to answer before success."""

    def __init__(self, script: list[int] | None = None) -> None:
        self.script = list(script or [])
        self.bodies: list[dict[str, Any]] = []
        self.raw_sizes: list[int] = []
        self.lock = threading.Lock()

    def scripted(self) -> int | None:
        return self.script.pop(0) if self.script else None


class WeComBot(_Bot):
    """qyapi.weixin.qq.com/cgi-bin/webhook/send: key in the query, markdown ≤ 4096 bytes."""

    def __init__(self, key: str = WECOM_KEY, script: list[int] | None = None) -> None:
        super().__init__(script)
        self.key = key

    def __call__(self, request: Request) -> Response:
        with self.lock:
            if request.args.get("key") != self.key:
                return _json({"errcode": 93000, "errmsg": "invalid webhook url, hint: [x]"})
            body = json.loads(request.get_data())
            self.bodies.append(body)
            content = body.get("markdown", {}).get("content")
            if body.get("msgtype") != "markdown" or not isinstance(content, str):
                return _json({"errcode": 40008, "errmsg": "invalid message type"})
            if len(content.encode("utf-8")) > 4096:
                return _json({"errcode": 45002, "errmsg": "content exceed max length"})
            code = self.scripted()
            if code is not None:
                return _json({"errcode": code, "errmsg": "api freq out of limit"})
            return _json({"errcode": 0, "errmsg": "ok"})


class DingTalkBot(_Bot):
    """oapi.dingtalk.com/robot/send with 加签: token, timestamp (ms, within an hour) and sign
    in the query; 20 messages per minute by the request timestamps, else 130101."""

    def __init__(self, token: str = DING_TOKEN, secret: str = DING_SECRET,
                 script: list[int] | None = None) -> None:
        super().__init__(script)
        self.token, self.secret = token, secret
        self.timestamps: list[int] = []

    def __call__(self, request: Request) -> Response:
        with self.lock:
            if request.args.get("access_token") != self.token:
                return _json({"errcode": 300001, "errmsg": "token is not exist"})
            ts = request.args.get("timestamp", "")
            sign = request.args.get("sign", "")  # werkzeug has URL-decoded it
            if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3_600_000:
                return _json({"errcode": 310000, "errmsg": "timestamp is out of range"})
            string_to_sign = f"{ts}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(self.secret.encode(), string_to_sign,
                                                 hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(sign, expected):
                return _json({"errcode": 310000, "errmsg": "sign not match"})
            body = json.loads(request.get_data())
            self.bodies.append(body)
            md = body.get("markdown", {})
            if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
                return _json({"errcode": 40035, "errmsg": "缺少参数 markdown"})
            if len(md["text"].encode("utf-8")) > 20_000:
                return _json({"errcode": 460101, "errmsg": "message too long"})
            now = int(ts)
            if sum(1 for t in self.timestamps if now - t < 60_000) >= 20:
                return _json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times "
                                                          "per minute"})
            self.timestamps.append(now)
            code = self.scripted()
            if code is not None:
                return _json({"errcode": code, "errmsg": "send too fast"})
            return _json({"errcode": 0, "errmsg": "ok"})


class FeishuBot(_Bot):
    """open.feishu.cn/open-apis/bot/v2/hook/TOKEN: timestamp and sign in the body, an
    interactive card, body ≤ 20 KB, 5 requests per second by the body timestamps."""

    def __init__(self, token: str = FEISHU_TOKEN, secret: str | None = FEISHU_SECRET,
                 script: list[int] | None = None) -> None:
        super().__init__(script)
        self.token, self.secret = token, secret
        self.timestamps: list[int] = []

    def __call__(self, request: Request) -> Response:
        with self.lock:
            if request.path.rsplit("/", 1)[-1] != self.token:
                return _json({"code": 19001, "msg": "param invalid: incoming webhook access "
                                                    "token invalid"}, 400)
            raw = request.get_data()
            self.raw_sizes.append(len(raw))
            if len(raw) > 20 * 1024:
                return _json({"code": 9499, "msg": "request body too large"}, 400)
            body = json.loads(raw)
            self.bodies.append(body)
            if self.secret is not None:
                ts = str(body.get("timestamp", ""))
                key = f"{ts}\n{self.secret}".encode()
                expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
                if (not ts.isdigit() or abs(int(ts) - time.time()) > 3600
                        or not hmac.compare_digest(str(body.get("sign", "")), expected)):
                    return _json({"code": 19021, "msg": "sign match fail or timestamp is not "
                                                        "within one hour from current time"})
                second = int(ts)
                if sum(1 for t in self.timestamps if t == second) >= 5:
                    return _json({"code": 11232, "msg": "frequency limited"})
                self.timestamps.append(second)
            card = body.get("card", {})
            elements = card.get("elements", [])
            if (body.get("msg_type") != "interactive" or not elements
                    or elements[0].get("tag") != "markdown"
                    or card.get("header", {}).get("title", {}).get("tag") != "plain_text"):
                return _json({"code": 9499, "msg": "Bad Request"}, 400)
            code = self.scripted()
            if code is not None:
                return _json({"code": code, "msg": "scripted failure"})
            return _json({"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {},
                          "msg": "success"})


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.check_handler_errors()


def base(server: HTTPServer) -> str:
    return server.url_for("").rstrip("/")


Attempt = tuple[str, str, str, int, str, str]


def run(configs: list[tuple[Notification, ChannelConfig]], clock: FakeClock | None = None,
        max_attempts: int = 5) -> tuple[list[DeliveryResult], list[Attempt], FakeClock]:
    """Send each (notification, config) concurrently through one Notifier in virtual time."""
    clock = clock or FakeClock()
    attempts: list[Attempt] = []

    def record(nid: str, receiver: str, channel: str, attempt: int, status: str,
               error: str) -> None:
        attempts.append((nid, receiver, channel, attempt, status, error))

    async def main() -> list[DeliveryResult]:
        async with Notifier(clock=clock, sleep=clock.sleep, wall_clock=clock, trust_env=False,
                            on_attempt=record, max_attempts=max_attempts) as notifier:
            return list(await asyncio.gather(*(notifier.send(n, c) for n, c in configs)))

    return asyncio.run(main()), attempts, clock


# --- WeCom ---------------------------------------------------------------------------------

def wecom(server: HTTPServer, key: str = WECOM_KEY) -> WeComConfig:
    return WeComConfig(key=SecretStr(key), base_url=base(server))


def test_wecom_markdown_payload(server: HTTPServer) -> None:
    bot = WeComBot()
    server.expect_request("/cgi-bin/webhook/send", method="POST").respond_with_handler(bot)
    [result], attempts, _ = run([(make_notification(), wecom(server))])
    assert result.status == "sent" and result.attempts == 1 and result.platform_code == 0
    content = bot.bodies[0]["markdown"]["content"]
    assert bot.bodies[0]["msgtype"] == "markdown"
    assert "【触发·严重】招商银行深圳分行：敏感词命中：保本保息 #1 等 2 条告警" in content
    assert "<@zhangsan>" in content  # the owner is mentioned
    assert f"[打开 Grafana 看板]({BOARD})" in content
    assert "2026-05-01 10:03:04" in content  # 02:03:04 UTC in Beijing time
    assert "深圳分行" in content and "抖音" in content
    assert attempts == [("n-0001", "owner-shenzhen", "wecom", 1, "sent", "")]


def test_wecom_rate_limit_code_is_retried(server: HTTPServer) -> None:
    bot = WeComBot(script=[45009, 45009])
    server.expect_request("/cgi-bin/webhook/send").respond_with_handler(bot)
    [result], attempts, clock = run([(make_notification(), wecom(server))])
    assert result.status == "sent" and result.attempts == 3
    assert [a[4] for a in attempts] == ["failed_retryable", "failed_retryable", "sent"]
    assert "45009" in attempts[0][5]
    assert len(bot.bodies) == 3
    assert all(s >= 10.0 for s in clock.sleeps)  # at least the rate-limit pause between tries


def test_wecom_bad_key_is_permanent_and_not_retried(server: HTTPServer) -> None:
    bot = WeComBot(key="another-key")
    server.expect_request("/cgi-bin/webhook/send").respond_with_handler(bot)
    [result], attempts, clock = run([(make_notification(), wecom(server))])
    assert result.status == "failed_permanent" and result.attempts == 1
    assert result.platform_code == 93000 and "invalid webhook key" in result.error
    assert WECOM_KEY not in result.error
    assert len(attempts) == 1 and clock.sleeps == []


def test_wecom_server_error_retried_until_max_attempts(server: HTTPServer) -> None:
    server.expect_request("/cgi-bin/webhook/send").respond_with_data("bad gateway", status=502)
    [result], attempts, clock = run([(make_notification(), wecom(server))], max_attempts=3)
    assert result.status == "failed_retryable" and result.attempts == 3
    assert result.http_status == 502
    assert len(attempts) == 3 and len(clock.sleeps) == 2
    assert server.get_matching_requests_count(
        server.create_matcher("/cgi-bin/webhook/send")) == 3


def test_wecom_oversize_is_cut_under_4096_bytes(server: HTTPServer) -> None:
    bot = WeComBot()
    server.expect_request("/cgi-bin/webhook/send").respond_with_handler(bot)
    [result], _, _ = run([(make_notification(300), wecom(server))])
    assert result.status == "sent"
    content = bot.bodies[0]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert "内容过长已截断，共 300 条告警" in content
    assert "<@zhangsan>" in content and BOARD in content  # the header survives the cut


# --- DingTalk ------------------------------------------------------------------------------

def dingtalk(server: HTTPServer, secret: str = DING_SECRET, **kw: Any) -> DingTalkConfig:
    return DingTalkConfig(access_token=SecretStr(DING_TOKEN), secret=SecretStr(secret),
                          base_url=base(server), **kw)


def test_dingtalk_signed_markdown_with_at_mobile(server: HTTPServer) -> None:
    bot = DingTalkBot()
    server.expect_request("/robot/send", method="POST").respond_with_handler(bot)
    config = dingtalk(server, at_mobiles=["13900139000"])
    [result], _, _ = run([(make_notification(), config)])
    assert result.status == "sent", result.error  # the bot recomputed and accepted the sign
    body = bot.bodies[0]
    assert body["msgtype"] == "markdown"
    assert body["at"] == {"atMobiles": ["13900139000", "13800138000"], "isAtAll": False}
    text = body["markdown"]["text"]
    assert "@13800138000" in text and "@13900139000" in text  # @mobiles also in the text
    assert body["markdown"]["title"].startswith("【触发·严重】")
    assert "敏感词命中：保本保息 #1" in text and BOARD in text


def test_dingtalk_wrong_secret_is_permanent(server: HTTPServer) -> None:
    bot = DingTalkBot()
    server.expect_request("/robot/send").respond_with_handler(bot)
    [result], attempts, _ = run([(make_notification(), dingtalk(server, secret="SECwrong"))])
    assert result.status == "failed_permanent" and result.platform_code == 310000
    assert len(attempts) == 1 and bot.bodies == []
    assert "SECwrong" not in result.error and DING_TOKEN not in result.error


def test_dingtalk_too_fast_code_is_retried(server: HTTPServer) -> None:
    bot = DingTalkBot(script=[130101])
    server.expect_request("/robot/send").respond_with_handler(bot)
    [result], attempts, clock = run([(make_notification(), dingtalk(server))])
    assert result.status == "sent" and result.attempts == 2
    assert attempts[0][4] == "failed_retryable" and "130101" in attempts[0][5]
    assert clock.sleeps and clock.sleeps[-1] >= 30.0


def test_dingtalk_limiter_keeps_under_20_per_minute(server: HTTPServer) -> None:
    """25 notifications at once: the limiter spaces them so the robot never says too fast."""
    bot = DingTalkBot()
    server.expect_request("/robot/send").respond_with_handler(bot)
    config = dingtalk(server)
    items = [(make_notification(nid=f"n-{i}"), config) for i in range(25)]
    results, attempts, clock = run(items)  # type: ignore[arg-type]
    assert all(r.status == "sent" and r.attempts == 1 for r in results)
    assert all(a[4] == "sent" for a in attempts)  # not one 130101
    stamps = sorted(bot.timestamps)  # the signed timestamps: when each send was granted
    assert len(stamps) == 25
    assert all(stamps[i + 18] - stamps[i] >= 60_000 for i in range(len(stamps) - 18))
    assert stamps[-1] - stamps[0] >= 60_000  # it really waited (in virtual time)
    assert clock.sleeps and max(clock.sleeps) <= 60.0


def test_dingtalk_oversize_is_cut(server: HTTPServer) -> None:
    bot = DingTalkBot()
    server.expect_request("/robot/send").respond_with_handler(bot)
    [result], _, _ = run([(make_notification(300), dingtalk(server))])
    assert result.status == "sent"
    text = bot.bodies[0]["markdown"]["text"]
    assert len(text.encode("utf-8")) <= 18_000
    assert "内容过长已截断，共 300 条告警" in text and "@13800138000" in text


# --- Feishu --------------------------------------------------------------------------------

HOOK = re.compile(r"^/open-apis/bot/v2/hook/[^/]+$")


def feishu(server: HTTPServer, secret: str | None = FEISHU_SECRET) -> FeishuConfig:
    return FeishuConfig(hook_token=SecretStr(FEISHU_TOKEN),
                        secret=SecretStr(secret) if secret is not None else None,
                        base_url=base(server))


def test_feishu_signed_interactive_card(server: HTTPServer) -> None:
    bot = FeishuBot()
    server.expect_request(HOOK, method="POST").respond_with_handler(bot)
    [result], _, _ = run([(make_notification(), feishu(server))])
    assert result.status == "sent", result.error  # the bot recomputed and accepted the sign
    body = bot.bodies[0]
    assert body["msg_type"] == "interactive" and body["timestamp"].isdigit()
    header = body["card"]["header"]
    assert header["template"] == "red"
    assert header["title"]["content"].startswith("【触发·严重】招商银行深圳分行")
    md = body["card"]["elements"][0]["content"]
    assert "敏感词命中：保本保息 #1" in md and f"[查看详情]({BOARD})" in md
    assert body["card"]["elements"][1]["actions"][0]["url"] == BOARD


def test_feishu_without_signing(server: HTTPServer) -> None:
    bot = FeishuBot(secret=None)
    server.expect_request(HOOK).respond_with_handler(bot)
    [result], _, _ = run([(make_notification(status="resolved"), feishu(server, secret=None))])
    assert result.status == "sent"
    body = bot.bodies[0]
    assert "sign" not in body and "timestamp" not in body
    assert body["card"]["header"]["template"] == "green"
    assert "已恢复" in body["card"]["header"]["title"]["content"]


@pytest.mark.parametrize("code", [19021, 19024])
def test_feishu_permanent_codes_not_retried(server: HTTPServer, code: int) -> None:
    bot = FeishuBot(script=[code])
    server.expect_request(HOOK).respond_with_handler(bot)
    [result], attempts, _ = run([(make_notification(), feishu(server))])
    assert result.status == "failed_permanent" and result.platform_code == code
    assert len(attempts) == 1 and len(bot.bodies) == 1


def test_feishu_wrong_secret_is_sign_match_fail(server: HTTPServer) -> None:
    bot = FeishuBot()
    server.expect_request(HOOK).respond_with_handler(bot)
    [result], _, _ = run([(make_notification(), feishu(server, secret="not-the-secret"))])
    assert result.status == "failed_permanent" and result.platform_code == 19021
    assert "not-the-secret" not in result.error


def test_feishu_frequency_limited_is_retried(server: HTTPServer) -> None:
    bot = FeishuBot(script=[11232, 11232])
    server.expect_request(HOOK).respond_with_handler(bot)
    [result], attempts, _ = run([(make_notification(), feishu(server))])
    assert result.status == "sent" and result.attempts == 3
    assert [a[4] for a in attempts] == ["failed_retryable", "failed_retryable", "sent"]


def test_feishu_limiter_keeps_under_5_per_second(server: HTTPServer) -> None:
    bot = FeishuBot()
    server.expect_request(HOOK).respond_with_handler(bot)
    clock = FakeClock(start=float(int(time.time())))  # on a second boundary
    config = feishu(server)
    results, _, _ = run(
        [(make_notification(nid=f"n-{i}"), config) for i in range(10)], clock)
    assert all(r.status == "sent" and r.attempts == 1 for r in results)
    per_second: dict[int, int] = {}
    for t in bot.timestamps:
        per_second[t] = per_second.get(t, 0) + 1
    assert max(per_second.values()) <= 4 and len(per_second) == 3  # 4 + 4 + 2


def test_feishu_oversize_body_is_cut_under_20kb(server: HTTPServer) -> None:
    bot = FeishuBot()
    server.expect_request(HOOK).respond_with_handler(bot)
    [result], _, _ = run([(make_notification(300), feishu(server))])
    assert result.status == "sent", result.error
    assert bot.raw_sizes[0] <= 19_000
    md = bot.bodies[0]["card"]["elements"][0]["content"]
    assert "内容过长已截断，共 300 条告警" in md


# --- transport -----------------------------------------------------------------------------

def test_network_error_is_retryable_and_secret_free() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = WeComConfig(key=SecretStr(WECOM_KEY), base_url=f"http://127.0.0.1:{port}")
    [result], attempts, _ = run([(make_notification(), config)], max_attempts=2)
    assert result.status == "failed_retryable" and result.attempts == 2
    assert "network error" in result.error
    assert all(WECOM_KEY not in a[5] for a in attempts)
