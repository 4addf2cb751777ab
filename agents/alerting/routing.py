"""The routing tree: which receivers get an alert, grouped how, and how often.

As in Alertmanager: the root route matches everything; an alert walks down depth-first, the
first child whose matchers match takes it (and its children are tried in turn), unless that
child says ``continue: true``, in which case the siblings after it are tried as well. A route
that no child takes delivers to its own receiver. Children inherit ``group_by`` and the three
timers from their parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.alerting.matchers import Matcher, all_match, parse_matcher

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float) -> float:
    """``30s``, ``5m``, ``4h``, ``1d`` (or a number of seconds) → seconds."""
    if isinstance(text, int | float):
        return float(text)
    found = _DURATION.match(text.strip())
    if not found:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 4h)")
    return float(found.group(1)) * _UNIT_S[found.group(2)]


class Route(BaseModel):
    """One node of the routing tree (``None`` = inherit from the parent)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    receiver: str | None = None
    matchers: list[Matcher] = Field(default_factory=list)
    group_by: list[str] | None = None
    group_wait: float | None = None
    group_interval: float | None = None
    repeat_interval: float | None = None
    continue_: bool = Field(False, alias="continue")
    routes: list[Route] = Field(default_factory=list)

    @field_validator("matchers", mode="before")
    @classmethod
    def _parse_matchers(cls, value: object) -> object:
        if isinstance(value, list):
            return [parse_matcher(v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("group_wait", "group_interval", "repeat_interval", mode="before")
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str | int | float) else value


@dataclass(frozen=True)
class Delivery:
    """Where one alert goes: a receiver, with the grouping and timers in force there."""

    receiver: str
    group_by: tuple[str, ...]
    group_wait: float
    group_interval: float
    repeat_interval: float
    path: tuple[int, ...]  # which route (indices from the root), for test-route output


# Alertmanager's defaults
ROOT_DEFAULTS = Delivery(receiver="", group_by=("alertname",), group_wait=30.0,
                         group_interval=300.0, repeat_interval=4 * 3600.0, path=())


def _resolved(route: Route, parent: Delivery) -> Delivery:
    return Delivery(
        receiver=route.receiver or parent.receiver,
        group_by=tuple(route.group_by) if route.group_by is not None else parent.group_by,
        group_wait=route.group_wait if route.group_wait is not None else parent.group_wait,
        group_interval=(route.group_interval if route.group_interval is not None
                        else parent.group_interval),
        repeat_interval=(route.repeat_interval if route.repeat_interval is not None
                         else parent.repeat_interval),
        path=parent.path)


def route_alert(root: Route, labels: dict[str, str]) -> list[Delivery]:
    """Every delivery of an alert with ``labels`` (at least one: the root's)."""
    top = _resolved(root, ROOT_DEFAULTS)
    return _walk(root, top, labels)


def _walk(route: Route, here: Delivery, labels: dict[str, str]) -> list[Delivery]:
    out: list[Delivery] = []
    for index, child in enumerate(route.routes):
        if not all_match(child.matchers, labels):
            continue
        step = _resolved(child, here)
        out.extend(_walk(child, Delivery(step.receiver, step.group_by, step.group_wait,
                                         step.group_interval, step.repeat_interval,
                                         (*here.path, index)), labels))
        if not child.continue_:
            break
    return out or [here]


def group_key(delivery: Delivery, labels: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The group an alert joins at a delivery: its ``group_by`` labels (``...`` = all)."""
    if "..." in delivery.group_by:
        chosen = dict(sorted(labels.items()))
    else:
        chosen = {name: labels.get(name, "") for name in delivery.group_by}
    body = ",".join(f"{k}={v}" for k, v in chosen.items())
    return f"{delivery.receiver}/{'.'.join(map(str, delivery.path))}:{{{body}}}", chosen
