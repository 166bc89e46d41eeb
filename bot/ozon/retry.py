"""Retry back-off: capped exponential delays with full jitter, honouring Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.ozon.errors import (
    OzonAuthError,
    OzonError,
    OzonRateLimited,
    OzonServerError,
    OzonTransportError,
)

__all__ = ["RetryPolicy", "describe_failure", "should_retry"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts of one request.

    `max_attempts` counts the first attempt (1 disables retries). The n-th retry waits a random
    time in [0, min(max_delay, base_delay * 2**(n-1))] (full jitter; `jitter=False` waits the whole
    cap). A Retry-After from Ozon raises the wait to at least that many seconds, capped at
    `max_retry_after`. Pass a seeded `rng` for reproducible tests.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")

    def delay(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry `retry_number` (1 for the first retry)."""
        cap = min(self.max_delay, self.base_delay * 2.0 ** min(max(retry_number - 1, 0), 60))
        computed = self.rng.uniform(0.0, cap) if self.jitter else cap
        if retry_after is None:
            return computed
        return min(max(retry_after, computed), self.max_retry_after)


def should_retry(exc: OzonError, repeatable: bool) -> bool:
    """Whether a failed attempt may be repeated.

    Auth errors never are. A 429 always is (Ozon refused before doing anything). Reads
    (`repeatable`) are also repeated after 5xx and any transport error; writes only after a
    transport error that happened before the request was sent, as Ozon takes no idempotency key.
    """
    if isinstance(exc, OzonAuthError):
        return False
    if isinstance(exc, OzonRateLimited):
        return True
    if isinstance(exc, OzonTransportError):
        return repeatable or not exc.may_have_arrived
    return repeatable and isinstance(exc, OzonServerError)


def describe_failure(exc: OzonError) -> str:
    """Short log text for a failed attempt: the HTTP status, or the kind of transport failure."""
    status = getattr(exc, "status", None)
    return f"HTTP {status}" if status is not None else type(exc).__name__
