"""Turn lexicon patterns into Hyperscan expressions that tolerate evasions.

The canonical text (:mod:`agents.sensitivity.normalize`) has fixed width, case, script, digits
and letters; what is left to evasion is *between* and *around* characters, so a literal becomes
an expression that allows, per rule switch:

- separators: up to three non-word characters between two characters (稳!赚@不#赔, 稳 赚,
  zero-width spaces);
- repeats: a character repeated (稳稳赚赚不赔);
- pinyin: a Chinese character spelled in toneless pinyin instead (bao本, baoben).
"""

from __future__ import annotations

from functools import cache

from agents.sensitivity.normalize import is_cjk
from agents.sensitivity.rules import Normalization

# Characters that are not letters, digits or ideographs: ASCII punctuation and space, Latin-1
# symbols, general punctuation (zero-width characters included), arrows and symbols, CJK
# punctuation, vertical forms, emoji. An explicit class: Hyperscan's Unicode \W is too large
# to compile with start-of-match tracking.
SEPARATOR_CLASS = (
    r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\x{a0}-\x{bf}\x{2000}-\x{206f}"
    r"\x{2190}-\x{2bff}\x{3000}-\x{303f}\x{fe30}-\x{fe4f}\x{ff01}-\x{ff0f}"
    r"\x{1f000}-\x{1faff}]"
)
SEPARATOR = SEPARATOR_CLASS + "{0,3}"
NUMERAL_PINYIN: dict[str, tuple[str, ...]] = {
    "0": ("ling",), "1": ("yi",), "2": ("er", "liang"), "3": ("san",), "4": ("si",),
    "5": ("wu",), "6": ("liu",), "7": ("qi",), "8": ("ba",), "9": ("jiu",)}
_SPECIAL = set("\\.^$|?*+()[]{}/-#&~ ")


def escape(ch: str) -> str:
    """One character as a Hyperscan literal."""
    if ch in _SPECIAL or (ch.isascii() and not ch.isalnum()):
        return "\\" + ch if ch != " " else "\\x20"
    return ch


@cache
def pinyin_of(ch: str) -> tuple[str, ...]:
    """Toneless pinyin readings of a character (all of them, for heteronyms)."""
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(sorted({r for group in readings for r in group if r.isascii() and r.isalpha()}))


def literal_expression(literal: str, norm: Normalization) -> str:
    """A Hyperscan expression for a (normalised) literal under the rule's switches."""
    chars = [ch for ch in literal if not norm.separators or ch.isalnum() or is_cjk(ch)]
    if not chars:
        raise ValueError(f"literal {literal!r} has nothing to match")
    parts: list[str] = []
    for ch in chars:
        atom = escape(ch)
        if norm.pinyin and (is_cjk(ch) or ch in NUMERAL_PINYIN):
            # a digit here was a Chinese numeral before normalisation (零 → 0): allow its pinyin
            readings = pinyin_of(ch) if is_cjk(ch) else NUMERAL_PINYIN[ch]
            if readings:
                atom = "(?:" + "|".join([atom, *readings]) + ")"
        if norm.repeats:
            atom = f"(?:{atom})+" if len(atom) > 1 and not atom.startswith("(?:") else atom + "+"
        parts.append(atom)
    return (SEPARATOR if norm.separators else "").join(parts)
