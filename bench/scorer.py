"""Sensitivity scorer benchmark, one core, normalisation on, 100–300 character posts.

    python -m bench.scorer [--texts 20000] [--lexicon DIR]

Figures: posts/s through the full scorer (normalise + squeeze + Hyperscan + spans on the
original text + exceptions + validators + score), in worker-sized batches (and at other
batch sizes, down to one post at a time), with the default lexicon and with the default
lexicon plus ≥ 50,000 word-list terms; database compile time, size and cached load time;
and, in the same run on the same normalised texts, pyahocorasick and Python ``re`` over the
same literal terms as baselines.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from agents.sensitivity.lexicon import DEFAULT_DIR, load_lexicon
from agents.sensitivity.matcher import Matcher
from agents.sensitivity.normalize import normalize
from agents.sensitivity.scorer import ItemToScore, score_items
from pipeline import logs
from pipeline.crawlers.simulator import Simulator, SimulatorConfig
from pipeline.registry.roster import read_roster

ROOT = Path(__file__).resolve().parent.parent
BIG_TERMS = 50_000


def post_texts(count: int, seed: int = 5) -> list[str]:
    """Texts of simulated posts, 100 to 300 characters (about 5 % non-compliant)."""
    sim = Simulator(read_roster(ROOT / "examples" / "roster.csv"), SimulatorConfig(seed=seed))
    texts: list[str] = []
    for message in sim.messages(backfill_days=30):
        try:
            doc = orjson.loads(message.value)
        except orjson.JSONDecodeError:
            continue
        for item in doc.get("items", []) if isinstance(doc, dict) else []:
            text = item.get("data", {}).get("text") if isinstance(item, dict) else None
            if isinstance(text, str) and 100 <= len(text) <= 300:
                texts.append(text)
        if len(texts) >= count:
            return texts[:count]
    return texts


def big_word_list(n: int) -> list[str]:
    """n terms shaped like a real platform word list (rare in ordinary posts): every phrase of
    three or more characters in pypinyin's dictionary (≈26,600 real phrases, mostly idioms),
    then four-character idioms with their halves swapped (一丝不苟 → 不苟一丝), then phrases
    reversed (一丝不苟 → 苟不丝一), until n."""
    from pypinyin.phrases_dict import phrases_dict

    real = [p for p in dict.fromkeys(phrases_dict) if len(p) >= 3]
    terms = real[:n]
    seen = set(terms)
    variants = [p[2:] + p[:2] for p in real if len(p) == 4] + [p[::-1] for p in real]
    for variant in variants:
        if len(terms) >= n:
            break
        if variant not in seen:
            seen.add(variant)
            terms.append(variant)
    return terms


def with_big_list(base: Path, terms: list[str], into: Path) -> Path:
    """A copy of the lexicon at ``base`` plus one word list holding ``terms``."""
    shutil.copytree(base, into)
    (into / "wordlists").mkdir(exist_ok=True)
    (into / "wordlists" / "bench_terms.txt").write_text("\n".join(terms), encoding="utf-8")
    (into / "zz_bench.yaml").write_text(
        "word_lists:\n  - id: BENCH-TERMS-001\n    file: wordlists/bench_terms.txt\n"
        "    category: politics\n    severity: low\n    weight: 1\n"
        "    citation: 基准测试词表\n    suggestion: 基准测试\n", encoding="utf-8")
    return into


def literal_terms(matcher: Matcher) -> list[str]:
    """The lexicon's literals under the 1:1 character tables, without pinyin spellings (fewer
    terms than the matcher looks for: the baselines get the easier job)."""
    out: list[str] = []
    for rule in matcher.lexicon.rules:
        for pattern in rule.patterns:
            if pattern.literal is not None:
                out.append(normalize(pattern.literal, rule.normalize))
    notice = matcher.lexicon.risk_notice
    out.extend(normalize(t) for t in notice.triggers) if notice else None
    return list(dict.fromkeys(out))


REPEATS = 5  # each figure is the median of this many timed passes, after one warm-up pass


def median_seconds(work: Any) -> float:
    """Median wall time of ``work()`` over :data:`REPEATS` passes, after a warm-up pass."""
    work()
    return statistics.median(_timed(work) for _ in range(REPEATS))


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


BATCH_SIZES = (1, 32, 256, 2048)
HEADLINE_BATCH = 256  # a worker batch holds hundreds of posts (several bundles of pages)


def time_scorer(matcher: Matcher, texts: list[str], batch: int) -> dict[str, Any]:
    """posts/s through the whole scorer in batches of ``batch`` posts, and hits found."""
    hits = [0]

    def work() -> None:
        hits[0] = 0
        for i in range(0, len(texts), batch):
            items: list[ItemToScore] = [({"text": t}, "post", "official")
                                        for t in texts[i:i + batch]]
            hits[0] += sum(len(s.hits) for s in score_items(matcher, items))

    seconds = median_seconds(work)
    return {"batch": batch, "posts_per_s": round(len(texts) / seconds), "hits": hits[0],
            "us_per_post": round(seconds / len(texts) * 1e6, 2)}


def time_baselines(terms: list[str], texts: list[str], batch: int) -> dict[str, Any]:
    """pyahocorasick and Python re over the same literals, after the same 1:1 normalisation:
    each text on its own, and each batch joined into one string (their best case)."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for i, term in enumerate(terms):
        automaton.add_word(term, i)
    automaton.make_automaton()
    compiled = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))

    def timed(work: Any, sample: list[str]) -> float:
        return median_seconds(work) if len(sample) > 1_000 else _timed(work)

    def per_text(find: Any, sample: list[str]) -> tuple[int, float]:
        found = [0]

        def work() -> None:
            found[0] = sum(find(normalize(t)) for t in sample)

        seconds = timed(work, sample)
        return found[0], seconds

    def joined(find: Any, sample: list[str]) -> float:
        def work() -> None:
            for i in range(0, len(sample), batch):
                find(normalize("\n".join(sample[i:i + batch])))

        return timed(work, sample)

    def aho(text: str) -> int:
        return sum(1 for _ in automaton.iter(text))

    def regex(text: str) -> int:
        return sum(1 for _ in compiled.finditer(text))

    out: dict[str, Any] = {"terms": len(terms)}
    for name, find in (("pyahocorasick", aho), ("python_re", regex)):
        # one big alternation is slow (about 100 posts/s at 50,000 terms): time a sample
        sample = texts if name != "python_re" or len(terms) < 5_000 else texts[:1_000]
        hits, one_s = per_text(find, sample)
        batch_s = joined(find, sample)
        out[name] = {
            "texts": len(sample), "per_text_posts_per_s": round(len(sample) / one_s),
            "hits": hits, f"joined_{batch}_posts_per_s": round(len(sample) / batch_s),
            "best_posts_per_s": round(len(sample) / min(one_s, batch_s))}
    out["note"] = ("baselines normalise (1:1 tables) then match plain literals: no separator "
                   "or repeat squeezing, no spans on original text, no exceptions, no scoring")
    return out


