"""The Faust app factory: one app, every agent, and the worker's local HTTP views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import faust
import orjson
from faust.web import Request, Response, View

from agents.alerting import agent as alerting_agent
from agents.alerting import delivery as delivery_agent
from agents.alerting.config import load_config
from agents.alerting.rules import load_rules
from agents.anomaly import agent as anomaly_agent
from agents.anomaly.sentiment import default_model
from agents.health import agent as health_agent
from agents.ingest import agent as ingest_agent
from agents.sensitivity import agent as sensitivity_agent
from agents.sensitivity.core import LexiconHolder
from agents.sink import agent as sink_agent
from pipeline.faust_consumer import use_short_fetch_wait
from pipeline.registry.cache import RegistryCache
from pipeline.settings import Settings
from pipeline.stats import PipelineStats
from pipeline.warehouse.client import WarehouseError
from pipeline.warehouse.store import Warehouse


@dataclass
class Pipeline:
    """A Faust app with its collaborators."""

    app: faust.App
    warehouse: Warehouse
    registry: RegistryCache
    stats: PipelineStats
    bootstrap: str
    request_stop: Callable[[], None] = field(default=lambda: None)


def create_app(
    settings: Settings, bootstrap: str, warehouse: Warehouse, *, web_port: int,
) -> Pipeline:
    """Build the app: ingest, registry follower, sinks, and ``/stats`` + ``/sql`` views."""
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_replication_factor=1,
        topic_partitions=4,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_port=web_port,
        web_in_thread=False,
        producer_linger_ms=5,
        producer_max_batch_size=1_048_576,
        producer_max_request_size=4_194_304,
        consumer_max_fetch_size=4_194_304,
        stream_buffer_maxsize=8192,
        # The notifier holds alert messages unacknowledged until their notification is out
        # (minutes): Faust must not wait for them on stop or rebalance. Unacknowledged messages
        # are simply not committed, and are read again by whoever owns the partition next.
        stream_wait_empty=False,
        # A joining member waits about half a session timeout for the group to settle, and a
        # crashed worker's partitions are reassigned after one: keep it short.
        broker_session_timeout=settings.broker_session_timeout_s,
        broker_heartbeat_interval=settings.broker_session_timeout_s / 6,
        broker_rebalance_timeout=settings.broker_session_timeout_s,
    )
    use_short_fetch_wait(app)
    stats = PipelineStats()
    registry = RegistryCache()
    pipeline = Pipeline(app, warehouse, registry, stats, bootstrap)

    @app.task  # type: ignore[untyped-decorator]
    async def load_registry() -> None:
        await registry.load(bootstrap)

    holder = LexiconHolder(settings.lexicon_dir, settings.data_dir / "lexicon-cache")
    sensitivity_agent.register(
        app, holder, stats, batch_max=settings.sink_batch_max,
        within_s=settings.ingest_batch_within_s, reload_every_s=settings.lexicon_reload_s)
    anomaly_agent.register(app, registry, stats, settings.anomaly, default_model, bootstrap)
    ingest_agent.register(app, registry, stats, batch_max=settings.ingest_batch_max,
                          within_s=settings.ingest_batch_within_s)
    sink_agent.register(
        app, warehouse, stats, batch_max=settings.sink_batch_max,
        within_s=settings.sink_batch_within_s, retry_max_wait_s=settings.sink_retry_max_wait_s,
    )
    alerting = load_config(settings.alerting_config, settings.secrets(), settings.data_dir)
    alerting_agent.register(app, stats, load_rules(settings.alerting_rules), alerting.board_url,
                            batch_max=settings.sink_batch_max,
                            within_s=settings.ingest_batch_within_s)
    deliverer = delivery_agent.register(app, alerting, registry, warehouse, stats,
                                        settings.alerting_tick_s)
    health_agent.register(app, warehouse, settings)  # 矩阵体检 timer + /health-check/

    @app.page("/stats/")
    class StatsView(View):
        async def get(self, request: Request) -> Response:
            # ready: partitions assigned, tables recovered, streams resumed, registry loaded
            recovery = cast(Any, app.tables).recovery  # TableManager's, not in its protocol
            ready = (registry.ready.is_set() and recovery.completed.is_set()
                     and not app.rebalancing)
            return self.json({**stats.snapshot(), "ready": ready})

    @app.page("/silences/")
    class SilencesView(View):
        """Writes a silence for ``matrixguard silence add|expire`` while this worker owns chDB."""

        async def post(self, request: Request) -> Response:
            from agents.alerting.silences import Silence
            from pipeline.cli_alerts import SILENCE_COLUMNS

            try:
                row = Silence.model_validate(orjson.loads(await request.read()))
                values = row.model_dump()
                values["matchers"] = [str(m) for m in row.matchers]
                await warehouse.ainsert("silences", [[values[c]] for c in SILENCE_COLUMNS],
                                        SILENCE_COLUMNS)
            except (ValueError, WarehouseError) as exc:
                return self.json({"error": str(exc).splitlines()[0]}, status=400)
            await deliverer.refresh_silences()
            return self.json({"silence_id": row.silence_id})

    @app.page("/sql/")
    class SqlView(View):
        """Read-only SQL for ``matrixguard sql`` while this worker owns the chDB directory."""

        async def post(self, request: Request) -> Response:
            body = orjson.loads(await request.read())
            try:
                rows = await warehouse.aquery(str(body["query"]), readonly=True)
            except WarehouseError as exc:
                return self.json({"error": str(exc)}, status=400)
            return self.bytes(
                orjson.dumps({"columns": rows.columns, "rows": rows.rows},
                             default=str, option=orjson.OPT_PASSTHROUGH_DATETIME),
                content_type="application/json",
            )

    return pipeline
