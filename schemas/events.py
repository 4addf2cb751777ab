"""Event contracts: the raw crawl envelope a connector publishes and the canonical events.

A connector publishes one :class:`CrawlEnvelope` per crawl page: one account, its optional
snapshot and up to 50 posts or comments. ``ingest`` validates the envelope header, then every
item on its own, so one malformed post becomes one dead letter and its 49 neighbours go on.

Canonical events travel in bundles: ``ingest`` takes a batch of raw pages, validates them, and
publishes one bundle per canonical topic and partition (:class:`PostBundle` holding one
:class:`PostBatch` per page). Every page in a bundle belongs to an account whose key hashes to
that partition (Kafka's murmur2 partitioner), so per-account order and co-partitioning hold as
if each page were its own message, while Faust's per-message cost is paid once per bundle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeInt, model_validator

MAX_ITEMS_PER_PAGE = 50


class Platform(StrEnum):
    """Platforms the matrix lives on."""

    douyin = "douyin"
    xiaohongshu = "xiaohongshu"
    weixin_channels = "weixin_channels"
    weixin_mp = "weixin_mp"
    weibo = "weibo"
    bilibili = "bilibili"
    kuaishou = "kuaishou"


class AccountKind(StrEnum):
    """Whose account it is: the bank's own, an employee's, or a competitor's."""

    official = "official"
    employee = "employee"
    competitor = "competitor"


class AccountStatus(StrEnum):
    """Account status as the platform reports it."""

    active = "active"
    restricted = "restricted"
    banned = "banned"
    deleted = "deleted"
    private = "private"


class PostKind(StrEnum):
    """Content format."""

    video = "video"
    image = "image"
    article = "article"
    text = "text"
    live = "live"


class CompetitorGroup(StrEnum):
    """The seed bank's three competitor tiers."""

    national = "全国性银行"
    regional = "优质地方银行"
    local = "本地金融机构"


def _to_utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; aware times are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
AccountKey = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[a-z_]+:[^\s]+$")]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class AccountSnapshot(_Event):
    """What an account's profile page showed at ``captured_at``."""

    account_key: AccountKey
    platform: Platform
    platform_account_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=200)
    avatar_hash: str = ""
    bio: str = ""
    status: AccountStatus = AccountStatus.active
    verified: bool = False
    verification_subject: str | None = None
    followers: NonNegativeInt
    following: NonNegativeInt = 0
    post_count: NonNegativeInt = 0
    likes_total: NonNegativeInt = 0
    captured_at: UtcDatetime


class PostMetrics(_Event):
    """Engagement counters of a post at capture time."""

    views: NonNegativeInt = 0
    likes: NonNegativeInt = 0
    comments: NonNegativeInt = 0
    shares: NonNegativeInt = 0
    favorites: NonNegativeInt = 0


class Post(_Event):
    """A post (video, note, article…) as captured."""

    post_id: str = Field(min_length=1, max_length=200)
    account_key: AccountKey
    platform: Platform
    kind: PostKind
    title: str = ""
    text: str = ""
    tags: list[str] = Field(default_factory=list)
    url: str = ""
    published_at: UtcDatetime
    captured_at: UtcDatetime
    metrics: PostMetrics = Field(default_factory=PostMetrics)


class Comment(_Event):
    """A comment under a post."""

    comment_id: str = Field(min_length=1, max_length=200)
    post_id: str = Field(min_length=1, max_length=200)
    account_key: AccountKey
    platform: Platform
    author_id: str = ""
    author_name: str = ""
    text: str = Field(min_length=1)
    likes: NonNegativeInt = 0
    parent_comment_id: str | None = None
    published_at: UtcDatetime
    captured_at: UtcDatetime


