"""Which accounts are due: an interval per tier (account kind), most overdue first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from schemas.events import AccountKind, RegisteredAccount

TIER_ORDER = {AccountKind.official: 0, AccountKind.competitor: 1, AccountKind.employee: 2}
DEFAULT_INTERVAL_S = 3600.0


def interval_of(account: RegisteredAccount, intervals: Mapping[str, float]) -> float:
    """Seconds between two crawls of ``account``."""
    return float(intervals.get(account.kind.value, DEFAULT_INTERVAL_S))


def due_accounts(accounts: Sequence[RegisteredAccount],
                 last_started: Mapping[str, datetime | None],
                 intervals: Mapping[str, float], now: datetime) -> list[RegisteredAccount]:
    """Accounts whose interval has passed since their last crawl began (never crawled first,
    then the most overdue; official accounts before competitors before employees on ties)."""
    due: list[tuple[float, int, str, RegisteredAccount]] = []
    for account in accounts:
        last = last_started.get(account.account_key)
        interval = interval_of(account, intervals)
        overdue = float("inf") if last is None else (now - last).total_seconds() - interval
        if overdue >= 0:
            due.append((-overdue, TIER_ORDER[account.kind], account.account_key, account))
    return [a for *_, a in sorted(due, key=lambda t: t[:3])]


def next_due_in(accounts: Sequence[RegisteredAccount],
                last_started: Mapping[str, datetime | None],
                intervals: Mapping[str, float], now: datetime) -> float:
    """Seconds until the next account is due (0 if one is due now)."""
    waits = []
    for account in accounts:
        last = last_started.get(account.account_key)
        if last is None:
            return 0.0
        waits.append(interval_of(account, intervals) - (now - last).total_seconds())
    return max(min(waits), 0.0) if waits else DEFAULT_INTERVAL_S
