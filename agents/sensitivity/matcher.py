"""One Hyperscan database for the whole lexicon, and the scan that finds hits on original text.

Every pattern of every rule becomes one expression (ids index :attr:`Matcher.entries`), compiled
with UTF-8 and leftmost start-of-match, so each hit has a span. The
serialised database is cached on disk under the lexicon version; a cached load takes
milliseconds. A scratch belongs to one thread: :meth:`Matcher.for_thread` clones one.

Text is scanned once per distinct set of text transformations in use (normally one: all on);
a hit counts only for rules that use the set it was found under. Transformations are 1:1 in
characters, so a character span in the canonical text is the span in the original text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import hyperscan

from agents.sensitivity.lexicon import Lexicon
from agents.sensitivity.normalize import View, flags_of, normalize, view_for
from agents.sensitivity.patterns import literal_expression
from agents.sensitivity.rules import Normalization, Rule
from agents.sensitivity.validators import VALIDATORS

FULL_VIEW = flags_of(Normalization())
FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SOM_LEFTMOST
_NON_WORD = re.compile(r"\W+")
_CLAUSE_END = re.compile(r"[。！？!?；;，,\n]")
CONTEXT = 8


@dataclass(frozen=True)
class Entry:
    """What one expression in the database stands for."""

    rule: Rule
    view: tuple[str, ...]
    expression: str
    validator: str | None


@dataclass(frozen=True)
class Match:
    """A raw hit: a rule matched characters ``start:end`` of the text."""

    rule: Rule
    start: int
    end: int


class PatternError(ValueError):
    """Patterns Hyperscan cannot compile, named by rule."""


def entries_for(rules: Iterable[Rule]) -> list[Entry]:
    """One entry per pattern, expressions built for each rule's switches."""
    out: list[Entry] = []
    for rule in rules:
        view = flags_of(rule.normalize)
        for pattern in rule.patterns:
            if pattern.literal is not None:
                literal = normalize(pattern.literal, rule.normalize)
                expression = literal_expression(literal, rule.normalize)
            else:
                expression = str(pattern.regex)
            out.append(Entry(rule, view, expression, pattern.validator))
    return out


