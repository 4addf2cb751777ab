"""The alerting configuration file (Alertmanager's shape): route tree, receivers, inhibit rules.

Secrets never sit in the file: a value written ``${NAME}`` is taken from the settings
(``MATRIXGUARD_NOTIFY_SECRETS='{"NAME": "…"}'``). A receiver with ``owner: true`` is the
account's owner from the registry: its channels get the owner's contact (mobile to @, e-mail)
with every notification, so no per-person configuration is needed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents.alerting.inhibition import InhibitRule
from agents.alerting.routing import Route
from pipeline.notify import ChannelConfig, FileConfig

DEFAULT_CONFIG = Path(__file__).resolve().parent / "config" / "alertmanager.yaml"
_SECRET = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")


class ConfigError(ValueError):
    """The alerting configuration is not usable (one line, no secret in it)."""


class Receiver(BaseModel):
    """A named receiver and its channels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    owner: bool = False
    channels: list[ChannelConfig] = Field(default_factory=list)


class AlertingConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: Route
    receivers: list[Receiver]
    inhibit_rules: list[InhibitRule] = Field(default_factory=list)
    board_url: str = Field("", description="Grafana base URL for links in notifications")

    @model_validator(mode="after")
    def _receivers_exist(self) -> AlertingConfig:
        names = {r.name for r in self.receivers}
        missing = sorted(_route_receivers(self.route) - names)
        if missing:
            raise ValueError(f"routes name unknown receivers: {', '.join(missing)}")
        if not self.route.receiver:
            raise ValueError("the root route needs a receiver")
        return self

    def receiver(self, name: str) -> Receiver:
        """The receiver called ``name``."""
        return next(r for r in self.receivers if r.name == name)


def _route_receivers(route: Route) -> set[str]:
    found = {route.receiver} if route.receiver else set()
    for child in route.routes:
        found |= _route_receivers(child)
    return found


def _fill_secrets(value: Any, secrets: dict[str, str], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill_secrets(v, secrets, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_secrets(v, secrets, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        found = _SECRET.match(value)
        if found:
            if found.group(1) not in secrets:
                raise ConfigError(f"{where}: secret {found.group(1)!r} is not in "
                                  "MATRIXGUARD_NOTIFY_SECRETS")
            return secrets[found.group(1)]
    return value


def load_config(path: Path = DEFAULT_CONFIG, secrets: dict[str, str] | None = None,
                data_dir: Path | None = None) -> AlertingConfig:
    """Read, fill secrets into and validate an alerting configuration file. Relative paths of
    file channels are taken from ``data_dir``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}".splitlines()[0]) from None
    try:
        cfg = AlertingConfig.model_validate(_fill_secrets(raw, secrets or {}, "config"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    if data_dir is None:
        return cfg
    receivers = [r.model_copy(update={"channels": [
        c.model_copy(update={"path": data_dir / c.path})
        if isinstance(c, FileConfig) and not c.path.is_absolute() else c
        for c in r.channels]}) for r in cfg.receivers]
    return cfg.model_copy(update={"receivers": receivers})
