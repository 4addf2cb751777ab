"""Every board, and where its generated JSON lives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboards import competitors, health, overview, pipeline, risk
from dashboards.board import to_json

JSON_DIR = Path(__file__).resolve().parent / "json"
BOARDS: list[Callable[[], dict[str, Any]]] = [risk.build, health.build, overview.build,
                                              pipeline.build, competitors.build]


def render(data: dict[str, Any]) -> str:
    """The committed text of a board."""
    return to_json(data)
