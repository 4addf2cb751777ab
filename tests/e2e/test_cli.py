"""The CLI as a user runs it: a bounded embedded run, then ``sql`` reads the same numbers back;
errors are one line, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT
from tests.harness import CLI, run_cli, wait_for

pytestmark = pytest.mark.e2e


def user_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATRIXGUARD_")}
    env["MATRIXGUARD_DATA_DIR"] = str(data_dir)
    return env


def sql_json(query: str, env: dict[str, str]) -> list[dict[str, object]]:
    out = run_cli(["sql", query, "--format", "json"], env).stdout
    rows: list[dict[str, object]] = orjson.loads(out)
    return rows


def test_bounded_run_summary_equals_what_sql_reads_back(tmp_path: Path) -> None:
    env = user_env(tmp_path / "var")
    proc = subprocess.run([*CLI, "run", "--events", "4000", "--seed", "3"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "run summary" in proc.stdout
    summary = orjson.loads((tmp_path / "var" / "last-run.json").read_bytes())
    assert summary["complete"] is True
    published = summary["published"]
    assert published["events"] >= 4000
    accepted = summary["pipeline"]["accepted"]
    assert accepted == published["expected_valid"]
    assert sum(summary["pipeline"]["dead_letters"].values()) == published[
        "expected_dead_letters"] > 0

    for table, count in summary["warehouse"].items():
        [row] = sql_json(f"SELECT count() AS n FROM {table} FINAL", env)
        assert row["n"] == count, table
    assert summary["warehouse"]["post_metrics"] == accepted["post"]
    assert summary["warehouse"]["comments"] == accepted["comment"]
    assert summary["warehouse"]["dead_letters"] == published["expected_dead_letters"]

    csv_out = run_cli(["sql", "SELECT reason, count() AS n FROM dead_letters FINAL "
                       "GROUP BY reason ORDER BY reason", "--format", "csv"], env).stdout
    lines = csv_out.strip().splitlines()
    assert lines[0] == "reason,n" and len(lines) >= 2


def test_sql_goes_through_a_running_worker(tmp_path: Path) -> None:
    """chDB allows one process per directory: while `run` owns it, `sql` asks the worker."""
    env = user_env(tmp_path / "var")
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log_file:
        run = subprocess.Popen([*CLI, "run", "--rate", "300"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        def rows_visible() -> bool:
            proc = run_cli(["sql", "SELECT count() AS n FROM post_metrics", "-f", "json"], env,
                           check=False)
            return proc.returncode == 0 and orjson.loads(proc.stdout)[0]["n"] > 0
        wait_for(rows_visible, 120, "rows visible through the running worker", every=1)
        refused = run_cli(["sql", "DROP TABLE posts"], env, check=False)
        assert refused.returncode == 1
        assert refused.stderr.startswith("error:") and "read-only" in refused.stderr
        # the refused statement left the worker able to write: rows keep arriving
        before = int(orjson.loads(run_cli(["sql", "SELECT count() AS n FROM post_metrics",
                                           "-f", "json"], env).stdout)[0]["n"])
        wait_for(lambda: int(orjson.loads(run_cli(
            ["sql", "SELECT count() AS n FROM post_metrics", "-f", "json"], env).stdout)[0]["n"])
            > before, 60, "more rows after a refused statement", every=1)
        assert "Traceback" not in refused.stderr
    finally:
        run.send_signal(signal.SIGINT)
        code = run.wait(timeout=60)
        assert code == 0, log_path.read_text(errors="replace")[-4000:]
    summary = orjson.loads((tmp_path / "var" / "last-run.json").read_bytes())
    assert summary["warehouse"]["post_metrics"] > 0
    assert not (tmp_path / "var" / "warehouse" / ".matrixguard-worker.json").exists()


@pytest.mark.parametrize(("args", "fragment"), [
    (["sql", "SELEC nonsense"], "Syntax error"),
    (["worker"], "no broker"),
    (["crawl", "replay", "missing.jsonl", "--broker-url", "kafka://127.0.0.1:1"], "not found"),
    (["registry", "import", "nope.csv"], "file not found"),
    (["crawl", "run", "--platform", "myspace", "--once"], "no connector for platform"),
    (["crawl", "run", "--platform", "weibo", "--roster", "nope.csv"], "file not found"),
    (["crawl", "run", "--platform", "weibo", "--once"], "no broker"),
    (["crawl", "status"], "no crawl state"),
])
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    env = user_env(tmp_path / "var")
    if args[0] == "sql":
        run_cli(["migrate"], env)
    proc = run_cli(args, env, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and fragment in lines[0]


def test_invalid_roster_names_file_and_line_and_imports_nothing(tmp_path: Path) -> None:
    env = user_env(tmp_path / "var")
    run_cli(["migrate"], env)
    bad = tmp_path / "bad.csv"
    good = (ROOT / "examples" / "roster.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*good[:5], good[5].replace(",official,", ",boss,", 1)
                              .replace(",employee,", ",boss,", 1).replace(
                                  ",competitor,", ",boss,", 1), *good[6:10]]) + "\n",
                   encoding="utf-8")
    proc = run_cli(["registry", "import", str(bad)], env, check=False)
    assert proc.returncode == 1
    assert f"{bad}:6:" in proc.stderr and "kind" in proc.stderr
    [row] = sql_json("SELECT count() AS n FROM accounts", env)
    assert row["n"] == 0


def test_schemas_export_writes_json_schema(tmp_path: Path) -> None:
    env = user_env(tmp_path / "var")
    run_cli(["schemas", "export", str(tmp_path / "schema")], env)
    envelope = orjson.loads((tmp_path / "schema" / "CrawlEnvelope.schema.json").read_bytes())
    assert envelope["properties"]["items"]["maxItems"] == 50
    topics = orjson.loads((tmp_path / "schema" / "topics.json").read_bytes())
    assert {t["name"] for t in topics} >= {"matrixguard.raw.crawl", "matrixguard.deadletter"}