class RawItem(BaseModel):
    """One item of a crawl page, still unvalidated: ``type`` says which model ``data`` is."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["post", "comment"]
    data: dict[str, Any]


class CrawlEnvelope(BaseModel):
    """One crawl page of one account, as a connector publishes it on the raw topic.

    The header is validated as a whole; ``snapshot`` and every item are validated one by one
    by ``ingest`` so a bad item costs only itself.
    """

    model_config = ConfigDict(extra="forbid")

    envelope_id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=100, description="connector that crawled it")
    account_key: AccountKey
    platform: Platform
    crawled_at: UtcDatetime
    snapshot: dict[str, Any] | None = None
    items: list[RawItem] = Field(default_factory=list, max_length=MAX_ITEMS_PER_PAGE)


class AccountContext(BaseModel):
    """What the account registry says about an account, attached by ``ingest``."""

    model_config = ConfigDict(frozen=True)

    registered: bool = False
    kind: AccountKind | None = None
    org_unit: str = ""
    team: str = ""
    owner: str = ""
    competitor_group: str = ""


class _Batch(BaseModel):
    """Common header of canonical batches: where the page came from and when."""

    model_config = ConfigDict(frozen=True)

    envelope_id: str
    account_key: str
    platform: Platform
    context: AccountContext
    published_ms: int = Field(description="Kafka timestamp of the raw envelope, epoch ms")


class SnapshotBatch(_Batch):
    """Canonical account snapshot (at most one per page)."""

    snapshots: list[AccountSnapshot]


class PostBatch(_Batch):
    """Canonical posts of one page."""

    posts: list[Post]


class CommentBatch(_Batch):
    """Canonical comments of one page."""

    comments: list[Comment]


_BatchT = TypeVar("_BatchT", bound=_Batch)


class Bundle(BaseModel, Generic[_BatchT]):
    """One canonical-topic message: the batches of many pages, all of one partition."""

    model_config = ConfigDict(frozen=True)

    pages: list[_BatchT]


SnapshotBundle = Bundle[SnapshotBatch]
PostBundle = Bundle[PostBatch]
CommentBundle = Bundle[CommentBatch]


class RiskHit(BaseModel):
    """One lexicon hit on one text field of an item, as a span of the original text."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    category: str
    severity: str
    field: str = Field(description="title, text, name or bio")
    start: int = Field(description="character offset into the original field text")
    end: int
    term: str = Field(description="the original text of the span")
    points: int
    citation: str
    suggestion: str


class ContentScore(BaseModel):
    """The sensitivity verdict on one post, comment or profile."""

    model_config = ConfigDict(frozen=True)

    item_type: Literal["post", "comment", "profile"]
    item_id: str = Field(description="post_id, comment_id, or the account key for a profile")
    account_key: str
    platform: Platform
    context: AccountContext
    score: int = Field(ge=0, le=100)
    level: str = Field(description="无 / 低 / 中 / 高 / 严重")
    lexicon_version: str
    hits: list[RiskHit]
    observed_at: UtcDatetime = Field(description="when the scored text was captured")
    scored_at: UtcDatetime


class ScoreBundle(BaseModel):
    """One message of the scores topic: the scores of many items, all of one partition."""

    model_config = ConfigDict(frozen=True)

    scores: list[ContentScore]


class AnomalyType(StrEnum):
    """What changed on an account (see ``agents/anomaly``)."""

    status_changed = "status_changed"
    verification_lost = "verification_lost"
    subject_mismatch = "subject_mismatch"
    renamed = "renamed"
    avatar_changed = "avatar_changed"
    bio_changed = "bio_changed"
    name_rule_violation = "name_rule_violation"
    follower_drop = "follower_drop"
    follower_spike = "follower_spike"
    engagement_spike = "engagement_spike"
    dormant = "dormant"
    posting_burst = "posting_burst"
    negative_comment_surge = "negative_comment_surge"


