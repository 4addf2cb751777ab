"""The example roster: big enough to be realistic, valid, and reproducible from its generator."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from schemas.events import AccountKind, CompetitorGroup, Platform, RegisteredAccount

ROOT = Path(__file__).resolve().parents[2]
ROSTER = ROOT / "examples" / "roster.csv"
GENERATOR = ROOT / "examples" / "make_roster.py"
COLUMNS = [
    "account_key", "platform", "platform_account_id", "display_name", "kind", "org_unit",
    "team", "owner", "owner_mobile", "owner_email", "owner_wecom",
    "expected_verification_subject", "competitor_group",
]
# Real institutions the fictional roster must not borrow names from.
REAL_BANKS = (
    "工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "邮储", "招商银行", "浦发",
    "中信银行", "光大银行", "华夏银行", "民生银行", "兴业银行", "平安银行", "广发银行",
    "浙商银行", "渤海银行", "恒丰银行", "北京银行", "上海银行", "江苏银行", "宁波银行",
    "南京银行", "杭州银行", "苏州银行", "温州银行", "泰隆", "稠州", "民泰",
)


def _rows() -> list[dict[str, str]]:
    with ROSTER.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _accounts() -> list[RegisteredAccount]:
    return [
        RegisteredAccount.model_validate(
            {**row, "competitor_group": row["competitor_group"] or None})
        for row in _rows()
    ]


def test_header_is_exactly_the_documented_columns() -> None:
    with ROSTER.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == COLUMNS
    assert set(COLUMNS) == set(RegisteredAccount.model_fields)


def test_every_row_validates_and_keys_are_unique() -> None:
    accounts = _accounts()
    keys = [a.account_key for a in accounts]
    assert len(keys) == len(set(keys))
    ids = Counter((a.platform, a.platform_account_id) for a in accounts)
    assert max(ids.values()) == 1


def test_sizes_match_the_seed_bank() -> None:
    accounts = _accounts()
    own = [a for a in accounts if a.kind is not AccountKind.competitor]
    competitors = [a for a in accounts if a.kind is AccountKind.competitor]
    assert len(own) >= 200
    assert sum(a.kind is AccountKind.official for a in own) >= 40
    assert sum(a.kind is AccountKind.employee for a in own) >= 120
    assert len({a.org_unit for a in own}) >= 10
    assert all("/" in a.org_unit or a.org_unit.endswith("分行") for a in own)
    assert {a.platform for a in accounts} == set(Platform)
    assert len(competitors) >= 100
    assert {a.competitor_group for a in competitors} == set(CompetitorGroup)


def test_own_accounts_have_owners_and_competitors_do_not() -> None:
    for account in _accounts():
        if account.kind is AccountKind.competitor:
            assert account.org_unit == account.team == account.owner == ""
            assert account.owner_mobile == account.owner_email == account.owner_wecom == ""
        else:
            assert account.owner and account.team
            assert len(account.owner_mobile) == 11 and account.owner_mobile.startswith("1")
            assert "@" in account.owner_email and account.owner_wecom
        if account.kind is AccountKind.official:
            assert account.expected_verification_subject.startswith("江南银行股份有限公司")


def test_names_are_fictional() -> None:
    for account in _accounts():
        for real in REAL_BANKS:
            assert real not in account.display_name, account.display_name
            assert real not in account.expected_verification_subject


def test_generator_reproduces_the_committed_csv(tmp_path: Path) -> None:
    out = tmp_path / "roster.csv"
    result = subprocess.run([sys.executable, str(GENERATOR), str(out)], capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == ROSTER.read_bytes()


@pytest.mark.parametrize("column", ["owner_mobile", "owner_email", "owner_wecom"])
def test_contacts_are_unique_per_person(column: str) -> None:
    by_value: dict[str, set[str]] = {}
    for row in _rows():
        if row[column]:
            by_value.setdefault(row[column], set()).add(row["owner"])
    assert all(len(owners) == 1 for owners in by_value.values())
