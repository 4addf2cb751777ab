"""Map text to a canonical form: character tables, then squeezing.

Two stages:

1. **Character tables** (1:1): full/half width, case, traditional→simplified, digit styles
   (①⑴一二三０ → 1), stylised Latin letters (𝐀 Ⓐ → a). Each maps one character to one
   character, so the *canonical* text has the same length as the original.
2. **Squeezing** (shortens): separators between characters are dropped (稳!赚@不#赔, zero-width
   spaces, emoji) and runs of one repeated ideograph collapse to one (稳稳赚赚 → 稳赚). Lexicon
   literals are squeezed the same way, so they match as plain literals.

:mod:`agents.sensitivity.views` applies both to a whole batch of texts at once (NumPy) and keeps
the offset map from the squeezed text back to the original; the functions here are the
per-string forms (literals, exception windows, the CLI). Pinyin spellings (bao本) are handled
by expanding literals (:mod:`agents.sensitivity.patterns`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import numpy.typing as npt

from agents.sensitivity.rules import Normalization

CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_CN_DIGITS = {"零": "0", "〇": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2",
              "叁": "3", "肆": "4", "伍": "5", "陆": "6", "柒": "7", "捌": "8", "玖": "9"}
# The flags that change the characters (1:1); ``separators`` and ``repeats`` squeeze.
TEXT_FLAGS = ("width", "case", "traditional", "digits", "latin")
UNICODE_SIZE = 0x110000
# Code points that are not letters, digits or ideographs and may be inserted between the
# characters of a word: ASCII punctuation and space (NUL excepted: it marks text boundaries in a
# batch), Latin-1 symbols, general punctuation (zero-width characters included), arrows and
# symbols, CJK punctuation, vertical forms, full-width punctuation, emoji.
SEPARATOR_RANGES = (
    (0x01, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7F), (0xA0, 0xBF), (0x2000, 0x206F),
    (0x2190, 0x2BFF), (0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF01, 0xFF0F), (0xFF1A, 0xFF20),
    (0xFF3B, 0xFF40), (0xFF5B, 0xFF65), (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF))


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


def _mask(ranges: tuple[tuple[int, int], ...]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(UNICODE_SIZE, dtype=np.bool_)
    for lo, hi in ranges:
        mask[lo:hi + 1] = True
    return mask


SEPARATOR_MASK = _mask(SEPARATOR_RANGES)
CJK_MASK = _mask(CJK_RANGES)
_DELETE = {cp: None for lo, hi in SEPARATOR_RANGES for cp in range(lo, hi + 1)}
_CJK_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in CJK_RANGES)
_REPEAT = re.compile(f"([{_CJK_CLASS}])\\1+")


def is_separator(ch: str) -> bool:
    """True for a character squeezing drops."""
    return ord(ch) in _DELETE


def squeeze(text: str, separators: bool = True, repeats: bool = True) -> str:
    """Drop separators and collapse repeated ideographs (apply to canonical text)."""
    if separators:
        text = text.translate(_DELETE)
    if repeats:
        text = _REPEAT.sub(r"\1", text)
    return text


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

    @cached_property
    def codes(self) -> npt.NDArray[np.uint32]:
        """The table as an array over all code points, for batches (:mod:`views`)."""
        codes = np.arange(UNICODE_SIZE, dtype=np.uint32)
        if self.table:
            codes[np.fromiter(self.table, np.int64)] = np.fromiter(
                (ord(c) for c in self.table.values()), np.uint32)
        return codes


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
    """Canonical form of ``text`` under ``norm``'s character tables (1:1, same length)."""
    return view_for(flags_of(norm or Normalization())).apply(text)


def canonical_squeezed(text: str, norm: Normalization | None = None) -> str:
    """``text`` under every transformation ``norm`` switches on: tables, then squeezing."""
    norm = norm or Normalization()
    return squeeze(normalize(text, norm), norm.separators, norm.repeats)


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph."""
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)
