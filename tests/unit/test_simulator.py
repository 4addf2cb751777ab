"""The crawler simulator: deterministic, realistic, and honest about what ingest must do."""

from __future__ import annotations

import csv
import itertools
import math
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel, ValidationError

from pipeline.crawlers import simulated_content as content
from pipeline.crawlers.simulator import (
    DEFAULT_INCIDENT_WEIGHTS,
    INCIDENT_KINDS,
    SimulatedMessage,
    Simulator,
    SimulatorConfig,
    fake_bank_card,
    fake_id_card,
)
from schemas.events import (
    MAX_ITEMS_PER_PAGE,
    AccountKind,
    AccountSnapshot,
    AccountStatus,
    Comment,
    CompetitorGroup,
    CrawlEnvelope,
    Platform,
    Post,
    PostKind,
    RegisteredAccount,
)

ROSTER = Path(__file__).resolve().parents[2] / "examples" / "roster.csv"
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
EVENTS = 30_000


def load_roster() -> list[RegisteredAccount]:
    with ROSTER.open(encoding="utf-8", newline="") as fh:
        return [
            RegisteredAccount.model_validate(
                {**row, "competitor_group": row["competitor_group"] or None})
            for row in csv.DictReader(fh)
        ]


@dataclass
class Verdict:
    """What the ingest rule makes of one message."""

    valid: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    snapshots: list[AccountSnapshot] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    header_ok: bool = False
    items: int = 0


def judge(message: SimulatedMessage) -> Verdict:
    """Ingest's acceptance rule, re-implemented: header as a whole, then each event alone."""
    verdict = Verdict()
    try:
        envelope = CrawlEnvelope.model_validate(orjson.loads(message.value))
    except (orjson.JSONDecodeError, ValidationError):
        verdict.dead_letters = 1
        return verdict
    verdict.header_ok = True
    verdict.items = len(envelope.items)
    candidates: list[tuple[str, type[BaseModel], dict[str, Any]]] = []
    if envelope.snapshot is not None:
        candidates.append(("snapshot", AccountSnapshot, envelope.snapshot))
    candidates += [(item.type, Post if item.type == "post" else Comment, item.data)
                   for item in envelope.items]
    for kind, model, data in candidates:
        try:
            event: Any = model.model_validate(data)
        except ValidationError:
            verdict.dead_letters += 1
            continue
        if event.account_key != envelope.account_key or event.platform != envelope.platform:
            verdict.dead_letters += 1
            continue
        verdict.valid[kind] += 1
        if isinstance(event, AccountSnapshot):
            verdict.snapshots.append(event)
        elif isinstance(event, Post):
            verdict.posts.append(event)
        else:
            verdict.comments.append(event)
    return verdict


_SEPARATORS = re.compile(r"[\s·*_|\-]")
_SIMPLIFIED = {trad: simp for simp, trad in content.TRADITIONAL_VARIANTS.items()}
_NUMBERS = re.compile(r"\d{17}[\dX]|62\d{14,17}")


def looks_noncompliant(text: str) -> bool:
    """Undo the simulator's evasions, then look for a phrase or an ID / card number."""
    flat = _SEPARATORS.sub("", text)
    for trad, simp in _SIMPLIFIED.items():
        flat = flat.replace(trad, simp)
    return any(p in flat for p in content.NONCOMPLIANT_PHRASES) or bool(_NUMBERS.search(flat))


@pytest.fixture(scope="module")
def roster() -> list[RegisteredAccount]:
    return load_roster()


@pytest.fixture(scope="module")
def stream(roster: list[RegisteredAccount]) -> list[SimulatedMessage]:
    return list(Simulator(roster, SimulatorConfig(), start=START).take(EVENTS, backfill_days=3))


@pytest.fixture(scope="module")
def verdicts(stream: list[SimulatedMessage]) -> list[Verdict]:
    return [judge(m) for m in stream]


def _fingerprint(messages: Iterable[SimulatedMessage]) -> list[tuple[Any, ...]]:
    return [(m.key, m.value, m.events, m.valid, m.dead_letters, m.crawled_at) for m in messages]


# -- determinism ---------------------------------------------------------------------------------


