"""The shipped default lexicon against the labelled corpus in tests/data (written for this):
precision and recall per category, goal ≥ 0.95 recall and ≥ 0.90 precision overall."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from agents.sensitivity.evaluation import evaluate, read_corpus
from agents.sensitivity.lexicon import load_lexicon
from agents.sensitivity.matcher import Matcher
from agents.sensitivity.rules import Category
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "data" / "sensitivity_corpus.jsonl"


def test_default_lexicon_on_the_labelled_corpus(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    matcher = Matcher(load_lexicon(), tmp_path / "cache")
    items = read_corpus(CORPUS)
    assert len(items) >= 600
    result = evaluate(matcher, items)
    report = result.report()
    (tmp_path / "corpus-report.json").write_bytes(orjson.dumps(report))
    with capsys.disabled():
        print("\nsensitivity corpus:", orjson.dumps(report["overall"]).decode())
        for cat, figures in report["per_category"].items():
            print(f"  {cat:22s} P={figures['precision']:.3f} R={figures['recall']:.3f} "
                  f"tp={figures['tp']} fp={figures['fp']} fn={figures['fn']}")
    labelled = {c for item in items for c in item.categories}
    assert labelled == {c.value for c in Category}, "every category is in the corpus"
    assert result.recall() >= 0.95, result.misses[:20]
    assert result.precision() >= 0.90, result.false_alarms[:20]


def test_corpus_is_reproduced_by_its_generator(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "make_corpus.py"
    script.write_text((CORPUS.parent / "make_corpus.py").read_text(encoding="utf-8"),
                      encoding="utf-8")
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    assert (tmp_path / "sensitivity_corpus.jsonl").read_bytes() == CORPUS.read_bytes()


def test_corpus_shape() -> None:
    items = read_corpus(CORPUS)
    assert len({i.id for i in items}) == len(items) >= 600
    negatives = [i for i in items if not i.categories]
    assert len(negatives) >= 200
    for category in Category:
        positives = [i for i in items if category.value in i.categories]
        assert len(positives) >= 25, category
    evasions = {i.note for i in items if i.note.startswith("evasion")}
    assert {"evasion: separators", "evasion: zero-width", "evasion: traditional",
            "evasion: repeats", "evasion: pinyin", "evasion: full-width"} <= evasions
