"""Inline button payloads (at most 64 bytes each)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class RetryReply(CallbackData, prefix="retry"):
    """«Повторить» under a failure notice: send the staff message's failed parts again."""

    message_id: int
