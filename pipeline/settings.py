"""The one Settings object: every knob is a ``MATRIXGUARD_*`` environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents.alerting.config import DEFAULT_CONFIG as ALERTING_CONFIG
from agents.alerting.rules import DEFAULT_RULES as ALERTING_RULES
from agents.anomaly.config import AnomalyConfig
from agents.sensitivity.lexicon import DEFAULT_DIR as DEFAULT_LEXICON
from pipeline.crawlers.config import CrawlSettings


class Settings(BaseSettings):
    """Runtime settings. Embedded defaults need nothing set; production sets the two URLs."""

    model_config = SettingsConfigDict(
        env_prefix="MATRIXGUARD_", extra="ignore", env_nested_delimiter="__")

    broker_url: str = Field(
        "",
        description="kafka://host:9092[;kafka://host2:9092]. Empty = start the embedded broker.",
    )
    warehouse_url: SecretStr = Field(
        SecretStr(""),
        description="chdb:///path or http(s)://user:pass@host:8123/db. Empty = chDB in data_dir.",
    )
    data_dir: Path = Field(Path("var"), description="embedded state: warehouse, run summaries")
    roster: Path = Field(Path("examples/roster.csv"), description="imported on first embedded run")
    app_id: str = "matrixguard"
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    ingest_batch_max: int = Field(200, description="raw pages ingest validates per batch")
    ingest_batch_within_s: float = Field(0.05, description="flush a partial ingest batch after")
    sink_batch_max: int = Field(100, description="canonical bundles per sink insert batch")
    sink_batch_within_s: float = Field(0.5, description="flush a partial sink batch after this")
    sink_retry_max_wait_s: float = Field(30.0, description="cap of the warehouse retry backoff")
    broker_session_timeout_s: float = Field(
        6.0, description="consumer group session timeout (Kafka's minimum is 6 s)")
    lexicon_dir: Path = Field(DEFAULT_LEXICON, description="sensitivity lexicon (YAML rules)")
    lexicon_reload_s: float = Field(10.0, description="how often to look for lexicon changes")
    stop_timeout_s: float = Field(30.0, description="graceful stop limit, then exit hard")
    web_port: int = Field(0, description="worker's local HTTP port (0 = pick a free one)")
    anomaly: AnomalyConfig = Field(
        AnomalyConfig(),
        description="anomaly thresholds, MATRIXGUARD_ANOMALY__<FIELD> (agents/anomaly/config.py)")
    alerting_config: Path = Field(
        ALERTING_CONFIG, description="alert routing: route tree, receivers, inhibit rules")
    alerting_rules: Path = Field(ALERTING_RULES, description="which events become alerts")
    notify_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description='robot keys and passwords: JSON {"name": "secret"}, '
                                          "referenced as ${name} in the alerting config")
    alerting_tick_s: float = Field(1.0, description="how often alert groups are looked at")
    health_interval_s: float = Field(
        300.0, description="how often the worker re-runs the health check (矩阵体检) of every "
                           "account and writes a run to ClickHouse")

    crawl: CrawlSettings = Field(
        CrawlSettings(), description="platform connectors, MATRIXGUARD_CRAWL__<FIELD> "
                                     "(pipeline/crawlers/config.py)")

    def secrets(self) -> dict[str, str]:
        """The notification secrets, in clear, for the alerting config loader only."""
        return {k: v.get_secret_value() for k, v in self.notify_secrets.items()}

    def embedded_warehouse_url(self) -> str:
        """The chDB URL for this data dir."""
        return f"chdb://{(self.data_dir / 'warehouse').resolve()}"

    def resolved_warehouse_url(self) -> str:
        """The warehouse URL in force: the configured one, else chDB in the data dir."""
        return self.warehouse_url.get_secret_value() or self.embedded_warehouse_url()
