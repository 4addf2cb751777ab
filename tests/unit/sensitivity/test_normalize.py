"""Normalisation is 1:1 in characters, so spans on canonical text are spans on the original."""

from __future__ import annotations

import pytest

from agents.sensitivity.normalize import normalize
from agents.sensitivity.patterns import literal_expression
from agents.sensitivity.rules import Normalization


@pytest.mark.parametrize(("text", "canonical"), [
    ("穩賺不賠", "稳赚不赔"),
    ("ＡＢＣ１２３，保本！", "abc123,保本!"),
    ("①⑵❸ 一二三 〇", "123 123 0"),
    ("𝐁𝐀𝐎 ⓑⓔⓝ", "bao ben"),
    ("年化收益率５．８％", "年化收益率5.8%"),
    ("VIP贵宾", "vip贵宾"),
])
def test_canonical_forms(text: str, canonical: str) -> None:
    assert normalize(text) == canonical
    assert len(normalize(text)) == len(text)


def test_each_transformation_can_be_switched_off() -> None:
    assert normalize("穩ＡＢ", Normalization(traditional=False)) == "穩ab"
    assert normalize("ＡＢ", Normalization(case=False)) == "AB"
    assert normalize("ＡＢ", Normalization(width=False, case=False)) == "ＡＢ"
    assert normalize("①", Normalization(digits=False)) == "①"


def test_literal_expressions_follow_the_switches() -> None:
    assert literal_expression("保本", Normalization(separators=False, repeats=False)) == "保本"
    tolerant = literal_expression("保本", Normalization(pinyin=True))
    assert "bao" in tolerant and "ben" in tolerant and "+" in tolerant
    assert literal_expression("a.b", Normalization(separators=False, repeats=False)) == "a\\.b"
    with pytest.raises(ValueError, match="nothing to match"):
        literal_expression("!!", Normalization())
