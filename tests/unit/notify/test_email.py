"""E-mail through a real local SMTP server (aiosmtpd), in plain text and with STARTTLS."""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from pipeline.notify import EmailConfig, Notifier
from pipeline.notify.result import DeliveryResult
from schemas.alerts import Notification
from tests.unit.notify import BOARD, OWNER, FakeClock, make_notification

PASSWORD = "smtp-pa55-7c1e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    """aiosmtpd handler: keeps every accepted message."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def message(self, i: int = 0) -> EmailMessage:
        content = self.envelopes[i].original_content or b""
        msg = email.message_from_bytes(content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        return msg


def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"alerts"
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_ctx,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    controller.start()
    try:
        yield inbox, port, ca_file
    finally:
        controller.stop()


def send(notification: Notification, config: EmailConfig,
         max_attempts: int = 2) -> DeliveryResult:
    clock = FakeClock()

    async def main() -> DeliveryResult:
        async with Notifier(clock=clock, sleep=clock.sleep, max_attempts=max_attempts,
                            trust_env=False) as notifier:
            return await notifier.send(notification, config)

    return asyncio.run(main())


def test_plain_smtp_delivers_chinese_mail(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    config = EmailConfig(host="127.0.0.1", port=port, starttls="off",
                         sender="matrixguard@bank.test", to=["risk@bank.test"])
    result = send(make_notification(2), config)
    assert result.status == "sent", result.error
    env = inbox.envelopes[0]
    assert env.mail_from == "matrixguard@bank.test"
    assert env.rcpt_tos == ["risk@bank.test", OWNER.email]
    msg = inbox.message()
    assert msg["Subject"] == (
        "[MatrixGuard][触发][严重] 招商银行深圳分行 · 敏感词命中：保本保息 #1 等 2 条告警")
    assert msg["X-MatrixGuard-Notification-Id"] == "n-0001"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    text_body, html_body = text.get_content(), html.get_content()
    assert "敏感词命中：保本保息 #1" in text_body and "2026-05-01 10:03:04" in text_body
    assert f"看板：{BOARD}" in text_body
    assert "负责人：张三" in text_body
    href = BOARD.replace("&", "&amp;")  # autoescaped, as HTML requires
    assert f'<a href="{href}">打开 Grafana 看板</a>' in html_body
    assert "敏感词命中：保本保息 #2" in html_body


def test_html_part_escapes_crawled_text(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    n = make_notification(1)
    evil = n.alerts[0].model_copy(update={"annotations": {
        **n.alerts[0].annotations, "title": "<script>alert(1)</script>"}})
    n = n.model_copy(update={"alerts": [evil]})
    config = EmailConfig(host="127.0.0.1", port=port, starttls="auto",
                         sender="matrixguard@bank.test", to_owner=True)
    assert send(n, config).status == "sent"
    html = inbox.message().get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content() and "&lt;script&gt;" in html.get_content()
    assert inbox.tls == [False]  # auto: this server offers no STARTTLS


def test_starttls_required_with_login(tls_server: tuple[Inbox, int, Path]) -> None:
    inbox, port, ca_file = tls_server
    config = EmailConfig(host="127.0.0.1", port=port, starttls="required", ca_file=ca_file,
                         username="alerts", password=SecretStr(PASSWORD),
                         sender="matrixguard@bank.test", to=["risk@bank.test"], to_owner=False)
    result = send(make_notification(), config)
    assert result.status == "sent", result.error
    assert inbox.tls == [True]
    assert inbox.envelopes[0].rcpt_tos == ["risk@bank.test"]


def test_wrong_password_is_permanent_and_secret_free(
        tls_server: tuple[Inbox, int, Path]) -> None:
    inbox, port, ca_file = tls_server
    config = EmailConfig(host="127.0.0.1", port=port, ca_file=ca_file, username="alerts",
                         password=SecretStr("wrong-pa55-Z9"), sender="matrixguard@bank.test")
    result = send(make_notification(), config)
    assert result.status == "failed_permanent" and result.attempts == 1
    assert "535" in result.error and "wrong-pa55-Z9" not in result.error
    assert inbox.envelopes == []


def test_untrusted_certificate_is_permanent(tls_server: tuple[Inbox, int, Path]) -> None:
    _, port, _ = tls_server  # no ca_file: the test CA is not trusted
    config = EmailConfig(host="127.0.0.1", port=port, starttls="required",
                         sender="matrixguard@bank.test")
    result = send(make_notification(), config)
    assert result.status == "failed_permanent" and "certificate" in result.error.lower()


def test_required_starttls_fails_cleanly_without_it(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    config = EmailConfig(host="127.0.0.1", port=port, starttls="required",
                         sender="matrixguard@bank.test")
    result = send(make_notification(), config)
    assert result.status == "failed_permanent" and result.attempts == 1
    assert "STARTTLS" in result.error and inbox.envelopes == []


def test_credentials_never_sent_in_clear(plain_server: tuple[Inbox, int]) -> None:
    inbox, port = plain_server
    config = EmailConfig(host="127.0.0.1", port=port, starttls="auto", username="alerts",
                         password=SecretStr(PASSWORD), sender="matrixguard@bank.test")
    result = send(make_notification(), config)
    assert result.status == "failed_permanent" and "without TLS" in result.error
    assert PASSWORD not in result.error and inbox.envelopes == []


def test_no_recipient_is_permanent() -> None:
    config = EmailConfig(host="127.0.0.1", port=1, sender="matrixguard@bank.test")
    result = send(make_notification(owner=None), config)
    assert result.status == "failed_permanent" and "no recipients" in result.error


def test_unreachable_server_is_retryable() -> None:
    config = EmailConfig(host="127.0.0.1", port=free_port(), sender="matrixguard@bank.test",
                         timeout_s=2.0)
    result = send(make_notification(), config, max_attempts=2)
    assert result.status == "failed_retryable" and result.attempts == 2
