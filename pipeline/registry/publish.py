"""Land a validated roster in the warehouse and on the compacted registry topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from kafka import KafkaProducer

from pipeline.warehouse.store import Warehouse
from schemas.events import RegisteredAccount
from schemas.topics import REGISTRY

ACCOUNT_COLUMNS = (*RegisteredAccount.model_fields, "imported_at", "source_file")


def write_accounts(
    warehouse: Warehouse, accounts: Sequence[RegisteredAccount], source_file: str,
) -> None:
    """Insert the accounts into ``accounts`` (ReplacingMergeTree: the newest import wins)."""
    now = datetime.now(UTC)
    rows = []
    for account in accounts:
        data = account.model_dump(mode="json")
        data["competitor_group"] = data["competitor_group"] or ""
        rows.append([*data.values(), now, source_file])
    columns = [list(col) for col in zip(*rows, strict=True)]
    warehouse.insert("accounts", columns, ACCOUNT_COLUMNS)


def publish_accounts(bootstrap: str, accounts: Sequence[RegisteredAccount]) -> None:
    """Publish every account, keyed by account_key, on the compacted registry topic."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                             client_id="matrixguard-registry")
    try:
        for account in accounts:
            producer.send(REGISTRY.name, key=account.account_key.encode(),
                          value=orjson.dumps(account.model_dump(mode="json")))
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=5)