def measure(lexicon_dir: Path, texts: list[str], cache: Path) -> dict[str, Any]:
    """Compile, cached load and scorer speed for one lexicon, plus the baselines."""
    lexicon = load_lexicon(lexicon_dir)
    started = time.perf_counter()
    matcher = Matcher(lexicon, cache)  # compiles and writes the cache
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = Matcher(lexicon, cache)
    load_s = time.perf_counter() - started
    return {
        "rules": len(lexicon.rules), "patterns": len(matcher.entries),
        "compile_seconds": round(compile_s, 3), "cached_load_seconds": round(load_s, 4),
        "literals": len(cached.literals), "database_mb": round(cached.database_bytes() / 1e6, 2),
        "scorer": time_scorer(cached, texts, HEADLINE_BATCH),
        "scorer_by_batch": {str(b): time_scorer(cached, texts, b)["posts_per_s"]
                            for b in BATCH_SIZES},
        "baselines": time_baselines(literal_terms(cached), texts, HEADLINE_BATCH),
    }


def run(texts_n: int, lexicon_dir: Path) -> dict[str, Any]:
    """The whole scorer benchmark as a dict, pinned to one core (the goal is per core)."""
    pinned = hasattr(os, "sched_setaffinity")
    cores = os.sched_getaffinity(0) if pinned else set()
    if pinned:
        os.sched_setaffinity(0, {min(cores)})
    try:
        return _run(texts_n, lexicon_dir)
    finally:
        if pinned:
            os.sched_setaffinity(0, cores)


def _run(texts_n: int, lexicon_dir: Path) -> dict[str, Any]:
    texts = post_texts(texts_n)
    with tempfile.TemporaryDirectory(prefix="mg-scorer-") as tmp:
        default = measure(lexicon_dir, texts, Path(tmp) / "cache-default")
        big_dir = with_big_list(lexicon_dir, big_word_list(BIG_TERMS), Path(tmp) / "big")
        big = measure(big_dir, texts, Path(tmp) / "cache-big")
    return {
        "cpu_cores_used": 1, "texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "default_lexicon": default, "with_50k_terms": big,
        "goal_posts_per_s_per_core": 63_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    logs.configure("json", "WARNING")
    result = {"benchmark": "matrixguard.scorer", **run(args.texts, args.lexicon)}
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
