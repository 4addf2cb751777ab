"""The embedded broker: starts, has the registry's topics, never outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient

from pipeline.broker import EmbeddedBroker
from schemas.topics import ALL_TOPICS, REGISTRY
from tests.harness import wait_for

pytestmark = pytest.mark.integration


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_broker_creates_the_registry_topics_and_stops(tmp_path: Path) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log").start()
    pid = broker.pid
    assert pid is not None
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        topics = set(admin.list_topics())
        assert {t.name for t in ALL_TOPICS} <= topics
        [desc] = admin.describe_topics([REGISTRY.name])
        assert len(desc["partitions"]) == REGISTRY.partitions
    finally:
        admin.close()
    broker.stop()
    broker.stop()  # idempotent
    wait_for(lambda: not alive(pid), 10, "the broker to exit")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_broker_dies_with_its_parent(tmp_path: Path, how: signal.Signals) -> None:
    pid_file = tmp_path / "tansu.pid"
    script = textwrap.dedent(f"""
        import time
        from pipeline.broker import EmbeddedBroker
        b = EmbeddedBroker().start()
        open({str(pid_file)!r}, "w").write(str(b.pid))
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), 30,
                           "the broker's pid"))
        assert alive(pid)
        parent.send_signal(how)
        parent.wait(timeout=30)
        wait_for(lambda: not alive(pid), 10, f"the broker to die after {how.name} of its parent")
    finally:
        if parent.poll() is None:
            parent.kill()
