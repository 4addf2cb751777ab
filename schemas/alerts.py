"""Alert contracts: an alert (Alertmanager's shape), and a notification to one receiver.

An alert is identified by its fingerprint (a hash of its sorted labels); ``status`` is firing
until the condition clears. The grouper turns alerts into notifications: one per receiver and
group (the ``group_by`` labels), carrying every alert of the group at that moment. Channels
(``pipeline/notify``) render a notification for one platform and send it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import UtcDatetime

AlertStatus = Literal["firing", "resolved"]


class Alert(BaseModel):
    """One alert, as Alertmanager's API shapes it (labels, annotations, start, end)."""

    model_config = ConfigDict(frozen=True)

    fingerprint: str = Field(description="hash of the sorted labels: the alert's identity")
    status: AlertStatus
    labels: dict[str, str] = Field(
        description="alertname, severity, org_unit, team, owner, platform, account, "
                    "account_kind, category, rule …")
    annotations: dict[str, str] = Field(
        default_factory=dict, description="title and summary (Chinese), item, board link …")
    starts_at: UtcDatetime
    ends_at: UtcDatetime | None = None
    generator_url: str = Field("", description="link to the Grafana panel and item")


class OwnerContact(BaseModel):
    """How to reach the account's owner (from the registry)."""

    model_config = ConfigDict(frozen=True)

    name: str = ""
    mobile: str = ""
    email: str = ""
    wecom: str = ""


class Notification(BaseModel):
    """What one receiver gets for one group at one moment."""

    model_config = ConfigDict(frozen=True)

    notification_id: str = Field(description="deterministic: receiver, group, alerts' state")
    receiver: str
    group_key: str
    group_labels: dict[str, str]
    status: AlertStatus = Field(description="firing if any alert of the group still fires")
    alerts: list[Alert]
    owner: OwnerContact | None = Field(None, description="set when the receiver is the owner")
    created_at: UtcDatetime


class AlertBundle(BaseModel):
    """One message of the alerts topic: alerts of many accounts, all of one partition."""

    model_config = ConfigDict(frozen=True)

    alerts: list[Alert]
