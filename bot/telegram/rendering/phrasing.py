"""The core's values put into words for staff, in Russian (the strings are in `texts`)."""

from __future__ import annotations

import html

from bot.core.broadcast.command import BroadcastRefused
from bot.core.replies.notices import Notice, NoticeKind
from bot.core.replies.outcomes import Outcome
from bot.core.states import FailureReason
from bot.telegram.rendering.fit import WORD_ROOM, shortened
from bot.telegram.texts.broadcasts import BROADCAST_REFUSALS
from bot.telegram.texts.staff import (
    FAILED_HEADER,
    FAILED_PARTIAL,
    FAILED_RETRY_HINT,
    FAILURE_REASONS,
    NOTICES,
    UNNAMED_FILE,
    UNSUPPORTED_CONTENT,
)


def notice_html(notice: Notice) -> str:
    """What a staff message's notice says (HTML, values escaped; a file's name shortened)."""
    values: dict[str, str | int] = {
        key: html.escape(shortened(value, WORD_ROOM)) if isinstance(value, str) else value
        for key, value in notice.params.items()
    }
    if notice.kind == NoticeKind.UNSUPPORTED:
        what = str(notice.params.get("what", "other"))
        values["what"] = UNSUPPORTED_CONTENT.get(what, UNSUPPORTED_CONTENT["other"])
    if notice.kind in (NoticeKind.FILE_TOO_LARGE, NoticeKind.FILE_WRONG_TYPE):
        values["name"] = values.get("name") or UNNAMED_FILE
    return NOTICES[notice.kind].format(**values)


def outcome_html(outcome: Outcome, max_mb: int = 10) -> str:
    """Why a staff message did not (fully) reach the buyer (HTML)."""
    reasons = FAILURE_REASONS
    reason = reasons.get(outcome.reason or "", reasons[FailureReason.UNAVAILABLE])
    lines = [
        FAILED_HEADER
        if outcome.delivered == 0
        else FAILED_PARTIAL.format(delivered=outcome.delivered, total=outcome.parts),
        reason.format(detail=html.escape(outcome.detail), max_mb=max_mb),
    ]
    if outcome.retriable:
        lines.append(FAILED_RETRY_HINT)
    return "\n".join(lines)


def refusal_text(refused: BroadcastRefused) -> str:
    """Why a broadcast was refused, as plain text (escape it for HTML); what staff wrote is said
    back shortened to a word's room."""
    values = {
        key: shortened(value, WORD_ROOM) if isinstance(value, str) else value
        for key, value in refused.values.items()
    }
    return BROADCAST_REFUSALS[refused.reason].format(**values)