def test_same_seed_and_start_give_identical_bytes(roster: list[RegisteredAccount]) -> None:
    a = Simulator(roster, SimulatorConfig(seed=11), start=START)
    b = Simulator(list(roster), SimulatorConfig(seed=11), start=START)
    assert _fingerprint(a.take(5_000)) == _fingerprint(b.take(5_000))
    # a second pass over the same simulator starts from scratch
    assert _fingerprint(a.take(5_000)) == _fingerprint(b.take(5_000))


def test_different_seed_or_start_differ(roster: list[RegisteredAccount]) -> None:
    base = [m.value for m in Simulator(roster, SimulatorConfig(seed=1), start=START).take(2_000)]
    other_seed = [m.value for m in Simulator(roster, SimulatorConfig(seed=2),
                                             start=START).take(2_000)]
    later = [m.value for m in Simulator(roster, SimulatorConfig(seed=1),
                                        start=START + timedelta(hours=1)).take(2_000)]
    assert base != other_seed
    assert base != later


def test_default_start_is_now_truncated_to_the_minute(roster: list[RegisteredAccount]) -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    sim = Simulator(roster)
    assert sim.start.tzinfo is not None and sim.start.utcoffset() == timedelta(0)
    assert sim.start.second == 0 and sim.start.microsecond == 0
    assert before <= sim.start <= datetime.now(UTC)


def test_take_stops_after_the_message_that_reaches_the_target(
        roster: list[RegisteredAccount]) -> None:
    messages = list(Simulator(roster, start=START).take(1_234))
    total = sum(m.events for m in messages)
    assert total >= 1_234
    assert total - messages[-1].events < 1_234
    assert list(Simulator(roster, start=START).take(0)) == []


# -- what ingest must do ---------------------------------------------------------------------------


def test_expectations_match_the_ingest_rule(stream: list[SimulatedMessage],
                                            verdicts: list[Verdict]) -> None:
    for message, verdict in zip(stream, verdicts, strict=True):
        assert +message.valid == +verdict.valid, message.malformations
        assert message.dead_letters == verdict.dead_letters, message.malformations
        assert message.key.decode() in message.value.decode(errors="replace") or (
            message.malformations and message.malformations[0].startswith(("json:", "header:")))


def test_every_malformation_case_occurs(stream: list[SimulatedMessage]) -> None:
    kinds = Counter(what.rsplit(":", 1)[0] for m in stream for what in m.malformations)
    assert {"json", "header", "snapshot", "post", "comment"} <= set(kinds)
    cases = {what for m in stream for what in m.malformations}
    assert {"json:truncated", "header:too_many_items", "header:unknown_platform",
            "header:missing_account_key", "post:missing_post_id", "post:negative_likes",
            "post:bad_published_at", "post:unknown_kind", "comment:empty_text",
            "post:foreign_account_key"} <= cases


def test_event_count_is_snapshot_plus_items(stream: list[SimulatedMessage]) -> None:
    for message in stream:
        try:
            doc = orjson.loads(message.value)
        except orjson.JSONDecodeError:
            assert message.events == 1 and message.dead_letters == 1 and not message.valid
            continue
        items = doc.get("items") or []
        assert message.events == (doc.get("snapshot") is not None) + len(items) >= 1
        assert message.dead_letters + sum(message.valid.values()) <= message.events


def test_malformed_share_is_as_configured(stream: list[SimulatedMessage]) -> None:
    events = sum(m.events for m in stream)
    dead = sum(m.dead_letters for m in stream)
    assert events >= EVENTS
    assert 0.007 <= dead / events <= 0.013


@pytest.mark.parametrize("share", [0.0, 0.05])
def test_malformed_share_follows_the_knob(roster: list[RegisteredAccount], share: float) -> None:
    messages = list(Simulator(roster, SimulatorConfig(seed=3, malformed_share=share),
                              start=START).take(20_000))
    ratio = sum(m.dead_letters for m in messages) / sum(m.events for m in messages)
    assert abs(ratio - share) <= 0.2 * share


def test_pages_hold_at_most_fifty_items(stream: list[SimulatedMessage],
                                        verdicts: list[Verdict]) -> None:
    for message, verdict in zip(stream, verdicts, strict=True):
        if verdict.header_ok:
            assert verdict.items <= MAX_ITEMS_PER_PAGE
        elif "header:too_many_items" not in message.malformations:
            assert message.events <= MAX_ITEMS_PER_PAGE + 1
    pages = [v.items for v in verdicts if v.header_ok]
    assert 20 <= statistics.mean(pages) <= 40  # ~20 posts + ~10 comments by default


