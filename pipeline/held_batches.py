"""Faust batches whose offsets stay uncommitted until the agent has finished with them.

Faust acks a ``take_events()`` batch when the next one is asked for, even if the agent's body
raised or was cancelled in between: an unfinished batch would be committed and lost. Each
message here gets an extra reference when its batch is handed out, released only after the
agent comes back for the next batch; if the body never comes back, the reference stays, the
offset is never committed, and the batch is re-read after a restart (at least once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import faust


async def held_batches(
    stream: faust.StreamT[Any], batch_max: int, within_s: float,
) -> AsyncIterator[Sequence[Any]]:
    """``stream.take_events(batch_max, within_s)``, each batch held until it is done."""
    batches = stream.take_events(batch_max, within=within_s)  # type: ignore[attr-defined]
    async for events in batches:
        for event in events:
            event.message.incref()
        yield events
        for event in events:  # reached only when the agent asks for the next batch
            await stream.ack(event)


async def held_events(stream: faust.StreamT[Any]) -> AsyncIterator[Any]:
    """``stream.events()``, each event held until the agent asks for the next one."""
    async for event in stream.events():
        event.message.incref()
        yield event
        await stream.ack(event)
