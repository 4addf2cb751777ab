"""Connector settings: ``MATRIXGUARD_CRAWL__<FIELD>`` (JSON for the maps).

Credentials are secrets: they come only from settings, are held as ``SecretStr`` and never
appear in logs, crawl status events or errors. Example::

    MATRIXGUARD_CRAWL__CREDENTIALS='{"weibo": [{"name": "app1", "access_token": "2.00x…"}]}'
    MATRIXGUARD_CRAWL__INTERVALS='{"official": 300, "employee": 3600, "competitor": 1800}'
"""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class Credential(BaseModel):
    """One way into a platform: an app and/or an authorised account's token."""

    name: str = Field(min_length=1, description="shown in logs and status, never the secret")
    access_token: SecretStr = SecretStr("")
    refresh_token: SecretStr = SecretStr("")
    app_id: str = Field("", description="app id / client key, where the platform has one")
    app_secret: SecretStr = SecretStr("")
    accounts: list[str] = Field(
        default_factory=list,
        description="account keys this credential is authorised for (Douyin, Kuaishou and "
                    "WeChat tokens belong to one account); empty = any account")

    def secret_values(self) -> list[str]:
        """Every secret of this credential, for redaction."""
        return [s for s in (self.access_token.get_secret_value(),
                            self.refresh_token.get_secret_value(),
                            self.app_secret.get_secret_value()) if s]

    def serves(self, account_key: str) -> bool:
        """Whether this credential may crawl ``account_key``."""
        return not self.accounts or account_key in self.accounts


class RateOverride(BaseModel):
    """Requests per minute, overriding a connector's documented defaults."""

    platform_per_min: int | None = Field(default=None, ge=1, description="all credentials together")
    credential_per_min: int | None = Field(default=None, ge=1, description="per credential")


class CrawlSettings(BaseModel):
    """How the connectors crawl."""

    credentials: dict[str, list[Credential]] = Field(
        default_factory=dict, description="platform → credentials")
    base_urls: dict[str, str] = Field(
        default_factory=dict, description="platform → API base URL (a proxy, a partner host)")
    rates: dict[str, RateOverride] = Field(default_factory=dict)
    intervals: dict[str, float] = Field(
        default_factory=lambda: {"official": 300.0, "employee": 3600.0, "competitor": 1800.0},
        description="seconds between crawls of one account, by account kind (tier)")
    concurrency: int = Field(default=4, ge=1, description="accounts crawled at once per platform")
    timeout_s: float = Field(default=15.0, gt=0, description="read/write/pool timeout per request")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, description="tries per request on transient errors")
    retry_initial_s: float = Field(
        default=1.0, ge=0, description="first backoff; doubles, with jitter")
    retry_max_s: float = Field(default=60.0, ge=0, description="cap of one backoff wait")
    first_crawl_days: float = Field(
        default=7.0, gt=0, description="how far back the first crawl of an account goes")
    overlap_hours: float = Field(
        default=6.0, ge=0,
        description="posts this much older than the newest seen are still checked "
                    "(platforms publish late after review)")
    metrics_refresh_hours: float = Field(
        default=48.0, ge=0,
        description="posts younger than this are re-published with fresh metrics "
                    "and their new comments fetched, on every crawl")
    max_pages: int = Field(default=20, ge=1, description="timeline pages per account per crawl")
    comment_pages: int = Field(default=3, ge=1, description="comment pages per post per crawl")
    comment_posts_max: int = Field(
        default=30, ge=0, description="newest posts per crawl whose comments are fetched")
    tick_s: float = Field(
        default=5.0, gt=0, description="how often `crawl run` looks for due accounts")
