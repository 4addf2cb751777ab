"""E-mail over SMTP: a Chinese subject, a plain-text and an HTML part, STARTTLS by policy.

``starttls="auto"`` upgrades when the server offers STARTTLS, ``"required"`` fails (permanently)
when it does not, ``"off"`` never upgrades. Credentials are never sent over a connection that
is not encrypted: with a password and no TLS the delivery fails permanently instead. The
server certificate is verified (``ca_file`` for an internal CA). Recipients are the configured
addresses plus, with ``to_owner``, the account owner's e-mail. smtplib is blocking, so a
delivery runs in a worker thread with the configured timeout on every socket operation.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid

from pipeline.notify.config import EmailConfig
from pipeline.notify.render import build_view, render_html, render_subject, render_text
from pipeline.notify.result import DeliveryResult, describe_exception, scrub, secret_values
from schemas.alerts import Notification

CHANNEL = "email"
BODY_LIMIT_BYTES = 1_000_000  # per part; a mail server's limit is usually 10 MB or more


class _PolicyError(Exception):
    """A configured rule forbids this delivery (permanent)."""


def recipients(notification: Notification, config: EmailConfig) -> list[str]:
    """The configured addresses, then the owner's (when asked for), without duplicates."""
    wanted = list(config.to)
    if config.to_owner and notification.owner and notification.owner.email:
        wanted.append(notification.owner.email)
    out: list[str] = []
    for addr in (a.strip() for a in wanted):
        if "@" in addr and addr.lower() not in (o.lower() for o in out):
            out.append(addr)
    return out


def build_message(notification: Notification, config: EmailConfig,
                  to: list[str]) -> EmailMessage:
    """The MIME message: text part and HTML alternative, UTF-8."""
    view = build_view(notification)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = render_subject(view)
    msg["From"] = config.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="matrixguard.local")
    msg["X-MatrixGuard-Notification-Id"] = notification.notification_id
    msg.set_content(render_text(view, BODY_LIMIT_BYTES), charset="utf-8")
    msg.add_alternative(render_html(view, BODY_LIMIT_BYTES), subtype="html", charset="utf-8")
    return msg


def _tls_context(config: EmailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)


def _deliver(msg: EmailMessage, config: EmailConfig, to: list[str]) -> dict[str, tuple[int, bytes]]:
    """Blocking SMTP conversation; returns the refused recipients (some accepted)."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s,
                      local_hostname=socket.gethostname() or "localhost") as smtp:
        smtp.ehlo()
        encrypted = False
        if config.starttls != "off" and smtp.has_extn("starttls"):
            smtp.starttls(context=_tls_context(config))
            smtp.ehlo()
            encrypted = True
        elif config.starttls == "required":
            raise _PolicyError("the SMTP server does not offer STARTTLS (starttls=required)")
        if config.password is not None:
            if not encrypted:
                raise _PolicyError("refusing to send SMTP credentials without TLS")
            smtp.login(config.username, config.password.get_secret_value())
        return smtp.send_message(msg, from_addr=config.sender, to_addrs=to)


def _classify(exc: BaseException, secrets: list[str]) -> DeliveryResult:
    text = describe_exception(exc, secrets)
    if isinstance(exc, _PolicyError | smtplib.SMTPAuthenticationError
                  | smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError):
        return DeliveryResult(channel=CHANNEL, status="failed_permanent",
                              error=f"{CHANNEL}: {text}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryResult(
            channel=CHANNEL, status="failed_permanent" if permanent else "failed_retryable",
            error=scrub(f"{CHANNEL}: all recipients refused: "
                        + ", ".join(f"{a} ({c})" for a, (c, _) in exc.recipients.items()),
                        secrets)[:500])
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
        return DeliveryResult(
            channel=CHANNEL, status="failed_permanent" if permanent else "failed_retryable",
            error=f"{CHANNEL}: SMTP {exc.smtp_code}: {text}", platform_code=exc.smtp_code)
    # Disconnects, timeouts, refused connections, TLS handshake failures: try again later.
    return DeliveryResult(channel=CHANNEL, status="failed_retryable",
                          error=f"{CHANNEL}: network error: {text}")


async def send(notification: Notification, config: EmailConfig) -> DeliveryResult:
    """One attempt to mail ``notification``."""
    secrets = secret_values(config.password)
    to = recipients(notification, config)
    if not to:
        return DeliveryResult(channel=CHANNEL, status="failed_permanent",
                              error=f"{CHANNEL}: no recipients (no address configured and no "
                                    "owner e-mail)")
    try:
        msg = build_message(notification, config, to)
        refused = await asyncio.to_thread(_deliver, msg, config, to)
    except (smtplib.SMTPException, OSError, _PolicyError) as exc:
        return _classify(exc, secrets)
    error = ""
    if refused:
        error = f"{CHANNEL}: some recipients refused: " + ", ".join(
            f"{a} ({c})" for a, (c, _) in refused.items())
    return DeliveryResult(channel=CHANNEL, status="sent", error=scrub(error, secrets)[:500])
