"""Expand the ClickHouse data source plugin's macros and Grafana's template variables the way
Grafana does before a panel's SQL reaches ClickHouse (used to test every panel on chDB)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

ALL: None = None  # a variable's value "All"


def _matching_paren(sql: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(sql)):
        if sql[i] == "(":
            depth += 1
        elif sql[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced parentheses in: {sql[open_at:open_at + 80]}")


def _replace_calls(sql: str, name: str, repl: object) -> str:
    """Replace every ``name(args)`` (nested parentheses allowed) with ``repl(args)``."""
    out: list[str] = []
    pos = 0
    while (start := sql.find(name + "(", pos)) >= 0:
        end = _matching_paren(sql, start + len(name))
        out.append(sql[pos:start])
        out.append(repl(sql[start + len(name) + 1:end]))  # type: ignore[operator]
        pos = end + 1
    out.append(sql[pos:])
    return "".join(out)


def _var_name(ref: str) -> str:
    m = re.fullmatch(r"\$\{?(\w+)(?::\w+)?\}?", ref.strip())
    if not m:
        raise ValueError(f"not a variable reference: {ref!r}")
    return m.group(1)


def expand(sql: str, *, time_from: int, time_to: int, interval_s: int,
           variables: Mapping[str, Sequence[str] | None]) -> str:
    """The SQL with macros and variables expanded. Times are Unix seconds; a variable's value
    is its selected values, or ``ALL`` (None) for "All"."""

    def conditional_all(args: str) -> str:
        cond, _, ref = args.rpartition(",")
        return "1=1" if variables[_var_name(ref)] is ALL else cond.strip()

    sql = _replace_calls(sql, "$__conditionalAll", conditional_all)
    sql = _replace_calls(sql, "$__timeFilter", lambda c: (
        f"{c} >= toDateTime({time_from}) AND {c} <= toDateTime({time_to})"))
    sql = _replace_calls(sql, "$__timeInterval", lambda c: (
        f"toStartOfInterval(toDateTime({c}), INTERVAL {interval_s} second)"))
    sql = sql.replace("$__fromTime", f"toDateTime({time_from})")
    sql = sql.replace("$__toTime", f"toDateTime({time_to})")
    sql = sql.replace("$__interval_s", str(interval_s))

    def value(m: re.Match[str]) -> str:
        name, fmt = m.group(1) or m.group(3), m.group(2)
        values = variables[name]
        if values is ALL:
            raise ValueError(f"${name} is All outside $__conditionalAll")
        if fmt == "singlequote":
            return ",".join("'" + v.replace("'", "\\'") + "'" for v in values) or "''"
        return ",".join(values)

    return re.sub(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)", value, sql)
