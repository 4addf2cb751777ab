"""Every threshold of the anomaly detectors, with its default and what it means.

Set through the one ``Settings`` object as ``MATRIXGUARD_ANOMALY__<FIELD>`` (for example
``MATRIXGUARD_ANOMALY__FOLLOWER_Z=10``); README "Account anomalies" lists them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agents.anomaly.naming import NamingRule


class AnomalyConfig(BaseModel):
    """Thresholds of the account anomaly detectors."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    # -- followers: robust statistics of the account's own snapshot-to-snapshot changes --
    follower_min_history: int = 12
    """Changes between snapshots an account needs before its followers are judged (no alert
    storms on new accounts)."""
    follower_window: int = 96
    """Changes kept as the account's baseline."""
    follower_z: float = 8.0
    """Robust z-score, |change − median| / (1.4826 · MAD), that flags a jump."""
    follower_mad_floor: float = 0.002
    """Floor of the MAD (of log ratios), so a very smooth history is not over-sensitive."""
    follower_min_drop: float = 0.05
    """Smallest relative drop that is flagged."""
    follower_min_spike: float = 0.10
    """Smallest relative rise that is flagged."""
    follower_min_abs: int = 10
    """Smallest absolute change (followers) that is flagged."""
    follower_recover_share: float = 0.9
    """A drop resolves when followers are back to this share of the level before it (and a
    spike when they are back under 1 / this share of it)."""

    # -- engagement of one post against the account's matured posts --
    engagement_min_history: int = 8
    """Matured posts an account needs before a post's engagement is judged."""
    engagement_window: int = 40
    """Matured posts kept as the baseline."""
    engagement_mature_h: float = 48.0
    """Age (hours) at which a post's interactions join the baseline."""
    engagement_factor: float = 6.0
    """A post is a spike when its interactions exceed this many times the 90th percentile of
    the account's matured posts."""
    engagement_min: int = 100
    """Fewest interactions (likes + comments + shares + favorites) that can be a spike."""

    # -- posting --
    burst_window_min: float = 60.0
    """Window (minutes) of the posting-burst check."""
    burst_min_posts: int = 8
    """Posts published within the window that can be a burst …"""
    burst_factor: float = 10.0
    """… and at least this many times the account's usual number per window. The same test
    runs on the snapshot's post count between two crawls at most ``burst_max_gap_h`` apart, so a
    burst larger than one crawl page still shows."""
    burst_max_gap_h: float = 6.0
    """Longest time between two snapshots whose post-count jump can be a burst."""
    dormant_days_official: float = 7.0
    """An official account is dormant after this many days without a post …"""
    dormant_days_employee: float = 14.0
    """… an employee account after this many …"""
    dormant_days_competitor: float = 14.0
    """… a competitor account after this many …"""
    dormant_gap_factor: float = 8.0
    """… and after at least this many times its mean gap between posts (a slow account's
    normal pause is not dormancy)."""
    dormant_min_posts: int = 4
    """Posts an account must have shown before dormancy can be judged."""

    # -- negative comments (舆情预警) --
    surge_window_h: float = 6.0
    """Window (hours) of the negative-comment surge."""
    surge_min_negative: int = 8
    """Negative comments in the window that can be a surge …"""
    surge_min_share: float = 0.35
    """… with at least this share of the window's comments negative …"""
    surge_share_margin: float = 0.20
    """… and at least the account's baseline share plus this margin …"""
    surge_p_value: float = 1e-6
    """… and so unlikely under the baseline share (binomial tail probability) that chance is
    ruled out: small windows and accounts with few comments do not raise storms."""
    surge_baseline_days: float = 14.0
    """Days of comments that make the baseline share."""
    surge_min_baseline: int = 30
    """Comments an account needs in its baseline before a surge is judged."""
    surge_prior_share: float = 0.2
    """Prior negative share blended into a young baseline (weight ``surge_prior_comments``)."""
    surge_prior_comments: int = 50
    """Weight of the prior, in comments."""
    surge_post_min_negative: int = 6
    """Negative comments on one post in the window for a post-level surge (when the account as
    a whole is not surging)."""

    naming: NamingRule = NamingRule()
    """The naming rule of own accounts (品牌形象)."""
