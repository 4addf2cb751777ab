"""A seeded, deterministic simulator of platform crawlers for a roster.

Each message is one crawl page of one account, shaped as a :class:`~schemas.events.CrawlEnvelope`
and serialised with orjson, exactly what a real connector publishes on the raw topic. The
simulated clock moves crawl by crawl (round-robin over the roster, every account crawled once per
``crawl_interval``), so a backfill of weeks is produced as fast as the consumer takes it.

What a page holds:

* an account snapshot on most pages: follower curve (logistic growth plus noise), following,
  post count, likes total, status and verification;
* the account's latest posts (a per-account window of about ``posts_per_page``), re-crawled with
  grown engagement (fast early growth, saturating; views >> likes > comments/shares), each
  appearance stamped with the page's ``captured_at``; new posts arrive at a per-account rate;
* new comments under those posts (each emitted once): praise, questions, complaints, chatter,
  and the official account's replies to complaints;
* rare incidents, injected with ground truth (see below);
* non-compliant phrases in ``noncompliant_share`` of posts and comments, some of them obfuscated
  (separators, traditional characters), and fake ID-card / bank-card numbers;
* malformed events in about ``malformed_share`` of events: broken JSON, invalid envelope header,
  invalid item, invalid snapshot, item of another account. :class:`SimulatedMessage` says
  exactly how many events ``ingest`` must accept and how many dead letters it must produce.

Incidents (:data:`INCIDENT_KINDS`), one at a time per account, each reported in
:attr:`SimulatedMessage.incidents` on the message where it starts (``"banned"``) and on the one
where it ends (``"recovered:banned"``; never for a permanent one):

* ``restricted``, ``banned``, ``private``, ``deleted`` -- the snapshot's status; a banned,
  private or deleted account shows no posts or comments. Most recover (a deleted account seldom);
* ``verification_lost`` (verified becomes false), ``subject_changed`` (the verification subject
  becomes an unrelated company) -- verified accounts only;
* ``renamed`` (only the name changes), ``avatar_changed`` (only the avatar hash), ``bio_changed``
  (the bio becomes an off-brand one: traffic farming, loan broker, "add me on WeChat");
* ``follower_drop`` (followers × 0.5–0.85), ``follower_spike`` (× 1.3–2.5, bought followers);
* ``engagement_spike`` -- a post published at that crawl ends with 15–40× the views, likes,
  comments, shares and favourites of the account's typical post (at least 3,000 views), arriving
  within hours; its id is in :attr:`SimulatedMessage.spiked_post_ids` of that message. Normal
  posts spread only log-normally (σ 0.5) around the account's reach, with no natural virality;
* ``dormant`` -- no new post for at least 21 days and at least 10 mean inter-post gaps, while
  crawls and snapshots go on; never for an account posting under 0.5 posts a day (a slower
  account's natural pauses come close to that);
* ``posting_burst`` -- 10–25 extra posts within the last 30 minutes (at most one crawl interval)
  before that crawl, then back to normal;
* ``negative_surge`` -- about 65–85 % of the users' new comments on the account are complaints
  (well over 50 % of all its new comments, replies included; 17 % normally), comment volume
  × 2–3, and the official account answers fewer of them.

``posting_burst`` recovers at the account's next crawl, ``engagement_spike`` once its bought
engagement has arrived (3 to 12 hours, at least one crawl), ``dormant`` after its silence; the
others after 3 hours to 5 days of simulated time, or never (20 % of the time; 90 % for
``deleted``).

Switches on :class:`SimulatorConfig`: the per-crawl chance (``status_change_rate``, alias
``incident_rate``), which kinds (``incident_kinds``), their weights (``incident_weights``) and
the share of the roster that may get any at all (``incident_accounts``). The chosen keys are
:meth:`Simulator.incident_eligible`; the other accounts stay normal for the whole run.

Same roster, seed and start give byte-identical messages: one ``random.Random(seed)`` drives
everything and no wall clock is read while generating.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import orjson

from agents.sensitivity.validators import id_check_digit, luhn_check_digit
from pipeline.crawlers import simulated_content as content
from schemas.events import (
    MAX_ITEMS_PER_PAGE,
    AccountKind,
    AccountStatus,
    CompetitorGroup,
    Platform,
    RegisteredAccount,
)

SOURCE = "simulator"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MASK53 = (1 << 53) - 1
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BRAND_RE = re.compile(r"^(.{2,8}?(?:银行|农商行|信用社|消费金融))")
_HIDDEN = (AccountStatus.banned.value, AccountStatus.private.value, AccountStatus.deleted.value)

# Post formats by platform, with weights.
_KINDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "douyin": (("video", "image", "live"), (80, 10, 10)),
    "kuaishou": (("video", "live", "image"), (80, 15, 5)),
    "xiaohongshu": (("image", "video", "live"), (65, 30, 5)),
    "weixin_channels": (("video", "live"), (85, 15)),
    "weixin_mp": (("article", "image"), (90, 10)),
    "weibo": (("text", "image", "video"), (45, 35, 20)),
    "bilibili": (("video", "article", "live"), (85, 10, 5)),
}
# Topics by voice, with weights (employees talk money, officials also greet and campaign).
_TOPIC_WEIGHTS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "official": (
        ("credit_card", "wealth", "deposit", "loan", "mobile_banking", "anti_fraud", "festival",
         "branch_event", "finance_knowledge"),
        (14, 12, 8, 8, 12, 16, 10, 10, 10),
    ),
    "employee": (
        ("credit_card", "wealth", "deposit", "loan", "mobile_banking", "anti_fraud", "festival",
         "branch_event", "finance_knowledge"),
        (14, 24, 16, 8, 6, 8, 4, 8, 12),
    ),
}
# Incidents and their default weights (relative chance among the kinds that apply).
_INCIDENTS: tuple[tuple[str, int], ...] = (
    ("restricted", 20), ("banned", 10), ("private", 8), ("deleted", 4),
    ("verification_lost", 14), ("subject_changed", 6),
    ("renamed", 12), ("avatar_changed", 8), ("bio_changed", 8),
    ("follower_drop", 12), ("follower_spike", 8),
    ("engagement_spike", 8), ("dormant", 6), ("posting_burst", 6), ("negative_surge", 14),
)
#: Every incident kind the simulator can inject, in a fixed order.
INCIDENT_KINDS: tuple[str, ...] = tuple(kind for kind, _ in _INCIDENTS)
#: The default weight of each incident kind.
DEFAULT_INCIDENT_WEIGHTS: Mapping[str, int] = MappingProxyType(dict(_INCIDENTS))
_STATUS_INCIDENTS = ("restricted", "banned", "private", "deleted")
_NEEDS_VERIFIED = ("verification_lost", "subject_changed")
_NEEDS_POSTS = ("engagement_spike", "dormant", "posting_burst", "negative_surge")
_PERMANENT_CHANCE = {"deleted": 0.9}  # chance an incident never recovers; 0.2 for the others
_DORMANT_MIN_RATE = 0.5  # posts/day; slower accounts pause that long anyway
_DORMANT_MIN_DAYS = 21.0
_DORMANT_GAP_FACTOR = 10.0  # silence ≥ this many mean gaps: beyond the detector's 8
_SPIKE_FACTOR = (15.0, 40.0)  # engagement of a spiked post / the account's typical post
_SPIKE_TAU_HOURS = (1.0, 4.0)  # time constant of the bought engagement's arrival
_SPIKE_MIN_VIEWS = 3_000.0  # bought engagement comes in packages: never a tiny spike
_BURST_POSTS = (10, 25)
_BURST_WINDOW_MS = 30 * 60_000  # burst posts land within this long before the crawl (at most)
_COMMENT_MIX = (0.40, 0.30, 0.17)  # praise, question, complaint; the rest is chatter
_REPLY_CHANCE = 0.4  # an official account answers a pending complaint…
_REPLY_CHANCE_SURGE = 0.1  # …but cannot keep up during a negative-comment surge


def _check_kind(kind: object, what: str) -> str:
    if kind not in DEFAULT_INCIDENT_WEIGHTS:
        raise ValueError(f"unknown incident kind {kind!r} in {what}; "
                         f"valid kinds: {', '.join(INCIDENT_KINDS)}")
    return str(kind)


@dataclass(frozen=True)
class SimulatorConfig:
    """Knobs of the simulation; the defaults give a realistic mix.

    Incident switches (see the module docstring for what each kind does):

    * ``status_change_rate`` (alias :attr:`incident_rate`; the field keeps its old name) -- the
      chance, at each crawl of an incident-eligible account with no incident under way, that an
      incident starts;
    * ``incident_kinds`` -- inject only these kinds (``None`` = all of :data:`INCIDENT_KINDS`);
    * ``incident_weights`` -- relative weights overriding :data:`DEFAULT_INCIDENT_WEIGHTS` for
      the kinds named (a mapping or pairs; stored as a tuple of pairs so the config stays
      hashable); a weight of 0 disables a kind;
    * ``incident_accounts`` -- share of the roster that may ever get an incident: exactly
      ``round(share * accounts)`` accounts, picked by a hash of seed and account key
      (:meth:`Simulator.incident_eligible`); the others never get any.
    """

    seed: int = 7
    malformed_share: float = 0.01  # share of events (items) that are malformed
    noncompliant_share: float = 0.05  # share of posts/comments carrying non-compliant text
    status_change_rate: float = 0.002  # per-crawl chance of starting an incident (incident_rate)
    comments_per_page: int = 10  # average
    posts_per_page: int = 20  # average, ≤ 50 items per page in total
    crawl_interval: timedelta = timedelta(minutes=30)  # simulated time between two crawls
    snapshot_share: float = 0.9  # share of pages that carry the account snapshot
    obfuscated_share: float = 0.25  # share of non-compliant phrases that are obfuscated
    incident_kinds: tuple[str, ...] | None = None  # None = every kind
    incident_weights: Mapping[str, float] | tuple[tuple[str, float], ...] | None = None
    incident_accounts: float = 1.0  # share of accounts that may get incidents at all

    def __post_init__(self) -> None:
        for name in ("malformed_share", "noncompliant_share", "status_change_rate",
                     "snapshot_share", "obfuscated_share", "incident_accounts"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if not 0 <= self.posts_per_page <= MAX_ITEMS_PER_PAGE:
            raise ValueError(f"posts_per_page must be within [0, {MAX_ITEMS_PER_PAGE}]")
        if self.comments_per_page < 0:
            raise ValueError("comments_per_page must be >= 0")
        if self.crawl_interval <= timedelta(0):
            raise ValueError("crawl_interval must be positive")
        if self.incident_kinds is not None:
            if isinstance(self.incident_kinds, str):
                raise ValueError("incident_kinds must be a sequence of kind names, not a string")
            kinds = tuple(dict.fromkeys(_check_kind(k, "incident_kinds")
                                        for k in self.incident_kinds))
            if not kinds:
                raise ValueError("incident_kinds must name at least one kind (or be None); "
                                 "use status_change_rate=0 for no incidents")
            object.__setattr__(self, "incident_kinds", kinds)
        if self.incident_weights is not None:
            pairs = (self.incident_weights.items() if isinstance(self.incident_weights, Mapping)
                     else self.incident_weights)
            weights: dict[str, float] = {}
            for kind, weight in pairs:
                _check_kind(kind, "incident_weights")
                if not (isinstance(weight, int | float) and math.isfinite(weight)
                        and weight >= 0):
                    raise ValueError(f"incident weight of {kind} must be a finite number >= 0, "
                                     f"got {weight!r}")
                weights[kind] = weight
            object.__setattr__(self, "incident_weights", tuple(
                (k, weights[k]) for k in INCIDENT_KINDS if k in weights))
        if not self.incident_table():
            raise ValueError("no incident kind is left with a positive weight")

    @property
    def incident_rate(self) -> float:
        """Per-crawl chance of starting an incident (the ``status_change_rate`` field)."""
        return self.status_change_rate

    def incident_table(self) -> tuple[tuple[str, float], ...]:
        """The kinds that can be injected and their weights, after the kind and weight
        switches (kinds of weight 0 left out)."""
        weights: dict[str, float] = dict(DEFAULT_INCIDENT_WEIGHTS)
        if self.incident_weights is not None:
            overrides = (self.incident_weights.items()
                         if isinstance(self.incident_weights, Mapping) else self.incident_weights)
            weights.update(overrides)
        kinds = INCIDENT_KINDS if self.incident_kinds is None else self.incident_kinds
        return tuple((k, float(weights[k])) for k in INCIDENT_KINDS
                     if k in kinds and weights[k] > 0)


@dataclass(frozen=True)
class SimulatedMessage:
    """One crawl page as published, and what ``ingest`` must make of it."""

    key: bytes  # account_key utf-8
    value: bytes  # the Kafka message value (orjson of a CrawlEnvelope, or broken on purpose)
    events: int  # snapshot (1 if present) + posts + comments; broken JSON counts as 1
    valid: Counter[str]  # events ingest must accept, by kind: "snapshot", "post", "comment"
    dead_letters: int  # dead letters ingest must produce for this message
    crawled_at: datetime
    noncompliant_ids: tuple[str, ...] = ()  # post/comment ids of valid items with risky text
    incidents: tuple[str, ...] = ()  # incidents that started ("banned") or ended ("recovered:…")
    malformations: tuple[str, ...] = ()  # what was broken on purpose, e.g. "item:missing_post_id"
    spiked_post_ids: tuple[str, ...] = ()  # post ids of an engagement_spike, where first listed


# -- small pure helpers ---------------------------------------------------------------------------


def _iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with a ``Z``."""
    return (_EPOCH_NAIVE + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def _to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _base62(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 62)
        chars.append(_BASE62[rem])
    return "".join(reversed(chars))


def _scramble(seq: int, salt: int) -> int:
    """A bijection of ``seq`` onto 53-bit integers: unique ids that do not look sequential."""
    x = (seq * 0x13C6EF372FE94F + salt) & _MASK53
    x ^= x >> 26
    x = (x * 0x1D8E4E27C47D2B) & _MASK53
    return x ^ (x >> 23)


def post_id_for(platform: str, x: int) -> str:
    """A platform-shaped post id for the scrambled sequence number ``x``."""
    if platform == "douyin":
        return str(7_000_000_000_000_000_000 + x)
    if platform == "kuaishou":
        return "3x" + _base62(x, 10).lower() + f"{x % 997:03d}"
    if platform == "xiaohongshu":
        return f"65{x:014x}{(x * 2_654_435_761) & 0xFFFFFFFF:08x}"
    if platform == "weixin_channels":
        return str(14_000_000_000_000_000_000 + x)
    if platform == "weixin_mp":
        return _base62(x, 10) + _base62((x * 40_503) & _MASK53, 12)
    if platform == "weibo":
        return str(4_900_000_000_000_000 + x)
    if platform == "bilibili":
        return "BV1" + _base62(x, 9)
    return f"p{x}"


def post_url_for(platform: str, account_id: str, post_id: str, kind: str) -> str:
    """A plausible public URL of a post."""
    if platform == "douyin":
        return f"https://www.douyin.com/{'note' if kind == 'image' else 'video'}/{post_id}"
    if platform == "kuaishou":
        return f"https://www.kuaishou.com/short-video/{post_id}"
    if platform == "xiaohongshu":
        return f"https://www.xiaohongshu.com/explore/{post_id}"
    if platform == "weixin_channels":
        return f"https://channels.weixin.qq.com/web/pages/feed?oid={post_id}"
    if platform == "weixin_mp":
        return f"https://mp.weixin.qq.com/s/{post_id}"
    if platform == "weibo":
        return f"https://weibo.com/{account_id}/{post_id}"
    if platform == "bilibili":
        if kind == "article":
            return f"https://www.bilibili.com/read/{post_id}"
        return f"https://www.bilibili.com/video/{post_id}"
    return ""


def fake_id_card(rng: random.Random) -> str:
    """An 18-digit resident ID number with a valid check digit (GB 11643)."""
    region = rng.choice(content.ID_REGIONS)
    birth = f"{rng.randint(1960, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{region}{birth}{rng.randint(0, 999):03d}"
    return body + id_check_digit(body).upper()


def fake_bank_card(rng: random.Random) -> str:
    """A 16- or 19-digit UnionPay-style card number with a valid Luhn check digit."""
    length = rng.choice((16, 19))
    body = "62" + "".join(str(rng.randrange(10)) for _ in range(length - 3))
    return body + luhn_check_digit(body)


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the small means used here."""
    if lam <= 0:
        return 0
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _breakage_odds(share: float, events: int) -> tuple[float, float]:
    """Chance of each whole-message breakage (broken JSON, bad header) and of each event.

    A broken JSON value turns a page of ``events`` events into one event and one dead letter;
    a bad header keeps the events but yields one dead letter. The per-event chance is solved so
    that expected dead letters / expected events == ``share`` for a page of this size.
    """
    q = min(0.25, 0.1 * share * events)
    expected_events = q + (1.0 - q) * events
    p_item = (share * expected_events - 2.0 * q) / ((1.0 - 2.0 * q) * events)
    return q, min(1.0, max(0.0, p_item))


def _item_id(item: dict[str, Any]) -> str:
    data: dict[str, Any] = item["data"]
    return str(data.get("post_id" if item["type"] == "post" else "comment_id", ""))


def _weighted(rng: random.Random, spec: tuple[tuple[str, ...], tuple[int, ...]]) -> str:
    return rng.choices(spec[0], weights=spec[1])[0]


def incident_eligible_keys(roster: Sequence[RegisteredAccount], seed: int,
                           share: float) -> frozenset[str]:
    """The account keys that may get incidents: ``round(share * accounts)`` of them, those whose
    hash of (seed, account key) ranks lowest. Pure: no message is generated."""
    keys = list(dict.fromkeys(a.account_key for a in roster))
    count = math.floor(share * len(keys) + 0.5)
    if count >= len(keys):
        return frozenset(keys)

    def rank(key: str) -> tuple[bytes, str]:
        digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
        return digest, key

    return frozenset(sorted(keys, key=rank)[:count])


def brand_of(display_name: str) -> str:
    """The institution in a display name: 东岳银行信用卡 -> 东岳银行."""
    match = _BRAND_RE.match(display_name)
    return match.group(1) if match else display_name


# -- per-account state ---------------------------------------------------------------------------


class _PostState:
    """A post in an account's re-crawl window."""

    __slots__ = ("base", "finals", "last_comment_id", "last_likes", "noncompliant",
                 "pending_reply", "post_id", "published_ms", "tau_ms")

    def __init__(self, post_id: str, published_ms: int, base: dict[str, Any],
                 finals: tuple[int, int, int, int, int], tau_ms: float, noncompliant: bool) -> None:
        self.post_id = post_id
        self.published_ms = published_ms
        self.base = base
        self.finals = finals
        self.tau_ms = tau_ms
        self.noncompliant = noncompliant
        self.last_likes = 0
        self.pending_reply: str | None = None
        self.last_comment_id: str | None = None


@dataclass
class _Incident:
    kind: str
    recover_at: int | None  # crawl number, None = permanent
    undo: dict[str, Any] = field(default_factory=dict)


class _AccountState:
    """Everything the simulator remembers about one account between its crawls."""

    __slots__ = ("account", "avatar_hash", "base_followers", "bio", "brand", "city",
                 "comment_factor", "complaint_share", "eligible", "follower_factor", "following",
                 "growth", "incident", "key", "last_crawl_ms", "likes_total", "mid_day", "name",
                 "page_posts", "pending_burst", "pending_spike", "platform", "post_count",
                 "posts", "posts_per_day", "publishing", "reach", "scale_days", "status",
                 "verification_subject", "verified", "voice")

    def __init__(self, account: RegisteredAccount) -> None:
        self.account = account
        self.key = account.account_key
        self.platform = account.platform.value
        self.voice = "employee" if account.kind is AccountKind.employee else "official"
        self.name = account.display_name
        self.brand = ""
        self.city = ""
        self.bio = ""
        self.avatar_hash = ""
        self.status = AccountStatus.active.value
        self.verified = False
        self.verification_subject: str | None = None
        self.base_followers = 0.0
        self.growth = 0.0
        self.mid_day = 0.0
        self.scale_days = 1.0
        self.follower_factor = 1.0
        self.following = 0
        self.post_count = 0
        self.likes_total = 0
        self.posts_per_day = 0.0
        self.page_posts = 0
        self.comment_factor = 1.0
        self.complaint_share = 0.0  # > 0 during a negative surge: share of complaints
        self.reach = 0.0
        self.posts: list[_PostState] = []
        self.last_crawl_ms = 0
        self.incident: _Incident | None = None
        self.eligible = False  # may get incidents
        self.publishing = True  # False while dormant
        self.pending_spike = 0.0  # > 0: publish a spiked post at this crawl, this tau (ms)
        self.pending_burst = 0  # publish this many extra posts at this crawl


# -- the simulator ---------------------------------------------------------------------------------


class Simulator:
    """Deterministic crawl pages for the accounts of ``roster``."""

    def __init__(self, roster: Sequence[RegisteredAccount],
                 config: SimulatorConfig = SimulatorConfig(),
                 start: datetime | None = None) -> None:
        if not roster:
            raise ValueError("the simulator needs at least one account")
        self.roster = tuple(roster)
        self.config = config
        if start is None:
            start = datetime.now(UTC).replace(second=0, microsecond=0)
        elif start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.start = start.astimezone(UTC)

    def incident_eligible(self) -> frozenset[str]:
        """Ground truth: the account keys that may get incidents (``incident_accounts`` of the
        roster, chosen from the seed); every other account never gets one. Computed without
        generating messages. An eligible account is not sure to get one: which incidents did
        happen, and when, is in :attr:`SimulatedMessage.incidents`."""
        if self.config.status_change_rate == 0.0:
            return frozenset()
        return incident_eligible_keys(self.roster, self.config.seed,
                                      self.config.incident_accounts)

    def messages(self, *, backfill_days: int = 0) -> Iterator[SimulatedMessage]:
        """Endless, deterministic stream of crawl pages.

        With ``backfill_days=D`` the simulated clock starts D days before ``start`` and moves
        forward crawl by crawl (round-robin over accounts, each account crawled every
        ``crawl_interval`` of simulated time), so history is generated as fast as the consumer
        takes it; afterwards it keeps going past ``start``.
        """
        if backfill_days < 0:
            raise ValueError("backfill_days must be >= 0")
        run = _Run(self.roster, self.config, _to_ms(self.start), backfill_days,
                   self.incident_eligible())
        index = 0
        while True:
            yield run.message(index)
            index += 1

    def take(self, events: int, *, backfill_days: int = 0) -> Iterator[SimulatedMessage]:
        """Messages until at least ``events`` events have been produced (stop after the message
        that reaches it)."""
        produced = 0
        if events <= 0:
            return
        for message in self.messages(backfill_days=backfill_days):
            yield message
            produced += message.events
            if produced >= events:
                return


class _Run:
    """One pass of :meth:`Simulator.messages`: all mutable state lives here."""

    def __init__(self, roster: tuple[RegisteredAccount, ...], config: SimulatorConfig,
                 start_ms: int, backfill_days: int, eligible: frozenset[str]) -> None:
        self.roster = roster
        self.cfg = config
        self.eligible = eligible
        self.incident_table = config.incident_table()
        self.rng = random.Random(config.seed)
        self.start_ms = start_ms
        self.clock0_ms = start_ms - backfill_days * DAY_MS
        self.interval_ms = config.crawl_interval // timedelta(milliseconds=1)
        self.states: list[_AccountState | None] = [None] * len(roster)
        salt = (config.seed * 0x9E3779B97F4A7C15) ^ (self.clock0_ms * 0xBF58476D1CE4E5B9)
        self.post_salt = salt & _MASK53
        self.comment_salt = (salt >> 11) & _MASK53
        self.post_seq = 0
        self.comment_seq = 0
        self.own_brand = self._own_brand()
        self.own_cities = self._own_cities()
        self.envelope_prefix = f"sim-{config.seed}-{self.clock0_ms:x}-"

    # -- roster-wide facts ----------------------------------------------------------------------

    def _own_brand(self) -> str:
        brands = Counter(
            brand_of(a.display_name) for a in self.roster if a.kind is AccountKind.official
            if _BRAND_RE.match(a.display_name)
        )
        return brands.most_common(1)[0][0] if brands else "本行"

    def _own_cities(self) -> tuple[str, ...]:
        cities: dict[str, None] = {}
        for account in self.roster:
            head = account.org_unit.split("/")[0]
            if head.endswith("分行"):
                cities[head.removesuffix("分行")] = None
        return tuple(cities) or ("本地",)

    # -- one message ----------------------------------------------------------------------------

    def message(self, index: int) -> SimulatedMessage:
        """The ``index``-th crawl page of the run."""
        n = len(self.roster)
        slot, crawl_no = index % n, index // n
        crawled_ms = self.clock0_ms + crawl_no * self.interval_ms + slot * self.interval_ms // n
        state = self.states[slot]
        if state is None:
            state = self._init_account(self.roster[slot], crawled_ms)
            self.states[slot] = state
        incidents = self._evolve_incident(state, crawl_no)
        spiked: tuple[str, ...] = ()
        if state.status not in _HIDDEN:
            spiked = self._publish_new_posts(state, crawled_ms)
        captured = _iso(crawled_ms)
        hidden = state.status in _HIDDEN
        snapshot = None
        if hidden or self.rng.random() < self.cfg.snapshot_share:
            snapshot = self._snapshot(state, crawled_ms, captured)
        items: list[dict[str, Any]] = []
        noncompliant: list[str] = []
        if not hidden:
            self._post_items(state, crawled_ms, captured, items, noncompliant)
            self._comment_items(state, crawled_ms, captured, items, noncompliant)
        if snapshot is None and not items:
            snapshot = self._snapshot(state, crawled_ms, captured)
        state.last_crawl_ms = crawled_ms
        envelope: dict[str, Any] = {
            "envelope_id": f"{self.envelope_prefix}{index:09d}",
            "source": SOURCE,
            "account_key": state.key,
            "platform": state.platform,
            "crawled_at": captured,
            "snapshot": snapshot,
            "items": items,
        }
        message = self._finish(state, envelope, crawled_ms, noncompliant, incidents)
        if spiked:
            message = replace(message, spiked_post_ids=spiked)
        return message

    # -- accounts -------------------------------------------------------------------------------

    def _init_account(self, account: RegisteredAccount, first_crawl_ms: int) -> _AccountState:
        rng = self.rng
        st = _AccountState(account)
        st.eligible = account.account_key in self.eligible
        is_competitor = account.kind is AccountKind.competitor
        st.brand = brand_of(account.display_name) if is_competitor else self.own_brand
        head = account.org_unit.split("/")[0]
        st.city = head.removesuffix("分行") if head.endswith("分行") else rng.choice(
            self.own_cities)
        st.avatar_hash = f"{rng.getrandbits(128):032x}"
        fields = {"bank": st.brand, "city": st.city, "name": st.name}
        st.bio = rng.choice(content.BIOS[st.voice]).format(**fields)
        subject = account.expected_verification_subject or None
        st.verified = subject is not None or (st.voice == "employee" and rng.random() < 0.1)
        st.verification_subject = subject
        low, high, rate_low, rate_high = self._scale(account)
        st.base_followers = math.exp(rng.uniform(math.log(low), math.log(high)))
        st.growth = rng.uniform(0.05, 0.6)
        st.mid_day = rng.uniform(-90.0, 150.0)
        st.scale_days = rng.uniform(10.0, 60.0)
        st.following = rng.randint(0, 60) if st.voice == "official" else rng.randint(30, 900)
        st.post_count = int(rng.uniform(30, 1500))
        st.likes_total = int(st.base_followers * rng.uniform(2.0, 12.0))
        st.posts_per_day = rng.uniform(rate_low, rate_high)
        if st.voice == "employee" and rng.random() < 0.1:
            st.posts_per_day = 0.01  # dormant: hardly ever posts
        ppp = self.cfg.posts_per_page
        st.page_posts = 0 if ppp == 0 else rng.randint(max(1, ppp // 2), min(
            MAX_ITEMS_PER_PAGE, ppp + ppp // 2))
        st.comment_factor = rng.uniform(0.5, 1.5)
        st.reach = st.base_followers * rng.uniform(0.1, 0.8)
        published = first_crawl_ms
        history: list[_PostState] = []
        for _ in range(st.page_posts):
            gap = rng.expovariate(st.posts_per_day) * DAY_MS
            published -= int(min(gap, 60 * DAY_MS)) + 600_000
            history.append(self._new_post(st, published))
        st.posts = history[::-1]
        st.last_crawl_ms = first_crawl_ms - self.interval_ms
        return st

    @staticmethod
    def _scale(account: RegisteredAccount) -> tuple[float, float, float, float]:
        """Follower range and posts-per-day range for an account."""
        if account.kind is AccountKind.competitor:
            group = account.competitor_group
            if group is CompetitorGroup.national:
                return 200_000, 5_000_000, 1.5, 6.0
            if group is CompetitorGroup.regional:
                return 30_000, 800_000, 0.8, 3.0
            return 2_000, 80_000, 0.2, 1.2
        if account.kind is AccountKind.official:
            depth = account.org_unit.count("/") + 1
            if account.org_unit.startswith("总行"):
                return 20_000, 1_500_000, 0.8, 4.0
            if depth == 1:
                return 3_000, 150_000, 0.3, 1.5
            return 500, 30_000, 0.1, 0.8
        return 100, 30_000, 0.05, 1.2

    def _followers(self, st: _AccountState, at_ms: int) -> int:
        days = (at_ms - self.start_ms) / DAY_MS
        logistic = 1.0 / (1.0 + math.exp(-(days - st.mid_day) / st.scale_days))
        noise = 1.0 + self.rng.gauss(0.0, 0.0008)
        return max(0, int(st.base_followers * (1.0 + st.growth * logistic)
                          * st.follower_factor * noise))

    def _snapshot(self, st: _AccountState, crawled_ms: int, captured: str) -> dict[str, Any]:
        if self.rng.random() < 0.01:
            st.following += 1
        return {
            "account_key": st.key,
            "platform": st.platform,
            "platform_account_id": st.account.platform_account_id,
            "name": st.name,
            "avatar_hash": st.avatar_hash,
            "bio": st.bio,
            "status": st.status,
            "verified": st.verified,
            "verification_subject": st.verification_subject,
            "followers": self._followers(st, crawled_ms),
            "following": st.following,
            "post_count": st.post_count,
            "likes_total": st.likes_total,
            "captured_at": captured,
        }

    # -- incidents ------------------------------------------------------------------------------

    def _evolve_incident(self, st: _AccountState, crawl_no: int) -> tuple[str, ...]:
        incident = st.incident
        if incident is not None:
            if incident.recover_at is not None and crawl_no >= incident.recover_at:
                for attr, value in incident.undo.items():
                    setattr(st, attr, value)
                st.incident = None
                return (f"recovered:{incident.kind}",)
            return ()
        if not st.eligible or self.rng.random() >= self.cfg.status_change_rate:
            return ()
        return self._start_incident(st, crawl_no)

    @staticmethod
    def _applies(st: _AccountState, kind: str) -> bool:
        """Whether ``kind`` can happen to the account (and would be visible)."""
        if kind in _NEEDS_VERIFIED:
            return st.verified
        if kind in _NEEDS_POSTS:
            if st.page_posts == 0:
                return False
            if kind == "dormant":
                return st.posts_per_day >= _DORMANT_MIN_RATE
        return True

    def _crawls(self, duration_ms: float) -> int:
        """Crawls of one account covering at least ``duration_ms``."""
        return max(1, math.ceil(duration_ms / self.interval_ms))

    def _start_incident(self, st: _AccountState, crawl_no: int) -> tuple[str, ...]:
        rng = self.rng
        kinds = [(k, w) for k, w in self.incident_table if self._applies(st, k)]
        if not kinds:
            return ()
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        recover_at: int | None
        if kind == "posting_burst":
            recover_at = crawl_no + 1  # all at once: over at the next crawl
        elif kind == "engagement_spike":
            # over when the bought engagement has (95 %) arrived
            st.pending_spike = rng.uniform(*_SPIKE_TAU_HOURS) * HOUR_MS
            recover_at = crawl_no + self._crawls(3 * st.pending_spike)
        elif kind == "dormant":
            days = max(_DORMANT_MIN_DAYS, _DORMANT_GAP_FACTOR / st.posts_per_day)
            # one crawl more: posts of the recovery crawl may date from the interval before it
            recover_at = crawl_no + 1 + self._crawls(days * rng.uniform(1.0, 1.3) * DAY_MS)
        elif rng.random() < _PERMANENT_CHANCE.get(kind, 0.2):
            recover_at = None
        else:
            recover_at = crawl_no + self._crawls(rng.uniform(3 * HOUR_MS, 5 * DAY_MS))
        incident = _Incident(kind, recover_at)
        if kind in _STATUS_INCIDENTS:
            incident.undo = {"status": st.status}
            st.status = AccountStatus(kind).value
        elif kind == "verification_lost":
            incident.undo = {"verified": st.verified,
                             "verification_subject": st.verification_subject}
            st.verified, st.verification_subject = False, None
        elif kind == "subject_changed":
            incident.undo = {"verification_subject": st.verification_subject}
            st.verification_subject = rng.choice(content.HIJACK_SUBJECTS)
        elif kind == "renamed":
            incident.undo = {"name": st.name}
            st.name = rng.choice(content.RENAMES).format(name=st.name, n=rng.randint(1, 99))
        elif kind == "avatar_changed":
            incident.undo = {"avatar_hash": st.avatar_hash}
            st.avatar_hash = f"{rng.getrandbits(128):032x}"
        elif kind == "bio_changed":
            incident.undo = {"bio": st.bio}
            wx = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(rng.randint(2, 4)))
            st.bio = rng.choice(content.OFFBRAND_BIOS).format(wx=f"{wx}{rng.randint(100, 9999)}")
        elif kind == "follower_drop":
            incident.undo = {"follower_factor": st.follower_factor}
            st.follower_factor *= rng.uniform(0.5, 0.85)
        elif kind == "follower_spike":
            incident.undo = {"follower_factor": st.follower_factor}
            st.follower_factor *= rng.uniform(1.3, 2.5)
        elif kind == "engagement_spike":
            pass  # the post is published by _publish_new_posts at this crawl (pending_spike)
        elif kind == "dormant":
            incident.undo = {"publishing": st.publishing}
            st.publishing = False
        elif kind == "posting_burst":
            st.pending_burst = rng.randint(*_BURST_POSTS)
        else:  # negative_surge
            incident.undo = {"complaint_share": st.complaint_share,
                             "comment_factor": st.comment_factor}
            st.complaint_share = rng.uniform(0.5, 0.7)
            st.comment_factor *= rng.uniform(2.0, 3.0)
        st.incident = incident
        return (kind,)

    # -- posts ----------------------------------------------------------------------------------

    def _publish_new_posts(self, st: _AccountState, crawled_ms: int) -> tuple[str, ...]:
        """Posts published since the last crawl; the ids of spiked ones (engagement_spike)."""
        if st.page_posts == 0:
            return ()
        rng = self.rng
        since = st.last_crawl_ms
        span = crawled_ms - since
        times: list[tuple[int, float]] = []  # (published, spike tau or 0)
        if st.publishing:
            count = _poisson(rng, st.posts_per_day * span / DAY_MS)
            times = [(since + 1 + int(rng.random() * (span - 1)), 0.0) for _ in range(count)]
        if st.pending_burst:
            # a takeover: many posts within minutes (within one crawl interval in any case)
            window = min(span, _BURST_WINDOW_MS)
            times += [(crawled_ms - int(rng.random() * window), 0.0)
                      for _ in range(st.pending_burst)]
            st.pending_burst = 0
        if st.pending_spike:
            # the newest post of this crawl, so that it is on this page whatever the window
            low = max((t for t, _ in times), default=since)
            at = low + 1 + int(rng.random() * (crawled_ms - low - 1)) if crawled_ms - low > 1 \
                else crawled_ms
            times.append((at, st.pending_spike))
            st.pending_spike = 0.0
        if not times:
            return ()
        spiked: list[str] = []
        for published, tau_ms in sorted(times):
            if tau_ms:
                post = self._new_post(st, published, rng.uniform(*_SPIKE_FACTOR), tau_ms)
                spiked.append(post.post_id)
            else:
                post = self._new_post(st, published)
            st.posts.append(post)
        if len(st.posts) > st.page_posts:
            del st.posts[: len(st.posts) - st.page_posts]
        return tuple(spiked)

    def _new_post(self, st: _AccountState, published_ms: int, spike: float = 0.0,
                  spike_tau_ms: float = 0.0) -> _PostState:
        """A new post; ``spike`` > 0 makes its final engagement that many times the account's
        typical post (bought views and interactions, arriving with ``spike_tau_ms``)."""
        rng = self.rng
        x = _scramble(self.post_seq, self.post_salt)
        self.post_seq += 1
        platform = st.platform
        kind = _weighted(rng, _KINDS[platform])
        post_id = post_id_for(platform, x)
        topic = content.TOPICS[_weighted(rng, _TOPIC_WEIGHTS[st.voice])]
        fields = {"bank": st.brand, "city": st.city, "n": rng.randint(2, 12)}
        title = rng.choice(topic.titles).format(**fields)
        tags = [t.format(**fields) for t in rng.sample(topic.tags, rng.randint(1, 3))]
        noncompliant = rng.random() < self.cfg.noncompliant_share
        text = self._post_text(st, topic, fields, kind, noncompliant)
        title, text = self._platform_style(platform, kind, title, text, tags, fields)
        st.post_count += 1
        base: dict[str, Any] = {
            "post_id": post_id,
            "account_key": st.key,
            "platform": platform,
            "kind": kind,
            "title": title,
            "text": text,
            "tags": tags,
            "url": post_url_for(platform, st.account.platform_account_id, post_id, kind),
            "published_at": _iso(published_ms),
        }
        if spike:
            # the typical post's figures (median views, middle ratios) times the factor
            views = max(_SPIKE_MIN_VIEWS, max(20.0, st.reach) * spike)
            likes = views * 0.035
            finals = (int(views), int(likes), int(likes * 0.115), int(likes * 0.175),
                      int(likes * 0.3))
            tau_hours = spike_tau_ms / HOUR_MS
        else:
            # a natural spread only: a post far above the account's usual is an injected spike
            views = max(20.0, st.reach * rng.lognormvariate(0.0, 0.5))
            likes = views * rng.uniform(0.01, 0.06)
            finals = (int(views), int(likes), int(likes * rng.uniform(0.03, 0.2)),
                      int(likes * rng.uniform(0.05, 0.3)), int(likes * rng.uniform(0.1, 0.5)))
            tau_hours = rng.uniform(1.0, 3.0) if kind == "live" else rng.uniform(4.0, 48.0)
        return _PostState(post_id, published_ms, base, finals, tau_hours * HOUR_MS, noncompliant)

    def _post_text(self, st: _AccountState, topic: content.Topic, fields: dict[str, Any],
                   kind: str, noncompliant: bool) -> str:
        rng = self.rng
        count = rng.randint(3, 6) if kind == "article" else rng.randint(2, 4)
        body = [s.format(**fields) for s in rng.sample(topic.sentences,
                                                       min(count, len(topic.sentences)))]
        if kind == "live":
            body.insert(0, rng.choice(content.LIVE_SENTENCES))
        risky = -1
        if noncompliant:
            risky = rng.randint(0, len(body))
            body.insert(risky, self._noncompliant_sentence(
                content.NONCOMPLIANT_POST_SENTENCES, fields))
            risky += 1  # the opener comes first
        opener = rng.choice(content.OPENERS[st.voice]).format(**fields)
        closer = rng.choice(content.CLOSERS[st.voice]).format(**fields)
        parts = [opener, *body, closer]
        # keep room for the platform's hashtags: drop body sentences, never the risky one
        while sum(map(len, parts)) > 240:
            droppable = [i for i in range(len(parts) - 2, 0, -1) if i != risky]
            if len(droppable) <= 1:
                break
            del parts[droppable[0]]
            if droppable[0] < risky:
                risky -= 1
        text = "".join(parts)
        while len(text) < 50:
            text += rng.choice(topic.sentences).format(**fields)
        return text

    def _noncompliant_sentence(self, options: tuple[tuple[str, str], ...],
                               fields: dict[str, Any]) -> str:
        rng = self.rng
        template, phrase = rng.choice(options)
        sentence = template.format(**fields, idcard=fake_id_card(rng),
                                   bankcard=fake_bank_card(rng))
        if phrase and rng.random() < self.cfg.obfuscated_share:
            sentence = sentence.replace(phrase, self._obfuscate(phrase), 1)
        return sentence

    def _obfuscate(self, phrase: str) -> str:
        rng = self.rng
        traditional = content.TRADITIONAL_VARIANTS.get(phrase)
        if traditional and rng.random() < 0.4:
            return traditional
        return rng.choice(content.OBFUSCATION_SEPARATORS[1:]).join(phrase)

    def _platform_style(self, platform: str, kind: str, title: str, text: str, tags: list[str],
                        fields: dict[str, Any]) -> tuple[str, str]:
        rng = self.rng
        if kind == "live":
            title = rng.choice(content.LIVE_TITLES).format(**fields, title=title)
        if platform == "weibo":
            return "", f"#{tags[0]}#{text}"
        if platform == "xiaohongshu":
            decor = rng.choice(content.XHS_TITLE_DECOR)
            title = f"{title}{decor}" if decor.startswith("|") else f"{decor}{title}"
            return title, text + "\n" + " ".join(f"#{t}" for t in tags)
        if platform == "bilibili":
            return rng.choice(content.BILIBILI_TITLE_PREFIX) + title, text
        if platform in ("douyin", "kuaishou", "weixin_channels"):
            return title, text + " " + " ".join(f"#{t}" for t in tags)
        return title, text

    def _post_items(self, st: _AccountState, crawled_ms: int, captured: str,
                    items: list[dict[str, Any]], noncompliant: list[str]) -> None:
        for post in reversed(st.posts):  # newest first, as a profile page lists them
            age = crawled_ms - post.published_ms
            frac = 1.0 - math.exp(-age / post.tau_ms) if age > 0 else 0.0
            views, likes, comments, shares, favorites = post.finals
            current_likes = int(likes * frac)
            if current_likes > post.last_likes:
                st.likes_total += current_likes - post.last_likes
                post.last_likes = current_likes
            data = dict(post.base)
            data["captured_at"] = captured
            data["metrics"] = {
                "views": int(views * frac), "likes": current_likes,
                "comments": int(comments * frac), "shares": int(shares * frac),
                "favorites": int(favorites * frac),
            }
            items.append({"type": "post", "data": data})
            if post.noncompliant:
                noncompliant.append(post.post_id)

    # -- comments -------------------------------------------------------------------------------

    def _comment_items(self, st: _AccountState, crawled_ms: int, captured: str,
                       items: list[dict[str, Any]], noncompliant: list[str]) -> None:
        if not st.posts:
            return
        rng = self.rng
        mean = self.cfg.comments_per_page * st.comment_factor
        count = int(rng.random() * (2 * mean + 1))
        count = min(count, MAX_ITEMS_PER_PAGE - len(items))
        posts = st.posts
        for _ in range(count):
            # recent posts draw most comments
            post = posts[len(posts) - 1 - int(len(posts) * rng.random() ** 2)]
            data, risky = self._new_comment(st, post, crawled_ms, captured)
            items.append({"type": "comment", "data": data})
            if risky:
                noncompliant.append(data["comment_id"])

    def _new_comment(self, st: _AccountState, post: _PostState, crawled_ms: int,
                     captured: str) -> tuple[dict[str, Any], bool]:
        rng = self.rng
        x = _scramble(self.comment_seq, self.comment_salt)
        self.comment_seq += 1
        comment_id = f"{x:024x}" if st.platform == "xiaohongshu" else str(
            7_100_000_000_000_000 + x)
        fields = {"bank": st.brand, "city": st.city}
        parent: str | None = None
        risky = False
        reply_chance = _REPLY_CHANCE_SURGE if st.complaint_share else _REPLY_CHANCE
        if post.pending_reply is not None and st.voice == "official" \
                and rng.random() < reply_chance:
            author_id, author_name = st.account.platform_account_id, st.name
            text = rng.choice(content.OFFICIAL_REPLIES)
            parent, post.pending_reply = post.pending_reply, None
        else:
            author_id = str(rng.randint(10**8, 10**11))
            author_name = self._nickname(fields)
            if rng.random() < self.cfg.noncompliant_share:
                text = self._noncompliant_sentence(content.NONCOMPLIANT_COMMENTS, fields)
                risky = True
            else:
                text = self._ordinary_comment(st, post, comment_id, fields)
            if post.last_comment_id is not None and rng.random() < 0.1:
                parent = post.last_comment_id
        post.last_comment_id = comment_id
        low = max(post.published_ms, st.last_crawl_ms)
        published = crawled_ms
        if crawled_ms > low:
            published = low + int(rng.random() * (crawled_ms - low))
        likes = min(int(rng.paretovariate(1.6)) - 1, 5000)
        return {
            "comment_id": comment_id,
            "post_id": post.post_id,
            "account_key": st.key,
            "platform": st.platform,
            "author_id": author_id,
            "author_name": author_name,
            "text": text,
            "likes": likes,
            "parent_comment_id": parent,
            "published_at": _iso(published),
            "captured_at": captured,
        }, risky

    def _ordinary_comment(self, st: _AccountState, post: _PostState, comment_id: str,
                          fields: dict[str, Any]) -> str:
        rng = self.rng
        praise, question, complaint = _COMMENT_MIX
        u = rng.random()
        if u < st.complaint_share or praise + question <= u < praise + question + complaint:
            post.pending_reply = comment_id
            return rng.choice(content.COMMENT_COMPLAINTS).format(**fields)
        if u < praise:
            return rng.choice(content.COMMENT_PRAISE).format(**fields)
        if u < praise + question:
            return rng.choice(content.COMMENT_QUESTIONS).format(**fields)
        return rng.choice(content.COMMENT_CHATTER)

    def _nickname(self, fields: dict[str, Any]) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return f"用户{rng.randint(10**6, 10**9)}"
        return rng.choice(content.NICK_PREFIXES).format(**fields) + rng.choice(content.NICK_NAMES)

    # -- malformations and the final message ----------------------------------------------------

    def _finish(self, st: _AccountState, envelope: dict[str, Any], crawled_ms: int,
                noncompliant: list[str], incidents: tuple[str, ...]) -> SimulatedMessage:
        rng = self.rng
        items: list[dict[str, Any]] = envelope["items"]
        has_snapshot = envelope["snapshot"] is not None
        events = int(has_snapshot) + len(items)
        share = self.cfg.malformed_share
        key = st.key.encode()
        crawled_at = _from_ms(crawled_ms)
        p_message = p_item = 0.0
        if share > 0.0:
            p_message, p_item = _breakage_odds(share, events)
            u = rng.random()
            if u < p_message:
                value, what = self._broken_json(envelope)
                return SimulatedMessage(key, value, 1, Counter(), 1, crawled_at,
                                        incidents=incidents, malformations=(what,))
            if u < 2 * p_message:
                what = self._break_header(envelope)
                events = int(has_snapshot) + len(envelope["items"])
                return SimulatedMessage(key, orjson.dumps(envelope), events, Counter(), 1,
                                        crawled_at, incidents=incidents,
                                        malformations=(f"header:{what}",))
        valid: Counter[str] = Counter()
        dead = 0
        broken: list[str] = []
        broken_items: set[int] = set()
        if has_snapshot:
            if p_item and rng.random() < p_item:
                broken.append("snapshot:" + self._break_snapshot(envelope["snapshot"]))
                dead += 1
            else:
                valid["snapshot"] += 1
        for index, item in enumerate(items):
            kind = item["type"]
            if p_item and rng.random() < p_item:
                broken.append(f"{kind}:" + self._break_item(st, kind, item["data"]))
                broken_items.add(index)
                dead += 1
            else:
                valid[kind] += 1
        if broken_items and noncompliant:
            accepted = {_item_id(item) for i, item in enumerate(items) if i not in broken_items}
            noncompliant = [i for i in noncompliant if i in accepted]
        return SimulatedMessage(key, orjson.dumps(envelope), events, valid, dead, crawled_at,
                                tuple(noncompliant), incidents, tuple(broken))

    def _broken_json(self, envelope: dict[str, Any]) -> tuple[bytes, str]:
        rng = self.rng
        if rng.random() < 0.2:
            return (b"<html><head><title>502 Bad Gateway</title></head>"
                    b"<body>upstream timed out</body></html>", "json:html_error_page")
        value = orjson.dumps(envelope)
        return value[: rng.randint(1, len(value) - 1)], "json:truncated"

    def _break_header(self, envelope: dict[str, Any]) -> str:
        rng = self.rng
        cases = ["missing_account_key", "unknown_platform", "bad_crawled_at", "extra_field",
                 "empty_source"]
        if envelope["items"]:
            cases.append("too_many_items")
        case = rng.choice(cases)
        if case == "missing_account_key":
            del envelope["account_key"]
        elif case == "unknown_platform":
            envelope["platform"] = rng.choice(("tiktok", "douyin_lite", "wechat"))
        elif case == "bad_crawled_at":
            envelope["crawled_at"] = rng.choice(("昨天", "2025-13-45 25:61", ""))
        elif case == "extra_field":
            envelope["crawler_version"] = "2.3.1"
        elif case == "empty_source":
            envelope["source"] = ""
        else:
            items = envelope["items"]
            target = MAX_ITEMS_PER_PAGE + rng.randint(1, 5)
            envelope["items"] = [items[i % len(items)] for i in range(target)]
        return case

    def _break_snapshot(self, snapshot: dict[str, Any]) -> str:
        rng = self.rng
        case = rng.choice(("followers_text", "followers_negative", "missing_name", "empty_name",
                           "unknown_status", "bad_captured_at", "verified_text"))
        if case == "followers_text":
            snapshot["followers"] = rng.choice(("很多", "10万+", "1.2w"))
        elif case == "followers_negative":
            snapshot["followers"] = -rng.randint(1, 1000)
        elif case == "missing_name":
            del snapshot["name"]
        elif case == "empty_name":
            snapshot["name"] = "  "
        elif case == "unknown_status":
            snapshot["status"] = rng.choice(("frozen", "冻结", "suspended"))
        elif case == "bad_captured_at":
            snapshot["captured_at"] = "刚刚"
        else:
            snapshot["verified"] = "已认证"
        return case

    def _break_item(self, st: _AccountState, kind: str, data: dict[str, Any]) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return self._foreign_item(st, data)
        if kind == "post":
            case = rng.choice(("missing_post_id", "negative_likes", "bad_published_at",
                               "unknown_kind", "views_text", "missing_account_key"))
            metrics = dict(data["metrics"])
            if case == "missing_post_id":
                del data["post_id"]
            elif case == "negative_likes":
                metrics["likes"] = -rng.randint(1, 99)
            elif case == "bad_published_at":
                data["published_at"] = rng.choice(("yesterday", "昨天", "3小时前"))
            elif case == "unknown_kind":
                data["kind"] = rng.choice(("reel", "story", "短视频"))
            elif case == "views_text":
                metrics["views"] = rng.choice(("10万+", "很多", "1.2w"))
            else:
                del data["account_key"]
            data["metrics"] = metrics
            return case
        case = rng.choice(("empty_text", "missing_comment_id", "missing_post_id",
                           "negative_likes", "likes_text", "bad_published_at"))
        if case == "empty_text":
            data["text"] = rng.choice(("", "   "))
        elif case == "missing_comment_id":
            del data["comment_id"]
        elif case == "missing_post_id":
            del data["post_id"]
        elif case == "negative_likes":
            data["likes"] = -1
        elif case == "likes_text":
            data["likes"] = "很多"
        else:
            data["published_at"] = "刚刚"
        return case

    def _foreign_item(self, st: _AccountState, data: dict[str, Any]) -> str:
        """An item that validates on its own but belongs to another account or platform."""
        rng = self.rng
        others = [a for a in (rng.choice(self.roster) for _ in range(4)) if a.account_key != st.key]
        if others and rng.random() < 0.7:
            data["account_key"] = others[0].account_key
            if others[0].platform.value != st.platform and rng.random() < 0.5:
                data["platform"] = others[0].platform.value
            return "foreign_account_key"
        data["platform"] = rng.choice([p.value for p in Platform if p.value != st.platform])
        return "foreign_platform"


__all__ = [
    "DEFAULT_INCIDENT_WEIGHTS",
    "INCIDENT_KINDS",
    "SOURCE",
    "SimulatedMessage",
    "Simulator",
    "SimulatorConfig",
    "brand_of",
    "fake_bank_card",
    "fake_id_card",
    "incident_eligible_keys",
    "post_id_for",
    "post_url_for",
]