# -- posts, comments, snapshots --------------------------------------------------------------------


def test_post_appearances_and_comments_are_unique(verdicts: list[Verdict]) -> None:
    appearances = [(p.post_id, p.captured_at) for v in verdicts for p in v.posts]
    assert len(appearances) == len(set(appearances))
    comment_ids = [c.comment_id for v in verdicts for c in v.comments]
    assert len(comment_ids) == len(set(comment_ids))
    assert len(comment_ids) > 5_000


def test_recrawled_posts_never_lose_engagement(verdicts: list[Verdict]) -> None:
    history: dict[str, list[Post]] = defaultdict(list)
    for verdict in verdicts:
        for post in verdict.posts:
            history[post.post_id].append(post)
    recrawled = [h for h in history.values() if len(h) >= 3]
    assert len(recrawled) > 1_000
    grew = 0
    for copies in recrawled:
        copies.sort(key=lambda p: p.captured_at)
        for old, new in itertools.pairwise(copies):
            for name in ("views", "likes", "comments", "shares", "favorites"):
                assert getattr(new.metrics, name) >= getattr(old.metrics, name)
            assert (new.title, new.text, new.published_at) == (old.title, old.text,
                                                               old.published_at)
        grew += copies[-1].metrics.views > copies[0].metrics.views
        last = copies[-1].metrics
        assert last.views >= last.likes >= last.comments
    assert grew > len(recrawled) // 4


def test_content_is_realistic(verdicts: list[Verdict]) -> None:
    posts = {p.post_id: p for v in verdicts for p in v.posts}
    assert {p.platform for p in posts.values()} == set(Platform)
    assert {p.kind for p in posts.values()} == set(PostKind)
    for post in posts.values():
        assert 50 <= len(post.text) <= 300, post.text
        assert post.url.startswith("https://") and post.post_id in post.url
        assert post.published_at <= post.captured_at
        assert re.search(r"[\u4e00-\u9fff]", post.text)
    comments = [c for v in verdicts for c in v.comments]
    texts = " ".join(c.text for c in comments)
    for word in ("投诉", "态度差", "乱收费", "暴雷", "维权", "打不通", "请问", "感谢"):
        assert word in texts
    assert any(c.parent_comment_id for c in comments)
    for comment in comments:
        parent = posts.get(comment.post_id)
        if parent is not None:
            assert parent.published_at <= comment.published_at <= comment.captured_at


def test_noncompliant_share_and_flags(stream: list[SimulatedMessage],
                                      verdicts: list[Verdict]) -> None:
    flagged: dict[str, bool] = {}
    obfuscated = 0
    for message, verdict in zip(stream, verdicts, strict=True):
        ids = set(message.noncompliant_ids)
        for event_id, text in [(p.post_id, p.title + p.text) for p in verdict.posts] + [
                (c.comment_id, c.text) for c in verdict.comments]:
            risky = event_id in ids
            assert risky == looks_noncompliant(text), text
            flagged[event_id] = risky
            obfuscated += risky and not any(p in text for p in content.NONCOMPLIANT_PHRASES) \
                and not _NUMBERS.search(text)
    share = sum(flagged.values()) / len(flagged)
    assert 0.035 <= share <= 0.065
    assert obfuscated > 0


def test_ordinary_fragments_carry_no_noncompliant_phrase() -> None:
    ordinary: list[str] = []
    for topic in content.TOPICS.values():
        ordinary += [*topic.titles, *topic.sentences, *topic.tags]
    for group in (content.OPENERS, content.CLOSERS, content.BIOS):
        for texts in group.values():
            ordinary += texts
    ordinary += [*content.COMMENT_PRAISE, *content.COMMENT_QUESTIONS, *content.COMMENT_COMPLAINTS,
                 *content.COMMENT_CHATTER, *content.OFFICIAL_REPLIES, *content.LIVE_TITLES,
                 *content.LIVE_SENTENCES]
    for text in ordinary:
        assert not looks_noncompliant(text), text


def test_fake_numbers_have_valid_check_digits() -> None:
    rng = random.Random(5)
    for _ in range(200):
        idcard = fake_id_card(rng)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(d) * w for d, w in zip(idcard[:17], weights, strict=True))
        assert len(idcard) == 18 and idcard[17] == "10X98765432"[total % 11]
        card = fake_bank_card(rng)
        digits = [int(d) for d in reversed(card)]
        luhn = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        assert len(card) in (16, 19) and card.startswith("62") and luhn % 10 == 0


