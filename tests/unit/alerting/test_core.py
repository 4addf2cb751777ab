"""The alerting core: matchers, routing tree, silences, inhibition, grouping timers, rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agents.alerting.grouper import Group, flush, mark_sent
from agents.alerting.inhibition import InhibitRule, inhibited
from agents.alerting.matchers import parse_matcher, parse_matchers
from agents.alerting.routing import Route, group_key, parse_duration, route_alert
from agents.alerting.rules import fingerprint, from_anomaly, from_score, load_rules
from agents.alerting.silences import Silence
from schemas.alerts import Alert
from schemas.events import AccountContext, AccountKind, Anomaly, AnomalyType, Platform, Severity

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LABELS = {"alertname": "AccountStatusChanged", "severity": "critical", "account": "douyin:1",
          "org_unit": "杭州分行/西湖支行", "owner": "王敏", "account_kind": "official"}


def alert(labels: dict[str, str] | None = None, status: str = "firing", **over: str) -> Alert:
    labels = {**LABELS, **(labels or {}), **over}
    return Alert(fingerprint=fingerprint(labels), status=status,  # type: ignore[arg-type]
                 labels=labels, starts_at=NOW, annotations={"title": "账号状态异常：封禁"})


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("severity=critical", LABELS, True),
    ("severity!=critical", LABELS, False),
    ("org_unit^=杭州分行", LABELS, True),
    ("org_unit^=杭州", LABELS, False),  # a prefix is a whole path segment
    ("account=~douyin:.*", LABELS, True),
    ("account=~douyin", LABELS, False),  # regexes are anchored, as in Alertmanager
    ("team!~.+", LABELS, True),  # a missing label is empty
])
def test_matchers(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


def test_bad_matchers_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="not a matcher"):
        parse_matcher("severity")
    with pytest.raises(ValueError, match="bad regex"):
        parse_matcher("account=~(")
    assert [str(m) for m in parse_matchers("a=1, b!~x")] == ["a=1", "b!~x"]


TREE = Route.model_validate({
    "receiver": "risk-console", "group_by": ["alertname"], "group_wait": "30s",
    "routes": [
        {"matchers": ["account_kind=~official|employee"], "receiver": "owner",
         "group_by": ["account"], "continue": True},
        {"matchers": ["severity=critical"], "receiver": "risk-team", "repeat_interval": "1h",
         "routes": [{"matchers": ["org_unit^=杭州分行"], "receiver": "hangzhou"}]},
        {"matchers": ["severity=critical"], "receiver": "never"},
    ]})


def test_routing_tree_first_match_continue_and_inheritance() -> None:
    deliveries = route_alert(TREE, LABELS)
    assert [d.receiver for d in deliveries] == ["owner", "hangzhou"]
    owner, hangzhou = deliveries
    assert owner.group_by == ("account",) and owner.group_wait == 30.0
    assert hangzhou.group_by == ("alertname",) and hangzhou.repeat_interval == 3600.0
    low = route_alert(TREE, {**LABELS, "severity": "low", "account_kind": "competitor"})
    assert [d.receiver for d in low] == ["risk-console"]
    key, chosen = group_key(owner, LABELS)
    assert chosen == {"account": "douyin:1"} and key.startswith("owner/0:")
    assert parse_duration("4h") == 14400.0


def test_silence_mutes_matching_alerts_only_while_active() -> None:
    silence = Silence(silence_id="s1", matchers=["account=douyin:1"], starts_at=NOW,
                      ends_at=NOW + timedelta(hours=2), created_by="王敏", comment="已申诉",
                      updated_at=NOW)
    assert silence.mutes(LABELS, NOW + timedelta(minutes=5))
    assert not silence.mutes({**LABELS, "account": "douyin:2"}, NOW + timedelta(minutes=5))
    assert not silence.mutes(LABELS, NOW + timedelta(hours=3))
    assert silence.state(NOW - timedelta(minutes=1)) == "pending"


def test_a_banned_account_inhibits_its_follower_drop_alert() -> None:
    rule = InhibitRule(source_matchers=["alertname=AccountStatusChanged", "severity=critical"],
                       target_matchers=["alertname=FollowerAnomaly"], equal=["account"])
    banned = alert()
    drop = alert({"alertname": "FollowerAnomaly", "severity": "high"})
    other = alert({"alertname": "FollowerAnomaly", "severity": "high", "account": "douyin:2"})
    assert inhibited(drop, [banned, drop], [rule])
    assert not inhibited(other, [banned, other], [rule])
    assert not inhibited(drop, [alert(status="resolved"), drop], [rule])


def group() -> Group:
    return Group(receiver="owner", group_key="owner/0:{account=douyin:1}",
                 group_labels={"account": "douyin:1"}, group_wait=30, group_interval=300,
                 repeat_interval=3600, created_ms=int(NOW.timestamp() * 1000),
                 next_flush_ms=int((NOW + timedelta(seconds=30)).timestamp() * 1000))


def test_grouper_waits_groups_repeats_and_resolves() -> None:
    g = group()
    first = alert()
    g.add(first)
    assert flush(g, NOW + timedelta(seconds=10), lambda a: False) is None  # group_wait
    second = alert({"alertname": "FollowerAnomaly"})
    g.add(second)
    sent = flush(g, NOW + timedelta(seconds=30), lambda a: False)
    assert sent is not None and len(sent.alerts) == 2 and sent.status == "firing"
    mark_sent(g, sent, NOW + timedelta(seconds=30))
    # nothing new: quiet at the next interval, repeated after repeat_interval
    assert flush(g, NOW + timedelta(seconds=330), lambda a: False) is None
    repeat = flush(g, NOW + timedelta(seconds=30 + 3600), lambda a: False)
    assert repeat is not None and repeat.notification_id != sent.notification_id
    mark_sent(g, repeat, NOW + timedelta(seconds=30 + 3600))
    # one resolves: the next flush says so, once
    g.add(alert(status="resolved"))
    at = NOW + timedelta(seconds=30 + 3600 + 300)
    resolved = flush(g, at, lambda a: False)
    assert resolved is not None and [a.status for a in resolved.alerts] == ["firing", "resolved"]
    mark_sent(g, resolved, at)
    assert list(g.alerts) == [second.fingerprint]
    assert flush(g, at + timedelta(seconds=300), lambda a: False) is None


def test_grouper_leaves_muted_alerts_out() -> None:
    g = group()
    g.add(alert())
    assert flush(g, NOW + timedelta(seconds=30), lambda a: True) is None


def anomaly(state: str = "firing", kind: AccountKind = AccountKind.employee) -> Anomaly:
    return Anomaly(
        anomaly_id="a1", type=AnomalyType.status_changed, state=state,  # type: ignore[arg-type]
        severity=Severity.critical, account_key="douyin:1", platform=Platform.douyin,
        context=AccountContext(registered=True, kind=kind, org_unit="杭州分行", owner="王敏"),
        title="账号状态异常：正常 → 封禁", before="active", after="banned",
        observed_at=NOW, detected_at=NOW)


def test_default_rules_turn_an_anomaly_into_an_alert_that_its_recovery_resolves() -> None:
    rules = load_rules()
    [fired] = from_anomaly(anomaly(), rules, "http://grafana/d/risk")
    [resolved] = from_anomaly(anomaly("resolved"), rules)
    assert fired.fingerprint == resolved.fingerprint and resolved.status == "resolved"
    assert fired.labels["alertname"] == "AccountStatusChanged"
    assert fired.labels["owner"] == "王敏" and "封禁" in fired.annotations["title"]
    assert "王敏" in fired.annotations["summary"]
    assert fired.generator_url == "http://grafana/d/risk?var-account=douyin%3A1"


def test_a_high_risk_hit_of_an_employee_becomes_one_alert_per_rule() -> None:
    hit = {"rule_id": "FIN-GUAR-001", "category": "guarantee", "severity": "critical",
           "term": "保本保息", "citation": "资管新规", "suggestion": "删除", "field": "text",
           "start": 0, "end": 4, "points": 85}
    score = {"item_type": "post", "item_id": "p1", "account_key": "douyin:1",
             "platform": "douyin", "score": 85, "level": "严重", "hits": [hit, hit],
             "context": {"kind": "employee", "org_unit": "杭州分行", "team": "", "owner": "王敏"},
             "observed_at": NOW.isoformat()}
    [one] = from_score(score, load_rules(), "http://grafana/d/matrixguard-risk")
    assert one.labels["category"] == "guarantee" and "保本保息" in one.annotations["title"]
    assert one.ends_at == NOW + timedelta(hours=24)
    # the push links to the exact panel and item of the risk board
    assert one.generator_url == ("http://grafana/d/matrixguard-risk?var-account=douyin%3A1"
                                 "&var-item=p1&viewPanel=12")
    from agents.alerting.rules import RISK_HITS_PANEL_ID
    from dashboards.risk import HITS_PANEL_ID
    assert HITS_PANEL_ID == RISK_HITS_PANEL_ID
    competitor = {**score, "context": {**score["context"], "kind": "competitor"}}
    assert from_score(competitor, load_rules()) == []
