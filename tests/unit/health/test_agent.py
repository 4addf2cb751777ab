"""The worker's /health-check/ request parsing, and the policy taken from the settings."""

from __future__ import annotations

import pytest

from agents.health.agent import parse_request
from agents.health.warehouse import own_filter, policy_from
from pipeline.settings import Settings


def test_parse_request() -> None:
    assert parse_request({}) == (None, None)
    assert parse_request({"org": "杭州分行", "kind": "employee"}) == ("杭州分行", "employee")
    assert parse_request({"org": "", "kind": None}) == (None, None)
    for bad in ([], {"kind": "competitor"}, {"org": 3}):
        with pytest.raises(ValueError):
            parse_request(bad)


def test_filters_are_quoted() -> None:
    assert own_filter() == "kind IN ('official', 'employee')"
    assert own_filter("杭州'分行", "official") == (
        "kind IN ('official', 'employee') AND startsWith(org_unit, '杭州\\'分行') "
        "AND kind = 'official'")


def test_policy_uses_the_anomaly_dormancy_thresholds() -> None:
    settings = Settings(anomaly={"dormant_days_official": 3, "dormant_days_employee": 21})
    policy = policy_from(settings)
    assert (policy.dormant_days_official, policy.dormant_days_employee) == (3, 21)
