"""chDB lets one process open a warehouse directory: a second one waits for it, never fails.

Both sides run as subprocesses (a process keeps chDB's directory for its whole life).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from pipeline.warehouse.client import chdb_busy, chdb_path
from tests.conftest import ROOT
from tests.harness import CLI, wait_for

pytestmark = pytest.mark.integration

HOLDER = """
import sys, time
from pipeline.warehouse.client import connect
client = connect(sys.argv[1])
client.command("CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x")
client.command("INSERT INTO t VALUES (7)")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
client.close()
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIXGUARD_")}
    env["MATRIXGUARD_DATA_DIR"] = str(data_dir)
    return env


def test_sql_waits_for_a_short_holder_instead_of_failing(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path / 'warehouse'}"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, "3"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        path = chdb_path(url)
        assert path is not None and chdb_busy(path)
        proc = subprocess.run([*CLI, "sql", "SELECT x FROM t", "-f", "json"],
                              env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        assert orjson.loads(proc.stdout) == [{"x": 7}]
        assert "Cannot lock file" not in proc.stderr
    finally:
        holder.wait(timeout=30)
    wait_for(lambda: not chdb_busy(path), 10, "the directory released")
