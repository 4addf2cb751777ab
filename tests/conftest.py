"""Shared fixtures: real parts only (a Tansu broker per test, chDB in a temp dir)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import logs
from pipeline.broker import EmbeddedBroker
from pipeline.registry.roster import read_roster
from schemas.events import RegisteredAccount

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "roster.csv"

logs.configure("console", "WARNING")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A fresh Tansu broker (memory storage) with the registry's topics."""
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as b:
        yield b


@pytest.fixture(scope="session")
def roster() -> list[RegisteredAccount]:
    """The shipped example roster."""
    return read_roster(ROSTER)
