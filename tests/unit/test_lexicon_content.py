"""The shipped default lexicon's content and the labelled corpus: shape, coverage, validity.

(How well the lexicon scores on the corpus is tests/unit/sensitivity/test_corpus.py.)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.sensitivity.rules import Category, LexiconFile, RiskNoticeRule, Rule, WordList
from agents.sensitivity.validators import id_card_valid, luhn_valid
from tests.conftest import ROOT

LEXICON = ROOT / "agents" / "sensitivity" / "lexicon" / "default"
CORPUS = ROOT / "tests" / "data" / "sensitivity_corpus.jsonl"
YAML_FILES = sorted(LEXICON.glob("*.yaml"))


def load(path: Path) -> LexiconFile:
    return LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def lexicon() -> dict[Path, LexiconFile]:
    return {path: load(path) for path in YAML_FILES}


def corpus() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def words(path: Path) -> list[str]:
    return [t for t in (line.split("#", 1)[0].strip()
                        for line in path.read_text(encoding="utf-8").splitlines()) if t]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_every_file_is_a_lexicon_file(path: Path) -> None:
    content = load(path)
    assert content.rules or content.word_lists or content.risk_notice


def test_the_lexicon_has_its_theme_files() -> None:
    assert {p.name for p in YAML_FILES} >= {
        "marketing.yaml", "illegal_finance.yaml", "personal_data.yaml", "public_opinion.yaml",
        "platform.yaml", "risk_notice.yaml"}


def test_rule_ids_are_unique_across_files() -> None:
    ids = [rule.id for f in lexicon().values() for rule in f.rules]
    ids += [wl.id for f in lexicon().values() for wl in f.word_lists]
    ids += [f.risk_notice.id for f in lexicon().values() if f.risk_notice]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_every_category_is_covered() -> None:
    files = lexicon().values()
    covered = {rule.category for f in files for rule in f.rules}
    covered |= {wl.category for f in files for wl in f.word_lists}
    if any(f.risk_notice for f in files):
        covered.add(Category.missing_risk_notice)
    assert set(Category) - covered == set()
    assert sum(1 for f in files if f.risk_notice) == 1


def test_every_rule_cites_a_regulation_and_suggests_a_fix_in_chinese() -> None:
    for f in lexicon().values():
        every: list[Rule | WordList | RiskNoticeRule] = [*f.rules, *f.word_lists]
        if f.risk_notice:
            every.append(f.risk_notice)
        for rule in every:
            assert re.search(r"《.+》|平台社区规范", rule.citation), rule.id
            assert re.search(r"[\u4e00-\u9fff]", rule.suggestion), rule.id


def test_marketing_rules_do_not_judge_competitors_and_platform_lists_do() -> None:
    marketing = {Category.guarantee, Category.absolute_terms, Category.inflated_performance,
                 Category.hidden_risk, Category.official_backing, Category.endorsement,
                 Category.pressure_selling}
    for f in lexicon().values():
        for rule in f.rules:
            if rule.category in marketing:
                assert "competitor" not in rule.applies_to.accounts, rule.id
            if rule.category == Category.complaint:
                assert rule.applies_to.items == ["comment"], rule.id
        for wl in f.word_lists:
            assert "competitor" in wl.applies_to.accounts, wl.id
        if f.risk_notice:
            assert "competitor" not in f.risk_notice.applies_to.accounts


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_word_list_files_exist_and_are_not_empty(path: Path) -> None:
    for wl in load(path).word_lists:
        terms = words(path.parent / wl.file)
        assert terms, wl.file
        assert len(terms) == len(set(terms)), f"duplicates in {wl.file}"


def test_literals_are_written_in_canonical_form() -> None:
    """Simplified, lower-case, half-width: what the normaliser makes of the text."""
    for f in lexicon().values():
        for rule in f.rules:
            for pattern in rule.patterns:
                if pattern.literal is not None:
                    assert pattern.literal == unicodedata.normalize("NFKC", pattern.literal)
                    assert pattern.literal == pattern.literal.lower(), rule.id


def test_every_regex_compiles() -> None:
    """Python ``re`` as a proxy; Hyperscan is the real check (the matcher compiles them all)."""
    for f in lexicon().values():
        for rule in f.rules:
            for pattern in rule.patterns:
                if pattern.regex is not None:
                    re.compile(pattern.regex)


def test_validated_regexes_match_exactly_the_number() -> None:
    for f in lexicon().values():
        for rule in f.rules:
            for pattern in rule.patterns:
                if pattern.validator == "id_card":
                    assert re.fullmatch(pattern.regex or "", "11010519491231002x")
                if pattern.validator == "bank_card":
                    assert re.fullmatch(pattern.regex or "", "6222021234567890123")


def test_corpus_shape() -> None:
    items = corpus()
    assert len(items) >= 600
    assert len({i["id"] for i in items}) == len(items)
    values = {c.value for c in Category}
    for i in items:
        assert set(i) >= {"id", "text", "item", "account", "categories"}, i["id"]
        assert i["item"] in ("post", "comment", "profile"), i["id"]
        assert i["account"] in ("official", "employee", "competitor"), i["id"]
        assert set(i["categories"]) <= values, i["id"]
        assert len(i["categories"]) == len(set(i["categories"])), i["id"]
        assert i["text"].strip(), i["id"]
    assert sum(1 for i in items if not i["categories"]) >= 200
    counts = Counter(c for i in items for c in i["categories"])
    assert {c.value: counts[c.value] for c in Category if counts[c.value] < 25} == {}


def test_corpus_posts_are_realistic_lengths() -> None:
    """Posts of 100–300 characters (a few hand-written short ones, as on Weibo)."""
    lengths = [len(i["text"]) for i in corpus() if i["item"] == "post"]
    assert max(lengths) <= 300
    assert sum(100 <= n <= 300 for n in lengths) >= 0.95 * len(lengths)


def test_corpus_has_evasions_for_every_category() -> None:
    evasive = {c for i in corpus() if i.get("note", "").startswith("evasion")
               for c in i["categories"]}
    assert set(Category) - {Category(c) for c in evasive} == {Category.missing_risk_notice}


def test_competitors_are_never_labelled_for_marketing_compliance() -> None:
    marketing = {"guarantee", "absolute_terms", "inflated_performance", "hidden_risk",
                 "official_backing", "endorsement", "pressure_selling", "missing_risk_notice",
                 "complaint"}
    for i in corpus():
        if i["account"] == "competitor":
            assert not marketing & set(i["categories"]), i["id"]


def _numbers(text: str) -> list[str]:
    flat = unicodedata.normalize("NFKC", text).lower()
    return re.findall(r"\d{15,18}[\dx]", flat)


def test_id_and_card_positives_carry_valid_checksums() -> None:
    checked = Counter[str]()
    for i in corpus():
        note = i.get("note", "")
        if "personal_data" not in i["categories"]:
            continue
        numbers = _numbers(i["text"])
        if "id card" in note:
            assert any(id_card_valid(n) for n in numbers if len(n) == 18), i["id"]
            checked["id"] += 1
        if "bank card" in note:
            assert any(luhn_valid(n) for n in numbers), i["id"]
            checked["card"] += 1
    assert checked["id"] >= 5 and checked["card"] >= 5


def test_checksum_look_alikes_fail_their_checksum() -> None:
    for i in corpus():
        if i.get("note") == "checksum fails":
            assert i["categories"] == []
            for n in _numbers(i["text"]):
                assert not (len(n) == 18 and id_card_valid(n)) and not luhn_valid(n), i["id"]
