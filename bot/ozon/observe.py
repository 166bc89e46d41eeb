"""What the Ozon client lets its owner watch, without knowing who watches: each HTTP attempt with
its outcome, and each pause Ozon's 429 imposed (the bridge counts them for `/metrics`); and the
log of entries Ozon sent in a shape the client cannot read, said once an hour while it lasts."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Protocol

from bot.ozon.errors import (
    OzonAuthError,
    OzonError,
    OzonRateLimited,
    OzonResponseError,
    OzonServerError,
    OzonTransportError,
)

logger = logging.getLogger("bot.ozon")

_RETELL = 3600.0  # seconds before the same unreadable entry is logged again
_TOLD_LIMIT = 1000


class RequestObserver(Protocol):
    def request(self, path: str, outcome: str) -> None:
        """One HTTP attempt at `path` ended with `outcome` (see `outcome_of`)."""

    def rate_limited(self, seconds: float) -> None:
        """Ozon's 429 held every caller for this long."""


_OUTCOMES: tuple[tuple[type[OzonError], str], ...] = (
    (OzonRateLimited, "rate_limited"),
    (OzonAuthError, "auth"),
    (OzonServerError, "server_error"),
    (OzonTransportError, "transport_error"),
    (OzonResponseError, "bad_answer"),
)


def outcome_of(error: OzonError) -> str:
    """A short name for how an attempt failed: rate_limited (429), auth (401, or a 403 about the
    key), server_error (5xx), transport_error, bad_answer (a 2xx not in the documented shape),
    refused (any other 4xx). An attempt that succeeded is `ok`; one cancelled, `error`."""
    return next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "refused")


class UnreadableLog:
    """One ERROR for the entries of a page the client could not read, each said again only after
    an hour: a chat Ozon keeps listing in an odd shape is not an ERROR every poll."""

    def __init__(self) -> None:
        self._told: dict[str, float] = {}

    def tell(self, path: str, what: str, lines: Sequence[str]) -> None:
        now = time.monotonic()
        told = self._told
        fresh = [line for line in lines if line not in told or now - told[line] >= _RETELL]
        if not fresh:
            return
        for line in fresh:
            told[line] = now
        if len(told) > _TOLD_LIMIT:
            self._told = {line: at for line, at in told.items() if now - at < _RETELL}
        logger.error(
            "Ozon %s: %d %s in a shape the bridge cannot read (said again hourly while it "
            "lasts): %s",
            path,
            len(fresh),
            what,
            "; ".join(fresh),
        )
