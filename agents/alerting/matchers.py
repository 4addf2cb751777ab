"""Label matchers, as Alertmanager and amtool write them: ``k=v``, ``k!=v``, ``k=~re``,
``k!~re``, plus ``k^=prefix`` for org-unit paths (``org_unit^=杭州分行`` matches the branch and
every sub-branch)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Op = Literal["=", "!=", "=~", "!~", "^="]
_PARSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|\^=|=)\s*(.*?)\s*$")


class Matcher(BaseModel):
    """One label matcher."""

    model_config = ConfigDict(frozen=True)

    name: str
    op: Op = "="
    value: str

    @model_validator(mode="after")
    def _regex_compiles(self) -> Matcher:
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"bad regex in {self}: {exc}") from exc
        return self

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether ``labels`` satisfy this matcher (a missing label is the empty string)."""
        have = labels.get(self.name, "")
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        if self.op == "^=":
            return have == self.value or have.startswith(self.value.rstrip("/") + "/")
        found = re.fullmatch(self.value, have) is not None  # anchored, as in Alertmanager
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def parse_matcher(text: str) -> Matcher:
    """``org_unit^=杭州分行`` → Matcher; ValueError with the text on a bad one."""
    found = _PARSE.match(text)
    if not found:
        raise ValueError(f"not a matcher: {text!r} (use name=value, !=, =~, !~ or ^=)")
    name, op, value = found.groups()
    return Matcher.model_validate({"name": name, "op": op, "value": value.strip('"')})


def parse_matchers(text: str) -> list[Matcher]:
    """Comma-separated matchers (``severity=critical,org_unit^=总行``)."""
    return [parse_matcher(part) for part in text.split(",") if part.strip()]


def all_match(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    """True when every matcher matches (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)
