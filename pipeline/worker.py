"""Run the Faust worker in this process: migrations, the app, a lock on an embedded warehouse.

chDB allows one process per data directory, so the worker that opens one writes
``<dir>/.matrixguard-worker.json`` (pid + local HTTP port): ``matrixguard sql`` then asks that
worker instead of opening the directory itself.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import faust
import orjson
from mode.utils.futures import maybe_cancel

from pipeline.app import Pipeline, create_app
from pipeline.broker import free_port
from pipeline.logs import get_logger
from pipeline.settings import Settings
from pipeline.warehouse.client import chdb_path
from pipeline.warehouse.migrations import migrate
from pipeline.warehouse.store import Warehouse

log = get_logger(__name__)

LOCK_NAME = ".matrixguard-worker.json"
Hook = Callable[[Pipeline], Awaitable[None]]


class WorkerBusyError(RuntimeError):
    """Another live worker owns the embedded warehouse."""


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(warehouse_url: str) -> dict[str, int] | None:
    """The live worker's lock for an embedded warehouse (None if none, stale, or server URL)."""
    path = chdb_path(warehouse_url)
    if path is None or not (path / LOCK_NAME).is_file():
        return None
    try:
        data = orjson.loads((path / LOCK_NAME).read_bytes())
        pid, port = int(data["pid"]), int(data["port"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
    return {"pid": pid, "port": port} if pid_alive(pid) and pid != os.getpid() else None


class WarehouseLock:
    """Claim an embedded warehouse for this process (a no-op for server URLs)."""

    def __init__(self, warehouse_url: str, port: int) -> None:
        self.url = warehouse_url
        self.port = port
        dir_ = chdb_path(warehouse_url)
        self.path = dir_ / LOCK_NAME if dir_ else None

    def __enter__(self) -> WarehouseLock:
        if self.path is None:
            return self
        other = read_lock(self.url)
        if other:
            raise WorkerBusyError(
                f"another worker (pid {other['pid']}) owns {self.path.parent}; stop it first"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps({"pid": os.getpid(), "port": self.port,
                                      "started": time.time()}))
        tmp.replace(self.path)
        return self

    def __exit__(self, *_: object) -> None:
        if self.path is not None and self.path.is_file():
            try:
                if orjson.loads(self.path.read_bytes()).get("pid") == os.getpid():
                    self.path.unlink()
            except (OSError, orjson.JSONDecodeError):
                pass


class _Worker(faust.Worker):
    """Faust's worker with a stop watchdog.

    A graceful stop that hangs (a stream stuck mid-shutdown) would keep the process alive for
    ever; after ``stop_timeout_s`` the process exits hard instead. That loses nothing: offsets
    are committed only after rows are in the warehouse, so the next start re-reads the rest.
    """

    stop_timeout_s: float = 30.0
    _stop_task: asyncio.Future[None] | None = None

    async def stop(self) -> None:
        timer = threading.Timer(self.stop_timeout_s, _hard_exit, args=(self.stop_timeout_s,))
        timer.daemon = True
        timer.start()
        await super().stop()

    def request_stop(self) -> None:
        """Stop gracefully (flush, commit, exit), as SIGTERM would; callable from a task."""
        self._stop_task = asyncio.ensure_future(self._stop_requested(), loop=self.loop)

    async def _stop_requested(self) -> None:
        await self.stop()
        maybe_cancel(self._starting_fut)


def _hard_exit(timeout_s: float) -> None:
    log.error("worker did not stop in time; exiting hard (uncommitted events are re-read on "
              "the next start)", timeout_s=timeout_s)
    os._exit(3)


def run_worker(
    settings: Settings, bootstrap: str, warehouse: Warehouse, *, hook: Hook | None = None,
) -> Pipeline:
    """Migrate, then run the worker until it is stopped; return the pipeline (for its stats)."""
    migrate(warehouse.client)
    port = settings.web_port or free_port()
    pipeline = create_app(settings, bootstrap, warehouse, web_port=port)
    worker: _Worker
    pipeline.request_stop = lambda: worker.request_stop()
    if hook is not None:
        @pipeline.app.task  # type: ignore[untyped-decorator]
        async def _hook() -> None:
            await hook(pipeline)

    worker = _Worker(
        pipeline.app, loglevel=settings.log_level, quiet=True, override_logging=False,
        redirect_stdouts=False, workdir=str(Path(settings.data_dir).resolve()),
    )
    worker.stop_timeout_s = settings.stop_timeout_s
    worker.spinner = None  # our own progress display owns the terminal
    # The hot path allocates many short-lived objects while Faust keeps many long-lived ones:
    # freeze what start-up built and collect the young generation less often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    with WarehouseLock(warehouse.url, port):
        log.info("worker starting", bootstrap=bootstrap, warehouse=warehouse.safe_url, port=port)
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    log.info("worker stopped", **pipeline.stats.snapshot()["rows_written"])
    return pipeline
