"""Canonical views of a whole batch of texts at once, with offset maps back to the originals.

The texts of a batch are joined with NUL (a boundary no literal contains and squeezing keeps)
into one array of code points. A *view* is that array under one set of transformations:

- the character tables (1:1, :mod:`agents.sensitivity.normalize`) by array lookup;
- squeezing by a mask: separators dropped, then an ideograph equal to the one kept before it
  dropped. The kept positions *are* the offset map: character ``i`` of the squeezed view is
  character ``origin[i]`` of the joined original.

The view is encoded as UTF-8 once and scanned by Hyperscan in one call for the whole batch;
:meth:`Buffer.spans` turns Hyperscan's byte offsets into (text, start, end) on the original
texts. Everything per character happens in NumPy; Python touches only the matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from agents.sensitivity.normalize import CJK_MASK, SEPARATOR_MASK, flags_of, view_for
from agents.sensitivity.rules import Normalization

BOUNDARY = "\x00"
Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.uint32]


class ViewKey(NamedTuple):
    """Which transformations a view applies: character tables by name, then squeezing."""

    text: tuple[str, ...]
    separators: bool
    repeats: bool

    @property
    def squeezed(self) -> bool:
        """True if this view drops or collapses characters (needs an offset map)."""
        return self.separators or self.repeats


def key_of(norm: Normalization) -> ViewKey:
    """The view a rule's switches ask for."""
    return ViewKey(flags_of(norm), norm.separators, norm.repeats)


def literal_key(norm: Normalization) -> ViewKey:
    """The view a rule's literals are matched in."""
    return key_of(norm)


def regex_key(norm: Normalization) -> ViewKey:
    """The view a rule's regular expressions are matched in: the character tables only, so a
    regex sees every character (separators and repeats are the regex's own business)."""
    return ViewKey(flags_of(norm), False, False)


class Spans(NamedTuple):
    """Matches located in the original texts (arrays, one row per match)."""

    text: Ints       # index of the text in the batch
    start: Ints      # character offsets in that original text
    end: Ints
    gstart: Ints     # the same offsets in the joined batch (for canonical context)
    gend: Ints


class Buffer:
    """One view of the batch, ready to scan."""

    def __init__(self, batch: Batch, key: ViewKey, codes: Codes, origin: Ints | None) -> None:
        self.batch = batch
        self.key = key
        self.codes = codes
        self.origin = origin  # view index → joined index; None: the identity (1:1 view)
        self.data = codes.tobytes().decode("utf-32-le", "surrogatepass").encode(
            "utf-8", "surrogatepass")

    @cached_property
    def _byte_starts(self) -> Ints | None:
        if len(self.data) == len(self.codes):
            return None  # ASCII: bytes are characters
        c = self.codes
        width = 1 + (c >= 0x80).astype(np.int64) + (c >= 0x800) + (c >= 0x10000)
        starts = np.zeros(len(c) + 1, dtype=np.int64)
        np.cumsum(width, out=starts[1:])
        return starts

    def spans(self, byte_start: Ints, byte_end: Ints) -> Spans:
        """Byte offsets of matches in :attr:`data` → spans on the original texts. A match that
        crosses a text boundary gets ``text == -1``."""
        starts = self._byte_starts
        if starts is None:
            cs, ce = byte_start, byte_end
        else:
            cs = np.searchsorted(starts, byte_start)
            ce = np.searchsorted(starts, byte_end)
        if self.origin is None:
            gs, ge = cs, ce
        else:
            gs, ge = self.origin[cs], self.origin[ce - 1] + 1
        b = self.batch
        text = np.searchsorted(b.starts, gs, side="right") - 1
        local_s, local_e = gs - b.starts[text], ge - b.starts[text]
        text = np.where(local_e <= b.lengths[text], text, -1)
        return Spans(text, local_s, local_e, gs, ge)


class Batch:
    """The texts of one batch, joined, and the views of them asked for so far."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        joined = BOUNDARY.join(t.replace(BOUNDARY, " ") if BOUNDARY in t else t for t in texts)
        self.joined = joined
        self.codes: Codes = np.frombuffer(
            joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.lengths: Ints = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        self.starts: Ints = np.zeros(len(texts), dtype=np.int64)
        if len(texts) > 1:
            np.cumsum(self.lengths[:-1] + 1, out=self.starts[1:])
        self._canonical: dict[tuple[str, ...], Codes] = {}
        self._canonical_text: dict[tuple[str, ...], str] = {}
        self._buffers: dict[ViewKey, Buffer] = {}

    def canonical_codes(self, flags: tuple[str, ...]) -> Codes:
        """The joined texts under these character tables."""
        codes = self._canonical.get(flags)
        if codes is None:
            codes = view_for(flags).codes[self.codes]
            self._canonical[flags] = codes
        return codes

    def canonical_text(self, flags: tuple[str, ...]) -> str:
        """:meth:`canonical_codes` as a string (offsets are those of :attr:`joined`)."""
        text = self._canonical_text.get(flags)
        if text is None:
            text = self.canonical_codes(flags).tobytes().decode("utf-32-le", "surrogatepass")
            self._canonical_text[flags] = text
        return text

    def buffer(self, key: ViewKey) -> Buffer:
        """The view ``key`` of the batch, encoded for scanning."""
        buf = self._buffers.get(key)
        if buf is None:
            canonical = self.canonical_codes(key.text)
            if not key.squeezed:
                buf = Buffer(self, key, canonical, None)
            else:
                origin = np.flatnonzero(~SEPARATOR_MASK[canonical]) if key.separators \
                    else np.arange(len(canonical), dtype=np.int64)
                kept = canonical[origin]
                if key.repeats and len(kept) > 1:
                    repeat = np.zeros(len(kept), dtype=np.bool_)
                    repeat[1:] = (kept[1:] == kept[:-1]) & CJK_MASK[kept[1:]]
                    if repeat.any():
                        origin, kept = origin[~repeat], kept[~repeat]
                buf = Buffer(self, key, kept, origin.astype(np.int64, copy=False))
            self._buffers[key] = buf
        return buf
