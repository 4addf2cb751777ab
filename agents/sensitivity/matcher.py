"""The compiled lexicon and the scan that finds hits on the original texts of a batch.

Every literal of every rule (each in its canonical, squeezed form and its pinyin spellings, see
:mod:`agents.sensitivity.patterns`), the risk-notice triggers and the accepted notices go into
one Hyperscan database compiled with the pure-literal API (``hs_compile_lit_multi``): word
lists of any size, no regex parsing, Hyperscan's literal matchers. The lexicon's regular
expressions (personal data, numbers) go into a second, small database compiled with
``hs_compile_multi`` (UTF-8, leftmost start of match); Hyperscan cannot mix the two in one
database. Both are cached on disk under the lexicon version; a cached load takes
milliseconds. A scratch belongs to one thread.

:meth:`Matcher.scan_many` scans a whole batch in one Hyperscan call per view
(:mod:`agents.sensitivity.views`); a hit counts only in the view its rule asked for. Byte
offsets become character offsets, and squeezed offsets become original offsets, in NumPy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import hyperscan
import numpy as np

from agents.sensitivity.lexicon import Lexicon
from agents.sensitivity.normalize import normalize
from agents.sensitivity.patterns import literal_forms
from agents.sensitivity.rules import Normalization, Rule
from agents.sensitivity.validators import VALIDATORS
from agents.sensitivity.views import Batch, ViewKey, key_of, literal_key, regex_key

REGEX_FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SOM_LEFTMOST
COMPILER = "2"  # bump when the way rules become databases changes (it keys the disk cache)
_CLAUSE_END = re.compile(r"[。！？!?；;，,\n\x00]")
CONTEXT = 8
# Texts per Hyperscan call: large enough that per-call costs vanish, small enough that a
# chunk's arrays stay in cache (measured: 256 beats 1,024 and 2,048 by a third).
CHUNK = 256
Role = Literal["rule", "trigger", "notice"]


@dataclass(frozen=True)
class Entry:
    """What one expression in a database stands for."""

    role: Role
    rule: Rule | None          # None for risk-notice triggers and notices
    key: ViewKey               # the view it is matched in
    expression: str            # a plain literal (canonical form) or a regular expression
    regex: bool
    validator: str | None = None


@dataclass(frozen=True)
class Match:
    """A hit: a rule matched characters ``start:end`` of the original text."""

    rule: Rule
    start: int
    end: int


@dataclass
class TextScan:
    """What a scan found in one text."""

    matches: list[Match] = field(default_factory=list)
    trigger: tuple[int, int] | None = None   # first risk-notice trigger (a product marketed)
    notice: bool = False                     # an accepted risk notice is present


class PatternError(ValueError):
    """Patterns Hyperscan cannot compile, named by rule."""


def entries_for(lexicon: Lexicon) -> list[Entry]:
    """One entry per literal spelling or regex of every rule, and the risk-notice terms."""
    out: list[Entry] = []
    for rule in lexicon.rules:
        for pattern in rule.patterns:
            if pattern.literal is not None:
                key = literal_key(rule.normalize)
                out.extend(Entry("rule", rule, key, form, False)
                           for form in literal_forms(pattern.literal, rule.normalize))
            else:
                out.append(Entry("rule", rule, regex_key(rule.normalize), str(pattern.regex),
                                 True, pattern.validator))
    notice = lexicon.risk_notice
    if notice is not None:
        norm = Normalization()
        for role, terms in (("trigger", notice.triggers), ("notice", notice.notices)):
            for term in terms:
                out.extend(Entry(role, None, key_of(norm), form, False)  # type: ignore[arg-type]
                           for form in literal_forms(term, norm))
    return out


def compile_regexes(expressions: list[str], names: list[str]) -> hyperscan.Database:
    """Compile regexes; on failure, find and name the ones that do not compile."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[e.encode() for e in expressions],
                   ids=list(range(len(expressions))), flags=[REGEX_FLAGS] * len(expressions))
    except hyperscan.error as exc:
        bad = []
        for expression, name in zip(expressions, names, strict=True):
            single = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            try:
                single.compile(expressions=[expression.encode()], flags=[REGEX_FLAGS])
            except hyperscan.error as one:
                bad.append(f"{name}: {expression!r}: {one}")
        raise PatternError("; ".join(bad) or str(exc)) from exc
    return db


