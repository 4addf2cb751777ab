"""Turn pydantic validation errors into one line a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

_MAX_ERRORS = 3
_MAX_INPUT = 60


def describe(exc: ValidationError, prefix: str = "") -> str:
    """``posts[3].metrics.likes: Input should be greater than or equal to 0 (got -5); …``."""
    parts: list[str] = []
    for err in exc.errors(include_url=False)[:_MAX_ERRORS]:
        loc = prefix
        for piece in err["loc"]:
            loc += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if loc else str(piece))
        got = ""
        if err["type"] != "missing":
            shown = repr(err.get("input"))
            got = f" (got {shown[:_MAX_INPUT]}{'…' if len(shown) > _MAX_INPUT else ''})"
        parts.append(f"{loc or 'value'}: {err['msg']}{got}")
    more = exc.error_count() - _MAX_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


@dataclass(frozen=True)
class FileProblem:
    """One problem at one line of a file a person edits (a roster, a lexicon)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def summarize(problems: list[FileProblem], what: str) -> str:
    """``3 invalid row(s), nothing imported: a.csv:2: …; … (and 1 more)``."""
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{len(problems)} {what}: {shown}{more}"
