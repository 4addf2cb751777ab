"""Channel configurations of a receiver: where and how one notification is delivered.

Every credential is a ``SecretStr``: pydantic renders it as ``'**********'`` in ``repr``, ``str``
and ``model_dump``; channels read it with ``get_secret_value()`` only to build the request and
scrub it from every error text (``pipeline.notify.result.scrub``). ``base_url`` exists for
tests and for an egress proxy; production leaves the platform's default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Channel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        default="", description="optional label of this channel in results and logs")


class WeComConfig(_Channel):
    """WeCom (企业微信) group robot: ``POST {base_url}/cgi-bin/webhook/send?key=KEY``."""

    type: Literal["wecom"] = "wecom"
    key: SecretStr = Field(description="the robot's webhook key (the UUID after key=)")
    mention_owner: bool = Field(
        default=True, description="append <@userid> of the account owner's WeCom id, when known")
    base_url: str = "https://qyapi.weixin.qq.com"


class DingTalkConfig(_Channel):
    """DingTalk (钉钉) custom robot with 加签: ``POST {base_url}/robot/send?access_token=…``."""

    type: Literal["dingtalk"] = "dingtalk"
    access_token: SecretStr
    secret: SecretStr = Field(description="the SEC… signing secret of the robot's 加签 setting")
    at_owner_mobile: bool = Field(
        default=True, description="@ the account owner's mobile, when known")
    at_mobiles: list[str] = Field(default_factory=list, description="mobiles always @-ed")
    base_url: str = "https://oapi.dingtalk.com"


class FeishuConfig(_Channel):
    """Feishu / Lark (飞书) custom bot: ``POST {base_url}/open-apis/bot/v2/hook/TOKEN``.

    Lark (international) is the same API at ``https://open.larksuite.com``.
    """

    type: Literal["feishu"] = "feishu"
    hook_token: SecretStr = Field(description="the id after /bot/v2/hook/")
    secret: SecretStr | None = Field(
        default=None, description="signing secret (签名校验), if enabled")
    base_url: str = "https://open.feishu.cn"


class WebhookConfig(_Channel):
    """Generic webhook: Alertmanager's webhook JSON (version 4), HMAC-signed when a secret is set.

    Headers: ``X-MatrixGuard-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`` and
    ``X-MatrixGuard-Timestamp: <unix seconds>``.
    """

    type: Literal["webhook"] = "webhook"
    url: str
    secret: SecretStr | None = None
    external_url: str = Field(
        default="", description="externalURL of the payload (the Grafana/UI base)")
    max_alerts: int = Field(
        default=0, ge=0, description="cap on alerts[] (0 = all); the rest counted in "
                                     "truncatedAlerts, as Alertmanager does")


class EmailConfig(_Channel):
    """E-mail over SMTP (submission port, STARTTLS)."""

    type: Literal["email"] = "email"
    host: str
    port: int = 587
    username: str = ""
    password: SecretStr | None = None
    starttls: Literal["auto", "required", "off"] = Field(
        default="auto", description="auto: upgrade when the server offers STARTTLS; required: "
                                    "fail without it; off: never (credentials are then refused)")
    ca_file: Path | None = Field(
        default=None, description="CA bundle to verify the server (internal CA)")
    sender: str
    to: list[str] = Field(default_factory=list)
    to_owner: bool = Field(default=True, description="also send to the account owner's e-mail")
    timeout_s: float = 10.0


class ConsoleConfig(_Channel):
    """Plain text on stdout: the embedded default."""

    type: Literal["console"] = "console"


class FileConfig(_Channel):
    """Append each notification to a file: plain text blocks, or one JSON object a line."""

    type: Literal["file"] = "file"
    path: Path
    format: Literal["text", "jsonl"] = "text"


ChannelConfig = Annotated[
    WeComConfig | DingTalkConfig | FeishuConfig | WebhookConfig | EmailConfig | ConsoleConfig
    | FileConfig,
    Field(discriminator="type"),
]
ChannelType = Literal["wecom", "dingtalk", "feishu", "webhook", "email", "console", "file"]


class ReceiverConfig(BaseModel):
    """A named receiver (Alertmanager's ``receivers[]``): every channel gets each notification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    channels: list[ChannelConfig] = Field(default_factory=list)
