"""Roster import: CSV, XLSX and YAML; row-level errors with file:line; all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.registry.roster import COLUMNS, RosterError, read_roster
from schemas.events import AccountKind, CompetitorGroup

HEADER = ",".join(COLUMNS)
GOOD = [
    "weibo:100,weibo,100,江南银行,official,总行/网络金融部,新媒体组,张伟,13800138000,"
    "zhangwei@jnbank.example,zhangwei,江南银行股份有限公司,",
    "douyin:abc,douyin,abc,小江理财日记,employee,杭州分行/西湖支行,零售组,李娜,,,,,",
    "weibo:200,weibo,200,东岳银行,competitor,,,,,,,,全国性银行",
]


def write_csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_csv_roster_validates_every_row(tmp_path: Path) -> None:
    accounts = read_roster(write_csv(tmp_path, GOOD))
    assert [a.account_key for a in accounts] == ["weibo:100", "douyin:abc", "weibo:200"]
    assert accounts[0].owner_mobile == "13800138000"
    assert accounts[1].kind is AccountKind.employee and accounts[1].competitor_group is None
    assert accounts[2].competitor_group is CompetitorGroup.national


def test_errors_name_file_line_and_field_and_nothing_is_imported(tmp_path: Path) -> None:
    bad = [
        GOOD[0],
        "weibo:300,weibo,301,错位账号,official,总行/办公室,,,,,,,",          # key ≠ platform:id
        "douyin:x1,douyin,x1,员工号,employee,杭州分行,,王芳,12345,,,,",      # bad mobile
        "weibo:400,weibo,400,竞品,competitor,,,,,,,,",                       # no group
        GOOD[0],                                                              # duplicate
    ]
    path = write_csv(tmp_path, bad)
    with pytest.raises(RosterError) as info:
        read_roster(path)
    errors = info.value.errors
    assert [e.line for e in errors] == [3, 4, 5, 6]
    assert all(str(e).startswith(f"{path}:") for e in errors)
    assert "platform:platform_account_id" in errors[0].message
    assert "owner_mobile" in errors[1].message
    assert "competitor_group" in errors[2].message
    assert "already on line 2" in errors[3].message
    assert "nothing imported" in str(info.value)


def test_xlsx_roster(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for row in GOOD:
        sheet.append([c or None for c in row.split(",")])
    sheet.append([None] * len(COLUMNS))  # a trailing empty row is ignored
    sheet.append(["weibo:9", "weibo", 9, "数字ID", "official", "总行/办公室"]
                 + [None] * (len(COLUMNS) - 6))
    path = tmp_path / "roster.xlsx"
    book.save(path)
    accounts = read_roster(path)
    assert len(accounts) == 4 and accounts[3].platform_account_id == "9"

    sheet.append(["weibo:10", "weibo", "10", "", "official", "总行/办公室"])
    bad_row = sheet.max_row  # the row number Excel shows for it
    book.save(path)
    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert info.value.errors[0].line == bad_row and "display_name" in info.value.errors[0].message


def test_yaml_roster_reports_the_line_of_the_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(
        "accounts:\n"
        "  - account_key: weibo:100\n    platform: weibo\n    platform_account_id: '100'\n"
        "    display_name: 江南银行\n    kind: official\n    org_unit: 总行/网络金融部\n"
        "  - account_key: weibo:200\n    platform: weibo\n    platform_account_id: '200'\n"
        "    display_name: 东岳银行\n    kind: competitor\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as info:
        read_roster(path)
    [error] = info.value.errors
    assert error.line == 8 and "competitor_group" in error.message


@pytest.mark.parametrize("name", ["roster.txt", "missing.csv"])
def test_unreadable_files_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x", encoding="utf-8")
    with pytest.raises(RosterError):
        read_roster(path)
