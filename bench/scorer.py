"""Sensitivity scorer benchmark, one core, normalisation on, 100–300 character posts.

    python -m bench.scorer [--texts 20000] [--lexicon DIR]

Figures: posts/s through the full scorer (normalise + Hyperscan + spans + exceptions +
validators + score) with the default lexicon and with the default lexicon plus ≥ 50,000 word-list
terms; database compile time, size and cached load time; and, in the same run on the same
normalised texts, pyahocorasick and Python ``re`` over the same literal terms as baselines.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from agents.sensitivity.lexicon import DEFAULT_DIR, load_lexicon
from agents.sensitivity.matcher import Matcher
from agents.sensitivity.normalize import normalize
from agents.sensitivity.scorer import score_item
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
    """The normalised literal terms of a lexicon (what the baselines look for)."""
    out: list[str] = []
    for rule in matcher.lexicon.rules:
        for pattern in rule.patterns:
            if pattern.literal is not None:
                out.append(normalize(pattern.literal, rule.normalize))
    return list(dict.fromkeys(out))


def time_scorer(matcher: Matcher, texts: list[str]) -> dict[str, Any]:
    """posts/s through the whole scorer, and hits found."""
    hits = 0
    started = time.perf_counter()
    for text in texts:
        hits += len(score_item(matcher, {"text": text}, "post", "official").hits)
    seconds = time.perf_counter() - started
    return {"posts_per_s": round(len(texts) / seconds), "hits": hits,
            "us_per_post": round(seconds / len(texts) * 1e6, 1)}


def time_baselines(terms: list[str], texts: list[str]) -> dict[str, Any]:
    """pyahocorasick and Python re over the same literal terms, on normalised texts."""
    import ahocorasick

    normalised_started = time.perf_counter()
    canon = [normalize(t) for t in texts]
    normalise_s = time.perf_counter() - normalised_started

    automaton = ahocorasick.Automaton()
    for i, term in enumerate(terms):
        automaton.add_word(term, i)
    automaton.make_automaton()
    started = time.perf_counter()
    ac_hits = sum(1 for text in canon for _ in automaton.iter(text))
    ac_s = time.perf_counter() - started + normalise_s

    compiled = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    started = time.perf_counter()
    re_hits = sum(1 for text in canon for _ in compiled.finditer(text))
    re_s = time.perf_counter() - started + normalise_s
    return {
        "terms": len(terms),
        "pyahocorasick": {"posts_per_s": round(len(texts) / ac_s), "hits": ac_hits},
        "python_re": {"posts_per_s": round(len(texts) / re_s), "hits": re_hits},
        "note": "baselines normalise (1:1 tables) then match plain literals: no separator, "
                "repeat or pinyin tolerance, no spans on original text, no scoring",
    }


def measure(lexicon_dir: Path, texts: list[str], cache: Path) -> dict[str, Any]:
    """Compile, cached load and scorer speed for one lexicon, plus the baselines."""
    lexicon = load_lexicon(lexicon_dir)
    started = time.perf_counter()
    matcher = Matcher(lexicon, cache)  # compiles and writes the cache
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    cached = Matcher(lexicon, cache)
    load_s = time.perf_counter() - started
    db_file = next(cache.glob(f"lexicon-{lexicon.version}.hsdb"))
    return {
        "rules": len(lexicon.rules), "patterns": len(matcher.entries),
        "compile_seconds": round(compile_s, 3), "cached_load_seconds": round(load_s, 4),
        "database_mb": round(db_file.stat().st_size / 1e6, 2),
        "scorer": time_scorer(cached, texts),
        "baselines": time_baselines(literal_terms(cached), texts),
    }


def run(texts_n: int, lexicon_dir: Path) -> dict[str, Any]:
    """The whole scorer benchmark as a dict."""
    texts = post_texts(texts_n)
    with tempfile.TemporaryDirectory(prefix="mg-scorer-") as tmp:
        default = measure(lexicon_dir, texts, Path(tmp) / "cache-default")
        big_dir = with_big_list(lexicon_dir, big_word_list(BIG_TERMS), Path(tmp) / "big")
        big = measure(big_dir, texts, Path(tmp) / "cache-big")
    return {
        "texts": len(texts), "mean_chars": round(sum(map(len, texts)) / len(texts)),
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
