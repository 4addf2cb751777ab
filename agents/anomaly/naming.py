"""The org's naming rule for its own accounts (品牌形象): pure, shared by anomaly and health.

An official account's name must carry the brand (by default the longest common prefix of the
registry's official display names, e.g. 江南 for 江南银行 / 江南银行信用卡 / 江南财富说); an
employee account must not pose as an official one (官方, 客服, 官网…). Competitor accounts are
not ours to name.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from schemas.events import AccountKind


class NamingRule(BaseModel):
    """Configuration of the naming rule (``MATRIXGUARD_ANOMALY__NAMING__*``)."""

    model_config = ConfigDict(use_attribute_docstrings=True, frozen=True)

    brand: str = ""
    """The brand every official name carries; empty = derived from the registry."""
    official_must_contain_brand: bool = True
    """Official account names must contain the brand."""
    employee_forbidden: tuple[str, ...] = ("官方", "官网", "客服", "总行", "分行", "支行")
    """Words an employee account must not use in its name (posing as an official one)."""


def derive_brand(official_names: Iterable[str]) -> str:
    """The longest common prefix of the official names (at least two characters), or ''."""
    names = [n for n in official_names if n]
    if not names:
        return ""
    first, last = min(names), max(names)  # the common prefix of all is that of these two
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    return prefix if len(prefix) >= 2 else ""


def name_violations(name: str, kind: AccountKind | None, rule: NamingRule, brand: str) -> list[str]:
    """What is wrong with ``name`` under the rule, in Chinese; empty when it complies."""
    if kind is AccountKind.official:
        if rule.official_must_contain_brand and brand and brand not in name:
            return [f"官方账号名称「{name}」未包含品牌「{brand}」"]
    elif kind is AccountKind.employee:
        used = [w for w in rule.employee_forbidden if w in name]
        if used:
            return [f"员工账号名称「{name}」使用了「{'、'.join(used)}」，易被误认为官方账号"]
    return []
