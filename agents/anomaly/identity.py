"""Detectors on the account snapshot: status, verification, name, avatar, bio, naming rule."""

from __future__ import annotations

from typing import Any

from agents.anomaly.config import AnomalyConfig
from agents.anomaly.emit import STATUS_ZH, Emitter
from agents.anomaly.naming import name_violations
from schemas.events import AnomalyType, Severity

_STATUS_SEVERITY = {"banned": Severity.critical, "deleted": Severity.critical,
                    "restricted": Severity.high, "private": Severity.medium}
T = AnomalyType


def _zh(status: str) -> str:
    return STATUS_ZH.get(status, status)


def check_status(em: Emitter, snap: dict[str, Any], at_ms: int) -> None:
    """active → restricted / banned / deleted / private fires; back to active resolves."""
    before, after = em.st.status, snap["status"]
    if before == after:
        return
    if after == "active":
        opened = em.is_open(T.status_changed)
        severity = _STATUS_SEVERITY.get(opened.before if opened else before, Severity.high)
        em.resolve(T.status_changed, severity, f"账号状态恢复：{_zh(before)} → 正常", at_ms,
                   before=before, after=after)
        return
    if em.is_open(T.status_changed):  # banned → deleted: the open one becomes the new one
        em.st.open.pop(f"{T.status_changed.value}:")
    change = f"{_zh(before)} → {_zh(after)}" if before else _zh(after)
    title = f"账号状态异常：{change}"
    em.fire(T.status_changed, _STATUS_SEVERITY.get(after, Severity.high), title, at_ms,
            before=before or "active", after=after)


def check_verification(em: Emitter, snap: dict[str, Any], at_ms: int) -> None:
    """Verification lost or regained; verification subject against the registry's."""
    verified, subject = bool(snap["verified"]), snap.get("verification_subject") or ""
    if em.st.snapshots and em.st.verified and not verified:
        em.fire(T.verification_lost, Severity.high, "账号认证失效", at_ms,
                before=em.st.subject or "已认证", after="未认证")
    elif verified and em.is_open(T.verification_lost):
        em.resolve(T.verification_lost, Severity.high, "账号认证已恢复", at_ms,
                   before="未认证", after=subject or "已认证")
    expected = em.info.expected_subject
    mismatch = bool(expected) and verified and subject != expected
    if mismatch and not em.is_open(T.subject_mismatch):
        em.fire(T.subject_mismatch, Severity.critical,
                f"认证主体与登记不符：应为「{expected}」，实为「{subject}」", at_ms,
                before=expected, after=subject, evidence={"expected": expected})
    elif (not expected and verified and em.st.verified and em.st.snapshots
            and subject != (em.st.subject or "")):  # no registry subject: any change is news
        em.fire(T.subject_mismatch, Severity.high,
                f"认证主体变更：「{em.st.subject or ''}」→「{subject}」", at_ms,
                before=em.st.subject or "", after=subject, standing=False)
    elif not mismatch and em.is_open(T.subject_mismatch):
        em.resolve(T.subject_mismatch, Severity.critical, "认证主体已与登记一致", at_ms,
                   before=em.st.subject or "", after=subject or "未认证")


def check_profile(em: Emitter, snap: dict[str, Any], at_ms: int, cfg: AnomalyConfig) -> None:
    """Renamed, avatar or bio changed (after the first snapshot); the naming rule."""
    st = em.st
    name, avatar, bio = snap["name"], snap.get("avatar_hash") or "", snap.get("bio") or ""
    if st.snapshots:
        if name != st.name:
            em.fire(T.renamed, Severity.medium, f"账号改名：「{st.name}」→「{name}」", at_ms,
                    before=st.name, after=name, standing=False)
        if avatar != st.avatar:
            em.fire(T.avatar_changed, Severity.low, "账号头像变更", at_ms,
                    before=st.avatar, after=avatar, standing=False)
        if bio != st.bio:
            em.fire(T.bio_changed, Severity.low, "账号简介变更", at_ms,
                    before=st.bio, after=bio, standing=False)
    problems = name_violations(name, em.info.context.kind, cfg.naming, em.info.brand)
    if problems and not em.is_open(T.name_rule_violation):
        em.fire(T.name_rule_violation, Severity.medium, "账号名称不符合命名规范", at_ms,
                before=st.name, after=name, evidence={"problems": problems})
    elif not problems and em.is_open(T.name_rule_violation):
        em.resolve(T.name_rule_violation, Severity.medium, "账号名称已符合命名规范", at_ms,
                   before=st.name, after=name)
