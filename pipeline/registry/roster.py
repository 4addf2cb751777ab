"""Read a roster file (CSV, XLSX or YAML) into validated accounts, or say exactly what is wrong.

Every row is validated; errors name ``file:line`` and the field. One bad row means the whole
file is refused: a half-imported roster is worse than none.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from agents.validation import FileProblem, describe, summarize
from schemas.events import RegisteredAccount

COLUMNS = tuple(RegisteredAccount.model_fields)
MAX_ERRORS_SHOWN = 20


RowError = FileProblem


class RosterError(ValueError):
    """The roster cannot be imported; ``errors`` says where and why."""

    def __init__(self, path: Path, errors: list[RowError]) -> None:
        self.path = path
        self.errors = errors
        super().__init__(summarize(errors, "invalid row(s), nothing imported"))


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            raise ValueError("more cells than header columns")
        name = str(key).strip()
        if value is None:
            value = ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if name == "competitor_group" and not text:
            out[name] = None
        else:
            out[name] = text
    return out


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, row


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    for line, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield line, dict(zip(header, values, strict=False))
    book.close()


def _yaml_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is None:
        return
    items = node.value if isinstance(node, yaml.SequenceNode) else None
    if items is None and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "accounts" and isinstance(value, yaml.SequenceNode):
                items = value.value
    if items is None:
        raise RosterError(path, [RowError(path, 1, "expected a list of accounts "
                                           "(or a mapping with an 'accounts' list)")])
    constructor = yaml.SafeLoader("")
    for item in items:
        data = constructor.construct_document(item)
        if not isinstance(data, dict):
            raise RosterError(path, [RowError(path, item.start_mark.line + 1,
                                               "each account must be a mapping")])
        yield item.start_mark.line + 1, data


def read_roster(path: Path) -> list[RegisteredAccount]:
    """Validate every row of ``path``; return the accounts or raise :class:`RosterError`."""
    suffix = path.suffix.lower()
    readers = {".csv": _csv_rows, ".xlsx": _xlsx_rows, ".yaml": _yaml_rows, ".yml": _yaml_rows}
    if suffix not in readers:
        raise RosterError(path, [RowError(path, 0, "unsupported file type; use .csv, .xlsx "
                                                   "or .yaml")])
    if not path.is_file():
        raise RosterError(path, [RowError(path, 0, "file not found")])
    accounts: list[RegisteredAccount] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    try:
        for line, row in readers[suffix](path):
            try:
                account = RegisteredAccount.model_validate(_clean(row))
            except ValidationError as exc:
                errors.append(RowError(path, line, describe(exc)))
                continue
            except ValueError as exc:
                errors.append(RowError(path, line, str(exc)))
                continue
            if account.account_key in seen:
                errors.append(RowError(path, line, f"account_key {account.account_key} already "
                                                   f"on line {seen[account.account_key]}"))
                continue
            seen[account.account_key] = line
            accounts.append(account)
    except (yaml.YAMLError, csv.Error, OSError, KeyError, StopIteration) as exc:
        errors.append(RowError(path, 0, f"cannot read file: {str(exc).splitlines()[0]}"))
    except Exception as exc:  # e.g. a corrupt XLSX (zipfile.BadZipFile)
        if isinstance(exc, RosterError):
            raise
        errors.append(RowError(path, 0, f"cannot read file: {type(exc).__name__}: {exc}"))
    if errors:
        raise RosterError(path, errors)
    if not accounts:
        raise RosterError(path, [RowError(path, 0, "no accounts in file")])
    return accounts
