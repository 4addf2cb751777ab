"""``matrixguard doctor``: check what the chosen mode needs, one line per check."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.settings import Settings


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str


def _check(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except Exception as exc:
        return Check(name, False, " ".join(str(exc).split())[:300] or type(exc).__name__)


def _python() -> str:
    return sys.version.split()[0]


def _hyperscan() -> str:
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=["保本".encode()], flags=[hyperscan.HS_FLAG_UTF8])
    hits: list[int] = []

    def on_match(pattern_id: int, start: int, end: int, flags: int, context: object) -> None:
        hits.append(pattern_id)

    db.scan("稳健保本".encode(), match_event_handler=on_match)
    if not hits:
        raise RuntimeError("compiled pattern did not match")
    return "compiled and matched a UTF-8 pattern"


def _data_dir(settings: Settings) -> Callable[[], str]:
    def check() -> str:
        path = settings.data_dir.resolve()
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise RuntimeError(f"{path} is not writable")
        return str(path)
    return check


def _tansu() -> str:
    from pipeline.broker import tansu_binary

    path = tansu_binary()
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} is not executable")
    return path


def _broker(settings: Settings) -> Callable[[], str]:
    def check() -> str:
        from pipeline.broker import bootstrap_servers, wait_until_ready

        bootstrap = bootstrap_servers(settings.broker_url)
        wait_until_ready(bootstrap, timeout_s=5)
        return f"{bootstrap} answers"
    return check


def _warehouse(settings: Settings) -> Callable[[], str]:
    def check() -> str:
        from pipeline.warehouse.client import chdb_path
        from pipeline.warehouse.migrations import applied, discover
        from pipeline.warehouse.store import Warehouse
        from pipeline.worker import read_lock

        url = settings.resolved_warehouse_url()
        lock = read_lock(url)
        if lock:
            return f"owned by the running worker (pid {lock['pid']}, port {lock['port']})"
        path = chdb_path(url)
        if path is not None and not path.exists():
            return f"{path} will be created on first run"
        warehouse = Warehouse(url)
        try:
            version = warehouse.client.server_version
            done = applied(warehouse.client)
        finally:
            warehouse.close()
        pending = [m for m in discover() if m.version not in done]
        return f"ClickHouse {version}, {len(done)} migration(s) applied, {len(pending)} pending"
    return check


def _roster(settings: Settings) -> Callable[[], str]:
    def check() -> str:
        from pipeline.registry.roster import read_roster

        return f"{settings.roster}: {len(read_roster(settings.roster))} accounts"
    return check


def run_checks(settings: Settings) -> list[Check]:
    """Every check for the configured mode (embedded when no broker URL is set)."""
    checks = [
        _check("python", _python),
        _check("hyperscan", _hyperscan),
        _check("data dir", _data_dir(settings)),
        _check("warehouse", _warehouse(settings)),
    ]
    if settings.broker_url:
        checks.append(_check("broker", _broker(settings)))
    else:
        checks.append(_check("embedded broker (tansu)", _tansu))
        checks.append(_check("roster", _roster(settings)))
    return checks