def test_follower_sizes_follow_account_kind(roster: list[RegisteredAccount],
                                            verdicts: list[Verdict]) -> None:
    by_key = {a.account_key: a for a in roster}
    national: list[int] = []
    employees: list[int] = []
    for verdict in verdicts:
        for snap in verdict.snapshots:
            account = by_key[snap.account_key]
            if account.competitor_group is CompetitorGroup.national:
                national.append(snap.followers)
            elif account.kind is AccountKind.employee:
                employees.append(snap.followers)
            assert snap.name and snap.platform_account_id == account.platform_account_id
    assert statistics.median(national) > 20 * statistics.median(employees)


def test_rare_status_changes_happen_and_mostly_recover(roster: list[RegisteredAccount]) -> None:
    accounts = [a for a in roster if a.kind is AccountKind.official][:30]
    config = SimulatorConfig(seed=5, status_change_rate=0.05)
    messages = list(Simulator(accounts, config, start=START).take(60_000))
    incidents = Counter(i for m in messages for i in m.incidents)
    assert sum(v for k, v in incidents.items() if not k.startswith("recovered:")) > 20
    assert any(k.startswith("recovered:") for k in incidents)
    by_key = {a.account_key: a for a in accounts}
    statuses: Counter[str] = Counter()
    renamed = lost = 0
    for message in messages:
        for snap in judge(message).snapshots:
            statuses[snap.status.value] += 1
            renamed += snap.name != by_key[snap.account_key].display_name
            lost += not snap.verified
    assert statuses[AccountStatus.active.value] > 0.5 * sum(statuses.values())
    assert len(statuses) >= 3
    assert renamed > 0 and lost > 0


# -- the clock ---------------------------------------------------------------------------------


def test_backfill_starts_days_before_start_and_runs_past_it(
        roster: list[RegisteredAccount]) -> None:
    accounts = roster[:20]
    config = SimulatorConfig(crawl_interval=timedelta(hours=2), malformed_share=0.0)
    sim = Simulator(accounts, config, start=START)
    messages = []
    for message in sim.messages(backfill_days=2):
        messages.append(message)
        if message.crawled_at > START + timedelta(hours=3):
            break
    assert messages[0].crawled_at == START - timedelta(days=2)
    times = [m.crawled_at for m in messages]
    assert times == sorted(times)
    per_account: dict[bytes, list[datetime]] = defaultdict(list)
    for message in messages:
        per_account[message.key].append(message.crawled_at)
    assert len(per_account) == len(accounts)
    for crawls in per_account.values():
        assert {b - a for a, b in itertools.pairwise(crawls)} == {timedelta(hours=2)}
    first = orjson.loads(messages[0].value)
    assert first["crawled_at"] == "2026-11-20T08:00:00.000Z"


def test_without_backfill_the_clock_starts_at_start(roster: list[RegisteredAccount]) -> None:
    first = next(Simulator(roster, start=START).messages())
    assert first.crawled_at == START


# -- speed -----------------------------------------------------------------------------------


def test_two_hundred_thousand_events_are_quick(roster: list[RegisteredAccount]) -> None:
    began = time.perf_counter()
    events = sum(m.events for m in Simulator(roster, start=START).take(200_000))
    elapsed = time.perf_counter() - began
    assert events >= 200_000
    assert elapsed < 10.0


def test_config_is_checked() -> None:
    with pytest.raises(ValueError, match="posts_per_page"):
        SimulatorConfig(posts_per_page=MAX_ITEMS_PER_PAGE + 1)
    with pytest.raises(ValueError, match="malformed_share"):
        SimulatorConfig(malformed_share=1.5)
    with pytest.raises(ValueError, match="at least one account"):
        Simulator([])


