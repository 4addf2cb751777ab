"""Export JSON Schema of the event contracts for connector authors."""

from __future__ import annotations

from pathlib import Path

import orjson

from schemas.events import AccountSnapshot, Comment, CrawlEnvelope, Post, RegisteredAccount
from schemas.topics import ALL_TOPICS

EXPORTED = (CrawlEnvelope, AccountSnapshot, Post, Comment, RegisteredAccount)


def export_json_schema(directory: Path) -> list[Path]:
    """Write one ``<Model>.schema.json`` per connector-facing model plus ``topics.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for model in EXPORTED:
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        path = directory / f"{model.__name__}.schema.json"
        path.write_bytes(orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        written.append(path)
    topics = [
        {"name": t.name, "partitions": t.partitions, "key": t.key,
         "value_model": t.value_model.__name__, "description": t.description,
         "config": t.config}
        for t in ALL_TOPICS
    ]
    path = directory / "topics.json"
    path.write_bytes(orjson.dumps(topics, option=orjson.OPT_INDENT_2))
    written.append(path)
    return written
