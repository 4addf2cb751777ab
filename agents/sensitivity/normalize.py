"""Map text to a canonical form, one character to one character.

Every transformation here maps a single character to a single character, so the canonical
text has the same length as the original and a character offset in one *is* the offset in the
other: a hit found on the canonical text is shown on the original text exactly, with no offset
table to build or consult. That also keeps normalisation at C speed (``str.translate``).

Transformations that change length — symbols inserted between characters (稳!赚@不#赔),
repeated characters (稳稳赚赚), pinyin spellings (bao本) — are handled by the patterns instead
(:mod:`agents.sensitivity.patterns`), which tolerate them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache

from agents.sensitivity.rules import Normalization

CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_CN_DIGITS = {"零": "0", "〇": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2",
              "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9"}
# The flags that change the characters (the others shape the patterns).
TEXT_FLAGS = ("width", "case", "traditional", "digits", "latin")


def _single(ch: str) -> str | None:
    return ch if len(ch) == 1 else None


def _width_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "
    return table


def _case_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x20, 0x2000):
        ch = chr(cp)
        low = ch.lower()
        if low != ch and len(low) == 1:
            table[cp] = low
    for cp in range(0xFF21, 0xFF3B):  # full-width capitals, in case width folding is off
        table[cp] = chr(cp + 0x20)
    return table


def _digit_table() -> dict[int, str]:
    table: dict[int, str] = {ord(k): v for k, v in _CN_DIGITS.items()}
    for cp in range(0x2460, 0x24FF):  # ①⑴⒈ …: circled, parenthesised, full-stop digits
        value = unicodedata.digit(chr(cp), None)
        if value is not None:
            table[cp] = str(value)
    for cp in range(0x2776, 0x2794):  # ❶➀➊
        value = unicodedata.digit(chr(cp), None)
        if value is not None:
            table[cp] = str(value)
    for cp in range(0xFF10, 0xFF1A):
        table[cp] = chr(cp - 0xFF10 + 0x30)
    for cp in range(0x1D7CE, 0x1D800):  # mathematical digits 𝟎𝟏
        table[cp] = str(unicodedata.digit(chr(cp)))
    return table


def _latin_table() -> dict[int, str]:
    """Stylised Latin letters (𝐀 𝒂 𝔞 Ⓐ ⓐ 🄰 …) to plain lower-case ASCII."""
    table: dict[int, str] = {}
    ranges = ((0x1D400, 0x1D6A4), (0x24B6, 0x24EA), (0x1F130, 0x1F18A), (0x1F1E6, 0x1F200),
              (0x2100, 0x2150))
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            folded = unicodedata.normalize("NFKC", ch)
            if len(folded) == 1 and folded.isascii() and folded.isalpha():
                table[cp] = folded.lower()
            elif 0x1F130 <= cp < 0x1F18A or 0x1F1E6 <= cp < 0x1F200:
                name = unicodedata.name(ch, "")
                letter = name.rsplit(" ", 1)[-1]
                if len(letter) == 1 and letter.isalpha():
                    table[cp] = letter.lower()
    return table


def _traditional_table() -> dict[int, str]:
    """Traditional → simplified, character by character (OpenCC's t2s on each character)."""
    import opencc

    converter = opencc.OpenCC("t2s")
    chars = "".join(chr(cp) for lo, hi in CJK_RANGES for cp in range(lo, hi + 1))
    # One call for all characters: t2s is character-level for isolated characters, but
    # separate them so no phrase rule ever joins neighbours.
    converted = converter.convert("\n".join(chars)).split("\n")
    table: dict[int, str] = {}
    if len(converted) == len(chars):
        for ch, simp in zip(chars, converted, strict=True):
            if simp != ch and len(simp) == 1:
                table[ord(ch)] = simp
    return table


@cache
def _tables() -> dict[str, dict[int, str]]:
    return {"width": _width_table(), "case": _case_table(), "digits": _digit_table(),
            "latin": _latin_table(), "traditional": _traditional_table()}


@dataclass(frozen=True)
class View:
    """One canonical form of text: the translation for a set of switched-on transformations."""

    flags: tuple[str, ...]
    table: dict[int, str]
    # The table as a list indexed by code point: ``str.translate`` is twice as fast with it as
    # with the dict (code points past its end raise IndexError, i.e. stay as they are).
    lookup: list[str] = field(repr=False, compare=False)

    def apply(self, text: str) -> str:
        """The canonical text (same length as ``text``)."""
        return text.translate(self.lookup)


def _as_list(table: dict[int, str]) -> list[str]:
    lookup = [chr(cp) for cp in range(max(table, default=0x7F) + 1)]
    for cp, ch in table.items():
        lookup[cp] = ch
    return lookup


@cache
def view_for(flags: tuple[str, ...]) -> View:
    """The composed translation for these transformation names (order-independent)."""
    tables = _tables()
    key = tuple(sorted(set(flags)))
    # Compose: apply in a fixed order so e.g. full-width Ａ → A → a.
    order = [name for name in ("width", "latin", "traditional", "digits", "case") if name in key]
    domain: set[int] = set()
    for name in order:
        domain.update(tables[name])
    composed: dict[int, str] = {}
    for cp in domain:
        ch = chr(cp)
        for name in order:
            ch = tables[name].get(ord(ch), ch)
        if ch != chr(cp):
            composed[cp] = ch
    # Lower-casing must also apply to letters that other steps produced (Ａ → A → a).
    if "case" in key:
        for cp, ch in list(composed.items()):
            composed[cp] = tables["case"].get(ord(ch), ch)
    return View(key, composed, _as_list(composed))


def flags_of(norm: Normalization) -> tuple[str, ...]:
    """The text-changing transformations a rule has switched on."""
    return tuple(sorted(name for name in TEXT_FLAGS if getattr(norm, name)))


def normalize(text: str, norm: Normalization | None = None) -> str:
    """Canonical form of ``text`` under ``norm`` (all transformations by default)."""
    return view_for(flags_of(norm or Normalization())).apply(text)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)
