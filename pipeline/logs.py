"""structlog configuration: key-value events, JSON when not on a terminal, pretty on one."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

_SECRET_KEYS = ("password", "secret", "token", "key", "dsn", "warehouse_url")


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Never let a secret reach a log line: mask values of secret-looking keys."""
    for name in list(event_dict):
        if name != "event" and any(s in name.lower() for s in _SECRET_KEYS):
            event_dict[name] = "***"
    return event_dict


def _orjson_dumps(obj: Any, default: Any = None) -> str:
    return orjson.dumps(obj, default=default).decode()


def configure(fmt: str = "auto", level: str = "INFO") -> None:
    """Route structlog and stdlib logging (Faust, aiokafka) through one renderer on stderr."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_orjson_dumps)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO/DEBUG, and some platforms (Weibo, WeChat) take the
    # access token as a query parameter: never below WARNING, so tokens stay out of the logs.
    for leaky in ("httpx", "httpcore"):
        logging.getLogger(leaky).setLevel(max(logging.WARNING, root.level))
    # Library chatter stays at WARNING unless DEBUG is asked for.
    if root.level <= logging.DEBUG:
        return
    for noisy in ("faust", "mode", "aiokafka", "kafka", "clickhouse_connect", "chdb"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # except the few lines that tell what a consumer group and its recovery are doing (a
    # rebalance writes about twenty): without them a worker that stops consuming is a mystery
    for rebalance in ("faust.tables.recovery", "aiokafka.consumer.group_coordinator"):
        logging.getLogger(rebalance).setLevel(root.level)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A named structlog logger."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
