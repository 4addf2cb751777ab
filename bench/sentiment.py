"""Comment-sentiment benchmark, one core, 10–60 character comments.

    python -m bench.sentiment [--comments 100000]

Figures: comments/s through :meth:`SentimentModel.classify_many` (whole list, worker-sized
batches of 256, and one comment at a time), the model's build time, and its accuracy,
precision, recall and F1 (negative class) on the labelled comments in
``tests/data/comment_sentiment.jsonl`` (all of them, and the held-out ones alone), and on the
simulator's comment templates.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from agents.anomaly.sentiment import Sentiment, SentimentModel
from pipeline.crawlers import simulated_content as content

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "comment_sentiment.jsonl"
GOAL = 20_000


def labelled() -> list[dict[str, str]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def comments(count: int, seed: int = 7) -> list[str]:
    """``count`` comments of 10 to 60 characters (uniform), made of the labelled comments and
    the simulator's templates, joined with commas and cut to length."""
    rng = random.Random(seed)
    fields = {"bank": "江南银行", "city": "杭州"}
    pool = [row["text"] for row in labelled()] + [
        t.format(**fields) for t in content.COMMENT_COMPLAINTS + content.COMMENT_PRAISE
        + content.COMMENT_QUESTIONS + content.COMMENT_CHATTER]
    out = []
    for _ in range(count):
        length = rng.randint(10, 60)
        text = rng.choice(pool)
        while len(text) < length:
            text += "，" + rng.choice(pool)
        out.append(text[:length])
    return out


def rate(fn: Callable[[], object], n: int, repeat: int = 3) -> float:
    """Best of ``repeat`` runs, items per second."""
    best = min(_timed(fn) for _ in range(repeat))
    return round(n / best)


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def quality(gold: Sequence[bool], verdicts: Sequence[Sentiment]) -> dict[str, Any]:
    pairs = list(zip(gold, (v.negative for v in verdicts), strict=True))
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(pairs), "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run(count: int) -> dict[str, Any]:
    """The whole benchmark as a dict, pinned to one core (the goal is per core)."""
    pinned = hasattr(os, "sched_setaffinity")
    cores = os.sched_getaffinity(0) if pinned else set()
    if pinned:
        os.sched_setaffinity(0, {min(cores)})
    try:
        return _run(count)
    finally:
        if pinned:
            os.sched_setaffinity(0, cores)


def _run(count: int) -> dict[str, Any]:
    start = time.perf_counter()
    model = SentimentModel()
    build_s = time.perf_counter() - start
    texts = comments(count)
    model.classify_many(texts[:1000])  # warm up
    batches = [texts[i:i + 256] for i in range(0, len(texts), 256)]
    single = texts[:20_000]

    rows = labelled()
    verdicts = model.classify_many([row["text"] for row in rows])
    gold = [row["label"] == "negative" for row in rows]
    held = [i for i, row in enumerate(rows) if row["source"] == "holdout"]
    sim_texts = [t.format(bank="江南银行", city="杭州") for t in content.COMMENT_COMPLAINTS] + [
        t.format(bank="江南银行", city="杭州") for t in content.COMMENT_PRAISE
        + content.COMMENT_QUESTIONS + content.COMMENT_CHATTER]
    sim_gold = [i < len(content.COMMENT_COMPLAINTS) for i in range(len(sim_texts))]
    overall = quality(gold, verdicts)
    return {
        "comments_per_s": rate(lambda: model.classify_many(texts), len(texts)),
        "accuracy": overall["accuracy"],
        "comments_per_s_batches_of_256": rate(
            lambda: [model.classify_many(b) for b in batches], len(texts)),
        "comments_per_s_one_at_a_time": rate(
            lambda: [model.classify(t) for t in single], len(single)),
        "goal_comments_per_s_per_core": GOAL,
        "cpu_cores_used": 1, "comments": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "model_build_s": round(build_s, 3), "automaton_terms": model.size,
        "labelled": overall,
        "labelled_held_out": quality([gold[i] for i in held], [verdicts[i] for i in held]),
        "simulator_templates": quality(sim_gold, model.classify_many(sim_texts)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    result = {"benchmark": "matrixguard.sentiment", **run(args.comments)}
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
