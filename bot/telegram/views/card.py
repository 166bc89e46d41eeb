"""What `/card` answers in Russian: whether the order card changed, went into a post of its own
or could not be shown (and why, in Telegram's words), and whether Ozon answered at all."""

from __future__ import annotations

from bot.core.cards.reader import Refreshed
from bot.core.cards.showing import Outcome
from bot.telegram.rendering.links import escape
from bot.telegram.texts.cards import (
    CARD_NO_POST,
    CARD_NOT_SHOWN,
    CARD_NOTHING,
    CARD_OZON_KEPT,
    CARD_OZON_SILENT,
    CARD_REFRESHED,
    CARD_REPOSTED,
    CARD_REPOSTED_WHY,
    CARD_UNCHANGED,
)


def card_answer(refreshed: Refreshed | None) -> str:
    """The answer to `/card` (None: the chat names no order or product)."""
    if refreshed is None:
        return CARD_NOTHING
    card = refreshed.card
    ozon = CARD_OZON_KEPT if card.kept else CARD_OZON_SILENT if card.unavailable else None
    if ozon is not None and refreshed.shown.outcome is Outcome.UNCHANGED:
        return ozon  # nothing new because Ozon did not answer, not because nothing changed
    return "\n".join(line for line in (_shown(refreshed), ozon) if line)


def _shown(refreshed: Refreshed) -> str:
    shown = refreshed.shown
    reason = escape(shown.reason or "")
    if shown.outcome is Outcome.UPDATED:
        return CARD_REFRESHED
    if shown.outcome is Outcome.UNCHANGED:
        return CARD_UNCHANGED
    if shown.outcome is Outcome.REPOSTED:
        return CARD_REPOSTED_WHY.format(reason=reason) if reason else CARD_REPOSTED
    if shown.outcome is Outcome.REFUSED:
        return CARD_NOT_SHOWN.format(reason=reason)
    return CARD_NO_POST