def compile_literals(literals: list[bytes]) -> hyperscan.Database:
    """Compile plain literals with Hyperscan's pure-literal API."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=literals, ids=list(range(len(literals))),
               flags=[0] * len(literals), literal=True)
    return db


class Matcher:
    """A compiled lexicon: scan batches of texts, get matches on the original texts."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self.version = lexicon.version
        self.entries = entries_for(lexicon)
        # Literal database: one id per distinct literal; an id stands for every entry of it.
        by_literal: dict[str, list[int]] = {}
        regexes: list[int] = []
        for i, entry in enumerate(self.entries):
            if entry.regex:
                regexes.append(i)
            else:
                by_literal.setdefault(entry.expression, []).append(i)
        self.literals = tuple(by_literal)
        self._literal_entries = [tuple(by_literal[lit]) for lit in self.literals]
        self._literal_bytes = np.asarray([len(lit.encode("utf-8")) for lit in self.literals],
                                         dtype=np.int64)
        self._regex_entries = regexes
        self._literal_keys = sorted({self.entries[i].key for i in range(len(self.entries))
                                     if not self.entries[i].regex})
        self._regex_keys = sorted({self.entries[i].key for i in regexes})
        self.literal_db = self._load_or_compile(cache_dir, "lit", self._compile_literals)
        self.regex_db = self._load_or_compile(cache_dir, "re", self._compile_regexes)
        self._exceptions = {  # under the character tables only: punctuation in them counts
            r.id: re.compile("|".join(re.escape(normalize(x, r.normalize)) for x in sorted(
                r.exceptions, key=len, reverse=True)))
            for r in lexicon.rules if r.exceptions}
        self._local = threading.local()
        self._main = self._new_scratches()

    # -- building ----------------------------------------------------------------------------

    def _compile_literals(self) -> hyperscan.Database | None:
        if not self.literals:
            return None
        return compile_literals([lit.encode("utf-8") for lit in self.literals])

    def _compile_regexes(self) -> hyperscan.Database | None:
        if not self._regex_entries:
            return None
        chosen = [self.entries[i] for i in self._regex_entries]
        return compile_regexes([e.expression for e in chosen],
                               [e.rule.id if e.rule else e.role for e in chosen])

    def _load_or_compile(self, cache_dir: Path | None, kind: str,
                         build: Callable[[], hyperscan.Database | None],
                         ) -> hyperscan.Database | None:
        path = cache_dir / f"lexicon-{self.version}-c{COMPILER}.{kind}.hsdb" if cache_dir \
            else None
        if path is not None and path.is_file():
            try:
                return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
            except hyperscan.error:
                path.unlink(missing_ok=True)  # a database of another Hyperscan build
        db = build()
        if path is not None and db is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(hyperscan.dumpb(db))
            tmp.replace(path)
        return db

    def database_bytes(self) -> int:
        """Serialised size of the compiled databases."""
        return sum(len(hyperscan.dumpb(db)) for db in (self.literal_db, self.regex_db) if db)

    def _new_scratches(self) -> tuple[hyperscan.Scratch | None, hyperscan.Scratch | None]:
        return (hyperscan.Scratch(self.literal_db) if self.literal_db else None,
                hyperscan.Scratch(self.regex_db) if self.regex_db else None)

    def _scratches(self) -> tuple[hyperscan.Scratch | None, hyperscan.Scratch | None]:
        """Scratches for the calling thread (scratches must not be shared between threads)."""
        if threading.current_thread() is threading.main_thread():
            return self._main
        scratches = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = self._local.scratches = self._new_scratches()
        return scratches

    # -- scanning ----------------------------------------------------------------------------

    def scan(self, text: str) -> list[Match]:
        """Every rule hit in one text, as character spans of it, exceptions applied."""
        return self.scan_many([text])[0].matches

    def scan_many(self, texts: Sequence[str]) -> list[TextScan]:
        """Scan a batch of texts: one Hyperscan call per view per :data:`CHUNK` texts."""
        if len(texts) <= CHUNK:
            return self._scan_chunk(texts)
        out: list[TextScan] = []
        for i in range(0, len(texts), CHUNK):
            out.extend(self._scan_chunk(texts[i:i + CHUNK]))
        return out

    def _scan_chunk(self, texts: Sequence[str]) -> list[TextScan]:
        scans = [NO_HITS] * len(texts)
        if not texts:
            return scans
        batch = Batch(texts)
        lit_scratch, re_scratch = self._scratches()
        found: list[tuple[Entry, int, int, int, int]] = []
        if self.literal_db is not None:
            for key in self._literal_keys:
                found.extend(self._scan_literals(batch, key, lit_scratch))
        if self.regex_db is not None:
            for key in self._regex_keys:
                found.extend(self._scan_regexes(batch, key, re_scratch))
        if not found:
            return scans
        per_text: dict[int, TextScan] = {}
        for entry, text, start, end, gstart in sorted(found, key=_position):
            scan = per_text.get(text)
            if scan is None:
                scan = per_text[text] = TextScan()
            if entry.role == "trigger":
                if scan.trigger is None:
                    scan.trigger = (start, end)
                continue
            if entry.role == "notice":
                scan.notice = True
                continue
            rule = entry.rule
            assert rule is not None
            if entry.validator and not VALIDATORS[entry.validator](
                    batch.canonical_text(entry.key.text), gstart, gstart + end - start):
                continue
            if self._excepted(rule, entry.key, batch, gstart, gstart + end - start):
                continue
            scan.matches.append(Match(rule, start, end))
        for text, scan in per_text.items():
            scan.matches = _one_span_per_place(scan.matches)
            scans[text] = scan
        return scans

    def _scan_literals(self, batch: Batch, key: ViewKey, scratch: hyperscan.Scratch | None,
                       ) -> Iterable[tuple[Entry, int, int, int, int]]:
        buf = batch.buffer(key)
        raw: list[tuple[int, int]] = []

        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            raw.append((ident, to))

        assert self.literal_db is not None
        self.literal_db.scan(buf.data, match_event_handler=on_match, scratch=scratch)
        if not raw:
            return ()
        ids = np.fromiter((r[0] for r in raw), dtype=np.int64, count=len(raw))
        ends = np.fromiter((r[1] for r in raw), dtype=np.int64, count=len(raw))
        starts = ends - self._literal_bytes[ids]
        spans = buf.spans(starts, ends)
        out = []
        for row, ident in enumerate(ids.tolist()):
            text = int(spans.text[row])
            if text < 0:
                continue
            for i in self._literal_entries[ident]:
                entry = self.entries[i]
                if entry.key == key:
                    out.append((entry, text, int(spans.start[row]), int(spans.end[row]),
                                int(spans.gstart[row])))
        return out

    def _scan_regexes(self, batch: Batch, key: ViewKey, scratch: hyperscan.Scratch | None,
                      ) -> Iterable[tuple[Entry, int, int, int, int]]:
        buf = batch.buffer(key)
        raw: list[tuple[int, int, int]] = []

        def on_match(ident: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            raw.append((ident, start, end))

        assert self.regex_db is not None
        self.regex_db.scan(buf.data, match_event_handler=on_match, scratch=scratch)
        if not raw:
            return ()
        spans = buf.spans(np.asarray([r[1] for r in raw], dtype=np.int64),
                          np.asarray([r[2] for r in raw], dtype=np.int64))
        out = []
        for row, (ident, _, _) in enumerate(raw):
            entry = self.entries[self._regex_entries[ident]]
            text = int(spans.text[row])
            if text >= 0 and entry.key == key:
                out.append((entry, text, int(spans.start[row]), int(spans.end[row]),
                            int(spans.gstart[row])))
        return out

    def _excepted(self, rule: Rule, key: ViewKey, batch: Batch, start: int, end: int) -> bool:
        """An exception phrase cancels a hit it overlaps (非保本 ⊃ 保本) or that stands in its
        context: within :data:`CONTEXT` characters of it in the same clause (警惕虚拟货币).
        Offsets are in the joined batch; the window is the canonical text, not squeezed (an
        exception may hinge on punctuation: 第一、 is a list, not a claim)."""
        phrases = self._exceptions.get(rule.id)
        if phrases is None:
            return False
        canonical = batch.canonical_text(key.text)
        lo, hi = max(0, start - CONTEXT), min(len(canonical), end + CONTEXT)
        for cut in _CLAUSE_END.finditer(canonical, lo, start):
            lo = cut.end()
        stop = _CLAUSE_END.search(canonical, end, hi)
        return phrases.search(canonical, lo, stop.start() if stop else hi) is not None


NO_HITS = TextScan()  # shared by every text without hits: read, never modify


def _position(found: tuple[Entry, int, int, int, int]) -> tuple[int, int, int, str]:
    entry, text, start, end, _ = found
    return text, start, -end, entry.rule.id if entry.rule else entry.role


def _one_span_per_place(matches: list[Match]) -> list[Match]:
    """Per rule, keep the leftmost-longest of overlapping spans (稳赚不赔, not also 稳赚)."""
    out: list[Match] = []
    last_end: dict[str, int] = {}
    for match in matches:  # sorted by start, longest first
        if match.start < last_end.get(match.rule.id, -1):
            continue
        out.append(match)
        last_end[match.rule.id] = match.end
    return out
