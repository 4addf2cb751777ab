"""What can go wrong while crawling a platform, sorted by what the crawler does about it.

- :class:`TransientError` (network errors, 5xx, 429 and platform "too fast" codes): retried
  with backoff and jitter; :class:`RateLimited` may say how long to wait.
- :class:`TokenExpired`: the connector refreshes the token once where the platform has a
  refresh flow, then the request is retried; otherwise it becomes an :class:`AuthError`.
- :class:`AuthError`, :class:`PermanentError`: never retried (a bad key stays bad).
- :class:`AccountGone`: the platform says the account is banned, deleted or private: not a
  failure of the crawler but a status to publish.
- :class:`BadPayload`: the platform answered something the normaliser cannot read (an HTML
  error page, a missing field, a wrong type): a dead letter naming platform and endpoint.

Every error carries the endpoint it happened on; messages never contain credentials.
"""

from __future__ import annotations

from schemas.events import AccountStatus


class CrawlError(Exception):
    """A failed platform request or an unreadable answer, on one endpoint."""

    outcome = "error"

    def __init__(self, endpoint: str, message: str) -> None:
        super().__init__(f"{endpoint}: {message}")
        self.endpoint = endpoint
        self.message = message


class TransientError(CrawlError):
    """Worth retrying: network error, timeout, 5xx, platform busy."""

    outcome = "network_error"


class RateLimited(TransientError):
    """The platform said we are too fast (HTTP 429 or its own code)."""

    outcome = "rate_limited"

    def __init__(self, endpoint: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(endpoint, message)
        self.retry_after_s = retry_after_s


class TokenExpired(CrawlError):
    """The access token expired: refresh it (where the platform can) and try again."""

    outcome = "auth_failed"


class AuthError(CrawlError):
    """Bad key, bad signature, revoked or unrefreshable token: a person must act."""

    outcome = "auth_failed"


class PermanentError(CrawlError):
    """A 4xx or platform error that retrying cannot fix (bad parameter, no permission)."""

    outcome = "http_error"


class AccountGone(CrawlError):
    """The platform says the account is banned, deleted, restricted or private."""

    outcome = "account_gone"

    def __init__(self, endpoint: str, message: str, status: AccountStatus) -> None:
        super().__init__(endpoint, message)
        self.status = status


class BadPayload(CrawlError):
    """An answer the normaliser cannot read; ``raw`` keeps (the start of) what came back."""

    outcome = "bad_payload"

    def __init__(self, endpoint: str, message: str, raw: str = "") -> None:
        super().__init__(endpoint, message)
        self.raw = raw
