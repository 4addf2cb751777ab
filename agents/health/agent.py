"""Thin Faust module of ``health``: the scheduled health check and the worker's ``/health-check/``.

Every ``settings.health_interval_s`` the leader worker checks every own account and writes a
'scheduled' run; ``matrixguard health check`` asks ``/health-check/`` for a 'cli' run while a
worker owns the embedded chDB directory (chDB allows one process per data directory). The
check runs in a thread (``asyncio.to_thread``) through the worker's one :class:`Warehouse`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import orjson
from faust.web import Request, Response, View

from agents.health.warehouse import check
from pipeline.logs import get_logger
from pipeline.settings import Settings
from pipeline.warehouse.client import WarehouseError
from pipeline.warehouse.store import Warehouse
from schemas.events import AccountKind

log = get_logger(__name__)


def parse_request(body: Any) -> tuple[str | None, str | None]:
    """``{"org": PREFIX, "kind": official|employee}`` → (org, kind); ValueError if malformed."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    org, kind = body.get("org") or None, body.get("kind") or None
    if org is not None and not isinstance(org, str):
        raise ValueError("org must be a string")
    if kind is not None and kind not in (AccountKind.official.value, AccountKind.employee.value):
        raise ValueError("kind is official|employee")
    return org, kind


def register(app: faust.App, warehouse: Warehouse, settings: Settings) -> None:
    """Attach the scheduled health check and the ``/health-check/`` view to ``app``."""

    timer = app.timer(interval=settings.health_interval_s, on_leader=True)

    @timer  # type: ignore[untyped-decorator]
    async def scheduled_health_check() -> None:
        try:
            await asyncio.to_thread(check, warehouse, settings, "scheduled")
        except Exception as exc:  # the next run tries again; the worker goes on
            log.error("health check failed", error=" ".join(str(exc).split())[:500])

    @app.page("/health-check/")
    class HealthCheckView(View):
        """A 'cli' run for ``matrixguard health check`` while this worker owns the warehouse."""

        async def post(self, request: Request) -> Response:
            try:
                org, kind = parse_request(orjson.loads(await request.read()))
            except (orjson.JSONDecodeError, ValueError) as exc:
                return self.json({"error": str(exc)}, status=400)
            try:
                run = await asyncio.to_thread(check, warehouse, settings, "cli",
                                              org=org, kind=kind)
            except Exception as exc:  # one line back to the CLI, the worker goes on
                log.error("health check failed", error=" ".join(str(exc).split())[:500])
                message = str(exc) if isinstance(exc, WarehouseError) else (
                    f"health check failed in the worker: {type(exc).__name__}: {exc}")
                return self.json({"error": " ".join(message.split())[:600]}, status=500)
            return self.bytes(run.model_dump_json().encode(), content_type="application/json")