# -- injected incidents, with ground truth ---------------------------------------------------------

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _template_re(templates: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any of the ``str.format`` templates, placeholders as wildcards."""
    parts = [re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t)) for t in templates]
    return re.compile("^(?:" + "|".join(parts) + ")$")


_COMPLAINT = _template_re(content.COMMENT_COMPLAINTS)
_OFFBRAND_BIO = _template_re(content.OFFBRAND_BIOS)
_NORMAL_BIO = _template_re(b for bios in content.BIOS.values() for b in bios)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Page:
    """One crawl page of one account, parsed (runs here have no malformed events)."""

    index: int  # position of the page in the account's own crawls
    at: datetime
    snapshot: dict[str, Any]
    posts: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    message: SimulatedMessage


@dataclass
class Run:
    config: SimulatorConfig
    messages: list[SimulatedMessage]
    pages: dict[str, list[Page]]

    def starts(self, kind: str) -> list[tuple[str, int, int | None]]:
        """(account, page index where ``kind`` started, page index where it recovered)."""
        found = []
        for key, pages in self.pages.items():
            for page in pages:
                if kind in page.message.incidents:
                    end = next((p.index for p in pages[page.index + 1:]
                                if f"recovered:{kind}" in p.message.incidents), None)
                    found.append((key, page.index, end))
        return found

    def posts_published(self, key: str) -> dict[str, datetime]:
        return {p["post_id"]: _ts(p["published_at"]) for page in self.pages[key]
                for p in page.posts}


def _accounts(roster: list[RegisteredAccount], kind: str, n: int) -> list[RegisteredAccount]:
    if kind in ("verification_lost", "subject_changed"):
        chosen = [a for a in roster if a.expected_verification_subject]
    elif kind in ("dormant", "negative_surge"):
        chosen = [a for a in roster if a.kind is not AccountKind.employee]
    else:  # a mix of every kind of account
        chosen = roster[::5]
    return chosen[:n]


def _incident_run(accounts: list[RegisteredAccount], *, days: float,
                  **overrides: Any) -> Run:
    config = SimulatorConfig(**{"seed": 17, "malformed_share": 0.0, "snapshot_share": 1.0,
                                "status_change_rate": 0.05,
                                "crawl_interval": timedelta(hours=6), **overrides})
    sim = Simulator(accounts, config, start=START)
    count = int(days * _DAY / config.crawl_interval) * len(accounts)
    messages = list(itertools.islice(sim.messages(), count))
    pages: dict[str, list[Page]] = defaultdict(list)
    for message in messages:
        doc = orjson.loads(message.value)
        key = doc["account_key"]
        items = doc["items"]
        pages[key].append(Page(
            len(pages[key]), message.crawled_at, doc["snapshot"],
            [i["data"] for i in items if i["type"] == "post"],
            [i["data"] for i in items if i["type"] == "comment"], message))
    return Run(config, messages, dict(pages))


# Per kind: accounts, simulated days and config overrides of its run.
_RUNS: dict[str, tuple[int, float, dict[str, Any]]] = {
    "dormant": (16, 45, {"status_change_rate": 0.1}),
    "negative_surge": (20, 30, {"posts_per_page": 10}),
}


def _kind_run(kind: str, roster: list[RegisteredAccount]) -> Run:
    """A run injecting only ``kind``, often, into accounts it can happen to."""
    n, days, overrides = _RUNS.get(kind, (20, 30, {}))
    return _incident_run(_accounts(roster, kind, n), days=days, incident_kinds=(kind,),
                         **overrides)


def _check_status(run: Run, kind: str, starts: list[tuple[str, int, int | None]]) -> None:
    for key, i, end in starts:
        pages = run.pages[key]
        if i > 0:
            assert pages[i - 1].snapshot["status"] == "active"
        for page in pages[i:end]:
            assert page.snapshot["status"] == kind
            if kind != "restricted":
                assert not page.posts and not page.comments
        if end is not None:
            assert pages[end].snapshot["status"] == "active"
    if kind == "deleted":  # a deleted account mostly stays deleted
        assert sum(end is None for *_, end in starts) > len(starts) // 2


def _check_profile(run: Run, kind: str, starts: list[tuple[str, int, int | None]]) -> None:
    field_of = {"renamed": "name", "avatar_changed": "avatar_hash", "bio_changed": "bio",
                "verification_lost": "verified", "subject_changed": "verification_subject"}
    changed = field_of[kind]
    fields = ("name", "avatar_hash", "bio", "verified", "verification_subject")
    for key, i, end in starts:
        pages = run.pages[key]
        if i == 0:
            continue
        before, during = pages[i - 1].snapshot, pages[i].snapshot
        assert before["status"] == during["status"] == "active"
        for name in fields:
            if name == changed or (kind == "verification_lost"
                                   and name == "verification_subject"):
                assert during[name] != before[name], (kind, name)
            else:
                assert during[name] == before[name], (kind, name)
        assert _NORMAL_BIO.match(before["bio"]), before["bio"]
        if kind == "bio_changed":
            assert _OFFBRAND_BIO.match(during["bio"]) and not _NORMAL_BIO.match(during["bio"])
        elif kind == "verification_lost":
            assert before["verified"] and not during["verified"]
            assert during["verification_subject"] is None
        elif kind == "subject_changed":
            assert during["verification_subject"] in content.HIJACK_SUBJECTS
        for page in pages[i:end]:
            assert page.snapshot[changed] == during[changed]
        if end is not None:
            assert pages[end].snapshot[changed] == before[changed]


def _check_followers(run: Run, kind: str, starts: list[tuple[str, int, int | None]]) -> None:
    checked = 0
    for key, i, _ in starts:
        if i == 0:
            continue
        pages = run.pages[key]
        ratio = pages[i].snapshot["followers"] / pages[i - 1].snapshot["followers"]
        if kind == "follower_drop":
            assert ratio <= 0.86, ratio
        else:
            assert ratio >= 1.29, ratio
        checked += 1
    assert checked >= 5


def _check_engagement(run: Run, starts: list[tuple[str, int, int | None]]) -> None:
    spiked_on = {pid: m for m in run.messages for pid in m.spiked_post_ids}
    assert all("engagement_spike" in m.incidents for m in spiked_on.values())
    assert len(spiked_on) == len(starts)
    checked = 0
    for key, i, end in starts:
        pages = run.pages[key]
        message = pages[i].message
        assert len(message.spiked_post_ids) == 1
        spiked = message.spiked_post_ids[0]
        assert spiked in {p["post_id"] for p in pages[i].posts}  # first listed on this page
        assert all(spiked not in {p["post_id"] for p in page.posts} for page in pages[:i])
        # over once the bought engagement has arrived: 3 × a time constant of 1–4 hours
        if end is not None:
            assert i < end <= i + max(1, math.ceil(12 * _HOUR / run.config.crawl_interval))
        best: dict[str, dict[str, Any]] = {}
        seen_until: dict[str, datetime] = {}
        for page in pages:
            for post in page.posts:
                best[post["post_id"]] = post["metrics"]  # re-crawls only grow
                seen_until[post["post_id"]] = page.at
        if seen_until[spiked] - pages[i].at < _DAY:
            continue  # not matured within the run
        others = [m for pid, m in best.items() if pid not in spiked_on]
        for metric in ("views", "likes", "comments", "shares", "favorites"):
            typical = statistics.median(m[metric] for m in others)
            assert best[spiked][metric] >= 10 * max(typical, 1), (metric, key)
        assert best[spiked]["views"] >= 2 * max(m["views"] for m in others)
        checked += 1
    assert checked >= 5


def _check_dormant(run: Run, starts: list[tuple[str, int, int | None]]) -> None:
    recovered = 0
    interval = run.config.crawl_interval
    for key, i, end in starts:
        pages = run.pages[key]
        began = pages[i].at
        until = pages[end].at - interval if end is not None else pages[-1].at
        published = run.posts_published(key)
        assert not [p for p, at in published.items() if began - interval < at <= until]
        # crawls and snapshots go on
        assert all(page.snapshot["status"] == "active" for page in pages[i:end])
        assert len({p.snapshot["post_count"] for p in pages[i:end]}) == 1
        if end is not None:
            recovered += 1
            assert until - began >= 21 * _DAY
            earlier = [at for at in published.values() if at <= began - interval]
            later = [at for at in published.values() if at > until]
            if earlier and later:
                assert min(later) - max(earlier) >= 21 * _DAY
    assert recovered >= 3


def _check_burst(run: Run, starts: list[tuple[str, int, int | None]]) -> None:
    interval = run.config.crawl_interval
    for key, i, end in starts:
        pages = run.pages[key]
        at = pages[i].at
        published = run.posts_published(key)
        within = [p for p, t in published.items() if at - interval < t <= at]
        assert len(within) >= 10
        assert {p["post_id"] for p in pages[i].posts} >= set(within)
        if i > 0:
            jump = pages[i].snapshot["post_count"] - pages[i - 1].snapshot["post_count"]
            assert 10 <= jump <= 25 + 5
        assert end == (i + 1 if i + 1 < len(pages) else None)  # a one-shot incident
        # back to normal: the next crawl publishes at most a few
        if end is not None and end < len(pages):
            after = [p for p, t in published.items() if at < t <= pages[end].at]
            assert len(after) <= 5


def _check_surge(run: Run, starts: list[tuple[str, int, int | None]]) -> None:
    surge_pages: set[tuple[str, int]] = set()
    for key, i, end in starts:
        stop = end if end is not None else len(run.pages[key])
        surge_pages |= {(key, j) for j in range(i, stop)}
    texts = [c["text"] for key, j in surge_pages for c in run.pages[key][j].comments]
    assert len(texts) >= 500
    share = sum(bool(_COMPLAINT.match(t)) for t in texts) / len(texts)
    assert share >= 0.5, share
    # comment volume rises: per page, during surges against the same accounts' quiet pages
    surged = {key for key, _ in surge_pages}
    quiet = [len(p.comments) for key in surged for p in run.pages[key]
             if (key, p.index) not in surge_pages and p.snapshot["status"] == "active"]
    during = [len(run.pages[key][j].comments) for key, j in surge_pages]
    assert statistics.mean(during) >= 1.6 * statistics.mean(quiet)
    normal = [c["text"] for key in surged for p in run.pages[key]
              if (key, p.index) not in surge_pages for c in p.comments]
    assert sum(bool(_COMPLAINT.match(t)) for t in normal) / len(normal) < 0.25


_ALL_KINDS = ("restricted", "banned", "private", "deleted", "verification_lost",
              "subject_changed", "renamed", "avatar_changed", "bio_changed", "follower_drop",
              "follower_spike", "engagement_spike", "dormant", "posting_burst", "negative_surge")


@pytest.mark.parametrize("kind", _ALL_KINDS)
def test_each_incident_kind_is_injected_and_shows(kind: str,
                                                  roster: list[RegisteredAccount]) -> None:
    run = _kind_run(kind, roster)
    names = Counter(i for m in run.messages for i in m.incidents)
    assert set(names) <= {kind, f"recovered:{kind}"}
    starts = run.starts(kind)
    assert len(starts) == names[kind] >= 5
    for key, pages in run.pages.items():  # one at a time: starts and recoveries alternate
        seq = [i for p in pages for i in p.message.incidents]
        assert all(a != b for a, b in itertools.pairwise(seq)), key
        assert not seq or seq[0] == kind
    if kind in ("restricted", "banned", "private", "deleted"):
        _check_status(run, kind, starts)
    elif kind in ("renamed", "avatar_changed", "bio_changed", "verification_lost",
                  "subject_changed"):
        _check_profile(run, kind, starts)
    elif kind in ("follower_drop", "follower_spike"):
        _check_followers(run, kind, starts)
    elif kind == "engagement_spike":
        _check_engagement(run, starts)
    elif kind == "dormant":
        _check_dormant(run, starts)
    elif kind == "posting_burst":
        _check_burst(run, starts)
    else:
        _check_surge(run, starts)
    if kind != "engagement_spike":
        assert not any(m.spiked_post_ids for m in run.messages)


def test_incident_kinds_cover_every_kind() -> None:
    assert set(_ALL_KINDS) == set(INCIDENT_KINDS) == set(DEFAULT_INCIDENT_WEIGHTS)
    assert len(INCIDENT_KINDS) == len(set(INCIDENT_KINDS))


def test_dormancy_is_long_and_spares_accounts_that_hardly_post(
        roster: list[RegisteredAccount]) -> None:
    from pipeline.crawlers.simulator import _Run  # the account's posting rate is internal

    accounts = tuple(a for a in roster if a.kind is AccountKind.employee)[:60]
    config = SimulatorConfig(seed=19, malformed_share=0.0, status_change_rate=0.3,
                             incident_kinds=("dormant",), crawl_interval=timedelta(hours=12),
                             posts_per_page=4, comments_per_page=2)
    run = _Run(accounts, config, int(START.timestamp() * 1000), 0,
               frozenset(a.account_key for a in accounts))
    started = 0
    for index in range(10 * len(accounts)):
        message = run.message(index)
        if "dormant" in message.incidents:
            state = run.states[index % len(accounts)]
            assert state is not None and state.incident is not None
            assert state.posts_per_day >= 0.1
            assert state.incident.recover_at is not None
            silent = (state.incident.recover_at - index // len(accounts) - 1) * \
                config.crawl_interval
            assert silent >= max(21 * _DAY, 4 * _DAY / state.posts_per_day)
            started += 1
    slow = [s for s in run.states if s is not None and s.posts_per_day < 0.1]
    assert started >= 10 and len(slow) >= 5
    assert all(s.incident is None for s in slow)


def test_incident_accounts_leaves_normal_accounts_alone(roster: list[RegisteredAccount]) -> None:
    accounts = roster[::4]  # 92 accounts
    config = SimulatorConfig(seed=23, status_change_rate=0.05, incident_accounts=0.5,
                             crawl_interval=timedelta(hours=6), malformed_share=0.0)
    sim = Simulator(accounts, config, start=START)
    eligible = sim.incident_eligible()
    assert len(eligible) == round(0.5 * len(accounts))
    assert eligible == Simulator(list(reversed(accounts)), config).incident_eligible()
    assert eligible != Simulator(accounts, SimulatorConfig(
        seed=24, status_change_rate=0.05, incident_accounts=0.5)).incident_eligible()
    messages = list(itertools.islice(sim.messages(), 40 * len(accounts)))  # 10 days
    touched = {m.key.decode() for m in messages if m.incidents}
    assert touched <= eligible
    assert len(touched) >= 0.8 * len(eligible)
    everyone = Simulator(accounts, SimulatorConfig(status_change_rate=0.05)).incident_eligible()
    assert everyone == {a.account_key for a in accounts}
    assert Simulator(accounts, SimulatorConfig(incident_accounts=0.0)).incident_eligible() == set()
    assert Simulator(accounts, SimulatorConfig(status_change_rate=0.0)).incident_eligible() == set()
    assert SimulatorConfig(status_change_rate=0.03).incident_rate == 0.03


def test_incident_weights_override_the_defaults(roster: list[RegisteredAccount]) -> None:
    config = SimulatorConfig(seed=9, status_change_rate=0.1, malformed_share=0.0,
                             incident_kinds=("banned", "renamed", "private"),
                             incident_weights={"renamed": 0, "private": 0.5, "banned": 10})
    assert config.incident_weights == (("banned", 10), ("private", 0.5), ("renamed", 0))
    assert config.incident_table() == (("banned", 10.0), ("private", 0.5))
    hash(config)  # still hashable
    messages = list(itertools.islice(Simulator(roster[:30], config, start=START).messages(),
                                     30 * 200))
    starts = Counter(i for m in messages for i in m.incidents if ":" not in i)
    assert set(starts) == {"banned", "private"}
    assert starts["banned"] > 5 * starts["private"]
    assert SimulatorConfig(incident_weights=(("dormant", 3),)).incident_table()[-3] == (
        "dormant", 3.0)


def test_incident_switches_are_checked() -> None:
    with pytest.raises(ValueError, match=r"unknown incident kind 'hacked'.*posting_burst"):
        SimulatorConfig(incident_kinds=("banned", "hacked"))
    with pytest.raises(ValueError, match="unknown incident kind 'frozen'"):
        SimulatorConfig(incident_weights={"frozen": 3})
    with pytest.raises(ValueError, match="incident weight"):
        SimulatorConfig(incident_weights={"banned": -1})
    with pytest.raises(ValueError, match="at least one kind"):
        SimulatorConfig(incident_kinds=())
    with pytest.raises(ValueError, match="not a string"):
        SimulatorConfig(incident_kinds="banned")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive weight"):
        SimulatorConfig(incident_kinds=("banned",), incident_weights={"banned": 0})
    with pytest.raises(ValueError, match="incident_accounts"):
        SimulatorConfig(incident_accounts=1.5)
    assert SimulatorConfig(incident_kinds=["dormant", "dormant"]  # type: ignore[arg-type]
                           ).incident_kinds == ("dormant",)


def test_incidents_are_deterministic(roster: list[RegisteredAccount]) -> None:
    config = SimulatorConfig(seed=29, status_change_rate=0.05, incident_accounts=0.6,
                             crawl_interval=timedelta(hours=3))

    def stream() -> list[tuple[Any, ...]]:
        sim = Simulator(roster[::6], config, start=START)
        return [(m.value, m.incidents, m.spiked_post_ids, m.valid, m.dead_letters)
                for m in itertools.islice(sim.messages(backfill_days=2), 8_000)]

    first = stream()
    assert first == stream()
    assert len({i for _, incidents, *_ in first for i in incidents if ":" not in i}) >= 10
