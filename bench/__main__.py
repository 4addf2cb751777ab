"""``make bench``: every benchmark, one JSON document on stdout.

    python -m bench [--posts N] [--texts N] [--accounts N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import orjson

from agents.sensitivity.lexicon import DEFAULT_DIR
from bench import alerting, anomaly, crawl, e2e, health, panels, report, scorer, sentiment
from pipeline import logs


def _rollups() -> object:
    """bench.rollups runs its two sides in child processes: run it as one and read its JSON."""
    out = subprocess.run([sys.executable, "-m", "bench.rollups"], check=True,
                         capture_output=True, text=True).stdout
    return orjson.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=200_000, help="end-to-end backlog")
    parser.add_argument("--latency-rate", type=float, default=2000.0)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--texts", type=int, default=20_000, help="scorer texts")
    parser.add_argument("--accounts", type=int, default=10_000, help="anomaly state accounts")
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = {
        "scorer": scorer.run(args.texts, DEFAULT_DIR),
        "sentiment": sentiment.run(20_000),
        "health": health.run(),
        "anomaly": anomaly.run(args.accounts, 2_000, 100.0),
        "alerting": alerting.run(20.0, 1_000),
        "panels": panels.run(),
        "rollups": _rollups(),
        "report": report.run(),
        "crawl": crawl.run(),
        "e2e": {
            "throughput": e2e.throughput(args.posts, 101),
            "latency": e2e.latency(args.latency_rate, args.latency_seconds, 102),
            "goals": {"posts_per_s": 25_000, "p99_s_at_2000_posts_per_s": 2.0},
        },
    }
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
