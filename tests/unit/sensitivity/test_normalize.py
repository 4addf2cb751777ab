"""Normalisation: 1:1 character tables, squeezing, literal forms, and batch views whose offset
maps lead every squeezed position back to the original text."""

from __future__ import annotations

import pytest

from agents.sensitivity.normalize import canonical_squeezed, normalize, squeeze
from agents.sensitivity.patterns import LiteralError, literal_forms
from agents.sensitivity.rules import Normalization
from agents.sensitivity.views import Batch, ViewKey, key_of


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


def test_squeezing_drops_separators_and_collapses_repeated_ideographs() -> None:
    assert squeeze("稳!赚@不#赔") == "稳赚不赔"
    assert squeeze("稳\u200b赚 \u3000不 赔🙂") == "稳赚不赔"
    assert squeeze("稳稳稳赚赚不赔") == "稳赚不赔"
    assert squeeze("100000元") == "100000元"  # digits never collapse
    assert squeeze("稳!稳", separators=False) == "稳!稳"
    assert squeeze("稳!稳", repeats=False) == "稳稳"
    assert canonical_squeezed("穩·賺　不－賠") == "稳赚不赔"


def test_literal_forms_follow_the_switches() -> None:
    assert literal_forms("保本", Normalization(separators=False, repeats=False)) == ["保本"]
    assert literal_forms("稳 赚", Normalization()) == ["稳赚"]
    assert literal_forms("a.b", Normalization(separators=False)) == ["a.b"]
    spellings = literal_forms("保本", Normalization(pinyin=True))
    assert {"保本", "bao本", "保ben", "baoben"} <= set(spellings)
    with pytest.raises(LiteralError, match="nothing to match"):
        literal_forms("!!", Normalization())


@pytest.mark.parametrize("texts", [
    ["稳!赚@不#赔", "", "穩穩賺賺", "ＡＢ 1 2"],
    ["保本"],
    ["𝐁𝐀𝐎 本 ①⑵", "赚\x00赚", "赚"],
])
def test_batch_views_map_every_position_back_to_the_original(texts: list[str]) -> None:
    batch = Batch(texts)
    key = key_of(Normalization())
    buf = batch.buffer(key)
    joined = batch.joined
    assert buf.origin is not None
    squeezed = buf.data.decode()
    # the squeezed view of the batch is each text squeezed, joined at the boundaries
    assert squeezed.split("\x00") == [canonical_squeezed(t.replace("\x00", " ")) for t in texts]
    # and every kept character is the canonical form of the original character it came from
    canonical = batch.canonical_text(key.text)
    assert all(canonical[o] == ch for o, ch in zip(buf.origin.tolist(), squeezed, strict=True))
    assert len(canonical) == len(joined)
    plain = batch.buffer(ViewKey(key.text, False, False))
    assert plain.origin is None and plain.data.decode() == canonical


def test_batch_spans_are_on_the_original_texts() -> None:
    import numpy as np

    texts = ["前言稳!赚@不#赔", "稳赚不赔"]
    buf = Batch(texts).buffer(key_of(Normalization()))
    data = buf.data
    first = data.index("稳赚不赔".encode())
    second = data.index("稳赚不赔".encode(), first + 1)
    n = len("稳赚不赔".encode())
    spans = buf.spans(np.array([first, second]), np.array([first + n, second + n]))
    assert spans.text.tolist() == [0, 1]
    assert [texts[t][s:e] for t, s, e in zip(spans.text, spans.start, spans.end, strict=True)] \
        == ["稳!赚@不#赔", "稳赚不赔"]
    # a span across the boundary belongs to no text
    across = buf.spans(np.array([first]), np.array([second + 3]))
    assert across.text.tolist() == [-1]
