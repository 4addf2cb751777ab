"""Turn a lexicon literal into the plain literals Hyperscan looks for.

A literal is written the way a person reads it (保本, 稳赚不赔). It is brought to the form of the
text it will be matched in — the rule's character tables, then squeezing
(:func:`agents.sensitivity.normalize.canonical_squeezed`) — so separators and repeats in the
text cost nothing at match time. With ``pinyin`` on, each Chinese character (and each digit
that stands for a Chinese numeral) may also be spelled in toneless pinyin, so a literal expands
into its spellings (保本 → 保本, bao本, 保ben, baoben); heteronyms count every reading.
"""

from __future__ import annotations

from functools import cache
from itertools import product

from agents.sensitivity.normalize import canonical_squeezed, is_cjk
from agents.sensitivity.rules import Normalization

NUMERAL_PINYIN: dict[str, tuple[str, ...]] = {
    "0": ("ling",), "1": ("yi",), "2": ("er", "liang"), "3": ("san",), "4": ("si",),
    "5": ("wu",), "6": ("liu",), "7": ("qi",), "8": ("ba",), "9": ("jiu",)}
MAX_SPELLINGS = 1024  # per literal: a longer phrase keeps the spellings of its first readings


class LiteralError(ValueError):
    """A literal that cannot be matched (nothing left once separators are dropped)."""


@cache
def pinyin_of(ch: str) -> tuple[str, ...]:
    """Toneless pinyin readings of a character (all of them, for heteronyms)."""
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(sorted({r for group in readings for r in group if r.isascii() and r.isalpha()}))


def _options(ch: str) -> tuple[str, ...]:
    readings = pinyin_of(ch) if is_cjk(ch) else NUMERAL_PINYIN.get(ch, ())
    return (ch, *readings)


def literal_forms(literal: str, norm: Normalization) -> list[str]:
    """The plain literals to look for: the canonical form, and its pinyin spellings."""
    canonical = canonical_squeezed(literal, norm)
    if not canonical.strip():
        raise LiteralError(f"literal {literal!r} has nothing to match")
    if not norm.pinyin:
        return [canonical]
    options = [_options(ch) for ch in canonical]
    count = 1
    for i, opts in enumerate(options):
        if count * len(opts) > MAX_SPELLINGS:
            options[i] = opts[:max(1, MAX_SPELLINGS // count)]
        count *= len(options[i])
    return list(dict.fromkeys("".join(parts) for parts in product(*options)))
