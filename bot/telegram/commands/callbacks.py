"""Inline button payloads (at most 64 bytes each)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BroadcastAction(CallbackData, prefix="bc"):
    """«Отправить» / «Отменить» under a broadcast preview or progress line."""

    job_id: int
    action: str  # "go" | "stop"


class RetryReply(CallbackData, prefix="retry"):
    """«Повторить» under a failure notice: send the staff message's failed parts again."""

    message_id: int


class TemplatePick(CallbackData, prefix="tpl"):
    """A template's button under `/t` in a buyer's topic: send it to that buyer."""

    name: str


class DraftAction(CallbackData, prefix="draft"):
    """«Отправить» / «Отменить» under a reply draft."""

    draft_id: int
    action: str  # "send" | "cancel"