def compile_entries(entries: list[Entry]) -> hyperscan.Database:
    """Compile; on failure, find and name the rules whose patterns do not compile."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[e.expression.encode() for e in entries],
                   ids=list(range(len(entries))), flags=[FLAGS] * len(entries))
    except hyperscan.error as exc:
        bad = []
        for entry in entries:
            single = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            try:
                single.compile(expressions=[entry.expression.encode()], flags=[FLAGS])
            except hyperscan.error as one:
                bad.append(f"{entry.rule.id}: {entry.expression!r}: {one}")
        raise PatternError("; ".join(bad) or str(exc)) from exc
    return db


class Matcher:
    """A compiled lexicon: scan text, get matches on the original text."""

    def __init__(self, lexicon: Lexicon, cache_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        self.version = lexicon.version
        self.entries = entries_for(lexicon.rules)
        self.views: dict[tuple[str, ...], View] = {
            e.view: view_for(e.view) for e in self.entries}
        self.db = self._load_or_compile(cache_dir)
        self.scratch = hyperscan.Scratch(self.db)
        self._exceptions = {
            r.id: tuple(normalize(x, r.normalize) for x in r.exceptions)
            for r in lexicon.rules if r.exceptions}
        self._local = threading.local()
        notice = lexicon.risk_notice
        self._triggers = tuple(normalize(t) for t in notice.triggers) if notice else ()
        self._notices = tuple(_NON_WORD.sub("", normalize(n)) for n in notice.notices) \
            if notice else ()

    def _load_or_compile(self, cache_dir: Path | None) -> hyperscan.Database:
        path = cache_dir / f"lexicon-{self.version}.hsdb" if cache_dir else None
        if path is not None and path.is_file():
            try:
                return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
            except hyperscan.error:
                path.unlink(missing_ok=True)  # a database of another Hyperscan build
        db = compile_entries(self.entries)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(hyperscan.dumpb(db))
            tmp.replace(path)
        return db

    def _thread_scratch(self) -> hyperscan.Scratch:
        """A scratch for the calling thread (scratches must not be shared between threads)."""
        scratch: hyperscan.Scratch | None = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self.scratch if threading.current_thread() is threading.main_thread() \
                else self.scratch.clone()
            self._local.scratch = scratch
        return scratch

    def scan(self, text: str) -> list[Match]:
        """Every rule hit in ``text``, as character spans of ``text``, exceptions applied."""
        return self.scan_with_canonical(text)[0]

    def scan_with_canonical(self, text: str) -> tuple[list[Match], str]:
        """:meth:`scan`, plus the text's canonical form under all transformations."""
        matches: list[Match] = []
        scratch = self._thread_scratch()
        full = ""
        for flags, view in self.views.items():
            canonical = view.apply(text)
            if flags == FULL_VIEW:
                full = canonical
            data = canonical.encode("utf-8")
            raw: list[tuple[int, int, int]] = []

            def on_match(ident: int, start: int, end: int, _flags: int, _ctx: object,
                         raw: list[tuple[int, int, int]] = raw) -> None:
                raw.append((ident, start, end))

            self.db.scan(data, match_event_handler=on_match, scratch=scratch)
            if not raw:
                continue
            ascii_only = len(data) == len(canonical)
            for ident, bstart, bend in _leftmost_longest(raw):
                entry = self.entries[ident]
                if entry.view != flags:
                    continue
                start, end = (bstart, bend) if ascii_only else (
                    len(data[:bstart].decode("utf-8", "ignore")),
                    len(data[:bend].decode("utf-8", "ignore")))
                if entry.validator and not VALIDATORS[entry.validator](canonical, start, end):
                    continue
                if self._excepted(entry.rule, canonical, start, end):
                    continue
                matches.append(Match(entry.rule, start, end))
        return matches, full or normalize(text)

    def _excepted(self, rule: Rule, canonical: str, start: int, end: int) -> bool:
        """An exception phrase cancels a hit it overlaps (非保本 ⊃ 保本) or that stands in its
        context: within :data:`CONTEXT` characters of it in the same clause (警惕虚拟货币)."""
        phrases = self._exceptions.get(rule.id)
        if not phrases:
            return False
        lo, hi = max(0, start - CONTEXT), min(len(canonical), end + CONTEXT)
        for cut in _CLAUSE_END.finditer(canonical, lo, start):
            lo = cut.end()
        stop = _CLAUSE_END.search(canonical, end, hi)
        window = canonical[lo:stop.start() if stop else hi]
        return any(phrase in window for phrase in phrases)

    def find_trigger(self, canonical: str) -> tuple[int, int] | None:
        """Span of the first risk-notice trigger (a product being marketed) in canonical text."""
        for trigger in self._triggers:
            pos = canonical.find(trigger)
            if pos != -1:
                return pos, pos + len(trigger)
        return None

    def has_notice(self, canonical: str) -> bool:
        """True if the canonical text carries an accepted risk notice (punctuation ignored)."""
        squeezed = _NON_WORD.sub("", canonical)
        return any(notice in squeezed for notice in self._notices)


def _leftmost_longest(raw: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Hyperscan reports every end offset; keep one span per (expression, start): the longest,
    and drop spans of an expression that lie inside a longer span of the same expression."""
    best: dict[tuple[int, int], int] = {}
    for ident, start, end in raw:
        key = (ident, start)
        if best.get(key, -1) < end:
            best[key] = end
    spans = sorted(((i, s, e) for (i, s), e in best.items()), key=lambda t: (t[0], t[1], -t[2]))
    out: list[tuple[int, int, int]] = []
    for ident, start, end in spans:
        if out and out[-1][0] == ident and start < out[-1][2]:
            continue  # overlaps the previous span of the same expression
        out.append((ident, start, end))
    return out