class Severity(StrEnum):
    """Severity of an anomaly or alert, lowest first."""

    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Anomaly(BaseModel):
    """One anomaly transition: it fired, or (for a condition that can clear) it resolved."""

    model_config = ConfigDict(frozen=True)

    anomaly_id: str = Field(description="deterministic: a replayed event yields the same id")
    type: AnomalyType
    state: Literal["firing", "resolved"]
    severity: Severity
    account_key: str
    platform: Platform
    context: AccountContext
    subject: str = Field("", description="the post id for post-level anomalies, else empty")
    title: str = Field(description="one line in Chinese, for boards and alert pushes")
    before: str = Field("", description="the value before, as shown to a person")
    after: str = Field("", description="the value after")
    evidence: dict[str, Any] = Field(default_factory=dict, description="figures behind it")
    observed_at: UtcDatetime = Field(description="event time of the data that showed it")
    detected_at: UtcDatetime


class AnomalyBundle(BaseModel):
    """One message of the anomalies topic: anomalies of many accounts, all of one partition."""

    model_config = ConfigDict(frozen=True)

    anomalies: list[Anomaly]


class DeadLetter(BaseModel):
    """An event that could not be accepted, with the reason a person can act on."""

    model_config = ConfigDict(frozen=True)

    dead_letter_id: str = Field(description="deterministic: same input, same id (replays dedup)")
    stage: str
    reason: str = Field(description="short machine code, e.g. invalid_json, invalid_post")
    error: str = Field(description="what is wrong and where, for a person")
    source_topic: str
    source_partition: int
    source_offset: int
    item_index: int = Field(-1, description="index in the page's items; -1 = the whole message")
    account_key: str = ""
    platform: str = ""
    raw: str = Field(description="original bytes (the whole message, or the item as JSON)")
    failed_at: UtcDatetime
    published_ms: int = 0


class CrawlOutcome(StrEnum):
    """How one account crawl ended (``pipeline/crawlers``)."""

    ok = "ok"
    partial = "partial"  # published, but some items were dead letters or a part failed
    account_gone = "account_gone"  # banned / deleted / private: the snapshot says so
    rate_limited = "rate_limited"
    auth_failed = "auth_failed"
    network_error = "network_error"
    http_error = "http_error"
    bad_payload = "bad_payload"
    error = "error"


class CrawlStatus(BaseModel):
    """One account crawl by a platform connector: what it did and how it ended."""

    model_config = ConfigDict(frozen=True)

    status_id: str
    platform: Platform
    account_key: str
    connector: str
    credential: str = Field(default="", description="the credential's name, never its secret")
    outcome: CrawlOutcome
    endpoint: str = Field(default="", description="where it failed, e.g. statuses/user_timeline")
    error: str = Field(default="", description="one line for a person; no secrets")
    requests: NonNegativeInt = 0
    retries: NonNegativeInt = 0
    pages: NonNegativeInt = Field(default=0, description="crawl envelopes published")
    posts_new: NonNegativeInt = 0
    posts_refreshed: NonNegativeInt = 0
    comments_new: NonNegativeInt = 0
    dead_letters: NonNegativeInt = 0
    started_at: UtcDatetime
    finished_at: UtcDatetime


class RegisteredAccount(BaseModel):
    """One row of the account registry (花名册)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    account_key: AccountKey
    platform: Platform
    platform_account_id: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=200)
    kind: AccountKind
    org_unit: str = Field("", max_length=500, description="path, e.g. 总行/网络金融部")
    team: str = ""
    owner: str = ""
    owner_mobile: str = Field("", pattern=r"^(1[3-9]\d{9})?$")
    owner_email: str = Field("", pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    owner_wecom: str = ""
    expected_verification_subject: str = ""
    competitor_group: CompetitorGroup | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RegisteredAccount:
        expected = f"{self.platform.value}:{self.platform_account_id}"
        if self.account_key != expected:
            raise ValueError(f"account_key must be '{expected}' (platform:platform_account_id)")
        if self.kind is AccountKind.competitor and self.competitor_group is None:
            raise ValueError("a competitor account needs competitor_group")
        if self.kind is not AccountKind.competitor and not self.org_unit:
            raise ValueError("an own account (official/employee) needs org_unit")
        return self


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
