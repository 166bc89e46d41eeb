"""Why Ozon refused a send, in terms staff can act on (the reasons of `bot.core.states`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.states import FailureReason
from bot.ozon.errors import (
    AuthProblem,
    OzonAuthError,
    OzonBadRequest,
    OzonConflict,
    OzonError,
    OzonForbidden,
    OzonNoSubscription,
    OzonNotFound,
)

# Words in Ozon's refusals that say the buyer's reply window is closed.
_WINDOW_WORDS = ("closed", "expired", "48", "72", "time", "window", "закрыт", "истек", "окно")


@dataclass(frozen=True, slots=True)
class Failure:
    reason: FailureReason
    detail: str
    """Ozon's own words, where it gave a reason."""
    retriable: bool
    """Sending again later can help (staff get «Повторить»)."""


def classify_refusal(exc: OzonError) -> Failure:
    """Why Ozon refused a send, in terms staff can act on."""
    if isinstance(exc, OzonAuthError):
        reason = {
            AuthProblem.KEY_EXPIRED: FailureReason.KEY_EXPIRED,
            AuthProblem.MISSING_ROLE: FailureReason.NO_ROLE,
        }.get(exc.kind, FailureReason.AUTH)
        return Failure(reason, exc.explanation, retriable=True)
    message = getattr(exc, "message", "") or str(exc)
    lowered = message.lower()
    if isinstance(exc, OzonForbidden) and (
        isinstance(exc, OzonNoSubscription) or "premium" in lowered
    ):
        # A subscription without the method: reviews and questions, or chats (Premium).
        subscription = isinstance(exc, OzonNoSubscription)
        reason = FailureReason.NO_SUBSCRIPTION if subscription else FailureReason.NO_PREMIUM
        return Failure(reason, message, retriable=True)
    if isinstance(exc, OzonNotFound):
        return Failure(FailureReason.CHAT_NOT_FOUND, message, retriable=False)
    if isinstance(exc, OzonBadRequest | OzonConflict | OzonForbidden):
        if any(word in lowered for word in _WINDOW_WORDS):
            return Failure(FailureReason.WINDOW_CLOSED, message, retriable=False)
        return Failure(FailureReason.REJECTED, message, retriable=False)
    return Failure(FailureReason.UNAVAILABLE, message, retriable=True)
